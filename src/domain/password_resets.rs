//! "Forgot your password?" for client users (`/password/forgot`) and employees
//! (`/admin/password/forgot`): a single-use link, good for an hour, mailed to the address.
//! The answer is the same whether or not the address has an account; requests are limited
//! per address and per network address, like sign-in; using a link ends every session of
//! the person (and the person then signs in as usual, second factor included).

use chrono::Duration;

use crate::db::models::employee::EmployeeChanges;
use crate::db::models::password_reset::{NewPasswordReset, PasswordReset};
use crate::db::models::{Employee, OutboxMail, SignInThrottle, User};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::auth::Area;
use crate::domain::email::Email;
use crate::domain::mail::templates::{self, Addressee};
use crate::domain::password::NewPassword;
use crate::domain::{Actor, DomainError, FieldErrors};
use crate::ids::PersonId;

/// How long a link works.
pub const VALID_MINUTES: i64 = 60;
/// Links asked for one address in an hour.
pub const PER_ADDRESS_PER_HOUR: i32 = 3;
/// Links asked for from one network address in an hour.
pub const PER_IP_PER_HOUR: i32 = 20;

/// Where the pages of an area live.
fn base(area: Area) -> &'static str {
    match area {
        Area::Client => "",
        Area::Admin => "/admin",
    }
}

/// Someone asks for a link for `email` in `area`. When a person of that area has the
/// address (and may sign in), a link is mailed to it; otherwise nothing happens, and the
/// answer is the same. Refused (at `email`) for an address that is not one, or after too
/// many requests for the address or from the network address in the last hour.
pub fn request(
    conn: &mut DbConnection,
    actor: &Actor,
    area: Area,
    email: &str,
    site: &str,
) -> Result<(), DomainError> {
    let email = Email::parse(email).map_err(|m| DomainError::invalid("email", m))?;
    let now = db::now();
    let hour_ago = now - Duration::hours(1);
    let keys = [
        (
            format!("reset:{}:{}", base(area), email.as_str()),
            PER_ADDRESS_PER_HOUR,
        ),
        (format!("reset-ip:{}", actor.ip), PER_IP_PER_HOUR),
    ];
    for (key, limit) in &keys {
        let counted = db::write_transaction(conn, |conn| {
            SignInThrottle::count_failure(
                conn,
                key,
                now,
                hour_ago,
                *limit,
                now + Duration::hours(1),
            )
        })?;
        if counted.failures > *limit {
            return Err(DomainError::invalid(
                "email",
                "Too many requests for a new password; try again in an hour.",
            ));
        }
    }
    db::write_transaction(conn, |conn| {
        let person = match area {
            Area::Client => User::find_by_email(conn, email.as_str())?
                .filter(|u| u.enabled)
                .map(|u| (PersonId::User(u.id), u.name, Some(u.client_id))),
            Area::Admin => Employee::find_by_email(conn, email.as_str())?
                .filter(|e| e.enabled)
                .map(|e| (PersonId::Employee(e.id), e.name, None)),
        };
        let Some((person, name, client)) = person else {
            return Ok(());
        };
        let token = crate::config::random_hex(32);
        PasswordReset::insert(
            conn,
            &NewPasswordReset {
                token_hash: &crate::domain::sessions::hash_key(&token),
                user_id: match person {
                    PersonId::User(id) => Some(id),
                    PersonId::Employee(_) => None,
                },
                employee_id: match person {
                    PersonId::Employee(id) => Some(id),
                    PersonId::User(_) => None,
                },
                ip: &actor.ip,
                created_at: now,
                expires_at: now + Duration::minutes(VALID_MINUTES),
            },
        )?;
        let to = match client {
            Some(client) => Addressee::client(conn, client, None)?,
            None => Addressee::staff(),
        };
        let letter = templates::write(
            conn,
            &templates::PASSWORD_RESET,
            &to,
            &[
                ("name", name),
                ("site", site.to_owned()),
                (
                    "link",
                    format!(
                        "{site}{base}/password/reset?token={token}",
                        base = base(area)
                    ),
                ),
                ("minutes", VALID_MINUTES.to_string()),
            ],
        )?;
        OutboxMail::queue(conn, &letter.to(email.as_str(), now))?;
        Ok(())
    })
}

/// The address a link was sent to, while the link is good; `None` when it is unknown,
/// used, expired, or of the other area.
pub fn pending(
    conn: &mut DbConnection,
    area: Area,
    token: &str,
) -> Result<Option<String>, DomainError> {
    let hash = crate::domain::sessions::hash_key(token);
    let Some(reset) = PasswordReset::usable(conn, &hash, db::now())? else {
        return Ok(None);
    };
    Ok(match (area, reset.person()) {
        (Area::Client, Some(PersonId::User(id))) => User::find(conn, id)?.map(|u| u.email),
        (Area::Admin, Some(PersonId::Employee(id))) => Employee::find(conn, id)?.map(|e| e.email),
        _ => None,
    })
}

/// What a link that no longer works says.
pub const LINK_GONE: &str =
    "This link has expired or was used already. Ask for a new one: links work once, for an hour.";

/// The person behind a link chooses a new password. In one transaction the link is used
/// (once: a second use, or one racing it, is refused), the password changes, the person's
/// other links stop working and every session of the person ends. Returns the address,
/// for the sign-in form.
pub fn reset(
    conn: &mut DbConnection,
    actor: &Actor,
    area: Area,
    token: &str,
    new: &str,
    confirm: &str,
) -> Result<String, DomainError> {
    let mut errors = FieldErrors::new();
    let password = NewPassword::parse(new)
        .map_err(|m| errors.add("new_password", m))
        .ok();
    if new != confirm {
        errors.add("new_password_confirm", "The two passwords do not match.");
    }
    errors.into_result()?;
    let hash = password
        .ok_or_else(|| DomainError::invalid("new_password", "Choose a new password."))?
        .hash()
        .map_err(DomainError::Internal)?;
    let token_hash = crate::domain::sessions::hash_key(token);
    db::write_transaction(conn, |conn| {
        let now = db::now();
        let gone = || DomainError::invalid("token", LINK_GONE);
        let reset = PasswordReset::usable(conn, &token_hash, now)?.ok_or_else(gone)?;
        let person = reset.person().ok_or_else(gone)?;
        let email = match (area, person) {
            (Area::Client, PersonId::User(id)) => {
                let user = User::find(conn, id)?
                    .filter(|u| u.enabled)
                    .ok_or_else(gone)?;
                User::update_profile(conn, id, &user.email, &user.name, true, Some(&hash))?;
                audit::record(
                    conn,
                    actor,
                    "user.reset_password",
                    Target::new("user", id),
                    "by the link mailed to its address",
                )?;
                user.email
            }
            (Area::Admin, PersonId::Employee(id)) => {
                let employee = Employee::find(conn, id)?
                    .filter(|e| e.enabled)
                    .ok_or_else(gone)?;
                Employee::update(
                    conn,
                    id,
                    &EmployeeChanges {
                        password_hash: Some(&hash),
                        ..Default::default()
                    },
                )?;
                audit::record(
                    conn,
                    actor,
                    "employee.reset_password",
                    Target::new("employee", id),
                    "by the link mailed to its address",
                )?;
                employee.email
            }
            _ => return Err(gone()),
        };
        if !PasswordReset::use_once(conn, reset.id, now)? {
            return Err(gone());
        }
        PasswordReset::void_all_of(conn, person, now)?;
        crate::domain::sessions::end_all(conn, person, None)?;
        Ok(email)
    })
}

/// Forgets links a day after they expired (housekeeping).
pub fn forget_expired(conn: &mut DbConnection) -> diesel::QueryResult<usize> {
    PasswordReset::forget_expired(conn, db::now() - Duration::days(1))
}
