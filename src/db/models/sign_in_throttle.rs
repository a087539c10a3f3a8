//! The `sign_in_throttles` table: failed sign-ins counted per account and per address.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::sign_in_throttles;

#[derive(Debug, Clone, Queryable)]
pub struct SignInThrottle {
    pub key: String,
    pub failures: i32,
    pub first_failed_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
}

impl SignInThrottle {
    pub fn find(conn: &mut DbConnection, key: &str) -> QueryResult<Option<SignInThrottle>> {
        sign_in_throttles::table.find(key).first(conn).optional()
    }

    /// Counts one failure for `key` in one statement, so parallel attempts each count:
    /// a failure after `window_start` adds one, an older count starts again at one. Locks the
    /// key until `lock_until` when the count reaches `limit`. Returns the row as it is now.
    pub fn count_failure(
        conn: &mut DbConnection,
        key: &str,
        now: NaiveDateTime,
        window_start: NaiveDateTime,
        limit: i32,
        lock_until: NaiveDateTime,
    ) -> QueryResult<SignInThrottle> {
        use diesel::sql_types::{Text, Timestamp};
        // The same statement on both engines but for the placeholders.
        const UPSERT: &str = "INSERT INTO sign_in_throttles (key, failures, first_failed_at, locked_until) \
             VALUES ($1, 1, $2, NULL) \
             ON CONFLICT (key) DO UPDATE SET \
               failures = CASE WHEN sign_in_throttles.first_failed_at > $3 \
                          THEN sign_in_throttles.failures + 1 ELSE 1 END, \
               first_failed_at = CASE WHEN sign_in_throttles.first_failed_at > $3 \
                          THEN sign_in_throttles.first_failed_at ELSE $2 END";
        macro_rules! run {
            ($c:expr, $sql:expr) => {
                diesel::sql_query($sql)
                    .bind::<Text, _>(key)
                    .bind::<Timestamp, _>(now)
                    .bind::<Timestamp, _>(window_start)
                    .execute($c)
            };
        }
        match conn {
            DbConnection::Postgresql(c) => run!(c, UPSERT)?,
            DbConnection::Sqlite(c) => run!(c, UPSERT.replace('$', "?"))?,
        };
        diesel::update(
            sign_in_throttles::table
                .find(key)
                .filter(sign_in_throttles::failures.ge(limit))
                .filter(
                    sign_in_throttles::locked_until
                        .is_null()
                        .or(sign_in_throttles::locked_until.lt(now)),
                ),
        )
        .set(sign_in_throttles::locked_until.eq(lock_until))
        .execute(conn)?;
        sign_in_throttles::table.find(key).first(conn)
    }

    /// Removes counts whose window and lock have both passed.
    pub fn forget_before(
        conn: &mut DbConnection,
        window_start: NaiveDateTime,
        now: NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::delete(
            sign_in_throttles::table
                .filter(sign_in_throttles::first_failed_at.lt(window_start))
                .filter(
                    sign_in_throttles::locked_until
                        .is_null()
                        .or(sign_in_throttles::locked_until.lt(now)),
                ),
        )
        .execute(conn)
    }

    pub fn clear(conn: &mut DbConnection, key: &str) -> QueryResult<()> {
        diesel::delete(sign_in_throttles::table.find(key))
            .execute(conn)
            .map(|_| ())
    }
}
