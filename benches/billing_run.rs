//! The billing run at scale: seeds N clients with two services each (half of them due on
//! one day), runs the billing run over that day, and in the same database measures the
//! ceiling: the rows a renewal writes (an expense and its ledger entry), inserted in
//! batches of the run's chunk size, one transaction per batch. Meanwhile a reader reads a
//! client's services and accounts, as the client's pages do, idle and during the run.
//!
//!     cargo bench --bench billing_run -- [--clients 100000] [--database-url URL]
//!
//! Without `--database-url` it uses a new SQLite file in a temporary folder; a
//! `postgres://` URL names a server, on which a new database is made and dropped after.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use billpanel::db::models::account::Account;
use billpanel::db::models::service::{Service, ServiceFilter};
use billpanel::db::{self, DatabaseUrl, DbConnection, Engine};
use billpanel::domain::billing_run::{self, CHUNK};
use billpanel::ids::ClientId;
use chrono::{Duration as Days, NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use rand::Rng;

struct Args {
    clients: i64,
    database_url: Option<String>,
}

fn args() -> Args {
    let mut args = Args {
        clients: 100_000,
        database_url: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--clients" => {
                args.clients = it.next().and_then(|n| n.parse().ok()).expect("--clients N")
            }
            "--database-url" => args.database_url = it.next(),
            // `cargo bench` passes `--bench`; anything else is a mistake worth saying.
            "--bench" => {}
            other => panic!("unknown argument {other}; use --clients N and --database-url URL"),
        }
    }
    args
}

/// A fresh database: a SQLite file, or a new database on the PostgreSQL server.
struct BenchDatabase {
    url: DatabaseUrl,
    drop_pg: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl BenchDatabase {
    fn new(server: Option<&str>) -> Self {
        match server {
            Some(server) if server.starts_with("postgres") => {
                let name = format!("billpanel_bench_{}", std::process::id());
                let mut admin = diesel::PgConnection::establish(server).expect("PostgreSQL");
                // One statement each: PostgreSQL runs a multi-statement string as one transaction.
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
                    .unwrap();
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap();
                let base = server.rsplit_once('/').map(|(b, _)| b).unwrap();
                BenchDatabase {
                    url: DatabaseUrl::parse(&format!("{base}/{name}")).unwrap(),
                    drop_pg: Some((server.to_string(), name)),
                    _dir: None,
                }
            }
            _ => {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("bench.db");
                BenchDatabase {
                    url: DatabaseUrl::parse(&format!("sqlite://{}", path.display())).unwrap(),
                    drop_pg: None,
                    _dir: Some(dir),
                }
            }
        }
    }
}

impl Drop for BenchDatabase {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.drop_pg
            && let Ok(mut admin) = diesel::PgConnection::establish(server)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
struct Inserted {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    account_id: i64,
}

fn one_id(conn: &mut DbConnection, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Id>(conn).unwrap().id
}

fn ts(t: NaiveDateTime) -> String {
    t.format("'%Y-%m-%d %H:%M:%S'").to_string()
}

/// N clients with an account each holding enough for their renewals, and two active
/// monthly services each: one paid until `day`, one until two weeks later.
fn seed(conn: &mut DbConnection, clients: i64, day: NaiveDateTime) {
    let provider = one_id(conn, "SELECT id FROM providers ORDER BY id LIMIT 1");
    conn.batch_execute(
        "INSERT INTO product_types (name, created_at) VALUES ('Bench hosting', CURRENT_TIMESTAMP)",
    )
    .unwrap();
    let kind = one_id(
        conn,
        "SELECT id FROM product_types WHERE name = 'Bench hosting'",
    );
    conn.batch_execute(&format!(
        "INSERT INTO tariffs (provider_id, product_type_id, name, price_1, setup_fee, orderable, created_at) \
         VALUES ({provider}, {kind}, 'Bench tariff', 49900, 0, TRUE, CURRENT_TIMESTAMP)"
    ))
    .unwrap();
    let tariff = one_id(conn, "SELECT id FROM tariffs WHERE name = 'Bench tariff'");
    // Paid for one month from the anchor: 1 February 2026 + 1 month is the day.
    let anchor = ts(day - Days::days(28));
    let due = ts(day);
    let later = ts(day + Days::days(14));
    let later_anchor = ts(day + Days::days(14) - Days::days(28));
    let mut first = 0;
    while first < clients {
        let last = (first + 5_000).min(clients);
        let values: Vec<String> = (first..last)
            .map(|n| format!("('Bench client {n}', CURRENT_TIMESTAMP)"))
            .collect();
        db::write_transaction(conn, |conn| {
            conn.batch_execute(&format!(
                "INSERT INTO clients (name, created_at) VALUES {}",
                values.join(",")
            ))
        })
        .unwrap();
        first = last;
    }
    conn.batch_execute(&format!(
        "INSERT INTO accounts (client_id, provider_id, balance, created_at) \
         SELECT id, {provider}, 10000000, CURRENT_TIMESTAMP FROM clients"
    ))
    .unwrap();
    for (anchor, until) in [(&anchor, &due), (&later_anchor, &later)] {
        conn.batch_execute(&format!(
            "INSERT INTO services (client_id, account_id, tariff_id, period_months, price, order_cost, status, \
             auto_renew, anchor_at, paid_months, paid_until, created_at) \
             SELECT client_id, id, {tariff}, 1, 49900, 49900, 'active', TRUE, {anchor}, 1, {until}, CURRENT_TIMESTAMP \
             FROM accounts"
        ))
        .unwrap();
    }
    // The opening balances come from the ledger too, so check-ledger holds.
    conn.batch_execute(
        "INSERT INTO ledger_entries (account_id, amount, kind, comment, created_at) \
         SELECT id, balance, 'correction', 'benchmark opening balance', CURRENT_TIMESTAMP FROM accounts",
    )
    .unwrap();
    if let DbConnection::Postgresql(_) = conn {
        conn.batch_execute("ANALYZE").unwrap();
    }
}

/// The ceilings: `rows` renewals' rows written in batches of `CHUNK`, one transaction per
/// batch, with nothing read and nothing decided. With `updates` false only the inserted rows
/// (an expense and its ledger entry each); with `updates` true also the rows a renewal
/// changes (its service's paid-until and its account's balance), each batch in one UPDATE.
/// Returns renewals per second.
fn ceiling(conn: &mut DbConnection, rows: i64, updates: bool) -> f64 {
    let client = one_id(conn, "SELECT MIN(id) AS id FROM clients");
    let account = one_id(conn, "SELECT MIN(id) AS id FROM accounts");
    let service = one_id(conn, "SELECT MIN(id) AS id FROM services");
    let started = Instant::now();
    let mut done = 0;
    while done < rows {
        let n = CHUNK.min(rows - done);
        db::write_transaction(conn, |conn| {
            // One row per account, as the run writes them (accounts were made in client order).
            let expenses: Vec<String> = (done..done + n)
                .map(|i| {
                    format!(
                        "({}, {}, 'charge', 49900, '', CURRENT_TIMESTAMP)",
                        client + i,
                        account + i
                    )
                })
                .collect();
            let ids: Vec<Inserted> = diesel::sql_query(format!(
                "INSERT INTO expenses (client_id, account_id, kind, amount, comment, created_at) VALUES {} RETURNING id, account_id",
                expenses.join(",")
            ))
            .load(conn)?;
            let entries: Vec<String> = ids
                .iter()
                .map(|e| {
                    format!(
                        "({}, -49900, 'expense', '', CURRENT_TIMESTAMP, {})",
                        e.account_id, e.id
                    )
                })
                .collect();
            conn.batch_execute(&format!(
                "INSERT INTO ledger_entries (account_id, amount, kind, comment, created_at, expense_id) VALUES {}",
                entries.join(",")
            ))?;
            if updates {
                // The due services were made first, one per account in the same order.
                let (first, last) = (done, done + n - 1);
                conn.batch_execute(&format!(
                    "UPDATE services SET paid_until = '2026-04-01 00:00:00', paid_months = paid_months + 1 \
                     WHERE id BETWEEN {} AND {}; \
                     UPDATE accounts SET balance = balance - 49900 WHERE id BETWEEN {} AND {}",
                    service + first,
                    service + last,
                    account + first,
                    account + last
                ))?;
            }
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
        done += n;
    }
    rows as f64 / started.elapsed().as_secs_f64()
}

/// Reads what a client's services page and dashboard read, for a random client, until told
/// to stop; returns each read's latency.
fn reader(
    pool: db::DbPool,
    clients: i64,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Vec<Duration>> {
    std::thread::spawn(move || {
        let mut conn = pool.get().unwrap();
        let mut rng = rand::rng();
        let mut latencies = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let client = ClientId(rng.random_range(1..=clients));
            let started = Instant::now();
            let filter = ServiceFilter {
                client: Some(client),
                ..Default::default()
            };
            Service::rows(&mut conn, &filter, 50).unwrap();
            Account::summaries_of_client(&mut conn, client).unwrap();
            latencies.push(started.elapsed());
            std::thread::sleep(Duration::from_millis(2));
        }
        latencies
    })
}

fn percentile(latencies: &mut [Duration], p: f64) -> f64 {
    if latencies.is_empty() {
        return 0.0;
    }
    latencies.sort();
    let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
    latencies[i].as_secs_f64() * 1000.0
}

fn main() {
    let args = args();
    let database = BenchDatabase::new(args.database_url.as_deref());
    let engine = match database.url.engine {
        Engine::Sqlite => "SQLite",
        Engine::Postgres => "PostgreSQL",
    };
    let pool = db::connect(&database.url, 4).unwrap();
    let mut conn = pool.get().unwrap();
    db::run_migrations(&mut conn).unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 3, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();

    let started = Instant::now();
    seed(&mut conn, args.clients, day);
    println!(
        "{engine}: seeded {} clients and {} services in {:.1} s",
        args.clients,
        args.clients * 2,
        started.elapsed().as_secs_f64()
    );

    let stop = Arc::new(AtomicBool::new(false));
    let idle_reader = reader(pool.clone(), args.clients, stop.clone());
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::Relaxed);
    let mut idle = idle_reader.join().unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let busy_reader = reader(pool.clone(), args.clients, stop.clone());
    let started = Instant::now();
    let report = billing_run::run(&mut conn, day + Days::hours(1), &mut |_, _, _| {});
    let run_secs = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut busy = busy_reader.join().unwrap();
    assert!(report.errors.is_empty(), "{report}");
    assert_eq!(report.renewed as i64, args.clients, "{report}");
    let mismatches = billpanel::domain::payments::check_ledger(&mut conn).unwrap();
    assert!(
        mismatches.is_empty(),
        "the run left {} accounts off their ledger",
        mismatches.len()
    );

    let run_rate = report.renewed as f64 / run_secs;
    let inserts = ceiling(&mut conn, args.clients, false);
    let all_rows = ceiling(&mut conn, args.clients, true);
    println!("{engine}: billing run {report} in {run_secs:.2} s");
    println!();
    println!(
        "| Engine | Renewals | Run | Services/s | Ceiling: its inserts | Ratio | Ceiling: all its rows | Ratio | Read p99 idle | Read p99 during the run |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {engine} | {} | {run_secs:.2} s | {run_rate:.0} | {inserts:.0}/s | {:.0}% | {all_rows:.0}/s | {:.0}% | {:.2} ms | {:.2} ms |",
        report.renewed,
        100.0 * run_rate / inserts,
        100.0 * run_rate / all_rows,
        percentile(&mut idle, 0.99),
        percentile(&mut busy, 0.99),
    );
}
