//! Confirming e-mail addresses: registration confirms the address it came through; an
//! address staff typed waits for the link mailed to it, which works once, for that address
//! only; a provider may take orders only from clients who confirmed theirs.

use crate::helpers::{Browser, TestApp, client_id_by_email, id_of, token_of};
use crate::services::{order, service_in, tariff};

const PASSWORD: &str = "a long password";

/// The main provider takes orders only from clients who confirmed their address.
async fn require_confirmation(app: &TestApp, admin: &Browser) {
    let provider = id_of(app, "providers", "name", "Main provider");
    let rub = id_of(app, "currencies", "code", "RUB").to_string();
    admin
        .submit(
            &format!("/admin/providers/{provider}"),
            &format!("/admin/providers/{provider}"),
            &[
                ("name", "Main provider"),
                ("currency_id", &rub),
                ("time_zone", "UTC"),
                ("deletion_days", "30"),
                ("require_confirmed_email", "on"),
            ],
        )
        .await
        .assert_redirect("/admin/providers");
}

/// Staff make a client with this owner address; the client signs in in its own browser.
async fn made_by_staff(app: &TestApp, admin: &Browser, email: &str) -> (Browser, i64) {
    let provider = id_of(app, "providers", "name", "Main provider").to_string();
    admin
        .submit(
            "/admin/clients/new",
            "/admin/clients",
            &[
                ("email", email),
                ("name", "Olga Petrova"),
                ("kind", "person"),
                ("provider_ids", &provider),
                ("password", PASSWORD),
            ],
        )
        .await;
    let client = client_id_by_email(app, email);
    let browser = app.browser();
    browser.sign_in_as_client(email, PASSWORD).await;
    (browser, client)
}

#[actix_web::test]
async fn an_address_staff_typed_is_confirmed_by_its_link_once_before_the_client_may_order() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let vps = tariff(&app, &admin, "VPS-1", &[("price_1", "100")]).await;
    require_confirmation(&app, &admin).await;
    let (olga, _client) = made_by_staff(&app, &admin, "olga@example.com").await;

    let profile = olga.get("/client/profile").await;
    assert!(profile.text_of("#email-state").contains("Not confirmed"));
    let refused = order(&olga, vps, 1).await;
    assert!(
        refused
            .text_of("main")
            .contains("takes orders once the account's e-mail address is confirmed"),
        "{}",
        refused.body
    );
    assert_eq!(app.count("services"), 0);

    // The link mailed at creation opens a page that confirms with a press.
    let link = olga.link_mailed_to("olga@example.com", "/email/confirm?token=");
    let visitor = app.browser();
    let page = visitor.get(&link).await;
    assert_eq!(page.text_of("#confirm-email"), "olga@example.com");
    assert_eq!(
        app.count("users WHERE email_confirmed_at IS NOT NULL AND email = 'olga@example.com'"),
        0,
        "opening the link confirms nothing"
    );
    let csrf = page.input_value("csrf_token").unwrap();
    let press = [("csrf_token", csrf.as_str()), ("token", token_of(&link))];
    let done = visitor.post_raw("/email/confirm", &press).await;
    assert!(
        done.text_of("#email-confirmed")
            .contains("olga@example.com")
    );
    // Used once: the second press changes nothing and says why.
    let again = visitor.post_raw("/email/confirm", &press).await;
    assert!(again.exists("#confirm-gone"), "{}", again.body);
    assert_eq!(
        app.count("audit_events WHERE action = 'user.confirm_email'"),
        1
    );

    assert!(
        olga.get("/client/profile")
            .await
            .text_of("#email-state")
            .contains("Confirmed")
    );
    let placed = order(&olga, vps, 1).await;
    service_in(&placed);
}

#[actix_web::test]
async fn a_changed_address_waits_for_its_own_link_and_the_old_link_confirms_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let (_olga, client) = made_by_staff(&app, &admin, "olga@example.com").await;
    let old_link = admin.link_mailed_to("olga@example.com", "/email/confirm?token=");

    let provider = id_of(&app, "providers", "name", "Main provider").to_string();
    admin
        .submit(
            &format!("/admin/clients/{client}/edit"),
            &format!("/admin/clients/{client}"),
            &[
                ("email", "olga.new@example.com"),
                ("name", "Olga Petrova"),
                ("kind", "person"),
                ("provider_ids", &provider),
            ],
        )
        .await
        .assert_redirect(&format!("/admin/clients/{client}"));
    let card = admin
        .get(&format!("/admin/clients/{client}?tab=users"))
        .await;
    assert!(card.text_of("#client-users").contains("not confirmed"));

    let visitor = app.browser();
    assert!(visitor.get(&old_link).await.exists("#confirm-gone"));
    let link = admin.link_mailed_to("olga.new@example.com", "/email/confirm?token=");
    let page = visitor.get(&link).await;
    let csrf = page.input_value("csrf_token").unwrap();
    // Pressed with the old link's token (a page kept open before the change), nothing.
    let gone = visitor
        .post_raw(
            "/email/confirm",
            &[("csrf_token", &csrf), ("token", token_of(&old_link))],
        )
        .await;
    assert!(gone.exists("#confirm-gone"), "{}", gone.body);
    let done = visitor
        .post_raw(
            "/email/confirm",
            &[("csrf_token", &csrf), ("token", token_of(&link))],
        )
        .await;
    assert!(
        done.text_of("#email-confirmed")
            .contains("olga.new@example.com")
    );
    let card = admin
        .get(&format!("/admin/clients/{client}?tab=users"))
        .await;
    assert!(!card.text_of("#client-users").contains("not confirmed"));
}

#[actix_web::test]
async fn registering_confirms_the_address_and_links_are_sent_again_a_few_an_hour() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann Lee").await;
    let profile = ann.get("/client/profile").await;
    assert!(profile.text_of("#email-state").contains("Confirmed"));
    assert!(!profile.exists("#send-confirmation"));

    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let (olga, _) = made_by_staff(&app, &admin, "olga@example.com").await;
    for _ in 0..3 {
        olga.submit("/client/profile", "/client/profile/email-confirmation", &[])
            .await
            .assert_redirect("/client/profile");
    }
    assert_eq!(
        app.count("email_confirmations WHERE email = 'olga@example.com'"),
        4,
        "the first at creation, three asked for"
    );
    olga.submit("/client/profile", "/client/profile/email-confirmation", &[])
        .await;
    let refused = olga.get("/client/profile").await;
    assert!(
        refused
            .body
            .contains("Several links went out in the last hour"),
        "{}",
        refused.body
    );
    assert_eq!(
        app.count("email_confirmations WHERE email = 'olga@example.com'"),
        4
    );
    // Only the newest link works.
    assert_eq!(
        app.count("email_confirmations WHERE email = 'olga@example.com' AND used_at IS NULL"),
        1
    );
}
