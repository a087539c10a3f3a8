//! The admin dashboard: money received and refunded exactly as the ledger has it, the
//! services, clients and ticket queues, charts, and recent activity in words, each part
//! only for an employee who may see it.

use crate::helpers::{PASSWORD, TestApp, id_of};
use crate::payments::{account_of, client_with_payer, record};
use crate::support::open_ticket;

#[actix_web::test]
async fn money_received_and_refunded_today_shows_exactly_with_the_activity_in_words() {
    let app = TestApp::spawn().await;
    let (_ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    record(&admin, client, account, payer, "1500.50", "pay-1").await;
    record(&admin, client, account, payer, "200", "pay-2").await;
    let payment = id_of(&app, "payments", "amount", "150050");
    crate::payments::refund(&admin, payment, "120").await;

    let dashboard = admin.get("/admin").await;
    let figure = |name: &str| dashboard.text_of(&format!("#money-RUB [data-figure={name}]"));
    assert_eq!(figure("today"), "1,700.50 RUB");
    assert_eq!(figure("this-month"), "1,700.50 RUB");
    assert_eq!(figure("refunded"), "120.00 RUB");
    assert!(dashboard.text_of("#money-RUB").contains("2 payments"));
    assert!(dashboard.text_of("#money-RUB").contains("1 refund"));
    // Today's bar is the last of thirty, and says what it stands for.
    let bars = dashboard.texts("#chart-days rect title");
    assert_eq!(bars.len(), 30);
    assert!(bars[29].ends_with(": 1,700.50 RUB"), "{bars:?}");
    assert_eq!(dashboard.texts("#chart-months rect").len(), 12);
    assert!(dashboard.exists("#chart-clients"));
    assert_eq!(dashboard.text_of("#clients-total"), "1");
    assert_eq!(
        dashboard.text_of("#service-figures [data-figure=active]"),
        "0"
    );

    let activity = dashboard.text_of("#recent-activity");
    assert!(
        activity.contains(&format!(
            "Administrator refunded payment #{payment} for Ann Lee"
        )),
        "{activity}"
    );
    assert!(
        activity.contains("Administrator recorded payment #"),
        "{activity}"
    );
    assert!(
        !activity.contains("payment.refund"),
        "codes are not shown: {activity}"
    );
    assert!(
        dashboard
            .html()
            .select(&scraper::Selector::parse("#recent-activity a").unwrap())
            .any(|a| a.value().attr("href") == Some(&format!("/admin/payments/{payment}"))),
        "the payment is linked"
    );
}

#[actix_web::test]
async fn an_employee_sees_only_the_parts_of_the_dashboard_their_permissions_allow() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let (ann, _, _) = client_with_payer(&app, "ann@example.com").await;
    open_ticket(
        &ann,
        &app,
        "Technical support",
        "VPS down",
        "It does not boot.",
    )
    .await;
    let sam = admin
        .create_employee(&app, "Sam Hill", "sam@example.com", &[])
        .await;
    let desk = admin.create_department(&app, "Front desk", &[sam]).await;
    admin.grant("departments", desk, &["support.view"]).await;

    let staff = app.browser();
    staff.sign_in_to_admin("sam@example.com", PASSWORD).await;
    let dashboard = staff.get("/admin").await;
    assert!(!dashboard.exists("#money-RUB"));
    assert!(!dashboard.exists("#service-figures"));
    assert!(!dashboard.exists("#clients-total"));
    assert!(!dashboard.exists("#recent-activity"));
    assert!(!dashboard.exists("svg"), "no chart of what Sam may not see");
    // Sam serves the front desk only: its queue, not technical support's.
    let queues = dashboard.texts("#support-figures tbody tr");
    assert_eq!(queues.len(), 1, "{queues:?}");
    assert!(queues[0].contains("Front desk"));

    // The administrator sees technical support's ticket waiting.
    let all = admin.get("/admin").await;
    let cells = all.texts("#support-figures tbody td");
    let at = cells
        .iter()
        .position(|c| c == "Technical support")
        .expect("technical support's queue");
    assert_eq!(cells[at + 1], "1", "one ticket waits: {cells:?}");

    // With the audit log but not the clients, Sam reads what happened without client names.
    admin
        .grant("departments", desk, &["support.view", "audit.view"])
        .await;
    let dashboard = staff.get("/admin").await;
    let activity = dashboard.text_of("#recent-activity");
    assert!(activity.contains("opened ticket #"), "{activity}");
    assert!(!activity.contains("Ann Lee"), "{activity}");
}

#[actix_web::test]
async fn the_client_card_lists_its_tickets_and_a_ticket_lists_the_clients_services() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let vps = crate::helpers::tariff(&app, &admin, "VPS-5", &[("price_1", "10")]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    record(&admin, client, account_of(&app, client), payer, "100", "p").await;
    crate::services::order(&ann, vps, 1).await;
    let ticket = open_ticket(&ann, &app, "Technical support", "VPS down", "No ping.").await;

    let card = admin
        .get(&format!("/admin/clients/{client}?tab=tickets"))
        .await;
    let rows = card.texts("#client-tickets tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("VPS down") && rows[0].contains("Technical support"));
    assert!(rows[0].contains("Waiting for us"), "{}", rows[0]);

    let page = admin.get(&format!("/admin/tickets/{ticket}")).await;
    let services = page.text_of("#ticket-client-services");
    assert!(services.contains("VPS-5"), "{services}");
    assert!(services.contains("Active"), "{services}");

    // Someone who serves another department sees none of Ann's tickets on her card.
    let sam = admin
        .create_employee(&app, "Sam Hill", "sam@example.com", &[])
        .await;
    let desk = admin.create_department(&app, "Front desk", &[sam]).await;
    admin
        .grant("departments", desk, &["clients.view", "support.view"])
        .await;
    let staff = app.browser();
    staff.sign_in_to_admin("sam@example.com", PASSWORD).await;
    let theirs = staff
        .get(&format!("/admin/clients/{client}?tab=tickets"))
        .await;
    assert!(theirs.exists("#no-client-tickets"), "{}", theirs.body);
}

#[actix_web::test]
async fn the_client_dashboard_lists_services_open_tickets_and_the_newest_payment_first() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let vps = crate::helpers::tariff(&app, &admin, "VPS-5", &[("price_1", "10")]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let empty = ann.get("/client").await;
    assert!(empty.exists("#no-services") && empty.exists("#no-open-tickets"));

    let account = account_of(&app, client);
    record(&admin, client, account, payer, "100", "first").await;
    record(&admin, client, account, payer, "55", "second").await;
    crate::services::order(&ann, vps, 1).await;
    open_ticket(&ann, &app, "Technical support", "VPS down", "No ping.").await;

    let home = ann.get("/client").await;
    let services = home.text_of("#dashboard-services");
    assert!(
        services.contains("VPS-5") && services.contains("Active"),
        "{services}"
    );
    assert!(home.text_of("#dashboard-tickets").contains("VPS down"));
    let payments = home.texts("#latest-payments tbody tr");
    assert!(payments[0].contains("55.00"), "newest first: {payments:?}");
    assert!(payments[1].contains("100.00"), "{payments:?}");
}

#[actix_web::test]
async fn a_client_with_many_unread_messages_sees_99_plus_and_is_not_counted_in_full() {
    use diesel::RunQueryDsl;
    let app = TestApp::spawn().await;
    let (ann, client, _) = client_with_payer(&app, "ann@example.com").await;
    for n in 0..150 {
        diesel::sql_query(format!(
            "INSERT INTO messages (client_id, subject, body, created_at) \
             VALUES ({client}, 'Notice {n}', 'Text', CURRENT_TIMESTAMP)"
        ))
        .execute(&mut app.conn())
        .unwrap();
    }
    let home = ann.get("/client").await;
    assert_eq!(home.text_of("#unread-messages"), "99+");
    assert!(
        home.texts(".menu-badge").iter().any(|b| b == "99+"),
        "{:?}",
        home.texts(".menu-badge")
    );
}
