//! Credit notes: the corrective document issued when a paid payment is refunded, in part
//! or in full, referring to the payment and its bill; a series of its own.

use crate::db::models::Payer;
use crate::db::models::document::{CREDIT_NOTE, Document};
use crate::db::models::payment::Payment;
use crate::db::{self, DbConnection};
use crate::domain::documents::{Draft, LineDraft, company_for_payment, issue, missing_details};
use crate::domain::payments::account_currency;
use crate::domain::{Actor, DomainError};

/// Issues the credit note of a refund of `amount` in the refund's transaction. A refund
/// is never refused for a document: when no company can issue one (none works for the
/// provider, or its details are missing), the refund goes ahead without it and `None`
/// says so.
pub(crate) fn issue_for_refund(
    conn: &mut DbConnection,
    actor: &Actor,
    payment: &Payment,
    amount: i64,
) -> Result<Option<Document>, DomainError> {
    let Some(company) = company_for_payment(conn, payment)? else {
        return Ok(None);
    };
    if !missing_details(&company, CREDIT_NOTE).is_empty() {
        return Ok(None);
    }
    let payer = Payer::find_of_client(conn, payment.client_id, payment.payer_id)?
        .ok_or(DomainError::NotFound)?;
    let currency = account_currency(conn, payment.client_id, payment.account_id)?
        .ok_or(DomainError::NotFound)?;
    let bill = Document::bill_of_payment(conn, payment.id)?;
    let description = match &bill {
        Some(bill) => format!(
            "Refund of payment No. {} (bill {})",
            payment.id, bill.number
        ),
        None => format!("Refund of payment No. {}", payment.id),
    };
    issue(
        conn,
        actor,
        Draft {
            kind: CREDIT_NOTE,
            company: &company,
            payer: &payer,
            currency_code: &currency.code,
            currency_exponent: currency.exponent,
            issued_on: db::now().date(),
            due_on: None,
            period: None,
            payment_id: Some(payment.id),
            related_id: bill.map(|b| b.id),
            lines: vec![LineDraft::item(description, amount)],
            balances: None,
            quiet: false,
        },
    )
    .map(Some)
}
