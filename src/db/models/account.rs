//! The `accounts` table: a client's money at one provider, in that provider's currency.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::InIdsExt;
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
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct AccountSummary {
    pub id: AccountId,
    pub balance: i64,
    pub credit_limit: i64,
    #[diesel(select_expression = providers::name)]
    pub provider_name: String,
    #[diesel(select_expression = currencies::code)]
    pub currency_code: String,
    #[diesel(select_expression = currencies::exponent)]
    pub currency_exponent: i32,
}

/// What clients in debt owe in one currency: the sum of the negative balances, and how many.
#[derive(Debug, Clone, QueryableByName)]
pub struct Debts {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub currency_code: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub currency_exponent: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub owed: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub accounts: i64,
}

impl Account {
    /// Debts per currency (accounts below zero), currencies by code.
    pub fn debts(conn: &mut DbConnection) -> QueryResult<Vec<Debts>> {
        diesel::sql_query(
            "SELECT c.code AS currency_code, c.exponent AS currency_exponent, \
                    CAST(-SUM(a.balance) AS BIGINT) AS owed, COUNT(*) AS accounts \
             FROM accounts a JOIN providers p ON p.id = a.provider_id \
             JOIN currencies c ON c.id = p.currency_id \
             WHERE a.balance < 0 GROUP BY c.code, c.exponent ORDER BY c.code",
        )
        .load(conn)
    }

    /// The account, locked until the transaction ends: on PostgreSQL a row lock, so that
    /// charges and credits of one account happen one at a time and each sees the balance
    /// the previous one left; on SQLite write transactions already run one at a time.
    /// Lock accounts before services, always, so that no two transactions wait on each
    /// other.
    pub fn lock(conn: &mut DbConnection, id: AccountId) -> QueryResult<Option<Account>> {
        match conn {
            DbConnection::Postgresql(c) => accounts::table
                .find(id)
                .for_no_key_update()
                .first(c)
                .optional(),
            DbConnection::Sqlite(c) => accounts::table.find(id).first(c).optional(),
        }
    }

    /// Several accounts locked at once, in id order (the one order every locker uses).
    pub fn lock_many(conn: &mut DbConnection, ids: &[AccountId]) -> QueryResult<Vec<Account>> {
        let mut ids = ids.to_vec();
        ids.sort();
        ids.dedup();
        match conn {
            DbConnection::Postgresql(c) => accounts::table
                .filter(accounts::id.eq_any(ids))
                .order(accounts::id)
                .for_no_key_update()
                .load(c),
            DbConnection::Sqlite(c) => accounts::table
                .filter(accounts::id.eq_any(ids))
                .order(accounts::id)
                .load(c),
        }
    }

    pub fn find(conn: &mut DbConnection, id: AccountId) -> QueryResult<Option<Account>> {
        accounts::table.find(id).first(conn).optional()
    }

    pub fn of_client_at(
        conn: &mut DbConnection,
        client_id: ClientId,
        provider_id: ProviderId,
    ) -> QueryResult<Option<Account>> {
        accounts::table
            .filter(accounts::client_id.eq(client_id))
            .filter(accounts::provider_id.eq(provider_id))
            .first(conn)
            .optional()
    }

    /// The provider of the client's first account, whose mail templates and time zone its
    /// notices use when they concern no account in particular.
    pub fn first_provider_of(
        conn: &mut DbConnection,
        client_id: ClientId,
    ) -> QueryResult<Option<ProviderId>> {
        accounts::table
            .filter(accounts::client_id.eq(client_id))
            .order(accounts::id)
            .select(accounts::provider_id)
            .first(conn)
            .optional()
    }

    /// Several accounts, unlocked, for reading.
    pub fn find_many(conn: &mut DbConnection, ids: &[AccountId]) -> QueryResult<Vec<Account>> {
        accounts::table
            .filter(accounts::id.eq_any(ids.to_vec()))
            .load(conn)
    }

    /// What the balance and the credit limit lack to cover `amount` (0 when they cover it).
    pub fn missing(&self, amount: i64) -> i64 {
        (amount - self.balance - self.credit_limit).max(0)
    }

    /// Whether the balance and the credit limit together cover `amount`.
    pub fn covers(&self, amount: i64) -> bool {
        amount <= 0 || self.balance + self.credit_limit >= amount
    }

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

    /// The accounts of several clients, for a list page (one query for the page), by client
    /// and then by provider name.
    pub fn summaries_of_clients(
        conn: &mut DbConnection,
        client_ids: &[ClientId],
    ) -> QueryResult<Vec<(ClientId, AccountSummary)>> {
        match conn {
            // The accounts alone, then their providers once each: a page's accounts are at a
            // few providers, and joining them looked each provider and currency up again
            // for every account. Sorted here rather than by ORDER BY: SQLite's sorter for a
            // page's hundred rows cost more than the query's lookups, and SQLite compares
            // text by bytes, as Rust does.
            DbConnection::Sqlite(c) => {
                let found: Vec<(ClientId, AccountId, i64, i64, ProviderId)> = accounts::table
                    .filter(accounts::client_id.in_ids(client_ids.iter().copied()))
                    .select((
                        accounts::client_id,
                        accounts::id,
                        accounts::balance,
                        accounts::credit_limit,
                        accounts::provider_id,
                    ))
                    .load(c)?;
                let mut provider_ids: Vec<ProviderId> = found.iter().map(|a| a.4).collect();
                provider_ids.sort_unstable();
                provider_ids.dedup();
                let providers: Vec<(ProviderId, String, String, i32)> = providers::table
                    .inner_join(currencies::table)
                    .filter(providers::id.in_ids(provider_ids))
                    .select((
                        providers::id,
                        providers::name,
                        currencies::code,
                        currencies::exponent,
                    ))
                    .load(c)?;
                let mut summaries = Vec::with_capacity(found.len());
                for (client, id, balance, credit_limit, provider) in found {
                    // Every account has its provider (a foreign key); none is left out.
                    if let Some((_, name, code, exponent)) =
                        providers.iter().find(|p| p.0 == provider)
                    {
                        summaries.push((
                            client,
                            AccountSummary {
                                id,
                                balance,
                                credit_limit,
                                provider_name: name.clone(),
                                currency_code: code.clone(),
                                currency_exponent: *exponent,
                            },
                        ));
                    }
                }
                summaries.sort_unstable_by(|(a, x), (b, y)| {
                    (a, &x.provider_name, x.id).cmp(&(b, &y.provider_name, y.id))
                });
                Ok(summaries)
            }
            // PostgreSQL sorts names by the database's collation, as the client card does.
            DbConnection::Postgresql(c) => accounts::table
                .inner_join(providers::table.inner_join(currencies::table))
                .filter(accounts::client_id.in_ids(client_ids.iter().copied()))
                .order((accounts::client_id, providers::name, accounts::id))
                .select((accounts::client_id, AccountSummary::as_select()))
                .load(c),
        }
    }

    /// The provider ids a client is connected to.
    pub fn provider_ids_of(
        conn: &mut DbConnection,
        client_id: ClientId,
    ) -> QueryResult<Vec<ProviderId>> {
        crate::db::on_engine!(conn, |c| accounts::table
            .filter(accounts::client_id.eq(client_id))
            .select(accounts::provider_id)
            .load(c))
    }

    /// Whether the client has money or debt on any account: then it has financial history.
    pub fn any_nonzero_of_client(
        conn: &mut DbConnection,
        client_id: ClientId,
    ) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            accounts::table
                .filter(accounts::client_id.eq(client_id))
                .filter(accounts::balance.ne(0)),
        ))
        .get_result(conn)
    }

    /// Removes the client's account at a provider if its balance is zero; returns whether it did.
    pub fn remove_if_empty(
        conn: &mut DbConnection,
        client_id: ClientId,
        provider_id: ProviderId,
    ) -> QueryResult<bool> {
        diesel::delete(
            accounts::table
                .filter(accounts::client_id.eq(client_id))
                .filter(accounts::provider_id.eq(provider_id))
                .filter(accounts::balance.eq(0)),
        )
        .execute(conn)
        .map(|n| n > 0)
    }

    pub fn summaries_of_client(
        conn: &mut DbConnection,
        client_id: ClientId,
    ) -> QueryResult<Vec<AccountSummary>> {
        crate::db::on_engine!(conn, |c| accounts::table
            .inner_join(providers::table.inner_join(currencies::table))
            .filter(accounts::client_id.eq(client_id))
            .order(providers::name)
            .select(AccountSummary::as_select())
            .load(c))
    }
}
