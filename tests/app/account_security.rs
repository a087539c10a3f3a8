//! Accounts that stay in their owners' hands: two-factor sign-in (set up with the code an
//! authenticator app would compute, replayed codes refused, recovery codes once, the
//! department and staff policies, impersonation untouched) and sessions people see and end,
//! from another browser and on another server.

use reqwest::StatusCode;

use crate::helpers::{Browser, PASSWORD, TestApp, id_of};

/// The code an authenticator app shows `seconds_ahead` from now for the secret shown on
/// the set-up page.
fn code_for(secret: &str, seconds_ahead: u64) -> String {
    let bytes = totp_rs::Secret::try_from_base32(secret.replace(' ', ""))
        .expect("the page shows the secret in base32")
        .as_bytes()
        .to_vec();
    let totp = totp_rs::Builder::new()
        .with_secret(bytes)
        .with_account_name("test")
        .build()
        .unwrap();
    let now = chrono::Utc::now().timestamp() as u64;
    totp.generate(now + seconds_ahead).to_string()
}

/// Turns two-factor sign-in on from `profile` ("/client/profile" or "/admin/profile"):
/// returns the secret and the recovery codes shown once.
async fn turn_on(browser: &Browser, profile: &str) -> (String, Vec<String>) {
    let page = format!("{profile}/two-factor");
    browser
        .submit(&page, &format!("{page}/setup"), &[])
        .await
        .assert_redirect(&page);
    let setup = browser.get(&page).await;
    assert!(setup.exists("#two-factor-qr svg"), "a QR code drawn as SVG");
    let secret = setup.text_of("#two-factor-secret");
    assert_eq!(secret.replace(' ', "").len(), 32, "160 bits in base32");
    let wrong = browser.submit(&page, &page, &[("code", "000000")]).await;
    assert!(wrong.field_error("code").contains("not the current code"));
    browser
        .submit(&page, &page, &[("code", &code_for(&secret, 0))])
        .await
        .assert_redirect(&page);
    let shown = browser.get(&page).await;
    let codes = shown.texts("#recovery-codes .recovery-code");
    assert_eq!(codes.len(), 10);
    assert_eq!(shown.text_of("#two-factor-state"), "On");
    assert!(
        !browser.get(&page).await.exists("#recovery-codes"),
        "the recovery codes are shown once"
    );
    (secret, codes)
}

#[actix_web::test]
async fn a_client_signs_in_with_a_code_once_and_with_a_recovery_code_once() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    let (secret, codes) = turn_on(&ann, "/client/profile").await;
    // The secret is kept sealed, not as the page shows it.
    let stored: Vec<String> = {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            secret: String,
        }
        diesel::RunQueryDsl::load::<Row>(
            diesel::sql_query("SELECT secret FROM two_factor"),
            &mut app.conn(),
        )
        .unwrap()
        .into_iter()
        .map(|r| r.secret)
        .collect()
    };
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].contains(&secret.replace(' ', "")));
    ann.sign_out_of_client().await;

    // The password alone does not sign in: the code is asked, and nothing opens meanwhile.
    let browser = app.browser();
    browser
        .sign_in_as_client("ann@example.com", PASSWORD)
        .await
        .assert_redirect("/login/two-factor");
    browser
        .get("/client")
        .await
        .assert_redirect("/login?next=%2Fclient");
    let page = browser
        .submit(
            "/login/two-factor",
            "/login/two-factor",
            &[("code", "123456")],
        )
        .await;
    assert!(page.text_of("#sign-in-error").contains("not right"));
    // The code that turned it on was taken: it does not sign in again.
    let page = browser
        .submit(
            "/login/two-factor",
            "/login/two-factor",
            &[("code", &code_for(&secret, 0))],
        )
        .await;
    assert!(
        page.text_of("#sign-in-error").contains("not right"),
        "{}",
        page.body
    );
    let next_code = code_for(&secret, 30);
    browser
        .submit(
            "/login/two-factor",
            "/login/two-factor",
            &[("code", &next_code)],
        )
        .await
        .assert_redirect("/client");
    assert_eq!(browser.get("/client").await.status, StatusCode::OK);

    // The same code, replayed by someone who saw it: refused.
    let thief = app.browser();
    thief
        .sign_in_as_client("ann@example.com", PASSWORD)
        .await
        .assert_redirect("/login/two-factor");
    let page = thief
        .submit(
            "/login/two-factor",
            "/login/two-factor",
            &[("code", &next_code)],
        )
        .await;
    assert!(page.text_of("#sign-in-error").contains("not right"));

    // A recovery code signs in once, typed in capitals without dashes too.
    let typed = codes[0].replace('-', "").to_uppercase();
    thief
        .submit(
            "/login/two-factor",
            "/login/two-factor",
            &[("code", &typed)],
        )
        .await
        .assert_redirect("/client");
    let again = app.browser();
    again
        .sign_in_as_client("ann@example.com", PASSWORD)
        .await
        .assert_redirect("/login/two-factor");
    let page = again
        .submit(
            "/login/two-factor",
            "/login/two-factor",
            &[("code", &codes[0])],
        )
        .await;
    assert!(page.text_of("#sign-in-error").contains("not right"));
    assert!(
        browser
            .get("/client/profile/two-factor")
            .await
            .text_of("#recovery-left")
            .starts_with("9 of 10")
    );

    // Turning it off asks for the password and a code.
    let page = browser
        .submit(
            "/client/profile/two-factor",
            "/client/profile/two-factor/disable",
            &[("password", "wrong password"), ("code", &codes[1])],
        )
        .await;
    assert!(
        page.field_error("password")
            .contains("not your current password")
    );
    browser
        .submit(
            "/client/profile/two-factor",
            "/client/profile/two-factor/disable",
            &[("password", PASSWORD), ("code", &codes[1])],
        )
        .await
        .assert_redirect("/client/profile/two-factor");
    app.browser()
        .sign_in_as_client("ann@example.com", PASSWORD)
        .await
        .assert_redirect("/client");
}

#[actix_web::test]
async fn wrong_codes_are_throttled_like_passwords() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    turn_on(&ann, "/client/profile").await;
    let browser = app.browser();
    browser
        .sign_in_as_client("ann@example.com", PASSWORD)
        .await
        .assert_redirect("/login/two-factor");
    let mut last = None;
    for _ in 0..5 {
        last = Some(
            browser
                .submit(
                    "/login/two-factor",
                    "/login/two-factor",
                    &[("code", "111111")],
                )
                .await,
        );
    }
    let locked = last.unwrap();
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        locked.body
    );
    // Locked: the right password and a right code wait too.
    let page = app
        .browser()
        .sign_in_as_client("ann@example.com", PASSWORD)
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
}

#[actix_web::test]
async fn working_as_the_client_asks_no_code_and_cannot_change_its_second_factor() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    let (_, codes) = turn_on(&ann, "/client/profile").await;
    let client = crate::helpers::client_id_by_email(&app, "ann@example.com");
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    admin
        .log_in_as_client(client)
        .await
        .assert_redirect("/client");
    assert_eq!(admin.get("/client").await.status, StatusCode::OK);
    let page = admin.get("/client/profile/two-factor").await;
    assert!(page.exists("#two-factor-refused"));
    let page = admin
        .submit(
            "/client/profile",
            "/client/profile/two-factor/disable",
            &[("password", PASSWORD), ("code", &codes[0])],
        )
        .await;
    assert!(page.body.contains("only the client can"), "{}", page.body);
    let page = admin
        .submit("/client/profile", "/client/profile/two-factor/setup", &[])
        .await;
    assert!(page.body.contains("only the client can"));
    assert_eq!(app.count("two_factor"), 1);
    assert_eq!(
        crate::helpers::count_rows(&mut app.conn(), "recovery_codes WHERE used_at IS NULL"),
        10
    );
}

#[actix_web::test]
async fn a_department_or_the_staff_policy_requires_a_second_factor_and_an_administrator_resets_it()
{
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let sales = id_of(&app, "departments", "name", "Sales");
    let bob = admin
        .create_employee(&app, "Bob", "bob@example.com", &[sales])
        .await;
    admin.grant("employees", bob, &["clients.view"]).await;
    let path = format!("/admin/departments/{sales}");
    admin
        .submit(
            &path,
            &path,
            &[
                ("name", "Sales"),
                ("time_zone", "UTC"),
                ("response_hours", "8"),
                ("member_ids", &bob.to_string()),
                ("requires_two_factor", "on"),
            ],
        )
        .await
        .assert_redirect("/admin/departments");

    // Bob signs in with his password and is sent to set a second factor up first.
    let browser = app.browser();
    browser
        .sign_in_to_admin("bob@example.com", PASSWORD)
        .await
        .assert_redirect("/admin");
    for page in ["/admin", "/admin/clients", "/admin/profile"] {
        browser
            .get(page)
            .await
            .assert_redirect("/admin/profile/two-factor");
    }
    let (secret, _) = turn_on(&browser, "/admin/profile").await;
    assert_eq!(browser.get("/admin/clients").await.status, StatusCode::OK);
    browser.sign_out_of_admin().await;
    browser
        .sign_in_to_admin("bob@example.com", PASSWORD)
        .await
        .assert_redirect("/admin/login/two-factor");
    browser
        .submit(
            "/admin/login/two-factor",
            "/admin/login/two-factor",
            &[("code", &code_for(&secret, 30))],
        )
        .await
        .assert_redirect("/admin");

    // Bob lost his phone: the administrator resets it, audited; the department's policy
    // sends him to set up a new one at his next page.
    let page = format!("/admin/employees/{bob}");
    assert_eq!(admin.get(&page).await.text_of("#employee-two-factor"), "On");
    admin
        .submit(&page, &format!("{page}/two-factor/reset"), &[])
        .await
        .assert_redirect(&page);
    assert_eq!(
        admin.get(&page).await.text_of("#employee-two-factor"),
        "Off"
    );
    assert!(
        admin
            .get("/admin/audit")
            .await
            .text_of("#audit-events")
            .contains("Reset the second factor")
    );
    browser
        .get("/admin/clients")
        .await
        .assert_redirect("/admin/profile/two-factor");

    // The policy for all staff: an employee in no such department is held to it too (the
    // administrator, who sets it, sets up its own first).
    admin
        .create_employee(&app, "Carol", "carol@example.com", &[])
        .await;
    let editor = admin
        .create_employee(&app, "Editor", "editor@example.com", &[])
        .await;
    admin.grant("employees", editor, &["staff.edit"]).await;
    let carol_browser = app.browser();
    carol_browser
        .sign_in_to_admin("carol@example.com", PASSWORD)
        .await;
    assert_eq!(carol_browser.get("/admin").await.status, StatusCode::OK);
    turn_on(&admin, "/admin/profile").await;
    admin
        .submit(
            "/admin/employees",
            "/admin/staff-policy",
            &[("required", "on")],
        )
        .await
        .assert_redirect("/admin/employees");
    carol_browser
        .get("/admin")
        .await
        .assert_redirect("/admin/profile/two-factor");
    assert_eq!(admin.get("/admin").await.status, StatusCode::OK);
    admin
        .submit(
            "/admin/employees",
            "/admin/staff-policy",
            &[("required", "off")],
        )
        .await
        .assert_redirect("/admin/employees");
    assert_eq!(carol_browser.get("/admin").await.status, StatusCode::OK);
    // Without staff.security, the department's policy cannot be lifted.
    let editor_browser = app.browser();
    editor_browser
        .sign_in_to_admin("editor@example.com", PASSWORD)
        .await;
    let page = editor_browser
        .submit(
            &path,
            &path,
            &[
                ("name", "Sales"),
                ("time_zone", "UTC"),
                ("response_hours", "8"),
                ("member_ids", &bob.to_string()),
            ],
        )
        .await;
    assert!(
        page.text_of("#requires_two_factor-error")
            .contains("sign-in policy"),
        "{}",
        page.body
    );
}

#[actix_web::test]
async fn a_person_sees_its_sessions_and_ends_one_from_another_browser() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    let laptop = app.browser();
    laptop
        .sign_in_as_client("ann@example.com", PASSWORD)
        .await
        .assert_redirect("/client");
    let phone = app.browser();
    phone
        .sign_in_as_client("ann@example.com", PASSWORD)
        .await
        .assert_redirect("/client");

    let profile = laptop.get("/client/profile").await;
    let rows = profile.texts("#session-list tbody tr");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(
        rows.iter().filter(|r| r.contains("this one")).count(),
        1,
        "{rows:?}"
    );
    // The laptop ends the phone's session (the newest one, listed first).
    let newest: i64 = {
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        diesel::RunQueryDsl::get_result::<Id>(
            diesel::sql_query("SELECT MAX(id) AS id FROM sessions"),
            &mut app.conn(),
        )
        .unwrap()
        .id
    };
    laptop
        .submit(
            "/client/profile",
            "/client/profile/sessions/end",
            &[("session_id", &newest.to_string())],
        )
        .await
        .assert_redirect("/client/profile");
    phone
        .get("/client")
        .await
        .assert_redirect("/login?next=%2Fclient");
    assert_eq!(laptop.get("/client").await.status, StatusCode::OK);
    // Another person's session id is not found.
    let bob = app.browser();
    bob.register("bob@example.com", "Bob").await;
    let page = bob
        .submit(
            "/client/profile",
            "/client/profile/sessions/end",
            &[("session_id", &(newest - 1).to_string())],
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(laptop.get("/client").await.status, StatusCode::OK);

    // "End all other sessions": the first browser goes too, this one stays.
    laptop
        .submit(
            "/client/profile",
            "/client/profile/sessions/end-others",
            &[],
        )
        .await
        .assert_redirect("/client/profile");
    ann.get("/client")
        .await
        .assert_redirect("/login?next=%2Fclient");
    assert_eq!(laptop.get("/client").await.status, StatusCode::OK);
    // Signing out ends this session only, and a copy of its cookie with it.
    let stolen = laptop.copy_of_session();
    let other = app.browser();
    other.sign_in_as_client("ann@example.com", PASSWORD).await;
    laptop.sign_out_of_client().await;
    stolen
        .get("/client")
        .await
        .assert_redirect("/login?next=%2Fclient");
    assert_eq!(other.get("/client").await.status, StatusCode::OK);

    // Staff sign a client user, and an employee, out everywhere.
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let client = crate::helpers::client_id_by_email(&app, "ann@example.com");
    let user = id_of(&app, "users", "email", "ann@example.com").to_string();
    admin
        .submit(
            &format!("/admin/clients/{client}?tab=users"),
            &format!("/admin/clients/{client}/sessions/end"),
            &[("user_id", &user)],
        )
        .await
        .assert_redirect(&format!("/admin/clients/{client}?tab=users"));
    other
        .get("/client")
        .await
        .assert_redirect("/login?next=%2Fclient");
    let sam = admin
        .create_employee(&app, "Sam", "sam@example.com", &[])
        .await;
    let sam_browser = app.browser();
    sam_browser
        .sign_in_to_admin("sam@example.com", PASSWORD)
        .await;
    let page = format!("/admin/employees/{sam}");
    admin
        .submit(&page, &format!("{page}/sessions/end"), &[])
        .await
        .assert_redirect(&page);
    sam_browser
        .get("/admin")
        .await
        .assert_redirect("/admin/login?next=%2Fadmin");
}

/// Two `billpanel serve` processes on one database, as behind a load balancer: a session
/// ended through one is ended at the other's next request.
#[actix_web::test]
async fn a_session_ended_on_one_server_ends_on_the_other() {
    let database = crate::helpers::TestDatabase::new();
    let work = tempfile::tempdir().unwrap();
    let mut servers = Vec::new();
    let mut bases = Vec::new();
    for _ in 0..2 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = crate::commands::billpanel(&database, work.path(), &["serve"])
            .env("BILLPANEL_BIND", format!("127.0.0.1:{port}"))
            .env("BILLPANEL_BILLING_RUN", "off")
            .env("BILLPANEL_ADMIN_EMAIL", crate::helpers::ADMIN_EMAIL)
            .env("BILLPANEL_ADMIN_PASSWORD", crate::helpers::ADMIN_PASSWORD)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        servers.push(KillOnDrop(child));
        bases.push(format!("http://127.0.0.1:{port}"));
        // One at a time: the first one migrates the database.
        wait_until_up(bases.last().unwrap()).await;
    }
    let first = Browser::new(&bases[0]).reading_mail_of(&database.url);
    first.register("ann@example.com", "Ann").await;
    assert_eq!(first.get("/client").await.status, StatusCode::OK);
    let second = Browser::new(&bases[1]);
    second
        .sign_in_as_client("ann@example.com", PASSWORD)
        .await
        .assert_redirect("/client");
    second
        .submit(
            "/client/profile",
            "/client/profile/sessions/end-others",
            &[],
        )
        .await
        .assert_redirect("/client/profile");
    first
        .get("/client")
        .await
        .assert_redirect("/login?next=%2Fclient");
    assert_eq!(second.get("/client").await.status, StatusCode::OK);
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_until_up(base: &str) {
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            return;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{base} did not start");
}
