//! The `two_factor` and `recovery_codes` tables: a person's authenticator secret (sealed,
//! see `domain::secrets`) and its single-use recovery codes (hashed).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{recovery_codes, two_factor};
use crate::ids::{EmployeeId, PersonId, RecoveryCodeId, TwoFactorId, UserId};

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = two_factor)]
pub struct TwoFactor {
    pub id: TwoFactorId,
    pub employee_id: Option<EmployeeId>,
    pub user_id: Option<UserId>,
    /// The TOTP secret, sealed with the server's key.
    pub secret: String,
    /// Set once the person typed a first code: until then sign-in does not ask for one.
    pub confirmed_at: Option<NaiveDateTime>,
    /// The time step of the last code accepted; a code of that step or an earlier one is
    /// refused, so a code seen over a shoulder cannot be used again.
    pub last_step: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = recovery_codes)]
pub struct RecoveryCode {
    pub id: RecoveryCodeId,
    pub two_factor_id: TwoFactorId,
    /// A password hash of the code (argon2, as passwords are kept).
    pub code_hash: String,
    pub used_at: Option<NaiveDateTime>,
}

impl TwoFactor {
    /// The person's second factor, confirmed or being set up.
    pub fn of(conn: &mut DbConnection, person: PersonId) -> QueryResult<Option<TwoFactor>> {
        match person {
            PersonId::Employee(id) => two_factor::table
                .filter(two_factor::employee_id.eq(id))
                .first(conn)
                .optional(),
            PersonId::User(id) => two_factor::table
                .filter(two_factor::user_id.eq(id))
                .first(conn)
                .optional(),
        }
    }

    /// Starts (or starts again) setting up: a new unconfirmed secret replaces any earlier
    /// one, which only the caller may do when nothing is confirmed.
    pub fn begin(
        conn: &mut DbConnection,
        person: PersonId,
        sealed_secret: &str,
        now: NaiveDateTime,
    ) -> QueryResult<TwoFactor> {
        Self::remove(conn, person)?;
        let (employee_id, user_id) = match person {
            PersonId::Employee(id) => (Some(id), None),
            PersonId::User(id) => (None, Some(id)),
        };
        diesel::insert_into(two_factor::table)
            .values((
                two_factor::employee_id.eq(employee_id),
                two_factor::user_id.eq(user_id),
                two_factor::secret.eq(sealed_secret),
                two_factor::last_step.eq(0i64),
                two_factor::created_at.eq(now),
            ))
            .returning(two_factor::all_columns)
            .get_result(conn)
    }

    /// Marks it confirmed, taking the step of the code that confirmed it.
    pub fn confirm(
        conn: &mut DbConnection,
        id: TwoFactorId,
        step: i64,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::update(two_factor::table.find(id))
            .set((
                two_factor::confirmed_at.eq(now),
                two_factor::last_step.eq(step),
            ))
            .execute(conn)
            .map(|_| ())
    }

    /// Takes a code's step if it is later than the last one taken; whether it was. One
    /// statement, so two requests with the same code cannot both take it.
    pub fn take_step(conn: &mut DbConnection, id: TwoFactorId, step: i64) -> QueryResult<bool> {
        diesel::update(
            two_factor::table
                .find(id)
                .filter(two_factor::last_step.lt(step)),
        )
        .set(two_factor::last_step.eq(step))
        .execute(conn)
        .map(|n| n == 1)
    }

    /// Turns the second factor off (its recovery codes go with it).
    pub fn remove(conn: &mut DbConnection, person: PersonId) -> QueryResult<usize> {
        match person {
            PersonId::Employee(id) => {
                diesel::delete(two_factor::table.filter(two_factor::employee_id.eq(id)))
                    .execute(conn)
            }
            PersonId::User(id) => {
                diesel::delete(two_factor::table.filter(two_factor::user_id.eq(id))).execute(conn)
            }
        }
    }

    /// Whether the employee has a confirmed second factor.
    pub fn confirmed_for(conn: &mut DbConnection, person: PersonId) -> QueryResult<bool> {
        Ok(Self::of(conn, person)?.is_some_and(|t| t.confirmed_at.is_some()))
    }
}

impl RecoveryCode {
    /// Replaces the codes of a second factor with these hashes.
    pub fn replace(
        conn: &mut DbConnection,
        two_factor_id: TwoFactorId,
        hashes: &[String],
    ) -> QueryResult<()> {
        diesel::delete(
            recovery_codes::table.filter(recovery_codes::two_factor_id.eq(two_factor_id)),
        )
        .execute(conn)?;
        for hash in hashes {
            diesel::insert_into(recovery_codes::table)
                .values((
                    recovery_codes::two_factor_id.eq(two_factor_id),
                    recovery_codes::code_hash.eq(hash),
                ))
                .execute(conn)?;
        }
        Ok(())
    }

    /// The codes not used yet.
    pub fn unused(
        conn: &mut DbConnection,
        two_factor_id: TwoFactorId,
    ) -> QueryResult<Vec<RecoveryCode>> {
        recovery_codes::table
            .filter(recovery_codes::two_factor_id.eq(two_factor_id))
            .filter(recovery_codes::used_at.is_null())
            .order(recovery_codes::id)
            .load(conn)
    }

    /// Uses a code; whether it was still unused (two requests cannot both use it).
    pub fn use_once(
        conn: &mut DbConnection,
        id: RecoveryCodeId,
        now: NaiveDateTime,
    ) -> QueryResult<bool> {
        diesel::update(
            recovery_codes::table
                .find(id)
                .filter(recovery_codes::used_at.is_null()),
        )
        .set(recovery_codes::used_at.eq(now))
        .execute(conn)
        .map(|n| n == 1)
    }
}
