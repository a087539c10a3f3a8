//! Every state-changing request without the session's token is refused and changes nothing.

use reqwest::StatusCode;

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, TestApp};

#[actix_web::test]
async fn posts_without_the_right_token_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let visitor = app.browser();
    visitor.get("/register").await; // the session and its token exist

    let registration = [
        ("email", "ann@example.com"),
        ("name", "Ann"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ];
    let page = visitor.post_raw("/register", &registration).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let mut forged = registration.to_vec();
    forged.push(("csrf_token", "0000"));
    assert_eq!(
        visitor.post_raw("/register", &forged).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.count("clients"), 0);

    let sign_in = [("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)];
    assert_eq!(
        visitor.post_raw("/admin/login", &sign_in).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        visitor.post_raw("/login", &sign_in).await.status,
        StatusCode::FORBIDDEN
    );
    visitor
        .get("/admin")
        .await
        .assert_redirect("/admin/login?next=%2Fadmin");
}

#[actix_web::test]
async fn a_token_from_another_session_does_not_work() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let attacker = app.browser();
    let foreign_token = attacker
        .get("/login")
        .await
        .input_value("csrf_token")
        .unwrap();
    let page = admin
        .post_raw("/admin/logout", &[("csrf_token", &foreign_token)])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(
        admin.get("/admin").await.status,
        StatusCode::OK,
        "still signed in"
    );
    // The refusal is a page in the admin layout.
    assert_eq!(page.text_of("h1"), "Access denied");
}

#[actix_web::test]
async fn the_token_is_renewed_at_sign_in() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    let before = admin
        .get("/admin/login")
        .await
        .input_value("csrf_token")
        .unwrap();
    admin.sign_in_as_admin().await;
    let after = admin.get("/admin").await.input_value("csrf_token").unwrap();
    assert_ne!(before, after);
    assert_eq!(
        admin
            .post_raw("/admin/logout", &[("csrf_token", &before)])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn signing_out_needs_the_token_too() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann")
        .await
        .assert_redirect("/client");
    assert_eq!(
        ann.post_raw("/logout", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        ann.get("/client").await.status,
        StatusCode::OK,
        "still signed in"
    );
}

#[actix_web::test]
async fn scripts_may_send_the_token_in_a_header() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let token = admin.get("/admin").await.input_value("csrf_token").unwrap();
    let wrong = admin
        .http
        .post(format!("{}/admin/logout", app.base))
        .header("X-CSRF-Token", "nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let right = admin
        .http
        .post(format!("{}/admin/logout", app.base))
        .header("X-CSRF-Token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::SEE_OTHER);
    admin
        .get("/admin")
        .await
        .assert_redirect("/admin/login?next=%2Fadmin");
}
