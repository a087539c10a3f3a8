//! The `user_invitations` table: a client's invitation of another user, by email.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::user_invitations;
use crate::ids::{ClientId, InvitationId, UserId};

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = user_invitations)]
pub struct Invitation {
    pub id: InvitationId,
    pub client_id: ClientId,
    pub email: String,
    pub name: String,
    /// The client-area sections the user gets, comma-separated keys.
    pub sections: String,
    /// The SHA-256 of the link's token.
    pub token_hash: String,
    pub invited_by: Option<UserId>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = user_invitations)]
pub struct NewInvitation<'a> {
    pub client_id: ClientId,
    pub email: &'a str,
    pub name: &'a str,
    pub sections: &'a str,
    pub token_hash: &'a str,
    pub invited_by: Option<UserId>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

impl Invitation {
    pub fn insert(conn: &mut DbConnection, new: &NewInvitation<'_>) -> QueryResult<Invitation> {
        diesel::insert_into(user_invitations::table)
            .values(new)
            .returning(user_invitations::all_columns)
            .get_result(conn)
    }

    /// The client's invitations not accepted yet, newest first (expired ones included, to
    /// be sent again or cancelled).
    pub fn open_of_client(
        conn: &mut DbConnection,
        client: ClientId,
    ) -> QueryResult<Vec<Invitation>> {
        user_invitations::table
            .filter(user_invitations::client_id.eq(client))
            .filter(user_invitations::accepted_at.is_null())
            .order(user_invitations::id.desc())
            .load(conn)
    }

    /// An invitation of the client, accepted or not; another client's is `None`.
    pub fn find_of_client(
        conn: &mut DbConnection,
        client: ClientId,
        id: InvitationId,
    ) -> QueryResult<Option<Invitation>> {
        user_invitations::table
            .filter(user_invitations::client_id.eq(client))
            .filter(user_invitations::id.eq(id))
            .first(conn)
            .optional()
    }

    /// The open invitation of a link, if it has not expired.
    pub fn by_token(
        conn: &mut DbConnection,
        token_hash: &str,
        now: NaiveDateTime,
    ) -> QueryResult<Option<Invitation>> {
        user_invitations::table
            .filter(user_invitations::token_hash.eq(token_hash))
            .filter(user_invitations::accepted_at.is_null())
            .filter(user_invitations::expires_at.gt(now))
            .first(conn)
            .optional()
    }

    /// Marks it accepted; whether it was still open (two clicks make one user).
    pub fn accept(
        conn: &mut DbConnection,
        id: InvitationId,
        now: NaiveDateTime,
    ) -> QueryResult<bool> {
        diesel::update(
            user_invitations::table
                .find(id)
                .filter(user_invitations::accepted_at.is_null()),
        )
        .set(user_invitations::accepted_at.eq(now))
        .execute(conn)
        .map(|n| n == 1)
    }

    /// Withdraws the client's open invitations of an address (a new one replaces them, or
    /// the client cancels).
    pub fn withdraw(conn: &mut DbConnection, client: ClientId, email: &str) -> QueryResult<usize> {
        diesel::delete(
            user_invitations::table
                .filter(user_invitations::client_id.eq(client))
                .filter(user_invitations::email.eq(email))
                .filter(user_invitations::accepted_at.is_null()),
        )
        .execute(conn)
    }
}
