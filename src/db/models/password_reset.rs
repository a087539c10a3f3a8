//! The `password_resets` table: single-use links to choose a new password.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::password_resets;
use crate::ids::{EmployeeId, PasswordResetId, PersonId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = password_resets)]
pub struct PasswordReset {
    pub id: PasswordResetId,
    pub token_hash: String,
    pub user_id: Option<UserId>,
    pub employee_id: Option<EmployeeId>,
    pub ip: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = password_resets)]
pub struct NewPasswordReset<'a> {
    pub token_hash: &'a str,
    pub user_id: Option<UserId>,
    pub employee_id: Option<EmployeeId>,
    pub ip: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

impl PasswordReset {
    /// Whose link this is.
    pub fn person(&self) -> Option<PersonId> {
        match (self.user_id, self.employee_id) {
            (Some(user), None) => Some(PersonId::User(user)),
            (None, Some(employee)) => Some(PersonId::Employee(employee)),
            _ => None,
        }
    }

    pub fn insert(conn: &mut DbConnection, new: &NewPasswordReset<'_>) -> QueryResult<()> {
        diesel::insert_into(password_resets::table)
            .values(new)
            .execute(conn)
            .map(|_| ())
    }

    /// The link `token_hash` stands for while it is good: not used, not expired.
    pub fn usable(
        conn: &mut DbConnection,
        token_hash: &str,
        now: NaiveDateTime,
    ) -> QueryResult<Option<PasswordReset>> {
        password_resets::table
            .filter(password_resets::token_hash.eq(token_hash))
            .filter(password_resets::used_at.is_null())
            .filter(password_resets::expires_at.gt(now))
            .select(PasswordReset::as_select())
            .first(conn)
            .optional()
    }

    /// Uses the link: true for the one request that did (a second use, or one racing it,
    /// changes no row).
    pub fn use_once(
        conn: &mut DbConnection,
        id: PasswordResetId,
        now: NaiveDateTime,
    ) -> QueryResult<bool> {
        diesel::update(
            password_resets::table
                .find(id)
                .filter(password_resets::used_at.is_null())
                .filter(password_resets::expires_at.gt(now)),
        )
        .set(password_resets::used_at.eq(now))
        .execute(conn)
        .map(|n| n == 1)
    }

    /// Every other link of the person stops working (its password just changed).
    pub fn void_all_of(
        conn: &mut DbConnection,
        person: PersonId,
        now: NaiveDateTime,
    ) -> QueryResult<usize> {
        let unused = password_resets::table.filter(password_resets::used_at.is_null());
        match person {
            PersonId::User(id) => diesel::update(unused.filter(password_resets::user_id.eq(id)))
                .set(password_resets::used_at.eq(now))
                .execute(conn),
            PersonId::Employee(id) => {
                diesel::update(unused.filter(password_resets::employee_id.eq(id)))
                    .set(password_resets::used_at.eq(now))
                    .execute(conn)
            }
        }
    }

    /// Forgets links that expired a day ago or more.
    pub fn forget_expired(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
        diesel::delete(password_resets::table.filter(password_resets::expires_at.lt(before)))
            .execute(conn)
    }
}
