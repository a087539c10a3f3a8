//! The catalog: product types and tariffs, each tariff bound to one provider (fixed once
//! created) and priced in that provider's currency for the periods it is sold for.

use crate::db::models::catalog::{ProductType, Tariff, TariffFields, TariffRow};
use crate::db::models::client_group::ClientGroup;
use crate::db::models::{Currency, Provider};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Changes, Target};
use crate::domain::money::{Money, parse_amount};
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError, FieldErrors, text};
use crate::ids::{ClientGroupId, ProductTypeId, ProviderId, TariffId};

/// The periods a tariff can be sold for, in months, with their form field names.
pub const PERIODS: [(u32, &str); 4] = [
    (1, "price_1"),
    (3, "price_3"),
    (6, "price_6"),
    (12, "price_12"),
];

/// A price typed by a person: empty is "not offered", "0" is free, else an exact amount.
fn parse_price(raw: &str, exponent: i32) -> Result<Option<i64>, String> {
    match raw.trim() {
        "" => Ok(None),
        zero if zero.chars().all(|c| c == '0' || c == '.' || c == ',') && zero.contains('0') => {
            Ok(Some(0))
        }
        typed => parse_amount(typed, exponent).map(Some),
    }
}

/// What the tariff form sends.
#[derive(Debug, Default)]
pub struct TariffRaw<'a> {
    pub provider_id: &'a str,
    pub product_type_id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub prices: [&'a str; 4],
    pub setup_fee: &'a str,
    pub orderable: bool,
    pub per_client_limit: &'a str,
    pub hidden_groups: &'a [String],
}

/// A checked tariff; prices in minor units of the provider's currency.
#[derive(Debug, Clone)]
pub struct TariffInput {
    pub provider_id: ProviderId,
    pub product_type_id: ProductTypeId,
    pub name: String,
    pub description: String,
    pub prices: [Option<i64>; 4],
    pub setup_fee: i64,
    pub orderable: bool,
    pub per_client_limit: Option<i32>,
    pub hidden_groups: Vec<ClientGroupId>,
}

impl TariffInput {
    /// Reads the form; prices need the provider's currency, so this looks it up.
    pub fn parse(conn: &mut DbConnection, raw: &TariffRaw<'_>) -> Result<Self, DomainError> {
        let mut errors = FieldErrors::new();
        let provider = raw.provider_id.trim().parse::<ProviderId>().ok();
        let provider = match provider {
            Some(id) => Provider::find(conn, id)?,
            None => None,
        };
        if provider.is_none() {
            errors.add("provider_id", "Choose the provider that sells it.");
        }
        let exponent = match &provider {
            Some(p) => Currency::find(conn, p.currency_id)?.map_or(2, |c| c.exponent),
            None => 2,
        };
        let product_type_id = raw.product_type_id.trim().parse::<ProductTypeId>().ok();
        if product_type_id.is_none()
            || ProductType::find(conn, product_type_id.unwrap_or(ProductTypeId(0)))?.is_none()
        {
            errors.add("product_type_id", "Choose a product type.");
        }
        let name = text::required(raw.name, 200, "Name the tariff.")
            .map_err(|m| errors.add("name", m))
            .unwrap_or_default();
        let description = text::optional_lines(raw.description, 5000)
            .map_err(|m| errors.add("description", m))
            .unwrap_or_default();
        let mut prices = [None; 4];
        for (i, (_, field)) in PERIODS.iter().enumerate() {
            match parse_price(raw.prices[i], exponent) {
                Ok(price) => prices[i] = price,
                Err(m) => errors.add(field, m),
            }
        }
        if prices.iter().all(Option::is_none) && !PERIODS.iter().any(|(_, f)| errors.has(f)) {
            errors.add("price_1", "Give a price for at least one period.");
        }
        let setup_fee = parse_price(raw.setup_fee, exponent)
            .map_err(|m| errors.add("setup_fee", m))
            .ok()
            .flatten()
            .unwrap_or(0);
        let per_client_limit = match raw.per_client_limit.trim() {
            "" => None,
            n => n
                .parse::<i32>()
                .ok()
                .filter(|n| *n > 0)
                .map(Some)
                .ok_or_else(|| {
                    errors.add(
                        "per_client_limit",
                        "A whole number from 1, or empty for no limit.",
                    )
                })
                .unwrap_or(None),
        };
        let mut hidden_groups = Vec::new();
        for raw in raw.hidden_groups {
            match raw.parse() {
                Ok(id) => hidden_groups.push(id),
                Err(_) => errors.add("hidden_groups", "Choose groups from the list."),
            }
        }
        errors.into_result()?;
        Ok(Self {
            provider_id: provider.map(|p| p.id).unwrap_or(ProviderId(0)),
            product_type_id: product_type_id.unwrap_or(ProductTypeId(0)),
            name,
            description,
            prices,
            setup_fee,
            orderable: raw.orderable,
            per_client_limit,
            hidden_groups,
        })
    }

    fn fields(&self) -> TariffFields<'_> {
        TariffFields {
            product_type_id: self.product_type_id,
            name: &self.name,
            description: &self.description,
            price_1: self.prices[0],
            price_3: self.prices[1],
            price_6: self.prices[2],
            price_12: self.prices[3],
            setup_fee: self.setup_fee,
            orderable: self.orderable,
            per_client_limit: self.per_client_limit,
        }
    }
}

pub struct CatalogOverview {
    pub types: Vec<ProductType>,
    pub tariffs: Vec<TariffRow>,
}

pub fn overview(conn: &mut DbConnection, actor: &Actor) -> Result<CatalogOverview, DomainError> {
    require(actor, permissions::CATALOG_VIEW)?;
    Ok(CatalogOverview {
        types: ProductType::all(conn)?,
        tariffs: Tariff::rows(conn)?,
    })
}

pub fn create_type(
    conn: &mut DbConnection,
    actor: &Actor,
    name: &str,
) -> Result<ProductType, DomainError> {
    require(actor, permissions::CATALOG_EDIT)?;
    let name = text::required(name, 100, "Name the product type, like “Virtual server”.")
        .map_err(|m| DomainError::invalid("type_name", m))?;
    db::write_transaction(conn, |conn| {
        let created = ProductType::insert(conn, &name, db::now()).map_err(|e| {
            if db::is_unique_violation(&e) {
                DomainError::invalid("type_name", "This product type exists already.")
            } else {
                e.into()
            }
        })?;
        audit::record(
            conn,
            actor,
            "product_type.create",
            Target::new("product_type", created.id),
            &format!("name {name:?}"),
        )?;
        Ok(created)
    })
}

/// Choices for the tariff form.
pub struct TariffChoices {
    pub providers: Vec<crate::db::models::provider::ProviderChoice>,
    pub types: Vec<ProductType>,
    pub groups: Vec<ClientGroup>,
}

pub fn choices(conn: &mut DbConnection, actor: &Actor) -> Result<TariffChoices, DomainError> {
    require(actor, permissions::CATALOG_VIEW)?;
    Ok(TariffChoices {
        providers: Provider::choices(conn)?,
        types: ProductType::all(conn)?,
        groups: ClientGroup::all(conn)?,
    })
}

pub fn get(
    conn: &mut DbConnection,
    actor: &Actor,
    id: TariffId,
) -> Result<(Tariff, Vec<ClientGroupId>), DomainError> {
    require(actor, permissions::CATALOG_VIEW)?;
    let tariff = Tariff::find(conn, id)?.ok_or(DomainError::NotFound)?;
    let hidden = Tariff::hidden_groups(conn, id)?;
    Ok((tariff, hidden))
}

fn name_taken(e: diesel::result::Error) -> DomainError {
    if db::is_unique_violation(&e) {
        DomainError::invalid("name", "This provider has a tariff with this name already.")
    } else {
        e.into()
    }
}

fn describe_prices(
    conn: &mut DbConnection,
    provider: ProviderId,
    prices: &[Option<i64>; 4],
    setup_fee: i64,
) -> Result<String, DomainError> {
    let provider = Provider::find(conn, provider)?.ok_or(DomainError::NotFound)?;
    let currency = Currency::find(conn, provider.currency_id)?.ok_or(DomainError::NotFound)?;
    let mut parts: Vec<String> = PERIODS
        .iter()
        .zip(prices)
        .filter_map(|((months, _), price)| {
            price.map(|p| {
                format!(
                    "{months} mo {}",
                    Money::from_minor(p, currency.exponent, &currency.code)
                )
            })
        })
        .collect();
    parts.push(format!(
        "setup {}",
        Money::from_minor(setup_fee, currency.exponent, &currency.code)
    ));
    Ok(parts.join(", "))
}

pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &TariffInput,
) -> Result<Tariff, DomainError> {
    require(actor, permissions::CATALOG_EDIT)?;
    db::write_transaction(conn, |conn| {
        let tariff = Tariff::insert(conn, input.provider_id, &input.fields(), db::now())
            .map_err(name_taken)?;
        Tariff::set_hidden_groups(conn, tariff.id, &input.hidden_groups)?;
        let prices = describe_prices(conn, tariff.provider_id, &input.prices, input.setup_fee)?;
        let mut changes = Changes::new();
        changes
            .set("name", &tariff.name)
            .set("prices", prices)
            .set("orderable", tariff.orderable);
        audit::record(
            conn,
            actor,
            "tariff.create",
            Target::new("tariff", tariff.id),
            &changes.summary(),
        )?;
        Ok(tariff)
    })
}

pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    id: TariffId,
    input: &TariffInput,
) -> Result<Tariff, DomainError> {
    require(actor, permissions::CATALOG_EDIT)?;
    db::write_transaction(conn, |conn| {
        let before = Tariff::find(conn, id)?.ok_or(DomainError::NotFound)?;
        if before.provider_id != input.provider_id {
            return Err(DomainError::invalid(
                "provider_id",
                "A tariff's provider is fixed once it is created; make a new tariff for another provider.",
            ));
        }
        let after = Tariff::update(conn, id, &input.fields()).map_err(name_taken)?;
        Tariff::set_hidden_groups(conn, id, &input.hidden_groups)?;
        let before_prices = describe_prices(
            conn,
            before.provider_id,
            &[
                before.price_1,
                before.price_3,
                before.price_6,
                before.price_12,
            ],
            before.setup_fee,
        )?;
        let after_prices =
            describe_prices(conn, after.provider_id, &input.prices, input.setup_fee)?;
        let mut changes = Changes::new();
        changes
            .field("name", &before.name, &after.name)
            .field("prices", before_prices, after_prices)
            .field("orderable", before.orderable, after.orderable)
            .field(
                "limit per client",
                format!("{:?}", before.per_client_limit),
                format!("{:?}", after.per_client_limit),
            );
        if !changes.is_empty() {
            audit::record(
                conn,
                actor,
                "tariff.update",
                Target::new("tariff", id),
                &changes.summary(),
            )?;
        }
        Ok(after)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_optional_free_or_exact() {
        assert_eq!(parse_price("", 2).unwrap(), None);
        assert_eq!(parse_price("0", 2).unwrap(), Some(0));
        assert_eq!(parse_price("0.00", 2).unwrap(), Some(0));
        assert_eq!(parse_price("499.90", 2).unwrap(), Some(49_990));
        assert!(parse_price("10.005", 2).is_err());
        assert!(parse_price("-1", 2).is_err());
    }
}
