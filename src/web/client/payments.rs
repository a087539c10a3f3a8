//! `/client/payments`: the client's payments (needs the finance section).

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use crate::db::models::payment::PaymentRow;
use crate::domain::client_permissions::csec;
use crate::domain::money::Money;
use crate::domain::payments;
use crate::web::identity::ClientRequire;
use crate::web::page::PageContext;
use crate::web::{AppState, WebError};

#[derive(Template, WebTemplate)]
#[template(path = "client/payments/index.html")]
pub struct PaymentsPage {
    pub ctx: PageContext,
    pub rows: Vec<PaymentRow>,
}

impl PaymentsPage {
    pub fn money(&self, row: &PaymentRow) -> Money {
        Money::from_minor(row.amount, row.currency_exponent, &row.currency_code)
    }
}

pub async fn index(
    state: web::Data<AppState>,
    user: ClientRequire<csec::Finance>,
    ctx: PageContext,
) -> Result<PaymentsPage, WebError> {
    let actor = user.actor.clone();
    let rows = state
        .db(move |conn| payments::list_for_client(conn, &actor))
        .await?;
    Ok(PaymentsPage { ctx, rows })
}
