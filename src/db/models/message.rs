//! The `messages` table: notices from the provider in a client's inbox.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::messages;
use crate::ids::{ClientId, EmployeeId, MessageId};

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = messages)]
pub struct Message {
    pub id: MessageId,
    pub client_id: ClientId,
    pub subject: String,
    pub body: String,
    pub sent_by: Option<EmployeeId>,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = messages)]
pub struct NewMessage<'a> {
    pub client_id: ClientId,
    pub subject: &'a str,
    pub body: &'a str,
    pub sent_by: Option<EmployeeId>,
    pub created_at: NaiveDateTime,
}

/// Unread messages are counted up to this many.
pub const UNREAD_COUNTED: i64 = 100;

/// A count as a badge shows it: "99+" from `UNREAD_COUNTED` on.
pub fn badge(n: &i64) -> String {
    if *n >= UNREAD_COUNTED {
        format!("{}+", UNREAD_COUNTED - 1)
    } else {
        n.to_string()
    }
}

impl Message {
    pub fn insert(conn: &mut DbConnection, new: &NewMessage<'_>) -> QueryResult<Message> {
        diesel::insert_into(messages::table)
            .values(new)
            .returning(messages::all_columns)
            .get_result(conn)
    }

    /// Copies of a mailing's messages, in one statement.
    pub fn insert_many(conn: &mut DbConnection, new: &[NewMessage<'_>]) -> QueryResult<usize> {
        crate::db::on_engine!(conn, |c| diesel::insert_into(messages::table)
            .values(new)
            .execute(c))
    }

    /// The client's messages, newest first.
    pub fn of_client(
        conn: &mut DbConnection,
        client_id: ClientId,
        limit: i64,
    ) -> QueryResult<Vec<Message>> {
        messages::table
            .filter(messages::client_id.eq(client_id))
            .order(messages::id.desc())
            .limit(limit)
            .load(conn)
    }

    /// One message of the client; another client's id finds nothing.
    pub fn find_of_client(
        conn: &mut DbConnection,
        client_id: ClientId,
        id: MessageId,
    ) -> QueryResult<Option<Message>> {
        messages::table
            .filter(messages::client_id.eq(client_id))
            .filter(messages::id.eq(id))
            .first(conn)
            .optional()
    }

    /// How many messages the client has not read, counting no further than
    /// `UNREAD_COUNTED` (pages say "99+"): every client page shows the count, and a client
    /// with thousands unread must not pay for counting them all on each.
    pub fn count_unread(conn: &mut DbConnection, client_id: ClientId) -> QueryResult<i64> {
        crate::db::on_engine!(conn, |c| messages::table
            .filter(messages::client_id.eq(client_id))
            .filter(messages::read_at.is_null())
            .select(messages::id)
            .limit(UNREAD_COUNTED)
            .load::<MessageId>(c))
        .map(|ids| ids.len() as i64)
    }

    pub fn mark_read(
        conn: &mut DbConnection,
        id: MessageId,
        at: NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::update(messages::table.find(id).filter(messages::read_at.is_null()))
            .set(messages::read_at.eq(at))
            .execute(conn)
    }
}
