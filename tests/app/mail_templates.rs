//! Mail written from templates: in the recipient's language, as staff edited it at
//! `/admin/mail-templates` (for every provider or for one), with templates that do not
//! parse or name unknown placeholders refused at their line, and values escaped in the
//! HTML part.

use billpanel::db::models::OutboxMail;
use mail_parser::MimeHeaders;

use crate::helpers::{Browser, TestApp};
use crate::payments::{account_of, client_with_payer, record};
use crate::smtp_server::{Received, SmtpServer};

/// The newest mail queued to `to`.
fn last_mail_to(app: &TestApp, to: &str) -> OutboxMail {
    OutboxMail::to_recipient(&mut app.conn(), to)
        .unwrap()
        .into_iter()
        .max_by_key(|m| m.id)
        .unwrap_or_else(|| panic!("no mail to {to}"))
}

async fn set_language(client: &Browser, language: &str) {
    client
        .submit(
            "/client/profile",
            "/client/profile",
            &[
                ("user_name", "Ann Lee"),
                ("contact_person", ""),
                ("phone", ""),
                ("country", ""),
                ("language", language),
            ],
        )
        .await
        .assert_redirect("/client/profile");
}

/// Waits (up to 15 s) for a message that `wanted` picks.
async fn arrival(smtp: &SmtpServer, wanted: impl Fn(&Received) -> bool) -> Received {
    let started = std::time::Instant::now();
    loop {
        if let Some(found) = smtp.received().into_iter().find(|r| wanted(r)) {
            return found;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "no such message arrived"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The installation's provider (a fresh one has one).
fn first_provider(app: &TestApp) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    use diesel::RunQueryDsl;
    diesel::sql_query("SELECT MIN(id) AS id FROM providers")
        .get_result::<Id>(&mut app.conn())
        .unwrap()
        .id
}

const TEMPLATE: &str = "/admin/mail-templates/payment_received/en";

#[actix_web::test]
async fn a_payment_confirmation_arrives_in_the_language_of_the_client() {
    let smtp = SmtpServer::start();
    let app = TestApp::sending_mail_to(&smtp).await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    set_language(&ann, "ru").await;
    let (bob, bob_client, bob_payer) = client_with_payer(&app, "bob@example.com").await;
    drop(bob);
    record(
        &admin,
        client,
        account_of(&app, client),
        payer,
        "150",
        "k-1",
    )
    .await;
    record(
        &admin,
        bob_client,
        account_of(&app, bob_client),
        bob_payer,
        "75",
        "k-2",
    )
    .await;

    let ann_mail = arrival(&smtp, |r| {
        r.to == ["ann@example.com"] && !r.data.contains("Confirm")
    })
    .await;
    let message = mail_parser::MessageParser::default()
        .parse(ann_mail.data.as_bytes())
        .unwrap();
    assert_eq!(message.subject(), Some("Платёж получен"));
    let text = message.body_text(0).unwrap();
    assert!(text.contains("Здравствуйте, Ann Lee!"), "{text}");
    assert!(text.contains("150.00 RUB"), "{text}");
    assert!(message.body_html(0).unwrap().contains("150.00 RUB"));

    // Without a notification address of the provider, the server's From.
    assert_eq!(
        message
            .from()
            .and_then(|f| f.first())
            .and_then(|a| a.address()),
        Some("billing@provider.test")
    );

    let bob_mail = arrival(&smtp, |r| {
        r.to == ["bob@example.com"] && r.data.contains("Payment received")
    })
    .await;
    let message = mail_parser::MessageParser::default()
        .parse(bob_mail.data.as_bytes())
        .unwrap();
    assert_eq!(message.subject(), Some("Payment received"));
    assert!(message.body_text(0).unwrap().contains("75.00 RUB"));
}

#[actix_web::test]
async fn staff_edit_a_template_and_the_next_mail_is_written_from_it() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let list = admin.get("/admin/mail-templates").await;
    assert!(
        list.text_of("#notice-payment_received").contains("Shipped"),
        "{}",
        list.body
    );
    let page = admin.get(TEMPLATE).await;
    assert_eq!(page.input_value("subject").unwrap(), "Payment received");
    assert!(
        page.text_of("#template-placeholders")
            .contains("{{ amount }}")
    );

    // An unknown placeholder: refused at its line, the text kept as typed.
    let typed = "Hello {{ client }},\n\nwe got {{ amout }}.";
    let refused = admin
        .submit(
            TEMPLATE,
            TEMPLATE,
            &[("subject", "Paid"), ("body", typed), ("action", "save")],
        )
        .await;
    assert_eq!(
        refused.field_error("body"),
        "Line 3: “amout” is not a placeholder of this notice. It has: client, payment, amount, date."
    );
    assert_eq!(refused.text_of("#body"), typed);
    // Bad syntax: refused at its line, in the subject too.
    let refused = admin
        .submit(
            TEMPLATE,
            TEMPLATE,
            &[
                ("subject", "Paid {{ amount"),
                ("body", "Thanks"),
                ("action", "save"),
            ],
        )
        .await;
    assert!(
        refused
            .field_error("subject")
            .starts_with("Line 1: syntax error"),
        "{}",
        refused.field_error("subject")
    );
    assert_eq!(app.count("mail_templates"), 0, "nothing saved");

    // A preview renders it with sample values and saves nothing.
    let edited = "Thanks {{ client }}: {{ amount }} arrived.\n\n<b>Example Hosting</b>";
    let preview = admin
        .submit(
            TEMPLATE,
            TEMPLATE,
            &[
                ("subject", "Got {{ amount }}"),
                ("body", edited),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(preview.text_of("#preview-subject"), "Got 1500.00 RUB");
    assert!(
        preview
            .text_of("#preview-text")
            .contains("Thanks Alex Smith: 1500.00 RUB arrived.")
    );
    assert_eq!(app.count("mail_templates"), 0);

    admin
        .submit(
            TEMPLATE,
            TEMPLATE,
            &[
                ("subject", "Got {{ amount }}"),
                ("body", edited),
                ("action", "save"),
            ],
        )
        .await
        .assert_redirect(TEMPLATE);
    assert!(
        admin
            .get("/admin/mail-templates")
            .await
            .text_of("#notice-payment_received")
            .contains("Edited")
    );
    assert_eq!(
        app.count("audit_events WHERE action = 'mail_template.save'"),
        1
    );

    let (_ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    record(
        &admin,
        client,
        account_of(&app, client),
        payer,
        "150",
        "k-1",
    )
    .await;
    let mail = last_mail_to(&app, "ann@example.com");
    assert_eq!(mail.subject, "Got 150.00 RUB");
    assert_eq!(
        mail.body,
        "Thanks Ann Lee: 150.00 RUB arrived.\n\n<b>Example Hosting</b>"
    );

    // The provider's own template wins for its clients.
    let provider = first_provider(&app);
    let own = format!("{TEMPLATE}?provider={provider}");
    let page = admin.get(&own).await;
    assert!(
        page.text_of("#template-state")
            .contains("has no template of its own")
    );
    assert_eq!(page.input_value("subject").unwrap(), "Got {{ amount }}");
    admin
        .submit(
            &own,
            TEMPLATE,
            &[
                ("provider", &provider.to_string()),
                ("subject", "Provider got {{ amount }}"),
                ("body", "Ours: {{ amount }}"),
                ("action", "save"),
            ],
        )
        .await
        .assert_redirect(&own);
    record(&admin, client, account_of(&app, client), payer, "10", "k-2").await;
    assert_eq!(
        last_mail_to(&app, "ann@example.com").subject,
        "Provider got 10.00 RUB"
    );

    // Removing it, then going back to the shipped text.
    admin
        .submit(
            &own,
            &format!("{TEMPLATE}/restore"),
            &[("provider", &provider.to_string())],
        )
        .await
        .assert_redirect(&own);
    admin
        .submit(TEMPLATE, &format!("{TEMPLATE}/restore"), &[])
        .await
        .assert_redirect(TEMPLATE);
    assert_eq!(app.count("mail_templates"), 0);
    record(&admin, client, account_of(&app, client), payer, "20", "k-3").await;
    let mail = last_mail_to(&app, "ann@example.com");
    assert_eq!(mail.subject, "Payment received");
    assert!(mail.body.contains("We received your payment"));
}

#[actix_web::test]
async fn values_are_escaped_in_the_html_part_and_a_subject_stays_one_line() {
    let smtp = SmtpServer::start();
    let app = TestApp::sending_mail_to(&smtp).await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let (_ann, client, _payer) = client_with_payer(&app, "ann@example.com").await;
    admin
        .submit(
            &format!("/admin/clients/{client}?tab=messages"),
            &format!("/admin/clients/{client}/messages"),
            &[
                ("subject", "Maintenance <b>tonight</b>"),
                ("body", "Hello <script>alert(1)</script> & welcome"),
            ],
        )
        .await;
    let arrived = arrival(&smtp, |r| {
        r.to == ["ann@example.com"] && r.data.contains("Maintenance")
    })
    .await;
    let message = mail_parser::MessageParser::default()
        .parse(arrived.data.as_bytes())
        .unwrap();
    assert_eq!(message.subject(), Some("Maintenance <b>tonight</b>"));
    let html = message.body_html(0).unwrap();
    assert!(
        html.contains("Hello &lt;script&gt;alert(1)&lt;/script&gt; &amp; welcome"),
        "{html}"
    );
    assert!(!html.contains("<script>"));
    assert_eq!(
        message.body_text(0).unwrap().trim(),
        "Hello <script>alert(1)</script> & welcome"
    );
    assert!(message.content_type().is_some());
}

#[actix_web::test]
async fn mail_for_a_provider_with_a_notification_address_comes_from_it() {
    let smtp = SmtpServer::start();
    let app = TestApp::sending_mail_to(&smtp).await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let provider = first_provider(&app);
    let rub = crate::helpers::id_of(&app, "currencies", "code", "RUB").to_string();
    admin
        .submit(
            &format!("/admin/providers/{provider}"),
            &format!("/admin/providers/{provider}"),
            &[
                ("name", "Main provider"),
                ("currency_id", &rub),
                ("notification_email", "billing@main-provider.example"),
                ("time_zone", "UTC"),
                ("deletion_days", "30"),
            ],
        )
        .await
        .assert_redirect("/admin/providers");
    let (_ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    record(
        &admin,
        client,
        account_of(&app, client),
        payer,
        "150",
        "k-1",
    )
    .await;
    let paid = arrival(&smtp, |r| r.data.contains("Payment received")).await;
    let message = mail_parser::MessageParser::default()
        .parse(paid.data.as_bytes())
        .unwrap();
    let from = message.from().and_then(|f| f.first()).unwrap();
    assert_eq!(from.address(), Some("billing@main-provider.example"));
    assert_eq!(from.name(), Some("Main provider"));
    assert!(
        message
            .message_id()
            .is_some_and(|id| id.ends_with("@main-provider.example"))
    );
    let id = crate::helpers::id_of(&app, "outbox", "subject", "Payment received");
    let page = admin.get(&format!("/admin/outbox/{id}")).await;
    assert!(
        page.text_of("#mail-sender")
            .contains("billing@main-provider.example")
    );
}
