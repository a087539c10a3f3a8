//! The main journeys of billpanel in a real browser: Debian's chromium, headless, driven
//! through chromedriver. Each journey starts the application on a fresh database, does what
//! a person does with the mouse and keyboard, fails on any console error or failed request,
//! and leaves screenshots in `target/screenshots/`. Where chromium or chromedriver is not
//! installed, each journey says it is skipped and passes.

#[allow(dead_code)]
#[path = "../app/helpers.rs"]
mod helpers;
#[path = "../app/smtp_server.rs"]
#[allow(dead_code)]
mod smtp_server;

mod chrome;

use helpers::{PASSWORD, TestApp, company_ready, id_of, payment_method, tariff};

const CLIENT_EMAIL: &str = "ann@example.com";
const TAX_ID: &str = "DE811907980";

/// What the provider has set up before a visitor arrives: a card payment method and a tariff,
/// made by the administrator through the admin forms.
async fn provider_ready_to_sell(app: &TestApp) -> i64 {
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    payment_method(app, &admin, "Card", "test_card", &[]).await;
    tariff(app, &admin, "VPS Start", &[("price_1", "300")]).await
}

/// A visitor registers, adds a payer, tops up by card through the test gateway, orders a tariff
/// and sees it active. Leaves the client signed in, on its service's page.
async fn register_pay_and_order(app: &TestApp, ann: &mut chrome::Chrome, vps: i64) {
    ann.visit("/register").await;
    ann.fill("email", CLIENT_EMAIL).await;
    ann.fill("name", "Ann Lee").await;
    ann.fill("password", PASSWORD).await;
    ann.fill("password_confirm", PASSWORD).await;
    ann.screenshot("register").await;
    ann.press("Create account").await;
    assert_eq!(ann.path().await, "/register/sent");
    assert!(ann.text("main").await.contains("Check your inbox"));
    ann.screenshot("register-sent").await;
    // Ann opens the link in the mail she got (read here from the outbox).
    let link = app
        .browser()
        .link_mailed_to(CLIENT_EMAIL, "/register/confirm?token=");
    ann.visit(&link).await;
    ann.screenshot("register-confirm").await;
    ann.press("Confirm and sign in").await;
    assert_eq!(ann.path().await, "/client");
    ann.screenshot("dashboard").await;

    ann.follow_link("Payers").await;
    ann.follow_link("Add payer").await;
    ann.select("kind", "sole_proprietor").await;
    ann.fill("name", "Ann Lee IT Services").await;
    ann.fill("email", CLIENT_EMAIL).await;
    ann.fill("phone", "+49 30 1234567").await;
    ann.fill("country", "DE").await;
    ann.fill("tax_id", TAX_ID).await;
    ann.fill("postal_address", "Hauptstr. 1, 10115 Berlin")
        .await;
    ann.fill("legal_address", "Hauptstr. 1, 10115 Berlin").await;
    ann.fill("contact_person", "Ann Lee").await;
    ann.screenshot("payer-form").await;
    ann.press("Add payer").await;
    assert_eq!(ann.path().await, "/client/payers");
    assert!(ann.text("main").await.contains("Ann Lee IT Services"));

    ann.follow_link("Payments").await;
    ann.click_through("#top-up").await;
    ann.click("input[name=\"method_id\"]").await;
    ann.fill("amount", "1000").await;
    ann.screenshot("top-up").await;
    ann.press("Continue").await;
    assert!(
        ann.path().await.starts_with("/gateway/test/pay/"),
        "the card payment goes to the gateway, not {}",
        ann.path().await
    );
    let amount = ann.text("#checkout-amount").await;
    assert!(
        amount.contains("1,000.00") || amount.contains("1000.00"),
        "{amount}"
    );
    ann.screenshot("gateway").await;
    ann.click_through("#pay").await;
    assert!(ann.path().await.starts_with("/client/payments/"));
    assert_eq!(ann.text("#payment-status").await, "Paid");
    ann.screenshot("paid").await;

    ann.follow_link("Services").await;
    ann.follow_link("Order a service").await;
    ann.click(&format!("#choice-{vps}-1")).await;
    ann.screenshot("order").await;
    ann.press("Order").await;
    assert!(ann.path().await.starts_with("/client/services/"));
    assert!(ann.text("h1").await.contains("VPS Start"));
    assert!(ann.text("h1 .badge").await.contains("Active"));
    assert!(ann.text("#balance").await.contains("700"));
    ann.screenshot("service-active").await;
}

#[actix_web::test]
async fn a_visitor_registers_pays_by_card_and_orders_a_service() {
    let app = TestApp::spawn().await;
    let vps = provider_ready_to_sell(&app).await;
    let Some(mut ann) = chrome::start(&app.base, "client-orders", "ann").await else {
        return;
    };
    register_pay_and_order(&app, &mut ann, vps).await;
    ann.finish().await;
}

#[actix_web::test]
async fn a_client_pays_by_bank_transfer_and_downloads_its_bill() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    payment_method(&app, &admin, "Bank transfer", "bank_transfer", &[]).await;
    company_ready(&app, &admin, "Demo Hosting LLC").await;
    let visitor = app.browser();
    visitor.register(CLIENT_EMAIL, "Ann Lee").await;
    visitor
        .submit(
            "/client/payers/new",
            "/client/payers",
            &[
                ("kind", "individual"),
                ("name", "Анна Ли"),
                ("email", CLIENT_EMAIL),
                ("phone", "+7 495 000 00 00"),
                ("postal_address", "Москва, ул. Тверская, 1"),
            ],
        )
        .await
        .assert_redirect("/client/payers");
    let Some(mut ann) = chrome::start(&app.base, "bank-transfer-bill", "ann").await else {
        return;
    };
    ann.sign_in("/login", CLIENT_EMAIL, PASSWORD).await;
    ann.follow_link("Payments").await;
    ann.click_through("#top-up").await;
    ann.click("input[name=\"method_id\"]").await;
    ann.fill("amount", "1500").await;
    ann.press("Continue").await;
    assert!(ann.path().await.starts_with("/client/payments/"));
    let bill = ann.text("#open-bill").await;
    assert!(bill.starts_with("Bill INV-"), "{bill}");
    ann.screenshot("payment-with-bill").await;
    ann.click_through("#open-bill").await;
    assert!(ann.text("#document-title").await.contains(&bill[5..]));
    assert_eq!(ann.text("#document-total").await, "1,500.00 RUB");
    assert!(ann.text("#document-payer").await.contains("Анна Ли"));
    ann.screenshot("bill").await;
    let pdf = ann.path().await + "/pdf";
    let (status, kind, head, size) = ann.download(&pdf).await;
    assert_eq!(
        (status, kind.as_str(), head.as_str()),
        (200, "application/pdf", "%PDF-")
    );
    assert!(size > 5_000, "a PDF with its font: {size} bytes");
    ann.follow_link("← Back").await;
    assert_eq!(ann.path().await, "/client/documents");
    assert!(ann.text("#documents").await.contains(&bill[5..]));
    ann.screenshot("documents").await;
    ann.finish().await;
}

#[actix_web::test]
async fn the_administrator_finds_a_client_by_tax_id_and_works_as_it() {
    let app = TestApp::spawn().await;
    let vps = provider_ready_to_sell(&app).await;
    let Some(mut ann) = chrome::start(&app.base, "admin-finds-client", "ann").await else {
        return;
    };
    register_pay_and_order(&app, &mut ann, vps).await;
    ann.finish().await;
    let client = helpers::client_id_by_email(&app, CLIENT_EMAIL);

    let mut admin = chrome::start(&app.base, "admin-finds-client", "admin")
        .await
        .unwrap();
    admin
        .sign_in(
            "/admin/login",
            helpers::ADMIN_EMAIL,
            helpers::ADMIN_PASSWORD,
        )
        .await;
    assert_eq!(admin.path().await, "/admin");
    admin.follow_link("Clients").await;
    admin.fill("q", TAX_ID).await;
    admin.press("Find").await;
    let rows = admin.text("#clients tbody").await;
    assert!(
        rows.contains("Ann Lee"),
        "the search by tax id finds Ann: {rows}"
    );
    admin.screenshot("found-by-tax-id").await;

    admin
        .click_through(&format!("#clients a[href=\"/admin/clients/{client}\"]"))
        .await;
    admin.screenshot("client-card").await;
    admin.press("Log in as client").await;
    assert_eq!(admin.path().await, "/client");
    let banner = admin.text("#impersonation-banner").await;
    assert!(
        banner.contains(&format!("client #{client}")) && banner.contains("Ann Lee"),
        "{banner}"
    );
    admin.follow_link("Services").await;
    assert!(admin.text("main").await.contains("VPS Start"));
    admin.screenshot("working-as-client").await;
    admin.press("Return to admin").await;
    assert_eq!(admin.path().await, format!("/admin/clients/{client}"));
    assert!(!admin.has("#impersonation-banner").await);
    admin.screenshot("back-in-admin").await;
    admin.finish().await;
}

#[actix_web::test]
async fn support_answers_a_ticket_and_the_client_reads_the_reply() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let tech = id_of(&app, "departments", "name", "Technical support");
    admin
        .create_employee(&app, "Sam Support", "sam@example.com", &[tech])
        .await;
    let client = app.browser();
    client.register(CLIENT_EMAIL, "Ann Lee").await;

    let Some(mut ann) = chrome::start(&app.base, "support-answers", "ann").await else {
        return;
    };
    ann.sign_in("/login", CLIENT_EMAIL, PASSWORD).await;
    ann.follow_link("Support").await;
    ann.follow_link("New ticket").await;
    ann.select("department_id", &tech.to_string()).await;
    ann.fill("subject", "Server does not boot").await;
    ann.fill("body", "My VPS stopped answering after a reboot.")
        .await;
    ann.screenshot("client-writes").await;
    ann.press("Send").await;
    let ticket_page = ann.path().await;
    assert!(ticket_page.starts_with("/client/tickets/"), "{ticket_page}");

    let mut sam = chrome::start(&app.base, "support-answers", "sam")
        .await
        .unwrap();
    sam.sign_in("/admin/login", "sam@example.com", PASSWORD)
        .await;
    sam.follow_link("Tickets").await;
    assert!(sam.text("#tickets").await.contains("Server does not boot"));
    sam.screenshot("queue").await;
    sam.follow_link("Server does not boot").await;
    sam.fill("body", "We restarted the host; your VPS answers again.")
        .await;
    sam.screenshot("support-replies").await;
    sam.press("Send reply").await;
    assert!(
        sam.text("main")
            .await
            .contains("We restarted the host; your VPS answers again.")
    );
    sam.finish().await;

    ann.visit(&ticket_page).await;
    let conversation = ann.text("#conversation").await;
    assert!(
        conversation.contains("We restarted the host; your VPS answers again."),
        "{conversation}"
    );
    assert!(conversation.contains("Sam Support"), "{conversation}");
    ann.screenshot("client-reads-reply").await;
    // The page marks the reply read with its own POST (a GET changes nothing): the
    // button goes, and the list no longer says "New reply".
    for _ in 0..50 {
        if !ann.has("form[data-mark-read]").await {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(!ann.has("form[data-mark-read]").await);
    ann.visit("/client/tickets").await;
    assert!(!ann.text("#tickets").await.contains("New reply"));
    ann.finish().await;
}

#[actix_web::test]
async fn a_client_who_forgot_its_password_chooses_a_new_one_from_the_mail() {
    let smtp = smtp_server::SmtpServer::start();
    let app = TestApp::sending_mail_to(&smtp).await;
    app.browser().register(CLIENT_EMAIL, "Ann Lee").await;
    let Some(mut ann) = chrome::start(&app.base, "forgot-password", "ann").await else {
        return;
    };
    ann.visit("/login").await;
    ann.follow_link("Forgot your password?").await;
    assert_eq!(ann.path().await, "/password/forgot");
    ann.fill("email", CLIENT_EMAIL).await;
    ann.screenshot("forgot").await;
    ann.press("Mail me a link").await;
    assert_eq!(ann.path().await, "/password/forgot/sent");
    assert!(ann.text("main").await.contains("Check your inbox"));

    // Ann opens the link in the mail the SMTP server received.
    let link = smtp
        .link_mailed_to(CLIENT_EMAIL, "/password/reset?token=")
        .await;
    ann.visit(&link).await;
    assert_eq!(ann.text("#reset-email").await, CLIENT_EMAIL);
    ann.fill("new_password", "my new password 9").await;
    ann.fill("new_password_confirm", "my new password 9").await;
    ann.screenshot("choose").await;
    ann.press("Save the new password").await;
    assert_eq!(ann.path().await, "/login");
    assert!(ann.text("main").await.contains("Your password is changed"));
    ann.sign_in("/login", CLIENT_EMAIL, "my new password 9")
        .await;
    assert_eq!(ann.path().await, "/client");
    ann.screenshot("signed-in").await;
    ann.finish().await;
}

/// A provider's working state, made through the forms: a client with a payer, a payment,
/// an active service and an open ticket. Returns the client's id.
async fn client_with_history(app: &TestApp) -> i64 {
    let vps = provider_ready_to_sell(app).await;
    let ann = app.browser();
    ann.register(CLIENT_EMAIL, "Ann Lee").await;
    ann.submit(
        "/client/payers/new",
        "/client/payers",
        &[
            ("kind", "individual"),
            ("name", "Ann Lee"),
            ("email", CLIENT_EMAIL),
            ("phone", "+49 1"),
            ("postal_address", "Berlin"),
        ],
    )
    .await
    .assert_redirect("/client/payers");
    let client = helpers::client_id_by_email(app, CLIENT_EMAIL);
    let account = id_of(app, "accounts", "client_id", &client.to_string()).to_string();
    let payer = id_of(app, "payers", "name", "Ann Lee").to_string();
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let card = format!("/admin/clients/{client}?tab=payments");
    admin
        .submit(
            &card,
            &format!("/admin/clients/{client}/payments"),
            &[
                ("account_id", &account),
                ("payer_id", &payer),
                ("amount", "1000"),
                ("comment", "bank ref 42"),
                ("idempotency_key", "a11y-1"),
            ],
        )
        .await
        .assert_redirect(&card);
    let order = format!("/admin/clients/{client}/order");
    let key = admin.get(&order).await.input_value("order_key").unwrap();
    admin
        .submit(
            &order,
            &order,
            &[("choice", &format!("{vps}:1")), ("order_key", &key)],
        )
        .await;
    let department = id_of(app, "departments", "name", "Technical support").to_string();
    ann.submit(
        "/client/tickets/new",
        "/client/tickets",
        &[
            ("department_id", &department),
            ("subject", "Server down"),
            ("body", "My VPS does not answer."),
        ],
    )
    .await;
    client
}

/// Opens each page at a laptop's and a phone's width: the page never grows wider than the
/// window, and axe-core finds nothing against WCAG 2.1 A/AA. Screenshots of each.
async fn check_pages(person: &mut chrome::Chrome, pages: &[String]) {
    let mut problems = Vec::new();
    for (width, height) in [(1366, 768), (390, 844)] {
        person.resize(width, height).await;
        for page in pages {
            person.visit(page).await;
            let name = page
                .trim_start_matches('/')
                .replace(['/', '?', '=', '&'], "-");
            person.screenshot(&format!("{width}-{name}")).await;
            let overflow = person.overflow().await;
            if overflow > 0 {
                problems.push(format!("{page} at {width} px is {overflow} px too wide"));
            }
            for violation in person.accessibility_violations().await {
                problems.push(format!("{page} at {width} px: {violation}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[actix_web::test]
async fn the_main_pages_fit_a_phone_and_pass_an_accessibility_check() {
    let app = TestApp::spawn().await;
    let client = client_with_history(&app).await;
    let service = id_of(&app, "services", "client_id", &client.to_string());
    let ticket = id_of(&app, "tickets", "subject", "Server down");
    let payment = id_of(&app, "payments", "client_id", &client.to_string());
    let Some(mut admin) = chrome::start(&app.base, "pages", "admin").await else {
        return;
    };
    admin
        .sign_in(
            "/admin/login",
            helpers::ADMIN_EMAIL,
            helpers::ADMIN_PASSWORD,
        )
        .await;
    let admin_pages: Vec<String> = [
        "/admin".to_owned(),
        "/admin/clients".to_owned(),
        format!("/admin/clients/{client}"),
        format!("/admin/clients/{client}?tab=payments"),
        format!("/admin/clients/{client}?tab=services"),
        format!("/admin/clients/{client}?tab=tickets"),
        "/admin/clients/new".to_owned(),
        "/admin/payments".to_owned(),
        format!("/admin/payments/{payment}"),
        "/admin/expenses".to_owned(),
        "/admin/services".to_owned(),
        format!("/admin/services/{service}"),
        "/admin/tickets".to_owned(),
        format!("/admin/tickets/{ticket}"),
        "/admin/documents".to_owned(),
        "/admin/audit".to_owned(),
        "/admin/search?q=a".to_owned(),
        "/admin/mailings/new".to_owned(),
        "/admin/employees".to_owned(),
        "/admin/catalog".to_owned(),
    ]
    .into();
    check_pages(&mut admin, &admin_pages).await;
    // A form sent back with its mistakes.
    admin.resize(1366, 1400).await;
    admin.visit("/admin/clients/new").await;
    admin.press("Create client").await;
    assert!(admin.has("[aria-invalid=true]").await);
    let violations = admin.accessibility_violations().await;
    assert!(
        violations.is_empty(),
        "the form with errors: {violations:?}"
    );
    admin.screenshot("form-with-errors").await;
    admin.finish().await;

    let Some(mut ann) = chrome::start(&app.base, "pages", "client").await else {
        return;
    };
    ann.sign_in("/login", CLIENT_EMAIL, PASSWORD).await;
    let client_pages: Vec<String> = [
        "/client".to_owned(),
        "/client/services".to_owned(),
        format!("/client/services/{service}"),
        "/client/payments".to_owned(),
        "/client/expenses".to_owned(),
        "/client/payers".to_owned(),
        "/client/tickets".to_owned(),
        format!("/client/tickets/{ticket}"),
        "/client/documents".to_owned(),
        "/client/order".to_owned(),
    ]
    .into();
    check_pages(&mut ann, &client_pages).await;
    ann.finish().await;
}
