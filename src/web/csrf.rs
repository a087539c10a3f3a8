//! Cross-site request forgery protection. Every session has a random token; every form
//! carries it in the hidden field `csrf_token`; every state-changing request without the
//! right token is refused with 403 before any handler runs (deny by default).

use actix_http::h1;
use actix_session::{Session, SessionExt};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use subtle::ConstantTimeEq;

use crate::web::WebError;

const SESSION_KEY: &str = "csrf_token";
pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";

/// Paths that machines post to, which authenticate by their own signature instead: the
/// gateway's webhooks, and the one-click unsubscribe a mail program posts (RFC 8058) to the
/// link a mailing carries, whose token is its signature.
const EXEMPT: [&str; 2] = ["/payments/webhook/", "/mailings/unsubscribe"];

/// The session's token, made on first use.
pub fn token(session: &Session) -> String {
    if let Ok(Some(token)) = session.get::<String>(SESSION_KEY) {
        return token;
    }
    let token = crate::config::random_hex(32);
    if let Err(e) = session.insert(SESSION_KEY, &token) {
        tracing::warn!("cannot keep the CSRF token: {e}");
    }
    token
}

/// Checks the token on every request that may change something.
pub async fn verify(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || EXEMPT.iter().any(|p| req.path().starts_with(p)) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let expected = req
        .request()
        .get_session()
        .get::<String>(SESSION_KEY)
        .ok()
        .flatten();
    let from_header = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let sent = match from_header {
        Some(token) => Some(token),
        None => {
            let body = match req.extract::<Bytes>().await {
                Ok(body) => body,
                Err(e) => return Ok(req.error_response(e).map_into_right_body()),
            };
            let token = form_field(&body, FIELD);
            // Give the body back so the handler can read the form. It is decoded already, so
            // it must not be decoded a second time.
            let (_, mut payload) = h1::Payload::create(true);
            payload.unread_data(body);
            req.set_payload(payload.into());
            req.headers_mut()
                .remove(actix_web::http::header::CONTENT_ENCODING);
            token
        }
    };
    match (expected, sent) {
        (Some(expected), Some(sent)) if bool::from(expected.as_bytes().ct_eq(sent.as_bytes())) => {
            next.call(req)
                .await
                .map(ServiceResponse::map_into_left_body)
        }
        _ => {
            tracing::warn!(path = %req.path(), "refused a request without a valid CSRF token");
            Ok(req
                .error_response(WebError::CsrfRejected)
                .map_into_right_body())
        }
    }
}

/// The value of one field of a URL-encoded form body.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_token_in_a_form() {
        assert_eq!(
            form_field(b"email=a%40b.c&csrf_token=abc123", FIELD).as_deref(),
            Some("abc123")
        );
        assert_eq!(form_field(b"email=a%40b.c", FIELD), None);
        assert_eq!(form_field(b"\xff\xfe", FIELD), None);
    }
}
