//! What the client and staff may do with a service: renew, suspend, resume, delete,
//! auto-renew and paid-until, each recorded in the history and the audit log.

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use super::charging::{activate, charge, history, resume_unpaid};
use super::{account_zone, format_at, may_suspend};
use crate::db::models::Account;
use crate::db::models::expense;
use crate::db::models::service::{
    ACTIVE, DELETED, ORDERED, SUSPENDED_ADMIN, SUSPENDED_CLIENT, SUSPENDED_UNPAID, Service,
};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::client_permissions::{self, SERVICES};
use crate::domain::money::Money;
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

/// The client acts on one of its services.
pub fn act_as_client(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ServiceId,
    action: Action,
) -> Result<Service, DomainError> {
    let client = client_permissions::require(conn, actor, SERVICES)?;
    let service = Service::find(conn, id)?
        .filter(|s| s.client_id == client && s.status != DELETED)
        .ok_or(DomainError::NotFound)?;
    match action {
        Action::Suspend | Action::Resume if !may_suspend(conn, client)? => {
            return Err(DomainError::invalid(
                "action",
                "Your services can be suspended and resumed only by your provider; write to support.",
            ));
        }
        Action::Suspend if service.status != ACTIVE => {
            return Err(DomainError::invalid(
                "action",
                "Only an active service can be suspended.",
            ));
        }
        Action::Resume if service.status != SUSPENDED_CLIENT => {
            return Err(DomainError::invalid(
                "action",
                "Only a service you suspended yourself can be resumed here.",
            ));
        }
        Action::Delete if service.status != ORDERED => {
            return Err(DomainError::invalid(
                "action",
                "Only an order that has not started can be cancelled here; to end a service, turn auto-renew off or write to support.",
            ));
        }
        _ => {}
    }
    act(conn, actor, service, action, "")
}

/// An employee acts on a service, with the reason kept in its history.
pub fn act_as_staff(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ServiceId,
    action: Action,
    reason: &str,
) -> Result<Service, DomainError> {
    require(actor, permissions::SERVICES_MANAGE)?;
    let reason = text::required(reason, 500, "Give the reason; it is kept in the history.")
        .map_err(|m| DomainError::invalid("reason", m))?;
    let service = Service::find(conn, id)?.ok_or(DomainError::NotFound)?;
    if service.status == DELETED {
        return Err(DomainError::invalid("reason", "The service is deleted."));
    }
    match action {
        Action::Suspend if ![ACTIVE, SUSPENDED_CLIENT].contains(&service.status.as_str()) => {
            return Err(DomainError::invalid(
                "reason",
                "Only an active service can be suspended.",
            ));
        }
        Action::Resume
            if ![SUSPENDED_ADMIN, SUSPENDED_CLIENT, SUSPENDED_UNPAID]
                .contains(&service.status.as_str()) =>
        {
            return Err(DomainError::invalid(
                "reason",
                "Only a suspended service can be resumed.",
            ));
        }
        _ => {}
    }
    act(conn, actor, service, action, &reason)
}

fn act(
    conn: &mut DbConnection,
    actor: &Actor,
    service: Service,
    action: Action,
    reason: &str,
) -> Result<Service, DomainError> {
    let id = service.id;
    db::write_transaction(conn, |conn| {
        let mut account = Account::lock(conn, service.account_id)?.ok_or(DomainError::NotFound)?;
        // Read again under the lock: what the page showed may have changed.
        let service = Service::find(conn, id)?.ok_or(DomainError::NotFound)?;
        let zone = account_zone(conn, &account)?;
        let now = db::now();
        let changed = match action {
            Action::Renew => renew(conn, actor, &service, &mut account, zone, now)?,
            Action::Suspend => {
                let to = if actor.employee_id().is_some() {
                    SUSPENDED_ADMIN
                } else {
                    SUSPENDED_CLIENT
                };
                let from: &[&str] = if to == SUSPENDED_ADMIN {
                    &[ACTIVE, SUSPENDED_CLIENT]
                } else {
                    &[ACTIVE]
                };
                Service::change_status(conn, id, from, to, now)?
                    && status_event(conn, actor, &service, "suspended", to, reason)?
            }
            Action::Resume if service.status == SUSPENDED_UNPAID => {
                if !resume_unpaid(conn, actor, &service, &mut account, zone, now)? {
                    return Err(not_covered(conn, &service, &account, service.price));
                }
                true
            }
            Action::Resume => {
                Service::change_status(conn, id, &[SUSPENDED_ADMIN, SUSPENDED_CLIENT], ACTIVE, now)?
                    && status_event(conn, actor, &service, "resumed", ACTIVE, reason)?
            }
            Action::Delete => {
                let from = [
                    ORDERED,
                    ACTIVE,
                    SUSPENDED_CLIENT,
                    SUSPENDED_ADMIN,
                    SUSPENDED_UNPAID,
                ];
                Service::change_status(conn, id, &from, DELETED, now)?
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
            if !resume_unpaid(conn, actor, service, account, zone, now)? {
                return Err(not_covered(conn, service, account, service.price));
            }
            Ok(true)
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
            audit::record(
                conn,
                actor,
                "service.renew",
                Target::new("service", service.id),
                &format!("paid until {}", format_at(until)),
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
    let missing = (cost - account.balance - account.credit_limit).max(0);
    let text = match Service::row(conn, service.id) {
        Ok(Some(row)) => {
            Money::from_minor(missing, row.currency_exponent, &row.currency_code).to_string()
        }
        _ => missing.to_string(),
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
    let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| errors.add("paid_until", "Enter the date as YYYY-MM-DD."))
        .ok();
    errors.into_result()?;
    let (Some(reason), Some(date)) = (reason, date) else {
        return Err(DomainError::invalid("paid_until", "Enter the date."));
    };
    db::write_transaction(conn, |conn| {
        let service = Service::find(conn, id)?.ok_or(DomainError::NotFound)?;
        let account = Account::lock(conn, service.account_id)?.ok_or(DomainError::NotFound)?;
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
