//! First start: migrations on an empty database, and the administrator made exactly once.

use billpanel::db::models::Employee;
use billpanel::domain::password;
use billpanel::{db, server};

use crate::helpers::{TestDatabase, count_rows, test_config};

#[test]
fn migrations_apply_on_an_empty_database_then_nothing_is_pending() {
    let database = TestDatabase::new();
    let pool = db::connect(&database.url, 2).unwrap();
    let mut conn = pool.get().unwrap();
    let applied = db::run_migrations(&mut conn).unwrap();
    assert_eq!(
        applied.len(),
        15,
        "{:?} on {:?}",
        applied,
        database.engine()
    );
    assert!(db::run_migrations(&mut conn).unwrap().is_empty());
    // The defaults of a fresh installation.
    assert_eq!(count_rows(&mut conn, "currencies"), 3);
    assert_eq!(count_rows(&mut conn, "providers"), 1);
    assert_eq!(count_rows(&mut conn, "companies"), 1);
    assert_eq!(count_rows(&mut conn, "departments"), 2);
    assert_eq!(count_rows(&mut conn, "employees"), 0);
}

#[test]
fn the_first_start_creates_the_administrator_exactly_once() {
    let database = TestDatabase::new();
    let mut config = test_config(&database.url);
    config.admin_email = None;
    config.admin_password = None;
    let pool = server::open_database(&config).unwrap();

    let first = billpanel::domain::bootstrap::ensure_admin(&mut pool.get().unwrap(), None, None)
        .unwrap()
        .expect("created at first start");
    assert_eq!(first.employee.email, "admin@localhost");
    assert!(first.employee.is_superuser);
    let generated = first.generated_password.expect("a password was generated");
    assert!(password::verify(&generated, &first.employee.password_hash));

    // Later starts change nothing, whatever the environment says.
    server::ensure_admin(&pool, &config).unwrap();
    let again = billpanel::domain::bootstrap::ensure_admin(
        &mut pool.get().unwrap(),
        Some("other@example.com"),
        Some("another password"),
    )
    .unwrap();
    assert!(again.is_none());
    assert_eq!(Employee::count(&mut pool.get().unwrap()).unwrap(), 1);
}

#[test]
fn two_servers_starting_together_migrate_and_create_one_administrator() {
    let database = TestDatabase::new();
    let config = test_config(&database.url);
    let starts: Vec<_> = (0..2)
        .map(|_| {
            let config = config.clone();
            std::thread::spawn(move || {
                let pool = server::open_database(&config)?;
                server::ensure_admin(&pool, &config)
            })
        })
        .collect();
    for start in starts {
        start.join().unwrap().unwrap();
    }
    let pool = db::connect(&database.url, 1).unwrap();
    assert_eq!(Employee::count(&mut pool.get().unwrap()).unwrap(), 1);
}
