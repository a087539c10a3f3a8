//! What the two dashboards show: figures read in one place so the pages stay thin.

use chrono::Duration;

use crate::db::models::account::AccountSummary;
use crate::db::models::provider::ProviderChoice;
use crate::db::models::{Account, AuditEvent, Client, Employee, Provider};
use crate::db::{self, DbConnection};
use crate::domain::{Actor, ActorKind, DomainError};
use crate::ids::ClientId;

pub struct AdminDashboard {
    pub clients_total: i64,
    pub clients_last_week: i64,
    pub employees_total: i64,
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
    let latest = Client::latest(conn, 10)?;
    Ok(AdminDashboard {
        clients_total: Client::count(conn)?,
        clients_last_week: Client::count_since(conn, week_ago)?,
        employees_total: Employee::count(conn)?,
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
