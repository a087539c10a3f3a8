//! The `mail_templates` table: the texts of notices staff have edited, per notice and
//! language, for every provider (`provider_id` NULL) or for one.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::mail_templates;
use crate::ids::{EmployeeId, MailTemplateId, ProviderId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = mail_templates)]
pub struct MailTemplate {
    pub id: MailTemplateId,
    pub notice: String,
    pub language: String,
    pub provider_id: Option<ProviderId>,
    pub subject: String,
    pub body: String,
    pub updated_by: Option<EmployeeId>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = mail_templates)]
pub struct NewMailTemplate<'a> {
    pub notice: &'a str,
    pub language: &'a str,
    pub provider_id: Option<ProviderId>,
    pub subject: &'a str,
    pub body: &'a str,
    pub updated_by: Option<EmployeeId>,
    pub updated_at: NaiveDateTime,
}

impl MailTemplate {
    /// The edited template of a notice in a language: the provider's own when `provider`
    /// has one, else the one for every provider.
    pub fn edited(
        conn: &mut DbConnection,
        notice: &str,
        language: &str,
        provider: Option<ProviderId>,
    ) -> QueryResult<Option<MailTemplate>> {
        let mut found: Vec<MailTemplate> = mail_templates::table
            .filter(mail_templates::notice.eq(notice))
            .filter(mail_templates::language.eq(language))
            .filter(
                mail_templates::provider_id
                    .is_null()
                    .or(mail_templates::provider_id.eq(provider)),
            )
            .select(MailTemplate::as_select())
            .load(conn)?;
        found.sort_by_key(|t| t.provider_id.is_none());
        Ok(found.into_iter().next())
    }

    /// Exactly the template of (notice, language, provider), `None` meaning for every provider.
    pub fn find_exact(
        conn: &mut DbConnection,
        notice: &str,
        language: &str,
        provider: Option<ProviderId>,
    ) -> QueryResult<Option<MailTemplate>> {
        let query = mail_templates::table
            .filter(mail_templates::notice.eq(notice))
            .filter(mail_templates::language.eq(language))
            .select(MailTemplate::as_select())
            .into_boxed();
        let query = match provider {
            Some(id) => query.filter(mail_templates::provider_id.eq(id)),
            None => query.filter(mail_templates::provider_id.is_null()),
        };
        query.first(conn).optional()
    }

    /// Every edited template, for the list of notices.
    pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<MailTemplate>> {
        mail_templates::table
            .order(mail_templates::id)
            .select(MailTemplate::as_select())
            .load(conn)
    }

    pub fn insert(conn: &mut DbConnection, new: &NewMailTemplate<'_>) -> QueryResult<()> {
        diesel::insert_into(mail_templates::table)
            .values(new)
            .execute(conn)
            .map(|_| ())
    }

    pub fn update(
        conn: &mut DbConnection,
        id: MailTemplateId,
        subject: &str,
        body: &str,
        by: Option<EmployeeId>,
        at: NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::update(mail_templates::table.find(id))
            .set((
                mail_templates::subject.eq(subject),
                mail_templates::body.eq(body),
                mail_templates::updated_by.eq(by),
                mail_templates::updated_at.eq(at),
            ))
            .execute(conn)
            .map(|_| ())
    }

    pub fn delete(conn: &mut DbConnection, id: MailTemplateId) -> QueryResult<usize> {
        diesel::delete(mail_templates::table.find(id)).execute(conn)
    }
}
