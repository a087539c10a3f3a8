//! Sessions people can see and end. Each sign-in is a row (`sessions`); the browser's
//! encrypted cookie holds a random key whose SHA-256 names the row, and every request
//! reads the row with the person in one query, so ending a row ends that browser's session
//! at its next request on any server sharing the database.

use chrono::{Duration, NaiveDateTime};
use diesel::QueryResult;
use sha2::{Digest, Sha256};

use crate::db::models::session::{NewSession, Session};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, ActorKind, DomainError};
use crate::ids::{ClientId, EmployeeId, PersonId, SessionId, UserId};

/// A session ends this long after sign-in, whatever happens in between.
pub const LIFETIME_HOURS: i64 = 12;

/// Last-seen times are written at most this often per session (not at every request).
pub const TOUCH_EVERY: Duration = Duration::minutes(5);

/// Ended sessions are kept this long for the record, then forgotten.
pub const KEPT_DAYS: i64 = 30;

/// Where a sign-in comes from, as the request says.
#[derive(Debug, Clone, Default)]
pub struct Device {
    pub user_agent: String,
    pub ip: String,
}

/// A new session: its row, and the key for the browser's cookie (shown nowhere else).
#[derive(Debug, Clone)]
pub struct Started {
    pub id: SessionId,
    pub key: String,
}

/// The SHA-256 of a cookie's key, as the row keeps it.
pub fn hash_key(key: &str) -> String {
    use std::fmt::Write;
    let digest = Sha256::digest(key.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Starts a session for `owner`, in the caller's transaction.
pub fn start(conn: &mut DbConnection, owner: PersonId, device: &Device) -> QueryResult<Started> {
    let key = crate::config::random_hex(32);
    let now = db::now();
    let user_agent: String = device
        .user_agent
        .chars()
        .filter(|c| !c.is_control())
        .take(300)
        .collect();
    let (employee_id, user_id) = match owner {
        PersonId::Employee(id) => (Some(id), None),
        PersonId::User(id) => (None, Some(id)),
    };
    let row = Session::insert(
        conn,
        &NewSession {
            key_hash: &hash_key(&key),
            employee_id,
            user_id,
            user_agent: &user_agent,
            ip: &device.ip,
            created_at: now,
            last_seen_at: now,
        },
    )?;
    Ok(Started { id: row.id, key })
}

/// Whether a session begun at `created_at` is past its lifetime at `now`.
pub fn expired(created_at: NaiveDateTime, now: NaiveDateTime) -> bool {
    now - created_at > Duration::hours(LIFETIME_HOURS)
}

/// A session as its owner's list shows it.
pub struct SessionRow {
    pub session: Session,
    /// "Firefox on Windows".
    pub device: String,
    /// The session this list is read in.
    pub current: bool,
}

/// The actor's own live sessions, newest first. An employee working as a client sees
/// none: they are the client's, and not the employee's to look at.
pub fn list_own(conn: &mut DbConnection, actor: &Actor) -> Result<Vec<SessionRow>, DomainError> {
    if actor.is_impersonating() {
        return Ok(Vec::new());
    }
    let owner = actor.session_owner().ok_or(DomainError::Forbidden)?;
    let since = db::now() - Duration::hours(LIFETIME_HOURS);
    Ok(Session::live_of(conn, owner, since)?
        .into_iter()
        .map(|session| SessionRow {
            device: describe_device(&session.user_agent),
            current: Some(session.id) == actor.session,
            session,
        })
        .collect())
}

fn own_owner(actor: &Actor) -> Result<PersonId, DomainError> {
    if actor.is_impersonating() {
        // The sessions of the client's user are the client's own to end.
        return Err(DomainError::Forbidden);
    }
    actor.session_owner().ok_or(DomainError::Forbidden)
}

/// Ends one of the actor's own sessions (another browser's); another person's is
/// `NotFound`.
pub fn end_own(conn: &mut DbConnection, actor: &Actor, id: SessionId) -> Result<(), DomainError> {
    let owner = own_owner(actor)?;
    db::write_transaction(conn, |conn| {
        let session = Session::find_of(conn, owner, id)?.ok_or(DomainError::NotFound)?;
        if Session::end(conn, session.id, db::now())? {
            audit::record(
                conn,
                actor,
                "session.end",
                target_of(owner),
                &format!(
                    "{} from {}",
                    describe_device(&session.user_agent),
                    session.ip
                ),
            )?;
        }
        Ok(())
    })
}

/// Ends every session of the actor but the one it acts in; how many ended.
pub fn end_other_own(conn: &mut DbConnection, actor: &Actor) -> Result<usize, DomainError> {
    let owner = own_owner(actor)?;
    db::write_transaction(conn, |conn| {
        let ended = Session::end_all_of(conn, owner, actor.session, db::now())?;
        if ended > 0 {
            audit::record(
                conn,
                actor,
                "session.end_others",
                target_of(owner),
                &format!("{ended} other session(s) ended"),
            )?;
        }
        Ok(ended)
    })
}

/// An administrator (staff.edit) signs an employee out everywhere.
pub fn end_all_of_employee(
    conn: &mut DbConnection,
    actor: &Actor,
    id: EmployeeId,
) -> Result<usize, DomainError> {
    require(actor, permissions::STAFF_EDIT)?;
    db::write_transaction(conn, |conn| {
        crate::db::models::Employee::find(conn, id)?.ok_or(DomainError::NotFound)?;
        let owner = PersonId::Employee(id);
        // The actor's own session survives when it ends its own others.
        let except = (actor.employee_id() == Some(id))
            .then_some(actor.session)
            .flatten();
        let ended = Session::end_all_of(conn, owner, except, db::now())?;
        audit::record(
            conn,
            actor,
            "session.end_all",
            target_of(owner),
            &format!("{ended} session(s) ended"),
        )?;
        Ok(ended)
    })
}

/// An employee with clients.edit signs a user of the client out everywhere.
pub fn end_all_of_user(
    conn: &mut DbConnection,
    actor: &Actor,
    client: ClientId,
    user: UserId,
) -> Result<usize, DomainError> {
    require(actor, permissions::CLIENTS_EDIT)?;
    db::write_transaction(conn, |conn| {
        crate::db::models::User::find(conn, user)?
            .filter(|u| u.client_id == client)
            .ok_or(DomainError::NotFound)?;
        let owner = PersonId::User(user);
        let ended = Session::end_all_of(conn, owner, None, db::now())?;
        audit::record(
            conn,
            actor,
            "session.end_all",
            target_of(owner),
            &format!("{ended} session(s) ended"),
        )?;
        Ok(ended)
    })
}

/// Ends every session of `owner` but `except` (a password or sign-in changed, an account
/// disabled), in the caller's transaction.
pub fn end_all(
    conn: &mut DbConnection,
    owner: PersonId,
    except: Option<SessionId>,
) -> QueryResult<usize> {
    Session::end_all_of(conn, owner, except, db::now())
}

/// The session the actor acts in, if the owner is the actor (kept when its own password
/// changes): for ending "every other session".
pub fn kept_for(actor: &Actor, owner: PersonId) -> Option<SessionId> {
    let mine = match actor.kind {
        ActorKind::Employee { id, .. } => Some(PersonId::Employee(id)),
        ActorKind::ClientUser { id, .. } => Some(PersonId::User(id)),
        _ => None,
    };
    (mine == Some(owner)).then_some(actor.session).flatten()
}

fn target_of(owner: PersonId) -> Target<'static> {
    match owner {
        PersonId::Employee(id) => Target::new("employee", id),
        PersonId::User(id) => Target::new("user", id),
    }
}

/// Forgets sessions ended (or begun) more than `KEPT_DAYS` ago.
pub fn forget_old(conn: &mut DbConnection) -> QueryResult<usize> {
    let before = db::now() - Duration::days(KEPT_DAYS);
    db::write_transaction(conn, |conn| Session::forget_before(conn, before))
}

/// "Firefox on Windows", from a `User-Agent`: enough for a person to recognise a device,
/// not a census of browsers.
pub fn describe_device(user_agent: &str) -> String {
    let ua = user_agent;
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("OPR/") || ua.contains("Opera") {
        "Opera"
    } else if ua.contains("YaBrowser/") {
        "Yandex Browser"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else if ua.contains("curl/") {
        "curl"
    } else {
        ""
    };
    let system = if ua.contains("Android") {
        "Android"
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        ""
    };
    match (browser, system) {
        ("", "") => "Unknown device".into(),
        (b, "") => b.into(),
        ("", s) => format!("A browser on {s}"),
        (b, s) => format!("{b} on {s}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_named_from_the_user_agent() {
        let firefox =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(describe_device(firefox), "Firefox on Windows");
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
        assert_eq!(describe_device(chrome), "Chrome on Linux");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_device(safari), "Safari on iOS");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0";
        assert_eq!(describe_device(edge), "Edge on Windows");
        assert_eq!(describe_device(""), "Unknown device");
    }

    #[test]
    fn a_key_is_kept_only_as_its_hash() {
        let hash = hash_key("abc");
        assert_eq!(hash.len(), 64);
        assert_eq!(
            hash,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_session_expires_after_its_lifetime() {
        let start = db::now();
        assert!(!expired(start, start + Duration::hours(LIFETIME_HOURS)));
        assert!(expired(
            start,
            start + Duration::hours(LIFETIME_HOURS) + Duration::seconds(1)
        ));
    }
}
