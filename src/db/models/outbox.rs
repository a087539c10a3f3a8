//! The `outbox` table: mail to send after commit. Rows are written in the transaction of
//! what caused them; a worker (`crate::domain::mail::delivery`) claims waiting rows for a
//! while, sends them over SMTP and marks each sent, back to waiting with a later attempt,
//! or failed with the server's answer.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::outbox;
use crate::ids::OutboxId;

/// Not sent yet (never tried, or to be tried again at `next_attempt_at`).
pub const WAITING: &str = "waiting";
pub const SENT: &str = "sent";
/// Refused for good by the server, or still failing after the last try.
pub const FAILED: &str = "failed";
pub const STATUSES: &[&str] = &[WAITING, SENT, FAILED];
/// Why a message that waited too long was not sent.
pub const EXPIRED: &str = "not sent: still waiting three days after it was queued";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
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
    /// A mail about a document names it; its PDF is attached when the mail is sent.
    pub document_id: Option<crate::ids::DocumentId>,
    pub status: String,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub claim: String,
    pub message_id: String,
    /// The From as a mailbox (`Provider <billing@…>`); empty: the server's From.
    pub sender: String,
    /// The mailing it is part of.
    pub mailing_id: Option<crate::ids::MailingId>,
    /// A mailing's address to unsubscribe (`List-Unsubscribe`); empty for other mail.
    pub unsubscribe: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = outbox)]
pub struct NewOutboxMail<'a> {
    pub recipient: &'a str,
    /// The From (`Provider <billing@…>`); "" for the server's (`BILLPANEL_MAIL_FROM`).
    pub sender: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub created_at: NaiveDateTime,
}

/// A message of a mailing, queued with many others at once.
#[derive(Debug, Insertable)]
#[diesel(table_name = outbox)]
pub struct NewMailingMail<'a> {
    pub recipient: &'a str,
    pub sender: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub mailing_id: crate::ids::MailingId,
    pub unsubscribe: &'a str,
}

/// The filter of `/admin/outbox`.
#[derive(Debug, Clone, Default)]
pub struct OutboxFilter {
    pub status: Option<String>,
    pub recipient: Option<String>,
    /// Queued on or after / before.
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    pub before: Option<OutboxCursor>,
}

/// Where a page of the outbox ends: the last row's time and id, written
/// `20261207T132400.123456.812345` in links (microseconds, then the id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxCursor {
    pub at: NaiveDateTime,
    pub id: OutboxId,
}

impl OutboxCursor {
    pub fn of(mail: &OutboxMail) -> Self {
        Self {
            at: mail.created_at,
            id: mail.id,
        }
    }

    /// Reads a cursor from a link; anything else is no cursor (the first page).
    pub fn parse(raw: &str) -> Option<Self> {
        let (at, id) = raw.trim().rsplit_once('.')?;
        Some(Self {
            at: NaiveDateTime::parse_from_str(at, "%Y%m%dT%H%M%S%.f").ok()?,
            id: id.parse().ok()?,
        })
    }
}

impl std::fmt::Display for OutboxCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.at.format("%Y%m%dT%H%M%S%.6f"), self.id)
    }
}

/// How many messages are waiting and failed (sent ones are not counted: there are many),
/// each up to `COUNTED`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub waiting: i64,
    pub failed: i64,
}

/// Counts stop here.
pub const COUNTED: i64 = 500;

impl OutboxCounts {
    /// A count as the page shows it: "500+" once it reached the cap.
    pub fn shown(n: &i64) -> String {
        if *n >= COUNTED {
            format!("{COUNTED}+")
        } else {
            n.to_string()
        }
    }
}

impl OutboxMail {
    pub fn queue(conn: &mut DbConnection, mail: &NewOutboxMail<'_>) -> QueryResult<()> {
        crate::db::on_engine!(conn, |c| diesel::insert_into(outbox::table)
            .values((mail, outbox::next_attempt_at.eq(mail.created_at)))
            .execute(c)
            .map(|_| ()))
    }

    /// Queues messages of a mailing, in one statement.
    pub fn queue_many(conn: &mut DbConnection, mails: &[NewMailingMail<'_>]) -> QueryResult<usize> {
        crate::db::on_engine!(conn, |c| diesel::insert_into(outbox::table)
            .values(mails)
            .execute(c))
    }

    /// Which of `recipients` a mailing's messages went to already (an address that moved to
    /// a client further on while the mailing was being queued).
    pub fn already_in_mailing(
        conn: &mut DbConnection,
        mailing: crate::ids::MailingId,
        recipients: &[&str],
    ) -> QueryResult<Vec<String>> {
        outbox::table
            .filter(outbox::mailing_id.eq(mailing))
            .filter(outbox::recipient.eq_any(recipients.to_vec()))
            .select(outbox::recipient)
            .load(conn)
    }

    /// Queues a mail about a document.
    pub fn queue_about(
        conn: &mut DbConnection,
        mail: &NewOutboxMail<'_>,
        document: crate::ids::DocumentId,
    ) -> QueryResult<()> {
        crate::db::on_engine!(conn, |c| diesel::insert_into(outbox::table)
            .values((
                mail,
                outbox::next_attempt_at.eq(mail.created_at),
                outbox::document_id.eq(document),
            ))
            .execute(c)
            .map(|_| ()))
    }

    pub fn find(conn: &mut DbConnection, id: OutboxId) -> QueryResult<Option<OutboxMail>> {
        outbox::table
            .find(id)
            .select(OutboxMail::as_select())
            .first(conn)
            .optional()
    }

    /// Forgets mail to `recipient` not sent yet (its addressee is gone).
    pub fn drop_unsent_to(conn: &mut DbConnection, recipient: &str) -> QueryResult<usize> {
        diesel::delete(
            outbox::table
                .filter(outbox::recipient.eq(recipient))
                .filter(outbox::status.eq(WAITING)),
        )
        .execute(conn)
    }

    /// Mail to one recipient, newest first.
    pub fn to_recipient(conn: &mut DbConnection, recipient: &str) -> QueryResult<Vec<OutboxMail>> {
        outbox::table
            .filter(outbox::recipient.eq(recipient))
            .order(outbox::id.desc())
            .select(OutboxMail::as_select())
            .load(conn)
    }

    /// Claims up to `limit` messages due at `now` for `claim` until `until`: a message
    /// waiting, due, and not claimed by a worker whose claim still holds. On PostgreSQL rows
    /// another worker is claiming at this moment are skipped (`SKIP LOCKED`), so two workers
    /// never claim one message; SQLite has one writer at a time.
    pub fn claim_due(
        conn: &mut DbConnection,
        claim: &str,
        now: NaiveDateTime,
        until: NaiveDateTime,
        written_since: NaiveDateTime,
        limit: i64,
    ) -> QueryResult<Vec<OutboxMail>> {
        // Notices first, then a mailing's messages with the room left in the batch.
        let mut claimed = 0;
        for which in ["mailing_id IS NULL", "mailing_id IS NOT NULL"] {
            if claimed < limit as usize {
                claimed += Self::claim_some(
                    conn,
                    which,
                    claim,
                    now,
                    until,
                    written_since,
                    limit - claimed as i64,
                )?;
            }
        }
        if claimed == 0 {
            return Ok(Vec::new());
        }
        outbox::table
            .filter(outbox::claim.eq(claim))
            .filter(outbox::status.eq(WAITING))
            .order((outbox::next_attempt_at, outbox::id))
            .select(OutboxMail::as_select())
            .load(conn)
    }

    /// Claims up to `limit` due messages of one kind (`which`: notices or mailings).
    fn claim_some(
        conn: &mut DbConnection,
        which: &str,
        claim: &str,
        now: NaiveDateTime,
        until: NaiveDateTime,
        written_since: NaiveDateTime,
        limit: i64,
    ) -> QueryResult<usize> {
        use diesel::sql_types::{BigInt, Text, Timestamp};
        let due = format!(
            "SELECT id FROM outbox WHERE status = 'waiting' AND {which} \
             AND next_attempt_at <= {{now}} \
             AND (claimed_until IS NULL OR claimed_until < {{now}}) \
             AND created_at >= {{since}} \
             ORDER BY next_attempt_at, id LIMIT {{limit}}"
        );
        match conn {
            DbConnection::Sqlite(c) => {
                let due = due
                    .replace("{now}", "?3")
                    .replace("{since}", "?4")
                    .replace("{limit}", "?5");
                diesel::sql_query(format!(
                    "UPDATE outbox SET claim = ?1, claimed_until = ?2 WHERE id IN ({due})"
                ))
                .bind::<Text, _>(claim)
                .bind::<Timestamp, _>(until)
                .bind::<Timestamp, _>(now)
                .bind::<Timestamp, _>(written_since)
                .bind::<BigInt, _>(limit)
                .execute(c)
            }
            DbConnection::Postgresql(c) => {
                let due = due
                    .replace("{now}", "$3")
                    .replace("{since}", "$4")
                    .replace("{limit}", "$5");
                diesel::sql_query(format!(
                    "UPDATE outbox SET claim = $1, claimed_until = $2 \
                     WHERE id IN ({due} FOR UPDATE SKIP LOCKED)"
                ))
                .bind::<Text, _>(claim)
                .bind::<Timestamp, _>(until)
                .bind::<Timestamp, _>(now)
                .bind::<Timestamp, _>(written_since)
                .bind::<BigInt, _>(limit)
                .execute(c)
            }
        }
    }

    /// Sent: the claim is released, the Message-ID kept, and the body replaced by `body`
    /// (the same text with the secrets of its links hidden: a sent reset link is nobody's
    /// business in the database). False when the claim was no longer this worker's.
    pub fn mark_sent(
        conn: &mut DbConnection,
        id: OutboxId,
        claim: &str,
        message_id: &str,
        body: &str,
        now: NaiveDateTime,
    ) -> QueryResult<bool> {
        crate::db::on_engine!(conn, |c| diesel::update(
            outbox::table
                .find(id)
                .filter(outbox::claim.eq(claim))
                .filter(outbox::status.eq(WAITING))
        )
        .set((
            outbox::status.eq(SENT),
            outbox::sent_at.eq(now),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::message_id.eq(message_id),
            outbox::body.eq(body),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(""),
        ))
        .execute(c))
        .map(|n| n == 1)
    }

    /// A try that failed: waiting again from `next` or, when `next` is none, failed for good.
    pub fn mark_failed_try(
        conn: &mut DbConnection,
        id: OutboxId,
        claim: &str,
        error: &str,
        next: Option<NaiveDateTime>,
    ) -> QueryResult<bool> {
        let error: String = error.chars().take(1000).collect();
        crate::db::on_engine!(conn, |c| {
            let row = outbox::table
                .find(id)
                .filter(outbox::claim.eq(claim))
                .filter(outbox::status.eq(WAITING));
            match next {
                Some(next) => diesel::update(row)
                    .set((
                        outbox::attempts.eq(outbox::attempts + 1),
                        outbox::next_attempt_at.eq(next),
                        outbox::last_error.eq(&error),
                        outbox::claimed_until.eq(None::<NaiveDateTime>),
                    ))
                    .execute(c),
                None => diesel::update(row)
                    .set((
                        outbox::status.eq(FAILED),
                        outbox::attempts.eq(outbox::attempts + 1),
                        outbox::last_error.eq(&error),
                        outbox::claimed_until.eq(None::<NaiveDateTime>),
                    ))
                    .execute(c),
            }
        })
        .map(|n| n == 1)
    }

    /// Fails the messages still waiting that were queued before `before`: mail that could
    /// not go out for days (no SMTP server configured meanwhile, say) is not sent late.
    pub fn expire(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
        diesel::update(
            outbox::table
                .filter(outbox::status.eq(WAITING))
                .filter(outbox::created_at.lt(before))
                .filter(
                    outbox::claimed_until
                        .is_null()
                        .or(outbox::claimed_until.lt(before)),
                ),
        )
        .set((outbox::status.eq(FAILED), outbox::last_error.eq(EXPIRED)))
        .execute(conn)
    }

    /// Gives back the claim of messages this worker will not send now (its claim would run
    /// out before it got to them).
    pub fn release(conn: &mut DbConnection, ids: &[OutboxId], claim: &str) -> QueryResult<usize> {
        diesel::update(
            outbox::table
                .filter(outbox::id.eq_any(ids))
                .filter(outbox::claim.eq(claim))
                .filter(outbox::status.eq(WAITING)),
        )
        .set(outbox::claimed_until.eq(None::<NaiveDateTime>))
        .execute(conn)
    }

    /// A failed message waits again, due now, with every try ahead of it.
    pub fn send_again(
        conn: &mut DbConnection,
        id: OutboxId,
        now: NaiveDateTime,
    ) -> QueryResult<bool> {
        diesel::update(outbox::table.find(id).filter(outbox::status.eq(FAILED)))
            .set((
                outbox::status.eq(WAITING),
                outbox::attempts.eq(0),
                outbox::next_attempt_at.eq(now),
                outbox::claimed_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)
            .map(|n| n == 1)
    }

    /// Messages as the filter says, newest first; at most `limit`. After a cursor the page
    /// is read in two index seeks (`page_after_cursor`): the rest of the cursor's instant,
    /// then what came before it; a mailing queues thousands of messages at one instant.
    pub fn rows(
        conn: &mut DbConnection,
        filter: &OutboxFilter,
        limit: i64,
    ) -> QueryResult<Vec<OutboxMail>> {
        crate::db::on_engine!(conn, |c| {
            let filtered = || {
                let mut query = outbox::table.select(OutboxMail::as_select()).into_boxed();
                if let Some(status) = &filter.status {
                    query = query.filter(outbox::status.eq(status.clone()));
                }
                if let Some(recipient) = &filter.recipient {
                    query = query.filter(outbox::recipient.eq(recipient.clone()));
                }
                if let Some(from) = filter.from {
                    query = query.filter(outbox::created_at.ge(from));
                }
                if let Some(until) = filter.until {
                    query = query.filter(outbox::created_at.lt(until));
                }
                query
            };
            let Some(before) = filter.before else {
                return filtered()
                    .order((outbox::created_at.desc(), outbox::id.desc()))
                    .limit(limit)
                    .load(c);
            };
            crate::db::page_after_cursor(
                c,
                limit,
                |c, n| {
                    filtered()
                        .filter(outbox::created_at.eq(before.at))
                        .filter(outbox::id.lt(before.id))
                        .order(outbox::id.desc())
                        .limit(n)
                        .load(c)
                },
                |c, n| {
                    filtered()
                        .filter(outbox::created_at.lt(before.at))
                        .order((outbox::created_at.desc(), outbox::id.desc()))
                        .limit(n)
                        .load(c)
                },
            )
        })
    }

    /// How many messages wait and failed, each counted up to `COUNTED` (a page says "500+"
    /// beyond): counting every failed message of years of mail cost PostgreSQL a visit to
    /// each row (2 % of /healthz for every outbox page at 100,000 clients).
    pub fn counts(conn: &mut DbConnection) -> QueryResult<OutboxCounts> {
        let mut count = |status: &str| -> QueryResult<i64> {
            outbox::table
                .filter(outbox::status.eq(status))
                .select(outbox::id)
                .limit(COUNTED)
                .load::<OutboxId>(conn)
                .map(|ids| ids.len() as i64)
        };
        Ok(OutboxCounts {
            waiting: count(WAITING)?,
            failed: count(FAILED)?,
        })
    }
}
