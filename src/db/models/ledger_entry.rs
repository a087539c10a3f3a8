//! The `ledger_entries` table: every change of an account's balance, append-only.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::DbConnection;
use crate::db::schema::{accounts, ledger_entries};
use crate::ids::{AccountId, EmployeeId, ExpenseId, PaymentId};

#[derive(Debug, Insertable)]
#[diesel(table_name = ledger_entries)]
pub struct NewLedgerEntry<'a> {
    pub account_id: AccountId,
    pub amount: i64,
    pub kind: &'a str,
    pub payment_id: Option<PaymentId>,
    pub comment: &'a str,
    pub employee_id: Option<EmployeeId>,
    pub created_at: NaiveDateTime,
    pub expense_id: Option<ExpenseId>,
}

/// An account whose cached balance differs from the sum of its entries.
#[derive(Debug, Clone, QueryableByName)]
pub struct Mismatch {
    #[diesel(sql_type = BigInt)]
    pub account_id: i64,
    #[diesel(sql_type = BigInt)]
    pub balance: i64,
    #[diesel(sql_type = BigInt)]
    pub entries: i64,
}

pub struct LedgerEntry;

impl LedgerEntry {
    /// Writes the entry and moves the cached balance by the same amount, in the caller's
    /// transaction. The balance moves by an atomic `balance + amount`, so concurrent entries
    /// on one account all count.
    pub fn post(conn: &mut DbConnection, entry: &NewLedgerEntry<'_>) -> QueryResult<()> {
        diesel::insert_into(ledger_entries::table)
            .values(entry)
            .execute(conn)?;
        diesel::update(accounts::table.find(entry.account_id))
            .set(accounts::balance.eq(accounts::balance + entry.amount))
            .execute(conn)?;
        Ok(())
    }

    /// Accounts whose balance is not the sum of their entries.
    pub fn mismatches(conn: &mut DbConnection) -> QueryResult<Vec<Mismatch>> {
        diesel::sql_query(
            "SELECT a.id AS account_id, a.balance AS balance, \
                    CAST(COALESCE((SELECT SUM(e.amount) FROM ledger_entries e WHERE e.account_id = a.id), 0) AS BIGINT) AS entries \
             FROM accounts a \
             WHERE a.balance <> COALESCE((SELECT SUM(e.amount) FROM ledger_entries e WHERE e.account_id = a.id), 0) \
             ORDER BY a.id",
        )
        .load(conn)
    }
}
