//! What the client and staff may do with a service: renew, suspend, resume, delete,
//! auto-renew and paid-until, each recorded in the history and the audit log.

use chrono::NaiveDateTime;
use chrono_tz::Tz;

use super::charging::{activate, charge, history, missing_for, resume};
use super::{account_zone, format_at, may_suspend};
use crate::db::models::Account;
use crate::db::models::expense;
use crate::db::models::service::{
    ACTIVE, DELETED, ORDERED, SUSPENDED_ADMIN, SUSPENDED_CLIENT, SUSPENDED_UNPAID, Service,
};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::client_permissions::{self, SERVICES};
use crate::domain::periods::add_months_in;
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError, FieldErrors, text};
use crate::ids::ServiceId;

/// What a person asks of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Pay a waiting order, renew a period ahead, or resume after non-payment.
    Renew,
    Suspend,
    Resume,
    Delete,
    AutoRenew(bool),
}

/// What happened, for the page's message.
pub fn done_message(action: Action, service: &Service) -> String {
    match action {
        Action::Renew if service.status == ACTIVE => match service.paid_until {
            Some(until) => format!("Renewed: paid until {}.", format_at(until)),
            None => "Renewed.".into(),
        },
        Action::Renew => "Renewed.".into(),
        Action::Suspend => "The service is suspended.".into(),
        Action::Resume => "The service is active again.".into(),
        Action::Delete => "The service is deleted.".into(),
        Action::AutoRenew(true) => "Auto-renew is on.".into(),
        Action::AutoRenew(false) => "Auto-renew is off.".into(),
    }
}

/// What the page showed of a service: its status and paid-until. Forms send it back, and an
/// action is refused when the service has changed since (a double click, or another person
/// or the billing run acting first), so nothing is charged twice by accident.
pub fn seen_token(service: &Service) -> String {
    format!(
        "{}@{}",
        service.status,
        service
            .paid_until
            .map_or(0, |t| t.and_utc().timestamp_micros())
    )
}

/// Who acts, for the rules checked under the lock.
#[derive(Debug, Clone, Copy)]
enum Who {
    Client { may_suspend: bool },
    Staff,
}

/// Whether `who` may take `action` on the service as it is now.
fn check(who: Who, action: Action, service: &Service) -> Result<(), DomainError> {
    let status = service.status.as_str();
    let refuse = |m: &str| Err(DomainError::invalid("action", m));
    if status == DELETED {
        return refuse("The service is deleted.");
    }
    match (who, action) {
        (Who::Client { may_suspend: false }, Action::Suspend | Action::Resume) => refuse(
            "Your services can be suspended and resumed only by your provider; write to support.",
        ),
        (Who::Client { .. }, Action::Suspend) if status != ACTIVE => {
            refuse("Only an active service can be suspended.")
        }
        (Who::Client { .. }, Action::Resume) if status != SUSPENDED_CLIENT => {
            refuse("Only a service you suspended yourself can be resumed here.")
        }
        (Who::Client { .. }, Action::Delete) if status != ORDERED => refuse(
            "Only an order that has not started can be cancelled here; to end a service, turn auto-renew off or write to support.",
        ),
        (Who::Staff, Action::Suspend) if ![ACTIVE, SUSPENDED_CLIENT].contains(&status) => {
            refuse("Only an active service can be suspended.")
        }
        (_, Action::Resume)
            if ![SUSPENDED_ADMIN, SUSPENDED_CLIENT, SUSPENDED_UNPAID].contains(&status) =>
        {
            refuse("Only a suspended service can be resumed.")
        }
        (_, Action::Renew) if ![ORDERED, ACTIVE, SUSPENDED_UNPAID].contains(&status) => {
            refuse("A suspended service is renewed after it is resumed.")
        }
        _ => Ok(()),
    }
}

/// The client acts on one of its services; `seen` is what its page showed (`seen_token`).
pub fn act_as_client(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ServiceId,
    action: Action,
    seen: &str,
) -> Result<Service, DomainError> {
    let client = client_permissions::require(conn, actor, SERVICES)?;
    let service = Service::find(conn, id)?
        .filter(|s| s.client_id == client)
        .ok_or(DomainError::NotFound)?;
    let who = Who::Client {
        may_suspend: may_suspend(conn, client)?,
    };
    act(conn, actor, &service, who, action, "", seen)
}

/// An employee acts on a service, with the reason kept in its history.
pub fn act_as_staff(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ServiceId,
    action: Action,
    reason: &str,
    seen: &str,
) -> Result<Service, DomainError> {
    require(actor, permissions::SERVICES_MANAGE)?;
    let reason = text::required(reason, 500, "Give the reason; it is kept in the history.")
        .map_err(|m| DomainError::invalid("reason", m))?;
    let service = Service::find(conn, id)?.ok_or(DomainError::NotFound)?;
    act(conn, actor, &service, Who::Staff, action, &reason, seen)
}

fn act(
    conn: &mut DbConnection,
    actor: &Actor,
    read: &Service,
    who: Who,
    action: Action,
    reason: &str,
    seen: &str,
) -> Result<Service, DomainError> {
    let id = read.id;
    db::write_transaction(conn, |conn| {
        let mut account = Account::lock(conn, read.account_id)?.ok_or(DomainError::NotFound)?;
        // Read again under the lock, and decide on that: the page may be out of date.
        let service = Service::find(conn, id)?.ok_or(DomainError::NotFound)?;
        let charges = matches!(action, Action::Renew | Action::Resume);
        if (charges || !seen.is_empty()) && seen != seen_token(&service) {
            return Err(DomainError::invalid(
                "action",
                "The service changed meanwhile; look at it again before you go on.",
            ));
        }
        check(who, action, &service)?;
        let zone = account_zone(conn, &account)?;
        let now = db::now();
        let changed = match action {
            Action::Renew => renew(conn, actor, &service, &mut account, zone, now)?,
            Action::Suspend => {
                let to = match who {
                    Who::Staff => SUSPENDED_ADMIN,
                    Who::Client { .. } => SUSPENDED_CLIENT,
                };
                Service::change_status(conn, id, &[service.status.as_str()], to, now)?
                    && status_event(conn, actor, &service, "suspended", to, reason)?
            }
            // Still paid: active again. Past paid-until: a new period starts now and is
            // charged; the time spent suspended is not.
            Action::Resume => {
                let Some(detail) = resume(conn, actor, &service, &mut account, zone, now)? else {
                    return Err(not_covered(conn, &service, &account, service.price));
                };
                let detail = if reason.is_empty() {
                    detail
                } else {
                    format!("{reason} ({detail})")
                };
                status_event(conn, actor, &service, "resumed", ACTIVE, &detail)?
            }
            Action::Delete => {
                Service::change_status(conn, id, &[service.status.as_str()], DELETED, now)?
                    && status_event(conn, actor, &service, "deleted", DELETED, reason)?
            }
            Action::AutoRenew(on) => {
                Service::set_auto_renew(conn, id, on)?;
                let detail = match (on, reason) {
                    (true, "") => "auto-renew on".to_owned(),
                    (false, "") => "auto-renew off".to_owned(),
                    (true, r) => format!("auto-renew on: {r}"),
                    (false, r) => format!("auto-renew off: {r}"),
                };
                history(
                    conn,
                    actor,
                    &service,
                    "auto_renew",
                    &service.status,
                    &detail,
                )?;
                audit::record(
                    conn,
                    actor,
                    "service.auto_renew",
                    Target::new("service", id),
                    &detail,
                )?;
                true
            }
        };
        if !changed {
            return Err(DomainError::invalid(
                "action",
                "The service changed meanwhile; look at it again.",
            ));
        }
        Service::find(conn, id)?.ok_or(DomainError::NotFound)
    })
}

/// Renew: pay a waiting order, resume after non-payment, or pay the next period ahead.
fn renew(
    conn: &mut DbConnection,
    actor: &Actor,
    service: &Service,
    account: &mut Account,
    zone: Tz,
    now: NaiveDateTime,
) -> Result<bool, DomainError> {
    match service.status.as_str() {
        ORDERED => {
            if !activate(conn, actor, service, account, zone, now)? {
                return Err(not_covered(conn, service, account, service.order_cost));
            }
            Ok(true)
        }
        SUSPENDED_UNPAID => {
            let Some(detail) = resume(conn, actor, service, account, zone, now)? else {
                return Err(not_covered(conn, service, account, service.price));
            };
            status_event(conn, actor, service, "resumed", ACTIVE, &detail)
        }
        _ => {
            let (Some(old), Some(anchor)) = (service.paid_until, service.anchor_at) else {
                return Ok(false);
            };
            if !account.covers(service.price) {
                return Err(not_covered(conn, service, account, service.price));
            }
            let until = add_months_in(anchor, service.paid_months + service.period_months, zone);
            if !Service::extend(conn, service.id, old, service.period_months, until)? {
                return Ok(false);
            }
            charge(
                conn,
                actor,
                service.id,
                account,
                expense::RENEWAL,
                service.price,
                old,
                until,
            )?;
            let detail = format!("paid until {}", format_at(until));
            history(conn, actor, service, "renewed", &service.status, &detail)?;
            audit::record(
                conn,
                actor,
                "service.renew",
                Target::new("service", service.id),
                &detail,
            )?;
            Ok(true)
        }
    }
}

fn not_covered(
    conn: &mut DbConnection,
    service: &Service,
    account: &Account,
    cost: i64,
) -> DomainError {
    let text = match missing_for(conn, service.id, account, cost) {
        Ok(money) => money.to_string(),
        Err(_) => account.missing(cost).to_string(),
    };
    DomainError::invalid(
        "action",
        format!("The balance does not cover it: top up the account by {text} first."),
    )
}

fn status_event(
    conn: &mut DbConnection,
    actor: &Actor,
    service: &Service,
    event: &str,
    status: &str,
    reason: &str,
) -> Result<bool, DomainError> {
    history(conn, actor, service, event, status, reason)?;
    let by = if actor.employee_id().is_some() {
        super::By::Staff
    } else {
        super::By::Client
    };
    let about = match event {
        "suspended" => super::About::Suspended {
            by: super::By::of_suspension(status),
        },
        "resumed" => super::About::Resumed,
        _ => super::About::Deleted { by },
    };
    super::notify(conn, service.id, about)?;
    let action = match event {
        "suspended" => "service.suspend",
        "resumed" => "service.resume",
        _ => "service.delete",
    };
    audit::record(
        conn,
        actor,
        action,
        Target::new("service", service.id),
        &format!(
            "{} → {}{}",
            service.status,
            status,
            if reason.is_empty() {
                String::new()
            } else {
                format!(": {reason}")
            }
        ),
    )?;
    Ok(true)
}

/// An employee sets paid-until by hand (a date in the provider's time zone, at the
/// service's time of day); the periods count from it afresh.
pub fn set_paid_until(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ServiceId,
    date: &str,
    reason: &str,
) -> Result<Service, DomainError> {
    require(actor, permissions::SERVICES_MANAGE)?;
    let mut errors = FieldErrors::new();
    let reason = text::required(reason, 500, "Give the reason; it is kept in the history.")
        .map_err(|m| errors.add("reason", m))
        .ok();
    let date = text::date(date)
        .map_err(|m| errors.add("paid_until", m))
        .ok();
    errors.into_result()?;
    let (Some(reason), Some(date)) = (reason, date) else {
        return Err(DomainError::invalid("paid_until", "Enter the date."));
    };
    db::write_transaction(conn, |conn| {
        let account_id = Service::find(conn, id)?
            .ok_or(DomainError::NotFound)?
            .account_id;
        let account = Account::lock(conn, account_id)?.ok_or(DomainError::NotFound)?;
        // Decide on the service as it is under the lock: the billing run may just have
        // renewed it.
        let service = Service::find(conn, id)?.ok_or(DomainError::NotFound)?;
        let Some(old) = service.paid_until else {
            return Err(DomainError::invalid(
                "paid_until",
                "The service has not started yet; it has no paid-until to change.",
            ));
        };
        if service.status == DELETED {
            return Err(DomainError::invalid(
                "paid_until",
                "The service is deleted.",
            ));
        }
        let zone = account_zone(conn, &account)?;
        let local_time = chrono::TimeZone::from_utc_datetime(&zone, &old).time();
        let until = chrono::TimeZone::from_local_datetime(&zone, &date.and_time(local_time))
            .earliest()
            .map_or(date.and_time(local_time), |t| t.naive_utc());
        // The next renewal charges the period from `until`; a period starting then that was
        // charged already would collide with its expense at every billing run.
        if until != old
            && crate::db::models::expense::Expense::count_for_period(conn, id, until)? > 0
        {
            return Err(DomainError::invalid(
                "paid_until",
                "A period starting on that day was charged already; choose another day.",
            ));
        }
        Service::set_paid_until(conn, id, until)?;
        let detail = format!("{} → {}: {reason}", format_at(old), format_at(until));
        history(
            conn,
            actor,
            &service,
            "paid_until",
            &service.status,
            &detail,
        )?;
        audit::record(
            conn,
            actor,
            "service.paid_until",
            Target::new("service", id),
            &detail,
        )?;
        Service::find(conn, id)?.ok_or(DomainError::NotFound)
    })
}
