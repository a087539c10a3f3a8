//! The `email_confirmations` table: single-use links that confirm a user's address.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::email_confirmations;
use crate::ids::{EmailConfirmationId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = email_confirmations)]
pub struct EmailConfirmation {
    pub id: EmailConfirmationId,
    pub user_id: UserId,
    /// The address the link was sent to.
    pub email: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = email_confirmations)]
pub struct NewEmailConfirmation<'a> {
    pub user_id: UserId,
    pub email: &'a str,
    pub token_hash: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

impl EmailConfirmation {
    pub fn insert(conn: &mut DbConnection, new: &NewEmailConfirmation<'_>) -> QueryResult<()> {
        diesel::insert_into(email_confirmations::table)
            .values(new)
            .execute(conn)
            .map(|_| ())
    }

    /// The link `token_hash` stands for while it is good: not used, not expired.
    pub fn usable(
        conn: &mut DbConnection,
        token_hash: &str,
        now: NaiveDateTime,
    ) -> QueryResult<Option<EmailConfirmation>> {
        email_confirmations::table
            .filter(email_confirmations::token_hash.eq(token_hash))
            .filter(email_confirmations::used_at.is_null())
            .filter(email_confirmations::expires_at.gt(now))
            .select(EmailConfirmation::as_select())
            .first(conn)
            .optional()
    }

    /// Uses the link: true for the one request that did.
    pub fn use_once(
        conn: &mut DbConnection,
        id: EmailConfirmationId,
        now: NaiveDateTime,
    ) -> QueryResult<bool> {
        diesel::update(
            email_confirmations::table
                .find(id)
                .filter(email_confirmations::used_at.is_null())
                .filter(email_confirmations::expires_at.gt(now)),
        )
        .set(email_confirmations::used_at.eq(now))
        .execute(conn)
        .map(|n| n == 1)
    }

    /// The user's other links stop working (a newer one was sent, or the address changed).
    pub fn void_all_of(
        conn: &mut DbConnection,
        user: UserId,
        now: NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::update(
            email_confirmations::table
                .filter(email_confirmations::user_id.eq(user))
                .filter(email_confirmations::used_at.is_null()),
        )
        .set(email_confirmations::used_at.eq(now))
        .execute(conn)
    }

    /// Forgets links that expired before `before`.
    pub fn forget_expired(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
        diesel::delete(
            email_confirmations::table.filter(email_confirmations::expires_at.lt(before)),
        )
        .execute(conn)
    }
}
