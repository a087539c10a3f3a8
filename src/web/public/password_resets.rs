//! "Forgot your password?" in both areas: `/password/forgot` and `/password/reset` for
//! client users, the same under `/admin` for employees. The pages are shared; each route
//! names its area.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::domain::FieldErrors;
use crate::domain::auth::Area;
use crate::domain::password_resets::{self, LINK_GONE};
use crate::web::forms::{Form, Outcome};
use crate::web::identity::Visitor;
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

fn base(area: Area) -> &'static str {
    match area {
        Area::Client => "",
        Area::Admin => "/admin",
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    pub email: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "password_resets/forgot.html")]
pub struct ForgotPage {
    pub ctx: PageContext,
    pub base: &'static str,
    pub email: String,
    pub errors: FieldErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "password_resets/sent.html")]
pub struct SentPage {
    pub ctx: PageContext,
    pub base: &'static str,
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    pub token: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub new_password_confirm: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "password_resets/reset.html")]
pub struct ResetPage {
    pub ctx: PageContext,
    pub base: &'static str,
    pub token: String,
    /// The address the link was sent to; `None` when the link no longer works.
    pub email: Option<String>,
    pub errors: FieldErrors,
    pub gone: &'static str,
}

fn forgot_page(ctx: PageContext, area: Area) -> ForgotPage {
    ForgotPage {
        ctx,
        base: base(area),
        email: String::new(),
        errors: FieldErrors::new(),
    }
}

async fn ask(
    state: web::Data<AppState>,
    ctx: PageContext,
    visitor: Visitor,
    form: ForgotForm,
    area: Area,
) -> Result<HttpResponse, WebError> {
    let actor = visitor.actor;
    let site = state.config.public_url.trim_end_matches('/').to_owned();
    let email = form.email.clone();
    match state
        .attempt(move |conn| password_resets::request(conn, &actor, area, &email, &site))
        .await?
    {
        Outcome::Done(()) => Ok(page::redirect(&format!(
            "{}/password/forgot/sent",
            base(area)
        ))),
        Outcome::Invalid(errors) => page::render_with(
            page::FORM_SHOWN_AGAIN,
            &ForgotPage {
                ctx,
                base: base(area),
                email: form.email,
                errors,
            },
        ),
    }
}

/// The page a link opens. Opening it changes nothing (mail scanners open links too).
async fn open_link(
    state: web::Data<AppState>,
    ctx: PageContext,
    token: String,
    area: Area,
) -> Result<ResetPage, WebError> {
    let lookup = token.clone();
    let email = state
        .db(move |conn| password_resets::pending(conn, area, &lookup))
        .await?;
    Ok(ResetPage {
        ctx,
        base: base(area),
        token,
        email,
        errors: FieldErrors::new(),
        gone: LINK_GONE,
    })
}

async fn choose(
    state: web::Data<AppState>,
    session: Session,
    ctx: PageContext,
    visitor: Visitor,
    form: ResetForm,
    area: Area,
) -> Result<HttpResponse, WebError> {
    let actor = visitor.actor;
    let ResetForm {
        token,
        new_password,
        new_password_confirm,
    } = form;
    let typed = token.clone();
    match state
        .attempt_with_password_work(move |conn| {
            password_resets::reset(
                conn,
                &actor,
                area,
                &typed,
                &new_password,
                &new_password_confirm,
            )
        })
        .await?
    {
        Outcome::Done(_) => {
            Flash::success("Your password is changed: sign in with it.").set(&session);
            Ok(page::redirect(&format!("{}/login", base(area))))
        }
        Outcome::Invalid(errors) => {
            // A link that stopped working shows as such; otherwise the form again, at its
            // fields, for the same link.
            let email = if errors.has("token") {
                None
            } else {
                let lookup = token.clone();
                state
                    .db(move |conn| password_resets::pending(conn, area, &lookup))
                    .await?
            };
            page::render_with(
                page::FORM_SHOWN_AGAIN,
                &ResetPage {
                    ctx,
                    base: base(area),
                    token,
                    email,
                    errors,
                    gone: LINK_GONE,
                },
            )
        }
    }
}

/// `GET /password/forgot`.
pub async fn forgot_form(ctx: PageContext) -> ForgotPage {
    forgot_page(ctx, Area::Client)
}

/// `GET /admin/password/forgot`.
pub async fn staff_forgot_form(ctx: PageContext) -> ForgotPage {
    forgot_page(ctx, Area::Admin)
}

/// `POST /password/forgot`.
pub async fn forgot(
    state: web::Data<AppState>,
    ctx: PageContext,
    visitor: Visitor,
    form: Form<ForgotForm>,
) -> Result<HttpResponse, WebError> {
    ask(state, ctx, visitor, form.into_inner(), Area::Client).await
}

/// `POST /admin/password/forgot`.
pub async fn staff_forgot(
    state: web::Data<AppState>,
    ctx: PageContext,
    visitor: Visitor,
    form: Form<ForgotForm>,
) -> Result<HttpResponse, WebError> {
    ask(state, ctx, visitor, form.into_inner(), Area::Admin).await
}

/// `GET /password/forgot/sent`.
pub async fn sent(ctx: PageContext) -> SentPage {
    SentPage {
        ctx,
        base: base(Area::Client),
    }
}

/// `GET /admin/password/forgot/sent`.
pub async fn staff_sent(ctx: PageContext) -> SentPage {
    SentPage {
        ctx,
        base: base(Area::Admin),
    }
}

/// `GET /password/reset?token=`.
pub async fn reset_form(
    state: web::Data<AppState>,
    ctx: PageContext,
    query: web::Query<TokenQuery>,
) -> Result<ResetPage, WebError> {
    open_link(state, ctx, query.into_inner().token, Area::Client).await
}

/// `GET /admin/password/reset?token=`.
pub async fn staff_reset_form(
    state: web::Data<AppState>,
    ctx: PageContext,
    query: web::Query<TokenQuery>,
) -> Result<ResetPage, WebError> {
    open_link(state, ctx, query.into_inner().token, Area::Admin).await
}

/// `POST /password/reset`.
pub async fn reset(
    state: web::Data<AppState>,
    session: Session,
    ctx: PageContext,
    visitor: Visitor,
    form: Form<ResetForm>,
) -> Result<HttpResponse, WebError> {
    choose(
        state,
        session,
        ctx,
        visitor,
        form.into_inner(),
        Area::Client,
    )
    .await
}

/// `POST /admin/password/reset`.
pub async fn staff_reset(
    state: web::Data<AppState>,
    session: Session,
    ctx: PageContext,
    visitor: Visitor,
    form: Form<ResetForm>,
) -> Result<HttpResponse, WebError> {
    choose(state, session, ctx, visitor, form.into_inner(), Area::Admin).await
}
