//! Writing the audit log. Called inside the transaction of the change it records.

use std::fmt::Display;

use diesel::QueryResult;

use crate::db::models::audit_event::{AuditCursor, AuditFilter};
use crate::db::models::{AuditEvent, Employee, NewAuditEvent};
use crate::db::paging::Paged;
use crate::db::{self, DbConnection};
use crate::domain::permissions::{self, Permission, require};
use crate::domain::{Actor, ActorKind, DomainError};

/// What an event is about: an object type and its id ("client", 42).
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub object_type: &'a str,
    pub object_id: Option<i64>,
}

impl<'a> Target<'a> {
    pub fn new(object_type: &'a str, object_id: impl Into<i64>) -> Self {
        Self {
            object_type,
            object_id: Some(object_id.into()),
        }
    }

    pub fn none() -> Self {
        Self {
            object_type: "",
            object_id: None,
        }
    }
}

/// Records one action by `actor`. `changes` is a short human-readable summary.
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    target: Target<'_>,
    changes: &str,
) -> QueryResult<()> {
    let (employee_id, user_id, client_id) = match &actor.kind {
        ActorKind::Employee { id, .. } => (Some(*id), None, None),
        ActorKind::ClientUser { id, client_id, .. } => (None, Some(*id), Some(*client_id)),
        ActorKind::EmployeeAsClient {
            employee_id,
            user_id,
            client_id,
            ..
        } => (Some(*employee_id), Some(*user_id), Some(*client_id)),
        ActorKind::System | ActorKind::Visitor => (None, None, None),
    };
    let label = actor.label();
    AuditEvent::insert(
        conn,
        &NewAuditEvent {
            at: db::now(),
            employee_id,
            user_id,
            client_id,
            actor: &label,
            action,
            object_type: target.object_type,
            object_id: target.object_id,
            changes,
            ip: &actor.ip,
        },
    )
}

/// A before/after summary of the fields an action changed: `name: "A" → "B"; enabled: true → false`.
#[derive(Debug, Default)]
pub struct Changes(Vec<String>);

impl Changes {
    pub fn new() -> Self {
        Self::default()
    }

    /// Notes a field only when its value changed.
    pub fn field(&mut self, name: &str, before: impl Display, after: impl Display) -> &mut Self {
        let (before, after) = (before.to_string(), after.to_string());
        if before != after {
            self.0.push(format!("{name}: {before:?} → {after:?}"));
        }
        self
    }

    /// Notes the value of a field of something new.
    pub fn set(&mut self, name: &str, value: impl Display) -> &mut Self {
        self.0.push(format!("{name}: {:?}", value.to_string()));
        self
    }

    /// Notes a fact in words ("password changed").
    pub fn note(&mut self, text: impl Into<String>) -> &mut Self {
        self.0.push(text.into());
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn summary(&self) -> String {
        self.0.join("; ")
    }
}

/// The permission an employee needs to read an event: the section of the admin area the
/// event belongs to, by its action ("payment.refund": payments) or, for signing in and
/// out, by whose account it is. `None`: only administrators read it (failed sign-ins of
/// unknown emails, anything not mapped here).
fn section_of(event: &AuditEvent) -> Option<Permission> {
    let prefix = event.action.split('.').next().unwrap_or("");
    let kind = match prefix {
        "sign_in" | "sign_out" | "session" | "two_factor" | "reauth" => event.object_type.as_str(),
        other => other,
    };
    Some(match kind {
        "client" | "user" | "payer" | "client_group" | "impersonation" => permissions::CLIENTS_VIEW,
        "payment" | "account" | "payment_method" => permissions::PAYMENTS_VIEW,
        "service" | "expense" => permissions::SERVICES_VIEW,
        "ticket" | "canned_reply" => permissions::SUPPORT_VIEW,
        "employee" | "department" => permissions::STAFF_VIEW,
        "provider" | "company" => permissions::SETTINGS_VIEW,
        "currency" => permissions::CURRENCIES_VIEW,
        "tariff" | "product_type" => permissions::CATALOG_VIEW,
        _ => return None,
    })
}

/// The events of `events` that the actor may read: it holds the event's section, and an
/// event about a ticket is of a department whose tickets it sees.
pub fn readable_by(
    conn: &mut DbConnection,
    actor: &Actor,
    events: Vec<AuditEvent>,
) -> Result<Vec<AuditEvent>, DomainError> {
    if actor.is_superuser() {
        return Ok(events);
    }
    let mut events: Vec<AuditEvent> = events
        .into_iter()
        .filter(|e| section_of(e).is_some_and(|p| require(actor, p).is_ok()))
        .collect();
    let ticket_ids: Vec<i64> = events
        .iter()
        .filter(|e| e.object_type == "ticket")
        .filter_map(|e| e.object_id)
        .collect();
    if !ticket_ids.is_empty() {
        let departments = crate::domain::tickets::visible_departments(conn, actor)?;
        if let Some(visible) = departments {
            let of_tickets = crate::db::models::ticket::Ticket::departments_of(conn, &ticket_ids)?;
            events.retain(|e| {
                e.object_type != "ticket"
                    || of_tickets
                        .iter()
                        .any(|(t, d)| Some(t.0) == e.object_id && visible.contains(d))
            });
        }
    }
    Ok(events)
}

/// Object types the audit log can be filtered by.
pub const OBJECT_TYPES: &[&str] = &[
    "client",
    "company",
    "currency",
    "department",
    "employee",
    "provider",
    "user",
];

/// Events per page of the audit log.
pub const PAGE_SIZE: i64 = 50;

pub struct AuditPage {
    pub page: Paged<AuditEvent, AuditCursor>,
    /// Employees, for the filter.
    pub employees: Vec<Employee>,
}

/// One page of the audit log. Reading it needs `audit.view`; nothing edits or deletes it.
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: &AuditFilter,
) -> Result<AuditPage, DomainError> {
    require(actor, permissions::AUDIT_VIEW)?;
    let page = Paged::read(PAGE_SIZE, filter.at.as_ref(), AuditEvent::cursor, |at| {
        let filter = AuditFilter {
            at: at.cloned(),
            ..filter.clone()
        };
        AuditEvent::search(conn, &filter, PAGE_SIZE + 1)
    })?;
    Ok(AuditPage {
        page,
        employees: Employee::all(conn)?,
    })
}

/// How many events the filter finds.
pub fn count(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: &AuditFilter,
) -> Result<i64, DomainError> {
    require(actor, permissions::AUDIT_VIEW)?;
    Ok(AuditEvent::count(conn, filter)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_name_only_what_changed() {
        let mut c = Changes::new();
        c.field("name", "Sales", "Sales")
            .field("shown", true, false)
            .set("email", "a@b.io");
        assert_eq!(
            c.summary(),
            "shown: \"true\" → \"false\"; email: \"a@b.io\""
        );
        assert!(Changes::new().is_empty());
    }
}
