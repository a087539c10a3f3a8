//! Clients as the provider's staff see them: the searchable list, the card, adding and
//! editing, enabling, disabling and deleting, and messages to the client.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::InIdsExt;
use crate::db::models::account::AccountSummary;
use crate::db::models::client_search::{ClientSearch, MIN_QUERY_CHARS};
use crate::db::models::service::{self, Service};
use crate::db::models::{
    Account, AuditEvent, Client, ClientChanges, Employee, ListedClient, Message, NewAccount,
    NewClient, NewMessage, NewUser, OutboxMail, Provider, User,
};
use crate::db::paging::{Order, Paged};
use crate::db::schema::{accounts, client_group_members, clients, payers, services, users};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Changes, Target};
use crate::domain::email::Email;
use crate::domain::mail::templates::{self, Addressee};
use crate::domain::password::NewPassword;
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError, FieldErrors, text};
use crate::ids::{ClientGroupId, ClientId, EmployeeId, ProviderId};

/// Clients per page of the list.
pub const PAGE_SIZE: i64 = 50;
/// Most search hits considered; the page says so when there are more.
pub const SEARCH_LIMIT: i64 = 1000;

/// Active: the client has at least one active service. Derived, never set by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientState {
    Active,
    NotActive,
}

impl ClientState {
    pub fn label(self) -> &'static str {
        match self {
            ClientState::Active => "Active",
            ClientState::NotActive => "Not active",
        }
    }
}

/// The state of a client: Active while it has an active service.
pub fn state_of(conn: &mut DbConnection, client: ClientId) -> QueryResult<ClientState> {
    Ok(if Service::has_active(conn, client)? {
        ClientState::Active
    } else {
        ClientState::NotActive
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// By id: newest first unless reversed.
    #[default]
    Id,
    Name,
    Registered,
    /// By balance at one provider.
    Balance,
}

impl Sort {
    pub fn parse(raw: &str) -> Self {
        match raw {
            "name" => Sort::Name,
            "registered" => Sort::Registered,
            "balance" => Sort::Balance,
            _ => Sort::Id,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Sort::Id => "id",
            Sort::Name => "name",
            Sort::Registered => "registered",
            Sort::Balance => "balance",
        }
    }

    /// The order a sort starts in: names from A, the newest and the highest balance first.
    pub fn first_order(self) -> Order {
        match self {
            Sort::Name => Order::Ascending,
            _ => Order::Descending,
        }
    }
}

/// A registration time as a cursor writes it, within the years both engines keep.
pub fn cursor_time(key: &str) -> Option<NaiveDateTime> {
    use chrono::Datelike;
    NaiveDateTime::parse_from_str(key, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .filter(|t| (1..=9999).contains(&t.year()))
}

/// A row a page starts next to: its sort value and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub id: ClientId,
    pub key: String,
}

/// Where a page of the client list is.
pub type PageAt = crate::db::paging::PageAt<Cursor>;

#[derive(Debug, Clone)]
pub struct ClientFilter {
    pub query: String,
    pub state: Option<ClientState>,
    pub group: Option<ClientGroupId>,
    pub provider: Option<ProviderId>,
    pub enabled: Option<bool>,
    pub sort: Sort,
    pub order: Order,
    /// None: the first page.
    pub at: Option<PageAt>,
    /// Look for the query inside words too, not only at their starts (see `ClientSearch::find`).
    pub anywhere: bool,
    /// Just these clients (ticked in the list), instead of a search.
    pub only: Vec<ClientId>,
}

impl Default for ClientFilter {
    fn default() -> Self {
        ClientFilter {
            query: String::new(),
            state: None,
            group: None,
            provider: None,
            enabled: None,
            sort: Sort::Id,
            order: Order::Descending,
            at: None,
            anywhere: false,
            only: Vec::new(),
        }
    }
}

impl ClientFilter {
    /// Whether any filter besides the search applies (`with_conditions!` and the provider).
    fn has_conditions(&self) -> bool {
        self.enabled.is_some()
            || self.group.is_some()
            || self.provider.is_some()
            || self.state.is_some()
    }

    /// Whether the page's query walks the list backwards (the previous page), and so
    /// whether its rows are read in the order opposite to the shown one.
    fn backwards(&self) -> bool {
        self.at.as_ref().is_some_and(PageAt::is_before)
    }
}

pub struct ClientRow {
    pub client: ListedClient,
    pub email: String,
    pub state: ClientState,
    pub accounts: Vec<AccountSummary>,
}

pub struct ClientListPage {
    pub rows: Vec<ClientRow>,
    /// The last row, when more follow.
    pub next: Option<Cursor>,
    /// The first row, when rows come before it.
    pub previous: Option<Cursor>,
    /// A word about the search: too short, or more hits than shown.
    pub notice: Option<String>,
    /// The provider whose balance orders the list (balance sort).
    pub balance_provider: Option<ProviderId>,
    /// The search found clients by the start of a word only (the page offers `anywhere`).
    pub word_start_only: bool,
}

/// How many clients a filter finds, or that there are more than `SEARCH_LIMIT` hits of a
/// search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientCount {
    Exactly(i64),
    MoreThan(i64),
}

/// Applies the filter's conditions on the client itself (enabled, group, state; not the
/// search, not the provider) to a boxed query over `clients` or a join of it. A macro, not
/// a function, so that one query can be built for each engine's own connection (see
/// `db::on_engine!`) and for the balance sort's join.
macro_rules! with_conditions {
    ($query:expr, $filter:expr) => {{
        let filter: &ClientFilter = $filter;
        let mut query = $query;
        if let Some(enabled) = filter.enabled {
            query = query.filter(clients::enabled.eq(enabled));
        }
        if let Some(group) = filter.group {
            query = query.filter(
                clients::id.eq_any(
                    client_group_members::table
                        .filter(client_group_members::client_group_id.eq(group))
                        .select(client_group_members::client_id),
                ),
            );
        }
        // The flag the services' triggers keep on the client, on its (flag, id) index.
        match filter.state {
            Some(ClientState::Active) => query.filter(has_active_service(true)),
            Some(ClientState::NotActive) => query.filter(has_active_service(false)),
            None => query,
        }
    }};
}

/// Whether the client (the `clients` row of the query) has an active service, as the
/// triggers on services keep it (migration 32). Written as SQL: the column is the
/// triggers', never written by billpanel, so it stays out of the diesel schema and rows.
fn has_active_service(active: bool) -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    diesel::dsl::sql::<diesel::sql_types::Bool>(if active {
        "clients.has_active_service = TRUE"
    } else {
        "clients.has_active_service = FALSE"
    })
}

/// The clients joined with their owner user (a client has exactly one), for the list on
/// SQLite (see `list`).
macro_rules! with_owner {
    ($query:expr) => {
        $query.left_join(
            users::table.on(users::client_id
                .eq(clients::id)
                .and(users::is_owner.eq(true))),
        )
    };
}

/// What a list row reads of each client on SQLite, in the page's own query (`with_owner!`): its
/// columns, its owner's email, and whether it has an active service (a lookup by the
/// client's id, made for the rows returned only), then any further columns given.
macro_rules! listed_columns {
    ($($more:expr),*) => {
        (
            ListedClient::as_select(),
            users::email.nullable(),
            // `(SELECT … LIMIT 1) IS NOT NULL`: a lookup for each row returned. (PostgreSQL,
            // which reads these by queries of their own, turned an EXISTS here into a hash of
            // every active service built before the first row.)
            services::table
                .filter(services::client_id.eq(clients::id))
                .filter(services::status.eq(service::ACTIVE))
                .select(services::id)
                .limit(1)
                .single_value()
                .is_not_null(),
            $($more),*
        )
    };
}

/// A client as the list's query returns it (`listed_columns!`).
type Listed = (ListedClient, Option<String>, bool);

/// What the search box of a filter finds.
struct Searched {
    /// The clients found; None when nothing was typed.
    ids: Option<Vec<ClientId>>,
    notice: Option<String>,
    word_start_only: bool,
    /// More than `SEARCH_LIMIT` hits were found (only when the hits are read as one set).
    more: bool,
}

/// Runs the filter's search: a page of hits after `paged` (the plain list newest first,
/// which pages through the search itself), or all hits up to `SEARCH_LIMIT` as one set.
fn search(
    conn: &mut DbConnection,
    filter: &ClientFilter,
    paged: Option<(Option<ClientId>, i64)>,
) -> Result<Searched, DomainError> {
    let query = filter.query.trim();
    let mut found = Searched {
        ids: None,
        notice: None,
        word_start_only: false,
        more: false,
    };
    if !filter.only.is_empty() {
        found.ids = Some(filter.only.clone());
    } else if let Err(message) = text::line(query) {
        // Nothing stored holds one, and the full-text engine would choke on it.
        found.notice = Some(format!("Nothing was searched: {message}"));
        found.ids = Some(Vec::new());
    } else if let Ok(id) = query.trim_start_matches('#').parse::<i64>()
        && query.len() < MIN_QUERY_CHARS
    {
        found.ids = Some(vec![ClientId(id)]);
    } else if !query.is_empty() {
        if query.chars().count() < MIN_QUERY_CHARS {
            found.notice = Some(format!(
                "Type at least {MIN_QUERY_CHARS} characters to search names, emails, phones, payers and tax ids (or a client id)."
            ));
            found.ids = Some(Vec::new());
        } else {
            let (mut ids, by_word_start) = match paged {
                Some((after, limit)) => {
                    ClientSearch::find(conn, query, filter.anywhere, after, limit)?
                }
                None => ClientSearch::find(conn, query, filter.anywhere, None, SEARCH_LIMIT + 1)?,
            };
            found.word_start_only = by_word_start;
            if paged.is_none() && ids.len() as i64 > SEARCH_LIMIT {
                ids.truncate(SEARCH_LIMIT as usize);
                found.more = true;
                found.notice = Some(format!(
                    "More than {SEARCH_LIMIT} clients match; showing the newest {SEARCH_LIMIT}. Refine the search."
                ));
            }
            // A number is also a client id.
            if let Ok(id) = query.trim_start_matches('#').parse::<i64>() {
                ids.push(ClientId(id));
            }
            found.ids = Some(ids);
        }
    }
    Ok(found)
}

/// The provider whose balances the balance sort orders by: the one filtered on, else the
/// first; and whether it was chosen.
fn balance_provider(
    conn: &mut DbConnection,
    filter: &ClientFilter,
) -> QueryResult<Option<(ProviderId, bool)>> {
    Ok(match filter.provider {
        Some(p) => Some((p, true)),
        None => Provider::choices(conn)?.first().map(|p| (p.id, false)),
    })
}

/// The filter's conditions (`with_conditions!`) and its search hits over `$base`, boxed,
/// and then either the balance sort's provider (`$base` joins its accounts, which keeps its
/// clients only) or the provider filtered on: the list's rows and its count are read from
/// it.
macro_rules! filtered {
    ($base:expr, $filter:expr, $search_ids:expr) => {{
        let filter: &ClientFilter = $filter;
        let mut query = filtered!(@conditions $base, filter, $search_ids);
        if let Some(provider) = filter.provider {
            // A lookup per client, as for the state (see `with_conditions!`).
            query = query.filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>(
                    "EXISTS (SELECT 1 FROM accounts at_provider \
                     WHERE at_provider.client_id = clients.id AND at_provider.provider_id = ",
                )
                .bind::<diesel::sql_types::BigInt, _>(provider.0)
                .sql(")"),
            );
        }
        query
    }};
    ($base:expr, $filter:expr, $search_ids:expr, balance at $provider:expr) => {{
        filtered!(@conditions $base, $filter, $search_ids)
            .filter(accounts::provider_id.eq($provider))
    }};
    (@conditions $base:expr, $filter:expr, $search_ids:expr) => {{
        let mut query = with_conditions!($base.into_boxed(), $filter);
        if let Some(ids) = $search_ids {
            query = query.filter(clients::id.in_ids(ids.iter().copied()));
        }
        query
    }};
}

/// One page of the client list: search, filters, sort either way and keyset pages both
/// ways. Every step is served by an index: the search index, the primary key, (name, id),
/// (created_at, id) or (provider, balance, client), read forwards or backwards.
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: &ClientFilter,
    limit: i64,
) -> Result<ClientListPage, DomainError> {
    require(actor, permissions::CLIENTS_VIEW)?;
    // The plain list, newest first, pages through the search itself: each page reads only
    // its own hits. Filters, other orders and previous pages need the hits as one set.
    let paged = filter.sort == Sort::Id
        && filter.order == Order::Descending
        && !filter.backwards()
        && !filter.has_conditions();
    let after_id = match &filter.at {
        Some(PageAt::After(c)) => Some(c.id),
        _ => None,
    };
    let Searched {
        ids: search_ids,
        mut notice,
        word_start_only,
        ..
    } = search(conn, filter, paged.then_some((after_id, limit + 1)))?;
    // The rows are read in the shown order, or in the opposite one for a previous page.
    let descending = crate::db::paging::reads_descending(filter.order, filter.at.as_ref());
    let cursor = filter.at.as_ref().map(PageAt::cursor);
    // Bounds `$query` to the rows beyond the cursor on `$column` (then id) in the reading
    // order. The outer bound on the column lets its index start at the cursor instead of
    // the front; the OR alone is no range to an index.
    macro_rules! beyond {
        ($query:expr, $column:expr, $value:expr, $id:expr) => {
            beyond!($query, $column, $value, clients::id, $id)
        };
        ($query:expr, $column:expr, $value:expr, $id_column:expr, $id:expr) => {{
            let (value, id) = ($value, $id);
            if descending {
                $query.filter($column.le(value.clone())).filter(
                    $column
                        .lt(value.clone())
                        .or($column.eq(value).and($id_column.lt(id))),
                )
            } else {
                $query.filter($column.ge(value.clone())).filter(
                    $column
                        .gt(value.clone())
                        .or($column.eq(value).and($id_column.gt(id))),
                )
            }
        }};
    }
    macro_rules! ordered {
        ($query:expr, $column:expr) => {
            ordered!($query, $column, clients::id)
        };
        ($query:expr, $column:expr, $id_column:expr) => {
            if descending {
                $query.order(($column.desc(), $id_column.desc()))
            } else {
                $query.order(($column.asc(), $id_column.asc()))
            }
        };
    }
    let mut balance_provider = None;
    let clients_found: Vec<(Listed, Option<i64>)> = if filter.sort == Sort::Balance {
        let Some((provider, chosen)) = self::balance_provider(conn, filter)? else {
            return Ok(ClientListPage {
                rows: Vec::new(),
                next: None,
                previous: None,
                notice,
                balance_provider: None,
                word_start_only,
            });
        };
        balance_provider = Some(provider);
        if !chosen {
            let name = Provider::find(conn, provider)?
                .map(|p| p.name)
                .unwrap_or_default();
            notice.get_or_insert(format!(
                "Sorted by balance at {name}, showing the clients connected to it; choose another provider to sort by its balances."
            ));
        }
        // The balance sort's query over `$base` (clients joined with their account at the
        // provider), its filters, cursor, order and limit.
        macro_rules! balance_query {
            ($base:expr) => {{
                let mut query = filtered!($base, filter, &search_ids, balance at provider);
                if let Some(at) = cursor
                    && let Ok(balance) = at.key.parse::<i64>()
                {
                    query = beyond!(query, accounts::balance, balance, accounts::client_id, at.id);
                }
                // Ties broken by the account's client id (the same as the client's): the
                // (provider, balance, client) index then gives the whole order; ordered by
                // the client's own id, a long run of equal balances was sorted apart.
                ordered!(query, accounts::balance, accounts::client_id).limit(limit + 1)
            }};
        }
        // SQLite reads each row's owner and activity in the page's own query; PostgreSQL
        // plans that query again at every execution (its LIMIT is a bind, so a generic plan
        // looks costly) and runs best with the two lookups as queries of their own.
        match conn {
            DbConnection::Sqlite(c) => {
                let rows: Vec<(ListedClient, Option<String>, bool, i64)> =
                    balance_query!(with_owner!(clients::table.inner_join(accounts::table)))
                        .select(listed_columns!(accounts::balance))
                        .load(c)?;
                rows.into_iter()
                    .map(|(c, email, active, b)| ((c, email, active), Some(b)))
                    .collect()
            }
            DbConnection::Postgresql(c) => {
                let rows: Vec<(ListedClient, i64)> =
                    balance_query!(clients::table.inner_join(accounts::table))
                        .select((ListedClient::as_select(), accounts::balance))
                        .load(c)?;
                rows.into_iter()
                    .map(|(c, b)| ((c, None, false), Some(b)))
                    .collect()
            }
        }
    } else {
        // The other sorts' query over `$base` (clients, with their owner or not): filters,
        // search, cursor, order and limit.
        macro_rules! page_query {
            ($base:expr) => {{
                let mut query = filtered!($base, filter, &search_ids);
                query = match (filter.sort, cursor) {
                    (Sort::Name, Some(at)) => beyond!(query, clients::name, at.key.clone(), at.id),
                    (Sort::Registered, Some(at)) => match cursor_time(&at.key) {
                        Some(time) => beyond!(query, clients::created_at, time, at.id),
                        None => query,
                    },
                    (_, Some(at)) if descending => query.filter(clients::id.lt(at.id)),
                    (_, Some(at)) => query.filter(clients::id.gt(at.id)),
                    (_, None) => query,
                };
                query = match filter.sort {
                    Sort::Name => ordered!(query, clients::name),
                    Sort::Registered => ordered!(query, clients::created_at),
                    _ if descending => query.order(clients::id.desc()),
                    _ => query.order(clients::id.asc()),
                };
                query.limit(limit + 1)
            }};
        }
        // Built on the engine's own connection: a boxed query is rendered at every
        // execution anyway, and this way its rows skip the multi-backend layer. Each engine
        // reads owners and activity as the balance sort does.
        match conn {
            DbConnection::Sqlite(c) => {
                let rows: Vec<Listed> = page_query!(with_owner!(clients::table))
                    .select(listed_columns!())
                    .load(c)?;
                rows.into_iter().map(|l| (l, None)).collect()
            }
            DbConnection::Postgresql(c) => {
                let rows: Vec<ListedClient> = page_query!(clients::table)
                    .select(ListedClient::as_select())
                    .load(c)?;
                rows.into_iter().map(|c| ((c, None, false), None)).collect()
            }
        }
    };
    let cursor_of = |((c, _, _), balance): &(Listed, Option<i64>)| Cursor {
        id: c.id,
        key: match filter.sort {
            Sort::Name => c.name.clone(),
            Sort::Registered => c.created_at.format("%Y-%m-%dT%H:%M:%S%.f").to_string(),
            Sort::Balance => balance.unwrap_or_default().to_string(),
            Sort::Id => String::new(),
        },
    };
    let Some(Paged {
        rows: mut found,
        next,
        mut previous,
    }) = Paged::from_rows(clients_found, limit, filter.at.as_ref(), cursor_of)
    else {
        // A previous page that reached the start: the first page, whole.
        return list(
            conn,
            actor,
            &ClientFilter {
                at: None,
                ..filter.clone()
            },
            limit,
        );
    };
    // A search paged through its own hits goes forwards only: read backwards, its hits
    // would be the newest thousand as one set, not the pages that led here.
    if paged && !filter.query.trim().is_empty() {
        previous = None;
    }
    // PostgreSQL's rows come without their owners and activity (see above),
    // read for the rows kept.
    if matches!(conn, DbConnection::Postgresql(_)) {
        fill_in_owners_and_activity(conn, &mut found)?;
    }
    let rows = rows_for(conn, found.into_iter().map(|(c, _)| c).collect())?;
    Ok(ClientListPage {
        rows,
        next,
        previous,
        notice,
        balance_provider,
        word_start_only,
    })
}

/// How many clients the filter finds, its pages aside. A search counts up to
/// `SEARCH_LIMIT` hits.
pub fn count(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: &ClientFilter,
) -> Result<ClientCount, DomainError> {
    require(actor, permissions::CLIENTS_VIEW)?;
    let searched = search(conn, filter, None)?;
    let provider = if filter.sort == Sort::Balance {
        match balance_provider(conn, filter)? {
            Some((provider, _)) => Some(provider),
            None => return Ok(ClientCount::Exactly(0)),
        }
    } else {
        None
    };
    let n: i64 = match provider {
        Some(provider) => filtered!(
            clients::table.inner_join(accounts::table),
            filter,
            &searched.ids,
            balance at provider
        )
        .count()
        .get_result(conn)?,
        None => filtered!(clients::table, filter, &searched.ids)
            .count()
            .get_result(conn)?,
    };
    Ok(if searched.more {
        ClientCount::MoreThan(SEARCH_LIMIT)
    } else {
        ClientCount::Exactly(n)
    })
}

/// The owner's email and whether the client has an active service, for rows read without
/// them (PostgreSQL, see `list`): two queries for the page.
fn fill_in_owners_and_activity(
    conn: &mut DbConnection,
    rows: &mut [(Listed, Option<i64>)],
) -> QueryResult<()> {
    let ids: Vec<ClientId> = rows.iter().map(|((c, _, _), _)| c.id).collect();
    let emails = User::owner_emails(conn, &ids)?;
    // Sorted and without repeats.
    let active = Service::clients_with_active(conn, &ids)?;
    for ((client, email, is_active), _) in rows.iter_mut() {
        *email = emails
            .iter()
            .find(|(c, _)| *c == client.id)
            .map(|(_, e)| e.clone());
        *is_active = active.binary_search(&client.id).is_ok();
    }
    Ok(())
}

/// The accounts of a page of clients: one query, whatever the page size.
fn rows_for(conn: &mut DbConnection, clients: Vec<Listed>) -> Result<Vec<ClientRow>, DomainError> {
    let ids: Vec<ClientId> = clients.iter().map(|(c, _, _)| c.id).collect();
    let accounts = Account::summaries_of_clients(conn, &ids)?;
    let mut rows = Vec::with_capacity(clients.len());
    for (client, email, active) in clients {
        rows.push(ClientRow {
            email: email.unwrap_or_default(),
            accounts: accounts
                .iter()
                .filter(|(c, _)| *c == client.id)
                .map(|(_, a)| a.clone())
                .collect(),
            state: if active {
                ClientState::Active
            } else {
                ClientState::NotActive
            },
            client,
        });
    }
    Ok(rows)
}

/// Rebuilds the client's search document from its name, contact, phone, users and payers.
/// Called in the transaction of every change to them.
pub fn reindex(conn: &mut DbConnection, client_id: ClientId) -> QueryResult<()> {
    let Some(client) = Client::find(conn, client_id)? else {
        return ClientSearch::remove(conn, client_id);
    };
    let mut parts = vec![client.name, client.contact_person, client.phone];
    let user_rows: Vec<(String, String)> = users::table
        .filter(users::client_id.eq(client_id))
        .select((users::email, users::name))
        .load(conn)?;
    for (email, name) in user_rows {
        parts.push(email);
        parts.push(name);
    }
    let payer_rows: Vec<(String, String, String, String)> = payers::table
        .filter(payers::client_id.eq(client_id))
        .select((payers::name, payers::tax_id, payers::email, payers::phone))
        .load(conn)?;
    for (name, tax_id, email, phone) in payer_rows {
        parts.extend([name, tax_id, email, phone]);
    }
    let document = parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" | ")
        .to_lowercase();
    ClientSearch::set(conn, client_id, &document)
}

pub const KINDS: &[(&str, &str)] = &[("person", "Person"), ("organisation", "Organisation")];

/// What an employee enters for a client.
#[derive(Debug)]
pub struct ClientInput {
    pub email: Email,
    pub name: String,
    pub contact_person: String,
    pub kind: &'static str,
    pub country: String,
    pub language: String,
    pub phone: String,
    pub comment: String,
    pub provider_ids: Vec<ProviderId>,
    pub registered_by: Option<EmployeeId>,
    /// The groups the client is in; `None` when the form does not set them (the employee
    /// may not manage groups).
    pub group_ids: Option<Vec<ClientGroupId>>,
    /// Required for a new client; when editing, only the owner's sign-in can change.
    pub password: Option<NewPassword>,
    pub send_details: bool,
}

#[derive(Debug, Default)]
pub struct ClientRaw<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub contact_person: &'a str,
    pub kind: &'a str,
    pub country: &'a str,
    pub language: &'a str,
    pub phone: &'a str,
    pub comment: &'a str,
    pub provider_ids: &'a [String],
    pub registered_by: &'a str,
    pub password: &'a str,
    pub send_details: bool,
    pub group_ids: Option<&'a [String]>,
}

impl ClientInput {
    pub fn parse(raw: &ClientRaw<'_>, new: bool) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = Email::parse(raw.email)
            .map_err(|m| errors.add("email", m))
            .ok();
        let name = text::required(raw.name, 200, "Enter the client's name.")
            .map_err(|m| errors.add("name", m))
            .ok();
        let mut optional = |field: &str, value: &str, max: usize| {
            text::optional(value, max)
                .map_err(|m| errors.add(field, m))
                .unwrap_or_default()
        };
        let contact_person = optional("contact_person", raw.contact_person, 200);
        let country = optional("country", raw.country, 2).to_uppercase();
        let phone = optional("phone", raw.phone, 40);
        let language = templates::chosen_language(raw.language)
            .map_err(|m| errors.add("language", m))
            .unwrap_or_default();
        let comment = text::optional_lines(raw.comment, 5000)
            .map_err(|m| errors.add("comment", m))
            .unwrap_or_default();
        if !country.is_empty() && !country.chars().all(|c| c.is_ascii_uppercase()) {
            errors.add("country", "Use the two-letter country code, like RU or DE.");
        }
        let kind = KINDS
            .iter()
            .find(|(k, _)| *k == raw.kind.trim())
            .map(|(k, _)| *k);
        if kind.is_none() {
            errors.add("kind", "Choose person or organisation.");
        }
        let mut provider_ids = Vec::new();
        for id in raw.provider_ids {
            match id.parse() {
                Ok(id) => provider_ids.push(id),
                Err(_) => errors.add("provider_ids", "Choose providers from the list."),
            }
        }
        provider_ids.sort();
        provider_ids.dedup();
        if provider_ids.is_empty() {
            errors.add(
                "provider_ids",
                "Connect the client to at least one provider.",
            );
        }
        let registered_by = match raw.registered_by.trim() {
            "" => None,
            id => id
                .parse()
                .map(Some)
                .map_err(|_| errors.add("registered_by", "Choose an employee from the list."))
                .unwrap_or(None),
        };
        let group_ids = match raw.group_ids {
            None => None,
            Some(ids) => {
                let mut parsed = Vec::new();
                for id in ids {
                    match id.parse() {
                        Ok(id) => parsed.push(id),
                        Err(_) => errors.add("group_ids", "Choose groups from the list."),
                    }
                }
                parsed.sort();
                parsed.dedup();
                Some(parsed)
            }
        };
        let password = match (raw.password, new) {
            ("", false) => None,
            ("", true) => {
                errors.add("password", "Enter a password, or use the generated one.");
                None
            }
            (typed, _) => NewPassword::parse(typed)
                .map_err(|m| errors.add("password", m))
                .ok(),
        };
        match (email, name, kind) {
            (Some(email), Some(name), Some(kind)) if errors.is_empty() => Ok(Self {
                email,
                name,
                contact_person,
                kind,
                country,
                language: if language.is_empty() {
                    "en".into()
                } else {
                    language
                },
                phone,
                comment,
                provider_ids,
                registered_by,
                group_ids,
                password,
                send_details: raw.send_details,
            }),
            _ => Err(errors),
        }
    }
}

fn email_taken() -> DomainError {
    DomainError::invalid("email", "A user with this email exists already.")
}

/// Puts the client in exactly `groups`, for an actor who may manage groups. Returns the
/// groups' names before and after, for the audit.
fn set_groups(
    conn: &mut DbConnection,
    actor: &Actor,
    client_id: ClientId,
    groups: &[ClientGroupId],
) -> Result<(String, String), DomainError> {
    use crate::db::models::client_group::ClientGroup;
    require(actor, permissions::CLIENTS_GROUPS)?;
    let all = ClientGroup::all(conn)?;
    if !groups.iter().all(|g| all.iter().any(|x| x.id == *g)) {
        return Err(DomainError::invalid(
            "group_ids",
            "Choose groups from the list.",
        ));
    }
    let before = ClientGroup::groups_of(conn, client_id)?;
    for group in &before {
        if !groups.contains(&group.id) {
            ClientGroup::remove_member(conn, group.id, client_id)?;
        }
    }
    for group in groups {
        ClientGroup::add_members(conn, *group, &[client_id])?;
    }
    let names = |ids: Vec<ClientGroupId>| {
        let mut n: Vec<&str> = ids
            .iter()
            .filter_map(|id| all.iter().find(|g| g.id == *id).map(|g| g.name.as_str()))
            .collect();
        n.sort();
        n.join(", ")
    };
    Ok((
        names(before.iter().map(|g| g.id).collect()),
        names(groups.to_vec()),
    ))
}

fn check_references(conn: &mut DbConnection, input: &ClientInput) -> Result<(), DomainError> {
    let mut errors = FieldErrors::new();
    let providers = Provider::choices(conn)?;
    if !input
        .provider_ids
        .iter()
        .all(|id| providers.iter().any(|p| p.id == *id))
    {
        errors.add("provider_ids", "Choose providers from the list.");
    }
    if let Some(id) = input.registered_by
        && Employee::find(conn, id)?.is_none()
    {
        errors.add("registered_by", "Choose an employee from the list.");
    }
    errors.into_result()
}

/// An employee adds a client with its owner user and accounts; optionally the sign-in
/// details are queued for e-mail (`site` is where people reach billpanel, for the link).
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &ClientInput,
    site: &str,
) -> Result<Client, DomainError> {
    require(actor, permissions::CLIENTS_CREATE)?;
    let password = input
        .password
        .as_ref()
        .ok_or_else(|| DomainError::invalid("password", "Enter a password."))?;
    let hash = password.hash().map_err(DomainError::Internal)?;
    db::write_transaction(conn, |conn| {
        check_references(conn, input)?;
        if User::find_by_email(conn, input.email.as_str())?.is_some() {
            return Err(email_taken());
        }
        let now = db::now();
        let client = Client::insert(
            conn,
            &NewClient {
                name: &input.name,
                kind: input.kind,
                contact_person: &input.contact_person,
                phone: &input.phone,
                country: &input.country,
                language: &input.language,
                comment: &input.comment,
                enabled: true,
                registered_by: input.registered_by.or(actor.employee_id()),
                registration_ip: "",
                created_at: now,
            },
        )?;
        let owner = User::insert(
            conn,
            &NewUser {
                client_id: client.id,
                email: input.email.as_str(),
                name: &input.name,
                password_hash: &hash,
                is_owner: true,
                enabled: true,
                created_at: now,
                email_confirmed_at: None,
            },
        )
        .map_err(|e| {
            if db::is_unique_violation(&e) {
                email_taken()
            } else {
                e.into()
            }
        })?;
        for provider_id in &input.provider_ids {
            Account::insert(
                conn,
                &NewAccount {
                    client_id: client.id,
                    provider_id: *provider_id,
                    created_at: now,
                },
            )?;
        }
        // Staff typed the address: its owner confirms it.
        crate::domain::email_confirmations::send(conn, &owner, site)?;
        if input.send_details {
            let to = Addressee::client(conn, client.id, None)?;
            let letter = templates::write(
                conn,
                &templates::ACCOUNT_OPENED,
                &to,
                &[
                    ("name", input.name.clone()),
                    ("email", input.email.as_str().to_owned()),
                    (
                        "password",
                        input
                            .password
                            .as_ref()
                            .map(NewPassword::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                    ),
                    ("sign_in", format!("{}/login", site.trim_end_matches('/'))),
                ],
            )?;
            OutboxMail::queue(conn, &letter.to(input.email.as_str(), now))?;
        }
        reindex(conn, client.id)?;
        let groups = match &input.group_ids {
            Some(groups) => set_groups(conn, actor, client.id, groups)?.1,
            None => String::new(),
        };
        let mut changes = Changes::new();
        changes
            .set("groups", groups)
            .set("name", &client.name)
            .set("email", &input.email)
            .set("providers", input.provider_ids.len());
        if input.send_details {
            changes.note("sign-in details e-mailed");
        }
        audit::record(
            conn,
            actor,
            "client.create",
            Target::new("client", client.id),
            &changes.summary(),
        )?;
        Ok(client)
    })
}

/// An employee edits a client: its data, the owner's email, and providers connected
/// (adding one opens an account; removing one closes an empty account only).
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ClientId,
    input: &ClientInput,
    site: &str,
) -> Result<Client, DomainError> {
    require(actor, permissions::CLIENTS_EDIT)?;
    db::write_transaction(conn, |conn| {
        let before = Client::find(conn, id)?.ok_or(DomainError::NotFound)?;
        check_references(conn, input)?;
        let owner = User::owner_of(conn, id)?.ok_or(DomainError::NotFound)?;
        if owner.email != input.email.as_str() {
            if User::find_by_email(conn, input.email.as_str())?.is_some() {
                return Err(email_taken());
            }
            User::set_email(conn, owner.id, input.email.as_str()).map_err(|e| {
                if db::is_unique_violation(&e) {
                    email_taken()
                } else {
                    e.into()
                }
            })?;
        }
        let providers_before = Account::provider_ids_of(conn, id)?;
        for provider_id in input
            .provider_ids
            .iter()
            .filter(|p| !providers_before.contains(p))
        {
            Account::insert(
                conn,
                &NewAccount {
                    client_id: id,
                    provider_id: *provider_id,
                    created_at: db::now(),
                },
            )?;
        }
        for provider_id in providers_before
            .iter()
            .filter(|p| !input.provider_ids.contains(p))
        {
            if Service::any_of_client(conn, id, Some(*provider_id))? {
                return Err(DomainError::invalid(
                    "provider_ids",
                    "The client has services at a provider you unticked (an order waiting for payment counts); it stays connected there.",
                ));
            }
            if !Account::remove_if_empty(conn, id, *provider_id)? {
                return Err(DomainError::invalid(
                    "provider_ids",
                    "The client has money or debt at a provider you unticked; it stays connected there.",
                ));
            }
        }
        let after = Client::update(
            conn,
            id,
            &ClientChanges {
                name: &input.name,
                kind: input.kind,
                contact_person: &input.contact_person,
                phone: &input.phone,
                country: &input.country,
                language: &input.language,
                comment: &input.comment,
                registered_by: input.registered_by,
            },
        )?;
        reindex(conn, id)?;
        if owner.email != input.email.as_str() {
            // The new address is confirmed by a link sent to it, in the client's language
            // as just saved.
            let moved = User {
                email: input.email.as_str().to_owned(),
                ..owner.clone()
            };
            crate::domain::email_confirmations::send(conn, &moved, site)?;
        }
        let mut changes = Changes::new();
        if let Some(groups) = &input.group_ids {
            let (was, now) = set_groups(conn, actor, id, groups)?;
            changes.field("groups", was, now);
        }
        changes
            .field("name", &before.name, &after.name)
            .field("email", &owner.email, &input.email)
            .field("kind", &before.kind, &after.kind)
            .field(
                "contact person",
                &before.contact_person,
                &after.contact_person,
            )
            .field("phone", &before.phone, &after.phone)
            .field("country", &before.country, &after.country)
            .field("language", &before.language, &after.language)
            .field(
                "providers",
                providers_before.len(),
                input.provider_ids.len(),
            );
        if before.comment != after.comment {
            changes.note("comment changed");
        }
        if before.registered_by != after.registered_by {
            changes.note("registered-by employee changed");
        }
        if !changes.is_empty() {
            audit::record(
                conn,
                actor,
                "client.update",
                Target::new("client", id),
                &changes.summary(),
            )?;
        }
        Ok(after)
    })
}

/// Enables or disables a client; a disabled client's users are out at their next request.
pub fn set_enabled(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ClientId,
    enabled: bool,
) -> Result<(), DomainError> {
    require(actor, permissions::CLIENTS_EDIT)?;
    db::write_transaction(conn, |conn| {
        let client = Client::find(conn, id)?.ok_or(DomainError::NotFound)?;
        change_enabled(conn, actor, &client, enabled)
    })
}

/// Most clients one bulk action changes: a list page's largest.
pub const BULK_MOST: usize = 200;

/// Enables or disables the ticked clients in one transaction; clients gone since are
/// skipped. How many changed.
pub fn set_enabled_many(
    conn: &mut DbConnection,
    actor: &Actor,
    ids: &[ClientId],
    enabled: bool,
) -> Result<usize, DomainError> {
    require(actor, permissions::CLIENTS_EDIT)?;
    check_bulk(ids)?;
    db::write_transaction(conn, |conn| {
        let mut changed = 0;
        for &id in ids {
            if let Some(client) = Client::find(conn, id)?
                && client.enabled != enabled
            {
                change_enabled(conn, actor, &client, enabled)?;
                changed += 1;
            }
        }
        Ok(changed)
    })
}

/// Refuses an empty or oversized selection for a bulk action.
fn check_bulk(ids: &[ClientId]) -> Result<(), DomainError> {
    if ids.is_empty() {
        return Err(DomainError::invalid(
            "client_ids",
            "Tick the clients first.",
        ));
    }
    if ids.len() > BULK_MOST {
        return Err(DomainError::invalid(
            "client_ids",
            format!("Tick at most {BULK_MOST} clients at a time."),
        ));
    }
    Ok(())
}

/// Sets one client's status, ending its users' sessions when it is disabled, with its audit.
fn change_enabled(
    conn: &mut DbConnection,
    actor: &Actor,
    client: &Client,
    enabled: bool,
) -> Result<(), DomainError> {
    let id = client.id;
    if client.enabled == enabled {
        return Ok(());
    }
    Client::set_enabled(conn, id, enabled)?;
    if !enabled {
        // Old sessions must not come back if the client is enabled again.
        for user in User::of_client(conn, id)? {
            crate::domain::sessions::end_all(conn, crate::ids::PersonId::User(user.id), None)?;
        }
    }
    let action = if enabled {
        "client.enable"
    } else {
        "client.disable"
    };
    audit::record(conn, actor, action, Target::new("client", id), "")?;
    Ok(())
}

/// Deletes a client that has no financial history; others can only be disabled.
pub fn delete(conn: &mut DbConnection, actor: &Actor, id: ClientId) -> Result<String, DomainError> {
    require(actor, permissions::CLIENTS_DELETE)?;
    db::write_transaction(conn, |conn| {
        let client = Client::find(conn, id)?.ok_or(DomainError::NotFound)?;
        if crate::domain::payments::client_has_history(conn, id)? {
            return Err(DomainError::invalid(
                "delete",
                "This client has money or debt on an account, so it has financial history: disable it instead.",
            ));
        }
        if Service::any_of_client(conn, id, None)? {
            return Err(DomainError::invalid(
                "delete",
                "This client has ordered services (an order still waiting for payment counts), so it has history: disable it instead.",
            ));
        }
        ClientSearch::remove(conn, id)?;
        // Unsent mail to its users goes too (the welcome mail holds a password).
        for user in User::of_client(conn, id)? {
            OutboxMail::drop_unsent_to(conn, &user.email)?;
        }
        Client::delete(conn, id)?;
        audit::record(
            conn,
            actor,
            "client.delete",
            Target::new("client", id),
            &format!("name {:?}", client.name),
        )?;
        Ok(client.name)
    })
}

/// Everything the client card shows.
pub struct ClientCard {
    pub client: Client,
    pub state: ClientState,
    pub owner_email: String,
    pub registered_by: Option<String>,
    pub accounts: Vec<AccountSummary>,
    pub users: Vec<User>,
    pub payers: Vec<crate::db::models::Payer>,
    /// The client's payments, for employees who may see payments.
    pub payments: Vec<crate::db::models::payment::PaymentRow>,
    /// The client's services and expenses, for employees who may see them.
    pub services: Vec<crate::db::models::service::ServiceRow>,
    pub expenses: Vec<crate::db::models::expense::ExpenseRow>,
    /// The groups the client is in, and all groups (to add it to one).
    pub groups: Vec<crate::db::models::client_group::ClientGroup>,
    pub all_groups: Vec<crate::db::models::client_group::ClientGroup>,
    pub messages: Vec<Message>,
    /// The client's documents, newest first (with `documents.view`).
    pub documents: Vec<crate::db::models::document::DocumentRow>,
    pub events: Vec<AuditEvent>,
    /// The client's latest tickets in the departments the viewer sees (`support.view`).
    pub tickets: Vec<crate::domain::tickets::ClientTicketRow>,
    pub provider_ids: Vec<ProviderId>,
    /// The users whose second factor is on.
    pub two_factor_users: Vec<crate::ids::UserId>,
}

/// A card tab's list: read only when that tab is shown.
fn if_shown<T, E>(
    tab: Option<&str>,
    name: &str,
    read: impl FnOnce() -> Result<Vec<T>, E>,
) -> Result<Vec<T>, E> {
    if tab == Some(name) {
        read()
    } else {
        Ok(Vec::new())
    }
}

/// The client's card: what every tab shows (the client, its users, accounts, payers and
/// groups) and the list of the one tab named, read only for that tab (`None`: no list, as
/// for the edit and delete pages). Lists the actor may not see are left empty.
pub fn card(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ClientId,
    tab: Option<&str>,
) -> Result<ClientCard, DomainError> {
    require(actor, permissions::CLIENTS_VIEW)?;
    let client = Client::find(conn, id)?.ok_or(DomainError::NotFound)?;
    let (users, two_factor_users): (Vec<User>, Vec<bool>) =
        User::of_client_with_two_factor(conn, id)?
            .into_iter()
            .unzip();
    let two_factor_users = users
        .iter()
        .zip(two_factor_users)
        .filter(|(_, on)| *on)
        .map(|(u, _)| u.id)
        .collect();
    let registered_by = match client.registered_by {
        Some(e) => Employee::find(conn, e)?.map(|e| e.name),
        None => None,
    };
    let mut events = Vec::new();
    if tab == Some("audit") && permissions::require(actor, permissions::AUDIT_VIEW).is_ok() {
        let filter = crate::db::models::audit_event::AuditFilter {
            client_id: Some(id),
            ..Default::default()
        };
        events = AuditEvent::search(conn, &filter, 50)?;
        events.extend(AuditEvent::search(
            conn,
            &crate::db::models::audit_event::AuditFilter {
                object_type: Some("client".into()),
                object_id: Some(id.0),
                ..Default::default()
            },
            50,
        )?);
        events.sort_by_key(|e| std::cmp::Reverse(e.id));
        events.dedup_by_key(|e| e.id);
        events = crate::domain::audit::readable_by(conn, actor, events)?;
    }
    Ok(ClientCard {
        state: state_of(conn, id)?,
        owner_email: users
            .iter()
            .find(|u| u.is_owner)
            .map(|u| u.email.clone())
            .unwrap_or_default(),
        registered_by,
        accounts: Account::summaries_of_client(conn, id)?,
        messages: if_shown(tab, "messages", || Message::of_client(conn, id, 50))?,
        documents: if_shown(tab, "documents", || {
            allowed(crate::domain::documents::of_client(conn, actor, id))
        })?,
        payers: crate::db::models::Payer::of_client(conn, id)?,
        payments: if_shown(tab, "payments", || {
            allowed(crate::domain::payments::list_of_client(conn, actor, id))
        })?,
        services: if_shown(tab, "services", || {
            allowed(crate::domain::services::list(
                conn,
                actor,
                &crate::db::models::service::ServiceFilter {
                    client: Some(id),
                    ..Default::default()
                },
                crate::domain::services::PAGE_SIZE,
            ))
        })?,
        expenses: if_shown(tab, "expenses", || {
            allowed(crate::domain::services::expenses(
                conn,
                actor,
                &crate::db::models::expense::ExpenseFilter {
                    client: Some(id),
                    ..Default::default()
                },
                crate::domain::services::PAGE_SIZE,
            ))
        })?,
        tickets: if_shown(tab, "tickets", || {
            allowed(crate::domain::tickets::of_client_for_staff(
                conn, actor, id, 50,
            ))
        })?,
        groups: crate::db::models::client_group::ClientGroup::groups_of(conn, id)?,
        all_groups: crate::db::models::client_group::ClientGroup::all(conn)?,
        provider_ids: Account::provider_ids_of(conn, id)?,
        two_factor_users,
        events,
        users,
        client,
    })
}

/// What the actor may read of a card's tab; an empty list when it may not.
fn allowed<T>(read: Result<Vec<T>, DomainError>) -> Result<Vec<T>, DomainError> {
    match read {
        Err(DomainError::Forbidden) => Ok(Vec::new()),
        other => other,
    }
}

/// Longest message accepted.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Sends a message: it appears in the client's inbox and is queued for e-mail to the owner.
pub fn send_message(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ClientId,
    subject: &str,
    body: &str,
) -> Result<Message, DomainError> {
    require(actor, permissions::CLIENTS_MESSAGE)?;
    let (subject, body) = message_text(subject, body)?;
    db::write_transaction(conn, |conn| {
        let client = Client::find(conn, id)?.ok_or(DomainError::NotFound)?;
        write_message(conn, actor, client, &subject, &body)
    })
}

/// Sends one message to each ticked client, in one transaction; clients gone since are
/// skipped. How many were sent.
pub fn send_message_to_many(
    conn: &mut DbConnection,
    actor: &Actor,
    ids: &[ClientId],
    subject: &str,
    body: &str,
) -> Result<usize, DomainError> {
    require(actor, permissions::CLIENTS_MESSAGE)?;
    check_bulk(ids)?;
    let (subject, body) = message_text(subject, body)?;
    db::write_transaction(conn, |conn| {
        let mut sent = 0;
        for &id in ids {
            if let Some(client) = Client::find(conn, id)? {
                write_message(conn, actor, client, &subject, &body)?;
                sent += 1;
            }
        }
        Ok(sent)
    })
}

/// A message's subject and body as typed, checked: the messages at their fields otherwise.
fn message_text(subject: &str, body: &str) -> Result<(String, String), DomainError> {
    let mut errors = FieldErrors::new();
    let subject = text::required(subject, 200, "Enter a subject.")
        .map_err(|m| errors.add("subject", m))
        .ok();
    let body_text = text::lines(body)
        .map_err(|m| errors.add("body", m))
        .unwrap_or_default();
    if body_text.is_empty() {
        errors.add("body", "Write the message.");
    } else if body_text.len() > MAX_MESSAGE_BYTES {
        errors.add("body", "The message is longer than 64 KiB.");
    }
    errors.into_result()?;
    Ok((subject.unwrap_or_default(), body_text))
}

/// Writes a message to the client's inbox, mails its owner and records it, in the caller's
/// transaction.
fn write_message(
    conn: &mut DbConnection,
    actor: &Actor,
    client: Client,
    subject: &str,
    body_text: &str,
) -> Result<Message, DomainError> {
    let id = client.id;
    let now = db::now();
    let message = Message::insert(
        conn,
        &NewMessage {
            client_id: id,
            subject,
            body: body_text,
            sent_by: actor.employee_id(),
            created_at: now,
        },
    )?;
    if let Some(owner) = User::owner_of(conn, id)? {
        let to = Addressee::client(conn, id, None)?;
        let letter = templates::write(
            conn,
            &templates::PROVIDER_MESSAGE,
            &to,
            &[
                ("client", client.name),
                ("subject", subject.to_owned()),
                ("message", body_text.to_owned()),
            ],
        )?;
        OutboxMail::queue(conn, &letter.to(&owner.email, now))?;
    }
    audit::record(
        conn,
        actor,
        "client.message",
        Target::new("client", id),
        &format!("subject {subject:?}"),
    )?;
    Ok(message)
}
