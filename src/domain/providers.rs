//! Providers: the brands services are sold under, each in exactly one currency.

use chrono_tz::Tz;

use crate::db::models::provider::ProviderChoice;
use crate::db::models::{Account, Currency, Provider, ProviderFields};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Changes, Target};
use crate::domain::email::Email;
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError, FieldErrors, text};
use crate::ids::{CurrencyId, ProviderId};

/// A checked provider, ready to be written.
#[derive(Debug, Clone)]
pub struct ProviderInput {
    pub name: String,
    pub currency_id: CurrencyId,
    pub notification_email: Option<Email>,
    pub site_url: String,
    pub time_zone: Tz,
    pub deletion_days: i32,
    /// Orders only from clients whose owner confirmed the e-mail address.
    pub require_confirmed_email: bool,
    /// Visitors who register join it unless they pick another (one provider is).
    pub registration_default: bool,
    /// Visitors may pick it by name when they register.
    pub self_service: bool,
}

/// A provider's yes-or-no settings, as ticked on its form.
#[derive(Debug, Clone, Copy, Default)]
pub struct Switches {
    pub require_confirmed_email: bool,
    pub registration_default: bool,
    pub self_service: bool,
}

impl ProviderInput {
    /// Reads the raw form values; every wrong field gets its message.
    pub fn parse(
        name: &str,
        currency_id: &str,
        notification_email: &str,
        site_url: &str,
        time_zone: &str,
        deletion_days: &str,
        switches: Switches,
    ) -> Result<Self, FieldErrors> {
        let Switches {
            require_confirmed_email,
            registration_default,
            self_service,
        } = switches;
        let mut errors = FieldErrors::new();
        let name = text::required(name, 200, "Enter the provider's name.")
            .map_err(|m| errors.add("name", m))
            .ok();
        let currency_id = currency_id
            .parse()
            .map_err(|_| errors.add("currency_id", "Choose a currency."))
            .ok();
        let notification_email = match notification_email.trim() {
            "" => Some(None),
            raw => Email::parse(raw)
                .map(Some)
                .map_err(|m| errors.add("notification_email", m))
                .ok(),
        };
        let site_url = text::optional_url(site_url)
            .map_err(|m| errors.add("site_url", m))
            .ok();
        let time_zone = time_zone
            .trim()
            .parse::<Tz>()
            .map_err(|_| {
                errors.add(
                    "time_zone",
                    "Choose a time zone from the list, like Europe/Moscow or UTC.",
                )
            })
            .ok();
        let deletion_days = match deletion_days.trim() {
            "" => Some(30),
            raw => raw
                .parse::<i32>()
                .ok()
                .filter(|d| (1..=3650).contains(d))
                .or_else(|| {
                    errors.add(
                        "deletion_days",
                        "Enter a whole number of days from 1 to 3650.",
                    );
                    None
                }),
        };
        match (
            name,
            currency_id,
            notification_email,
            site_url,
            time_zone,
            deletion_days,
        ) {
            (
                Some(name),
                Some(currency_id),
                Some(notification_email),
                Some(site_url),
                Some(time_zone),
                Some(deletion_days),
            ) => Ok(Self {
                name,
                currency_id,
                notification_email,
                site_url,
                time_zone,
                deletion_days,
                require_confirmed_email,
                registration_default,
                self_service,
            }),
            _ => Err(errors),
        }
    }

    fn fields(&self) -> ProviderFields<'_> {
        ProviderFields {
            name: &self.name,
            currency_id: self.currency_id,
            notification_email: self.notification_email.as_ref().map_or("", Email::as_str),
            site_url: &self.site_url,
            time_zone: self.time_zone.name(),
            deletion_days: self.deletion_days,
            require_confirmed_email: self.require_confirmed_email,
            registration_default: self.registration_default,
            self_service: self.self_service,
        }
    }
}

/// Every provider with its currency's code.
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<Vec<(Provider, String)>, DomainError> {
    require(actor, permissions::SETTINGS_VIEW)?;
    Ok(Provider::all_with_currency(conn)?)
}

/// The currencies a provider can sell in, for its form.
pub fn currency_choices(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<Vec<Currency>, DomainError> {
    require(actor, permissions::SETTINGS_VIEW)?;
    Ok(Currency::all(conn)?)
}

/// Providers as choices for the client pages (filter, connections).
pub fn choices_for_clients(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<Vec<ProviderChoice>, DomainError> {
    require(actor, permissions::CLIENTS_VIEW)?;
    Ok(Provider::choices(conn)?)
}

/// Providers as choices (companies' form).
pub fn choices(conn: &mut DbConnection, actor: &Actor) -> Result<Vec<ProviderChoice>, DomainError> {
    require(actor, permissions::SETTINGS_VIEW)?;
    Ok(Provider::choices(conn)?)
}

pub fn get(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ProviderId,
) -> Result<Provider, DomainError> {
    require(actor, permissions::SETTINGS_VIEW)?;
    Provider::find(conn, id)?.ok_or(DomainError::NotFound)
}

pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &ProviderInput,
) -> Result<Provider, DomainError> {
    require(actor, permissions::SETTINGS_EDIT)?;
    db::write_transaction(conn, |conn| {
        check(conn, input, None)?;
        if input.registration_default {
            Provider::clear_registration_default(conn, None)?;
        }
        let provider = Provider::insert(conn, &input.fields(), db::now()).map_err(name_taken)?;
        let mut changes = Changes::new();
        changes
            .set("name", &provider.name)
            .set("currency", currency_code(conn, provider.currency_id)?)
            .set("time zone", &provider.time_zone)
            .set("deletion after, days", provider.deletion_days);
        audit::record(
            conn,
            actor,
            "provider.create",
            Target::new("provider", provider.id),
            &changes.summary(),
        )?;
        Ok(provider)
    })
}

pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ProviderId,
    input: &ProviderInput,
) -> Result<Provider, DomainError> {
    require(actor, permissions::SETTINGS_EDIT)?;
    db::write_transaction(conn, |conn| {
        let before = Provider::find(conn, id)?.ok_or(DomainError::NotFound)?;
        check(conn, input, Some(&before))?;
        if input.registration_default {
            Provider::clear_registration_default(conn, Some(id))?;
        }
        let after = Provider::update(conn, id, &input.fields()).map_err(name_taken)?;
        let mut changes = Changes::new();
        changes
            .field("name", &before.name, &after.name)
            .field(
                "currency",
                currency_code(conn, before.currency_id)?,
                currency_code(conn, after.currency_id)?,
            )
            .field(
                "notification email",
                &before.notification_email,
                &after.notification_email,
            )
            .field("site", &before.site_url, &after.site_url)
            .field("time zone", &before.time_zone, &after.time_zone)
            .field(
                "deletion after, days",
                before.deletion_days,
                after.deletion_days,
            );
        if !changes.is_empty() {
            audit::record(
                conn,
                actor,
                "provider.update",
                Target::new("provider", id),
                &changes.summary(),
            )?;
        }
        Ok(after)
    })
}

/// Rules that need the database: a known currency, a free name, and no change of currency
/// once clients hold balances in it.
fn check(
    conn: &mut DbConnection,
    input: &ProviderInput,
    before: Option<&Provider>,
) -> Result<(), DomainError> {
    let mut errors = FieldErrors::new();
    if Currency::find(conn, input.currency_id)?.is_none() {
        errors.add("currency_id", "Choose a currency from the list.");
    }
    if let Some(other) = Provider::find_by_name(conn, &input.name)?
        && before.is_none_or(|b| b.id != other.id)
    {
        errors.add("name", "Another provider has this name.");
    }
    if let Some(before) = before
        && before.currency_id != input.currency_id
        && Account::exists_at_provider(conn, before.id)?
    {
        errors.add(
            "currency_id",
            "Clients already hold balances at this provider; its currency cannot change. Create a new provider for the other currency.",
        );
    }
    errors.into_result()
}

fn currency_code(conn: &mut DbConnection, id: CurrencyId) -> Result<String, DomainError> {
    Ok(Currency::find(conn, id)?
        .map(|c| c.code)
        .unwrap_or_default())
}

fn name_taken(e: diesel::result::Error) -> DomainError {
    if db::is_unique_violation(&e) {
        DomainError::invalid("name", "Another provider has this name.")
    } else {
        e.into()
    }
}
