//! The authorization gaps and faults that a review of the code found, read as an attacker
//! would (issue 21). Each test failed before its fix.

use reqwest::StatusCode;

use crate::helpers::{Browser, PASSWORD, TestApp, client_id_by_email, id_of};

/// An employee in no department with these personal grants, signed in.
async fn employee_with(app: &TestApp, admin: &Browser, email: &str, grants: &[&str]) -> Browser {
    let id = admin.create_employee(app, email, email, &[]).await;
    admin.grant("employees", id, grants).await;
    let browser = app.browser();
    browser
        .sign_in_to_admin(email, PASSWORD)
        .await
        .assert_redirect("/admin");
    browser
}

async fn open_ticket(client: &Browser, app: &TestApp, department: &str, subject: &str) {
    let department = id_of(app, "departments", "name", department).to_string();
    client
        .submit(
            "/client/tickets/new",
            "/client/tickets",
            &[
                ("department_id", &department),
                ("subject", subject),
                ("body", "Please help."),
            ],
        )
        .await
        .assert_redirect(&format!(
            "/client/tickets/{}",
            id_of(app, "tickets", "subject", subject)
        ));
}

#[actix_web::test]
async fn the_cards_audit_tab_needs_audit_view_and_shows_only_sections_the_viewer_sees() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    let client = client_id_by_email(&app, "ann@example.com");
    open_ticket(&ann, &app, "Technical support", "Secret server trouble").await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let card = format!("/admin/clients/{client}?tab=audit");

    // The administrator sees everything: the registration and the ticket.
    let events = admin.get(&card).await.text_of("#client-events");
    assert!(events.contains("Registered"), "{events}");
    assert!(events.contains("Secret server trouble"), "{events}");

    // Viewing clients alone shows no audit at all, not even the tab.
    let viewer = employee_with(&app, &admin, "viewer@example.com", &["clients.view"]).await;
    let page = viewer.get(&card).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.exists("#client-events"), "{}", page.body);
    assert!(!page.text_of("#card-tabs").contains("Audit"));
    assert!(!page.body.contains("Secret server trouble"));

    // With the audit log but not support, the client's events show, its tickets do not.
    let auditor = employee_with(
        &app,
        &admin,
        "auditor@example.com",
        &["clients.view", "audit.view"],
    )
    .await;
    let events = auditor.get(&card).await.text_of("#client-events");
    assert!(events.contains("Registered"), "{events}");
    assert!(!events.contains("Secret server trouble"), "{events}");

    // Support of another department does not open this department's tickets either.
    let sales = id_of(&app, "departments", "name", "Sales");
    let clerk = admin
        .create_employee(&app, "Sales clerk", "sales@example.com", &[sales])
        .await;
    admin
        .grant(
            "employees",
            clerk,
            &["clients.view", "audit.view", "support.view"],
        )
        .await;
    let sales_clerk = app.browser();
    sales_clerk
        .sign_in_to_admin("sales@example.com", PASSWORD)
        .await;
    let events = sales_clerk.get(&card).await.text_of("#client-events");
    assert!(events.contains("Registered"), "{events}");
    assert!(!events.contains("Secret server trouble"), "{events}");
}

#[actix_web::test]
async fn staff_edit_cannot_join_a_department_to_read_its_tickets() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let sales = id_of(&app, "departments", "name", "Sales");
    let tech = id_of(&app, "departments", "name", "Technical support");
    // Both departments read tickets; the editor holds every permission they carry.
    for department in [sales, tech] {
        admin
            .grant("departments", department, &["support.view"])
            .await;
    }
    let editor_id = admin
        .create_employee(&app, "Editor", "editor@example.com", &[sales])
        .await;
    admin
        .grant("employees", editor_id, &["staff.edit", "support.view"])
        .await;
    let editor = app.browser();
    editor
        .sign_in_to_admin("editor@example.com", PASSWORD)
        .await;

    // Through its own employee form...
    let path = format!("/admin/employees/{editor_id}");
    let sales_id = sales.to_string();
    let tech_id = tech.to_string();
    let page = editor
        .submit(
            &path,
            &path,
            &[
                ("name", "Editor"),
                ("email", "editor@example.com"),
                ("enabled", "on"),
                ("department_ids", &sales_id),
                ("department_ids", &tech_id),
            ],
        )
        .await;
    assert!(
        page.text_of("#department_ids-error")
            .contains("whose tickets you read"),
        "{}",
        page.body
    );
    // ...or through the department's members.
    let path = format!("/admin/departments/{tech}");
    let editor_text = editor_id.to_string();
    let page = editor
        .submit(
            &path,
            &path,
            &[
                ("name", "Technical support"),
                ("time_zone", "UTC"),
                ("response_hours", "8"),
                ("member_ids", &editor_text),
            ],
        )
        .await;
    assert!(
        page.text_of("#member_ids-error")
            .contains("only someone who reads them"),
        "{}",
        page.body
    );
    assert_eq!(
        crate::helpers::count_rows(
            &mut app.conn(),
            &format!("department_members WHERE department_id = {tech}")
        ),
        0
    );
    // The administrator may.
    let path = format!("/admin/employees/{editor_id}");
    admin
        .submit(
            &path,
            &path,
            &[
                ("name", "Editor"),
                ("email", "editor@example.com"),
                ("enabled", "on"),
                ("department_ids", &sales_id),
                ("department_ids", &tech_id),
            ],
        )
        .await
        .assert_redirect("/admin/employees");
}

#[actix_web::test]
async fn only_the_owner_edits_the_owner() {
    let app = TestApp::spawn().await;
    let owner = app.browser();
    owner.register("ann@example.com", "Ann").await;
    owner
        .add_user("Manager", "manager@example.com", &["users"])
        .await;
    let manager = app.browser();
    manager
        .sign_in_as_client("manager@example.com", PASSWORD)
        .await;
    let owner_id = id_of(&app, "users", "email", "ann@example.com");
    let path = format!("/client/users/{owner_id}");
    let page = manager
        .submit(
            &path,
            &path,
            &[
                ("name", "Not Ann any more"),
                ("email", "ann@example.com"),
                ("enabled", "on"),
            ],
        )
        .await;
    assert!(
        page.field_error("name").contains("Only the owner"),
        "{}",
        page.body
    );
    assert_eq!(
        page.input_value("name").as_deref(),
        Some("Not Ann any more")
    );
    id_of(&app, "users", "name", "Ann");
    // The owner renames itself.
    owner
        .submit(
            &path,
            &path,
            &[
                ("name", "Ann Lee"),
                ("email", "ann@example.com"),
                ("enabled", "on"),
            ],
        )
        .await
        .assert_redirect("/client/users");
    id_of(&app, "users", "name", "Ann Lee");
}

#[actix_web::test]
async fn changing_ones_own_password_or_email_asks_for_the_current_password() {
    let app = TestApp::spawn().await;
    let owner = app.browser();
    owner.register("ann@example.com", "Ann").await;
    let me = id_of(&app, "users", "email", "ann@example.com");
    let path = format!("/client/users/{me}");
    let form = owner.get(&path).await;
    assert!(form.exists("input[name=current_password]"));
    for (typed, message) in [
        ("", "Enter your current password"),
        ("wrong password 1", "not your current password"),
    ] {
        let page = owner
            .submit(
                &path,
                &path,
                &[
                    ("name", "Ann"),
                    ("email", "ann@example.com"),
                    ("password", "a new password 1"),
                    ("current_password", typed),
                    ("enabled", "on"),
                ],
            )
            .await;
        assert!(
            page.field_error("current_password").contains(message),
            "{}",
            page.body
        );
    }
    // The old password still works: nothing changed.
    app.browser()
        .sign_in_as_client("ann@example.com", PASSWORD)
        .await
        .assert_redirect("/client");
    owner
        .submit(
            &path,
            &path,
            &[
                ("name", "Ann"),
                ("email", "ann@example.com"),
                ("password", "a new password 1"),
                ("current_password", PASSWORD),
                ("enabled", "on"),
            ],
        )
        .await
        .assert_redirect("/client/users");
    app.browser()
        .sign_in_as_client("ann@example.com", "a new password 1")
        .await
        .assert_redirect("/client");

    // The same in the admin area, on one's own employee form.
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let admin_id = id_of(&app, "employees", "email", crate::helpers::ADMIN_EMAIL);
    let path = format!("/admin/employees/{admin_id}");
    assert!(
        admin
            .get(&path)
            .await
            .exists("input[name=current_password]")
    );
    let page = admin
        .submit(
            &path,
            &path,
            &[
                ("name", "Administrator"),
                ("email", crate::helpers::ADMIN_EMAIL),
                ("password", "taken over now 1"),
                ("enabled", "on"),
                ("is_superuser", "on"),
            ],
        )
        .await;
    assert!(
        page.field_error("current_password")
            .contains("Enter your current password"),
        "{}",
        page.body
    );
    let page = admin
        .submit(
            &path,
            &path,
            &[
                ("name", "Administrator"),
                ("email", "boss@example.com"),
                ("current_password", "wrong"),
                ("enabled", "on"),
                ("is_superuser", "on"),
            ],
        )
        .await;
    assert!(page.field_error("current_password").contains("not your"));
    app.browser().sign_in_as_admin().await;
    // Another employee's password is set without it, as before.
    let other = admin
        .create_employee(&app, "Other", "other@example.com", &[])
        .await;
    let path = format!("/admin/employees/{other}");
    assert!(
        !admin
            .get(&path)
            .await
            .exists("input[name=current_password]")
    );
    admin
        .submit(
            &path,
            &path,
            &[
                ("name", "Other"),
                ("email", "other@example.com"),
                ("password", "handed over 1"),
                ("enabled", "on"),
            ],
        )
        .await
        .assert_redirect("/admin/employees");
}

#[actix_web::test]
async fn canned_replies_are_scoped_to_their_owner_and_departments() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let sales = id_of(&app, "departments", "name", "Sales");
    let tech = id_of(&app, "departments", "name", "Technical support");
    let anna = admin
        .create_employee(&app, "Anna", "anna@example.com", &[sales])
        .await;
    let boris = admin
        .create_employee(&app, "Boris", "boris@example.com", &[tech])
        .await;
    for id in [anna, boris] {
        admin
            .grant("employees", id, &["support.view", "support.canned"])
            .await;
    }
    let sign_in = |email: &'static str| {
        let browser = app.browser();
        async move {
            browser.sign_in_to_admin(email, PASSWORD).await;
            browser
        }
    };
    let anna = sign_in("anna@example.com").await;
    let boris = sign_in("boris@example.com").await;
    let sales_scope = format!("department:{sales}");
    for (title, scope) in [
        ("Anna's own", "me"),
        ("For sales", sales_scope.as_str()),
        ("For everyone", "all"),
    ] {
        anna.submit(
            "/admin/canned-replies",
            "/admin/canned-replies",
            &[("title", title), ("body", "Text."), ("scope", scope)],
        )
        .await
        .assert_redirect("/admin/canned-replies");
    }
    let listed = boris.get("/admin/canned-replies").await.body;
    assert!(listed.contains("For everyone"));
    assert!(!listed.contains("Anna&#x27;s own") && !listed.contains("Anna's own"));
    assert!(!listed.contains("For sales"));
    // Boris cannot delete them by id, nor address a reply to Sales.
    for title in ["Anna's own", "For sales"] {
        let id = id_of(&app, "canned_replies", "title", title);
        let page = boris
            .submit(
                "/admin/canned-replies",
                &format!("/admin/canned-replies/{id}/delete"),
                &[],
            )
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{title}");
    }
    assert_eq!(app.count("canned_replies"), 3);
    let page = boris
        .submit(
            "/admin/canned-replies",
            "/admin/canned-replies",
            &[("title", "Sneaky"), ("body", "x"), ("scope", &sales_scope)],
        )
        .await;
    assert!(page.field_error("scope").contains("from the list"));
    assert_eq!(app.count("canned_replies"), 3);
    // Anna sees and manages all three.
    let listed = anna.get("/admin/canned-replies").await.body;
    assert!(listed.contains("For sales") && listed.contains("own"));
}

#[actix_web::test]
async fn the_dashboard_shows_clients_only_to_who_may_see_them() {
    let app = TestApp::spawn().await;
    app.browser().register("ann@example.com", "Ann Lee").await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let page = admin.get("/admin").await;
    assert!(page.text_of("#recent-activity").contains("Ann Lee"));
    let support = employee_with(&app, &admin, "support@example.com", &["support.view"]).await;
    let page = support.get("/admin").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("Ann Lee"), "{}", page.body);
    assert!(!page.exists("#clients-total"));
}

#[actix_web::test]
async fn a_client_with_only_an_unpaid_order_is_refused_deletion_with_a_message() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let vps = crate::helpers::tariff(&app, &admin, "VPS", &[("price_1", "100")]).await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    let client = client_id_by_email(&app, "ann@example.com");
    // Nothing on the account: the order waits for money.
    let service = crate::services::service_in(&crate::services::order(&ann, vps, 1).await);
    assert_eq!(crate::services::status_of(&app, service), "ordered");

    let card = format!("/admin/clients/{client}");
    let page = admin
        .submit(&format!("{card}/delete"), &format!("{card}/delete"), &[])
        .await;
    assert_ne!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        page.text_of("#delete-error").contains("ordered services"),
        "{}",
        page.body
    );
    assert_eq!(app.count("clients"), 1);

    // Unticking the provider that holds the order is refused the same way.
    let eur = id_of(&app, "currencies", "code", "EUR").to_string();
    admin
        .submit(
            "/admin/providers/new",
            "/admin/providers",
            &[
                ("name", "Second"),
                ("currency_id", &eur),
                ("time_zone", "UTC"),
            ],
        )
        .await
        .assert_redirect("/admin/providers");
    let second = id_of(&app, "providers", "name", "Second").to_string();
    let page = admin
        .submit(
            &format!("{card}/edit"),
            &card,
            &[
                ("email", "ann@example.com"),
                ("name", "Ann"),
                ("kind", "person"),
                ("provider_ids", &second),
            ],
        )
        .await;
    assert_ne!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        page.text_of("#provider_ids-error").contains("services"),
        "{}",
        page.body
    );
    assert_eq!(crate::services::status_of(&app, service), "ordered");
}

#[actix_web::test]
async fn dates_outside_1900_to_2200_are_refused_everywhere_with_a_message() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    for list in ["/admin/payments", "/admin/expenses"] {
        for (field, value) in [("until", "+262143-12-31"), ("from", "9999-12-31")] {
            let page = admin.get(&format!("{list}?{field}={value}")).await;
            assert_eq!(page.status, StatusCode::OK, "{list} {field}={value}");
            assert!(
                page.field_error(field).contains("YYYY-MM-DD")
                    || page.field_error(field).contains("between 1900 and 2200"),
                "{list}: {}",
                page.field_error(field)
            );
        }
    }
    let page = admin.get("/admin/audit?to=+262143-12-31").await;
    assert_eq!(page.status, StatusCode::OK);

    // The paid-until of a service and the day a payment arrived.
    let vps = crate::helpers::tariff(&app, &admin, "VPS", &[("price_1", "100")]).await;
    let (ann, client, payer) = crate::payments::client_with_payer(&app, "ann@example.com").await;
    let account = crate::payments::account_of(&app, client);
    crate::payments::record(&admin, client, account, payer, "100", "k-1").await;
    let service = crate::services::service_in(&crate::services::order(&ann, vps, 1).await);
    let page = format!("/admin/services/{service}");
    let before = admin.get(&page).await.input_value("paid_until");
    let answer = admin
        .submit(
            &page,
            &format!("{page}/paid-until"),
            &[("paid_until", "9999-12-31"), ("reason", "typo")],
        )
        .await;
    answer.assert_redirect(&page);
    let shown = admin.get(&page).await;
    assert!(
        shown.body.contains("between 1900 and 2200"),
        "{}",
        shown.body
    );
    assert_eq!(shown.input_value("paid_until"), before);

    let card = format!("/admin/clients/{client}?tab=payments");
    let payments = app.count("payments");
    let page = admin
        .submit(
            &card,
            &format!("/admin/clients/{client}/payments"),
            &[
                ("account_id", &account.to_string()),
                ("payer_id", &payer.to_string()),
                ("amount", "5"),
                ("paid_on", "1000-01-01"),
                ("idempotency_key", "k-2"),
            ],
        )
        .await;
    assert!(
        page.field_error("paid_on")
            .contains("between 1900 and 2200"),
        "{}",
        page.body
    );
    assert_eq!(app.count("payments"), payments);
}

#[actix_web::test]
async fn opening_a_message_or_a_ticket_by_get_leaves_it_unread() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    let client = client_id_by_email(&app, "ann@example.com");
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    admin
        .submit(
            &format!("/admin/clients/{client}?tab=messages"),
            &format!("/admin/clients/{client}/messages"),
            &[("subject", "Hello"), ("body", "Text")],
        )
        .await;
    open_ticket(&ann, &app, "Technical support", "Help me").await;
    let ticket = id_of(&app, "tickets", "subject", "Help me");
    admin
        .submit(
            &format!("/admin/tickets/{ticket}"),
            &format!("/admin/tickets/{ticket}/reply"),
            &[("body", "We are on it.")],
        )
        .await;
    let message = id_of(&app, "messages", "subject", "Hello");
    // What a cross-site image would do: a GET with the client's cookies.
    ann.get(&format!("/client/messages/{message}")).await;
    ann.get(&format!("/client/tickets/{ticket}")).await;
    let menu = ann.get("/client").await;
    assert_eq!(menu.text_of("#unread-messages"), "1");
    let badges = menu.texts("#bp-client-menu .menu-badge");
    assert_eq!(badges, ["1", "1"], "messages and the ticket reply stay new");
    // A POST without the form's token is refused and changes nothing either.
    let page = ann
        .post_raw(&format!("/client/tickets/{ticket}/seen"), &[])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // The page's own POST marks them.
    let path = format!("/client/tickets/{ticket}");
    ann.submit(&path, &format!("{path}/seen"), &[])
        .await
        .assert_redirect(&path);
    let path = format!("/client/messages/{message}");
    ann.submit(&path, &format!("{path}/read"), &[])
        .await
        .assert_redirect(&path);
    assert!(
        ann.get("/client")
            .await
            .texts("#bp-client-menu .menu-badge")
            .is_empty()
    );
}

#[actix_web::test]
async fn a_forms_key_works_only_for_the_client_and_account_it_was_made_for() {
    use crate::payments::{account_of, client_with_payer, record};
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let (_ann, ann_client, ann_payer) = client_with_payer(&app, "ann@example.com").await;
    let (bob, bob_client, bob_payer) = client_with_payer(&app, "bob@example.com").await;
    let ann_account = account_of(&app, ann_client);
    let bob_account = account_of(&app, bob_client);
    record(&admin, ann_client, ann_account, ann_payer, "100", "ann-key")
        .await
        .assert_redirect(&format!("/admin/clients/{ann_client}?tab=payments"));

    // Ann's key on a payment for Bob: refused, neither Ann's payment nor a new one.
    let page = record(&admin, bob_client, bob_account, bob_payer, "100", "ann-key").await;
    assert!(
        page.field_error("amount").contains("stale"),
        "{}",
        page.body
    );
    assert_eq!(app.count("payments"), 1);
    assert_eq!(crate::services::balance(&app, bob_account), 0);

    // Bob's top-up with Ann's key: refused the same way.
    let method = crate::helpers::payment_method(&app, &admin, "Bank", "bank_transfer", &[]).await;
    let method = method.to_string();
    let page = bob
        .submit(
            "/client/payments/new",
            "/client/payments",
            &[
                ("account_id", &bob_account.to_string()),
                ("payer_id", &bob_payer.to_string()),
                ("method_id", &method),
                ("amount", "10"),
                ("idempotency_key", "ann-key"),
            ],
        )
        .await;
    assert!(page.body.contains("The form is stale"), "{}", page.body);
    assert_eq!(app.count("payments"), 1);

    // An order with another client's order key: refused, not a 500.
    let vps = crate::helpers::tariff(&app, &admin, "VPS", &[("price_1", "10")]).await;
    let ann = app.browser();
    ann.sign_in_as_client("ann@example.com", PASSWORD).await;
    crate::services::order(&ann, vps, 1).await;
    let ann_key: String = {
        #[derive(diesel::QueryableByName)]
        struct Key {
            #[diesel(sql_type = diesel::sql_types::Text)]
            order_key: String,
        }
        diesel::RunQueryDsl::get_result::<Key>(
            diesel::sql_query("SELECT order_key FROM services"),
            &mut app.conn(),
        )
        .unwrap()
        .order_key
    };
    let choice = format!("{vps}:1");
    let page = bob
        .submit(
            "/client/order",
            "/client/order",
            &[("choice", &choice), ("order_key", &ann_key)],
        )
        .await;
    assert_ne!(
        page.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        page.body
    );
    assert!(page.body.contains("The form is stale"), "{}", page.body);
    assert_eq!(app.count("services"), 1);

    // A refund of Bob's payment with the key of Ann's refund: refused, not "done".
    record(&admin, bob_client, bob_account, bob_payer, "50", "bob-key").await;
    let ann_payment = id_of(&app, "payments", "idempotency_key", "ann-key");
    let bob_payment = id_of(&app, "payments", "idempotency_key", "bob-key");
    let page = format!("/admin/payments/{ann_payment}");
    admin
        .submit(
            &page,
            &format!("{page}/refund"),
            &[("amount", "1"), ("idempotency_key", "refund-key")],
        )
        .await
        .assert_redirect(&page);
    let page = format!("/admin/payments/{bob_payment}");
    let answer = admin
        .submit(
            &page,
            &format!("{page}/refund"),
            &[("amount", "1"), ("idempotency_key", "refund-key")],
        )
        .await;
    assert!(
        answer.field_error("amount").contains("stale"),
        "{}",
        answer.body
    );
    assert_eq!(crate::services::balance(&app, bob_account), 5_000);
}

#[actix_web::test]
async fn a_duplicate_submission_is_answered_only_after_the_original_is_on_disk() {
    use crate::payments::{account_of, client_with_payer};
    let app = TestApp::spawn().await;
    if app.engine() != billpanel::db::Engine::Sqlite {
        // PostgreSQL shows a commit to others only once it is flushed.
        return;
    }
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let (_ann, client, payer) = client_with_payer(&app, "ann@example.com").await;
    let account = account_of(&app, client).to_string();
    let payer = payer.to_string();
    let card = format!("/admin/clients/{client}?tab=payments");
    let token = admin.get(&card).await.input_value("csrf_token").unwrap();
    let action = format!("/admin/clients/{client}/payments");
    let fields = [
        ("csrf_token", token.as_str()),
        ("account_id", account.as_str()),
        ("payer_id", payer.as_str()),
        ("amount", "10"),
        ("idempotency_key", "double-click"),
    ];
    // Every flush of the log now takes 1.5 s, as on a slow disk.
    billpanel::db::sqlite_writer::delay_flushes(
        &mut app.conn(),
        std::time::Duration::from_millis(1500),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let original = async {
        let page = admin.post_raw(&action, &fields).await;
        (page, started.elapsed())
    };
    let duplicate = async {
        // The second click comes while the first payment is committed but not yet flushed.
        actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
        let page = admin.post_raw(&action, &fields).await;
        (page, started.elapsed())
    };
    let ((first, first_at), (second, second_at)) =
        futures_util::future::join(original, duplicate).await;
    billpanel::db::sqlite_writer::delay_flushes(&mut app.conn(), std::time::Duration::ZERO)
        .unwrap();
    first.assert_redirect(&card);
    second.assert_redirect(&card);
    assert_eq!(app.count("payments"), 1);
    assert!(
        second_at >= first_at,
        "the duplicate was answered at {second_at:?}, before the original ({first_at:?}) was on disk"
    );
}

#[actix_web::test]
async fn control_characters_are_refused_at_the_field_on_both_engines() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let provider = id_of(&app, "providers", "name", "Main provider").to_string();

    // A client's name, from the admin's form.
    let page = admin
        .submit(
            "/admin/clients/new",
            "/admin/clients",
            &[
                ("email", "nul@example.com"),
                ("name", "Evil\u{0}Corp"),
                ("kind", "person"),
                ("provider_ids", &provider),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.field_error("name").contains("control characters"));
    assert_eq!(app.count("clients"), 0);

    // A product type.
    let page = admin
        .submit(
            "/admin/catalog",
            "/admin/catalog/types",
            &[("type_name", "VPS\u{1b}[31m")],
        )
        .await;
    assert!(page.field_error("type_name").contains("control characters"));
    assert_eq!(app.count("product_types"), 0);

    // A payer and a ticket subject, from the client area.
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    let page = ann
        .submit(
            "/client/payers/new",
            "/client/payers",
            &[
                ("kind", "individual"),
                ("name", "Ann\u{0}Lee"),
                ("email", "ann@example.com"),
                ("phone", "+49 1"),
                // An address keeps its line breaks, as the browser sends them.
                ("postal_address", "Main street 1\r\nBerlin"),
            ],
        )
        .await;
    assert!(page.field_error("name").contains("control characters"));
    assert!(page.field_error("postal_address").is_empty());
    assert_eq!(app.count("payers"), 0);
    ann.submit(
        "/client/payers/new",
        "/client/payers",
        &[
            ("kind", "individual"),
            ("name", "Ann Lee"),
            ("email", "ann@example.com"),
            ("phone", "+49 1"),
            ("postal_address", "Main street 1\r\nBerlin"),
        ],
    )
    .await
    .assert_redirect("/client/payers");
    id_of(&app, "payers", "postal_address", "Main street 1\nBerlin");
    let department = id_of(&app, "departments", "name", "Technical support").to_string();
    let page = ann
        .submit(
            "/client/tickets/new",
            "/client/tickets",
            &[
                ("department_id", &department),
                ("subject", "Down\u{0}"),
                ("body", "Line one\r\nline two\u{7}"),
            ],
        )
        .await;
    assert!(page.field_error("subject").contains("control characters"));
    assert!(page.field_error("body").contains("control characters"));
    assert_eq!(app.count("tickets"), 0);

    // The sign-in email: told, not stored in the throttle or the audit log.
    let throttles = app.count("sign_in_throttles");
    let page = app
        .browser()
        .sign_in_as_client("ann\u{0}@example.com", "whatever it is")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("control characters"), "{}", page.body);
    assert_eq!(app.count("sign_in_throttles"), throttles);
    let page = app
        .browser()
        .sign_in_to_admin("admin\u{0}@example.com", "whatever it is")
        .await;
    assert!(page.body.contains("control characters"));

    // A search.
    let page = admin.get("/admin/clients?q=a%00b").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text_of("#search-notice")
            .contains("control characters")
    );
}

#[actix_web::test]
async fn inviting_a_user_answers_alike_whether_or_not_the_address_has_a_sign_in() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    let bob = app.browser();
    bob.register("bob@example.com", "Bob").await;
    let invite = |email: &'static str| {
        let ann = &ann;
        async move {
            ann.submit(
                "/client/users/new",
                "/client/users",
                &[
                    ("name", "Colleague"),
                    ("email", email),
                    ("sections", "support"),
                ],
            )
            .await
        }
    };
    // Bob's address has a sign-in; carol's has none: Ann sees the same answer for both.
    let taken = invite("bob@example.com").await;
    let fresh = invite("carol@example.com").await;
    taken.assert_redirect("/client/users");
    fresh.assert_redirect("/client/users");
    let listed = ann
        .get("/client/users")
        .await
        .texts("#invitations tbody tr");
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed.iter().all(|r| r.contains("Colleague")));
    // The mails differ, but only the addresses' owners read them.
    let to_bob =
        billpanel::db::models::OutboxMail::to_recipient(&mut app.conn(), "bob@example.com")
            .unwrap();
    assert!(to_bob[0].body.contains("has a sign-in already"));
    assert!(!to_bob[0].body.contains("token="));

    // Carol accepts: she chooses her password, is signed in, and has the section given.
    let link = ann.link_mailed_to("carol@example.com", "/invitation?token=");
    let carol = app.browser();
    let page = carol.get(&link).await;
    assert!(page.body.contains("Ann"), "the client is named");
    assert_eq!(app.count("users"), 2, "opening the link makes nothing");
    let token = crate::helpers::token_of(&link);
    let short = carol
        .submit(
            &link,
            "/invitation",
            &[
                ("token", token),
                ("name", "Carol"),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert!(short.field_error("password").contains("at least 10"));
    carol
        .submit(
            &link,
            "/invitation",
            &[
                ("token", token),
                ("name", "Carol"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await
        .assert_redirect("/client");
    let menu = carol.get("/client").await.text_of("#bp-client-menu");
    assert!(
        menu.contains("Support") && !menu.contains("Payers"),
        "{menu}"
    );
    // The link works once.
    let again = app.browser();
    let page = again
        .submit(
            "/login",
            "/invitation",
            &[
                ("token", token),
                ("name", "Mallory"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text_of("#invitation-error").contains("used already"));
    assert_eq!(app.count("users"), 3);

    // The invitation of Bob's address is withdrawn by Ann; Bob cannot withdraw Ann's.
    let open = id_of(&app, "user_invitations", "email", "bob@example.com");
    let page = bob
        .submit(
            "/client/users",
            &format!("/client/invitations/{open}/cancel"),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    ann.submit(
        "/client/users",
        &format!("/client/invitations/{open}/cancel"),
        &[],
    )
    .await
    .assert_redirect("/client/users");
    assert!(
        ann.get("/client/users")
            .await
            .texts("#invitations tbody tr")
            .is_empty()
    );
}
