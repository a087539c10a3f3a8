//! What the two dashboards show: figures read in one place so the pages stay thin.

pub mod activity;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use diesel::QueryResult;

use crate::db::DbConnection;
use crate::db::models::account::{AccountSummary, Debts};
use crate::db::models::department::Department;
use crate::db::models::money_figure::{self, MoneyFigure};
use crate::db::models::payment::{self, WaitingTransfers};
use crate::db::models::provider::ProviderMoney;
use crate::db::models::service::{self, Service};
use crate::db::models::ticket::{self, Ticket};
use crate::db::models::{Account, AuditEvent, Client, Employee, Provider, User, monthly};
use crate::domain::departments::{BusinessHours, business_minutes};
use crate::domain::money::Money;
use crate::domain::{Actor, ActorKind, DomainError, permissions, tickets};
use crate::ids::{ClientId, DepartmentId, EmployeeId, ProviderId, UserId};

pub use activity::Activity;

/// Figures that count whole tables (services by status, debts, the charts of clients and
/// services by month, the ticket queues) are counted at most this often and shared by
/// every viewer; money received comes exactly from `money_figures` on every view.
pub const COUNTED_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// The counted figures, and when they were counted.
#[derive(Debug, Clone)]
pub struct Counted {
    pub at: NaiveDateTime,
    pub clients_total: i64,
    pub clients_last_week: i64,
    pub services: ServiceFigures,
    pub debts: Vec<Debts>,
    pub transfers: Vec<WaitingTransfers>,
    /// The first day of each of the last twelve months (UTC), oldest first, and what
    /// happened in each.
    pub months: Vec<NaiveDate>,
    pub new_clients: Vec<i64>,
    pub services_in_use: Vec<i64>,
    pub queues: Vec<QueueFigures>,
    /// Each provider's time zone and currency, to read its money figures with.
    pub providers: Vec<ProviderMoney>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ServiceFigures {
    pub active: i64,
    pub waiting_for_payment: i64,
    pub suspended: i64,
    /// Active and paid until a moment in the next seven days.
    pub expiring: i64,
}

/// One department's tickets waiting for an answer.
#[derive(Debug, Clone)]
pub struct QueueFigures {
    pub department: DepartmentId,
    pub name: String,
    /// Up to `QUEUE_COUNT_CAP + 1` (more than the cap).
    pub waiting: i64,
    /// Past the department's response time (counted among the oldest `QUEUE_COUNT_CAP`).
    pub overdue: i64,
    /// Business minutes the longest-waiting ticket has waited.
    pub longest_minutes: i64,
}

/// The counted figures of one server, recounted when older than `COUNTED_EVERY`: one
/// request recounts while the others are served the previous figures.
#[derive(Default)]
pub struct CountedCache {
    figures: std::sync::RwLock<Option<Arc<Counted>>>,
    recounting: std::sync::Mutex<()>,
}

impl CountedCache {
    fn get(&self, conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Arc<Counted>> {
        let fresh = |c: &Arc<Counted>| {
            chrono::Duration::from_std(COUNTED_EVERY).is_ok_and(|every| now - c.at < every)
        };
        let current = self.figures.read().ok().and_then(|f| f.clone());
        if let Some(counted) = &current
            && fresh(counted)
        {
            return Ok(counted.clone());
        }
        let _turn = match (self.recounting.try_lock(), &current) {
            (Ok(turn), _) => turn,
            // Someone recounts: the figures of a moment ago will do meanwhile.
            (Err(_), Some(counted)) => return Ok(counted.clone()),
            (Err(_), None) => self
                .recounting
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        };
        if let Some(counted) = self.figures.read().ok().and_then(|f| f.clone())
            && fresh(&counted)
        {
            return Ok(counted);
        }
        let counted = Arc::new(count(conn, now)?);
        if let Ok(mut figures) = self.figures.write() {
            *figures = Some(counted.clone());
        }
        Ok(counted)
    }
}

/// The first day of each of the twelve months up to `now`'s, oldest first.
fn last_twelve_months(today: NaiveDate) -> Vec<NaiveDate> {
    let this = today.with_day(1).unwrap_or(today);
    (0..12)
        .rev()
        .map(|back| this.checked_sub_months(Months::new(back)).unwrap_or(this))
        .collect()
}

fn count(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Counted> {
    let months = last_twelve_months(now.date());
    // Each month's end, after the start of the first.
    let mut ends: Vec<NaiveDateTime> = months.iter().map(|m| m.and_time(NaiveTime::MIN)).collect();
    ends.push(
        months
            .last()
            .and_then(|m| m.checked_add_months(Months::new(1)))
            .unwrap_or(now.date())
            .and_time(NaiveTime::MIN),
    );
    let clients = Client::registered_by_month(conn, &ends)?;
    let services = Service::activated_by_month(conn, &ends)?;
    let mut queues = Vec::new();
    for department in Department::all(conn)? {
        let waiting = Ticket::count_in(
            conn,
            Some(&[department.id]),
            ticket::WAITING_PROVIDER,
            tickets::QUEUE_COUNT_CAP,
        )?;
        let hours = BusinessHours::from_stored(&department.business_hours);
        let zone = crate::domain::periods::zone(&department.time_zone);
        let limit = i64::from(department.response_hours) * 60;
        // Longest waiting first: the overdue ones come first and the count stops at the
        // first that is not.
        let oldest = Ticket::longest_waiting(conn, department.id, tickets::QUEUE_COUNT_CAP)?;
        let waited: Vec<i64> = oldest
            .iter()
            .filter_map(|t| t.waiting_since)
            .map(|since| business_minutes(&hours, zone, since, now))
            .collect();
        queues.push(QueueFigures {
            department: department.id,
            name: department.name,
            waiting,
            overdue: waited.iter().take_while(|w| **w > limit).count() as i64,
            longest_minutes: waited.iter().copied().max().unwrap_or(0),
        });
    }
    Ok(Counted {
        at: now,
        clients_total: Client::count(conn)?,
        clients_last_week: Client::count_since(conn, now - Duration::days(7))?,
        services: ServiceFigures {
            active: Service::count_in(conn, &[service::ACTIVE])?,
            waiting_for_payment: Service::count_in(conn, &[service::ORDERED])?,
            suspended: Service::count_in(
                conn,
                &[
                    service::SUSPENDED_CLIENT,
                    service::SUSPENDED_ADMIN,
                    service::SUSPENDED_UNPAID,
                ],
            )?,
            expiring: Service::count_expiring(conn, now, now + Duration::days(7))?,
        },
        debts: Account::debts(conn)?,
        transfers: payment::waiting_transfers(conn)?,
        new_clients: monthly::started_in(&clients, months.len()),
        services_in_use: monthly::alive_at(&services, months.len()),
        months,
        queues,
        providers: Provider::zones_and_currencies(conn)?,
    })
}

/// Money received and refunded in one currency, exactly as the ledger has it; days and
/// months in each provider's time zone.
#[derive(Debug, Clone)]
pub struct CurrencyMoney {
    pub code: String,
    pub exponent: i32,
    pub today: i64,
    pub payments_today: i64,
    pub this_month: i64,
    pub last_month: i64,
    pub refunded_this_month: i64,
    pub refunds_this_month: i64,
    /// Received on each of the last 30 days, ending today, and in each of the last 12
    /// months, ending with this one.
    pub days: Vec<i64>,
    pub months: Vec<i64>,
}

impl CurrencyMoney {
    pub fn money(&self, minor: &i64) -> Money {
        Money::from_minor(*minor, self.exponent, &self.code)
    }
}

const DAYS: usize = 30;
const MONTHS: usize = 12;

fn money(
    conn: &mut DbConnection,
    providers: &[ProviderMoney],
    now: NaiveDateTime,
) -> QueryResult<Vec<CurrencyMoney>> {
    let today_of = |zone: &str| {
        crate::domain::periods::zone(zone)
            .from_utc_datetime(&now)
            .date_naive()
    };
    let Some(earliest) = providers.iter().map(|p| today_of(&p.time_zone)).min() else {
        return Ok(Vec::new());
    };
    let ids: Vec<ProviderId> = providers.iter().map(|p| p.id).collect();
    let first_month = earliest
        .with_day(1)
        .and_then(|m| m.checked_sub_months(Months::new(MONTHS as u32 - 1)))
        .unwrap_or(earliest);
    let figures = MoneyFigure::since(
        conn,
        &ids,
        earliest - Duration::days(DAYS as i64 - 1),
        first_month,
    )?;
    let (days, months): (Vec<MoneyFigure>, Vec<MoneyFigure>) = figures
        .into_iter()
        .partition(|f| f.span == money_figure::DAY);
    let mut all: Vec<CurrencyMoney> = Vec::new();
    for provider in providers {
        let index = match all.iter().position(|c| c.code == provider.currency_code) {
            Some(i) => i,
            None => {
                all.push(CurrencyMoney {
                    code: provider.currency_code.clone(),
                    exponent: provider.currency_exponent,
                    today: 0,
                    payments_today: 0,
                    this_month: 0,
                    last_month: 0,
                    refunded_this_month: 0,
                    refunds_this_month: 0,
                    days: vec![0; DAYS],
                    months: vec![0; MONTHS],
                });
                all.len() - 1
            }
        };
        let sums = &mut all[index];
        let today = today_of(&provider.time_zone);
        let this_month = today.with_day(1).unwrap_or(today);
        for day in days.iter().filter(|f| f.provider_id == provider.id) {
            let back = (today - day.starts).num_days();
            if let Some(slot) = usize::try_from(back)
                .ok()
                .filter(|b| *b < DAYS)
                .map(|b| DAYS - 1 - b)
            {
                sums.days[slot] += day.received;
            }
            if day.starts == today {
                sums.today += day.received;
                sums.payments_today += day.payments;
            }
        }
        for month in months.iter().filter(|f| f.provider_id == provider.id) {
            let back = (this_month.year() - month.starts.year()) * 12 + this_month.month() as i32
                - month.starts.month() as i32;
            if let Some(slot) = usize::try_from(back)
                .ok()
                .filter(|b| *b < MONTHS)
                .map(|b| MONTHS - 1 - b)
            {
                sums.months[slot] += month.received;
            }
            match back {
                0 => {
                    sums.this_month += month.received;
                    sums.refunded_this_month += month.refunded;
                    sums.refunds_this_month += month.refunds;
                }
                1 => sums.last_month += month.received,
                _ => {}
            }
        }
    }
    all.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(all)
}

/// What the admin dashboard shows; each part only to an employee who may see it.
pub struct AdminDashboard {
    /// With finance.payments_view.
    pub money: Option<Vec<CurrencyMoney>>,
    pub debts: Option<Vec<Debts>>,
    pub transfers: Option<Vec<WaitingTransfers>>,
    /// With services.view.
    pub services: Option<ServiceFigures>,
    pub services_in_use: Option<Vec<i64>>,
    /// With clients.view: (all clients, registered in the last 7 days), and by month.
    pub clients: Option<(i64, i64)>,
    pub new_clients: Option<Vec<i64>>,
    /// The months of the charts by month (UTC), oldest first.
    pub months: Vec<NaiveDate>,
    /// The queues of the departments whose tickets the viewer sees (support.view).
    pub queues: Vec<QueueFigures>,
    /// When the counted figures were counted.
    pub counted_at: NaiveDateTime,
    /// With audit.view; clients named only with clients.view.
    pub activity: Vec<Activity>,
}

pub fn admin_dashboard(
    conn: &mut DbConnection,
    actor: &Actor,
    cache: &CountedCache,
    now: NaiveDateTime,
) -> Result<AdminDashboard, DomainError> {
    if !matches!(actor.kind, ActorKind::Employee { .. }) {
        return Err(DomainError::Forbidden);
    }
    let may = |permission| permissions::require(actor, permission).is_ok();
    let counted = cache.get(conn, now)?;
    let sees_clients = may(permissions::CLIENTS_VIEW);
    let sees_money = may(permissions::PAYMENTS_VIEW);
    let sees_services = may(permissions::SERVICES_VIEW);
    let queues = match tickets::visible_departments(conn, actor) {
        Ok(None) => counted.queues.clone(),
        Ok(Some(mine)) => counted
            .queues
            .iter()
            .filter(|q| mine.contains(&q.department))
            .cloned()
            .collect(),
        Err(_) => Vec::new(),
    };
    let activity = if may(permissions::AUDIT_VIEW) {
        recent_activity(conn, sees_clients)?
    } else {
        Vec::new()
    };
    Ok(AdminDashboard {
        money: if sees_money {
            Some(money(conn, &counted.providers, now)?)
        } else {
            None
        },
        debts: sees_money.then(|| counted.debts.clone()),
        transfers: sees_money.then(|| counted.transfers.clone()),
        services: sees_services.then_some(counted.services),
        services_in_use: sees_services.then(|| counted.services_in_use.clone()),
        clients: sees_clients.then_some((counted.clients_total, counted.clients_last_week)),
        new_clients: sees_clients.then(|| counted.new_clients.clone()),
        months: counted.months.clone(),
        queues,
        counted_at: counted.at,
        activity,
    })
}

/// The last ten audit events in words.
fn recent_activity(
    conn: &mut DbConnection,
    name_clients: bool,
) -> Result<Vec<Activity>, DomainError> {
    let events = AuditEvent::latest(conn, 10)?;
    let owners: HashMap<(String, i64), ClientId> = if name_clients {
        let of = |kind: &str| -> Vec<i64> {
            events
                .iter()
                .filter(|e| e.object_type == kind)
                .filter_map(|e| e.object_id)
                .collect()
        };
        let mut owners = HashMap::new();
        for (kind, id, client) in [
            ("payment", of("payment")),
            ("service", of("service")),
            ("ticket", of("ticket")),
        ]
        .into_iter()
        .filter(|(_, ids)| !ids.is_empty())
        .flat_map(|(kind, ids)| {
            AuditEvent::clients_of(conn, kind, &ids).map(|rows| {
                rows.into_iter()
                    .map(move |(id, c)| (kind, id, c))
                    .collect::<Vec<_>>()
            })
        })
        .flatten()
        {
            owners.insert((kind.to_owned(), id), client);
        }
        owners
    } else {
        HashMap::new()
    };
    let employee_ids: Vec<EmployeeId> = events.iter().filter_map(|e| e.employee_id).collect();
    let employees: HashMap<EmployeeId, String> = Employee::names_of(conn, &employee_ids)?
        .into_iter()
        .collect();
    let (users, clients): (HashMap<UserId, String>, HashMap<ClientId, String>) = if name_clients {
        let user_ids: Vec<UserId> = events.iter().filter_map(|e| e.user_id).collect();
        let ids: Vec<ClientId> = events
            .iter()
            .flat_map(|e| {
                let object = (e.object_type == "client")
                    .then_some(e.object_id)
                    .flatten()
                    .map(ClientId);
                [e.client_id, object]
            })
            .flatten()
            .chain(owners.values().copied())
            .collect();
        (
            match user_ids.is_empty() {
                true => HashMap::new(),
                false => User::names_of(conn, &user_ids)?.into_iter().collect(),
            },
            match ids.is_empty() {
                true => HashMap::new(),
                false => Client::names_of(conn, &ids)?.into_iter().collect(),
            },
        )
    } else {
        (HashMap::new(), HashMap::new())
    };
    Ok(activity::describe(
        events, &employees, &users, &clients, &owners,
    ))
}

/// Services the client dashboard lists before "All services".
const DASHBOARD_SERVICES: i64 = 8;

pub struct ClientDashboard {
    pub client: Client,
    pub accounts: Vec<AccountSummary>,
    pub unread_messages: i64,
    /// The client's services that are not deleted (the first few), for users with the
    /// services section; `more_services` when there are others.
    pub services: Vec<crate::db::models::service::ServiceRow>,
    pub more_services: bool,
    /// Tickets not closed, newest first, for users with the support section.
    pub open_tickets: Vec<Ticket>,
    /// The latest payments, for users with the finance section.
    pub payments: Vec<crate::db::models::payment::PaymentRow>,
}

/// The client's own dashboard; a user of another client gets `NotFound`.
pub fn client_dashboard(
    conn: &mut DbConnection,
    actor: &Actor,
    client_id: ClientId,
) -> Result<ClientDashboard, DomainError> {
    if actor.acting_client() != Some(client_id) {
        return Err(DomainError::NotFound);
    }
    let client = Client::find(conn, client_id)?.ok_or(DomainError::NotFound)?;
    let may = |conn: &mut DbConnection, section| {
        crate::domain::client_permissions::require(conn, actor, section).is_ok()
    };
    let (services, more_services) = if may(conn, crate::domain::client_permissions::SERVICES) {
        let mut rows: Vec<_> = Service::rows_of_client(conn, client_id, DASHBOARD_SERVICES * 2)?
            .into_iter()
            .filter(|r| r.service.status != service::DELETED)
            .collect();
        let more = rows.len() > DASHBOARD_SERVICES as usize;
        rows.truncate(DASHBOARD_SERVICES as usize);
        (rows, more)
    } else {
        (Vec::new(), false)
    };
    let open_tickets = if may(conn, crate::domain::client_permissions::SUPPORT) {
        Ticket::of_client(conn, client_id, 20)?
            .into_iter()
            .filter(|t| t.status != ticket::CLOSED)
            .take(5)
            .collect()
    } else {
        Vec::new()
    };
    Ok(ClientDashboard {
        services,
        more_services,
        open_tickets,
        accounts: Account::summaries_of_client(conn, client.id)?,
        unread_messages: crate::db::models::Message::count_unread(conn, client.id)?,
        payments: match crate::domain::client_permissions::require(
            conn,
            actor,
            crate::domain::client_permissions::FINANCE,
        ) {
            Ok(_) => crate::domain::payments::latest_of_client(conn, client.id, 5)?,
            Err(_) => Vec::new(),
        },
        client,
    })
}
