//! The `payments` table: money coming in from a payer to a client's account, and the
//! `gateway_events` that moved card payments.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::paging::{KeyCursor, Order, PageAt, reads_descending};
use crate::db::schema::{
    accounts, clients, currencies, gateway_events, payers, payment_methods, payments, providers,
};
use crate::ids::{AccountId, ClientId, EmployeeId, PayerId, PaymentId, PaymentMethodId};

pub const NEW: &str = "new";
/// Sent to a card gateway; the gateway's event decides.
pub const IN_PROGRESS: &str = "in_progress";
pub const PAID: &str = "paid";
pub const PARTLY_REFUNDED: &str = "partly_refunded";
pub const REFUNDED: &str = "refunded";
pub const CANCELLED: &str = "cancelled";
pub const STATUSES: [(&str, &str); 6] = [
    (NEW, "New"),
    (IN_PROGRESS, "In progress"),
    (PAID, "Paid"),
    (PARTLY_REFUNDED, "Partly refunded"),
    (REFUNDED, "Refunded"),
    (CANCELLED, "Cancelled"),
];

/// Recorded by an employee, paid at once.
pub const MANUAL: &str = "manual";

/// Bank transfers billed and not paid yet, in one currency.
#[derive(Debug, Clone, QueryableByName)]
pub struct WaitingTransfers {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub currency_code: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub currency_exponent: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub amount: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub payments: i64,
}

/// Bank transfers waiting for the money, per currency (currencies by code).
pub fn waiting_transfers(conn: &mut DbConnection) -> QueryResult<Vec<WaitingTransfers>> {
    diesel::sql_query(format!(
        "SELECT c.code AS currency_code, c.exponent AS currency_exponent, \
                CAST(SUM(pm.amount) AS BIGINT) AS amount, COUNT(*) AS payments \
         FROM payments pm JOIN accounts a ON a.id = pm.account_id \
         JOIN providers p ON p.id = a.provider_id JOIN currencies c ON c.id = p.currency_id \
         WHERE pm.status = '{NEW}' AND pm.method = '{}' \
         GROUP BY c.code, c.exponent ORDER BY c.code",
        super::payment_method::BANK_TRANSFER
    ))
    .load(conn)
}

/// How a status is named on pages.
pub fn status_label(status: &str) -> &'static str {
    STATUSES
        .iter()
        .find(|(s, _)| *s == status)
        .map_or("Unknown", |(_, label)| label)
}

/// The Bootstrap colour of a status badge.
pub fn status_class(status: &str) -> &'static str {
    match status {
        PAID => "text-bg-success",
        NEW | IN_PROGRESS => "text-bg-warning",
        PARTLY_REFUNDED | REFUNDED => "text-bg-info",
        _ => "text-bg-secondary",
    }
}

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = payments)]
pub struct Payment {
    pub id: PaymentId,
    pub client_id: ClientId,
    pub account_id: AccountId,
    pub payer_id: PayerId,
    /// `manual`, or the kind of the payment method.
    pub method: String,
    /// Minor units of the account's currency.
    pub amount: i64,
    pub status: String,
    pub comment: String,
    pub idempotency_key: Option<String>,
    pub created_by: Option<EmployeeId>,
    #[diesel(deserialize_as = crate::db::SqlTime)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::SqlTimeOrNull)]
    pub paid_at: Option<NaiveDateTime>,
    pub payment_method_id: Option<PaymentMethodId>,
    /// The part of `amount` paid back.
    pub refunded: i64,
    /// The payer as it was when the payment was made (`domain::documents::PayerDetails`
    /// as JSON); empty for payments made before it was kept.
    pub payer_snapshot: String,
}

impl Payment {
    /// What can still be refunded.
    pub fn refundable(&self) -> i64 {
        match self.status.as_str() {
            PAID | PARTLY_REFUNDED => self.amount - self.refunded,
            _ => 0,
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = payments)]
pub struct NewPayment<'a> {
    pub client_id: ClientId,
    pub account_id: AccountId,
    pub payer_id: PayerId,
    pub method: &'a str,
    pub amount: i64,
    pub status: &'a str,
    pub comment: &'a str,
    pub idempotency_key: Option<&'a str>,
    pub created_by: Option<EmployeeId>,
    pub created_at: NaiveDateTime,
    pub paid_at: Option<NaiveDateTime>,
    pub payment_method_id: Option<PaymentMethodId>,
    pub payer_snapshot: &'a str,
}

/// A payment with what lists show: client, payer, provider, method and currency.
#[derive(Debug, Clone, Queryable)]
pub struct PaymentRow {
    pub id: PaymentId,
    pub client_id: ClientId,
    pub amount: i64,
    pub refunded: i64,
    pub status: String,
    pub method: String,
    #[diesel(deserialize_as = crate::db::SqlTime)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::SqlTimeOrNull)]
    pub paid_at: Option<NaiveDateTime>,
    pub client_name: String,
    pub payer_name: String,
    pub provider_name: String,
    pub method_name: Option<String>,
    pub currency_code: String,
    pub currency_exponent: i32,
}

impl PaymentRow {
    pub fn status_label(&self) -> &'static str {
        status_label(&self.status)
    }

    pub fn status_class(&self) -> &'static str {
        status_class(&self.status)
    }

    /// The method's name, or how the payment came.
    pub fn method_label(&self) -> String {
        self.method_name.clone().unwrap_or_else(|| {
            crate::db::models::payment_method::kind_label(&self.method).to_string()
        })
    }
}

/// What a payments list shows; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct PaymentFilter {
    pub client: Option<ClientId>,
    pub status: Option<String>,
    pub method: Option<PaymentMethodId>,
    /// Created on or after / before.
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    pub sort: PaymentSort,
    pub order: Order,
    /// None: the first page.
    pub at: Option<PageAt<PaymentCursor>>,
    /// Just this payment.
    pub id: Option<PaymentId>,
}

/// What a payments list is sorted by (then by id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PaymentSort {
    /// When it was recorded: the id's order.
    #[default]
    Date,
    Amount,
}

impl PaymentSort {
    pub fn parse(raw: &str) -> Self {
        match raw {
            "amount" => PaymentSort::Amount,
            _ => PaymentSort::Date,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            PaymentSort::Date => "date",
            PaymentSort::Amount => "amount",
        }
    }
}

/// A row a page of payments starts next to: its id and amount.
pub type PaymentCursor = KeyCursor<PaymentId>;

impl PaymentRow {
    pub fn cursor(&self) -> PaymentCursor {
        KeyCursor {
            id: self.id,
            key: self.amount,
        }
    }
}

/// The payments the filter finds, before sort and page, over `$base` (payments or a join
/// of them), boxed.
macro_rules! filtered_payments {
    ($base:expr, $filter:expr) => {{
        let filter: &PaymentFilter = $filter;
        let mut query = $base.into_boxed();
        if let Some(client) = filter.client {
            query = query.filter(payments::client_id.eq(client));
        }
        if let Some(status) = &filter.status {
            query = query.filter(payments::status.eq(status.clone()));
        }
        if let Some(method) = filter.method {
            query = query.filter(payments::payment_method_id.eq(method));
        }
        if let Some(from) = filter.from {
            query = query.filter(payments::created_at.ge(from));
        }
        if let Some(until) = filter.until {
            query = query.filter(payments::created_at.lt(until));
        }
        if let Some(id) = filter.id {
            query = query.filter(payments::id.eq(id));
        }
        query
    }};
}

impl Payment {
    pub fn insert(conn: &mut DbConnection, new: &NewPayment<'_>) -> QueryResult<Payment> {
        crate::db::on_engine!(conn, |c| diesel::insert_into(payments::table)
            .values(new)
            .returning(payments::all_columns)
            .get_result(c))
    }

    pub fn find(conn: &mut DbConnection, id: PaymentId) -> QueryResult<Option<Payment>> {
        payments::table.find(id).first(conn).optional()
    }

    pub fn find_by_key(conn: &mut DbConnection, key: &str) -> QueryResult<Option<Payment>> {
        crate::db::on_engine!(conn, |c| payments::table
            .filter(payments::idempotency_key.eq(key))
            .first(c)
            .optional())
    }

    /// Moves the payment from one of `from` to `to`; false when it was no longer in one of
    /// them (someone else moved it first).
    pub fn change_status(
        conn: &mut DbConnection,
        id: PaymentId,
        from: &[&str],
        to: &str,
        paid_at: Option<NaiveDateTime>,
    ) -> QueryResult<bool> {
        let from: Vec<String> = from.iter().map(|s| s.to_string()).collect();
        let target = payments::table
            .filter(payments::id.eq(id))
            .filter(payments::status.eq_any(from));
        let changed = match paid_at {
            Some(at) => diesel::update(target)
                .set((payments::status.eq(to), payments::paid_at.eq(at)))
                .execute(conn)?,
            None => diesel::update(target)
                .set(payments::status.eq(to))
                .execute(conn)?,
        };
        Ok(changed == 1)
    }

    /// Counts `amount` more as refunded and sets the status that follows, if the payment
    /// still had that much to refund; false otherwise.
    pub fn add_refund(
        conn: &mut DbConnection,
        payment: &Payment,
        amount: i64,
    ) -> QueryResult<bool> {
        let refunded = payment.refunded + amount;
        let status = if refunded == payment.amount {
            REFUNDED
        } else {
            PARTLY_REFUNDED
        };
        let changed = diesel::update(
            payments::table
                .filter(payments::id.eq(payment.id))
                .filter(payments::refunded.eq(payment.refunded))
                .filter(payments::status.eq_any([PAID, PARTLY_REFUNDED])),
        )
        .set((payments::refunded.eq(refunded), payments::status.eq(status)))
        .execute(conn)?;
        Ok(changed == 1)
    }

    /// Whether money has moved in the payer's name.
    pub fn exists_for_payer(conn: &mut DbConnection, payer: PayerId) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            payments::table.filter(payments::payer_id.eq(payer)),
        ))
        .get_result(conn)
    }

    pub fn exists_for_client(conn: &mut DbConnection, client: ClientId) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            payments::table.filter(payments::client_id.eq(client)),
        ))
        .get_result(conn)
    }

    /// Payments as the filter says, sorted and paged by it: up to `limit` rows in the order
    /// they are read (see `paging::reads_descending`).
    pub fn rows(
        conn: &mut DbConnection,
        filter: &PaymentFilter,
        limit: i64,
    ) -> QueryResult<Vec<PaymentRow>> {
        // On the engine's own connection: a boxed query is rendered at every execution
        // anyway, and this way its rows skip the multi-backend layer.
        let descending = reads_descending(filter.order, filter.at.as_ref());
        crate::db::on_engine!(conn, |c| {
            let mut query = filtered_payments!(
                payments::table
                    .inner_join(clients::table)
                    .inner_join(payers::table)
                    .inner_join(
                        accounts::table.inner_join(providers::table.inner_join(currencies::table)),
                    )
                    .left_join(payment_methods::table),
                filter
            );
            // Beyond the cursor in the reading order; the outer bound on the amount lets
            // its index start there.
            query = match (filter.sort, filter.at.as_ref().map(PageAt::cursor)) {
                (PaymentSort::Amount, Some(at)) if descending => {
                    query.filter(payments::amount.le(at.key)).filter(
                        payments::amount
                            .lt(at.key)
                            .or(payments::amount.eq(at.key).and(payments::id.lt(at.id))),
                    )
                }
                (PaymentSort::Amount, Some(at)) => {
                    query.filter(payments::amount.ge(at.key)).filter(
                        payments::amount
                            .gt(at.key)
                            .or(payments::amount.eq(at.key).and(payments::id.gt(at.id))),
                    )
                }
                (PaymentSort::Date, Some(at)) if descending => query.filter(payments::id.lt(at.id)),
                (PaymentSort::Date, Some(at)) => query.filter(payments::id.gt(at.id)),
                (_, None) => query,
            };
            query = match (filter.sort, descending) {
                (PaymentSort::Amount, true) => {
                    query.order((payments::amount.desc(), payments::id.desc()))
                }
                (PaymentSort::Amount, false) => {
                    query.order((payments::amount.asc(), payments::id.asc()))
                }
                (PaymentSort::Date, true) => query.order(payments::id.desc()),
                (PaymentSort::Date, false) => query.order(payments::id.asc()),
            };
            query
                .limit(limit)
                .select((
                    payments::id,
                    payments::client_id,
                    payments::amount,
                    payments::refunded,
                    payments::status,
                    payments::method,
                    payments::created_at,
                    payments::paid_at,
                    clients::name,
                    payers::name,
                    providers::name,
                    payment_methods::name.nullable(),
                    currencies::code,
                    currencies::exponent,
                ))
                .load(c)
        })
    }

    /// How many payments the filter finds, its page and order aside.
    pub fn count(conn: &mut DbConnection, filter: &PaymentFilter) -> QueryResult<i64> {
        filtered_payments!(payments::table, filter)
            .count()
            .get_result(conn)
    }

    /// One payment as lists show it.
    pub fn row(conn: &mut DbConnection, id: PaymentId) -> QueryResult<Option<PaymentRow>> {
        let filter = PaymentFilter {
            id: Some(id),
            ..Default::default()
        };
        Ok(Self::rows(conn, &filter, 1)?.into_iter().next())
    }
}

/// A gateway event as stored: applied once per (gateway, event id).
#[derive(Debug, Clone, Queryable)]
#[diesel(table_name = gateway_events)]
pub struct GatewayEvent {
    pub id: crate::ids::GatewayEventId,
    pub gateway: String,
    pub event_id: String,
    pub payment_id: PaymentId,
    pub outcome: String,
    pub received_at: NaiveDateTime,
}

impl GatewayEvent {
    pub fn find(
        conn: &mut DbConnection,
        gateway: &str,
        event_id: &str,
    ) -> QueryResult<Option<GatewayEvent>> {
        gateway_events::table
            .filter(gateway_events::gateway.eq(gateway))
            .filter(gateway_events::event_id.eq(event_id))
            .first(conn)
            .optional()
    }

    /// Stores the event; the (gateway, event id) key refuses it a second time.
    pub fn insert(
        conn: &mut DbConnection,
        gateway: &str,
        event_id: &str,
        payment: PaymentId,
        outcome: &str,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::insert_into(gateway_events::table)
            .values((
                gateway_events::gateway.eq(gateway),
                gateway_events::event_id.eq(event_id),
                gateway_events::payment_id.eq(payment),
                gateway_events::outcome.eq(outcome),
                gateway_events::received_at.eq(now),
            ))
            .execute(conn)?;
        Ok(())
    }

    pub fn of_payment(conn: &mut DbConnection, payment: PaymentId) -> QueryResult<Vec<Self>> {
        gateway_events::table
            .filter(gateway_events::payment_id.eq(payment))
            .order(gateway_events::id)
            .load(conn)
    }
}
