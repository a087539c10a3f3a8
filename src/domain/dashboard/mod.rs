//! What the two dashboards show: figures read in one place so the pages stay thin.

use chrono::Duration;

use crate::db::models::account::AccountSummary;
use crate::db::models::provider::ProviderChoice;
use crate::db::models::{Account, AuditEvent, Client, Employee, Provider};
use crate::db::{self, DbConnection};
use crate::domain::{Actor, ActorKind, DomainError, permissions};
use crate::ids::ClientId;

/// What the admin dashboard shows; each part only to an employee who may see it.
pub struct AdminDashboard {
    /// (all clients, registered in the last 7 days), with clients.view.
    pub clients: Option<(i64, i64)>,
    /// With staff.view.
    pub employees_total: Option<i64>,
    pub latest_clients: Vec<Client>,
    /// Of those, the ones with an active service.
    pub active_clients: Vec<crate::ids::ClientId>,
    pub providers: Vec<ProviderChoice>,
    /// Recent audit events, for administrators only.
    pub recent_events: Vec<AuditEvent>,
}

pub fn admin_dashboard(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<AdminDashboard, DomainError> {
    if !matches!(actor.kind, ActorKind::Employee { .. }) {
        return Err(DomainError::Forbidden);
    }
    let week_ago = db::now() - Duration::days(7);
    let sees_clients = permissions::require(actor, permissions::CLIENTS_VIEW).is_ok();
    let latest = if sees_clients {
        Client::latest(conn, 10)?
    } else {
        Vec::new()
    };
    Ok(AdminDashboard {
        clients: if sees_clients {
            Some((Client::count(conn)?, Client::count_since(conn, week_ago)?))
        } else {
            None
        },
        employees_total: if permissions::require(actor, permissions::STAFF_VIEW).is_ok() {
            Some(Employee::count(conn)?)
        } else {
            None
        },
        active_clients: crate::db::models::service::Service::clients_with_active(
            conn,
            &latest.iter().map(|c| c.id).collect::<Vec<_>>(),
        )?,
        latest_clients: latest,
        providers: Provider::choices(conn)?,
        recent_events: if actor.is_superuser() {
            AuditEvent::latest(conn, 10)?
        } else {
            Vec::new()
        },
    })
}

pub struct ClientDashboard {
    pub client: Client,
    pub accounts: Vec<AccountSummary>,
    pub unread_messages: i64,
    /// The latest payments, for users with the finance section.
    pub payments: Vec<crate::db::models::payment::PaymentRow>,
}

/// The client's own dashboard; a user of another client gets `NotFound`.
pub fn client_dashboard(
    conn: &mut DbConnection,
    actor: &Actor,
    client_id: ClientId,
) -> Result<ClientDashboard, DomainError> {
    if actor.acting_client() != Some(client_id) {
        return Err(DomainError::NotFound);
    }
    let client = Client::find(conn, client_id)?.ok_or(DomainError::NotFound)?;
    Ok(ClientDashboard {
        accounts: Account::summaries_of_client(conn, client.id)?,
        unread_messages: crate::db::models::Message::count_unread(conn, client.id)?,
        payments: match crate::domain::client_permissions::require(
            conn,
            actor,
            crate::domain::client_permissions::FINANCE,
        ) {
            Ok(_) => crate::domain::payments::latest_of_client(conn, client.id, 5)?,
            Err(_) => Vec::new(),
        },
        client,
    })
}
