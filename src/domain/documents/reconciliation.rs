//! Reconciliation reports: on request, for a payer, one of its client's accounts and a range
//! of days, what the company and the payer should both have on their books: the balance at
//! the start, every payment received, refund made and act issued in the range, and the
//! balance at the end. Seen from the company: money received is a credit, services
//! rendered (acts) and money paid back are debits; a positive balance is the payer's
//! advance, a negative one its debt.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::models::document::{ACT, CANCELLED, Document, RECONCILIATION};
use crate::db::models::payment::{PAID, PARTLY_REFUNDED, REFUNDED};
use crate::db::models::{Account, Company, Payer};
use crate::db::schema::{documents, ledger_entries, payments};
use crate::db::{self, DbConnection};
use crate::domain::client_permissions::{self, FINANCE};
use crate::domain::documents::{Draft, LineDraft, check_details, issue};
use crate::domain::payments::account_currency;
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError, FieldErrors, text};
use crate::ids::{AccountId, ClientId, DocumentId, PayerId};

/// What the report's form sends.
#[derive(Debug, Clone, Default)]
pub struct ReconciliationForm<'a> {
    pub payer_id: &'a str,
    pub account_id: &'a str,
    pub from: &'a str,
    pub to: &'a str,
}

/// The client asks for a report on one of its payers.
pub fn for_client(
    conn: &mut DbConnection,
    actor: &Actor,
    form: &ReconciliationForm<'_>,
) -> Result<DocumentId, DomainError> {
    let client = client_permissions::require(conn, actor, FINANCE)?;
    make(conn, actor, client, form)
}

/// An employee makes a report for a payer of the client.
pub fn for_staff(
    conn: &mut DbConnection,
    actor: &Actor,
    client: ClientId,
    form: &ReconciliationForm<'_>,
) -> Result<DocumentId, DomainError> {
    require(actor, permissions::DOCUMENTS_ISSUE)?;
    make(conn, actor, client, form)
}

fn make(
    conn: &mut DbConnection,
    actor: &Actor,
    client: ClientId,
    form: &ReconciliationForm<'_>,
) -> Result<DocumentId, DomainError> {
    let mut errors = FieldErrors::new();
    let payer = match form.payer_id.trim().parse::<PayerId>() {
        Ok(id) => Payer::find_of_client(conn, client, id)?,
        Err(_) => None,
    };
    if payer.is_none() {
        errors.add("payer_id", "Choose one of the payers.");
    }
    let account = match form.account_id.trim().parse::<AccountId>() {
        Ok(id) => Account::find(conn, id)?.filter(|a| a.client_id == client),
        Err(_) => None,
    };
    if account.is_none() {
        errors.add("account_id", "Choose one of the accounts.");
    }
    let from = text::date(form.from)
        .map_err(|m| errors.add("from", m))
        .ok();
    let to = text::date(form.to).map_err(|m| errors.add("to", m)).ok();
    let today = db::now().date();
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            errors.add("to", "The range ends before it starts.");
        } else if to > today {
            errors.add("to", "The range cannot end after today.");
        }
    }
    errors.into_result()?;
    let (Some(payer), Some(account), Some(from), Some(to)) = (payer, account, from, to) else {
        return Err(DomainError::invalid(
            "payer_id",
            "Choose one of the payers.",
        ));
    };
    let company = Company::first_of_provider(conn, account.provider_id)?.ok_or_else(|| {
        DomainError::invalid(
            "account_id",
            "No company works for this account's provider, so no report can be made.",
        )
    })?;
    check_details(&company, RECONCILIATION, "account_id")?;
    let currency = account_currency(conn, client, account.id)?.ok_or(DomainError::NotFound)?;
    db::write_transaction(conn, |conn| {
        let moves = movements(conn, &payer, &account, &company, &currency.code)?;
        let opening: i64 = moves
            .iter()
            .filter(|m| m.day < from)
            .map(|m| m.credit - m.debit)
            .sum();
        let lines: Vec<LineDraft> = moves
            .into_iter()
            .filter(|m| m.day >= from && m.day <= to)
            .map(|m| LineDraft {
                line_date: Some(m.day),
                description: m.description,
                quantity: 1,
                unit_price: 0,
                amount: m.debit,
                credit: m.credit,
                expense_id: None,
            })
            .collect();
        let closing = opening + lines.iter().map(|l| l.credit - l.amount).sum::<i64>();
        issue(
            conn,
            actor,
            Draft {
                kind: RECONCILIATION,
                company: &company,
                payer: &payer,
                currency_code: &currency.code,
                currency_exponent: currency.exponent,
                issued_on: today,
                due_on: None,
                period: Some((from, to)),
                payment_id: None,
                related_id: None,
                lines,
                balances: Some((opening, closing)),
                quiet: false,
            },
        )
        .map(|d| d.id)
    })
}

/// One thing on the payer's books.
struct Movement {
    day: NaiveDate,
    description: String,
    debit: i64,
    credit: i64,
}

/// Every payment, refund and act of the payer on this account, by day.
fn movements(
    conn: &mut DbConnection,
    payer: &Payer,
    account: &Account,
    company: &Company,
    currency: &str,
) -> Result<Vec<Movement>, DomainError> {
    let paid: Vec<(crate::ids::PaymentId, i64, chrono::NaiveDateTime)> =
        db::on_engine!(conn, |c| payments::table
            .filter(payments::payer_id.eq(payer.id))
            .filter(payments::account_id.eq(account.id))
            .filter(payments::status.eq_any([PAID, PARTLY_REFUNDED, REFUNDED]))
            .filter(payments::paid_at.is_not_null())
            .select((
                payments::id,
                payments::amount,
                payments::paid_at.assume_not_null()
            ))
            .load(c))?;
    let refunds: Vec<(Option<crate::ids::PaymentId>, i64, chrono::NaiveDateTime)> =
        db::on_engine!(conn, |c| ledger_entries::table
            .inner_join(payments::table.on(ledger_entries::payment_id.eq(payments::id.nullable())))
            .filter(payments::payer_id.eq(payer.id))
            .filter(ledger_entries::account_id.eq(account.id))
            .filter(ledger_entries::kind.eq("refund"))
            .select((
                ledger_entries::payment_id,
                ledger_entries::amount,
                ledger_entries::created_at
            ))
            .load(c))?;
    let acts: Vec<Document> = db::on_engine!(conn, |c| documents::table
        .filter(documents::payer_id.eq(payer.id))
        .filter(documents::company_id.eq(company.id))
        .filter(documents::kind.eq(ACT))
        .filter(documents::status.ne(CANCELLED))
        .filter(documents::currency_code.eq(currency))
        .select(Document::as_select())
        .load(c))?;
    let mut moves: Vec<Movement> = paid
        .into_iter()
        .map(|(id, amount, at)| Movement {
            day: at.date(),
            description: format!("Payment No. {id} received"),
            debit: 0,
            credit: amount,
        })
        .chain(refunds.into_iter().map(|(id, amount, at)| Movement {
            day: at.date(),
            description: match id {
                Some(id) => format!("Refund of payment No. {id}"),
                None => "Refund".to_string(),
            },
            debit: -amount,
            credit: 0,
        }))
        .chain(acts.into_iter().map(|act| Movement {
            day: act.issued_on,
            description: format!(
                "Act {} for {}",
                act.number,
                act.period_start
                    .map(|d| d.format("%Y-%m").to_string())
                    .unwrap_or_default()
            ),
            debit: act.total,
            credit: 0,
        }))
        .collect();
    moves.sort_by(|a, b| a.day.cmp(&b.day).then(a.description.cmp(&b.description)));
    Ok(moves)
}
