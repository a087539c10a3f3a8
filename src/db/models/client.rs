//! The `clients` table: people and organisations registered in the platform.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::InIdsExt;
use crate::db::schema::clients;
use crate::ids::{ClientId, EmployeeId};

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = clients)]
pub struct Client {
    pub id: ClientId,
    pub name: String,
    /// `person` or `organisation`.
    pub kind: String,
    pub contact_person: String,
    pub phone: String,
    pub country: String,
    pub language: String,
    /// Internal comment of the provider's staff; never shown to the client.
    pub comment: String,
    pub enabled: bool,
    pub registered_by: Option<EmployeeId>,
    pub registration_ip: String,
    #[diesel(deserialize_as = crate::db::SqlTime)]
    pub created_at: NaiveDateTime,
    /// Mass mailings reach the client (it may unsubscribe; notices always reach it).
    pub receives_mailings: bool,
}

/// What a row of the client list shows of a client: read without the columns it does not
/// show, which are most of a client's text.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = clients)]
pub struct ListedClient {
    pub id: ClientId,
    pub name: String,
    pub enabled: bool,
    #[diesel(deserialize_as = crate::db::SqlTime)]
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Default, Insertable)]
#[diesel(table_name = clients)]
pub struct NewClient<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub contact_person: &'a str,
    pub phone: &'a str,
    pub country: &'a str,
    pub language: &'a str,
    pub comment: &'a str,
    pub enabled: bool,
    pub registered_by: Option<EmployeeId>,
    pub registration_ip: &'a str,
    pub created_at: NaiveDateTime,
}

/// What an employee may change on a client.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = clients)]
pub struct ClientChanges<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub contact_person: &'a str,
    pub phone: &'a str,
    pub country: &'a str,
    pub language: &'a str,
    pub comment: &'a str,
    pub registered_by: Option<EmployeeId>,
}

impl Client {
    /// Whether mass mailings reach the client; true when it changed.
    pub fn set_receives_mailings(
        conn: &mut DbConnection,
        id: ClientId,
        receives: bool,
    ) -> QueryResult<bool> {
        diesel::update(
            clients::table
                .find(id)
                .filter(clients::receives_mailings.ne(receives)),
        )
        .set(clients::receives_mailings.eq(receives))
        .execute(conn)
        .map(|n| n == 1)
    }

    pub fn find(conn: &mut DbConnection, id: ClientId) -> QueryResult<Option<Client>> {
        crate::db::on_engine!(conn, |c| clients::table.find(id).first(c).optional())
    }

    pub fn insert(conn: &mut DbConnection, new: &NewClient<'_>) -> QueryResult<Client> {
        diesel::insert_into(clients::table)
            .values(new)
            .returning(clients::all_columns)
            .get_result(conn)
    }

    pub fn update(
        conn: &mut DbConnection,
        id: ClientId,
        changes: &ClientChanges<'_>,
    ) -> QueryResult<Client> {
        diesel::update(clients::table.find(id))
            .set(changes)
            .returning(clients::all_columns)
            .get_result(conn)
    }

    pub fn set_enabled(conn: &mut DbConnection, id: ClientId, enabled: bool) -> QueryResult<usize> {
        diesel::update(clients::table.find(id))
            .set(clients::enabled.eq(enabled))
            .execute(conn)
    }

    pub fn delete(conn: &mut DbConnection, id: ClientId) -> QueryResult<usize> {
        diesel::delete(clients::table.find(id)).execute(conn)
    }

    /// Clients by id, in no particular order.
    pub fn by_ids(conn: &mut DbConnection, ids: &[ClientId]) -> QueryResult<Vec<Client>> {
        crate::db::on_engine!(conn, |c| clients::table
            .filter(clients::id.in_ids(ids.iter().copied()))
            .load(c))
    }

    /// The names of these clients, for a page that shows only who each row belongs to.
    pub fn names_of(
        conn: &mut DbConnection,
        ids: &[ClientId],
    ) -> QueryResult<Vec<(ClientId, String)>> {
        crate::db::on_engine!(conn, |c| clients::table
            .filter(clients::id.in_ids(ids.iter().copied()))
            .select((clients::id, clients::name))
            .load(c))
    }

    pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
        clients::table.count().get_result(conn)
    }

    /// Clients by the month they registered in (see `monthly`).
    pub fn registered_by_month(
        conn: &mut DbConnection,
        ends: &[NaiveDateTime],
    ) -> QueryResult<Vec<super::monthly::MonthPair>> {
        let since = ends.first().map_or(String::new(), |e| {
            format!("created_at >= '{}'", e.format("%Y-%m-%d %H:%M:%S"))
        });
        super::monthly::month_pairs(
            conn,
            "clients",
            "created_at",
            "NULL",
            if since.is_empty() { "TRUE" } else { &since },
            ends,
        )
    }

    pub fn count_since(conn: &mut DbConnection, since: NaiveDateTime) -> QueryResult<i64> {
        clients::table
            .filter(clients::created_at.ge(since))
            .count()
            .get_result(conn)
    }

    /// The newest clients first, served by the `clients_created_at` index.
    pub fn latest(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<Client>> {
        clients::table
            .order((clients::created_at.desc(), clients::id.desc()))
            .limit(limit)
            .load(conn)
    }
}
