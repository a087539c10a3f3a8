//! `/client/payments` and `/client/expenses`: the client's payments and charges, topping up
//! an account, a payment's bill, and cancelling a payment not paid yet (finance section).

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::expense::ExpenseRow;
use crate::db::models::payment::{IN_PROGRESS, PaymentRow};
use crate::db::models::payment_method::TEST_CARD;
use crate::domain::client_permissions::csec;
use crate::domain::money::Money;
use crate::domain::payments::gateway;
use crate::domain::payments::top_up::{self, PaymentDetails, TopUpChoices, TopUpForm};
use crate::domain::{FieldErrors, payments, services};
use crate::ids::PaymentId;
use crate::web::forms::{Form, Outcome};
use crate::web::identity::{ClientRequire, ClientUser};
use crate::web::page::{self, Flash, PageContext};
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

/// The top-up form as typed; `account` and `amount` can come in the link ("pay the
/// missing amount").
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct TopUpInput {
    pub account_id: String,
    pub payer_id: String,
    pub method_id: String,
    pub amount: String,
    pub idempotency_key: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "client/payments/new.html")]
pub struct TopUpPage {
    pub ctx: PageContext,
    pub form: TopUpInput,
    pub choices: TopUpChoices,
    pub errors: FieldErrors,
}

impl TopUpPage {
    pub fn balance(&self, a: &crate::db::models::account::AccountSummary) -> Money {
        Money::from_minor(a.balance, a.currency_exponent, &a.currency_code)
    }

    pub fn limits(&self, m: &crate::db::models::payment_method::PaymentMethodRow) -> String {
        crate::domain::payments::methods::limits(m)
    }
}

async fn top_up_page(
    state: &AppState,
    user: &ClientUser,
    ctx: PageContext,
    mut form: TopUpInput,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let actor = user.actor.clone();
    let test_gateway = state.config.test_gateway.is_some();
    let choices = state
        .db(move |conn| top_up::choices(conn, &actor, test_gateway))
        .await?;
    if form.idempotency_key.is_empty() {
        form.idempotency_key = crate::config::random_hex(16);
    }
    // One account, one payer or one method: chosen already.
    if form.account_id.is_empty()
        && let Some(a) = choices.accounts.iter().find(|a| !a.methods.is_empty())
    {
        form.account_id = a.account.id.to_string();
    }
    if form.payer_id.is_empty()
        && let [only] = choices.payers.as_slice()
    {
        form.payer_id = only.id.to_string();
    }
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &TopUpPage {
            ctx,
            form,
            choices,
            errors,
        },
    )
}

pub async fn new(
    state: web::Data<AppState>,
    user: ClientRequire<csec::Finance>,
    ctx: PageContext,
    query: web::Query<TopUpInput>,
) -> Result<HttpResponse, WebError> {
    let form = TopUpInput {
        idempotency_key: String::new(),
        ..query.into_inner()
    };
    top_up_page(&state, &user, ctx, form, FieldErrors::new()).await
}

/// Creates the payment: a bank transfer shows its bill; a card payment goes to the gateway.
pub async fn create(
    state: web::Data<AppState>,
    user: ClientRequire<csec::Finance>,
    ctx: PageContext,
    form: Form<TopUpInput>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let actor = user.actor.clone();
    let typed = form.clone();
    let test_gateway = state.config.test_gateway.is_some();
    let outcome = state
        .attempt(move |conn| {
            top_up::start(
                conn,
                &actor,
                test_gateway,
                &TopUpForm {
                    account_id: &typed.account_id,
                    payer_id: &typed.payer_id,
                    method_id: &typed.method_id,
                    amount: &typed.amount,
                    idempotency_key: &typed.idempotency_key,
                },
            )
        })
        .await?;
    match outcome {
        Outcome::Done(payment) if payment.method == TEST_CARD && payment.status == IN_PROGRESS => {
            match &state.config.test_gateway {
                Some(secret) => Ok(page::redirect(&gateway::checkout_path(secret, &payment))),
                None => Ok(page::redirect(&format!("/client/payments/{}", payment.id))),
            }
        }
        Outcome::Done(payment) => Ok(page::redirect(&format!("/client/payments/{}", payment.id))),
        Outcome::Invalid(errors) => top_up_page(&state, &user, ctx, form, errors).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "client/payments/show.html")]
pub struct PaymentPage {
    pub ctx: PageContext,
    pub d: PaymentDetails,
    /// Where a card payment still in progress is paid.
    pub checkout: Option<String>,
}

impl PaymentPage {
    pub fn money(&self, minor: &i64) -> Money {
        Money::from_minor(
            *minor,
            self.d.row.currency_exponent,
            &self.d.row.currency_code,
        )
    }
}

pub async fn show(
    state: web::Data<AppState>,
    user: ClientRequire<csec::Finance>,
    ctx: PageContext,
    id: web::Path<PaymentId>,
) -> Result<PaymentPage, WebError> {
    let id = id.into_inner();
    let actor = user.actor.clone();
    let d = state
        .db(move |conn| top_up::details_for_client(conn, &actor, id))
        .await?;
    let checkout = match &state.config.test_gateway {
        Some(secret) if d.payment.method == TEST_CARD && d.payment.status == IN_PROGRESS => {
            Some(gateway::checkout_path(secret, &d.payment))
        }
        _ => None,
    };
    Ok(PaymentPage { ctx, d, checkout })
}

pub async fn cancel(
    state: web::Data<AppState>,
    session: Session,
    user: ClientRequire<csec::Finance>,
    id: web::Path<PaymentId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = user.actor.clone();
    match state
        .attempt(move |conn| top_up::cancel(conn, &actor, id))
        .await?
    {
        Outcome::Done(_) => Flash::success(format!("Payment #{id} is cancelled.")).set(&session),
        Outcome::Invalid(errors) => Flash::error(errors.get("payment").to_string()).set(&session),
    }
    Ok(page::redirect(&format!("/client/payments/{id}")))
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
