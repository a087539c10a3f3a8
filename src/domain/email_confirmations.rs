//! Confirming a user's e-mail address: a single-use link mailed to it. Registration and
//! accepted invitations confirm the address they came through; an address staff gave (a
//! client they made, an owner's address they changed) is unconfirmed until its link is
//! followed. Unconfirmed users use the panel as before; a provider may refuse their orders
//! (`require_confirmed_email`).

use chrono::Duration;
use diesel::QueryResult;

use crate::db::models::email_confirmation::{EmailConfirmation, NewEmailConfirmation};
use crate::db::models::{OutboxMail, Provider, SignInThrottle, User};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::mail::templates::{self, Addressee};
use crate::domain::{Actor, ActorKind, DomainError};
use crate::ids::{ClientId, ProviderId, UserId};

/// How long a link works.
pub const VALID_HOURS: i64 = 48;

/// How many links a user may ask for in an hour.
const PER_HOUR: i32 = 3;

/// Mails a new link to the user's address (earlier links stop working), in the caller's
/// transaction. `site` is where people reach billpanel.
pub(crate) fn send(conn: &mut DbConnection, user: &User, site: &str) -> QueryResult<()> {
    let now = db::now();
    EmailConfirmation::void_all_of(conn, user.id, now)?;
    let token = crate::config::random_hex(32);
    EmailConfirmation::insert(
        conn,
        &NewEmailConfirmation {
            user_id: user.id,
            email: &user.email,
            token_hash: &crate::domain::sessions::hash_key(&token),
            created_at: now,
            expires_at: now + Duration::hours(VALID_HOURS),
        },
    )?;
    let site = site.trim_end_matches('/');
    let to = Addressee::client(conn, user.client_id, None)?;
    let letter = templates::write(
        conn,
        &templates::EMAIL_CONFIRM,
        &to,
        &[
            ("name", user.name.clone()),
            ("site", site.to_owned()),
            ("link", format!("{site}/email/confirm?token={token}")),
            ("hours", VALID_HOURS.to_string()),
        ],
    )?;
    OutboxMail::queue(conn, &letter.to(&user.email, now))
}

/// A signed-in user (or staff working as the client's owner) asks for another link to
/// the user's address (a few an hour).
pub fn send_again(
    conn: &mut DbConnection,
    actor: &Actor,
    site: &str,
) -> Result<String, DomainError> {
    let id = match actor.kind {
        ActorKind::ClientUser { id, .. } | ActorKind::EmployeeAsClient { user_id: id, .. } => id,
        _ => return Err(DomainError::Forbidden),
    };
    let now = db::now();
    db::write_transaction(conn, |conn| {
        let user = User::find(conn, id)?.ok_or(DomainError::NotFound)?;
        if user.email_confirmed_at.is_some() {
            return Err(DomainError::invalid(
                "email",
                "Your address is confirmed already.",
            ));
        }
        let counted = SignInThrottle::count_failure(
            conn,
            &format!("confirm-email:{id}"),
            now,
            now - Duration::hours(1),
            PER_HOUR,
            now + Duration::hours(1),
        )?;
        if counted.failures > PER_HOUR {
            return Err(DomainError::invalid(
                "email",
                "Several links went out in the last hour; look for them, or try again later.",
            ));
        }
        send(conn, &user, site)?;
        Ok(user.email)
    })
}

/// The address a link confirms, while the link is good and the address still the user's.
pub fn pending(conn: &mut DbConnection, token: &str) -> Result<Option<String>, DomainError> {
    let hash = crate::domain::sessions::hash_key(token);
    let Some(link) = EmailConfirmation::usable(conn, &hash, db::now())? else {
        return Ok(None);
    };
    Ok(User::find(conn, link.user_id)?
        .filter(|u| u.email == link.email)
        .map(|u| u.email))
}

/// What a link that no longer works says.
pub const LINK_GONE: &str =
    "This link has expired, was used already, or was sent to an address the account no longer has.";

/// Follows a link: the address is confirmed (audited). Refused at `token` when the link is
/// used, expired, unknown, or for an address the user no longer has.
pub fn confirm(conn: &mut DbConnection, actor: &Actor, token: &str) -> Result<String, DomainError> {
    let hash = crate::domain::sessions::hash_key(token);
    db::write_transaction(conn, |conn| {
        let now = db::now();
        let gone = || DomainError::invalid("token", LINK_GONE);
        let link = EmailConfirmation::usable(conn, &hash, now)?.ok_or_else(gone)?;
        if !EmailConfirmation::use_once(conn, link.id, now)?
            || !User::confirm_email(conn, link.user_id, &link.email, now)?
        {
            return Err(gone());
        }
        let user = User::find(conn, link.user_id)?.ok_or(DomainError::NotFound)?;
        audit::record(
            conn,
            actor,
            "user.confirm_email",
            Target::new("client", user.client_id),
            &format!("{} confirmed by user #{}", link.email, user.id),
        )?;
        Ok(link.email)
    })
}

/// Refuses an order when the provider takes orders only from clients whose owner
/// confirmed the address, and this client's owner has not.
pub(crate) fn check_before_ordering(
    conn: &mut DbConnection,
    client: ClientId,
    provider: ProviderId,
) -> Result<(), DomainError> {
    let required = Provider::find(conn, provider)?.is_some_and(|p| p.require_confirmed_email);
    if !required {
        return Ok(());
    }
    match User::owner_of(conn, client)? {
        Some(owner) if owner.email_confirmed_at.is_none() => Err(DomainError::invalid(
            "tariff_id",
            format!(
                "This provider takes orders once the account's e-mail address is confirmed: the owner ({}) follows the link we sent, or asks for a new one on the profile page.",
                owner.email
            ),
        )),
        _ => Ok(()),
    }
}

/// Whether the user's address is confirmed, for the client's pages.
pub fn is_confirmed(conn: &mut DbConnection, user: UserId) -> Result<bool, DomainError> {
    Ok(User::find(conn, user)?.is_some_and(|u| u.email_confirmed_at.is_some()))
}

/// Forgets links that expired a day ago or more (the housekeeping's pass).
pub fn forget_expired(conn: &mut DbConnection) -> QueryResult<usize> {
    db::write_transaction(conn, |conn| {
        EmailConfirmation::forget_expired(conn, db::now() - Duration::days(1))
    })
}
