//! `/admin/documents`: bills, acts, credit notes and reconciliation reports; a document's
//! printable page and PDF; cancelling and sending again; generating a month's acts;
//! a payment's bill and a payer's reconciliation report on request.

use actix_session::Session;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::Company;
use crate::db::models::document::{DocumentCursor, DocumentFilter, DocumentRow, KINDS, STATUSES};
use crate::domain::documents::acts::{self, Scope};
use crate::domain::documents::reconciliation::{self, ReconciliationForm};
use crate::domain::documents::{self, DocumentView, bills, pdf};
use crate::domain::money::Money;
use crate::domain::permissions::perm;
use crate::domain::{DomainError, FieldErrors};
use crate::ids::{ClientId, DocumentId, PaymentId};
use crate::web::forms::{Form, Outcome};
use crate::web::identity::{Require, Staff};
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

/// The filter of the documents list, as typed.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub before: String,
    pub kind: String,
    pub status: String,
    pub company: String,
    pub payer: String,
    pub client: String,
    /// YYYY-MM: issued in that month.
    pub month: String,
}

impl ListQuery {
    fn filter(&self) -> (DocumentFilter, FieldErrors) {
        let mut errors = FieldErrors::new();
        let mut id = |field: &str, raw: &str| -> Option<i64> {
            let raw = raw.trim().trim_start_matches('#');
            if raw.is_empty() {
                return None;
            }
            raw.parse::<i64>().ok().filter(|n| *n > 0).or_else(|| {
                errors.add(field, "Enter a number.");
                None
            })
        };
        let payer = id("payer", &self.payer);
        let client = id("client", &self.client);
        let month = match self.month.trim() {
            "" => None,
            raw => acts::parse_month(raw)
                .map_err(|m| errors.add("month", m))
                .ok(),
        };
        let filter = DocumentFilter {
            kind: KINDS
                .iter()
                .find(|k| **k == self.kind)
                .map(|k| k.to_string()),
            status: STATUSES
                .iter()
                .find(|s| **s == self.status)
                .map(|s| s.to_string()),
            company: self.company.parse().ok(),
            payer: payer.map(crate::ids::PayerId),
            client: client.map(ClientId),
            from: month,
            until: month.map(|m| crate::domain::periods::add_months(m, 1)),
            before: DocumentCursor::parse(&self.before),
        };
        (filter, errors)
    }

    pub fn is_filtered(&self) -> bool {
        [
            &self.kind,
            &self.status,
            &self.company,
            &self.payer,
            &self.client,
            &self.month,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
    }

    /// The query string of the filter without the page.
    pub fn keep(&self) -> String {
        serde_urlencoded::to_string([
            ("kind", &self.kind),
            ("status", &self.status),
            ("company", &self.company),
            ("payer", &self.payer),
            ("client", &self.client),
            ("month", &self.month),
        ])
        .unwrap_or_default()
    }
}

/// The form that generates a month's acts.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct GenerateInput {
    pub month: String,
    pub company: String,
    pub payer: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/documents/index.html")]
pub struct DocumentsPage {
    pub ctx: PageContext,
    pub rows: Vec<DocumentRow>,
    pub older: Option<DocumentCursor>,
    pub query: ListQuery,
    pub companies: Vec<Company>,
    pub kinds: &'static [&'static str],
    pub statuses: &'static [&'static str],
    pub errors: FieldErrors,
    pub generate: GenerateInput,
    pub generate_errors: FieldErrors,
}

impl DocumentsPage {
    pub fn total(&self, row: &DocumentRow) -> Money {
        Money::from_minor(
            row.document.total,
            row.document.currency_exponent,
            &row.document.currency_code,
        )
    }

    pub fn kind_label(&self, kind: &str) -> &'static str {
        crate::db::models::document::kind_label(kind)
    }

    pub fn status_label(&self, status: &str) -> &'static str {
        crate::db::models::document::status_label(status)
    }

    pub fn payer_name(&self, row: &DocumentRow) -> String {
        documents::snapshot_name(&row.document.payer_snapshot).unwrap_or_default()
    }
}

/// The month before the current one, as the generate form offers it.
fn last_month() -> String {
    let today = crate::db::now().date();
    crate::domain::periods::add_months(today, -1)
        .format("%Y-%m")
        .to_string()
}

async fn list_page(
    state: &AppState,
    staff: &Staff,
    ctx: PageContext,
    query: ListQuery,
    generate: GenerateInput,
    generate_errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let (filter, errors) = query.filter();
    let actor = staff.actor.clone();
    let (mut rows, companies) = state
        .db(move |conn| {
            Ok::<_, DomainError>((documents::list(conn, &actor, &filter)?, Company::all(conn)?))
        })
        .await?;
    let older = (rows.len() as i64 > documents::PAGE_SIZE)
        .then(|| {
            rows.truncate(documents::PAGE_SIZE as usize);
            rows.last().map(|r| DocumentCursor::of(&r.document))
        })
        .flatten();
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &DocumentsPage {
            ctx,
            rows,
            older,
            query,
            companies,
            kinds: KINDS,
            statuses: STATUSES,
            errors,
            generate,
            generate_errors,
        },
    )
}

pub async fn index(
    state: web::Data<AppState>,
    staff: Require<perm::DocumentsView>,
    ctx: PageContext,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, WebError> {
    let generate = GenerateInput {
        month: last_month(),
        ..Default::default()
    };
    list_page(
        &state,
        &staff,
        ctx,
        query.into_inner(),
        generate,
        FieldErrors::new(),
    )
    .await
}

/// `POST /admin/documents/generate`: the acts of a finished month.
pub async fn generate(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::DocumentsIssue>,
    ctx: PageContext,
    form: Form<GenerateInput>,
) -> Result<HttpResponse, WebError> {
    let input = form.into_inner();
    let mut errors = FieldErrors::new();
    let month = acts::parse_month(&input.month)
        .map_err(|m| errors.add("month", m))
        .ok();
    let company = match input.company.trim() {
        "" => None,
        raw => raw
            .parse()
            .map_err(|_| errors.add("company", "Choose one of the companies."))
            .ok(),
    };
    let payer = match input.payer.trim().trim_start_matches('#') {
        "" => None,
        raw => raw
            .parse()
            .map_err(|_| errors.add("payer", "Enter the payer's number."))
            .ok(),
    };
    let outcome = match (month, errors.is_empty()) {
        (Some(month), true) => {
            let actor = staff.actor.clone();
            state
                .attempt(move |conn| {
                    acts::generate(
                        conn,
                        &actor,
                        month,
                        Scope {
                            company,
                            payer,
                            quiet: false,
                        },
                    )
                })
                .await?
        }
        _ => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(report) => {
            Flash::success(report.words(input.month.trim())).set(&session);
            Ok(page::redirect("/admin/documents?kind=act"))
        }
        Outcome::Invalid(errors) => {
            list_page(&state, &staff, ctx, ListQuery::default(), input, errors).await
        }
    }
}

/// The filtered list as CSV, streamed a thousand documents at a time; amounts as numbers
/// with their currency in a column of its own.
pub async fn export(
    state: web::Data<AppState>,
    staff: Require<perm::DocumentsView>,
    query: web::Query<ListQuery>,
) -> HttpResponse {
    const CHUNK: i64 = 1000;
    let (mut filter, _) = query.into_inner().filter();
    filter.before = None;
    let actor = staff.actor.clone();
    let header_line =
        "number,kind,issued_on,status,client_id,client,payer,company,currency,total,tax\r\n"
            .to_owned();
    let stream = futures_util::stream::unfold(Some((filter, Some(header_line))), move |step| {
        let state = state.clone();
        let actor = actor.clone();
        async move {
            let (filter, header_line) = step?;
            if let Some(line) = header_line {
                return Some((
                    Ok::<_, actix_web::Error>(web::Bytes::from(line)),
                    Some((filter, None)),
                ));
            }
            let query = filter.clone();
            let page = async {
                let _turn = state.export_turn().await?;
                state
                    .db(move |conn| {
                        crate::domain::permissions::require(
                            &actor,
                            crate::domain::permissions::DOCUMENTS_VIEW,
                        )?;
                        Ok::<_, DomainError>(crate::db::models::document::Document::rows(
                            conn, &query, CHUNK,
                        )?)
                    })
                    .await
            }
            .await;
            match page {
                Ok(rows) => {
                    let mut out = String::new();
                    for r in &rows {
                        let d = &r.document;
                        let money = |minor| {
                            Money::from_minor(minor, d.currency_exponent, &d.currency_code)
                                .amount()
                                .to_string()
                        };
                        out.push_str(&crate::web::csv::row(&[
                            d.number.clone(),
                            d.kind.clone(),
                            d.issued_on.format("%Y-%m-%d").to_string(),
                            d.status.clone(),
                            d.client_id.to_string(),
                            r.client_name.clone(),
                            documents::snapshot_name(&d.payer_snapshot).unwrap_or_default(),
                            r.company_name.clone(),
                            d.currency_code.clone(),
                            money(d.total),
                            money(d.tax),
                        ]));
                    }
                    let next = (rows.len() as i64 == CHUNK)
                        .then(|| rows.last().map(|r| DocumentCursor::of(&r.document)))
                        .flatten()
                        .map(|last| {
                            (
                                DocumentFilter {
                                    before: Some(last),
                                    ..filter
                                },
                                None,
                            )
                        });
                    Some((Ok(web::Bytes::from(out)), next))
                }
                Err(e) => {
                    tracing::error!("document export stopped: {e}");
                    Some((Err(e.into()), None))
                }
            }
        }
    });
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"documents.csv\"",
        ))
        .streaming(stream)
}

/// A document's printable page, for staff and for clients: the same content as its PDF.
#[derive(Template, WebTemplate)]
#[template(path = "documents/show.html")]
pub struct DocumentPage {
    pub ctx: PageContext,
    pub v: DocumentView,
    /// Where the page lives: `/admin/documents/7` or `/client/documents/7`.
    pub base: String,
    /// Where "back" goes.
    pub back: String,
    pub staff: bool,
    pub cancel_reason: String,
    pub errors: FieldErrors,
}

impl DocumentPage {
    pub fn money(&self, minor: &i64) -> Money {
        self.v.money(*minor)
    }

    pub fn company_ids(&self) -> String {
        pdf::company_ids(&self.v)
    }

    pub fn subtitle(&self) -> Vec<String> {
        pdf::subtitle(&self.v)
    }

    pub fn balance_words(&self) -> String {
        pdf::balance_words(&self.v)
    }

    pub fn rounding_rule(&self) -> &'static str {
        pdf::ROUNDING_RULE
    }

    pub fn debit(&self) -> Money {
        self.v.money(self.v.turnover().0)
    }

    pub fn credit(&self) -> Money {
        self.v.money(self.v.turnover().1)
    }

    /// Another document's page in the same area.
    pub fn link_to(&self, id: &DocumentId) -> String {
        match self.base.rsplit_once('/') {
            Some((list, _)) => format!("{list}/{id}"),
            None => self.base.clone(),
        }
    }

    pub fn tax_name(&self) -> &str {
        self.v.document.tax_label.trim_end_matches(" included")
    }
}

async fn document_page(
    state: &AppState,
    staff: &Staff,
    ctx: PageContext,
    id: DocumentId,
    cancel_reason: String,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let v = state
        .db(move |conn| documents::for_staff(conn, &actor, id))
        .await?;
    let back = format!("/admin/clients/{}?tab=documents", v.document.client_id);
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &DocumentPage {
            ctx,
            base: format!("/admin/documents/{id}"),
            back,
            staff: true,
            v,
            cancel_reason,
            errors,
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    staff: Require<perm::DocumentsView>,
    ctx: PageContext,
    id: web::Path<DocumentId>,
) -> Result<HttpResponse, WebError> {
    document_page(
        &state,
        &staff,
        ctx,
        id.into_inner(),
        String::new(),
        FieldErrors::new(),
    )
    .await
}

/// A document as a PDF download.
pub fn pdf_response(v: &DocumentView) -> Result<HttpResponse, WebError> {
    let bytes = pdf::render(v).map_err(WebError::Internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.pdf\"", v.document.number),
        ))
        .body(bytes))
}

pub async fn download(
    state: web::Data<AppState>,
    staff: Require<perm::DocumentsView>,
    id: web::Path<DocumentId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    let v = state
        .db(move |conn| documents::for_staff(conn, &actor, id))
        .await?;
    pdf_response(&v)
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct CancelInput {
    pub reason: String,
}

pub async fn cancel(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::DocumentsCancel>,
    ctx: PageContext,
    id: web::Path<DocumentId>,
    form: Form<CancelInput>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let input = form.into_inner();
    let actor = staff.actor.clone();
    let reason = input.reason.clone();
    match state
        .attempt(move |conn| documents::cancel(conn, &actor, id, &reason))
        .await?
    {
        Outcome::Done(d) => {
            Flash::success(format!("{} is cancelled; it keeps its number.", d.number))
                .set(&session);
            Ok(page::redirect(&format!("/admin/documents/{id}")))
        }
        Outcome::Invalid(errors) => {
            document_page(&state, &staff, ctx, id, input.reason, errors).await
        }
    }
}

pub async fn send(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::DocumentsIssue>,
    id: web::Path<DocumentId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    match state
        .attempt(move |conn| documents::send_again(conn, &actor, id))
        .await?
    {
        Outcome::Done(to) => Flash::success(format!("The document is queued to {to}.")),
        Outcome::Invalid(errors) => Flash::error(errors.first_message()),
    }
    .set(&session);
    Ok(page::redirect(&format!("/admin/documents/{id}")))
}

/// `POST /admin/payments/{id}/bill`: the payment's bill, issued now if it has none.
pub async fn payment_bill(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::DocumentsIssue>,
    id: web::Path<PaymentId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    match state
        .attempt(move |conn| bills::for_staff(conn, &actor, id))
        .await?
    {
        Outcome::Done(bill) => Ok(page::redirect(&format!("/admin/documents/{bill}"))),
        Outcome::Invalid(errors) => {
            Flash::error(errors.first_message()).set(&session);
            Ok(page::redirect(&format!("/admin/payments/{id}")))
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ReconciliationInput {
    pub payer_id: String,
    pub account_id: String,
    pub from: String,
    pub to: String,
}

impl ReconciliationInput {
    pub fn form(&self) -> ReconciliationForm<'_> {
        ReconciliationForm {
            payer_id: &self.payer_id,
            account_id: &self.account_id,
            from: &self.from,
            to: &self.to,
        }
    }
}

/// `POST /admin/clients/{id}/reconciliation`: a report for one of the client's payers.
pub async fn client_reconciliation(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::DocumentsIssue>,
    id: web::Path<ClientId>,
    form: Form<ReconciliationInput>,
) -> Result<HttpResponse, WebError> {
    let client = id.into_inner();
    let input = form.into_inner();
    let actor = staff.actor.clone();
    match state
        .attempt(move |conn| reconciliation::for_staff(conn, &actor, client, &input.form()))
        .await?
    {
        Outcome::Done(document) => Ok(page::redirect(&format!("/admin/documents/{document}"))),
        Outcome::Invalid(errors) => {
            Flash::error(errors.first_message()).set(&session);
            Ok(page::redirect(&format!(
                "/admin/clients/{client}?tab=documents"
            )))
        }
    }
}
