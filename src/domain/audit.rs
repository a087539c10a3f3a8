//! Writing the audit log. Called inside the transaction of the change it records.

use diesel::QueryResult;

use crate::db::models::{AuditEvent, NewAuditEvent};
use crate::db::{self, DbConnection};
use crate::domain::{Actor, ActorKind};

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
