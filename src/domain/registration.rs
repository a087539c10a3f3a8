//! A visitor registers: the address is confirmed by a link mailed to it, then the client,
//! its owner user and its account at the chosen provider are made in one transaction.

use chrono::Duration;
use diesel::QueryResult;

use crate::db::models::pending_registration::{NewPendingRegistration, PendingRegistration};
use crate::db::models::provider::ProviderChoice;
use crate::db::models::{
    Account, Client, NewAccount, NewClient, NewUser, OutboxMail, Provider, SignInThrottle, User,
};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::email::Email;
use crate::domain::mail::templates::{self, Addressee};
use crate::domain::password::NewPassword;
use crate::domain::{Actor, DomainError, FieldErrors};
use crate::ids::ProviderId;

/// Longest name a client or user may have.
pub const MAX_NAME_LENGTH: usize = 200;

/// A checked registration, ready to be written.
#[derive(Debug)]
pub struct Registration {
    pub email: Email,
    pub name: String,
    pub password: NewPassword,
    /// `None` when there is a single provider: the client is connected to it.
    pub provider_id: Option<ProviderId>,
}

/// A person's name: trimmed, not empty, not too long.
pub fn parse_name(raw: &str) -> Result<String, String> {
    crate::domain::text::required(raw, MAX_NAME_LENGTH, "Enter your name.")
}

/// The providers a visitor may register with, the site's first.
pub fn providers(conn: &mut DbConnection) -> Result<Vec<ProviderChoice>, DomainError> {
    Ok(Provider::for_registration(conn)?)
}

/// How long a confirmation link works.
pub const CONFIRMATION_HOURS: i64 = 48;

/// A visitor registers. Nothing is made yet: a link goes to the address, and the client is
/// made when it is followed (`confirm`). The answer is the same whether or not the address
/// has an account (then the mail says so, to the address's owner alone), so the form tells
/// nobody who is registered. Registrations from one address are limited per hour
/// (`per_hour`). `site` is the address people reach billpanel at, for the link.
pub fn register(
    conn: &mut DbConnection,
    actor: &Actor,
    registration: Registration,
    site: &str,
    per_hour: u32,
) -> Result<(), DomainError> {
    // Hash before the transaction, whether or not the address is known: argon2 takes tens
    // of milliseconds, must not hold the write lock, and must cost the same either way.
    let password_hash = registration
        .password
        .hash()
        .map_err(DomainError::Internal)?;
    let now = db::now();
    let throttle_key = format!("register:{}", actor.ip);
    let counted = db::write_transaction(conn, |conn| {
        SignInThrottle::count_failure(
            conn,
            &throttle_key,
            now,
            now - Duration::hours(1),
            per_hour as i32,
            now + Duration::hours(1),
        )
    })?;
    if counted.failures > per_hour as i32 {
        return Err(DomainError::invalid(
            "email",
            "Too many registrations from your address in the last hour; try again later.",
        ));
    }
    db::write_transaction(conn, |conn| {
        let providers = Provider::for_registration(conn)?;
        let provider_id = match (registration.provider_id, providers.first()) {
            (Some(id), _) if providers.iter().any(|p| p.id == id) => id,
            (Some(_), _) => {
                return Err(DomainError::invalid(
                    "provider_id",
                    "Choose a provider from the list.",
                ));
            }
            // No choice made: the site's provider.
            (None, Some(site)) => site.id,
            (None, None) => {
                return Err(DomainError::invalid(
                    "email",
                    "Registration is not open yet: the provider has not been set up.",
                ));
            }
        };
        let email = registration.email.as_str();
        let to = Addressee::of_provider(conn, provider_id, "en")?;
        let site = site.trim_end_matches('/');
        let letter = if let Some(user) = User::find_by_email(conn, email)? {
            // Written to someone who has an account: in its client's language.
            let to = Addressee::client(conn, user.client_id, Some(provider_id))?;
            templates::write(
                conn,
                &templates::REGISTRATION_TAKEN,
                &to,
                &[
                    ("site", site.to_owned()),
                    ("sign_in", format!("{site}/login")),
                ],
            )?
        } else {
            let token = crate::config::random_hex(32);
            PendingRegistration::insert(
                conn,
                &NewPendingRegistration {
                    email,
                    name: &registration.name,
                    password_hash: &password_hash,
                    provider_id,
                    token_hash: &crate::domain::sessions::hash_key(&token),
                    ip: &actor.ip,
                    created_at: now,
                    expires_at: now + Duration::hours(CONFIRMATION_HOURS),
                },
            )?;
            templates::write(
                conn,
                &templates::REGISTRATION_CONFIRM,
                &to,
                &[
                    ("name", registration.name.clone()),
                    ("site", site.to_owned()),
                    ("link", format!("{site}/register/confirm?token={token}")),
                    ("hours", CONFIRMATION_HOURS.to_string()),
                ],
            )?
        };
        OutboxMail::queue(conn, &letter.to(email, now))?;
        Ok(())
    })
}

/// The registration a confirmation link stands for, for the page that confirms it; `None`
/// when the link is unknown, used or expired.
pub fn pending(
    conn: &mut DbConnection,
    token: &str,
) -> Result<Option<PendingRegistration>, DomainError> {
    Ok(PendingRegistration::by_token(
        conn,
        &crate::domain::sessions::hash_key(token),
        db::now(),
    )?)
}

/// Follows a confirmation link: creates the client, its owner user and its account in one
/// transaction, and forgets the address's other pending registrations. A link used, expired
/// or unknown is refused at `token`; so is an address that got an account meanwhile.
pub fn confirm(conn: &mut DbConnection, actor: &Actor, token: &str) -> Result<User, DomainError> {
    let token_hash = crate::domain::sessions::hash_key(token);
    db::write_transaction(conn, |conn| {
        let now = db::now();
        let pending = PendingRegistration::by_token(conn, &token_hash, now)?.ok_or_else(|| {
            DomainError::invalid(
                "token",
                "This link was used already or has expired. Register again, or sign in.",
            )
        })?;
        PendingRegistration::remove_for(conn, &pending.email)?;
        if User::find_by_email(conn, &pending.email)?.is_some() {
            return Err(email_taken());
        }
        let client = Client::insert(
            conn,
            &NewClient {
                name: &pending.name,
                kind: "person",
                language: "en",
                enabled: true,
                registered_by: actor.employee_id(),
                registration_ip: &pending.ip,
                created_at: now,
                ..Default::default()
            },
        )?;
        let user = User::insert(
            conn,
            &NewUser {
                client_id: client.id,
                email: &pending.email,
                name: &pending.name,
                password_hash: &pending.password_hash,
                is_owner: true,
                enabled: true,
                created_at: now,
                // The link that brought them was mailed to this address.
                email_confirmed_at: Some(now),
            },
        )
        .map_err(|e| {
            if db::is_unique_violation(&e) {
                email_taken()
            } else {
                e.into()
            }
        })?;
        Account::insert(
            conn,
            &NewAccount {
                client_id: client.id,
                provider_id: pending.provider_id,
                created_at: now,
            },
        )?;
        crate::domain::clients::reindex(conn, client.id)?;
        audit::record(
            conn,
            actor,
            "client.register",
            Target::new("client", client.id),
            &format!(
                "email {} (confirmed), provider {}",
                user.email, pending.provider_id
            ),
        )?;
        Ok(user)
    })
}

/// Forgets registrations whose link expired (the housekeeping's pass).
pub fn forget_expired(conn: &mut DbConnection) -> QueryResult<usize> {
    db::write_transaction(conn, |conn| {
        PendingRegistration::forget_expired(conn, db::now())
    })
}

fn email_taken() -> DomainError {
    DomainError::Invalid(FieldErrors::one(
        "token",
        "This address has an account already: sign in instead.",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_name("  Ann Lee ").unwrap(), "Ann Lee");
        assert!(parse_name("   ").is_err());
        assert!(parse_name(&"a".repeat(MAX_NAME_LENGTH + 1)).is_err());
        assert!(parse_name(&"я".repeat(MAX_NAME_LENGTH)).is_ok());
    }
}
