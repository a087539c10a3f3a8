//! The `expenses` table: what a client was charged, for which service and period.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::paging::{KeyCursor, Order, PageAt, reads_descending};
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
    /// Sorted by amount, else by date (the id's order).
    pub by_amount: bool,
    pub order: Order,
    /// None: the first page.
    pub at: Option<PageAt<ExpenseCursor>>,
}

/// A row a page of expenses starts next to: its id and amount.
pub type ExpenseCursor = KeyCursor<ExpenseId>;

impl ExpenseRow {
    pub fn cursor(&self) -> ExpenseCursor {
        KeyCursor {
            id: self.expense.id,
            key: self.expense.amount,
        }
    }
}

/// The expenses the filter finds, before sort and page, over `$base`, boxed.
macro_rules! filtered_expenses {
    ($base:expr, $filter:expr) => {{
        let filter: &ExpenseFilter = $filter;
        let mut query = $base.into_boxed::<MultiBackend>();
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
        query
    }};
}

impl Expense {
    pub fn insert(conn: &mut DbConnection, new: &NewExpense<'_>) -> QueryResult<ExpenseId> {
        diesel::insert_into(expenses::table)
            .values(new)
            .returning(expenses::id)
            .get_result(conn)
    }

    /// Expenses as the filter says, sorted and paged by it: up to `limit` rows in the order
    /// they are read (see `paging::reads_descending`).
    pub fn rows(
        conn: &mut DbConnection,
        filter: &ExpenseFilter,
        limit: i64,
    ) -> QueryResult<Vec<ExpenseRow>> {
        let descending = reads_descending(filter.order, filter.at.as_ref());
        // Two flat left joins: a nested `services JOIN tariffs` group made SQLite build the
        // whole services × tariffs join for every list.
        let mut query = filtered_expenses!(
            expenses::table
                .left_join(services::table)
                .left_join(
                    tariffs::table.on(tariffs::id.nullable().eq(services::tariff_id.nullable()))
                )
                .inner_join(
                    accounts::table.inner_join(providers::table.inner_join(currencies::table))
                )
                .inner_join(clients::table)
                .select((
                    expenses::all_columns,
                    tariffs::name.nullable(),
                    providers::name,
                    currencies::code,
                    currencies::exponent,
                    clients::name,
                )),
            filter
        );
        // Beyond the cursor in the reading order; the outer bound on the amount lets its
        // index start there.
        if let Some(at) = filter.at.as_ref().map(PageAt::cursor) {
            query = match (filter.by_amount, descending) {
                (true, true) => query.filter(expenses::amount.le(at.key)).filter(
                    expenses::amount
                        .lt(at.key)
                        .or(expenses::amount.eq(at.key).and(expenses::id.lt(at.id))),
                ),
                (true, false) => query.filter(expenses::amount.ge(at.key)).filter(
                    expenses::amount
                        .gt(at.key)
                        .or(expenses::amount.eq(at.key).and(expenses::id.gt(at.id))),
                ),
                (false, true) => query.filter(expenses::id.lt(at.id)),
                (false, false) => query.filter(expenses::id.gt(at.id)),
            };
        }
        query = match (filter.by_amount, descending) {
            (true, true) => query.order((expenses::amount.desc(), expenses::id.desc())),
            (true, false) => query.order((expenses::amount.asc(), expenses::id.asc())),
            (false, true) => query.order(expenses::id.desc()),
            (false, false) => query.order(expenses::id.asc()),
        };
        query.limit(limit).load::<ExpenseRow>(conn)
    }

    /// How many expenses the filter finds, its page and order aside.
    pub fn count(conn: &mut DbConnection, filter: &ExpenseFilter) -> QueryResult<i64> {
        filtered_expenses!(expenses::table, filter)
            .count()
            .get_result(conn)
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
