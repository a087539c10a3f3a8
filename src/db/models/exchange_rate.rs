//! The `exchange_rates` table: on a date, one unit of a currency costs `rate` units of the
//! quote currency. Rates are decimals stored as text so both engines keep them exact.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{currencies, exchange_rates};
use crate::ids::{CurrencyId, ExchangeRateId};

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = exchange_rates)]
pub struct ExchangeRate {
    pub id: ExchangeRateId,
    pub currency_id: CurrencyId,
    pub quote_currency_id: CurrencyId,
    pub rate_date: NaiveDate,
    pub rate: String,
    pub created_at: NaiveDateTime,
}

/// A rate with the quote currency's code, for lists.
#[derive(Debug, Clone, Queryable)]
pub struct RateRow {
    pub id: ExchangeRateId,
    pub rate_date: NaiveDate,
    pub rate: String,
    pub quote_code: String,
}

impl ExchangeRate {
    pub fn find(
        conn: &mut DbConnection,
        currency_id: CurrencyId,
        quote_currency_id: CurrencyId,
        rate_date: NaiveDate,
    ) -> QueryResult<Option<ExchangeRate>> {
        exchange_rates::table
            .filter(exchange_rates::currency_id.eq(currency_id))
            .filter(exchange_rates::quote_currency_id.eq(quote_currency_id))
            .filter(exchange_rates::rate_date.eq(rate_date))
            .first(conn)
            .optional()
    }

    /// Sets the rate of a day, replacing one entered before for the same day and pair.
    pub fn set(
        conn: &mut DbConnection,
        currency_id: CurrencyId,
        quote_currency_id: CurrencyId,
        rate_date: NaiveDate,
        rate: &str,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        let updated = diesel::update(
            exchange_rates::table
                .filter(exchange_rates::currency_id.eq(currency_id))
                .filter(exchange_rates::quote_currency_id.eq(quote_currency_id))
                .filter(exchange_rates::rate_date.eq(rate_date)),
        )
        .set(exchange_rates::rate.eq(rate))
        .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(exchange_rates::table)
                .values((
                    exchange_rates::currency_id.eq(currency_id),
                    exchange_rates::quote_currency_id.eq(quote_currency_id),
                    exchange_rates::rate_date.eq(rate_date),
                    exchange_rates::rate.eq(rate),
                    exchange_rates::created_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(())
    }

    /// The latest rates of a currency, newest first.
    pub fn latest_of(
        conn: &mut DbConnection,
        currency_id: CurrencyId,
        limit: i64,
    ) -> QueryResult<Vec<RateRow>> {
        exchange_rates::table
            .inner_join(currencies::table.on(currencies::id.eq(exchange_rates::quote_currency_id)))
            .filter(exchange_rates::currency_id.eq(currency_id))
            .order((exchange_rates::rate_date.desc(), currencies::code))
            .limit(limit)
            .select((
                exchange_rates::id,
                exchange_rates::rate_date,
                exchange_rates::rate,
                currencies::code,
            ))
            .load(conn)
    }
}
