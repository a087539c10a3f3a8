//! Orders and services: what a client orders, what it is charged, and what staff and the
//! client may do with a service afterwards.

use diesel::RunQueryDsl;

pub(crate) use crate::helpers::tariff;
use crate::helpers::{Browser, TestApp, id_of};
use crate::payments::{account_of, client_with_payer, record};

/// The client orders `months` of the tariff from its order page, as a person would.
pub(crate) async fn order(client: &Browser, tariff: i64, months: u32) -> crate::helpers::Page {
    let form = client.get("/client/order").await;
    let key = form
        .input_value("order_key")
        .expect("the order page has a key");
    let choice = format!("{tariff}:{months}");
    client
        .submit(
            "/client/order",
            "/client/order",
            &[
                ("choice", &choice),
                ("auto_renew", "on"),
                ("order_key", &key),
            ],
        )
        .await
}

/// The id a redirect to a service page names.
pub(crate) fn service_in(page: &crate::helpers::Page) -> i64 {
    page.location
        .as_deref()
        .and_then(|l| l.rsplit('/').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not a service page: {:?}", page.location))
}

/// What a service's page shows of it, as its action forms send back.
pub(crate) async fn seen(browser: &Browser, page: &str) -> String {
    browser
        .get(page)
        .await
        .input_value("seen")
        .unwrap_or_else(|| panic!("{page} has no action form"))
}

pub(crate) fn balance(app: &TestApp, account: i64) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        balance: i64,
    }
    diesel::sql_query(format!("SELECT balance FROM accounts WHERE id = {account}"))
        .get_result::<Row>(&mut app.conn())
        .unwrap()
        .balance
}

pub(crate) fn status_of(app: &TestApp, service: i64) -> String {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        status: String,
    }
    diesel::sql_query(format!("SELECT status FROM services WHERE id = {service}"))
        .get_result::<Row>(&mut app.conn())
        .unwrap()
        .status
}

#[actix_web::test]
async fn an_order_the_balance_covers_starts_at_once_and_is_charged_exactly() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let vps = tariff(
        &app,
        &admin,
        "VPS-1",
        &[
            ("price_1", "499.90"),
            ("price_3", "1400"),
            ("setup_fee", "100"),
        ],
    )
    .await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    record(&admin, client, account, payer, "1000", "pay-1").await;

    let offers = ann.get("/client/order").await;
    assert!(offers.text_of("main").contains("499.90 RUB"));
    assert!(offers.text_of("main").contains("setup fee of 100.00 RUB"));
    let placed = order(&ann, vps, 1).await;
    let service = service_in(&placed);
    let page = ann.get(&format!("/client/services/{service}")).await;
    assert!(
        page.text_of("h1").contains("Active"),
        "{}",
        page.text_of("h1")
    );
    assert_eq!(page.text_of("#balance"), "400.10 RUB");
    assert!(page.text_of("#service-expenses").contains("599.90 RUB"));
    assert_eq!(balance(&app, account), 40_010);
    assert!(
        billpanel::domain::payments::check_ledger(&mut app.conn())
            .unwrap()
            .is_empty()
    );
    // The client is Active now, in the list and on the card.
    let card = admin.get(&format!("/admin/clients/{client}")).await;
    assert!(card.text_of("main").contains("Active"));
    let list = admin.get("/admin/clients?state=active").await;
    assert!(list.text_of("main").contains("Ann Lee"));
    let list = admin.get("/admin/clients?state=not_active").await;
    assert!(!list.text_of("main").contains("Ann Lee"));
    // Each tab of the card reads and shows its own list.
    let tab = |name: &str| format!("/admin/clients/{client}?tab={name}");
    assert!(
        admin
            .get(&tab("services"))
            .await
            .text_of("#client-services")
            .contains("VPS-1")
    );
    assert!(
        admin
            .get(&tab("expenses"))
            .await
            .text_of("#client-expenses")
            .contains("599.90 RUB")
    );
    let audit = admin.get(&tab("audit")).await;
    assert!(!audit.exists("#client-services") && !audit.exists("#client-expenses"));
    assert!(
        !audit.text_of("main").contains("Nothing recorded yet"),
        "the payment and the order are recorded"
    );
    // Staff see it too, with its charge.
    let page = admin.get(&format!("/admin/services/{service}")).await;
    assert!(page.text_of("#service-history").contains("Activated"));
    assert!(
        admin
            .get("/admin/expenses")
            .await
            .text_of("#expenses")
            .contains("599.90 RUB")
    );
    assert!(
        ann.get("/client/expenses")
            .await
            .text_of("#expenses")
            .contains("599.90 RUB")
    );
    // Exported, amounts are numbers a spreadsheet can add, the currency in its own column.
    let expenses = admin.get("/admin/expenses.csv?kind=order").await;
    assert!(
        expenses.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = expenses.body.lines().collect();
    assert_eq!(lines.len(), 2, "{}", expenses.body);
    assert!(lines[0].starts_with("id,created,client_id,client,kind,tariff"));
    assert!(lines[1].contains(",Ann Lee,Order,VPS-1,"), "{}", lines[1]);
    assert!(lines[1].contains(",599.90,RUB,"), "{}", lines[1]);
    assert_eq!(
        admin
            .get("/admin/expenses.csv?kind=charge")
            .await
            .body
            .lines()
            .count(),
        1,
        "the header alone: no charges"
    );
    let services = admin.get("/admin/services.csv?status=active").await;
    let lines: Vec<&str> = services.body.lines().collect();
    assert_eq!(lines.len(), 2, "{}", services.body);
    assert!(lines[1].starts_with(&format!("{service},")), "{}", lines[1]);
    assert!(lines[1].contains(",Ann Lee,"), "{}", lines[1]);
    assert!(lines[1].contains(",Active,1,499.90,RUB,"), "{}", lines[1]);
    assert_eq!(
        admin
            .get("/admin/services.csv?status=suspended_unpaid")
            .await
            .body
            .lines()
            .count(),
        1
    );
    // Not for a client's user.
    assert_eq!(
        ann.get("/admin/services.csv").await.status,
        reqwest::StatusCode::SEE_OTHER
    );
}

#[actix_web::test]
async fn an_order_without_money_waits_and_starts_when_the_payment_arrives() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let vps = tariff(&app, &admin, "VPS-2", &[("price_1", "300")]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    record(&admin, client, account, payer, "100", "pay-1").await;

    let service = service_in(&order(&ann, vps, 1).await);
    let page = ann.get(&format!("/client/services/{service}")).await;
    assert!(page.text_of("h1").contains("Ordered"));
    assert!(
        page.text_of("#waiting").contains("200.00 RUB more"),
        "{}",
        page.text_of("#waiting")
    );
    assert_eq!(balance(&app, account), 10_000);
    assert_eq!(app.count("expenses"), 0);
    // Paying from the balance is refused with what is missing, and charges nothing.
    let path = format!("/client/services/{service}");
    ann.submit(
        &path,
        &format!("{path}/renew"),
        &[("seen", &seen(&ann, &path).await)],
    )
    .await
    .assert_redirect(&path);
    assert!(
        ann.get(&path)
            .await
            .text_of("main")
            .contains("top up the account by 200.00 RUB")
    );
    assert_eq!(app.count("expenses"), 0);

    // The top-up pays for the waiting order at once.
    record(&admin, client, account, payer, "250", "pay-2").await;
    assert_eq!(status_of(&app, service), "active");
    assert_eq!(balance(&app, account), 5_000);
    assert_eq!(app.count("expenses"), 1);
}

#[actix_web::test]
async fn a_double_submitted_order_makes_one_service() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let vps = tariff(&app, &admin, "VPS-3", &[("price_1", "10")]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    record(&admin, client, account_of(&app, client), payer, "100", "p").await;
    let key = ann
        .get("/client/order")
        .await
        .input_value("order_key")
        .unwrap();
    let choice = format!("{vps}:1");
    let fields = [("choice", choice.as_str()), ("order_key", key.as_str())];
    let first = ann.submit("/client/order", "/client/order", &fields).await;
    let second = ann.submit("/client/order", "/client/order", &fields).await;
    assert_eq!(first.location, second.location);
    assert_eq!(app.count("services"), 1);
    assert_eq!(app.count("expenses"), 1);
}

#[actix_web::test]
async fn hidden_tariffs_limits_and_bad_choices_are_refused_and_write_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    record(&admin, client, account_of(&app, client), payer, "1000", "p").await;
    admin
        .submit(
            "/admin/client-groups/new",
            "/admin/client-groups",
            &[("name", "Resellers"), ("discount", "15")],
        )
        .await;
    let group = id_of(&app, "client_groups", "name", "Resellers");
    admin
        .submit(
            &format!("/admin/client-groups/{group}"),
            &format!("/admin/client-groups/{group}/members"),
            &[("client_id", &client.to_string())],
        )
        .await;
    let group = group.to_string();
    let hidden = tariff(
        &app,
        &admin,
        "Secret",
        &[("price_1", "10"), ("hidden_groups", &group)],
    )
    .await;
    let limited = tariff(
        &app,
        &admin,
        "One only",
        &[("price_1", "999.99"), ("per_client_limit", "1")],
    )
    .await;

    let offers = ann.get("/client/order").await;
    assert!(!offers.text_of("main").contains("Secret"));
    // 999.99 less 15 % is 849.9915: charged 849.99.
    assert!(offers.text_of("main").contains("849.99 RUB"));
    assert!(offers.text_of("#discount").contains("15"));

    let page = order(&ann, hidden, 1).await;
    assert!(
        page.text_of("#choice-error")
            .contains("Choose one of the tariffs")
    );
    let page = order(&ann, limited, 12).await;
    assert!(page.text_of("#choice-error").contains("periods"));
    assert_eq!(app.count("services"), 0);

    let service = service_in(&order(&ann, limited, 1).await);
    assert_eq!(status_of(&app, service), "active");
    assert_eq!(balance(&app, account_of(&app, client)), 100_000 - 84_999);
    let page = order(&ann, limited, 1).await;
    assert!(
        page.text_of("#choice-error").contains("most services"),
        "{}",
        page.text_of("main")
    );
    assert_eq!(app.count("services"), 1);
}

#[actix_web::test]
async fn staff_order_for_a_client_and_change_services_with_a_reason() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let vps = tariff(&app, &admin, "VPS-4", &[("price_1", "50")]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    record(&admin, client, account, payer, "100", "p").await;

    let path = format!("/admin/clients/{client}/order");
    let key = admin.get(&path).await.input_value("order_key").unwrap();
    let choice = format!("{vps}:1");
    let placed = admin
        .submit(&path, &path, &[("choice", &choice), ("order_key", &key)])
        .await;
    let service = service_in(&placed);
    assert_eq!(status_of(&app, service), "active");
    assert_eq!(balance(&app, account), 5_000);

    let page = format!("/admin/services/{service}");
    // Without a reason nothing changes.
    admin
        .submit(&page, &format!("{page}/suspend"), &[("reason", " ")])
        .await
        .assert_redirect(&page);
    assert_eq!(status_of(&app, service), "active");
    admin
        .submit(
            &page,
            &format!("{page}/suspend"),
            &[("reason", "abuse report 7")],
        )
        .await;
    assert_eq!(status_of(&app, service), "suspended_admin");
    // The client sees it suspended and cannot resume it.
    let mine = ann.get(&format!("/client/services/{service}")).await;
    assert!(mine.text_of("h1").contains("Suspended by the provider"));
    let path = format!("/client/services/{service}");
    ann.submit(
        &path,
        &format!("{path}/resume"),
        &[("seen", &seen(&ann, &path).await)],
    )
    .await;
    assert_eq!(status_of(&app, service), "suspended_admin");

    admin
        .submit(
            &page,
            &format!("{page}/resume"),
            &[("reason", "resolved"), ("seen", &seen(&admin, &page).await)],
        )
        .await;
    assert_eq!(status_of(&app, service), "active");
    admin
        .submit(
            &page,
            &format!("{page}/paid-until"),
            &[("paid_until", "2031-01-15"), ("reason", "compensation")],
        )
        .await;
    // Back onto the day the first period started, which was charged: refused, as the next
    // renewal would charge that period again.
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    admin
        .submit(
            &page,
            &format!("{page}/paid-until"),
            &[("paid_until", &today), ("reason", "typo")],
        )
        .await;
    let shown = admin.get(&page).await;
    assert!(
        shown
            .body
            .contains("A period starting on that day was charged already"),
        "the refusal is shown"
    );
    assert!(shown.text_of("#paid-until").contains("2031-01-15"));
    let history = shown.text_of("#service-history");
    for expected in ["abuse report 7", "resolved", "compensation", "admin@"] {
        assert!(history.contains(expected), "{expected} in {history}");
    }
    // Deleting is asked on a page of its own, apart from the other changes.
    let shown = admin.get(&page).await;
    assert!(
        !shown
            .body
            .contains(&format!("formaction=\"{page}/delete\""))
    );
    assert!(shown.exists("#delete-service"));
    let confirm = format!("{page}/delete");
    let asked = admin.get(&confirm).await;
    assert!(
        asked.text_of("h1").starts_with("Delete VPS"),
        "{}",
        asked.text_of("h1")
    );
    assert!(asked.text_of("h1").contains("Ann Lee"));
    // Without a reason: asked again, nothing deleted.
    let refused = admin.submit(&confirm, &confirm, &[("reason", "  ")]).await;
    assert!(
        !refused.field_error("reason").is_empty(),
        "{}",
        refused.body
    );
    assert_ne!(status_of(&app, service), "deleted");
    admin
        .submit(&confirm, &confirm, &[("reason", "client left")])
        .await
        .assert_redirect(&page);
    assert_eq!(status_of(&app, service), "deleted");
    // A deleted service has nothing left to delete.
    admin.get(&confirm).await.assert_redirect(&page);
    let audit = admin.get("/admin/audit").await.text_of("main");
    assert!(
        audit.contains("Suspended") && audit.contains("Deleted"),
        "{audit}"
    );
}

#[actix_web::test]
async fn another_clients_service_is_not_found() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let vps = tariff(&app, &admin, "VPS-5", &[("price_1", "10")]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    record(&admin, client, account_of(&app, client), payer, "100", "p").await;
    let service = service_in(&order(&ann, vps, 1).await);
    let (bob, _, _) = client_with_payer(&app, "bob@example.com").await;
    let path = format!("/client/services/{service}");
    assert_eq!(bob.get(&path).await.status.as_u16(), 404);
    let page = bob
        .submit("/client/services", &format!("{path}/renew"), &[])
        .await;
    assert_eq!(page.status.as_u16(), 404);
    assert_eq!(app.count("expenses"), 1);
}

#[actix_web::test]
async fn renew_now_charges_the_next_period_once_and_clients_may_suspend_when_allowed() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let vps = tariff(&app, &admin, "VPS-6", &[("price_1", "10")]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    record(&admin, client, account, payer, "100", "p").await;
    let service = service_in(&order(&ann, vps, 1).await);
    let path = format!("/client/services/{service}");
    let before = ann.get(&path).await.text_of("#paid-until");
    ann.submit(
        &path,
        &format!("{path}/renew"),
        &[("seen", &seen(&ann, &path).await)],
    )
    .await
    .assert_redirect(&path);
    let after = ann.get(&path).await.text_of("#paid-until");
    assert_ne!(before, after);
    assert_eq!(balance(&app, account), 8_000);
    assert_eq!(app.count("expenses"), 2);
    // The client sees the renewal in the history too.
    assert!(
        ann.get(&path)
            .await
            .text_of("#service-history")
            .contains("Renewed for a period")
    );

    // The same "renew" sent twice (a double click) renews once: the second finds the
    // service changed since its page was read.
    let form = ann.get(&path).await;
    let shown = form
        .input_value("seen")
        .expect("the renew form says what it saw");
    for _ in 0..2 {
        ann.submit(&path, &format!("{path}/renew"), &[("seen", &shown)])
            .await;
    }
    assert_eq!(app.count("expenses"), 3);
    assert_eq!(balance(&app, account), 7_000);

    // Suspending needs a group that allows it.
    ann.submit(&path, &format!("{path}/suspend"), &[]).await;
    assert_eq!(status_of(&app, service), "active");
    admin
        .submit(
            "/admin/client-groups/new",
            "/admin/client-groups",
            &[
                ("name", "Self-service"),
                ("discount", "0"),
                ("clients_may_suspend", "on"),
            ],
        )
        .await;
    let group = id_of(&app, "client_groups", "name", "Self-service");
    admin
        .submit(
            &format!("/admin/client-groups/{group}"),
            &format!("/admin/client-groups/{group}/members"),
            &[("client_id", &client.to_string())],
        )
        .await;
    ann.submit(&path, &format!("{path}/suspend"), &[]).await;
    assert_eq!(status_of(&app, service), "suspended_client");
    ann.submit(
        &path,
        &format!("{path}/resume"),
        &[("seen", &seen(&ann, &path).await)],
    )
    .await;
    assert_eq!(status_of(&app, service), "active");
    // A provider's suspension is not the client's to lift, even in such a group.
    let staff_page = format!("/admin/services/{service}");
    admin
        .submit(
            &staff_page,
            &format!("{staff_page}/suspend"),
            &[("reason", "audit")],
        )
        .await;
    ann.submit(
        &path,
        &format!("{path}/resume"),
        &[("seen", &seen(&ann, &path).await)],
    )
    .await;
    assert_eq!(status_of(&app, service), "suspended_admin");
    // Nor does the client see the provider's reasons or who gave them.
    let mine = ann.get(&path).await.text_of("#service-history");
    assert!(
        !mine.contains("audit") && !mine.contains("admin@"),
        "{mine}"
    );
    admin
        .submit(
            &staff_page,
            &format!("{staff_page}/resume"),
            &[
                ("reason", "done"),
                ("seen", &seen(&admin, &staff_page).await),
            ],
        )
        .await;
    assert_eq!(status_of(&app, service), "active");
    ann.submit(&path, &format!("{path}/auto-renew"), &[("on", "0")])
        .await;
    assert!(
        ann.get("/client/services")
            .await
            .text_of("#services")
            .contains("Off")
    );
}

#[test]
fn period_start_is_unique_per_service() {
    // The database itself refuses a second charge of one period, whatever the code does.
    let database = crate::helpers::TestDatabase::new();
    let pool = billpanel::db::connect(&database.url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    billpanel::db::run_migrations(&mut conn).unwrap();
    for sql in [
        "INSERT INTO clients (name, created_at) VALUES ('A', CURRENT_TIMESTAMP)",
        "INSERT INTO accounts (client_id, provider_id, created_at) SELECT c.id, p.id, CURRENT_TIMESTAMP FROM clients c, providers p",
        "INSERT INTO product_types (name, created_at) VALUES ('T', CURRENT_TIMESTAMP)",
        "INSERT INTO tariffs (provider_id, product_type_id, name, price_1, created_at) SELECT p.id, t.id, 'X', 1, CURRENT_TIMESTAMP FROM providers p, product_types t",
        "INSERT INTO services (client_id, account_id, tariff_id, period_months, price, order_cost, status, created_at) SELECT c.id, a.id, t.id, 1, 1, 1, 'active', CURRENT_TIMESTAMP FROM clients c, accounts a, tariffs t",
        "INSERT INTO expenses (client_id, account_id, service_id, kind, amount, period_start, created_at) SELECT client_id, account_id, id, 'renewal', 1, '2026-01-01 00:00:00', CURRENT_TIMESTAMP FROM services",
    ] {
        diesel::sql_query(sql).execute(&mut conn).unwrap();
    }
    let again = diesel::sql_query(
        "INSERT INTO expenses (client_id, account_id, service_id, kind, amount, period_start, created_at) SELECT client_id, account_id, id, 'renewal', 1, '2026-01-01 00:00:00', CURRENT_TIMESTAMP FROM services",
    )
    .execute(&mut conn);
    assert!(again.is_err());
}

#[actix_web::test]
async fn the_services_list_sorts_by_price_and_paid_time_either_way() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let (_ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    record(&admin, client, account, payer, "100", "p").await;
    // 50 and 30 are paid from the balance; 70 waits for money, with no paid time.
    for (name, price) in [("Mid", "50"), ("Cheap", "30"), ("Dear", "70")] {
        let t = tariff(&app, &admin, name, &[("price_1", price)]).await;
        let path = format!("/admin/clients/{client}/order");
        let key = admin.get(&path).await.input_value("order_key").unwrap();
        admin
            .submit(
                &path,
                &path,
                &[("choice", &format!("{t}:1")), ("order_key", &key)],
            )
            .await;
    }
    let tariffs = |page: &crate::helpers::Page| page.texts("#services tbody td:nth-child(3) a");
    let newest = admin.get("/admin/services").await;
    assert_eq!(tariffs(&newest), ["Dear", "Cheap", "Mid"]);
    assert_eq!(newest.text_of("#rows-shown"), "1–3 of 3");

    let dearest = admin
        .get(&newest.href_of("th a[href*='sort=price']").unwrap())
        .await;
    assert_eq!(tariffs(&dearest), ["Dear", "Mid", "Cheap"]);
    let cheapest = admin
        .get(&dearest.href_of("th a[href*='sort=price']").unwrap())
        .await;
    assert_eq!(tariffs(&cheapest), ["Cheap", "Mid", "Dear"]);
    assert!(cheapest.exists("th[aria-sort=ascending] a[href*='sort=price']"));

    // Soonest to end first; the service never paid has no end and the page says so.
    let ending = admin
        .get(&newest.href_of("th a[href*='sort=paid_until']").unwrap())
        .await;
    assert_eq!(ending.texts("#services tbody tr").len(), 2);
    assert!(ending.exists("#unpaid-left-out"));
    assert!(ending.exists("th[aria-sort=ascending] a[href*='sort=paid_until']"));
    // The expenses of the two paid orders, by amount either way.
    let amounts = |page: &crate::helpers::Page| page.texts("#expenses tbody td.bp-money");
    let expenses = admin.get("/admin/expenses").await;
    let largest = admin
        .get(&expenses.href_of("th a[href*='sort=amount']").unwrap())
        .await;
    assert_eq!(amounts(&largest), ["50.00 RUB", "30.00 RUB"]);
    let smallest = admin
        .get(&largest.href_of("th a[href*='sort=amount']").unwrap())
        .await;
    assert_eq!(amounts(&smallest), ["30.00 RUB", "50.00 RUB"]);
    assert_eq!(smallest.text_of("#rows-shown"), "1–2 of 2");
    let csv = admin.get(&smallest.href_of("#export-csv").unwrap()).await;
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!(
        lines[1].contains(",30.00,RUB,") && lines[2].contains(",50.00,RUB,"),
        "{lines:?}"
    );

    // "Expiring in 7 days": the dashboard's figure and the list it opens agree.
    let mid_service = id_of(&app, "services", "price", "5000");
    let page = format!("/admin/services/{mid_service}");
    let soon = (chrono::Utc::now() + chrono::Duration::days(3))
        .format("%Y-%m-%d")
        .to_string();
    admin
        .submit(
            &page,
            &format!("{page}/paid-until"),
            &[("paid_until", &soon), ("reason", "test")],
        )
        .await
        .assert_redirect(&page);
    let dashboard = admin.get("/admin").await;
    assert_eq!(dashboard.text_of("[data-figure=expiring]"), "1");
    let expiring = admin
        .get(
            &dashboard
                .href_of("#service-figures a[href*='ends=7']")
                .unwrap(),
        )
        .await;
    assert_eq!(tariffs(&expiring), ["Mid"]);
    assert_eq!(expiring.text_of("#rows-shown"), "1–1 of 1");

    // Sixty more paid services ending at microsecond-apart times, two at each: paging
    // forwards and back by the end of paid time meets each once.
    let mid = id_of(&app, "tariffs", "name", "Mid");
    for n in 0..60 {
        diesel::sql_query(format!(
            "INSERT INTO services (client_id, account_id, tariff_id, period_months, price, \
             order_cost, status, auto_renew, paid_months, paid_until, created_at) \
             VALUES ({client}, {account}, {mid}, 1, 5000, 5000, 'active', TRUE, 1, \
             '2027-03-01 10:00:00.{:06}', '2026-12-01 10:00:00')",
            n / 2 * 7
        ))
        .execute(&mut app.conn())
        .unwrap();
    }
    let mut walked = Vec::new();
    let mut next = Some("/admin/services?sort=paid_until".to_owned());
    let mut last = None;
    while let Some(path) = next {
        let page = admin.get(&path).await;
        walked.extend(page.texts("#services tbody td:first-child"));
        next = page.href_of("#next-page");
        last = Some(page);
    }
    let mut once = walked.clone();
    once.sort();
    once.dedup();
    assert_eq!((walked.len(), once.len()), (62, 62), "{walked:?}");
    let last = last.unwrap();
    assert_eq!(last.text_of("#rows-shown"), "51–62 of 62");
    let back = admin.get(&last.href_of("#previous-page").unwrap()).await;
    assert_eq!(back.texts("#services tbody td:first-child"), walked[..50]);
    // The status filter keeps the order.
    let waiting = admin
        .get("/admin/services?status=ordered&sort=price&dir=asc")
        .await;
    assert_eq!(tariffs(&waiting), ["Dear"]);
    assert!(
        waiting
            .href_of("th a[href*='sort=price']")
            .unwrap()
            .contains("status=ordered")
    );
}
