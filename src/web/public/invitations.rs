//! `/invitation`: someone a client invited chooses its password and becomes its user.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::domain::auth::Login;
use crate::domain::password::NewPassword;
use crate::domain::{FieldErrors, client_users};
use crate::web::forms::{Form, Outcome};
use crate::web::identity::Visitor;
use crate::web::page::{self, Flash, PageContext};
use crate::web::public::registration::TokenQuery;
use crate::web::{AppState, WebError};

#[derive(Template, WebTemplate)]
#[template(path = "invitations/accept.html")]
pub struct AcceptPage {
    pub ctx: PageContext,
    pub token: String,
    /// (the client's name, the invited address), while the link is good.
    pub invitation: Option<(String, String)>,
    pub form: AcceptForm,
    pub errors: FieldErrors,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct AcceptForm {
    pub token: String,
    pub name: String,
    pub password: String,
    pub password_confirm: String,
}

async fn accept_page(
    state: &AppState,
    ctx: PageContext,
    form: AcceptForm,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let token = form.token.clone();
    let found = state
        .db(move |conn| client_users::invitation_of_link(conn, &token))
        .await?;
    let form = match (&found, form.name.is_empty()) {
        (Some((invitation, _)), true) => AcceptForm {
            name: invitation.name.clone(),
            ..form
        },
        _ => form,
    };
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &AcceptPage {
            ctx,
            token: form.token.clone(),
            invitation: found.map(|(i, client)| (client, i.email)),
            form: AcceptForm {
                password: String::new(),
                password_confirm: String::new(),
                ..form
            },
            errors,
        },
    )
}

/// `GET /invitation?token=`: the page an invitation's link opens (opening it changes
/// nothing).
pub async fn show(
    state: web::Data<AppState>,
    ctx: PageContext,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, WebError> {
    let form = AcceptForm {
        token: query.into_inner().token,
        ..Default::default()
    };
    let mut answer = accept_page(&state, ctx, form, FieldErrors::new()).await?;
    *answer.status_mut() = StatusCode::OK;
    Ok(answer)
}

/// `POST /invitation`: the user is made and signed in.
pub async fn accept(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    ctx: PageContext,
    visitor: Visitor,
    form: Form<AcceptForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let mut errors = FieldErrors::new();
    let password = NewPassword::parse(&form.password)
        .map_err(|m| errors.add("password", m))
        .ok();
    if form.password != form.password_confirm {
        errors.add("password_confirm", "The two passwords do not match.");
    }
    let outcome = match password {
        Some(password) if errors.is_empty() => {
            let actor = visitor.actor;
            let typed = form.clone();
            state
                .attempt_with_password_work(move |conn| {
                    client_users::accept_invitation(
                        conn,
                        &actor,
                        &typed.token,
                        &typed.name,
                        &password,
                    )
                })
                .await?
        }
        _ => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(user) => {
            let answer = crate::web::public::sessions::signed_in(
                &state,
                &session,
                &req,
                Login::User(user),
                "invitation",
                "/client",
            )
            .await?;
            Flash::success("Welcome! You can sign in with this address and password from now on.")
                .set(&session);
            Ok(answer)
        }
        Outcome::Invalid(errors) => accept_page(&state, ctx, form, errors).await,
    }
}
