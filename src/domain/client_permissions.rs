//! What a client's users may do in the client area, section by section. The owner may do
//! everything; other users only the sections granted to them by the owner. An employee
//! logged in as the client acts as its owner.

use std::collections::BTreeSet;

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::User;
use crate::db::schema::user_grants;
use crate::domain::{Actor, ActorKind, DomainError};
use crate::ids::{ClientId, UserId};

/// A section of the client area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    pub key: &'static str,
    pub label: &'static str,
}

pub const SERVICES: Section = Section {
    key: "services",
    label: "Services",
};
pub const FINANCE: Section = Section {
    key: "finance",
    label: "Finance: payments and documents",
};
pub const PAYERS: Section = Section {
    key: "payers",
    label: "Payers",
};
pub const SUPPORT: Section = Section {
    key: "support",
    label: "Support tickets",
};
pub const USERS: Section = Section {
    key: "users",
    label: "Users and their permissions",
};

pub const SECTIONS: &[Section] = &[SERVICES, FINANCE, PAYERS, SUPPORT, USERS];

/// A type naming a section, for `ClientRequire<S>` in handler signatures.
pub trait RequiredSection {
    const SECTION: Section;
}

/// Marker types: `ClientRequire<csec::Payers>`.
pub mod csec {
    use super::*;
    pub struct Services;
    pub struct Finance;
    pub struct Payers;
    pub struct Support;
    pub struct Users;
    impl RequiredSection for Services {
        const SECTION: Section = SERVICES;
    }
    impl RequiredSection for Finance {
        const SECTION: Section = FINANCE;
    }
    impl RequiredSection for Payers {
        const SECTION: Section = PAYERS;
    }
    impl RequiredSection for Support {
        const SECTION: Section = SUPPORT;
    }
    impl RequiredSection for Users {
        const SECTION: Section = USERS;
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientRights {
    pub owner: bool,
    granted: BTreeSet<&'static str>,
}

impl ClientRights {
    pub fn owner() -> Self {
        Self {
            owner: true,
            granted: BTreeSet::new(),
        }
    }

    pub fn has(&self, section: Section) -> bool {
        self.owner || self.granted.contains(section.key)
    }

    pub fn has_key(&self, key: &str) -> bool {
        self.owner || self.granted.contains(key)
    }
}

/// The sections a user's stored grants name (unknown keys grant nothing).
pub fn section_keys(keys: &[String]) -> Vec<&'static str> {
    SECTIONS
        .iter()
        .filter(|s| keys.iter().any(|k| k == s.key))
        .map(|s| s.key)
        .collect()
}

pub fn grants_of(conn: &mut DbConnection, user_id: UserId) -> QueryResult<Vec<String>> {
    user_grants::table
        .filter(user_grants::user_id.eq(user_id))
        .select(user_grants::permission)
        .load(conn)
}

pub fn set_grants(conn: &mut DbConnection, user_id: UserId, keys: &[&str]) -> QueryResult<()> {
    diesel::delete(user_grants::table.filter(user_grants::user_id.eq(user_id))).execute(conn)?;
    for key in keys {
        diesel::insert_into(user_grants::table)
            .values((
                user_grants::user_id.eq(user_id),
                user_grants::permission.eq(*key),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn rights_of(conn: &mut DbConnection, user: &User) -> QueryResult<ClientRights> {
    if user.is_owner {
        return Ok(ClientRights::owner());
    }
    let keys = grants_of(conn, user.id)?;
    Ok(ClientRights {
        owner: false,
        granted: section_keys(&keys).into_iter().collect(),
    })
}

/// The client the actor works for, if it may use `section` there; read again from the
/// database, whatever the web layer checked.
pub fn require(
    conn: &mut DbConnection,
    actor: &Actor,
    section: Section,
) -> Result<ClientId, DomainError> {
    match actor.kind {
        ActorKind::EmployeeAsClient { client_id, .. } => Ok(client_id),
        ActorKind::ClientUser { id, client_id, .. } => {
            let user = User::find(conn, id)?
                .filter(|u| u.enabled)
                .ok_or(DomainError::Forbidden)?;
            if rights_of(conn, &user)?.has(section) {
                Ok(client_id)
            } else {
                Err(DomainError::Forbidden)
            }
        }
        _ => Err(DomainError::Forbidden),
    }
}
