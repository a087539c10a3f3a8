//! The ledger's property: whatever happens to an account, in whatever order (payments by
//! hand, by bank transfer and by card, orders, charges, corrections, refunds that fit and
//! refunds that do not), its balance is the sum of its entries, and it agrees with what the
//! payments, expenses and corrections themselves say. Random sequences from fixed seeds, so
//! a failure names the seed that reproduces it.

use billpanel::db::models::money_figure::MoneyFigure;
use diesel::RunQueryDsl;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::helpers::{GATEWAY_SECRET, TestApp, id_of};
use crate::payments::{account_of, client_with_payer, record};
use crate::services::{balance, order, tariff};
use crate::top_up::{method, top_up};
use billpanel::domain::payments::gateway;

/// What the account's own documents add up to, read without the ledger's balance:
/// payments credited, less refunds, less expenses, plus corrections.
fn from_documents(app: &TestApp, account: i64) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Sum {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let sum = |sql: String| {
        diesel::sql_query(format!(
            "SELECT CAST(COALESCE(SUM(x), 0) AS BIGINT) AS n FROM ({sql}) t"
        ))
        .get_result::<Sum>(&mut app.conn())
        .unwrap()
        .n
    };
    let paid = sum(format!(
        "SELECT amount - refunded AS x FROM payments WHERE account_id = {account} \
         AND status IN ('paid', 'partly_refunded', 'refunded')"
    ));
    let spent = sum(format!(
        "SELECT amount AS x FROM expenses WHERE account_id = {account}"
    ));
    let corrected = sum(format!(
        "SELECT amount AS x FROM ledger_entries WHERE account_id = {account} AND kind = 'correction'"
    ));
    paid - spent + corrected
}

/// An amount like "123.45", from 0.01 up to `max` units.
fn amount(rng: &mut StdRng, max: u32) -> String {
    format!(
        "{}.{:02}",
        rng.random_range(0..max),
        rng.random_range(1..100)
    )
}

#[actix_web::test]
async fn any_sequence_of_money_moves_keeps_balance_equal_to_the_entries() {
    for seed in [1_u64, 2, 3] {
        let mut rng = StdRng::seed_from_u64(seed);
        let app = TestApp::spawn().await;
        let admin = app.browser();
        admin.sign_in_as_admin().await;
        let bank = method(&app, &admin, "Bank", "bank_transfer", &[]).await;
        let card = method(&app, &admin, "Card", "test_card", &[]).await;
        let hosting = tariff(
            &app,
            &admin,
            "Hosting",
            &[("price_1", "300"), ("price_3", "850"), ("setup_fee", "50")],
        )
        .await;
        let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
        let account = account_of(&app, client);
        let card_page = format!("/admin/clients/{client}?tab=payments");
        let acc = account.to_string();

        for step in 0..40 {
            let what = rng.random_range(0..7);
            let key = format!("s{seed}-{step}");
            match what {
                0 => {
                    record(
                        &admin,
                        client,
                        account,
                        payer,
                        &amount(&mut rng, 2000),
                        &key,
                    )
                    .await;
                }
                1 => {
                    order(&ann, hosting, if rng.random_bool(0.5) { 1 } else { 3 }).await;
                }
                2 | 3 => {
                    let kind = ["charge", "credit", "debit"][rng.random_range(0..3)];
                    admin
                        .submit(
                            &card_page,
                            &format!("/admin/clients/{client}/corrections"),
                            &[
                                ("correction_account_id", &acc),
                                ("correction_kind", kind),
                                ("correction_amount", &amount(&mut rng, 500)),
                                ("correction_comment", "property test"),
                                ("idempotency_key", &key),
                            ],
                        )
                        .await;
                }
                4 => {
                    // Refund part of a random payment: sometimes more than is left, which
                    // must be refused and change nothing.
                    let payments = app.count("payments");
                    if payments > 0 {
                        let id = id_of(
                            &app,
                            "payments",
                            "id",
                            &rng.random_range(1..=payments).to_string(),
                        );
                        let page = format!("/admin/payments/{id}");
                        admin
                            .submit(
                                &page,
                                &format!("{page}/refund"),
                                &[
                                    ("amount", &amount(&mut rng, 1500)),
                                    ("idempotency_key", &key),
                                ],
                            )
                            .await;
                    }
                }
                5 => {
                    let made = top_up(&ann, account, payer, bank, &amount(&mut rng, 1000)).await;
                    if let Some(bill) = made.location
                        && rng.random_bool(0.7)
                    {
                        let id = bill.trim_start_matches("/client/payments/");
                        admin
                            .submit(
                                &format!("/admin/payments/{id}"),
                                &format!("/admin/payments/{id}/paid"),
                                &[],
                            )
                            .await;
                    }
                }
                _ => {
                    let made = top_up(&ann, account, payer, card, &amount(&mut rng, 1000)).await;
                    if let Some(checkout) = made.location {
                        let id: i64 = checkout
                            .trim_start_matches("/gateway/test/pay/")
                            .split('?')
                            .next()
                            .unwrap()
                            .parse()
                            .unwrap();
                        #[derive(diesel::QueryableByName)]
                        struct Amount {
                            #[diesel(sql_type = diesel::sql_types::BigInt)]
                            amount: i64,
                        }
                        let minor = diesel::sql_query(format!(
                            "SELECT amount FROM payments WHERE id = {id}"
                        ))
                        .get_result::<Amount>(&mut app.conn())
                        .unwrap()
                        .amount;
                        let event = gateway::Event {
                            event_id: format!("evt-{key}"),
                            event: if rng.random_bool(0.8) {
                                gateway::SUCCEEDED
                            } else {
                                gateway::DECLINED
                            }
                            .into(),
                            payment_id: id,
                            amount: minor,
                            currency: "RUB".into(),
                        };
                        let body = serde_json::to_vec(&event).unwrap();
                        // Delivered once or twice: a gateway retries.
                        for _ in 0..rng.random_range(1..=2) {
                            reqwest::Client::new()
                                .post(format!("{}/payments/webhook/test", app.base))
                                .header(
                                    gateway::SIGNATURE_HEADER,
                                    gateway::sign(GATEWAY_SECRET.as_bytes(), &body),
                                )
                                .body(body.clone())
                                .send()
                                .await
                                .unwrap();
                        }
                    }
                }
            }
            let mismatches = billpanel::domain::payments::check_ledger(&mut app.conn()).unwrap();
            assert!(
                mismatches.is_empty(),
                "seed {seed} step {step} ({what}): {mismatches:?}"
            );
            assert_eq!(
                balance(&app, account),
                from_documents(&app, account),
                "seed {seed} step {step} ({what}): the balance and the documents disagree"
            );
        }
        // The sequence did move money: a test that moved none would prove nothing.
        assert!(app.count("ledger_entries") > 10, "seed {seed}");
        // The dashboard's money figures, kept entry by entry, are what the ledger says.
        let mut conn = app.conn();
        let kept = MoneyFigure::all(&mut conn).unwrap();
        assert!(!kept.is_empty(), "seed {seed}: payments were counted");
        MoneyFigure::rebuild(&mut conn).unwrap();
        assert_eq!(kept, MoneyFigure::all(&mut conn).unwrap(), "seed {seed}");
    }
}
