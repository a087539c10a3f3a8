//! The main pages under load, on a demo provider of N clients (`billpanel seed-demo`):
//! requests per second and p50/p99 latency at 32 connections for `/healthz` (the ceiling:
//! the framework and one pooled database round trip), the admin client list (first page, a
//! search by name, a search by tax id, page 2,000), a client card, the client dashboard, the
//! ticket queue, and a payment POST at 8 connections. Writes the table to BENCHMARKS.md.
//!
//!     cargo bench --bench pages -- [--clients 100000] [--seconds 5] [--database-url URL] [--write BENCHMARKS.md]

use std::net::TcpListener;
use std::time::{Duration, Instant};

use actix_web::HttpServer;
use billpanel::config::Config;
use billpanel::db::{self, DatabaseUrl, DbConnection};
use billpanel::domain::demo;
use billpanel::web::{self, AppState};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

struct Args {
    clients: u64,
    seconds: u64,
    database_url: Option<String>,
    write: Option<String>,
}

fn args() -> Args {
    let mut args = Args {
        clients: 100_000,
        seconds: 5,
        database_url: None,
        write: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--clients" => {
                args.clients = it.next().and_then(|n| n.parse().ok()).expect("--clients N")
            }
            "--seconds" => {
                args.seconds = it.next().and_then(|n| n.parse().ok()).expect("--seconds S")
            }
            "--database-url" => args.database_url = it.next(),
            "--write" => args.write = it.next(),
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    args
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

fn one_id(conn: &mut DbConnection, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Id>(conn).unwrap().id
}

/// The server on its own thread and runtime, as `billpanel serve` runs it.
fn start(state: AppState) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            HttpServer::new(move || web::app(state.clone()))
                .workers(2)
                .disable_signals()
                .listen(listener)
                .unwrap()
                .run()
                .await
                .unwrap();
        });
    });
    format!("http://{}", rx.recv().unwrap())
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(64)
        .build()
        .unwrap()
}

fn csrf(html: &str) -> String {
    let at = html
        .find("name=\"csrf_token\" value=\"")
        .expect("a CSRF token")
        + 25;
    html[at..].split('"').next().unwrap().to_string()
}

async fn sign_in(client: &reqwest::Client, base: &str, page: &str, email: &str, password: &str) {
    let html = client
        .get(format!("{base}{page}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let answer = client
        .post(format!("{base}{page}"))
        .form(&[
            ("csrf_token", csrf(&html).as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303, "signed in to {page}");
}

/// What one page did: requests per second, p50 and p99 in milliseconds, failures.
struct Measured {
    rps: f64,
    p50: f64,
    p99: f64,
    failed: u64,
}

/// `connections` loops sending `request` for `seconds`.
async fn measure<F, Fut>(connections: usize, seconds: u64, request: F) -> Measured
where
    F: Fn(u64) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let request = &request;
    let loops = (0..connections).map(|c| async move {
        let mut latencies = Vec::new();
        let mut failed = 0;
        let mut n = 0_u64;
        while Instant::now() < deadline {
            let started = Instant::now();
            if !request(c as u64 * 1_000_000 + n).await {
                failed += 1;
            }
            latencies.push(started.elapsed());
            n += 1;
        }
        (latencies, failed)
    });
    let results = futures_util::future::join_all(loops).await;
    let mut all: Vec<Duration> = results
        .iter()
        .flat_map(|(l, _)| l.iter().copied())
        .collect();
    let failed = results.iter().map(|(_, f)| f).sum();
    all.sort();
    let at = |p: f64| all[((all.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1000.0;
    Measured {
        rps: all.len() as f64 / seconds as f64,
        p50: at(0.5),
        p99: at(0.99),
        failed,
    }
}

fn main() {
    let args = args();
    let dir = tempfile::tempdir().unwrap();
    let (url, engine) = match &args.database_url {
        Some(url) if url.starts_with("postgres") => {
            let name = format!("billpanel_pages_{}", std::process::id());
            let mut admin = diesel::PgConnection::establish(url).expect("PostgreSQL");
            diesel::connection::SimpleConnection::batch_execute(
                &mut admin,
                &format!("DROP DATABASE IF EXISTS {name}"),
            )
            .unwrap();
            diesel::connection::SimpleConnection::batch_execute(
                &mut admin,
                &format!("CREATE DATABASE {name}"),
            )
            .unwrap();
            let base = url.rsplit_once('/').map(|(b, _)| b).unwrap();
            (
                DatabaseUrl::parse(&format!("{base}/{name}")).unwrap(),
                "PostgreSQL",
            )
        }
        _ => (
            DatabaseUrl::parse(&format!(
                "sqlite://{}",
                dir.path().join("pages.db").display()
            ))
            .unwrap(),
            "SQLite",
        ),
    };
    let config = Config {
        database_url: url.clone(),
        bind: "127.0.0.1:0".into(),
        public_url: "http://127.0.0.1".into(),
        secret_key: "b".repeat(64).into_bytes(),
        admin_email: None,
        admin_password: None,
        behind_proxy: false,
        pool_size: 8,
        impersonation_minutes: 60,
        test_gateway: None,
    };
    let pool = billpanel::server::open_database(&config).unwrap();
    let mut conn = pool.get().unwrap();
    let started = Instant::now();
    demo::seed(&mut conn, args.clients, db::now(), |_, _| {}).unwrap();
    println!(
        "{engine}: seeded {} clients in {:.1} s",
        args.clients,
        started.elapsed().as_secs_f64()
    );
    let client_id = one_id(&mut conn, "SELECT MIN(id) AS id FROM clients");
    let account = one_id(
        &mut conn,
        &format!(
            "SELECT MIN(a.id) AS id FROM accounts a JOIN providers p ON p.id = a.provider_id \
         WHERE a.client_id = {client_id} AND p.name = 'Main provider'"
        ),
    );
    let payer = one_id(
        &mut conn,
        &format!("SELECT MIN(id) AS id FROM payers WHERE client_id = {client_id}"),
    );
    drop(conn);
    let base = start(AppState::new(pool, config));
    let last_page_after = args.clients.saturating_sub(1999 * 50) + 1;

    let rows = actix_web::rt::System::new().block_on(async {
        let admin = browser();
        sign_in(
            &admin,
            &base,
            "/admin/login",
            "admin@demo.billpanel.test",
            demo::STAFF_PASSWORD,
        )
        .await;
        let owner = browser();
        sign_in(
            &owner,
            &base,
            "/login",
            "client1@demo.billpanel.test",
            demo::CLIENT_PASSWORD,
        )
        .await;
        let card = format!("/admin/clients/{client_id}");
        let token = csrf(
            &admin
                .get(format!("{base}{card}?tab=payments"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        );

        let pages: Vec<(String, &reqwest::Client)> = vec![
            ("/healthz".into(), &admin),
            ("/admin/clients".into(), &admin),
            ("/admin/clients?q=novak".into(), &admin),
            ("/admin/clients?q=7700099998".into(), &admin),
            (format!("/admin/clients?after_id={last_page_after}"), &admin),
            (card.clone(), &admin),
            ("/client".into(), &owner),
            ("/admin/tickets".into(), &admin),
        ];
        let mut rows = Vec::new();
        for (path, who) in &pages {
            let url = format!("{base}{path}");
            let m = measure(32, args.seconds, |_| {
                let url = url.clone();
                async move {
                    match who.get(&url).send().await {
                        Ok(r) => r.status() == 200 && r.bytes().await.is_ok(),
                        Err(_) => false,
                    }
                }
            })
            .await;
            rows.push((format!("GET {path}"), 32, m));
        }
        let action = format!("{base}/admin/clients/{client_id}/payments");
        let run = std::process::id();
        let m = measure(8, args.seconds, |n| {
            let (action, token, admin) = (action.clone(), token.clone(), &admin);
            async move {
                let key = format!("bench-{run}-{n}");
                let form = [
                    ("csrf_token", token.as_str()),
                    ("account_id", &account.to_string()),
                    ("payer_id", &payer.to_string()),
                    ("amount", "10.00"),
                    ("idempotency_key", key.as_str()),
                ];
                match admin.post(&action).form(&form).send().await {
                    Ok(r) => r.status() == 303,
                    Err(_) => false,
                }
            }
        })
        .await;
        rows.push(("POST a payment (durable commit)".into(), 8, m));
        rows
    });

    let healthz = rows[0].2.rps;
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut table = format!(
        "## {engine}, {} clients, {}-core machine, {}\n\n\
         | Request | Connections | Requests/s | % of /healthz | p50 | p99 | Failed |\n|---|---|---|---|---|---|---|\n",
        args.clients,
        cores,
        chrono::Utc::now().format("%Y-%m-%d")
    );
    for (what, connections, m) in &rows {
        table += &format!(
            "| {what} | {connections} | {:.0} | {:.0} % | {:.1} ms | {:.1} ms | {} |\n",
            m.rps,
            100.0 * m.rps / healthz,
            m.p50,
            m.p99,
            m.failed
        );
    }
    println!("\n{table}");
    if let Some(path) = args.write {
        let mut text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            "# Benchmarks\n\nWritten by `cargo bench --bench pages -- --write BENCHMARKS.md`: the main pages under load on a demo provider made by `billpanel seed-demo`, with one server process (2 workers) and the load generator on the same machine.\n\n".into()
        });
        text += &table;
        text += "\n";
        std::fs::write(&path, text).unwrap();
    }
    assert!(
        rows.iter().all(|(_, _, m)| m.failed == 0),
        "some requests failed"
    );
    if let Some(url) = &args.database_url
        && url.starts_with("postgres")
        && let Ok(mut admin) = diesel::PgConnection::establish(url)
    {
        let name = format!("billpanel_pages_{}", std::process::id());
        let _ = diesel::connection::SimpleConnection::batch_execute(
            &mut admin,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        );
    }
}
