//! A visitor registers: a client, its owner user and its account at the chosen provider,
//! all in one transaction.

use crate::db::models::provider::ProviderChoice;
use crate::db::models::{Account, Client, NewAccount, NewClient, NewUser, Provider, User};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::email::Email;
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

/// The providers a visitor may register with.
pub fn providers(conn: &mut DbConnection) -> Result<Vec<ProviderChoice>, DomainError> {
    Ok(Provider::choices(conn)?)
}

/// Creates the client, its owner user and its account. Refuses a taken email and a
/// provider that does not exist, writing nothing.
pub fn register(
    conn: &mut DbConnection,
    actor: &Actor,
    registration: Registration,
) -> Result<User, DomainError> {
    // Hash before the transaction: argon2 takes tens of milliseconds and must not hold the
    // write lock.
    let password_hash = registration
        .password
        .hash()
        .map_err(DomainError::Internal)?;
    db::write_transaction(conn, |conn| {
        let providers = Provider::choices(conn)?;
        let provider_id = match registration.provider_id {
            Some(id) if providers.iter().any(|p| p.id == id) => id,
            Some(_) => {
                return Err(DomainError::invalid(
                    "provider_id",
                    "Choose a provider from the list.",
                ));
            }
            None if providers.len() == 1 => providers[0].id,
            None => return Err(DomainError::invalid("provider_id", "Choose a provider.")),
        };
        if User::find_by_email(conn, registration.email.as_str())?.is_some() {
            return Err(email_taken());
        }
        let now = db::now();
        let client = Client::insert(
            conn,
            &NewClient {
                name: &registration.name,
                kind: "person",
                language: "en",
                enabled: true,
                registered_by: actor.employee_id(),
                registration_ip: &actor.ip,
                created_at: now,
                ..Default::default()
            },
        )?;
        let user = User::insert(
            conn,
            &NewUser {
                client_id: client.id,
                email: registration.email.as_str(),
                name: &registration.name,
                password_hash: &password_hash,
                is_owner: true,
                enabled: true,
                created_at: now,
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
                provider_id,
                created_at: now,
            },
        )?;
        crate::domain::clients::reindex(conn, client.id)?;
        audit::record(
            conn,
            actor,
            "client.register",
            Target::new("client", client.id),
            &format!("email {}, provider {provider_id}", user.email),
        )?;
        Ok(user)
    })
}

fn email_taken() -> DomainError {
    DomainError::Invalid(FieldErrors::one(
        "email",
        "This email is already registered. Sign in, or use another email.",
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
