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
        32,
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

/// The words the migration that made `client_search_terms` fills it with, from the search
/// documents already there, are the words billpanel itself writes for them.
#[actix_web::test]
async fn the_search_words_migration_fills_in_the_words_of_existing_clients() {
    use diesel::RunQueryDsl;
    use diesel::connection::SimpleConnection;
    #[derive(diesel::QueryableByName, Debug, PartialEq)]
    struct Word {
        #[diesel(sql_type = diesel::sql_types::Text)]
        term: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        client_id: i64,
    }
    let words = |app: &crate::helpers::TestApp| -> Vec<Word> {
        diesel::sql_query(
            "SELECT term, client_id FROM client_search_terms ORDER BY client_id, term",
        )
        .load(&mut app.conn())
        .unwrap()
    };
    let app = crate::helpers::TestApp::spawn().await;
    app.browser()
        .register("ann@example.com", "Ann  Lee-Smith")
        .await;
    crate::payments::client_with_payer(&app, "bob@shop.example").await;
    let written = words(&app);
    assert!(written.len() > 6, "{written:?}");

    // The migration ran when the search documents were keyed by the client's id; on SQLite
    // a later one keys them by the negated id, so step back over it and forward again.
    let again = match app.engine() {
        db::Engine::Sqlite => format!(
            "{} DROP TABLE client_search_terms; {} {}",
            include_str!(
                "../../migrations/sqlite/2026-11-29-000016_key_client_search_by_negative_id/down.sql"
            ),
            include_str!(
                "../../migrations/sqlite/2026-11-29-000015_create_client_search_terms/up.sql"
            ),
            include_str!(
                "../../migrations/sqlite/2026-11-29-000016_key_client_search_by_negative_id/up.sql"
            ),
        ),
        db::Engine::Postgres => format!(
            "DROP TABLE client_search_terms; {}",
            include_str!(
                "../../migrations/postgres/2026-11-29-000015_create_client_search_terms/up.sql"
            )
        ),
    };
    app.conn().batch_execute(&again).unwrap();
    assert_eq!(words(&app), written);

    // Both clients are still found, by a word and inside one.
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    for (query, shown) in [
        ("lee-smith", "Lee-Smith"),
        ("ee-smi", "Lee-Smith"),
        ("shop.example", "bob@shop.example"),
    ] {
        let page = admin.get(&format!("/admin/clients?q={query}")).await;
        assert!(page.body.contains(shown), "{query}: {}", page.body);
    }
}
