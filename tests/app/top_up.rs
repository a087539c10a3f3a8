//! Payment methods, topping up by bank transfer and through the test card gateway, its
//! webhook, refunds and corrections: every way money moves, through the front door.

use billpanel::domain::payments::gateway;
use diesel::RunQueryDsl;
use reqwest::StatusCode;

pub(crate) use crate::helpers::payment_method as method;
use crate::helpers::{Browser, GATEWAY_SECRET, TestApp, id_of};
use crate::payments::{account_of, client_with_payer, record};
use crate::services::balance;

/// The client fills in the top-up form; the answer is the redirect (or the form again).
pub(crate) async fn top_up(
    client: &Browser,
    account: i64,
    payer: i64,
    method: i64,
    amount: &str,
) -> crate::helpers::Page {
    let form = client.get("/client/payments/new").await;
    let key = form
        .input_value("idempotency_key")
        .expect("a key on the form");
    client
        .submit(
            "/client/payments/new",
            "/client/payments",
            &[
                ("account_id", &account.to_string()),
                ("payer_id", &payer.to_string()),
                ("method_id", &method.to_string()),
                ("amount", amount),
                ("idempotency_key", &key),
            ],
        )
        .await
}

fn payment_in(location: &str) -> i64 {
    location
        .trim_start_matches("/gateway/test/pay/")
        .trim_start_matches("/client/payments/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn count_where(app: &TestApp, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {sql}"))
        .get_result::<Row>(&mut app.conn())
        .unwrap()
        .n
}

/// Posts an event to the webhook as the gateway would, signed with `secret`.
async fn deliver(app: &TestApp, secret: &str, event: &gateway::Event) -> (StatusCode, String) {
    let body = serde_json::to_vec(event).unwrap();
    let response = reqwest::Client::new()
        .post(format!("{}/payments/webhook/test", app.base))
        .header(
            gateway::SIGNATURE_HEADER,
            gateway::sign(secret.as_bytes(), &body),
        )
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

fn succeeded(event_id: &str, payment: i64, amount: i64) -> gateway::Event {
    gateway::Event {
        event_id: event_id.into(),
        event: gateway::SUCCEEDED.into(),
        payment_id: payment,
        amount,
        currency: "RUB".into(),
    }
}

#[actix_web::test]
async fn a_method_takes_one_currency_and_lists_with_its_limits() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let provider = id_of(&app, "providers", "name", "Main provider").to_string();
    let eur = id_of(&app, "currencies", "code", "EUR").to_string();
    let company = id_of(&app, "companies", "legal_name", "My company").to_string();

    let refused = admin
        .submit(
            "/admin/payment-methods/new",
            "/admin/payment-methods",
            &[
                ("name", "Euro transfer"),
                ("kind", "bank_transfer"),
                ("company_id", &company),
                ("currency_id", &eur),
                ("min_amount", "10.005"),
                ("providers", &provider),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(
        refused
            .field_error("providers")
            .contains("another currency"),
        "{}",
        refused.field_error("providers")
    );
    assert!(!refused.field_error("min_amount").is_empty());
    assert_eq!(
        refused.input_value("name").as_deref(),
        Some("Euro transfer")
    );
    assert_eq!(app.count("payment_methods"), 0);

    method(
        &app,
        &admin,
        "Bank transfer",
        "bank_transfer",
        &[("min_amount", "100"), ("max_amount", "50000")],
    )
    .await;
    let list = admin.get("/admin/payment-methods").await;
    let rows = list.texts("#payment-methods tbody tr");
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0].contains("Bank transfer") && rows[0].contains("My company"),
        "{rows:?}"
    );
    assert!(rows[0].contains("100.00 RUB – 50,000.00 RUB"), "{rows:?}");
}

#[actix_web::test]
async fn a_bank_transfer_waits_for_an_employee_and_credits_once() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let bank = method(
        &app,
        &admin,
        "Bank transfer",
        "bank_transfer",
        &[("min_amount", "100")],
    )
    .await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);

    // Below the method's minimum: refused at the amount, nothing written.
    let low = top_up(&ann, account, payer, bank, "99.99").await;
    assert_eq!(low.status, StatusCode::OK);
    assert!(
        low.field_error("amount").contains("at least 100.00 RUB"),
        "{}",
        low.field_error("amount")
    );
    assert_eq!(low.input_value("amount").as_deref(), Some("99.99"));
    assert_eq!(app.count("payments"), 0);

    let made = top_up(&ann, account, payer, bank, "1500.50").await;
    let location = made.location.clone().expect("a redirect to the bill");
    let id = payment_in(&location);
    let bill = ann.get(&location).await;
    assert_eq!(bill.text_of("#payment-status"), "New");
    assert_eq!(bill.text_of("#bill-amount"), "1,500.50 RUB");
    assert!(bill.text_of("#bill-recipient").contains("My company"));
    assert_eq!(
        balance(&app, account),
        0,
        "nothing is credited before the money arrives"
    );

    // The employee sees it waiting and marks it paid; a second click credits nothing more.
    let waiting = admin.get("/admin/payments?status=new").await;
    assert_eq!(waiting.texts("#payments tbody tr").len(), 1);
    for _ in 0..2 {
        admin
            .submit(
                &format!("/admin/payments/{id}"),
                &format!("/admin/payments/{id}/paid"),
                &[],
            )
            .await
            .assert_redirect(&format!("/admin/payments/{id}"));
    }
    assert_eq!(balance(&app, account), 150_050);
    assert_eq!(
        count_where(&app, &format!("ledger_entries WHERE payment_id = {id}")),
        1
    );
    assert_eq!(ann.get(&location).await.text_of("#payment-status"), "Paid");
    assert!(
        ann.get("/client")
            .await
            .text_of(".account-card .bp-figure")
            .contains("1,500.50 RUB")
    );
    assert_eq!(
        admin
            .get("/admin/payments?status=new")
            .await
            .texts("#payments tbody tr")
            .len(),
        0
    );
}

#[actix_web::test]
async fn the_client_cancels_a_new_payment_but_not_a_paid_one() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let bank = method(&app, &admin, "Bank transfer", "bank_transfer", &[]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    let (bob, _, _) = client_with_payer(&app, "bob@example.com").await;

    let id = payment_in(
        &top_up(&ann, account, payer, bank, "10")
            .await
            .location
            .unwrap(),
    );
    let page = format!("/client/payments/{id}");
    // Another client neither sees nor cancels it.
    assert_eq!(bob.get(&page).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        bob.submit("/client/payments", &format!("{page}/cancel"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    ann.submit(&page, &format!("{page}/cancel"), &[])
        .await
        .assert_redirect(&page);
    let cancelled = ann.get(&page).await;
    assert_eq!(cancelled.text_of("#payment-status"), "Cancelled");
    assert!(!cancelled.exists("#cancel-payment"));

    let paid = payment_in(
        &top_up(&ann, account, payer, bank, "20")
            .await
            .location
            .unwrap(),
    );
    admin
        .submit(
            &format!("/admin/payments/{paid}"),
            &format!("/admin/payments/{paid}/paid"),
            &[],
        )
        .await;
    let answer = ann
        .submit(
            &format!("/client/payments/{paid}"),
            &format!("/client/payments/{paid}/cancel"),
            &[],
        )
        .await;
    answer.assert_redirect(&format!("/client/payments/{paid}"));
    let after = ann.get(&format!("/client/payments/{paid}")).await;
    assert_eq!(after.text_of("#payment-status"), "Paid");
    assert!(after.body.contains("Only a payment that is not paid yet"));
    assert_eq!(balance(&app, account), 2000);
}

#[actix_web::test]
async fn bad_top_ups_are_refused_at_their_field() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let bank = method(&app, &admin, "Bank transfer", "bank_transfer", &[]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    let (_, _, bobs_payer) = client_with_payer(&app, "bob@example.com").await;

    for amount in ["10.005", "1e3", "-5", "0", "ten"] {
        let page = top_up(&ann, account, payer, bank, amount).await;
        assert_eq!(page.status, StatusCode::OK, "{amount}");
        assert!(
            !page.field_error("amount").is_empty(),
            "{amount} is refused"
        );
    }
    let page = top_up(&ann, account, bobs_payer, bank, "10").await;
    assert!(
        page.field_error("payer_id").contains("payers"),
        "{}",
        page.field_error("payer_id")
    );
    assert_eq!(app.count("payments"), 0);

    // A method hidden from the client's group is neither offered nor taken.
    diesel::sql_query("INSERT INTO client_groups (name, description, discount_bp, created_at) VALUES ('No transfers', '', 0, CURRENT_TIMESTAMP)")
        .execute(&mut app.conn())
        .unwrap();
    let group = id_of(&app, "client_groups", "name", "No transfers");
    diesel::sql_query(format!(
        "INSERT INTO client_group_members (client_group_id, client_id) VALUES ({group}, {client})"
    ))
    .execute(&mut app.conn())
    .unwrap();
    diesel::sql_query(format!("INSERT INTO payment_method_hidden_groups (payment_method_id, client_group_id) VALUES ({bank}, {group})"))
        .execute(&mut app.conn())
        .unwrap();
    assert!(ann.get("/client/payments/new").await.exists("#no-methods"));
    let page = ann
        .submit(
            "/client/payments",
            "/client/payments",
            &[
                ("account_id", &account.to_string()),
                ("payer_id", &payer.to_string()),
                ("method_id", &bank.to_string()),
                ("amount", "10"),
                ("idempotency_key", "hidden-1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.exists("#no-methods"), "the form is not offered again");
    assert_eq!(app.count("payments"), 0);
}

#[actix_web::test]
async fn a_card_payment_goes_through_the_gateway_and_back() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let card = method(&app, &admin, "Card", "test_card", &[]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);

    let sent = top_up(&ann, account, payer, card, "250").await;
    let checkout = sent.location.clone().expect("sent to the gateway");
    assert!(checkout.starts_with("/gateway/test/pay/"), "{checkout}");
    let id = payment_in(&checkout);
    assert_eq!(
        ann.get(&format!("/client/payments/{id}"))
            .await
            .text_of("#payment-status"),
        "In progress"
    );

    // The gateway's page needs the link's token.
    assert_eq!(
        ann.get(&format!("/gateway/test/pay/{id}?token=forged"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let page = ann.get(&checkout).await;
    assert_eq!(page.text_of("#checkout-amount"), "250.00 RUB");
    assert_eq!(page.text_of("#merchant"), "My company");
    let token = page.input_value("token").unwrap();
    ann.submit(
        &checkout,
        &format!("/gateway/test/pay/{id}"),
        &[("token", &token), ("decision", "pay")],
    )
    .await
    .assert_redirect(&format!("/client/payments/{id}"));
    assert_eq!(
        ann.get(&format!("/client/payments/{id}"))
            .await
            .text_of("#payment-status"),
        "Paid"
    );
    assert_eq!(balance(&app, account), 25_000);
    assert_eq!(app.count("gateway_events"), 1);
    // Paying again from the same page, sent once more, changes nothing.
    let csrf = page.input_value("csrf_token").unwrap();
    ann.post_raw(
        &format!("/gateway/test/pay/{id}"),
        &[
            ("csrf_token", &csrf),
            ("token", &token),
            ("decision", "pay"),
        ],
    )
    .await
    .assert_redirect(&format!("/client/payments/{id}"));
    assert_eq!(balance(&app, account), 25_000);
    assert!(ann.get(&checkout).await.exists("#checkout-closed"));

    // Declined: the payment is cancelled and nothing credited.
    let declined = payment_in(
        &top_up(&ann, account, payer, card, "99")
            .await
            .location
            .unwrap(),
    );
    let checkout = format!("/gateway/test/pay/{declined}");
    let link = ann.get(&format!("/client/payments/{declined}")).await;
    let href = link
        .html()
        .select(&scraper::Selector::parse("#pay-by-card").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    let token = ann.get(&href).await.input_value("token").unwrap();
    ann.submit(
        &href,
        &checkout,
        &[("token", &token), ("decision", "decline")],
    )
    .await;
    assert_eq!(
        ann.get(&format!("/client/payments/{declined}"))
            .await
            .text_of("#payment-status"),
        "Cancelled"
    );
    assert_eq!(balance(&app, account), 25_000);
}

#[actix_web::test]
async fn the_same_webhook_five_times_credits_once_and_bad_ones_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let card = method(&app, &admin, "Card", "test_card", &[]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    let id = payment_in(
        &top_up(&ann, account, payer, card, "100")
            .await
            .location
            .unwrap(),
    );

    // Refused, with the reason, writing nothing.
    let event = succeeded("evt_1", id, 10_000);
    let (status, reason) = deliver(&app, "not the secret", &event).await;
    assert_eq!(
        (status, reason.as_str()),
        (StatusCode::UNAUTHORIZED, "bad signature")
    );
    let unsigned = reqwest::Client::new()
        .post(format!("{}/payments/webhook/test", app.base))
        .body(serde_json::to_vec(&event).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    let (status, reason) =
        deliver(&app, GATEWAY_SECRET, &succeeded("evt_2", id + 1000, 10_000)).await;
    assert_eq!(
        (status, reason.as_str()),
        (StatusCode::BAD_REQUEST, "unknown payment")
    );
    let (status, _) = deliver(&app, GATEWAY_SECRET, &succeeded("evt_3", id, 1)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the amount must match");
    assert_eq!(app.count("gateway_events"), 0);
    assert_eq!(balance(&app, account), 0);

    for _ in 0..5 {
        let (status, _) = deliver(&app, GATEWAY_SECRET, &event).await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(balance(&app, account), 10_000);
    assert_eq!(app.count("gateway_events"), 1);
    assert_eq!(
        count_where(&app, &format!("ledger_entries WHERE payment_id = {id}")),
        1
    );
    // Another event for the paid payment is stored but credits nothing; nor does a late
    // decline undo it.
    let (status, said) = deliver(&app, GATEWAY_SECRET, &succeeded("evt_4", id, 10_000)).await;
    assert_eq!(
        (status, said.as_str()),
        (StatusCode::OK, "nothing to change")
    );
    let declined = gateway::Event {
        event: gateway::DECLINED.into(),
        ..succeeded("evt_5", id, 10_000)
    };
    let (status, said) = deliver(&app, GATEWAY_SECRET, &declined).await;
    assert_eq!(
        (status, said.as_str()),
        (StatusCode::OK, "nothing to change")
    );
    assert_eq!(
        ann.get(&format!("/client/payments/{id}"))
            .await
            .text_of("#payment-status"),
        "Paid"
    );
    assert_eq!(balance(&app, account), 10_000);

    // An event id of another payment's event, a wrong currency, a bank transfer: refused.
    let other = payment_in(
        &top_up(&ann, account, payer, card, "5")
            .await
            .location
            .unwrap(),
    );
    let (status, _) = deliver(&app, GATEWAY_SECRET, &succeeded("evt_1", other, 500)).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "an event id names one event"
    );
    let dollars = gateway::Event {
        currency: "USD".into(),
        ..succeeded("evt_6", other, 500)
    };
    assert_eq!(
        deliver(&app, GATEWAY_SECRET, &dollars).await.0,
        StatusCode::BAD_REQUEST
    );
    let bank = method(&app, &admin, "Bank", "bank_transfer", &[]).await;
    let transfer = payment_in(
        &top_up(&ann, account, payer, bank, "7")
            .await
            .location
            .unwrap(),
    );
    let (status, said) = deliver(&app, GATEWAY_SECRET, &succeeded("evt_7", transfer, 700)).await;
    assert_eq!(
        (status, said.as_str()),
        (StatusCode::BAD_REQUEST, "unknown payment")
    );
    assert_eq!(balance(&app, account), 10_000);
}

#[actix_web::test]
async fn a_checkout_link_opens_only_its_own_payment() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let card = method(&app, &admin, "Card", "test_card", &[]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    let first = top_up(&ann, account, payer, card, "10")
        .await
        .location
        .unwrap();
    let second = payment_in(
        &top_up(&ann, account, payer, card, "10")
            .await
            .location
            .unwrap(),
    );
    let token = first.split("token=").nth(1).unwrap();
    let borrowed = ann
        .get(&format!("/gateway/test/pay/{second}?token={token}"))
        .await;
    assert_eq!(borrowed.status, StatusCode::NOT_FOUND);
    assert_eq!(ann.get(&first).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn the_test_gateway_is_off_unless_it_is_turned_on() {
    let app = TestApp::spawn_with(|config| config.test_gateway = None).await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let provider = id_of(&app, "providers", "name", "Main provider").to_string();
    let company = id_of(&app, "companies", "legal_name", "My company").to_string();
    let currency = id_of(&app, "currencies", "code", "RUB").to_string();
    let refused = admin
        .submit(
            "/admin/payment-methods/new",
            "/admin/payment-methods",
            &[
                ("name", "Card"),
                ("kind", "test_card"),
                ("company_id", &company),
                ("currency_id", &currency),
                ("providers", &provider),
            ],
        )
        .await;
    assert!(
        refused
            .field_error("kind")
            .contains("BILLPANEL_TEST_GATEWAY"),
        "{}",
        refused.field_error("kind")
    );
    assert_eq!(app.count("payment_methods"), 0);
    assert_eq!(
        app.browser()
            .get("/gateway/test/pay/1?token=x")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let (status, _) = deliver(&app, GATEWAY_SECRET, &succeeded("evt_1", 1, 100)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn fifty_concurrent_top_ups_leave_the_exact_balance() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let card = method(&app, &admin, "Card", "test_card", &[]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    // Fifty top-ups made at once, then every gateway event twice, all at once.
    let made = futures_util::future::join_all((1..=50_i64).map(|n| {
        let ann = &ann;
        async move {
            let amount = format!("{n}.01");
            let page = top_up(ann, account, payer, card, &amount).await;
            (payment_in(&page.location.unwrap()), n * 100 + 1)
        }
    }))
    .await;
    let ids: Vec<(i64, i64)> = made;
    assert_eq!(app.count("payments"), 50);
    // Every event twice, all at once: 100 deliveries racing on one account.
    let deliveries = ids.iter().flat_map(|(id, amount)| {
        let event = succeeded(&format!("evt_{id}"), *id, *amount);
        [event.clone(), event]
    });
    let answers = futures_util::future::join_all(deliveries.map(|event| {
        let app = &app;
        async move { deliver(app, GATEWAY_SECRET, &event).await.0 }
    }))
    .await;
    assert!(answers.iter().all(|s| *s == StatusCode::OK), "{answers:?}");
    let expected: i64 = ids.iter().map(|(_, a)| a).sum();
    assert_eq!(balance(&app, account), expected);
    assert_eq!(
        count_where(
            &app,
            &format!("ledger_entries WHERE account_id = {account}")
        ),
        50
    );
    let mismatches = billpanel::domain::payments::check_ledger(&mut app.conn()).unwrap();
    assert!(mismatches.is_empty(), "{mismatches:?}");
}

#[actix_web::test]
async fn refunds_never_exceed_what_was_paid() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let (_ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    record(&admin, client, account, payer, "100", "pay-1").await;
    let id = id_of(&app, "payments", "idempotency_key", "pay-1");
    let page = format!("/admin/payments/{id}");
    let refund = |amount: &'static str| {
        let admin = &admin;
        let page = page.clone();
        async move {
            let key = admin
                .get(&page)
                .await
                .input_value("idempotency_key")
                .unwrap_or_default();
            admin
                .submit(
                    &page,
                    &format!("{page}/refund"),
                    &[
                        ("amount", amount),
                        ("comment", "asked by the client"),
                        ("idempotency_key", &key),
                    ],
                )
                .await
        }
    };

    // Sent twice with one key (a double click): refunded once.
    let key = admin
        .get(&page)
        .await
        .input_value("idempotency_key")
        .unwrap();
    for _ in 0..2 {
        admin
            .submit(
                &page,
                &format!("{page}/refund"),
                &[("amount", "60"), ("idempotency_key", &key)],
            )
            .await
            .assert_redirect(&page);
    }
    assert_eq!(balance(&app, account), 4_000);
    assert_eq!(
        admin.get(&page).await.text_of("#payment-status"),
        "Partly refunded"
    );
    let over = refund("40.01").await;
    assert_eq!(over.status, StatusCode::OK);
    assert_eq!(
        over.field_error("amount"),
        "At most 40.00 RUB of this payment can be refunded."
    );
    assert_eq!(over.input_value("amount").as_deref(), Some("40.01"));
    refund("40").await.assert_redirect(&page);
    let done = admin.get(&page).await;
    assert_eq!(done.text_of("#payment-status"), "Refunded");
    assert!(done.exists("#nothing-to-refund"));
    let again = admin
        .submit(
            &page,
            &format!("{page}/refund"),
            &[("amount", "1"), ("idempotency_key", "late")],
        )
        .await;
    assert_eq!(
        again.field_error("amount"),
        "Nothing of this payment is left to refund."
    );
    assert_eq!(balance(&app, account), 0);
    assert_eq!(
        count_where(
            &app,
            &format!("ledger_entries WHERE payment_id = {id} AND kind = 'refund'")
        ),
        2
    );
}

#[actix_web::test]
async fn a_charge_or_correction_needs_a_reason_and_is_written_once() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let (ann, client, _) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    let card = format!("/admin/clients/{client}?tab=payments");
    let action = format!("/admin/clients/{client}/corrections");
    let acc = account.to_string();

    let no_reason = admin
        .submit(
            &card,
            &action,
            &[
                ("correction_account_id", &acc),
                ("correction_kind", "charge"),
                ("correction_amount", "10"),
                ("idempotency_key", "c-1"),
            ],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::OK);
    assert!(!no_reason.field_error("correction_comment").is_empty());
    assert_eq!(
        no_reason.input_value("correction_amount").as_deref(),
        Some("10")
    );
    assert_eq!(balance(&app, account), 0);

    for _ in 0..2 {
        admin
            .submit(
                &card,
                &action,
                &[
                    ("correction_account_id", &acc),
                    ("correction_kind", "charge"),
                    ("correction_amount", "10"),
                    ("correction_comment", "Extra backup"),
                    ("idempotency_key", "c-2"),
                ],
            )
            .await
            .assert_redirect(&card);
    }
    admin
        .submit(
            &card,
            &action,
            &[
                ("correction_account_id", &acc),
                ("correction_kind", "credit"),
                ("correction_amount", "2.50"),
                ("correction_comment", "Goodwill"),
                ("idempotency_key", "c-3"),
            ],
        )
        .await
        .assert_redirect(&card);
    assert_eq!(balance(&app, account), -750);
    // Staff find it by what it is.
    let charges = admin
        .get("/admin/expenses?kind=charge")
        .await
        .texts("#expenses tbody tr");
    assert_eq!(charges.len(), 1, "{charges:?}");
    assert!(charges[0].contains("Ann Lee"), "{charges:?}");
    let orders = admin.get("/admin/expenses?kind=order").await;
    assert!(orders.exists("#no-expenses"));
    let expenses = ann
        .get("/client/expenses")
        .await
        .texts("#expenses tbody tr");
    assert_eq!(expenses.len(), 1);
    assert!(
        expenses[0].contains("Extra backup") && expenses[0].contains("10.00 RUB"),
        "{expenses:?}"
    );
}

/// The gateway's routes stand outside the admin and client tables: the checkout page opens
/// for whoever holds the signed link (as a real gateway's page does), its form needs the
/// CSRF token like every form, and the webhook needs the signature instead.
#[actix_web::test]
async fn the_gateways_routes_admit_only_who_they_declare() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let card = method(&app, &admin, "Card", "test_card", &[]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    let link = top_up(&ann, account, payer, card, "10")
        .await
        .location
        .unwrap();
    let id = payment_in(&link);
    let token = link.split("token=").nth(1).unwrap().to_string();

    let stranger = app.browser();
    assert_eq!(stranger.get(&link).await.status, StatusCode::OK);
    let forged = stranger
        .post_raw(
            &format!("/gateway/test/pay/{id}"),
            &[("token", &token), ("decision", "pay")],
        )
        .await;
    assert_eq!(
        forged.status,
        StatusCode::FORBIDDEN,
        "no CSRF token, no payment"
    );
    let unsigned = reqwest::Client::new()
        .post(format!("{}/payments/webhook/test", app.base))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(balance(&app, account), 0);
    assert_eq!(
        ann.get(&format!("/client/payments/{id}"))
            .await
            .text_of("#payment-status"),
        "In progress"
    );
}
