//! "Log in as client": start, banner, no admin powers meanwhile, return, expiry, sign-out,
//! and the audit trail naming both identities.

use billpanel::db::models::AuditEvent;
use reqwest::StatusCode;
use scraper::Selector;

use crate::helpers::{PASSWORD, TestApp, client_id_by_email};

fn started(app: &TestApp) -> i64 {
    AuditEvent::count_action(&mut app.conn(), "impersonation.start").unwrap()
}

#[actix_web::test]
async fn an_employee_without_the_permission_cannot_log_in_as_a_client() {
    let app = TestApp::spawn().await;
    app.browser().register("ann@example.com", "Ann").await;
    let client = client_id_by_email(&app, "ann@example.com");
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let viewer = admin
        .create_employee(&app, "Viewer", "viewer@example.com", &[])
        .await;
    admin
        .grant("employees", viewer, &["clients.view", "clients.edit"])
        .await;
    let browser = app.browser();
    browser
        .sign_in_to_admin("viewer@example.com", PASSWORD)
        .await
        .assert_redirect("/admin");
    let card = format!("/admin/clients/{client}");
    assert!(
        !browser.get(&card).await.body.contains("Log in as client"),
        "no button"
    );
    let page = browser.log_in_as_client(client).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    browser.get("/client").await.assert_redirect("/admin");
    assert_eq!(started(&app), 0, "nothing audited as started");
}

#[actix_web::test]
async fn the_administrator_works_as_the_client_and_returns_to_its_card() {
    let app = TestApp::spawn().await;
    app.browser().register("ann@example.com", "Ann Lee").await;
    let client = client_id_by_email(&app, "ann@example.com");
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let card = format!("/admin/clients/{client}");
    admin
        .log_in_as_client(client)
        .await
        .assert_redirect("/client");

    for page in ["/client", "/client/impersonation"] {
        let page = admin.get(page).await;
        assert_eq!(page.status, StatusCode::OK);
        let banner = page.text_of("#impersonation-banner");
        assert!(
            banner.contains(&format!("client #{client} (Ann Lee)")),
            "banner on every client page: {banner}"
        );
    }
    assert!(
        admin.get("/client").await.body.contains("Welcome, Ann Lee"),
        "the client's own dashboard"
    );

    // No admin powers meanwhile: admin pages lead to the way back.
    admin
        .get("/admin")
        .await
        .assert_redirect("/client/impersonation");
    admin
        .get(&card)
        .await
        .assert_redirect("/client/impersonation");
    let page = admin
        .submit("/client", &format!("{card}/disable"), &[])
        .await;
    page.assert_redirect("/client/impersonation");
    assert!(
        admin.get("/client").await.status == StatusCode::OK,
        "the client is still enabled"
    );

    admin
        .submit("/client", "/client/impersonation/stop", &[])
        .await
        .assert_redirect(&card);
    let back = admin.get(&card).await;
    assert_eq!(back.status, StatusCode::OK);
    assert!(!back.exists("#impersonation-banner"));
    // An employee again: the client area sends it back to its own.
    admin.get("/client").await.assert_redirect("/admin");
    assert_eq!(
        admin.get("/admin").await.status,
        StatusCode::OK,
        "an employee again"
    );

    let log = admin
        .get("/admin/audit?object_type=client")
        .await
        .texts("#audit-events tbody tr");
    let start = log
        .iter()
        .find(|r| r.contains("Logged in"))
        .expect("start audited");
    assert!(start.contains("admin@example.com"));
    let stop = log
        .iter()
        .find(|r| r.contains("Stopped acting"))
        .expect("stop audited");
    assert!(
        stop.contains(&format!("admin@example.com as client #{client}")),
        "both identities: {stop}"
    );
    assert!(stop.contains("as client"), "marked as done for the client");
}

#[actix_web::test]
async fn working_as_a_client_ends_after_the_time_limit() {
    let app = TestApp::spawn_with(|config| config.impersonation_minutes = 0).await;
    app.browser().register("ann@example.com", "Ann").await;
    let client = client_id_by_email(&app, "ann@example.com");
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let card = format!("/admin/clients/{client}");
    admin
        .log_in_as_client(client)
        .await
        .assert_redirect("/client");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    admin.get("/client").await.assert_redirect(&card);
    let back = admin.get(&card).await;
    assert_eq!(back.status, StatusCode::OK);
    assert!(back.body.contains("expired after 0 minutes"));
    let log = admin
        .get("/admin/audit")
        .await
        .texts("#audit-events tbody tr");
    assert!(
        log.iter()
            .any(|r| r.contains("Stopped acting") && r.contains("expired"))
    );
}

#[actix_web::test]
async fn signing_out_while_working_as_a_client_signs_the_employee_out() {
    let app = TestApp::spawn().await;
    app.browser().register("ann@example.com", "Ann").await;
    let client = client_id_by_email(&app, "ann@example.com");
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    admin.log_in_as_client(client).await;
    admin
        .submit("/client", "/logout", &[])
        .await
        .assert_redirect("/admin/login");
    admin
        .get("/admin")
        .await
        .assert_redirect("/admin/login?next=%2Fadmin");
    admin
        .get("/client")
        .await
        .assert_redirect("/login?next=%2Fclient");
}

#[actix_web::test]
async fn a_disabled_client_cannot_be_entered_and_disabling_ends_the_visit() {
    let app = TestApp::spawn().await;
    app.browser().register("ann@example.com", "Ann").await;
    let client = client_id_by_email(&app, "ann@example.com");
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let card = format!("/admin/clients/{client}");
    admin
        .log_in_as_client(client)
        .await
        .assert_redirect("/client");

    // Another administrator disables the client meanwhile.
    let other = app.browser();
    other.sign_in_as_admin().await;
    other
        .submit(&card, &format!("{card}/disable"), &[])
        .await
        .assert_redirect(&card);
    admin.get("/client").await.assert_redirect(&card);

    let page = admin.log_in_as_client(client).await;
    page.assert_redirect(&card);
    assert!(
        admin
            .get(&card)
            .await
            .body
            .contains("This client is disabled")
    );
    assert_eq!(started(&app), 1);
}

#[actix_web::test]
async fn the_client_list_logs_in_as_the_client_of_the_row() {
    let app = TestApp::spawn().await;
    app.browser().register("ann@example.com", "Ann Lee").await;
    app.browser().register("bob@example.com", "Bob Stone").await;
    let ann = client_id_by_email(&app, "ann@example.com");
    let bob = client_id_by_email(&app, "bob@example.com");
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let html = admin.get("/admin/clients").await.html();
    let select = |s: &str| Selector::parse(s).unwrap();

    // The rows' buttons submit the page's one form, as a browser would: by POST, with the
    // form's token, to the address of the button pressed.
    let form = html
        .select(&select("form#impersonate"))
        .next()
        .expect("the form");
    assert_eq!(form.value().attr("method"), Some("post"));
    let token = form
        .select(&select("input[name=csrf_token]"))
        .next()
        .and_then(|i| i.value().attr("value"))
        .expect("its CSRF token")
        .to_owned();
    let action_in_row = |name: &str| -> String {
        let row = html
            .select(&select("#clients tbody tr"))
            .find(|r| r.text().any(|t| t.contains(name)))
            .unwrap_or_else(|| panic!("a row for {name}"));
        let button = row
            .select(&select("button[form=impersonate]"))
            .next()
            .unwrap_or_else(|| panic!("a button in {name}'s row"));
        button.value().attr("formaction").unwrap().to_owned()
    };
    assert_eq!(
        action_in_row("Ann Lee"),
        format!("/admin/clients/{ann}/impersonate")
    );
    let bobs = action_in_row("Bob Stone");
    assert_eq!(bobs, format!("/admin/clients/{bob}/impersonate"));
    // The form on its own (no button's address) changes nothing.
    let own = form.value().attr("action").expect("an action");
    let page = admin.post_raw(own, &[("csrf_token", token.as_str())]).await;
    assert!(page.status.is_client_error(), "{own}: {}", page.status);
    assert_eq!(app.count("clients"), 2);

    admin
        .post_raw(&bobs, &[("csrf_token", token.as_str())])
        .await
        .assert_redirect("/client");
    let banner = admin.get("/client").await.text_of("#impersonation-banner");
    assert!(
        banner.contains(&format!("client #{bob} (Bob Stone)")),
        "working as the row's client: {banner}"
    );
}
