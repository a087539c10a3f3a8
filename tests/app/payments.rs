//! Payments received: recorded by finance staff onto a client's account through the ledger.

use billpanel::domain::payments;
use billpanel::web::page::FORM_SHOWN_AGAIN;
use diesel::RunQueryDsl;
use reqwest::StatusCode;

use crate::helpers::{Browser, PASSWORD, TestApp, client_id_by_email, id_of};

/// A client with an individual payer; returns (client browser, client id, payer id).
pub(crate) async fn client_with_payer(app: &TestApp, email: &str) -> (Browser, i64, i64) {
    let client = app.browser();
    client.register(email, "Ann Lee").await;
    client
        .submit(
            "/client/payers/new",
            "/client/payers",
            &[
                ("kind", "individual"),
                ("name", &format!("Payer of {email}")),
                ("email", email),
                ("phone", "+49 1"),
                ("postal_address", "Berlin"),
            ],
        )
        .await
        .assert_redirect("/client/payers");
    let id = client_id_by_email(app, email);
    let payer = id_of(app, "payers", "name", &format!("Payer of {email}"));
    (client, id, payer)
}

pub(crate) fn account_of(app: &TestApp, client: i64) -> i64 {
    id_of(app, "accounts", "client_id", &client.to_string())
}

pub(crate) async fn record(
    admin: &Browser,
    client: i64,
    account: i64,
    payer: i64,
    amount: &str,
    key: &str,
) -> crate::helpers::Page {
    let card = format!("/admin/clients/{client}?tab=payments");
    admin
        .submit(
            &card,
            &format!("/admin/clients/{client}/payments"),
            &[
                ("account_id", &account.to_string()),
                ("payer_id", &payer.to_string()),
                ("amount", amount),
                ("comment", "bank ref 42"),
                ("idempotency_key", key),
            ],
        )
        .await
}

/// Refunds `amount` of payment `payment` through its page's form; the page's path.
pub(crate) async fn refund(admin: &Browser, payment: i64, amount: &str) -> String {
    let page = format!("/admin/payments/{payment}");
    let key = admin
        .get(&page)
        .await
        .input_value("idempotency_key")
        .unwrap();
    admin
        .submit(
            &page,
            &format!("{page}/refund"),
            &[
                ("amount", amount),
                ("comment", "goodwill"),
                ("idempotency_key", &key),
            ],
        )
        .await
        .assert_redirect(&page);
    page
}

#[actix_web::test]
async fn a_recorded_payment_credits_the_account_exactly_once() {
    let app = TestApp::spawn().await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    let admin = app.browser();
    admin.sign_in_as_admin().await;

    record(&admin, client, account, payer, "1500.50", "key-1")
        .await
        .assert_redirect(&format!("/admin/clients/{client}?tab=payments"));
    // The same form sent again records nothing more.
    record(&admin, client, account, payer, "1500.50", "key-1")
        .await
        .assert_redirect(&format!("/admin/clients/{client}?tab=payments"));
    record(&admin, client, account, payer, "0.25", "key-2").await;

    assert_eq!(
        ann.get("/client").await.text_of(".account-card .bp-figure"),
        "1,500.75 RUB"
    );
    let mine = ann.get("/client/payments").await;
    assert_eq!(mine.texts("#payments tbody tr").len(), 2);
    assert!(mine.text_of("#payments").contains("1,500.50 RUB"));
    assert!(
        ann.get("/client")
            .await
            .text_of("#latest-payments")
            .contains("0.25 RUB")
    );
    assert!(
        admin
            .get("/admin/payments")
            .await
            .text_of("#payments")
            .contains("1,500.50 RUB")
    );
    assert!(payments::check_ledger(&mut app.conn()).unwrap().is_empty());
    assert_eq!(app.count("ledger_entries"), 2);
    let mail = billpanel::db::models::OutboxMail::to_recipient(&mut app.conn(), "ann@example.com")
        .unwrap();
    assert!(mail.iter().any(|m| m.body.contains("1,500.50 RUB")));

    // With money history, the payer and the client stay on record.
    let path = format!("/client/payers/{payer}/delete");
    let page = ann.submit(&path, &path, &[]).await;
    assert!(page.text_of("#delete-error").contains("Money has moved"));
    let card = format!("/admin/clients/{client}");
    let page = admin
        .submit(&format!("{card}/delete"), &format!("{card}/delete"), &[])
        .await;
    assert!(page.text_of("#delete-error").contains("financial history"));
}

#[actix_web::test]
async fn parallel_payments_on_one_account_all_count() {
    let app = TestApp::spawn().await;
    let (_ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    let admins: Vec<Browser> = (0..10).map(|_| app.browser()).collect();
    for admin in &admins {
        admin.sign_in_as_admin().await;
    }
    let mut tokens = Vec::new();
    for admin in &admins {
        tokens.push(
            admin
                .get(&format!("/admin/clients/{client}?tab=payments"))
                .await
                .input_value("csrf_token")
                .unwrap(),
        );
    }
    let sends = admins
        .iter()
        .zip(&tokens)
        .enumerate()
        .map(|(n, (admin, token))| async move {
            admin
                .post_raw(
                    &format!("/admin/clients/{client}/payments"),
                    &[
                        ("csrf_token", token.as_str()),
                        ("account_id", &account.to_string()),
                        ("payer_id", &payer.to_string()),
                        ("amount", "10.01"),
                        ("idempotency_key", &format!("parallel-{n}")),
                    ],
                )
                .await
        });
    for page in futures_util::future::join_all(sends).await {
        assert_eq!(page.status, StatusCode::SEE_OTHER);
    }
    #[derive(diesel::QueryableByName)]
    struct Balance {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        balance: i64,
    }
    let b: Balance =
        diesel::sql_query(format!("SELECT balance FROM accounts WHERE id = {account}"))
            .get_result(&mut app.conn())
            .unwrap();
    assert_eq!(b.balance, 10 * 1001);
    assert!(payments::check_ledger(&mut app.conn()).unwrap().is_empty());
}

#[actix_web::test]
async fn bad_payments_are_refused_at_the_field_and_write_nothing() {
    let app = TestApp::spawn().await;
    let (_ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let (_bob, _bob_client, bob_payer) = client_with_payer(&app, "bob@example.com").await;
    let account = account_of(&app, client);
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    for (n, (amount, field)) in [
        ("10.005", "amount"),
        ("1e3", "amount"),
        ("-5", "amount"),
        ("0", "amount"),
        ("", "amount"),
    ]
    .into_iter()
    .enumerate()
    {
        let page = record(&admin, client, account, payer, amount, &format!("bad-{n}")).await;
        assert_eq!(
            page.status.as_u16(),
            FORM_SHOWN_AGAIN.as_u16(),
            "{amount:?}"
        );
        assert!(
            !page.field_error(field).is_empty(),
            "{amount:?} refused at {field}"
        );
        assert_eq!(
            page.input_value("amount").as_deref(),
            Some(amount),
            "the amount typed is kept"
        );
    }
    let page = record(&admin, client, account, bob_payer, "10", "bad-payer").await;
    assert!(page.field_error("payer_id").contains("client's payers"));
    assert_eq!(app.count("payments"), 0);
    assert_eq!(app.count("ledger_entries"), 0);
}

#[actix_web::test]
async fn a_user_without_the_finance_section_gets_403_on_finance_pages() {
    let app = TestApp::spawn().await;
    let owner = app.browser();
    owner.register("ann@example.com", "Ann").await;
    owner
        .add_user("Support only", "support@example.com", &["support"])
        .await;
    let user = app.browser();
    user.sign_in_as_client("support@example.com", PASSWORD)
        .await;
    assert_eq!(
        user.get("/client/payments").await.status,
        StatusCode::FORBIDDEN
    );
    assert!(
        !user
            .get("/client")
            .await
            .text_of("#bp-client-menu")
            .contains("Payments")
    );
    assert_eq!(owner.get("/client/payments").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn check_ledger_finds_a_balance_that_disagrees() {
    let app = TestApp::spawn().await;
    let (_ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    record(&admin, client, account, payer, "100", "k").await;
    assert!(payments::check_ledger(&mut app.conn()).unwrap().is_empty());
    diesel::sql_query(format!(
        "UPDATE accounts SET balance = balance + 1 WHERE id = {account}"
    ))
    .execute(&mut app.conn())
    .unwrap();
    let found = payments::check_ledger(&mut app.conn()).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].account_id, found[0].balance, found[0].entries),
        (account, 10001, 10000)
    );
}

#[actix_web::test]
async fn the_payments_list_sorts_by_amount_either_way_and_pages_back() {
    let app = TestApp::spawn().await;
    let (_ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    // 52 payments of 1.00 to 52.00, recorded in a shuffled order.
    for n in 0..52 {
        let amount = (n * 7) % 52 + 1;
        record(
            &admin,
            client,
            account,
            payer,
            &format!("{amount}.00"),
            &format!("k{n}"),
        )
        .await
        .assert_redirect(&format!("/admin/clients/{client}?tab=payments"));
    }
    let amounts = |page: &crate::helpers::Page| page.texts("#payments tbody td.bp-money");
    let newest = admin.get("/admin/payments").await;
    assert_eq!(newest.text_of("#rows-shown"), "1–50 of 52");
    assert_eq!(amounts(&newest)[0], format!("{}.00 RUB", (51 * 7) % 52 + 1));
    assert!(newest.exists("th[aria-sort=descending] a[href*='sort=date']"));

    // Largest first, then the last two, then back.
    let largest = admin
        .get(&newest.href_of("th a[href*='sort=amount']").unwrap())
        .await;
    assert_eq!(amounts(&largest)[..2], ["52.00 RUB", "51.00 RUB"]);
    let rest = admin.get(&largest.href_of("#next-page").unwrap()).await;
    assert_eq!(amounts(&rest), ["2.00 RUB", "1.00 RUB"]);
    assert_eq!(rest.text_of("#rows-shown"), "51–52 of 52");
    let back = admin.get(&rest.href_of("#previous-page").unwrap()).await;
    assert_eq!(amounts(&back), amounts(&largest));
    assert_eq!(back.text_of("#rows-shown"), "1–50 of 52");
    assert!(!back.exists("#previous-page"));

    // Clicked again: smallest first, filters kept.
    let smallest = admin
        .get(&largest.href_of("th a[href*='sort=amount']").unwrap())
        .await;
    assert!(smallest.exists("th[aria-sort=ascending] a[href*='sort=amount']"));
    assert_eq!(amounts(&smallest)[..2], ["1.00 RUB", "2.00 RUB"]);
    // The export follows the filter and the order; amounts are numbers.
    let csv = admin.get(&smallest.href_of("#export-csv").unwrap()).await;
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 53);
    assert_eq!(
        lines[0],
        "id,created,paid,client_id,client,payer,provider,method,status,amount,refunded,currency"
    );
    assert!(lines[1].ends_with(",Paid,1.00,0.00,RUB"), "{}", lines[1]);
    assert!(lines[52].ends_with(",Paid,52.00,0.00,RUB"), "{}", lines[52]);
    let filtered = admin
        .get(&format!(
            "/admin/payments?client={client}&sort=amount&dir=asc"
        ))
        .await;
    assert!(
        filtered
            .href_of("th a[href*='sort=amount']")
            .unwrap()
            .contains(&format!("client={client}"))
    );
}
