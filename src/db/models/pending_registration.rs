//! The `pending_registrations` table: registrations waiting for their address to be
//! confirmed by the link mailed to it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::pending_registrations;
use crate::ids::{PendingRegistrationId, ProviderId};

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = pending_registrations)]
pub struct PendingRegistration {
    pub id: PendingRegistrationId,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub provider_id: ProviderId,
    /// The SHA-256 of the link's token.
    pub token_hash: String,
    pub ip: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = pending_registrations)]
pub struct NewPendingRegistration<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub provider_id: ProviderId,
    pub token_hash: &'a str,
    pub ip: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

impl PendingRegistration {
    pub fn insert(conn: &mut DbConnection, new: &NewPendingRegistration<'_>) -> QueryResult<()> {
        diesel::insert_into(pending_registrations::table)
            .values(new)
            .execute(conn)
            .map(|_| ())
    }

    /// The registration of a link, if it has not expired.
    pub fn by_token(
        conn: &mut DbConnection,
        token_hash: &str,
        now: NaiveDateTime,
    ) -> QueryResult<Option<PendingRegistration>> {
        pending_registrations::table
            .filter(pending_registrations::token_hash.eq(token_hash))
            .filter(pending_registrations::expires_at.gt(now))
            .first(conn)
            .optional()
    }

    /// Forgets every pending registration of an address (one of them was confirmed).
    pub fn remove_for(conn: &mut DbConnection, email: &str) -> QueryResult<usize> {
        diesel::delete(pending_registrations::table.filter(pending_registrations::email.eq(email)))
            .execute(conn)
    }

    /// Forgets the expired ones.
    pub fn forget_expired(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
        diesel::delete(
            pending_registrations::table.filter(pending_registrations::expires_at.le(now)),
        )
        .execute(conn)
    }
}
