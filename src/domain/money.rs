//! Money: integer minor units in the database, `Decimal` in code. Rounding happens in one
//! place (`round`), half away from zero to the currency's exponent.

use rust_decimal::{Decimal, RoundingStrategy};

/// An amount in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    amount: Decimal,
    currency: String,
}

impl Money {
    /// From minor units as stored: `Money::from_minor(12345, 2, "RUB")` is 123.45 RUB.
    pub fn from_minor(minor: i64, exponent: i32, currency: &str) -> Self {
        Self {
            amount: Decimal::new(minor, exponent.clamp(0, 28) as u32),
            currency: currency.to_owned(),
        }
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn currency(&self) -> &str {
        &self.currency
    }

    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }
}

/// Largest amount a form accepts, in whole units (a typo guard, not a business limit).
pub const MAX_UNITS: i64 = 1_000_000_000;

/// Reads an amount typed by a person into minor units of a currency with `exponent`
/// digits: "1500", "1500.5", "1 500,50". Refused: signs, exponents ("1e3"), zero, more
/// digits than the currency has ("10.005" for RUB), and absurd sizes.
pub fn parse_amount(raw: &str, exponent: i32) -> Result<i64, String> {
    let text: String = raw
        .trim()
        .chars()
        .filter(|c| *c != ' ' && *c != '\u{a0}')
        .collect::<String>()
        .replace(',', ".");
    let plain = !text.is_empty()
        && text.chars().all(|c| c.is_ascii_digit() || c == '.')
        && text.matches('.').count() <= 1
        && !text.starts_with('.')
        && !text.ends_with('.');
    if !plain {
        return Err("Enter the amount as a number, like 1500 or 1500.50.".into());
    }
    let value: Decimal = text
        .parse()
        .map_err(|_| "Enter the amount as a number, like 1500 or 1500.50.".to_owned())?;
    let exponent = exponent.clamp(0, 4) as u32;
    if value.scale() > exponent {
        return Err(match exponent {
            0 => "This currency has no fractions; enter a whole amount.".into(),
            e => format!("Use at most {e} digits after the decimal point."),
        });
    }
    if value.is_zero() {
        return Err("The amount must be greater than zero.".into());
    }
    if value > Decimal::from(MAX_UNITS) {
        return Err("That amount is too large; check it.".into());
    }
    let minor = value * Decimal::from(10_i64.pow(exponent));
    minor
        .trunc()
        .to_string()
        .parse::<i64>()
        .map_err(|_| "That amount is too large; check it.".into())
}

/// The project's one rounding rule: half away from zero, to `exponent` digits.
pub fn round(amount: Decimal, exponent: u32) -> Decimal {
    amount.round_dp_with_strategy(exponent, RoundingStrategy::MidpointAwayFromZero)
}

/// A price in minor units less a discount in basis points (1250 is 12.50 %), rounded once
/// by `round` to the currency's minor unit: 999.99 less 15 % is 849.9915, charged 849.99;
/// 0.05 less 50 % is 0.025, charged 0.03.
pub fn discounted(minor: i64, exponent: i32, discount_bp: i32) -> i64 {
    let exponent = exponent.clamp(0, 28) as u32;
    let price = Decimal::new(minor, exponent);
    let share = Decimal::new(10_000 - i64::from(discount_bp.clamp(0, 10_000)), 4);
    let mut rounded = round(price * share, exponent);
    rounded.rescale(exponent);
    // A discounted price is never more than the price, so it fits where the price did.
    i64::try_from(rounded.mantissa()).unwrap_or(minor)
}

// Pages write amounts escaped, as any text.
crate::domain::text::written_by_write!(Money);

impl Money {
    /// `1,234,567.50 RUB`: digits grouped by three, all minor digits shown.
    fn write(&self, f: &mut dyn std::fmt::Write) -> std::fmt::Result {
        // The amount's digits are its mantissa's and its scale counts the minor ones, as
        // `Decimal` writes it: 0.05 is 5 at scale 2. Built on the stack; a mantissa beyond
        // u64 (never a stored amount) takes `Decimal`'s own text.
        let scale = self.amount.scale() as usize;
        let mut buffer = [b'0'; 48];
        let long;
        let text = match u64::try_from(self.amount.mantissa().unsigned_abs()) {
            Ok(mut n) => {
                let mut start = buffer.len();
                loop {
                    start -= 1;
                    buffer[start] = b'0' + (n % 10) as u8;
                    n /= 10;
                    if n == 0 {
                        break;
                    }
                }
                // At least one whole digit: the buffer is zeros already.
                start = start.min(buffer.len() - scale - 1);
                std::str::from_utf8(&buffer[start..]).map_err(|_| std::fmt::Error)?
            }
            Err(_) => {
                long = self.amount.abs().to_string();
                long.as_str()
            }
        };
        let (whole, fraction) = match text.split_once('.') {
            Some(parts) => parts,
            None => text.split_at(text.len() - scale.min(text.len())),
        };
        if self.is_negative() {
            f.write_str("−")?;
        }
        // ASCII digits: the groups of three are byte ranges.
        let first = match whole.len() % 3 {
            0 => 3.min(whole.len()),
            n => n,
        };
        f.write_str(&whole[..first])?;
        let mut at = first;
        while at < whole.len() {
            f.write_str(",")?;
            f.write_str(&whole[at..at + 3])?;
            at += 3;
        }
        if !fraction.is_empty() {
            f.write_str(".")?;
            f.write_str(fraction)?;
        }
        f.write_str(" ")?;
        f.write_str(&self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discounts_round_once_half_away_from_zero() {
        assert_eq!(discounted(99_999, 2, 1500), 84_999);
        assert_eq!(discounted(5, 2, 5000), 3);
        assert_eq!(discounted(100_000, 2, 0), 100_000);
        assert_eq!(discounted(100_000, 2, 10_000), 0);
        assert_eq!(discounted(100_000, 2, 1250), 87_500);
        assert_eq!(discounted(333, 0, 3333), 222);
        assert_eq!(discounted(0, 2, 2500), 0);
    }

    #[test]
    fn displays_minor_units_exactly() {
        assert_eq!(Money::from_minor(0, 2, "RUB").to_string(), "0.00 RUB");
        assert_eq!(Money::from_minor(12345, 2, "EUR").to_string(), "123.45 EUR");
        assert_eq!(
            Money::from_minor(123456750, 2, "USD").to_string(),
            "1,234,567.50 USD"
        );
        assert_eq!(Money::from_minor(-5, 2, "USD").to_string(), "−0.05 USD");
        assert_eq!(Money::from_minor(1000, 0, "JPY").to_string(), "1,000 JPY");
        assert_eq!(Money::from_minor(999, 0, "JPY").to_string(), "999 JPY");
        assert_eq!(
            Money::from_minor(-100000, 0, "JPY").to_string(),
            "−100,000 JPY"
        );
        assert_eq!(
            Money::from_minor(-99999999, 2, "EUR").to_string(),
            "−999,999.99 EUR"
        );
        assert_eq!(Money::from_minor(5, 4, "BHD").to_string(), "0.0005 BHD");
        assert_eq!(
            Money::from_minor(-123456, 4, "BHD").to_string(),
            "−12.3456 BHD"
        );
        assert_eq!(
            Money::from_minor(i64::MIN, 2, "USD").to_string(),
            "−92,233,720,368,547,758.08 USD"
        );
        // A mantissa beyond 64 bits is written from the decimal's own text.
        let huge = Money {
            amount: Decimal::from_i128_with_scale(123_456_789_012_345_678_901_234, 3),
            currency: "USD".into(),
        };
        assert_eq!(huge.to_string(), "123,456,789,012,345,678,901.234 USD");
    }

    #[test]
    fn parses_amounts_in_the_currencys_precision() {
        assert_eq!(parse_amount("1500", 2).unwrap(), 150_000);
        assert_eq!(parse_amount("1500.5", 2).unwrap(), 150_050);
        assert_eq!(parse_amount(" 1 500,50 ", 2).unwrap(), 150_050);
        assert_eq!(parse_amount("0.01", 2).unwrap(), 1);
        assert_eq!(parse_amount("1000", 0).unwrap(), 1000);
        for bad in [
            "10.005",
            "1e3",
            "-5",
            "+5",
            "0",
            "0.00",
            "",
            "abc",
            "1.2.3",
            ".5",
            "5.",
            "99999999999",
        ] {
            assert!(parse_amount(bad, 2).is_err(), "{bad:?} was accepted");
        }
        assert!(parse_amount("10.5", 0).is_err());
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(round(Decimal::new(1005, 3), 2), Decimal::new(101, 2));
        assert_eq!(round(Decimal::new(-1005, 3), 2), Decimal::new(-101, 2));
        assert_eq!(round(Decimal::new(1004, 3), 2), Decimal::new(100, 2));
    }
}
