//! The `sign_in_throttles` table: failed sign-ins counted per account and per address.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::sign_in_throttles;

#[derive(Debug, Clone, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = sign_in_throttles)]
#[diesel(treat_none_as_null = true)]
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

    pub fn save(conn: &mut DbConnection, row: &SignInThrottle) -> QueryResult<()> {
        let updated = diesel::update(sign_in_throttles::table.find(&row.key))
            .set(row)
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(sign_in_throttles::table)
                .values(row)
                .execute(conn)?;
        }
        Ok(())
    }

    pub fn clear(conn: &mut DbConnection, key: &str) -> QueryResult<()> {
        diesel::delete(sign_in_throttles::table.find(key))
            .execute(conn)
            .map(|_| ())
    }
}
