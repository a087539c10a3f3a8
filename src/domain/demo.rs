//! `billpanel seed-demo --clients N`: fills a database with a provider's year — staff in
//! departments with different rights, client groups, a second provider in another
//! currency, tariffs, N clients with owners and payers of every kind, services in every
//! status, a year of payments and expenses written through the ledger, and support
//! tickets with conversations. Rows go in as multi-row INSERTs with ids assigned here, a
//! few thousand to a statement, so 100,000 clients take seconds; the ledger holds.

use chrono::{Datelike, Duration, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::db::{self, DbConnection};
use crate::domain::periods::add_months_in;
use crate::domain::{DomainError, password};

/// Who can sign in to what, for the summary printed at the end.
pub struct DemoReport {
    pub clients: u64,
    pub services: u64,
    pub payments: u64,
    pub tickets: u64,
    /// Bills for the bank transfers, and acts for the twelve months before this one.
    pub bills: u64,
    pub acts: u64,
    /// Mail of the year in the outbox (payment confirmations).
    pub mails: u64,
    pub staff: Vec<(String, String, &'static str)>,
    pub client_logins: Vec<(String, String)>,
}

pub const STAFF_PASSWORD: &str = "demo-staff-password";
pub const CLIENT_PASSWORD: &str = "demo-client-password";

const FIRST: [&str; 12] = [
    "Anna", "Boris", "Chloe", "Dmitri", "Elena", "Felix", "Greta", "Hugo", "Irina", "Jonas",
    "Katya", "Lukas",
];
const LAST: [&str; 12] = [
    "Ivanova", "Schmidt", "Martin", "Petrov", "Rossi", "Novak", "Larsen", "Dubois", "Sokolova",
    "Weber", "Moreau", "Kowalski",
];
const FIRMS: [&str; 8] = [
    "Northwind",
    "Bluefin",
    "Quartz",
    "Helios",
    "Granite",
    "Aurora",
    "Vertex",
    "Juniper",
];
const SUBJECTS: [&str; 6] = [
    "Server does not boot after the update",
    "How do I point my domain here?",
    "Invoice for the last quarter",
    "SSL certificate renewal",
    "Slow disk on my VPS",
    "Please add an IP address",
];

/// Rows for one table, written in one statement per chunk of clients.
struct Rows {
    head: String,
    rows: Vec<String>,
}

impl Rows {
    fn new(head: &str) -> Self {
        Self {
            head: head.into(),
            rows: Vec::new(),
        }
    }

    /// Kept until the chunk is written: tables go in the order their keys need.
    fn push(&mut self, row: String) -> QueryResult<()> {
        self.rows.push(row);
        Ok(())
    }

    fn flush(&mut self, conn: &mut DbConnection) -> QueryResult<()> {
        if !self.rows.is_empty() {
            conn.batch_execute(&format!("{} VALUES {}", self.head, self.rows.join(",")))?;
            self.rows.clear();
        }
        Ok(())
    }
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

fn next_id(conn: &mut DbConnection, table: &str) -> QueryResult<i64> {
    diesel::sql_query(format!(
        "SELECT CAST(COALESCE(MAX(id), 0) + 1 AS BIGINT) AS id FROM {table}"
    ))
    .get_result::<Id>(conn)
    .map(|r| r.id)
}

fn id_where(conn: &mut DbConnection, sql: &str) -> QueryResult<i64> {
    diesel::sql_query(sql).get_result::<Id>(conn).map(|r| r.id)
}

fn ts(t: NaiveDateTime) -> String {
    t.format("'%Y-%m-%d %H:%M:%S'").to_string()
}

fn opt_ts(t: Option<NaiveDateTime>) -> String {
    t.map_or("NULL".into(), ts)
}

/// The organisation around the clients: made once, ids returned for the clients to use.
struct Organisation {
    main_provider: i64,
    eu_provider: i64,
    support: i64,
    support_employee: i64,
    bank_main: i64,
    bank_eu: i64,
    /// (tariff, months, price) at the main provider, and one at the EU provider.
    main_tariffs: Vec<(i64, i32, i64)>,
    eu_tariff: (i64, i32, i64),
    resellers: i64,
}

fn organisation(
    conn: &mut DbConnection,
    staff: &mut Vec<(String, String, &'static str)>,
) -> Result<Organisation, DomainError> {
    let hash = password::hash(STAFF_PASSWORD).map_err(DomainError::Internal)?;
    let now = db::now();
    conn.batch_execute(&format!(
        "UPDATE companies SET bank_details = 'Account 40702810000000000001 at Demo Bank, BIC 044525000, corr. account 30101810400000000225', \
             legal_address = '1 Tverskaya St, Moscow, 125009', country = 'RU', tax_id = '7700000009', kpp = '770001001', \
             signatory_name = 'Ivan Petrov', signatory_title = 'General director', tax_mode = 'vat_included', \
             tax_rate_bp = 2000, email = 'accounts@demo.billpanel.test' WHERE legal_name = 'My company'; \
         INSERT INTO providers (name, currency_id, time_zone, notification_email, site_url, created_at) \
             SELECT 'Cloud EU', id, 'Europe/Berlin', 'billing@cloud-eu.example', 'https://cloud-eu.example', {now} \
             FROM currencies WHERE code = 'EUR'; \
         INSERT INTO companies (legal_name, kind, country, tax_id, legal_address, bank_details, signatory_name, \
             signatory_title, tax_mode, tax_rate_bp, created_at) VALUES \
             ('Cloud EU GmbH', 'legal_entity', 'DE', 'DE123456789', '5 Hauptstrasse, 10115 Berlin', \
             'IBAN DE00 1000 0000 0000 0000 00, BIC DEMODEFFXXX', 'Anna Schmidt', 'Managing director', \
             'vat_included', 1900, {now}); \
         INSERT INTO company_providers (company_id, provider_id) \
             SELECT c.id, p.id FROM companies c, providers p WHERE c.legal_name = 'Cloud EU GmbH' AND p.name = 'Cloud EU'; \
         INSERT INTO departments (name, shown_in_support, business_hours) VALUES ('Accounting', FALSE, \
             'mon=09:00-18:00;tue=09:00-18:00;wed=09:00-18:00;thu=09:00-18:00;fri=09:00-18:00;sat=;sun='); \
         INSERT INTO client_groups (name, description, discount_bp, created_at) VALUES \
             ('Resellers', 'Partners reselling our hosting', 1000, {now}), ('VIP', 'Large accounts', 500, {now}); \
         INSERT INTO product_types (name, created_at) VALUES ('Virtual server', {now}), ('Shared hosting', {now}), ('Domain', {now});",
        now = ts(now)
    ))?;
    let main_provider = id_where(
        conn,
        "SELECT id FROM providers WHERE name = 'Main provider'",
    )?;
    let eu_provider = id_where(conn, "SELECT id FROM providers WHERE name = 'Cloud EU'")?;
    let support = id_where(
        conn,
        "SELECT id FROM departments WHERE name = 'Technical support'",
    )?;
    let accounting = id_where(conn, "SELECT id FROM departments WHERE name = 'Accounting'")?;
    let sales = id_where(conn, "SELECT id FROM departments WHERE name = 'Sales'")?;
    let resellers = id_where(
        conn,
        "SELECT id FROM client_groups WHERE name = 'Resellers'",
    )?;
    let vps = id_where(
        conn,
        "SELECT id FROM product_types WHERE name = 'Virtual server'",
    )?;
    let shared = id_where(
        conn,
        "SELECT id FROM product_types WHERE name = 'Shared hosting'",
    )?;
    let domain = id_where(conn, "SELECT id FROM product_types WHERE name = 'Domain'")?;
    let main_company = id_where(
        conn,
        "SELECT id FROM companies WHERE legal_name = 'My company'",
    )?;
    let eu_company = id_where(
        conn,
        "SELECT id FROM companies WHERE legal_name = 'Cloud EU GmbH'",
    )?;
    let rub = id_where(conn, "SELECT id FROM currencies WHERE code = 'RUB'")?;
    let eur = id_where(conn, "SELECT id FROM currencies WHERE code = 'EUR'")?;

    // Tariffs: (provider, type, name, 1/3/6/12-month prices in minor units, setup fee).
    let catalog = [
        (
            main_provider,
            vps,
            "VPS Start",
            [Some(49_900), Some(139_900), None, Some(499_900)],
            0,
        ),
        (
            main_provider,
            vps,
            "VPS Pro",
            [Some(129_900), Some(369_900), None, Some(1_299_900)],
            50_000,
        ),
        (
            main_provider,
            shared,
            "Hosting Basic",
            [Some(19_900), None, None, Some(199_000)],
            0,
        ),
        (
            main_provider,
            domain,
            "Domain .ru",
            [None, None, None, Some(59_900)],
            0,
        ),
        (
            eu_provider,
            vps,
            "Cloud VPS",
            [Some(1_200), None, None, Some(12_000)],
            0,
        ),
    ];
    let mut ids = Vec::new();
    for (provider, kind, name, p, setup) in catalog {
        let price = |v: Option<i64>| v.map_or("NULL".into(), |v| v.to_string());
        conn.batch_execute(&format!(
            "INSERT INTO tariffs (provider_id, product_type_id, name, description, price_1, price_3, price_6, price_12, \
             setup_fee, orderable, created_at) VALUES ({provider}, {kind}, '{name}', '', {}, {}, {}, {}, {setup}, TRUE, {})",
            price(p[0]), price(p[1]), price(p[2]), price(p[3]), ts(now)
        ))?;
        ids.push(id_where(
            conn,
            &format!("SELECT id FROM tariffs WHERE name = '{name}'"),
        )?);
    }
    let main_tariffs = vec![
        (ids[0], 1, 49_900),
        (ids[0], 3, 139_900),
        (ids[1], 1, 129_900),
        (ids[2], 12, 199_000),
        (ids[3], 12, 59_900),
    ];
    for (name, company, currency, provider) in [
        ("Bank transfer (RUB)", main_company, rub, main_provider),
        ("Bank transfer (EUR)", eu_company, eur, eu_provider),
    ] {
        conn.batch_execute(&format!(
            "INSERT INTO payment_methods (name, kind, company_id, currency_id, min_amount, enabled, created_at) \
             VALUES ('{name}', 'bank_transfer', {company}, {currency}, 100, TRUE, {}); \
             INSERT INTO payment_method_providers (payment_method_id, provider_id) \
             SELECT id, {provider} FROM payment_methods WHERE name = '{name}'",
            ts(now)
        ))?;
    }
    let bank_main = id_where(
        conn,
        "SELECT id FROM payment_methods WHERE name = 'Bank transfer (RUB)'",
    )?;
    let bank_eu = id_where(
        conn,
        "SELECT id FROM payment_methods WHERE name = 'Bank transfer (EUR)'",
    )?;

    // Staff: what each department may do, and one person in each.
    let grants: [(i64, &[&str]); 3] = [
        (
            support,
            &[
                "support.view",
                "support.answer",
                "support.notes",
                "support.assign",
                "clients.view",
                "services.view",
            ],
        ),
        (
            accounting,
            &[
                "finance.payments_view",
                "finance.payments_add",
                "finance.payments_refund",
                "clients.view",
                "finance.currencies_view",
            ],
        ),
        (
            sales,
            &[
                "clients.view",
                "clients.create",
                "clients.edit",
                "services.order",
                "catalog.view",
            ],
        ),
    ];
    for (department, keys) in grants {
        for key in keys {
            conn.batch_execute(&format!(
                "INSERT INTO department_grants (department_id, permission) SELECT {department}, '{key}' \
                 WHERE NOT EXISTS (SELECT 1 FROM department_grants \
                     WHERE department_id = {department} AND permission = '{key}')"
            ))?;
        }
    }
    conn.batch_execute(&format!(
        "INSERT INTO employees (email, name, password_hash, is_superuser, created_at) \
         VALUES ('admin@demo.billpanel.test', 'Ada Admin', '{hash}', TRUE, {})",
        ts(now)
    ))?;
    staff.push((
        "admin@demo.billpanel.test".to_string(),
        STAFF_PASSWORD.to_string(),
        "administrator",
    ));
    let people = [
        (
            "support@demo.billpanel.test",
            "Sam Support",
            support,
            "support employee",
        ),
        (
            "accountant@demo.billpanel.test",
            "Alex Accountant",
            accounting,
            "accountant",
        ),
        (
            "sales@demo.billpanel.test",
            "Sasha Sales",
            sales,
            "sales employee",
        ),
    ];
    let mut support_employee = 0;
    for (email, name, department, role) in people {
        conn.batch_execute(&format!(
            "INSERT INTO employees (email, name, password_hash, created_at) VALUES ('{email}', '{name}', '{hash}', {})",
            ts(now)
        ))?;
        let id = id_where(
            conn,
            &format!("SELECT id FROM employees WHERE email = '{email}'"),
        )?;
        conn.batch_execute(&format!(
            "INSERT INTO department_members (department_id, employee_id) VALUES ({department}, {id})"
        ))?;
        if department == support {
            support_employee = id;
        }
        staff.push((email.to_string(), STAFF_PASSWORD.to_string(), role));
    }
    Ok(Organisation {
        main_provider,
        eu_provider,
        support,
        support_employee,
        bank_main,
        bank_eu,
        main_tariffs,
        eu_tariff: (ids[4], 12, 12_000),
        resellers,
    })
}

/// A service's periods over the year: the expenses it was charged and where it stands now.
struct Periods {
    charged: Vec<(NaiveDateTime, NaiveDateTime)>,
    paid_months: i32,
    paid_until: NaiveDateTime,
}

fn periods(start: NaiveDateTime, months: i32, now: NaiveDateTime, stop_before: bool) -> Periods {
    let zone = chrono_tz::UTC;
    let mut charged = Vec::new();
    let mut paid_months = 0;
    loop {
        let from = add_months_in(start, paid_months, zone);
        let to = add_months_in(start, paid_months + months, zone);
        charged.push((from, to));
        paid_months += months;
        // Active services are paid past now; others stopped at their last period.
        if to > now || (stop_before && add_months_in(start, paid_months + months, zone) > now) {
            return Periods {
                charged,
                paid_months,
                paid_until: to,
            };
        }
    }
}

/// Seeds `clients` clients and the organisation around them, as of `now`.
pub fn seed(
    conn: &mut DbConnection,
    clients: u64,
    now: NaiveDateTime,
    mut progress: impl FnMut(u64, u64),
) -> Result<DemoReport, DomainError> {
    if next_id(conn, "clients")? > 1 {
        return Err(DomainError::Internal(
            "seed-demo fills an empty database, and this one has clients already".into(),
        ));
    }
    let mut staff = Vec::new();
    let org = db::write_transaction(conn, |conn| organisation(conn, &mut staff))?;
    let client_hash = password::hash(CLIENT_PASSWORD).map_err(DomainError::Internal)?;
    let mut rng = StdRng::seed_from_u64(2026);
    let mut ids = [
        next_id(conn, "clients")?,
        next_id(conn, "users")?,
        next_id(conn, "payers")?,
        next_id(conn, "accounts")?,
        next_id(conn, "services")?,
        next_id(conn, "expenses")?,
        next_id(conn, "payments")?,
        next_id(conn, "ledger_entries")?,
        next_id(conn, "tickets")?,
        next_id(conn, "ticket_messages")?,
    ];
    let [
        client_id,
        user_id,
        payer_id,
        account_id,
        service_id,
        expense_id,
        payment_id,
        entry_id,
        ticket_id,
        message_id,
    ] = &mut ids;
    let sqlite = matches!(conn, DbConnection::Sqlite(_));
    let mut t_clients = Rows::new(
        "INSERT INTO clients (id, name, kind, contact_person, phone, country, created_at)",
    );
    let mut t_users = Rows::new(
        "INSERT INTO users (id, client_id, email, name, password_hash, is_owner, created_at, email_confirmed_at)",
    );
    let mut t_payers = Rows::new(
        "INSERT INTO payers (id, client_id, kind, name, email, phone, country, postal_address, tax_id, registration_number, created_at)",
    );
    let mut t_accounts = Rows::new(
        "INSERT INTO accounts (id, client_id, provider_id, balance, credit_limit, created_at)",
    );
    let mut t_services = Rows::new(
        "INSERT INTO services (id, client_id, account_id, tariff_id, period_months, price, order_cost, status, auto_renew, anchor_at, paid_months, paid_until, suspended_at, deleted_at, created_at)",
    );
    let mut t_expenses = Rows::new(
        "INSERT INTO expenses (id, client_id, account_id, service_id, kind, amount, period_start, period_end, comment, created_at)",
    );
    let mut t_payments = Rows::new(
        "INSERT INTO payments (id, client_id, account_id, payer_id, method, amount, status, comment, created_at, paid_at, payment_method_id)",
    );
    let mut t_entries = Rows::new(
        "INSERT INTO ledger_entries (id, account_id, amount, kind, payment_id, expense_id, comment, created_at)",
    );
    let mut t_members = Rows::new("INSERT INTO client_group_members (client_group_id, client_id)");
    let mut t_tickets = Rows::new(
        "INSERT INTO tickets (id, client_id, department_id, subject, status, assigned_to, waiting_since, client_unread, created_at, updated_at, closed_at)",
    );
    let mut t_messages = Rows::new(
        "INSERT INTO ticket_messages (id, ticket_id, user_id, employee_id, author, body, internal, created_at)",
    );
    // SQLite's FTS5 table keys a client's document by the negated id (newest first).
    let mut t_search = Rows::new(if sqlite {
        "INSERT INTO client_search (rowid, document)"
    } else {
        "INSERT INTO client_search (client_id, document)"
    });
    let mut t_terms = Rows::new("INSERT INTO client_search_terms (term, client_id)");
    let mut report = DemoReport {
        clients,
        services: 0,
        payments: 0,
        tickets: 0,
        bills: 0,
        acts: 0,
        mails: 0,
        staff,
        client_logins: Vec::new(),
    };
    let statuses = [
        "active",
        "active",
        "active",
        "active",
        "active",
        "active",
        "active",
        "active",
        "suspended_unpaid",
        "suspended_client",
        "suspended_admin",
        "deleted",
        "ordered",
    ];
    let chunk = 2_000;
    let mut done = 0;
    while done < clients {
        let last = (done + chunk).min(clients);
        db::write_transaction(conn, |conn| {
            for i in done..last {
                let cid = *client_id;
                *client_id += 1;
                let organisation = i % 3 == 2;
                let first = FIRST[rng.random_range(0..FIRST.len())];
                let family = LAST[rng.random_range(0..LAST.len())];
                let person = format!("{first} {family}");
                let name = if organisation {
                    format!(
                        "{} Hosting {}",
                        FIRMS[rng.random_range(0..FIRMS.len())],
                        i + 1
                    )
                } else {
                    format!("{person} {}", i + 1)
                };
                let email = format!("client{}@demo.billpanel.test", i + 1);
                let phone = format!("+7 9{:09}", 100_000_000 + i);
                let country = if i % 10 == 0 { "DE" } else { "RU" };
                let joined = now
                    - Duration::days(rng.random_range(30..365))
                    - Duration::minutes(rng.random_range(0..1440));
                t_clients.push(format!(
                    "({cid}, '{name}', '{}', '{}', '{phone}', '{country}', {})",
                    if organisation {
                        "organisation"
                    } else {
                        "person"
                    },
                    if organisation { person.as_str() } else { "" },
                    ts(joined)
                ))?;
                let uid = *user_id;
                *user_id += 1;
                t_users.push(format!(
                    "({uid}, {cid}, '{email}', '{person}', '{client_hash}', TRUE, {t}, {t})",
                    t = ts(joined)
                ))?;
                let pid = *payer_id;
                *payer_id += 1;
                let (payer_kind, payer_name, tax_id, registration) = match i % 3 {
                    // Tax ids (INN) with their check digits, as billpanel checks them.
                    0 => (
                        "individual",
                        person.clone(),
                        crate::domain::payers::inn_with_check_digits(&format!(
                            "{:010}",
                            5_000_000_000 + i
                        )),
                        String::new(),
                    ),
                    1 => (
                        "sole_proprietor",
                        format!("IP {person}"),
                        crate::domain::payers::inn_with_check_digits(&format!(
                            "{:010}",
                            7_700_000_000 + i
                        )),
                        format!("{:015}", 304_000_000_000_000 + i),
                    ),
                    _ => (
                        "legal_entity",
                        format!("{name} LLC"),
                        crate::domain::payers::inn_with_check_digits(&format!(
                            "{:09}",
                            770_000_000 + i
                        )),
                        format!("{:013}", 1_027_700_000_000 + i),
                    ),
                };
                t_payers.push(format!(
                    "({pid}, {cid}, '{payer_kind}', '{payer_name}', '{email}', '{phone}', '{country}', '{} Lenina St, Moscow', '{tax_id}', '{registration}', {})",
                    i % 200 + 1,
                    ts(joined)
                ))?;
                let document = [
                    name.as_str(),
                    person.as_str(),
                    phone.as_str(),
                    email.as_str(),
                    payer_name.as_str(),
                    tax_id.as_str(),
                ]
                .join(" | ")
                .to_lowercase();
                for term in crate::db::models::client_search::terms(&document) {
                    t_terms.push(format!("('{term}', {cid})"))?;
                }
                let key = if sqlite { -cid } else { cid };
                t_search.push(format!("({key}, '{document}')"))?;
                if i % 50 == 0 {
                    t_members.push(format!("({}, {cid})", org.resellers))?;
                }
                if i < 5 {
                    report
                        .client_logins
                        .push((email.clone(), CLIENT_PASSWORD.to_string()));
                }

                // Accounts: every client at the main provider, one in ten at Cloud EU too.
                let mut accounts = vec![(
                    org.main_provider,
                    vec![
                        org.main_tariffs[rng.random_range(0..org.main_tariffs.len())],
                        org.main_tariffs[rng.random_range(0..org.main_tariffs.len())],
                    ],
                    org.bank_main,
                )];
                if i % 10 == 0 {
                    accounts.push((org.eu_provider, vec![org.eu_tariff], org.bank_eu));
                }
                for (n, (provider, tariffs, method)) in accounts.into_iter().enumerate() {
                    let aid = *account_id;
                    *account_id += 1;
                    let mut spent = 0_i64;
                    for (k, (tariff, months, price)) in tariffs.into_iter().enumerate() {
                        let sid = *service_id;
                        *service_id += 1;
                        report.services += 1;
                        let status = if n == 0 && k == 1 {
                            statuses[(i as usize) % statuses.len()]
                        } else {
                            "active"
                        };
                        let start = joined + Duration::hours(1 + k as i64);
                        if status == "ordered" {
                            t_services.push(format!(
                                "({sid}, {cid}, {aid}, {tariff}, {months}, {price}, {price}, 'ordered', TRUE, NULL, 0, NULL, NULL, NULL, {})",
                                ts(start)
                            ))?;
                            continue;
                        }
                        let p = periods(start, months, now, status != "active");
                        let (suspended_at, deleted_at) = match status {
                            "suspended_unpaid" => (Some(p.paid_until), None),
                            "suspended_client" | "suspended_admin" => {
                                (Some(now - Duration::days(3)), None)
                            }
                            "deleted" => {
                                (Some(p.paid_until), Some(p.paid_until + Duration::days(30)))
                            }
                            _ => (None, None),
                        };
                        t_services.push(format!(
                            "({sid}, {cid}, {aid}, {tariff}, {months}, {price}, {price}, '{status}', TRUE, {}, {}, {}, {}, {}, {})",
                            ts(start), p.paid_months, ts(p.paid_until), opt_ts(suspended_at), opt_ts(deleted_at), ts(start)
                        ))?;
                        for (j, (from, to)) in p.charged.iter().enumerate() {
                            let eid = *expense_id;
                            *expense_id += 1;
                            let kind = if j == 0 { "order" } else { "renewal" };
                            t_expenses.push(format!(
                                "({eid}, {cid}, {aid}, {sid}, '{kind}', {price}, {}, {}, '', {})",
                                ts(*from),
                                ts(*to),
                                ts(*from)
                            ))?;
                            let lid = *entry_id;
                            *entry_id += 1;
                            t_entries.push(format!(
                                "({lid}, {aid}, {}, 'expense', NULL, {eid}, '', {})",
                                -price,
                                ts(*from)
                            ))?;
                            spent += price;
                        }
                    }
                    // Payments over the year: enough for what was charged, plus some left
                    // over; one client in twenty ran short and owes a little.
                    // A client whose service was suspended (or deleted) for non-payment
                    // ran short: its balance does not cover the renewal. One in twenty
                    // others owes a little too.
                    let unpaid = matches!(
                        statuses[(i as usize) % statuses.len()],
                        "suspended_unpaid" | "deleted"
                    );
                    let owed = unpaid || i % 20 == 7;
                    let total = if owed {
                        spent - spent / 10
                    } else {
                        spent + rng.random_range(0..200) * 100
                    };
                    let parts = 3_i64;
                    let mut paid = 0;
                    for part in 0..parts {
                        let amount = if part == parts - 1 {
                            total - paid
                        } else {
                            total / parts
                        };
                        if amount <= 0 {
                            continue;
                        }
                        paid += amount;
                        // The first pays the order; the others fall anywhere in the time
                        // since joining, each at its own second: no pile-up at `now`.
                        let since = (now - joined - Duration::hours(1)).num_seconds().max(0);
                        let later = if part == 0 {
                            0
                        } else {
                            rng.random_range(0..=since)
                        };
                        let at = joined + Duration::seconds(later + 1800 + cid % 600);
                        let at = at.min(now);
                        let yid = *payment_id;
                        *payment_id += 1;
                        report.payments += 1;
                        t_payments.push(format!(
                            "({yid}, {cid}, {aid}, {pid}, 'bank_transfer', {amount}, 'paid', '', {}, {}, {method})",
                            ts(at), ts(at)
                        ))?;
                        let lid = *entry_id;
                        *entry_id += 1;
                        t_entries.push(format!(
                            "({lid}, {aid}, {amount}, 'payment', {yid}, NULL, '', {})",
                            ts(at)
                        ))?;
                    }
                    if i % 25 == 3 {
                        // A bank transfer the client has not paid yet.
                        let yid = *payment_id;
                        *payment_id += 1;
                        report.payments += 1;
                        t_payments.push(format!(
                            "({yid}, {cid}, {aid}, {pid}, 'bank_transfer', 150000, 'new', '', {}, NULL, {method})",
                            ts(now - Duration::days(2))
                        ))?;
                    }
                    t_accounts.push(format!(
                        "({aid}, {cid}, {provider}, {}, 0, {})",
                        paid - spent,
                        ts(joined)
                    ))?;
                }

                // Support: one client in five has written in.
                if i % 5 == 1 {
                    let tid = *ticket_id;
                    *ticket_id += 1;
                    report.tickets += 1;
                    let subject = SUBJECTS[rng.random_range(0..SUBJECTS.len())];
                    // Waiting tickets are recent; answered and closed ones older.
                    let opened = if i % 3 == 0 {
                        now - Duration::minutes(rng.random_range(10..4_000))
                    } else {
                        now - Duration::hours(rng.random_range(2..2_000))
                    };
                    let (status, waiting, closed) = match i % 3 {
                        0 => ("waiting_provider", Some(opened), None),
                        1 => ("waiting_client", None, None),
                        _ => ("closed", None, Some(opened + Duration::hours(5))),
                    };
                    t_tickets.push(format!(
                        "({tid}, {cid}, {}, '{subject}', '{status}', {}, {}, {}, {}, {}, {})",
                        org.support,
                        if status == "waiting_provider" {
                            "NULL".to_string()
                        } else {
                            org.support_employee.to_string()
                        },
                        opt_ts(waiting),
                        if status == "waiting_client" {
                            "TRUE"
                        } else {
                            "FALSE"
                        },
                        ts(opened),
                        ts(opened + Duration::hours(1)),
                        opt_ts(closed)
                    ))?;
                    let mid = *message_id;
                    *message_id += 1;
                    t_messages.push(format!(
                        "({mid}, {tid}, {uid}, NULL, '{person}', 'Hello, {subject}. Could you help, please?', FALSE, {})",
                        ts(opened)
                    ))?;
                    if status != "waiting_provider" {
                        let mid = *message_id;
                        *message_id += 1;
                        t_messages.push(format!(
                            "({mid}, {tid}, NULL, {}, 'Sam Support', 'Thank you for writing. We have looked into it; please check now.', FALSE, {})",
                            org.support_employee,
                            ts(opened + Duration::hours(1))
                        ))?;
                    }
                }
            }
            for rows in [
                &mut t_clients,
                &mut t_users,
                &mut t_payers,
                &mut t_search,
                &mut t_terms,
                &mut t_members,
                &mut t_accounts,
                &mut t_services,
                &mut t_expenses,
                &mut t_payments,
                &mut t_entries,
                &mut t_tickets,
                &mut t_messages,
            ] {
                rows.flush(conn)?;
            }
            Ok::<_, DomainError>(())
        })?;
        done = last;
        progress(done, clients);
    }
    // The year's documents: a bill for each bank transfer, then the acts of each finished
    // month, in date order so that numbers follow dates.
    report.bills = crate::domain::documents::bills::issue_missing_for_transfers(conn)?;
    let first_of_month = now.date().with_day(1).unwrap_or(now.date());
    for back in (1..=12).rev() {
        let month = crate::domain::periods::add_months(first_of_month, -back);
        let acts = crate::domain::documents::acts::generate(
            conn,
            &crate::domain::Actor::system(),
            month,
            crate::domain::documents::acts::Scope {
                quiet: true,
                ..Default::default()
            },
        )?;
        report.acts += acts.issued as u64;
    }
    // The mail of that year: a confirmation for each paid payment, sent when it was paid,
    // one in fifty refused by the client's server (what /admin/outbox shows at scale).
    conn.batch_execute(
        "INSERT INTO outbox (recipient, subject, body, created_at, sent_at, attempts, \
         last_error, status, next_attempt_at, message_id) \
         SELECT u.email, 'Payment received', \
         'We received your payment #' || CAST(p.id AS TEXT) || '. Thank you.', \
         p.paid_at, CASE WHEN p.id % 50 = 0 THEN NULL ELSE p.paid_at END, 1, \
         CASE WHEN p.id % 50 = 0 THEN 'permanent error (550): 5.1.1 Mailbox unavailable' \
         ELSE '' END, \
         CASE WHEN p.id % 50 = 0 THEN 'failed' ELSE 'sent' END, p.paid_at, \
         CASE WHEN p.id % 50 = 0 THEN '' ELSE '<demo.' || CAST(p.id AS TEXT) || '@billpanel.test>' END \
         FROM payments p JOIN users u ON u.client_id = p.client_id AND u.is_owner = TRUE \
         WHERE p.paid_at IS NOT NULL ORDER BY p.paid_at, p.id",
    )
    ?;
    // A month ago, news to the Active clients, queued as a mailing is and delivered, one
    // in fifty refused (what /admin/mailings shows at scale). The demo's links are signed
    // with a key of its own: a server's unsubscribe page refuses them.
    let mailing = crate::db::models::mailing::Mailing::insert(
        conn,
        &crate::db::models::mailing::NewMailing {
            subject: "Our new data centre in Frankfurt",
            body: "Hello {{ client }},\n\nour new data centre in Frankfurt opens next month: \
                   the same tariffs, closer to your customers in Europe. Services move on \
                   request, without downtime.",
            group_ids: "",
            provider_id: None,
            state: "active",
            created_by: None,
            created_at: now - chrono::Duration::days(30),
        },
    )?;
    crate::domain::mail::mailings::queue(
        conn,
        mailing.id,
        "https://billing.example.com",
        b"billpanel demo: not a server's key",
    )?;
    conn.batch_execute(&format!(
        "UPDATE outbox SET attempts = 1, \
         status = CASE WHEN id % 50 = 0 THEN 'failed' ELSE 'sent' END, \
         sent_at = CASE WHEN id % 50 = 0 THEN NULL ELSE created_at END, \
         last_error = CASE WHEN id % 50 = 0 THEN 'permanent error (550): 5.1.1 Mailbox unavailable' ELSE '' END \
         WHERE mailing_id = {}",
        mailing.id
    ))?;
    // The ledger above was written in bulk: the dashboard's money figures are made from it.
    crate::db::models::money_figure::MoneyFigure::rebuild(conn)?;
    report.mails = {
        use diesel::prelude::*;
        crate::db::schema::outbox::table
            .count()
            .get_result::<i64>(conn)? as u64
    };
    if let DbConnection::Postgresql(_) = conn {
        // Ids were given here, so the sequences learn where they stand.
        for table in [
            "clients",
            "users",
            "payers",
            "accounts",
            "services",
            "expenses",
            "payments",
            "ledger_entries",
            "tickets",
            "ticket_messages",
        ] {
            conn.batch_execute(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            ))?;
        }
        conn.batch_execute("ANALYZE")?;
    } else {
        // Row counts for the planner (sqlite_stat1), but no value samples: with STAT4
        // samples of an index, SQLite prepares every statement that binds a value on it
        // again at each run, which cost the busiest pages a quarter of their time.
        conn.batch_execute("ANALYZE; DELETE FROM sqlite_stat4; ANALYZE sqlite_schema;")?;
    }
    Ok(report)
}
