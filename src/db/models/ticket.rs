//! The `tickets`, `ticket_messages` and `canned_replies` tables: the support centre.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::InIdsExt;
use crate::db::schema::{canned_replies, ticket_messages, tickets};
use crate::ids::{
    CannedReplyId, ClientId, DepartmentId, EmployeeId, ServiceId, TicketId, TicketMessageId, UserId,
};

pub const WAITING_PROVIDER: &str = "waiting_provider";
pub const WAITING_CLIENT: &str = "waiting_client";
pub const CLOSED: &str = "closed";

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = tickets)]
pub struct Ticket {
    pub id: TicketId,
    pub client_id: ClientId,
    pub department_id: DepartmentId,
    pub subject: String,
    pub status: String,
    pub assigned_to: Option<EmployeeId>,
    #[diesel(deserialize_as = crate::db::SqlTimeOrNull)]
    pub waiting_since: Option<NaiveDateTime>,
    pub client_unread: bool,
    #[diesel(deserialize_as = crate::db::SqlTime)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::SqlTime)]
    pub updated_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::SqlTimeOrNull)]
    pub closed_at: Option<NaiveDateTime>,
    /// The service the ticket is about, if the client chose one.
    pub service_id: Option<ServiceId>,
}

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = ticket_messages)]
pub struct TicketMessage {
    pub id: TicketMessageId,
    pub ticket_id: TicketId,
    pub user_id: Option<UserId>,
    pub employee_id: Option<EmployeeId>,
    /// The author's name as shown.
    pub author: String,
    pub body: String,
    /// An internal note of the staff: never shown to the client.
    pub internal: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = canned_replies)]
pub struct CannedReply {
    pub id: CannedReplyId,
    pub title: String,
    pub body: String,
    /// Offered to this department's staff only; with no department and no employee, to all.
    pub department_id: Option<DepartmentId>,
    /// Offered to this employee only.
    pub employee_id: Option<EmployeeId>,
    pub created_at: NaiveDateTime,
}

/// `SELECT COUNT(*) FROM (SELECT 1 FROM tickets WHERE status = ? [AND department in the
/// list] LIMIT ?)`: `Ticket::count_in`'s capped count, kept prepared by its SQL text (its two
/// shapes share this type, so it has no static query id).
struct CappedCount<'a> {
    status: &'a str,
    departments: Option<crate::db::id_list::InIds<tickets::department_id>>,
    cap: i64,
}

impl diesel::query_builder::QueryId for CappedCount<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::Query for CappedCount<'_> {
    type SqlType = diesel::sql_types::BigInt;
}

impl<DB> diesel::query_builder::QueryFragment<DB> for CappedCount<'_>
where
    DB: diesel::backend::Backend,
    str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
    i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>,
    crate::db::id_list::InIds<tickets::department_id>: diesel::query_builder::QueryFragment<DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        out.push_sql("SELECT COUNT(*) FROM (SELECT 1 FROM tickets WHERE tickets.status = ");
        out.push_bind_param::<diesel::sql_types::Text, _>(self.status)?;
        if let Some(departments) = &self.departments {
            out.push_sql(" AND ");
            departments.walk_ast(out.reborrow())?;
        }
        out.push_sql(" LIMIT ");
        out.push_bind_param::<diesel::sql_types::BigInt, _>(&self.cap)?;
        out.push_sql(") AS capped");
        Ok(())
    }
}

impl<Conn> RunQueryDsl<Conn> for CappedCount<'_> {}

impl Ticket {
    pub fn insert(
        conn: &mut DbConnection,
        client_id: ClientId,
        department_id: DepartmentId,
        subject: &str,
        now: NaiveDateTime,
    ) -> QueryResult<Ticket> {
        diesel::insert_into(tickets::table)
            .values((
                tickets::client_id.eq(client_id),
                tickets::department_id.eq(department_id),
                tickets::subject.eq(subject),
                tickets::status.eq(WAITING_PROVIDER),
                tickets::waiting_since.eq(Some(now)),
                tickets::created_at.eq(now),
                tickets::updated_at.eq(now),
            ))
            .returning(tickets::all_columns)
            .get_result(conn)
    }

    pub fn find(conn: &mut DbConnection, id: TicketId) -> QueryResult<Option<Ticket>> {
        tickets::table.find(id).first(conn).optional()
    }

    /// The department of each of these tickets (those that exist).
    pub fn departments_of(
        conn: &mut DbConnection,
        ids: &[i64],
    ) -> QueryResult<Vec<(TicketId, DepartmentId)>> {
        tickets::table
            .filter(tickets::id.in_ids(ids.iter().copied()))
            .select((tickets::id, tickets::department_id))
            .load(conn)
    }

    /// A ticket of the client; another client's is not found.
    pub fn find_of_client(
        conn: &mut DbConnection,
        client_id: ClientId,
        id: TicketId,
    ) -> QueryResult<Option<Ticket>> {
        tickets::table
            .filter(tickets::client_id.eq(client_id))
            .filter(tickets::id.eq(id))
            .first(conn)
            .optional()
    }

    pub fn of_client(
        conn: &mut DbConnection,
        client_id: ClientId,
        limit: i64,
    ) -> QueryResult<Vec<Ticket>> {
        crate::db::on_engine!(conn, |c| tickets::table
            .filter(tickets::client_id.eq(client_id))
            .order(tickets::id.desc())
            .limit(limit)
            .load(c))
    }

    pub fn count_unread_of_client(
        conn: &mut DbConnection,
        client_id: ClientId,
    ) -> QueryResult<i64> {
        tickets::table
            .filter(tickets::client_id.eq(client_id))
            .filter(tickets::client_unread.eq(true))
            .count()
            .get_result(conn)
    }

    /// The `limit` tickets of one department that have waited for the provider longest,
    /// oldest first (the `tickets_queue` index, read from its start).
    pub fn longest_waiting(
        conn: &mut DbConnection,
        department: DepartmentId,
        limit: i64,
    ) -> QueryResult<Vec<Ticket>> {
        crate::db::on_engine!(conn, |c| tickets::table
            .filter(tickets::department_id.eq(department))
            .filter(tickets::status.eq(WAITING_PROVIDER))
            .order((tickets::waiting_since.asc(), tickets::id.asc()))
            .limit(limit)
            .load(c))
    }

    /// The `limit` tickets in `status` updated last, of these departments (all when `None`).
    pub fn updated_last(
        conn: &mut DbConnection,
        departments: Option<&[DepartmentId]>,
        status: &str,
        limit: i64,
    ) -> QueryResult<Vec<Ticket>> {
        let mut query = tickets::table
            .filter(tickets::status.eq(status.to_owned()))
            .into_boxed();
        if let Some(departments) = departments {
            query = query.filter(tickets::department_id.in_ids(departments.iter().copied()));
        }
        query
            .order((tickets::updated_at.desc(), tickets::id.desc()))
            .limit(limit)
            .load(conn)
    }

    /// How many tickets are in `status` in these departments (all when `None`), counting no
    /// further than `cap + 1`: a long queue costs no more to count than one of `cap`.
    pub fn count_in(
        conn: &mut DbConnection,
        departments: Option<&[DepartmentId]>,
        status: &str,
        cap: i64,
    ) -> QueryResult<i64> {
        // Counted in SQL over a capped subquery: loading up to `cap + 1` ids to count them
        // was a third of the queue page.
        let count = CappedCount {
            status,
            departments: departments.map(|d| tickets::department_id.in_ids(d.iter().copied())),
            cap: cap + 1,
        };
        crate::db::on_engine!(conn, |c| count.get_result(c))
    }

    /// Sets the state after a message or a decision of the staff or the client.
    pub fn set_state(
        conn: &mut DbConnection,
        id: TicketId,
        status: &str,
        waiting_since: Option<NaiveDateTime>,
        client_unread: bool,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        let closed_at = (status == CLOSED).then_some(now);
        diesel::update(tickets::table.find(id))
            .set((
                tickets::status.eq(status),
                tickets::waiting_since.eq(waiting_since),
                tickets::client_unread.eq(client_unread),
                tickets::updated_at.eq(now),
                tickets::closed_at.eq(closed_at),
            ))
            .execute(conn)
            .map(|_| ())
    }

    pub fn mark_seen_by_client(conn: &mut DbConnection, id: TicketId) -> QueryResult<()> {
        diesel::update(tickets::table.find(id))
            .set(tickets::client_unread.eq(false))
            .execute(conn)
            .map(|_| ())
    }

    pub fn assign(
        conn: &mut DbConnection,
        id: TicketId,
        employee: Option<EmployeeId>,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::update(tickets::table.find(id))
            .set((
                tickets::assigned_to.eq(employee),
                tickets::updated_at.eq(now),
            ))
            .execute(conn)
            .map(|_| ())
    }

    pub fn transfer(
        conn: &mut DbConnection,
        id: TicketId,
        department: DepartmentId,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::update(tickets::table.find(id))
            .set((
                tickets::department_id.eq(department),
                tickets::assigned_to.eq(None::<EmployeeId>),
                tickets::updated_at.eq(now),
            ))
            .execute(conn)
            .map(|_| ())
    }
}

impl TicketMessage {
    #[allow(clippy::too_many_arguments)]
    pub fn insert(
        conn: &mut DbConnection,
        ticket_id: TicketId,
        user_id: Option<UserId>,
        employee_id: Option<EmployeeId>,
        author: &str,
        body: &str,
        internal: bool,
        now: NaiveDateTime,
    ) -> QueryResult<TicketMessage> {
        diesel::insert_into(ticket_messages::table)
            .values((
                ticket_messages::ticket_id.eq(ticket_id),
                ticket_messages::user_id.eq(user_id),
                ticket_messages::employee_id.eq(employee_id),
                ticket_messages::author.eq(author),
                ticket_messages::body.eq(body),
                ticket_messages::internal.eq(internal),
                ticket_messages::created_at.eq(now),
            ))
            .returning(ticket_messages::all_columns)
            .get_result(conn)
    }

    /// The conversation; internal notes only when `with_internal`.
    pub fn of_ticket(
        conn: &mut DbConnection,
        ticket_id: TicketId,
        with_internal: bool,
    ) -> QueryResult<Vec<TicketMessage>> {
        let mut query = ticket_messages::table
            .filter(ticket_messages::ticket_id.eq(ticket_id))
            .into_boxed();
        if !with_internal {
            query = query.filter(ticket_messages::internal.eq(false));
        }
        query.order(ticket_messages::id.asc()).load(conn)
    }
}

impl CannedReply {
    /// The replies offered to an employee in these departments.
    pub fn for_employee(
        conn: &mut DbConnection,
        employee: EmployeeId,
        departments: &[DepartmentId],
    ) -> QueryResult<Vec<CannedReply>> {
        canned_replies::table
            .filter(
                (canned_replies::department_id
                    .is_null()
                    .and(canned_replies::employee_id.is_null()))
                .or(canned_replies::employee_id.eq(employee))
                .or(canned_replies::department_id.eq_any(departments.to_vec())),
            )
            .order(canned_replies::title)
            .load(conn)
    }

    pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<CannedReply>> {
        canned_replies::table
            .order(canned_replies::title)
            .load(conn)
    }

    pub fn find(conn: &mut DbConnection, id: CannedReplyId) -> QueryResult<Option<CannedReply>> {
        canned_replies::table.find(id).first(conn).optional()
    }

    pub fn insert(
        conn: &mut DbConnection,
        title: &str,
        body: &str,
        department: Option<DepartmentId>,
        employee: Option<EmployeeId>,
        now: NaiveDateTime,
    ) -> QueryResult<CannedReply> {
        diesel::insert_into(canned_replies::table)
            .values((
                canned_replies::title.eq(title),
                canned_replies::body.eq(body),
                canned_replies::department_id.eq(department),
                canned_replies::employee_id.eq(employee),
                canned_replies::created_at.eq(now),
            ))
            .returning(canned_replies::all_columns)
            .get_result(conn)
    }

    pub fn delete(conn: &mut DbConnection, id: CannedReplyId) -> QueryResult<usize> {
        diesel::delete(canned_replies::table.find(id)).execute(conn)
    }
}
