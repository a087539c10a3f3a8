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
}

/// A provider with its currency code, for lists and choices.
#[derive(Debug, Clone, Queryable)]
pub struct ProviderChoice {
    pub id: ProviderId,
    pub name: String,
    pub currency_code: String,
}

impl Provider {
    pub fn find(conn: &mut DbConnection, id: ProviderId) -> QueryResult<Option<Provider>> {
        providers::table.find(id).first(conn).optional()
    }

    pub fn choices(conn: &mut DbConnection) -> QueryResult<Vec<ProviderChoice>> {
        providers::table
            .inner_join(currencies::table)
            .order((providers::name, providers::id))
            .select((providers::id, providers::name, currencies::code))
            .load(conn)
    }
}
