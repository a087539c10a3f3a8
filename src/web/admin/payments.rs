//! `/admin/payments` and `/admin/expenses`: payments received and charges made, and
//! recording a payment from the client card.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::expense::{ExpenseFilter, ExpenseRow};
use crate::db::models::payment::PaymentRow;
use crate::domain::money::Money;
use crate::domain::payments::{self, PaymentForm};
use crate::domain::permissions::perm;
use crate::domain::services;
use crate::ids::{ClientId, ExpenseId, PaymentId};
use crate::web::forms::{Form, Outcome};
use crate::web::identity::Require;
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub before: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/payments/index.html")]
pub struct PaymentsPage {
    pub ctx: PageContext,
    pub rows: Vec<PaymentRow>,
    pub older: Option<PaymentId>,
}

impl PaymentsPage {
    pub fn money(&self, row: &PaymentRow) -> Money {
        Money::from_minor(row.amount, row.currency_exponent, &row.currency_code)
    }
}

pub async fn index(
    state: web::Data<AppState>,
    staff: Require<perm::PaymentsView>,
    ctx: PageContext,
    query: web::Query<ListQuery>,
) -> Result<PaymentsPage, WebError> {
    let before = query.before.parse().ok();
    let actor = staff.actor.clone();
    let rows = state
        .db(move |conn| payments::list_all(conn, &actor, before))
        .await?;
    let older = (rows.len() as i64 == payments::PAGE_SIZE)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    Ok(PaymentsPage { ctx, rows, older })
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct RecordForm {
    pub account_id: String,
    pub payer_id: String,
    pub amount: String,
    pub comment: String,
    pub idempotency_key: String,
}

/// Records a payment received, from the client card's payments tab.
pub async fn record(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::PaymentsAdd>,
    ctx: PageContext,
    id: web::Path<ClientId>,
    form: Form<RecordForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let actor = staff.actor.clone();
    let typed = form.clone();
    let outcome = state
        .attempt(move |conn| {
            payments::record(
                conn,
                &actor,
                id,
                &PaymentForm {
                    account_id: &typed.account_id,
                    payer_id: &typed.payer_id,
                    amount: &typed.amount,
                    comment: &typed.comment,
                    idempotency_key: &typed.idempotency_key,
                },
            )
        })
        .await?;
    match outcome {
        Outcome::Done(payment) => {
            Flash::success(format!(
                "Payment #{} is recorded and the account credited.",
                payment.id
            ))
            .set(&session);
            Ok(page::redirect(&format!("/admin/clients/{id}?tab=payments")))
        }
        Outcome::Invalid(errors) => {
            crate::web::admin::clients::payment_form_again(&state, &staff, ctx, id, form, errors)
                .await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/payments/expenses.html")]
pub struct ExpensesPage {
    pub ctx: PageContext,
    pub rows: Vec<ExpenseRow>,
    pub older: Option<ExpenseId>,
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

/// Every charge to every client, newest first.
pub async fn expenses(
    state: web::Data<AppState>,
    staff: Require<perm::PaymentsView>,
    ctx: PageContext,
    query: web::Query<ListQuery>,
) -> Result<ExpensesPage, WebError> {
    let filter = ExpenseFilter {
        before: query.before.parse().ok(),
        ..Default::default()
    };
    let actor = staff.actor.clone();
    let rows = state
        .db(move |conn| services::expenses(conn, &actor, &filter))
        .await?;
    let older = (rows.len() as i64 == services::PAGE_SIZE)
        .then(|| rows.last().map(|r| r.expense.id))
        .flatten();
    Ok(ExpensesPage { ctx, rows, older })
}
