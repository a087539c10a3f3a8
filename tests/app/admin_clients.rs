//! The admin Clients section: the list and its search, adding and editing clients, the card,
//! enabling, disabling, deleting, messages and the CSV export.

use billpanel::web::page::FORM_SHOWN_AGAIN;
use diesel::RunQueryDsl;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, client_id_by_email, id_of};

#[actix_web::test]
async fn an_employee_adds_a_client_who_can_then_sign_in() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let form = admin.get("/admin/clients/new").await;
    let generated = form.input_value("password").unwrap();
    assert!(generated.len() >= 10, "a password is generated");
    let provider = id_of(&app, "providers", "name", "Main provider").to_string();
    let page = admin
        .submit(
            "/admin/clients/new",
            "/admin/clients",
            &[
                ("email", "Olga@Example.com"),
                ("name", "Olga Petrova"),
                ("kind", "person"),
                ("phone", "+7 900 123-45-67"),
                ("comment", "Prefers phone calls"),
                ("provider_ids", &provider),
                ("password", &generated),
                ("send_details", "on"),
            ],
        )
        .await;
    let client = client_id_by_email(&app, "olga@example.com");
    page.assert_redirect(&format!("/admin/clients/{client}"));
    let card = admin.get(&format!("/admin/clients/{client}")).await;
    assert_eq!(card.text_of("h1"), "Olga Petrova");
    assert_eq!(card.text_of("#client-comment"), "Prefers phone calls");
    assert!(card.text_of(".bp-figure").contains("0.00 RUB"));
    // The sign-in details wait in the outbox.
    #[derive(diesel::QueryableByName)]
    struct Mail {
        #[diesel(sql_type = diesel::sql_types::Text)]
        body: String,
    }
    let mail: Mail =
        diesel::sql_query("SELECT body FROM outbox WHERE recipient = 'olga@example.com'")
            .get_result(&mut app.conn())
            .unwrap();
    assert!(mail.body.contains(&generated));

    let olga = app.browser();
    olga.sign_in_as_client("olga@example.com", &generated)
        .await
        .assert_redirect("/client");
    // The comment is internal: never in the client area.
    assert!(
        !olga
            .get("/client")
            .await
            .body
            .contains("Prefers phone calls")
    );
}

#[actix_web::test]
async fn the_list_finds_clients_by_id_name_email_and_phone() {
    let app = TestApp::spawn().await;
    for (email, name) in [
        ("ann@example.com", "Ann Lee"),
        ("bob@shop.example", "Bob Marsh"),
        ("carol@example.com", "Carol Diaz"),
    ] {
        app.browser()
            .register(email, name)
            .await
            .assert_redirect("/client");
    }
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let all = admin.get("/admin/clients").await;
    assert_eq!(all.texts("#clients tbody tr").len(), 3);

    let names = |page: &crate::helpers::Page| page.texts("#clients td.client-name");
    assert_eq!(
        names(&admin.get("/admin/clients?q=marsh").await),
        vec!["Bob Marsh"]
    );
    assert_eq!(
        names(&admin.get("/admin/clients?q=SHOP.EX").await),
        vec!["Bob Marsh"],
        "case-insensitive substring"
    );
    let carol = client_id_by_email(&app, "carol@example.com");
    assert_eq!(
        names(&admin.get(&format!("/admin/clients?q={carol}")).await),
        vec!["Carol Diaz"],
        "by id"
    );
    let short = admin.get("/admin/clients?q=an").await;
    assert!(short.text_of("#search-notice").contains("at least 3"));
    assert!(
        admin
            .get("/admin/clients?q=nobody-like-this")
            .await
            .exists("#no-clients")
    );

    // Sorted by name, two to a page: the next page continues where the first ended.
    let sorted = admin.get("/admin/clients?sort=name").await;
    assert_eq!(names(&sorted), vec!["Ann Lee", "Bob Marsh", "Carol Diaz"]);

    // Filters: disabled clients only.
    let bob = client_id_by_email(&app, "bob@shop.example");
    admin
        .submit(
            &format!("/admin/clients/{bob}"),
            &format!("/admin/clients/{bob}/disable"),
            &[],
        )
        .await
        .assert_redirect(&format!("/admin/clients/{bob}"));
    assert_eq!(
        names(&admin.get("/admin/clients?enabled=no").await),
        vec!["Bob Marsh Disabled"]
    );
    // No client is active before services exist.
    assert!(
        admin
            .get("/admin/clients?state=active")
            .await
            .exists("#no-clients")
    );
}

/// The client names on `first` and on every page its "next" links lead to, and how many
/// pages there were.
async fn walk_pages(admin: &crate::helpers::Browser, first: String) -> (Vec<String>, usize) {
    let mut seen = Vec::new();
    let mut next = Some(first);
    let mut pages = 0;
    while let Some(path) = next {
        let page = admin.get(&path).await;
        assert!(
            !page.exists("#search-notice"),
            "{}",
            page.text_of("#search-notice")
        );
        seen.extend(page.texts("#clients td.client-name"));
        next = page
            .html()
            .select(&scraper::Selector::parse("#next-page").unwrap())
            .next()
            .and_then(|a| a.value().attr("href").map(str::to_owned));
        pages += 1;
        assert!(pages < 10, "no end to the pages");
    }
    (seen, pages)
}

#[actix_web::test]
async fn headers_sort_either_way_and_pages_go_back_with_their_place_among_all() {
    let names = |page: &crate::helpers::Page| page.texts("#clients td.client-name");
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let provider = id_of(&app, "providers", "name", "Main provider").to_string();
    for n in 0..7 {
        admin
            .submit(
                "/admin/clients/new",
                "/admin/clients",
                &[
                    ("email", &format!("c{n}@example.com")),
                    ("name", &format!("Client {n}")),
                    ("kind", "person"),
                    ("provider_ids", &provider),
                    ("password", PASSWORD),
                ],
            )
            .await;
    }
    let first = admin.get("/admin/clients?per=3").await;
    // Newest first until a header is clicked; the header says how the list is sorted.
    assert_eq!(names(&first), vec!["Client 6", "Client 5", "Client 4"]);
    assert_eq!(first.text_of("#rows-shown"), "1–3 of 7");
    assert!(first.exists("th[aria-sort=descending] a[href*='sort=id']"));
    assert!(!first.exists("#previous-page"));

    // The name header sorts A to Z, and clicked again Z to A.
    let by_name = admin
        .get(&first.href_of("th a[href*='sort=name']").unwrap())
        .await;
    assert_eq!(names(&by_name), vec!["Client 0", "Client 1", "Client 2"]);
    assert!(by_name.exists("th[aria-sort=ascending] a[href*='sort=name']"));
    let reversed = admin
        .get(&by_name.href_of("th a[href*='sort=name']").unwrap())
        .await;
    assert_eq!(names(&reversed), vec!["Client 6", "Client 5", "Client 4"]);
    assert!(reversed.exists("th[aria-sort=descending] a[href*='sort=name']"));

    // Forward to the last page and back again, each page knowing its place.
    let second = admin.get(&by_name.href_of("#next-page").unwrap()).await;
    assert_eq!(names(&second), vec!["Client 3", "Client 4", "Client 5"]);
    assert_eq!(second.text_of("#rows-shown"), "4–6 of 7");
    let third = admin.get(&second.href_of("#next-page").unwrap()).await;
    assert_eq!(names(&third), vec!["Client 6"]);
    assert_eq!(third.text_of("#rows-shown"), "7–7 of 7");
    assert!(!third.exists("#next-page"));
    let back = admin.get(&third.href_of("#previous-page").unwrap()).await;
    assert_eq!(names(&back), vec!["Client 3", "Client 4", "Client 5"]);
    assert_eq!(back.text_of("#rows-shown"), "4–6 of 7");
    assert!(back.exists("#next-page"));
    let start = admin.get(&back.href_of("#previous-page").unwrap()).await;
    assert_eq!(names(&start), vec!["Client 0", "Client 1", "Client 2"]);
    assert_eq!(start.text_of("#rows-shown"), "1–3 of 7");
    assert!(!start.exists("#previous-page"));

    // A previous page that reaches the start after rows came shows the first page whole.
    let reg_first = admin
        .get("/admin/clients?sort=registered&dir=asc&per=3")
        .await;
    let reg_second = admin.get(&reg_first.href_of("#next-page").unwrap()).await;
    assert_eq!(names(&reg_second), vec!["Client 3", "Client 4", "Client 5"]);
    let gone = client_id_by_email(&app, "c1@example.com");
    admin
        .submit(
            &format!("/admin/clients/{gone}/delete"),
            &format!("/admin/clients/{gone}/delete"),
            &[],
        )
        .await
        .assert_redirect("/admin/clients");
    let reg_back = admin
        .get(&reg_second.href_of("#previous-page").unwrap())
        .await;
    assert_eq!(names(&reg_back), vec!["Client 0", "Client 2", "Client 3"]);
    assert_eq!(reg_back.text_of("#rows-shown"), "1–3 of 6");
}

#[actix_web::test]
async fn pages_follow_each_other_without_gaps_or_repeats() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let provider = id_of(&app, "providers", "name", "Main provider").to_string();
    for n in 0..7 {
        admin
            .submit(
                "/admin/clients/new",
                "/admin/clients",
                &[
                    ("email", &format!("c{n}@example.com")),
                    ("name", &format!("Client {n}")),
                    ("kind", "person"),
                    ("provider_ids", &provider),
                    ("password", PASSWORD),
                ],
            )
            .await;
    }
    let (seen, pages) = walk_pages(&admin, "/admin/clients?sort=name&per=3".to_owned()).await;
    assert_eq!(pages, 3, "7 clients, 3 to a page");
    assert_eq!(
        seen,
        (0..7).map(|n| format!("Client {n}")).collect::<Vec<_>>()
    );
    // Newest first, by registration date: the same rows in the other order.
    let (seen, _) = walk_pages(&admin, "/admin/clients?sort=registered&per=3".to_owned()).await;
    assert_eq!(
        seen,
        (0..7)
            .rev()
            .map(|n| format!("Client {n}"))
            .collect::<Vec<_>>()
    );
}

#[actix_web::test]
async fn bad_client_input_is_refused_at_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    app.browser().register("ann@example.com", "Ann").await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let provider = id_of(&app, "providers", "name", "Main provider").to_string();
    let clients = app.count("clients");
    for (email, name, field, message) in [
        ("not-an-email", "X", "email", "valid email"),
        ("ANN@example.com", "X", "email", "exists already"),
        ("new@example.com", "  ", "name", "Enter the client's name"),
    ] {
        let page = admin
            .submit(
                "/admin/clients/new",
                "/admin/clients",
                &[
                    ("email", email),
                    ("name", name),
                    ("kind", "person"),
                    ("provider_ids", &provider),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(page.status.as_u16(), FORM_SHOWN_AGAIN.as_u16());
        assert!(
            page.field_error(field).contains(message),
            "{field}: {:?}",
            page.field_error(field)
        );
        assert_eq!(page.input_value("email").as_deref(), Some(email));
    }
    let page = admin
        .submit(
            "/admin/clients/new",
            "/admin/clients",
            &[
                ("email", "new@example.com"),
                ("name", "New"),
                ("kind", "person"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert!(
        page.text_of("#provider_ids-error")
            .contains("at least one provider")
    );
    assert_eq!(app.count("clients"), clients);
}

#[actix_web::test]
async fn editing_disabling_and_deleting_a_client() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    let client = client_id_by_email(&app, "ann@example.com");
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let provider = id_of(&app, "providers", "name", "Main provider").to_string();
    let card = format!("/admin/clients/{client}");

    admin
        .submit(
            &format!("{card}/edit"),
            &card,
            &[
                ("email", "ann.lee@example.com"),
                ("name", "Ann Lee"),
                ("kind", "organisation"),
                ("provider_ids", &provider),
            ],
        )
        .await
        .assert_redirect(&card);
    assert_eq!(admin.get(&card).await.text_of("h1"), "Ann Lee");
    // The owner's sign-in moved with the email, and its session ended.
    ann.get("/client")
        .await
        .assert_redirect("/login?next=%2Fclient");
    ann.sign_in_as_client("ann.lee@example.com", PASSWORD)
        .await
        .assert_redirect("/client");

    admin
        .submit(&card, &format!("{card}/disable"), &[])
        .await
        .assert_redirect(&card);
    ann.get("/client")
        .await
        .assert_redirect("/login?next=%2Fclient");
    admin
        .submit(&card, &format!("{card}/enable"), &[])
        .await
        .assert_redirect(&card);

    // With money on the account the client has financial history: it can only be disabled.
    diesel::sql_query(format!(
        "UPDATE accounts SET balance = 500 WHERE client_id = {client}"
    ))
    .execute(&mut app.conn())
    .unwrap();
    let refused = admin
        .submit(&format!("{card}/delete"), &format!("{card}/delete"), &[])
        .await;
    assert!(
        refused
            .text_of("#delete-error")
            .contains("financial history")
    );
    assert_eq!(app.count("clients"), 1);
    diesel::sql_query(format!(
        "UPDATE accounts SET balance = 0 WHERE client_id = {client}"
    ))
    .execute(&mut app.conn())
    .unwrap();
    admin
        .submit(&format!("{card}/delete"), &format!("{card}/delete"), &[])
        .await
        .assert_redirect("/admin/clients");
    assert_eq!(app.count("clients"), 0);
    assert_eq!(app.count("users"), 0);
    assert_eq!(admin.get(&card).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.count("client_search"),
        0,
        "gone from the search index too"
    );
    let log = admin
        .get("/admin/audit?object_type=client")
        .await
        .texts("#audit-events tbody tr");
    for action in [
        "Edited the client",
        "Disabled the client",
        "Enabled the client",
        "Deleted the client",
    ] {
        assert!(log.iter().any(|r| r.contains(action)), "{action} audited");
    }
}

#[actix_web::test]
async fn a_message_reaches_the_card_and_the_outbox() {
    let app = TestApp::spawn().await;
    app.browser().register("ann@example.com", "Ann").await;
    let client = client_id_by_email(&app, "ann@example.com");
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let card = format!("/admin/clients/{client}?tab=messages");
    let action = format!("/admin/clients/{client}/messages");
    let page = admin
        .submit(
            &card,
            &action,
            &[("subject", ""), ("body", "Hello <b>there</b>")],
        )
        .await;
    assert!(page.field_error("subject").contains("subject"));
    assert_eq!(
        page.text_of("#body"),
        "Hello <b>there</b>",
        "the text typed is kept"
    );
    admin
        .submit(
            &card,
            &action,
            &[
                ("subject", "Maintenance"),
                ("body", "Line one\nLine <b>two</b>"),
            ],
        )
        .await
        .assert_redirect(&card);
    let page = admin.get(&card).await;
    assert!(page.text_of(".client-message").contains("Maintenance"));
    assert!(
        page.text_of(".client-message").contains("Line <b>two</b>"),
        "shown as typed"
    );
    assert!(!page.exists(".client-message b"), "never as markup");
    assert_eq!(app.count("messages"), 1);
    assert_eq!(
        crate::helpers::count_rows(&mut app.conn(), "outbox WHERE subject = 'Maintenance'"),
        1
    );
}

#[actix_web::test]
async fn the_csv_export_has_every_filtered_client() {
    let app = TestApp::spawn().await;
    for (email, name) in [
        ("ann@example.com", "Ann, \"the first\""),
        ("bob@example.com", "=HYPERLINK(1)"),
    ] {
        app.browser().register(email, name).await;
    }
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let csv = admin.get("/admin/clients.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines[0], "id,name,email,state,status,balances,registered");
    assert_eq!(lines.len(), 3);
    assert!(csv.body.contains("\"Ann, \"\"the first\"\"\""), "quoted");
    assert!(csv.body.contains("'=HYPERLINK(1)"), "formula neutralised");
    assert!(csv.body.contains("Main provider: 0.00 RUB"));
    let filtered = admin.get("/admin/clients.csv?q=bob%40example").await;
    assert_eq!(filtered.body.lines().count(), 2);
}

#[actix_web::test]
async fn equal_names_and_dates_page_by_id_without_repeats() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let provider = id_of(&app, "providers", "name", "Main provider").to_string();
    for n in 0..5 {
        admin
            .submit(
                "/admin/clients/new",
                "/admin/clients",
                &[
                    ("email", &format!("same{n}@example.com")),
                    ("name", "Same Name"),
                    ("kind", "person"),
                    ("provider_ids", &provider),
                    ("password", PASSWORD),
                ],
            )
            .await;
    }
    // The same registration time for all, to exercise the tie-breaker there too.
    diesel::sql_query("UPDATE clients SET created_at = '2026-01-01 00:00:00'")
        .execute(&mut app.conn())
        .unwrap();
    for sort in ["id", "name", "registered", "balance"] {
        for dir in ["asc", "desc"] {
            let mut seen = Vec::new();
            let mut next = Some(format!("/admin/clients?sort={sort}&dir={dir}&per=2"));
            let mut last = None;
            while let Some(path) = next {
                let page = admin.get(&path).await;
                seen.extend(page.texts("#clients tbody tr td:nth-child(2)"));
                next = page.href_of("#next-page");
                last = Some(page);
            }
            let mut ids = seen.clone();
            ids.sort();
            ids.dedup();
            assert_eq!(
                ids.len(),
                5,
                "{sort} {dir}: every client once, got {seen:?}"
            );
            assert_eq!(seen.len(), 5, "{sort} {dir}: no repeats, got {seen:?}");
            // Back from the last page to the first: the same rows, page by page.
            let mut back = Vec::new();
            let mut previous = last.and_then(|p| p.href_of("#previous-page"));
            while let Some(path) = previous {
                let page = admin.get(&path).await;
                let mut rows = page.texts("#clients tbody tr td:nth-child(2)");
                rows.extend(back);
                back = rows;
                previous = page.href_of("#previous-page");
            }
            assert_eq!(back, seen[..4], "{sort} {dir}: the pages before the last");
        }
    }
}

#[actix_web::test]
async fn a_search_pages_through_its_hits_and_an_id_is_found_by_its_start() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let provider = id_of(&app, "providers", "name", "Main provider").to_string();
    for n in 0..7 {
        let phone = match n {
            0 => "4951234567",
            1 => "84951234567",
            _ => "",
        };
        let created = admin
            .submit(
                "/admin/clients/new",
                "/admin/clients",
                &[
                    ("email", &format!("novak{n}@example.com")),
                    ("name", &format!("Jan Novak {n}")),
                    ("kind", "person"),
                    ("phone", phone),
                    ("provider_ids", &provider),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            created.status,
            reqwest::StatusCode::SEE_OTHER,
            "{}",
            created.body
        );
    }
    let names = |page: &crate::helpers::Page| page.texts("#clients td.client-name");

    // Newest first, three to a page, each page reading on from the last.
    let (seen, pages) = walk_pages(&admin, "/admin/clients?q=novak&per=3".to_owned()).await;
    assert_eq!(pages, 3);
    assert_eq!(
        seen,
        (0..7)
            .rev()
            .map(|n| format!("Jan Novak {n}"))
            .collect::<Vec<_>>()
    );

    // A whole phone (or tax id, or email) finds the client it starts a word of; the page
    // says so and offers to look inside the numbers too.
    let whole = admin.get("/admin/clients?q=4951234567").await;
    assert_eq!(names(&whole), vec!["Jan Novak 0"]);
    assert!(
        whole
            .text_of("#word-start-notice")
            .contains("starts with “4951234567”")
    );
    let inside = whole
        .html()
        .select(&scraper::Selector::parse("#search-anywhere").unwrap())
        .next()
        .and_then(|a| a.value().attr("href").map(str::to_owned))
        .expect("a link to search inside words");
    let anywhere = admin.get(&inside).await;
    assert_eq!(names(&anywhere), vec!["Jan Novak 1", "Jan Novak 0"]);
    assert!(!anywhere.exists("#word-start-notice"));
    // When no word starts with it, the query is looked for anywhere.
    let middle = admin.get("/admin/clients?q=1234567").await;
    assert_eq!(names(&middle), vec!["Jan Novak 1", "Jan Novak 0"]);
    assert!(!middle.exists("#word-start-notice"));

    // Deleting a client takes its words out of the search.
    let gone = client_id_by_email(&app, "novak0@example.com");
    admin
        .submit(
            &format!("/admin/clients/{gone}/delete"),
            &format!("/admin/clients/{gone}/delete"),
            &[],
        )
        .await
        .assert_redirect("/admin/clients");
    assert_eq!(
        crate::helpers::count_rows(
            &mut app.conn(),
            &format!("client_search_terms WHERE client_id = {gone}")
        ),
        0
    );
    // No word starts with it now, so it is found inside the other number.
    assert_eq!(
        names(&admin.get("/admin/clients?q=4951234567").await),
        vec!["Jan Novak 1"]
    );
    // Filters still apply to the hits.
    assert_eq!(
        names(&admin.get("/admin/clients?q=novak&sort=name&per=3").await),
        vec!["Jan Novak 1", "Jan Novak 2", "Jan Novak 3"]
    );
}

#[actix_web::test]
async fn ticked_clients_are_disabled_enabled_messaged_and_exported_together() {
    let app = TestApp::spawn().await;
    for (email, name) in [
        ("ann@example.com", "Ann Lee"),
        ("bob@example.com", "Bob Marsh"),
        ("cy@example.com", "Cy Young"),
    ] {
        app.browser().register(email, name).await;
    }
    let (ann, bob) = (
        client_id_by_email(&app, "ann@example.com").to_string(),
        client_id_by_email(&app, "bob@example.com").to_string(),
    );
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let list = admin.get("/admin/clients?sort=name").await;
    assert!(list.exists("#bulk #bulk-disable") && list.exists("#bulk #bulk-message"));
    let back = "/admin/clients?sort=name";
    let ticked = |extra: &[(&'static str, &'static str)]| {
        let mut fields = vec![
            ("client_ids", ann.clone()),
            ("client_ids", bob.clone()),
            ("back", back.to_owned()),
        ];
        fields.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        fields
    };
    let submit = |action: &'static str, fields: Vec<(&'static str, String)>| {
        let admin = &admin;
        async move {
            let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            admin.submit("/admin/clients", action, &refs).await
        }
    };

    submit("/admin/clients/bulk/disable", ticked(&[]))
        .await
        .assert_redirect(back);
    let names = |page: &crate::helpers::Page| page.texts("#clients td.client-name");
    assert_eq!(
        names(&admin.get("/admin/clients?enabled=no&sort=name").await),
        ["Ann Lee Disabled", "Bob Marsh Disabled"]
    );
    submit(
        "/admin/clients/bulk/enable",
        vec![("client_ids", bob.clone()), ("back", back.to_owned())],
    )
    .await;
    assert_eq!(
        names(&admin.get("/admin/clients?enabled=no").await),
        ["Ann Lee Disabled"]
    );
    // Nothing ticked: nothing happens, and the list says why.
    submit(
        "/admin/clients/bulk/disable",
        vec![("back", back.to_owned())],
    )
    .await
    .assert_redirect(back);
    assert!(
        admin
            .get(back)
            .await
            .text_of(".alert")
            .contains("Tick the clients first")
    );

    // A message: written on a page of its own, refused at its field, then sent to each.
    let form = submit("/admin/clients/bulk/message", ticked(&[])).await;
    assert_eq!(form.text_of("h1"), "Message to 2 clients");
    assert!(form.text_of("#recipients").contains("Bob Marsh"));
    let wrong = submit(
        "/admin/clients/bulk/message",
        ticked(&[
            ("send", "1"),
            ("subject", ""),
            ("body", "Maintenance at 2 am."),
        ]),
    )
    .await;
    assert!(wrong.field_error("subject").contains("subject"));
    assert_eq!(wrong.input_value("subject").as_deref(), Some(""));
    assert!(
        wrong
            .text_of("textarea#body")
            .contains("Maintenance at 2 am.")
    );
    assert_eq!(app.count("messages"), 0);
    submit(
        "/admin/clients/bulk/message",
        ticked(&[
            ("send", "1"),
            ("subject", "Maintenance"),
            ("body", "At 2 am."),
        ]),
    )
    .await
    .assert_redirect(back);
    assert_eq!(app.count("messages"), 2);

    // The ticked ones as CSV.
    let csv = submit("/admin/clients/ticked.csv", ticked(&[])).await;
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 3, "{}", csv.body);
    assert!(!csv.body.contains("Cy Young"));
}

#[actix_web::test]
async fn hand_made_page_addresses_show_a_page_never_an_error() {
    let app = TestApp::spawn().await;
    app.browser().register("ann@example.com", "Ann Lee").await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    for path in [
        "/admin/clients?sort=registered&after_id=1&after=-10000-01-01T00:00:00",
        "/admin/clients?sort=registered&before_id=1&before=99999-01-01T00:00:00",
        "/admin/clients?sort=name&after_id=1&after=%00",
        "/admin/clients?sort=balance&before_id=1&before=abc",
        "/admin/clients?sort=sideways&dir=up&after_id=99999999999999999999",
        "/admin/clients?row=9223372036854775807&after_id=1",
        "/admin/clients?row=-5&before_id=2",
        "/admin/services?sort=paid_until&before_id=1&before=-1000000000000000000",
        "/admin/services?sort=paid_until&after_id=1&after=9223372036854775807",
        "/admin/services?sort=price&after_id=1&after=99999999999999999999",
        "/admin/payments?sort=amount&after_id=-5&after=x",
        "/admin/payments?sort=amount&before_id=1&before=-9223372036854775808",
        "/admin/expenses?sort=amount&dir=sideways&before_id=1&before=1",
        "/admin/search?q=%23-1",
        "/admin/search?q=99999999999999999999",
    ] {
        let page = admin.get(path).await;
        assert_eq!(
            page.status,
            StatusCode::OK,
            "{path}: {}",
            page.text_of("main")
        );
    }
}
