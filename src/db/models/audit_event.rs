//! The `audit_events` table: append-only. There is no update or delete here on purpose.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::paging::{KeyCursor, Order, PageAt, reads_descending};
use crate::db::schema::audit_events;
use crate::ids::{AuditEventId, ClientId, EmployeeId, UserId};

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: AuditEventId,
    pub at: NaiveDateTime,
    pub employee_id: Option<EmployeeId>,
    pub user_id: Option<UserId>,
    /// The client acted as: the client's own user, or an employee impersonating it.
    pub client_id: Option<ClientId>,
    /// Who did it, as it read at the time ("admin@example.com", "system").
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<i64>,
    pub changes: String,
    pub ip: String,
}

/// What the audit log page can filter by. `from`/`until` are UTC bounds, `until` exclusive.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub employee_id: Option<EmployeeId>,
    pub client_id: Option<ClientId>,
    pub object_type: Option<String>,
    pub object_id: Option<i64>,
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    /// The page: after (older than) or before (newer than) an event; None for the newest.
    pub at: Option<PageAt<AuditCursor>>,
}

/// An event a page of the log starts next to (the log is in id order; the key is unused).
pub type AuditCursor = KeyCursor<AuditEventId>;

/// The events the filter finds, before order and page, boxed.
macro_rules! filtered_events {
    ($filter:expr) => {{
        let filter: &AuditFilter = $filter;
        let mut query = audit_events::table.into_boxed();
        if let Some(id) = filter.employee_id {
            query = query.filter(audit_events::employee_id.eq(id));
        }
        if let Some(id) = filter.client_id {
            query = query.filter(audit_events::client_id.eq(id));
        }
        if let Some(object_type) = &filter.object_type {
            query = query.filter(audit_events::object_type.eq(object_type.clone()));
        }
        if let Some(object_id) = filter.object_id {
            query = query.filter(audit_events::object_id.eq(object_id));
        }
        if let Some(from) = filter.from {
            query = query.filter(audit_events::at.ge(from));
        }
        if let Some(until) = filter.until {
            query = query.filter(audit_events::at.lt(until));
        }
        query
    }};
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditEvent<'a> {
    pub at: NaiveDateTime,
    pub employee_id: Option<EmployeeId>,
    pub user_id: Option<UserId>,
    pub client_id: Option<ClientId>,
    pub actor: &'a str,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<i64>,
    pub changes: &'a str,
    pub ip: &'a str,
}

impl AuditEvent {
    pub fn insert(conn: &mut DbConnection, new: &NewAuditEvent<'_>) -> QueryResult<()> {
        crate::db::on_engine!(conn, |c| diesel::insert_into(audit_events::table)
            .values(new)
            .execute(c)
            .map(|_| ()))
    }

    /// The newest events first.
    /// The clients that these payments, services or tickets (`kind`) belong to.
    pub fn clients_of(
        conn: &mut DbConnection,
        kind: &str,
        ids: &[i64],
    ) -> QueryResult<Vec<(i64, ClientId)>> {
        use crate::db::schema::{payments, services, tickets};
        let ids = ids.to_vec();
        match kind {
            "payment" => payments::table
                .filter(payments::id.eq_any(ids))
                .select((payments::id, payments::client_id))
                .load::<(i64, i64)>(conn),
            "service" => services::table
                .filter(services::id.eq_any(ids))
                .select((services::id, services::client_id))
                .load::<(i64, i64)>(conn),
            "ticket" => tickets::table
                .filter(tickets::id.eq_any(ids))
                .select((tickets::id, tickets::client_id))
                .load::<(i64, i64)>(conn),
            _ => Ok(Vec::new()),
        }
        .map(|rows| rows.into_iter().map(|(id, c)| (id, ClientId(c))).collect())
    }

    pub fn latest(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<AuditEvent>> {
        crate::db::on_engine!(conn, |c| audit_events::table
            .order((audit_events::at.desc(), audit_events::id.desc()))
            .limit(limit)
            .load(c))
    }

    /// One page of events matching `filter`: newest first, or for a previous page read
    /// oldest first from its cursor (see `paging::reads_descending`).
    pub fn search(
        conn: &mut DbConnection,
        filter: &AuditFilter,
        limit: i64,
    ) -> QueryResult<Vec<AuditEvent>> {
        // Newest first; a previous page is read oldest first from its cursor.
        let descending = reads_descending(Order::Descending, filter.at.as_ref());
        let mut query = filtered_events!(filter);
        query = match filter.at.as_ref().map(PageAt::cursor) {
            Some(at) if descending => query.filter(audit_events::id.lt(at.id)),
            Some(at) => query.filter(audit_events::id.gt(at.id)),
            None => query,
        };
        let query = if descending {
            query.order(audit_events::id.desc())
        } else {
            query.order(audit_events::id.asc())
        };
        query.limit(limit).load(conn)
    }

    /// How many events the filter finds, its page aside.
    pub fn count(conn: &mut DbConnection, filter: &AuditFilter) -> QueryResult<i64> {
        filtered_events!(filter).count().get_result(conn)
    }

    /// The event as a cursor of the log's pages.
    pub fn cursor(&self) -> AuditCursor {
        KeyCursor {
            id: self.id,
            key: 0,
        }
    }

    pub fn count_action(conn: &mut DbConnection, action: &str) -> QueryResult<i64> {
        audit_events::table
            .filter(audit_events::action.eq(action))
            .count()
            .get_result(conn)
    }
}
