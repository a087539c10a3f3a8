//! Mail delivered over SMTP to a real server on loopback: what arrives and how it is made,
//! retries after a temporary refusal, a permanent refusal that fails the message and
//! nothing else, sending again from the outbox, a document's PDF attached, and two workers
//! on one database that never send a message twice.

use std::collections::HashMap;

use billpanel::db::models::{NewOutboxMail, OutboxMail};
use billpanel::domain::mail::delivery::Mailer;
use mail_parser::MimeHeaders;
use reqwest::StatusCode;

use crate::helpers::{TestApp, company_ready, id_of};
use crate::payments::{account_of, client_with_payer, record};
use crate::smtp_server::{Received, SmtpServer};
use crate::top_up::{method, top_up};

/// The message as a mail client reads it.
fn parsed(received: &Received) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(received.data.as_bytes())
        .expect("the message parses as MIME")
}

fn with_subject<'a>(received: &'a [Received], subject: &str) -> Vec<&'a Received> {
    received
        .iter()
        .filter(|r| parsed(r).subject() == Some(subject))
        .collect()
}

/// Waits (up to 15 s) for the messages with `subject` to arrive; those that did.
async fn arrived(smtp: &SmtpServer, subject: &str) -> Vec<Received> {
    let started = std::time::Instant::now();
    loop {
        let received = smtp.received();
        let found: Vec<Received> = with_subject(&received, subject)
            .into_iter()
            .cloned()
            .collect();
        if !found.is_empty() || started.elapsed() > std::time::Duration::from_secs(15) {
            return found;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// An app mailing `smtp`, its administrator signed in, and Ann registered with a payer (her
/// sign-up mail delivered); then what records a payment of 80.00 RUB for her, to await when
/// the test has set the server's answers. The future gives Ann's client id.
async fn ann_and_her_sign_up_mail(
    smtp: &SmtpServer,
) -> (
    TestApp,
    crate::helpers::Browser,
    impl std::future::Future<Output = i64>,
) {
    let app = TestApp::sending_mail_to(smtp).await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let (_ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    // The sign-up link arrives whole in the text part (quoted-printable breaks long lines).
    let link = smtp
        .link_mailed_to("ann@example.com", "/register/confirm?token=")
        .await;
    assert!(link.len() > "/register/confirm?token=".len() + 32, "{link}");
    // Once sent, the outbox keeps the mail without the link's secret.
    wait_for_status(&app, "Confirm your email to finish registering", "sent").await;
    let kept = billpanel::db::models::OutboxMail::to_recipient(&mut app.conn(), "ann@example.com")
        .unwrap();
    assert!(
        kept.iter()
            .any(|m| m.body.contains("/register/confirm?token=…")),
        "{kept:?}"
    );
    assert!(
        !kept.iter().any(|m| m.body.contains(&link)),
        "the token is gone"
    );
    let account = account_of(&app, client);
    let payer_admin = admin.copy_of_session();
    let pay = async move {
        record(&payer_admin, client, account, payer, "80", "k-1").await;
        client
    };
    (app, admin, pay)
}

/// Waits until the outbox row of `subject` has `status` (the worker runs beside the test).
async fn wait_for_status(app: &TestApp, subject: &str, status: &str) -> OutboxMail {
    let started = std::time::Instant::now();
    loop {
        let id = id_of(app, "outbox", "subject", subject);
        let mail = OutboxMail::find(&mut app.conn(), billpanel::ids::OutboxId(id))
            .unwrap()
            .unwrap();
        if mail.status == status || started.elapsed() > std::time::Duration::from_secs(15) {
            return mail;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn a_payment_confirmation_arrives_as_a_multipart_message() {
    let smtp = SmtpServer::start();
    let app = TestApp::sending_mail_to(&smtp).await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    record(
        &admin,
        client,
        account_of(&app, client),
        payer,
        "150",
        "k-1",
    )
    .await
    .assert_redirect(&format!("/admin/clients/{client}?tab=payments"));

    let paid = arrived(&smtp, "Payment received").await;
    assert_eq!(paid.len(), 1, "one confirmation");
    let message = parsed(&paid[0]);
    assert_eq!(paid[0].to, vec!["ann@example.com".to_owned()]);
    let text = message.body_text(0).unwrap();
    assert!(text.contains("150.00 RUB"), "{text}");
    let html = message.body_html(0).unwrap();
    assert!(html.contains("150.00 RUB"), "{html}");
    assert_eq!(
        message
            .from()
            .and_then(|f| f.first())
            .and_then(|a| a.address()),
        Some("billing@provider.test")
    );
    assert!(
        message
            .message_id()
            .is_some_and(|id| id.ends_with("@provider.test"))
    );
    assert!(message.date().is_some());
    assert_eq!(
        paid[0].header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );

    // A copy stays in the client's inbox.
    let inbox = ann.get("/client/messages").await;
    assert!(
        inbox.text_of("#inbox").contains("Payment received"),
        "{}",
        inbox.body
    );
    let copy = id_of(&app, "messages", "subject", "Payment received");
    let read = ann.get(&format!("/client/messages/{copy}")).await;
    assert!(read.body.contains("We received your payment"));
    assert!(read.body.contains("150.00 RUB"));

    // The outbox shows it sent, with the Message-ID it went with.
    let mail = wait_for_status(&app, "Payment received", "sent").await;
    assert_eq!(mail.attempts, 1);
    assert_eq!(
        format!("<{}>", message.message_id().unwrap()),
        mail.message_id
    );
    let outbox = admin.get("/admin/outbox?status=sent").await;
    assert_eq!(outbox.status, StatusCode::OK);
    assert!(outbox.text_of("#outbox").contains("Payment received"));
    assert!(!outbox.exists("#no-smtp"));
}

#[actix_web::test]
async fn a_temporary_refusal_is_tried_again_and_delivered() {
    let smtp = SmtpServer::start();
    let (app, _admin, pay) = ann_and_her_sign_up_mail(&smtp).await;
    smtp.answer_next(&[(451, "4.3.0 Try again later")]);
    let tries_before = smtp.tries();
    pay.await;

    let mail = wait_for_status(&app, "Payment received", "sent").await;
    assert_eq!(mail.status, "sent", "{mail:?}");
    assert_eq!(mail.attempts, 2, "refused once, then taken");
    assert_eq!(smtp.tries() - tries_before, 2);
    assert_eq!(with_subject(&smtp.received(), "Payment received").len(), 1);
}

#[actix_web::test]
async fn a_permanent_refusal_fails_the_message_keeps_the_payment_and_can_be_sent_again() {
    let smtp = SmtpServer::start();
    let (app, admin, pay) = ann_and_her_sign_up_mail(&smtp).await;
    smtp.answer_next(&[(550, "5.1.1 No such mailbox here")]);
    let client = pay.await;

    let mail = wait_for_status(&app, "Payment received", "failed").await;
    assert_eq!(mail.status, "failed");
    assert_eq!(mail.attempts, 1, "a 5xx answer is not tried again");
    assert!(mail.last_error.contains("550"), "{}", mail.last_error);
    assert!(mail.last_error.contains("No such mailbox here"));
    // The payment stands.
    let payments = admin.get("/admin/payments").await;
    assert!(payments.body.contains("80.00 RUB"));
    assert_eq!(
        crate::services::balance(&app, account_of(&app, client)),
        8000
    );

    // Staff see why, and send it again; this time the server takes it.
    let failed = admin.get("/admin/outbox?status=failed").await;
    assert!(failed.text_of("#outbox").contains("No such mailbox here"));
    assert_eq!(failed.text_of("#count-failed"), "Failed 1");
    let page = admin.get(&format!("/admin/outbox/{}", mail.id)).await;
    assert!(page.text_of("#mail-error").contains("550"));
    admin
        .submit(
            &format!("/admin/outbox/{}", mail.id),
            &format!("/admin/outbox/{}/resend", mail.id),
            &[],
        )
        .await
        .assert_redirect(&format!("/admin/outbox/{}", mail.id));
    let mail = wait_for_status(&app, "Payment received", "sent").await;
    assert_eq!(mail.status, "sent");
    assert_eq!(with_subject(&smtp.received(), "Payment received").len(), 1);
    // A sent message is not sent again.
    let again = admin
        .submit(
            &format!("/admin/outbox/{}", mail.id),
            &format!("/admin/outbox/{}/resend", mail.id),
            &[],
        )
        .await;
    let shown = admin.get(again.location.as_deref().unwrap()).await;
    assert!(shown.body.contains("not failed"), "{}", shown.body);
}

#[actix_web::test]
async fn a_bill_is_mailed_to_the_payer_with_its_pdf_attached() {
    let smtp = SmtpServer::start();
    let app = TestApp::sending_mail_to(&smtp).await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    company_ready(&app, &admin, "My company").await;
    let bank = method(&app, &admin, "Bank transfer", "bank_transfer", &[]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    top_up(&ann, account_of(&app, client), payer, bank, "1200").await;

    let number = format!("INV-{}-000001", chrono::Utc::now().format("%Y"));
    let started = std::time::Instant::now();
    let bill = loop {
        let received = smtp.received();
        if let Some(r) = received
            .iter()
            .find(|r| parsed(r).attachments().next().is_some())
        {
            break r.clone();
        }
        assert!(
            started.elapsed().as_secs() < 15,
            "no mail with a PDF: {received:?}"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let message = parsed(&bill);
    assert!(message.subject().unwrap().contains(&number));
    let pdf = message.attachments().next().unwrap();
    assert_eq!(
        pdf.attachment_name(),
        Some(format!("{number}.pdf").as_str())
    );
    assert!(pdf.contents().starts_with(b"%PDF"));
    let text = lopdf::Document::load_mem(pdf.contents())
        .unwrap()
        .extract_text(&[1])
        .unwrap();
    assert!(text.contains(&number), "{text}");
}

#[actix_web::test]
async fn two_workers_on_one_database_deliver_each_of_500_messages_once() {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn().await;
    {
        let mut conn = app.conn();
        let now = billpanel::db::now();
        for i in 0..500 {
            let to = format!("client{i}@example.com");
            let subject = format!("Notice {i}");
            OutboxMail::queue(
                &mut conn,
                &NewOutboxMail {
                    recipient: &to,
                    sender: "",
                    subject: &subject,
                    body: "Hello",
                    created_at: now,
                },
            )
            .unwrap();
        }
    }
    // Two servers' workers: each its own connection pool, both sending at once.
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let pool = billpanel::db::connect(&app._db.url, 2).unwrap();
            let url = smtp.url();
            std::thread::spawn(move || {
                let mailer = Mailer::new(&url, "b@provider.test".parse().unwrap(), vec![]).unwrap();
                let mut conn = pool.get().unwrap();
                mailer.deliver_due(&mut conn).unwrap()
            })
        })
        .collect();
    let reports: Vec<_> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    assert_eq!(
        reports.iter().map(|r| r.sent).sum::<usize>(),
        500,
        "{reports:?}"
    );

    let received = smtp.received();
    assert_eq!(received.len(), 500);
    let mut per_recipient: HashMap<String, usize> = HashMap::new();
    for r in &received {
        *per_recipient.entry(r.to.join(",")).or_default() += 1;
    }
    assert_eq!(per_recipient.len(), 500);
    assert!(per_recipient.values().all(|n| *n == 1));
    assert_eq!(
        crate::helpers::count_rows(&mut app.conn(), "outbox WHERE status = 'sent'"),
        500
    );
}

#[actix_web::test]
async fn without_smtp_mail_waits_and_the_outbox_says_why() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let (_ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    record(&admin, client, account_of(&app, client), payer, "80", "k-1").await;
    let outbox = admin.get("/admin/outbox").await;
    assert!(outbox.exists("#no-smtp"));
    assert!(
        outbox
            .texts("#outbox tr")
            .iter()
            .any(|r| r.contains("Payment received") && r.contains("Not sent: no SMTP configured"))
    );
    // Filters: by recipient and by day; a bad day is pointed at.
    let mine = admin.get("/admin/outbox?recipient=ANN@example.com").await;
    assert!(mine.text_of("#outbox").contains("Payment received"));
    let other = admin.get("/admin/outbox?recipient=bob@example.com").await;
    assert!(other.exists("#no-mail"));
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let on = admin.get(&format!("/admin/outbox?on={today}")).await;
    assert!(on.text_of("#outbox").contains("Payment received"));
    let bad = admin.get("/admin/outbox?on=2026-13-45").await;
    assert_eq!(bad.field_error("on"), "Enter a date as YYYY-MM-DD.");
}

#[test]
fn a_bad_smtp_url_stops_the_server_naming_the_variable() {
    let database = crate::helpers::TestDatabase::new();
    let work = tempfile::tempdir().unwrap();
    let out = crate::commands::billpanel(&database, work.path(), &["migrate"])
        .env("BILLPANEL_SMTP_URL", "smtp://mail.example.com?tls=maybe")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("BILLPANEL_SMTP_URL"), "{stderr}");
    assert!(stderr.contains("tls=maybe"), "{stderr}");
}

#[actix_web::test]
async fn the_outbox_pages_through_mail_queued_at_one_instant_without_loss_or_repeat() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let before = app.count("outbox");
    {
        // A mailing's worth at one instant, and a few older.
        let mut conn = app.conn();
        let now = billpanel::db::now();
        for i in 0..130 {
            let at = if i < 10 {
                now - chrono::Duration::hours(1)
            } else {
                now
            };
            OutboxMail::queue(
                &mut conn,
                &NewOutboxMail {
                    recipient: &format!("reader{i}@example.com"),
                    sender: "",
                    subject: &format!("News {i}"),
                    body: "Hello",
                    created_at: at,
                },
            )
            .unwrap();
        }
    }
    let mut seen = Vec::new();
    let mut path = "/admin/outbox".to_owned();
    loop {
        let page = admin.get(&path).await;
        seen.extend(page.texts("#outbox tbody tr td:first-child a"));
        let next = page
            .html()
            .select(&scraper::Selector::parse("#older-mail").unwrap())
            .next()
            .and_then(|a| a.value().attr("href").map(str::to_owned));
        match next {
            Some(next) => path = next,
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no message twice");
    assert_eq!(seen.len() as i64, 130 + before, "every message once");
    // Newest first: the older ten come last.
    assert!(seen[seen.len() - 10..].iter().all(|s| {
        let n: i32 = s.trim_start_matches("News ").parse().unwrap_or(99);
        n < 10
    }));
}

#[actix_web::test]
async fn mail_that_waited_three_days_fails_instead_of_going_out_late() {
    let smtp = SmtpServer::start();
    let app = TestApp::sending_mail_to(&smtp).await;
    OutboxMail::queue(
        &mut app.conn(),
        &NewOutboxMail {
            recipient: "late@example.com",
            sender: "",
            subject: "Service #1 renews soon: please top up",
            body: "Old news",
            created_at: billpanel::db::now() - chrono::Duration::days(4),
        },
    )
    .unwrap();
    let mail = wait_for_status(&app, "Service #1 renews soon: please top up", "failed").await;
    assert_eq!(mail.status, "failed");
    assert!(
        mail.last_error.contains("three days"),
        "{}",
        mail.last_error
    );
    assert!(
        smtp.received()
            .iter()
            .all(|r| r.to != vec!["late@example.com".to_owned()])
    );
}
