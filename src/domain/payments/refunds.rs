//! Money going back and balances put right: refunds of paid payments (never more than was
//! paid and not yet refunded), and an employee's charge or correction with its reason.
//! Each is one ledger entry written with the account locked; the form's key makes a second
//! submission write nothing.

use crate::db::models::Account;
use crate::db::models::expense::{CHARGE, Expense, NewExpense};
use crate::db::models::ledger_entry::{LedgerEntry, NewLedgerEntry};
use crate::db::models::payment::Payment;
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::money::parse_amount;
use crate::domain::payments::{STALE, account_currency, form_key};
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError, FieldErrors, text};
use crate::ids::{AccountId, ClientId, PaymentId};

/// What the refund form sends.
#[derive(Debug, Clone, Default)]
pub struct RefundForm<'a> {
    pub amount: &'a str,
    pub comment: &'a str,
    pub idempotency_key: &'a str,
}

/// Whether a form with `key` wrote its entry already, on `account` (and for `payment`):
/// `Ok(true)` when it did, after that entry is on disk (see `db::recorded`); an entry of
/// another account or payment under this key is refused at `field`.
fn written_already(
    conn: &mut DbConnection,
    key: &str,
    account: AccountId,
    payment: Option<PaymentId>,
    field: &str,
) -> Result<bool, DomainError> {
    match db::recorded(conn, |c| LedgerEntry::with_key(c, key))? {
        None => Ok(false),
        Some(found) if found == (account, payment) => Ok(true),
        Some(_) => Err(DomainError::invalid(field, STALE)),
    }
}

/// After a unique-key violation: the same form's key, taken by another request at the
/// same moment (it wrote the entry, reported once on disk), or another account's.
fn sent_twice<T>(
    conn: &mut DbConnection,
    outcome: Result<T, DomainError>,
    key: &str,
    account: AccountId,
    payment: Option<PaymentId>,
    field: &str,
    done: impl FnOnce(&mut DbConnection) -> Result<T, DomainError>,
) -> Result<T, DomainError> {
    match outcome {
        Err(DomainError::Database(e)) if db::is_unique_violation(&e) => {
            if written_already(conn, key, account, payment, field)? {
                done(conn)
            } else {
                Err(DomainError::Database(e))
            }
        }
        other => other,
    }
}

/// Pays back part or all of a paid payment: a ledger debit on its account.
pub fn refund(
    conn: &mut DbConnection,
    actor: &Actor,
    id: PaymentId,
    form: &RefundForm<'_>,
) -> Result<Payment, DomainError> {
    require(actor, permissions::PAYMENTS_REFUND)?;
    let payment = Payment::find(conn, id)?.ok_or(DomainError::NotFound)?;
    let currency = account_currency(conn, payment.client_id, payment.account_id)?
        .ok_or(DomainError::NotFound)?;
    let mut errors = FieldErrors::new();
    let key = form_key(form.idempotency_key, "amount", &mut errors).to_string();
    if errors.is_empty() && written_already(conn, &key, payment.account_id, Some(id), "amount")? {
        return Payment::find(conn, id)?.ok_or(DomainError::NotFound);
    }
    let amount = parse_amount(form.amount, currency.exponent)
        .map_err(|m| errors.add("amount", m))
        .ok();
    let comment = text::optional(form.comment, 500)
        .map_err(|m| errors.add("comment", m))
        .unwrap_or_default();
    errors.into_result()?;
    let amount = amount.unwrap_or_default();
    let outcome = db::write_transaction(conn, |conn| {
        Account::lock(conn, payment.account_id)?;
        // The same form sent twice: the first one, which held the lock, refunded it.
        match LedgerEntry::with_key(conn, &key)? {
            Some(found) if found == (payment.account_id, Some(id)) => {
                return Payment::find(conn, id)?.ok_or(DomainError::NotFound);
            }
            Some(_) => return Err(DomainError::invalid("amount", STALE)),
            None => {}
        }
        let payment = Payment::find(conn, id)?.ok_or(DomainError::NotFound)?;
        let refundable = payment.refundable();
        if refundable == 0 {
            return Err(DomainError::invalid(
                "amount",
                "Nothing of this payment is left to refund.",
            ));
        }
        if amount > refundable {
            return Err(DomainError::invalid(
                "amount",
                format!(
                    "At most {} of this payment can be refunded.",
                    currency.money(refundable)
                ),
            ));
        }
        if !Payment::add_refund(conn, &payment, amount)? {
            return Err(DomainError::invalid(
                "amount",
                "The payment changed meanwhile; look at it again.",
            ));
        }
        let now = db::now();
        LedgerEntry::post(
            conn,
            &NewLedgerEntry {
                account_id: payment.account_id,
                amount: -amount,
                kind: "refund",
                payment_id: Some(id),
                comment: &comment,
                employee_id: actor.employee_id(),
                created_at: now,
                expense_id: None,
                idempotency_key: Some(&key),
            },
        )?;
        audit::record(
            conn,
            actor,
            "payment.refund",
            Target::new("payment", id),
            &format!("{} refunded: {comment}", currency.money(amount)),
        )?;
        crate::domain::documents::credit_notes::issue_for_refund(conn, actor, &payment, amount)?;
        Payment::find(conn, id)?.ok_or(DomainError::NotFound)
    });
    sent_twice(
        conn,
        outcome,
        &key,
        payment.account_id,
        Some(id),
        "amount",
        |conn| Payment::find(conn, id)?.ok_or(DomainError::NotFound),
    )
}

/// Charge: an expense the client sees. Credit and debit: corrections of the balance.
pub const CORRECTION_KINDS: [(&str, &str); 3] = [
    ("charge", "Charge (listed in the client's expenses)"),
    ("credit", "Correction: add to the balance"),
    ("debit", "Correction: take from the balance"),
];

/// What the charge or correction form sends.
#[derive(Debug, Clone, Default)]
pub struct CorrectionForm<'a> {
    pub account_id: &'a str,
    pub kind: &'a str,
    pub amount: &'a str,
    pub comment: &'a str,
    pub idempotency_key: &'a str,
}

/// An employee charges the client or corrects a balance, saying why. Returns what was done,
/// for the page to say.
pub fn correct(
    conn: &mut DbConnection,
    actor: &Actor,
    client_id: ClientId,
    form: &CorrectionForm<'_>,
) -> Result<String, DomainError> {
    require(actor, permissions::PAYMENTS_REFUND)?;
    let mut errors = FieldErrors::new();
    let key = form_key(form.idempotency_key, "correction_amount", &mut errors).to_string();
    let account_id = form.account_id.trim().parse::<AccountId>().ok();
    if let Some(account) = account_id
        && errors.is_empty()
        && written_already(conn, &key, account, None, "correction_amount")?
    {
        return Ok("It is recorded.".into());
    }
    let currency = match account_id {
        Some(a) => account_currency(conn, client_id, a)?,
        None => None,
    };
    if currency.is_none() {
        errors.add(
            "correction_account_id",
            "Choose one of the client's accounts.",
        );
    }
    let kind = CORRECTION_KINDS
        .iter()
        .map(|(k, _)| *k)
        .find(|k| *k == form.kind.trim());
    if kind.is_none() {
        errors.add("correction_kind", "Choose what to do.");
    }
    let amount = currency.as_ref().and_then(|c| {
        parse_amount(form.amount, c.exponent)
            .map_err(|m| errors.add("correction_amount", m))
            .ok()
    });
    let comment = text::required(
        form.comment,
        500,
        "Say why; the reason is kept with the entry.",
    )
    .map_err(|m| errors.add("correction_comment", m))
    .unwrap_or_default();
    errors.into_result()?;
    let (Some(account_id), Some(currency), Some(kind), Some(amount)) =
        (account_id, currency, kind, amount)
    else {
        return Err(DomainError::invalid(
            "correction_amount",
            "Enter the amount.",
        ));
    };
    let money = currency.money(amount);
    let outcome = db::write_transaction(conn, |conn| {
        Account::lock(conn, account_id)?.ok_or(DomainError::NotFound)?;
        match LedgerEntry::with_key(conn, &key)? {
            Some(found) if found == (account_id, None) => return Ok("It is recorded.".to_string()),
            Some(_) => return Err(DomainError::invalid("correction_amount", STALE)),
            None => {}
        }
        let now = db::now();
        let (signed, ledger_kind, expense_id) = match kind {
            "charge" => {
                let expense = Expense::insert(
                    conn,
                    &NewExpense {
                        client_id,
                        account_id,
                        service_id: None,
                        kind: CHARGE,
                        amount,
                        period_start: None,
                        period_end: None,
                        comment: &comment,
                        employee_id: actor.employee_id(),
                        created_at: now,
                    },
                )?;
                (-amount, "expense", Some(expense))
            }
            "credit" => (amount, "correction", None),
            _ => (-amount, "correction", None),
        };
        LedgerEntry::post(
            conn,
            &NewLedgerEntry {
                account_id,
                amount: signed,
                kind: ledger_kind,
                payment_id: None,
                comment: &comment,
                employee_id: actor.employee_id(),
                created_at: now,
                expense_id,
                idempotency_key: Some(&key),
            },
        )?;
        if signed > 0 {
            // Money added pays for services waiting for it, as a payment does.
            crate::domain::services::settle_account(conn, actor, account_id)?;
        }
        let (action, said) = match kind {
            "charge" => ("account.charge", format!("{money} charged")),
            "credit" => ("account.correction", format!("{money} added")),
            _ => ("account.correction", format!("{money} taken")),
        };
        audit::record(
            conn,
            actor,
            action,
            Target::new("client", client_id),
            &format!("{said} on account #{account_id}: {comment}"),
        )?;
        Ok::<_, DomainError>(format!("{said}: {comment}"))
    });
    sent_twice(
        conn,
        outcome,
        &key,
        account_id,
        None,
        "correction_amount",
        |_| Ok("It is recorded.".to_string()),
    )
}
