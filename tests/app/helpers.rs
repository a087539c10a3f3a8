//! The test application and a browser to use it with, with helpers named after what
//! people do: `register`, `sign_in_as_admin`, `sign_out`.

use std::net::TcpListener;

use actix_web::HttpServer;
use billpanel::config::Config;
use billpanel::db::{self, DatabaseUrl, DbConnection, DbPool, Engine};
use billpanel::server;
use billpanel::web::{self, AppState};
use diesel::Connection;
use diesel::connection::SimpleConnection;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use scraper::{Html, Selector};

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin password 1";
pub const PASSWORD: &str = "client password 1";

/// A database made for one test and removed after it.
pub struct TestDatabase {
    pub url: DatabaseUrl,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// An empty database on the engine `TEST_DATABASE_URL` names (SQLite when unset).
    pub fn new() -> Self {
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(server_url) if server_url.starts_with("postgres") => {
                let name = format!("billpanel_test_{}", billpanel::config::random_hex(8));
                let mut admin = diesel::PgConnection::establish(&server_url)
                    .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {server_url}: {e}"));
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap();
                let base = server_url.rsplit_once('/').map(|(b, _)| b).unwrap();
                let url = DatabaseUrl::parse(&format!("{base}/{name}")).unwrap();
                TestDatabase {
                    url,
                    _dir: None,
                    postgres: Some((server_url, name)),
                }
            }
            _ => {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("test.db");
                let url = DatabaseUrl::parse(&format!("sqlite://{}", path.display())).unwrap();
                TestDatabase {
                    url,
                    _dir: Some(dir),
                    postgres: None,
                }
            }
        }
    }

    pub fn engine(&self) -> Engine {
        self.url.engine
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((server_url, name)) = &self.postgres
            && let Ok(mut admin) = diesel::PgConnection::establish(server_url)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// What the test card gateway signs with in tests.
pub const GATEWAY_SECRET: &str = "test-gateway-secret-for-the-tests";

pub fn test_config(url: &DatabaseUrl) -> Config {
    Config {
        database_url: url.clone(),
        bind: "127.0.0.1:0".into(),
        public_url: "http://127.0.0.1".into(),
        secret_key: billpanel::config::random_hex(32).into_bytes(),
        admin_email: Some(ADMIN_EMAIL.into()),
        admin_password: Some(ADMIN_PASSWORD.into()),
        behind_proxy: false,
        pool_size: 4,
        impersonation_minutes: 60,
        test_gateway: Some(GATEWAY_SECRET.as_bytes().to_vec()),
        billing_schedule: false,
        // Tests register many clients from 127.0.0.1; one test checks the limit itself.
        registrations_per_hour: 100_000,
        mail: Default::default(),
    }
}

/// The application serving on a free port of 127.0.0.1 over its own fresh database.
pub struct TestApp {
    pub base: String,
    pub pool: DbPool,
    /// Stops the app's mail thread with the app.
    pub _mailer: Option<server::MailerHandle>,
    /// Kept so the database lives as long as the app (and is dropped after it).
    pub _db: TestDatabase,
    /// What the SMTP server received, when the app sends its mail to one.
    pub mailbox: Option<crate::smtp_server::Mailbox>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Like `spawn`, with settings changed first.
    pub async fn spawn_with(change: impl FnOnce(&mut Config)) -> TestApp {
        let db = TestDatabase::new();
        let mut config = test_config(&db.url);
        change(&mut config);
        let pool = server::open_database(&config).expect("database opens and migrates");
        server::ensure_admin(&pool, &config).expect("administrator created");
        // Mail is delivered as `serve` delivers it, when the test gives a server to send to.
        let mailer = config
            .mail
            .smtp
            .is_some()
            .then(|| server::spawn_mailer(pool.clone(), &config.mail).expect("mailer starts"));
        let base = serve(AppState::new(pool.clone(), config));
        TestApp {
            base,
            pool,
            _mailer: mailer,
            _db: db,
            mailbox: None,
        }
    }

    /// An app that sends its mail to `smtp`, looking for mail every 100 ms and trying a
    /// failed message again 200 ms later (twice, so three tries in all).
    pub async fn sending_mail_to(smtp: &crate::smtp_server::SmtpServer) -> TestApp {
        let url = smtp.url();
        let mut app = Self::spawn_with(move |config| {
            config.mail.smtp = Some(url);
            config.mail.from = "Billing <billing@provider.test>".parse().unwrap();
            config.mail.poll = std::time::Duration::from_millis(100);
            config.mail.retry_delays = vec![std::time::Duration::from_millis(200); 2];
        })
        .await;
        app.mailbox = Some(smtp.mailbox());
        app
    }

    /// The engine the app's database runs on.
    pub fn engine(&self) -> Engine {
        self._db.engine()
    }

    /// A new browser with an empty cookie jar.
    pub fn browser(&self) -> Browser {
        let mut browser = Browser::new(&self.base).reading_mail_of(&self._db.url);
        browser.mailbox = self.mailbox.clone();
        browser
    }

    /// Direct database access, for what no page can do yet and for checking what was written.
    pub fn conn(&self) -> db::PooledDb {
        self.pool.get().expect("a database connection")
    }

    pub fn count(&self, table: &str) -> i64 {
        count_rows(&mut self.conn(), table)
    }
}

/// Serves `state` on a free port and returns its base URL.
pub fn serve(state: AppState) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = HttpServer::new(move || web::app(state.clone()))
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
    actix_web::rt::spawn(server);
    base
}

pub fn count_rows(conn: &mut DbConnection, table: &str) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table}"))
        .get_result::<Count>(conn)
        .unwrap()
        .n
}

/// One person's browser: keeps cookies, does not follow redirects (tests look at them).
pub struct Browser {
    pub base: String,
    pub http: reqwest::Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
    /// The app's database, where the mail it sends waits (the links people follow).
    database: Option<DatabaseUrl>,
    /// The SMTP server's mailbox, when the app sends mail: a sent message's secrets are
    /// hidden in the outbox, so its links are read where it arrived.
    mailbox: Option<crate::smtp_server::Mailbox>,
}

/// A response read whole.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    /// The text of the first element matching `selector`, trimmed ("" when none).
    pub fn text_of(&self, selector: &str) -> String {
        let sel = Selector::parse(selector).unwrap();
        self.html()
            .select(&sel)
            .next()
            .map(|e| e.text().collect::<String>().trim().to_owned())
            .unwrap_or_default()
    }

    /// The text of every element matching `selector` (table rows, list items).
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let sel = Selector::parse(selector).unwrap();
        self.html()
            .select(&sel)
            .map(|e| {
                e.text()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// The `href` of the first link matching `selector`, when there is one.
    pub fn href_of(&self, selector: &str) -> Option<String> {
        let sel = Selector::parse(selector).unwrap();
        self.html()
            .select(&sel)
            .next()
            .and_then(|a| a.value().attr("href").map(str::to_owned))
    }

    pub fn exists(&self, selector: &str) -> bool {
        let sel = Selector::parse(selector).unwrap();
        self.html().select(&sel).next().is_some()
    }

    /// The `value` attribute of the input named `name`.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let sel = Selector::parse(&format!("input[name=\"{name}\"]")).unwrap();
        self.html()
            .select(&sel)
            .next()
            .and_then(|e| e.value().attr("value").map(str::to_owned))
    }

    /// The message shown at a form field (Bootstrap's invalid feedback under it).
    pub fn field_error(&self, name: &str) -> String {
        self.text_of(&format!("#{name}-error"))
    }

    pub fn assert_redirect(&self, to: &str) {
        assert_eq!(
            self.status,
            StatusCode::SEE_OTHER,
            "expected a redirect to {to}, body: {}",
            self.body
        );
        assert_eq!(self.location.as_deref(), Some(to));
    }
}

impl Browser {
    pub fn new(base: &str) -> Self {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser {
            base: base.to_owned(),
            http,
            jar,
            database: None,
            mailbox: None,
        }
    }

    /// The same browser, able to read the mail the app at `database` sends (to follow its
    /// links, as a person reads its inbox).
    pub fn reading_mail_of(self, database: &DatabaseUrl) -> Self {
        Browser {
            database: Some(database.clone()),
            ..self
        }
    }

    /// Another browser holding a copy of this one's cookies, as a stolen session would.
    pub fn copy_of_session(&self) -> Browser {
        use reqwest::cookie::CookieStore;
        let url: reqwest::Url = self.base.parse().unwrap();
        let mut copy = Browser::new(&self.base);
        copy.database = self.database.clone();
        if let Some(cookies) = self.jar.cookies(&url) {
            for cookie in cookies.to_str().unwrap().split("; ") {
                copy.jar.add_cookie_str(cookie, &url);
            }
        }
        copy
    }

    async fn read(response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        let location = headers
            .get(LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let body = response.text().await.unwrap();
        Page {
            status,
            location,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::read(
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts the fields exactly as given (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .unwrap();
        Self::read(response).await
    }

    /// Opens `page`, takes the form's CSRF token from it and posts `fields` to `action`,
    /// as a person filling in the form would.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let form_page = self.get(page).await;
        let token = form_page
            .input_value("csrf_token")
            .unwrap_or_else(|| panic!("{page} has no CSRF token (status {})", form_page.status));
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(action, &all).await
    }

    /// Registers as a visitor does: the form, then the link mailed to the address (read
    /// from the outbox), then the confirmation page's button. Returns that last answer (a
    /// redirect to the client area when it worked).
    pub async fn register(&self, email: &str, name: &str) -> Page {
        let page = self
            .submit(
                "/register",
                "/register",
                &[
                    ("email", email),
                    ("name", name),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                ],
            )
            .await;
        if page.location.as_deref() != Some("/register/sent") {
            return page;
        }
        let link = self.link_mailed_to(email, "/register/confirm?token=");
        self.submit(&link, "/register/confirm", &[("token", token_of(&link))])
            .await
    }

    /// The newest link starting with `path` in the mail queued for `email`, as a path; once
    /// the app has sent it (its token hidden in the outbox), read where it arrived.
    pub fn link_mailed_to(&self, email: &str, path: &str) -> String {
        let pool = db::connect_lazily(
            self.database
                .as_ref()
                .expect("a browser that reads the app's mail"),
            1,
            std::time::Duration::from_secs(5),
        );
        let email = email.trim().to_lowercase();
        let started = std::time::Instant::now();
        loop {
            let mails =
                billpanel::db::models::OutboxMail::to_recipient(&mut pool.get().unwrap(), &email)
                    .unwrap();
            let queued = mails.iter().find_map(|m| {
                let at = m.body.find(path)?;
                let end = m.body[at..]
                    .find(char::is_whitespace)
                    .map_or(m.body.len(), |e| at + e);
                Some(m.body[at..end].to_owned())
            });
            match (queued, &self.mailbox) {
                (Some(link), _) if !link.contains('…') => return link,
                (_, Some(mailbox)) => {
                    if let Some(link) = mailbox.link(&email, path) {
                        return link;
                    }
                    assert!(
                        started.elapsed().as_secs() < 15,
                        "no mail to {email} arrived with a link to {path}"
                    );
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                (_, None) => panic!("no mail to {email} holds a link to {path}: {mails:?}"),
            }
        }
    }

    /// The owner (or a user with the users section) invites a user with these sections,
    /// and the invited person accepts the mailed link with `PASSWORD` (in a browser of its
    /// own, which is then left). The user can then sign in.
    pub async fn add_user(&self, name: &str, email: &str, sections: &[&str]) {
        let mut fields = vec![("name", name), ("email", email)];
        fields.extend(sections.iter().map(|s| ("sections", *s)));
        self.submit("/client/users/new", "/client/users", &fields)
            .await
            .assert_redirect("/client/users");
        let link = self.link_mailed_to(email, "/invitation?token=");
        let invited = Browser {
            database: self.database.clone(),
            ..Browser::new(&self.base)
        };
        invited
            .submit(
                &link,
                "/invitation",
                &[
                    ("token", token_of(&link)),
                    ("name", name),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                ],
            )
            .await
            .assert_redirect("/client");
    }

    pub async fn sign_in_as_client(&self, email: &str, password: &str) -> Page {
        self.submit(
            "/login",
            "/login",
            &[("email", email), ("password", password)],
        )
        .await
    }

    pub async fn sign_in_as_admin(&self) -> Page {
        let page = self.sign_in_to_admin(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        page.assert_redirect("/admin");
        page
    }

    pub async fn sign_in_to_admin(&self, email: &str, password: &str) -> Page {
        self.submit(
            "/admin/login",
            "/admin/login",
            &[("email", email), ("password", password)],
        )
        .await
    }

    /// "Log in as client" with the button on the client's card; on success the browser then
    /// works in the client area.
    pub async fn log_in_as_client(&self, client: i64) -> Page {
        let card = format!("/admin/clients/{client}");
        self.submit(&card, &format!("{card}/impersonate"), &[])
            .await
    }

    /// Signs out with the button in the client area.
    pub async fn sign_out_of_client(&self) -> Page {
        self.submit("/client", "/logout", &[]).await
    }

    /// Signs out with the button in the admin area.
    pub async fn sign_out_of_admin(&self) -> Page {
        self.submit("/admin", "/admin/logout", &[]).await
    }
}

/// The token of a link (`...?token=abc`).
pub fn token_of(link: &str) -> &str {
    link.rsplit_once("token=").map_or("", |(_, t)| t)
}

/// The id of the row of `table` whose `column` equals `value`.
pub fn id_of(app: &TestApp, table: &str, column: &str, value: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    use diesel::RunQueryDsl;
    diesel::sql_query(format!(
        "SELECT id FROM {table} WHERE {column} = '{}'",
        value.replace('\'', "''")
    ))
    .get_result::<Id>(&mut app.conn())
    .unwrap_or_else(|e| panic!("no {table} with {column} = {value}: {e}"))
    .id
}

/// The client a user belongs to.
pub fn client_of_user(app: &TestApp, user_id: i64) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        client_id: i64,
    }
    use diesel::RunQueryDsl;
    diesel::sql_query(format!("SELECT client_id FROM users WHERE id = {user_id}"))
        .get_result::<Id>(&mut app.conn())
        .unwrap()
        .client_id
}

/// The client registered with this owner email.
pub fn client_id_by_email(app: &TestApp, email: &str) -> i64 {
    client_of_user(app, id_of(app, "users", "email", email))
}

/// What administrators do in the staff pages, through the forms.
impl Browser {
    /// Creates an employee (not an administrator) in the given departments; returns its id.
    pub async fn create_employee(
        &self,
        app: &TestApp,
        name: &str,
        email: &str,
        departments: &[i64],
    ) -> i64 {
        let ids: Vec<String> = departments.iter().map(ToString::to_string).collect();
        let mut fields = vec![
            ("name", name),
            ("email", email),
            ("password", PASSWORD),
            ("enabled", "on"),
        ];
        fields.extend(ids.iter().map(|id| ("department_ids", id.as_str())));
        self.submit("/admin/employees/new", "/admin/employees", &fields)
            .await
            .assert_redirect("/admin/employees");
        id_of(app, "employees", "email", email)
    }

    /// Creates a department with these members; returns its id.
    pub async fn create_department(&self, app: &TestApp, name: &str, members: &[i64]) -> i64 {
        let ids: Vec<String> = members.iter().map(ToString::to_string).collect();
        let mut fields = vec![
            ("name", name),
            ("time_zone", "UTC"),
            ("response_hours", "8"),
        ];
        fields.extend(ids.iter().map(|id| ("member_ids", id.as_str())));
        let page = self
            .submit("/admin/departments/new", "/admin/departments", &fields)
            .await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "department not created: {}",
            page.body
        );
        id_of(app, "departments", "name", name)
    }

    /// Sets the permissions of a department (`"departments"`) or an employee (`"employees"`).
    pub async fn grant(&self, kind: &str, id: i64, keys: &[&str]) {
        let page = format!("/admin/{kind}/{id}/permissions");
        let fields: Vec<(&str, &str)> = keys.iter().map(|k| ("permissions", *k)).collect();
        self.submit(&page, &page, &fields)
            .await
            .assert_redirect(&format!("/admin/{kind}/{id}"));
    }
}

// What administrators set up in the catalog and the payment methods, through the forms.

/// A tariff of the main provider, made through the catalog pages; returns its id.
pub async fn tariff(app: &TestApp, admin: &Browser, name: &str, fields: &[(&str, &str)]) -> i64 {
    let type_name = format!("{name} type");
    admin
        .submit(
            "/admin/catalog",
            "/admin/catalog/types",
            &[("type_name", &type_name)],
        )
        .await
        .assert_redirect("/admin/catalog");
    let provider = id_of(app, "providers", "name", "Main provider").to_string();
    let kind = id_of(app, "product_types", "name", &type_name).to_string();
    let mut all = vec![
        ("provider_id", provider.as_str()),
        ("product_type_id", kind.as_str()),
        ("name", name),
        ("orderable", "on"),
    ];
    all.extend_from_slice(fields);
    admin
        .submit("/admin/catalog/tariffs/new", "/admin/catalog/tariffs", &all)
        .await
        .assert_redirect("/admin/catalog");
    id_of(app, "tariffs", "name", name)
}

/// A payment method of the main provider and company in RUB, added on its form.
/// The administrator fills in what documents need on the default company, renaming it
/// `legal_name`: a Russian legal entity with VAT 20 % included in prices.
pub async fn company_ready(app: &TestApp, admin: &Browser, legal_name: &str) {
    company_ready_with(app, admin, legal_name, "vat_included").await
}

/// As `company_ready`, with VAT 20 % counted as `tax_mode` says (`vat_included`,
/// `vat_on_top` or `none`).
pub async fn company_ready_with(app: &TestApp, admin: &Browser, legal_name: &str, tax_mode: &str) {
    let company = id_of(app, "companies", "legal_name", "My company");
    let provider = id_of(app, "providers", "name", "Main provider").to_string();
    let path = format!("/admin/companies/{company}");
    admin
        .submit(
            &path,
            &path,
            &[
                ("legal_name", legal_name),
                ("kind", "legal_entity"),
                ("country", "RU"),
                ("tax_id", "7700000009"),
                ("kpp", "770001001"),
                ("legal_address", "1 Tverskaya St, Moscow"),
                (
                    "bank_details",
                    "Account 40702810000000000001, BIC 044525000",
                ),
                ("signatory_name", "Ivan Petrov"),
                ("signatory_title", "General director"),
                ("tax_mode", tax_mode),
                ("tax_rate", "20"),
                ("bill_due_days", "5"),
                ("provider_ids", &provider),
            ],
        )
        .await
        .assert_redirect("/admin/companies");
}

pub async fn payment_method(
    app: &TestApp,
    admin: &Browser,
    name: &str,
    kind: &str,
    extra: &[(&str, &str)],
) -> i64 {
    let provider = id_of(app, "providers", "name", "Main provider").to_string();
    let company = id_of(app, "companies", "legal_name", "My company").to_string();
    let currency = id_of(app, "currencies", "code", "RUB").to_string();
    let mut fields = vec![
        ("name", name),
        ("kind", kind),
        ("company_id", company.as_str()),
        ("currency_id", currency.as_str()),
        ("enabled", "on"),
        ("providers", provider.as_str()),
    ];
    fields.extend_from_slice(extra);
    admin
        .submit(
            "/admin/payment-methods/new",
            "/admin/payment-methods",
            &fields,
        )
        .await
        .assert_redirect("/admin/payment-methods");
    id_of(app, "payment_methods", "name", name)
}
