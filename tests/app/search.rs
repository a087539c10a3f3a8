//! The admin header's search box.

use reqwest::StatusCode;

use crate::helpers::{TestApp, client_id_by_email};
use crate::payments::{account_of, client_with_payer, record};

#[actix_web::test]
async fn the_header_search_opens_the_one_thing_found_and_lists_several() {
    let app = TestApp::spawn().await;
    let (_ann, ann, payer) = client_with_payer(&app, "ann@example.com").await;
    app.browser()
        .register("bob@shop.example", "Bob Marsh")
        .await;
    let bob = client_id_by_email(&app, "bob@shop.example");
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    record(&admin, ann, account_of(&app, ann), payer, "10", "k1").await;

    // Every admin page carries the box.
    assert!(
        admin
            .get("/admin/clients")
            .await
            .exists("form[action='/admin/search'] input[name=q]")
    );

    // One client found: its card opens.
    admin
        .get("/admin/search?q=marsh")
        .await
        .assert_redirect(&format!("/admin/clients/{bob}"));
    admin
        .get("/admin/search?q=bob%40shop")
        .await
        .assert_redirect(&format!("/admin/clients/{bob}"));

    // Several: listed by kind. "1" is client #1 and payment #1.
    let ones = admin.get("/admin/search?q=1").await;
    assert_eq!(ones.status, StatusCode::OK);
    assert!(ones.text_of("#found-clients").contains(&format!("#{ann}")));
    assert!(ones.text_of("#found-payments").contains("Payment #1"));
    assert!(ones.text_of("#found-payments").contains("10.00 RUB"));
    let both = admin.get("/admin/search?q=example").await;
    assert_eq!(both.texts("#found-clients li").len(), 2);

    // Nothing, and nothing harmful.
    assert!(
        admin
            .get("/admin/search?q=nobody-like-this")
            .await
            .exists("#nothing-found")
    );
    let bad = admin.get("/admin/search?q=a%00b").await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.exists("#search-notice"));
    assert!(admin.get("/admin/search").await.exists("#search-q"));

    // A client's user has no such search.
    let client = app.browser();
    client.register("carol@example.com", "Carol").await;
    assert_ne!(
        client.get("/admin/search?q=marsh").await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn an_employee_finds_only_what_their_permissions_show() {
    let app = TestApp::spawn().await;
    app.browser()
        .register("bob@shop.example", "Bob Marsh")
        .await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    // An employee in no department holds no permission: the search shows nothing.
    admin
        .create_employee(&app, "Nina", "nina@example.com", &[])
        .await;
    let nina = app.browser();
    nina.sign_in_to_admin("nina@example.com", crate::helpers::PASSWORD)
        .await;
    let page = nina.get("/admin/search?q=marsh").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.exists("#nothing-found"), "{}", page.text_of("main"));
}
