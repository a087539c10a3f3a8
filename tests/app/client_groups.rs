//! Client groups: discount, members from the group, the card and the list, the filter.

use billpanel::web::page::FORM_SHOWN_AGAIN;

use crate::helpers::{TestApp, client_id_by_email, id_of};

#[actix_web::test]
async fn groups_take_members_from_everywhere_and_filter_the_list() {
    let app = TestApp::spawn().await;
    for (email, name) in [
        ("ann@example.com", "Ann"),
        ("bob@example.com", "Bob"),
        ("carol@example.com", "Carol"),
    ] {
        app.browser().register(email, name).await;
    }
    let (ann, bob, carol) = (
        client_id_by_email(&app, "ann@example.com"),
        client_id_by_email(&app, "bob@example.com"),
        client_id_by_email(&app, "carol@example.com"),
    );
    let admin = app.browser();
    admin.sign_in_as_admin().await;

    let page = admin
        .submit(
            "/admin/client-groups/new",
            "/admin/client-groups",
            &[("name", "Resellers"), ("discount", "150")],
        )
        .await;
    assert_eq!(page.status.as_u16(), FORM_SHOWN_AGAIN.as_u16());
    assert!(page.field_error("discount").contains("between 0 and 100"));
    assert_eq!(page.input_value("discount").as_deref(), Some("150"));
    assert_eq!(app.count("client_groups"), 0);

    admin
        .submit(
            "/admin/client-groups/new",
            "/admin/client-groups",
            &[("name", "Resellers"), ("discount", "12.5")],
        )
        .await;
    let group = id_of(&app, "client_groups", "name", "Resellers");
    let group_page = format!("/admin/client-groups/{group}");

    // From the group page, by id.
    let ann_id = ann.to_string();
    admin
        .submit(
            &group_page,
            &format!("{group_page}/members"),
            &[("client_id", &ann_id)],
        )
        .await
        .assert_redirect(&group_page);
    // In bulk from the list.
    let (bob_id, carol_id, group_id) = (bob.to_string(), carol.to_string(), group.to_string());
    admin
        .submit(
            "/admin/clients",
            "/admin/client-groups/add",
            &[
                ("group_id", &group_id),
                ("client_ids", &bob_id),
                ("client_ids", &ann_id),
                ("back", "/admin/clients"),
            ],
        )
        .await
        .assert_redirect("/admin/clients");
    assert!(
        admin
            .get("/admin/clients")
            .await
            .body
            .contains("1 client(s) added"),
        "Ann was in already"
    );
    let members = admin.get(&group_page).await.texts("#members li");
    assert_eq!(members.len(), 2);

    let filtered = admin
        .get(&format!("/admin/clients?group={group}&sort=name"))
        .await;
    assert_eq!(
        filtered.texts("#clients td.client-name"),
        vec!["Ann", "Bob"]
    );
    let list = admin.get("/admin/client-groups").await.text_of("#groups");
    assert!(list.contains("12.5 %"), "{list}");

    // From the card: add Carol, remove Bob.
    let carol_card = format!("/admin/clients/{carol}");
    admin
        .submit(
            &carol_card,
            "/admin/client-groups/add",
            &[
                ("group_id", &group_id),
                ("client_id", &carol_id),
                ("back", &carol_card),
            ],
        )
        .await
        .assert_redirect(&carol_card);
    assert_eq!(
        admin.get(&carol_card).await.texts("#client-groups a.badge"),
        vec!["Resellers"]
    );
    let bob_card = format!("/admin/clients/{bob}");
    admin
        .submit(
            &bob_card,
            &format!("{group_page}/members/{bob}/remove"),
            &[("back", &bob_card)],
        )
        .await
        .assert_redirect(&bob_card);
    assert!(
        admin
            .get(&bob_card)
            .await
            .texts("#client-groups a.badge")
            .is_empty()
    );

    // A group with members is not deleted by accident.
    let page = admin
        .submit(
            &format!("{group_page}/delete"),
            &format!("{group_page}/delete"),
            &[],
        )
        .await;
    assert!(page.text_of("#delete-error").contains("still has members"));
    let log = admin
        .get("/admin/audit")
        .await
        .texts("#audit-events tbody tr");
    for action in ["Created", "Added clients", "Removed a client"] {
        assert!(log.iter().any(|r| r.contains(action)), "{action} audited");
    }
}

#[actix_web::test]
async fn the_client_form_sets_groups() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    for name in ["Resellers", "VIP"] {
        admin
            .submit(
                "/admin/client-groups/new",
                "/admin/client-groups",
                &[("name", name), ("discount", "5")],
            )
            .await;
    }
    let (resellers, vip) = (
        id_of(&app, "client_groups", "name", "Resellers").to_string(),
        id_of(&app, "client_groups", "name", "VIP").to_string(),
    );
    let provider = id_of(&app, "providers", "name", "Main provider").to_string();
    admin
        .submit(
            "/admin/clients/new",
            "/admin/clients",
            &[
                ("email", "olga@example.com"),
                ("name", "Olga"),
                ("kind", "person"),
                ("provider_ids", &provider),
                ("password", crate::helpers::PASSWORD),
                ("groups_shown", "1"),
                ("group_ids", &resellers),
                ("group_ids", &vip),
            ],
        )
        .await;
    let client = client_id_by_email(&app, "olga@example.com");
    let card = format!("/admin/clients/{client}");
    assert_eq!(
        admin.get(&card).await.texts("#client-groups a.badge"),
        vec!["Resellers", "VIP"]
    );
    admin
        .submit(
            &format!("{card}/edit"),
            &card,
            &[
                ("email", "olga@example.com"),
                ("name", "Olga"),
                ("kind", "person"),
                ("provider_ids", &provider),
                ("groups_shown", "1"),
                ("group_ids", &vip),
            ],
        )
        .await
        .assert_redirect(&card);
    assert_eq!(
        admin.get(&card).await.texts("#client-groups a.badge"),
        vec!["VIP"]
    );
    let log = admin
        .get(&format!(
            "/admin/audit?object_type=client&object_id={client}"
        ))
        .await
        .texts("#audit-events tbody tr");
    assert!(
        log.iter()
            .any(|r| r.contains("groups: \"Resellers, VIP\" → \"VIP\"")),
        "{log:?}"
    );
}
