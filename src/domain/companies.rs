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
