//! The `providers` table: the brands services are sold under, each in one currency.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{currencies, providers};
use crate::ids::{CurrencyId, ProviderId};

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = providers)]
pub struct Provider {
    pub id: ProviderId,
    pub name: String,
    pub currency_id: CurrencyId,
    pub notification_email: String,
    pub site_url: String,
    pub time_zone: String,
    pub created_at: NaiveDateTime,
    /// Services suspended for non-payment this many days are deleted.
    pub deletion_days: i32,
    /// Orders are taken only from clients whose owner confirmed the e-mail address.
    pub require_confirmed_email: bool,
    /// The site's provider: visitors who register join it unless they pick another.
    pub registration_default: bool,
    /// Offered by name to visitors who register.
    pub self_service: bool,
}

/// What a new or edited provider holds.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = providers)]
pub struct ProviderFields<'a> {
    pub name: &'a str,
    pub currency_id: CurrencyId,
    pub notification_email: &'a str,
    pub site_url: &'a str,
    pub time_zone: &'a str,
    pub deletion_days: i32,
    pub require_confirmed_email: bool,
    pub registration_default: bool,
    pub self_service: bool,
}

/// A provider with its currency code, for lists and choices.
#[derive(Debug, Clone, Queryable)]
pub struct ProviderChoice {
    pub id: ProviderId,
    pub name: String,
    pub currency_code: String,
}

/// A provider's time zone and currency: what its money figures are read with.
#[derive(Debug, Clone, Queryable)]
pub struct ProviderMoney {
    pub id: ProviderId,
    pub time_zone: String,
    pub currency_code: String,
    pub currency_exponent: i32,
}

impl Provider {
    pub fn zones_and_currencies(conn: &mut DbConnection) -> QueryResult<Vec<ProviderMoney>> {
        providers::table
            .inner_join(currencies::table)
            .order(providers::id)
            .select((
                providers::id,
                providers::time_zone,
                currencies::code,
                currencies::exponent,
            ))
            .load(conn)
    }

    pub fn find(conn: &mut DbConnection, id: ProviderId) -> QueryResult<Option<Provider>> {
        crate::db::on_engine!(conn, |c| providers::table.find(id).first(c).optional())
    }

    pub fn find_by_name(conn: &mut DbConnection, name: &str) -> QueryResult<Option<Provider>> {
        providers::table
            .filter(providers::name.eq(name))
            .first(conn)
            .optional()
    }

    pub fn insert(
        conn: &mut DbConnection,
        fields: &ProviderFields<'_>,
        now: chrono::NaiveDateTime,
    ) -> QueryResult<Provider> {
        diesel::insert_into(providers::table)
            .values((fields, providers::created_at.eq(now)))
            .returning(providers::all_columns)
            .get_result(conn)
    }

    pub fn update(
        conn: &mut DbConnection,
        id: ProviderId,
        fields: &ProviderFields<'_>,
    ) -> QueryResult<Provider> {
        diesel::update(providers::table.find(id))
            .set(fields)
            .returning(providers::all_columns)
            .get_result(conn)
    }

    /// Whether any provider sells in this currency.
    pub fn uses_currency(conn: &mut DbConnection, currency_id: CurrencyId) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            providers::table.filter(providers::currency_id.eq(currency_id)),
        ))
        .get_result(conn)
    }

    /// Every provider with its currency's code, by name.
    pub fn all_with_currency(conn: &mut DbConnection) -> QueryResult<Vec<(Provider, String)>> {
        providers::table
            .inner_join(currencies::table)
            .order((providers::name, providers::id))
            .select((providers::all_columns, currencies::code))
            .load(conn)
    }

    /// The providers a visitor may register with, the site's first: the one marked
    /// `registration_default` (else the oldest) and those marked `self_service`.
    pub fn for_registration(conn: &mut DbConnection) -> QueryResult<Vec<ProviderChoice>> {
        let all: Vec<(ProviderId, String, String, bool, bool)> = providers::table
            .inner_join(currencies::table)
            .order(providers::id)
            .select((
                providers::id,
                providers::name,
                currencies::code,
                providers::registration_default,
                providers::self_service,
            ))
            .load(conn)?;
        let site = all.iter().find(|p| p.3).or(all.first()).map(|p| p.0);
        let mut offered: Vec<ProviderChoice> = Vec::new();
        for (id, name, currency_code, _, self_service) in all {
            let choice = ProviderChoice {
                id,
                name,
                currency_code,
            };
            if Some(id) == site {
                offered.insert(0, choice);
            } else if self_service {
                offered.push(choice);
            }
        }
        Ok(offered)
    }

    /// Makes no provider but `keep` the site's (one is, at most: a unique index says so).
    pub fn clear_registration_default(
        conn: &mut DbConnection,
        keep: Option<ProviderId>,
    ) -> QueryResult<()> {
        let others = providers::table
            .filter(providers::registration_default.eq(true))
            .filter(providers::id.ne(keep.unwrap_or(ProviderId(0))));
        diesel::update(others)
            .set(providers::registration_default.eq(false))
            .execute(conn)
            .map(|_| ())
    }

    pub fn choices(conn: &mut DbConnection) -> QueryResult<Vec<ProviderChoice>> {
        providers::table
            .inner_join(currencies::table)
            .order((providers::name, providers::id))
            .select((providers::id, providers::name, currencies::code))
            .load(conn)
    }
}
