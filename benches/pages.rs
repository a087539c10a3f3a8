//! The main pages under load, on a demo provider of N clients (`billpanel seed-demo`), served
//! by one or more real `billpanel serve` processes on one database: requests per second and
//! p50/p99 latency at 32 connections for `/healthz` (the ceiling: the framework and one pooled
//! database round trip), the admin dashboard, the admin client list (first page, a search by name, a search by tax
//! id, page 2,000), a client card, the client dashboard, the ticket queue, and a payment POST
//! at 8 connections. Then 10 seconds of overload on the name search (128 connections), and
//! the dashboard's throughput in the 2 seconds after it; and each server's peak memory.
//! Several servers share the load round-robin, as a load balancer would. Writes the table to
//! BENCHMARKS.md.
//!
//!     cargo bench --bench pages -- [--clients 100000] [--seconds 5] [--servers 1]
//!         [--database-url postgres://...] [--write BENCHMARKS.md] [--keep NAME]
//!         [--only /admin,/client]
//!
//! `--only` measures only the pages whose paths are among those given (with any query, and
//! `/healthz`, the yardstick), for a quick look at a page being worked on.
//! `--keep NAME` keeps the seeded database (a file NAME on SQLite, a database NAME on
//! PostgreSQL) and, when it is there already with N clients, measures it without seeding
//! again: a 100,000-client demo takes 15-25 minutes to seed on this machine.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use billpanel::config::Config;
use billpanel::db::{self, DatabaseUrl, DbConnection, Engine};
use billpanel::domain::demo;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

struct Args {
    clients: u64,
    seconds: u64,
    servers: usize,
    database_url: Option<String>,
    write: Option<String>,
    keep: Option<String>,
    only: Vec<String>,
}

fn args() -> Args {
    let mut args = Args {
        clients: 100_000,
        seconds: 5,
        servers: 1,
        database_url: None,
        write: None,
        keep: None,
        only: Vec::new(),
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
            "--servers" => {
                args.servers = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n >= 1)
                    .expect("--servers N")
            }
            "--database-url" => args.database_url = it.next(),
            "--write" => args.write = it.next(),
            "--keep" => args.keep = it.next(),
            "--only" => {
                args.only = it
                    .next()
                    .expect("--only /path,/path")
                    .split(',')
                    .map(str::to_owned)
                    .collect()
            }
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

/// `billpanel serve` processes on one database, each on its own port; stopped when dropped.
struct Servers {
    children: Vec<Child>,
    bases: Vec<String>,
}

impl Servers {
    fn start(count: usize, url: &DatabaseUrl, work_dir: &std::path::Path) -> Servers {
        let database_url = match url.engine {
            Engine::Sqlite => format!("sqlite://{}", url.target),
            Engine::Postgres => url.target.clone(),
        };
        let mut servers = Servers {
            children: Vec::new(),
            bases: Vec::new(),
        };
        for _ in 0..count {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let child = Command::new(env!("CARGO_BIN_EXE_billpanel"))
                .arg("serve")
                .current_dir(work_dir)
                .env("DATABASE_URL", &database_url)
                .env("BILLPANEL_BIND", format!("127.0.0.1:{port}"))
                .env("BILLPANEL_SECRET_KEY", "b".repeat(64))
                .env("BILLPANEL_BILLING_RUN", "off")
                .env("RUST_LOG", "warn")
                .stdin(Stdio::null())
                .spawn()
                .expect("billpanel serve starts");
            servers.children.push(child);
            servers.bases.push(format!("http://127.0.0.1:{port}"));
        }
        for base in &servers.bases {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !healthy(base) {
                assert!(Instant::now() < deadline, "{base} did not answer in 60 s");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        servers
    }

    /// Samples each server's memory every 100 ms until `stop` is set: the peak of its own
    /// memory (RssAnon) and of all it had mapped (VmHWM, with the database file and the
    /// binary that the OS keeps in its page cache), in MiB.
    fn watch_memory(
        &self,
        stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    ) -> std::thread::JoinHandle<Vec<(f64, f64)>> {
        let pids: Vec<u32> = self.children.iter().map(Child::id).collect();
        std::thread::spawn(move || {
            let field = |status: &str, name: &str| -> f64 {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
                    .map_or(0.0, |kb| kb / 1024.0)
            };
            let mut peaks = vec![(0.0_f64, 0.0_f64); pids.len()];
            loop {
                for (pid, peak) in pids.iter().zip(peaks.iter_mut()) {
                    let status =
                        std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
                    peak.0 = peak.0.max(field(&status, "RssAnon:"));
                    peak.1 = peak.1.max(field(&status, "VmHWM:"));
                }
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    return peaks;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// CPU time the servers have used so far (user and system), in seconds. A steadier measure
/// than requests per second on a shared machine, where the load generator and neighbours
/// take their share of the cores. PostgreSQL's own processes are not counted.
fn servers_cpu_seconds(pids: &[u32]) -> f64 {
    pids.iter()
        .map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // Fields after the command name (which may hold spaces) start at state (3rd):
            // utime is the 14th field and stime the 15th, in clock ticks: 1/100 s, the
            // USER_HZ that Linux uses in /proc whatever the kernel's own tick.
            let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
            let fields: Vec<&str> = after_name.split_whitespace().collect();
            let ticks = |i: usize| {
                fields
                    .get(i)
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or(0.0)
            };
            (ticks(11) + ticks(12)) / 100.0
        })
        .sum()
}

/// Whether `/healthz` of the server at `base` answers 200, asked over plain TCP.
fn healthy(base: &str) -> bool {
    use std::io::{Read, Write};
    let host = base.trim_start_matches("http://");
    let Ok(mut stream) = std::net::TcpStream::connect(host) else {
        return false;
    };
    let mut answer = String::new();
    write!(stream, "GET /healthz HTTP/1.0\r\nHost: {host}\r\n\r\n").is_ok()
        && stream.read_to_string(&mut answer).is_ok()
        && answer.split(' ').nth(1) == Some("200")
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(64)
        // Below the server's keep-alive of 5 s: a connection idle that long may be closed by
        // the server just as a request goes out on it, and that request would fail.
        .pool_idle_timeout(Duration::from_secs(3))
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
    requests: u64,
    /// The servers' CPU time per request, in microseconds (set by the caller).
    cpu_us: f64,
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
        requests: all.len() as u64,
        cpu_us: 0.0,
    }
}

fn main() {
    let args = args();
    let dir = tempfile::tempdir().unwrap();
    let pg_name = match &args.keep {
        Some(name) => name.clone(),
        None => format!("billpanel_pages_{}", std::process::id()),
    };
    let (url, engine) = match &args.database_url {
        Some(url) if url.starts_with("postgres") => {
            let mut admin = diesel::PgConnection::establish(url).expect("PostgreSQL");
            let kept = args.keep.is_some()
                && diesel::sql_query(format!(
                    "SELECT COUNT(*) AS id FROM pg_database WHERE datname = '{pg_name}'"
                ))
                .get_result::<Id>(&mut admin)
                .is_ok_and(|n| n.id == 1);
            if !kept {
                for statement in [
                    format!("DROP DATABASE IF EXISTS {pg_name}"),
                    format!("CREATE DATABASE {pg_name}"),
                ] {
                    diesel::connection::SimpleConnection::batch_execute(&mut admin, &statement)
                        .unwrap();
                }
            }
            let base = url.rsplit_once('/').map(|(b, _)| b).unwrap();
            (
                DatabaseUrl::parse(&format!("{base}/{pg_name}")).unwrap(),
                "PostgreSQL",
            )
        }
        _ => (
            DatabaseUrl::parse(&format!(
                "sqlite://{}",
                match &args.keep {
                    Some(file) => std::path::PathBuf::from(file),
                    None => dir.path().join("pages.db"),
                }
                .display()
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
        pool_size: 2,
        impersonation_minutes: 60,
        test_gateway: None,
        billing_schedule: false,
        registrations_per_hour: 10,
        mail: Default::default(),
    };
    let pool = billpanel::server::open_database(&config).unwrap();
    let mut conn = pool.get().unwrap();
    let started = Instant::now();
    let seeded = one_id(&mut conn, "SELECT COUNT(*) AS id FROM clients");
    if args.keep.is_some() && seeded as u64 == args.clients {
        println!("{engine}: measuring the kept demo of {seeded} clients");
    } else {
        assert_eq!(seeded, 0, "--keep names a database holding another demo");
        demo::seed(&mut conn, args.clients, db::now(), |_, _| {}).unwrap();
        println!(
            "{engine}: seeded {} clients in {:.1} s",
            args.clients,
            started.elapsed().as_secs_f64()
        );
    }
    let client_id = one_id(&mut conn, "SELECT MIN(id) AS id FROM clients");
    // Payments are posted for another client than the one whose pages are measured: each
    // also lands in the client's inbox, and a kept demo measured again would otherwise
    // measure a client with ever more mail.
    let payee = one_id(&mut conn, "SELECT MAX(id) AS id FROM clients");
    let account = one_id(
        &mut conn,
        &format!(
            "SELECT MIN(a.id) AS id FROM accounts a JOIN providers p ON p.id = a.provider_id \
         WHERE a.client_id = {payee} AND p.name = 'Main provider'"
        ),
    );
    let payer = one_id(
        &mut conn,
        &format!("SELECT MIN(id) AS id FROM payers WHERE client_id = {payee}"),
    );
    // Documents: a bill and an act (the demo's), a middle page of the list, a payer with
    // documents and the month of the last acts.
    let bill = one_id(
        &mut conn,
        "SELECT MIN(id) AS id FROM documents WHERE kind = 'bill'",
    );
    let act = one_id(
        &mut conn,
        "SELECT MAX(id) AS id FROM documents WHERE kind = 'act'",
    );
    let documents_middle = {
        #[derive(diesel::QueryableByName)]
        struct Day {
            #[diesel(sql_type = diesel::sql_types::Text)]
            day: String,
        }
        let id = one_id(&mut conn, "SELECT MAX(id) / 2 AS id FROM documents");
        let day = diesel::sql_query(format!(
            "SELECT CAST(issued_on AS TEXT) AS day FROM documents WHERE id = {id}"
        ))
        .get_result::<Day>(&mut conn)
        .unwrap()
        .day;
        format!("{day}.{id}")
    };
    let act_payer = one_id(
        &mut conn,
        &format!("SELECT payer_id AS id FROM documents WHERE id = {act}"),
    );
    let act_company = one_id(
        &mut conn,
        &format!("SELECT company_id AS id FROM documents WHERE id = {act}"),
    );
    let act_month = {
        let today = billpanel::db::now().date();
        billpanel::domain::periods::add_months(today, -1)
            .format("%Y-%m")
            .to_string()
    };
    let mailing = one_id(&mut conn, "SELECT MAX(id) AS id FROM mailings");
    // The list filters' choices: a group, a provider, a payment method.
    let group = one_id(&mut conn, "SELECT MIN(id) AS id FROM client_groups");
    let provider = one_id(&mut conn, "SELECT MIN(id) AS id FROM providers");
    let method = one_id(&mut conn, "SELECT MIN(id) AS id FROM payment_methods");
    // The outbox: a recipient with mail, a day with mail, a page in the middle, a message.
    let mail = one_id(&mut conn, "SELECT MAX(id) / 2 AS id FROM outbox");
    let (mail_recipient, mail_day, mail_middle) = {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            recipient: String,
            #[diesel(sql_type = diesel::sql_types::Timestamp)]
            created_at: chrono::NaiveDateTime,
        }
        let row = diesel::sql_query(format!(
            "SELECT recipient, created_at FROM outbox WHERE id = {mail}"
        ))
        .get_result::<Row>(&mut conn)
        .unwrap();
        let cursor = billpanel::db::models::outbox::OutboxCursor {
            at: row.created_at,
            id: billpanel::ids::OutboxId(mail),
        };
        (
            row.recipient,
            row.created_at.format("%Y-%m-%d").to_string(),
            cursor.to_string(),
        )
    };
    // A search by a company's tax id: the last legal entity's.
    let tax_id = {
        #[derive(QueryableByName)]
        struct TaxId {
            #[diesel(sql_type = diesel::sql_types::Text)]
            tax_id: String,
        }
        diesel::sql_query(
            "SELECT tax_id FROM payers WHERE kind = 'legal_entity' ORDER BY id DESC LIMIT 1",
        )
        .get_result::<TaxId>(&mut conn)
        .unwrap()
        .tax_id
    };
    drop(conn);
    drop(pool);
    let servers = Servers::start(args.servers, &url, dir.path());
    let stop_watching = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let memory_watch = servers.watch_memory(stop_watching.clone());
    let bases = servers.bases.clone();
    let pids: Vec<u32> = servers.children.iter().map(Child::id).collect();
    let base = bases[0].clone();
    let last_page_after = args.clients.saturating_sub(1999 * 50) + 1;

    let (rows, overload) = actix_web::rt::System::new().block_on(async {
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
        // The same path on every server, taken in turn.
        let on_each =
            |path: &str| -> Vec<String> { bases.iter().map(|b| format!("{b}{path}")).collect() };
        let get = |urls: Vec<String>, who: &reqwest::Client| {
            let who = who.clone();
            move |n: u64| {
                let url = urls[n as usize % urls.len()].clone();
                let who = who.clone();
                async move {
                    // A failure says what it was, so a failed run can be read.
                    match who.get(&url).send().await {
                        Ok(r) if r.status() == 200 => r.bytes().await.is_ok(),
                        Ok(r) => {
                            eprintln!("GET {url}: {}", r.status());
                            false
                        }
                        Err(e) => {
                            eprintln!("GET {url}: {e}");
                            false
                        }
                    }
                }
            }
        };

        let pages: Vec<(String, &reqwest::Client)> = vec![
            ("/healthz".into(), &admin),
            ("/admin/clients".into(), &admin),
            ("/admin/clients?q=novak".into(), &admin),
            (format!("/admin/clients?q={tax_id}"), &admin),
            (format!("/admin/clients?after_id={last_page_after}"), &admin),
            // The client list with each filter a person can pick and each sort either way,
            // and a previous page deep in the list.
            ("/admin/clients?state=active".into(), &admin),
            ("/admin/clients?state=not_active".into(), &admin),
            (format!("/admin/clients?provider={provider}"), &admin),
            (format!("/admin/clients?group={group}"), &admin),
            ("/admin/clients?enabled=yes".into(), &admin),
            ("/admin/clients?enabled=no".into(), &admin),
            ("/admin/clients?sort=id&dir=asc".into(), &admin),
            ("/admin/clients?sort=name".into(), &admin),
            ("/admin/clients?sort=name&dir=desc".into(), &admin),
            ("/admin/clients?sort=registered".into(), &admin),
            ("/admin/clients?sort=registered&dir=asc".into(), &admin),
            ("/admin/clients?sort=balance".into(), &admin),
            ("/admin/clients?sort=balance&dir=asc".into(), &admin),
            ("/admin/clients?state=not_active&sort=name".into(), &admin),
            (
                format!("/admin/clients?before_id={last_page_after}&row=50001"),
                &admin,
            ),
            // The header's search: a name, a number.
            ("/admin/search?q=novak".into(), &admin),
            (format!("/admin/search?q={client_id}"), &admin),
            // Payments, services and expenses with each filter and sort.
            ("/admin/payments".into(), &admin),
            ("/admin/payments?sort=amount".into(), &admin),
            ("/admin/payments?sort=amount&dir=asc".into(), &admin),
            ("/admin/payments?sort=date&dir=asc".into(), &admin),
            ("/admin/payments?status=new".into(), &admin),
            (format!("/admin/payments?method={method}"), &admin),
            (format!("/admin/payments?client={client_id}"), &admin),
            (format!("/admin/payments?from={act_month}-01"), &admin),
            ("/admin/services".into(), &admin),
            ("/admin/services?status=active".into(), &admin),
            ("/admin/services?status=suspended_unpaid".into(), &admin),
            ("/admin/services?sort=price".into(), &admin),
            ("/admin/services?sort=price&dir=asc".into(), &admin),
            ("/admin/services?sort=paid_until".into(), &admin),
            (
                "/admin/services?status=active&sort=paid_until".into(),
                &admin,
            ),
            ("/admin/expenses".into(), &admin),
            ("/admin/expenses?kind=renewal".into(), &admin),
            ("/admin/expenses?sort=amount".into(), &admin),
            (format!("/admin/expenses?client={client_id}"), &admin),
            (card.clone(), &admin),
            // The admin dashboard: exact money from the daily figures on every view, the
            // counted figures shared for 30 s, recent activity in words.
            ("/admin".into(), &admin),
            ("/client".into(), &owner),
            ("/admin/tickets".into(), &admin),
            // Documents: the list with each filter a person can pick, a page deep in it, a
            // document's page and its PDF, and the client's own list.
            ("/admin/documents".into(), &admin),
            ("/admin/documents?kind=bill".into(), &admin),
            ("/admin/documents?kind=act".into(), &admin),
            ("/admin/documents?kind=credit_note".into(), &admin),
            ("/admin/documents?kind=reconciliation".into(), &admin),
            ("/admin/documents?status=issued".into(), &admin),
            ("/admin/documents?status=sent".into(), &admin),
            ("/admin/documents?status=cancelled".into(), &admin),
            (format!("/admin/documents?company={act_company}"), &admin),
            (format!("/admin/documents?client={client_id}"), &admin),
            (format!("/admin/documents?payer={act_payer}"), &admin),
            (format!("/admin/documents?month={act_month}"), &admin),
            (
                format!("/admin/documents?before={documents_middle}"),
                &admin,
            ),
            (format!("/admin/documents/{bill}"), &admin),
            (format!("/admin/documents/{act}"), &admin),
            (format!("/admin/documents/{act}/pdf"), &admin),
            ("/client/documents".into(), &owner),
            // The outbox with each filter, a page deep in it, and a message.
            ("/admin/outbox".into(), &admin),
            ("/admin/outbox?status=waiting".into(), &admin),
            ("/admin/outbox?status=sent".into(), &admin),
            ("/admin/outbox?status=failed".into(), &admin),
            (format!("/admin/outbox?recipient={mail_recipient}"), &admin),
            (format!("/admin/outbox?on={mail_day}"), &admin),
            (format!("/admin/outbox?before={mail_middle}"), &admin),
            (format!("/admin/outbox/{mail}"), &admin),
            // Mailings: the list, the demo's mailing to the Active clients with its
            // figures, the form, and the mail templates.
            ("/admin/mailings".into(), &admin),
            ("/admin/mailings/new".into(), &admin),
            (format!("/admin/mailings/{mailing}"), &admin),
            (format!("/admin/mailings/{mailing}/progress"), &admin),
            ("/admin/mail-templates".into(), &admin),
            ("/admin/mail-templates/payment_received/en".into(), &admin),
        ];
        let mut rows = Vec::new();
        let cpu_per_request = |m: &mut Measured, cpu_before: f64| {
            m.cpu_us = (servers_cpu_seconds(&pids) - cpu_before) * 1e6 / m.requests.max(1) as f64;
        };
        let chosen = |path: &str| {
            path == "/healthz"
                || args.only.is_empty()
                || args
                    .only
                    .iter()
                    .any(|p| path == p || path.starts_with(&format!("{p}?")))
        };
        for (path, who) in pages.iter().filter(|(path, _)| chosen(path)) {
            let cpu_before = servers_cpu_seconds(&pids);
            let mut m = measure(32, args.seconds, get(on_each(path), who)).await;
            cpu_per_request(&mut m, cpu_before);
            rows.push((format!("GET {path}"), 32, m));
        }
        let actions = on_each(&format!("/admin/clients/{payee}/payments"));
        let run = std::process::id();
        let cpu_before = servers_cpu_seconds(&pids);
        let mut m = measure(8, args.seconds, |n| {
            let (action, token, admin) = (
                actions[n as usize % actions.len()].clone(),
                token.clone(),
                &admin,
            );
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
        cpu_per_request(&mut m, cpu_before);
        rows.push(("POST a payment (durable commit)".into(), 8, m));

        // Overload: four times the connections on the name search for 10 s, then the
        // dashboard's throughput in the 2 s right after, against its own above.
        let overload_seconds = args.seconds.max(1) * 2;
        let during = {
            let flood = measure(
                128,
                overload_seconds,
                get(on_each("/admin/clients?q=novak"), &admin),
            );
            let probe = async {
                tokio_sleep(Duration::from_secs(overload_seconds) / 2).await;
                measure(4, 1, get(on_each("/client"), &owner)).await
            };
            let (flood, probe) = futures_util::future::join(flood, probe).await;
            (flood, probe)
        };
        let after = measure(32, 2, get(on_each("/client"), &owner)).await;
        (rows, (overload_seconds, during, after))
    });

    let healthz = rows[0].2.rps;
    let dashboard = rows
        .iter()
        .find(|(what, _, _)| what == "GET /client")
        .map_or(0.0, |(_, _, m)| m.rps);
    let (overload_seconds, (flood, probe), after) = overload;
    stop_watching.store(true, std::sync::atomic::Ordering::Relaxed);
    let memory = memory_watch.join().unwrap();
    drop(servers);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut table = format!(
        "## {engine}, {} clients, {} `serve` process{} (2 workers each), {}-core machine, {}\n\n\
         | Request | Connections | Requests/s | % of /healthz | p50 | p99 | Failed | billpanel's CPU per request |\n|---|---|---|---|---|---|---|---|\n",
        args.clients,
        args.servers,
        if args.servers == 1 { "" } else { "es" },
        cores,
        chrono::Utc::now().format("%Y-%m-%d")
    );
    for (what, connections, m) in &rows {
        table += &format!(
            "| {what} | {connections} | {:.0} | {:.0} % | {:.1} ms | {:.1} ms | {} | {:.0} µs |\n",
            m.rps,
            100.0 * m.rps / healthz,
            m.p50,
            m.p99,
            m.failed,
            m.cpu_us
        );
    }
    table += &format!(
        "\nOverload: {overload_seconds} s of 128 connections on the name search ({:.0} requests/s, p99 {:.0} ms, {} failed); \
         the dashboard meanwhile {:.0} requests/s at 4 connections (p99 {:.0} ms); in the 2 s after, \
         {:.0} requests/s at 32 connections, {:.0} % of its throughput above.\n\n\
         Peak memory of each server, its own (RssAnon) and with what it maps of the database file and the binary (VmHWM): {}.\n",
        flood.rps,
        flood.p99,
        flood.failed,
        probe.rps,
        probe.p99,
        after.rps,
        100.0 * after.rps / dashboard.max(1.0),
        memory
            .iter()
            .map(|(own, mapped)| format!("{own:.0} MiB ({mapped:.0} MiB)"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("\n{table}");
    if let Some(path) = args.write {
        let mut text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            "# Benchmarks\n\nWritten by `cargo bench --bench pages -- --write BENCHMARKS.md`: the main pages under load on a demo provider made by `billpanel seed-demo`, served by `billpanel serve` processes, with the load generator on the same machine.\n\n".into()
        });
        text += &table;
        text += "\n";
        std::fs::write(&path, text).unwrap();
    }
    assert!(
        rows.iter().all(|(_, _, m)| m.failed == 0) && after.failed == 0 && probe.failed == 0,
        "some requests failed"
    );
    if let Some(url) = &args.database_url
        && url.starts_with("postgres")
        && args.keep.is_none()
        && let Ok(mut admin) = diesel::PgConnection::establish(url)
    {
        let _ = diesel::connection::SimpleConnection::batch_execute(
            &mut admin,
            &format!("DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)"),
        );
    }
}

async fn tokio_sleep(d: Duration) {
    actix_web::rt::time::sleep(d).await
}
