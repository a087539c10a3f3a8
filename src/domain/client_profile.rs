//! The client's own profile: contact data (the owner edits it; the name and the owner's
//! email only the provider changes) and each user's own name and password.

use crate::db::models::{Client, ClientChanges, User};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Changes, Target};
use crate::domain::auth;
use crate::domain::password::NewPassword;
use crate::domain::registration::parse_name;
use crate::domain::{Actor, ActorKind, DomainError, FieldErrors, clients, text};

/// Whether the actor may edit the client's contact data: the owner, or an employee working
/// as the client.
pub fn may_edit_contacts(conn: &mut DbConnection, actor: &Actor) -> Result<bool, DomainError> {
    Ok(match actor.kind {
        ActorKind::EmployeeAsClient { .. } => true,
        ActorKind::ClientUser { id, .. } => User::find(conn, id)?.is_some_and(|u| u.is_owner),
        _ => false,
    })
}

/// The client's contact data as its owner edits it on the profile.
#[derive(Debug, Clone, Copy)]
pub struct Contacts<'a> {
    pub contact_person: &'a str,
    pub phone: &'a str,
    pub country: &'a str,
    pub language: &'a str,
    pub receives_mailings: bool,
}

pub fn update_contacts(
    conn: &mut DbConnection,
    actor: &Actor,
    contacts: Contacts<'_>,
) -> Result<Client, DomainError> {
    let Contacts {
        contact_person,
        phone,
        country,
        language,
        receives_mailings,
    } = contacts;
    let client_id = actor.acting_client().ok_or(DomainError::Forbidden)?;
    if !may_edit_contacts(conn, actor)? {
        return Err(DomainError::Forbidden);
    }
    let mut errors = FieldErrors::new();
    let mut field = |name: &str, value: &str, max: usize| {
        text::optional(value, max)
            .map_err(|m| errors.add(name, m))
            .unwrap_or_default()
    };
    let contact_person = field("contact_person", contact_person, 200);
    let phone = field("phone", phone, 40);
    let country = field("country", country, 2).to_uppercase();
    let language = crate::domain::mail::templates::chosen_language(language)
        .map_err(|m| errors.add("language", m))
        .unwrap_or_default();
    if !country.is_empty()
        && (country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()))
    {
        errors.add("country", "Use the two-letter country code, like RU or DE.");
    }
    errors.into_result()?;
    db::write_transaction(conn, |conn| {
        let before = Client::find(conn, client_id)?.ok_or(DomainError::NotFound)?;
        let after = Client::update(
            conn,
            client_id,
            &ClientChanges {
                name: &before.name,
                kind: &before.kind,
                contact_person: &contact_person,
                phone: &phone,
                country: &country,
                language: if language.is_empty() {
                    &before.language
                } else {
                    &language
                },
                comment: &before.comment,
                registered_by: before.registered_by,
            },
        )?;
        clients::reindex(conn, client_id)?;
        let mut changes = Changes::new();
        changes
            .field(
                "contact person",
                &before.contact_person,
                &after.contact_person,
            )
            .field("phone", &before.phone, &after.phone)
            .field("country", &before.country, &after.country)
            .field("language", &before.language, &after.language);
        if Client::set_receives_mailings(conn, client_id, receives_mailings)? {
            changes.note(if receives_mailings {
                "subscribed to mailings"
            } else {
                "unsubscribed from mailings"
            });
        }
        if !changes.is_empty() {
            audit::record(
                conn,
                actor,
                "client.update_profile",
                Target::new("client", client_id),
                &changes.summary(),
            )?;
        }
        Ok(after)
    })
}

/// A client user changes its own password, giving the current one. Refused to an employee
/// working as the client. Every other session of the user ends.
pub fn change_own_password(
    conn: &mut DbConnection,
    actor: &Actor,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<User, DomainError> {
    let ActorKind::ClientUser { id, .. } = actor.kind else {
        return Err(DomainError::invalid(
            "current_password",
            "Working as the client, you cannot change its password.",
        ));
    };
    let user = User::find(conn, id)?.ok_or(DomainError::NotFound)?;
    let mut errors = FieldErrors::new();
    auth::confirm_password(conn, actor, current, "current_password")
        .or_else(|e| errors.absorb(e))?;
    let new_password = NewPassword::parse(new)
        .map_err(|m| errors.add("new_password", m))
        .ok();
    if new != confirm {
        errors.add("new_password_confirm", "The two passwords do not match.");
    }
    errors.into_result()?;
    let hash = new_password
        .ok_or_else(|| DomainError::invalid("new_password", "Choose a new password."))?
        .hash()
        .map_err(DomainError::Internal)?;
    db::write_transaction(conn, |conn| {
        User::update_profile(conn, id, &user.email, &user.name, user.enabled, Some(&hash))?;
        // Every other session ends; this one goes on.
        let owner = crate::ids::PersonId::User(id);
        crate::domain::sessions::end_all(
            conn,
            owner,
            crate::domain::sessions::kept_for(actor, owner),
        )?;
        audit::record(
            conn,
            actor,
            "user.change_password",
            Target::new("user", id),
            "own password",
        )?;
        User::find(conn, id)?.ok_or(DomainError::NotFound)
    })
}

/// A client user changes its own name.
pub fn change_own_name(
    conn: &mut DbConnection,
    actor: &Actor,
    name: &str,
) -> Result<User, DomainError> {
    let (ActorKind::ClientUser { id, .. } | ActorKind::EmployeeAsClient { user_id: id, .. }) =
        actor.kind
    else {
        return Err(DomainError::Forbidden);
    };
    let name = parse_name(name).map_err(|m| DomainError::invalid("user_name", m))?;
    db::write_transaction(conn, |conn| {
        let user = User::find(conn, id)?.ok_or(DomainError::NotFound)?;
        User::update_profile(conn, id, &user.email, &name, user.enabled, None)?;
        clients::reindex(conn, user.client_id)?;
        if user.name != name {
            audit::record(
                conn,
                actor,
                "user.update_profile",
                Target::new("user", id),
                &format!("name: {:?} → {name:?}", user.name),
            )?;
        }
        User::find(conn, id)?.ok_or(DomainError::NotFound)
    })
}

/// The profile form: the user's own name and, for the owner, the client's contact data,
/// checked together and written in one transaction (bad input writes nothing).
pub fn update_profile(
    conn: &mut DbConnection,
    actor: &Actor,
    user_name: &str,
    contacts: Contacts<'_>,
) -> Result<(), DomainError> {
    let Contacts {
        contact_person,
        phone,
        country,
        language,
        ..
    } = contacts;
    let mut errors = FieldErrors::new();
    if let Err(m) = parse_name(user_name) {
        errors.add("user_name", m);
    }
    let may_edit = may_edit_contacts(conn, actor)?;
    if may_edit {
        let mut field = |name: &str, value: &str, max: usize| {
            if let Err(m) = text::optional(value, max) {
                errors.add(name, m);
            }
        };
        field("contact_person", contact_person, 200);
        field("phone", phone, 40);
        if let Err(m) = crate::domain::mail::templates::chosen_language(language) {
            errors.add("language", m);
        }
        let country = country.trim().to_uppercase();
        if !country.is_empty()
            && (country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()))
        {
            errors.add("country", "Use the two-letter country code, like RU or DE.");
        }
    }
    errors.into_result()?;
    db::write_transaction(conn, |conn| {
        change_own_name(conn, actor, user_name)?;
        if may_edit {
            update_contacts(conn, actor, contacts)?;
        }
        Ok(())
    })
}
