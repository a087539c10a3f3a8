//! The `product_types`, `tariffs` and `tariff_hidden_groups` tables: what is sold.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{
    client_group_members, currencies, product_types, providers, tariff_hidden_groups, tariffs,
};
use crate::db::{DbConnection, MultiBackend};
use crate::ids::{ClientGroupId, ClientId, ProductTypeId, ProviderId, TariffId};

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = product_types)]
pub struct ProductType {
    pub id: ProductTypeId,
    pub name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = tariffs)]
pub struct Tariff {
    pub id: TariffId,
    pub provider_id: ProviderId,
    pub product_type_id: ProductTypeId,
    pub name: String,
    pub description: String,
    /// Minor units of the provider's currency, per period; `None`: period not offered.
    pub price_1: Option<i64>,
    pub price_3: Option<i64>,
    pub price_6: Option<i64>,
    pub price_12: Option<i64>,
    pub setup_fee: i64,
    pub orderable: bool,
    pub per_client_limit: Option<i32>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = tariffs)]
#[diesel(treat_none_as_null = true)]
pub struct TariffFields<'a> {
    pub product_type_id: ProductTypeId,
    pub name: &'a str,
    pub description: &'a str,
    pub price_1: Option<i64>,
    pub price_3: Option<i64>,
    pub price_6: Option<i64>,
    pub price_12: Option<i64>,
    pub setup_fee: i64,
    pub orderable: bool,
    pub per_client_limit: Option<i32>,
}

/// A tariff with its type's name, provider's name and currency, for lists.
#[derive(Debug, Clone, Queryable)]
pub struct TariffRow {
    pub tariff: Tariff,
    pub type_name: String,
    pub provider_name: String,
    pub currency_code: String,
    pub currency_exponent: i32,
}

impl ProductType {
    pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<ProductType>> {
        product_types::table.order(product_types::name).load(conn)
    }

    pub fn find(conn: &mut DbConnection, id: ProductTypeId) -> QueryResult<Option<ProductType>> {
        product_types::table.find(id).first(conn).optional()
    }

    pub fn insert(
        conn: &mut DbConnection,
        name: &str,
        now: NaiveDateTime,
    ) -> QueryResult<ProductType> {
        diesel::insert_into(product_types::table)
            .values((
                product_types::name.eq(name),
                product_types::created_at.eq(now),
            ))
            .returning(product_types::all_columns)
            .get_result(conn)
    }
}

impl Tariff {
    pub fn find(conn: &mut DbConnection, id: TariffId) -> QueryResult<Option<Tariff>> {
        tariffs::table.find(id).first(conn).optional()
    }

    pub fn rows(conn: &mut DbConnection) -> QueryResult<Vec<TariffRow>> {
        Self::rows_where(conn, None)
    }

    /// The orderable tariffs of these providers, for an order page.
    pub fn orderable_of_providers(
        conn: &mut DbConnection,
        providers: &[ProviderId],
    ) -> QueryResult<Vec<TariffRow>> {
        Self::rows_where(conn, Some(providers))
    }

    /// The tariffs hidden from any group the client is in.
    pub fn hidden_from_client(
        conn: &mut DbConnection,
        client: ClientId,
    ) -> QueryResult<Vec<TariffId>> {
        tariff_hidden_groups::table
            .inner_join(client_group_members::table.on(
                client_group_members::client_group_id.eq(tariff_hidden_groups::client_group_id),
            ))
            .filter(client_group_members::client_id.eq(client))
            .select(tariff_hidden_groups::tariff_id)
            .distinct()
            .load(conn)
    }

    fn rows_where(
        conn: &mut DbConnection,
        orderable_of: Option<&[ProviderId]>,
    ) -> QueryResult<Vec<TariffRow>> {
        let mut query = tariffs::table
            .inner_join(product_types::table)
            .inner_join(providers::table.inner_join(currencies::table))
            .into_boxed::<MultiBackend>();
        if let Some(providers) = orderable_of {
            query = query
                .filter(tariffs::provider_id.eq_any(providers.to_vec()))
                .filter(tariffs::orderable.eq(true));
        }
        query
            .order((product_types::name, providers::name, tariffs::name))
            .select((
                tariffs::all_columns,
                product_types::name,
                providers::name,
                currencies::code,
                currencies::exponent,
            ))
            .load::<(Tariff, String, String, String, i32)>(conn)
            .map(|rows| {
                rows.into_iter()
                    .map(
                        |(tariff, type_name, provider_name, currency_code, currency_exponent)| {
                            TariffRow {
                                tariff,
                                type_name,
                                provider_name,
                                currency_code,
                                currency_exponent,
                            }
                        },
                    )
                    .collect()
            })
    }

    pub fn insert(
        conn: &mut DbConnection,
        provider: ProviderId,
        fields: &TariffFields<'_>,
        now: NaiveDateTime,
    ) -> QueryResult<Tariff> {
        diesel::insert_into(tariffs::table)
            .values((
                tariffs::provider_id.eq(provider),
                fields,
                tariffs::created_at.eq(now),
            ))
            .returning(tariffs::all_columns)
            .get_result(conn)
    }

    pub fn update(
        conn: &mut DbConnection,
        id: TariffId,
        fields: &TariffFields<'_>,
    ) -> QueryResult<Tariff> {
        diesel::update(tariffs::table.find(id))
            .set(fields)
            .returning(tariffs::all_columns)
            .get_result(conn)
    }

    pub fn hidden_groups(conn: &mut DbConnection, id: TariffId) -> QueryResult<Vec<ClientGroupId>> {
        tariff_hidden_groups::table
            .filter(tariff_hidden_groups::tariff_id.eq(id))
            .select(tariff_hidden_groups::client_group_id)
            .load(conn)
    }

    pub fn set_hidden_groups(
        conn: &mut DbConnection,
        id: TariffId,
        groups: &[ClientGroupId],
    ) -> QueryResult<()> {
        diesel::delete(tariff_hidden_groups::table.filter(tariff_hidden_groups::tariff_id.eq(id)))
            .execute(conn)?;
        for group in groups {
            diesel::insert_into(tariff_hidden_groups::table)
                .values((
                    tariff_hidden_groups::tariff_id.eq(id),
                    tariff_hidden_groups::client_group_id.eq(*group),
                ))
                .execute(conn)?;
        }
        Ok(())
    }
}
