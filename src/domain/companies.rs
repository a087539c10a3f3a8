//! Companies: the legal entities that sell services and issue accounting documents, each
//! working for one or more providers.

use crate::db::models::company::CompanyFields;
use crate::db::models::{Company, Provider};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Changes, Target};
use crate::domain::email::Email;
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError, FieldErrors, text};
use crate::ids::{CompanyId, ProviderId};

pub const KINDS: &[(&str, &str)] = &[
    ("legal_entity", "Legal entity"),
    ("sole_proprietor", "Sole proprietor"),
];

/// The label of a company kind.
pub fn kind_label(kind: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("Unknown", |(_, label)| label)
}

/// A checked company.
#[derive(Debug, Clone)]
pub struct CompanyInput {
    pub legal_name: String,
    pub kind: &'static str,
    pub tax_id: String,
    pub registration_number: String,
    pub legal_address: String,
    pub postal_address: String,
    pub bank_details: String,
    pub email: String,
    pub phone: String,
    pub provider_ids: Vec<ProviderId>,
    pub country: String,
    pub kpp: String,
    pub signatory_name: String,
    pub signatory_title: String,
    pub tax_mode: &'static str,
    pub tax_rate_bp: i32,
    pub bill_due_days: i32,
    pub bill_prefix: String,
    pub act_prefix: String,
    pub credit_note_prefix: String,
    pub reconciliation_prefix: String,
}

/// The raw form values of a company.
#[derive(Debug, Default, Clone)]
pub struct CompanyRaw<'a> {
    pub legal_name: &'a str,
    pub kind: &'a str,
    pub tax_id: &'a str,
    pub registration_number: &'a str,
    pub legal_address: &'a str,
    pub postal_address: &'a str,
    pub bank_details: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub provider_ids: &'a [String],
    pub country: &'a str,
    pub kpp: &'a str,
    pub signatory_name: &'a str,
    pub signatory_title: &'a str,
    pub tax_mode: &'a str,
    /// The VAT rate in per cent, as typed: "20", "10", "0".
    pub tax_rate: &'a str,
    pub bill_due_days: &'a str,
    pub bill_prefix: &'a str,
    pub act_prefix: &'a str,
    pub credit_note_prefix: &'a str,
    pub reconciliation_prefix: &'a str,
}

impl CompanyInput {
    pub fn parse(raw: &CompanyRaw<'_>) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut field = |name: &str, value: &str, max: usize| {
            text::optional(value, max)
                .map_err(|m| errors.add(name, m))
                .unwrap_or_default()
        };
        let tax_id = field("tax_id", raw.tax_id, 20);
        let registration_number = field("registration_number", raw.registration_number, 30);
        let phone = field("phone", raw.phone, 40);
        let country = field("country", raw.country, 2).to_ascii_uppercase();
        let kpp = field("kpp", raw.kpp, 9);
        let signatory_name = field("signatory_name", raw.signatory_name, 200);
        let signatory_title = field("signatory_title", raw.signatory_title, 200);
        let mut lines = |name: &str, value: &str, max: usize| {
            text::optional_lines(value, max)
                .map_err(|m| errors.add(name, m))
                .unwrap_or_default()
        };
        let legal_address = lines("legal_address", raw.legal_address, 500);
        let postal_address = lines("postal_address", raw.postal_address, 500);
        let bank_details = lines("bank_details", raw.bank_details, 1000);
        let legal_name = text::required(raw.legal_name, 300, "Enter the company's legal name.")
            .map_err(|m| errors.add("legal_name", m))
            .unwrap_or_default();
        let kind = KINDS
            .iter()
            .find(|(k, _)| *k == raw.kind.trim())
            .map(|(k, _)| *k);
        if kind.is_none() {
            errors.add("kind", "Choose legal entity or sole proprietor.");
        }
        let email = match raw.email.trim() {
            "" => String::new(),
            value => Email::parse(value)
                .map(|e| e.to_string())
                .map_err(|m| errors.add("email", m))
                .unwrap_or_default(),
        };
        if !country.is_empty()
            && (country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()))
        {
            errors.add("country", "Use the two-letter country code, like RU or DE.");
        }
        if !kpp.is_empty() && (kpp.len() != 9 || !kpp.chars().all(|c| c.is_ascii_digit())) {
            errors.add("kpp", "A KPP has 9 digits.");
        }
        if !kpp.is_empty() && raw.kind.trim() != "legal_entity" {
            errors.add("kpp", "Only a legal entity has a KPP.");
        }
        if !tax_id.is_empty()
            && let Err(m) = crate::domain::payers::check_tax_id(&country, raw.kind.trim(), &tax_id)
        {
            errors.add("tax_id", m);
        }
        // Left empty, the document settings take their defaults.
        let tax_mode = crate::domain::documents::TAX_MODES
            .iter()
            .find(|(k, _)| {
                *k == raw.tax_mode.trim() || raw.tax_mode.trim().is_empty() && *k == "none"
            })
            .map(|(k, _)| *k);
        if tax_mode.is_none() {
            errors.add("tax_mode", "Choose how the company counts VAT.");
        }
        let tax_rate_bp = match (tax_mode, raw.tax_rate.trim()) {
            (
                Some(
                    crate::domain::documents::TAX_VAT_INCLUDED
                    | crate::domain::documents::TAX_VAT_ON_TOP,
                ),
                rate,
            ) => match crate::domain::client_groups::parse_discount(rate) {
                Ok(bp) if bp > 0 && bp <= 5000 => bp,
                _ => {
                    errors.add(
                        "tax_rate",
                        "Enter the VAT rate in per cent, like 20 (at most 50).",
                    );
                    0
                }
            },
            _ => 0,
        };
        let bill_due_days = match Some(raw.bill_due_days.trim())
            .filter(|d| !d.is_empty())
            .unwrap_or("5")
            .parse::<i32>()
        {
            Ok(days) if (0..=365).contains(&days) => days,
            _ => {
                errors.add(
                    "bill_due_days",
                    "Enter the days a bill gives to pay, 0 to 365.",
                );
                5
            }
        };
        let mut prefix = |name: &str, value: &str, default: &str| {
            let value = Some(value.trim())
                .filter(|v| !v.is_empty())
                .unwrap_or(default);
            if value.is_empty()
                || value.len() > 10
                || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '/')
            {
                errors.add(name, "A prefix is 1 to 10 letters and digits, like INV.");
            }
            value.to_string()
        };
        let bill_prefix = prefix("bill_prefix", raw.bill_prefix, "INV");
        let act_prefix = prefix("act_prefix", raw.act_prefix, "ACT");
        let credit_note_prefix = prefix("credit_note_prefix", raw.credit_note_prefix, "CN");
        let reconciliation_prefix =
            prefix("reconciliation_prefix", raw.reconciliation_prefix, "REC");
        let mut provider_ids = Vec::new();
        for id in raw.provider_ids {
            match id.parse() {
                Ok(id) => provider_ids.push(id),
                Err(_) => errors.add("provider_ids", "Choose providers from the list."),
            }
        }
        provider_ids.sort();
        provider_ids.dedup();
        match kind {
            Some(kind) if errors.is_empty() => Ok(Self {
                legal_name,
                kind,
                tax_id,
                registration_number,
                legal_address,
                postal_address,
                bank_details,
                email,
                phone,
                provider_ids,
                country,
                kpp,
                signatory_name,
                signatory_title,
                tax_mode: tax_mode.unwrap_or(crate::domain::documents::TAX_NONE),
                tax_rate_bp,
                bill_due_days,
                bill_prefix,
                act_prefix,
                credit_note_prefix,
                reconciliation_prefix,
            }),
            _ => Err(errors),
        }
    }

    fn fields(&self) -> CompanyFields<'_> {
        CompanyFields {
            legal_name: &self.legal_name,
            kind: self.kind,
            tax_id: &self.tax_id,
            registration_number: &self.registration_number,
            legal_address: &self.legal_address,
            postal_address: &self.postal_address,
            bank_details: &self.bank_details,
            email: &self.email,
            phone: &self.phone,
            country: &self.country,
            kpp: &self.kpp,
            signatory_name: &self.signatory_name,
            signatory_title: &self.signatory_title,
            tax_mode: self.tax_mode,
            tax_rate_bp: self.tax_rate_bp,
            bill_due_days: self.bill_due_days,
            bill_prefix: &self.bill_prefix,
            act_prefix: &self.act_prefix,
            credit_note_prefix: &self.credit_note_prefix,
            reconciliation_prefix: &self.reconciliation_prefix,
        }
    }
}

/// Companies with the names of the providers each works for.
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<Vec<(Company, Vec<String>)>, DomainError> {
    require(actor, permissions::SETTINGS_VIEW)?;
    let providers = Provider::choices(conn)?;
    let links = Company::all_links(conn)?;
    Ok(Company::all(conn)?
        .into_iter()
        .map(|company| {
            let names = links
                .iter()
                .filter(|(c, _)| *c == company.id)
                .filter_map(|(_, p)| {
                    providers
                        .iter()
                        .find(|x| x.id == *p)
                        .map(|x| x.name.clone())
                })
                .collect();
            (company, names)
        })
        .collect())
}

pub fn get(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CompanyId,
) -> Result<(Company, Vec<ProviderId>), DomainError> {
    require(actor, permissions::SETTINGS_VIEW)?;
    let company = Company::find(conn, id)?.ok_or(DomainError::NotFound)?;
    let providers = Company::provider_ids(conn, id)?;
    Ok((company, providers))
}

pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &CompanyInput,
) -> Result<Company, DomainError> {
    require(actor, permissions::SETTINGS_EDIT)?;
    db::write_transaction(conn, |conn| {
        check_providers(conn, input)?;
        let company = Company::insert(conn, &input.fields(), db::now())?;
        Company::set_providers(conn, company.id, &input.provider_ids)?;
        let mut changes = Changes::new();
        changes
            .set("legal name", &company.legal_name)
            .set("kind", kind_label(&company.kind))
            .set("providers", provider_names(conn, &input.provider_ids)?);
        audit::record(
            conn,
            actor,
            "company.create",
            Target::new("company", company.id),
            &changes.summary(),
        )?;
        Ok(company)
    })
}

pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CompanyId,
    input: &CompanyInput,
) -> Result<Company, DomainError> {
    require(actor, permissions::SETTINGS_EDIT)?;
    db::write_transaction(conn, |conn| {
        let before = Company::find(conn, id)?.ok_or(DomainError::NotFound)?;
        check_providers(conn, input)?;
        let providers_before = Company::provider_ids(conn, id)?;
        let after = Company::update(conn, id, &input.fields())?;
        Company::set_providers(conn, id, &input.provider_ids)?;
        let mut changes = Changes::new();
        changes
            .field("legal name", &before.legal_name, &after.legal_name)
            .field("kind", kind_label(&before.kind), kind_label(&after.kind))
            .field("tax id", &before.tax_id, &after.tax_id)
            .field(
                "registration number",
                &before.registration_number,
                &after.registration_number,
            )
            .field("legal address", &before.legal_address, &after.legal_address)
            .field(
                "postal address",
                &before.postal_address,
                &after.postal_address,
            )
            .field("bank details", &before.bank_details, &after.bank_details)
            .field("email", &before.email, &after.email)
            .field("phone", &before.phone, &after.phone)
            .field("country", &before.country, &after.country)
            .field("KPP", &before.kpp, &after.kpp)
            .field("signatory", &before.signatory_name, &after.signatory_name)
            .field(
                "signatory's title",
                &before.signatory_title,
                &after.signatory_title,
            )
            .field("tax", tax_summary(&before), tax_summary(&after))
            .field(
                "bill due days",
                before.bill_due_days.to_string(),
                after.bill_due_days.to_string(),
            )
            .field("prefixes", prefixes(&before), prefixes(&after))
            .field(
                "providers",
                provider_names(conn, &providers_before)?,
                provider_names(conn, &input.provider_ids)?,
            );
        if !changes.is_empty() {
            audit::record(
                conn,
                actor,
                "company.update",
                Target::new("company", id),
                &changes.summary(),
            )?;
        }
        Ok(after)
    })
}

fn check_providers(conn: &mut DbConnection, input: &CompanyInput) -> Result<(), DomainError> {
    let known = Provider::choices(conn)?;
    if input
        .provider_ids
        .iter()
        .all(|id| known.iter().any(|p| p.id == *id))
    {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "provider_ids",
            "Choose providers from the list.",
        ))
    }
}

fn provider_names(conn: &mut DbConnection, ids: &[ProviderId]) -> Result<String, DomainError> {
    let known = Provider::choices(conn)?;
    let mut names: Vec<&str> = ids
        .iter()
        .filter_map(|id| known.iter().find(|p| p.id == *id).map(|p| p.name.as_str()))
        .collect();
    names.sort();
    Ok(names.join(", "))
}

fn tax_summary(company: &Company) -> String {
    match crate::domain::documents::Tax::of(company) {
        crate::domain::documents::Tax::None => "no VAT".into(),
        tax => tax.label(),
    }
}

fn prefixes(company: &Company) -> String {
    format!(
        "{} {} {} {}",
        company.bill_prefix,
        company.act_prefix,
        company.credit_note_prefix,
        company.reconciliation_prefix
    )
}
