//! Accounting documents through the front door: bills with bank transfers, acts of a
//! month, credit notes with refunds, reconciliation reports; numbering without gaps, the
//! snapshots that keep an issued document as it was, PDFs, and who may open what.

use chrono::{Datelike, Duration};
use diesel::RunQueryDsl;
use reqwest::StatusCode;

use crate::helpers::{Browser, TestApp, company_ready, id_of};
use crate::payments::{account_of, client_with_payer, record};
use crate::top_up::{method, top_up};

fn year() -> i32 {
    chrono::Utc::now().year()
}

fn sql(app: &TestApp, statement: &str) {
    diesel::sql_query(statement)
        .execute(&mut app.conn())
        .unwrap();
}

fn number(app: &TestApp, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql)
        .get_result::<Row>(&mut app.conn())
        .unwrap()
        .n
}

fn text(app: &TestApp, sql: &str) -> String {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        t: String,
    }
    diesel::sql_query(sql)
        .get_result::<Row>(&mut app.conn())
        .unwrap()
        .t
}

/// The PDF at `path` as the browser downloads it, with its text.
async fn pdf_text(browser: &Browser, path: &str) -> (StatusCode, String, String) {
    let response = browser
        .http
        .get(format!("{}{path}", browser.base))
        .send()
        .await
        .unwrap();
    let status = response.status();
    if status != StatusCode::OK {
        return (status, String::new(), String::new());
    }
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert_eq!(kind, "application/pdf");
    let bytes = response.bytes().await.unwrap();
    let pdf = lopdf::Document::load_mem(&bytes).expect("the download parses as PDF");
    let pages: Vec<u32> = pdf.get_pages().keys().copied().collect();
    let text = pdf.extract_text(&pages).expect("its text can be read");
    let title = pdf
        .trailer
        .get(b"Info")
        .and_then(|info| pdf.dereference(info))
        .and_then(|(_, info)| info.as_dict())
        .and_then(|info| info.get(b"Title"))
        .map(|t| match t {
            lopdf::Object::String(bytes, _) => lopdf::decode_text_string(t)
                .unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned()),
            _ => String::new(),
        })
        .unwrap_or_default();
    (status, text, title)
}

fn documents_of(app: &TestApp, kind: &str) -> i64 {
    number(
        app,
        &format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM documents WHERE kind = '{kind}'"),
    )
}

#[actix_web::test]
async fn a_bank_transfer_comes_with_a_numbered_bill_that_only_its_client_opens() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    company_ready(&app, &admin, "My company").await;
    let bank = method(&app, &admin, "Bank transfer", "bank_transfer", &[]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);

    let made = top_up(&ann, account, payer, bank, "1200").await;
    let payment_page = made.location.clone().expect("a redirect to the payment");
    let page = ann.get(&payment_page).await;
    let first = format!("INV-{}-000001", year());
    assert_eq!(page.text_of("#open-bill"), format!("Bill {first}"));

    // The client's documents list it; its page says what the PDF says.
    let list = ann.get("/client/documents").await;
    assert!(list.text_of("#documents").contains(&first));
    let bill = id_of(&app, "documents", "number", &first);
    // Staff find it by its number from the header's search, typed in any case.
    admin
        .get(&format!("/admin/search?q={}", first.to_lowercase()))
        .await
        .assert_redirect(&format!("/admin/documents/{bill}"));
    let shown = ann.get(&format!("/client/documents/{bill}")).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.text_of("#document-title").contains(&first));
    assert_eq!(shown.text_of("#document-total"), "1,200.00 RUB");
    assert_eq!(
        shown.text_of("#document-tax"),
        "200.00 RUB",
        "VAT 20 % within 1,200.00"
    );
    assert!(shown.text_of("#document-bank").contains("044525000"));
    assert!(
        shown
            .text_of("#document-payer")
            .contains("Payer of ann@example.com")
    );
    let (status, pdf, title) = pdf_text(&ann, &format!("/client/documents/{bill}/pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf.contains(&first), "{pdf}");
    assert!(pdf.contains("1,200.00 RUB"), "{pdf}");
    assert!(pdf.contains("Payer of ann@example.com"), "{pdf}");
    assert_eq!(title, first);
    // Staff open it too, from the documents list.
    let staff_list = admin.get("/admin/documents?kind=bill").await;
    assert!(staff_list.text_of("#documents").contains(&first));
    assert_eq!(
        admin.get(&format!("/admin/documents/{bill}")).await.status,
        StatusCode::OK
    );

    // Another client gets 404 for the page and the PDF.
    let (bob, _, _) = client_with_payer(&app, "bob@example.com").await;
    assert_eq!(
        bob.get(&format!("/client/documents/{bill}")).await.status,
        StatusCode::NOT_FOUND
    );
    let (status, _, _) = pdf_text(&bob, &format!("/client/documents/{bill}/pdf")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Cancelling the payment cancels the bill; it keeps its number, and the next bill
    // takes the next one.
    let id = payment_page.trim_start_matches("/client/payments/");
    ann.submit(&payment_page, &format!("/client/payments/{id}/cancel"), &[])
        .await;
    let cancelled = ann.get(&format!("/client/documents/{bill}")).await;
    assert_eq!(cancelled.text_of("#document-status"), "Cancelled");
    assert!(
        cancelled
            .text_of("#document-cancelled")
            .contains("payment was cancelled")
    );
    top_up(&ann, account, payer, bank, "300").await;
    assert_eq!(
        text(
            &app,
            "SELECT number AS t FROM documents WHERE kind = 'bill' ORDER BY id DESC LIMIT 1"
        ),
        format!("INV-{}-000002", year())
    );
}

#[actix_web::test]
async fn bill_numbers_have_no_gap_after_a_failed_issue_and_none_twice_when_issued_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    company_ready(&app, &admin, "My company").await;
    let bank = method(&app, &admin, "Bank transfer", "bank_transfer", &[]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);

    // A bill of 777.00 fails to be written after its number was taken: the whole top-up
    // is undone, number included.
    match app.engine() {
        billpanel::db::Engine::Sqlite => sql(
            &app,
            "CREATE TRIGGER refuse_777 BEFORE INSERT ON documents WHEN NEW.total = 77700 \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
        ),
        billpanel::db::Engine::Postgres => {
            sql(
                &app,
                "CREATE FUNCTION refuse_777() RETURNS trigger AS $$ BEGIN \
                 IF NEW.total = 77700 THEN RAISE EXCEPTION 'refused by the test'; END IF; \
                 RETURN NEW; END $$ LANGUAGE plpgsql",
            );
            sql(
                &app,
                "CREATE TRIGGER refuse_777 BEFORE INSERT ON documents FOR EACH ROW \
                 EXECUTE FUNCTION refuse_777()",
            );
        }
    }
    let failed = top_up(&ann, account, payer, bank, "777").await;
    assert!(failed.status.is_server_error(), "{}", failed.status);
    assert_eq!(app.count("payments"), 0, "the failed top-up left nothing");
    assert_eq!(app.count("documents"), 0);

    top_up(&ann, account, payer, bank, "100").await;
    // Two bills issued at the same moment by two requests.
    let (a, b) = tokio::join!(
        top_up(&ann, account, payer, bank, "200"),
        top_up(&ann, account, payer, bank, "300")
    );
    assert!(a.location.is_some() && b.location.is_some());
    let mut numbers: Vec<i64> = {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            sequence: i64,
        }
        diesel::sql_query("SELECT sequence FROM documents WHERE kind = 'bill'")
            .load::<Row>(&mut app.conn())
            .unwrap()
            .into_iter()
            .map(|r| r.sequence)
            .collect()
    };
    numbers.sort();
    assert_eq!(
        numbers,
        vec![1, 2, 3],
        "consecutive, none skipped, none twice"
    );
}

/// Moves everything dated now (charges, payments) to the middle of last month.
fn into_last_month(app: &TestApp) -> String {
    let today = chrono::Utc::now().date_naive();
    let first = today.with_day(1).unwrap();
    let last_month = first - Duration::days(20);
    let at = format!("{} 12:00:00", last_month.format("%Y-%m-%d"));
    sql(app, &format!("UPDATE expenses SET created_at = '{at}'"));
    sql(
        app,
        &format!(
            "UPDATE payments SET paid_at = '{at}', created_at = '{at}' WHERE paid_at IS NOT NULL"
        ),
    );
    last_month.format("%Y-%m").to_string()
}

async fn charge(admin: &Browser, client: i64, account: i64, amount: &str, key: &str) {
    admin
        .submit(
            &format!("/admin/clients/{client}?tab=payments"),
            &format!("/admin/clients/{client}/corrections"),
            &[
                ("correction_account_id", &account.to_string()),
                ("correction_kind", "charge"),
                ("correction_amount", amount),
                ("correction_comment", "Extra backup storage"),
                ("idempotency_key", key),
            ],
        )
        .await;
}

#[actix_web::test]
async fn a_months_act_sums_its_expenses_and_issuing_the_month_again_adds_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    company_ready(&app, &admin, "My company").await;
    let (_ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    record(&admin, client, account, payer, "1000", "pay-1").await;
    charge(&admin, client, account, "100.50", "charge-1").await;
    charge(&admin, client, account, "200.25", "charge-2").await;
    let month = into_last_month(&app);

    // The month still running is refused at its field.
    let this_month = chrono::Utc::now().format("%Y-%m").to_string();
    let early = admin
        .submit(
            "/admin/documents",
            "/admin/documents/generate",
            &[("month", &this_month)],
        )
        .await;
    assert_eq!(early.status, StatusCode::OK);
    assert!(
        early.field_error("month").contains("not over"),
        "{}",
        early.body
    );
    assert_eq!(documents_of(&app, "act"), 0);

    let done = admin
        .submit(
            "/admin/documents",
            "/admin/documents/generate",
            &[("month", &month)],
        )
        .await;
    done.assert_redirect("/admin/documents?kind=act");
    assert_eq!(documents_of(&app, "act"), 1);
    let total = number(&app, "SELECT total AS n FROM documents WHERE kind = 'act'");
    assert_eq!(total, 30_075, "100.50 + 200.25 charged that month");
    let lines = number(
        &app,
        "SELECT CAST(SUM(amount) AS BIGINT) AS n FROM document_lines",
    );
    assert_eq!(lines, total, "its lines sum to its total");
    let tax = number(&app, "SELECT tax AS n FROM documents WHERE kind = 'act'");
    assert_eq!(
        tax, 5_013,
        "VAT within 300.75 is 50.125, rounded half away from zero"
    );
    assert_eq!(
        number(
            &app,
            "SELECT payer_id AS n FROM documents WHERE kind = 'act'"
        ),
        payer,
        "the payer of the payment that funded the charges"
    );

    // Again: nothing new.
    admin
        .submit(
            "/admin/documents",
            "/admin/documents/generate",
            &[("month", &month)],
        )
        .await
        .assert_redirect("/admin/documents?kind=act");
    assert_eq!(documents_of(&app, "act"), 1);
    let list = admin.get("/admin/documents?kind=act").await;
    assert!(
        list.text_of(".alert").contains("No new acts"),
        "{}",
        list.body
    );

    // The act is on the client's card and opens as a PDF with its total.
    let card = admin
        .get(&format!("/admin/clients/{client}?tab=documents"))
        .await;
    let act_number = format!("ACT-{}-000001", &month[..4]);
    assert!(card.text_of("#client-documents").contains(&act_number));
    let act = id_of(&app, "documents", "number", &act_number);
    let (_, pdf, _) = pdf_text(&admin, &format!("/admin/documents/{act}/pdf")).await;
    assert!(pdf.contains("300.75 RUB"), "{pdf}");
    assert!(pdf.contains("Extra backup storage"), "{pdf}");
}

#[actix_web::test]
async fn an_issued_document_keeps_the_payer_and_company_as_they_were() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    company_ready(&app, &admin, "My company").await;
    let bank = method(&app, &admin, "Bank transfer", "bank_transfer", &[]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    let made = top_up(&ann, account, payer, bank, "500").await;
    let payment_page = made.location.unwrap();
    let bill = id_of(&app, "documents", "kind", "bill");

    let path = format!("/client/payers/{payer}");
    ann.submit(
        &path,
        &path,
        &[
            ("kind", "individual"),
            ("name", "Renamed payer"),
            ("email", "ann@example.com"),
            ("phone", "+49 2"),
            ("postal_address", "Somewhere else"),
        ],
    )
    .await
    .assert_redirect("/client/payers");
    company_ready(&app, &admin, "Renamed company LLC").await;

    let shown = ann.get(&format!("/client/documents/{bill}")).await;
    assert!(
        shown
            .text_of("#document-payer")
            .contains("Payer of ann@example.com")
    );
    assert_eq!(shown.text_of("#document-company"), "My company");
    let (_, pdf, _) = pdf_text(&ann, &format!("/client/documents/{bill}/pdf")).await;
    assert!(
        pdf.contains("My company") && !pdf.contains("Renamed"),
        "{pdf}"
    );
    // The payment shows its payer as it was when it was made.
    let payment = ann.get(&payment_page).await;
    assert!(
        payment
            .text_of("#payment-payer")
            .contains("Payer of ann@example.com")
    );
}

#[actix_web::test]
async fn a_refund_issues_a_credit_note_for_the_amount_paid_back() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    company_ready(&app, &admin, "My company").await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    record(&admin, client, account, payer, "500", "pay-1").await;
    let payment = id_of(&app, "payments", "client_id", &client.to_string());
    let page = crate::payments::refund(&admin, payment, "120").await;
    assert_eq!(documents_of(&app, "credit_note"), 1);
    let note_number = format!("CN-{}-000001", year());
    let note = id_of(&app, "documents", "number", &note_number);
    assert_eq!(
        number(
            &app,
            &format!("SELECT total AS n FROM documents WHERE id = {note}")
        ),
        12_000
    );
    assert!(
        admin
            .get(&page)
            .await
            .text_of("#payment-documents")
            .contains(&note_number)
    );
    // The client finds it among its documents.
    let list = ann.get("/client/documents").await;
    assert!(list.text_of("#documents").contains(&note_number));
}

#[actix_web::test]
async fn a_reconciliation_report_balances_payments_and_acts_and_refuses_bad_ranges() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    company_ready(&app, &admin, "My company").await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    record(&admin, client, account, payer, "1000", "pay-1").await;
    charge(&admin, client, account, "250", "charge-1").await;
    let month = into_last_month(&app);
    admin
        .submit(
            "/admin/documents",
            "/admin/documents/generate",
            &[("month", &month)],
        )
        .await;
    let today = chrono::Utc::now().date_naive();
    let from = format!("{month}-01");
    let to = today.format("%Y-%m-%d").to_string();

    // A range that ends before it starts, and another client's payer: refused, nothing
    // written.
    let before = app.count("documents");
    let backwards = ann
        .submit(
            "/client/documents",
            "/client/documents/reconciliation",
            &[
                ("payer_id", &payer.to_string()),
                ("account_id", &account.to_string()),
                ("from", &to),
                ("to", &from),
            ],
        )
        .await;
    assert!(
        backwards.field_error("to").contains("ends before"),
        "{}",
        backwards.body
    );
    let (_, _, bob_payer) = client_with_payer(&app, "bob@example.com").await;
    let foreign = ann
        .submit(
            "/client/documents",
            "/client/documents/reconciliation",
            &[
                ("payer_id", &bob_payer.to_string()),
                ("account_id", &account.to_string()),
                ("from", &from),
                ("to", &to),
            ],
        )
        .await;
    assert!(!foreign.field_error("payer_id").is_empty());
    assert_eq!(app.count("documents"), before);

    let made = ann
        .submit(
            "/client/documents",
            "/client/documents/reconciliation",
            &[
                ("payer_id", &payer.to_string()),
                ("account_id", &account.to_string()),
                ("from", &from),
                ("to", &to),
            ],
        )
        .await;
    let location = made.location.expect("a redirect to the report");
    let report = ann.get(&location).await;
    assert_eq!(report.text_of("#document-opening"), "0.00 RUB");
    assert_eq!(
        report.text_of("#document-total"),
        "750.00 RUB",
        "1,000.00 received, 250.00 of services acted"
    );
    assert!(
        report
            .text_of("#document-title")
            .contains(&format!("REC-{}-000001", year()))
    );
}

#[actix_web::test]
async fn a_company_tax_id_is_checked_like_a_payers_and_a_company_without_details_issues_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let company = id_of(&app, "companies", "legal_name", "My company");
    let path = format!("/admin/companies/{company}");
    let wrong = admin
        .submit(
            &path,
            &path,
            &[
                ("legal_name", "My company"),
                ("kind", "legal_entity"),
                ("country", "RU"),
                ("tax_id", "7700000001"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert!(
        wrong.field_error("tax_id").contains("check digit"),
        "{}",
        wrong.body
    );
    assert_eq!(wrong.input_value("tax_id").as_deref(), Some("7700000001"));

    // The default company has no details: a bank transfer is still accepted (money is
    // never turned away for a document), without a bill; asking for one names what is
    // missing.
    let bank = method(&app, &admin, "Bank transfer", "bank_transfer", &[]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    let made = top_up(&ann, account, payer, bank, "100").await;
    let payment_page = made.location.unwrap();
    assert_eq!(app.count("documents"), 0);
    let id = payment_page.trim_start_matches("/client/payments/");
    ann.submit(&payment_page, &format!("/client/payments/{id}/bill"), &[])
        .await
        .assert_redirect(&payment_page);
    let told = ann.get(&payment_page).await;
    assert!(
        told.body.contains("tax id, legal address, signatory")
            && told.body.contains("bank details"),
        "{}",
        told.body
    );
    assert_eq!(app.count("documents"), 0);
}

#[actix_web::test]
async fn staff_cancel_a_document_with_a_reason_once_and_it_keeps_its_number() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    company_ready(&app, &admin, "My company").await;
    let bank = method(&app, &admin, "Bank transfer", "bank_transfer", &[]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    top_up(&ann, account_of(&app, client), payer, bank, "100").await;
    let bill = id_of(&app, "documents", "kind", "bill");
    let page = format!("/admin/documents/{bill}");

    let without = admin
        .submit(&page, &format!("{page}/cancel"), &[("reason", "  ")])
        .await;
    assert_eq!(without.status, StatusCode::OK);
    assert!(!without.field_error("reason").is_empty());
    assert_eq!(admin.get(&page).await.text_of("#document-status"), "Issued");

    admin
        .submit(
            &page,
            &format!("{page}/cancel"),
            &[("reason", "Issued to the wrong payer")],
        )
        .await
        .assert_redirect(&page);
    let shown = admin.get(&page).await;
    assert_eq!(shown.text_of("#document-status"), "Cancelled");
    assert!(shown.text_of("#document-cancelled").contains("wrong payer"));
    assert!(
        shown
            .text_of("#document-title")
            .contains(&format!("INV-{}-000001", year()))
    );
    // A cancelled document offers no second cancel; posting one anyway is refused.
    assert!(!shown.exists("#cancel-document"));
    let token_page = "/admin/documents";
    let again = admin
        .submit(
            token_page,
            &format!("{page}/cancel"),
            &[("reason", "again")],
        )
        .await;
    assert!(
        again.field_error("reason").contains("cancelled already"),
        "{}",
        again.body
    );
    assert_eq!(
        number(
            &app,
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM audit_events WHERE action = 'document.cancel'"
        ),
        1
    );
}

#[actix_web::test]
async fn two_servers_issuing_the_months_acts_at_once_issue_each_act_once_numbered_without_gaps() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    company_ready(&app, &admin, "My company").await;
    let mut clients = Vec::new();
    for i in 0..6 {
        let email = format!("client{i}@example.com");
        let (_c, client, payer) = client_with_payer(&app, &email).await;
        let account = account_of(&app, client);
        record(&admin, client, account, payer, "1000", &format!("pay-{i}")).await;
        charge(&admin, client, account, "100", &format!("charge-{i}")).await;
        clients.push(client);
    }
    into_last_month(&app);

    // Two servers' monthly runs on the first of the month, each with its own connections.
    let first = chrono::Utc::now().date_naive().with_day(1).unwrap();
    let at = first.and_hms_opt(6, 0, 0).unwrap();
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let pool = billpanel::db::connect(&app._db.url, 2).unwrap();
            std::thread::spawn(move || {
                let mut conn = pool.get().unwrap();
                billpanel::domain::documents::acts::issue_due(&mut conn, at)
                    .unwrap()
                    .map_or(0, |r| r.issued)
            })
        })
        .collect();
    let issued: usize = runs.into_iter().map(|r| r.join().unwrap()).sum();
    assert_eq!(issued, 6, "six acts between the two runs");
    assert_eq!(
        documents_of(&app, "act"),
        6,
        "one act per payer, none twice"
    );
    let mut numbers: Vec<i64> = {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            sequence: i64,
        }
        diesel::sql_query("SELECT sequence FROM documents WHERE kind = 'act'")
            .load::<Row>(&mut app.conn())
            .unwrap()
            .into_iter()
            .map(|r| r.sequence)
            .collect()
    };
    numbers.sort();
    assert_eq!(numbers, (1..=6).collect::<Vec<i64>>());
    // A third run finds the month done.
    let mut conn = app.conn();
    assert!(
        billpanel::domain::documents::acts::issue_due(&mut conn, at)
            .unwrap()
            .is_none()
    );
}

#[actix_web::test]
async fn vat_added_on_top_prices_the_order_with_vat_and_the_act_shows_it() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    crate::helpers::company_ready_with(&app, &admin, "My company", "vat_on_top").await;
    let vps = crate::helpers::tariff(&app, &admin, "VPS On Top", &[("price_1", "10.03")]).await;
    let (ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client);
    record(&admin, client, account, payer, "1000", "pay-1").await;

    // The order page prices the month with VAT added: 10.03 + 2.006, rounded to 12.04.
    let offer = ann.get("/client/order").await;
    assert!(
        offer
            .text_of(&format!("label[for=\"choice-{vps}-1\"]"))
            .contains("12.04 RUB"),
        "{}",
        offer.body
    );
    assert_eq!(
        offer.text_of(".bp-tax-note"),
        "Prices include VAT 20 % added on top."
    );
    // Two of them: the act has two lines.
    for _ in 0..2 {
        let ordered = crate::services::order(&ann, vps, 1).await;
        assert!(ordered.location.is_some(), "{}", ordered.body);
    }
    assert_eq!(
        crate::services::balance(&app, account),
        100_000 - 2 * 1_204,
        "charged with VAT"
    );

    let month = into_last_month(&app);
    admin
        .submit(
            "/admin/documents",
            "/admin/documents/generate",
            &[("month", &month)],
        )
        .await
        .assert_redirect("/admin/documents?kind=act");
    let total = number(&app, "SELECT total AS n FROM documents WHERE kind = 'act'");
    assert_eq!(total, 2_408, "the act's total is what was charged");
    let tax = number(&app, "SELECT tax AS n FROM documents WHERE kind = 'act'");
    assert_eq!(
        tax, 402,
        "2.01 of VAT was added to each (the VAT within 24.08 as a whole would be 4.01)"
    );
    let act = id_of(&app, "documents", "kind", "act");
    let page = admin.get(&format!("/admin/documents/{act}")).await;
    assert!(
        page.body.contains("VAT 20 % added on top of prices"),
        "{}",
        page.body
    );
}
