//! Client users sign in at `/login` and out at `/logout`.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::domain::auth::{self, Area, SignInError};
use crate::web::forms::Form;
use crate::web::identity::{self, ClientUser, Identity, Visitor};
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

#[derive(Debug, Default, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub next: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    pub next: String,
}

/// The sign-in page of either area; the template is chosen by the area.
#[derive(Template, WebTemplate)]
#[template(path = "sessions/new.html")]
pub struct SignInPage {
    pub ctx: PageContext,
    pub area_title: &'static str,
    pub action: &'static str,
    pub email: String,
    pub next: String,
    pub error: String,
    pub show_register: bool,
}

pub async fn new(ctx: PageContext, query: web::Query<NextQuery>) -> Result<HttpResponse, WebError> {
    if matches!(ctx.identity, Some(Identity::ClientUser { .. })) {
        return Ok(page::redirect("/client"));
    }
    let page = client_page(ctx, String::new(), query.into_inner().next, String::new());
    page::render_with(StatusCode::OK, &page)
}

fn client_page(ctx: PageContext, email: String, next: String, error: String) -> SignInPage {
    SignInPage {
        ctx,
        area_title: "Sign in to your account",
        action: "/login",
        email,
        next,
        error,
        show_register: true,
    }
}

pub async fn create(
    state: web::Data<AppState>,
    session: Session,
    ctx: PageContext,
    visitor: Visitor,
    form: Form<SignInForm>,
) -> Result<HttpResponse, WebError> {
    let SignInForm {
        email,
        password,
        next,
    } = form.into_inner();
    let ip = visitor.actor.ip.clone();
    let login_email = email.clone();
    let outcome = state
        .db_with_password_work(move |conn| {
            Ok::<_, WebError>(auth::sign_in_user(conn, &ip, &login_email, &password))
        })
        .await?;
    match outcome {
        Ok(user) => {
            identity::start_user_session(&session, &user)?;
            let target = page::safe_next(Area::Client, &next).unwrap_or("/client");
            Ok(page::redirect(target))
        }
        Err(refusal) => {
            let (status, message) = refusal_message(refusal).await?;
            page::render_with(status, &client_page(ctx, email, next, message))
        }
    }
}

/// What a refused sign-in tells the person, after the slow-down it has earned.
pub async fn refusal_message(refusal: SignInError) -> Result<(StatusCode, String), WebError> {
    match refusal {
        SignInError::WrongCredentials { delay } => {
            tokio::time::sleep(delay).await;
            Ok((page::FORM_SHOWN_AGAIN, "Wrong email or password.".into()))
        }
        SignInError::Disabled => Ok((
            StatusCode::FORBIDDEN,
            "This account is disabled. Contact the provider's support.".into(),
        )),
        SignInError::Locked { minutes } => Ok((
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many failed sign-in attempts. Sign-in is blocked for now; try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            ),
        )),
        SignInError::Unreadable(message) => Ok((page::FORM_SHOWN_AGAIN, message)),
        SignInError::Failed(e) => Err(e.into()),
    }
}

pub async fn destroy(
    state: web::Data<AppState>,
    session: Session,
    user: ClientUser,
) -> Result<HttpResponse, WebError> {
    let actor = user.actor;
    let employee = actor.is_impersonating();
    state.db(move |conn| auth::sign_out(conn, &actor)).await?;
    identity::end_session(&session);
    Flash::success("You have signed out.").set(&session);
    Ok(page::redirect(if employee {
        "/admin/login"
    } else {
        "/login"
    }))
}
