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
