//! The `payments` table: money coming in from a payer to a client's account.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{accounts, currencies, payers, payments, providers};
use crate::ids::{AccountId, ClientId, EmployeeId, PayerId, PaymentId};

pub const NEW: &str = "new";
pub const PAID: &str = "paid";

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = payments)]
pub struct Payment {
    pub id: PaymentId,
    pub client_id: ClientId,
    pub account_id: AccountId,
    pub payer_id: PayerId,
    pub method: String,
    /// Minor units of the account's currency.
    pub amount: i64,
    pub status: String,
    pub comment: String,
    pub idempotency_key: Option<String>,
    pub created_by: Option<EmployeeId>,
    pub created_at: NaiveDateTime,
    pub paid_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = payments)]
pub struct NewPayment<'a> {
    pub client_id: ClientId,
    pub account_id: AccountId,
    pub payer_id: PayerId,
    pub method: &'a str,
    pub amount: i64,
    pub status: &'a str,
    pub comment: &'a str,
    pub idempotency_key: Option<&'a str>,
    pub created_by: Option<EmployeeId>,
    pub created_at: NaiveDateTime,
    pub paid_at: Option<NaiveDateTime>,
}

/// A payment with what lists show: payer, provider and currency.
#[derive(Debug, Clone, Queryable)]
pub struct PaymentRow {
    pub id: PaymentId,
    pub client_id: ClientId,
    pub amount: i64,
    pub status: String,
    pub method: String,
    pub created_at: NaiveDateTime,
    pub payer_name: String,
    pub provider_name: String,
    pub currency_code: String,
    pub currency_exponent: i32,
}

impl Payment {
    pub fn insert(conn: &mut DbConnection, new: &NewPayment<'_>) -> QueryResult<Payment> {
        diesel::insert_into(payments::table)
            .values(new)
            .returning(payments::all_columns)
            .get_result(conn)
    }

    pub fn find_by_key(conn: &mut DbConnection, key: &str) -> QueryResult<Option<Payment>> {
        payments::table
            .filter(payments::idempotency_key.eq(key))
            .first(conn)
            .optional()
    }

    /// Whether money has moved in the payer's name.
    pub fn exists_for_payer(conn: &mut DbConnection, payer: PayerId) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            payments::table.filter(payments::payer_id.eq(payer)),
        ))
        .get_result(conn)
    }

    pub fn exists_for_client(conn: &mut DbConnection, client: ClientId) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            payments::table.filter(payments::client_id.eq(client)),
        ))
        .get_result(conn)
    }

    /// Payments, newest first: of one client, or of all when `client` is `None`; keyset `before`.
    pub fn rows(
        conn: &mut DbConnection,
        client: Option<ClientId>,
        before: Option<PaymentId>,
        limit: i64,
    ) -> QueryResult<Vec<PaymentRow>> {
        let mut query = payments::table
            .inner_join(payers::table)
            .inner_join(accounts::table.inner_join(providers::table.inner_join(currencies::table)))
            .into_boxed();
        if let Some(client) = client {
            query = query.filter(payments::client_id.eq(client));
        }
        if let Some(before) = before {
            query = query.filter(payments::id.lt(before));
        }
        query
            .order(payments::id.desc())
            .limit(limit)
            .select((
                payments::id,
                payments::client_id,
                payments::amount,
                payments::status,
                payments::method,
                payments::created_at,
                payers::name,
                providers::name,
                currencies::code,
                currencies::exponent,
            ))
            .load(conn)
    }
}
