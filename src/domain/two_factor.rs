//! Two-factor sign-in with an authenticator app (TOTP, RFC 6238): setting it up with a QR
//! code drawn by billpanel, ten single-use recovery codes, signing in with a code, turning
//! it off, and the staff's policy (a department or the whole staff may require it).
//!
//! - The secret is sealed with the server's key (`secrets::Sealer`); recovery codes are kept
//!   as SHA-256 hashes (each is 60 random bits, so a fast hash is enough, unlike passwords).
//! - A code is taken once: its time step must be later than the last one taken, checked and
//!   written in one statement.
//! - Wrong codes count as failed sign-ins of the account and of the address: the same
//!   limit and lock as passwords.
//! - An employee working as a client never meets the client's second factor, and cannot
//!   change it.
//! - Whether a policy sends an employee to set one up is read with its session, in one
//!   query (`Session::live_employee`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use totp_rs::{Builder, Totp};

use crate::db::models::Employee;
use crate::db::models::setting::Setting;
use crate::db::models::two_factor::{RecoveryCode, TwoFactor};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::auth::{self, Login, SignInError};
use crate::domain::permissions::{self, require};
use crate::domain::secrets::Sealer;
use crate::domain::{Actor, ActorKind, DomainError};
use crate::ids::{EmployeeId, PersonId};

/// Recovery codes made at a time.
pub const RECOVERY_CODES: usize = 10;

/// The setting that requires a second factor of every employee: "required" or absent.
pub(crate) const STAFF_POLICY: &str = "staff_two_factor";

/// The name an authenticator app shows above the code.
const ISSUER: &str = "billpanel";

fn now_seconds() -> u64 {
    chrono::Utc::now().timestamp().max(0) as u64
}

/// The TOTP of a secret, for the person signing in as `account` (30-second steps, six
/// digits, SHA-1, one step either way for a clock that is a little off: what every
/// authenticator app does).
fn totp(secret: Vec<u8>, account: &str) -> Result<Totp, DomainError> {
    Builder::new()
        .with_secret(secret)
        .with_account_name(account.replace(':', " "))
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| DomainError::Internal(format!("cannot set up TOTP: {e}")))
}

/// The person whose own second factor the actor manages: refused while working as a
/// client (the client's second factor is the client's).
fn own_person(actor: &Actor) -> Result<(PersonId, String), DomainError> {
    match &actor.kind {
        ActorKind::Employee { id, email, .. } => Ok((PersonId::Employee(*id), email.clone())),
        ActorKind::ClientUser { id, email, .. } => Ok((PersonId::User(*id), email.clone())),
        ActorKind::EmployeeAsClient { .. } => Err(DomainError::invalid(
            "code",
            "Working as the client, you cannot change its two-factor sign-in; only the client can.",
        )),
        _ => Err(DomainError::Forbidden),
    }
}

/// Where a person's second factor stands.
pub struct Status {
    /// Confirmed: sign-in asks for a code.
    pub enabled: bool,
    /// Recovery codes not used yet.
    pub recovery_left: usize,
}

pub fn status(conn: &mut DbConnection, person: PersonId) -> Result<Status, DomainError> {
    match TwoFactor::of(conn, person)?.filter(|t| t.confirmed_at.is_some()) {
        Some(found) => Ok(Status {
            enabled: true,
            recovery_left: RecoveryCode::unused(conn, found.id)?.len(),
        }),
        None => Ok(Status {
            enabled: false,
            recovery_left: 0,
        }),
    }
}

/// What the set-up page shows: the secret as text (in groups of four) and as a QR code.
pub struct Setup {
    pub secret: String,
    /// The QR code of the `otpauth://` address, as an `<svg>` element.
    pub qr_svg: String,
}

/// Starts setting up the actor's second factor: a new secret, not yet asked at sign-in
/// (a set-up begun before and not finished is replaced).
pub fn begin_setup(
    conn: &mut DbConnection,
    actor: &Actor,
    sealer: &Sealer,
) -> Result<(), DomainError> {
    let (person, _) = own_person(actor)?;
    if TwoFactor::confirmed_for(conn, person)? {
        return Err(DomainError::invalid(
            "code",
            "Two-factor sign-in is on already.",
        ));
    }
    let secret: [u8; 20] = rand::random();
    let sealed = sealer.seal(&secret);
    db::write_transaction(conn, |conn| {
        TwoFactor::begin(conn, person, &sealed, db::now())
    })?;
    Ok(())
}

/// The set-up under way (begun, not confirmed), as the page shows it; `None` when none is.
pub fn pending_setup(
    conn: &mut DbConnection,
    actor: &Actor,
    sealer: &Sealer,
) -> Result<Option<Setup>, DomainError> {
    let (person, email) = own_person(actor)?;
    let Some(secret) = TwoFactor::of(conn, person)?
        .filter(|t| t.confirmed_at.is_none())
        .and_then(|t| sealer.open(&t.secret))
    else {
        return Ok(None);
    };
    let totp = totp(secret, &email)?;
    let url = totp
        .to_url()
        .map_err(|e| DomainError::Internal(format!("cannot write the otpauth address: {e}")))?;
    let qr = qrcode::QrCode::new(url.as_bytes())
        .map_err(|e| DomainError::Internal(format!("cannot draw the QR code: {e}")))?;
    let svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // Without the XML declaration, to sit inside the page.
    let qr_svg = svg
        .find("<svg")
        .map_or(svg.clone(), |at| svg[at..].to_owned());
    let base32 = totp.secret().to_base32();
    let secret = base32
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Some(Setup { secret, qr_svg }))
}

/// The step of `code` if it is a current code of the secret.
fn code_step(totp: &Totp, code: &str) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    totp.check(&code, now_seconds()).map(|step| step as i64)
}

/// Makes ten recovery codes, stores their hashes and returns them to be shown once.
fn new_recovery_codes(
    conn: &mut DbConnection,
    two_factor: crate::ids::TwoFactorId,
) -> QueryResult<Vec<String>> {
    const LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let raw: String = (0..12)
                .map(|_| LETTERS[rand::random_range(0..LETTERS.len())] as char)
                .collect();
            format!("{}-{}-{}", &raw[0..4], &raw[4..8], &raw[8..12])
        })
        .collect();
    let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
    RecoveryCode::replace(conn, two_factor, &hashes)?;
    Ok(codes)
}

/// A recovery code as typed (any case, with or without dashes and spaces), hashed.
fn recovery_hash(typed: &str) -> String {
    let normal: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    crate::domain::sessions::hash_key(&normal)
}

/// Confirms the set-up with a first code: sign-in asks for codes from now on. Returns the
/// recovery codes, to be shown once.
pub fn confirm(
    conn: &mut DbConnection,
    actor: &Actor,
    code: &str,
    sealer: &Sealer,
) -> Result<Vec<String>, DomainError> {
    let (person, email) = own_person(actor)?;
    let pending = TwoFactor::of(conn, person)?
        .filter(|t| t.confirmed_at.is_none())
        .ok_or_else(|| {
            DomainError::invalid("code", "Start again: the set-up was finished or ended.")
        })?;
    let secret = sealer.open(&pending.secret).ok_or_else(|| {
        DomainError::invalid("code", "Start again: this set-up can no longer be read.")
    })?;
    let step = code_step(&totp(secret, &email)?, code).ok_or_else(|| {
        DomainError::invalid(
            "code",
            "This is not the current code: type the six digits the app shows now.",
        )
    })?;
    db::write_transaction(conn, |conn| {
        TwoFactor::confirm(conn, pending.id, step, db::now())?;
        let codes = new_recovery_codes(conn, pending.id)?;
        audit::record(
            conn,
            actor,
            "two_factor.enable",
            target(person),
            "authenticator app",
        )?;
        Ok(codes)
    })
}

/// Checks a code of the actor's confirmed second factor (a current code, taken once, or
/// an unused recovery code, used up), for turning it off or making new recovery codes.
fn check_own_code(
    conn: &mut DbConnection,
    person: PersonId,
    email: &str,
    code: &str,
    sealer: &Sealer,
) -> Result<(TwoFactor, &'static str), DomainError> {
    let found = TwoFactor::of(conn, person)?
        .filter(|t| t.confirmed_at.is_some())
        .ok_or_else(|| DomainError::invalid("code", "Two-factor sign-in is off."))?;
    match use_code(conn, &found, email, code, sealer)? {
        Some(how) => Ok((found, how)),
        None => Err(DomainError::invalid(
            "code",
            "This code is not right, or was used already: type the current one, or an unused recovery code.",
        )),
    }
}

/// Takes a code: a current authenticator code whose step is later than the last one taken,
/// or an unused recovery code. How it was proven, or `None`.
fn use_code(
    conn: &mut DbConnection,
    found: &TwoFactor,
    email: &str,
    code: &str,
    sealer: &Sealer,
) -> Result<Option<&'static str>, DomainError> {
    if let Some(secret) = sealer.open(&found.secret)
        && let Some(step) = code_step(&totp(secret, email)?, code)
    {
        let taken = db::write_transaction(conn, |conn| TwoFactor::take_step(conn, found.id, step))?;
        return Ok(taken.then_some("authenticator code"));
    }
    let hash = recovery_hash(code);
    let Some(recovery) = RecoveryCode::unused(conn, found.id)?
        .into_iter()
        .find(|r| r.code_hash == hash)
    else {
        return Ok(None);
    };
    let used = db::write_transaction(conn, |conn| {
        RecoveryCode::use_once(conn, recovery.id, db::now())
    })?;
    Ok(used.then_some("recovery code"))
}

/// Turns the actor's second factor off: asks for its password and a code.
pub fn disable(
    conn: &mut DbConnection,
    actor: &Actor,
    password: &str,
    code: &str,
    sealer: &Sealer,
) -> Result<(), DomainError> {
    let (person, email) = own_person(actor)?;
    auth::confirm_password(conn, actor, password, "password")?;
    check_own_code(conn, person, &email, code, sealer)?;
    db::write_transaction(conn, |conn| {
        TwoFactor::remove(conn, person)?;
        audit::record(conn, actor, "two_factor.disable", target(person), "")?;
        Ok(())
    })
}

/// New recovery codes for the actor (the old ones stop working), on a current code.
pub fn renew_recovery_codes(
    conn: &mut DbConnection,
    actor: &Actor,
    code: &str,
    sealer: &Sealer,
) -> Result<Vec<String>, DomainError> {
    let (person, email) = own_person(actor)?;
    let (found, _) = check_own_code(conn, person, &email, code, sealer)?;
    db::write_transaction(conn, |conn| {
        let codes = new_recovery_codes(conn, found.id)?;
        audit::record(
            conn,
            actor,
            "two_factor.recovery_codes",
            target(person),
            "new recovery codes",
        )?;
        Ok(codes)
    })
}

/// An administrator (staff.security) turns another employee's second factor off, for a
/// lost phone: it signs in with its password again and sets a new one up (at once, if a
/// policy requires it).
pub fn reset_for_employee(
    conn: &mut DbConnection,
    actor: &Actor,
    id: EmployeeId,
) -> Result<(), DomainError> {
    require(actor, permissions::STAFF_SECURITY)?;
    if actor.employee_id() == Some(id) {
        return Err(DomainError::invalid(
            "two_factor",
            "Turn your own two-factor sign-in off on your profile, with your password and a code.",
        ));
    }
    db::write_transaction(conn, |conn| {
        Employee::find(conn, id)?.ok_or(DomainError::NotFound)?;
        let person = PersonId::Employee(id);
        if TwoFactor::remove(conn, person)? == 0 {
            return Err(DomainError::invalid(
                "two_factor",
                "This employee has no two-factor sign-in to reset.",
            ));
        }
        audit::record(
            conn,
            actor,
            "two_factor.reset",
            target(person),
            "by an administrator",
        )?;
        Ok(())
    })
}

/// Whether the sign-in of this person asks for a second factor.
pub fn asked_at_sign_in(conn: &mut DbConnection, login: &Login) -> Result<bool, DomainError> {
    Ok(TwoFactor::confirmed_for(conn, login.session_owner())?)
}

/// The second step of signing in: a code (or a recovery code) of the person whose password
/// was right. Wrong codes count as failed sign-ins. How it was proven, for the audit.
pub fn verify_sign_in(
    conn: &mut DbConnection,
    login: &Login,
    code: &str,
    ip: &str,
    sealer: &Sealer,
) -> Result<&'static str, SignInError> {
    let throttle = login.throttle(ip);
    throttle.refuse_if_locked(conn)?;
    let found = TwoFactor::of(conn, login.session_owner())?
        .filter(|t| t.confirmed_at.is_some())
        .ok_or(SignInError::Failed(DomainError::NotFound))?;
    match use_code(conn, &found, login.email(), code, sealer).map_err(SignInError::Failed)? {
        Some(how) => {
            throttle.clear(conn)?;
            Ok(how)
        }
        None => Err(throttle.count_failure(
            conn,
            "sign_in.failed",
            login.target(),
            "wrong second-factor code",
        )),
    }
}

/// Whether every employee must use a second factor.
pub fn staff_policy(conn: &mut DbConnection) -> Result<bool, DomainError> {
    Ok(Setting::get(conn, STAFF_POLICY)?.as_deref() == Some("required"))
}

/// Requires (or stops requiring) a second factor of every employee.
pub fn set_staff_policy(
    conn: &mut DbConnection,
    actor: &Actor,
    required: bool,
) -> Result<(), DomainError> {
    require(actor, permissions::STAFF_SECURITY)?;
    db::write_transaction(conn, |conn| {
        Setting::set(
            conn,
            STAFF_POLICY,
            if required { "required" } else { "optional" },
        )?;
        audit::record(
            conn,
            actor,
            "two_factor.policy",
            Target::none(),
            if required {
                "required of all staff"
            } else {
                "left to departments and employees"
            },
        )?;
        Ok(())
    })
}

fn target(person: PersonId) -> Target<'static> {
    match person {
        PersonId::Employee(id) => Target::new("employee", id),
        PersonId::User(id) => Target::new("user", id),
    }
}

/// When it was turned on, for pages that say so.
pub fn since(conn: &mut DbConnection, person: PersonId) -> QueryResult<Option<NaiveDateTime>> {
    Ok(TwoFactor::of(conn, person)?.and_then(|t| t.confirmed_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_of_now_is_accepted_and_one_of_ten_minutes_ago_is_not() {
        let secret = b"12345678901234567890".to_vec();
        let totp = totp(secret, "ann@example.com").unwrap();
        let now = now_seconds();
        let current = totp.generate(now).to_string();
        assert_eq!(code_step(&totp, &current), Some((now / 30) as i64));
        let spaced = format!("{} {}", &current[..3], &current[3..]);
        assert!(code_step(&totp, &spaced).is_some());
        let old = totp.generate(now - 600).to_string();
        if old != current {
            assert_eq!(code_step(&totp, &old), None);
        }
        assert_eq!(code_step(&totp, "12345"), None);
        assert_eq!(code_step(&totp, "abcdef"), None);
    }

    #[test]
    fn recovery_codes_are_read_in_any_case_with_or_without_dashes() {
        assert_eq!(
            recovery_hash("abcd-efgh-jkmn"),
            recovery_hash("ABCD EFGH JKMN")
        );
        assert_ne!(
            recovery_hash("abcd-efgh-jkmn"),
            recovery_hash("abcd-efgh-jkmp")
        );
    }

    #[test]
    fn rfc_6238_test_vectors() {
        // RFC 6238, appendix B, SHA-1 (eight digits there; the six last are ours).
        let totp = Builder::new()
            .with_secret(b"12345678901234567890".to_vec())
            .with_digits(8)
            .with_account_name("rfc")
            .build()
            .unwrap();
        assert_eq!(totp.generate(59).to_string(), "94287082");
        assert_eq!(totp.generate(1111111109).to_string(), "07081804");
        assert_eq!(totp.generate(2000000000).to_string(), "69279037");
    }
}
