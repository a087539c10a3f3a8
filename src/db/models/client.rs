//! The `clients` table: people and organisations registered in the platform.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::clients;
use crate::ids::{ClientId, EmployeeId};

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = clients)]
pub struct Client {
    pub id: ClientId,
    pub name: String,
    pub kind: String,
    pub country: String,
    pub language: String,
    /// Internal comment of the provider's staff; never shown to the client.
    pub comment: String,
    pub enabled: bool,
    pub registered_by: Option<EmployeeId>,
    pub registration_ip: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = clients)]
pub struct NewClient<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub language: &'a str,
    pub enabled: bool,
    pub registered_by: Option<EmployeeId>,
    pub registration_ip: &'a str,
    pub created_at: NaiveDateTime,
}

impl Client {
    pub fn find(conn: &mut DbConnection, id: ClientId) -> QueryResult<Option<Client>> {
        clients::table.find(id).first(conn).optional()
    }

    pub fn insert(conn: &mut DbConnection, new: &NewClient<'_>) -> QueryResult<Client> {
        diesel::insert_into(clients::table)
            .values(new)
            .returning(clients::all_columns)
            .get_result(conn)
    }

    pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
        clients::table.count().get_result(conn)
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
