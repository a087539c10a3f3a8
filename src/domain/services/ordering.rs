//! Ordering: what a client may order, at its prices, and placing the order.

use super::charging::{activate, history};
use super::{account_of, period_label, provider_zone};
use crate::db::models::catalog::{Tariff, TariffRow};
use crate::db::models::client_group::ClientGroup;
use crate::db::models::service::{NewService, ORDERED, Service};
use crate::db::models::{Account, Client};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::client_permissions::{self, SERVICES};
use crate::domain::documents::Tax;
use crate::domain::money::{Money, discounted};
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError, FieldErrors};
use crate::ids::{ClientId, TariffId};

/// A tariff as one client sees it: its prices with the client's discount.
#[derive(Debug, Clone)]
pub struct Offer {
    pub row: TariffRow,
    /// (months, price) for each period sold, discounted.
    pub prices: Vec<(i32, i64)>,
    pub setup_fee: i64,
    /// The client already has as many services of it as the tariff allows.
    pub limit_reached: bool,
    /// Said under the prices when they have VAT added on top (the provider's company counts
    /// VAT so); empty otherwise.
    pub tax_note: String,
}

impl Offers {
    /// "3 months", for templates.
    pub fn period(&self, months: &i32) -> String {
        period_label(*months)
    }

    /// The discount as a percentage, for templates.
    pub fn discount(&self) -> String {
        crate::domain::client_groups::format_discount(self.discount_bp)
    }
}

impl Offer {
    /// Takes a value or a reference, as templates pass either.
    pub fn money(&self, minor: impl std::borrow::Borrow<i64>) -> Money {
        Money::from_minor(
            *minor.borrow(),
            self.row.currency_exponent,
            &self.row.currency_code,
        )
    }
}

/// The order page: offers grouped by product type, and the discount applied.
#[derive(Debug, Clone, Default)]
pub struct Offers {
    pub groups: Vec<(String, Vec<Offer>)>,
    pub discount_bp: i32,
    pub connected: bool,
}

/// The client's discount: the largest of its groups' (discounts do not add up).
pub fn discount_of(conn: &mut DbConnection, client: ClientId) -> Result<i32, DomainError> {
    Ok(ClientGroup::groups_of(conn, client)?
        .iter()
        .map(|g| g.discount_bp)
        .max()
        .unwrap_or(0))
}

fn tariff_prices(tariff: &Tariff) -> [(i32, Option<i64>); 4] {
    [
        (1, tariff.price_1),
        (3, tariff.price_3),
        (6, tariff.price_6),
        (12, tariff.price_12),
    ]
}

fn offers_of(conn: &mut DbConnection, client: ClientId) -> Result<Offers, DomainError> {
    let providers = Account::provider_ids_of(conn, client)?;
    let discount_bp = discount_of(conn, client)?;
    let hidden = Tariff::hidden_from_client(conn, client)?;
    let counts = Service::counts_by_tariff(conn, client)?;
    // Each provider's documents are issued by its first company, whose VAT mode says
    // whether the catalog's prices are with or without VAT.
    let taxes: Vec<(crate::ids::ProviderId, Tax)> =
        crate::db::models::Company::first_per_provider(conn)?
            .into_iter()
            .map(|(provider, company)| (provider, Tax::of(&company)))
            .collect();
    let mut groups: Vec<(String, Vec<Offer>)> = Vec::new();
    for row in Tariff::orderable_of_providers(conn, &providers)? {
        if hidden.contains(&row.tariff.id) {
            continue;
        }
        let exponent = row.currency_exponent;
        let tax = taxes
            .iter()
            .find(|(p, _)| *p == row.tariff.provider_id)
            .map_or(Tax::None, |(_, t)| *t);
        let prices: Vec<(i32, i64)> = tariff_prices(&row.tariff)
            .into_iter()
            .filter_map(|(months, price)| {
                price.map(|p| {
                    (
                        months,
                        tax.price_with(discounted(p, exponent, discount_bp), exponent),
                    )
                })
            })
            .collect();
        if prices.is_empty() {
            continue;
        }
        let owned = counts
            .iter()
            .find(|(t, _)| *t == row.tariff.id)
            .map_or(0, |(_, n)| *n);
        let offer = Offer {
            setup_fee: tax.price_with(
                discounted(row.tariff.setup_fee, exponent, discount_bp),
                exponent,
            ),
            tax_note: tax.price_note(),
            limit_reached: row
                .tariff
                .per_client_limit
                .is_some_and(|limit| owned >= i64::from(limit)),
            prices,
            row,
        };
        match groups
            .iter_mut()
            .find(|(name, _)| *name == offer.row.type_name)
        {
            Some((_, offers)) => offers.push(offer),
            None => groups.push((offer.row.type_name.clone(), vec![offer])),
        }
    }
    Ok(Offers {
        groups,
        discount_bp,
        connected: !providers.is_empty(),
    })
}

/// What the client may order (client area, services section).
pub fn offers_for_client(conn: &mut DbConnection, actor: &Actor) -> Result<Offers, DomainError> {
    let client = client_permissions::require(conn, actor, SERVICES)?;
    offers_of(conn, client)
}

/// What an employee may order for the client: the client's own prices and restrictions.
pub fn offers_for_staff(
    conn: &mut DbConnection,
    actor: &Actor,
    client: ClientId,
) -> Result<Offers, DomainError> {
    require(actor, permissions::SERVICES_ORDER)?;
    Client::find(conn, client)?.ok_or(DomainError::NotFound)?;
    offers_of(conn, client)
}

// ---------------------------------------------------------------------------------------
// Ordering

/// What the order form sends.
#[derive(Debug, Clone, Default)]
pub struct OrderRaw<'a> {
    pub tariff_id: &'a str,
    pub period: &'a str,
    pub auto_renew: bool,
    pub order_key: &'a str,
}

/// A placed order: the service, and what is missing when it waits for money.
#[derive(Debug, Clone)]
pub struct Ordered {
    pub service: Service,
    /// Minor units still to pay before it starts; 0 when it is active.
    pub missing: Money,
}

/// The client orders a tariff (client area).
pub fn order_as_client(
    conn: &mut DbConnection,
    actor: &Actor,
    raw: &OrderRaw<'_>,
) -> Result<Ordered, DomainError> {
    let client = client_permissions::require(conn, actor, SERVICES)?;
    place_order(conn, actor, client, raw, true)
}

/// An employee orders a tariff for the client, on the client's terms.
pub fn order_for_client(
    conn: &mut DbConnection,
    actor: &Actor,
    client: ClientId,
    raw: &OrderRaw<'_>,
) -> Result<Ordered, DomainError> {
    require(actor, permissions::SERVICES_ORDER)?;
    Client::find(conn, client)?.ok_or(DomainError::NotFound)?;
    place_order(conn, actor, client, raw, false)
}

/// Places an order; `by_client` when the client orders itself (then a provider that
/// requires a confirmed address refuses an unconfirmed one; staff decide for themselves).
fn place_order(
    conn: &mut DbConnection,
    actor: &Actor,
    client: ClientId,
    raw: &OrderRaw<'_>,
    by_client: bool,
) -> Result<Ordered, DomainError> {
    let key = raw.order_key.trim();
    if key.is_empty() || key.len() > 100 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(DomainError::invalid(
            "tariff_id",
            "The form is stale; reload the page and order again.",
        ));
    }
    if let Some(existing) = recorded_order(conn, key, client)? {
        return ordered(conn, existing);
    }
    let offers = offers_of(conn, client)?;
    let mut errors = FieldErrors::new();
    let tariff_id = raw.tariff_id.trim().parse::<TariffId>().ok();
    let offer = offers
        .groups
        .iter()
        .flat_map(|(_, offers)| offers.iter())
        .find(|o| Some(o.row.tariff.id) == tariff_id)
        .cloned();
    let Some(offer) = offer else {
        errors.add("tariff_id", "Choose one of the tariffs offered.");
        return Err(DomainError::Invalid(errors));
    };
    if offer.limit_reached {
        errors.add(
            "tariff_id",
            format!(
                "You already have the most services of “{}” this tariff allows ({}).",
                offer.row.tariff.name,
                offer.row.tariff.per_client_limit.unwrap_or_default()
            ),
        );
    }
    let months = raw.period.trim().parse::<i32>().ok();
    let price = months.and_then(|m| offer.prices.iter().find(|(pm, _)| *pm == m));
    if price.is_none() {
        errors.add(
            "period",
            "Choose one of the periods the tariff is sold for.",
        );
    }
    errors.into_result()?;
    let Some(&(months, price)) = price else {
        return Err(DomainError::invalid("period", "Choose a period."));
    };
    if by_client {
        crate::domain::email_confirmations::check_before_ordering(
            conn,
            client,
            offer.row.tariff.provider_id,
        )?;
    }
    let zone = provider_zone(conn, offer.row.tariff.provider_id)?;
    let outcome = db::write_transaction(conn, |conn| {
        let account_id = Account::provider_ids_of(conn, client)?
            .contains(&offer.row.tariff.provider_id)
            .then_some(())
            .ok_or_else(|| DomainError::invalid("tariff_id", "Choose one of the tariffs offered."))
            .and_then(|_| account_of(conn, client, offer.row.tariff.provider_id))?;
        let mut account = Account::lock(conn, account_id)?.ok_or(DomainError::NotFound)?;
        // Checked again under the lock: two orders at once cannot both pass the limit.
        if let Some(limit) = offer.row.tariff.per_client_limit
            && Service::count_of_tariff(conn, client, offer.row.tariff.id)? >= i64::from(limit)
        {
            return Err(DomainError::invalid(
                "tariff_id",
                "You already have the most services of this tariff it allows.",
            ));
        }
        let now = db::now();
        let service = Service::insert(
            conn,
            &NewService {
                client_id: client,
                account_id,
                tariff_id: offer.row.tariff.id,
                period_months: months,
                price,
                order_cost: price + offer.setup_fee,
                status: ORDERED,
                auto_renew: raw.auto_renew,
                order_key: Some(key),
                created_at: now,
            },
        )?;
        let cost = offer.money(service.order_cost);
        history(
            conn,
            actor,
            &service,
            "ordered",
            ORDERED,
            &format!(
                "{}, {} at {} a period; first charge {cost}",
                offer.row.tariff.name,
                period_label(months),
                offer.money(price)
            ),
        )?;
        audit::record(
            conn,
            actor,
            "service.order",
            Target::new("service", service.id),
            &format!(
                "{} for client #{client}, {}, first charge {cost}",
                offer.row.tariff.name,
                period_label(months)
            ),
        )?;
        activate(conn, actor, &service, &mut account, zone, now)?;
        Ok::<_, DomainError>(service.id)
    });
    let id = match outcome {
        Err(DomainError::Database(e)) if db::is_unique_violation(&e) => {
            recorded_order(conn, key, client)?
                .ok_or(DomainError::Database(e))?
                .id
        }
        other => other?,
    };
    let service = Service::find(conn, id)?.ok_or(DomainError::NotFound)?;
    ordered(conn, service)
}

/// The service an order form with `key` created already, once it is on disk
/// (`db::recorded`). Keys are unique across all clients: another client's order under
/// this key is a stale or forged form, refused.
fn recorded_order(
    conn: &mut DbConnection,
    key: &str,
    client: ClientId,
) -> Result<Option<Service>, DomainError> {
    match db::recorded(conn, |c| Service::find_by_key(c, key))? {
        Some(s) if s.client_id == client => Ok(Some(s)),
        Some(_) => Err(DomainError::invalid(
            "tariff_id",
            "The form is stale; reload the page and order again.",
        )),
        None => Ok(None),
    }
}

fn ordered(conn: &mut DbConnection, service: Service) -> Result<Ordered, DomainError> {
    let row = Service::row(conn, service.id)?.ok_or(DomainError::NotFound)?;
    let account = Account::find(conn, service.account_id)?.ok_or(DomainError::NotFound)?;
    let missing = if service.status == ORDERED {
        account.missing(service.order_cost)
    } else {
        0
    };
    Ok(Ordered {
        missing: Money::from_minor(missing, row.currency_exponent, &row.currency_code),
        service,
    })
}
