//! Charging a service's periods: the expense and its ledger debit, starting an order,
//! resuming after non-payment, and settling an account when money arrives.

use chrono::NaiveDateTime;
use chrono_tz::Tz;

use super::{format_at, provider_zone};
use crate::db::models::Account;
use crate::db::models::expense::{self, Expense, NewExpense};
use crate::db::models::ledger_entry::{LedgerEntry, NewLedgerEntry};
use crate::db::models::service::{
    ACTIVE, DELETED, DueService, NewServiceEvent, ORDERED, SUSPENDED_UNPAID, Service, ServiceEvent,
};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::money::Money;
use crate::domain::periods::add_months_in;
use crate::domain::{Actor, DomainError};
use crate::ids::{AccountId, ServiceId};

/// Writes one charge: the expense for the period and its ledger debit. The caller holds the
/// account's lock and has moved the service, so the period is this caller's to charge; the
/// unique (service, period start) key refuses a second charge whatever happens.
#[allow(clippy::too_many_arguments)]
pub(super) fn charge(
    conn: &mut DbConnection,
    actor: &Actor,
    service: ServiceId,
    account: &mut Account,
    kind: &str,
    amount: i64,
    start: NaiveDateTime,
    end: NaiveDateTime,
) -> Result<(), DomainError> {
    let now = db::now();
    let expense_id = Expense::insert(
        conn,
        &NewExpense {
            client_id: account.client_id,
            account_id: account.id,
            service_id: Some(service),
            kind,
            amount,
            period_start: Some(start),
            period_end: Some(end),
            comment: "",
            employee_id: actor.employee_id(),
            created_at: now,
        },
    )?;
    if amount > 0 {
        LedgerEntry::post(
            conn,
            &NewLedgerEntry {
                account_id: account.id,
                amount: -amount,
                kind: "expense",
                payment_id: None,
                comment: "",
                employee_id: actor.employee_id(),
                created_at: now,
                expense_id: Some(expense_id),
                idempotency_key: None,
            },
        )?;
        account.balance -= amount;
    }
    Ok(())
}

/// Deletes a service left unpaid past its provider's deletion period; false when it was
/// resumed or deleted meanwhile.
pub(crate) fn delete_unpaid(
    conn: &mut DbConnection,
    actor: &Actor,
    due: &DueService,
    at: NaiveDateTime,
) -> Result<bool, DomainError> {
    let Some(suspended_at) = due.suspended_at else {
        return Ok(false);
    };
    if !Service::delete_unpaid(conn, due.id, suspended_at, at)? {
        return Ok(false);
    }
    let detail = format!("unpaid for {} days after suspension", due.deletion_days);
    record_event(conn, actor, due.id, "deleted", DELETED, &detail)?;
    super::notify(
        conn,
        due.id,
        super::About::Deleted {
            by: super::By::Unpaid,
        },
    )?;
    audit::record(
        conn,
        actor,
        "service.delete",
        Target::new("service", due.id),
        &format!("suspended_unpaid → deleted: {detail}"),
    )?;
    Ok(true)
}

/// What the account lacks to pay `cost` for the service, in its currency.
pub(crate) fn missing_for(
    conn: &mut DbConnection,
    service: ServiceId,
    account: &Account,
    cost: i64,
) -> Result<Money, DomainError> {
    let row = Service::row(conn, service)?.ok_or(DomainError::NotFound)?;
    Ok(Money::from_minor(
        account.missing(cost),
        row.currency_exponent,
        &row.currency_code,
    ))
}

/// Starts an ordered service if the account covers its first charge; false when not.
pub(super) fn activate(
    conn: &mut DbConnection,
    actor: &Actor,
    service: &Service,
    account: &mut Account,
    zone: Tz,
    now: NaiveDateTime,
) -> Result<bool, DomainError> {
    if !account.covers(service.order_cost) {
        return Ok(false);
    }
    let until = add_months_in(now, service.period_months, zone);
    if !Service::start_periods(conn, service.id, ORDERED, now, service.period_months, until)? {
        return Ok(false);
    }
    charge(
        conn,
        actor,
        service.id,
        account,
        expense::ORDER,
        service.order_cost,
        now,
        until,
    )?;
    let detail = format!("paid until {}", format_at(until));
    history(conn, actor, service, "activated", ACTIVE, &detail)?;
    super::notify(conn, service.id, super::About::Activated)?;
    audit::record(
        conn,
        actor,
        "service.activate",
        Target::new("service", service.id),
        &detail,
    )?;
    Ok(true)
}

/// Resumes a suspended service: at once if it is still paid, else by charging a period
/// that starts now (time spent suspended is not charged). False when the account does not
/// cover the period or the service is no longer in the status read.
pub(super) fn resume(
    conn: &mut DbConnection,
    actor: &Actor,
    service: &Service,
    account: &mut Account,
    zone: Tz,
    now: NaiveDateTime,
) -> Result<Option<String>, DomainError> {
    if service.paid_until.is_some_and(|until| until > now) {
        if !Service::change_status(conn, service.id, &[service.status.as_str()], ACTIVE, now)? {
            return Ok(None);
        }
        return Ok(Some("still paid".into()));
    }
    if !account.covers(service.price) {
        return Ok(None);
    }
    let until = add_months_in(now, service.period_months, zone);
    if !Service::start_periods(
        conn,
        service.id,
        &service.status,
        now,
        service.period_months,
        until,
    )? {
        return Ok(None);
    }
    charge(
        conn,
        actor,
        service.id,
        account,
        expense::RENEWAL,
        service.price,
        now,
        until,
    )?;
    Ok(Some(format!(
        "a new period, paid until {}",
        format_at(until)
    )))
}

/// After money arrives on an account, in the same transaction: services suspended for
/// non-payment are renewed and resumed in order of expiry, then orders waiting for money
/// start, oldest first, while the balance and credit limit cover them.
pub fn settle_account(
    conn: &mut DbConnection,
    actor: &Actor,
    account_id: AccountId,
) -> Result<(), DomainError> {
    let mut account = Account::lock(conn, account_id)?.ok_or(DomainError::NotFound)?;
    // Only those that were to renew: a service suspended because its auto-renew was off
    // stays as the client left it.
    let suspended: Vec<Service> = Service::of_account_in(conn, account_id, SUSPENDED_UNPAID)?
        .into_iter()
        .filter(|s| s.auto_renew)
        .collect();
    let mut waiting = Service::of_account_in(conn, account_id, ORDERED)?;
    if suspended.is_empty() && waiting.is_empty() {
        // Most payments: nothing waits for money.
        return Ok(());
    }
    let zone = provider_zone(conn, account.provider_id)?;
    let now = db::now();
    for service in suspended {
        if let Some(detail) = resume(conn, actor, &service, &mut account, zone, now)? {
            let detail = format!("after a payment: {detail}");
            history(conn, actor, &service, "resumed", ACTIVE, &detail)?;
            super::notify(conn, service.id, super::About::Resumed)?;
            audit::record(
                conn,
                actor,
                "service.resume",
                Target::new("service", service.id),
                &detail,
            )?;
        }
    }
    waiting.sort_by_key(|s| s.id);
    for service in waiting {
        activate(conn, actor, &service, &mut account, zone, now)?;
    }
    Ok(())
}

/// One line of a service's history, and nothing else.
pub(super) fn history(
    conn: &mut DbConnection,
    actor: &Actor,
    service: &Service,
    event: &str,
    status: &str,
    detail: &str,
) -> Result<(), DomainError> {
    record_event(conn, actor, service.id, event, status, detail)
}

/// One line of a service's history, by id (the billing run has no `Service` row at hand).
pub(crate) fn record_event(
    conn: &mut DbConnection,
    actor: &Actor,
    service: ServiceId,
    event: &str,
    status: &str,
    detail: &str,
) -> Result<(), DomainError> {
    ServiceEvent::insert(
        conn,
        &NewServiceEvent {
            service_id: service,
            event,
            status,
            detail,
            actor: &actor.label(),
            created_at: db::now(),
        },
    )?;
    Ok(())
}
