//! Every admin route, walked with every kind of person: anonymous (sent to sign in), a client
//! user (403), an employee with every permission but the route's (403), an employee with
//! only the route's permission (allowed), and the administrator (allowed).

use billpanel::domain::permissions::{self, IMPLIES};
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

/// Every registry key except `key` and those that imply it.
fn all_but(key: &str) -> Vec<&'static str> {
    permissions::all()
        .map(|p| p.key)
        .filter(|k| {
            *k != key
                && !IMPLIES
                    .iter()
                    .any(|(with, comes)| with.key == *k && comes.key == key)
        })
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
    };
    let ids = Ids {
        group: target_group(&app, ids.client).await,
        ..ids
    };

    let client = app.browser();
    client.register("client@example.com", "Client").await;
    let anonymous = app.browser();

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

        let (status, _) = call(&client, "/client", route, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "client user {what}");

        let (status, location) = call(&admin, "/admin", route, &path).await;
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
            admin.grant("employees", id, &[key]).await;
            with.sign_in_to_admin(&email, PASSWORD)
                .await
                .assert_redirect("/admin");
            let (status, location) = call(&with, "/admin", route, &path).await;
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
            let (status, location) = call(&plain, "/admin", route, &path).await;
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
            // The macro's own `.route(`; the sign-in resource and its GET and POST; sign-out;
            // the guarded scope.
            assert_eq!(
                registrations, 6,
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
