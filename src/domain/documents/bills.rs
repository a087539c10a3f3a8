//! Bills: the invoice a payer pays a bank transfer against. Issued with the payment when
//! a bank transfer is created (by the client, or by an employee for it), and for any
//! other payment when either side asks for one; cancelled with its payment.

use chrono::Duration;

use crate::db::models::Payer;
use crate::db::models::document::{BILL, Document};
use crate::db::models::payment::{CANCELLED, Payment};
use crate::db::{self, DbConnection};
use crate::domain::client_permissions::{self, FINANCE};
use crate::domain::documents::{Draft, LineDraft, check_details, company_for_payment, issue};
use crate::domain::payments::account_currency;
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError};
use crate::ids::{DocumentId, PaymentId};

/// Issues the bill of a payment in the caller's write transaction. `field`: where a
/// refusal is shown (the company lacks details).
pub(crate) fn issue_for_payment(
    conn: &mut DbConnection,
    actor: &Actor,
    payment: &Payment,
    field: &str,
) -> Result<Document, DomainError> {
    issue_dated(conn, actor, payment, field, db::now().date(), false)
}

/// The bill of a payment, dated `issued_on`; `quiet` for the demo's history.
fn issue_dated(
    conn: &mut DbConnection,
    actor: &Actor,
    payment: &Payment,
    field: &str,
    issued_on: chrono::NaiveDate,
    quiet: bool,
) -> Result<Document, DomainError> {
    let company = company_for_payment(conn, payment)?.ok_or_else(|| {
        DomainError::invalid(
            field,
            "No company works for this provider, so no bill can be made out.",
        )
    })?;
    check_details(&company, BILL, field)?;
    let payer = Payer::find_of_client(conn, payment.client_id, payment.payer_id)?
        .ok_or(DomainError::NotFound)?;
    let currency = account_currency(conn, payment.client_id, payment.account_id)?
        .ok_or(DomainError::NotFound)?;
    issue(
        conn,
        actor,
        Draft {
            kind: BILL,
            company: &company,
            payer: &payer,
            currency_code: &currency.code,
            currency_exponent: currency.exponent,
            issued_on,
            due_on: Some(issued_on + Duration::days(i64::from(company.bill_due_days.max(0)))),
            period: None,
            payment_id: Some(payment.id),
            related_id: None,
            lines: vec![LineDraft::item(
                format!(
                    "Advance payment for hosting services (top-up of the balance), payment No. {}",
                    payment.id
                ),
                payment.amount,
            )],
            balances: None,
            quiet,
        },
    )
}

/// The bill that comes with a new bank transfer, in its transaction. Money is never
/// turned away for a document: when the receiving company lacks the details a bill prints,
/// the transfer is made without one (its page still shows where to pay), and asking for
/// its bill later names the missing fields.
pub(crate) fn issue_with_transfer(
    conn: &mut DbConnection,
    actor: &Actor,
    payment: &Payment,
) -> Result<Option<Document>, DomainError> {
    match company_for_payment(conn, payment)? {
        Some(company) if crate::domain::documents::missing_details(&company, BILL).is_empty() => {
            issue_for_payment(conn, actor, payment, "method_id").map(Some)
        }
        _ => Ok(None),
    }
}

/// The bill of a payment, issued now if it has none: for the payment's page, by either
/// side. A cancelled payment gets no new bill.
fn bill_for(
    conn: &mut DbConnection,
    actor: &Actor,
    payment: &Payment,
) -> Result<DocumentId, DomainError> {
    if let Some(bill) = db::recorded(conn, |c| Document::bill_of_payment(c, payment.id))? {
        return Ok(bill.id);
    }
    if payment.status == CANCELLED {
        return Err(DomainError::invalid(
            "payment",
            "A cancelled payment gets no bill.",
        ));
    }
    let outcome = db::write_transaction(conn, |conn| {
        issue_for_payment(conn, actor, payment, "payment").map(|d| d.id)
    });
    match outcome {
        // Asked twice at once: the other request issued it.
        Err(DomainError::Database(e)) if db::is_unique_violation(&e) => {
            db::recorded(conn, |c| Document::bill_of_payment(c, payment.id))?
                .map(|d| d.id)
                .ok_or(DomainError::Database(e))
        }
        other => other,
    }
}

/// The client asks for the bill of its own payment.
pub fn for_client(
    conn: &mut DbConnection,
    actor: &Actor,
    id: PaymentId,
) -> Result<DocumentId, DomainError> {
    let client = client_permissions::require(conn, actor, FINANCE)?;
    let payment = Payment::find(conn, id)?
        .filter(|p| p.client_id == client)
        .ok_or(DomainError::NotFound)?;
    bill_for(conn, actor, &payment)
}

/// An employee asks for the bill of a payment.
pub fn for_staff(
    conn: &mut DbConnection,
    actor: &Actor,
    id: PaymentId,
) -> Result<DocumentId, DomainError> {
    require(actor, permissions::DOCUMENTS_ISSUE)?;
    let payment = Payment::find(conn, id)?.ok_or(DomainError::NotFound)?;
    bill_for(conn, actor, &payment)
}

/// Bills for the bank transfers made before bills were issued with them (the demo's
/// history): each dated the day its transfer was made, in the order they were made, a
/// batch per transaction, without mail. Returns how many were issued.
pub fn issue_missing_for_transfers(conn: &mut DbConnection) -> Result<u64, DomainError> {
    use crate::db::schema::{documents, payments};
    use diesel::dsl::{exists, not};
    use diesel::prelude::*;
    let actor = Actor::system();
    // Which transfers lack a bill, read once and put in date order here (each batch
    // looking them up again ordered by date read every billed transfer again).
    let mut waiting: Vec<(chrono::NaiveDateTime, crate::ids::PaymentId)> =
        db::on_engine!(conn, |c| payments::table
            .filter(payments::method.eq(crate::db::models::payment_method::BANK_TRANSFER))
            .filter(not(exists(
                documents::table
                    .filter(documents::payment_id.eq(payments::id.nullable()))
                    .filter(documents::kind.eq(BILL)),
            )))
            .select((payments::created_at, payments::id))
            .load(c))?;
    waiting.sort();
    let mut issued = 0;
    for chunk in waiting.chunks(500) {
        let chunk_ids: Vec<crate::ids::PaymentId> = chunk.iter().map(|(_, id)| *id).collect();
        let mut batch: Vec<Payment> = db::on_engine!(conn, |c| payments::table
            .filter(payments::id.eq_any(&chunk_ids))
            .load(c))?;
        batch.sort_by_key(|p| (p.created_at, p.id));
        issued += db::write_transaction(conn, |conn| {
            let mut done = 0;
            for payment in &batch {
                match issue_dated(
                    conn,
                    &actor,
                    payment,
                    "payment",
                    payment.created_at.date(),
                    true,
                ) {
                    Ok(_) => done += 1,
                    // A company without details: its transfers stay without bills.
                    Err(DomainError::Invalid(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok::<_, DomainError>(done)
        })?;
    }
    Ok(issued)
}
