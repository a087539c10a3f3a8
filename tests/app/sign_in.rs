//! Signing in and out of both areas, lockout, and sessions ended from the database.

use billpanel::domain::auth::{ACCOUNT_FAILURE_LIMIT, ADDRESS_FAILURE_LIMIT};
use billpanel::web::page::FORM_SHOWN_AGAIN;
use diesel::RunQueryDsl;
use reqwest::StatusCode;

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, TestApp};

#[actix_web::test]
async fn administrator_signs_in_sees_the_dashboard_and_signs_out() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin
        .get("/admin")
        .await
        .assert_redirect("/admin/login?next=%2Fadmin");
    admin.sign_in_as_admin().await;
    let dashboard = admin.get("/admin").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert_eq!(dashboard.text_of("h1"), "Dashboard");
    assert!(
        dashboard
            .text_of("nav[aria-label=Sections]")
            .contains("Dashboard")
    );
    // The sign-in is in the activity list.
    assert!(
        dashboard
            .text_of("#recent-activity")
            .contains("Administrator signed in"),
        "{}",
        dashboard.text_of("#recent-activity")
    );

    admin
        .sign_out_of_admin()
        .await
        .assert_redirect("/admin/login");
    admin
        .get("/admin")
        .await
        .assert_redirect("/admin/login?next=%2Fadmin");
}

#[actix_web::test]
async fn sign_in_returns_to_the_page_asked_for_but_never_elsewhere() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    let page = admin
        .submit(
            "/admin/login?next=%2Fadmin%2F",
            "/admin/login",
            &[
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
                ("next", "/admin/"),
            ],
        )
        .await;
    page.assert_redirect("/admin/");
    let other = app.browser();
    let page = other
        .submit(
            "/admin/login",
            "/admin/login",
            &[
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
                ("next", "//evil.example/admin"),
            ],
        )
        .await;
    page.assert_redirect("/admin");
}

#[actix_web::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let visitor = app.browser();
    let wrong_password = visitor
        .sign_in_to_admin(ADMIN_EMAIL, "wrong password!")
        .await;
    let unknown = visitor
        .sign_in_to_admin("nobody@example.com", "wrong password!")
        .await;
    assert_eq!(wrong_password.status.as_u16(), FORM_SHOWN_AGAIN.as_u16());
    assert_eq!(unknown.status, wrong_password.status);
    assert_eq!(
        wrong_password.text_of("#sign-in-error"),
        "Wrong email or password."
    );
    assert_eq!(
        unknown.text_of("#sign-in-error"),
        wrong_password.text_of("#sign-in-error")
    );
    // The email typed is kept, the password is not.
    assert_eq!(
        unknown.input_value("email").as_deref(),
        Some("nobody@example.com")
    );
    assert_eq!(unknown.input_value("password"), None);
    // Failed sign-ins are in the audit log.
    assert_eq!(
        billpanel::db::models::AuditEvent::count_action(&mut app.conn(), "sign_in.failed").unwrap(),
        2
    );
}

#[actix_web::test]
async fn repeated_failures_lock_the_account_for_a_while() {
    let app = TestApp::spawn().await;
    let client = app.browser();
    client
        .register("ann@example.com", "Ann")
        .await
        .assert_redirect("/client");
    client.sign_out_of_client().await;

    let guesser = app.browser();
    for attempt in 1..ACCOUNT_FAILURE_LIMIT {
        let page = guesser
            .sign_in_as_client("ann@example.com", "guess number x")
            .await;
        assert_eq!(
            page.status.as_u16(),
            FORM_SHOWN_AGAIN.as_u16(),
            "attempt {attempt}"
        );
    }
    let locked = guesser
        .sign_in_as_client("ann@example.com", "guess number x")
        .await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        locked
            .text_of("#sign-in-error")
            .contains("try again in 15 minutes")
    );

    // Even the right password is refused while the lock lasts, for anyone.
    let right = client.sign_in_as_client("ann@example.com", PASSWORD).await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(client.get("/client").await.status, StatusCode::SEE_OTHER);

    // Other accounts are not affected.
    let admin = app.browser();
    admin.sign_in_as_admin().await;
}

#[actix_web::test]
async fn a_disabled_user_is_signed_out_on_the_next_request() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann")
        .await
        .assert_redirect("/client");
    assert_eq!(ann.get("/client").await.status, StatusCode::OK);

    // Disabled behind the application's back: no session version changes, so only the
    // per-request check of `enabled` can end the session.
    diesel::sql_query("UPDATE users SET enabled = FALSE")
        .execute(&mut app.conn())
        .unwrap();

    ann.get("/client")
        .await
        .assert_redirect("/login?next=%2Fclient");
    let login = ann.get("/login").await;
    assert!(login.body.contains("Your session has ended"));
    let refused = ann.sign_in_as_client("ann@example.com", PASSWORD).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text_of("#sign-in-error").contains("disabled"));
}

#[actix_web::test]
async fn a_disabled_employee_is_out_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    diesel::sql_query("UPDATE employees SET enabled = FALSE")
        .execute(&mut app.conn())
        .unwrap();
    admin
        .get("/admin")
        .await
        .assert_redirect("/admin/login?next=%2Fadmin");
}

#[actix_web::test]
async fn signing_out_ends_a_copied_session_too() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let thief = admin.copy_of_session();
    assert_eq!(
        thief.get("/admin").await.status,
        StatusCode::OK,
        "the copy works while signed in"
    );

    admin
        .sign_out_of_admin()
        .await
        .assert_redirect("/admin/login");
    thief
        .get("/admin")
        .await
        .assert_redirect("/admin/login?next=%2Fadmin");
}

#[actix_web::test]
async fn a_disabled_client_signs_all_its_users_out() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann")
        .await
        .assert_redirect("/client");
    diesel::sql_query("UPDATE clients SET enabled = FALSE")
        .execute(&mut app.conn())
        .unwrap();
    ann.get("/client")
        .await
        .assert_redirect("/login?next=%2Fclient");
    let refused = ann.sign_in_as_client("ann@example.com", PASSWORD).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn one_address_guessing_many_accounts_is_locked_out() {
    let app = TestApp::spawn().await;
    let guesser = app.browser();
    for n in 1..ADDRESS_FAILURE_LIMIT {
        let page = guesser
            .sign_in_as_client(&format!("user{n}@example.com"), "guess number x")
            .await;
        assert_eq!(
            page.status.as_u16(),
            FORM_SHOWN_AGAIN.as_u16(),
            "attempt {n}"
        );
    }
    let locked = guesser
        .sign_in_as_client("last@example.com", "guess number x")
        .await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    // The address is locked for the admin area too.
    let admin = guesser.sign_in_to_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(admin.status, StatusCode::TOO_MANY_REQUESTS);
}

#[actix_web::test]
async fn parallel_wrong_guesses_are_each_counted() {
    let app = TestApp::spawn().await;
    // Below both limits, so no guess is refused by a lock and every one must be counted:
    // a lost update would show as a smaller count, a race on the first insert as an error.
    let guesses = (ACCOUNT_FAILURE_LIMIT - 1) as usize;
    let guessers: Vec<_> = (0..guesses).map(|_| app.browser()).collect();
    let mut tokens = Vec::new();
    for g in &guessers {
        tokens.push(
            g.get("/admin/login")
                .await
                .input_value("csrf_token")
                .unwrap(),
        );
    }
    let attempts = guessers.iter().zip(&tokens).map(|(g, token)| async move {
        g.post_raw(
            "/admin/login",
            &[
                ("csrf_token", token),
                ("email", ADMIN_EMAIL),
                ("password", "wrong password!"),
            ],
        )
        .await
    });
    for page in futures_util::future::join_all(attempts).await {
        assert_eq!(page.status.as_u16(), FORM_SHOWN_AGAIN.as_u16());
        assert_eq!(page.text_of("#sign-in-error"), "Wrong email or password.");
    }
    assert_eq!(
        failures(&app, &format!("admin:{ADMIN_EMAIL}")),
        guesses as i32
    );
    assert_eq!(failures(&app, "ip:127.0.0.1"), guesses as i32);
}

fn failures(app: &TestApp, key: &str) -> i32 {
    #[derive(diesel::QueryableByName)]
    struct Failures {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        failures: i32,
    }
    diesel::sql_query(format!(
        "SELECT failures FROM sign_in_throttles WHERE key = '{key}'"
    ))
    .get_result::<Failures>(&mut app.conn())
    .unwrap()
    .failures
}
