//! The `services`, `service_events` and `service_notices` tables: what clients ordered,
//! what happened to it, and which low-balance notices went out.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::paging::{KeyCursor, Order, PageAt, reads_descending};
use crate::db::schema::{
    accounts, clients, currencies, product_types, providers, service_events, service_notices,
    services, tariffs,
};
use crate::db::{DbConnection, InIdsExt, MultiBackend};
use crate::ids::{AccountId, ClientId, ProviderId, ServiceEventId, ServiceId, TariffId};

pub const ORDERED: &str = "ordered";
pub const ACTIVE: &str = "active";
pub const SUSPENDED_CLIENT: &str = "suspended_client";
pub const SUSPENDED_ADMIN: &str = "suspended_admin";
pub const SUSPENDED_UNPAID: &str = "suspended_unpaid";
pub const DELETED: &str = "deleted";

/// Every status with its label, in the order filters show them.
pub const STATUSES: &[(&str, &str)] = &[
    (ORDERED, "Ordered, waiting for payment"),
    (ACTIVE, "Active"),
    (SUSPENDED_CLIENT, "Suspended by the client"),
    (SUSPENDED_ADMIN, "Suspended by the provider"),
    (SUSPENDED_UNPAID, "Suspended for non-payment"),
    (DELETED, "Deleted"),
];

pub fn status_label(status: &str) -> &'static str {
    STATUSES
        .iter()
        .find(|(s, _)| *s == status)
        .map_or("Unknown", |(_, l)| l)
}

/// Every event of a service's history with its label.
pub const EVENTS: &[(&str, &str)] = &[
    ("ordered", "Ordered"),
    ("activated", "Activated"),
    ("renewed", "Renewed for a period"),
    ("suspended", "Suspended"),
    ("resumed", "Resumed"),
    ("deleted", "Deleted"),
    ("paid_until", "Paid time changed"),
    ("auto_renew", "Auto-renew changed"),
];

pub fn event_label(event: &str) -> &'static str {
    EVENTS
        .iter()
        .find(|(e, _)| *e == event)
        .map_or("Changed", |(_, l)| l)
}

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = services)]
pub struct Service {
    pub id: ServiceId,
    pub client_id: ClientId,
    pub account_id: AccountId,
    pub tariff_id: TariffId,
    pub period_months: i32,
    /// One period, discounted, in minor units of the account's currency.
    pub price: i64,
    pub order_cost: i64,
    pub status: String,
    pub auto_renew: bool,
    pub anchor_at: Option<NaiveDateTime>,
    pub paid_months: i32,
    pub paid_until: Option<NaiveDateTime>,
    pub suspended_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
    pub order_key: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = services)]
pub struct NewService<'a> {
    pub client_id: ClientId,
    pub account_id: AccountId,
    pub tariff_id: TariffId,
    pub period_months: i32,
    pub price: i64,
    pub order_cost: i64,
    pub status: &'a str,
    pub auto_renew: bool,
    pub order_key: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

/// A service with what lists and pages show: tariff, type, provider and currency.
#[derive(Debug, Clone, Queryable)]
pub struct ServiceRow {
    pub service: Service,
    /// Whose it is, as staff pages name it.
    pub client_name: String,
    pub tariff_name: String,
    pub type_name: String,
    pub provider_id: ProviderId,
    pub provider_name: String,
    pub time_zone: String,
    pub currency_code: String,
    pub currency_exponent: i32,
}

impl ServiceRow {
    pub fn status_label(&self) -> &'static str {
        status_label(&self.service.status)
    }
}

#[derive(Debug, Clone, Queryable)]
pub struct ServiceEvent {
    pub id: ServiceEventId,
    pub service_id: ServiceId,
    pub event: String,
    pub status: String,
    pub detail: String,
    pub actor: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = service_events)]
pub struct NewServiceEvent<'a> {
    pub service_id: ServiceId,
    pub event: &'a str,
    pub status: &'a str,
    pub detail: &'a str,
    pub actor: &'a str,
    pub created_at: NaiveDateTime,
}

/// What the billing run needs of a due service, read in one query.
#[derive(Debug, Clone, Queryable)]
pub struct DueService {
    pub id: ServiceId,
    pub client_id: ClientId,
    pub account_id: AccountId,
    pub period_months: i32,
    pub price: i64,
    pub auto_renew: bool,
    pub anchor_at: Option<NaiveDateTime>,
    pub paid_months: i32,
    pub paid_until: Option<NaiveDateTime>,
    pub suspended_at: Option<NaiveDateTime>,
    pub time_zone: String,
    pub deletion_days: i32,
}

/// Which services a list shows, in which order, from where.
#[derive(Debug, Clone, Default)]
pub struct ServiceFilter {
    pub client: Option<ClientId>,
    pub status: Option<String>,
    /// Paid time ending within this range (from, until): "expiring in 7 days".
    pub ending: Option<(NaiveDateTime, NaiveDateTime)>,
    pub sort: ServiceSort,
    pub order: Order,
    /// None: the first page.
    pub at: Option<PageAt<ServiceCursor>>,
}

/// What a services list is sorted by (then by id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServiceSort {
    /// When it was ordered: the id's order.
    #[default]
    Date,
    /// One period's price.
    Price,
    /// The end of the paid time; services never paid have none and are left out.
    PaidUntil,
}

impl ServiceSort {
    pub fn parse(raw: &str) -> Self {
        match raw {
            "price" => ServiceSort::Price,
            "paid_until" => ServiceSort::PaidUntil,
            _ => ServiceSort::Date,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            ServiceSort::Date => "date",
            ServiceSort::Price => "price",
            ServiceSort::PaidUntil => "paid_until",
        }
    }

    /// The order the column starts in: the newest and dearest first, the soonest to end
    /// first.
    pub fn first_order(self) -> Order {
        match self {
            ServiceSort::PaidUntil => Order::Ascending,
            _ => Order::Descending,
        }
    }
}

/// A row a page of services starts next to: its id and the sort column's value (the
/// price, or the paid-until time in Unix microseconds: times are stored to the
/// microsecond, see `db::now`).
pub type ServiceCursor = KeyCursor<ServiceId>;

impl ServiceRow {
    pub fn cursor(&self, sort: ServiceSort) -> ServiceCursor {
        KeyCursor {
            id: self.service.id,
            key: match sort {
                ServiceSort::Date => 0,
                ServiceSort::Price => self.service.price,
                ServiceSort::PaidUntil => self
                    .service
                    .paid_until
                    .map_or(0, |t| t.and_utc().timestamp_micros()),
            },
        }
    }
}

/// The services the filter finds, before sort and page, over `$base`, boxed.
macro_rules! filtered_services {
    ($base:expr, $filter:expr) => {{
        let filter: &ServiceFilter = $filter;
        let mut query = $base.into_boxed::<MultiBackend>();
        if let Some(client) = filter.client {
            query = query.filter(services::client_id.eq(client));
        }
        if let Some(status) = &filter.status {
            query = query.filter(services::status.eq(status.clone()));
        }
        if let Some((from, until)) = filter.ending {
            query = query
                .filter(services::paid_until.ge(from))
                .filter(services::paid_until.lt(until));
        }
        if filter.sort == ServiceSort::PaidUntil {
            query = query.filter(services::paid_until.is_not_null());
        }
        query
    }};
}

macro_rules! row_query {
    () => {
        services::table
            .inner_join(tariffs::table.inner_join(product_types::table))
            .inner_join(accounts::table.inner_join(providers::table.inner_join(currencies::table)))
            .inner_join(clients::table)
            .select((
                services::all_columns,
                clients::name,
                tariffs::name,
                product_types::name,
                providers::id,
                providers::name,
                providers::time_zone,
                currencies::code,
                currencies::exponent,
            ))
    };
}

macro_rules! due_query {
    () => {
        services::table
            .inner_join(accounts::table.inner_join(providers::table))
            .select((
                services::id,
                services::client_id,
                services::account_id,
                services::period_months,
                services::price,
                services::auto_renew,
                services::anchor_at,
                services::paid_months,
                services::paid_until,
                services::suspended_at,
                providers::time_zone,
                providers::deletion_days,
            ))
    };
}

impl Service {
    pub fn insert(conn: &mut DbConnection, new: &NewService<'_>) -> QueryResult<Service> {
        diesel::insert_into(services::table)
            .values(new)
            .returning(services::all_columns)
            .get_result(conn)
    }

    pub fn find(conn: &mut DbConnection, id: ServiceId) -> QueryResult<Option<Service>> {
        services::table.find(id).first(conn).optional()
    }

    pub fn find_by_key(conn: &mut DbConnection, key: &str) -> QueryResult<Option<Service>> {
        services::table
            .filter(services::order_key.eq(key))
            .first(conn)
            .optional()
    }

    pub fn row(conn: &mut DbConnection, id: ServiceId) -> QueryResult<Option<ServiceRow>> {
        row_query!()
            .filter(services::id.eq(id))
            .first::<ServiceRow>(conn)
            .optional()
    }

    /// A client's services, newest first: the client dashboard's, kept prepared (the
    /// filtered list below is boxed, and prepared again at every call).
    pub fn rows_of_client(
        conn: &mut DbConnection,
        client: ClientId,
        limit: i64,
    ) -> QueryResult<Vec<ServiceRow>> {
        crate::db::on_engine!(conn, |c| row_query!()
            .filter(services::client_id.eq(client))
            .order(services::id.desc())
            .limit(limit)
            .load::<ServiceRow>(c))
    }

    /// Services as the filter says, sorted and paged by it: up to `limit` rows in the order
    /// they are read (see `paging::reads_descending`).
    pub fn rows(
        conn: &mut DbConnection,
        filter: &ServiceFilter,
        limit: i64,
    ) -> QueryResult<Vec<ServiceRow>> {
        let descending = reads_descending(filter.order, filter.at.as_ref());
        let mut query = filtered_services!(row_query!(), filter);
        // Beyond the cursor in the reading order; the outer bound on the column lets its
        // index start there.
        macro_rules! beyond {
            ($column:expr, $value:expr, $id:expr) => {{
                let (value, id) = ($value, $id);
                if descending {
                    query.filter($column.le(value)).filter(
                        $column
                            .lt(value)
                            .or($column.eq(value).and(services::id.lt(id))),
                    )
                } else {
                    query.filter($column.ge(value)).filter(
                        $column
                            .gt(value)
                            .or($column.eq(value).and(services::id.gt(id))),
                    )
                }
            }};
        }
        if let Some(at) = filter.at.as_ref().map(PageAt::cursor) {
            query = match filter.sort {
                ServiceSort::Date if descending => query.filter(services::id.lt(at.id)),
                ServiceSort::Date => query.filter(services::id.gt(at.id)),
                ServiceSort::Price => beyond!(services::price, at.key, at.id),
                // Within the years both engines keep (1 to 9999).
                ServiceSort::PaidUntil => match chrono::DateTime::from_timestamp_micros(
                    at.key
                        .clamp(-62_135_596_800_000_000, 253_402_300_799_999_999),
                ) {
                    Some(t) => beyond!(services::paid_until, t.naive_utc(), at.id),
                    None => query,
                },
            };
        }
        query = match (filter.sort, descending) {
            (ServiceSort::Date, true) => query.order(services::id.desc()),
            (ServiceSort::Date, false) => query.order(services::id.asc()),
            (ServiceSort::Price, true) => {
                query.order((services::price.desc(), services::id.desc()))
            }
            (ServiceSort::Price, false) => query.order((services::price.asc(), services::id.asc())),
            (ServiceSort::PaidUntil, true) => {
                query.order((services::paid_until.desc(), services::id.desc()))
            }
            (ServiceSort::PaidUntil, false) => {
                query.order((services::paid_until.asc(), services::id.asc()))
            }
        };
        query.limit(limit).load::<ServiceRow>(conn)
    }

    /// How many services the filter finds, its page and order aside.
    pub fn count(conn: &mut DbConnection, filter: &ServiceFilter) -> QueryResult<i64> {
        filtered_services!(services::table, filter)
            .count()
            .get_result(conn)
    }

    /// Services of the client on one tariff that count toward its per-client limit.
    pub fn count_of_tariff(
        conn: &mut DbConnection,
        client: ClientId,
        tariff: TariffId,
    ) -> QueryResult<i64> {
        services::table
            .filter(services::client_id.eq(client))
            .filter(services::tariff_id.eq(tariff))
            .filter(services::status.ne(DELETED))
            .count()
            .get_result(conn)
    }

    /// Counts of the client's services per tariff, deleted ones left out.
    pub fn counts_by_tariff(
        conn: &mut DbConnection,
        client: ClientId,
    ) -> QueryResult<Vec<(TariffId, i64)>> {
        services::table
            .filter(services::client_id.eq(client))
            .filter(services::status.ne(DELETED))
            .group_by(services::tariff_id)
            .select((services::tariff_id, diesel::dsl::count_star()))
            .load(conn)
    }

    /// Whether the client has any service at all (an order waiting for money included),
    /// at one provider's account or at any.
    pub fn any_of_client(
        conn: &mut DbConnection,
        client: ClientId,
        provider: Option<crate::ids::ProviderId>,
    ) -> QueryResult<bool> {
        use crate::db::schema::accounts;
        let of_client = services::table
            .inner_join(accounts::table)
            .filter(services::client_id.eq(client))
            .select(services::id);
        match provider {
            Some(provider) => diesel::select(diesel::dsl::exists(
                of_client.filter(accounts::provider_id.eq(provider)),
            ))
            .get_result(conn),
            None => diesel::select(diesel::dsl::exists(of_client)).get_result(conn),
        }
    }

    pub fn has_active(conn: &mut DbConnection, client: ClientId) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            services::table
                .filter(services::client_id.eq(client))
                .filter(services::status.eq(ACTIVE)),
        ))
        .get_result(conn)
    }

    /// Of these clients, those with an active service (one query for a list page).
    pub fn clients_with_active(
        conn: &mut DbConnection,
        clients: &[ClientId],
    ) -> QueryResult<Vec<ClientId>> {
        crate::db::on_engine!(conn, |c| services::table
            .filter(services::client_id.in_ids(clients.iter().copied()))
            .filter(services::status.eq(ACTIVE))
            .select(services::client_id)
            .load(c))
        .map(|mut ids: Vec<ClientId>| {
            // Deduplicated here: DISTINCT made SQLite build a temporary index for it.
            ids.sort_unstable();
            ids.dedup();
            ids
        })
    }

    /// The services of one account in one status, oldest first (or by paid-until).
    pub fn of_account_in(
        conn: &mut DbConnection,
        account: AccountId,
        status: &str,
    ) -> QueryResult<Vec<Service>> {
        crate::db::on_engine!(conn, |c| services::table
            .filter(services::account_id.eq(account))
            .filter(services::status.eq(status))
            .order((services::paid_until.asc(), services::id.asc()))
            .load(c))
    }

    /// Moves the service from one of `from` to `to`; false when it was in none of them
    /// (someone else changed it first).
    pub fn change_status(
        conn: &mut DbConnection,
        id: ServiceId,
        from: &[&str],
        to: &str,
        at: NaiveDateTime,
    ) -> QueryResult<bool> {
        let target = services::table
            .filter(services::id.eq(id))
            .filter(services::status.eq_any(from));
        let changed = match to {
            DELETED => diesel::update(target)
                .set((services::status.eq(to), services::deleted_at.eq(at)))
                .execute(conn)?,
            SUSPENDED_CLIENT | SUSPENDED_ADMIN | SUSPENDED_UNPAID => diesel::update(target)
                .set((services::status.eq(to), services::suspended_at.eq(at)))
                .execute(conn)?,
            _ => diesel::update(target)
                .set((
                    services::status.eq(to),
                    services::suspended_at.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?,
        };
        Ok(changed == 1)
    }

    /// Starts a new run of paid periods: from `anchor`, `months` paid, until `until`; the
    /// service becomes active. Only if it is still in `from` (else false).
    pub fn start_periods(
        conn: &mut DbConnection,
        id: ServiceId,
        from: &str,
        anchor: NaiveDateTime,
        months: i32,
        until: NaiveDateTime,
    ) -> QueryResult<bool> {
        diesel::update(
            services::table
                .filter(services::id.eq(id))
                .filter(services::status.eq(from)),
        )
        .set((
            services::status.eq(ACTIVE),
            services::anchor_at.eq(anchor),
            services::paid_months.eq(months),
            services::paid_until.eq(until),
            services::suspended_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(|n| n == 1)
    }

    /// Extends paid-until by `months`, only if it still ends at `old_until` (else false:
    /// another request or run extended it first).
    pub fn extend(
        conn: &mut DbConnection,
        id: ServiceId,
        old_until: NaiveDateTime,
        months: i32,
        until: NaiveDateTime,
    ) -> QueryResult<bool> {
        diesel::update(
            services::table
                .filter(services::id.eq(id))
                .filter(services::paid_until.eq(old_until))
                .filter(services::status.ne(DELETED)),
        )
        .set((
            services::paid_months.eq(services::paid_months + months),
            services::paid_until.eq(until),
        ))
        .execute(conn)
        .map(|n| n == 1)
    }

    /// Sets paid-until by hand: the periods count from it afresh.
    pub fn set_paid_until(
        conn: &mut DbConnection,
        id: ServiceId,
        until: NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::update(services::table.find(id))
            .set((
                services::anchor_at.eq(until),
                services::paid_months.eq(0),
                services::paid_until.eq(until),
            ))
            .execute(conn)
            .map(|_| ())
    }

    pub fn set_auto_renew(conn: &mut DbConnection, id: ServiceId, on: bool) -> QueryResult<()> {
        diesel::update(services::table.find(id))
            .set(services::auto_renew.eq(on))
            .execute(conn)
            .map(|_| ())
    }

    /// How many services are in any of `statuses`.
    pub fn count_in(conn: &mut DbConnection, statuses: &[&str]) -> QueryResult<i64> {
        services::table
            .filter(services::status.eq_any(statuses))
            .count()
            .get_result(conn)
    }

    /// How many active services are paid until a moment in [`from`, `to`).
    pub fn count_expiring(
        conn: &mut DbConnection,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> QueryResult<i64> {
        services::table
            .filter(services::status.eq(ACTIVE))
            .filter(services::paid_until.ge(from))
            .filter(services::paid_until.lt(to))
            .count()
            .get_result(conn)
    }

    /// Services ever activated, by the months they were ordered in and deleted in.
    pub fn activated_by_month(
        conn: &mut DbConnection,
        ends: &[NaiveDateTime],
    ) -> QueryResult<Vec<super::monthly::MonthPair>> {
        super::monthly::month_pairs(
            conn,
            "services",
            "created_at",
            "deleted_at",
            "anchor_at IS NOT NULL",
            ends,
        )
    }

    /// How many active services are due by `at`.
    pub fn count_due(conn: &mut DbConnection, at: NaiveDateTime) -> QueryResult<i64> {
        services::table
            .filter(services::status.eq(ACTIVE))
            .filter(services::paid_until.le(at))
            .count()
            .get_result(conn)
    }

    /// Active services whose paid-until has come by `at`, first due first, after the
    /// keyset `after` (paid-until, id).
    pub fn due(
        conn: &mut DbConnection,
        at: NaiveDateTime,
        after: Option<(NaiveDateTime, ServiceId)>,
        limit: i64,
    ) -> QueryResult<Vec<DueService>> {
        let mut query = due_query!()
            .filter(services::status.eq(ACTIVE))
            .filter(services::paid_until.le(at))
            .into_boxed::<MultiBackend>();
        if let Some((until, id)) = after {
            // A row-value comparison, which both engines answer from the (status,
            // paid_until, id) index: a whole day of services shares one paid-until, and an
            // OR of the two columns would scan that day again for every chunk.
            query = query.filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>(
                    "(services.paid_until, services.id) > (",
                )
                .bind::<diesel::sql_types::Timestamp, _>(until)
                .sql(", ")
                .bind::<diesel::sql_types::BigInt, _>(id.0)
                .sql(")"),
            );
        }
        query
            .order((services::paid_until.asc(), services::id.asc()))
            .limit(limit)
            .load(conn)
    }

    /// These services as they are now, if still active (read again under the accounts' locks).
    pub fn active_by_ids(
        conn: &mut DbConnection,
        ids: &[ServiceId],
    ) -> QueryResult<Vec<DueService>> {
        due_query!()
            .filter(services::id.eq_any(ids.to_vec()))
            // `status || ''` keeps SQLite on the ids: on the bare column it would walk the
            // status index through every active service instead.
            .filter(services::status.concat("").eq(ACTIVE))
            .load(conn)
    }

    /// Suspends an active service for non-payment, only if it is still paid until `old`.
    pub fn suspend_unpaid(
        conn: &mut DbConnection,
        id: ServiceId,
        old: NaiveDateTime,
        at: NaiveDateTime,
    ) -> QueryResult<bool> {
        diesel::update(
            services::table
                .filter(services::id.eq(id))
                .filter(services::status.eq(ACTIVE))
                .filter(services::paid_until.eq(old)),
        )
        .set((
            services::status.eq(SUSPENDED_UNPAID),
            services::suspended_at.eq(at),
        ))
        .execute(conn)
        .map(|n| n == 1)
    }

    /// Deletes a service suspended for non-payment, only if it is still suspended since
    /// `suspended_at` (not resumed and suspended again meanwhile).
    pub fn delete_unpaid(
        conn: &mut DbConnection,
        id: ServiceId,
        suspended_at: NaiveDateTime,
        at: NaiveDateTime,
    ) -> QueryResult<bool> {
        diesel::update(
            services::table
                .filter(services::id.eq(id))
                .filter(services::status.eq(SUSPENDED_UNPAID))
                .filter(services::suspended_at.eq(suspended_at)),
        )
        .set((services::status.eq(DELETED), services::deleted_at.eq(at)))
        .execute(conn)
        .map(|n| n == 1)
    }

    /// Services suspended for non-payment since before `since`, oldest first; the caller
    /// keeps those past their provider's deletion period.
    pub fn suspended_unpaid_since(
        conn: &mut DbConnection,
        since: NaiveDateTime,
        after: Option<ServiceId>,
        limit: i64,
    ) -> QueryResult<Vec<DueService>> {
        let mut query = due_query!()
            .filter(services::status.eq(SUSPENDED_UNPAID))
            .filter(services::suspended_at.le(since))
            .into_boxed::<MultiBackend>();
        if let Some(after) = after {
            query = query.filter(services::id.gt(after));
        }
        query.order(services::id.asc()).limit(limit).load(conn)
    }

    /// Active, auto-renewing services whose paid-until falls in (`from`, `to`].
    pub fn renewing_between(
        conn: &mut DbConnection,
        from: NaiveDateTime,
        to: NaiveDateTime,
        after: Option<ServiceId>,
        limit: i64,
    ) -> QueryResult<Vec<DueService>> {
        let mut query = due_query!()
            .filter(services::status.eq(ACTIVE))
            .filter(services::auto_renew.eq(true))
            .filter(services::paid_until.gt(from))
            .filter(services::paid_until.le(to))
            .into_boxed::<MultiBackend>();
        if let Some(after) = after {
            query = query.filter(services::id.gt(after));
        }
        query.order(services::id.asc()).limit(limit).load(conn)
    }
}

impl ServiceEvent {
    pub fn insert(conn: &mut DbConnection, new: &NewServiceEvent<'_>) -> QueryResult<()> {
        diesel::insert_into(service_events::table)
            .values(new)
            .execute(conn)
            .map(|_| ())
    }

    pub fn of_service(conn: &mut DbConnection, id: ServiceId) -> QueryResult<Vec<ServiceEvent>> {
        service_events::table
            .filter(service_events::service_id.eq(id))
            .order(service_events::id.desc())
            .load(conn)
    }
}

/// Low-balance notices already sent.
pub struct ServiceNotice;

impl ServiceNotice {
    pub fn sent(
        conn: &mut DbConnection,
        service: ServiceId,
        paid_until: NaiveDateTime,
        days_before: i32,
    ) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            service_notices::table
                .filter(service_notices::service_id.eq(service))
                .filter(service_notices::paid_until.eq(paid_until))
                .filter(service_notices::days_before.eq(days_before)),
        ))
        .get_result(conn)
    }

    /// Records the notice unless it is recorded already; whether this call recorded it.
    /// Two billing runs at once both try: the one that comes second (on PostgreSQL, after
    /// waiting for the first to commit) records nothing and sends nothing.
    pub fn insert_if_new(
        conn: &mut DbConnection,
        service: ServiceId,
        paid_until: NaiveDateTime,
        days_before: i32,
        at: NaiveDateTime,
    ) -> QueryResult<bool> {
        let row = (
            service_notices::service_id.eq(service),
            service_notices::paid_until.eq(paid_until),
            service_notices::days_before.eq(days_before),
            service_notices::created_at.eq(at),
        );
        crate::db::on_engine!(conn, |c| diesel::insert_into(service_notices::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))
        .map(|n| n > 0)
    }
}
