//! Mail delivery at scale: queues N messages in the outbox and sends them to an SMTP server
//! on loopback (the tests' own, mailin-embedded) with one worker, as `serve` does; then
//! queues N more and sends them with two workers, each with its own connection pool, as two
//! servers on one database do, and checks that every message arrived exactly once. Last,
//! a mass mailing to C clients: counting its recipients, and queuing one message to each
//! (the target: 100,000 in under 30 s).
//!
//!     cargo bench --bench mail -- [--messages 20000] [--clients 100000] [--database-url URL]
//!
//! Without `--database-url` it uses a new SQLite file in a temporary folder; a
//! `postgres://` URL names a server, on which a new database is made and dropped after.

#[path = "../tests/app/smtp_server.rs"]
#[allow(dead_code)]
mod smtp_server;

use std::collections::HashMap;
use std::time::Instant;

use billpanel::db::models::{NewOutboxMail, OutboxMail};
use billpanel::db::{self, DatabaseUrl, DbPool};
use billpanel::domain::mail::delivery::Mailer;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

fn queue(pool: &DbPool, from: usize, n: usize) {
    let mut conn = pool.get().unwrap();
    let now = db::now();
    db::write_transaction(&mut conn, |conn| {
        for i in from..from + n {
            let to = format!("client{i}@example.com");
            OutboxMail::queue(
                conn,
                &NewOutboxMail {
                    recipient: &to,
                    sender: "",
                    subject: "Payment received",
                    body: &format!("We received your payment #{i} of 150.00 RUB. Thank you."),
                    created_at: now,
                },
            )?;
        }
        Ok::<_, diesel::result::Error>(())
    })
    .unwrap();
}

/// What the server said to the messages that were not sent (a few, when there are any).
fn failures(pool: &DbPool) -> Vec<String> {
    use billpanel::db::models::outbox::{FAILED, OutboxFilter};
    let filter = OutboxFilter {
        status: Some(FAILED.into()),
        ..Default::default()
    };
    OutboxMail::rows(&mut pool.get().unwrap(), &filter, 5)
        .unwrap()
        .into_iter()
        .map(|m| m.last_error)
        .collect()
}

/// Sends what is due with `workers` workers at once; the seconds it took and the sent count.
fn deliver(url: &DatabaseUrl, smtp: &smtp_server::SmtpServer, workers: usize) -> (f64, usize) {
    let started = Instant::now();
    let threads: Vec<_> = (0..workers)
        .map(|_| {
            let pool = db::connect(url, 2).unwrap();
            let smtp = smtp.url();
            std::thread::spawn(move || {
                let mailer =
                    Mailer::new(&smtp, "billing@provider.test".parse().unwrap(), vec![]).unwrap();
                let mut conn = pool.get().unwrap();
                mailer.deliver_due(&mut conn).unwrap().sent
            })
        })
        .collect();
    let sent = threads.into_iter().map(|t| t.join().unwrap()).sum();
    (started.elapsed().as_secs_f64(), sent)
}

/// `n` clients with an owner each, written straight into the tables.
fn clients_with_owners(pool: &DbPool, n: usize) {
    let mut conn = pool.get().unwrap();
    db::write_transaction(&mut conn, |conn| {
        for start in (0..n).step_by(500) {
            let ids: Vec<usize> = (start..(start + 500).min(n)).collect();
            let clients: Vec<String> = ids
                .iter()
                .map(|i| format!("({}, 'Client {i}', 'person', CURRENT_TIMESTAMP)", i + 1))
                .collect();
            diesel::sql_query(format!(
                "INSERT INTO clients (id, name, kind, created_at) VALUES {}",
                clients.join(", ")
            ))
            .execute(conn)?;
            let users: Vec<String> = ids
                .iter()
                .map(|i| {
                    format!(
                        "({}, 'reader{i}@example.com', 'Reader {i}', 'x', TRUE, CURRENT_TIMESTAMP)",
                        i + 1
                    )
                })
                .collect();
            diesel::sql_query(format!(
                "INSERT INTO users (client_id, email, name, password_hash, is_owner, created_at) \
                 VALUES {}",
                users.join(", ")
            ))
            .execute(conn)?;
        }
        Ok::<_, diesel::result::Error>(())
    })
    .unwrap();
}

/// A mailing to every one of `n` clients: counted, then queued as `serve` queues it.
fn mailing(pool: &DbPool, engine: &str, n: usize) {
    use billpanel::db::models::mailing::{Mailing, NewMailing, Target};
    clients_with_owners(pool, n);
    let mut conn = pool.get().unwrap();
    let started = Instant::now();
    let reached = Mailing::count(&mut conn, &Target::default()).unwrap();
    let counted = started.elapsed().as_secs_f64();
    assert_eq!(reached as usize, n);
    let mailing = Mailing::insert(
        &mut conn,
        &NewMailing {
            subject: "News for {{ client }}",
            body: "Hello {{ client }},\n\nour new data centre opens in March.",
            group_ids: "",
            provider_id: None,
            state: "",
            created_by: None,
            created_at: db::now(),
        },
    )
    .unwrap();
    let started = Instant::now();
    billpanel::domain::mail::mailings::queue(
        &mut conn,
        mailing.id,
        "https://billing.example.com",
        &[7u8; 32],
    )
    .unwrap();
    let queued = started.elapsed().as_secs_f64();
    let rows: i64 = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM outbox WHERE mailing_id = {}",
        mailing.id
    ))
    .get_result::<Counted>(&mut conn)
    .unwrap()
    .n;
    assert_eq!(rows as usize, n, "one message to each client");
    println!(
        "{engine}: a mailing to {n} clients: counted in {counted:.2} s, queued in {queued:.2} s \
         ({:.0} messages per second)",
        n as f64 / queued
    );
}

#[derive(diesel::QueryableByName)]
struct Counted {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn main() {
    let mut messages = 20_000usize;
    let mut clients = 100_000usize;
    let mut server: Option<String> = None;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--messages" => {
                messages = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--messages N")
            }
            "--clients" => clients = it.next().and_then(|n| n.parse().ok()).expect("--clients N"),
            "--database-url" => server = it.next(),
            "--bench" => {}
            other => panic!(
                "unknown argument {other}; use --messages N, --clients N and --database-url URL"
            ),
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let (url, pg) = match &server {
        Some(s) if s.starts_with("postgres") => {
            let name = format!("billpanel_mail_{}", std::process::id());
            let mut admin = diesel::PgConnection::establish(s).expect("PostgreSQL");
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .unwrap();
            let base = s.rsplit_once('/').map(|(b, _)| b).unwrap();
            (format!("{base}/{name}"), Some((s.clone(), name)))
        }
        _ => (
            format!("sqlite://{}", dir.path().join("bench.db").display()),
            None,
        ),
    };
    let url = DatabaseUrl::parse(&url).unwrap();
    let engine = if pg.is_some() { "PostgreSQL" } else { "SQLite" };
    let pool = db::connect(&url, 2).unwrap();
    db::run_migrations(&mut pool.get().unwrap()).unwrap();
    let smtp = smtp_server::SmtpServer::start();

    queue(&pool, 0, messages);
    let (one, sent_one) = deliver(&url, &smtp, 1);
    assert_eq!(sent_one, messages, "failed: {:?}", failures(&pool));
    println!(
        "{engine}: one worker sent {messages} messages in {one:.2} s: {:.0} per second",
        messages as f64 / one
    );
    queue(&pool, messages, messages);
    let (two, sent_two) = deliver(&url, &smtp, 2);
    assert_eq!(sent_two, messages, "failed: {:?}", failures(&pool));
    let received = smtp.received();
    assert_eq!(received.len(), 2 * messages, "every message arrived");
    let mut per_recipient: HashMap<&str, usize> = HashMap::new();
    for r in &received {
        *per_recipient.entry(r.to[0].as_str()).or_default() += 1;
    }
    let twice = per_recipient.values().filter(|n| **n > 1).count();
    assert_eq!(twice, 0, "a message was sent twice");
    println!(
        "{engine}: two workers sent {messages} more in {two:.2} s: {:.0} per second, each \
         message exactly once",
        messages as f64 / two
    );
    mailing(&pool, engine, clients);
    drop(pool);
    if let Some((server, name)) = pg {
        let mut admin = diesel::PgConnection::establish(&server).unwrap();
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
}
