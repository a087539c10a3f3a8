//! Mass mailings: counted before they go, tried on one address, sent to exactly the
//! subscribed clients of their target, with a one-click unsubscribe link, and refused when
//! they would reach nobody or their text does not parse.

use crate::helpers::{Browser, TestApp, client_id_by_email, id_of};
use crate::smtp_server::{Received, SmtpServer};

/// Waits (up to 15 s) until the messages `wanted` picks are `n`; those.
async fn arrivals(
    smtp: &SmtpServer,
    n: usize,
    wanted: impl Fn(&Received) -> bool,
) -> Vec<Received> {
    let started = std::time::Instant::now();
    loop {
        let found: Vec<Received> = smtp.received().into_iter().filter(|r| wanted(r)).collect();
        if found.len() >= n || started.elapsed() > std::time::Duration::from_secs(15) {
            return found;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn registered(app: &TestApp, email: &str, name: &str) -> (Browser, i64) {
    let browser = app.browser();
    browser.register(email, name).await;
    (browser, client_id_by_email(app, email))
}

async fn group_of(admin: &Browser, app: &TestApp, name: &str, clients: &[i64]) -> i64 {
    admin
        .submit(
            "/admin/client-groups/new",
            "/admin/client-groups",
            &[("name", name), ("discount", "0")],
        )
        .await;
    let group = id_of(app, "client_groups", "name", name);
    let page = format!("/admin/client-groups/{group}");
    for client in clients {
        admin
            .submit(
                &page,
                &format!("{page}/members"),
                &[("client_id", &client.to_string())],
            )
            .await
            .assert_redirect(&page);
    }
    group
}

const BODY: &str = "Hello {{ client }},\n\nour new data centre opens in March.";

#[actix_web::test]
async fn a_mailing_to_a_group_reaches_exactly_its_subscribed_clients() {
    let smtp = SmtpServer::start();
    let app = TestApp::sending_mail_to(&smtp).await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let (_ann, ann) = registered(&app, "ann@example.com", "Ann Lee").await;
    let (bob_browser, bob) = registered(&app, "bob@example.com", "Bob Ray").await;
    let (_cid, _) = registered(&app, "cid@example.com", "Cid Moe").await;
    let vip = group_of(&admin, &app, "VIP", &[ann, bob]).await.to_string();
    // Bob unsubscribes on his profile.
    bob_browser
        .submit(
            "/client/profile",
            "/client/profile",
            &[("user_name", "Bob Ray"), ("language", "en")],
        )
        .await
        .assert_redirect("/client/profile");

    let form = |action: &'static str| {
        vec![
            ("subject", "News for {{ client }}"),
            ("body", BODY),
            ("groups", vip.as_str()),
            ("action", action),
        ]
    };
    let counted = admin
        .submit("/admin/mailings/new", "/admin/mailings", &form("count"))
        .await;
    assert_eq!(counted.text_of("#reached"), "1 client would get it.");
    assert_eq!(counted.text_of("#body"), BODY, "the text is kept");

    let mut test = form("test");
    test.push(("test_address", "me@provider.test"));
    let tested = admin
        .submit("/admin/mailings/new", "/admin/mailings", &test)
        .await;
    assert!(tested.text_of("#tested").contains("me@provider.test"));
    let trial = arrivals(&smtp, 1, |r| r.to == ["me@provider.test"]).await;
    assert!(trial[0].data.contains("Alex Smith"));

    let sent = admin
        .submit("/admin/mailings/new", "/admin/mailings", &form("send"))
        .await;
    let page = sent.location.clone().expect("the mailing's page");
    let reached = arrivals(&smtp, 1, |r| {
        r.to == ["ann@example.com"] && r.data.contains("our new data centre")
    })
    .await;
    // Only Ann: Bob unsubscribed, Cid is not in the group.
    assert_eq!(app.count("outbox WHERE mailing_id IS NOT NULL"), 1);
    assert_eq!(
        app.count("outbox WHERE mailing_id IS NOT NULL AND recipient = 'ann@example.com'"),
        1
    );
    let ann_mail = &reached[0];
    let message = mail_parser::MessageParser::default()
        .parse(ann_mail.data.as_bytes())
        .unwrap();
    assert_eq!(message.subject(), Some("News for Ann Lee"));
    let unsubscribe = ann_mail
        .header("List-Unsubscribe")
        .expect("a mailing can be unsubscribed from");
    assert_eq!(
        ann_mail.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(ann_mail.header("Auto-Submitted").is_none());
    // A copy is in Ann's inbox, and in nobody else's.
    assert_eq!(app.count("messages WHERE subject LIKE 'News for %'"), 1);
    assert_eq!(
        app.count(&format!(
            "messages WHERE client_id = {ann} AND subject = 'News for Ann Lee'"
        )),
        1
    );
    assert!(
        message
            .body_text(0)
            .unwrap()
            .contains("To receive no more mailings:")
    );

    // The mailing's page and its figures.
    let shown = admin.get(&page).await;
    assert!(shown.text_of("#mailing-target").contains("in VIP"));
    assert_eq!(shown.text_of("#figure-recipients"), "1");
    let started = std::time::Instant::now();
    loop {
        let figures = admin.get(&format!("{page}/progress")).await;
        if figures.body.contains("\"sent\":1") {
            assert!(figures.body.contains("\"done\":true"), "{}", figures.body);
            break;
        }
        assert!(started.elapsed().as_secs() < 15, "{}", figures.body);
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // A mail program's one-click unsubscribe: a POST to the link, without a session.
    let address = unsubscribe
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .split_once("/mailings/")
        .map(|(_, path)| format!("/mailings/{path}"))
        .unwrap();
    let program = app.browser();
    let done = program
        .post_raw(&address, &[("List-Unsubscribe", "One-Click")])
        .await;
    assert!(done.exists("#unsubscribed"), "{}", done.body);
    assert_eq!(app.count("clients WHERE receives_mailings = FALSE"), 2);
    // A made-up token unsubscribes nobody.
    let wrong = program
        .post_raw(
            &format!("/mailings/unsubscribe?client={ann}&token=0123456789abcdef0123456789abcdef"),
            &[],
        )
        .await;
    assert_eq!(wrong.status.as_u16(), 404);

    // Now the group reaches nobody: refused, nothing queued.
    let before = app.count("outbox");
    let refused = admin
        .submit("/admin/mailings/new", "/admin/mailings", &form("send"))
        .await;
    assert!(
        refused
            .text_of("#target-error")
            .contains("nobody would get it")
    );
    assert_eq!(app.count("outbox"), before);
    assert_eq!(app.count("mailings"), 1);
}

#[actix_web::test]
async fn a_mailing_whose_text_does_not_parse_is_refused_at_its_line() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    registered(&app, "ann@example.com", "Ann Lee").await;
    // Counting needs a target only, not a text yet.
    let counted = admin
        .submit(
            "/admin/mailings/new",
            "/admin/mailings",
            &[("action", "count")],
        )
        .await;
    assert_eq!(counted.text_of("#reached"), "1 client would get it.");
    let page = admin
        .submit(
            "/admin/mailings/new",
            "/admin/mailings",
            &[
                ("subject", "News"),
                ("body", "Hello {{ client }},\n\n{{ clinet }}"),
                ("groups", "999"),
                ("state", "sleeping"),
                ("action", "send"),
            ],
        )
        .await;
    assert_eq!(
        page.field_error("body"),
        "Line 3: “clinet” is not a placeholder of this notice. It has: client, unsubscribe."
    );
    assert_eq!(page.field_error("groups"), "Choose groups from the list.");
    assert_eq!(
        page.field_error("state"),
        "Choose Active, Not active, or either."
    );
    assert_eq!(app.count("mailings"), 0);
    assert!(
        app.count("outbox WHERE subject = 'News'") == 0,
        "nothing queued"
    );
}

#[actix_web::test]
async fn a_notice_queued_after_a_big_mailing_is_sent_first() {
    use billpanel::db::models::{NewOutboxMail, OutboxMail};
    use diesel::RunQueryDsl;
    let app = TestApp::spawn().await;
    let mut conn = app.conn();
    diesel::sql_query(
        "INSERT INTO mailings (subject, body, status, created_at) \
         VALUES ('Big', 'Text', 'queued', CURRENT_TIMESTAMP)",
    )
    .execute(&mut conn)
    .unwrap();
    let mailing = id_of(&app, "mailings", "subject", "Big");
    let now = billpanel::db::now();
    let earlier = now - chrono::Duration::seconds(1);
    let readers: Vec<String> = (0..150).map(|i| format!("reader{i}@example.com")).collect();
    let big: Vec<billpanel::db::models::outbox::NewMailingMail<'_>> = readers
        .iter()
        .map(|to| billpanel::db::models::outbox::NewMailingMail {
            recipient: to,
            sender: "",
            subject: "Big",
            body: "Text",
            created_at: earlier,
            next_attempt_at: earlier,
            mailing_id: billpanel::ids::MailingId(mailing),
            unsubscribe: "https://billing.example.com/mailings/unsubscribe",
        })
        .collect();
    OutboxMail::queue_many(&mut conn, &big).unwrap();
    OutboxMail::queue(
        &mut conn,
        &NewOutboxMail {
            recipient: "ann@example.com",
            sender: "",
            subject: "Choose a new password",
            body: "Link",
            created_at: now,
        },
    )
    .unwrap();
    let claimed = OutboxMail::claim_due(
        &mut conn,
        "worker-1",
        now + chrono::Duration::seconds(5),
        now + chrono::Duration::minutes(15),
        now - chrono::Duration::days(3),
        100,
    )
    .unwrap();
    assert_eq!(claimed.len(), 100);
    assert!(
        claimed.iter().any(|m| m.subject == "Choose a new password"),
        "the notice is claimed before the mailing's older messages"
    );
    assert_eq!(claimed.iter().filter(|m| m.subject == "Big").count(), 99);
}

/// Polls the mailing's figures until `wanted` is in them (up to 15 s); the figures.
async fn figures_reach(admin: &Browser, page: &str, wanted: &str) -> String {
    let started = std::time::Instant::now();
    loop {
        let figures = admin.get(&format!("{page}/progress")).await.body;
        if figures.contains(wanted) || started.elapsed().as_secs() >= 15 {
            return figures;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn a_mailings_figures_follow_its_messages_refused_then_sent_again() {
    let smtp = SmtpServer::start();
    let app = TestApp::sending_mail_to(&smtp).await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let (_, ann) = registered(&app, "ann@example.com", "Ann Lee").await;
    let (_, bob) = registered(&app, "bob@example.com", "Bob Ray").await;
    let (_, cid) = registered(&app, "cid@example.com", "Cid Moe").await;
    let group = group_of(&admin, &app, "All three", &[ann, bob, cid])
        .await
        .to_string();
    // The first message of the mailing is refused for good: once the mail of the
    // registrations has gone, so that the refusal meets the mailing.
    let started = std::time::Instant::now();
    while app.count("outbox WHERE status = 'waiting'") > 0 {
        assert!(started.elapsed().as_secs() < 15, "earlier mail still waits");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    smtp.answer_next(&[(550, "5.1.1 Mailbox unavailable")]);
    let sent = admin
        .submit(
            "/admin/mailings/new",
            "/admin/mailings",
            &[
                ("subject", "March news"),
                ("body", BODY),
                ("groups", group.as_str()),
                ("action", "send"),
            ],
        )
        .await;
    let page = sent.location.clone().expect("the mailing's page");
    let figures = figures_reach(&admin, &page, "\"done\":true").await;
    assert!(
        figures.contains("\"recipients\":3")
            && figures.contains("\"sent\":2")
            && figures.contains("\"failed\":1")
            && figures.contains("\"waiting\":0"),
        "{figures}"
    );
    let shown = admin.get(&page).await;
    assert_eq!(shown.text_of("#figure-failed"), "1");
    assert_eq!(shown.text_of("#figure-sent"), "2");
    let listed = admin.get("/admin/mailings").await;
    let cells = listed.texts("#mailings tbody td");
    assert_eq!(cells[2..6], ["3", "2", "1", "0"], "{cells:?}");

    // Staff send the refused one again: it waits, then goes.
    let refused = id_of(&app, "outbox", "status", "failed");
    let outbox_page = format!("/admin/outbox/{refused}");
    admin
        .submit(&outbox_page, &format!("{outbox_page}/resend"), &[])
        .await
        .assert_redirect(&outbox_page);
    let figures = figures_reach(&admin, &page, "\"sent\":3").await;
    assert!(
        figures.contains("\"sent\":3") && figures.contains("\"failed\":0"),
        "{figures}"
    );
    assert_eq!(
        smtp.received()
            .iter()
            .filter(|r| r.data.contains("March"))
            .count(),
        3
    );
}

#[actix_web::test]
async fn mail_expired_in_one_statement_counts_on_its_mailing() {
    use billpanel::db::models::OutboxMail;
    use billpanel::db::models::mailing::Mailing;
    use diesel::RunQueryDsl;
    let app = TestApp::spawn().await;
    let mut conn = app.conn();
    diesel::sql_query(
        "INSERT INTO mailings (subject, body, status, recipients, created_at) \
         VALUES ('Old', 'Text', 'queued', 150, CURRENT_TIMESTAMP)",
    )
    .execute(&mut conn)
    .unwrap();
    let mailing = billpanel::ids::MailingId(id_of(&app, "mailings", "subject", "Old"));
    let now = billpanel::db::now();
    let long_ago = now - chrono::Duration::days(4);
    let readers: Vec<String> = (0..150).map(|i| format!("reader{i}@example.com")).collect();
    let old: Vec<billpanel::db::models::outbox::NewMailingMail<'_>> = readers
        .iter()
        .map(|to| billpanel::db::models::outbox::NewMailingMail {
            recipient: to,
            sender: "",
            subject: "Old",
            body: "Text",
            created_at: long_ago,
            next_attempt_at: long_ago,
            mailing_id: mailing,
            unsubscribe: "https://billing.example.com/mailings/unsubscribe",
        })
        .collect();
    OutboxMail::queue_many(&mut conn, &old).unwrap();
    // Ten were sent back then.
    diesel::sql_query(
        "UPDATE outbox SET status = 'sent' \
         WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT 10)",
    )
    .execute(&mut conn)
    .unwrap();
    let before = Mailing::find(&mut conn, mailing)
        .unwrap()
        .unwrap()
        .progress();
    assert_eq!((before.sent, before.failed, before.waiting), (10, 0, 140));

    let expired = OutboxMail::expire(&mut conn, now - chrono::Duration::days(3)).unwrap();
    assert_eq!(expired, 140);
    let after = Mailing::find(&mut conn, mailing)
        .unwrap()
        .unwrap()
        .progress();
    assert_eq!((after.sent, after.failed, after.waiting), (10, 140, 0));
    // A statement that changes no status changes no figure.
    diesel::sql_query("UPDATE outbox SET attempts = attempts + 1")
        .execute(&mut conn)
        .unwrap();
    let same = Mailing::find(&mut conn, mailing)
        .unwrap()
        .unwrap()
        .progress();
    assert_eq!(same, after);
}
