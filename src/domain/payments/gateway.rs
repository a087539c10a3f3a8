//! The test card gateway: a stand-in for a real payment gateway with the same shape. The
//! client is sent to the gateway's page (`/gateway/test/pay/{id}`, reachable only through
//! the signed link billpanel makes), confirms or declines, and the gateway reports the
//! outcome as an event posted to `/payments/webhook/test`, signed with HMAC-SHA256 over the
//! body. Events are stored under a unique (gateway, event id) key in the same transaction
//! that applies them, so a payment is credited once however often an event arrives.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::db::models::payment::{CANCELLED, GatewayEvent, IN_PROGRESS, NEW, PAID, Payment};
use crate::db::models::payment_method::{PaymentMethod, TEST_CARD};
use crate::db::models::{Account, Company};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::money::Money;
use crate::domain::payments::{account_currency, credit};
use crate::domain::{Actor, DomainError};
use crate::ids::PaymentId;

/// The gateway's name in webhook paths and stored events.
pub const GATEWAY: &str = "test";
/// The header carrying `sha256=<hex of HMAC-SHA256(secret, body)>`.
pub const SIGNATURE_HEADER: &str = "X-Gateway-Signature";
pub const SUCCEEDED: &str = "payment.succeeded";
pub const DECLINED: &str = "payment.declined";

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length.
    HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The signature header's value for a body.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = mac(secret);
    mac.update(body);
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

/// Whether the header signs this body (compared in constant time).
fn verify(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(given) = header.trim().strip_prefix("sha256=").and_then(unhex) else {
        return false;
    };
    let mut mac = mac(secret);
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// An event as the gateway posts it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    pub event_id: String,
    /// `payment.succeeded` or `payment.declined`.
    pub event: String,
    pub payment_id: i64,
    /// Minor units.
    pub amount: i64,
    pub currency: String,
}

/// Why a webhook was refused: 401 for a signature, 400 for the rest.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Domain(#[from] DomainError),
}

impl From<diesel::result::Error> for WebhookError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Domain(e.into())
    }
}

/// What a webhook did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookOutcome {
    Credited,
    Declined,
    /// The event was applied before; nothing more is done.
    Duplicate,
    /// A new event that changes nothing (the payment was settled by another).
    Ignored,
    /// The event id belongs to another payment's event.
    Conflict,
}

impl WebhookOutcome {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Credited => "credited",
            Self::Declined => "declined",
            Self::Duplicate => "already processed",
            Self::Ignored => "nothing to change",
            Self::Conflict => "event id taken by another payment",
        }
    }
}

/// Verifies, stores and applies an event from the test gateway.
pub fn receive(
    conn: &mut DbConnection,
    secret: &[u8],
    signature: Option<&str>,
    body: &[u8],
) -> Result<WebhookOutcome, WebhookError> {
    let signature = signature.ok_or(WebhookError::Unauthorized("missing signature"))?;
    if !verify(secret, body, signature) {
        return Err(WebhookError::Unauthorized("bad signature"));
    }
    let mut event: Event = serde_json::from_slice(body)
        .map_err(|e| WebhookError::BadRequest(format!("malformed event: {e}")))?;
    event.event_id = event.event_id.trim().to_string();
    if event.event_id.is_empty()
        || event.event_id.len() > 100
        || event.event_id.chars().any(char::is_control)
    {
        return Err(WebhookError::BadRequest(
            "event_id must be 1 to 100 printable characters".into(),
        ));
    }
    if event.event != SUCCEEDED && event.event != DECLINED {
        return Err(WebhookError::BadRequest(format!(
            "unknown event type {:?}",
            event.event
        )));
    }
    let payment = Payment::find(conn, PaymentId(event.payment_id))?
        .filter(|p| p.method == TEST_CARD)
        .ok_or_else(|| WebhookError::BadRequest("unknown payment".into()))?;
    let currency = account_currency(conn, payment.client_id, payment.account_id)?
        .ok_or_else(|| WebhookError::BadRequest("unknown payment".into()))?;
    if event.amount != payment.amount || event.currency != currency.code {
        return Err(WebhookError::BadRequest(format!(
            "amount {} {} does not match the payment's {}",
            event.amount,
            event.currency,
            currency.money(payment.amount)
        )));
    }
    let actor = Actor::system();
    let outcome = db::write_transaction(conn, |conn| {
        // Every change of this payment locks its account: events for it apply one by one.
        Account::lock(conn, payment.account_id)?;
        if let Some(seen) = GatewayEvent::find(conn, GATEWAY, &event.event_id)? {
            return if seen.payment_id == payment.id {
                Ok(WebhookOutcome::Duplicate)
            } else {
                Ok(WebhookOutcome::Conflict)
            };
        }
        let now = db::now();
        GatewayEvent::insert(
            conn,
            GATEWAY,
            &event.event_id,
            payment.id,
            &event.event,
            now,
        )?;
        if event.event == SUCCEEDED {
            if !Payment::change_status(
                conn,
                payment.id,
                &[NEW, IN_PROGRESS, CANCELLED],
                PAID,
                Some(now),
            )? {
                return Ok(WebhookOutcome::Ignored);
            }
            let paid = Payment::find(conn, payment.id)?.ok_or(DomainError::NotFound)?;
            credit(conn, &actor, &paid, "payment.gateway_paid", now)?;
            Ok(WebhookOutcome::Credited)
        } else {
            if !Payment::change_status(conn, payment.id, &[NEW, IN_PROGRESS], CANCELLED, None)? {
                return Ok(WebhookOutcome::Ignored);
            }
            audit::record(
                conn,
                &actor,
                "payment.declined",
                Target::new("payment", payment.id),
                &format!("declined by the card gateway (event {})", event.event_id),
            )?;
            Ok::<_, DomainError>(WebhookOutcome::Declined)
        }
    });
    match outcome {
        Ok(WebhookOutcome::Conflict) => Err(WebhookError::BadRequest(
            "event_id was used before for another payment".into(),
        )),
        // The same event delivered twice at the same moment: the other one applied it. Any
        // other broken rule is an error the gateway should retry after.
        Err(DomainError::Database(e)) if db::is_unique_violation(&e) => {
            match GatewayEvent::find(conn, GATEWAY, &event.event_id)? {
                Some(seen) if seen.payment_id == payment.id => Ok(WebhookOutcome::Duplicate),
                _ => Err(DomainError::Database(e).into()),
            }
        }
        other => Ok(other?),
    }
}

/// The token in a checkout link: only billpanel, holding the secret, makes working links.
/// Links are signed with a key of their own, so what clients see of them tells nothing of
/// the key that signs webhooks.
fn checkout_token(secret: &[u8], payment: &Payment) -> String {
    let mut mac = mac(&crate::config::derive_key(secret, "checkout links"));
    mac.update(format!("checkout:{}:{}", payment.id, payment.amount).as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// Where the client is sent to pay a card payment.
pub fn checkout_path(secret: &[u8], payment: &Payment) -> String {
    format!(
        "/gateway/test/pay/{}?token={}",
        payment.id,
        checkout_token(secret, payment)
    )
}

/// What the gateway's page shows.
pub struct Checkout {
    pub payment: Payment,
    pub amount: Money,
    pub merchant: String,
    pub token: String,
}

impl Checkout {
    pub fn open(&self) -> bool {
        self.payment.status == IN_PROGRESS
    }
}

/// The gateway's page for a payment, if the token is the one billpanel made.
pub fn checkout(
    conn: &mut DbConnection,
    secret: &[u8],
    id: PaymentId,
    token: &str,
) -> Result<Checkout, DomainError> {
    let payment = Payment::find(conn, id)?
        .filter(|p| p.method == TEST_CARD)
        .ok_or(DomainError::NotFound)?;
    let expected = checkout_token(secret, &payment);
    let matches: bool = subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), token.as_bytes()).into();
    if !matches {
        return Err(DomainError::NotFound);
    }
    let currency = account_currency(conn, payment.client_id, payment.account_id)?
        .ok_or(DomainError::NotFound)?;
    let merchant = match payment.payment_method_id {
        Some(m) => match PaymentMethod::find(conn, m)? {
            Some(method) => Company::find(conn, method.company_id)?.map(|c| c.legal_name),
            None => None,
        },
        None => None,
    }
    .unwrap_or_default();
    Ok(Checkout {
        amount: currency.money(payment.amount),
        merchant,
        token: token.to_string(),
        payment,
    })
}

/// The person on the gateway's page confirms or declines; the gateway then reports the
/// outcome to billpanel's webhook the way it reports to any shop: a signed event.
pub fn decide(
    conn: &mut DbConnection,
    secret: &[u8],
    id: PaymentId,
    token: &str,
    approve: bool,
) -> Result<WebhookOutcome, DomainError> {
    let checkout = checkout(conn, secret, id, token)?;
    if !checkout.open() {
        return Ok(WebhookOutcome::Ignored);
    }
    let event = Event {
        event_id: format!("evt_{}", crate::config::random_hex(12)),
        event: if approve { SUCCEEDED } else { DECLINED }.into(),
        payment_id: checkout.payment.id.0,
        amount: checkout.payment.amount,
        currency: checkout.amount.currency().to_string(),
    };
    let body = serde_json::to_vec(&event).map_err(|e| DomainError::Internal(e.to_string()))?;
    let signature = sign(secret, &body);
    match receive(conn, secret, Some(&signature), &body) {
        Ok(outcome) => Ok(outcome),
        Err(WebhookError::Domain(e)) => Err(e),
        Err(e) => Err(DomainError::Internal(format!(
            "the test gateway's own event was refused: {e}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_its_body_and_key() {
        let body = br#"{"event_id":"evt_1"}"#;
        let header = sign(b"secret", body);
        assert!(header.starts_with("sha256="));
        assert!(verify(b"secret", body, &header));
        assert!(!verify(b"other", body, &header));
        assert!(!verify(b"secret", br#"{"event_id":"evt_2"}"#, &header));
        assert!(!verify(b"secret", body, "sha256=zz"));
        assert!(!verify(b"secret", body, ""));
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(unhex(&hex(&[0, 15, 255])).unwrap(), vec![0, 15, 255]);
        assert!(unhex("abc").is_none());
    }
}
