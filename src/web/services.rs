//! What the admin and client areas share about services: the order form and how an action
//! on a service reports back.

use actix_session::Session;
use actix_web::HttpResponse;
use serde::Deserialize;

use crate::domain::FieldErrors;
use crate::domain::services::{Action, OrderRaw, Ordered, done_message};
use crate::web::forms::Outcome;
use crate::web::page::{self, Flash};

/// The order form: one choice of tariff and period ("12:3" is tariff 12 for 3 months).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct OrderForm {
    pub choice: String,
    pub auto_renew: Option<String>,
    pub order_key: String,
}

impl OrderForm {
    /// A fresh form: auto-renew on, a new key so that a double click orders once.
    pub fn fresh() -> Self {
        Self {
            choice: String::new(),
            auto_renew: Some("on".into()),
            order_key: crate::config::random_hex(16),
        }
    }

    pub fn raw(&self) -> OrderRaw<'_> {
        let (tariff_id, period) = self.choice.split_once(':').unwrap_or((&self.choice, ""));
        OrderRaw {
            tariff_id,
            period,
            auto_renew: self.auto_renew.is_some(),
            order_key: &self.order_key,
        }
    }

    /// The field messages of the order page, all shown at the choice.
    pub fn errors_at_choice(errors: FieldErrors) -> FieldErrors {
        let mut shown = FieldErrors::new();
        for (_, message) in errors.iter() {
            shown.add("choice", message.clone());
        }
        shown
    }
}

/// What an order's page says after it is placed.
pub fn ordered_message(ordered: &Ordered) -> Flash {
    if ordered.service.status == crate::db::models::service::ORDERED {
        Flash::info(format!(
            "Service #{} is ordered. It starts as soon as the account has {} more.",
            ordered.service.id, ordered.missing
        ))
    } else {
        Flash::success(format!(
            "Service #{} is ordered, paid and active.",
            ordered.service.id
        ))
    }
}

/// An action's form: the reason an employee gives, and the auto-renew switch.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    pub reason: String,
    pub on: String,
    pub paid_until: String,
    /// What the page showed of the service (`services::seen_token`).
    pub seen: String,
}

/// After an action on a service: the message, then back to its page.
pub fn after_action(
    session: &Session,
    outcome: Outcome<crate::db::models::service::Service>,
    action: Action,
    back: &str,
) -> HttpResponse {
    match outcome {
        Outcome::Done(service) => Flash::success(done_message(action, &service)).set(session),
        Outcome::Invalid(errors) => flash_errors(session, &errors),
    }
    page::redirect(back)
}

/// An action's refusal, shown as the page's message.
pub fn flash_errors(session: &Session, errors: &FieldErrors) {
    let text: Vec<String> = errors.iter().map(|(_, m)| m.clone()).collect();
    Flash::error(text.join(" ")).set(session)
}
