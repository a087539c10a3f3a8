//! Payers in the client area: each kind's fields, tax id checks, another client's payer is
//! 404, the admin finds the client by the payer's tax id.

use billpanel::web::page::FORM_SHOWN_AGAIN;
use reqwest::StatusCode;

use crate::helpers::{Browser, TestApp, client_id_by_email, id_of};

async fn add_company(browser: &Browser, name: &str, tax_id: &str) -> crate::helpers::Page {
    browser
        .submit(
            "/client/payers/new",
            "/client/payers",
            &[
                ("kind", "legal_entity"),
                ("name", name),
                ("country", "RU"),
                ("tax_id", tax_id),
                ("legal_address", "Moscow, Tverskaya 1"),
                ("postal_address", "Moscow, Tverskaya 1"),
                ("contact_person", "Ivan Petrov"),
                ("email", "office@romashka.example"),
                ("phone", "+7 495 000-00-00"),
                ("registration_number", "1027700132195"),
                ("bank_details", "Bank, BIK 044525225"),
            ],
        )
        .await
}

#[actix_web::test]
async fn a_client_adds_edits_and_deletes_payers() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    assert!(ann.get("/client/payers").await.exists("#no-payers"));
    add_company(&ann, "OOO Romashka", "7707083893")
        .await
        .assert_redirect("/client/payers");
    let list = ann.get("/client/payers").await;
    assert!(list.text_of("#payers").contains("OOO Romashka"));
    assert!(list.text_of("#payers").contains("7707083893"));

    let payer = id_of(&app, "payers", "name", "OOO Romashka");
    let path = format!("/client/payers/{payer}");
    ann.submit(
        &path,
        &path,
        &[
            ("kind", "individual"),
            ("name", "Ann Lee"),
            ("tax_id", "7707083893"),
            ("bank_details", "stale, from a hidden field"),
            ("email", "ann@example.com"),
            ("phone", "+49 30 1"),
            ("postal_address", "Berlin"),
        ],
    )
    .await
    .assert_redirect("/client/payers");
    let list = ann.get("/client/payers").await.text_of("#payers");
    assert!(list.contains("Ann Lee"));
    assert!(
        !list.contains("7707083893"),
        "an individual keeps no company tax id"
    );
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    assert!(
        admin
            .get("/admin/clients?q=7707083893")
            .await
            .exists("#no-clients"),
        "nor is found by it"
    );

    ann.submit(&format!("{path}/delete"), &format!("{path}/delete"), &[])
        .await
        .assert_redirect("/client/payers");
    assert_eq!(app.count("payers"), 0);
    let log = {
        let admin = app.browser();
        admin.sign_in_as_admin().await;
        admin
            .get("/admin/audit")
            .await
            .texts("#audit-events tbody tr")
    };
    for action in ["Added", "Edited", "Deleted"] {
        let row = log
            .iter()
            .find(|r| r.contains(action) && r.contains("payer #"))
            .expect("audited");
        assert!(row.contains("ann@example.com"), "{row}");
    }
}

#[actix_web::test]
async fn each_kind_needs_its_fields_and_a_right_tax_id() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    let page = ann
        .submit(
            "/client/payers/new",
            "/client/payers",
            &[("kind", "individual"), ("name", "Ann")],
        )
        .await;
    assert_eq!(page.status.as_u16(), FORM_SHOWN_AGAIN.as_u16());
    for field in ["email", "phone", "postal_address"] {
        assert!(page.field_error(field).contains("required"), "{field}");
    }
    assert_eq!(page.input_value("name").as_deref(), Some("Ann"));

    let page = add_company(&ann, "OOO Wrong", "7707083894").await;
    assert!(page.field_error("tax_id").contains("check digit"));
    assert_eq!(page.input_value("tax_id").as_deref(), Some("7707083894"));
    let page = add_company(&ann, "OOO Short", "77070838").await;
    assert!(page.field_error("tax_id").contains("10 digits"));
    assert_eq!(app.count("payers"), 0);
}

#[actix_web::test]
async fn another_clients_payer_is_not_found_and_sections_need_permission() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    add_company(&ann, "OOO Romashka", "7707083893")
        .await
        .assert_redirect("/client/payers");
    let payer = id_of(&app, "payers", "name", "OOO Romashka");

    let bob = app.browser();
    bob.register("bob@example.com", "Bob").await;
    let path = format!("/client/payers/{payer}");
    assert_eq!(bob.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        bob.get(&format!("{path}/delete")).await.status,
        StatusCode::NOT_FOUND
    );
    let token = bob
        .get("/client/payers")
        .await
        .input_value("csrf_token")
        .unwrap();
    let page = bob
        .post_raw(&format!("{path}/delete"), &[("csrf_token", &token)])
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("payers"), 1, "Bob changed nothing of Ann's");
}

#[actix_web::test]
async fn the_admin_finds_a_client_by_its_payers_tax_id() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    app.browser().register("bob@example.com", "Bob").await;
    add_company(&ann, "OOO Romashka", "7707083893").await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let found = admin.get("/admin/clients?q=7707083893").await;
    assert_eq!(found.texts("#clients td.client-name"), vec!["Ann"]);
    let found = admin.get("/admin/clients?q=romashka").await;
    assert_eq!(found.texts("#clients td.client-name"), vec!["Ann"]);
    let client = client_id_by_email(&app, "ann@example.com");
    let card = admin
        .get(&format!("/admin/clients/{client}?tab=payers"))
        .await;
    assert!(card.text_of("#client-payers").contains("OOO Romashka"));
}
