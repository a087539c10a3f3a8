//! The `billpanel` command line: `migrate` and `create-admin`.

use std::io::Write;
use std::process::{Command, Stdio};

use billpanel::db;
use billpanel::db::models::Employee;
use billpanel::domain::password;

use crate::helpers::TestDatabase;

/// The command, run in `work_dir` (where it would keep `data/`) against `database`.
pub(crate) fn billpanel(
    database: &TestDatabase,
    work_dir: &std::path::Path,
    args: &[&str],
) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_billpanel"));
    let url = match database.url.engine {
        db::Engine::Sqlite => format!("sqlite://{}", database.url.target),
        db::Engine::Postgres => database.url.target.clone(),
    };
    command
        .args(args)
        .current_dir(work_dir)
        .env("DATABASE_URL", url)
        .env("BILLPANEL_SECRET_KEY", "k".repeat(40))
        .env("RUST_LOG", "warn");
    command
}

#[test]
fn migrate_then_create_admin_with_the_password_on_standard_input() {
    let database = TestDatabase::new();
    let work = tempfile::tempdir().unwrap();
    let migrate = billpanel(&database, work.path(), &["migrate"])
        .output()
        .unwrap();
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    assert!(String::from_utf8_lossy(&migrate.stdout).contains("up to date"));

    let mut create = billpanel(
        &database,
        work.path(),
        &["create-admin", "--email", "Boss@Example.com"],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    create
        .stdin
        .take()
        .unwrap()
        .write_all(b"a strong password\n")
        .unwrap();
    let created = create.wait_with_output().unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );

    let pool = db::connect(&database.url, 1).unwrap();
    let boss = Employee::find_by_email(&mut pool.get().unwrap(), "boss@example.com")
        .unwrap()
        .expect("the administrator exists");
    assert!(boss.is_superuser);
    assert!(password::verify("a strong password", &boss.password_hash));

    // The same email twice, or a short password, is refused with a reason and exit code 1.
    let again = billpanel(
        &database,
        work.path(),
        &[
            "create-admin",
            "--email",
            "boss@example.com",
            "--password",
            "another password",
        ],
    )
    .output()
    .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let short = billpanel(
        &database,
        work.path(),
        &[
            "create-admin",
            "--email",
            "x@example.com",
            "--password",
            "short",
        ],
    )
    .output()
    .unwrap();
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 10"));
}

#[test]
fn check_ledger_exits_with_failure_when_a_balance_disagrees() {
    use diesel::RunQueryDsl;
    let database = TestDatabase::new();
    let work = tempfile::tempdir().unwrap();
    let clean = billpanel(&database, work.path(), &["check-ledger"])
        .output()
        .unwrap();
    assert!(
        clean.status.success(),
        "{}",
        String::from_utf8_lossy(&clean.stderr)
    );
    assert!(String::from_utf8_lossy(&clean.stdout).contains("ledger ok"));

    let pool = db::connect(&database.url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    diesel::sql_query("INSERT INTO clients (name, created_at) VALUES ('X', CURRENT_TIMESTAMP)")
        .execute(&mut conn)
        .unwrap();
    diesel::sql_query(
        "INSERT INTO accounts (client_id, provider_id, balance, created_at) \
         SELECT c.id, p.id, 5, CURRENT_TIMESTAMP FROM clients c, providers p",
    )
    .execute(&mut conn)
    .unwrap();
    let broken = billpanel(&database, work.path(), &["check-ledger"])
        .output()
        .unwrap();
    assert!(!broken.status.success());
    assert!(String::from_utf8_lossy(&broken.stdout).contains("balance 5 but entries sum to 0"));
}
