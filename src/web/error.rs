//! The web layer's one error type, and the middleware that turns every error status into a
//! page in the look of the area it happened in. Causes are logged; none reach the browser.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::domain::DomainError;
use crate::domain::auth::Area;
use crate::web::page::{self, PageContext};

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("the form's security token is missing or wrong")]
    CsrfRejected,
    /// Not signed in: sent to the area's sign-in page.
    #[error("sign-in required")]
    SignInRequired { area: Area, next: Option<String> },
    /// An employee working as a client opened an admin page: sent to the way back.
    #[error("working as a client")]
    ImpersonationActive,
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The database cannot be reached or is saturated.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<DomainError> for WebError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound => WebError::NotFound,
            DomainError::Forbidden => WebError::Forbidden,
            DomainError::Invalid(fields) => {
                WebError::BadRequest(format!("invalid input: {fields:?}"))
            }
            DomainError::Database(e) => e.into(),
            DomainError::Internal(message) => WebError::Internal(message),
        }
    }
}

impl From<diesel::result::Error> for WebError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => WebError::NotFound,
            other => WebError::Internal(format!("database: {other}")),
        }
    }
}

impl From<actix_session::SessionInsertError> for WebError {
    fn from(e: actix_session::SessionInsertError) -> Self {
        WebError::Internal(format!("session: {e}"))
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::Internal(format!("template: {e}"))
    }
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden | WebError::CsrfRejected => StatusCode::FORBIDDEN,
            WebError::SignInRequired { .. } | WebError::ImpersonationActive => {
                StatusCode::SEE_OTHER
            }
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A bare status; `render_error_pages` gives it a body. Sign-in redirects are complete.
    fn error_response(&self) -> HttpResponse {
        if let WebError::SignInRequired { area, next } = self {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, page::sign_in_url(*area, next.as_deref())))
                .finish();
        }
        if let WebError::ImpersonationActive = self {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/client/impersonation"))
                .finish();
        }
        HttpResponse::build(self.status_code()).finish()
    }
}

/// Paths whose error answers stay as they are: machines read them, not people.
const PLAIN_ERROR_PATHS: [&str; 3] = ["/healthz", "/static/", "/payments/webhook"];

/// Turns error statuses without an HTML body into a full page, and logs server errors
/// with their cause.
pub async fn render_error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
    // Inner middleware answers refusals with error responses, not `Err`, so the request is
    // still here to render the page with.
    let res = next.call(req).await?;
    let status = res.status();
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if status.as_u16() < 400 || is_html {
        return Ok(res.map_into_left_body());
    }
    let cause = res.response().error().map(|e| e.to_string());
    finish(res.map_into_boxed_body(), cause)
        .await
        .map(ServiceResponse::map_into_right_body)
}

async fn finish(
    res: ServiceResponse<BoxBody>,
    cause: Option<String>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let status = res.status();
    if status.is_server_error() {
        tracing::error!(
            method = %res.request().method(),
            path = %res.request().path(),
            status = status.as_u16(),
            cause = cause.as_deref().unwrap_or("(none given)"),
            "request failed"
        );
    }
    if status.as_u16() < 400
        || PLAIN_ERROR_PATHS
            .iter()
            .any(|p| res.request().path().starts_with(p))
    {
        return Ok(res);
    }
    let (req, response) = res.into_parts();
    let ctx = PageContext::for_error(&req).await;
    let (title, message) = describe(status);
    let html = match ctx.area {
        Some(Area::Admin) => AdminErrorPage {
            ctx,
            status: status.as_u16(),
            title,
            message,
        }
        .render(),
        Some(Area::Client) => ClientErrorPage {
            ctx,
            status: status.as_u16(),
            title,
            message,
        }
        .render(),
        None => PublicErrorPage {
            ctx,
            status: status.as_u16(),
            title,
            message,
        }
        .render(),
    };
    let mut builder = HttpResponse::build(status);
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            builder.insert_header((name.clone(), value.clone()));
        }
    }
    let body = match html {
        Ok(html) => html,
        Err(e) => {
            tracing::error!("cannot render the error page: {e}");
            format!("{} {}", status.as_u16(), title)
        }
    };
    let response = if req.method() == Method::HEAD {
        builder.content_type("text/html; charset=utf-8").finish()
    } else {
        builder.content_type("text/html; charset=utf-8").body(body)
    };
    Ok(ServiceResponse::new(req, response))
}

/// What a person is told for each status: what happened and what to do.
fn describe(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => (
            "Bad request",
            "The request could not be understood. Go back, check the form and try again.",
        ),
        403 => (
            "Access denied",
            "You do not have permission to open this page or do this action. If you need it, ask your administrator.",
        ),
        404 => (
            "Page not found",
            "There is no such page, or it is not yours to see. Check the address or go back to the start.",
        ),
        405 => ("Not allowed", "This page cannot be used this way."),
        413 => (
            "Too large",
            "What you sent is larger than billpanel accepts. Shorten it and try again.",
        ),
        429 => (
            "Too many requests",
            "Slow down a little and try again in a moment.",
        ),
        503 => (
            "Temporarily unavailable",
            "billpanel cannot reach its database right now. Try again in a minute.",
        ),
        s if s >= 500 => (
            "Something went wrong",
            "An error happened on our side and has been logged. Try again; if it keeps happening, tell the administrator.",
        ),
        _ => ("Request refused", "The request could not be completed."),
    }
}

#[derive(Template)]
#[template(path = "admin/error.html")]
struct AdminErrorPage {
    ctx: PageContext,
    status: u16,
    title: &'static str,
    message: &'static str,
}

#[derive(Template)]
#[template(path = "client/error.html")]
struct ClientErrorPage {
    ctx: PageContext,
    status: u16,
    title: &'static str,
    message: &'static str,
}

#[derive(Template)]
#[template(path = "error.html")]
struct PublicErrorPage {
    ctx: PageContext,
    status: u16,
    title: &'static str,
    message: &'static str,
}
