//! A visitor registers, lands in the client area, signs out and in again.

use billpanel::web::page::FORM_SHOWN_AGAIN;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp};

#[actix_web::test]
async fn visitor_registers_signs_out_and_signs_in_again() {
    let app = TestApp::spawn().await;
    let ann = app.browser();

    let page = ann.register("Ann.Lee@Example.com", "Ann Lee").await;
    page.assert_redirect("/client");

    let dashboard = ann.get("/client").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(dashboard.body.contains("Welcome, Ann Lee"));
    assert!(
        dashboard.body.contains("Your account is ready"),
        "flash after registration"
    );
    assert_eq!(dashboard.text_of(".account-card .bp-figure"), "0.00 RUB");
    assert!(dashboard.text_of(".account-card").contains("Main provider"));

    // The administrator sees the new client on the dashboard.
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let admin_dashboard = admin.get("/admin").await;
    assert_eq!(admin_dashboard.text_of("#clients-total"), "1");
    assert!(
        admin_dashboard
            .text_of("#recent-activity")
            .contains("A visitor registered Ann Lee"),
        "{}",
        admin_dashboard.text_of("#recent-activity")
    );

    ann.sign_out_of_client().await.assert_redirect("/login");
    ann.get("/client")
        .await
        .assert_redirect("/login?next=%2Fclient");

    // The email was stored lower-cased; signing in is not case-sensitive.
    ann.sign_in_as_client("ann.lee@example.com", PASSWORD)
        .await
        .assert_redirect("/client");
    assert_eq!(ann.get("/client").await.status, StatusCode::OK);
    assert_eq!(app.count("clients"), 1);
    assert_eq!(app.count("users"), 1);
    assert_eq!(app.count("accounts"), 1);
}

#[actix_web::test]
async fn bad_registrations_are_refused_at_the_field_and_write_nothing() {
    let app = TestApp::spawn().await;
    let visitor = app.browser();
    let cases: [(&str, &str, &str, &str, &str, &str); 5] = [
        (
            "not-an-email",
            "Ann",
            PASSWORD,
            PASSWORD,
            "email",
            "valid email",
        ),
        (
            "ann@example.com",
            "Ann",
            "short",
            "short",
            "password",
            "at least 10",
        ),
        (
            "ann@example.com",
            "Ann",
            PASSWORD,
            "another password",
            "password_confirm",
            "do not match",
        ),
        (
            "ann@example.com",
            "   ",
            PASSWORD,
            PASSWORD,
            "name",
            "Enter your name",
        ),
        ("", "Ann", PASSWORD, PASSWORD, "email", "Enter an email"),
    ];
    for (email, name, password, confirm, field, message) in cases {
        let page = visitor
            .submit(
                "/register",
                "/register",
                &[
                    ("email", email),
                    ("name", name),
                    ("password", password),
                    ("password_confirm", confirm),
                ],
            )
            .await;
        assert_eq!(
            page.status.as_u16(),
            FORM_SHOWN_AGAIN.as_u16(),
            "{field}: {message}"
        );
        assert!(
            page.field_error(field).contains(message),
            "expected {message:?} at {field}, got {:?}",
            page.field_error(field)
        );
        // The input is kept (except the passwords).
        assert_eq!(page.input_value("email").as_deref(), Some(email));
        assert_eq!(page.input_value("name").as_deref(), Some(name));
        assert_eq!(page.input_value("password"), None);
    }
    assert_eq!(app.count("clients"), 0);
    assert_eq!(app.count("users"), 0);
}

/// The registration form of a visitor, filled in.
async fn fill_in(
    visitor: &crate::helpers::Browser,
    email: &str,
    name: &str,
) -> crate::helpers::Page {
    visitor
        .submit(
            "/register",
            "/register",
            &[
                ("email", email),
                ("name", name),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await
}

#[actix_web::test]
async fn registering_answers_alike_whether_or_not_the_address_has_an_account() {
    let app = TestApp::spawn().await;
    app.browser()
        .register("ann@example.com", "Ann")
        .await
        .assert_redirect("/client");
    let outbox = app.count("outbox");

    // A new address and a taken one get the same answer and the same page.
    let stranger = app.browser();
    let taken = fill_in(&stranger, "ANN@example.com", "Another Ann").await;
    let fresh = fill_in(&app.browser(), "bob@example.com", "Bob").await;
    taken.assert_redirect("/register/sent");
    fresh.assert_redirect("/register/sent");
    let page = stranger.get("/register/sent").await;
    assert!(page.body.contains("Check your inbox"));
    assert!(page.body.contains("We sent a link to ann@example.com"));
    assert_eq!(app.count("clients"), 1, "nothing is made before the link");
    // Each address got its mail: the owner of the taken one hears that it has an account.
    assert_eq!(app.count("outbox"), outbox + 2);
    let to_ann =
        billpanel::db::models::OutboxMail::to_recipient(&mut app.conn(), "ann@example.com")
            .unwrap();
    assert!(to_ann[0].subject.contains("already have an account"));
    assert!(!to_ann[0].body.contains("token="));
    // The stranger, not reading Ann's mail, cannot sign in as Ann with its password.
    app.browser()
        .sign_in_as_client("ann@example.com", PASSWORD)
        .await
        .assert_redirect("/client");
    assert_eq!(app.count("users"), 1);
}

#[actix_web::test]
async fn a_confirmation_link_works_once_and_opening_it_changes_nothing() {
    let app = TestApp::spawn().await;
    let visitor = app.browser();
    fill_in(&visitor, "bob@example.com", "Bob")
        .await
        .assert_redirect("/register/sent");
    let link = visitor.link_mailed_to("bob@example.com", "/register/confirm?token=");
    // Opening the link (as a mail scanner would) makes nothing.
    let page = visitor.get(&link).await;
    assert!(page.body.contains("Welcome, Bob"), "{}", page.body);
    assert_eq!(app.count("clients"), 0);
    let token = crate::helpers::token_of(&link);
    visitor
        .submit(&link, "/register/confirm", &[("token", token)])
        .await
        .assert_redirect("/client");
    assert_eq!(app.count("clients"), 1);
    // Twice: refused with a clear page, nothing more made.
    let again = app.browser();
    let page = again.get(&link).await;
    assert!(
        page.text_of("#confirm-error")
            .contains("used already or has expired")
    );
    let page = again
        .submit("/register", "/register/confirm", &[("token", token)])
        .await;
    assert!(
        page.text_of("#confirm-error")
            .contains("used already or has expired")
    );
    assert_eq!(app.count("clients"), 1);
    // Registration made a sign-in: the card says when, not "never".
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let client = crate::helpers::client_id_by_email(&app, "bob@example.com");
    let users = admin
        .get(&format!("/admin/clients/{client}?tab=users"))
        .await
        .text_of("#client-users");
    assert!(users.contains("Bob") && !users.contains("never"), "{users}");
}

#[actix_web::test]
async fn registrations_from_one_address_are_limited_per_hour() {
    let app = TestApp::spawn_with(|config| config.registrations_per_hour = 3).await;
    let visitor = app.browser();
    for n in 0..3 {
        fill_in(&visitor, &format!("c{n}@example.com"), "C")
            .await
            .assert_redirect("/register/sent");
    }
    let page = fill_in(&visitor, "c9@example.com", "C").await;
    assert_eq!(page.status.as_u16(), FORM_SHOWN_AGAIN.as_u16());
    assert!(page.field_error("email").contains("Too many registrations"));
    assert!(
        billpanel::db::models::OutboxMail::to_recipient(&mut app.conn(), "c9@example.com")
            .unwrap()
            .is_empty()
    );
}

/// Registers `email` through the form with these extra fields and follows the link.
async fn register_with(visitor: &crate::helpers::Browser, email: &str, extra: &[(&str, &str)]) {
    let mut fields = vec![
        ("email", email),
        ("name", "Bob"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ];
    fields.extend_from_slice(extra);
    visitor
        .submit("/register", "/register", &fields)
        .await
        .assert_redirect("/register/sent");
    let link = visitor.link_mailed_to(email, "/register/confirm?token=");
    visitor
        .submit(
            &link,
            "/register/confirm",
            &[("token", crate::helpers::token_of(&link))],
        )
        .await
        .assert_redirect("/client");
}

#[actix_web::test]
async fn visitors_join_the_sites_provider_and_choose_only_self_service_ones() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let eur = crate::helpers::id_of(&app, "currencies", "code", "EUR").to_string();
    let provider = |name: &'static str, extra: &'static [(&'static str, &'static str)]| {
        let eur = eur.clone();
        let admin = &admin;
        async move {
            let mut fields = vec![
                ("name", name),
                ("currency_id", eur.as_str()),
                ("time_zone", "UTC"),
                ("deletion_days", "30"),
            ];
            fields.extend_from_slice(extra);
            admin
                .submit("/admin/providers/new", "/admin/providers", &fields)
                .await
        }
    };
    provider("Internal EU", &[]).await;
    // An internal provider is not offered: visitors join the site's provider.
    let visitor = app.browser();
    assert!(
        !visitor
            .get("/register")
            .await
            .exists("select[name=provider_id]")
    );
    register_with(&visitor, "ann@example.com", &[]).await;
    assert_eq!(
        visitor
            .get("/client")
            .await
            .text_of(".account-card .bp-figure"),
        "0.00 RUB"
    );

    provider("Domains EU", &[("self_service", "on")]).await;
    let eu = crate::helpers::id_of(&app, "providers", "name", "Domains EU").to_string();
    let internal = crate::helpers::id_of(&app, "providers", "name", "Internal EU").to_string();
    let visitor = app.browser();
    let form = visitor.get("/register").await;
    let offered = form.texts("select[name=provider_id] option");
    assert_eq!(
        offered.len(),
        2,
        "the site's provider and the self-service one: {offered:?}"
    );
    assert!(offered[0].starts_with("Main provider"), "{offered:?}");
    assert!(form.exists("select[name=provider_id] option[selected]"));
    // A provider that is not offered cannot be picked by its id either.
    let forged = visitor
        .submit(
            "/register",
            "/register",
            &[
                ("email", "eve@example.com"),
                ("name", "Eve"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("provider_id", &internal),
            ],
        )
        .await;
    assert_eq!(
        forged.field_error("provider_id"),
        "Choose a provider from the list."
    );
    // The field in error says so to assistive technology, and points at its message.
    assert!(
        forged.exists("select#provider_id[aria-invalid=true][aria-describedby=provider_id-error]")
    );
    register_with(&visitor, "bob@example.com", &[("provider_id", &eu)]).await;
    assert_eq!(
        visitor
            .get("/client")
            .await
            .text_of(".account-card .bp-figure"),
        "0.00 EUR"
    );

    // The site's provider is one: marking another unmarks the first.
    let edit = format!("/admin/providers/{eu}");
    admin
        .submit(
            &edit,
            &edit,
            &[
                ("name", "Domains EU"),
                ("currency_id", eur.as_str()),
                ("time_zone", "UTC"),
                ("deletion_days", "30"),
                ("registration_default", "on"),
            ],
        )
        .await;
    assert_eq!(app.count("providers WHERE registration_default = TRUE"), 1);
    assert_eq!(
        app.count(&format!(
            "providers WHERE registration_default = TRUE AND id = {eu}"
        )),
        1
    );
    assert!(
        admin
            .get("/admin/providers")
            .await
            .text_of("#providers")
            .contains("site's provider")
    );
}

#[actix_web::test]
async fn an_oversized_body_is_refused() {
    let app = TestApp::spawn().await;
    let visitor = app.browser();
    let huge = "x".repeat(400 * 1024);
    let page = visitor
        .submit(
            "/register",
            "/register",
            &[("email", "big@example.com"), ("name", &huge)],
        )
        .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.body.contains("Too large"));
    assert_eq!(app.count("clients"), 0);
}
