//! Business rules and transactions. Every operation takes the acting identity (`&Actor`)
//! first, checks it, and writes its audit event in the same transaction as the change.

pub mod audit;
pub mod auth;
pub mod billing_run;
pub mod bootstrap;
pub mod catalog;
pub mod client_groups;
pub mod client_permissions;
pub mod client_profile;
pub mod client_users;
pub mod clients;
pub mod companies;
pub mod currencies;
pub mod dashboard;
pub mod demo;
pub mod departments;
pub mod documents;
pub mod email;
pub mod email_confirmations;
pub mod employees;
pub mod errors;
pub mod impersonation;
pub mod inbox;
pub mod mail;
pub mod money;
pub mod password;
pub mod password_resets;
pub mod payers;
pub mod payments;
pub mod periods;
pub mod permissions;
pub mod providers;
pub mod registration;
pub mod search;
pub mod secrets;
pub mod services;
pub mod sessions;
pub mod text;
pub mod tickets;
pub mod two_factor;

pub use errors::{DomainError, FieldErrors};

use crate::ids::{ClientId, EmployeeId, UserId};

/// Who is acting, as the audit log will name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    /// The address the request came from; empty for the system and the command line.
    pub ip: String,
    /// The signed-in session the request came with, if any: "end my other sessions" and
    /// a change of one's own password keep it.
    pub session: Option<crate::ids::SessionId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorKind {
    /// Background jobs and the command line.
    System,
    /// Someone not signed in: registering or signing in.
    Visitor,
    Employee {
        id: EmployeeId,
        email: String,
        rights: permissions::Rights,
    },
    ClientUser {
        id: UserId,
        client_id: ClientId,
        email: String,
    },
    /// An employee working in the client area as a client's owner user ("log in as
    /// client"). Both are named in the audit log.
    EmployeeAsClient {
        employee_id: EmployeeId,
        email: String,
        user_id: UserId,
        client_id: ClientId,
    },
}

impl Actor {
    pub fn system() -> Self {
        Self {
            kind: ActorKind::System,
            ip: String::new(),
            session: None,
        }
    }

    pub fn visitor(ip: impl Into<String>) -> Self {
        Self {
            kind: ActorKind::Visitor,
            ip: ip.into(),
            session: None,
        }
    }

    /// The name the audit log shows.
    pub fn label(&self) -> String {
        match &self.kind {
            ActorKind::System => "system".into(),
            ActorKind::Visitor => "visitor".into(),
            ActorKind::Employee { email, .. } => email.clone(),
            ActorKind::ClientUser { email, .. } => email.clone(),
            ActorKind::EmployeeAsClient {
                email, client_id, ..
            } => format!("{email} as client #{client_id}"),
        }
    }

    /// True for the system and for administrators (employees with every right).
    pub fn is_superuser(&self) -> bool {
        match &self.kind {
            ActorKind::System => true,
            ActorKind::Employee { rights, .. } => rights.superuser,
            ActorKind::ClientUser { .. }
            | ActorKind::EmployeeAsClient { .. }
            | ActorKind::Visitor => false,
        }
    }

    /// The client whose area the actor works in: its own user, or an employee logged in
    /// as it.
    pub fn acting_client(&self) -> Option<ClientId> {
        match self.kind {
            ActorKind::ClientUser { client_id, .. }
            | ActorKind::EmployeeAsClient { client_id, .. } => Some(client_id),
            _ => None,
        }
    }

    /// An employee logged in as a client: some things only the client itself may do.
    pub fn is_impersonating(&self) -> bool {
        matches!(self.kind, ActorKind::EmployeeAsClient { .. })
    }

    /// The actor for an employee with the given rights.
    pub fn employee(
        employee: &crate::db::models::Employee,
        rights: permissions::Rights,
        ip: String,
    ) -> Self {
        Self {
            kind: ActorKind::Employee {
                id: employee.id,
                email: employee.email.clone(),
                rights,
            },
            ip,
            session: None,
        }
    }

    /// Whose sessions the actor's own are: an employee's (also while it works as a
    /// client, where the session is still the employee's) or a client user's.
    pub fn session_owner(&self) -> Option<crate::ids::PersonId> {
        use crate::ids::PersonId;
        match self.kind {
            ActorKind::Employee { id, .. } => Some(PersonId::Employee(id)),
            ActorKind::EmployeeAsClient { employee_id, .. } => {
                Some(PersonId::Employee(employee_id))
            }
            ActorKind::ClientUser { id, .. } => Some(PersonId::User(id)),
            ActorKind::System | ActorKind::Visitor => None,
        }
    }

    pub fn employee_id(&self) -> Option<EmployeeId> {
        match self.kind {
            ActorKind::Employee { id, .. } => Some(id),
            _ => None,
        }
    }
}
