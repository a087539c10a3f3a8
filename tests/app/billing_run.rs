//! The billing run: renews what is due once, however often and however many at once it
//! runs; suspends what cannot be paid, resumes it when money comes, deletes it after the
//! provider's deletion period, and warns before a renewal the balance will not cover.

use billpanel::domain::billing_run::{self, RunReport};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::RunQueryDsl;

use crate::helpers::{Browser, TestApp};
use crate::payments::{account_of, client_with_payer, record};
use crate::services::{balance, order, service_in, status_of, tariff};

fn run(app: &TestApp, at: NaiveDateTime) -> RunReport {
    billing_run::run(&mut app.conn(), at, &mut |_, _, _| {})
}

fn paid_until(app: &TestApp, service: i64) -> NaiveDateTime {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Timestamp)]
        paid_until: NaiveDateTime,
    }
    diesel::sql_query(format!(
        "SELECT paid_until FROM services WHERE id = {service}"
    ))
    .get_result::<Row>(&mut app.conn())
    .unwrap()
    .paid_until
}

fn ledger_ok(app: &TestApp) {
    assert!(
        billpanel::domain::payments::check_ledger(&mut app.conn())
            .unwrap()
            .is_empty()
    );
}

/// A client with `money` on its account and an active one-month service at 100.00 RUB.
async fn client_with_service(
    app: &TestApp,
    admin: &Browser,
    email: &str,
    tariff_id: i64,
    money: &str,
) -> (Browser, i64, i64, i64) {
    let (browser, client, payer) = client_with_payer(app, email).await;
    let account = account_of(app, client);
    record(admin, client, account, payer, money, &format!("{email}-1")).await;
    let service = service_in(&order(&browser, tariff_id, 1).await);
    assert_eq!(status_of(app, service), "active");
    (browser, client, account, service)
}

#[actix_web::test]
async fn a_run_renews_a_due_period_once_however_often_it_runs() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let vps = tariff(&app, &admin, "VPS", &[("price_1", "100")]).await;
    let (_, _, account, service) =
        client_with_service(&app, &admin, "ann@example.com", vps, "250").await;
    let first_end = paid_until(&app, service);

    // Not due yet: nothing happens.
    assert_eq!(run(&app, first_end - Duration::seconds(1)).renewed, 0);
    let at = first_end + Duration::hours(1);
    let report = run(&app, at);
    assert_eq!((report.renewed, report.suspended), (1, 0), "{report}");
    assert!(report.errors.is_empty());
    let second_end = paid_until(&app, service);
    assert!(second_end > first_end + Duration::days(27));
    assert_eq!(run(&app, at), RunReport::default());
    assert_eq!(balance(&app, account), 5_000);
    assert_eq!(app.count("expenses"), 2);
    ledger_ok(&app);
    // The renewal is in the service's history, once, with the new end of paid time.
    let history = admin
        .get(&format!("/admin/services/{service}"))
        .await
        .texts("#service-history tbody tr");
    let renewed: Vec<&String> = history.iter().filter(|r| r.contains("Renewed")).collect();
    assert_eq!(renewed.len(), 1, "{history:?}");
    let shown_end = second_end.format("%Y-%m-%d %H:%M UTC").to_string();
    assert!(
        renewed[0].contains(&format!("paid until {shown_end}")),
        "{renewed:?}"
    );
}

#[actix_web::test]
async fn two_runs_at_once_charge_each_period_once() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let vps = tariff(&app, &admin, "VPS", &[("price_1", "100")]).await;
    let mut services = Vec::new();
    for n in 0..6 {
        let (_, _, _, service) =
            client_with_service(&app, &admin, &format!("c{n}@example.com"), vps, "1000").await;
        services.push(service);
    }
    let latest = services.iter().map(|s| paid_until(&app, *s)).max().unwrap();
    let at = latest + Duration::hours(1);
    let reports: Vec<RunReport> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..2)
            .map(|_| {
                let pool = app.pool.clone();
                scope.spawn(move || {
                    let mut conn = pool.get().unwrap();
                    billing_run::run(&mut conn, at, &mut |_, _, _| {})
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let renewed: u64 = reports.iter().map(|r| r.renewed).sum();
    assert_eq!(renewed, 6, "{reports:?}");
    assert!(reports.iter().all(|r| r.errors.is_empty()), "{reports:?}");
    // Six orders and six renewals, and nothing more.
    assert_eq!(app.count("expenses"), 12);
    ledger_ok(&app);
}

#[actix_web::test]
async fn an_unpaid_service_is_suspended_resumed_by_a_payment_and_deleted_when_left() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let vps = tariff(&app, &admin, "VPS", &[("price_1", "100")]).await;
    let (ann, client, account, service) =
        client_with_service(&app, &admin, "ann@example.com", vps, "100").await;
    // Its period ended two days ago (the run below is a real one, as of now).
    let page = format!("/admin/services/{service}");
    let ended = (chrono::Utc::now() - Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    admin
        .submit(
            &page,
            &format!("{page}/paid-until"),
            &[("paid_until", &ended), ("reason", "test")],
        )
        .await
        .assert_redirect(&page);
    let report = run(&app, billpanel::db::now());
    assert_eq!((report.renewed, report.suspended), (0, 1));
    assert_eq!(status_of(&app, service), "suspended_unpaid");
    // The client list's state follows: suspended, Ann has no active service.
    let not_active = admin.get("/admin/clients?state=not_active").await;
    assert!(not_active.text_of("#clients").contains("Ann Lee"));
    assert!(
        admin
            .get("/admin/clients?state=active")
            .await
            .exists("#no-clients")
    );
    assert!(
        ann.get(&format!("/client/services/{service}"))
            .await
            .text_of("h1")
            .contains("Suspended for non-payment")
    );
    // Not enough: it stays suspended, and the money stays on the account.
    let payer = crate::helpers::id_of(&app, "payers", "client_id", &client.to_string());
    record(&admin, client, account, payer, "60", "top-up-1").await;
    assert_eq!(status_of(&app, service), "suspended_unpaid");
    assert_eq!(balance(&app, account), 6_000);
    // Enough: the payment renews it and it is active again.
    record(&admin, client, account, payer, "40", "top-up-2").await;
    assert_eq!(status_of(&app, service), "active");
    assert!(
        admin
            .get("/admin/clients?state=active")
            .await
            .text_of("#clients")
            .contains("Ann Lee")
    );
    assert_eq!(balance(&app, account), 0);
    assert!(
        admin
            .get(&format!("/admin/services/{service}"))
            .await
            .text_of("#service-history")
            .contains("Resumed")
    );

    // Unpaid again, and left past the provider's 30 days: deleted.
    let end = paid_until(&app, service);
    run(&app, end + Duration::hours(1));
    assert_eq!(status_of(&app, service), "suspended_unpaid");
    assert_eq!(run(&app, end + Duration::days(29)).deleted, 0);
    assert_eq!(run(&app, end + Duration::days(31)).deleted, 1);
    assert_eq!(status_of(&app, service), "deleted");
    ledger_ok(&app);
}

#[actix_web::test]
async fn a_payment_does_not_renew_a_service_the_client_let_go() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let vps = tariff(&app, &admin, "VPS", &[("price_1", "100")]).await;
    let (ann, client, account, service) =
        client_with_service(&app, &admin, "ann@example.com", vps, "100").await;
    let path = format!("/client/services/{service}");
    ann.submit(&path, &format!("{path}/auto-renew"), &[("on", "0")])
        .await;
    let report = run(&app, paid_until(&app, service) + Duration::hours(1));
    assert_eq!((report.renewed, report.suspended), (0, 1));
    let payer = crate::helpers::id_of(&app, "payers", "client_id", &client.to_string());
    record(&admin, client, account, payer, "500", "later").await;
    assert_eq!(status_of(&app, service), "suspended_unpaid");
    assert_eq!(balance(&app, account), 50_000);
}

#[actix_web::test]
async fn a_client_is_warned_once_before_a_renewal_its_balance_will_not_cover() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let vps = tariff(&app, &admin, "VPS", &[("price_1", "100")]).await;
    let (_, _, _, service) = client_with_service(&app, &admin, "ann@example.com", vps, "150").await;
    let end = paid_until(&app, service);
    let notices = |app: &TestApp| {
        billpanel::db::models::OutboxMail::to_recipient(&mut app.conn(), "ann@example.com")
            .unwrap()
            .into_iter()
            .filter(|m| m.subject.contains("renews soon"))
            .count()
    };
    assert_eq!(run(&app, end - Duration::days(10)).notified, 0);
    assert_eq!(run(&app, end - Duration::days(6)).notified, 1);
    assert_eq!(run(&app, end - Duration::days(5)).notified, 0);
    assert_eq!(run(&app, end - Duration::days(2)).notified, 1);
    assert_eq!(run(&app, end - Duration::hours(12)).notified, 1);
    assert_eq!(run(&app, end - Duration::hours(11)).notified, 0);
    assert_eq!(notices(&app), 3);
}

#[actix_web::test]
async fn renewals_follow_month_ends_in_the_providers_time_zone() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let vps = tariff(&app, &admin, "VPS", &[("price_1", "1")]).await;
    let (_, _, _, service) = client_with_service(&app, &admin, "ann@example.com", vps, "100").await;
    let page = format!("/admin/services/{service}");
    admin
        .submit(
            &page,
            &format!("{page}/paid-until"),
            &[
                ("paid_until", "2027-01-31"),
                ("reason", "align to month end"),
            ],
        )
        .await
        .assert_redirect(&page);
    let time = paid_until(&app, service).time();
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap().and_time(time);
    assert_eq!(paid_until(&app, service), day(2027, 1, 31));
    run(&app, day(2027, 1, 31));
    assert_eq!(paid_until(&app, service), day(2027, 2, 28));
    run(&app, day(2027, 2, 28));
    assert_eq!(paid_until(&app, service), day(2027, 3, 31));
    run(&app, day(2027, 3, 31));
    assert_eq!(paid_until(&app, service), day(2027, 4, 30));
}

#[actix_web::test]
async fn the_command_runs_once_as_of_a_date_and_says_what_it_did() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let vps = tariff(&app, &admin, "VPS", &[("price_1", "100")]).await;
    let (_, _, _, service) = client_with_service(&app, &admin, "ann@example.com", vps, "200").await;
    let date = (paid_until(&app, service) + Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let work = tempfile::tempdir().unwrap();
    let output = crate::commands::billpanel(&app._db, work.path(), &["billing-run", "--at", &date])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("renewed 1, suspended 0"), "{stdout}");
    let again = crate::commands::billpanel(&app._db, work.path(), &["billing-run", "--at", &date])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("renewed 0, suspended 0"));
    let bad = crate::commands::billpanel(&app._db, work.path(), &["billing-run", "--at", "soon"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--at soon"));
    assert_eq!(app.count("expenses"), 2);
}

#[actix_web::test]
async fn a_day_of_many_renewals_spans_chunks_and_shares_one_balance() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let vps = tariff(&app, &admin, "VPS", &[("price_1", "100")]).await;
    // Ann can pay for her service's next period and one more; Bob for all of his.
    let (_, _, ann_account, ann_service) =
        client_with_service(&app, &admin, "ann@example.com", vps, "300").await;
    let (_, bob, bob_account, bob_service) =
        client_with_service(&app, &admin, "bob@example.com", vps, "200000").await;
    let due = paid_until(&app, ann_service);
    // Two more services of Ann and 1,200 more of Bob, all due the same moment: more than
    // two chunks, and more services of one account in a chunk than its balance pays for.
    for (account, service, copies) in [
        (ann_account, ann_service, 2),
        (bob_account, bob_service, 1_200),
    ] {
        diesel::sql_query(format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {copies}) \
             INSERT INTO services (client_id, account_id, tariff_id, period_months, price, order_cost, status, \
                 auto_renew, anchor_at, paid_months, paid_until, created_at) \
             SELECT s.client_id, s.account_id, s.tariff_id, 1, s.price, s.order_cost, 'active', TRUE, \
                 s.anchor_at, 1, s.paid_until, s.created_at \
             FROM services s, n WHERE s.id = {service} AND s.account_id = {account}"
        ))
        .execute(&mut app.conn())
        .unwrap();
    }
    diesel::sql_query(format!(
        "UPDATE services SET paid_until = (SELECT paid_until FROM services WHERE id = {ann_service}), \
         anchor_at = (SELECT anchor_at FROM services WHERE id = {ann_service}) WHERE client_id = {bob}"
    ))
    .execute(&mut app.conn())
    .unwrap();

    let report = run(&app, due + Duration::hours(1));
    assert!(report.errors.is_empty(), "{report:?}");
    // Ann: 200.00 left after her order pays two renewals of three; Bob: all 1,201.
    assert_eq!((report.renewed, report.suspended), (1_203, 1), "{report}");
    assert_eq!(balance(&app, ann_account), 0);
    assert_eq!(
        balance(&app, bob_account),
        20_000_000 - 10_000 - 1_201 * 10_000
    );
    assert_eq!(app.count("expenses"), 2 + 1_203);
    ledger_ok(&app);
    // Nothing is due any more: a second run does nothing.
    assert_eq!(run(&app, due + Duration::hours(1)), RunReport::default());
}

#[actix_web::test]
async fn a_run_catches_up_period_after_period_then_suspends() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let vps = tariff(&app, &admin, "VPS", &[("price_1", "100")]).await;
    // 1000.00 pays the order and then nine more months.
    let (_, _, rich_account, rich) =
        client_with_service(&app, &admin, "ann@example.com", vps, "1000").await;
    // 250.00 pays the order and one more month.
    let (_, _, poor_account, poor) =
        client_with_service(&app, &admin, "bob@example.com", vps, "250").await;
    // Ann's service started 40 days before Bob's: the run reaches Bob's after renewing
    // Ann's once, and must come back to Ann's.
    let earlier = match app.engine() {
        billpanel::db::Engine::Sqlite => {
            "anchor_at = datetime(anchor_at, '-40 days'), paid_until = datetime(paid_until, '-40 days')"
        }
        billpanel::db::Engine::Postgres => {
            "anchor_at = anchor_at - INTERVAL '40 days', paid_until = paid_until - INTERVAL '40 days'"
        }
    };
    diesel::sql_query(format!("UPDATE services SET {earlier} WHERE id = {rich}"))
        .execute(&mut app.conn())
        .unwrap();
    let first_end = paid_until(&app, poor);

    // Three months late: every period up to then is renewed in one run.
    let at = first_end + Duration::days(92);
    let report = run(&app, at);
    assert!(report.errors.is_empty(), "{report}");
    let rich_until = paid_until(&app, rich);
    assert!(
        rich_until > at,
        "paid until {rich_until}, the run was as of {at}"
    );
    assert!(rich_until <= at + Duration::days(31));
    assert_eq!(status_of(&app, rich), "active");
    // Ordered, then renewed from 40 days before Bob's first end to past the run: 5 months.
    assert_eq!(balance(&app, rich_account), 100_000 - 6 * 10_000);
    // The other renews while its balance lasts, then is suspended.
    assert_eq!(status_of(&app, poor), "suspended_unpaid");
    assert_eq!(balance(&app, poor_account), 5_000);
    assert_eq!((report.renewed, report.suspended), (6, 1), "{report}");
    // A second run finds nothing more to do.
    assert_eq!(run(&app, at), RunReport::default());
    ledger_ok(&app);
}

#[actix_web::test]
async fn two_billing_run_commands_at_once_both_succeed_and_warn_once() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let vps = tariff(&app, &admin, "VPS", &[("price_1", "100")]).await;
    let mut services = Vec::new();
    for n in 0..8 {
        // 100.00 pays the order only: every renewal is short of money.
        let (_, _, _, service) =
            client_with_service(&app, &admin, &format!("c{n}@example.com"), vps, "100").await;
        services.push(service);
    }
    let first = services.iter().map(|s| paid_until(&app, *s)).min().unwrap();
    let at = (first - Duration::days(2))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let work = tempfile::tempdir().unwrap();
    let runs: Vec<_> = (0..2)
        .map(|_| {
            crate::commands::billpanel(&app._db, work.path(), &["billing-run", "--at", &at])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for run in runs {
        let output = run.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_eq!(app.count("service_notices"), 8);
    let mails = billpanel::db::models::OutboxMail::to_recipient(&mut app.conn(), "c0@example.com")
        .unwrap()
        .into_iter()
        .filter(|m| m.subject.contains("renews soon"))
        .count();
    assert_eq!(mails, 1);
}
