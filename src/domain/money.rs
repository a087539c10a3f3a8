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

/// The project's one rounding rule: half away from zero, to `exponent` digits.
pub fn round(amount: Decimal, exponent: u32) -> Decimal {
    amount.round_dp_with_strategy(exponent, RoundingStrategy::MidpointAwayFromZero)
}

impl std::fmt::Display for Money {
    /// `1,234,567.50 RUB`: digits grouped by three, all minor digits shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = self.amount.abs().to_string();
        let (whole, fraction) = match text.split_once('.') {
            Some((w, fr)) => (w, Some(fr)),
            None => (text.as_str(), None),
        };
        let mut grouped = String::new();
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        let sign = if self.is_negative() { "−" } else { "" };
        match fraction {
            Some(fr) => write!(f, "{sign}{grouped}.{fr} {}", self.currency),
            None => write!(f, "{sign}{grouped} {}", self.currency),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(round(Decimal::new(1005, 3), 2), Decimal::new(101, 2));
        assert_eq!(round(Decimal::new(-1005, 3), 2), Decimal::new(-101, 2));
        assert_eq!(round(Decimal::new(1004, 3), 2), Decimal::new(100, 2));
    }
}
