//! Signing in and out of both areas. Failed attempts are counted per account and per
//! address: after a few, answers are slowed down; past a limit, sign-in is refused for a while.
//! An unknown email and a wrong password get the same answer after the same work.

use chrono::{Duration, NaiveDateTime};
use diesel::QueryResult;

use crate::db::models::{Client, Employee, Grant, SignInThrottle, User};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::client_permissions::ClientRights;
use crate::domain::permissions::Rights;
use crate::domain::{Actor, ActorKind, DomainError, password};
use crate::ids::{EmployeeId, UserId};

/// Failed attempts for one account within the window before it is locked.
pub const ACCOUNT_FAILURE_LIMIT: i32 = 5;
/// Failed attempts from one address within the window before it is locked.
pub const ADDRESS_FAILURE_LIMIT: i32 = 30;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;
pub const LOCKOUT_MINUTES: i64 = 15;
/// Failures after which each further wrong answer is delayed.
const SLOWDOWN_AFTER: i32 = 2;

/// The two places one signs in to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Admin,
    Client,
}

impl Area {
    fn key(self) -> &'static str {
        match self {
            Area::Admin => "admin",
            Area::Client => "client",
        }
    }
}

#[derive(Debug)]
pub enum SignInError {
    /// Unknown email or wrong password; the caller waits `delay` before answering.
    WrongCredentials {
        delay: std::time::Duration,
    },
    /// Right password, but the account (or its client) is disabled.
    Disabled,
    /// Too many failures: refused until the lock ends.
    Locked {
        minutes: i64,
    },
    /// The email typed cannot be one (a control character in it): said as it is, and
    /// neither counted nor recorded.
    Unreadable(String),
    Failed(DomainError),
}

impl From<diesel::result::Error> for SignInError {
    fn from(e: diesel::result::Error) -> Self {
        SignInError::Failed(e.into())
    }
}

/// What both kinds of login have in common.
struct Login {
    id: i64,
    email: String,
    password_hash: String,
    enabled: bool,
}

/// Signs an employee in to the admin area.
pub fn sign_in_employee(
    conn: &mut DbConnection,
    ip: &str,
    email: &str,
    password: &str,
) -> Result<Employee, SignInError> {
    let email = crate::domain::text::line(email)
        .map_err(SignInError::Unreadable)?
        .to_lowercase();
    let employee = Employee::find_by_email(conn, &email)?;
    let login = employee.as_ref().map(|e| Login {
        id: e.id.0,
        email: e.email.clone(),
        password_hash: e.password_hash.clone(),
        enabled: e.enabled,
    });
    check(conn, Area::Admin, ip, &email, password, login)?;
    let employee = employee.ok_or(SignInError::Failed(DomainError::NotFound))?;
    let actor = Actor::employee(&employee, rights_of(conn, &employee)?, ip.to_owned());
    db::write_transaction(conn, |conn| {
        let now = db::now();
        Employee::record_sign_in(conn, employee.id, now)?;
        audit::record(
            conn,
            &actor,
            "sign_in",
            Target::new("employee", employee.id),
            "admin area",
        )
    })?;
    Ok(employee)
}

/// Signs a client user in to the client area. A disabled client disables all its users.
pub fn sign_in_user(
    conn: &mut DbConnection,
    ip: &str,
    email: &str,
    password: &str,
) -> Result<User, SignInError> {
    let email = crate::domain::text::line(email)
        .map_err(SignInError::Unreadable)?
        .to_lowercase();
    // One query whether or not the email is known, so both take the same time.
    let found = User::find_by_email_with_client(conn, &email)?;
    let login = found.as_ref().map(|(u, c)| Login {
        id: u.id.0,
        email: u.email.clone(),
        password_hash: u.password_hash.clone(),
        enabled: u.enabled && c.enabled,
    });
    let user = found.map(|(u, _)| u);
    check(conn, Area::Client, ip, &email, password, login)?;
    let user = user.ok_or(SignInError::Failed(DomainError::NotFound))?;
    let actor = Actor {
        kind: ActorKind::ClientUser {
            id: user.id,
            client_id: user.client_id,
            email: user.email.clone(),
        },
        ip: ip.to_owned(),
    };
    db::write_transaction(conn, |conn| {
        User::record_sign_in(conn, user.id, db::now())?;
        audit::record(
            conn,
            &actor,
            "sign_in",
            Target::new("user", user.id),
            "client area",
        )
    })?;
    Ok(user)
}

/// The shared part: refuse while locked, verify the password (or a dummy hash), count a
/// failure or clear the account's count on success.
fn check(
    conn: &mut DbConnection,
    area: Area,
    ip: &str,
    email: &str,
    password: &str,
    login: Option<Login>,
) -> Result<(), SignInError> {
    let now = db::now();
    let account_key = format!("{}:{email}", area.key());
    let address_key = format!("ip:{ip}");
    for key in [&account_key, &address_key] {
        if let Some(row) = SignInThrottle::find(conn, key)?
            && let Some(until) = row.locked_until
            && until > now
        {
            return Err(SignInError::Locked {
                minutes: minutes_until(now, until),
            });
        }
    }

    let matches = match &login {
        Some(login) => password::verify(password, &login.password_hash),
        None => {
            password::verify_against_dummy(password);
            false
        }
    };

    if matches {
        let login = login.ok_or(SignInError::Failed(DomainError::NotFound))?;
        if !login.enabled {
            db::write_transaction(conn, |conn| {
                audit::record(
                    conn,
                    &Actor::visitor(ip),
                    "sign_in.refused",
                    Target::new(login_type(area), login.id),
                    &format!("{}: account disabled", login.email),
                )
            })?;
            return Err(SignInError::Disabled);
        }
        db::write_transaction(conn, |conn| SignInThrottle::clear(conn, &account_key))?;
        return Ok(());
    }

    let (failures, locked) = db::write_transaction(conn, |conn| {
        let account = register_failure(conn, &account_key, ACCOUNT_FAILURE_LIMIT, now)?;
        let address = register_failure(conn, &address_key, ADDRESS_FAILURE_LIMIT, now)?;
        let target = match &login {
            Some(l) => Target::new(login_type(area), l.id),
            None => Target::none(),
        };
        audit::record(
            conn,
            &Actor::visitor(ip),
            "sign_in.failed",
            target,
            &format!("{} area, email {email}", area.key()),
        )?;
        // The slow-down follows the account: people behind one address should not wait for
        // each other's typos. The address only ever locks.
        QueryResult::Ok((account.failures, account.locked || address.locked))
    })?;
    if locked {
        return Err(SignInError::Locked {
            minutes: LOCKOUT_MINUTES,
        });
    }
    Err(SignInError::WrongCredentials {
        delay: slowdown(failures),
    })
}

/// Asks the acting person for its own password again before a sensitive change (its own
/// password or email, its second factor). A wrong password counts as a failed sign-in of
/// that account, so guessing here meets the same limit and lock as on the sign-in page.
/// The message goes to `field`. Call it outside any write transaction: a failure is
/// recorded, and the caller's refusal must not roll that back.
pub fn confirm_password(
    conn: &mut DbConnection,
    actor: &Actor,
    typed: &str,
    field: &str,
) -> Result<(), DomainError> {
    let (area, email, hash, target) = match actor.kind {
        ActorKind::Employee { id, .. } => {
            let e = Employee::find(conn, id)?.ok_or(DomainError::NotFound)?;
            (
                Area::Admin,
                e.email,
                e.password_hash,
                Target::new("employee", id),
            )
        }
        ActorKind::ClientUser { id, .. } => {
            let u = User::find(conn, id)?.ok_or(DomainError::NotFound)?;
            (
                Area::Client,
                u.email,
                u.password_hash,
                Target::new("user", id),
            )
        }
        _ => return Err(DomainError::Forbidden),
    };
    let account_key = format!("{}:{email}", area.key());
    let now = db::now();
    if let Some(row) = SignInThrottle::find(conn, &account_key)?
        && let Some(until) = row.locked_until
        && until > now
    {
        return Err(DomainError::invalid(
            field,
            format!(
                "Too many wrong passwords: try again in {} minutes.",
                minutes_until(now, until)
            ),
        ));
    }
    if typed.is_empty() {
        return Err(DomainError::invalid(
            field,
            "Enter your current password to confirm this change.",
        ));
    }
    if password::verify(typed, &hash) {
        return Ok(());
    }
    db::write_transaction(conn, |conn| {
        register_failure(conn, &account_key, ACCOUNT_FAILURE_LIMIT, now)?;
        audit::record(
            conn,
            actor,
            "reauth.failed",
            target,
            "wrong current password",
        )
    })?;
    Err(DomainError::invalid(
        field,
        "This is not your current password.",
    ))
}

fn login_type(area: Area) -> &'static str {
    match area {
        Area::Admin => "employee",
        Area::Client => "user",
    }
}

struct Failures {
    failures: i32,
    locked: bool,
}

/// Counts one failure for `key`, starting a new window when the last one has passed.
fn register_failure(
    conn: &mut DbConnection,
    key: &str,
    limit: i32,
    now: NaiveDateTime,
) -> QueryResult<Failures> {
    let window_start = now - Duration::minutes(FAILURE_WINDOW_MINUTES);
    let lock_until = now + Duration::minutes(LOCKOUT_MINUTES);
    let row = SignInThrottle::count_failure(conn, key, now, window_start, limit, lock_until)?;
    Ok(Failures {
        failures: row.failures,
        locked: row.locked_until.is_some_and(|until| until > now),
    })
}

/// Forgets failures whose window and lock have passed (run now and then).
pub fn forget_old_failures(conn: &mut DbConnection) -> QueryResult<usize> {
    let now = db::now();
    let window_start = now - Duration::minutes(FAILURE_WINDOW_MINUTES);
    db::write_transaction(conn, |conn| {
        SignInThrottle::forget_before(conn, window_start, now)
    })
}

/// How long to hold back the answer after `failures` wrong attempts: nothing for the first
/// couple of typos, then half a second more for each, up to three seconds.
pub fn slowdown(failures: i32) -> std::time::Duration {
    let steps = (failures - SLOWDOWN_AFTER).clamp(0, 6) as u64;
    std::time::Duration::from_millis(500 * steps)
}

fn minutes_until(now: NaiveDateTime, until: NaiveDateTime) -> i64 {
    let seconds = (until - now).num_seconds().max(0);
    ((seconds + 59) / 60).max(1)
}

/// The employee behind a session, with its rights, if the session is still valid: enabled,
/// and no sign-out, password change or disabling since it began.
pub fn session_employee(
    conn: &mut DbConnection,
    id: EmployeeId,
    session_version: i64,
) -> QueryResult<Option<(Employee, Rights)>> {
    let Some(employee) =
        Employee::find(conn, id)?.filter(|e| e.enabled && e.session_version == session_version)
    else {
        return Ok(None);
    };
    let rights = rights_of(conn, &employee)?;
    Ok(Some((employee, rights)))
}

/// An employee's rights: its own grants and those of all its departments; everything for
/// an administrator.
pub fn rights_of(conn: &mut DbConnection, employee: &Employee) -> QueryResult<Rights> {
    if employee.is_superuser {
        return Ok(Rights::superuser());
    }
    let keys = Grant::effective_keys(conn, employee.id)?;
    Ok(Rights::from_keys(false, keys.iter().map(String::as_str)))
}

/// The client user behind a session, with its client, if both are still enabled and the
/// session is current.
pub fn session_user(
    conn: &mut DbConnection,
    id: UserId,
    session_version: i64,
) -> QueryResult<Option<(User, Client, ClientRights)>> {
    let Some(user) =
        User::find(conn, id)?.filter(|u| u.enabled && u.session_version == session_version)
    else {
        return Ok(None);
    };
    let Some(client) = Client::find(conn, user.client_id)?.filter(|c| c.enabled) else {
        return Ok(None);
    };
    let rights = crate::domain::client_permissions::rights_of(conn, &user)?;
    Ok(Some((user, client, rights)))
}

/// Signs the actor out everywhere: every session of this employee or user ends.
pub fn sign_out(conn: &mut DbConnection, actor: &Actor) -> Result<(), DomainError> {
    db::write_transaction(conn, |conn| {
        match &actor.kind {
            ActorKind::Employee { id, .. } => {
                Employee::bump_session_version(conn, *id)?;
                audit::record(
                    conn,
                    actor,
                    "sign_out",
                    Target::new("employee", *id),
                    "admin area",
                )?;
            }
            ActorKind::ClientUser { id, .. } => {
                User::bump_session_version(conn, *id)?;
                audit::record(
                    conn,
                    actor,
                    "sign_out",
                    Target::new("user", *id),
                    "client area",
                )?;
            }
            ActorKind::EmployeeAsClient {
                employee_id,
                client_id,
                ..
            } => {
                audit::record(
                    conn,
                    actor,
                    "impersonation.stop",
                    Target::new("client", *client_id),
                    "signed out",
                )?;
                Employee::bump_session_version(conn, *employee_id)?;
                audit::record(
                    conn,
                    actor,
                    "sign_out",
                    Target::new("employee", *employee_id),
                    "from the client area",
                )?;
            }
            ActorKind::System | ActorKind::Visitor => {}
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slowdown_grows_then_stops() {
        assert_eq!(slowdown(1), std::time::Duration::ZERO);
        assert_eq!(slowdown(2), std::time::Duration::ZERO);
        assert_eq!(slowdown(3), std::time::Duration::from_millis(500));
        assert_eq!(slowdown(4), std::time::Duration::from_millis(1000));
        assert_eq!(slowdown(100), std::time::Duration::from_millis(3000));
    }

    #[test]
    fn lock_minutes_round_up() {
        let now = db::now();
        assert_eq!(minutes_until(now, now + Duration::seconds(61)), 2);
        assert_eq!(minutes_until(now, now + Duration::seconds(1)), 1);
        assert_eq!(minutes_until(now, now + Duration::minutes(15)), 15);
    }
}
