//! Mass mailings (`/admin/mailings`, permission `mail.mailings`): a subject and a text
//! written as a template, to the clients a target picks (any of some groups, one
//! provider's, Active or Not active), counted before it goes, tried on one address first,
//! then queued into the outbox a chunk of clients per transaction, so the pages and the
//! other writers never wait on it. Clients unsubscribe by the link every mailing carries
//! (`List-Unsubscribe`, one click) or on their profile; notices reach them regardless.

use crate::db::models::client_group::ClientGroup;
use crate::db::models::mailing::{Mailing, NewMailing, QUEUING, Recipient, Target};
use crate::db::models::outbox::NewMailingMail;
use crate::db::models::{Message, NewMessage, NewOutboxMail, OutboxMail, Provider};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target as AuditTarget};
use crate::domain::email::Email;
use crate::domain::mail::templates::{self, MAILING};
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError, FieldErrors};
use crate::ids::{ClientGroupId, ClientId, MailingId, ProviderId};

/// Clients queued per transaction.
const CHUNK: i64 = 1000;

/// A mailing as staff wrote it, checked.
#[derive(Debug, Clone)]
pub struct MailingInput {
    pub subject: String,
    pub body: String,
    pub target: Target,
}

impl MailingInput {
    /// Reads the form: the template (its syntax and placeholders), then the target.
    pub fn parse(
        conn: &mut DbConnection,
        subject: &str,
        body: &str,
        groups: &[String],
        provider: &str,
        state: &str,
    ) -> Result<Self, DomainError> {
        let mut errors = match templates::check(&MAILING, subject, body) {
            Ok(_) => FieldErrors::new(),
            Err(errors) => errors,
        };
        let target = parse_target(conn, groups, provider, state, &mut errors)?;
        errors.into_result()?;
        Ok(Self {
            subject: subject.trim().to_owned(),
            body: crate::domain::text::lines(body).unwrap_or_default(),
            target: target.unwrap_or_default(),
        })
    }
}

/// The target as typed on the form: groups and provider that exist, a state; `None` with
/// the messages in `errors` otherwise.
pub fn parse_target(
    conn: &mut DbConnection,
    groups: &[String],
    provider: &str,
    state: &str,
    errors: &mut FieldErrors,
) -> Result<Option<Target>, DomainError> {
    let mut found = FieldErrors::new();
    let known_groups = ClientGroup::all(conn)?;
    let mut group_ids = Vec::new();
    for raw in groups {
        match raw.trim().parse::<i64>().ok().map(ClientGroupId) {
            Some(id) if known_groups.iter().any(|g| g.id == id) => group_ids.push(id),
            _ => found.add("groups", "Choose groups from the list."),
        }
    }
    group_ids.sort();
    group_ids.dedup();
    let provider = match provider.trim() {
        "" => None,
        raw => match raw.parse::<i64>().ok().map(ProviderId) {
            Some(id) if Provider::find(conn, id)?.is_some() => Some(id),
            _ => {
                found.add("provider_id", "Choose a provider from the list.");
                None
            }
        },
    };
    let active = match state.trim() {
        "" => None,
        "active" => Some(true),
        "not_active" => Some(false),
        _ => {
            found.add("state", "Choose Active, Not active, or either.");
            None
        }
    };
    if !found.is_empty() {
        for (field, message) in found.iter() {
            errors.add(field, message.clone());
        }
        return Ok(None);
    }
    Ok(Some(Target {
        groups: group_ids,
        provider,
        active,
    }))
}

/// How many clients the target reaches now.
pub fn count(conn: &mut DbConnection, actor: &Actor, target: &Target) -> Result<i64, DomainError> {
    require(actor, permissions::MAIL_MAILINGS)?;
    Ok(Mailing::count(conn, target)?)
}

/// The token of a client's unsubscribe link: an HMAC of its id under the server's key, so
/// the link needs no table and cannot be made up for another client.
pub fn unsubscribe_token(key: &[u8], client: ClientId) -> String {
    crate::config::derive_key(key, &format!("billpanel unsubscribe {client}"))
        .into_iter()
        .take(32)
        .map(char::from)
        .collect()
}

/// The link that unsubscribes a client.
pub fn unsubscribe_link(site: &str, key: &[u8], client: ClientId) -> String {
    format!(
        "{}/mailings/unsubscribe?client={client}&token={}",
        site.trim_end_matches('/'),
        unsubscribe_token(key, client)
    )
}

/// The words under a mailing whose text has no `{{ unsubscribe }}`, in the client's language.
fn footer(language: &str, link: &str) -> String {
    match language {
        "ru" => format!("\n\n--\nОтписаться от рассылки: {link}"),
        _ => format!("\n\n--\nTo receive no more mailings: {link}"),
    }
}

/// A mailing's message to one client.
fn letter_for(
    subject: &str,
    body: &str,
    name: &str,
    language: &str,
    link: &str,
) -> Result<templates::Letter, templates::Failure> {
    let mut letter = templates::render(
        subject,
        body,
        &[
            ("client", name.to_owned()),
            ("unsubscribe", link.to_owned()),
        ],
    )?;
    if !templates::uses_placeholder(body, "unsubscribe") {
        letter
            .body
            .push_str(&footer(templates::language(language), link));
    }
    Ok(letter)
}

/// Sends the mailing as it stands to one address, to see it as recipients will (with the
/// sample client's name; its unsubscribe link leads nowhere). Audited.
pub fn send_test(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &MailingInput,
    address: &str,
    site: &str,
) -> Result<String, DomainError> {
    require(actor, permissions::MAIL_MAILINGS)?;
    let address = Email::parse(address).map_err(|m| DomainError::invalid("test_address", m))?;
    let link = format!(
        "{}/mailings/unsubscribe?client=0&token=test",
        site.trim_end_matches('/')
    );
    let letter = letter_for(&input.subject, &input.body, "Alex Smith", "en", &link)
        .map_err(|(field, m)| DomainError::invalid(field, m))?;
    db::write_transaction(conn, |conn| {
        OutboxMail::queue(
            conn,
            &NewOutboxMail {
                recipient: address.as_str(),
                sender: "",
                subject: &letter.subject,
                body: &letter.body,
                created_at: db::now(),
            },
        )?;
        audit::record(
            conn,
            actor,
            "mailing.test",
            AuditTarget::new("mailing", 0),
            &format!("{:?} to {}", input.subject, address.as_str()),
        )?;
        Ok(address.as_str().to_owned())
    })
}

/// Creates the mailing, to be queued by `queue` (audited). A target that reaches nobody is
/// refused.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &MailingInput,
) -> Result<Mailing, DomainError> {
    require(actor, permissions::MAIL_MAILINGS)?;
    let reached = Mailing::count(conn, &input.target)?;
    if reached == 0 {
        return Err(DomainError::invalid(
            "target",
            "No client matches this target, so nobody would get it: widen the target.",
        ));
    }
    let groups: Vec<String> = input
        .target
        .groups
        .iter()
        .map(|g| g.0.to_string())
        .collect();
    db::write_transaction(conn, |conn| {
        let mailing = Mailing::insert(
            conn,
            &NewMailing {
                subject: &input.subject,
                body: &input.body,
                group_ids: &groups.join(","),
                provider_id: input.target.provider,
                state: match input.target.active {
                    Some(true) => "active",
                    Some(false) => "not_active",
                    None => "",
                },
                created_by: actor.employee_id(),
                created_at: db::now(),
            },
        )?;
        audit::record(
            conn,
            actor,
            "mailing.send",
            AuditTarget::new("mailing", mailing.id),
            &format!("{:?} to about {reached} clients", input.subject),
        )?;
        Ok(mailing)
    })
}

/// Queues one chunk of the mailing's recipients in one transaction; true when none were
/// left (the mailing is then queued to the end). A chunk someone else queued meanwhile is
/// not written again.
fn queue_chunk(
    conn: &mut DbConnection,
    id: MailingId,
    site: &str,
    key: &[u8],
) -> Result<bool, DomainError> {
    db::write_transaction(conn, |conn| {
        let Some(mailing) = Mailing::find(conn, id)? else {
            return Ok(true);
        };
        if mailing.status != QUEUING {
            return Ok(true);
        }
        let now = db::now();
        let target = mailing.target();
        let recipients: Vec<Recipient> =
            Mailing::recipients_after(conn, &target, mailing.queued_up_to, CHUNK)?;
        let Some(last) = recipients.last().map(|r| r.client_id) else {
            Mailing::finish(conn, id, now)?;
            return Ok(true);
        };
        let addresses: Vec<&str> = recipients.iter().map(|r| r.email.as_str()).collect();
        let already = OutboxMail::already_in_mailing(conn, id, &addresses)?;
        let mut letters = Vec::with_capacity(recipients.len());
        for r in recipients.iter().filter(|r| !already.contains(&r.email)) {
            let link = unsubscribe_link(site, key, r.client());
            // Checked when it was written; a value that still trips it skips one client,
            // not the mailing.
            match letter_for(&mailing.subject, &mailing.body, &r.name, &r.language, &link) {
                Ok(letter) => letters.push((r, letter, link)),
                Err((_, e)) => tracing::warn!(mailing = %id, client = r.client_id, "{e}"),
            }
        }
        let rows: Vec<NewMailingMail<'_>> = letters
            .iter()
            .map(|(r, letter, link)| NewMailingMail {
                recipient: &r.email,
                sender: "",
                subject: &letter.subject,
                body: &letter.body,
                created_at: now,
                next_attempt_at: now,
                mailing_id: id,
                unsubscribe: link,
            })
            .collect();
        // Every mail to a client is kept in its inbox too.
        let copies: Vec<NewMessage<'_>> = letters
            .iter()
            .map(|(r, letter, _)| NewMessage {
                client_id: r.client(),
                subject: &letter.subject,
                body: &letter.body,
                sent_by: mailing.created_by,
                created_at: now,
            })
            .collect();
        if !Mailing::advance(conn, id, mailing.queued_up_to, last, rows.len() as i64)? {
            // Another server queued this chunk first.
            return Ok(false);
        }
        for batch in rows.chunks(CHUNK as usize) {
            OutboxMail::queue_many(conn, batch)?;
        }
        for batch in copies.chunks(CHUNK as usize) {
            Message::insert_many(conn, batch)?;
        }
        Ok(false)
    })
}

/// Queues the whole mailing, a chunk at a time (a thread's work after `create`, and after
/// a restart for a mailing a stopped server left half-queued).
pub fn queue(
    conn: &mut DbConnection,
    id: MailingId,
    site: &str,
    key: &[u8],
) -> Result<(), DomainError> {
    while !queue_chunk(conn, id, site, key)? {}
    Ok(())
}

/// Mailings a stopped server left half-queued.
pub fn unfinished(conn: &mut DbConnection) -> Result<Vec<MailingId>, DomainError> {
    Ok(Mailing::unfinished(conn)?)
}

/// Mailings on a page of the list.
pub const PAGE_SIZE: i64 = 20;

/// A page of mailings, newest first (one more than a page, to tell whether another follows).
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    before: Option<MailingId>,
) -> Result<Vec<Mailing>, DomainError> {
    require(actor, permissions::MAIL_MAILINGS)?;
    Ok(Mailing::newest(conn, before, PAGE_SIZE + 1)?)
}

pub fn show(conn: &mut DbConnection, actor: &Actor, id: MailingId) -> Result<Mailing, DomainError> {
    require(actor, permissions::MAIL_MAILINGS)?;
    Mailing::find(conn, id)?.ok_or(DomainError::NotFound)
}

/// The client a link unsubscribes, while its token is right.
pub fn unsubscribing(
    conn: &mut DbConnection,
    key: &[u8],
    client: &str,
    token: &str,
) -> Result<Option<(ClientId, String)>, DomainError> {
    use subtle::ConstantTimeEq;
    let Some(id) = client.trim().parse::<i64>().ok().map(ClientId) else {
        return Ok(None);
    };
    let expected = unsubscribe_token(key, id);
    if !bool::from(expected.as_bytes().ct_eq(token.trim().as_bytes())) {
        return Ok(None);
    }
    let Some(owner) = crate::db::models::User::owner_of(conn, id)? else {
        return Ok(None);
    };
    Ok(Some((id, owner.email)))
}

/// Follows an unsubscribe link: the client gets no more mailings (audited). `None` when the
/// link is not right.
pub fn unsubscribe(
    conn: &mut DbConnection,
    actor: &Actor,
    key: &[u8],
    client: &str,
    token: &str,
) -> Result<Option<String>, DomainError> {
    db::write_transaction(conn, |conn| {
        let Some((id, email)) = unsubscribing(conn, key, client, token)? else {
            return Ok(None);
        };
        if crate::db::models::Client::set_receives_mailings(conn, id, false)? {
            audit::record(
                conn,
                actor,
                "client.unsubscribe",
                AuditTarget::new("client", id),
                "by the link in a mailing",
            )?;
        }
        Ok(Some(email))
    })
}
