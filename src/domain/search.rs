//! The admin header's search: one box that finds a client (by id, name, email, phone or
//! tax id), a payment, a service or a ticket (by id) and a document (by id or number),
//! each only for an employee who may see it.

use crate::db::DbConnection;
use crate::db::models::document::Document;
use crate::db::models::payment::{Payment, PaymentRow};
use crate::db::models::service::{Service, ServiceRow};
use crate::db::models::ticket::Ticket;
use crate::domain::clients::{self, ClientFilter, ClientRow};
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError, text, tickets};
use crate::ids::{DocumentId, PaymentId, ServiceId, TicketId};

/// Most clients listed; the page links to the client list for the rest.
pub const CLIENTS_SHOWN: i64 = 10;

/// What the search found, by kind.
#[derive(Default)]
pub struct Found {
    pub clients: Vec<ClientRow>,
    /// More clients match than are listed.
    pub more_clients: bool,
    pub payments: Vec<PaymentRow>,
    pub services: Vec<ServiceRow>,
    pub tickets: Vec<Ticket>,
    pub documents: Vec<Document>,
    /// A word about the search (too short, not searched).
    pub notice: Option<String>,
}

impl Found {
    pub fn count(&self) -> usize {
        self.clients.len()
            + self.payments.len()
            + self.services.len()
            + self.tickets.len()
            + self.documents.len()
    }
}

/// Everything `query` names that the actor may see.
pub fn everywhere(
    conn: &mut DbConnection,
    actor: &Actor,
    query: &str,
) -> Result<Found, DomainError> {
    let query = query.trim();
    let mut found = Found::default();
    if query.is_empty() {
        return Ok(found);
    }
    if let Err(message) = text::line(query) {
        found.notice = Some(format!("Nothing was searched: {message}"));
        return Ok(found);
    }
    let may = |permission| require(actor, permission).is_ok();
    if may(permissions::CLIENTS_VIEW) {
        let filter = ClientFilter {
            query: query.to_owned(),
            ..ClientFilter::default()
        };
        let page = clients::list(conn, actor, &filter, CLIENTS_SHOWN)?;
        found.more_clients = page.next.is_some();
        found.notice = page.notice;
        found.clients = page.rows;
    }
    // A number (or #number) is also the id of each kind of record.
    if let Ok(id) = query.trim_start_matches('#').parse::<i64>() {
        found.notice = None;
        if may(permissions::PAYMENTS_VIEW) {
            found.payments.extend(Payment::row(conn, PaymentId(id))?);
        }
        if may(permissions::SERVICES_VIEW) {
            found.services.extend(Service::row(conn, ServiceId(id))?);
        }
        if may(permissions::SUPPORT_VIEW) {
            match tickets::visible_ticket(conn, actor, TicketId(id)) {
                Ok(ticket) => found.tickets.push(ticket),
                Err(DomainError::NotFound | DomainError::Forbidden) => {}
                Err(e) => return Err(e),
            }
        }
        if may(permissions::DOCUMENTS_VIEW) {
            found
                .documents
                .extend(Document::find(conn, DocumentId(id))?);
        }
    } else if may(permissions::DOCUMENTS_VIEW) {
        found.documents = Document::with_number(conn, &query.to_uppercase())?;
    }
    Ok(found)
}
