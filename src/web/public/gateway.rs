//! The test card gateway's pages (`/gateway/test/pay/{id}`), standing where a real
//! gateway's site would be, and the webhook every gateway event arrives at
//! (`/payments/webhook/test`). Neither needs a session: the checkout link carries a token
//! only billpanel can make, and the webhook checks the body's HMAC signature.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::domain::DomainError;
use crate::domain::payments::gateway::{self, Checkout, WebhookError};
use crate::ids::PaymentId;
use crate::web::page::{self, PageContext};
use crate::web::{AppState, WebError};

/// The gateway's secret, or not found while the test gateway is off.
fn secret_of(state: &AppState) -> Result<Vec<u8>, WebError> {
    state
        .config
        .test_gateway
        .clone()
        .ok_or_else(|| DomainError::NotFound.into())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenQuery {
    pub token: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "gateway/checkout.html")]
pub struct CheckoutPage {
    pub ctx: PageContext,
    pub checkout: Checkout,
}

pub async fn checkout(
    state: web::Data<AppState>,
    ctx: PageContext,
    id: web::Path<PaymentId>,
    query: web::Query<TokenQuery>,
) -> Result<CheckoutPage, WebError> {
    let id = id.into_inner();
    let token = query.into_inner().token;
    let secret = secret_of(&state)?;
    let checkout = state
        .db(move |conn| gateway::checkout(conn, &secret, id, &token))
        .await?;
    Ok(CheckoutPage { ctx, checkout })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    pub token: String,
    /// `pay` or `decline`.
    pub decision: String,
}

/// The person pays or declines; the gateway reports it to the webhook and sends the
/// person back to the shop's page of the payment.
pub async fn decide(
    state: web::Data<AppState>,
    id: web::Path<PaymentId>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let secret = secret_of(&state)?;
    let approve = match form.decision.as_str() {
        "pay" => true,
        "decline" => false,
        _ => {
            return Ok(page::redirect(&format!(
                "/gateway/test/pay/{id}?token={}",
                form.token
            )));
        }
    };
    state
        .db(move |conn| gateway::decide(conn, &secret, id, &form.token, approve))
        .await?;
    Ok(page::redirect(&format!("/client/payments/{id}")))
}

/// `POST /payments/webhook/test`: 200 when applied (or applied before), 401 for a missing
/// or wrong signature, 400 for anything else wrong; each refusal is logged with its reason.
pub async fn webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let signature = req
        .headers()
        .get(gateway::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Some(secret) = state.config.test_gateway.clone() else {
        tracing::warn!(
            gateway = gateway::GATEWAY,
            "webhook refused: the test gateway is off"
        );
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("the test gateway is off");
    };
    let outcome = state
        .db(move |conn| {
            Ok::<_, DomainError>(gateway::receive(conn, &secret, signature.as_deref(), &body))
        })
        .await;
    let plain = |mut builder: actix_web::HttpResponseBuilder, text: String| {
        builder.content_type("text/plain; charset=utf-8").body(text)
    };
    match outcome {
        Ok(Ok(done)) => {
            tracing::info!(gateway = gateway::GATEWAY, "webhook: {}", done.describe());
            plain(HttpResponse::Ok(), done.describe().into())
        }
        Ok(Err(WebhookError::Unauthorized(reason))) => {
            tracing::warn!(gateway = gateway::GATEWAY, "webhook refused: {reason}");
            plain(HttpResponse::Unauthorized(), reason.into())
        }
        Ok(Err(WebhookError::BadRequest(reason))) => {
            tracing::warn!(gateway = gateway::GATEWAY, "webhook refused: {reason}");
            plain(HttpResponse::BadRequest(), reason)
        }
        Ok(Err(WebhookError::Domain(e))) => {
            tracing::error!(gateway = gateway::GATEWAY, "webhook failed: {e}");
            plain(HttpResponse::InternalServerError(), "internal error".into())
        }
        Err(e) => {
            tracing::error!(gateway = gateway::GATEWAY, "webhook failed: {e:?}");
            plain(HttpResponse::InternalServerError(), "internal error".into())
        }
    }
}
