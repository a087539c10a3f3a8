//! The `currencies` table: ISO 4217 codes with the exponent of their minor unit.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::currencies;
use crate::ids::CurrencyId;

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = currencies)]
pub struct Currency {
    pub id: CurrencyId,
    pub code: String,
    pub name: String,
    /// Digits after the decimal point: 2 for cents and kopecks, 0 for yen.
    pub exponent: i32,
    pub created_at: NaiveDateTime,
}

/// What a new or edited currency holds.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = currencies)]
pub struct CurrencyFields<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub exponent: i32,
}

impl Currency {
    pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Currency>> {
        currencies::table.order(currencies::code).load(conn)
    }

    pub fn find(conn: &mut DbConnection, id: CurrencyId) -> QueryResult<Option<Currency>> {
        currencies::table.find(id).first(conn).optional()
    }

    pub fn find_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Currency>> {
        currencies::table
            .filter(currencies::code.eq(code))
            .first(conn)
            .optional()
    }

    pub fn insert(
        conn: &mut DbConnection,
        fields: &CurrencyFields<'_>,
        now: NaiveDateTime,
    ) -> QueryResult<Currency> {
        diesel::insert_into(currencies::table)
            .values((fields, currencies::created_at.eq(now)))
            .returning(currencies::all_columns)
            .get_result(conn)
    }

    pub fn update(
        conn: &mut DbConnection,
        id: CurrencyId,
        fields: &CurrencyFields<'_>,
    ) -> QueryResult<Currency> {
        diesel::update(currencies::table.find(id))
            .set(fields)
            .returning(currencies::all_columns)
            .get_result(conn)
    }
}
