//! The billing run's writes for a chunk of renewals, a few statements for the whole chunk
//! instead of four per service: the services extended, their expenses, the ledger entries
//! and the balances. The caller holds the accounts' locks and has decided every renewal on
//! rows read under them. The statements carry only numbers and timestamps made here.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::DbConnection;
use crate::ids::{AccountId, ClientId, ServiceId};

/// One period charged: the service is paid from `start` until `end`.
#[derive(Debug, Clone)]
pub struct Renewal {
    pub service: ServiceId,
    pub client: ClientId,
    pub account: AccountId,
    pub months: i32,
    pub price: i64,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

#[derive(QueryableByName)]
struct Inserted {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    service_id: i64,
}

/// A text literal: quoted, its quotes doubled.
fn text_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A timestamp literal the engine reads as a timestamp.
fn at(conn: &DbConnection, t: NaiveDateTime) -> String {
    let text = t.format("'%Y-%m-%d %H:%M:%S%.f'");
    match conn {
        DbConnection::Postgresql(_) => format!("CAST({text} AS TIMESTAMP)"),
        // SQLite keeps timestamps as this text; a cast would make it a number.
        DbConnection::Sqlite(_) => text.to_string(),
    }
}

/// Writes the renewals. The services and balances are updated from a VALUES list joined
/// by id (`status || ''` keeps SQLite on the ids rather than the status index, which would
/// walk every active service). Returns false when a service was not as decided (another
/// writer moved it); the caller then rolls the transaction back.
pub fn write_batch(
    conn: &mut DbConnection,
    renewals: &[Renewal],
    actor: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    if renewals.is_empty() {
        return Ok(true);
    }
    // (service, new paid-until, months, the paid-until it was decided on)
    let rows: Vec<String> = renewals
        .iter()
        .map(|r| {
            format!(
                "({}, {}, {}, {})",
                r.service,
                at(conn, r.end),
                r.months,
                at(conn, r.start)
            )
        })
        .collect();
    let extended = diesel::sql_query(format!(
        "UPDATE services SET paid_until = v.column2, paid_months = services.paid_months + v.column3 \
         FROM (VALUES {}) AS v \
         WHERE services.id = v.column1 AND services.status || '' = 'active' AND services.paid_until = v.column4",
        rows.join(",")
    ))
    .execute(conn)?;
    if extended != renewals.len() {
        return Ok(false);
    }

    let now_sql = at(conn, now);
    let expenses: Vec<String> = renewals
        .iter()
        .map(|r| {
            format!(
                "({}, {}, {}, 'renewal', {}, {}, {}, '', {now_sql})",
                r.client,
                r.account,
                r.service,
                r.price,
                at(conn, r.start),
                at(conn, r.end)
            )
        })
        .collect();
    let inserted: Vec<Inserted> = diesel::sql_query(format!(
        "INSERT INTO expenses (client_id, account_id, service_id, kind, amount, period_start, period_end, comment, created_at) \
         VALUES {} RETURNING id, service_id",
        expenses.join(",")
    ))
    .load(conn)?;
    let expense_of: std::collections::HashMap<i64, i64> =
        inserted.iter().map(|e| (e.service_id, e.id)).collect();

    // Each renewal in its service's history, as one written by hand is.
    let events: Vec<String> = renewals
        .iter()
        .map(|r| {
            format!(
                "({}, 'renewed', 'active', 'paid until {} UTC', {}, {now_sql})",
                r.service,
                r.end.format("%Y-%m-%d %H:%M"),
                text_literal(actor),
            )
        })
        .collect();
    diesel::sql_query(format!(
        "INSERT INTO service_events (service_id, event, status, detail, actor, created_at) VALUES {}",
        events.join(",")
    ))
    .execute(conn)?;

    let mut entries = Vec::new();
    let mut debits: std::collections::BTreeMap<AccountId, i64> = Default::default();
    for r in renewals.iter().filter(|r| r.price > 0) {
        entries.push(format!(
            "({}, {}, 'expense', '', {now_sql}, {})",
            r.account, -r.price, expense_of[&r.service.0]
        ));
        *debits.entry(r.account).or_default() += r.price;
    }
    if !entries.is_empty() {
        diesel::sql_query(format!(
            "INSERT INTO ledger_entries (account_id, amount, kind, comment, created_at, expense_id) VALUES {}",
            entries.join(",")
        ))
        .execute(conn)?;
        let rows: Vec<String> = debits
            .iter()
            .map(|(account, debit)| format!("({account}, {debit})"))
            .collect();
        diesel::sql_query(format!(
            "UPDATE accounts SET balance = accounts.balance - v.column2 FROM (VALUES {}) AS v \
             WHERE accounts.id = v.column1",
            rows.join(",")
        ))
        .execute(conn)?;
    }
    Ok(true)
}
