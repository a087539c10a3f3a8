//! `billpanel seed-demo`: a demo provider that people can sign in to, whose ledger holds
//! and whose data the billing run and the pages take as they are.

use billpanel::domain::{billing_run, demo};
use reqwest::StatusCode;

use crate::helpers::TestApp;

#[actix_web::test]
async fn the_demo_is_a_provider_people_can_sign_in_to() {
    let app = TestApp::spawn().await;
    let work = tempfile::tempdir().unwrap();
    let output =
        crate::commands::billpanel(&app._db, work.path(), &["seed-demo", "--clients", "300"])
            .output()
            .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("seeded 300 clients"), "{stdout}");
    assert!(stdout.contains("admin@demo.billpanel.test"), "{stdout}");
    assert!(stdout.contains("client1@demo.billpanel.test"), "{stdout}");
    assert_eq!(app.count("clients"), 300);
    let mismatches = billpanel::domain::payments::check_ledger(&mut app.conn()).unwrap();
    assert!(mismatches.is_empty(), "{mismatches:?}");
    for status in [
        "active",
        "ordered",
        "suspended_unpaid",
        "suspended_client",
        "suspended_admin",
        "deleted",
    ] {
        let n = app.count(&format!("services WHERE status = '{status}'"));
        assert!(n > 0, "no {status} service");
    }

    // The demo is what billpanel itself would accept: every tax id passes its check, and a
    // client with a service suspended for non-payment cannot pay its renewal.
    #[derive(diesel::QueryableByName)]
    struct TaxId {
        #[diesel(sql_type = diesel::sql_types::Text)]
        country: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        kind: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        tax_id: String,
    }
    let payers: Vec<TaxId> = diesel::RunQueryDsl::load(
        diesel::sql_query("SELECT country, kind, tax_id FROM payers"),
        &mut app.conn(),
    )
    .unwrap();
    assert_eq!(payers.len(), 300);
    for p in &payers {
        assert_eq!(
            billpanel::domain::payers::check_tax_id(&p.country, &p.kind, &p.tax_id),
            Ok(()),
            "{} {} {}",
            p.country,
            p.kind,
            p.tax_id
        );
    }
    assert_eq!(
        app.count(
            "services s JOIN accounts a ON a.id = s.account_id \
             WHERE s.status = 'suspended_unpaid' AND a.balance >= s.price"
        ),
        0,
        "suspended for non-payment while the balance covers the renewal"
    );

    // The administrator finds a client by its payer's tax id.
    let admin = app.browser();
    admin
        .sign_in_to_admin("admin@demo.billpanel.test", demo::STAFF_PASSWORD)
        .await
        .assert_redirect("/admin");
    let tax_id = billpanel::domain::payers::inn_with_check_digits("770000002");
    let found = admin.get(&format!("/admin/clients?q={tax_id}")).await;
    assert!(
        found.body.contains("Hosting 3"),
        "the organisation with that tax id is found"
    );
    // The support employee answers tickets and sees no payments.
    let support = app.browser();
    support
        .sign_in_to_admin("support@demo.billpanel.test", demo::STAFF_PASSWORD)
        .await
        .assert_redirect("/admin");
    assert_eq!(support.get("/admin/tickets").await.status, StatusCode::OK);
    assert_eq!(
        support.get("/admin/payments").await.status,
        StatusCode::FORBIDDEN
    );
    // A client sees its services and payments.
    let client = app.browser();
    client
        .sign_in_as_client("client1@demo.billpanel.test", demo::CLIENT_PASSWORD)
        .await
        .assert_redirect("/client");
    assert!(
        !client
            .get("/client/services")
            .await
            .texts("#services tbody tr")
            .is_empty()
    );
    assert!(
        !client
            .get("/client/payments")
            .await
            .texts("#payments tbody tr")
            .is_empty()
    );

    // Its documents: bills and a year of acts, listed newest first by date, a page after
    // another without a document twice.
    let accountant = app.browser();
    accountant
        .sign_in_to_admin("admin@demo.billpanel.test", demo::STAFF_PASSWORD)
        .await;
    let first = accountant.get("/admin/documents").await;
    let first_rows = first.texts("#documents tbody tr td:first-child");
    assert_eq!(first_rows.len(), 50, "{}", first.body);
    let older = {
        let html = first.html();
        let sel = scraper::Selector::parse("a.btn[href*='before=']").unwrap();
        html.select(&sel)
            .next()
            .and_then(|a| a.value().attr("href"))
            .expect("a link to older documents")
            .to_string()
    };
    let second = accountant.get(&older).await;
    let second_rows = second.texts("#documents tbody tr td:first-child");
    assert_eq!(second_rows.len(), 50);
    assert!(second_rows.iter().all(|n| !first_rows.contains(n)));
    let dates: Vec<String> = first
        .texts("#documents tbody tr td:nth-child(3)")
        .into_iter()
        .chain(second.texts("#documents tbody tr td:nth-child(3)"))
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
    let acts = accountant.get("/admin/documents?kind=act").await;
    assert!(acts.texts("#documents tbody tr").len() > 10);

    // The billing run takes the demo as it is; a second seed refuses a database with clients.
    let report = billing_run::run(&mut app.conn(), billpanel::db::now(), &mut |_, _, _| {});
    assert!(report.errors.is_empty(), "{report:?}");
    assert!(
        billpanel::domain::payments::check_ledger(&mut app.conn())
            .unwrap()
            .is_empty()
    );
    let again =
        crate::commands::billpanel(&app._db, work.path(), &["seed-demo", "--clients", "10"])
            .output()
            .unwrap();
    assert!(!again.status.success());
    assert_eq!(app.count("clients"), 300);
}
