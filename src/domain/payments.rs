//! Payments: money received from a payer onto a client's account. Recording one writes the
//! payment, its ledger credit and the balance in one transaction; the form's idempotency
//! key makes a repeated submission record nothing more.

use crate::db::models::ledger_entry::{LedgerEntry, Mismatch, NewLedgerEntry};
use crate::db::models::payment::{NewPayment, PAID, Payment, PaymentRow};
use crate::db::models::{Account, NewOutboxMail, OutboxMail, Payer, User};
use crate::db::schema::{accounts, currencies, providers};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::client_permissions::{self, FINANCE};
use crate::domain::money::{Money, parse_amount};
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError, FieldErrors, text};
use crate::ids::{AccountId, ClientId, PayerId, PaymentId};
use diesel::prelude::*;

/// Payments per page of a list.
pub const PAGE_SIZE: i64 = 50;

/// What an employee enters for a payment received.
#[derive(Debug, Clone)]
pub struct PaymentForm<'a> {
    pub account_id: &'a str,
    pub payer_id: &'a str,
    pub amount: &'a str,
    pub comment: &'a str,
    pub idempotency_key: &'a str,
}

/// The account's currency: (code, exponent), for an account of the client.
fn account_currency(
    conn: &mut DbConnection,
    client_id: ClientId,
    account_id: AccountId,
) -> QueryResult<Option<(String, i32)>> {
    accounts::table
        .inner_join(providers::table.inner_join(currencies::table))
        .filter(accounts::id.eq(account_id))
        .filter(accounts::client_id.eq(client_id))
        .select((currencies::code, currencies::exponent))
        .first(conn)
        .optional()
}

/// An employee records money received from a payer of the client onto one of its
/// accounts: the payment is paid at once and the account credited. Submitting the same
/// form twice records it once.
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    client_id: ClientId,
    form: &PaymentForm<'_>,
) -> Result<Payment, DomainError> {
    require(actor, permissions::PAYMENTS_ADD)?;
    let mut errors = FieldErrors::new();
    let account_id: Option<AccountId> = form
        .account_id
        .trim()
        .parse()
        .map_err(|_| errors.add("account_id", "Choose the account."))
        .ok();
    let payer_id: Option<PayerId> = form
        .payer_id
        .trim()
        .parse()
        .map_err(|_| errors.add("payer_id", "Choose who paid."))
        .ok();
    let comment = text::optional(form.comment, 500)
        .map_err(|m| errors.add("comment", m))
        .unwrap_or_default();
    let key = form.idempotency_key.trim();
    if key.is_empty() || key.len() > 100 {
        errors.add(
            "amount",
            "The form is stale; reload the page and enter the payment again.",
        );
    }
    if let Some(existing) = Payment::find_by_key(conn, key)? {
        return Ok(existing);
    }
    let currency = match account_id {
        Some(a) => account_currency(conn, client_id, a)?,
        None => None,
    };
    if account_id.is_some() && currency.is_none() {
        errors.add("account_id", "Choose one of the client's accounts.");
    }
    let amount = currency.as_ref().and_then(|(_, exponent)| {
        parse_amount(form.amount, *exponent)
            .map_err(|m| errors.add("amount", m))
            .ok()
    });
    if let Some(payer) = payer_id
        && Payer::find_of_client(conn, client_id, payer)?.is_none()
    {
        errors.add("payer_id", "Choose one of the client's payers.");
    }
    errors.into_result()?;
    let (Some(account_id), Some(payer_id), Some(amount), Some((code, exponent))) =
        (account_id, payer_id, amount, currency)
    else {
        return Err(DomainError::invalid("amount", "Enter the amount."));
    };
    let outcome = db::write_transaction(conn, |conn| {
        // The account first, as every change of a balance locks it.
        Account::lock(conn, account_id)?;
        let now = db::now();
        let payment = Payment::insert(
            conn,
            &NewPayment {
                client_id,
                account_id,
                payer_id,
                method: "manual",
                amount,
                status: PAID,
                comment: &comment,
                idempotency_key: Some(key),
                created_by: actor.employee_id(),
                created_at: now,
                paid_at: Some(now),
            },
        )?;
        LedgerEntry::post(
            conn,
            &NewLedgerEntry {
                account_id,
                amount,
                kind: "payment",
                payment_id: Some(payment.id),
                comment: &comment,
                employee_id: actor.employee_id(),
                created_at: now,
                expense_id: None,
            },
        )?;
        // The money first pays for services waiting for it.
        crate::domain::services::settle_account(conn, actor, account_id)?;
        let money = Money::from_minor(amount, exponent, &code);
        if let Some(owner) = User::owner_of(conn, client_id)? {
            OutboxMail::queue(
                conn,
                &NewOutboxMail {
                    recipient: &owner.email,
                    subject: "Payment received",
                    body: &format!("We received your payment of {money}. Thank you."),
                    created_at: now,
                },
            )?;
        }
        audit::record(
            conn,
            actor,
            "payment.add",
            Target::new("payment", payment.id),
            &format!("{money} for client #{client_id}"),
        )?;
        Ok::<_, DomainError>(payment)
    });
    match outcome {
        // The same form sent twice at once: the other request recorded it.
        Err(DomainError::Database(e)) if db::is_unique_violation(&e) => {
            Payment::find_by_key(conn, key)?.ok_or(DomainError::Database(e))
        }
        other => other,
    }
}

/// All payments, newest first (finance staff).
pub fn list_all(
    conn: &mut DbConnection,
    actor: &Actor,
    before: Option<PaymentId>,
) -> Result<Vec<PaymentRow>, DomainError> {
    require(actor, permissions::PAYMENTS_VIEW)?;
    Ok(Payment::rows(conn, None, before, PAGE_SIZE)?)
}

/// One client's payments (finance staff).
pub fn list_of_client(
    conn: &mut DbConnection,
    actor: &Actor,
    client_id: ClientId,
) -> Result<Vec<PaymentRow>, DomainError> {
    require(actor, permissions::PAYMENTS_VIEW)?;
    Ok(Payment::rows(conn, Some(client_id), None, PAGE_SIZE)?)
}

/// The client's own payments (client area, finance section).
pub fn list_for_client(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<Vec<PaymentRow>, DomainError> {
    let client_id = client_permissions::require(conn, actor, FINANCE)?;
    Ok(Payment::rows(conn, Some(client_id), None, PAGE_SIZE)?)
}

/// The latest payments of a client, for its dashboard.
pub fn latest_of_client(
    conn: &mut DbConnection,
    client_id: ClientId,
    limit: i64,
) -> Result<Vec<PaymentRow>, DomainError> {
    Ok(Payment::rows(conn, Some(client_id), None, limit)?)
}

/// `billpanel check-ledger`: every account whose balance is not the sum of its entries.
pub fn check_ledger(conn: &mut DbConnection) -> Result<Vec<Mismatch>, DomainError> {
    Ok(LedgerEntry::mismatches(conn)?)
}

/// Whether money has moved in a payer's name.
pub fn payer_has_history(conn: &mut DbConnection, payer: PayerId) -> Result<bool, DomainError> {
    Ok(Payment::exists_for_payer(conn, payer)?)
}

/// Whether a client has financial history: payments, or money or debt on an account.
pub fn client_has_history(conn: &mut DbConnection, client: ClientId) -> Result<bool, DomainError> {
    Ok(Payment::exists_for_client(conn, client)? || Account::any_nonzero_of_client(conn, client)?)
}
