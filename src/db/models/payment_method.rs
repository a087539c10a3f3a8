//! The `payment_methods` table and its lists of providers served and client groups it is
//! hidden from.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{
    client_group_members, companies, currencies, payment_method_hidden_groups,
    payment_method_providers, payment_methods,
};
use crate::ids::{ClientGroupId, ClientId, CompanyId, CurrencyId, PaymentMethodId, ProviderId};

/// The client pays the company's bank account; an employee marks the payment paid.
pub const BANK_TRANSFER: &str = "bank_transfer";
/// The built-in card gateway stand-in, served under `/gateway/test/`.
pub const TEST_CARD: &str = "test_card";
pub const KINDS: [(&str, &str); 2] = [
    (BANK_TRANSFER, "Bank transfer"),
    (TEST_CARD, "Card (test gateway)"),
];

/// How a kind is named on pages.
pub fn kind_label(kind: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("Recorded by hand", |(_, label)| label)
}

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = payment_methods)]
pub struct PaymentMethod {
    pub id: PaymentMethodId,
    pub name: String,
    pub kind: String,
    pub company_id: CompanyId,
    pub currency_id: CurrencyId,
    /// Minor units of the method's currency; `None`: no limit.
    pub min_amount: Option<i64>,
    pub max_amount: Option<i64>,
    pub enabled: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = payment_methods)]
#[diesel(treat_none_as_null = true)]
pub struct PaymentMethodFields<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub company_id: CompanyId,
    pub currency_id: CurrencyId,
    pub min_amount: Option<i64>,
    pub max_amount: Option<i64>,
    pub enabled: bool,
}

/// A method with its company's name and currency, for lists and pages.
#[derive(Debug, Clone, Queryable)]
pub struct PaymentMethodRow {
    pub method: PaymentMethod,
    pub company_name: String,
    pub currency_code: String,
    pub currency_exponent: i32,
}

impl PaymentMethod {
    pub fn find(conn: &mut DbConnection, id: PaymentMethodId) -> QueryResult<Option<Self>> {
        payment_methods::table.find(id).first(conn).optional()
    }

    pub fn row(
        conn: &mut DbConnection,
        id: PaymentMethodId,
    ) -> QueryResult<Option<PaymentMethodRow>> {
        payment_methods::table
            .inner_join(companies::table)
            .inner_join(currencies::table)
            .filter(payment_methods::id.eq(id))
            .select((
                payment_methods::all_columns,
                companies::legal_name,
                currencies::code,
                currencies::exponent,
            ))
            .first(conn)
            .optional()
    }

    pub fn rows(conn: &mut DbConnection) -> QueryResult<Vec<PaymentMethodRow>> {
        payment_methods::table
            .inner_join(companies::table)
            .inner_join(currencies::table)
            .order(payment_methods::name)
            .select((
                payment_methods::all_columns,
                companies::legal_name,
                currencies::code,
                currencies::exponent,
            ))
            .load(conn)
    }

    /// Enabled methods serving this provider in this currency that no group of the client
    /// is hidden from; the test card gateway only when it is on.
    pub fn offered(
        conn: &mut DbConnection,
        client: ClientId,
        provider: ProviderId,
        currency: CurrencyId,
        test_gateway: bool,
    ) -> QueryResult<Vec<PaymentMethodRow>> {
        let hidden = payment_method_hidden_groups::table
            .inner_join(
                client_group_members::table.on(client_group_members::client_group_id
                    .eq(payment_method_hidden_groups::client_group_id)),
            )
            .filter(client_group_members::client_id.eq(client))
            .select(payment_method_hidden_groups::payment_method_id);
        let mut query = payment_methods::table
            .inner_join(companies::table)
            .inner_join(currencies::table)
            .inner_join(payment_method_providers::table)
            .filter(payment_method_providers::provider_id.eq(provider))
            .filter(payment_methods::currency_id.eq(currency))
            .into_boxed::<crate::db::MultiBackend>();
        if !test_gateway {
            query = query.filter(payment_methods::kind.ne(TEST_CARD));
        }
        query
            .filter(payment_methods::enabled.eq(true))
            .filter(payment_methods::id.ne_all(hidden))
            .order(payment_methods::name)
            .select((
                payment_methods::all_columns,
                companies::legal_name,
                currencies::code,
                currencies::exponent,
            ))
            .load(conn)
    }

    pub fn insert(
        conn: &mut DbConnection,
        fields: &PaymentMethodFields<'_>,
        now: NaiveDateTime,
    ) -> QueryResult<Self> {
        diesel::insert_into(payment_methods::table)
            .values((fields, payment_methods::created_at.eq(now)))
            .returning(payment_methods::all_columns)
            .get_result(conn)
    }

    pub fn update(
        conn: &mut DbConnection,
        id: PaymentMethodId,
        fields: &PaymentMethodFields<'_>,
    ) -> QueryResult<Self> {
        diesel::update(payment_methods::table.find(id))
            .set(fields)
            .returning(payment_methods::all_columns)
            .get_result(conn)
    }

    pub fn providers(conn: &mut DbConnection, id: PaymentMethodId) -> QueryResult<Vec<ProviderId>> {
        payment_method_providers::table
            .filter(payment_method_providers::payment_method_id.eq(id))
            .select(payment_method_providers::provider_id)
            .load(conn)
    }

    pub fn hidden_groups(
        conn: &mut DbConnection,
        id: PaymentMethodId,
    ) -> QueryResult<Vec<ClientGroupId>> {
        payment_method_hidden_groups::table
            .filter(payment_method_hidden_groups::payment_method_id.eq(id))
            .select(payment_method_hidden_groups::client_group_id)
            .load(conn)
    }

    /// Replaces the providers served and the groups hidden from.
    pub fn set_lists(
        conn: &mut DbConnection,
        id: PaymentMethodId,
        providers: &[ProviderId],
        groups: &[ClientGroupId],
    ) -> QueryResult<()> {
        diesel::delete(
            payment_method_providers::table
                .filter(payment_method_providers::payment_method_id.eq(id)),
        )
        .execute(conn)?;
        diesel::delete(
            payment_method_hidden_groups::table
                .filter(payment_method_hidden_groups::payment_method_id.eq(id)),
        )
        .execute(conn)?;
        for provider in providers {
            diesel::insert_into(payment_method_providers::table)
                .values((
                    payment_method_providers::payment_method_id.eq(id),
                    payment_method_providers::provider_id.eq(*provider),
                ))
                .execute(conn)?;
        }
        for group in groups {
            diesel::insert_into(payment_method_hidden_groups::table)
                .values((
                    payment_method_hidden_groups::payment_method_id.eq(id),
                    payment_method_hidden_groups::client_group_id.eq(*group),
                ))
                .execute(conn)?;
        }
        Ok(())
    }
}
