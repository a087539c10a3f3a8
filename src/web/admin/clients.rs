//! `/admin/clients`: the list (search, filters, sort, keyset pages, CSV), adding and editing
//! clients, the client card, enabling, disabling, deleting and messages.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::Employee;
use crate::db::models::provider::ProviderChoice;
use crate::db::paging::Order;
use crate::domain::clients::{
    self, ClientCard, ClientCount, ClientFilter, ClientInput, ClientListPage, ClientRaw,
    ClientState, Cursor, KINDS, PageAt, Sort,
};
use crate::domain::money::Money;
use crate::domain::permissions::perm;
use crate::domain::{FieldErrors, impersonation, password, providers, text};
use crate::ids::ClientId;
use crate::web::forms::{Form, Outcome};
use crate::web::identity::{self, Require, Staff};
use crate::web::list::{self, Shown, Total};
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

/// The list's filter as sent in the address, so a filtered list can be shared.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub q: String,
    pub state: String,
    pub group: String,
    pub provider: String,
    pub enabled: String,
    pub sort: String,
    /// "asc" or "desc"; the sort's own order when absent.
    pub dir: String,
    /// Rows per page.
    pub per: String,
    /// The page after this row (id and sort value)...
    pub after_id: String,
    pub after: String,
    /// ...or the page before this one.
    pub before_id: String,
    pub before: String,
    /// The number of the page's first row.
    pub row: String,
    /// "1": look for the search inside words too.
    pub anywhere: String,
}

impl ListQuery {
    fn sort(&self) -> Sort {
        Sort::parse(&self.sort)
    }

    fn order(&self) -> Order {
        Order::parse(&self.dir).unwrap_or(self.sort().first_order())
    }

    fn filter(&self) -> ClientFilter {
        let sort = self.sort();
        // A cursor whose key is no value of the sort column (a hand-made address) is none:
        // the first page.
        let cursor = |id: &str, key: &str| {
            let readable = match sort {
                Sort::Id => true,
                Sort::Name => text::line(key).is_ok() && key.len() <= 1000,
                Sort::Registered => clients::cursor_time(key).is_some(),
                Sort::Balance => key.parse::<i64>().is_ok(),
            };
            id.parse().ok().filter(|_| readable).map(|id| Cursor {
                id,
                key: key.to_owned(),
            })
        };
        ClientFilter {
            query: self.q.clone(),
            state: match self.state.as_str() {
                "active" => Some(ClientState::Active),
                "not_active" => Some(ClientState::NotActive),
                _ => None,
            },
            group: self.group.parse().ok(),
            provider: self.provider.parse().ok(),
            enabled: match self.enabled.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
            sort: self.sort(),
            order: self.order(),
            at: cursor(&self.after_id, &self.after)
                .map(PageAt::After)
                .or_else(|| cursor(&self.before_id, &self.before).map(PageAt::Before)),
            anywhere: self.anywhere == "1",
            only: Vec::new(),
        }
    }

    /// What the list's count depends on: the filter, not the page or its order.
    fn count_key(&self) -> String {
        let balance_sort = self.sort() == Sort::Balance;
        format!(
            "clients|{}|{}|{}|{}|{}|{}|{balance_sort}",
            self.q.trim(),
            self.state,
            self.group,
            self.provider,
            self.enabled,
            self.anywhere
        )
    }

    /// This filter's address at the page `at` (the first page when None), whose first row
    /// is number `row`.
    pub fn href(&self, path: &str, at: Option<&PageAt>, row: i64) -> String {
        let (after, before) = match at {
            Some(PageAt::After(c)) => (Some(c), None),
            Some(PageAt::Before(c)) => (None, Some(c)),
            None => (None, None),
        };
        let id = |c: Option<&Cursor>| c.map(|c| c.id.to_string()).unwrap_or_default();
        let key = |c: Option<&Cursor>| c.map(|c| c.key.clone()).unwrap_or_default();
        let (after_id, after_key, before_id, before_key) =
            (id(after), key(after), id(before), key(before));
        let row = list::row_field(row);
        list::href(
            path,
            &[
                ("q", self.q.as_str()),
                ("state", self.state.as_str()),
                ("group", self.group.as_str()),
                ("provider", self.provider.as_str()),
                ("enabled", self.enabled.as_str()),
                ("sort", self.sort.as_str()),
                ("dir", self.dir.as_str()),
                ("per", self.per.as_str()),
                ("anywhere", self.anywhere.as_str()),
                ("after_id", after_id.as_str()),
                ("after", after_key.as_str()),
                ("before_id", before_id.as_str()),
                ("before", before_key.as_str()),
                ("row", row.as_str()),
            ],
        )
    }

    /// The search and filters, to keep them when only the page size changes.
    pub fn kept_fields(&self) -> Vec<(&'static str, &str)> {
        [
            ("q", &self.q),
            ("state", &self.state),
            ("group", &self.group),
            ("provider", &self.provider),
            ("enabled", &self.enabled),
            ("sort", &self.sort),
            ("dir", &self.dir),
            ("anywhere", &self.anywhere),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.as_str()))
        .collect()
    }

    /// The same search, looking inside words too.
    pub fn anywhere_href(&self) -> String {
        ListQuery {
            anywhere: "1".into(),
            ..self.clone()
        }
        .href("/admin/clients", None, 1)
    }

    /// The list sorted by `key` from its first page: the other way round when it is
    /// sorted by `key` already.
    pub fn sort_href(&self, key: &str) -> String {
        let sort = Sort::parse(key);
        let dir = if self.sort() == sort {
            self.order().reversed().key().to_owned()
        } else {
            String::new()
        };
        ListQuery {
            sort: sort.key().to_owned(),
            dir,
            ..self.clone()
        }
        .href("/admin/clients", None, 1)
    }

    /// How the column `key` orders the list: `aria-sort`'s word for it.
    pub fn aria_sort(&self, key: &str) -> &'static str {
        match (self.sort() == Sort::parse(key), self.order()) {
            (false, _) => "none",
            (true, Order::Ascending) => "ascending",
            (true, Order::Descending) => "descending",
        }
    }

    /// Rows per page: 1 to 200, 50 unless chosen.
    pub fn per_page(&self) -> i64 {
        self.per
            .parse()
            .ok()
            .filter(|n| (1..=200).contains(n))
            .unwrap_or(clients::PAGE_SIZE)
    }

    pub fn is_filtered(&self) -> bool {
        [
            &self.q,
            &self.state,
            &self.group,
            &self.provider,
            &self.enabled,
        ]
        .iter()
        .any(|v| !v.is_empty())
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/clients/index.html")]
pub struct ClientsPage {
    pub ctx: PageContext,
    pub query: ListQuery,
    pub page: ClientListPage,
    /// The rows shown among all the filter finds.
    pub shown: Shown,
    pub providers: Vec<ProviderChoice>,
    pub groups: Vec<crate::db::models::client_group::ClientGroup>,
}

impl ClientsPage {
    pub fn money(&self, minor: &i64, exponent: &i32, currency: &str) -> Money {
        Money::from_minor(*minor, *exponent, currency)
    }

    pub fn next_href(&self) -> Option<String> {
        self.page.next.as_ref().map(|c| {
            self.query.href(
                "/admin/clients",
                Some(&PageAt::After(c.clone())),
                self.shown.first + self.shown.rows,
            )
        })
    }

    pub fn previous_href(&self) -> Option<String> {
        self.page.previous.as_ref().map(|c| {
            self.query.href(
                "/admin/clients",
                Some(&PageAt::Before(c.clone())),
                self.shown.first - self.query.per_page(),
            )
        })
    }

    /// This page's address, to come back to after a bulk action.
    pub fn here(&self) -> String {
        let at = self.query.filter().at;
        self.query
            .href("/admin/clients", at.as_ref(), self.shown.first)
    }

    pub fn csv_href(&self) -> String {
        self.query.href("/admin/clients.csv", None, 1)
    }
}

pub async fn index(
    state: web::Data<AppState>,
    staff: Require<perm::ClientsView>,
    ctx: PageContext,
    query: web::Query<ListQuery>,
) -> Result<ClientsPage, WebError> {
    let query = query.into_inner();
    let filter = query.filter();
    let per_page = query.per_page();
    let actor = staff.actor.clone();
    let _turn = if filter.query.trim().is_empty() {
        None
    } else {
        Some(state.search_turn().await?)
    };
    let count_key = query.count_key();
    let kept_count = state.list_counts.get(&count_key);
    let (page, counted, providers, groups) = state
        .db(move |conn| {
            let page = clients::list(conn, &actor, &filter, per_page)?;
            let whole = page.next.is_none() && page.previous.is_none();
            let counted = if whole || kept_count.is_some() {
                None
            } else {
                Some(clients::count(conn, &actor, &filter)?)
            };
            let providers = providers::choices_for_clients(conn, &actor)?;
            let groups = crate::domain::client_groups::names(conn, &actor)?;
            Ok::<_, crate::domain::DomainError>((page, counted, providers, groups))
        })
        .await?;
    // One page holds them all: no count needed.
    let whole = page.next.is_none() && page.previous.is_none();
    let rows = page.rows.len() as i64;
    let first = list::first_row(page.previous.is_some(), &query.row);
    let counted = counted.map(|c| match c {
        ClientCount::MoreThan(n) => Total::MoreThan(n),
        ClientCount::Exactly(n) => Total::Exactly(n),
    });
    let total = list::total(
        &state.list_counts,
        count_key,
        whole.then_some(rows),
        counted,
        kept_count,
    );
    Ok(ClientsPage {
        ctx,
        query,
        shown: Shown { first, rows, total },
        page,
        providers,
        groups,
    })
}

fn csv_rows(page: &ClientListPage) -> String {
    let mut out = String::new();
    for row in &page.rows {
        let balances: Vec<String> = row
            .accounts
            .iter()
            .map(|a| {
                format!(
                    "{}: {}",
                    a.provider_name,
                    Money::from_minor(a.balance, a.currency_exponent, &a.currency_code)
                )
            })
            .collect();
        let fields = [
            row.client.id.to_string(),
            row.client.name.clone(),
            row.email.clone(),
            row.state.label().to_owned(),
            if row.client.enabled {
                "enabled".into()
            } else {
                "disabled".into()
            },
            balances.join("; "),
            crate::domain::text::iso_time(&row.client.created_at).to_string(),
        ];
        out.push_str(
            &fields
                .iter()
                .map(|f| crate::web::csv::field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
}

/// The filtered list as CSV, streamed a thousand clients at a time.
pub async fn export(
    state: web::Data<AppState>,
    staff: Require<perm::ClientsView>,
    query: web::Query<ListQuery>,
) -> HttpResponse {
    let filter = ClientFilter {
        at: None,
        ..query.into_inner().filter()
    };
    download_clients(state, &staff, filter)
}

/// The clients `filter` finds, as CSV.
fn download_clients(
    state: web::Data<AppState>,
    staff: &Staff,
    filter: ClientFilter,
) -> HttpResponse {
    let actor = staff.actor.clone();
    crate::web::csv::download(
        state,
        "clients.csv",
        "id,name,email,state,status,balances,registered\r\n",
        move |conn, at: Option<Cursor>| {
            let filter = ClientFilter {
                at: at.map(PageAt::After),
                ..filter.clone()
            };
            let page = clients::list(conn, &actor, &filter, crate::web::csv::CHUNK)?;
            Ok((csv_rows(&page), page.next))
        },
    )
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ClientForm {
    pub email: String,
    pub name: String,
    pub contact_person: String,
    pub kind: String,
    pub country: String,
    pub language: String,
    pub phone: String,
    pub comment: String,
    pub provider_ids: Vec<String>,
    pub registered_by: String,
    pub password: String,
    pub send_details: Option<String>,
    pub group_ids: Vec<String>,
    /// Present when the form showed the groups (the employee may manage them).
    pub groups_shown: Option<String>,
}

impl ClientForm {
    fn parse(&self, new: bool) -> Result<ClientInput, FieldErrors> {
        ClientInput::parse(
            &ClientRaw {
                email: &self.email,
                name: &self.name,
                contact_person: &self.contact_person,
                kind: &self.kind,
                country: &self.country,
                language: &self.language,
                phone: &self.phone,
                comment: &self.comment,
                provider_ids: &self.provider_ids,
                registered_by: &self.registered_by,
                password: &self.password,
                send_details: self.send_details.is_some(),
                group_ids: self
                    .groups_shown
                    .as_ref()
                    .map(|_| self.group_ids.as_slice()),
            },
            new,
        )
    }

    fn from_card(card: &ClientCard) -> Self {
        let c = &card.client;
        Self {
            email: card.owner_email.clone(),
            name: c.name.clone(),
            contact_person: c.contact_person.clone(),
            kind: c.kind.clone(),
            country: c.country.clone(),
            language: c.language.clone(),
            phone: c.phone.clone(),
            comment: c.comment.clone(),
            provider_ids: card.provider_ids.iter().map(ToString::to_string).collect(),
            registered_by: c.registered_by.map(|e| e.to_string()).unwrap_or_default(),
            password: String::new(),
            send_details: None,
            group_ids: card.groups.iter().map(|g| g.id.to_string()).collect(),
            groups_shown: None,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/clients/form.html")]
pub struct ClientFormPage {
    pub ctx: PageContext,
    pub groups: Vec<crate::db::models::client_group::ClientGroup>,
    pub id: Option<ClientId>,
    pub form: ClientForm,
    pub errors: FieldErrors,
    pub providers: Vec<ProviderChoice>,
    pub employees: Vec<Employee>,
    pub kinds: &'static [(&'static str, &'static str)],
}

impl ClientFormPage {
    pub fn in_group(&self, group: &crate::db::models::client_group::ClientGroup) -> bool {
        self.form.group_ids.contains(&group.id.to_string())
    }

    pub fn connected(&self, provider: &ProviderChoice) -> bool {
        self.form.provider_ids.contains(&provider.id.to_string())
    }
}

async fn form_page(
    state: &AppState,
    staff: &Staff,
    ctx: PageContext,
    id: Option<ClientId>,
    form: ClientForm,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let (providers, employees, groups) = state
        .db(move |conn| {
            Ok::<_, crate::domain::DomainError>((
                providers::choices_for_clients(conn, &actor)?,
                crate::domain::employees::names_for_clients(conn, &actor)?,
                crate::domain::client_groups::list(conn, &actor)?
                    .into_iter()
                    .map(|(g, _)| g)
                    .collect(),
            ))
        })
        .await?;
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &ClientFormPage {
            ctx,
            groups,
            id,
            form,
            errors,
            providers,
            employees,
            kinds: KINDS,
        },
    )
}

pub async fn new(
    state: web::Data<AppState>,
    staff: Require<perm::ClientsCreate>,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let providers = state
        .db(move |conn| providers::choices_for_clients(conn, &actor))
        .await?;
    let form = ClientForm {
        kind: "person".into(),
        language: "en".into(),
        password: password::generate(),
        registered_by: staff.employee.id.to_string(),
        // A single provider is the obvious choice.
        provider_ids: if providers.len() == 1 {
            vec![providers[0].id.to_string()]
        } else {
            Vec::new()
        },
        ..Default::default()
    };
    form_page(&state, &staff, ctx, None, form, FieldErrors::new()).await
}

pub async fn create(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ClientsCreate>,
    ctx: PageContext,
    form: Form<ClientForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let outcome = match form.parse(true) {
        Ok(input) => {
            let actor = staff.actor.clone();
            let site = state.config.public_url.clone();
            state
                .attempt_with_password_work(move |conn| {
                    clients::create(conn, &actor, &input, &site)
                })
                .await?
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(client) => {
            Flash::success(format!(
                "Client #{} “{}” is created.",
                client.id, client.name
            ))
            .set(&session);
            Ok(page::redirect(&format!("/admin/clients/{}", client.id)))
        }
        Outcome::Invalid(errors) => form_page(&state, &staff, ctx, None, form, errors).await,
    }
}

/// The tabs of the client card.
pub const TABS: &[(&str, &str)] = &[
    ("users", "Users"),
    ("payers", "Payers"),
    ("services", "Services"),
    ("tickets", "Tickets"),
    ("payments", "Payments"),
    ("expenses", "Expenses"),
    ("documents", "Documents"),
    ("messages", "Messages"),
    ("audit", "Audit"),
];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CardQuery {
    pub tab: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct MessageForm {
    pub subject: String,
    pub body: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/clients/show.html")]
pub struct ClientCardPage {
    pub ctx: PageContext,
    pub card: ClientCard,
    /// The forms to record a payment and to charge or correct, with fresh idempotency keys.
    pub finance: FinanceForms,
    /// Payment methods, for recording a payment.
    pub methods: Vec<crate::db::models::payment_method::PaymentMethodRow>,
    pub correction_kinds: &'static [(&'static str, &'static str)],
    pub tab: String,
    pub tabs: &'static [(&'static str, &'static str)],
    pub message: MessageForm,
    pub errors: FieldErrors,
}

impl ClientCardPage {
    pub fn money(&self, minor: &i64, exponent: &i32, currency: &str) -> Money {
        Money::from_minor(*minor, *exponent, currency)
    }

    pub fn payment_money(&self, row: &crate::db::models::payment::PaymentRow) -> Money {
        Money::from_minor(row.amount, row.currency_exponent, &row.currency_code)
    }

    pub fn document_payer(&self, row: &crate::db::models::document::DocumentRow) -> String {
        crate::domain::documents::snapshot_name(&row.document.payer_snapshot).unwrap_or_default()
    }

    /// The reconciliation form's default range: this year so far.
    pub fn year_start(&self) -> String {
        crate::db::now().date().format("%Y-01-01").to_string()
    }

    pub fn today(&self) -> String {
        crate::db::now().date().format("%Y-%m-%d").to_string()
    }

    pub fn kind_label(&self) -> &'static str {
        KINDS
            .iter()
            .find(|(k, _)| *k == self.card.client.kind)
            .map_or("", |(_, l)| l)
    }
}

async fn card_page(
    state: &AppState,
    staff: &Staff,
    ctx: PageContext,
    id: ClientId,
    tab: String,
    message: MessageForm,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    card_page_with(
        state,
        staff,
        ctx,
        id,
        (tab, message, FinanceForms::fresh()),
        errors,
    )
    .await
}

/// The money forms of the card's payments tab.
#[derive(Debug, Default, Clone)]
pub struct FinanceForms {
    pub payment: crate::web::admin::payments::RecordForm,
    pub correction: crate::web::admin::payments::CorrectionInput,
}

impl FinanceForms {
    /// Empty forms, each with its own fresh idempotency key.
    pub fn fresh() -> Self {
        Self {
            payment: crate::web::admin::payments::RecordForm {
                idempotency_key: crate::config::random_hex(16),
                ..Default::default()
            },
            correction: crate::web::admin::payments::CorrectionInput {
                idempotency_key: crate::config::random_hex(16),
                ..Default::default()
            },
        }
    }
}

/// The card again on its payments tab, with what was typed and the messages.
pub async fn finance_forms_again(
    state: &AppState,
    staff: &Staff,
    ctx: PageContext,
    id: ClientId,
    forms: FinanceForms,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    card_page_with(
        state,
        staff,
        ctx,
        id,
        ("payments".into(), MessageForm::default(), forms),
        errors,
    )
    .await
}

async fn card_page_with(
    state: &AppState,
    staff: &Staff,
    ctx: PageContext,
    id: ClientId,
    (tab, message, finance): (String, MessageForm, FinanceForms),
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let tab = if TABS.iter().any(|(t, _)| *t == tab) {
        tab
    } else {
        "users".into()
    };
    let with_methods = tab == "payments" && ctx.can(crate::domain::permissions::PAYMENTS_ADD.key);
    let shown = tab.clone();
    let (card, methods) = state
        .db(move |conn| {
            let card = clients::card(conn, &actor, id, Some(&shown))?;
            let methods = if with_methods {
                crate::domain::payments::methods::list(conn, &actor)?
            } else {
                Vec::new()
            };
            Ok::<_, crate::domain::DomainError>((card, methods))
        })
        .await?;
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &ClientCardPage {
            ctx,
            card,
            finance,
            methods,
            correction_kinds: &crate::domain::payments::refunds::CORRECTION_KINDS,
            tab,
            tabs: TABS,
            message,
            errors,
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    staff: Require<perm::ClientsView>,
    ctx: PageContext,
    id: web::Path<ClientId>,
    query: web::Query<CardQuery>,
) -> Result<HttpResponse, WebError> {
    let tab = query.into_inner().tab;
    card_page(
        &state,
        &staff,
        ctx,
        id.into_inner(),
        tab,
        MessageForm::default(),
        FieldErrors::new(),
    )
    .await
}

pub async fn edit(
    state: web::Data<AppState>,
    staff: Require<perm::ClientsEdit>,
    ctx: PageContext,
    id: web::Path<ClientId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    let card = state
        .db(move |conn| clients::card(conn, &actor, id, None))
        .await?;
    form_page(
        &state,
        &staff,
        ctx,
        Some(id),
        ClientForm::from_card(&card),
        FieldErrors::new(),
    )
    .await
}

pub async fn update(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ClientsEdit>,
    ctx: PageContext,
    id: web::Path<ClientId>,
    form: Form<ClientForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let outcome = match form.parse(false) {
        Ok(input) => {
            let actor = staff.actor.clone();
            let site = state.config.public_url.clone();
            state
                .attempt(move |conn| clients::update(conn, &actor, id, &input, &site))
                .await?
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(client) => {
            Flash::success(format!("Client “{}” is saved.", client.name)).set(&session);
            Ok(page::redirect(&format!("/admin/clients/{id}")))
        }
        Outcome::Invalid(errors) => form_page(&state, &staff, ctx, Some(id), form, errors).await,
    }
}

async fn set_enabled(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    id: ClientId,
    enabled: bool,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    state
        .db(move |conn| clients::set_enabled(conn, &actor, id, enabled))
        .await?;
    let message = if enabled {
        "The client is enabled."
    } else {
        "The client is disabled; its users are signed out."
    };
    Flash::success(message).set(session);
    Ok(page::redirect(&format!("/admin/clients/{id}")))
}

pub async fn enable(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ClientsEdit>,
    id: web::Path<ClientId>,
) -> Result<HttpResponse, WebError> {
    set_enabled(&state, &session, &staff, id.into_inner(), true).await
}

pub async fn disable(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ClientsEdit>,
    id: web::Path<ClientId>,
) -> Result<HttpResponse, WebError> {
    set_enabled(&state, &session, &staff, id.into_inner(), false).await
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/clients/delete.html")]
pub struct DeletePage {
    pub ctx: PageContext,
    pub card: ClientCard,
    pub error: String,
}

pub async fn confirm_delete(
    state: web::Data<AppState>,
    staff: Require<perm::ClientsDelete>,
    ctx: PageContext,
    id: web::Path<ClientId>,
) -> Result<DeletePage, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    let card = state
        .db(move |conn| clients::card(conn, &actor, id, None))
        .await?;
    Ok(DeletePage {
        ctx,
        card,
        error: String::new(),
    })
}

pub async fn delete(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ClientsDelete>,
    ctx: PageContext,
    id: web::Path<ClientId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    match state
        .attempt(move |conn| clients::delete(conn, &actor, id))
        .await?
    {
        Outcome::Done(name) => {
            Flash::success(format!("Client “{name}” is deleted.")).set(&session);
            Ok(page::redirect("/admin/clients"))
        }
        Outcome::Invalid(errors) => {
            let actor = staff.actor.clone();
            let card = state
                .db(move |conn| clients::card(conn, &actor, id, None))
                .await?;
            let error = errors.get("delete").to_owned();
            page::render_with(page::FORM_SHOWN_AGAIN, &DeletePage { ctx, card, error })
        }
    }
}

/// "Log in as client": the browser continues in the client area as the client's owner.
pub async fn impersonate(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ClientsImpersonate>,
    id: web::Path<ClientId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    match state
        .attempt(move |conn| impersonation::start(conn, &actor, id))
        .await?
    {
        Outcome::Done(owner) => {
            identity::start_impersonation(&session, &owner)?;
            Ok(page::redirect("/client"))
        }
        Outcome::Invalid(errors) => {
            Flash::error(errors.get("impersonate")).set(&session);
            Ok(page::redirect(&format!("/admin/clients/{id}")))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserSessionsForm {
    pub user_id: String,
}

/// `POST /admin/clients/{id}/sessions/end`: signs one of the client's users out
/// everywhere (the card's Users tab).
pub async fn end_user_sessions(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ClientsEdit>,
    id: web::Path<ClientId>,
    form: Form<UserSessionsForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let back = format!("/admin/clients/{id}?tab=users");
    let Ok(user) = form.into_inner().user_id.parse::<crate::ids::UserId>() else {
        Flash::error("Choose a user of the client.").set(&session);
        return Ok(page::redirect(&back));
    };
    let actor = staff.actor.clone();
    let ended = state
        .db(move |conn| crate::domain::sessions::end_all_of_user(conn, &actor, id, user))
        .await?;
    Flash::success(format!("{ended} session(s) of the user ended.")).set(&session);
    Ok(page::redirect(&back))
}

pub async fn send_message(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ClientsMessage>,
    ctx: PageContext,
    id: web::Path<ClientId>,
    form: Form<MessageForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let actor = staff.actor.clone();
    let (subject, body) = (form.subject.clone(), form.body.clone());
    match state
        .attempt(move |conn| clients::send_message(conn, &actor, id, &subject, &body))
        .await?
    {
        Outcome::Done(_) => {
            Flash::success("The message is in the client's inbox and queued for e-mail.")
                .set(&session);
            Ok(page::redirect(&format!("/admin/clients/{id}?tab=messages")))
        }
        Outcome::Invalid(errors) => {
            card_page(&state, &staff, ctx, id, "messages".into(), form, errors).await
        }
    }
}

/// The clients ticked in the list, for a bulk action, and the rest of its form.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct BulkForm {
    pub client_ids: Vec<String>,
    /// The list's address, to go back to.
    pub back: String,
    /// A message to them (bulk message): shown to be written first, then sent.
    pub subject: String,
    pub body: String,
    /// Present when the message form was sent.
    pub send: String,
}

impl BulkForm {
    /// The ticked ids; anything that is not one is left out.
    fn ids(&self) -> Vec<ClientId> {
        let mut ids: Vec<ClientId> = self
            .client_ids
            .iter()
            .filter_map(|raw| raw.trim().parse().ok())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// Where to go back to: the client list as it was, else its first page.
    pub fn back(&self) -> String {
        if self.back.starts_with("/admin/clients") {
            self.back.clone()
        } else {
            "/admin/clients".to_owned()
        }
    }
}

/// Disables the ticked clients.
pub async fn bulk_disable(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ClientsEdit>,
    form: Form<BulkForm>,
) -> Result<HttpResponse, WebError> {
    set_enabled_of_ticked(&state, &session, &staff, form.into_inner(), false).await
}

/// Enables the ticked clients.
pub async fn bulk_enable(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ClientsEdit>,
    form: Form<BulkForm>,
) -> Result<HttpResponse, WebError> {
    set_enabled_of_ticked(&state, &session, &staff, form.into_inner(), true).await
}

async fn set_enabled_of_ticked(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    form: BulkForm,
    enabled: bool,
) -> Result<HttpResponse, WebError> {
    let ids = form.ids();
    let actor = staff.actor.clone();
    match state
        .attempt(move |conn| clients::set_enabled_many(conn, &actor, &ids, enabled))
        .await?
    {
        Outcome::Done(changed) => {
            let done = if enabled { "enabled" } else { "disabled" };
            Flash::success(format!("{changed} client(s) {done}.")).set(session);
        }
        Outcome::Invalid(errors) => Flash::error(errors.first_message()).set(session),
    }
    Ok(page::redirect(&form.back()))
}

/// The ticked clients as CSV (a POST, as the ticks are a form's).
pub async fn export_ticked(
    state: web::Data<AppState>,
    staff: Require<perm::ClientsView>,
    form: Form<BulkForm>,
) -> HttpResponse {
    let ids = form.into_inner().ids();
    // None ticked: the file has its header only (no filter would mean every client).
    let only = if ids.is_empty() {
        vec![ClientId(0)]
    } else {
        ids
    };
    let filter = ClientFilter {
        only,
        ..ClientFilter::default()
    };
    download_clients(state, &staff, filter)
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/clients/bulk_message.html")]
pub struct BulkMessagePage {
    pub ctx: PageContext,
    pub form: BulkForm,
    /// The ticked clients, named.
    pub recipients: Vec<clients::ClientRow>,
    pub errors: FieldErrors,
}

/// A message to the ticked clients: the form to write it (with whom it goes to), then sent
/// to each, in their inboxes and by e-mail.
pub async fn bulk_message(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ClientsMessage>,
    ctx: PageContext,
    form: Form<BulkForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let ids = form.ids();
    if ids.is_empty() {
        Flash::error("Tick the clients first.").set(&session);
        return Ok(page::redirect(&form.back()));
    }
    let mut errors = FieldErrors::new();
    if !form.send.is_empty() {
        let actor = staff.actor.clone();
        let (subject, body, to) = (form.subject.clone(), form.body.clone(), ids.clone());
        match state
            .attempt(move |conn| clients::send_message_to_many(conn, &actor, &to, &subject, &body))
            .await?
        {
            Outcome::Done(sent) => {
                Flash::success(format!(
                    "The message is in {sent} client(s)' inboxes and queued for e-mail."
                ))
                .set(&session);
                return Ok(page::redirect(&form.back()));
            }
            Outcome::Invalid(found) => errors = found,
        }
    }
    let actor = staff.actor.clone();
    let filter = ClientFilter {
        only: ids,
        ..ClientFilter::default()
    };
    let recipients = state
        .db(move |conn| clients::list(conn, &actor, &filter, clients::BULK_MOST as i64))
        .await?
        .rows;
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &BulkMessagePage {
            ctx,
            form,
            recipients,
            errors,
        },
    )
}
