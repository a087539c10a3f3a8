//! E-mail: what is queued in the outbox is delivered over SMTP after commit (`delivery`),
//! through the server `BILLPANEL_SMTP_URL` names (`smtp`), as multipart messages
//! (`message`); and the outbox as staff see it (`/admin/outbox`).

pub mod delivery;
pub mod mailings;
pub mod message;
pub mod smtp;
pub mod templates;

use chrono::NaiveDate;

use crate::db::DbConnection;
use crate::db::models::OutboxMail;
use crate::db::models::outbox::{OutboxCounts, OutboxFilter};
use crate::domain::audit::{self, Target};
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError};
use crate::ids::OutboxId;

/// Queues a mail to one of a client's addresses and keeps a copy in the client's inbox
/// (`/client/messages`), so whatever was mailed can be read again in the panel. For mail
/// that holds no secret (links that sign in or reset a password are mailed only).
pub fn to_client(
    conn: &mut DbConnection,
    client: crate::ids::ClientId,
    mail: &crate::db::models::NewOutboxMail<'_>,
    document: Option<crate::ids::DocumentId>,
) -> diesel::QueryResult<()> {
    match document {
        Some(document) => OutboxMail::queue_about(conn, mail, document)?,
        None => OutboxMail::queue(conn, mail)?,
    }
    crate::db::models::Message::insert(
        conn,
        &crate::db::models::NewMessage {
            client_id: client,
            subject: mail.subject,
            body: mail.body,
            sent_by: None,
            created_at: mail.created_at,
        },
    )
    .map(|_| ())
}

/// Messages on a page of `/admin/outbox`.
pub const PAGE_SIZE: i64 = 50;

/// A page of the outbox (one row more than a page, to tell whether another follows) and the
/// figures above it.
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: &OutboxFilter,
) -> Result<(Vec<OutboxMail>, OutboxCounts), DomainError> {
    require(actor, permissions::MAIL_VIEW)?;
    Ok((
        OutboxMail::rows(conn, filter, PAGE_SIZE + 1)?,
        OutboxMail::counts(conn)?,
    ))
}

/// One message, for staff who may see mail.
pub fn show(
    conn: &mut DbConnection,
    actor: &Actor,
    id: OutboxId,
) -> Result<OutboxMail, DomainError> {
    require(actor, permissions::MAIL_VIEW)?;
    OutboxMail::find(conn, id)?.ok_or(DomainError::NotFound)
}

/// A failed message waits to be sent again, with every try ahead of it (audited).
pub fn send_again(
    conn: &mut DbConnection,
    actor: &Actor,
    id: OutboxId,
) -> Result<OutboxMail, DomainError> {
    require(actor, permissions::MAIL_RESEND)?;
    crate::db::write_transaction(conn, |conn| {
        let mail = OutboxMail::find(conn, id)?.ok_or(DomainError::NotFound)?;
        if !OutboxMail::send_again(conn, id, crate::db::now())? {
            return Err(DomainError::invalid(
                "mail",
                "Only a failed message is sent again; this one is not failed.",
            ));
        }
        audit::record(
            conn,
            actor,
            "mail.resend",
            Target::new("outbox", id),
            &format!("{} to {}", mail.subject, mail.recipient),
        )?;
        Ok(mail)
    })
}

/// A mail's body as staff may read it: the secret part of every link in it (the token of
/// a sign-up, invitation or password reset link: a run of 20 or more letters and digits)
/// is hidden, so reading the outbox never lets anyone use another person's link.
pub fn without_secrets(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    for (i, line) in body.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for (j, word) in line.split(' ').enumerate() {
            if j > 0 {
                out.push(' ');
            }
            // A link may follow a quote or a colon in a word of an edited template.
            match [word.find("http://"), word.find("https://")]
                .into_iter()
                .flatten()
                .min()
            {
                Some(at) => {
                    out.push_str(&word[..at]);
                    out.push_str(&hide_tokens(&word[at..]));
                }
                None => out.push_str(word),
            }
        }
    }
    out
}

/// An address with each long run of letters, digits, `-` and `_` after its host replaced
/// by `…`.
fn hide_tokens(link: &str) -> String {
    let host_end = link
        .find("://")
        .and_then(|s| link[s + 3..].find('/').map(|e| s + 3 + e))
        .unwrap_or(link.len());
    let (host, link) = link.split_at(host_end);
    let mut out = String::from(host);
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= 20 {
            out.push('…');
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in link.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// The day range of a date filter: from its start to the next day's.
pub fn day(on: NaiveDate) -> (chrono::NaiveDateTime, chrono::NaiveDateTime) {
    let start = on.and_hms_opt(0, 0, 0).unwrap_or_default();
    (start, start + chrono::Duration::days(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_links_are_hidden() {
        let body = "Confirm: https://panel.example/register/confirm/3f9a0c1d2e4b5a6978c0d1e2f3a4b5c6\n\
                    See https://panel.example/client/payments/12 and token abcdefghijabcdefghijabcdef";
        let shown = without_secrets(body);
        assert!(shown.contains("https://panel.example/register/confirm/…\n"));
        assert!(shown.contains("https://panel.example/client/payments/12 "));
        // Not a link: left alone.
        assert!(shown.ends_with("abcdefghijabcdefghijabcdef"));
    }
}
