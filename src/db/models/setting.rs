//! The `settings` table: settings of the whole installation, by key.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::settings;

pub struct Setting;

impl Setting {
    pub fn get(conn: &mut DbConnection, key: &str) -> QueryResult<Option<String>> {
        settings::table
            .find(key)
            .select(settings::value)
            .first(conn)
            .optional()
    }

    /// Sets `key` to `value`, whether or not it was set before.
    pub fn set(conn: &mut DbConnection, key: &str, value: &str) -> QueryResult<()> {
        crate::db::on_engine!(conn, |c| diesel::insert_into(settings::table)
            .values((settings::key.eq(key), settings::value.eq(value)))
            .on_conflict(settings::key)
            .do_update()
            .set(settings::value.eq(value))
            .execute(c))
        .map(|_| ())
    }
}
