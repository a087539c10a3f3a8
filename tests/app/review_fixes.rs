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
    assert!(events.contains("client.register"), "{events}");
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
    assert!(events.contains("client.register"), "{events}");
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
    assert!(events.contains("client.register"), "{events}");
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
        .submit(
            "/client/users/new",
            "/client/users",
            &[
                ("name", "Manager"),
                ("email", "manager@example.com"),
                ("password", PASSWORD),
                ("enabled", "on"),
                ("sections", "users"),
            ],
        )
        .await
        .assert_redirect("/client/users");
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
    assert!(page.text_of("#latest-clients").contains("Ann Lee"));
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
