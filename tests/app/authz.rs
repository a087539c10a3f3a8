//! Every admin route, walked with every kind of person: anonymous (sent to sign in), a client
//! user (403), an employee with every permission but the route's (403), an employee with
//! only the route's permission (allowed), and the administrator (allowed).

use billpanel::domain::permissions;
use billpanel::web::admin::{AdminRoute, ROUTES};
use reqwest::StatusCode;

use crate::helpers::{Browser, PASSWORD, TestApp, id_of};

/// The route's path with `{id}` replaced by a row that exists.
fn concrete(route: &AdminRoute, ids: &Ids) -> String {
    let path = format!("/admin{}", route.path);
    let id = if path.starts_with("/admin/providers/") {
        ids.provider
    } else if path.starts_with("/admin/companies/") {
        ids.company
    } else if path.starts_with("/admin/currencies/") {
        ids.currency
    } else if path.starts_with("/admin/departments/") {
        ids.department
    } else if path.starts_with("/admin/employees/") {
        ids.employee
    } else if path.starts_with("/admin/clients/") {
        ids.client
    } else if path.starts_with("/admin/client-groups/") && path.contains("{id}") {
        ids.group
    } else if path.starts_with("/admin/tickets/") {
        ids.ticket
    } else if path.starts_with("/admin/canned-replies/") {
        ids.canned
    } else if path.starts_with("/admin/catalog/tariffs/") && path.contains("{id}") {
        ids.tariff
    } else if path.starts_with("/admin/services/") {
        ids.service
    } else if path.starts_with("/admin/payments/") {
        ids.payment
    } else if path.starts_with("/admin/payment-methods/") && path.contains("{id}") {
        ids.method
    } else if path.starts_with("/admin/documents/") && path.contains("{id}") {
        ids.document
    } else if path.starts_with("/admin/outbox/") {
        ids.mail
    } else if path.starts_with("/admin/mailings/") && path.contains("{id}") {
        ids.mailing
    } else if path.starts_with("/admin/mail-templates/") {
        return path
            .replace("{notice}", "payment_received")
            .replace("{language}", "ru");
    } else {
        assert!(
            !path.contains('{'),
            "no id known for {path}: add it to the authorization test"
        );
        0
    };
    path.replace("{id}", &id.to_string())
        .replace("{client_id}", &ids.client.to_string())
}

struct Ids {
    provider: i64,
    company: i64,
    currency: i64,
    department: i64,
    /// An employee nobody signs in as, so posting its forms changes no one's session here.
    employee: i64,
    /// A client nobody here signs in as, with money on its account so it cannot be deleted.
    client: i64,
    /// A group with that client in it, so it cannot be deleted either.
    group: i64,
    /// A ticket of that client, in the Technical support department.
    ticket: i64,
    /// A canned reply; routes that delete one get a fresh one for each call.
    canned: i64,
    /// A tariff of the main provider.
    tariff: i64,
    /// An active service of the target client.
    service: i64,
    /// A bank transfer payment method of the main provider.
    method: i64,
    /// A new bank transfer of the target client.
    payment: i64,
    /// A bill of the target client, made directly.
    document: i64,
    /// A message in the outbox (the target client's sign-up mail).
    mail: i64,
    /// A mailing, made directly.
    mailing: i64,
}

/// Allowed: a page (200), or a form's answer that is not a trip to the sign-in page.
fn allowed(status: StatusCode, location: &Option<String>) -> bool {
    status == StatusCode::OK
        || (status == StatusCode::SEE_OTHER
            && !location
                .as_deref()
                .unwrap_or("/admin/login")
                .starts_with("/admin/login"))
}

/// A request as the browser of that person makes it, with a valid CSRF token for posts.
async fn call(
    browser: &Browser,
    token_page: &str,
    route: &AdminRoute,
    path: &str,
) -> (StatusCode, Option<String>) {
    let page = match route.method {
        "get" => browser.get(path).await,
        "post" => browser.submit(token_page, path, &[]).await,
        other => panic!("method {other} is not covered by the authorization test"),
    };
    (page.status, page.location)
}

/// A client nobody here signs in as, with money on its account so it cannot be deleted.
async fn target_client(app: &TestApp) -> i64 {
    app.browser()
        .register("target-client@example.com", "Target client")
        .await;
    let client = crate::helpers::client_id_by_email(app, "target-client@example.com");
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "UPDATE accounts SET balance = 100 WHERE client_id = {client}"
        )),
        &mut app.conn(),
    )
    .unwrap();
    client
}

/// After "log in as client", the browser works in the client area: go back to admin.
async fn return_from_client_area(browser: &Browser, location: &Option<String>) {
    if location.as_deref() == Some("/client") {
        browser
            .submit("/client", "/client/impersonation/stop", &[])
            .await;
    }
}

/// A client group with the target client in it, and another client that no route removes,
/// so the group can never be deleted under the walk.
async fn target_group(app: &TestApp, client: i64) -> i64 {
    app.browser()
        .register("group-member@example.com", "Group member")
        .await;
    let other = crate::helpers::client_id_by_email(app, "group-member@example.com");
    diesel::RunQueryDsl::execute(
        diesel::sql_query(
            "INSERT INTO client_groups (name, description, discount_bp, created_at) VALUES ('Target group', '', 0, CURRENT_TIMESTAMP)",
        ),
        &mut app.conn(),
    )
    .unwrap();
    let group = id_of(app, "client_groups", "name", "Target group");
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "INSERT INTO client_group_members (client_group_id, client_id) \
             SELECT {group}, id FROM clients WHERE id IN ({client}, {other})"
        )),
        &mut app.conn(),
    )
    .unwrap();
    group
}

/// A ticket of the client, addressed to Technical support.
fn target_ticket(app: &TestApp, client: i64) -> i64 {
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "INSERT INTO tickets (client_id, department_id, subject, status, client_unread, created_at, updated_at) \
             SELECT {client}, id, 'Target ticket', 'waiting_provider', FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP \
             FROM departments WHERE name = 'Technical support'"
        )),
        &mut app.conn(),
    )
    .unwrap();
    id_of(app, "tickets", "subject", "Target ticket")
}

/// A tariff of the main provider, made directly.
fn target_tariff(app: &TestApp) -> i64 {
    diesel::RunQueryDsl::execute(
        diesel::sql_query(
            "INSERT INTO product_types (name, created_at) VALUES ('Hosting', CURRENT_TIMESTAMP)",
        ),
        &mut app.conn(),
    )
    .unwrap();
    diesel::RunQueryDsl::execute(
        diesel::sql_query(
            "INSERT INTO tariffs (provider_id, product_type_id, name, price_1, setup_fee, orderable, created_at) \
             SELECT p.id, t.id, 'Target tariff', 100, 0, TRUE, CURRENT_TIMESTAMP FROM providers p, product_types t",
        ),
        &mut app.conn(),
    )
    .unwrap();
    id_of(app, "tariffs", "name", "Target tariff")
}

/// An active service of the client on a tariff of its own, made directly.
pub fn target_service(app: &TestApp, client: i64, name: &str) -> i64 {
    for sql in [
        format!(
            "INSERT INTO product_types (name, created_at) VALUES ('{name} type', CURRENT_TIMESTAMP)"
        ),
        format!(
            "INSERT INTO tariffs (provider_id, product_type_id, name, price_1, setup_fee, orderable, created_at) \
             SELECT a.provider_id, t.id, '{name}', 100, 0, TRUE, CURRENT_TIMESTAMP \
             FROM accounts a, product_types t WHERE a.client_id = {client} AND t.name = '{name} type'"
        ),
        format!(
            "INSERT INTO services (client_id, account_id, tariff_id, period_months, price, order_cost, status, \
             auto_renew, anchor_at, paid_months, paid_until, order_key, created_at) \
             SELECT {client}, a.id, t.id, 1, 100, 100, 'active', TRUE, CURRENT_TIMESTAMP, 1, CURRENT_TIMESTAMP, \
             '{name}', CURRENT_TIMESTAMP FROM accounts a, tariffs t WHERE a.client_id = {client} AND t.name = '{name}'"
        ),
    ] {
        diesel::RunQueryDsl::execute(diesel::sql_query(sql), &mut app.conn()).unwrap();
    }
    id_of(app, "services", "order_key", name)
}

/// A bank transfer method for every provider, made directly.
pub fn target_method(app: &TestApp) -> i64 {
    for sql in [
        "INSERT INTO payment_methods (name, kind, company_id, currency_id, enabled, created_at) \
         SELECT 'Target method', 'bank_transfer', MIN(c.id), MIN(p.currency_id), TRUE, CURRENT_TIMESTAMP \
         FROM companies c, providers p"
            .to_string(),
        "INSERT INTO payment_method_providers (payment_method_id, provider_id) \
         SELECT m.id, p.id FROM payment_methods m, providers p WHERE m.name = 'Target method'"
            .to_string(),
    ] {
        diesel::RunQueryDsl::execute(diesel::sql_query(sql), &mut app.conn()).unwrap();
    }
    id_of(app, "payment_methods", "name", "Target method")
}

/// A new bank transfer of the client, made directly; `label` is its comment.
fn target_payment(app: &TestApp, client: i64, payer: i64, label: &str) -> i64 {
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "INSERT INTO payments (client_id, account_id, payer_id, method, amount, status, comment, created_at) \
             SELECT {client}, a.id, {payer}, 'bank_transfer', 1000, 'new', '{label}', CURRENT_TIMESTAMP \
             FROM accounts a WHERE a.client_id = {client}"
        )),
        &mut app.conn(),
    )
    .unwrap();
    id_of(app, "payments", "comment", label)
}

/// A bill of the client to its first payer, made directly.
fn target_document(app: &TestApp, client: i64, company: i64) -> i64 {
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "INSERT INTO documents (kind, number, year, sequence, company_id, payer_id, client_id, \
             currency_code, currency_exponent, issued_on, total, tax, status, company_snapshot, \
             payer_snapshot, created_at) \
             SELECT 'bill', 'INV-2026-999999', 2026, 999999, {company}, MIN(id), {client}, 'RUB', 2, \
             CURRENT_DATE, 1000, 0, 'issued', '{{\"legal_name\":\"My company\"}}', '{{}}', CURRENT_TIMESTAMP \
             FROM payers WHERE client_id = {client}"
        )),
        &mut app.conn(),
    )
    .unwrap();
    id_of(app, "documents", "number", "INV-2026-999999")
}

/// A canned reply for everyone, made directly.
fn fresh_canned(app: &TestApp, n: usize) -> i64 {
    let title = format!("Canned {n}");
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "INSERT INTO canned_replies (title, body, created_at) VALUES ('{title}', 'Text', CURRENT_TIMESTAMP)"
        )),
        &mut app.conn(),
    )
    .unwrap();
    id_of(app, "canned_replies", "title", &title)
}

/// The route's path for one call: routes that delete a canned reply get a fresh one.
fn path_for_call(app: &TestApp, route: &AdminRoute, path: &str, n: usize) -> String {
    if route.path == "/canned-replies/{id}/delete" {
        format!("/admin/canned-replies/{}/delete", fresh_canned(app, n))
    } else {
        path.to_owned()
    }
}

/// Every registry key that does not bring `key` with it (directly or through others).
fn all_but(key: &str) -> Vec<&'static str> {
    permissions::all()
        .map(|p| p.key)
        .filter(|k| !permissions::Rights::from_keys(false, [*k]).has_key(key))
        .collect()
}

#[actix_web::test]
async fn every_admin_route_admits_only_who_it_declares() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let ids = Ids {
        provider: id_of(&app, "providers", "name", "Main provider"),
        company: id_of(&app, "companies", "legal_name", "My company"),
        currency: id_of(&app, "currencies", "code", "EUR"),
        department: id_of(&app, "departments", "name", "Sales"),
        employee: admin
            .create_employee(&app, "Target", "target@example.com", &[])
            .await,
        client: target_client(&app).await,
        group: 0,
        ticket: 0,
        canned: 0,
        tariff: target_tariff(&app),
        service: 0,
        method: 0,
        payment: 0,
        document: 0,
        mail: 0,
        mailing: 0,
    };
    let ids = Ids {
        group: target_group(&app, ids.client).await,
        ticket: target_ticket(&app, ids.client),
        canned: fresh_canned(&app, 0),
        service: target_service(&app, ids.client, "Target service"),
        method: target_method(&app),
        payment: {
            let payer = fresh_payer(&app, ids.client, 9999);
            target_payment(&app, ids.client, payer, "Target payment")
        },
        ..ids
    };
    let ids = Ids {
        document: target_document(&app, ids.client, ids.company),
        mail: id_of(&app, "outbox", "recipient", "target-client@example.com"),
        mailing: target_mailing(&app),
        ..ids
    };

    let client = app.browser();
    client.register("client@example.com", "Client").await;
    let anonymous = app.browser();
    // An administrator working as a client: no admin page opens for it meanwhile. Another
    // administrator than the one walking the routes, whose "end my other sessions" would
    // end this one.
    let visiting = app.browser();
    admin
        .submit(
            "/admin/employees/new",
            "/admin/employees",
            &[
                ("name", "Visiting"),
                ("email", "visiting@example.com"),
                ("password", PASSWORD),
                ("enabled", "on"),
                ("is_superuser", "on"),
            ],
        )
        .await
        .assert_redirect("/admin/employees");
    visiting
        .sign_in_to_admin("visiting@example.com", PASSWORD)
        .await
        .assert_redirect("/admin");
    let own_client = crate::helpers::client_id_by_email(&app, "client@example.com");
    visiting
        .log_in_as_client(own_client)
        .await
        .assert_redirect("/client");

    let mut checked = 0;
    for (n, route) in ROUTES.iter().enumerate() {
        let path = concrete(route, &ids);
        let what = format!("{} {path}", route.method.to_uppercase());

        let (status, location) = call(&anonymous, "/admin/login", route, &path).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "anonymous {what}");
        assert!(
            location.unwrap_or_default().starts_with("/admin/login"),
            "anonymous {what}"
        );

        // A client user is sent to the client area for a page, refused a form.
        let (status, location) = call(&client, "/client", route, &path).await;
        match route.method {
            "get" => assert_eq!(
                (status, location.as_deref()),
                (StatusCode::SEE_OTHER, Some("/client")),
                "client user {what}"
            ),
            _ => assert_eq!(status, StatusCode::FORBIDDEN, "client user {what}"),
        }

        let (status, location) = call(&visiting, "/client", route, &path).await;
        assert_eq!(
            (status, location.as_deref()),
            (StatusCode::SEE_OTHER, Some("/client/impersonation")),
            "administrator working as a client {what}"
        );

        let (status, location) = call(
            &admin,
            "/admin",
            route,
            &path_for_call(&app, route, &path, n * 10 + 1),
        )
        .await;
        assert!(
            allowed(status, &location),
            "administrator {what}: {status} {location:?}"
        );
        if route.method == "get" {
            assert_eq!(status, StatusCode::OK, "administrator {what}");
        }
        return_from_client_area(&admin, &location).await;

        if let Some(key) = route.permission {
            let without = app.browser();
            let email = format!("without{n}@example.com");
            let id = admin.create_employee(&app, "Without", &email, &[]).await;
            admin.grant("employees", id, &all_but(key)).await;
            without
                .sign_in_to_admin(&email, PASSWORD)
                .await
                .assert_redirect("/admin");
            let (status, _) = call(&without, "/admin", route, &path).await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "employee without {key}: {what}"
            );

            let with = app.browser();
            let email = format!("with{n}@example.com");
            let id = admin.create_employee(&app, "With", &email, &[]).await;
            // Tickets are seen through departments; this employee is in none, so it may see
            // them all.
            let with_keys: Vec<&str> = if key.starts_with("support.") {
                vec![key, "support.all_departments"]
            } else {
                vec![key]
            };
            admin.grant("employees", id, &with_keys).await;
            with.sign_in_to_admin(&email, PASSWORD)
                .await
                .assert_redirect("/admin");
            let (status, location) = call(
                &with,
                "/admin",
                route,
                &path_for_call(&app, route, &path, n * 10 + 2),
            )
            .await;
            assert!(
                allowed(status, &location),
                "employee with {key}: {what}: {status} {location:?}"
            );
        } else {
            // Any signed-in employee, even one with no permission at all.
            let plain = app.browser();
            let email = format!("plain{n}@example.com");
            admin.create_employee(&app, "Plain", &email, &[]).await;
            plain
                .sign_in_to_admin(&email, PASSWORD)
                .await
                .assert_redirect("/admin");
            let (status, location) = call(
                &plain,
                "/admin",
                route,
                &path_for_call(&app, route, &path, n * 10 + 3),
            )
            .await;
            assert!(
                allowed(status, &location),
                "employee {what}: {status} {location:?}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, ROUTES.len());
}

/// Admin routes are registered only through the table in `src/web/admin/mod.rs`, so the
/// test above sees every one. A handler file that registers its own route fails here.
#[test]
fn client_routes_are_registered_only_in_the_table() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/client");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let registrations = source.matches(".route(").count()
            + source.matches("web::resource(").count()
            + source.matches("web::scope(").count();
        // In mod.rs: the macro's own `.route(` and the guarded scope.
        let expected = if name == "mod.rs" { 2 } else { 0 };
        assert_eq!(
            registrations, expected,
            "{name} registers a route outside client_routes!"
        );
    }
}

#[test]
fn admin_routes_are_registered_only_in_the_table() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/admin");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let registrations = source.matches(".route(").count()
            + source.matches("web::resource(").count()
            + source.matches("web::scope(").count();
        if name == "mod.rs" {
            // The macro's own `.route(`; the sign-in resource and its GET and POST; the
            // second factor's resource and its GET and POST; sign-out; "forgot your
            // password?" (its resource with GET and POST, the page after it, the reset
            // resource with GET and POST); the guarded scope.
            assert_eq!(
                registrations, 16,
                "{name} registers a route outside admin_routes!"
            );
        } else {
            assert_eq!(
                registrations, 0,
                "{name} registers a route outside admin_routes!"
            );
        }
    }
}

/// A mailing already queued, made directly.
fn target_mailing(app: &TestApp) -> i64 {
    use diesel::RunQueryDsl;
    diesel::sql_query(
        "INSERT INTO mailings (subject, body, status, created_at) \
         VALUES ('Target mailing', 'Text', 'queued', CURRENT_TIMESTAMP)",
    )
    .execute(&mut app.conn())
    .unwrap();
    id_of(app, "mailings", "subject", "Target mailing")
}

/// An open invitation of the client, made directly, for routes that withdraw one.
fn fresh_invitation(app: &TestApp, client: i64, n: usize) -> i64 {
    let email = format!(
        "invited{n}-{}@example.com",
        billpanel::config::random_hex(4)
    );
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "INSERT INTO user_invitations (client_id, email, name, sections, token_hash, created_at, expires_at) \
             VALUES ({client}, '{email}', 'Invited', '', '{email}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )),
        &mut app.conn(),
    )
    .unwrap();
    id_of(app, "user_invitations", "email", &email)
}

/// A payer of the client, made directly, for routes that delete one.
fn fresh_payer(app: &TestApp, client: i64, n: usize) -> i64 {
    let name = format!("Payer {n}");
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "INSERT INTO payers (client_id, kind, name, created_at) VALUES ({client}, 'individual', '{name}', CURRENT_TIMESTAMP)"
        )),
        &mut app.conn(),
    )
    .unwrap();
    id_of(app, "payers", "name", &name)
}

/// Every client-area route, walked with anonymous, an employee, a user without the
/// route's section, the owner, and an employee working as the client (who must see the
/// banner on every page).
#[actix_web::test]
async fn every_client_route_admits_only_who_it_declares() {
    use billpanel::web::client::ROUTES as CLIENT_ROUTES;
    let app = TestApp::spawn().await;
    let owner = app.browser();
    owner.register("owner@example.com", "Owner").await;
    let client = crate::helpers::client_id_by_email(&app, "owner@example.com");
    let owner_user = id_of(&app, "users", "email", "owner@example.com");
    owner.add_user("Plain", "plain@example.com", &[]).await;
    let plain = app.browser();
    plain
        .sign_in_as_client("plain@example.com", PASSWORD)
        .await
        .assert_redirect("/client");
    let payer = fresh_payer(&app, client, 0);
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "INSERT INTO messages (client_id, subject, body, created_at) VALUES ({client}, 'Hello', 'Text', CURRENT_TIMESTAMP)"
        )),
        &mut app.conn(),
    )
    .unwrap();
    let message = id_of(&app, "messages", "subject", "Hello");
    let ticket = target_ticket(&app, client);
    let service = target_service(&app, client, "Owner service");
    let payment = target_payment(&app, client, payer, "Owner payment");
    let company = id_of(&app, "companies", "legal_name", "My company");
    let document = target_document(&app, client, company);

    let employee = app.browser();
    employee.sign_in_as_admin().await;
    let anonymous = app.browser();
    let visitor = app.browser();
    visitor.sign_in_as_admin().await;
    visitor
        .log_in_as_client(client)
        .await
        .assert_redirect("/client");

    for (n, route) in CLIENT_ROUTES.iter().enumerate() {
        let target = |fresh: bool| -> String {
            let path = format!("/client{}", route.path);
            let id = if path.starts_with("/client/payers/") {
                if fresh && path.ends_with("/delete") && route.method == "post" {
                    fresh_payer(&app, client, n * 10 + 1)
                } else {
                    payer
                }
            } else if path.starts_with("/client/users/") {
                owner_user
            } else if path.starts_with("/client/invitations/") {
                // Withdrawing one ends it: each call gets its own.
                fresh_invitation(&app, client, n * 10 + usize::from(fresh))
            } else if path.starts_with("/client/messages/") {
                message
            } else if path.starts_with("/client/tickets/") {
                ticket
            } else if path.starts_with("/client/services/") {
                service
            } else if path.starts_with("/client/payments/") && path.contains("{id}") {
                payment
            } else if path.starts_with("/client/documents/") && path.contains("{id}") {
                document
            } else {
                assert!(
                    !path.contains('{'),
                    "no id known for {path}: add it to the authorization test"
                );
                0
            };
            path.replace("{id}", &id.to_string())
        };
        let path = target(false);
        let what = format!("{} {path}", route.method.to_uppercase());
        let call_anonymous = match route.method {
            "get" => anonymous.get(&path).await,
            _ => anonymous.submit("/login", &path, &[]).await,
        };
        assert_eq!(
            call_anonymous.status,
            StatusCode::SEE_OTHER,
            "anonymous {what}"
        );
        assert!(
            call_anonymous
                .location
                .unwrap_or_default()
                .starts_with("/login"),
            "anonymous {what}"
        );

        // An employee is sent back to the admin area for a page, refused a form.
        match route.method {
            "get" => employee.get(&path).await.assert_redirect("/admin"),
            _ => assert_eq!(
                employee.submit("/admin", &path, &[]).await.status,
                StatusCode::FORBIDDEN,
                "employee {what}"
            ),
        }

        let page = call_client(&plain, route.method, &target(true)).await;
        match route.section {
            Some(section) => assert_eq!(
                page.status,
                StatusCode::FORBIDDEN,
                "user without {section}: {what}"
            ),
            None => assert!(allowed_client(&page), "user {what}: {}", page.status),
        }

        let page = call_client(&owner, route.method, &target(true)).await;
        assert!(
            allowed_client(&page),
            "owner {what}: {} {:?}",
            page.status,
            page.location
        );
        if route.method == "get" && route.path != "/impersonation" {
            assert_eq!(page.status, StatusCode::OK, "owner {what}");
        }

        let page = call_client(&visitor, route.method, &target(true)).await;
        assert!(
            allowed_client(&page),
            "working as the client {what}: {} {:?}",
            page.status,
            page.location
        );
        // Every page, that is: a PDF download is a file.
        if route.method == "get" && !route.path.ends_with("/pdf") {
            assert!(page.exists("#impersonation-banner"), "banner on {what}");
        }
        if route.path == "/impersonation/stop" {
            visitor
                .log_in_as_client(client)
                .await
                .assert_redirect("/client");
        }
    }
}

/// A request from a browser signed in to the client area, with its CSRF token for posts.
async fn call_client(browser: &Browser, method: &str, path: &str) -> crate::helpers::Page {
    match method {
        "get" => browser.get(path).await,
        _ => browser.submit("/client", path, &[]).await,
    }
}

/// Allowed in the client area: a page, or a form's answer that is not the sign-in page.
fn allowed_client(page: &crate::helpers::Page) -> bool {
    page.status == StatusCode::OK
        || (page.status == StatusCode::SEE_OTHER
            && !page
                .location
                .as_deref()
                .unwrap_or("/login")
                .starts_with("/login"))
}
