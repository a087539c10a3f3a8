//! "Log in as client": an employee with the permission works in a client's area as its owner
//! user. Start and stop are audited; everything done meanwhile is audited with both
//! identities (see `ActorKind::EmployeeAsClient`).

use diesel::QueryResult;

use crate::db::models::{Client, User};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, ActorKind, DomainError};
use crate::ids::{ClientId, UserId};

/// Starts working as the client: returns the owner user to act as.
pub fn start(
    conn: &mut DbConnection,
    actor: &Actor,
    client_id: ClientId,
) -> Result<User, DomainError> {
    require(actor, permissions::CLIENTS_IMPERSONATE)?;
    db::write_transaction(conn, |conn| {
        let client = Client::find(conn, client_id)?.ok_or(DomainError::NotFound)?;
        if !client.enabled {
            return Err(DomainError::invalid(
                "impersonate",
                "This client is disabled; enable it first.",
            ));
        }
        let owner = User::owner_of(conn, client_id)?
            .filter(|u| u.enabled)
            .ok_or_else(|| {
                DomainError::invalid("impersonate", "This client has no enabled owner user.")
            })?;
        audit::record(
            conn,
            actor,
            "impersonation.start",
            Target::new("client", client_id),
            &format!("as {}", owner.email),
        )?;
        Ok(owner)
    })
}

/// Ends working as the client, for `reason` ("returned", "expired after 60 minutes").
pub fn stop(conn: &mut DbConnection, actor: &Actor, reason: &str) -> Result<ClientId, DomainError> {
    let ActorKind::EmployeeAsClient { client_id, .. } = actor.kind else {
        return Err(DomainError::Forbidden);
    };
    db::write_transaction(conn, |conn| {
        audit::record(
            conn,
            actor,
            "impersonation.stop",
            Target::new("client", client_id),
            reason,
        )?;
        Ok(client_id)
    })
}

/// The user and client being worked as, while both are still enabled.
pub fn session_target(
    conn: &mut DbConnection,
    user_id: UserId,
) -> QueryResult<Option<(User, Client)>> {
    let Some(user) = User::find(conn, user_id)?.filter(|u| u.enabled) else {
        return Ok(None);
    };
    Ok(Client::find(conn, user.client_id)?
        .filter(|c| c.enabled)
        .map(|c| (user, c)))
}
