//! Services: ordering a tariff, charging its periods, and every change of status. A charge
//! always takes the same steps inside one transaction: lock the account, check that the
//! balance and credit limit cover it, move the service (only if nobody moved it first),
//! write the expense (unique per service and period start) and its ledger debit.

mod changes;
mod charging;
mod notices;
mod ordering;

pub use changes::{Action, act_as_client, act_as_staff, done_message, seen_token, set_paid_until};
pub use charging::settle_account;
pub(crate) use charging::{delete_unpaid, missing_for, record_event};
pub(crate) use notices::{About, By, notify};
pub use ordering::{
    Offer, Offers, OrderRaw, Ordered, discount_of, offers_for_client, offers_for_staff,
    order_as_client, order_for_client,
};

use chrono::NaiveDateTime;
use chrono_tz::Tz;

use crate::db::DbConnection;
use crate::db::models::client_group::ClientGroup;
use crate::db::models::expense::{Expense, ExpenseCursor, ExpenseFilter, ExpenseRow};
use crate::db::models::service::{
    ORDERED, Service, ServiceCursor, ServiceEvent, ServiceFilter, ServiceRow,
};
use crate::db::models::{Account, Provider};
use crate::db::paging::Paged;
use crate::domain::client_permissions::{self, SERVICES};
use crate::domain::money::Money;
use crate::domain::periods::zone;
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError};
use crate::ids::{AccountId, ClientId, ServiceId};
/// Services per page of a list.
pub const PAGE_SIZE: i64 = 50;

/// How a moment is written in a service's history.
pub fn format_at(at: NaiveDateTime) -> String {
    crate::domain::text::shown_time(&at).to_string()
}

pub(super) fn account_of(
    conn: &mut DbConnection,
    client: ClientId,
    provider: crate::ids::ProviderId,
) -> Result<AccountId, DomainError> {
    Account::of_client_at(conn, client, provider)?
        .map(|a| a.id)
        .ok_or(DomainError::NotFound)
}

pub(super) fn provider_zone(
    conn: &mut DbConnection,
    provider: crate::ids::ProviderId,
) -> Result<Tz, DomainError> {
    Ok(zone(
        &Provider::find(conn, provider)?
            .map(|p| p.time_zone)
            .unwrap_or_default(),
    ))
}

/// "1 month", "12 months".
pub fn period_label(months: i32) -> String {
    match months {
        1 => "1 month".into(),
        n => format!("{n} months"),
    }
}

pub(super) fn account_zone(conn: &mut DbConnection, account: &Account) -> Result<Tz, DomainError> {
    provider_zone(conn, account.provider_id)
}

pub(super) fn may_suspend(conn: &mut DbConnection, client: ClientId) -> Result<bool, DomainError> {
    Ok(ClientGroup::groups_of(conn, client)?
        .iter()
        .any(|g| g.clients_may_suspend))
}

/// A service's page: the service, its history, its charges and its account.
#[derive(Debug, Clone)]
pub struct ServiceDetails {
    pub row: ServiceRow,
    pub events: Vec<ServiceEvent>,
    pub expenses: Vec<ExpenseRow>,
    pub account: Account,
    /// The client's groups let it suspend and resume its services.
    pub clients_may_suspend: bool,
}

impl ServiceDetails {
    /// Takes a value or a reference, as templates pass either.
    pub fn money(&self, minor: impl std::borrow::Borrow<i64>) -> Money {
        Money::from_minor(
            *minor.borrow(),
            self.row.currency_exponent,
            &self.row.currency_code,
        )
    }

    /// What is missing before an ordered service can start, or a period renewed.
    pub fn missing(&self) -> Money {
        let cost = if self.row.service.status == ORDERED {
            self.row.service.order_cost
        } else {
            self.row.service.price
        };
        self.money(self.account.missing(cost))
    }

    /// What the page shows of the service, for its action forms (`seen_token`).
    pub fn seen(&self) -> String {
        seen_token(&self.row.service)
    }

    pub fn period(&self) -> String {
        period_label(self.row.service.period_months)
    }
}

fn details_of(conn: &mut DbConnection, row: ServiceRow) -> Result<ServiceDetails, DomainError> {
    let events = ServiceEvent::of_service(conn, row.service.id)?;
    let expenses = Expense::rows(
        conn,
        &ExpenseFilter {
            service: Some(row.service.id),
            ..Default::default()
        },
        PAGE_SIZE,
    )?;
    let account = Account::find(conn, row.service.account_id)?.ok_or(DomainError::NotFound)?;
    let clients_may_suspend = may_suspend(conn, row.service.client_id)?;
    Ok(ServiceDetails {
        row,
        events,
        expenses,
        account,
        clients_may_suspend,
    })
}

/// The client's services (client area).
pub fn list_for_client(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<Vec<ServiceRow>, DomainError> {
    let client = client_permissions::require(conn, actor, SERVICES)?;
    Ok(Service::rows(
        conn,
        &ServiceFilter {
            client: Some(client),
            ..Default::default()
        },
        500,
    )?)
}

/// One of the client's own services; another client's is not found.
pub fn details_for_client(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ServiceId,
) -> Result<ServiceDetails, DomainError> {
    let client = client_permissions::require(conn, actor, SERVICES)?;
    let row = Service::row(conn, id)?
        .filter(|r| r.service.client_id == client)
        .ok_or(DomainError::NotFound)?;
    details_of(conn, row)
}

/// Services of all clients or one, by status (staff).
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: &ServiceFilter,
    limit: i64,
) -> Result<Vec<ServiceRow>, DomainError> {
    require(actor, permissions::SERVICES_VIEW)?;
    Ok(Service::rows(conn, filter, limit)?)
}

/// A page of services, sorted and paged as the filter says, with the pages around it.
pub fn page(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: &ServiceFilter,
    limit: i64,
) -> Result<Paged<ServiceRow, ServiceCursor>, DomainError> {
    require(actor, permissions::SERVICES_VIEW)?;
    let cursor_of = |row: &ServiceRow| row.cursor(filter.sort);
    Ok(Paged::read(limit, filter.at.as_ref(), cursor_of, |at| {
        let filter = ServiceFilter {
            at: at.cloned(),
            ..filter.clone()
        };
        Service::rows(conn, &filter, limit + 1)
    })?)
}

/// How many services the filter finds.
pub fn count(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: &ServiceFilter,
) -> Result<i64, DomainError> {
    require(actor, permissions::SERVICES_VIEW)?;
    Ok(Service::count(conn, filter)?)
}

pub fn details(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ServiceId,
) -> Result<ServiceDetails, DomainError> {
    require(actor, permissions::SERVICES_VIEW)?;
    let row = Service::row(conn, id)?.ok_or(DomainError::NotFound)?;
    details_of(conn, row)
}

/// Expenses of all clients or one (staff with the payments view).
pub fn expenses(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: &ExpenseFilter,
    limit: i64,
) -> Result<Vec<ExpenseRow>, DomainError> {
    require(actor, permissions::PAYMENTS_VIEW)?;
    Ok(Expense::rows(conn, filter, limit)?)
}

/// A page of all clients' expenses, sorted and paged as the filter says.
pub fn expense_page(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: &ExpenseFilter,
    limit: i64,
) -> Result<Paged<ExpenseRow, ExpenseCursor>, DomainError> {
    require(actor, permissions::PAYMENTS_VIEW)?;
    Ok(Paged::read(
        limit,
        filter.at.as_ref(),
        ExpenseRow::cursor,
        |at| {
            let filter = ExpenseFilter {
                at: at.cloned(),
                ..filter.clone()
            };
            Expense::rows(conn, &filter, limit + 1)
        },
    )?)
}

/// How many expenses the filter finds.
pub fn count_expenses(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: &ExpenseFilter,
) -> Result<i64, DomainError> {
    require(actor, permissions::PAYMENTS_VIEW)?;
    Ok(Expense::count(conn, filter)?)
}

/// The client's own expenses (client area, finance section).
pub fn expenses_for_client(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<Vec<ExpenseRow>, DomainError> {
    let client = client_permissions::require(conn, actor, client_permissions::FINANCE)?;
    Ok(Expense::rows(
        conn,
        &ExpenseFilter {
            client: Some(client),
            ..Default::default()
        },
        200,
    )?)
}
