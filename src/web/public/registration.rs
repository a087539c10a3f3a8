//! A visitor registers at `/register`: a client, its owner user and an account.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;
use validator::Validate;

use crate::db::models::provider::ProviderChoice;
use crate::domain::email::Email;
use crate::domain::password::NewPassword;
use crate::domain::registration::{self, Registration};
use crate::domain::{DomainError, FieldErrors};
use crate::web::forms::check_shape;
use crate::web::forms::{Form, Outcome};
use crate::web::identity::{Identity, Visitor};
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

/// What the browser sends. Field names are stable: scripts and password managers use them.
#[derive(Debug, Default, Deserialize, Validate)]
pub struct RegisterForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    #[validate(must_match(other = "password", message = "The two passwords do not match."))]
    pub password_confirm: String,
    #[serde(default)]
    pub provider_id: String,
}

impl TryFrom<&RegisterForm> for Registration {
    type Error = FieldErrors;

    fn try_from(form: &RegisterForm) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = Email::parse(&form.email)
            .map_err(|m| errors.add("email", m))
            .ok();
        let name = registration::parse_name(&form.name)
            .map_err(|m| errors.add("name", m))
            .ok();
        let password = NewPassword::parse(&form.password)
            .map_err(|m| errors.add("password", m))
            .ok();
        let provider_id = match form.provider_id.trim() {
            "" => None,
            raw => raw
                .parse()
                .map_err(|_| errors.add("provider_id", "Choose a provider from the list."))
                .ok(),
        };
        check_shape(form, &mut errors);
        match (email, name, password) {
            (Some(email), Some(name), Some(password)) if errors.is_empty() => Ok(Registration {
                email,
                name,
                password,
                provider_id,
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "registration/new.html")]
pub struct RegisterPage {
    pub ctx: PageContext,
    pub form: RegisterForm,
    pub errors: FieldErrors,
    pub providers: Vec<ProviderChoice>,
}

impl RegisterPage {
    /// The provider choice is asked only when a provider besides the site's is offered.
    pub fn ask_provider(&self) -> bool {
        self.providers.len() > 1
    }

    /// The one chosen, or the site's (listed first) before anything is.
    pub fn provider_selected(&self, choice: &ProviderChoice) -> bool {
        match self.form.provider_id.trim() {
            "" => self.providers.first().is_some_and(|p| p.id == choice.id),
            chosen => chosen == choice.id.to_string(),
        }
    }
}

pub async fn new(state: web::Data<AppState>, ctx: PageContext) -> Result<HttpResponse, WebError> {
    if matches!(ctx.identity, Some(Identity::ClientUser { .. })) {
        return Ok(page::redirect("/client"));
    }
    let providers = state.db(registration::providers).await?;
    let page = RegisterPage {
        ctx,
        form: RegisterForm::default(),
        errors: FieldErrors::new(),
        providers,
    };
    page::render_with(StatusCode::OK, &page)
}

pub async fn create(
    state: web::Data<AppState>,
    session: Session,
    ctx: PageContext,
    visitor: Visitor,
    form: Form<RegisterForm>,
) -> Result<HttpResponse, WebError> {
    if matches!(ctx.identity, Some(Identity::ClientUser { .. })) {
        return Ok(page::redirect("/client"));
    }
    let form = form.into_inner();
    let result = match Registration::try_from(&form) {
        Ok(registration) => {
            let actor = visitor.actor;
            let site = state.config.public_url.clone();
            let per_hour = state.config.registrations_per_hour;
            state
                .db_with_password_work(move |conn| {
                    Ok::<_, WebError>(registration::register(
                        conn,
                        &actor,
                        registration,
                        &site,
                        per_hour,
                    ))
                })
                .await?
        }
        Err(errors) => Err(DomainError::Invalid(errors)),
    };
    match result {
        Ok(()) => {
            // The same answer whether or not the address has an account already.
            Flash::info(format!(
                "We sent a link to {}. Open it to finish registering.",
                form.email.trim().to_lowercase()
            ))
            .set(&session);
            Ok(page::redirect("/register/sent"))
        }
        Err(DomainError::Invalid(errors)) => {
            let providers = state.db(registration::providers).await?;
            let form = RegisterForm {
                password: String::new(),
                password_confirm: String::new(),
                ..form
            };
            let page = RegisterPage {
                ctx,
                form,
                errors,
                providers,
            };
            page::render_with(page::FORM_SHOWN_AGAIN, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "registration/sent.html")]
pub struct SentPage {
    pub ctx: PageContext,
}

/// `GET /register/sent`: check your inbox.
pub async fn sent(ctx: PageContext) -> SentPage {
    SentPage { ctx }
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    pub token: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "registration/confirm.html")]
pub struct ConfirmPage {
    pub ctx: PageContext,
    pub token: String,
    /// The registration the link stands for; `None` when the link is no longer good.
    pub pending: Option<(String, String)>,
    pub error: String,
}

/// `GET /register/confirm?token=`: the page a confirmation link opens. Opening it changes
/// nothing (mail scanners open links too); its button confirms.
pub async fn confirm_form(
    state: web::Data<AppState>,
    ctx: PageContext,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, WebError> {
    let token = query.into_inner().token;
    let lookup = token.clone();
    let pending = state
        .db(move |conn| registration::pending(conn, &lookup))
        .await?
        .map(|p| (p.name, p.email));
    page::render_with(
        StatusCode::OK,
        &ConfirmPage {
            ctx,
            token,
            pending,
            error: String::new(),
        },
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    pub token: String,
}

/// `POST /register/confirm`: the client is made, and signed in.
pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    ctx: PageContext,
    visitor: Visitor,
    form: Form<ConfirmForm>,
) -> Result<HttpResponse, WebError> {
    let token = form.into_inner().token;
    let actor = visitor.actor;
    let typed = token.clone();
    match state
        .attempt(move |conn| registration::confirm(conn, &actor, &typed))
        .await?
    {
        Outcome::Done(user) => {
            let answer = crate::web::public::sessions::signed_in(
                &state,
                &session,
                &req,
                crate::domain::auth::Login::User(user),
                "registration",
                "/client",
            )
            .await?;
            Flash::success("Welcome! Your account is ready.").set(&session);
            Ok(answer)
        }
        Outcome::Invalid(errors) => page::render_with(
            page::FORM_SHOWN_AGAIN,
            &ConfirmPage {
                ctx,
                token,
                pending: None,
                error: errors.get("token").to_owned(),
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(
        email: &str,
        name: &str,
        password: &str,
        confirm: &str,
        provider: &str,
    ) -> RegisterForm {
        RegisterForm {
            email: email.into(),
            name: name.into(),
            password: password.into(),
            password_confirm: confirm.into(),
            provider_id: provider.into(),
        }
    }

    #[test]
    fn a_good_form_becomes_a_registration() {
        let r = Registration::try_from(&form(
            " Ann@Example.com",
            " Ann Lee ",
            "long enough!",
            "long enough!",
            "",
        ))
        .unwrap();
        assert_eq!(r.email.as_str(), "ann@example.com");
        assert_eq!(r.name, "Ann Lee");
        assert_eq!(r.provider_id, None);
        let r = Registration::try_from(&form("a@b.io", "A", "long enough!", "long enough!", "7"))
            .unwrap();
        assert_eq!(r.provider_id, Some(crate::ids::ProviderId(7)));
    }

    #[test]
    fn every_wrong_field_gets_its_own_message() {
        let errors = Registration::try_from(&form("nope", "", "short", "other", "x")).unwrap_err();
        for field in [
            "email",
            "name",
            "password",
            "password_confirm",
            "provider_id",
        ] {
            assert!(errors.has(field), "no message at {field}: {errors:?}");
        }
        let errors =
            Registration::try_from(&form("a@b.io", "A", "long enough!", "long enough?", ""))
                .unwrap_err();
        assert_eq!(
            errors.get("password_confirm"),
            "The two passwords do not match."
        );
        assert!(!errors.has("password"));
    }
}
