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

impl Currency {
    pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Currency>> {
        currencies::table.order(currencies::code).load(conn)
    }
}
