//! Payments: money received from a payer onto a client's account. Whatever way a payment
//! becomes paid (recorded by an employee, a bank transfer marked paid, a card gateway's
//! event), it is credited by [`credit`]: the ledger entry, the balance, the services waiting
//! for money, a mail and the audit event, in one transaction with the account locked.

pub mod gateway;
pub mod methods;
pub mod refunds;
pub mod top_up;

use chrono::NaiveDateTime;

use crate::db::models::ledger_entry::{LedgerEntry, Mismatch, NewLedgerEntry};
use crate::db::models::payment::{
    MANUAL, NewPayment, PAID, Payment, PaymentCursor, PaymentFilter, PaymentRow,
};
use crate::db::models::payment_method::PaymentMethod;
use crate::db::models::{Account, Payer, User};
use crate::db::paging::Paged;
use crate::db::schema::{accounts, currencies, providers};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::client_permissions::{self, FINANCE};
use crate::domain::mail::templates::{self, Addressee};
use crate::domain::money::{Money, parse_amount};
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError, FieldErrors, text};
use crate::ids::{AccountId, ClientId, PayerId, PaymentId, PaymentMethodId};
use diesel::prelude::*;

/// Payments per page of a list.
pub const PAGE_SIZE: i64 = 50;

/// An account's currency: code, exponent and the provider it belongs to.
#[derive(Debug, Clone)]
pub struct AccountCurrency {
    pub code: String,
    pub exponent: i32,
    pub currency_id: crate::ids::CurrencyId,
    pub provider_id: crate::ids::ProviderId,
}

impl AccountCurrency {
    pub fn money(&self, minor: i64) -> Money {
        Money::from_minor(minor, self.exponent, &self.code)
    }
}

/// The currency of an account of the client; `None` when the account is not the client's.
pub fn account_currency(
    conn: &mut DbConnection,
    client_id: ClientId,
    account_id: AccountId,
) -> QueryResult<Option<AccountCurrency>> {
    db::on_engine!(conn, |c| accounts::table
        .inner_join(providers::table.inner_join(currencies::table))
        .filter(accounts::id.eq(account_id))
        .filter(accounts::client_id.eq(client_id))
        .select((
            currencies::code,
            currencies::exponent,
            currencies::id,
            providers::id,
        ))
        .first::<(String, i32, crate::ids::CurrencyId, crate::ids::ProviderId)>(c)
        .optional())
    .map(|found| {
        found.map(
            |(code, exponent, currency_id, provider_id)| AccountCurrency {
                code,
                exponent,
                currency_id,
                provider_id,
            },
        )
    })
}

/// A form's idempotency key: present and short, else the form is stale.
pub(crate) fn form_key<'a>(raw: &'a str, field: &str, errors: &mut FieldErrors) -> &'a str {
    let key = raw.trim();
    // The keys billpanel puts in its forms are hex digits; anything unprintable is not one.
    if key.is_empty() || key.len() > 100 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        errors.add(
            field,
            "The form is stale; reload the page and enter it again.",
        );
    }
    key
}

/// Credits a payment that has just become paid, in the caller's transaction with its
/// account locked: the ledger entry, then services waiting for the money, a mail to the
/// client's owner and the audit event `action`.
pub(crate) fn credit(
    conn: &mut DbConnection,
    actor: &Actor,
    payment: &Payment,
    action: &str,
    now: NaiveDateTime,
) -> Result<(), DomainError> {
    let currency = account_currency(conn, payment.client_id, payment.account_id)?
        .ok_or(DomainError::NotFound)?;
    LedgerEntry::post(
        conn,
        &NewLedgerEntry {
            account_id: payment.account_id,
            amount: payment.amount,
            kind: "payment",
            payment_id: Some(payment.id),
            comment: &payment.comment,
            employee_id: actor.employee_id(),
            created_at: now,
            expense_id: None,
            idempotency_key: None,
        },
    )?;
    // The money first pays for services waiting for it.
    crate::domain::services::settle_account(conn, actor, payment.account_id)?;
    let money = currency.money(payment.amount);
    if let Some(owner) = User::owner_of(conn, payment.client_id)? {
        let to = Addressee::client(conn, payment.client_id, Some(currency.provider_id))?;
        let letter = templates::write(
            conn,
            &templates::PAYMENT_RECEIVED,
            &to,
            &[
                ("client", to.name.clone()),
                ("payment", payment.id.to_string()),
                ("amount", money.to_string()),
                ("date", to.time(now)),
            ],
        )?;
        crate::domain::mail::to_client(
            conn,
            payment.client_id,
            &letter.to(&owner.email, now),
            None,
        )?;
    }
    audit::record(
        conn,
        actor,
        action,
        Target::new("payment", payment.id),
        &format!("{money} for client #{}", payment.client_id),
    )?;
    Ok(())
}

/// A payment method chosen on a form, checked against the account it pays into: it must
/// serve the account's provider in the account's currency.
pub(crate) fn method_for_account(
    conn: &mut DbConnection,
    raw: &str,
    currency: &AccountCurrency,
    errors: &mut FieldErrors,
) -> QueryResult<Option<PaymentMethod>> {
    let Ok(id) = raw.trim().parse::<PaymentMethodId>() else {
        errors.add("method_id", "Choose how the money was paid.");
        return Ok(None);
    };
    let method = PaymentMethod::find(conn, id)?;
    let serves = match &method {
        Some(m) => {
            m.currency_id == currency.currency_id
                && PaymentMethod::providers(conn, m.id)?.contains(&currency.provider_id)
        }
        None => false,
    };
    if !serves {
        errors.add(
            "method_id",
            "This method does not take payments for the account's provider.",
        );
        return Ok(None);
    }
    Ok(method)
}

/// What an employee enters for a payment received.
#[derive(Debug, Clone, Default)]
pub struct PaymentForm<'a> {
    pub account_id: &'a str,
    pub payer_id: &'a str,
    /// Empty: recorded by hand (cash, other); else a payment method's id.
    pub method_id: &'a str,
    pub amount: &'a str,
    /// `YYYY-MM-DD`; empty: now.
    pub paid_on: &'a str,
    pub comment: &'a str,
    pub idempotency_key: &'a str,
}

/// When the money arrived: today (now) or a past day.
fn parse_paid_on(raw: &str, now: NaiveDateTime) -> Result<NaiveDateTime, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(now);
    }
    let day = crate::domain::text::date(raw)?;
    if day > now.date() {
        return Err("The date cannot be in the future.".into());
    }
    Ok(if day == now.date() {
        now
    } else {
        day.and_time(chrono::NaiveTime::MIN)
    })
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
    let now = db::now();
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
    let paid_at = parse_paid_on(form.paid_on, now)
        .map_err(|m| errors.add("paid_on", m))
        .unwrap_or(now);
    let key = form_key(form.idempotency_key, "amount", &mut errors);
    if errors.is_empty()
        && let Some(existing) = recorded_payment(conn, key, client_id, account_id)?
    {
        return Ok(existing);
    }
    let currency = match account_id {
        Some(a) => account_currency(conn, client_id, a)?,
        None => None,
    };
    if account_id.is_some() && currency.is_none() {
        errors.add("account_id", "Choose one of the client's accounts.");
    }
    let amount = currency.as_ref().and_then(|c| {
        parse_amount(form.amount, c.exponent)
            .map_err(|m| errors.add("amount", m))
            .ok()
    });
    let method = match (&currency, form.method_id.trim()) {
        (_, "") | (None, _) => None,
        (Some(c), raw) => method_for_account(conn, raw, c, &mut errors)?,
    };
    let payer = match payer_id {
        Some(payer) => Payer::find_of_client(conn, client_id, payer)?,
        None => None,
    };
    if payer_id.is_some() && payer.is_none() {
        errors.add("payer_id", "Choose one of the client's payers.");
    }
    let payer_snapshot = payer
        .as_ref()
        .map(crate::domain::documents::PayerDetails::snapshot)
        .unwrap_or_default();
    errors.into_result()?;
    let (Some(account_id), Some(payer_id), Some(amount)) = (account_id, payer_id, amount) else {
        return Err(DomainError::invalid("amount", "Enter the amount."));
    };
    let outcome = db::write_transaction(conn, |conn| {
        // The account first, as every change of a balance locks it.
        Account::lock(conn, account_id)?;
        let payment = Payment::insert(
            conn,
            &NewPayment {
                client_id,
                account_id,
                payer_id,
                method: method.as_ref().map_or(MANUAL, |m| m.kind.as_str()),
                amount,
                status: PAID,
                comment: &comment,
                idempotency_key: Some(key),
                created_by: actor.employee_id(),
                created_at: now,
                paid_at: Some(paid_at),
                payment_method_id: method.as_ref().map(|m| m.id),
                payer_snapshot: &payer_snapshot,
            },
        )?;
        credit(conn, actor, &payment, "payment.add", now)?;
        Ok::<_, DomainError>(payment)
    });
    match outcome {
        // The same form sent twice at once: the other request recorded it.
        Err(DomainError::Database(e)) if db::is_unique_violation(&e) => {
            recorded_payment(conn, key, client_id, Some(account_id))?
                .ok_or(DomainError::Database(e))
        }
        other => other,
    }
}

/// Told when a form's key is another client's or account's: a stale or forged form.
pub(crate) const STALE: &str = "The form is stale; reload the page and enter it again.";

/// The payment a form with `key` recorded already, once it is on disk (`db::recorded`),
/// if it was recorded for this client and account (`None` for the account: any of the
/// client's). Keys are unique across all payments; another client's or account's payment
/// under this key is refused, never reported as this form's.
pub(crate) fn recorded_payment(
    conn: &mut DbConnection,
    key: &str,
    client: ClientId,
    account: Option<AccountId>,
) -> Result<Option<Payment>, DomainError> {
    match db::recorded(conn, |c| Payment::find_by_key(c, key))? {
        Some(p) if p.client_id == client && account.is_none_or(|a| a == p.account_id) => {
            Ok(Some(p))
        }
        Some(_) => Err(DomainError::invalid("amount", STALE)),
        None => Ok(None),
    }
}

/// Payments as the filter says, newest first (finance staff).
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: &PaymentFilter,
    limit: i64,
) -> Result<Paged<PaymentRow, PaymentCursor>, DomainError> {
    require(actor, permissions::PAYMENTS_VIEW)?;
    Ok(Paged::read(
        limit,
        filter.at.as_ref(),
        PaymentRow::cursor,
        |at| {
            let filter = PaymentFilter {
                at: at.cloned(),
                ..filter.clone()
            };
            Payment::rows(conn, &filter, limit + 1)
        },
    )?)
}

/// How many payments the filter finds.
pub fn count(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: &PaymentFilter,
) -> Result<i64, DomainError> {
    require(actor, permissions::PAYMENTS_VIEW)?;
    Ok(Payment::count(conn, filter)?)
}

/// One client's payments (finance staff).
pub fn list_of_client(
    conn: &mut DbConnection,
    actor: &Actor,
    client_id: ClientId,
) -> Result<Vec<PaymentRow>, DomainError> {
    require(actor, permissions::PAYMENTS_VIEW)?;
    let filter = PaymentFilter {
        client: Some(client_id),
        ..Default::default()
    };
    Ok(Payment::rows(conn, &filter, PAGE_SIZE)?)
}

/// The client's own payments (client area, finance section).
pub fn list_for_client(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<Vec<PaymentRow>, DomainError> {
    let client_id = client_permissions::require(conn, actor, FINANCE)?;
    latest_of_client(conn, client_id, PAGE_SIZE)
}

/// The latest payments of a client, for its dashboard.
pub fn latest_of_client(
    conn: &mut DbConnection,
    client_id: ClientId,
    limit: i64,
) -> Result<Vec<PaymentRow>, DomainError> {
    let filter = PaymentFilter {
        client: Some(client_id),
        ..Default::default()
    };
    Ok(Payment::rows(conn, &filter, limit)?)
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

/// A payment for its page (staff: any; the client: its own, else not found).
pub fn find_row(
    conn: &mut DbConnection,
    id: PaymentId,
) -> Result<(Payment, PaymentRow), DomainError> {
    let payment = Payment::find(conn, id)?.ok_or(DomainError::NotFound)?;
    let row = Payment::row(conn, id)?.ok_or(DomainError::NotFound)?;
    Ok((payment, row))
}
