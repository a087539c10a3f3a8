//! The `documents`, `document_lines` and `document_sequences` tables: accounting
//! documents (bills, acts, credit notes, reconciliation reports), their lines, and the last
//! number given in each series.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{clients, companies, document_lines, document_sequences, documents};
use crate::ids::{
    ClientId, CompanyId, DocumentId, DocumentLineId, EmployeeId, ExpenseId, PayerId, PaymentId,
};

pub const BILL: &str = "bill";
pub const ACT: &str = "act";
pub const CREDIT_NOTE: &str = "credit_note";
pub const RECONCILIATION: &str = "reconciliation";
/// Every kind, in the order lists offer them.
pub const KINDS: &[&str] = &[BILL, ACT, CREDIT_NOTE, RECONCILIATION];

pub const ISSUED: &str = "issued";
pub const SENT: &str = "sent";
pub const CANCELLED: &str = "cancelled";
pub const STATUSES: &[&str] = &[ISSUED, SENT, CANCELLED];

pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        BILL => "Bill",
        ACT => "Act of completion",
        CREDIT_NOTE => "Credit note",
        RECONCILIATION => "Reconciliation report",
        _ => "Document",
    }
}

pub fn status_label(status: &str) -> &'static str {
    match status {
        ISSUED => "Issued",
        SENT => "Sent",
        CANCELLED => "Cancelled",
        _ => "Unknown",
    }
}

pub fn status_class(status: &str) -> &'static str {
    match status {
        ISSUED => "text-bg-primary",
        SENT => "text-bg-success",
        _ => "text-bg-secondary",
    }
}

#[derive(Debug, Clone, Queryable, Identifiable, Selectable)]
#[diesel(table_name = documents)]
pub struct Document {
    pub id: DocumentId,
    pub kind: String,
    pub number: String,
    pub year: i32,
    pub sequence: i64,
    pub company_id: CompanyId,
    pub payer_id: PayerId,
    pub client_id: ClientId,
    pub currency_code: String,
    pub currency_exponent: i32,
    pub issued_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub payment_id: Option<PaymentId>,
    pub related_id: Option<DocumentId>,
    pub total: i64,
    pub tax: i64,
    pub tax_label: String,
    pub opening: i64,
    pub status: String,
    pub cancel_reason: String,
    pub company_snapshot: String,
    pub payer_snapshot: String,
    pub created_by: Option<EmployeeId>,
    #[diesel(deserialize_as = crate::db::SqlTime)]
    pub created_at: NaiveDateTime,
}

impl Document {
    pub fn kind_label(&self) -> &'static str {
        kind_label(&self.kind)
    }

    pub fn status_label(&self) -> &'static str {
        status_label(&self.status)
    }

    pub fn status_class(&self) -> &'static str {
        status_class(&self.status)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = documents)]
pub struct NewDocument<'a> {
    pub kind: &'a str,
    pub number: &'a str,
    pub year: i32,
    pub sequence: i64,
    pub company_id: CompanyId,
    pub payer_id: PayerId,
    pub client_id: ClientId,
    pub currency_code: &'a str,
    pub currency_exponent: i32,
    pub issued_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub payment_id: Option<PaymentId>,
    pub related_id: Option<DocumentId>,
    pub total: i64,
    pub tax: i64,
    pub tax_label: &'a str,
    pub opening: i64,
    pub status: &'a str,
    pub company_snapshot: &'a str,
    pub payer_snapshot: &'a str,
    pub created_by: Option<EmployeeId>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Identifiable, Selectable)]
#[diesel(table_name = document_lines)]
pub struct DocumentLine {
    pub id: DocumentLineId,
    pub document_id: DocumentId,
    pub position: i32,
    pub line_date: Option<NaiveDate>,
    pub description: String,
    pub quantity: i32,
    pub unit_price: i64,
    /// The line's money; on a reconciliation report, what was charged (the debit).
    pub amount: i64,
    /// A reconciliation report's money received.
    pub credit: i64,
    pub expense_id: Option<ExpenseId>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = document_lines)]
pub struct NewDocumentLine {
    pub document_id: DocumentId,
    pub position: i32,
    pub line_date: Option<NaiveDate>,
    pub description: String,
    pub quantity: i32,
    pub unit_price: i64,
    pub amount: i64,
    pub credit: i64,
    pub expense_id: Option<ExpenseId>,
}

/// A document as lists show it, with its client's name and its company's.
#[derive(Debug, Clone, Queryable)]
pub struct DocumentRow {
    pub document: Document,
    pub client_name: String,
    pub company_name: String,
}

/// What a documents list shows; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct DocumentFilter {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub company: Option<CompanyId>,
    pub payer: Option<PayerId>,
    pub client: Option<ClientId>,
    /// Issued on or after / before.
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    /// Keyset: documents after this one in the list's order (newest first: by date, then
    /// by number of the row).
    pub before: Option<DocumentCursor>,
}

/// Where a page of a documents list ends: the last row's date and id, written
/// `2026-11-30.812345` in links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentCursor {
    pub on: NaiveDate,
    pub id: DocumentId,
}

impl DocumentCursor {
    pub fn of(document: &Document) -> Self {
        Self {
            on: document.issued_on,
            id: document.id,
        }
    }

    /// Reads a cursor from a link; anything else is no cursor (the first page).
    pub fn parse(raw: &str) -> Option<Self> {
        let (on, id) = raw.trim().split_once('.')?;
        Some(Self {
            on: NaiveDate::parse_from_str(on, "%Y-%m-%d").ok()?,
            id: id.parse().ok()?,
        })
    }
}

impl std::fmt::Display for DocumentCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.on.format("%Y-%m-%d"), self.id)
    }
}

/// Takes the next number of a series inside the caller's transaction: the row's lock (on
/// PostgreSQL) or the one writer (SQLite) holds other issues of the series until commit,
/// and a rollback gives the number back.
pub fn next_number(
    conn: &mut DbConnection,
    company: CompanyId,
    kind: &str,
    year: i32,
) -> QueryResult<i64> {
    use diesel::upsert::excluded;
    crate::db::on_engine!(conn, |c| diesel::insert_into(document_sequences::table)
        .values((
            document_sequences::company_id.eq(company),
            document_sequences::kind.eq(kind),
            document_sequences::year.eq(year),
            document_sequences::last_number.eq(1i64),
        ))
        .on_conflict((
            document_sequences::company_id,
            document_sequences::kind,
            document_sequences::year,
        ))
        .do_update()
        .set(
            document_sequences::last_number
                .eq(document_sequences::last_number + excluded(document_sequences::last_number)),
        )
        .returning(document_sequences::last_number)
        .get_result(c))
}

impl Document {
    pub fn insert(conn: &mut DbConnection, new: &NewDocument<'_>) -> QueryResult<Document> {
        crate::db::on_engine!(conn, |c| diesel::insert_into(documents::table)
            .values(new)
            .returning(Document::as_returning())
            .get_result(c))
    }

    pub fn insert_lines(conn: &mut DbConnection, lines: &[NewDocumentLine]) -> QueryResult<()> {
        for chunk in lines.chunks(500) {
            crate::db::on_engine!(conn, |c| diesel::insert_into(document_lines::table)
                .values(chunk)
                .execute(c))?;
        }
        Ok(())
    }

    /// The documents with this number (one per company at most in a year and series).
    pub fn with_number(conn: &mut DbConnection, number: &str) -> QueryResult<Vec<Document>> {
        documents::table
            .filter(documents::number.eq(number))
            .select(Document::as_select())
            .order(documents::id.desc())
            .limit(10)
            .load(conn)
    }

    pub fn find(conn: &mut DbConnection, id: DocumentId) -> QueryResult<Option<Document>> {
        crate::db::on_engine!(conn, |c| documents::table
            .find(id)
            .select(Document::as_select())
            .first(c)
            .optional())
    }

    pub fn lines(conn: &mut DbConnection, id: DocumentId) -> QueryResult<Vec<DocumentLine>> {
        crate::db::on_engine!(conn, |c| document_lines::table
            .filter(document_lines::document_id.eq(id))
            .order((document_lines::position, document_lines::id))
            .select(DocumentLine::as_select())
            .load(c))
    }

    /// The bill of a payment, if one was issued.
    pub fn bill_of_payment(
        conn: &mut DbConnection,
        payment: PaymentId,
    ) -> QueryResult<Option<Document>> {
        crate::db::on_engine!(conn, |c| documents::table
            .filter(documents::payment_id.eq(payment))
            .filter(documents::kind.eq(BILL))
            .select(Document::as_select())
            .first(c)
            .optional())
    }

    /// Every document about a payment (its bill, its credit notes), oldest first.
    pub fn of_payment(conn: &mut DbConnection, payment: PaymentId) -> QueryResult<Vec<Document>> {
        crate::db::on_engine!(conn, |c| documents::table
            .filter(documents::payment_id.eq(payment))
            .order(documents::id)
            .select(Document::as_select())
            .load(c))
    }

    /// Changes the status from one of `from`; false when it was in none of them.
    pub fn change_status(
        conn: &mut DbConnection,
        id: DocumentId,
        from: &[&str],
        to: &str,
        reason: &str,
    ) -> QueryResult<bool> {
        let from: Vec<String> = from.iter().map(|s| s.to_string()).collect();
        crate::db::on_engine!(conn, |c| diesel::update(
            documents::table
                .filter(documents::id.eq(id))
                .filter(documents::status.eq_any(from))
        )
        .set((
            documents::status.eq(to),
            documents::cancel_reason.eq(reason),
        ))
        .execute(c))
        .map(|n| n == 1)
    }

    /// Marks a document sent (mailed) unless it is cancelled.
    pub fn mark_sent(conn: &mut DbConnection, id: DocumentId) -> QueryResult<()> {
        crate::db::on_engine!(conn, |c| diesel::update(
            documents::table
                .filter(documents::id.eq(id))
                .filter(documents::status.eq(ISSUED))
        )
        .set(documents::status.eq(SENT))
        .execute(c))
        .map(|_| ())
    }

    /// The live acts of a month for any of these payers: (company, payer, currency). Looked
    /// up by payer and month (`documents_acts_of_payer`), which SQLite picks whatever the
    /// statistics say; the partial unique index alone was passed over for bound values and
    /// every act was looked for by scanning all acts.
    pub fn acts_of_month(
        conn: &mut DbConnection,
        payers: &[PayerId],
        month: NaiveDate,
    ) -> QueryResult<Vec<(CompanyId, PayerId, String)>> {
        crate::db::on_engine!(conn, |c| documents::table
            .filter(documents::payer_id.eq_any(payers))
            .filter(documents::period_start.eq(month))
            .filter(documents::kind.eq(ACT))
            .filter(documents::status.ne(CANCELLED))
            .select((
                documents::company_id,
                documents::payer_id,
                documents::currency_code,
            ))
            .load(c))
    }

    /// Documents, newest first, as the filter says; at most `limit`. After a cursor the page
    /// is read in two index seeks (`page_after_cursor`): the rest of the cursor's day, then
    /// the days before it; a month's acts all share their last day.
    pub fn rows(
        conn: &mut DbConnection,
        filter: &DocumentFilter,
        limit: i64,
    ) -> QueryResult<Vec<DocumentRow>> {
        crate::db::on_engine!(conn, |c| {
            let filtered = || {
                let mut query = documents::table
                    .inner_join(clients::table)
                    .inner_join(companies::table)
                    .select((Document::as_select(), clients::name, companies::legal_name))
                    .into_boxed();
                if let Some(kind) = &filter.kind {
                    query = query.filter(documents::kind.eq(kind.clone()));
                }
                if let Some(status) = &filter.status {
                    query = query.filter(documents::status.eq(status.clone()));
                }
                if let Some(company) = filter.company {
                    query = query.filter(documents::company_id.eq(company));
                }
                if let Some(payer) = filter.payer {
                    query = query.filter(documents::payer_id.eq(payer));
                }
                if let Some(client) = filter.client {
                    query = query.filter(documents::client_id.eq(client));
                }
                if let Some(from) = filter.from {
                    query = query.filter(documents::issued_on.ge(from));
                }
                if let Some(until) = filter.until {
                    query = query.filter(documents::issued_on.lt(until));
                }
                query
            };
            let Some(before) = filter.before else {
                return filtered()
                    .order((documents::issued_on.desc(), documents::id.desc()))
                    .limit(limit)
                    .load(c);
            };
            crate::db::page_after_cursor(
                c,
                limit,
                |c, n| {
                    filtered()
                        .filter(documents::issued_on.eq(before.on))
                        .filter(documents::id.lt(before.id))
                        .order(documents::id.desc())
                        .limit(n)
                        .load(c)
                },
                |c, n| {
                    filtered()
                        .filter(documents::issued_on.lt(before.on))
                        .order((documents::issued_on.desc(), documents::id.desc()))
                        .limit(n)
                        .load(c)
                },
            )
        })
    }
}
