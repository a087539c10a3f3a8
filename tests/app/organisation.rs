//! The provider side: providers, companies, currencies, departments, employees, grants,
//! the audit log and one's own profile.

use billpanel::web::page::FORM_SHOWN_AGAIN;
use reqwest::StatusCode;

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, TestApp, id_of};

fn shown_again(status: StatusCode) -> bool {
    status.as_u16() == FORM_SHOWN_AGAIN.as_u16()
}

#[actix_web::test]
async fn administrator_sets_up_a_euro_provider_a_company_and_a_billing_department() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let eur = id_of(&app, "currencies", "code", "EUR").to_string();

    admin
        .submit(
            "/admin/providers/new",
            "/admin/providers",
            &[
                ("name", "Domains EU"),
                ("currency_id", &eur),
                ("time_zone", "Europe/Berlin"),
                ("notification_email", "billing@domains.example"),
            ],
        )
        .await
        .assert_redirect("/admin/providers");
    let providers = admin.get("/admin/providers").await;
    assert!(providers.text_of("#providers").contains("Domains EU"));
    assert!(providers.text_of("#providers").contains("EUR"));
    let provider = id_of(&app, "providers", "name", "Domains EU").to_string();

    admin
        .submit(
            "/admin/companies/new",
            "/admin/companies",
            &[
                ("legal_name", "Domains EU GmbH"),
                ("kind", "legal_entity"),
                ("tax_id", "DE123456789"),
                ("provider_ids", &provider),
            ],
        )
        .await
        .assert_redirect("/admin/companies");
    let companies = admin.get("/admin/companies").await;
    assert!(companies.text_of("#companies").contains("Domains EU GmbH"));
    assert!(companies.text_of("#companies").contains("Domains EU"));

    let billing = admin.create_department(&app, "Billing", &[]).await;
    admin
        .grant(
            "departments",
            billing,
            &["finance.currencies_view", "finance.currencies_edit"],
        )
        .await;
    let bob = admin
        .create_employee(&app, "Bob Accountant", "bob@example.com", &[billing])
        .await;

    let bob_browser = app.browser();
    bob_browser
        .sign_in_to_admin("bob@example.com", PASSWORD)
        .await
        .assert_redirect("/admin");
    let dashboard = bob_browser.get("/admin").await;
    let menu = dashboard.text_of("nav[aria-label=Sections]");
    assert!(
        menu.contains("Currencies"),
        "finance is in Bob's menu: {menu}"
    );
    assert!(
        !menu.contains("Employees"),
        "staff is not in Bob's menu: {menu}"
    );
    assert_eq!(
        bob_browser.get("/admin/currencies").await.status,
        StatusCode::OK
    );
    assert_eq!(
        bob_browser.get("/admin/employees").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        bob_browser.get("/admin/audit").await.status,
        StatusCode::FORBIDDEN
    );
    // Bob can enter a rate: the right came through the department.
    let rub = id_of(&app, "currencies", "code", "RUB").to_string();
    bob_browser
        .submit(
            &format!("/admin/currencies/{eur}"),
            &format!("/admin/currencies/{eur}/rates"),
            &[
                ("quote_currency_id", &rub),
                ("rate_date", "2026-11-24"),
                ("rate", "92.50"),
            ],
        )
        .await
        .assert_redirect(&format!("/admin/currencies/{eur}"));
    assert!(
        bob_browser
            .get(&format!("/admin/currencies/{eur}"))
            .await
            .text_of("#rates")
            .contains("1 EUR = 92.5 RUB")
    );

    // The audit log names who did what, row by row.
    let rows = admin
        .get("/admin/audit")
        .await
        .texts("#audit-events tbody tr");
    for (action, object) in [
        ("Added", "provider #"),
        ("Added", "company #"),
        ("Added", "department #"),
        ("Set the permissions", "department #"),
        ("Added", "employee #"),
    ] {
        let row = rows
            .iter()
            .find(|r| r.contains(action) && r.contains(object))
            .unwrap_or_else(|| panic!("{action} {object} missing from the audit log"));
        assert!(
            row.contains(ADMIN_EMAIL),
            "{action} done by the administrator: {row}"
        );
    }
    let rate_row = rows
        .iter()
        .find(|r| r.contains("Set an exchange rate"))
        .expect("rate audited");
    assert!(
        rate_row.contains("bob@example.com"),
        "the rate was set by Bob: {rate_row}"
    );
    let bobs = admin
        .get(&format!("/admin/audit?employee_id={bob}"))
        .await
        .texts("#audit-events tbody tr");
    assert!(
        bobs.iter().all(|r| r.contains("bob@example.com")),
        "the filter keeps only Bob's actions"
    );
    assert!(bobs.iter().any(|r| r.contains("Set an exchange rate")));

    // Leaving the department takes its rights away at once.
    admin
        .submit(
            &format!("/admin/employees/{bob}"),
            &format!("/admin/employees/{bob}"),
            &[
                ("name", "Bob Accountant"),
                ("email", "bob@example.com"),
                ("enabled", "on"),
            ],
        )
        .await
        .assert_redirect("/admin/employees");
    assert_eq!(
        bob_browser.get("/admin/currencies").await.status,
        StatusCode::FORBIDDEN
    );

    // A personal grant works on its own.
    admin.grant("employees", bob, &["staff.view"]).await;
    assert_eq!(
        bob_browser.get("/admin/employees").await.status,
        StatusCode::OK
    );

    // Disabling Bob ends his session on his next request.
    admin
        .submit(
            &format!("/admin/employees/{bob}"),
            &format!("/admin/employees/{bob}"),
            &[("name", "Bob Accountant"), ("email", "bob@example.com")],
        )
        .await
        .assert_redirect("/admin/employees");
    bob_browser
        .get("/admin")
        .await
        .assert_redirect("/admin/login?next=%2Fadmin");
    let refused = bob_browser
        .sign_in_to_admin("bob@example.com", PASSWORD)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn bad_provider_side_input_is_refused_at_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let rub = id_of(&app, "currencies", "code", "RUB").to_string();
    let eur = id_of(&app, "currencies", "code", "EUR").to_string();
    let events_before = app.count("audit_events");

    let page = admin
        .submit(
            "/admin/providers/new",
            "/admin/providers",
            &[
                ("name", "Main provider"),
                ("currency_id", &rub),
                ("time_zone", "UTC"),
            ],
        )
        .await;
    assert!(shown_again(page.status));
    assert!(page.field_error("name").contains("Another provider"));
    assert_eq!(page.input_value("name").as_deref(), Some("Main provider"));
    let page = admin
        .submit(
            "/admin/providers/new",
            "/admin/providers",
            &[
                ("name", "Moon"),
                ("currency_id", &rub),
                ("time_zone", "Moon/Base"),
            ],
        )
        .await;
    assert!(page.field_error("time_zone").contains("time zone"));
    assert_eq!(app.count("providers"), 1);

    for (code, exponent, field, message) in [
        ("EU", "2", "code", "three-letter"),
        ("EURO", "2", "code", "three-letter"),
        ("XTS", "5", "exponent", "0 to 4"),
        ("XTS", "-1", "exponent", "0 to 4"),
        ("RUB", "2", "code", "Another currency"),
    ] {
        let page = admin
            .submit(
                "/admin/currencies/new",
                "/admin/currencies",
                &[("code", code), ("name", "Test"), ("exponent", exponent)],
            )
            .await;
        assert!(shown_again(page.status), "{code} {exponent}");
        assert!(
            page.field_error(field).contains(message),
            "{code} {exponent}: {:?}",
            page.field_error(field)
        );
        assert_eq!(page.input_value("code").as_deref(), Some(code));
    }
    assert_eq!(app.count("currencies"), 3);

    let currency_page = format!("/admin/currencies/{eur}");
    let rates = format!("/admin/currencies/{eur}/rates");
    for rate in ["0", "-5", "abc", "1e3"] {
        let page = admin
            .submit(
                &currency_page,
                &rates,
                &[
                    ("quote_currency_id", &rub),
                    ("rate_date", "2026-11-24"),
                    ("rate", rate),
                ],
            )
            .await;
        assert!(shown_again(page.status));
        assert!(
            !page.field_error("rate").is_empty(),
            "rate {rate:?} was accepted"
        );
        assert_eq!(page.input_value("rate").as_deref(), Some(rate));
    }
    assert_eq!(app.count("exchange_rates"), 0);
    // The minor unit of a currency in use cannot change.
    let page = admin
        .submit(
            &currency_page.replace(&eur, &rub),
            &format!("/admin/currencies/{rub}"),
            &[("code", "RUB"), ("name", "Ruble"), ("exponent", "3")],
        )
        .await;
    assert!(page.field_error("exponent").contains("cannot change"));

    let page = admin
        .submit(
            "/admin/companies/new",
            "/admin/companies",
            &[
                ("legal_name", "  "),
                ("kind", "legal_entity"),
                ("tax_id", "7700000000"),
            ],
        )
        .await;
    assert!(shown_again(page.status));
    assert!(page.field_error("legal_name").contains("legal name"));
    assert_eq!(page.input_value("tax_id").as_deref(), Some("7700000000"));
    assert_eq!(app.count("companies"), 1);

    admin
        .create_employee(&app, "Ann", "ann@example.com", &[])
        .await;
    let employees = app.count("employees");
    let page = admin
        .submit(
            "/admin/employees/new",
            "/admin/employees",
            &[
                ("name", "Other Ann"),
                ("email", "ANN@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert!(shown_again(page.status));
    assert!(page.field_error("email").contains("Another employee"));
    assert_eq!(app.count("employees"), employees);

    // The administrator can neither disable itself nor stop being the last administrator.
    let me = id_of(&app, "employees", "email", ADMIN_EMAIL);
    let mine = format!("/admin/employees/{me}");
    let page = admin
        .submit(
            &mine,
            &mine,
            &[
                ("name", "Administrator"),
                ("email", ADMIN_EMAIL),
                ("is_superuser", "on"),
            ],
        )
        .await;
    assert!(
        page.field_error("enabled")
            .contains("cannot disable yourself")
    );
    let page = admin
        .submit(
            &mine,
            &mine,
            &[
                ("name", "Administrator"),
                ("email", ADMIN_EMAIL),
                ("enabled", "on"),
            ],
        )
        .await;
    assert!(
        page.field_error("is_superuser")
            .contains("last administrator")
    );
    assert_eq!(
        admin.get("/admin").await.status,
        StatusCode::OK,
        "still signed in, still administrator"
    );

    // Each refusal wrote nothing, not even an audit event (the employee created above wrote one).
    assert_eq!(app.count("audit_events"), events_before + 1);
}

#[actix_web::test]
async fn nobody_hands_out_permissions_they_do_not_hold() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let lead = admin
        .create_employee(&app, "Lead", "lead@example.com", &[])
        .await;
    admin
        .grant("employees", lead, &["staff.edit", "staff.permissions"])
        .await;
    let auditors = admin.create_department(&app, "Auditors", &[]).await;
    admin.grant("departments", auditors, &["audit.view"]).await;

    let lead_browser = app.browser();
    lead_browser
        .sign_in_to_admin("lead@example.com", PASSWORD)
        .await;
    let other = admin
        .create_employee(&app, "Other", "other@example.com", &[])
        .await;
    let page_path = format!("/admin/employees/{other}/permissions");
    let page = lead_browser
        .submit(&page_path, &page_path, &[("permissions", "audit.view")])
        .await;
    assert!(shown_again(page.status));
    assert!(page.text_of("#permissions-error").contains("audit.view"));
    // Nor by putting someone, or itself, into a department that has them.
    let lead_path = format!("/admin/employees/{lead}");
    let auditors = auditors.to_string();
    let page = lead_browser
        .submit(
            &lead_path,
            &lead_path,
            &[
                ("name", "Lead"),
                ("email", "lead@example.com"),
                ("enabled", "on"),
                ("department_ids", &auditors),
            ],
        )
        .await;
    assert!(
        page.field_error("department_ids")
            .contains("permissions you hold")
    );
    assert_eq!(
        lead_browser.get("/admin/audit").await.status,
        StatusCode::FORBIDDEN
    );
    // Nor by making anyone an administrator.
    let page = lead_browser
        .submit(
            "/admin/employees/new",
            "/admin/employees",
            &[
                ("name", "Boss"),
                ("email", "boss@example.com"),
                ("password", PASSWORD),
                ("is_superuser", "on"),
            ],
        )
        .await;
    assert!(
        page.field_error("is_superuser")
            .contains("Only an administrator")
    );
}

#[actix_web::test]
async fn an_employee_changes_its_own_name_and_password() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let other_session = app.browser();
    other_session.sign_in_as_admin().await;

    admin
        .submit(
            "/admin/profile",
            "/admin/profile",
            &[("name", "Alice Admin")],
        )
        .await
        .assert_redirect("/admin/profile");
    assert!(admin.get("/admin").await.body.contains("Alice Admin"));
    assert_eq!(
        admin
            .get("/admin/profile")
            .await
            .input_value("name")
            .as_deref(),
        Some("Alice Admin"),
        "the form shows the name it keeps"
    );

    let page = admin
        .submit(
            "/admin/profile",
            "/admin/profile/password",
            &[
                ("current_password", "wrong one!!"),
                ("new_password", "short"),
                ("new_password_confirm", "other"),
            ],
        )
        .await;
    assert!(
        page.field_error("current_password")
            .contains("not your current password")
    );
    assert!(page.field_error("new_password").contains("at least 10"));
    assert!(
        page.field_error("new_password_confirm")
            .contains("do not match")
    );

    admin
        .submit(
            "/admin/profile",
            "/admin/profile/password",
            &[
                ("current_password", ADMIN_PASSWORD),
                ("new_password", "a brand new password"),
                ("new_password_confirm", "a brand new password"),
            ],
        )
        .await
        .assert_redirect("/admin/profile");
    assert_eq!(
        admin.get("/admin/profile").await.status,
        StatusCode::OK,
        "this browser stays signed in"
    );
    other_session
        .get("/admin")
        .await
        .assert_redirect("/admin/login?next=%2Fadmin");
    app.browser()
        .sign_in_to_admin(ADMIN_EMAIL, "a brand new password")
        .await
        .assert_redirect("/admin");
}

#[actix_web::test]
async fn departments_keep_business_hours_and_refuse_wrong_ones() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let page = admin
        .submit(
            "/admin/departments/new",
            "/admin/departments",
            &[
                ("name", "Night shift"),
                ("time_zone", "Europe/Moscow"),
                ("response_hours", "4"),
                ("hours_mon_open", "on"),
                ("hours_mon_from", "22:00"),
                ("hours_mon_to", "06:00"),
            ],
        )
        .await;
    assert!(shown_again(page.status));
    assert!(page.field_error("hours_mon").contains("end after"));
    let page = admin
        .submit(
            "/admin/departments/new",
            "/admin/departments",
            &[
                ("name", "Night shift"),
                ("time_zone", "Mars/Base"),
                ("response_hours", "0"),
            ],
        )
        .await;
    assert!(page.field_error("time_zone").contains("time zone"));
    assert!(page.field_error("response_hours").contains("from 1 to 720"));
    assert_eq!(page.input_value("time_zone").as_deref(), Some("Mars/Base"));
    assert!(page.field_error("response_hours").contains("from 1 to 720"));
    assert_eq!(app.count("departments"), 2);

    let page = admin
        .submit(
            "/admin/departments/new",
            "/admin/departments",
            &[
                ("name", "Billing"),
                ("time_zone", "Europe/Moscow"),
                ("response_hours", "4"),
                ("shown_in_support", "on"),
                ("hours_mon_open", "on"),
                ("hours_mon_from", "08:30"),
                ("hours_mon_to", "17:00"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let list = admin
        .get("/admin/departments")
        .await
        .text_of("#departments");
    assert!(list.contains("Mon 08:30–17:00"), "{list}");
    assert!(list.contains("Sun closed"));
}

#[actix_web::test]
async fn nobody_takes_over_an_account_with_more_rights() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let lead = admin
        .create_employee(&app, "Lead", "lead@example.com", &[])
        .await;
    admin.grant("employees", lead, &["staff.edit"]).await;
    let auditor = admin
        .create_employee(&app, "Auditor", "auditor@example.com", &[])
        .await;
    admin.grant("employees", auditor, &["audit.view"]).await;
    let junior = admin
        .create_employee(&app, "Junior", "junior@example.com", &[])
        .await;

    let lead_browser = app.browser();
    lead_browser
        .sign_in_to_admin("lead@example.com", PASSWORD)
        .await
        .assert_redirect("/admin");
    let path = format!("/admin/employees/{auditor}");
    let page = lead_browser
        .submit(
            &path,
            &path,
            &[
                ("name", "Auditor"),
                ("email", "auditor@example.com"),
                ("password", "taken over now"),
                ("enabled", "on"),
            ],
        )
        .await;
    assert!(shown_again(page.status));
    assert!(
        page.field_error("email")
            .contains("permissions you do not hold")
    );
    app.browser()
        .sign_in_to_admin("auditor@example.com", PASSWORD)
        .await
        .assert_redirect("/admin");

    // An employee with fewer rights can be managed.
    let path = format!("/admin/employees/{junior}");
    lead_browser
        .submit(
            &path,
            &path,
            &[
                ("name", "Junior Two"),
                ("email", "junior@example.com"),
                ("enabled", "on"),
            ],
        )
        .await
        .assert_redirect("/admin/employees");

    // Changing the members of a department with rights the lead lacks is refused, visibly.
    let auditors = admin.create_department(&app, "Auditors", &[]).await;
    admin.grant("departments", auditors, &["audit.view"]).await;
    let path = format!("/admin/departments/{auditors}");
    let junior = junior.to_string();
    let page = lead_browser
        .submit(
            &path,
            &path,
            &[
                ("name", "Auditors"),
                ("response_hours", "8"),
                ("time_zone", "UTC"),
                ("member_ids", &junior),
            ],
        )
        .await;
    assert!(shown_again(page.status));
    assert!(
        page.text_of("#member_ids-error")
            .contains("only someone holding all of them")
    );
    assert_eq!(app.count("department_members"), 0);
}

#[actix_web::test]
async fn the_audit_log_pages_back_and_says_where_it_is() {
    use diesel::RunQueryDsl;
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    for n in 0..60 {
        diesel::sql_query(format!(
            "INSERT INTO audit_events (at, actor, action, object_type, object_id) \
             VALUES ('2026-12-01 10:00:00', 'system', 'client.enable', 'client', {n})"
        ))
        .execute(&mut app.conn())
        .unwrap();
    }
    let filtered = "/admin/audit?object_type=client";
    let first = admin.get(filtered).await;
    assert_eq!(first.text_of("#rows-shown"), "1–50 of 60");
    assert!(!first.exists("#previous-page"));
    let rows = |page: &crate::helpers::Page| page.texts("#audit-events tbody tr");
    let second = admin.get(&first.href_of("#next-page").unwrap()).await;
    assert_eq!(second.text_of("#rows-shown"), "51–60 of 60");
    assert_eq!(rows(&second).len(), 10);
    assert!(
        second
            .href_of("#previous-page")
            .unwrap()
            .contains("object_type=client")
    );
    let back = admin.get(&second.href_of("#previous-page").unwrap()).await;
    assert_eq!(rows(&back), rows(&first));
    assert_eq!(back.text_of("#rows-shown"), "1–50 of 60");
}
