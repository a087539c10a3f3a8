//! The `accounts` table: a client's money at one provider, in that provider's currency.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{accounts, currencies, providers};
use crate::ids::{AccountId, ClientId, ProviderId};

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = accounts)]
pub struct Account {
    pub id: AccountId,
    pub client_id: ClientId,
    pub provider_id: ProviderId,
    /// Minor units of the provider's currency; a cache of the ledger.
    pub balance: i64,
    pub credit_limit: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = accounts)]
pub struct NewAccount {
    pub client_id: ClientId,
    pub provider_id: ProviderId,
    pub created_at: NaiveDateTime,
}

/// An account with what is needed to show it: the provider's name and currency.
#[derive(Debug, Clone, Queryable)]
pub struct AccountSummary {
    pub id: AccountId,
    pub balance: i64,
    pub credit_limit: i64,
    pub provider_name: String,
    pub currency_code: String,
    pub currency_exponent: i32,
}

impl Account {
    pub fn insert(conn: &mut DbConnection, new: &NewAccount) -> QueryResult<Account> {
        diesel::insert_into(accounts::table)
            .values(new)
            .returning(accounts::all_columns)
            .get_result(conn)
    }

    /// Whether any client has an account at this provider.
    pub fn exists_at_provider(
        conn: &mut DbConnection,
        provider_id: ProviderId,
    ) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            accounts::table.filter(accounts::provider_id.eq(provider_id)),
        ))
        .get_result(conn)
    }

    pub fn summaries_of_client(
        conn: &mut DbConnection,
        client_id: ClientId,
    ) -> QueryResult<Vec<AccountSummary>> {
        accounts::table
            .inner_join(providers::table.inner_join(currencies::table))
            .filter(accounts::client_id.eq(client_id))
            .order(providers::name)
            .select((
                accounts::id,
                accounts::balance,
                accounts::credit_limit,
                providers::name,
                currencies::code,
                currencies::exponent,
            ))
            .load(conn)
    }
}
