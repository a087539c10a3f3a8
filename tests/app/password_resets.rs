//! "Forgot your password?" through the front door, for clients and for staff: the link
//! works once and for an hour, ends every session, says nothing about unknown addresses,
//! is throttled, and never opens the other area.

use diesel::RunQueryDsl;
use reqwest::StatusCode;

use crate::helpers::{Browser, PASSWORD, TestApp, token_of};

const NEW_PASSWORD: &str = "a new password 2";

async fn ask_for_a_link(browser: &Browser, area: &str, email: &str) -> crate::helpers::Page {
    browser
        .submit(
            &format!("{area}/password/forgot"),
            &format!("{area}/password/forgot"),
            &[("email", email)],
        )
        .await
}

async fn choose(
    browser: &Browser,
    area: &str,
    link: &str,
    password: &str,
    again: &str,
) -> crate::helpers::Page {
    // The CSRF token comes from a page that always has a form (a used link's has none).
    browser
        .submit(
            &format!("{area}/password/forgot"),
            &format!("{area}/password/reset"),
            &[
                ("token", token_of(link)),
                ("new_password", password),
                ("new_password_confirm", again),
            ],
        )
        .await
}

#[actix_web::test]
async fn a_client_resets_its_password_once_and_every_session_ends() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann Lee").await;
    assert_eq!(ann.get("/client").await.status, StatusCode::OK);

    // From another browser, "forgot your password?" on the sign-in page.
    let phone = app.browser();
    let login = phone.get("/login").await;
    assert_eq!(
        login
            .html()
            .select(&scraper::Selector::parse("#forgot-password").unwrap())
            .next()
            .unwrap()
            .value()
            .attr("href"),
        Some("/password/forgot")
    );
    ask_for_a_link(&phone, "", "Ann@Example.com")
        .await
        .assert_redirect("/password/forgot/sent");
    assert!(
        phone
            .get("/password/forgot/sent")
            .await
            .exists("#reset-sent")
    );
    let link = phone.link_mailed_to("ann@example.com", "/password/reset?token=");

    let form = phone.get(&link).await;
    assert_eq!(form.text_of("#reset-email"), "ann@example.com");
    // Mistakes are pointed at, and the link still works after them.
    let short = choose(&phone, "", &link, "short", "short").await;
    assert!(short.field_error("new_password").contains("at least 10"));
    let unlike = choose(&phone, "", &link, NEW_PASSWORD, "something else 3").await;
    assert_eq!(
        unlike.field_error("new_password_confirm"),
        "The two passwords do not match."
    );
    choose(&phone, "", &link, NEW_PASSWORD, NEW_PASSWORD)
        .await
        .assert_redirect("/login");

    // Ann's first browser is signed out; the old password no longer opens the account.
    let first = ann.get("/client").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert!(first.location.unwrap().starts_with("/login"));
    let old = app
        .browser()
        .sign_in_as_client("ann@example.com", PASSWORD)
        .await;
    assert_ne!(old.location.as_deref(), Some("/client"));
    phone
        .sign_in_as_client("ann@example.com", NEW_PASSWORD)
        .await
        .assert_redirect("/client");

    // The link works once: opened again it says so, and posting it changes nothing.
    let again = app.browser();
    let gone = again.get(&link).await;
    assert!(gone.text_of("#reset-gone").contains("expired or was used"));
    let replay = choose(
        &again,
        "",
        &link,
        "a third password 3",
        "a third password 3",
    )
    .await;
    assert!(
        replay
            .text_of("#reset-gone")
            .contains("expired or was used")
    );
    again
        .sign_in_as_client("ann@example.com", NEW_PASSWORD)
        .await
        .assert_redirect("/client");
}

#[actix_web::test]
async fn a_link_does_not_work_after_an_hour() {
    let app = TestApp::spawn().await;
    app.browser().register("ann@example.com", "Ann Lee").await;
    let someone = app.browser();
    ask_for_a_link(&someone, "", "ann@example.com").await;
    let link = someone.link_mailed_to("ann@example.com", "/password/reset?token=");
    // An hour and a minute later.
    diesel::sql_query(
        "UPDATE password_resets SET created_at = created_at - INTERVAL '61 minutes', \
         expires_at = expires_at - INTERVAL '61 minutes'"
            .replace(
                "created_at - INTERVAL '61 minutes'",
                if app.engine() == billpanel::db::Engine::Sqlite {
                    "datetime(created_at, '-61 minutes')"
                } else {
                    "created_at - INTERVAL '61 minutes'"
                },
            )
            .replace(
                "expires_at - INTERVAL '61 minutes'",
                if app.engine() == billpanel::db::Engine::Sqlite {
                    "datetime(expires_at, '-61 minutes')"
                } else {
                    "expires_at - INTERVAL '61 minutes'"
                },
            ),
    )
    .execute(&mut app.conn())
    .unwrap();
    assert!(someone.get(&link).await.exists("#reset-gone"));
    let late = choose(&someone, "", &link, NEW_PASSWORD, NEW_PASSWORD).await;
    assert!(late.exists("#reset-gone"));
    someone
        .sign_in_as_client("ann@example.com", PASSWORD)
        .await
        .assert_redirect("/client");
}

#[actix_web::test]
async fn the_answer_says_nothing_of_unknown_addresses_and_requests_are_limited() {
    let app = TestApp::spawn().await;
    app.browser().register("ann@example.com", "Ann Lee").await;
    let someone = app.browser();
    // The same answer for an address nobody uses; nothing is mailed to it.
    ask_for_a_link(&someone, "", "nobody@example.com")
        .await
        .assert_redirect("/password/forgot/sent");
    assert_eq!(
        app.count("outbox WHERE recipient = 'nobody@example.com'"),
        0
    );
    // Not an address at all: said at the field, input kept.
    let bad = ask_for_a_link(&someone, "", "not an address").await;
    assert!(!bad.field_error("email").is_empty());
    assert_eq!(bad.input_value("email").as_deref(), Some("not an address"));
    // Three links an hour for one address; the fourth request is refused.
    for _ in 0..2 {
        ask_for_a_link(&someone, "", "ann@example.com")
            .await
            .assert_redirect("/password/forgot/sent");
    }
    ask_for_a_link(&someone, "", "ann@example.com")
        .await
        .assert_redirect("/password/forgot/sent");
    let fourth = ask_for_a_link(&someone, "", "ann@example.com").await;
    assert!(fourth.field_error("email").contains("Too many requests"));
    assert_eq!(
        app.count("outbox WHERE subject = 'Choose a new password'"),
        3
    );
}

#[actix_web::test]
async fn staff_reset_theirs_under_admin_and_a_link_never_opens_the_other_area() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    admin
        .create_employee(&app, "Eva Staff", "eva@example.com", &[])
        .await;
    app.browser().register("ann@example.com", "Ann Lee").await;

    // An employee's address asked for in the client area gets nothing.
    let someone = app.browser();
    ask_for_a_link(&someone, "", "eva@example.com").await;
    assert_eq!(app.count("outbox WHERE recipient = 'eva@example.com'"), 0);

    ask_for_a_link(&someone, "/admin", "eva@example.com")
        .await
        .assert_redirect("/admin/password/forgot/sent");
    let link = someone.link_mailed_to("eva@example.com", "/admin/password/reset?token=");
    // The same token at the client area's page does not work.
    let wrong_area = link.trim_start_matches("/admin");
    assert!(someone.get(wrong_area).await.exists("#reset-gone"));
    // A client's link at the admin page does not either.
    ask_for_a_link(&someone, "", "ann@example.com").await;
    let ann_link = someone.link_mailed_to("ann@example.com", "/password/reset?token=");
    assert!(
        someone
            .get(&format!("/admin{ann_link}"))
            .await
            .exists("#reset-gone")
    );

    assert_eq!(
        someone.get(&link).await.text_of("#reset-email"),
        "eva@example.com"
    );
    choose(&someone, "/admin", &link, NEW_PASSWORD, NEW_PASSWORD)
        .await
        .assert_redirect("/admin/login");
    someone
        .sign_in_to_admin("eva@example.com", NEW_PASSWORD)
        .await
        .assert_redirect("/admin");

    // The audit log names what happened; the outbox hides the link's token from staff.
    let audit = admin.get("/admin/audit").await;
    assert!(
        audit
            .text_of("#audit-events")
            .contains("Reset the password")
    );
    let mail = crate::helpers::id_of(&app, "outbox", "recipient", "eva@example.com");
    let shown = admin.get(&format!("/admin/outbox/{mail}")).await;
    assert!(
        shown
            .text_of("#mail-body")
            .contains("/admin/password/reset?token=…")
    );
    assert!(!shown.body.contains(token_of(&link)));
}
