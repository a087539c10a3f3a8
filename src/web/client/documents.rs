//! `/client/documents`: the client's own bills, acts, credit notes and reconciliation
//! reports, each as a printable page and a PDF; a reconciliation report on request, and a
//! payment's bill (finance section). Another client's document answers 404.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::Payer;
use crate::db::models::account::AccountSummary;
use crate::db::models::document::{DocumentCursor, DocumentRow};
use crate::domain::client_permissions::{self, FINANCE, csec};
use crate::domain::documents::{self, bills, reconciliation};
use crate::domain::money::Money;
use crate::domain::{DomainError, FieldErrors};
use crate::ids::{DocumentId, PaymentId};
use crate::web::admin::documents::{DocumentPage, ReconciliationInput, pdf_response};
use crate::web::forms::{Form, Outcome};
use crate::web::identity::ClientRequire;
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub before: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "client/documents/index.html")]
pub struct DocumentsPage {
    pub ctx: PageContext,
    pub rows: Vec<DocumentRow>,
    pub older: Option<DocumentCursor>,
    pub payers: Vec<Payer>,
    pub accounts: Vec<AccountSummary>,
    pub report: ReconciliationInput,
    pub errors: FieldErrors,
}

impl DocumentsPage {
    pub fn total(&self, row: &DocumentRow) -> Money {
        Money::from_minor(
            row.document.total,
            row.document.currency_exponent,
            &row.document.currency_code,
        )
    }

    pub fn payer_name(&self, row: &DocumentRow) -> String {
        documents::snapshot_name(&row.document.payer_snapshot).unwrap_or_default()
    }
}

async fn list_page(
    state: &AppState,
    user: &ClientRequire<csec::Finance>,
    ctx: PageContext,
    before: Option<DocumentCursor>,
    report: ReconciliationInput,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let actor = user.actor.clone();
    let (mut rows, payers, accounts) = state
        .db(move |conn| {
            let client = client_permissions::require(conn, &actor, FINANCE)?;
            Ok::<_, DomainError>((
                documents::list_for_client(conn, &actor, before)?,
                Payer::of_client(conn, client)?,
                crate::db::models::Account::summaries_of_client(conn, client)?,
            ))
        })
        .await?;
    let older = (rows.len() as i64 > documents::PAGE_SIZE)
        .then(|| {
            rows.truncate(documents::PAGE_SIZE as usize);
            rows.last().map(|r| DocumentCursor::of(&r.document))
        })
        .flatten();
    let report = if report.from.is_empty() && report.to.is_empty() {
        let today = crate::db::now().date();
        ReconciliationInput {
            from: format!("{}-01-01", chrono::Datelike::year(&today)),
            to: today.format("%Y-%m-%d").to_string(),
            ..report
        }
    } else {
        report
    };
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &DocumentsPage {
            ctx,
            rows,
            older,
            payers,
            accounts,
            report,
            errors,
        },
    )
}

pub async fn index(
    state: web::Data<AppState>,
    user: ClientRequire<csec::Finance>,
    ctx: PageContext,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, WebError> {
    let before = DocumentCursor::parse(&query.before);
    list_page(
        &state,
        &user,
        ctx,
        before,
        ReconciliationInput::default(),
        FieldErrors::new(),
    )
    .await
}

pub async fn show(
    state: web::Data<AppState>,
    user: ClientRequire<csec::Finance>,
    ctx: PageContext,
    id: web::Path<DocumentId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = user.actor.clone();
    let v = state
        .db(move |conn| documents::for_client(conn, &actor, id))
        .await?;
    page::render_with(
        actix_web::http::StatusCode::OK,
        &DocumentPage {
            ctx,
            base: format!("/client/documents/{id}"),
            back: "/client/documents".into(),
            staff: false,
            v,
            cancel_reason: String::new(),
            errors: FieldErrors::new(),
        },
    )
}

pub async fn download(
    state: web::Data<AppState>,
    user: ClientRequire<csec::Finance>,
    id: web::Path<DocumentId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = user.actor.clone();
    let v = state
        .db(move |conn| documents::for_client(conn, &actor, id))
        .await?;
    pdf_response(&v)
}

/// `POST /client/documents/reconciliation`: a report for one of the client's payers.
pub async fn reconcile(
    state: web::Data<AppState>,
    user: ClientRequire<csec::Finance>,
    ctx: PageContext,
    form: Form<ReconciliationInput>,
) -> Result<HttpResponse, WebError> {
    let input = form.into_inner();
    let actor = user.actor.clone();
    let sent = input.clone();
    match state
        .attempt(move |conn| reconciliation::for_client(conn, &actor, &sent.form()))
        .await?
    {
        Outcome::Done(document) => Ok(page::redirect(&format!("/client/documents/{document}"))),
        Outcome::Invalid(errors) => list_page(&state, &user, ctx, None, input, errors).await,
    }
}

/// `POST /client/payments/{id}/bill`: the bill of the client's payment, issued now if it
/// has none.
pub async fn payment_bill(
    state: web::Data<AppState>,
    session: Session,
    user: ClientRequire<csec::Finance>,
    id: web::Path<PaymentId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = user.actor.clone();
    match state
        .attempt(move |conn| bills::for_client(conn, &actor, id))
        .await?
    {
        Outcome::Done(bill) => Ok(page::redirect(&format!("/client/documents/{bill}"))),
        Outcome::Invalid(errors) => {
            Flash::error(errors.first_message()).set(&session);
            Ok(page::redirect(&format!("/client/payments/{id}")))
        }
    }
}
