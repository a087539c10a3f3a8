//! The `ledger_entries` table: every change of an account's balance, append-only.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::DbConnection;
use crate::db::schema::ledger_entries;
use crate::ids::{AccountId, EmployeeId, ExpenseId, LedgerEntryId, PaymentId};

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
    /// The form that wrote it, for refunds and corrections: sent twice, written once.
    pub idempotency_key: Option<&'a str>,
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

/// How an entry's kind is named on pages.
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "payment" => "Payment",
        "refund" => "Refund",
        "expense" => "Charge",
        "correction" => "Correction",
        _ => "Other",
    }
}

/// One entry as a page shows it.
#[derive(Debug, Clone, Queryable)]
pub struct LedgerLine {
    pub id: LedgerEntryId,
    pub amount: i64,
    pub kind: String,
    pub comment: String,
    pub created_at: NaiveDateTime,
}

pub struct LedgerEntry;

/// `UPDATE accounts SET balance = balance + amount WHERE id = account`, kept prepared. Diesel
/// prepares every `UPDATE` again at each execution (a changeset may skip columns, so it
/// never caches one); this one runs for every ledger entry, so it is written out here with
/// a fixed shape, and both engines keep it prepared.
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
struct AddToBalance {
    account: AccountId,
    amount: i64,
}

impl<DB> diesel::query_builder::QueryFragment<DB> for AddToBalance
where
    DB: diesel::backend::Backend,
    i64: diesel::serialize::ToSql<BigInt, DB>,
    AccountId: diesel::serialize::ToSql<BigInt, DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        out.push_sql("UPDATE accounts SET balance = balance + ");
        out.push_bind_param::<BigInt, _>(&self.amount)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<BigInt, _>(&self.account)?;
        Ok(())
    }
}

impl<Conn> RunQueryDsl<Conn> for AddToBalance {}

impl LedgerEntry {
    /// Writes the entry and moves the cached balance by the same amount, in the caller's
    /// transaction. The balance moves by an atomic `balance + amount`, so concurrent entries
    /// on one account all count. A payment or refund is added to its provider's money
    /// figures (the dashboard's) in the same transaction.
    pub fn post(conn: &mut DbConnection, entry: &NewLedgerEntry<'_>) -> QueryResult<()> {
        crate::db::on_engine!(conn, |c| {
            diesel::insert_into(ledger_entries::table)
                .values(entry)
                .execute(c)?;
            AddToBalance {
                account: entry.account_id,
                amount: entry.amount,
            }
            .execute(c)?;
            Ok::<_, diesel::result::Error>(())
        })?;
        super::money_figure::MoneyFigure::add_entry(
            conn,
            entry.account_id,
            entry.kind,
            entry.amount,
            entry.created_at,
        )
    }

    /// The entry a form with this key wrote already, as (account, payment): the caller
    /// checks that the form was for that account (keys are unique across all accounts, and
    /// another account's key is a stale or forged form, not "done").
    pub fn with_key(
        conn: &mut DbConnection,
        key: &str,
    ) -> QueryResult<Option<(AccountId, Option<PaymentId>)>> {
        ledger_entries::table
            .filter(ledger_entries::idempotency_key.eq(key))
            .select((ledger_entries::account_id, ledger_entries::payment_id))
            .first(conn)
            .optional()
    }

    /// The entries a payment made: its credit and its refunds, oldest first.
    pub fn of_payment(conn: &mut DbConnection, payment: PaymentId) -> QueryResult<Vec<LedgerLine>> {
        ledger_entries::table
            .filter(ledger_entries::payment_id.eq(payment))
            .order(ledger_entries::id)
            .select((
                ledger_entries::id,
                ledger_entries::amount,
                ledger_entries::kind,
                ledger_entries::comment,
                ledger_entries::created_at,
            ))
            .load(conn)
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
