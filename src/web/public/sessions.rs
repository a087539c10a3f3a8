//! Client users sign in at `/login` and out at `/logout`.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::domain::auth::{self, Area, Login, SignInError};
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
    /// Where "Forgot your password?" leads.
    pub forgot: &'static str,
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
        forgot: "/password/forgot",
    }
}

pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
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
            Ok::<_, WebError>(auth::check_user_password(
                conn,
                &ip,
                &login_email,
                &password,
            ))
        })
        .await?;
    match outcome {
        Ok(user) => {
            let target = page::safe_next(Area::Client, &next).unwrap_or("/client");
            password_accepted(&state, &session, &req, Login::User(user), target).await
        }
        Err(refusal) => {
            let (status, message) = refusal_message(refusal).await?;
            page::render_with(status, &client_page(ctx, email, next, message))
        }
    }
}

/// The password was right. With a second factor on, the browser is asked for a code first
/// (the cookie remembers who, for a few minutes); without, the session starts.
pub async fn password_accepted(
    state: &AppState,
    session: &Session,
    req: &HttpRequest,
    login: Login,
    target: &str,
) -> Result<HttpResponse, WebError> {
    let asked = login.clone();
    let second_factor = state
        .db(move |conn| crate::domain::two_factor::asked_at_sign_in(conn, &asked))
        .await?;
    if !second_factor {
        return signed_in(state, session, req, login, "password", target).await;
    }
    identity::await_second_factor(session, login.session_owner(), target)?;
    Ok(page::redirect(second_factor_path(login.area())))
}

fn second_factor_path(area: Area) -> &'static str {
    match area {
        Area::Admin => "/admin/login/two-factor",
        Area::Client => "/login/two-factor",
    }
}

/// The second step of signing in, for either area.
#[derive(Template, WebTemplate)]
#[template(path = "sessions/two_factor.html")]
pub struct SecondFactorPage {
    pub ctx: PageContext,
    pub action: &'static str,
    pub start_again: &'static str,
    pub error: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct SecondFactorForm {
    #[serde(default)]
    pub code: String,
}

fn second_factor_page(ctx: PageContext, area: Area, error: String) -> SecondFactorPage {
    SecondFactorPage {
        ctx,
        action: second_factor_path(area),
        start_again: match area {
            Area::Admin => "/admin/login",
            Area::Client => "/login",
        },
        error,
    }
}

/// `GET /login/two-factor` and `/admin/login/two-factor`: the code form, while a right
/// password waits for it; else the sign-in page.
pub async fn second_factor_form(
    session: &Session,
    ctx: PageContext,
    area: Area,
) -> Result<HttpResponse, WebError> {
    if identity::awaiting_second_factor(session).is_none() {
        return Ok(page::redirect(&page::sign_in_url(area, None)));
    }
    page::render_with(
        StatusCode::OK,
        &second_factor_page(ctx, area, String::new()),
    )
}

/// `POST /login/two-factor` and `/admin/login/two-factor`: a code, or a recovery code, of
/// the person whose password was right.
pub async fn second_factor(
    state: &AppState,
    session: &Session,
    req: &HttpRequest,
    ctx: PageContext,
    area: Area,
    code: String,
) -> Result<HttpResponse, WebError> {
    let Some((person, next)) = identity::awaiting_second_factor(session) else {
        Flash::info("Sign in again: the time to type the code has passed.").set(session);
        return Ok(page::redirect(&page::sign_in_url(area, None)));
    };
    let found = state
        .db(move |conn| auth::pending_login(conn, person))
        .await?;
    let Some(login) = found.filter(|l| l.area() == area) else {
        identity::end_session(session);
        return Ok(page::redirect(&page::sign_in_url(area, None)));
    };
    let ip = identity::client_ip(req);
    let sealer = state.sealer.clone();
    let checked = login.clone();
    let outcome = state
        .db(move |conn| {
            Ok::<_, WebError>(crate::domain::two_factor::verify_sign_in(
                conn, &checked, &code, &ip, &sealer,
            ))
        })
        .await?;
    match outcome {
        Ok(how) => {
            let how = if how == "recovery code" {
                "password and recovery code"
            } else {
                "password and authenticator code"
            };
            let target = page::safe_next(area, &next)
                .unwrap_or(match area {
                    Area::Admin => "/admin",
                    Area::Client => "/client",
                })
                .to_owned();
            signed_in(state, session, req, login, how, &target).await
        }
        Err(refusal) => {
            let locked = matches!(refusal, SignInError::Locked { .. });
            let (status, message) = refusal_message(refusal).await?;
            let message = match message.as_str() {
                "Wrong email or password." => {
                    "This code is not right, or was used already. Type the current one.".to_owned()
                }
                _ => message,
            };
            if locked {
                identity::end_session(session);
            }
            page::render_with(status, &second_factor_page(ctx, area, message))
        }
    }
}

pub async fn two_factor_form(session: Session, ctx: PageContext) -> Result<HttpResponse, WebError> {
    second_factor_form(&session, ctx, Area::Client).await
}

pub async fn two_factor(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    ctx: PageContext,
    form: Form<SecondFactorForm>,
) -> Result<HttpResponse, WebError> {
    let code = form.into_inner().code;
    second_factor(&state, &session, &req, ctx, Area::Client, code).await
}

/// The person proved who it is (`how`: "password", "registration", ...): the session
/// starts (recorded, audited, its key in the cookie), and the browser goes on to `target`.
pub async fn signed_in(
    state: &AppState,
    session: &Session,
    req: &HttpRequest,
    login: Login,
    how: &'static str,
    target: &str,
) -> Result<HttpResponse, WebError> {
    let device = identity::device(req);
    let for_session = login.clone();
    let started = state
        .db(move |conn| auth::finish_sign_in(conn, &for_session, &device, how))
        .await?;
    identity::start_session(session, &login, &started)?;
    Ok(page::redirect(target))
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
