//! Signing in and out of both areas. Failed attempts are counted per account and per
//! address: after a few, answers are slowed down; past a limit, sign-in is refused for a while.
//! An unknown email and a wrong password get the same answer after the same work.

use chrono::{Duration, NaiveDateTime};
use diesel::QueryResult;

use crate::db::models::session::{LiveSession, Session};
use crate::db::models::{Client, Employee, Grant, SignInThrottle, User};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::client_permissions::ClientRights;
use crate::domain::permissions::Rights;
use crate::domain::sessions::{self, Device, Started};
use crate::domain::{Actor, ActorKind, DomainError, password};
use crate::ids::{EmployeeId, PersonId, SessionId, UserId};

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

/// What both kinds of login have in common, for the password check.
struct Credentials {
    id: i64,
    email: String,
    password_hash: String,
    enabled: bool,
}

/// Someone whose password was right: an employee or a client user.
#[derive(Debug, Clone)]
pub enum Login {
    Employee(Employee),
    User(User),
}

impl Login {
    pub fn session_owner(&self) -> PersonId {
        match self {
            Login::Employee(e) => PersonId::Employee(e.id),
            Login::User(u) => PersonId::User(u.id),
        }
    }

    pub fn email(&self) -> &str {
        match self {
            Login::Employee(e) => &e.email,
            Login::User(u) => &u.email,
        }
    }

    pub fn area(&self) -> Area {
        match self {
            Login::Employee(_) => Area::Admin,
            Login::User(_) => Area::Client,
        }
    }

    /// The counts its attempts from `ip` are held to (passwords and second factors alike).
    pub(crate) fn throttle(&self, ip: &str) -> Throttle {
        Throttle::new(self.area(), ip, self.email())
    }

    pub(crate) fn actor(&self, conn: &mut DbConnection, ip: &str) -> QueryResult<Actor> {
        Ok(match self {
            Login::Employee(e) => Actor::employee(e, rights_of(conn, e)?, ip.to_owned()),
            Login::User(u) => Actor {
                kind: ActorKind::ClientUser {
                    id: u.id,
                    client_id: u.client_id,
                    email: u.email.clone(),
                },
                ip: ip.to_owned(),
                session: None,
            },
        })
    }

    pub(crate) fn target(&self) -> Target<'static> {
        match self {
            Login::Employee(e) => Target::new("employee", e.id),
            Login::User(u) => Target::new("user", u.id),
        }
    }
}

/// Checks an employee's email and password (the first step of signing in to the admin
/// area; the second factor, if it has one, and `finish_sign_in` follow).
pub fn check_employee_password(
    conn: &mut DbConnection,
    ip: &str,
    email: &str,
    password: &str,
) -> Result<Employee, SignInError> {
    let email = crate::domain::text::line(email)
        .map_err(SignInError::Unreadable)?
        .to_lowercase();
    let employee = Employee::find_by_email(conn, &email)?;
    let credentials = employee.as_ref().map(|e| Credentials {
        id: e.id.0,
        email: e.email.clone(),
        password_hash: e.password_hash.clone(),
        enabled: e.enabled,
    });
    check(conn, Area::Admin, ip, &email, password, credentials)?;
    employee.ok_or(SignInError::Failed(DomainError::NotFound))
}

/// Checks a client user's email and password. A disabled client disables all its users.
pub fn check_user_password(
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
    let credentials = found.as_ref().map(|(u, c)| Credentials {
        id: u.id.0,
        email: u.email.clone(),
        password_hash: u.password_hash.clone(),
        enabled: u.enabled && c.enabled,
    });
    let user = found.map(|(u, _)| u);
    check(conn, Area::Client, ip, &email, password, credentials)?;
    user.ok_or(SignInError::Failed(DomainError::NotFound))
}

/// The person whose password was right, waiting for its second factor, if it can still
/// sign in (enabled, its client too).
pub fn pending_login(conn: &mut DbConnection, person: PersonId) -> QueryResult<Option<Login>> {
    Ok(match person {
        PersonId::Employee(id) => Employee::find(conn, id)?
            .filter(|e| e.enabled)
            .map(Login::Employee),
        PersonId::User(id) => match User::find(conn, id)?.filter(|u| u.enabled) {
            Some(user) => Client::find(conn, user.client_id)?
                .filter(|c| c.enabled)
                .map(|_| Login::User(user)),
            None => None,
        },
    })
}

/// Signs in someone whose password (and second factor, if any) was right: records the
/// sign-in, audits it (`how`: "password", "password and code", ...) and starts a session,
/// in one transaction. The session's key goes into the browser's cookie.
pub fn finish_sign_in(
    conn: &mut DbConnection,
    login: &Login,
    device: &Device,
    how: &str,
) -> Result<Started, DomainError> {
    let actor = login.actor(conn, &device.ip)?;
    let area = match login {
        Login::Employee(_) => "admin area",
        Login::User(_) => "client area",
    };
    db::write_transaction(conn, |conn| {
        let now = db::now();
        match login {
            Login::Employee(e) => Employee::record_sign_in(conn, e.id, now)?,
            Login::User(u) => User::record_sign_in(conn, u.id, now)?,
        }
        let started = sessions::start(conn, login.session_owner(), device)?;
        audit::record(
            conn,
            &actor,
            "sign_in",
            login.target(),
            &format!("{area}, {how}"),
        )?;
        Ok(started)
    })
}

/// The shared part: refuse while locked, verify the password (or a dummy hash), count a
/// failure or clear the account's count on success.
fn check(
    conn: &mut DbConnection,
    area: Area,
    ip: &str,
    email: &str,
    password: &str,
    login: Option<Credentials>,
) -> Result<(), SignInError> {
    let throttle = Throttle::new(area, ip, email);
    throttle.refuse_if_locked(conn)?;

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
        throttle.clear(conn)?;
        return Ok(());
    }
    let target = match &login {
        Some(l) => Target::new(login_type(area), l.id),
        None => Target::none(),
    };
    Err(throttle.count_failure(
        conn,
        "sign_in.failed",
        target,
        &format!("{} area, email {email}", area.key()),
    ))
}

/// The counts a sign-in attempt is held to: its account's (area and email) and its
/// address's. Passwords and second factors count alike.
pub(crate) struct Throttle {
    account_key: String,
    address_key: String,
    ip: String,
}

impl Throttle {
    pub(crate) fn new(area: Area, ip: &str, email: &str) -> Self {
        Self {
            account_key: format!("{}:{email}", area.key()),
            address_key: format!("ip:{ip}"),
            ip: ip.to_owned(),
        }
    }

    /// Refuses while the account or the address is locked.
    pub(crate) fn refuse_if_locked(&self, conn: &mut DbConnection) -> Result<(), SignInError> {
        let now = db::now();
        for key in [&self.account_key, &self.address_key] {
            if let Some(row) = SignInThrottle::find(conn, key)?
                && let Some(until) = row.locked_until
                && until > now
            {
                return Err(SignInError::Locked {
                    minutes: minutes_until(now, until),
                });
            }
        }
        Ok(())
    }

    /// Forgets the account's failures after a success.
    pub(crate) fn clear(&self, conn: &mut DbConnection) -> Result<(), SignInError> {
        db::write_transaction(conn, |conn| SignInThrottle::clear(conn, &self.account_key))?;
        Ok(())
    }

    /// Counts a failure of both, audits it (`action` on `target`) and says what the
    /// person is told: locked, or wrong after the slow-down its account has earned.
    pub(crate) fn count_failure(
        &self,
        conn: &mut DbConnection,
        action: &str,
        target: Target<'_>,
        note: &str,
    ) -> SignInError {
        let now = db::now();
        let counted = db::write_transaction(conn, |conn| {
            let account = register_failure(conn, &self.account_key, ACCOUNT_FAILURE_LIMIT, now)?;
            let address = register_failure(conn, &self.address_key, ADDRESS_FAILURE_LIMIT, now)?;
            audit::record(conn, &Actor::visitor(&self.ip), action, target, note)?;
            // The slow-down follows the account: people behind one address should not wait
            // for each other's typos. The address only ever locks.
            QueryResult::Ok((account.failures, account.locked || address.locked))
        });
        match counted {
            Err(e) => SignInError::Failed(e.into()),
            Ok((_, true)) => SignInError::Locked {
                minutes: LOCKOUT_MINUTES,
            },
            Ok((failures, false)) => SignInError::WrongCredentials {
                delay: slowdown(failures),
            },
        }
    }
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

/// The employee behind a session, with its rights, the session's row and whether a policy
/// sends it to set up a second factor, if the session is live (not ended, not past its
/// lifetime) and the employee enabled. One query for the session, the employee and the
/// policy, then the rights.
pub fn session_employee(
    conn: &mut DbConnection,
    key: &str,
    id: EmployeeId,
) -> QueryResult<Option<(LiveSession, Employee, Rights, bool)>> {
    let Some((session, employee, must_set_up)) =
        Session::live_employee(conn, &sessions::hash_key(key), id)?
            .filter(|(s, e, _)| e.enabled && !sessions::expired(s.created_at, db::now()))
    else {
        return Ok(None);
    };
    let rights = rights_of(conn, &employee)?;
    Ok(Some((session, employee, rights, must_set_up)))
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

/// The client user behind a session, with its client, its rights and the session's row,
/// if the session is live and the user and its client enabled.
pub fn session_user(
    conn: &mut DbConnection,
    key: &str,
    id: UserId,
) -> QueryResult<Option<(LiveSession, User, Client, ClientRights)>> {
    let Some((session, user, client)) = Session::live_user(conn, &sessions::hash_key(key), id)?
        .filter(|(s, u, c)| u.enabled && c.enabled && !sessions::expired(s.created_at, db::now()))
    else {
        return Ok(None);
    };
    let rights = crate::domain::client_permissions::rights_of(conn, &user)?;
    Ok(Some((session, user, client, rights)))
}

/// Notes that a session was used (at most every `sessions::TOUCH_EVERY`).
pub fn touch_session(conn: &mut DbConnection, id: SessionId) -> QueryResult<()> {
    db::write_transaction(conn, |conn| Session::touch(conn, id, db::now()))
}

/// Signs the actor out: the session it acts in ends (its other sessions go on; the profile
/// page ends those). Working as a client, the employee's own session ends, and with it the
/// work as the client.
pub fn sign_out(conn: &mut DbConnection, actor: &Actor) -> Result<(), DomainError> {
    db::write_transaction(conn, |conn| {
        if let Some(session) = actor.session {
            Session::end(conn, session, db::now())?;
        }
        match &actor.kind {
            ActorKind::Employee { id, .. } => {
                audit::record(
                    conn,
                    actor,
                    "sign_out",
                    Target::new("employee", *id),
                    "admin area",
                )?;
            }
            ActorKind::ClientUser { id, .. } => {
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
