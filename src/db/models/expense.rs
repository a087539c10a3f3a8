//! The `expenses` table: what a client was charged, for which service and period.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{accounts, clients, currencies, expenses, providers, services, tariffs};
use crate::db::{DbConnection, MultiBackend};
use crate::ids::{AccountId, ClientId, EmployeeId, ExpenseId, ServiceId};

pub const ORDER: &str = "order";
pub const RENEWAL: &str = "renewal";
pub const CHARGE: &str = "charge";

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = expenses)]
pub struct Expense {
    pub id: ExpenseId,
    pub client_id: ClientId,
    pub account_id: AccountId,
    pub service_id: Option<ServiceId>,
    pub kind: String,
    pub amount: i64,
    pub period_start: Option<NaiveDateTime>,
    pub period_end: Option<NaiveDateTime>,
    pub comment: String,
    pub employee_id: Option<EmployeeId>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = expenses)]
pub struct NewExpense<'a> {
    pub client_id: ClientId,
    pub account_id: AccountId,
    pub service_id: Option<ServiceId>,
    pub kind: &'a str,
    pub amount: i64,
    pub period_start: Option<NaiveDateTime>,
    pub period_end: Option<NaiveDateTime>,
    pub comment: &'a str,
    pub employee_id: Option<EmployeeId>,
    pub created_at: NaiveDateTime,
}

/// An expense with its currency and the service's tariff, for lists.
#[derive(Debug, Clone, Queryable)]
pub struct ExpenseRow {
    pub expense: Expense,
    pub tariff_name: Option<String>,
    pub provider_name: String,
    pub currency_code: String,
    pub currency_exponent: i32,
    pub client_name: String,
}

impl ExpenseRow {
    pub fn kind_label(&self) -> &'static str {
        match self.expense.kind.as_str() {
            ORDER => "Order",
            RENEWAL => "Renewal",
            CHARGE => "Charge",
            _ => "Other",
        }
    }
}

/// Which expenses a list shows.
#[derive(Debug, Clone, Default)]
pub struct ExpenseFilter {
    pub client: Option<ClientId>,
    pub service: Option<ServiceId>,
    /// order, renewal or charge
    pub kind: Option<String>,
    /// Charged on or after / before.
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    pub before: Option<ExpenseId>,
}

impl Expense {
    pub fn insert(conn: &mut DbConnection, new: &NewExpense<'_>) -> QueryResult<ExpenseId> {
        diesel::insert_into(expenses::table)
            .values(new)
            .returning(expenses::id)
            .get_result(conn)
    }

    /// Expenses newest first, filtered, keyset `before`.
    pub fn rows(
        conn: &mut DbConnection,
        filter: &ExpenseFilter,
        limit: i64,
    ) -> QueryResult<Vec<ExpenseRow>> {
        // Two flat left joins: a nested `services JOIN tariffs` group made SQLite build the
        // whole services × tariffs join for every list.
        let mut query = expenses::table
            .left_join(services::table)
            .left_join(tariffs::table.on(tariffs::id.nullable().eq(services::tariff_id.nullable())))
            .inner_join(accounts::table.inner_join(providers::table.inner_join(currencies::table)))
            .inner_join(clients::table)
            .select((
                expenses::all_columns,
                tariffs::name.nullable(),
                providers::name,
                currencies::code,
                currencies::exponent,
                clients::name,
            ))
            .into_boxed::<MultiBackend>();
        if let Some(client) = filter.client {
            query = query.filter(expenses::client_id.eq(client));
        }
        if let Some(service) = filter.service {
            query = query.filter(expenses::service_id.eq(service));
        }
        if let Some(kind) = &filter.kind {
            query = query.filter(expenses::kind.eq(kind.clone()));
        }
        if let Some(from) = filter.from {
            query = query.filter(expenses::created_at.ge(from));
        }
        if let Some(until) = filter.until {
            query = query.filter(expenses::created_at.lt(until));
        }
        if let Some(before) = filter.before {
            query = query.filter(expenses::id.lt(before));
        }
        query
            .order(expenses::id.desc())
            .limit(limit)
            .load::<ExpenseRow>(conn)
    }

    /// How many charges there are for one period of a service (0 or 1, by the unique key).
    pub fn count_for_period(
        conn: &mut DbConnection,
        service: ServiceId,
        period_start: NaiveDateTime,
    ) -> QueryResult<i64> {
        expenses::table
            .filter(expenses::service_id.eq(service))
            .filter(expenses::period_start.eq(period_start))
            .count()
            .get_result(conn)
    }
}
