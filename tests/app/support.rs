//! The support centre: tickets routed to departments and handled by their staff.

use billpanel::db::models::AuditEvent;
use billpanel::web::page::FORM_SHOWN_AGAIN;
use diesel::RunQueryDsl;
use reqwest::StatusCode;

use crate::helpers::{Browser, PASSWORD, TestApp, id_of};

pub(crate) async fn open_ticket(
    client: &Browser,
    app: &TestApp,
    department: &str,
    subject: &str,
    body: &str,
) -> i64 {
    let department = id_of(app, "departments", "name", department).to_string();
    let page = client
        .submit(
            "/client/tickets/new",
            "/client/tickets",
            &[
                ("department_id", &department),
                ("subject", subject),
                ("body", body),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "ticket not opened: {}",
        page.body
    );
    id_of(app, "tickets", "subject", subject)
}

/// An employee in the department, signed in.
async fn staff_of(
    app: &TestApp,
    admin: &Browser,
    department: &str,
    name: &str,
    email: &str,
) -> Browser {
    let id = id_of(app, "departments", "name", department);
    admin.create_employee(app, name, email, &[id]).await;
    let browser = app.browser();
    browser
        .sign_in_to_admin(email, PASSWORD)
        .await
        .assert_redirect("/admin");
    browser
}

#[actix_web::test]
async fn staff_see_their_departments_tickets_and_clients_only_their_own() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    let bob = app.browser();
    bob.register("bob@example.com", "Bob").await;
    let tech = open_ticket(
        &ann,
        &app,
        "Technical support",
        "Server down",
        "My VPS does not answer.",
    )
    .await;
    let sales = open_ticket(&bob, &app, "Sales", "Discount?", "Do you have one?").await;

    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let sales_dept = id_of(&app, "departments", "name", "Sales");
    admin
        .grant(
            "departments",
            sales_dept,
            &["support.view", "support.answer"],
        )
        .await;
    let sam = staff_of(&app, &admin, "Technical support", "Sam", "sam@example.com").await;
    let sally = staff_of(&app, &admin, "Sales", "Sally", "sally@example.com").await;

    let queue = sam.get("/admin/tickets").await.text_of("#tickets");
    assert!(
        queue.contains("Server down") && !queue.contains("Discount?"),
        "{queue}"
    );
    assert_eq!(
        sam.get(&format!("/admin/tickets/{sales}")).await.status,
        StatusCode::NOT_FOUND
    );
    let page = sam
        .submit(
            &format!("/admin/tickets/{tech}"),
            &format!("/admin/tickets/{sales}/reply"),
            &[("body", "Hi")],
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    // The header's search finds a ticket by its number for those who see it only.
    let other = sam.get(&format!("/admin/search?q=%23{sales}")).await;
    assert_eq!(other.status, StatusCode::OK);
    assert!(
        !other.body.contains("Discount?"),
        "{}",
        other.text_of("main")
    );
    let own = sam.get(&format!("/admin/search?q=%23{tech}")).await;
    let own_link = format!("/admin/tickets/{tech}");
    assert!(
        own.location.as_deref() == Some(own_link.as_str())
            || own.href_of("#found-tickets a").as_deref() == Some(own_link.as_str()),
        "{:?} {}",
        own.location,
        own.text_of("main")
    );
    let queue = sally.get("/admin/tickets").await.text_of("#tickets");
    assert!(queue.contains("Discount?") && !queue.contains("Server down"));
    let all = admin.get("/admin/tickets").await.text_of("#tickets");
    assert!(
        all.contains("Server down") && all.contains("Discount?"),
        "the administrator sees all"
    );

    assert_eq!(
        ann.get(&format!("/client/tickets/{sales}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!ann.get("/client/tickets").await.body.contains("Discount?"));
}

#[actix_web::test]
async fn a_conversation_with_notes_replies_and_statuses() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    let ticket = open_ticket(
        &ann,
        &app,
        "Technical support",
        "Server down",
        "My VPS does not answer.",
    )
    .await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let sam = staff_of(&app, &admin, "Technical support", "Sam", "sam@example.com").await;
    let page = format!("/admin/tickets/{ticket}");

    sam.submit(&page, &format!("{page}/assign"), &[("employee_id", "me")])
        .await
        .assert_redirect(&page);
    sam.submit(
        &page,
        &format!("{page}/note"),
        &[("note", "Client owes us money; be polite.")],
    )
    .await
    .assert_redirect(&page);
    sam.submit(
        &page,
        &format!("{page}/reply"),
        &[("body", "Rebooted it.\\nPlease check.")],
    )
    .await
    .assert_redirect(&page);
    let staff_view = sam.get(&page).await;
    assert!(
        staff_view
            .text_of("#conversation")
            .contains("Client owes us money")
    );
    assert_eq!(
        staff_view.text_of("#ticket-status"),
        "Waiting for the client"
    );

    // The client sees the reply, marked new, and never the note.
    let list = ann.get("/client/tickets").await;
    assert!(list.text_of("#tickets").contains("New reply"));
    let path = format!("/client/tickets/{ticket}");
    let view = ann.get(&path).await;
    assert!(view.text_of("#conversation").contains("Rebooted it."));
    // The page marks the reply seen with its own POST (opening it by GET changes nothing).
    ann.submit(&path, &format!("{path}/seen"), &[])
        .await
        .assert_redirect(&path);
    for path in [
        "/client",
        "/client/tickets",
        &format!("/client/tickets/{ticket}"),
        "/client/messages",
    ] {
        assert!(
            !ann.get(path).await.body.contains("owes us money"),
            "the note leaked on {path}"
        );
    }
    assert!(
        !ann.get("/client/tickets")
            .await
            .text_of("#tickets")
            .contains("New reply"),
        "seen now"
    );

    ann.submit(
        &format!("/client/tickets/{ticket}"),
        &format!("/client/tickets/{ticket}/reply"),
        &[("body", "Works, thanks!")],
    )
    .await
    .assert_redirect(&format!("/client/tickets/{ticket}"));
    assert_eq!(
        sam.get(&page).await.text_of("#ticket-status"),
        "Waiting for us"
    );

    sam.submit(&page, &format!("{page}/status"), &[("status", "closed")])
        .await
        .assert_redirect(&page);
    let actions: Vec<String> = AuditEvent::latest(&mut app.conn(), 50)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in [
        "ticket.open",
        "ticket.assign",
        "ticket.note",
        "ticket.reply",
        "ticket.client_reply",
        "ticket.close",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action} audited");
    }

    // A client reply reopens a recently closed ticket, not one closed long ago.
    ann.submit(
        &format!("/client/tickets/{ticket}"),
        &format!("/client/tickets/{ticket}/reply"),
        &[("body", "It broke again.")],
    )
    .await
    .assert_redirect(&format!("/client/tickets/{ticket}"));
    assert_eq!(
        sam.get(&page).await.text_of("#ticket-status"),
        "Waiting for us"
    );
    sam.submit(&page, &format!("{page}/status"), &[("status", "closed")])
        .await;
    diesel::sql_query(format!(
        "UPDATE tickets SET closed_at = '2020-01-01 00:00:00' WHERE id = {ticket}"
    ))
    .execute(&mut app.conn())
    .unwrap();
    let view = ann.get(&format!("/client/tickets/{ticket}")).await;
    assert!(view.body.contains("closed more than 30 days ago"));
    let token = view.input_value("csrf_token").unwrap();
    let page_after = ann
        .post_raw(
            &format!("/client/tickets/{ticket}/reply"),
            &[("csrf_token", &token), ("body", "Hello?")],
        )
        .await;
    assert_eq!(page_after.status.as_u16(), FORM_SHOWN_AGAIN.as_u16());
    assert!(page_after.body.contains("closed more than 30 days ago"));
    assert_eq!(
        billpanel::db::models::ticket::TicketMessage::of_ticket(
            &mut app.conn(),
            billpanel::ids::TicketId(ticket),
            true
        )
        .unwrap()
        .len(),
        5,
        "opening, note, reply and two client replies; nothing added by the refused one"
    );

    // Mail: the client heard of the staff reply, Sam (the assignee) of the client's replies.
    let mails_to = |who: &str| {
        billpanel::db::models::OutboxMail::to_recipient(&mut app.conn(), who)
            .unwrap()
            .len()
    };
    assert!(mails_to("ann@example.com") >= 1);
    assert!(mails_to("sam@example.com") >= 2);
}

#[actix_web::test]
async fn transfer_moves_the_ticket_out_of_sight_and_is_audited() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    let ticket = open_ticket(
        &ann,
        &app,
        "Technical support",
        "Invoice question",
        "Who do I ask?",
    )
    .await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let tech = id_of(&app, "departments", "name", "Technical support");
    admin
        .grant(
            "departments",
            tech,
            &[
                "support.view",
                "support.answer",
                "support.notes",
                "support.assign",
                "support.transfer",
            ],
        )
        .await;
    let sam = staff_of(&app, &admin, "Technical support", "Sam", "sam@example.com").await;
    let sales = id_of(&app, "departments", "name", "Sales").to_string();
    let page = format!("/admin/tickets/{ticket}");
    sam.submit(
        &page,
        &format!("{page}/transfer"),
        &[("department_id", &sales)],
    )
    .await
    .assert_redirect("/admin/tickets");
    assert_eq!(sam.get(&page).await.status, StatusCode::NOT_FOUND);
    let event = AuditEvent::latest(&mut app.conn(), 5)
        .unwrap()
        .into_iter()
        .find(|e| e.action == "ticket.transfer")
        .unwrap();
    assert!(event.changes.contains("Technical support") && event.changes.contains("Sales"));
    assert_eq!(event.actor, "sam@example.com");
}

#[actix_web::test]
async fn the_queue_puts_the_longest_waiting_first_and_marks_overdue_ones() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    open_ticket(&ann, &app, "Technical support", "Fresh one", "Just now").await;
    let old = open_ticket(&ann, &app, "Technical support", "Old one", "Hours ago").await;
    // Technical support works around the clock and answers within 8 hours.
    diesel::sql_query(format!(
        "UPDATE tickets SET waiting_since = '2000-01-01 00:00:00' WHERE id = {old}"
    ))
    .execute(&mut app.conn())
    .unwrap();
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let rows = admin.get("/admin/tickets").await.texts("#tickets tbody tr");
    assert!(
        rows[0].contains("Old one") && rows[0].contains("overdue"),
        "{rows:?}"
    );
    assert!(
        rows[1].contains("Fresh one") && !rows[1].contains("overdue"),
        "{rows:?}"
    );
}

#[actix_web::test]
async fn bad_tickets_are_refused_and_write_nothing() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    diesel::sql_query("INSERT INTO departments (name, shown_in_support, business_hours, time_zone, created_at) VALUES ('Back office', FALSE, '', 'UTC', CURRENT_TIMESTAMP)")
        .execute(&mut app.conn())
        .unwrap();
    let tech = id_of(&app, "departments", "name", "Technical support").to_string();
    let hidden = id_of(&app, "departments", "name", "Back office").to_string();
    let huge = "x".repeat(65 * 1024);
    for (department, subject, body, field) in [
        (tech.as_str(), "", "text", "subject"),
        (tech.as_str(), "Subject", "   ", "body"),
        (tech.as_str(), "Subject", huge.as_str(), "body"),
        (hidden.as_str(), "Subject", "text", "department_id"),
        ("", "Subject", "text", "department_id"),
    ] {
        let page = ann
            .submit(
                "/client/tickets/new",
                "/client/tickets",
                &[
                    ("department_id", department),
                    ("subject", subject),
                    ("body", body),
                ],
            )
            .await;
        assert_eq!(page.status.as_u16(), FORM_SHOWN_AGAIN.as_u16(), "{field}");
        assert!(!page.field_error(field).is_empty(), "a message at {field}");
    }
    assert_eq!(app.count("tickets"), 0);
    assert_eq!(app.count("ticket_messages"), 0);
    // The hidden department is not offered.
    assert!(
        !ann.get("/client/tickets/new")
            .await
            .body
            .contains("Back office")
    );
}

#[actix_web::test]
async fn the_client_menu_marks_unseen_replies_and_unread_messages() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    let ticket = open_ticket(&ann, &app, "Technical support", "Question", "Hello?").await;
    assert!(
        !ann.get("/client")
            .await
            .exists("#bp-client-menu .menu-badge"),
        "nothing new yet"
    );

    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let page = format!("/admin/tickets/{ticket}");
    admin
        .submit(&page, &format!("{page}/reply"), &[("body", "Hi Ann")])
        .await
        .assert_redirect(&page);
    let client = crate::helpers::client_id_by_email(&app, "ann@example.com");
    admin
        .submit(
            &format!("/admin/clients/{client}?tab=messages"),
            &format!("/admin/clients/{client}/messages"),
            &[("subject", "News"), ("body", "Text")],
        )
        .await;

    let menu = ann.get("/client").await.texts("#bp-client-menu a");
    assert!(menu.iter().any(|item| item == "Support 1"), "{menu:?}");
    assert!(menu.iter().any(|item| item == "Messages 1"), "{menu:?}");
    let path = format!("/client/tickets/{ticket}");
    ann.submit(&path, &format!("{path}/seen"), &[])
        .await
        .assert_redirect(&path);
    let menu = ann.get("/client").await.texts("#bp-client-menu a");
    assert!(menu.iter().any(|item| item == "Support"), "seen: {menu:?}");
}

#[actix_web::test]
async fn the_queue_shows_the_longest_waits_first_fifty_at_a_time() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    let mut first = 0;
    for n in 0..60 {
        let id = open_ticket(
            &ann,
            &app,
            if n % 2 == 0 {
                "Technical support"
            } else {
                "Sales"
            },
            &format!("Question {n:02}"),
            "Please help.",
        )
        .await;
        if n == 0 {
            first = id;
        }
    }
    // The first ticket has waited longest: a day more than the others.
    {
        use billpanel::db::schema::tickets;
        use diesel::prelude::*;
        let day_ago = billpanel::db::now() - chrono::Duration::days(1);
        diesel::update(tickets::table.find(first))
            .set(tickets::waiting_since.eq(Some(day_ago)))
            .execute(&mut app.conn())
            .unwrap();
    }
    let admin = app.browser();
    admin.sign_in_as_admin().await;

    let queue = admin.get("/admin/tickets").await;
    let rows = queue.texts("#tickets tbody tr");
    assert_eq!(rows.len(), 50);
    assert!(rows[0].contains("Question 00"), "{}", rows[0]);
    assert!(
        queue
            .text_of("#queue-count")
            .contains("The first 50 of 60 tickets")
    );
    let all = admin.get("/admin/tickets?show=200").await;
    assert_eq!(all.texts("#tickets tbody tr").len(), 60);
    assert_eq!(all.text_of("#queue-count"), "60 tickets.");
}
