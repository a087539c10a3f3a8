//! Business rules and transactions. Every operation takes the acting identity (`&Actor`)
//! first, checks it, and writes its audit event in the same transaction as the change.

pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod dashboard;
pub mod email;
pub mod errors;
pub mod money;
pub mod password;
pub mod registration;

pub use errors::{DomainError, FieldErrors};

use crate::ids::{ClientId, EmployeeId, UserId};

/// Who is acting, as the audit log will name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    /// The address the request came from; empty for the system and the command line.
    pub ip: String,
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
        is_superuser: bool,
    },
    ClientUser {
        id: UserId,
        client_id: ClientId,
        email: String,
    },
}

impl Actor {
    pub fn system() -> Self {
        Self {
            kind: ActorKind::System,
            ip: String::new(),
        }
    }

    pub fn visitor(ip: impl Into<String>) -> Self {
        Self {
            kind: ActorKind::Visitor,
            ip: ip.into(),
        }
    }

    /// The name the audit log shows.
    pub fn label(&self) -> String {
        match &self.kind {
            ActorKind::System => "system".into(),
            ActorKind::Visitor => "visitor".into(),
            ActorKind::Employee { email, .. } => email.clone(),
            ActorKind::ClientUser { email, .. } => email.clone(),
        }
    }

    pub fn is_superuser(&self) -> bool {
        matches!(
            self.kind,
            ActorKind::System
                | ActorKind::Employee {
                    is_superuser: true,
                    ..
                }
        )
    }

    pub fn employee_id(&self) -> Option<EmployeeId> {
        match self.kind {
            ActorKind::Employee { id, .. } => Some(id),
            _ => None,
        }
    }
}
