//! The `companies` table and its link to providers: the legal entities that sell services
//! and issue every accounting document.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{companies, company_providers};
use crate::ids::{CompanyId, ProviderId};

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = companies)]
pub struct Company {
    pub id: CompanyId,
    pub legal_name: String,
    /// `legal_entity` or `sole_proprietor`.
    pub kind: String,
    pub tax_id: String,
    pub registration_number: String,
    pub legal_address: String,
    pub postal_address: String,
    pub bank_details: String,
    pub email: String,
    pub phone: String,
    pub created_at: NaiveDateTime,
    /// Two-letter code; a Russian company's tax id is an INN, checked as a payer's.
    pub country: String,
    /// A Russian legal entity's KPP (9 digits).
    pub kpp: String,
    /// Who signs the company's documents, and as what.
    pub signatory_name: String,
    pub signatory_title: String,
    /// `none` or `vat_included` (`domain::documents::Tax`).
    pub tax_mode: String,
    /// The VAT rate in basis points.
    pub tax_rate_bp: i32,
    /// Days a bill gives to pay.
    pub bill_due_days: i32,
    pub bill_prefix: String,
    pub act_prefix: String,
    pub credit_note_prefix: String,
    pub reconciliation_prefix: String,
}

/// What a new or edited company holds.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = companies)]
pub struct CompanyFields<'a> {
    pub legal_name: &'a str,
    pub kind: &'a str,
    pub tax_id: &'a str,
    pub registration_number: &'a str,
    pub legal_address: &'a str,
    pub postal_address: &'a str,
    pub bank_details: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub country: &'a str,
    pub kpp: &'a str,
    pub signatory_name: &'a str,
    pub signatory_title: &'a str,
    pub tax_mode: &'a str,
    pub tax_rate_bp: i32,
    pub bill_due_days: i32,
    pub bill_prefix: &'a str,
    pub act_prefix: &'a str,
    pub credit_note_prefix: &'a str,
    pub reconciliation_prefix: &'a str,
}

impl Company {
    pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Company>> {
        companies::table
            .order((companies::legal_name, companies::id))
            .load(conn)
    }

    pub fn find(conn: &mut DbConnection, id: CompanyId) -> QueryResult<Option<Company>> {
        companies::table.find(id).first(conn).optional()
    }

    pub fn insert(
        conn: &mut DbConnection,
        fields: &CompanyFields<'_>,
        now: NaiveDateTime,
    ) -> QueryResult<Company> {
        diesel::insert_into(companies::table)
            .values((fields, companies::created_at.eq(now)))
            .returning(companies::all_columns)
            .get_result(conn)
    }

    pub fn update(
        conn: &mut DbConnection,
        id: CompanyId,
        fields: &CompanyFields<'_>,
    ) -> QueryResult<Company> {
        diesel::update(companies::table.find(id))
            .set(fields)
            .returning(companies::all_columns)
            .get_result(conn)
    }

    /// The company that issues a provider's documents where nothing names another: the
    /// first (by id) of those working for it.
    pub fn first_of_provider(
        conn: &mut DbConnection,
        provider: ProviderId,
    ) -> QueryResult<Option<Company>> {
        companies::table
            .inner_join(company_providers::table)
            .filter(company_providers::provider_id.eq(provider))
            .order(companies::id)
            .select(companies::all_columns)
            .first(conn)
            .optional()
    }

    /// Each provider's first company (by id): (provider, company).
    pub fn first_per_provider(conn: &mut DbConnection) -> QueryResult<Vec<(ProviderId, Company)>> {
        let rows: Vec<(ProviderId, Company)> = companies::table
            .inner_join(company_providers::table)
            .order((company_providers::provider_id, companies::id))
            .select((company_providers::provider_id, companies::all_columns))
            .load(conn)?;
        let mut first: Vec<(ProviderId, Company)> = Vec::new();
        for (provider, company) in rows {
            if first.last().is_none_or(|(p, _)| *p != provider) {
                first.push((provider, company));
            }
        }
        Ok(first)
    }

    /// The providers the company works for.
    pub fn provider_ids(conn: &mut DbConnection, id: CompanyId) -> QueryResult<Vec<ProviderId>> {
        company_providers::table
            .filter(company_providers::company_id.eq(id))
            .select(company_providers::provider_id)
            .load(conn)
    }

    /// Every (company, provider) link, for lists.
    pub fn all_links(conn: &mut DbConnection) -> QueryResult<Vec<(CompanyId, ProviderId)>> {
        company_providers::table
            .select((
                company_providers::company_id,
                company_providers::provider_id,
            ))
            .load(conn)
    }

    pub fn set_providers(
        conn: &mut DbConnection,
        id: CompanyId,
        providers: &[ProviderId],
    ) -> QueryResult<()> {
        diesel::delete(company_providers::table.filter(company_providers::company_id.eq(id)))
            .execute(conn)?;
        for provider_id in providers {
            diesel::insert_into(company_providers::table)
                .values((
                    company_providers::company_id.eq(id),
                    company_providers::provider_id.eq(*provider_id),
                ))
                .execute(conn)?;
        }
        Ok(())
    }
}
