//! The `money_figures` table: money received and refunded per provider, by day and by month
//! in the provider's time zone. `LedgerEntry::post` adds each payment and refund to its day
//! and its month in the entry's transaction, so the figures are exactly the ledger's;
//! [`MoneyFigure::rebuild`] writes them again from the ledger (the first start after the
//! table was added, and seed-demo, which writes its ledger in bulk).

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone};
use diesel::prelude::*;
use diesel::upsert::excluded;

use crate::db::schema::{accounts, ledger_entries, money_figures, providers};
use crate::db::{DbConnection, InIdsExt};
use crate::ids::{AccountId, ProviderId};

pub const DAY: &str = "day";
pub const MONTH: &str = "month";

/// The ledger entry kinds counted here.
const PAYMENT: &str = "payment";
const REFUND: &str = "refund";

/// One provider's money over a day or a month.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = money_figures)]
pub struct MoneyFigure {
    pub provider_id: ProviderId,
    pub span: String,
    pub starts: NaiveDate,
    /// Received, in the currency's minor units, and how many payments.
    pub received: i64,
    pub payments: i64,
    /// Refunded (a positive amount), and how many refunds.
    pub refunded: i64,
    pub refunds: i64,
}

/// What some ledger entries add to a figure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Sums {
    received: i64,
    payments: i64,
    refunded: i64,
    refunds: i64,
}

impl Sums {
    /// What one entry adds; none for entries that are neither payments nor refunds.
    fn of(kind: &str, amount: i64) -> Option<Sums> {
        match kind {
            PAYMENT => Some(Sums {
                received: amount,
                payments: 1,
                ..Sums::default()
            }),
            REFUND => Some(Sums {
                refunded: -amount,
                refunds: 1,
                ..Sums::default()
            }),
            _ => None,
        }
    }

    fn add(&mut self, other: Sums) {
        self.received += other.received;
        self.payments += other.payments;
        self.refunded += other.refunded;
        self.refunds += other.refunds;
    }
}

/// The day an instant falls on in time zone `zone` (UTC when the name is unknown).
fn local_day(zone: &str, at: NaiveDateTime) -> NaiveDate {
    let zone: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::Tz::UTC);
    zone.from_utc_datetime(&at).date_naive()
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

impl MoneyFigure {
    /// Adds a ledger entry to its provider's day and month, in the caller's transaction;
    /// entries other than payments and refunds change nothing.
    pub fn add_entry(
        conn: &mut DbConnection,
        account: AccountId,
        kind: &str,
        amount: i64,
        at: NaiveDateTime,
    ) -> QueryResult<()> {
        let Some(sums) = Sums::of(kind, amount) else {
            return Ok(());
        };
        let (provider, zone): (ProviderId, String) = accounts::table
            .inner_join(providers::table)
            .filter(accounts::id.eq(account))
            .select((accounts::provider_id, providers::time_zone))
            .first(conn)?;
        let day = local_day(&zone, at);
        Self::add(conn, provider, DAY, day, sums)?;
        Self::add(conn, provider, MONTH, first_of_month(day), sums)
    }

    /// A figure's row to insert.
    #[allow(clippy::type_complexity)]
    fn row(
        provider: ProviderId,
        span: &str,
        starts: NaiveDate,
        sums: Sums,
    ) -> (
        diesel::dsl::Eq<money_figures::provider_id, ProviderId>,
        diesel::dsl::Eq<money_figures::span, &str>,
        diesel::dsl::Eq<money_figures::starts, NaiveDate>,
        diesel::dsl::Eq<money_figures::received, i64>,
        diesel::dsl::Eq<money_figures::payments, i64>,
        diesel::dsl::Eq<money_figures::refunded, i64>,
        diesel::dsl::Eq<money_figures::refunds, i64>,
    ) {
        (
            money_figures::provider_id.eq(provider),
            money_figures::span.eq(span),
            money_figures::starts.eq(starts),
            money_figures::received.eq(sums.received),
            money_figures::payments.eq(sums.payments),
            money_figures::refunded.eq(sums.refunded),
            money_figures::refunds.eq(sums.refunds),
        )
    }

    fn add(
        conn: &mut DbConnection,
        provider: ProviderId,
        span: &str,
        starts: NaiveDate,
        sums: Sums,
    ) -> QueryResult<()> {
        let row = Self::row(provider, span, starts, sums);
        crate::db::on_engine!(conn, |c| diesel::insert_into(money_figures::table)
            .values(row)
            .on_conflict((
                money_figures::provider_id,
                money_figures::span,
                money_figures::starts
            ))
            .do_update()
            .set((
                money_figures::received
                    .eq(money_figures::received + excluded(money_figures::received)),
                money_figures::payments
                    .eq(money_figures::payments + excluded(money_figures::payments)),
                money_figures::refunded
                    .eq(money_figures::refunded + excluded(money_figures::refunded)),
                money_figures::refunds
                    .eq(money_figures::refunds + excluded(money_figures::refunds)),
            ))
            .execute(c))
        .map(|_| ())
    }

    /// The figures of `providers` over days starting on or after `days_from` and over
    /// months starting on or after `months_from`, in one query.
    pub fn since(
        conn: &mut DbConnection,
        providers: &[ProviderId],
        days_from: NaiveDate,
        months_from: NaiveDate,
    ) -> QueryResult<Vec<MoneyFigure>> {
        // Kept prepared: one IN bind, and no multi-backend layer (the dashboard's every view).
        crate::db::on_engine!(conn, |c| money_figures::table
            .filter(money_figures::provider_id.in_ids(providers.iter().copied()))
            .filter(
                money_figures::span
                    .eq(DAY)
                    .and(money_figures::starts.ge(days_from))
                    .or(money_figures::span
                        .eq(MONTH)
                        .and(money_figures::starts.ge(months_from))),
            )
            .select(MoneyFigure::as_select())
            .load(c))
    }

    /// No figures while the ledger has payments: the table is new, or was never built
    /// after the ledger was written in bulk.
    pub fn missing(conn: &mut DbConnection) -> QueryResult<bool> {
        let figures: i64 = money_figures::table.count().get_result(conn)?;
        if figures > 0 {
            return Ok(false);
        }
        diesel::select(diesel::dsl::exists(
            ledger_entries::table.filter(ledger_entries::kind.eq_any([PAYMENT, REFUND])),
        ))
        .get_result(conn)
    }

    /// Writes every figure again from the ledger, in the caller's transaction. The entries
    /// are read one at a time, so a ledger of millions does not sit in memory.
    pub fn rebuild(conn: &mut DbConnection) -> QueryResult<usize> {
        let mut sums: HashMap<(ProviderId, &'static str, NaiveDate), Sums> = HashMap::new();
        let mut zones: HashMap<ProviderId, String> = providers::table
            .select((providers::id, providers::time_zone))
            .load::<(ProviderId, String)>(conn)?
            .into_iter()
            .collect();
        let query = ledger_entries::table
            .inner_join(accounts::table)
            .filter(ledger_entries::kind.eq_any([PAYMENT, REFUND]))
            .select((
                accounts::provider_id,
                ledger_entries::kind,
                ledger_entries::amount,
                ledger_entries::created_at,
            ));
        let mut count = |(provider, kind, amount, at): (ProviderId, String, i64, NaiveDateTime)| {
            let Some(entry) = Sums::of(&kind, amount) else {
                return;
            };
            let zone = zones.entry(provider).or_insert_with(|| "UTC".into());
            let day = local_day(zone, at);
            sums.entry((provider, DAY, day)).or_default().add(entry);
            sums.entry((provider, MONTH, first_of_month(day)))
                .or_default()
                .add(entry);
        };
        type Row = (ProviderId, String, i64, NaiveDateTime);
        match conn {
            DbConnection::Sqlite(c) => {
                for row in query.load_iter::<Row, diesel::connection::DefaultLoadingMode>(c)? {
                    count(row?);
                }
            }
            DbConnection::Postgresql(c) => {
                for row in query.load_iter::<Row, diesel::pg::PgRowByRowLoadingMode>(c)? {
                    count(row?);
                }
            }
        }
        diesel::delete(money_figures::table).execute(conn)?;
        let rows: Vec<_> = sums
            .into_iter()
            .map(|((provider, span, starts), s)| Self::row(provider, span, starts, s))
            .collect();
        for chunk in rows.chunks(1000) {
            crate::db::on_engine!(conn, |c| diesel::insert_into(money_figures::table)
                .values(chunk)
                .execute(c))?;
        }
        Ok(rows.len())
    }

    /// Every figure, for comparing with a rebuild.
    pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<MoneyFigure>> {
        money_figures::table
            .order((
                money_figures::provider_id,
                money_figures::span,
                money_figures::starts,
            ))
            .select(MoneyFigure::as_select())
            .load(conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payment_late_in_the_evening_in_utc_counts_on_the_next_day_in_moscow() {
        let at = NaiveDate::from_ymd_opt(2026, 12, 31)
            .unwrap()
            .and_hms_opt(22, 30, 0)
            .unwrap();
        assert_eq!(
            local_day("Europe/Moscow", at),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
        assert_eq!(local_day("UTC", at), at.date());
        assert_eq!(local_day("Not/AZone", at), at.date());
        assert_eq!(
            first_of_month(local_day("Europe/Moscow", at)),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
    }

    #[test]
    fn refunds_count_as_positive_amounts_and_other_entries_not_at_all() {
        assert_eq!(
            Sums::of("refund", -500),
            Some(Sums {
                refunded: 500,
                refunds: 1,
                ..Sums::default()
            })
        );
        assert_eq!(Sums::of("expense", -500), None);
        assert_eq!(Sums::of("correction", 500), None);
    }
}
