//! The `client_groups` table and membership: groups of clients for filtering, discounts
//! and mailings.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{client_group_members, client_groups, clients};
use crate::ids::{ClientGroupId, ClientId};

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = client_groups)]
pub struct ClientGroup {
    pub id: ClientGroupId,
    pub name: String,
    pub description: String,
    /// Discount in basis points: 1250 is 12.50 %.
    pub discount_bp: i32,
    pub created_at: NaiveDateTime,
    /// Members may suspend and resume their own services.
    pub clients_may_suspend: bool,
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = client_groups)]
pub struct ClientGroupFields<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub discount_bp: i32,
    pub clients_may_suspend: bool,
}

impl ClientGroup {
    pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<ClientGroup>> {
        crate::db::on_engine!(conn, |c| client_groups::table
            .order((client_groups::name, client_groups::id))
            .load(c))
    }

    pub fn find(conn: &mut DbConnection, id: ClientGroupId) -> QueryResult<Option<ClientGroup>> {
        client_groups::table.find(id).first(conn).optional()
    }

    pub fn find_by_name(conn: &mut DbConnection, name: &str) -> QueryResult<Option<ClientGroup>> {
        client_groups::table
            .filter(client_groups::name.eq(name))
            .first(conn)
            .optional()
    }

    pub fn insert(
        conn: &mut DbConnection,
        fields: &ClientGroupFields<'_>,
        now: NaiveDateTime,
    ) -> QueryResult<ClientGroup> {
        diesel::insert_into(client_groups::table)
            .values((fields, client_groups::created_at.eq(now)))
            .returning(client_groups::all_columns)
            .get_result(conn)
    }

    pub fn update(
        conn: &mut DbConnection,
        id: ClientGroupId,
        fields: &ClientGroupFields<'_>,
    ) -> QueryResult<ClientGroup> {
        diesel::update(client_groups::table.find(id))
            .set(fields)
            .returning(client_groups::all_columns)
            .get_result(conn)
    }

    pub fn delete(conn: &mut DbConnection, id: ClientGroupId) -> QueryResult<usize> {
        diesel::delete(client_groups::table.find(id)).execute(conn)
    }

    /// (group, number of members) for every group.
    pub fn member_counts(conn: &mut DbConnection) -> QueryResult<Vec<(ClientGroupId, i64)>> {
        client_group_members::table
            .group_by(client_group_members::client_group_id)
            .select((
                client_group_members::client_group_id,
                diesel::dsl::count_star(),
            ))
            .load(conn)
    }

    /// The group's members by id, newest first, at most `limit`.
    pub fn members(
        conn: &mut DbConnection,
        id: ClientGroupId,
        limit: i64,
    ) -> QueryResult<Vec<(ClientId, String)>> {
        client_group_members::table
            .inner_join(clients::table)
            .filter(client_group_members::client_group_id.eq(id))
            .order(clients::id.desc())
            .limit(limit)
            .select((clients::id, clients::name))
            .load(conn)
    }

    pub fn groups_of(
        conn: &mut DbConnection,
        client_id: ClientId,
    ) -> QueryResult<Vec<ClientGroup>> {
        crate::db::on_engine!(conn, |c| client_groups::table
            .inner_join(client_group_members::table)
            .filter(client_group_members::client_id.eq(client_id))
            .order(client_groups::name)
            .select(client_groups::all_columns)
            .load(c))
    }

    /// Adds clients not in the group yet; returns how many were added.
    pub fn add_members(
        conn: &mut DbConnection,
        id: ClientGroupId,
        client_ids: &[ClientId],
    ) -> QueryResult<usize> {
        let present: Vec<ClientId> = client_group_members::table
            .filter(client_group_members::client_group_id.eq(id))
            .filter(client_group_members::client_id.eq_any(client_ids))
            .select(client_group_members::client_id)
            .load(conn)?;
        let mut added = 0;
        for client_id in client_ids.iter().filter(|c| !present.contains(c)) {
            added += diesel::insert_into(client_group_members::table)
                .values((
                    client_group_members::client_group_id.eq(id),
                    client_group_members::client_id.eq(*client_id),
                ))
                .execute(conn)?;
        }
        Ok(added)
    }

    pub fn remove_member(
        conn: &mut DbConnection,
        id: ClientGroupId,
        client_id: ClientId,
    ) -> QueryResult<usize> {
        diesel::delete(
            client_group_members::table
                .filter(client_group_members::client_group_id.eq(id))
                .filter(client_group_members::client_id.eq(client_id)),
        )
        .execute(conn)
    }
}
