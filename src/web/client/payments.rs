//! `/client/payments` and `/client/expenses`: the client's payments and charges (needs the
//! finance section).

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use crate::db::models::expense::ExpenseRow;
use crate::db::models::payment::PaymentRow;
use crate::domain::client_permissions::csec;
use crate::domain::money::Money;
use crate::domain::{payments, services};
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

#[derive(Template, WebTemplate)]
#[template(path = "client/payments/expenses.html")]
pub struct ExpensesPage {
    pub ctx: PageContext,
    pub rows: Vec<ExpenseRow>,
}

impl ExpensesPage {
    pub fn money(&self, row: &ExpenseRow) -> Money {
        Money::from_minor(
            row.expense.amount,
            row.currency_exponent,
            &row.currency_code,
        )
    }
}

/// What the client was charged, newest first.
pub async fn expenses(
    state: web::Data<AppState>,
    user: ClientRequire<csec::Finance>,
    ctx: PageContext,
) -> Result<ExpensesPage, WebError> {
    let actor = user.actor.clone();
    let rows = state
        .db(move |conn| services::expenses_for_client(conn, &actor))
        .await?;
    Ok(ExpensesPage { ctx, rows })
}
