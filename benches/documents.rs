//! Accounting documents at scale: seeds the demo (which issues a bill per bank transfer and
//! a year of acts), takes back the acts of the last month and issues them again as the
//! monthly run does (mail to each payer and an audit event each, a batch of accounts per
//! transaction), then renders PDFs of acts and bills on one thread.
//!
//!     cargo bench --bench documents -- [--clients 100000] [--database-url URL]
//!
//! Without `--database-url` it uses a new SQLite file in a temporary folder; a
//! `postgres://` URL names a server, on which a new database is made and dropped after.

use std::time::Instant;

use billpanel::db::{self, DatabaseUrl, DbConnection};
use billpanel::domain::documents::{self, acts, pdf};
use billpanel::domain::{Actor, demo};
use billpanel::ids::DocumentId;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

fn ids(conn: &mut DbConnection, sql: &str) -> Vec<i64> {
    diesel::sql_query(sql)
        .load::<Id>(conn)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
}

fn main() {
    let mut clients = 100_000u64;
    let mut server: Option<String> = None;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--clients" => clients = it.next().and_then(|n| n.parse().ok()).expect("--clients N"),
            "--database-url" => server = it.next(),
            "--bench" => {}
            other => panic!("unknown argument {other}; use --clients N and --database-url URL"),
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let (url, pg_name) = match &server {
        Some(s) if s.starts_with("postgres") => {
            let name = format!("billpanel_documents_{}", std::process::id());
            let mut admin = diesel::PgConnection::establish(s).expect("PostgreSQL");
            admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
                .unwrap();
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .unwrap();
            let base = s.rsplit_once('/').map(|(b, _)| b).unwrap();
            (format!("{base}/{name}"), Some(name))
        }
        _ => (
            format!("sqlite://{}", dir.path().join("bench.db").display()),
            None,
        ),
    };
    let url = DatabaseUrl::parse(&url).unwrap();
    let pool = db::connect(&url, 2).unwrap();
    let mut conn = pool.get().unwrap();
    db::run_migrations(&mut conn).unwrap();
    let started = Instant::now();
    let report = demo::seed(&mut conn, clients, db::now(), |_, _| {}).unwrap();
    println!(
        "seed-demo: {clients} clients, {} bills and {} acts in {:.1} s",
        report.bills,
        report.acts,
        started.elapsed().as_secs_f64()
    );

    // The last month's acts, taken back and issued again by the monthly run.
    let today = db::now().date();
    let month = billpanel::domain::periods::add_months(today, -1);
    let first = month.format("%Y-%m-01").to_string();
    conn.batch_execute(&format!(
        "DELETE FROM document_lines WHERE document_id IN \
             (SELECT id FROM documents WHERE kind = 'act' AND period_start = '{first}'); \
         DELETE FROM documents WHERE kind = 'act' AND period_start = '{first}'; \
         UPDATE document_sequences SET last_number = (SELECT COALESCE(MAX(d.sequence), 0) \
             FROM documents d WHERE d.company_id = document_sequences.company_id \
             AND d.kind = 'act' AND d.year = document_sequences.year) WHERE kind = 'act';"
    ))
    .unwrap();
    let started = Instant::now();
    let acts = acts::generate(&mut conn, &Actor::system(), month, acts::Scope::default()).unwrap();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "acts of {}: {} acts, {} lines in {seconds:.1} s ({:.0} acts/s), {} engine",
        month.format("%Y-%m"),
        acts.issued,
        acts.lines,
        acts.issued as f64 / seconds.max(1e-9),
        if pg_name.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
    );

    // PDFs: acts and bills, one thread.
    let mut sample = ids(
        &mut conn,
        "SELECT id FROM documents WHERE kind = 'act' ORDER BY id DESC LIMIT 100",
    );
    sample.extend(ids(
        &mut conn,
        "SELECT id FROM documents WHERE kind = 'bill' ORDER BY id DESC LIMIT 100",
    ));
    let views: Vec<_> = sample
        .iter()
        .map(|id| documents::for_staff(&mut conn, &Actor::system(), DocumentId(*id)).unwrap())
        .collect();
    let started = Instant::now();
    let mut bytes = 0;
    for view in &views {
        bytes += pdf::render(view).unwrap().len();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "PDF: {} documents in {seconds:.2} s on one thread ({:.0} per second, {} KB each on average)",
        views.len(),
        views.len() as f64 / seconds.max(1e-9),
        bytes / views.len().max(1) / 1024
    );
    drop(conn);
    drop(pool);
    if let (Some(server), Some(name)) = (&server, &pg_name)
        && let Ok(mut admin) = diesel::PgConnection::establish(server)
    {
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
}
