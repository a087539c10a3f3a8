//! Accounting documents: bills, monthly acts of completion, credit notes and
//! reconciliation reports, made out by a company to a payer.
//!
//! Rules that hold for every kind:
//! - A document is numbered when it is issued, inside the issuing transaction, from its
//!   company's series for its kind and year (`INV-2026-000123`): no gaps, no number twice.
//! - It never changes after issue but for its status (issued, sent, cancelled); what it
//!   says of the company and the payer is the snapshot taken at issue.
//! - Cancelling keeps it and its number, with the reason.
//! - Issuing is refused for a company that lacks the details the document prints.

pub mod acts;
pub mod bills;
pub mod credit_notes;
pub mod pdf;
pub mod reconciliation;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::db::models::document::{
    self as model, CANCELLED, Document, DocumentFilter, DocumentLine, DocumentRow, ISSUED,
    NewDocument, NewDocumentLine, SENT,
};
use crate::db::models::{Company, Payer};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::client_permissions::{self, FINANCE};
use crate::domain::mail::templates::{self, Addressee};
use crate::domain::money::{Money, round};
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError, text};
use crate::ids::{ClientId, DocumentId, PaymentId};

/// Documents per page of a list.
pub const PAGE_SIZE: i64 = 50;

/// What a document prints of its company, as it was at issue.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CompanyDetails {
    pub legal_name: String,
    pub kind: String,
    pub country: String,
    pub tax_id: String,
    pub kpp: String,
    pub registration_number: String,
    pub legal_address: String,
    pub postal_address: String,
    pub bank_details: String,
    pub email: String,
    pub phone: String,
    pub signatory_name: String,
    pub signatory_title: String,
}

impl CompanyDetails {
    pub fn of(company: &Company) -> Self {
        Self {
            legal_name: company.legal_name.clone(),
            kind: company.kind.clone(),
            country: company.country.clone(),
            tax_id: company.tax_id.clone(),
            kpp: company.kpp.clone(),
            registration_number: company.registration_number.clone(),
            legal_address: company.legal_address.clone(),
            postal_address: company.postal_address.clone(),
            bank_details: company.bank_details.clone(),
            email: company.email.clone(),
            phone: company.phone.clone(),
            signatory_name: company.signatory_name.clone(),
            signatory_title: company.signatory_title.clone(),
        }
    }
}

/// What a document (and a payment) shows of its payer, as it was at issue.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PayerDetails {
    pub kind: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub country: String,
    pub postal_address: String,
    pub legal_address: String,
    pub tax_id: String,
    pub registration_number: String,
    pub contact_person: String,
    pub bank_details: String,
}

impl PayerDetails {
    pub fn of(payer: &Payer) -> Self {
        Self {
            kind: payer.kind.clone(),
            name: payer.name.clone(),
            email: payer.email.clone(),
            phone: payer.phone.clone(),
            country: payer.country.clone(),
            postal_address: payer.postal_address.clone(),
            legal_address: payer.legal_address.clone(),
            tax_id: payer.tax_id.clone(),
            registration_number: payer.registration_number.clone(),
            contact_person: payer.contact_person.clone(),
            bank_details: payer.bank_details.clone(),
        }
    }

    /// The payer's details as a payment keeps them.
    pub fn snapshot(payer: &Payer) -> String {
        serde_json::to_string(&Self::of(payer)).unwrap_or_default()
    }

    /// A kept snapshot; `None` when there is none (payments older than snapshots).
    pub fn read(snapshot: &str) -> Option<Self> {
        serde_json::from_str(snapshot).ok()
    }

    /// The address a document prints: the legal one, else the postal one.
    pub fn address(&self) -> &str {
        if self.legal_address.is_empty() {
            &self.postal_address
        } else {
            &self.legal_address
        }
    }
}

/// The payer's name kept in a payment's snapshot, without reading the rest of it.
pub fn snapshot_name(snapshot: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Name {
        name: String,
    }
    serde_json::from_str::<Name>(snapshot).ok().map(|n| n.name)
}

pub const TAX_NONE: &str = "none";
pub const TAX_VAT_INCLUDED: &str = "vat_included";
pub const TAX_VAT_ON_TOP: &str = "vat_on_top";
pub const TAX_MODES: &[(&str, &str)] = &[
    (TAX_NONE, "No VAT"),
    (TAX_VAT_INCLUDED, "VAT included in prices"),
    (TAX_VAT_ON_TOP, "VAT added on top of prices"),
];

/// How a company's documents count tax. VAT included: the prices charged hold it, and the
/// document shows the part of its total that is VAT, counted once for the document and
/// rounded by the project's one rule (half away from zero). VAT on top: the catalog's prices
/// are without VAT, and what a client orders is priced with VAT added (rounded by the same
/// rule), so that what is charged, renewed and written on the act is what the client owes;
/// the document then shows the VAT within its total as for "included".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tax {
    None,
    VatIncluded { rate_bp: i32 },
    VatOnTop { rate_bp: i32 },
}

impl Tax {
    pub fn of(company: &Company) -> Self {
        match company.tax_mode.as_str() {
            TAX_VAT_INCLUDED if company.tax_rate_bp > 0 => Tax::VatIncluded {
                rate_bp: company.tax_rate_bp,
            },
            TAX_VAT_ON_TOP if company.tax_rate_bp > 0 => Tax::VatOnTop {
                rate_bp: company.tax_rate_bp,
            },
            _ => Tax::None,
        }
    }

    /// A catalog price as the client pays it: with VAT added when it goes on top (rounded
    /// half away from zero), else as it is.
    pub fn price_with(self, net: i64, exponent: i32) -> i64 {
        match self {
            Tax::VatOnTop { rate_bp } => {
                let exponent = exponent.clamp(0, 28) as u32;
                let net = Decimal::new(net, exponent);
                let gross = net + round(net * Decimal::new(i64::from(rate_bp), 4), exponent);
                (gross * Decimal::from(10i64.pow(exponent)))
                    .trunc()
                    .try_into()
                    .unwrap_or(i64::MAX)
            }
            Tax::None | Tax::VatIncluded { .. } => net,
        }
    }

    /// What an order page says under prices that have VAT added.
    pub fn price_note(self) -> String {
        match self {
            Tax::VatOnTop { rate_bp } => format!(
                "Prices include VAT {} % added on top.",
                Decimal::new(i64::from(rate_bp), 2).normalize()
            ),
            Tax::None | Tax::VatIncluded { .. } => String::new(),
        }
    }

    /// The tax within `total` minor units.
    pub fn within(self, total: i64, exponent: i32) -> i64 {
        match self {
            Tax::None => 0,
            Tax::VatIncluded { rate_bp } | Tax::VatOnTop { rate_bp } => {
                let exponent = exponent.clamp(0, 28) as u32;
                let total = Decimal::new(total, exponent);
                let rate = Decimal::new(i64::from(rate_bp), 4);
                let tax = round(total * rate / (Decimal::ONE + rate), exponent);
                (tax * Decimal::from(10i64.pow(exponent)))
                    .trunc()
                    .try_into()
                    .unwrap_or(0)
            }
        }
    }

    /// What the document prints about its tax.
    pub fn label(self) -> String {
        match self {
            Tax::None => String::new(),
            Tax::VatIncluded { rate_bp } => {
                format!(
                    "VAT {} % included",
                    Decimal::new(i64::from(rate_bp), 2).normalize()
                )
            }
            Tax::VatOnTop { rate_bp } => {
                format!(
                    "VAT {} % added on top of prices",
                    Decimal::new(i64::from(rate_bp), 2).normalize()
                )
            }
        }
    }
}

/// The fields a company must have filled in before it issues a document of `kind`, by
/// the names its form gives them.
pub fn missing_details(company: &Company, kind: &str) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if company.tax_id.trim().is_empty() {
        missing.push("tax id");
    }
    if company.legal_address.trim().is_empty() {
        missing.push("legal address");
    }
    if company.signatory_name.trim().is_empty() {
        missing.push("signatory's name");
    }
    if kind == model::BILL && company.bank_details.trim().is_empty() {
        missing.push("bank details");
    }
    missing
}

/// Refuses a company that lacks what a document of `kind` prints, naming the fields.
pub fn check_details(company: &Company, kind: &str, field: &str) -> Result<(), DomainError> {
    let missing = missing_details(company, kind);
    if missing.is_empty() {
        return Ok(());
    }
    Err(DomainError::invalid(
        field,
        format!(
            "{} cannot issue a {} yet: its {} {} missing (Settings → Companies).",
            company.legal_name,
            model::kind_label(kind).to_lowercase(),
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" },
        ),
    ))
}

/// The prefix of a company's series for `kind`.
fn prefix<'a>(company: &'a Company, kind: &str) -> &'a str {
    match kind {
        model::BILL => &company.bill_prefix,
        model::ACT => &company.act_prefix,
        model::CREDIT_NOTE => &company.credit_note_prefix,
        _ => &company.reconciliation_prefix,
    }
}

/// A line of a document about to be issued.
#[derive(Debug, Clone)]
pub struct LineDraft {
    pub line_date: Option<NaiveDate>,
    pub description: String,
    pub quantity: i32,
    pub unit_price: i64,
    pub amount: i64,
    pub credit: i64,
    pub expense_id: Option<crate::ids::ExpenseId>,
}

impl LineDraft {
    /// One item at its price.
    pub fn item(description: String, amount: i64) -> Self {
        Self {
            line_date: None,
            description,
            quantity: 1,
            unit_price: amount,
            amount,
            credit: 0,
            expense_id: None,
        }
    }
}

/// A document about to be issued.
pub struct Draft<'a> {
    pub kind: &'static str,
    pub company: &'a Company,
    pub payer: &'a Payer,
    pub currency_code: &'a str,
    pub currency_exponent: i32,
    pub issued_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub period: Option<(NaiveDate, NaiveDate)>,
    pub payment_id: Option<PaymentId>,
    pub related_id: Option<DocumentId>,
    pub lines: Vec<LineDraft>,
    /// A reconciliation report's opening balance and closing one (its total); other kinds
    /// total their lines.
    pub balances: Option<(i64, i64)>,
    /// Issued without its mail to the payer and its audit event: only the demo's history,
    /// made by `seed-demo`.
    pub quiet: bool,
}

/// Issues a document in the caller's write transaction: takes its number, keeps the
/// snapshots, writes it and its lines, queues the mail to the payer and records the audit
/// event. The caller has checked the company's details and who may issue it.
pub(crate) fn issue(
    conn: &mut DbConnection,
    actor: &Actor,
    draft: Draft<'_>,
) -> Result<Document, DomainError> {
    let company = draft.company;
    let year = draft.issued_on.year();
    let sequence = model::next_number(conn, company.id, draft.kind, year)?;
    let number = format!("{}-{year}-{sequence:06}", prefix(company, draft.kind));
    let tax = Tax::of(company);
    let (opening, total) = match draft.balances {
        Some((opening, closing)) => (opening, closing),
        None => (0, draft.lines.iter().map(|l| l.amount).sum()),
    };
    let tax_amount = match (draft.balances, tax) {
        (Some(_), _) => 0,
        // Added on top, each price had its VAT rounded by itself (`price_with`): the VAT
        // within each line comes back to exactly that, and their sum is what the client
        // paid; the VAT within the whole total could be a few minor units less.
        (None, Tax::VatOnTop { .. }) => draft
            .lines
            .iter()
            .map(|l| tax.within(l.amount, draft.currency_exponent))
            .sum(),
        (None, _) => tax.within(total, draft.currency_exponent),
    };
    let tax_label = if draft.balances.is_some() {
        String::new()
    } else {
        tax.label()
    };
    let company_snapshot = serde_json::to_string(&CompanyDetails::of(company))
        .map_err(|e| DomainError::Internal(e.to_string()))?;
    let payer_snapshot = PayerDetails::snapshot(draft.payer);
    let document = Document::insert(
        conn,
        &NewDocument {
            kind: draft.kind,
            number: &number,
            year,
            sequence,
            company_id: company.id,
            payer_id: draft.payer.id,
            client_id: draft.payer.client_id,
            currency_code: draft.currency_code,
            currency_exponent: draft.currency_exponent,
            issued_on: draft.issued_on,
            due_on: draft.due_on,
            period_start: draft.period.map(|p| p.0),
            period_end: draft.period.map(|p| p.1),
            payment_id: draft.payment_id,
            related_id: draft.related_id,
            total,
            tax: tax_amount,
            tax_label: &tax_label,
            opening,
            status: ISSUED,
            company_snapshot: &company_snapshot,
            payer_snapshot: &payer_snapshot,
            created_by: actor.employee_id(),
            created_at: db::now(),
        },
    )?;
    let lines: Vec<NewDocumentLine> = draft
        .lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| NewDocumentLine {
            document_id: document.id,
            position: i as i32 + 1,
            line_date: l.line_date,
            description: l.description,
            quantity: l.quantity,
            unit_price: l.unit_price,
            amount: l.amount,
            credit: l.credit,
            expense_id: l.expense_id,
        })
        .collect();
    Document::insert_lines(conn, &lines)?;
    if draft.quiet {
        return Ok(document);
    }
    let money = Money::from_minor(total, draft.currency_exponent, draft.currency_code);
    mail_to_payer(conn, &document, draft.payer, &company.legal_name, &money)?;
    audit::record(
        conn,
        actor,
        "document.issue",
        Target::new("document", document.id),
        &format!("{} {number}, {money}", document.kind_label()),
    )?;
    Ok(document)
}

/// Queues the mail that brings a document to its payer (the PDF goes with it once mail is
/// delivered); a payer without an address gets none.
fn mail_to_payer(
    conn: &mut DbConnection,
    document: &Document,
    payer: &Payer,
    company: &str,
    total: &Money,
) -> Result<(), DomainError> {
    if payer.email.is_empty() {
        return Ok(());
    }
    let to = Addressee::client(conn, document.client_id, None)?;
    let (notice, document_name) = match document.kind.as_str() {
        model::BILL => (&templates::BILL_ISSUED, None),
        _ => (
            &templates::DOCUMENT_ISSUED,
            Some((
                "document",
                kind_name(&document.kind, to.language).to_owned(),
            )),
        ),
    };
    let values: Vec<(&'static str, String)> = [
        ("client", to.name.clone()),
        ("company", company.to_owned()),
        ("number", document.number.clone()),
        ("date", document.issued_on.format("%Y-%m-%d").to_string()),
        ("payer", payer.name.clone()),
        ("total", total.to_string()),
    ]
    .into_iter()
    .chain(document_name)
    .collect();
    let letter = templates::write(conn, notice, &to, &values)?;
    crate::domain::mail::to_client(
        conn,
        document.client_id,
        &letter.to(&payer.email, db::now()),
        Some(document.id),
    )?;
    Ok(())
}

/// A document's kind as its mail names it, in the recipient's language.
fn kind_name(kind: &str, language: &str) -> &'static str {
    match (language, kind) {
        ("ru", model::BILL) => "Счёт",
        ("ru", model::ACT) => "Акт выполненных работ",
        ("ru", model::CREDIT_NOTE) => "Кредит-нота",
        ("ru", model::RECONCILIATION) => "Акт сверки",
        _ => model::kind_label(kind),
    }
}

/// A document with everything its page and its PDF show.
#[derive(Debug, Clone)]
pub struct DocumentView {
    pub document: Document,
    pub lines: Vec<DocumentLine>,
    pub company: CompanyDetails,
    pub payer: PayerDetails,
    /// The document a credit note corrects, or the credit notes of a bill's payment.
    pub related: Vec<Document>,
}

impl DocumentView {
    pub fn money(&self, minor: i64) -> Money {
        Money::from_minor(
            minor,
            self.document.currency_exponent,
            &self.document.currency_code,
        )
    }

    /// The net of a total with VAT included.
    pub fn net(&self) -> Money {
        self.money(self.document.total - self.document.tax)
    }

    pub fn is_reconciliation(&self) -> bool {
        self.document.kind == model::RECONCILIATION
    }

    /// A reconciliation report's sums: charged (debit) and received (credit).
    pub fn turnover(&self) -> (i64, i64) {
        self.lines
            .iter()
            .fold((0, 0), |(d, c), l| (d + l.amount, c + l.credit))
    }

    /// The heading: "Bill No. INV-2026-000001 of 2026-12-07".
    pub fn title(&self) -> String {
        format!(
            "{} No. {} of {}",
            self.document.kind_label(),
            self.document.number,
            self.document.issued_on.format("%Y-%m-%d")
        )
    }
}

fn view(conn: &mut DbConnection, document: Document) -> Result<DocumentView, DomainError> {
    let lines = Document::lines(conn, document.id)?;
    let mut related = Vec::new();
    if let Some(id) = document.related_id
        && let Some(d) = Document::find(conn, id)?
    {
        related.push(d);
    }
    if let Some(payment) = document.payment_id {
        related.extend(
            Document::of_payment(conn, payment)?
                .into_iter()
                .filter(|d| d.id != document.id && Some(d.id) != document.related_id),
        );
    }
    Ok(DocumentView {
        company: serde_json::from_str(&document.company_snapshot).unwrap_or_default(),
        payer: serde_json::from_str(&document.payer_snapshot).unwrap_or_default(),
        lines,
        related,
        document,
    })
}

/// A document's PDF and its file name, for the mail about it (sent by the outbox worker,
/// which acts for nobody: the mail was queued by whoever issued the document).
pub fn pdf_for_mail(
    conn: &mut DbConnection,
    id: DocumentId,
) -> Result<Option<(String, Vec<u8>)>, DomainError> {
    let Some(document) = Document::find(conn, id)? else {
        return Ok(None);
    };
    let v = view(conn, document)?;
    let bytes = pdf::render(&v).map_err(DomainError::Internal)?;
    Ok(Some((format!("{}.pdf", v.document.number), bytes)))
}

/// Any document, for staff who may see documents.
pub fn for_staff(
    conn: &mut DbConnection,
    actor: &Actor,
    id: DocumentId,
) -> Result<DocumentView, DomainError> {
    require(actor, permissions::DOCUMENTS_VIEW)?;
    let document = Document::find(conn, id)?.ok_or(DomainError::NotFound)?;
    view(conn, document)
}

/// The client's own document; another client's is not found.
pub fn for_client(
    conn: &mut DbConnection,
    actor: &Actor,
    id: DocumentId,
) -> Result<DocumentView, DomainError> {
    let client = client_permissions::require(conn, actor, FINANCE)?;
    let document = Document::find(conn, id)?
        .filter(|d| d.client_id == client)
        .ok_or(DomainError::NotFound)?;
    view(conn, document)
}

/// Documents as the filter says, newest first, for staff.
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: &DocumentFilter,
) -> Result<Vec<DocumentRow>, DomainError> {
    require(actor, permissions::DOCUMENTS_VIEW)?;
    Ok(Document::rows(conn, filter, PAGE_SIZE + 1)?)
}

/// The client's own documents, newest first.
pub fn list_for_client(
    conn: &mut DbConnection,
    actor: &Actor,
    before: Option<crate::db::models::document::DocumentCursor>,
) -> Result<Vec<DocumentRow>, DomainError> {
    let client = client_permissions::require(conn, actor, FINANCE)?;
    Ok(Document::rows(
        conn,
        &DocumentFilter {
            client: Some(client),
            before,
            ..Default::default()
        },
        PAGE_SIZE + 1,
    )?)
}

/// A client's documents for its card (staff who may see documents).
pub fn of_client(
    conn: &mut DbConnection,
    actor: &Actor,
    client: ClientId,
) -> Result<Vec<DocumentRow>, DomainError> {
    require(actor, permissions::DOCUMENTS_VIEW)?;
    Ok(Document::rows(
        conn,
        &DocumentFilter {
            client: Some(client),
            ..Default::default()
        },
        PAGE_SIZE,
    )?)
}

/// An employee cancels a document with a reason: it keeps its number and shows as
/// cancelled. A cancelled act frees its expenses for an act issued again.
pub fn cancel(
    conn: &mut DbConnection,
    actor: &Actor,
    id: DocumentId,
    reason: &str,
) -> Result<Document, DomainError> {
    require(actor, permissions::DOCUMENTS_CANCEL)?;
    let reason = text::required(reason, 500, "Say why the document is cancelled.")
        .map_err(|m| DomainError::invalid("reason", m))?;
    let document = Document::find(conn, id)?.ok_or(DomainError::NotFound)?;
    db::write_transaction(conn, |conn| {
        if !Document::change_status(conn, id, &[ISSUED, SENT], CANCELLED, &reason)? {
            return Err(DomainError::invalid(
                "reason",
                "This document is cancelled already.",
            ));
        }
        audit::record(
            conn,
            actor,
            "document.cancel",
            Target::new("document", id),
            &format!("{} {}: {reason}", document.kind_label(), document.number),
        )?;
        Document::find(conn, id)?.ok_or(DomainError::NotFound)
    })
}

/// Cancels the bill of a payment that was cancelled, in the caller's transaction.
pub(crate) fn cancel_bill_of_payment(
    conn: &mut DbConnection,
    payment: PaymentId,
) -> Result<(), DomainError> {
    if let Some(bill) = Document::bill_of_payment(conn, payment)? {
        Document::change_status(
            conn,
            bill.id,
            &[ISSUED, SENT],
            CANCELLED,
            "The payment was cancelled.",
        )?;
    }
    Ok(())
}

/// An employee sends a document to its payer again (through the outbox).
pub fn send_again(
    conn: &mut DbConnection,
    actor: &Actor,
    id: DocumentId,
) -> Result<String, DomainError> {
    require(actor, permissions::DOCUMENTS_ISSUE)?;
    let document = Document::find(conn, id)?.ok_or(DomainError::NotFound)?;
    if document.status == CANCELLED {
        return Err(DomainError::invalid(
            "document",
            "A cancelled document is not sent.",
        ));
    }
    let payer = Payer::find_of_client(conn, document.client_id, document.payer_id)?
        .ok_or(DomainError::NotFound)?;
    if payer.email.is_empty() {
        return Err(DomainError::invalid(
            "document",
            "The payer has no email address; add one on the payer first.",
        ));
    }
    let details: CompanyDetails =
        serde_json::from_str(&document.company_snapshot).unwrap_or_default();
    db::write_transaction(conn, |conn| {
        let money = Money::from_minor(
            document.total,
            document.currency_exponent,
            &document.currency_code,
        );
        mail_to_payer(conn, &document, &payer, &details.legal_name, &money)?;
        audit::record(
            conn,
            actor,
            "document.send",
            Target::new("document", id),
            &format!("{} to {}", document.number, payer.email),
        )?;
        Ok(payer.email.clone())
    })
}

/// The company that issues a payment's documents: the one receiving its payment method,
/// else the first company (by id) working for the account's provider.
pub(crate) fn company_for_payment(
    conn: &mut DbConnection,
    payment: &crate::db::models::payment::Payment,
) -> Result<Option<Company>, DomainError> {
    if let Some(method) = payment.payment_method_id
        && let Some(row) = crate::db::models::payment_method::PaymentMethod::row(conn, method)?
    {
        return Ok(Company::find(conn, row.method.company_id)?);
    }
    let account =
        crate::db::models::Account::find(conn, payment.account_id)?.ok_or(DomainError::NotFound)?;
    Ok(Company::first_of_provider(conn, account.provider_id)?)
}

#[cfg(test)]
mod tests {
    use super::Tax;

    #[test]
    fn vat_on_top_is_added_and_rounded_half_away_from_zero() {
        let tax = Tax::VatOnTop { rate_bp: 2000 };
        assert_eq!(tax.price_with(30_005, 2), 36_006);
        assert_eq!(tax.price_with(3, 2), 4, "0.006 rounds up to 0.01");
        assert_eq!(tax.price_with(2, 2), 2, "0.004 rounds down");
        assert_eq!(
            tax.price_with(1_000, 0),
            1_200,
            "a currency without minor units"
        );
        // Its VAT, counted within the charged price, comes back to what was added, for
        // every price (so an act summing it per line states what was paid).
        assert_eq!(tax.within(36_006, 2), 6_001);
        for net in 0..20_000 {
            let gross = tax.price_with(net, 2);
            assert_eq!(tax.within(gross, 2), gross - net, "net {net}");
        }
        assert_eq!(
            Tax::VatIncluded { rate_bp: 2000 }.price_with(30_005, 2),
            30_005
        );
        assert_eq!(Tax::None.price_with(30_005, 2), 30_005);
    }
}
