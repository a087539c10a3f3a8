//! What both areas' profiles share: two-factor sign-in (set up, confirm, turn off, new
//! recovery codes) and the person's sessions (see them, end one or all others). Each area
//! has thin handlers over these, with its own layout.

use actix_session::Session;
use actix_web::HttpResponse;
use serde::Deserialize;

use crate::domain::sessions::{self, SessionRow};
use crate::domain::two_factor::{self, Setup, Status};
use crate::domain::{Actor, DomainError, FieldErrors};
use crate::ids::SessionId;
use crate::web::forms::Outcome;
use crate::web::page::{self, Flash};
use crate::web::{AppState, WebError};

/// Recovery codes just made, kept in the cookie until the page shows them once.
const NEW_CODES: &str = "new_recovery_codes";

/// The two-factor page of either area.
pub struct TwoFactorView {
    /// `/admin/profile` or `/client/profile`: where its forms post.
    pub base: &'static str,
    pub status: Status,
    /// While it is being set up: the secret and QR code to scan.
    pub setup: Option<Setup>,
    /// Recovery codes made just now, shown this once.
    pub new_codes: Vec<String>,
    pub errors: FieldErrors,
    /// An employee working as the client: it sees, and changes nothing.
    pub impersonating: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CodeForm {
    pub code: String,
    pub password: String,
    /// The code of the form that makes new recovery codes (a field of its own, beside the
    /// form that turns two-factor sign-in off).
    pub renew_code: String,
}

/// Reads what the two-factor page shows to the actor.
pub async fn two_factor_view(
    state: &AppState,
    session: &Session,
    actor: &Actor,
    base: &'static str,
    errors: FieldErrors,
) -> Result<TwoFactorView, WebError> {
    let impersonating = actor.is_impersonating();
    let person = actor.session_owner().ok_or(WebError::Forbidden)?;
    let (status, setup) = if impersonating {
        (
            Status {
                enabled: false,
                recovery_left: 0,
            },
            None,
        )
    } else {
        let actor = actor.clone();
        let sealer = state.sealer.clone();
        state
            .db(move |conn| {
                let status = two_factor::status(conn, person)?;
                let setup = if status.enabled {
                    None
                } else {
                    two_factor::pending_setup(conn, &actor, &sealer)?
                };
                Ok::<_, DomainError>((status, setup))
            })
            .await?
    };
    let new_codes = session
        .remove_as::<Vec<String>>(NEW_CODES)
        .and_then(Result::ok)
        .unwrap_or_default();
    Ok(TwoFactorView {
        base,
        status,
        setup,
        new_codes,
        errors,
        impersonating,
    })
}

/// Begins setting up: a new secret to scan, shown by the page the browser goes back to.
pub async fn begin_setup(state: &AppState, actor: &Actor) -> Result<Outcome<()>, WebError> {
    let actor = actor.clone();
    let sealer = state.sealer.clone();
    state
        .attempt(move |conn| two_factor::begin_setup(conn, &actor, &sealer))
        .await
}

/// Confirms the set-up with a first code; the recovery codes wait in the cookie for the
/// page to show them once.
pub async fn confirm(
    state: &AppState,
    session: &Session,
    actor: &Actor,
    form: CodeForm,
) -> Result<Outcome<()>, WebError> {
    let actor = actor.clone();
    let sealer = state.sealer.clone();
    let outcome = state
        .attempt(move |conn| two_factor::confirm(conn, &actor, &form.code, &sealer))
        .await?;
    Ok(match outcome {
        Outcome::Done(codes) => {
            session.insert(NEW_CODES, codes)?;
            Flash::success(
                "Two-factor sign-in is on. Keep the recovery codes below somewhere safe.",
            )
            .set(session);
            Outcome::Done(())
        }
        Outcome::Invalid(errors) => Outcome::Invalid(errors),
    })
}

/// Makes new recovery codes on a current code.
pub async fn renew_codes(
    state: &AppState,
    session: &Session,
    actor: &Actor,
    form: CodeForm,
) -> Result<Outcome<()>, WebError> {
    let actor = actor.clone();
    let sealer = state.sealer.clone();
    let outcome = state
        .attempt(move |conn| {
            two_factor::renew_recovery_codes(conn, &actor, &form.renew_code, &sealer)
        })
        .await?;
    Ok(match outcome {
        Outcome::Done(codes) => {
            session.insert(NEW_CODES, codes)?;
            Flash::success("New recovery codes are made; the old ones no longer work.")
                .set(session);
            Outcome::Done(())
        }
        Outcome::Invalid(errors) => {
            let mut shown = FieldErrors::new();
            for (_, message) in errors.iter() {
                shown.add("renew_code", message.clone());
            }
            Outcome::Invalid(shown)
        }
    })
}

/// Turns two-factor sign-in off, with the password and a code.
pub async fn disable(
    state: &AppState,
    session: &Session,
    actor: &Actor,
    form: CodeForm,
) -> Result<Outcome<()>, WebError> {
    let actor = actor.clone();
    let sealer = state.sealer.clone();
    let outcome = state
        .attempt_with_password_work(move |conn| {
            two_factor::disable(conn, &actor, &form.password, &form.code, &sealer)
        })
        .await?;
    if let Outcome::Done(()) = outcome {
        Flash::success("Two-factor sign-in is off. Signing in asks for your password only.")
            .set(session);
    }
    Ok(outcome)
}

/// The actor's own sessions, for its profile.
pub async fn own_sessions(state: &AppState, actor: &Actor) -> Result<Vec<SessionRow>, WebError> {
    let actor = actor.clone();
    state.db(move |conn| sessions::list_own(conn, &actor)).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EndSessionForm {
    pub session_id: String,
}

/// Ends one of the actor's sessions (another browser), then back to the profile.
pub async fn end_session(
    state: &AppState,
    session: &Session,
    actor: &Actor,
    base: &str,
    form: EndSessionForm,
) -> Result<HttpResponse, WebError> {
    let Ok(id) = form.session_id.parse::<SessionId>() else {
        Flash::error("Choose a session from the list.").set(session);
        return Ok(page::redirect(base));
    };
    let actor = actor.clone();
    match state
        .attempt(move |conn| sessions::end_own(conn, &actor, id))
        .await
    {
        Ok(_) => {
            Flash::success("That session is ended: it is signed out at its next step.").set(session)
        }
        Err(WebError::Forbidden) => {
            Flash::error("Working as the client, you cannot end its sessions.").set(session)
        }
        Err(e) => return Err(e),
    }
    Ok(page::redirect(base))
}

/// Ends every session of the actor but this one.
pub async fn end_other_sessions(
    state: &AppState,
    session: &Session,
    actor: &Actor,
    base: &str,
) -> Result<HttpResponse, WebError> {
    let actor = actor.clone();
    match state
        .attempt(move |conn| sessions::end_other_own(conn, &actor))
        .await
    {
        Ok(Outcome::Done(0)) => Flash::info("There was no other session.").set(session),
        Ok(_) => Flash::success("Every other session is ended.").set(session),
        Err(WebError::Forbidden) => {
            Flash::error("Working as the client, you cannot end its sessions.").set(session)
        }
        Err(e) => return Err(e),
    }
    Ok(page::redirect(base))
}
