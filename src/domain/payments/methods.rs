//! Payment methods (`/admin/payment-methods`): how clients pay, each taking money for one
//! company in one currency, for the providers it serves, from every client group but those
//! it is hidden from, between an optional minimum and maximum.

use crate::db::models::client_group::ClientGroup;
use crate::db::models::payment_method::{
    KINDS, PaymentMethod, PaymentMethodFields, PaymentMethodRow, TEST_CARD,
};
use crate::db::models::provider::ProviderChoice;
use crate::db::models::{Company, Currency, Provider};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Changes, Target};
use crate::domain::money::parse_amount;
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError, FieldErrors, text};
use crate::ids::{ClientGroupId, CompanyId, CurrencyId, PaymentMethodId, ProviderId};

/// What the method form sends.
#[derive(Debug, Default)]
pub struct MethodRaw<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub company_id: &'a str,
    pub currency_id: &'a str,
    pub min_amount: &'a str,
    pub max_amount: &'a str,
    pub enabled: bool,
    pub providers: &'a [String],
    pub hidden_groups: &'a [String],
}

/// A checked method.
#[derive(Debug, Clone)]
pub struct MethodInput {
    pub name: String,
    pub kind: &'static str,
    pub company_id: CompanyId,
    pub currency_id: CurrencyId,
    pub min_amount: Option<i64>,
    pub max_amount: Option<i64>,
    pub enabled: bool,
    pub providers: Vec<ProviderId>,
    pub hidden_groups: Vec<ClientGroupId>,
}

fn parse_ids<T: std::str::FromStr>(
    raw: &[String],
    field: &str,
    errors: &mut FieldErrors,
) -> Vec<T> {
    let mut ids = Vec::new();
    for r in raw {
        match r.parse() {
            Ok(id) => ids.push(id),
            Err(_) => errors.add(field, "Choose from the list."),
        }
    }
    ids
}

impl MethodInput {
    /// `test_gateway`: whether the test card gateway is on in this installation.
    pub fn parse(
        conn: &mut DbConnection,
        raw: &MethodRaw<'_>,
        test_gateway: bool,
    ) -> Result<Self, DomainError> {
        let mut errors = FieldErrors::new();
        let name = text::required(raw.name, 100, "Name the method as clients will see it.")
            .map_err(|m| errors.add("name", m))
            .unwrap_or_default();
        let kind = KINDS
            .iter()
            .find(|(k, _)| *k == raw.kind.trim())
            .map(|(k, _)| *k);
        if kind.is_none() {
            errors.add("kind", "Choose the kind of method.");
        } else if kind == Some(TEST_CARD) && !test_gateway {
            errors.add(
                "kind",
                "The test card gateway is off: it credits accounts without taking money. Start billpanel with BILLPANEL_TEST_GATEWAY=1 to try it.",
            );
        }
        let company = match raw.company_id.trim().parse::<CompanyId>() {
            Ok(id) => Company::find(conn, id)?,
            Err(_) => None,
        };
        if company.is_none() {
            errors.add("company_id", "Choose the company that receives the money.");
        }
        let currency = match raw.currency_id.trim().parse::<CurrencyId>() {
            Ok(id) => Currency::find(conn, id)?,
            Err(_) => None,
        };
        if currency.is_none() {
            errors.add("currency_id", "Choose the currency it takes.");
        }
        let exponent = currency.as_ref().map_or(2, |c| c.exponent);
        let mut limit = |field: &str, raw: &str| match raw.trim() {
            "" => None,
            typed => parse_amount(typed, exponent)
                .map_err(|m| errors.add(field, m))
                .ok(),
        };
        let min_amount = limit("min_amount", raw.min_amount);
        let max_amount = limit("max_amount", raw.max_amount);
        if let (Some(min), Some(max)) = (min_amount, max_amount)
            && min > max
        {
            errors.add("max_amount", "The maximum is below the minimum.");
        }
        let providers: Vec<ProviderId> = parse_ids(raw.providers, "providers", &mut errors);
        if providers.is_empty() {
            errors.add(
                "providers",
                "Choose at least one provider it takes payments for.",
            );
        }
        for id in &providers {
            match Provider::find(conn, *id)? {
                None => errors.add("providers", "Choose from the list."),
                Some(p) => {
                    if let Some(c) = &currency
                        && p.currency_id != c.id
                    {
                        errors.add(
                            "providers",
                            format!(
                                "{} bills in another currency than {}; a method takes one currency.",
                                p.name, c.code
                            ),
                        );
                    }
                }
            }
        }
        let hidden_groups: Vec<ClientGroupId> =
            parse_ids(raw.hidden_groups, "hidden_groups", &mut errors);
        for id in &hidden_groups {
            if ClientGroup::find(conn, *id)?.is_none() {
                errors.add("hidden_groups", "Choose groups from the list.");
            }
        }
        errors.into_result()?;
        Ok(Self {
            name,
            kind: kind.unwrap_or_default(),
            company_id: company.map(|c| c.id).unwrap_or(CompanyId(0)),
            currency_id: currency.map(|c| c.id).unwrap_or(CurrencyId(0)),
            min_amount,
            max_amount,
            enabled: raw.enabled,
            providers,
            hidden_groups,
        })
    }

    fn fields(&self) -> PaymentMethodFields<'_> {
        PaymentMethodFields {
            name: &self.name,
            kind: self.kind,
            company_id: self.company_id,
            currency_id: self.currency_id,
            min_amount: self.min_amount,
            max_amount: self.max_amount,
            enabled: self.enabled,
        }
    }
}

/// The amounts a method takes: "10.00 RUB – 50,000.00 RUB", "from 10.00 RUB", "up to …",
/// or "any amount".
pub fn limits(row: &PaymentMethodRow) -> String {
    let money = |m: i64| {
        crate::domain::money::Money::from_minor(m, row.currency_exponent, &row.currency_code)
    };
    match (row.method.min_amount, row.method.max_amount) {
        (Some(min), Some(max)) => format!("{} – {}", money(min), money(max)),
        (Some(min), None) => format!("from {}", money(min)),
        (None, Some(max)) => format!("up to {}", money(max)),
        (None, None) => "any amount".into(),
    }
}

/// What the method form offers.
pub struct MethodChoices {
    pub companies: Vec<Company>,
    pub currencies: Vec<Currency>,
    pub providers: Vec<ProviderChoice>,
    pub groups: Vec<ClientGroup>,
}

pub fn choices(conn: &mut DbConnection, actor: &Actor) -> Result<MethodChoices, DomainError> {
    require(actor, permissions::PAYMENTS_VIEW)?;
    Ok(MethodChoices {
        companies: Company::all(conn)?,
        currencies: Currency::all(conn)?,
        providers: Provider::choices(conn)?,
        groups: ClientGroup::all(conn)?,
    })
}

pub fn list(conn: &mut DbConnection, actor: &Actor) -> Result<Vec<PaymentMethodRow>, DomainError> {
    require(actor, permissions::PAYMENTS_VIEW)?;
    Ok(PaymentMethod::rows(conn)?)
}

/// A method with its providers and hidden groups.
pub fn get(
    conn: &mut DbConnection,
    actor: &Actor,
    id: PaymentMethodId,
) -> Result<(PaymentMethodRow, Vec<ProviderId>, Vec<ClientGroupId>), DomainError> {
    require(actor, permissions::PAYMENTS_VIEW)?;
    let row = PaymentMethod::row(conn, id)?.ok_or(DomainError::NotFound)?;
    let providers = PaymentMethod::providers(conn, id)?;
    let groups = PaymentMethod::hidden_groups(conn, id)?;
    Ok((row, providers, groups))
}

fn name_taken(e: diesel::result::Error) -> DomainError {
    if db::is_unique_violation(&e) {
        DomainError::invalid("name", "A payment method with this name exists already.")
    } else {
        e.into()
    }
}

fn describe(input: &MethodInput) -> Changes {
    let mut changes = Changes::new();
    changes
        .set("name", &input.name)
        .set("kind", input.kind)
        .set("enabled", input.enabled)
        .set("min", format!("{:?}", input.min_amount))
        .set("max", format!("{:?}", input.max_amount))
        .set("providers", format!("{:?}", input.providers));
    changes
}

pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &MethodInput,
) -> Result<PaymentMethod, DomainError> {
    require(actor, permissions::PAYMENT_METHODS_EDIT)?;
    db::write_transaction(conn, |conn| {
        let method = PaymentMethod::insert(conn, &input.fields(), db::now()).map_err(name_taken)?;
        PaymentMethod::set_lists(conn, method.id, &input.providers, &input.hidden_groups)?;
        audit::record(
            conn,
            actor,
            "payment_method.create",
            Target::new("payment_method", method.id),
            &describe(input).summary(),
        )?;
        Ok(method)
    })
}

pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    id: PaymentMethodId,
    input: &MethodInput,
) -> Result<PaymentMethod, DomainError> {
    require(actor, permissions::PAYMENT_METHODS_EDIT)?;
    db::write_transaction(conn, |conn| {
        let before = PaymentMethod::find(conn, id)?.ok_or(DomainError::NotFound)?;
        if before.kind != input.kind {
            return Err(DomainError::invalid(
                "kind",
                "A method's kind is fixed once it is created; add a new method instead.",
            ));
        }
        let method = PaymentMethod::update(conn, id, &input.fields()).map_err(name_taken)?;
        PaymentMethod::set_lists(conn, id, &input.providers, &input.hidden_groups)?;
        audit::record(
            conn,
            actor,
            "payment_method.update",
            Target::new("payment_method", id),
            &describe(input).summary(),
        )?;
        Ok(method)
    })
}
