//! The client area: users and their sections, the inbox, the profile, another client's ids,
//! and what an employee working as the client may and may not do.

use billpanel::db::models::AuditEvent;
use billpanel::web::page::FORM_SHOWN_AGAIN;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, client_id_by_email, id_of};

#[actix_web::test]
async fn the_owner_adds_a_user_who_sees_only_its_sections() {
    let app = TestApp::spawn().await;
    let owner = app.browser();
    owner.register("ann@example.com", "Ann").await;
    owner
        .add_user("Clerk", "clerk@example.com", &["payers"])
        .await;
    assert!(
        owner
            .get("/client/users")
            .await
            .text_of("#users")
            .contains("clerk@example.com")
    );

    let clerk = app.browser();
    clerk
        .sign_in_as_client("clerk@example.com", PASSWORD)
        .await
        .assert_redirect("/client");
    let menu = clerk.get("/client").await.text_of("#bp-client-menu");
    assert!(menu.contains("Payers"), "{menu}");
    assert!(!menu.contains("Users"), "{menu}");
    assert_eq!(clerk.get("/client/payers").await.status, StatusCode::OK);
    assert_eq!(
        clerk.get("/client/users").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        clerk.get("/client/users/new").await.status,
        StatusCode::FORBIDDEN
    );

    // The owner takes the section away: the next page is refused.
    let clerk_id = id_of(&app, "users", "email", "clerk@example.com");
    let path = format!("/client/users/{clerk_id}");
    owner
        .submit(
            &path,
            &path,
            &[
                ("name", "Clerk"),
                ("email", "clerk@example.com"),
                ("enabled", "on"),
            ],
        )
        .await
        .assert_redirect("/client/users");
    assert_eq!(
        clerk.get("/client/payers").await.status,
        StatusCode::FORBIDDEN
    );
    let token = clerk
        .get("/client")
        .await
        .input_value("csrf_token")
        .unwrap();
    let page = clerk
        .post_raw(
            "/client/payers",
            &[("csrf_token", &token), ("kind", "individual")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    // Disabling the clerk signs it out.
    owner
        .submit(
            &path,
            &path,
            &[("name", "Clerk"), ("email", "clerk@example.com")],
        )
        .await
        .assert_redirect("/client/users");
    clerk
        .get("/client")
        .await
        .assert_redirect("/login?next=%2Fclient");
}

#[actix_web::test]
async fn the_owner_cannot_be_disabled_or_deleted_and_a_user_cannot_raise_itself() {
    let app = TestApp::spawn().await;
    let owner = app.browser();
    owner.register("ann@example.com", "Ann").await;
    let owner_id = id_of(&app, "users", "email", "ann@example.com");
    let path = format!("/client/users/{owner_id}");
    let page = owner
        .submit(
            &path,
            &path,
            &[("name", "Ann"), ("email", "ann@example.com")],
        )
        .await;
    assert_eq!(page.status.as_u16(), FORM_SHOWN_AGAIN.as_u16());
    assert!(
        page.text_of("#enabled-error")
            .contains("owner cannot be disabled")
    );
    owner
        .submit("/client/users", &format!("{path}/delete"), &[])
        .await
        .assert_redirect("/client/users");
    assert!(
        owner
            .get("/client/users")
            .await
            .body
            .contains("The owner cannot be deleted")
    );
    assert_eq!(app.count("users"), 1);

    owner
        .add_user("Helper", "helper@example.com", &["users"])
        .await;
    let helper = app.browser();
    helper
        .sign_in_as_client("helper@example.com", PASSWORD)
        .await;
    let helper_id = id_of(&app, "users", "email", "helper@example.com");
    let own = format!("/client/users/{helper_id}");
    let page = helper
        .submit(
            &own,
            &own,
            &[
                ("name", "Helper"),
                ("email", "helper@example.com"),
                ("enabled", "on"),
                ("sections", "users"),
                ("sections", "payers"),
            ],
        )
        .await;
    assert!(
        page.text_of("#sections-error")
            .contains("your own sections")
    );
    let page = helper
        .submit(
            "/client/users/new",
            "/client/users",
            &[
                ("name", "Friend"),
                ("email", "friend@example.com"),
                ("password", PASSWORD),
                ("enabled", "on"),
                ("sections", "finance"),
            ],
        )
        .await;
    assert!(
        page.text_of("#sections-error")
            .contains("sections you have yourself")
    );
    assert_eq!(app.count("users"), 2);
}

#[actix_web::test]
async fn another_clients_users_and_messages_are_not_found() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    let bob = app.browser();
    bob.register("bob@example.com", "Bob").await;
    let bob_id = id_of(&app, "users", "email", "bob@example.com");
    assert_eq!(
        ann.get(&format!("/client/users/{bob_id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let token = ann.get("/client").await.input_value("csrf_token").unwrap();
    let page = ann
        .post_raw(
            &format!("/client/users/{bob_id}"),
            &[
                ("csrf_token", &token),
                ("name", "Hacked"),
                ("email", "x@example.com"),
                ("enabled", "on"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let page = ann
        .post_raw(
            &format!("/client/users/{bob_id}/delete"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("users"), 2, "Bob is still there");

    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let bob_client = client_id_by_email(&app, "bob@example.com");
    admin
        .submit(
            &format!("/admin/clients/{bob_client}?tab=messages"),
            &format!("/admin/clients/{bob_client}/messages"),
            &[("subject", "For Bob"), ("body", "Private")],
        )
        .await;
    let message = id_of(&app, "messages", "subject", "For Bob");
    assert_eq!(
        ann.get(&format!("/client/messages/{message}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(ann.get("/client/messages").await.exists("#no-messages"));
}

#[actix_web::test]
async fn messages_are_marked_unread_until_opened() {
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
            &[
                ("subject", "Planned maintenance"),
                ("body", "Tonight 02:00–03:00.\nNo action needed."),
            ],
        )
        .await;
    assert_eq!(ann.get("/client").await.text_of("#unread-messages"), "1");
    let inbox = ann.get("/client/messages").await;
    assert!(inbox.text_of("#inbox").contains("New"));
    let message = id_of(&app, "messages", "subject", "Planned maintenance");
    let path = format!("/client/messages/{message}");
    let page = ann.get(&path).await;
    assert_eq!(
        page.text_of("#message-body"),
        "Tonight 02:00–03:00.\nNo action needed."
    );
    // Opening it by GET changes nothing: the page's own POST marks it read.
    assert_eq!(ann.get("/client").await.text_of("#unread-messages"), "1");
    assert!(page.exists("form[data-mark-read]"));
    ann.submit(&path, &format!("{path}/read"), &[])
        .await
        .assert_redirect(&path);
    assert!(!ann.get(&path).await.exists("form[data-mark-read]"));
    assert_eq!(ann.get("/client").await.text_of("#unread-messages"), "0");
    assert!(
        !ann.get("/client/messages")
            .await
            .text_of("#inbox")
            .contains("New")
    );
}

#[actix_web::test]
async fn working_as_a_client_is_audited_with_both_names_and_cannot_touch_sign_ins() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    let client = client_id_by_email(&app, "ann@example.com");
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    admin
        .log_in_as_client(client)
        .await
        .assert_redirect("/client");

    admin
        .submit(
            "/client/payers/new",
            "/client/payers",
            &[
                ("kind", "individual"),
                ("name", "Ann Lee"),
                ("email", "ann@example.com"),
                ("phone", "+49 1"),
                ("postal_address", "Berlin"),
            ],
        )
        .await
        .assert_redirect("/client/payers");
    let owner_id = id_of(&app, "users", "email", "ann@example.com");
    let path = format!("/client/users/{owner_id}");
    let page = admin
        .submit(
            &path,
            &path,
            &[
                ("name", "Ann"),
                ("email", "stolen@example.com"),
                ("enabled", "on"),
            ],
        )
        .await;
    assert!(
        page.field_error("email")
            .contains("cannot change users' emails or passwords")
    );
    let page = admin
        .submit(
            &path,
            &path,
            &[
                ("name", "Ann"),
                ("email", "ann@example.com"),
                ("password", "a new password"),
                ("enabled", "on"),
            ],
        )
        .await;
    assert!(page.field_error("password").contains("cannot change"));
    assert!(
        admin
            .get("/client/profile")
            .await
            .exists("#password-refused")
    );
    ann.get("/client").await;
    assert_eq!(
        ann.get("/client").await.status,
        StatusCode::OK,
        "the client's own session is untouched"
    );

    let events = AuditEvent::latest(&mut app.conn(), 20).unwrap();
    let payer = events
        .iter()
        .find(|e| e.action == "payer.create")
        .expect("audited");
    assert!(
        payer.employee_id.is_some()
            && payer.user_id.is_some()
            && payer.client_id == Some(billpanel::ids::ClientId(client))
    );
    assert_eq!(
        payer.actor,
        format!("admin@example.com as client #{client}")
    );
}

#[actix_web::test]
async fn the_owner_edits_contacts_and_a_user_changes_its_password() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    ann.submit(
        "/client/profile",
        "/client/profile",
        &[
            ("user_name", "Ann Lee"),
            ("phone", "+49 30 123"),
            ("country", "de"),
        ],
    )
    .await
    .assert_redirect("/client/profile");
    let page = ann.get("/client/profile").await;
    assert_eq!(page.input_value("phone").as_deref(), Some("+49 30 123"));
    assert_eq!(page.input_value("country").as_deref(), Some("DE"));
    assert_eq!(
        page.text_of("#client-name"),
        "Ann",
        "the client's name is the provider's to change"
    );

    let other = app.browser();
    other.sign_in_as_client("ann@example.com", PASSWORD).await;
    let page = ann
        .submit(
            "/client/profile",
            "/client/profile/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a new client password"),
                ("new_password_confirm", "a new client password"),
            ],
        )
        .await;
    page.assert_redirect("/client/profile");
    assert_eq!(ann.get("/client/profile").await.status, StatusCode::OK);
    other
        .get("/client")
        .await
        .assert_redirect("/login?next=%2Fclient");
    app.browser()
        .sign_in_as_client("ann@example.com", "a new client password")
        .await
        .assert_redirect("/client");
}

#[actix_web::test]
async fn a_user_manager_cannot_take_over_the_owner_or_stronger_users() {
    let app = TestApp::spawn().await;
    let owner = app.browser();
    owner.register("ann@example.com", "Ann").await;
    for (name, email, section) in [
        ("Manager", "manager@example.com", "users"),
        ("Payer clerk", "payers@example.com", "payers"),
    ] {
        owner.add_user(name, email, &[section]).await;
    }
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
                ("name", "Ann"),
                ("email", "mine@example.com"),
                ("enabled", "on"),
            ],
        )
        .await;
    assert!(
        page.field_error("email")
            .contains("changed by your provider")
    );
    let page = manager
        .submit(
            &path,
            &path,
            &[
                ("name", "Ann"),
                ("email", "ann@example.com"),
                ("password", "taken over now"),
                ("enabled", "on"),
            ],
        )
        .await;
    assert!(page.field_error("password").contains("Only the owner"));
    let clerk = id_of(&app, "users", "email", "payers@example.com");
    let path = format!("/client/users/{clerk}");
    let page = manager
        .submit(
            &path,
            &path,
            &[
                ("name", "Payer clerk"),
                ("email", "payers@example.com"),
                ("password", "taken over now"),
                ("enabled", "on"),
                ("sections", "payers"),
            ],
        )
        .await;
    assert!(
        page.text_of("#sections-error")
            .contains("sections you do not have")
    );
    manager
        .submit("/client/users", &format!("{path}/delete"), &[])
        .await;
    assert_eq!(app.count("users"), 3, "the stronger user was not deleted");
    app.browser()
        .sign_in_as_client("ann@example.com", PASSWORD)
        .await
        .assert_redirect("/client");
    app.browser()
        .sign_in_as_client("payers@example.com", PASSWORD)
        .await
        .assert_redirect("/client");
    // The owner's own email is the provider's to change, even for the owner.
    let path = format!("/client/users/{owner_id}");
    let page = owner
        .submit(
            &path,
            &path,
            &[
                ("name", "Ann"),
                ("email", "ann.new@example.com"),
                ("enabled", "on"),
            ],
        )
        .await;
    assert!(
        page.field_error("email")
            .contains("changed by your provider")
    );
}

#[actix_web::test]
async fn an_employee_working_as_the_client_cannot_create_sign_ins() {
    let app = TestApp::spawn().await;
    app.browser().register("ann@example.com", "Ann").await;
    let client = client_id_by_email(&app, "ann@example.com");
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    admin
        .log_in_as_client(client)
        .await
        .assert_redirect("/client");
    let page = admin
        .submit(
            "/client/users/new",
            "/client/users",
            &[
                ("name", "Backdoor"),
                ("email", "backdoor@example.com"),
                ("password", PASSWORD),
                ("enabled", "on"),
                ("sections", "users"),
            ],
        )
        .await;
    assert!(page.field_error("email").contains("cannot create sign-ins"));
    assert_eq!(app.count("users"), 1);
}

#[actix_web::test]
async fn re_enabling_a_client_does_not_bring_old_sessions_back() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    let client = client_id_by_email(&app, "ann@example.com");
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    let card = format!("/admin/clients/{client}");
    let copy = ann.copy_of_session();
    admin.submit(&card, &format!("{card}/disable"), &[]).await;
    admin.submit(&card, &format!("{card}/enable"), &[]).await;
    copy.get("/client")
        .await
        .assert_redirect("/login?next=%2Fclient");
}

#[actix_web::test]
async fn bad_profile_input_writes_nothing() {
    let app = TestApp::spawn().await;
    let ann = app.browser();
    ann.register("ann@example.com", "Ann").await;
    let page = ann
        .submit(
            "/client/profile",
            "/client/profile",
            &[("user_name", "Ann Lee"), ("country", "Germany")],
        )
        .await;
    assert_eq!(page.status.as_u16(), FORM_SHOWN_AGAIN.as_u16());
    assert!(page.field_error("country").contains("two-letter"));
    assert_eq!(
        ann.get("/client/profile")
            .await
            .input_value("user_name")
            .as_deref(),
        Some("Ann"),
        "the name was not saved"
    );
}
