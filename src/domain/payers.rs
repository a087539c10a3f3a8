//! Payers: individual, sole proprietor or legal entity, with the fields each kind needs.
//! Payments, bills and acts are made out to a payer.

use crate::db::models::{Payer, PayerFields};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Changes, Target};
use crate::domain::client_permissions::{self, PAYERS};
use crate::domain::email::Email;
use crate::domain::{Actor, DomainError, FieldErrors, clients, text};
use crate::ids::PayerId;

pub const KINDS: &[(&str, &str)] = &[
    ("individual", "Individual"),
    ("sole_proprietor", "Sole proprietor"),
    ("legal_entity", "Legal entity"),
];

pub fn kind_label(kind: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("Unknown", |(_, l)| l)
}

/// Checks a tax id's shape for its country and kind. Russia (INN): 10 digits for legal
/// entities, 12 for individuals and sole proprietors, with check digits. Elsewhere:
/// 4 to 20 letters and digits.
/// A Russian INN's check digit over `digits` with these weights.
fn inn_check(weights: &[u32], digits: &[u32]) -> u32 {
    weights.iter().zip(digits).map(|(w, d)| w * d).sum::<u32>() % 11 % 10
}

const INN_10: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN_12_FIRST: [u32; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN_12_SECOND: [u32; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

/// An INN made whole from its first digits: nine digits get the legal entity's check digit,
/// ten get a person's two (demo data, made to pass `check_tax_id`).
pub fn inn_with_check_digits(base: &str) -> String {
    let mut digits: Vec<u32> = base.chars().filter_map(|c| c.to_digit(10)).collect();
    match digits.len() {
        9 => digits.push(inn_check(&INN_10, &digits)),
        10 => {
            digits.push(inn_check(&INN_12_FIRST, &digits));
            digits.push(inn_check(&INN_12_SECOND, &digits));
        }
        _ => {}
    }
    digits.iter().map(|d| char::from(b'0' + *d as u8)).collect()
}

pub fn check_tax_id(country: &str, kind: &str, tax_id: &str) -> Result<(), String> {
    if country == "RU" {
        let digits: Vec<u32> = tax_id.chars().filter_map(|c| c.to_digit(10)).collect();
        if digits.len() != tax_id.chars().count() {
            return Err("A Russian INN has digits only.".into());
        }
        let check = inn_check;
        return match (kind, digits.len()) {
            ("legal_entity", 10) => {
                if check(&INN_10, &digits) == digits[9] {
                    Ok(())
                } else {
                    Err("This INN's check digit is wrong; check the number.".into())
                }
            }
            ("legal_entity", _) => Err("A legal entity's INN has 10 digits.".into()),
            (_, 12) => {
                let first = check(&INN_12_FIRST, &digits);
                let second = check(&INN_12_SECOND, &digits);
                if first == digits[10] && second == digits[11] {
                    Ok(())
                } else {
                    Err("This INN's check digits are wrong; check the number.".into())
                }
            }
            _ => Err("An individual's or sole proprietor's INN has 12 digits.".into()),
        };
    }
    let len = tax_id.chars().count();
    if (4..=20).contains(&len) && tax_id.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err("A tax id is 4 to 20 letters and digits, without spaces.".into())
    }
}

/// A checked payer.
#[derive(Debug, Clone)]
pub struct PayerInput {
    pub kind: &'static str,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub country: String,
    pub postal_address: String,
    pub legal_address: String,
    pub tax_id: String,
    pub registration_number: String,
    pub contact_person: String,
    pub bank_details: String,
}

#[derive(Debug, Default)]
pub struct PayerRaw<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub country: &'a str,
    pub postal_address: &'a str,
    pub legal_address: &'a str,
    pub tax_id: &'a str,
    pub registration_number: &'a str,
    pub contact_person: &'a str,
    pub bank_details: &'a str,
}

impl PayerInput {
    pub fn parse(raw: &PayerRaw<'_>) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let kind = KINDS
            .iter()
            .find(|(k, _)| *k == raw.kind.trim())
            .map(|(k, _)| *k);
        let Some(kind) = kind else {
            errors.add(
                "kind",
                "Choose individual, sole proprietor or legal entity.",
            );
            return Err(errors);
        };
        let organisation = kind != "individual";
        // Which fields each kind must have.
        let required: &[&str] = match kind {
            "individual" => &["name", "email", "phone", "postal_address"],
            "sole_proprietor" => &[
                "name",
                "tax_id",
                "legal_address",
                "postal_address",
                "contact_person",
                "email",
                "phone",
            ],
            _ => &[
                "name",
                "tax_id",
                "legal_address",
                "postal_address",
                "contact_person",
                "email",
                "phone",
                "registration_number",
                "bank_details",
            ],
        };
        // Addresses and bank details take several lines, as their text boxes do.
        let multi_line = ["postal_address", "legal_address", "bank_details"];
        let mut field = |name: &str, value: &str, max: usize| -> String {
            let missing = "This is required for this kind of payer.";
            let result = match (required.contains(&name), multi_line.contains(&name)) {
                (true, true) => text::required_lines(value, max, missing),
                (true, false) => text::required(value, max, missing),
                (false, true) => text::optional_lines(value, max),
                (false, false) => text::optional(value, max),
            };
            result.map_err(|m| errors.add(name, m)).unwrap_or_default()
        };
        let name = field("name", raw.name, 300);
        let email = field("email", raw.email, 254);
        let phone = field("phone", raw.phone, 40);
        let postal_address = field("postal_address", raw.postal_address, 500);
        let legal_address = field("legal_address", raw.legal_address, 500);
        let tax_id = field("tax_id", raw.tax_id, 20).replace(' ', "");
        let registration_number = field("registration_number", raw.registration_number, 30);
        let contact_person = field("contact_person", raw.contact_person, 200);
        let bank_details = field("bank_details", raw.bank_details, 1000);
        let country = text::optional(raw.country, 2)
            .map_err(|m| errors.add("country", m))
            .unwrap_or_default()
            .to_uppercase();
        if !country.is_empty()
            && (country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()))
        {
            errors.add("country", "Use the two-letter country code, like RU or DE.");
        }
        if !email.is_empty()
            && let Err(m) = Email::parse(&email)
        {
            errors.add("email", m);
        }
        if !tax_id.is_empty()
            && let Err(m) = check_tax_id(&country, kind, &tax_id)
        {
            errors.add("tax_id", m);
        }
        if organisation && country.is_empty() {
            errors.add("country", "Choose the country the payer is registered in.");
        }
        // Fields the kind does not use are not kept (nor searched) after a change of kind.
        let (legal_address, contact_person) = if organisation {
            (legal_address, contact_person)
        } else {
            (String::new(), String::new())
        };
        let (registration_number, bank_details) = if kind == "legal_entity" {
            (registration_number, bank_details)
        } else {
            (String::new(), String::new())
        };
        // The form has no tax id for individuals: a value sent from a hidden field is stale.
        let tax_id = if organisation { tax_id } else { String::new() };
        if errors.is_empty() {
            Ok(Self {
                kind,
                name,
                email: email.to_lowercase(),
                phone,
                country,
                postal_address,
                legal_address,
                tax_id,
                registration_number,
                contact_person,
                bank_details,
            })
        } else {
            Err(errors)
        }
    }

    fn fields(&self) -> PayerFields<'_> {
        PayerFields {
            kind: self.kind,
            name: &self.name,
            email: &self.email,
            phone: &self.phone,
            country: &self.country,
            postal_address: &self.postal_address,
            legal_address: &self.legal_address,
            tax_id: &self.tax_id,
            registration_number: &self.registration_number,
            contact_person: &self.contact_person,
            bank_details: &self.bank_details,
        }
    }
}

/// The actor's client's payers.
pub fn list(conn: &mut DbConnection, actor: &Actor) -> Result<Vec<Payer>, DomainError> {
    let client_id = client_permissions::require(conn, actor, PAYERS)?;
    Ok(Payer::of_client(conn, client_id)?)
}

/// One payer of the actor's client; another client's payer is `NotFound`.
pub fn get(conn: &mut DbConnection, actor: &Actor, id: PayerId) -> Result<Payer, DomainError> {
    let client_id = client_permissions::require(conn, actor, PAYERS)?;
    Payer::find_of_client(conn, client_id, id)?.ok_or(DomainError::NotFound)
}

pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &PayerInput,
) -> Result<Payer, DomainError> {
    let client_id = client_permissions::require(conn, actor, PAYERS)?;
    db::write_transaction(conn, |conn| {
        let payer = Payer::insert(conn, client_id, &input.fields(), db::now())?;
        clients::reindex(conn, client_id)?;
        let mut changes = Changes::new();
        changes
            .set("kind", kind_label(&payer.kind))
            .set("name", &payer.name)
            .set("tax id", &payer.tax_id);
        audit::record(
            conn,
            actor,
            "payer.create",
            Target::new("payer", payer.id),
            &changes.summary(),
        )?;
        Ok(payer)
    })
}

pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    id: PayerId,
    input: &PayerInput,
) -> Result<Payer, DomainError> {
    let client_id = client_permissions::require(conn, actor, PAYERS)?;
    db::write_transaction(conn, |conn| {
        let before = Payer::find_of_client(conn, client_id, id)?.ok_or(DomainError::NotFound)?;
        let after = Payer::update(conn, id, &input.fields())?;
        clients::reindex(conn, client_id)?;
        let mut changes = Changes::new();
        changes
            .field("kind", kind_label(&before.kind), kind_label(&after.kind))
            .field("name", &before.name, &after.name)
            .field("tax id", &before.tax_id, &after.tax_id)
            .field("email", &before.email, &after.email)
            .field("phone", &before.phone, &after.phone)
            .field("legal address", &before.legal_address, &after.legal_address)
            .field(
                "postal address",
                &before.postal_address,
                &after.postal_address,
            )
            .field("bank details", &before.bank_details, &after.bank_details)
            .field("country", &before.country, &after.country)
            .field(
                "contact person",
                &before.contact_person,
                &after.contact_person,
            )
            .field(
                "registration number",
                &before.registration_number,
                &after.registration_number,
            );
        if !changes.is_empty() {
            audit::record(
                conn,
                actor,
                "payer.update",
                Target::new("payer", id),
                &changes.summary(),
            )?;
        }
        Ok(after)
    })
}

/// Whether money has moved in the payer's name.
pub fn has_financial_history(conn: &mut DbConnection, id: PayerId) -> Result<bool, DomainError> {
    crate::domain::payments::payer_has_history(conn, id)
}

pub fn delete(conn: &mut DbConnection, actor: &Actor, id: PayerId) -> Result<Payer, DomainError> {
    let client_id = client_permissions::require(conn, actor, PAYERS)?;
    db::write_transaction(conn, |conn| {
        let payer = Payer::find_of_client(conn, client_id, id)?.ok_or(DomainError::NotFound)?;
        if has_financial_history(conn, id)? {
            return Err(DomainError::invalid(
                "delete",
                "Money has moved in this payer's name, so it stays on record.",
            ));
        }
        Payer::delete(conn, id)?;
        clients::reindex(conn, client_id)?;
        audit::record(
            conn,
            actor,
            "payer.delete",
            Target::new("payer", id),
            &format!("name {:?}", payer.name),
        )?;
        Ok(payer)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inn_made_whole_passes_the_check() {
        let company = inn_with_check_digits("770000000");
        assert_eq!(company.len(), 10);
        assert_eq!(check_tax_id("RU", "legal_entity", &company), Ok(()));
        let person = inn_with_check_digits("5000000001");
        assert_eq!(person.len(), 12);
        assert_eq!(check_tax_id("RU", "individual", &person), Ok(()));
        assert_eq!(check_tax_id("RU", "sole_proprietor", &person), Ok(()));
        // A known real one: Sberbank, 7707083893.
        assert_eq!(inn_with_check_digits("770708389"), "7707083893");
    }

    #[test]
    fn russian_inn_check_digits() {
        assert!(check_tax_id("RU", "legal_entity", "7707083893").is_ok());
        assert!(check_tax_id("RU", "legal_entity", "7707083894").is_err());
        assert!(check_tax_id("RU", "legal_entity", "770708389").is_err());
        assert!(check_tax_id("RU", "individual", "500100732259").is_ok());
        assert!(check_tax_id("RU", "sole_proprietor", "500100732259").is_ok());
        assert!(check_tax_id("RU", "individual", "500100732258").is_err());
        assert!(
            check_tax_id("RU", "individual", "7707083893").is_err(),
            "10 digits is a company's INN"
        );
        assert!(check_tax_id("RU", "legal_entity", "77070838A3").is_err());
    }

    #[test]
    fn other_countries_need_a_plain_shape() {
        assert!(check_tax_id("DE", "legal_entity", "DE123456789").is_ok());
        assert!(check_tax_id("DE", "legal_entity", "DE 123").is_err());
        assert!(check_tax_id("", "individual", "12").is_err());
    }

    #[test]
    fn each_kind_needs_its_fields() {
        let individual = PayerRaw {
            kind: "individual",
            name: "Ann Lee",
            ..Default::default()
        };
        let errors = PayerInput::parse(&individual).unwrap_err();
        for field in ["email", "phone", "postal_address"] {
            assert!(errors.has(field), "{field}");
        }
        assert!(!errors.has("tax_id"), "an individual needs no tax id");
        let company = PayerRaw {
            kind: "legal_entity",
            name: "Acme",
            country: "RU",
            tax_id: "7707083893",
            ..Default::default()
        };
        let errors = PayerInput::parse(&company).unwrap_err();
        for field in [
            "legal_address",
            "postal_address",
            "contact_person",
            "email",
            "phone",
            "registration_number",
            "bank_details",
        ] {
            assert!(errors.has(field), "{field}");
        }
        assert!(!errors.has("tax_id"));
        let ok = PayerRaw {
            kind: "sole_proprietor",
            name: "IP Ivanov",
            country: "ru",
            tax_id: "500100732259",
            legal_address: "Moscow",
            postal_address: "Moscow",
            contact_person: "Ivan",
            email: "Ivan@Example.com",
            phone: "+7 900",
            ..Default::default()
        };
        let input = PayerInput::parse(&ok).unwrap();
        assert_eq!(input.country, "RU");
        assert_eq!(input.email, "ivan@example.com");
    }
}
