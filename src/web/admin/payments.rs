//! `/admin/payments` and `/admin/expenses`: payments received and charges made; a
//! payment's page (mark a bank transfer paid, refund); recording a payment and charging or
//! correcting a balance from the client card.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::expense::{ExpenseCursor, ExpenseFilter, ExpenseRow};
use crate::db::models::payment::{PaymentCursor, PaymentFilter, PaymentRow, PaymentSort, STATUSES};
use crate::db::models::payment_method::PaymentMethodRow;
use crate::db::paging::{Order, PageAt, Paged};
use crate::domain::money::Money;
use crate::domain::payments::refunds::{self, CorrectionForm, RefundForm};
use crate::domain::payments::top_up::{self, PaymentDetails};
use crate::domain::payments::{self, PaymentForm, methods};
use crate::domain::permissions::perm;
use crate::domain::{DomainError, FieldErrors, services, text};
use crate::ids::{ClientId, PaymentId};
use crate::web::forms::{Form, Outcome};
use crate::web::identity::{Require, Staff};
use crate::web::list::{self, Paging, Shown, SortedList};
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

/// The filter of the payments list, as typed.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// Sorted by "date" (the default) or "amount", and the page.
    #[serde(flatten)]
    pub paging: Paging,
    pub status: String,
    pub method: String,
    pub client: String,
    pub from: String,
    pub until: String,
}

impl SortedList for ListQuery {
    type Cursor = PaymentCursor;
    const PATH: &'static str = "/admin/payments";

    fn paging(&self) -> &Paging {
        &self.paging
    }

    fn filters(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("status", &self.status),
            ("method", &self.method),
            ("client", &self.client),
            ("from", &self.from),
            ("until", &self.until),
        ]
    }

    /// Newest or largest first.
    fn column(key: &str) -> (&'static str, Order) {
        (PaymentSort::parse(key).key(), Order::Descending)
    }
}

/// A list's date filter (`from`, `until`) as a range of UTC times, `until` exclusive (the
/// whole day it names is in); a date that is not one is refused at its field and not
/// applied.
fn day_range(
    from: &str,
    until: &str,
    errors: &mut FieldErrors,
) -> (Option<chrono::NaiveDateTime>, Option<chrono::NaiveDateTime>) {
    let mut day = |field: &str, raw: &str| {
        text::optional_date(raw)
            .map_err(|m| errors.add(field, m))
            .ok()
            .flatten()
    };
    let from = day("from", from).map(|d| d.and_time(chrono::NaiveTime::MIN));
    let until = day("until", until)
        .and_then(|d| d.succ_opt())
        .map(|d| d.and_time(chrono::NaiveTime::MIN));
    (from, until)
}

impl ListQuery {
    fn filter(&self) -> (PaymentFilter, FieldErrors) {
        let mut errors = FieldErrors::new();
        let (from, until) = day_range(&self.from, &self.until, &mut errors);
        let filter = PaymentFilter {
            client: self.client.trim().trim_start_matches('#').parse().ok(),
            status: STATUSES
                .iter()
                .find(|(s, _)| *s == self.status)
                .map(|(s, _)| s.to_string()),
            method: self.method.parse().ok(),
            from,
            until,
            sort: self.sort(),
            order: self.order(),
            at: self.paging.at(),
            id: None,
        };
        (filter, errors)
    }

    fn sort(&self) -> PaymentSort {
        PaymentSort::parse(&self.paging.sort)
    }

    /// What the list's count depends on: the filter, not the page or its order.
    fn count_key(&self) -> String {
        format!("payments|{:?}", self.filters())
    }

    pub fn is_filtered(&self) -> bool {
        [
            &self.status,
            &self.method,
            &self.client,
            &self.from,
            &self.until,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/payments/index.html")]
pub struct PaymentsPage {
    pub ctx: PageContext,
    pub page: Paged<PaymentRow, PaymentCursor>,
    /// The rows shown among all the filter finds.
    pub shown: Shown,
    pub query: ListQuery,
    pub statuses: &'static [(&'static str, &'static str)],
    pub methods: Vec<PaymentMethodRow>,
    /// Filter values that could not be read (not applied).
    pub errors: FieldErrors,
}

impl PaymentsPage {
    pub fn money(&self, row: &PaymentRow) -> Money {
        Money::from_minor(row.amount, row.currency_exponent, &row.currency_code)
    }

    /// The previous and next pages' addresses.
    pub fn pages(&self) -> (Option<String>, Option<String>) {
        list::neighbours(&self.page, &self.shown, payments::PAGE_SIZE, |at, row| {
            self.query.href(Some(at), row)
        })
    }
}

pub async fn index(
    state: web::Data<AppState>,
    staff: Require<perm::PaymentsView>,
    ctx: PageContext,
    query: web::Query<ListQuery>,
) -> Result<PaymentsPage, WebError> {
    let query = query.into_inner();
    let (filter, errors) = query.filter();
    let actor = staff.actor.clone();
    let count_key = query.count_key();
    let kept = state.list_counts.get(&count_key);
    let (page, counted, methods) = state
        .db(move |conn| {
            let page = payments::list(conn, &actor, &filter, payments::PAGE_SIZE)?;
            let counted = match list::needs_count(&page, kept) {
                true => Some(payments::count(conn, &actor, &filter)?),
                false => None,
            };
            Ok::<_, DomainError>((page, counted, methods::list(conn, &actor)?))
        })
        .await?;
    let shown = list::shown(
        &state.list_counts,
        count_key,
        &page,
        &query.paging.row,
        counted,
        kept,
    );
    Ok(PaymentsPage {
        ctx,
        page,
        shown,
        query,
        statuses: &STATUSES,
        methods,
        errors,
    })
}

/// A UTC time for a CSV cell (ISO 8601), or nothing.
fn csv_time(t: Option<&chrono::NaiveDateTime>) -> String {
    t.map(|t| text::iso_time(t).to_string()).unwrap_or_default()
}

/// The filtered payments as CSV, in the list's order, amounts as numbers with their
/// currency in a column of its own.
pub async fn export(
    state: web::Data<AppState>,
    staff: Require<perm::PaymentsView>,
    query: web::Query<ListQuery>,
) -> HttpResponse {
    // A date that is not one is not applied, as on the list.
    let (filter, _) = query.into_inner().filter();
    let actor = staff.actor.clone();
    crate::web::csv::download(
        state,
        "payments.csv",
        "id,created,paid,client_id,client,payer,provider,method,status,amount,refunded,currency\r\n",
        move |conn, at: Option<PaymentCursor>| {
            let filter = PaymentFilter {
                at: at.map(PageAt::After),
                ..filter.clone()
            };
            let page = payments::list(conn, &actor, &filter, crate::web::csv::CHUNK)?;
            let mut lines = String::new();
            for r in &page.rows {
                lines.push_str(&crate::web::csv::row(&[
                    r.id.to_string(),
                    csv_time(Some(&r.created_at)),
                    csv_time(r.paid_at.as_ref()),
                    r.client_id.to_string(),
                    r.client_name.clone(),
                    r.payer_name.clone(),
                    r.provider_name.clone(),
                    r.method_label(),
                    r.status_label().to_owned(),
                    crate::web::csv::amount(r.amount, r.currency_exponent),
                    crate::web::csv::amount(r.refunded, r.currency_exponent),
                    r.currency_code.clone(),
                ]));
            }
            Ok((lines, page.next))
        },
    )
}

/// The filtered expenses as CSV, in the list's order, amounts as numbers with their
/// currency.
pub async fn export_expenses(
    state: web::Data<AppState>,
    staff: Require<perm::PaymentsView>,
    query: web::Query<ExpensesQuery>,
) -> HttpResponse {
    let (filter, _) = query.into_inner().filter();
    let filter = ExpenseFilter { at: None, ..filter };
    let actor = staff.actor.clone();
    crate::web::csv::download(
        state,
        "expenses.csv",
        "id,created,client_id,client,kind,tariff,provider,period_start,period_end,amount,currency,comment\r\n",
        move |conn, at: Option<ExpenseCursor>| {
            let filter = ExpenseFilter {
                at: at.map(PageAt::After),
                ..filter.clone()
            };
            let page = services::expense_page(conn, &actor, &filter, crate::web::csv::CHUNK)?;
            let rows = &page.rows;
            let mut lines = String::new();
            for r in rows {
                let e = &r.expense;
                lines.push_str(&crate::web::csv::row(&[
                    e.id.to_string(),
                    csv_time(Some(&e.created_at)),
                    e.client_id.to_string(),
                    r.client_name.clone(),
                    r.kind_label().to_owned(),
                    r.tariff_name.clone().unwrap_or_default(),
                    r.provider_name.clone(),
                    csv_time(e.period_start.as_ref()),
                    csv_time(e.period_end.as_ref()),
                    crate::web::csv::amount(e.amount, r.currency_exponent),
                    r.currency_code.clone(),
                    e.comment.clone(),
                ]));
            }
            Ok((lines, page.next))
        },
    )
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct RefundInput {
    pub amount: String,
    pub comment: String,
    pub idempotency_key: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/payments/show.html")]
pub struct PaymentPage {
    pub ctx: PageContext,
    pub d: PaymentDetails,
    pub refund: RefundInput,
    pub errors: FieldErrors,
}

impl PaymentPage {
    pub fn money(&self, minor: &i64) -> Money {
        Money::from_minor(
            *minor,
            self.d.row.currency_exponent,
            &self.d.row.currency_code,
        )
    }

    pub fn refundable(&self) -> Money {
        self.money(&self.d.payment.refundable())
    }
}

async fn payment_page(
    state: &AppState,
    staff: &Staff,
    ctx: PageContext,
    id: PaymentId,
    refund: RefundInput,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let d = state
        .db(move |conn| top_up::details_for_staff(conn, &actor, id))
        .await?;
    let refund = RefundInput {
        idempotency_key: if refund.idempotency_key.is_empty() {
            crate::config::random_hex(16)
        } else {
            refund.idempotency_key
        },
        ..refund
    };
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &PaymentPage {
            ctx,
            d,
            refund,
            errors,
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    staff: Require<perm::PaymentsView>,
    ctx: PageContext,
    id: web::Path<PaymentId>,
) -> Result<HttpResponse, WebError> {
    payment_page(
        &state,
        &staff,
        ctx,
        id.into_inner(),
        RefundInput::default(),
        FieldErrors::new(),
    )
    .await
}

/// Marks a bank transfer paid: the money is on the company's bank account.
pub async fn mark_paid(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::PaymentsAdd>,
    id: web::Path<PaymentId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    match state
        .attempt(move |conn| top_up::mark_paid(conn, &actor, id))
        .await?
    {
        Outcome::Done(_) => {
            Flash::success(format!("Payment #{id} is paid and the account credited."))
                .set(&session);
        }
        Outcome::Invalid(errors) => {
            Flash::error(errors.get("payment").to_string()).set(&session);
        }
    }
    Ok(page::redirect(&format!("/admin/payments/{id}")))
}

pub async fn refund(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::PaymentsRefund>,
    ctx: PageContext,
    id: web::Path<PaymentId>,
    form: Form<RefundInput>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let actor = staff.actor.clone();
    let typed = form.clone();
    let outcome = state
        .attempt(move |conn| {
            refunds::refund(
                conn,
                &actor,
                id,
                &RefundForm {
                    amount: &typed.amount,
                    comment: &typed.comment,
                    idempotency_key: &typed.idempotency_key,
                },
            )
        })
        .await?;
    match outcome {
        Outcome::Done(_) => {
            Flash::success("The refund is recorded and the account debited.").set(&session);
            Ok(page::redirect(&format!("/admin/payments/{id}")))
        }
        Outcome::Invalid(errors) => payment_page(&state, &staff, ctx, id, form, errors).await,
    }
}

/// The form to record a payment, on the client card.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct RecordForm {
    pub account_id: String,
    pub payer_id: String,
    pub method_id: String,
    pub amount: String,
    pub paid_on: String,
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
                    method_id: &typed.method_id,
                    amount: &typed.amount,
                    paid_on: &typed.paid_on,
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
            let forms = crate::web::admin::clients::FinanceForms {
                payment: form,
                ..crate::web::admin::clients::FinanceForms::fresh()
            };
            crate::web::admin::clients::finance_forms_again(&state, &staff, ctx, id, forms, errors)
                .await
        }
    }
}

/// The form to charge a client or correct a balance, on the client card.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct CorrectionInput {
    pub correction_account_id: String,
    pub correction_kind: String,
    pub correction_amount: String,
    pub correction_comment: String,
    pub idempotency_key: String,
}

pub async fn correct(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::PaymentsRefund>,
    ctx: PageContext,
    id: web::Path<ClientId>,
    form: Form<CorrectionInput>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let actor = staff.actor.clone();
    let typed = form.clone();
    let outcome = state
        .attempt(move |conn| {
            refunds::correct(
                conn,
                &actor,
                id,
                &CorrectionForm {
                    account_id: &typed.correction_account_id,
                    kind: &typed.correction_kind,
                    amount: &typed.correction_amount,
                    comment: &typed.correction_comment,
                    idempotency_key: &typed.idempotency_key,
                },
            )
        })
        .await?;
    match outcome {
        Outcome::Done(said) => {
            Flash::success(said).set(&session);
            Ok(page::redirect(&format!("/admin/clients/{id}?tab=payments")))
        }
        Outcome::Invalid(errors) => {
            let forms = crate::web::admin::clients::FinanceForms {
                correction: form,
                ..crate::web::admin::clients::FinanceForms::fresh()
            };
            crate::web::admin::clients::finance_forms_again(&state, &staff, ctx, id, forms, errors)
                .await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/payments/expenses.html")]
pub struct ExpensesPage {
    pub ctx: PageContext,
    pub page: Paged<ExpenseRow, ExpenseCursor>,
    /// The rows shown among all the filter finds.
    pub shown: Shown,
    pub query: ExpensesQuery,
    pub kinds: &'static [(&'static str, &'static str)],
    /// Filter values that could not be read (not applied).
    pub errors: FieldErrors,
}

impl ExpensesPage {
    pub fn money(&self, row: &ExpenseRow) -> Money {
        Money::from_minor(
            row.expense.amount,
            row.currency_exponent,
            &row.currency_code,
        )
    }

    /// The previous and next pages' addresses.
    pub fn pages(&self) -> (Option<String>, Option<String>) {
        list::neighbours(&self.page, &self.shown, services::PAGE_SIZE, |at, row| {
            self.query.href(Some(at), row)
        })
    }
}

/// The filter of the expenses list, as typed.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ExpensesQuery {
    /// Sorted by "date" (the default) or "amount", and the page.
    #[serde(flatten)]
    pub paging: Paging,
    pub client: String,
    pub kind: String,
    pub from: String,
    pub until: String,
}

impl ExpensesQuery {
    fn filter(&self) -> (ExpenseFilter, FieldErrors) {
        let mut errors = FieldErrors::new();
        let (from, until) = day_range(&self.from, &self.until, &mut errors);
        let filter = ExpenseFilter {
            client: self.client.trim().trim_start_matches('#').parse().ok(),
            kind: EXPENSE_KINDS
                .iter()
                .find(|(k, _)| *k == self.kind)
                .map(|(k, _)| k.to_string()),
            from,
            until,
            by_amount: self.sort_key() == "amount",
            order: self.order(),
            at: self.paging.at(),
            service: None,
        };
        (filter, errors)
    }

    pub fn is_filtered(&self) -> bool {
        [&self.client, &self.kind, &self.from, &self.until]
            .iter()
            .any(|v| !v.trim().is_empty())
    }
}

impl SortedList for ExpensesQuery {
    type Cursor = ExpenseCursor;
    const PATH: &'static str = "/admin/expenses";

    fn paging(&self) -> &Paging {
        &self.paging
    }

    fn filters(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("client", &self.client),
            ("kind", &self.kind),
            ("from", &self.from),
            ("until", &self.until),
        ]
    }

    /// By date (the default) or amount, newest or largest first.
    fn column(key: &str) -> (&'static str, Order) {
        let key = if key == "amount" { "amount" } else { "date" };
        (key, Order::Descending)
    }
}

/// What an expense can be, for the filter.
pub const EXPENSE_KINDS: [(&str, &str); 3] = [
    ("order", "Order"),
    ("renewal", "Renewal"),
    ("charge", "Charge"),
];

/// Every charge to every client, newest first.
pub async fn expenses(
    state: web::Data<AppState>,
    staff: Require<perm::PaymentsView>,
    ctx: PageContext,
    query: web::Query<ExpensesQuery>,
) -> Result<ExpensesPage, WebError> {
    let query = query.into_inner();
    let (filter, errors) = query.filter();
    let actor = staff.actor.clone();
    let count_key = format!("expenses|{:?}", query.filters());
    let kept = state.list_counts.get(&count_key);
    let (page, counted) = state
        .db(move |conn| {
            let page = services::expense_page(conn, &actor, &filter, services::PAGE_SIZE)?;
            let counted = match list::needs_count(&page, kept) {
                true => Some(services::count_expenses(conn, &actor, &filter)?),
                false => None,
            };
            Ok::<_, DomainError>((page, counted))
        })
        .await?;
    let shown = list::shown(
        &state.list_counts,
        count_key,
        &page,
        &query.paging.row,
        counted,
        kept,
    );
    Ok(ExpensesPage {
        ctx,
        page,
        shown,
        query,
        kinds: &EXPENSE_KINDS,
        errors,
    })
}
