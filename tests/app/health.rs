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
