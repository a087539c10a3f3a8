//! `/healthz` tells a load balancer whether the database answers.

use std::time::Duration;

use billpanel::db::{self, DatabaseUrl};
use billpanel::web::AppState;
use reqwest::StatusCode;

use crate::helpers::{Browser, TestApp, serve, test_config};

#[actix_web::test]
async fn healthz_is_ok_with_the_database_up() {
    let app = TestApp::spawn().await;
    let page = app.browser().get("/healthz").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body, "ok");
}

#[actix_web::test]
async fn healthz_is_503_when_the_database_is_unreachable() {
    // Nothing listens on port 1.
    let url = DatabaseUrl::parse("postgres://billpanel@127.0.0.1:1/billpanel").unwrap();
    let pool = db::connect_lazily(&url, 1, Duration::from_millis(300));
    let base = serve(AppState::new(pool, test_config(&url)));
    let page = Browser::new(&base).get("/healthz").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        !page.body.contains("127.0.0.1:1"),
        "no connection details leak"
    );

    // Signing in needs the database: the page says so in words, without internals.
    let page = Browser::new(&base)
        .sign_in_as_client("ann@example.com", "client password 1")
        .await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.body.contains("Temporarily unavailable"));
    assert!(!page.body.contains("postgres"));
}

#[actix_web::test]
async fn after_postgresql_drops_every_connection_the_pages_come_back_within_seconds() {
    let app = crate::helpers::TestApp::spawn().await;
    if app.engine() != db::Engine::Postgres {
        // A SQLite connection is a file opened in the process: there is nothing to drop.
        return;
    }
    let browser = app.browser();
    assert_eq!(browser.get("/healthz").await.status, StatusCode::OK);
    // What a restart of PostgreSQL does to the pool: every one of its connections ends.
    {
        use diesel::{Connection, RunQueryDsl};
        let mut outside = diesel::PgConnection::establish(&app._db.url.target).unwrap();
        diesel::sql_query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .execute(&mut outside)
        .unwrap();
    }
    // Connections that answered in the last two seconds are trusted; after that each one
    // is asked again before use, and the dead ones are replaced: no request fails.
    actix_web::rt::time::sleep(Duration::from_millis(2200)).await;
    let pages = futures_util::future::join_all((0..8).map(|_| browser.get("/healthz"))).await;
    for page in pages {
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    }
}
