//! The `outbox` table: mail to send after commit. Rows are written in the transaction of
//! what caused them. Nothing delivers them yet (#18 adds the SMTP sender); they wait here,
//! and `sent_at`, `attempts` and `last_error` are for that sender.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::outbox;
use crate::ids::OutboxId;

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = outbox)]
pub struct OutboxMail {
    pub id: OutboxId,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub attempts: i32,
    pub last_error: String,
    /// A mail about a document names it (its PDF goes with it once mail is delivered).
    pub document_id: Option<crate::ids::DocumentId>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = outbox)]
pub struct NewOutboxMail<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub created_at: NaiveDateTime,
}

impl OutboxMail {
    pub fn queue(conn: &mut DbConnection, mail: &NewOutboxMail<'_>) -> QueryResult<()> {
        crate::db::on_engine!(conn, |c| diesel::insert_into(outbox::table)
            .values(mail)
            .execute(c)
            .map(|_| ()))
    }

    /// Queues a mail about a document.
    pub fn queue_about(
        conn: &mut DbConnection,
        mail: &NewOutboxMail<'_>,
        document: crate::ids::DocumentId,
    ) -> QueryResult<()> {
        crate::db::on_engine!(conn, |c| diesel::insert_into(outbox::table)
            .values((mail, outbox::document_id.eq(document)))
            .execute(c)
            .map(|_| ()))
    }

    /// Forgets mail to `recipient` not sent yet (its addressee is gone).
    pub fn drop_unsent_to(conn: &mut DbConnection, recipient: &str) -> QueryResult<usize> {
        diesel::delete(
            outbox::table
                .filter(outbox::recipient.eq(recipient))
                .filter(outbox::sent_at.is_null()),
        )
        .execute(conn)
    }

    /// Mail to one recipient, newest first.
    pub fn to_recipient(conn: &mut DbConnection, recipient: &str) -> QueryResult<Vec<OutboxMail>> {
        outbox::table
            .filter(outbox::recipient.eq(recipient))
            .order(outbox::id.desc())
            .load(conn)
    }
}
