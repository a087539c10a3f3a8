//! The catalog: product types and tariffs priced in the provider's currency.

use billpanel::web::page::FORM_SHOWN_AGAIN;

use crate::helpers::{Browser, TestApp, id_of};

async fn add_type(admin: &Browser, name: &str) {
    admin
        .submit(
            "/admin/catalog",
            "/admin/catalog/types",
            &[("type_name", name)],
        )
        .await
        .assert_redirect("/admin/catalog");
}

#[actix_web::test]
async fn tariffs_are_priced_exactly_per_period_and_keep_their_provider() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    admin.sign_in_as_admin().await;
    add_type(&admin, "Virtual server").await;
    let page = admin
        .submit(
            "/admin/catalog",
            "/admin/catalog/types",
            &[("type_name", "Virtual server")],
        )
        .await;
    assert!(page.field_error("type_name").contains("exists already"));
    let provider = id_of(&app, "providers", "name", "Main provider").to_string();
    let vps = id_of(&app, "product_types", "name", "Virtual server").to_string();

    let page = admin
        .submit(
            "/admin/catalog/tariffs/new",
            "/admin/catalog/tariffs",
            &[
                ("provider_id", &provider),
                ("product_type_id", &vps),
                ("name", "VPS-1"),
                ("price_1", "499.905"),
                ("setup_fee", "0"),
            ],
        )
        .await;
    assert_eq!(page.status.as_u16(), FORM_SHOWN_AGAIN.as_u16());
    assert!(page.field_error("price_1").contains("at most 2 digits"));
    assert_eq!(page.input_value("price_1").as_deref(), Some("499.905"));
    let page = admin
        .submit(
            "/admin/catalog/tariffs/new",
            "/admin/catalog/tariffs",
            &[
                ("provider_id", &provider),
                ("product_type_id", &vps),
                ("name", "VPS-1"),
            ],
        )
        .await;
    assert!(page.field_error("price_1").contains("at least one period"));
    assert_eq!(app.count("tariffs"), 0);

    admin
        .submit(
            "/admin/catalog/tariffs/new",
            "/admin/catalog/tariffs",
            &[
                ("provider_id", &provider),
                ("product_type_id", &vps),
                ("name", "VPS-1"),
                ("price_1", "499.90"),
                ("price_12", "4999"),
                ("setup_fee", "100"),
                ("orderable", "on"),
                ("per_client_limit", "3"),
            ],
        )
        .await
        .assert_redirect("/admin/catalog");
    let list = admin.get("/admin/catalog").await.text_of("#tariffs");
    assert!(list.contains("499.90 RUB / 1 mo"), "{list}");
    assert!(list.contains("4,999.00 RUB / 12 mo"), "{list}");
    assert!(list.contains("100.00 RUB"));

    // The provider cannot change once the tariff exists.
    diesel::RunQueryDsl::execute(
        diesel::sql_query(
            "INSERT INTO providers (name, currency_id, time_zone, created_at) \
             SELECT 'Domains EU', id, 'UTC', CURRENT_TIMESTAMP FROM currencies WHERE code = 'EUR'",
        ),
        &mut app.conn(),
    )
    .unwrap();
    let other = id_of(&app, "providers", "name", "Domains EU").to_string();
    let tariff = id_of(&app, "tariffs", "name", "VPS-1");
    let path = format!("/admin/catalog/tariffs/{tariff}");
    let form = admin.get(&path).await;
    assert_eq!(form.input_value("price_1").as_deref(), Some("499.90"));
    let page = admin
        .submit(
            &path,
            &path,
            &[
                ("provider_id", &other),
                ("product_type_id", &vps),
                ("name", "VPS-1"),
                ("price_1", "5"),
            ],
        )
        .await;
    assert!(page.field_error("provider_id").contains("fixed"));
    admin
        .submit(
            &path,
            &path,
            &[
                ("provider_id", &provider),
                ("product_type_id", &vps),
                ("name", "VPS-1"),
                ("price_1", "549.90"),
            ],
        )
        .await
        .assert_redirect("/admin/catalog");
    let list = admin.get("/admin/catalog").await.text_of("#tariffs");
    assert!(
        list.contains("549.90 RUB / 1 mo") && !list.contains("12 mo"),
        "{list}"
    );
    assert!(list.contains("Not orderable"));
    let log = admin
        .get("/admin/audit")
        .await
        .texts("#audit-events tbody tr");
    assert!(
        log.iter()
            .any(|r| r.contains("Edited") && r.contains("tariff #") && r.contains("549.90 RUB")),
        "{log:?}"
    );
}
