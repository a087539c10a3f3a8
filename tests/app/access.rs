//! Who may open which area: anonymous visitors are sent to sign in, the wrong kind of
//! person is sent to their own area for a page and refused (403, a proper page) a form.

use reqwest::StatusCode;

use crate::helpers::TestApp;

#[actix_web::test]
async fn anonymous_visitors_are_sent_to_the_sign_in_page_of_the_area() {
    let app = TestApp::spawn().await;
    let visitor = app.browser();
    visitor
        .get("/admin")
        .await
        .assert_redirect("/admin/login?next=%2Fadmin");
    visitor
        .get("/admin/")
        .await
        .assert_redirect("/admin/login?next=%2Fadmin%2F");
    visitor
        .get("/admin/anything")
        .await
        .assert_redirect("/admin/login?next=%2Fadmin%2Fanything");
    visitor
        .get("/client")
        .await
        .assert_redirect("/login?next=%2Fclient");
    visitor.get("/").await.assert_redirect("/client");
    assert_eq!(visitor.get("/login").await.status, StatusCode::OK);
    assert_eq!(visitor.get("/admin/login").await.status, StatusCode::OK);
    assert_eq!(visitor.get("/register").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_client_user_opening_the_admin_area_is_sent_to_the_client_area() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann")
        .await
        .assert_redirect("/client");
    ann.get("/admin").await.assert_redirect("/client");
    ann.get("/admin/clients?q=x")
        .await
        .assert_redirect("/client");
    let home = ann.get("/client").await;
    assert!(
        home.text_of(".alert")
            .contains("That page is for the provider's staff"),
        "says why: {}",
        home.body
    );
    // Posting to the admin area is refused too, before any handler.
    let token = ann.get("/client").await.input_value("csrf_token").unwrap();
    let page = ann
        .post_raw("/admin/logout", &[("csrf_token", &token)])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(page.text_of("h1"), "Access denied");
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

#[actix_web::test]
async fn an_employee_opening_the_client_area_is_sent_back_to_the_admin_area() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    admin.get("/client").await.assert_redirect("/admin");
    assert!(admin.get("/admin").await.body.contains("Log in as client"));
}

#[actix_web::test]
async fn unknown_pages_get_a_404_page_in_the_areas_layout() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let page = admin.get("/admin/no-such-page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(page.text_of("h1"), "Page not found");
    assert!(
        page.exists("nav[aria-label=Sections]"),
        "the admin menu is there"
    );

    let visitor = app.browser();
    let page = visitor.get("/no-such-page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(page.text_of("h1"), "Page not found");
}

#[actix_web::test]
async fn every_page_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let page = app.browser().get("/login").await;
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    assert_eq!(page.headers["referrer-policy"], "same-origin");
    let cookie = page.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    // No inline scripts or styles, which the policy would block.
    assert!(!page.body.contains("<script>"));
    assert!(!page.body.contains("style=\""));
}

#[actix_web::test]
async fn static_files_are_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let css = browser
        .get("/static/vendor/bootstrap-5.3.9/bootstrap.min.css")
        .await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert_eq!(
        browser.get("/static/billpanel.js").await.status,
        StatusCode::OK
    );
    assert_eq!(
        browser.get("/static/nope.css").await.status,
        StatusCode::NOT_FOUND
    );
}
