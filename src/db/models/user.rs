//! The `users` table: the logins of a client. The owner is the first one and cannot be
//! removed by the client.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::InIdsExt;
use crate::db::schema::users;
use crate::ids::{ClientId, UserId};

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub client_id: ClientId,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub is_owner: bool,
    pub enabled: bool,
    /// No longer read: sessions are rows of their own (`sessions`), ended there.
    pub session_version: i64,
    #[diesel(deserialize_as = crate::db::SqlTime)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::SqlTimeOrNull)]
    pub last_sign_in_at: Option<NaiveDateTime>,
    /// When the address was confirmed by a link mailed to it; `None` while it is not.
    #[diesel(deserialize_as = crate::db::SqlTimeOrNull)]
    pub email_confirmed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub client_id: ClientId,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub is_owner: bool,
    pub enabled: bool,
    pub created_at: NaiveDateTime,
    /// Set when the address was just confirmed (registration, an accepted invitation).
    pub email_confirmed_at: Option<NaiveDateTime>,
}

impl User {
    /// The names of these users, for a page that says who did something.
    pub fn names_of(conn: &mut DbConnection, ids: &[UserId]) -> QueryResult<Vec<(UserId, String)>> {
        crate::db::on_engine!(conn, |c| users::table
            .filter(users::id.in_ids(ids.iter().copied()))
            .select((users::id, users::name))
            .load(c))
    }

    pub fn find(conn: &mut DbConnection, id: UserId) -> QueryResult<Option<User>> {
        crate::db::on_engine!(conn, |c| users::table.find(id).first(c).optional())
    }

    pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
        users::table
            .filter(users::email.eq(email))
            .first(conn)
            .optional()
    }

    /// The user with this email and its client, in one query.
    pub fn find_by_email_with_client(
        conn: &mut DbConnection,
        email: &str,
    ) -> QueryResult<Option<(User, crate::db::models::Client)>> {
        use crate::db::schema::clients;
        users::table
            .inner_join(clients::table)
            .filter(users::email.eq(email))
            .select((users::all_columns, clients::all_columns))
            .first(conn)
            .optional()
    }

    /// The users of a client, owner first.
    pub fn of_client(conn: &mut DbConnection, client_id: ClientId) -> QueryResult<Vec<User>> {
        users::table
            .filter(users::client_id.eq(client_id))
            .order((users::is_owner.desc(), users::name, users::id))
            .load(conn)
    }

    /// The users of a client, each with whether its second factor is on (the client
    /// card), in one query.
    pub fn of_client_with_two_factor(
        conn: &mut DbConnection,
        client_id: ClientId,
    ) -> QueryResult<Vec<(User, bool)>> {
        use crate::db::schema::two_factor;
        use diesel::dsl::exists;
        crate::db::on_engine!(conn, |c| users::table
            .filter(users::client_id.eq(client_id))
            .order((users::is_owner.desc(), users::name, users::id))
            .select((
                users::all_columns,
                exists(
                    two_factor::table
                        .filter(two_factor::user_id.eq(users::id.nullable()))
                        .filter(two_factor::confirmed_at.is_not_null()),
                ),
            ))
            .load(c))
    }

    /// The owner of each of several clients: (client, email).
    pub fn owner_emails(
        conn: &mut DbConnection,
        client_ids: &[ClientId],
    ) -> QueryResult<Vec<(ClientId, String)>> {
        crate::db::on_engine!(conn, |c| users::table
            .filter(users::client_id.in_ids(client_ids.iter().copied()))
            .filter(users::is_owner.eq(true))
            .select((users::client_id, users::email))
            .load(c))
    }

    pub fn owner_of(conn: &mut DbConnection, client_id: ClientId) -> QueryResult<Option<User>> {
        crate::db::on_engine!(conn, |c| users::table
            .filter(users::client_id.eq(client_id))
            .filter(users::is_owner.eq(true))
            .first(c)
            .optional())
    }

    /// Moves the user's sign-in to another email, not confirmed yet; its sessions end.
    pub fn set_email(conn: &mut DbConnection, id: UserId, email: &str) -> QueryResult<usize> {
        use crate::db::models::session::Session;
        use crate::ids::PersonId;
        Session::end_all_of(conn, PersonId::User(id), None, crate::db::now())?;
        diesel::update(users::table.find(id))
            .set((
                users::email.eq(email),
                users::email_confirmed_at.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)
    }

    /// The user's address is not confirmed (it just changed).
    pub fn unconfirm_email(conn: &mut DbConnection, id: UserId) -> QueryResult<usize> {
        diesel::update(users::table.find(id))
            .set(users::email_confirmed_at.eq(None::<NaiveDateTime>))
            .execute(conn)
    }

    /// The address `email` of the user is confirmed, if it is still the user's.
    pub fn confirm_email(
        conn: &mut DbConnection,
        id: UserId,
        email: &str,
        at: NaiveDateTime,
    ) -> QueryResult<bool> {
        diesel::update(users::table.find(id).filter(users::email.eq(email)))
            .set(users::email_confirmed_at.eq(Some(at)))
            .execute(conn)
            .map(|n| n == 1)
    }

    /// Sets email, name and enabled, and the password hash when given (ending sessions is
    /// the caller's: `Session::end_all_of`).
    pub fn update_profile(
        conn: &mut DbConnection,
        id: UserId,
        email: &str,
        name: &str,
        enabled: bool,
        password_hash: Option<&str>,
    ) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set((
                users::email.eq(email),
                users::name.eq(name),
                users::enabled.eq(enabled),
            ))
            .execute(conn)?;
        if let Some(hash) = password_hash {
            diesel::update(users::table.find(id))
                .set(users::password_hash.eq(hash))
                .execute(conn)?;
        }
        Ok(())
    }

    pub fn delete(conn: &mut DbConnection, id: UserId) -> QueryResult<usize> {
        diesel::delete(users::table.find(id)).execute(conn)
    }

    pub fn insert(conn: &mut DbConnection, new: &NewUser<'_>) -> QueryResult<User> {
        diesel::insert_into(users::table)
            .values(new)
            .returning(users::all_columns)
            .get_result(conn)
    }

    pub fn record_sign_in(
        conn: &mut DbConnection,
        id: UserId,
        at: NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set(users::last_sign_in_at.eq(at))
            .execute(conn)
            .map(|_| ())
    }

    /// Enables or disables the user; disabling also ends its sessions.
    pub fn set_enabled(conn: &mut DbConnection, id: UserId, enabled: bool) -> QueryResult<usize> {
        use crate::db::models::session::Session;
        use crate::ids::PersonId;
        if !enabled {
            Session::end_all_of(conn, PersonId::User(id), None, crate::db::now())?;
        }
        diesel::update(users::table.find(id))
            .set(users::enabled.eq(enabled))
            .execute(conn)
    }
}
