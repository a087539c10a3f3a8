//! Currencies (ISO 4217 code, minor-unit exponent) and exchange rates entered by hand.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::db::models::exchange_rate::RateRow;
use crate::db::models::{Currency, CurrencyFields, ExchangeRate, Provider};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Changes, Target};
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError, FieldErrors, text};
use crate::ids::CurrencyId;

/// A checked currency.
#[derive(Debug, Clone)]
pub struct CurrencyInput {
    pub code: String,
    pub name: String,
    pub exponent: i32,
}

impl CurrencyInput {
    pub fn parse(code: &str, name: &str, exponent: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let code = code.trim().to_uppercase();
        if code.len() != 3 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            errors.add("code", "Use the three-letter ISO 4217 code, like EUR.");
        }
        let name = text::required(name, 100, "Enter the currency's name.")
            .map_err(|m| errors.add("name", m))
            .ok();
        let exponent = exponent
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|e| (0..=4).contains(e))
            .ok_or_else(|| {
                errors.add(
                    "exponent",
                    "Digits after the decimal point: a whole number from 0 to 4.",
                )
            })
            .ok();
        match (name, exponent) {
            (Some(name), Some(exponent)) if errors.is_empty() => Ok(Self {
                code,
                name,
                exponent,
            }),
            _ => Err(errors),
        }
    }

    fn fields(&self) -> CurrencyFields<'_> {
        CurrencyFields {
            code: &self.code,
            name: &self.name,
            exponent: self.exponent,
        }
    }
}

/// A checked exchange rate: on `date`, one unit costs `rate` units of `quote`.
#[derive(Debug, Clone)]
pub struct RateInput {
    pub quote: CurrencyId,
    pub date: NaiveDate,
    pub rate: Decimal,
}

/// Digits kept after the decimal point of a rate.
pub const RATE_SCALE: u32 = 10;

/// A positive decimal written plainly ("92.5", "0.0108"); no exponents, signs or spaces.
pub fn parse_rate(raw: &str) -> Result<Decimal, String> {
    let raw = raw.trim().replace(',', ".");
    let plain = !raw.is_empty()
        && raw.chars().all(|c| c.is_ascii_digit() || c == '.')
        && raw.matches('.').count() <= 1;
    let rate = plain.then(|| raw.parse::<Decimal>().ok()).flatten();
    match rate {
        Some(rate) if rate > Decimal::ZERO && rate.scale() <= RATE_SCALE => Ok(rate.normalize()),
        Some(rate) if rate > Decimal::ZERO => Err(format!(
            "Use at most {RATE_SCALE} digits after the decimal point."
        )),
        Some(_) => Err("A rate must be greater than zero.".into()),
        None => Err("Enter the rate as a number, like 92.50.".into()),
    }
}

impl RateInput {
    pub fn parse(quote: &str, date: &str, rate: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let quote = quote
            .trim()
            .parse()
            .map_err(|_| errors.add("quote_currency_id", "Choose a currency."))
            .ok();
        let date = crate::domain::text::date(date)
            .map_err(|m| errors.add("rate_date", m))
            .ok();
        let rate = parse_rate(rate).map_err(|m| errors.add("rate", m)).ok();
        match (quote, date, rate) {
            (Some(quote), Some(date), Some(rate)) => Ok(Self { quote, date, rate }),
            _ => Err(errors),
        }
    }
}

pub fn list(conn: &mut DbConnection, actor: &Actor) -> Result<Vec<Currency>, DomainError> {
    require(actor, permissions::CURRENCIES_VIEW)?;
    Ok(Currency::all(conn)?)
}

/// A currency with its latest rates and the other currencies (for the rate form).
pub struct CurrencyDetails {
    pub currency: Currency,
    pub rates: Vec<RateRow>,
    pub others: Vec<Currency>,
    /// Whether a provider sells in it (its exponent then cannot change).
    pub in_use: bool,
}

pub fn details(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CurrencyId,
) -> Result<CurrencyDetails, DomainError> {
    require(actor, permissions::CURRENCIES_VIEW)?;
    let currency = Currency::find(conn, id)?.ok_or(DomainError::NotFound)?;
    Ok(CurrencyDetails {
        rates: ExchangeRate::latest_of(conn, id, 30)?,
        others: Currency::all(conn)?
            .into_iter()
            .filter(|c| c.id != id)
            .collect(),
        in_use: Provider::uses_currency(conn, id)?,
        currency,
    })
}

pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &CurrencyInput,
) -> Result<Currency, DomainError> {
    require(actor, permissions::CURRENCIES_EDIT)?;
    db::write_transaction(conn, |conn| {
        if Currency::find_by_code(conn, &input.code)?.is_some() {
            return Err(code_taken());
        }
        let currency = Currency::insert(conn, &input.fields(), db::now()).map_err(|e| {
            if db::is_unique_violation(&e) {
                code_taken()
            } else {
                e.into()
            }
        })?;
        let mut changes = Changes::new();
        changes
            .set("code", &currency.code)
            .set("name", &currency.name)
            .set("exponent", currency.exponent);
        audit::record(
            conn,
            actor,
            "currency.create",
            Target::new("currency", currency.id),
            &changes.summary(),
        )?;
        Ok(currency)
    })
}

pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CurrencyId,
    input: &CurrencyInput,
) -> Result<Currency, DomainError> {
    require(actor, permissions::CURRENCIES_EDIT)?;
    db::write_transaction(conn, |conn| {
        let before = Currency::find(conn, id)?.ok_or(DomainError::NotFound)?;
        let mut errors = FieldErrors::new();
        if let Some(other) = Currency::find_by_code(conn, &input.code)?
            && other.id != id
        {
            errors.add("code", "Another currency has this code.");
        }
        let in_use = Provider::uses_currency(conn, id)?;
        // Amounts are stored in minor units: changing either would change every amount.
        if in_use && before.exponent != input.exponent {
            errors.add(
                "exponent",
                "Providers sell in this currency, so its minor unit cannot change.",
            );
        }
        if in_use && before.code != input.code {
            errors.add(
                "code",
                "Providers sell in this currency, so its code cannot change.",
            );
        }
        errors.into_result()?;
        let after = Currency::update(conn, id, &input.fields()).map_err(|e| {
            if db::is_unique_violation(&e) {
                code_taken()
            } else {
                e.into()
            }
        })?;
        let mut changes = Changes::new();
        changes
            .field("code", &before.code, &after.code)
            .field("name", &before.name, &after.name)
            .field("exponent", before.exponent, after.exponent);
        if !changes.is_empty() {
            audit::record(
                conn,
                actor,
                "currency.update",
                Target::new("currency", id),
                &changes.summary(),
            )?;
        }
        Ok(after)
    })
}

/// Sets the rate of a day (replacing one entered before for that day and pair).
pub fn set_rate(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CurrencyId,
    input: &RateInput,
) -> Result<(), DomainError> {
    require(actor, permissions::CURRENCIES_EDIT)?;
    db::write_transaction(conn, |conn| {
        let currency = Currency::find(conn, id)?.ok_or(DomainError::NotFound)?;
        let quote = Currency::find(conn, input.quote)?
            .filter(|q| q.id != id)
            .ok_or_else(|| {
                DomainError::invalid(
                    "quote_currency_id",
                    "Choose another currency from the list.",
                )
            })?;
        let before = ExchangeRate::find(conn, id, quote.id, input.date)?;
        let rate = input.rate.to_string();
        ExchangeRate::set(conn, id, quote.id, input.date, &rate, db::now()).map_err(|e| {
            if db::is_unique_violation(&e) {
                DomainError::invalid("rate", "Someone saved a rate for this day at the same moment; look at it and save again.")
            } else {
                e.into()
            }
        })?;
        let summary = match before {
            Some(old) => format!(
                "1 {} = {} → {} {} on {}",
                currency.code, old.rate, rate, quote.code, input.date
            ),
            None => format!(
                "1 {} = {} {} on {}",
                currency.code, rate, quote.code, input.date
            ),
        };
        audit::record(
            conn,
            actor,
            "currency.set_rate",
            Target::new("currency", id),
            &summary,
        )?;
        Ok(())
    })
}

fn code_taken() -> DomainError {
    DomainError::invalid("code", "Another currency has this code.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_codes_and_exponents() {
        let c = CurrencyInput::parse(" usd ", "US dollar", "2").unwrap();
        assert_eq!(c.code, "USD");
        for (code, exponent, field) in [
            ("US", "2", "code"),
            ("USDT", "2", "code"),
            ("U5D", "2", "code"),
            ("USD", "5", "exponent"),
            ("USD", "-1", "exponent"),
            ("USD", "two", "exponent"),
        ] {
            let errors = CurrencyInput::parse(code, "X", exponent).unwrap_err();
            assert!(errors.has(field), "{code} {exponent}");
        }
    }

    #[test]
    fn rates_are_plain_positive_decimals() {
        assert_eq!(parse_rate("92.50").unwrap().to_string(), "92.5");
        assert_eq!(parse_rate("0,0108").unwrap().to_string(), "0.0108");
        for bad in [
            "0",
            "0.000",
            "-5",
            "1e3",
            "abc",
            "",
            "1.2.3",
            " ",
            "+3",
            "0.00000000001",
        ] {
            assert!(parse_rate(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
