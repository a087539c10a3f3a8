//! The users of a client, managed in the client area: the owner (or a user with the users
//! section) adds, edits, disables and deletes users and chooses their sections. The owner
//! cannot be disabled or deleted; nobody grants a section they lack or changes their own;
//! an employee working as the client cannot change users' passwords or emails.

use crate::db::models::{NewUser, User};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Changes, Target};
use crate::domain::client_permissions::{self, SECTIONS, USERS};
use crate::domain::email::Email;
use crate::domain::password::NewPassword;
use crate::domain::registration::parse_name;
use crate::domain::sessions;
use crate::domain::{Actor, ActorKind, DomainError, FieldErrors, clients};
use crate::ids::PersonId;
use crate::ids::UserId;

/// A checked user.
#[derive(Debug)]
pub struct UserInput {
    pub email: Email,
    pub name: String,
    pub password: Option<NewPassword>,
    pub enabled: bool,
    pub sections: Vec<&'static str>,
    /// The actor's own password, asked when it changes its own password or email here.
    pub current_password: String,
}

impl UserInput {
    pub fn parse(
        email: &str,
        name: &str,
        password: &str,
        enabled: bool,
        sections: &[String],
        new: bool,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = Email::parse(email).map_err(|m| errors.add("email", m)).ok();
        let name = parse_name(name).map_err(|m| errors.add("name", m)).ok();
        let password = match (password, new) {
            ("", false) => Some(None),
            ("", true) => {
                errors.add("password", "Choose a password for the new user.");
                None
            }
            (typed, _) => NewPassword::parse(typed)
                .map(Some)
                .map_err(|m| errors.add("password", m))
                .ok(),
        };
        if sections
            .iter()
            .any(|s| !SECTIONS.iter().any(|k| k.key == s))
        {
            errors.add("sections", "Choose sections from the list.");
        }
        match (email, name, password) {
            (Some(email), Some(name), Some(password)) if errors.is_empty() => Ok(Self {
                email,
                name,
                password,
                enabled,
                sections: client_permissions::section_keys(sections),
                current_password: String::new(),
            }),
            _ => Err(errors),
        }
    }
}

/// A user with its sections, for the list.
pub struct UserRow {
    pub user: User,
    pub sections: Vec<String>,
}

pub fn list(conn: &mut DbConnection, actor: &Actor) -> Result<Vec<UserRow>, DomainError> {
    let client_id = client_permissions::require(conn, actor, USERS)?;
    let mut rows = Vec::new();
    for user in User::of_client(conn, client_id)? {
        let sections = client_permissions::grants_of(conn, user.id)?;
        rows.push(UserRow { user, sections });
    }
    Ok(rows)
}

pub fn get(conn: &mut DbConnection, actor: &Actor, id: UserId) -> Result<UserRow, DomainError> {
    let client_id = client_permissions::require(conn, actor, USERS)?;
    let user = User::find(conn, id)?
        .filter(|u| u.client_id == client_id)
        .ok_or(DomainError::NotFound)?;
    let sections = client_permissions::grants_of(conn, id)?;
    Ok(UserRow { user, sections })
}

/// Sections the actor may hand out: all for the owner or an employee working as the
/// client, else its own.
fn check_sections(
    conn: &mut DbConnection,
    actor: &Actor,
    sections: &[&str],
) -> Result<(), DomainError> {
    let ActorKind::ClientUser { id, .. } = actor.kind else {
        return Ok(());
    };
    let me = User::find(conn, id)?.ok_or(DomainError::Forbidden)?;
    let mine = client_permissions::rights_of(conn, &me)?;
    if sections.iter().all(|s| mine.has_key(s)) {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "sections",
            "You can only give sections you have yourself.",
        ))
    }
}

fn email_taken() -> DomainError {
    DomainError::invalid("email", "A user with this email exists already.")
}

pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &UserInput,
) -> Result<User, DomainError> {
    let client_id = client_permissions::require(conn, actor, USERS)?;
    if actor.is_impersonating() {
        return Err(DomainError::invalid(
            "email",
            "Working as the client, you cannot create sign-ins for it; only the client can.",
        ));
    }
    let hash = input
        .password
        .as_ref()
        .ok_or_else(|| DomainError::invalid("password", "Choose a password for the new user."))?
        .hash()
        .map_err(DomainError::Internal)?;
    db::write_transaction(conn, |conn| {
        check_sections(conn, actor, &input.sections)?;
        if User::find_by_email(conn, input.email.as_str())?.is_some() {
            return Err(email_taken());
        }
        let user = User::insert(
            conn,
            &NewUser {
                client_id,
                email: input.email.as_str(),
                name: &input.name,
                password_hash: &hash,
                is_owner: false,
                enabled: input.enabled,
                created_at: db::now(),
            },
        )
        .map_err(|e| {
            if db::is_unique_violation(&e) {
                email_taken()
            } else {
                e.into()
            }
        })?;
        client_permissions::set_grants(conn, user.id, &input.sections)?;
        clients::reindex(conn, client_id)?;
        let mut changes = Changes::new();
        changes
            .set("email", &user.email)
            .set("sections", input.sections.join(", "));
        audit::record(
            conn,
            actor,
            "user.create",
            Target::new("user", user.id),
            &changes.summary(),
        )?;
        Ok(user)
    })
}

pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    id: UserId,
    input: &UserInput,
) -> Result<User, DomainError> {
    let client_id = client_permissions::require(conn, actor, USERS)?;
    let myself = matches!(actor.kind, ActorKind::ClientUser { id: me, .. } if me == id);
    // One's own password or sign-in is changed only with one's own password, here as on
    // the profile page.
    if myself {
        let before = User::find(conn, id)?.ok_or(DomainError::NotFound)?;
        // The owner's email is not changed here at all (refused below, with its reason).
        let email_changes = before.email != input.email.as_str() && !before.is_owner;
        if input.password.is_some() || email_changes {
            crate::domain::auth::confirm_password(
                conn,
                actor,
                &input.current_password,
                "current_password",
            )?;
        }
    }
    let hash = match &input.password {
        Some(p) => Some(p.hash().map_err(DomainError::Internal)?),
        None => None,
    };
    db::write_transaction(conn, |conn| {
        let before = User::find(conn, id)?
            .filter(|u| u.client_id == client_id)
            .ok_or(DomainError::NotFound)?;
        let sections_before = client_permissions::grants_of(conn, id)?;
        let mut errors = FieldErrors::new();
        let email_changes = before.email != input.email.as_str();
        // The owner is edited by the owner alone (or an employee working as the client,
        // who works as the owner): another user with the users section may not rename it.
        let as_owner = match actor.kind {
            ActorKind::ClientUser { id: me, .. } => me == id,
            ActorKind::EmployeeAsClient { user_id, .. } => user_id == id,
            _ => false,
        };
        if before.is_owner && !as_owner {
            errors.add("name", "Only the owner edits the owner's account.");
        }
        if actor.is_impersonating() && (email_changes || hash.is_some()) {
            errors.add(
                if email_changes { "email" } else { "password" },
                "Working as the client, you cannot change users' emails or passwords; only the client can.",
            );
        }
        // The owner's sign-in is the provider's to move, and its password the owner's own.
        if before.is_owner && email_changes {
            errors.add(
                "email",
                "The owner's email is changed by your provider; write to support.",
            );
        }
        if before.is_owner && hash.is_some() && !myself {
            errors.add("password", "Only the owner sets the owner's password.");
        }
        // Nobody manages a user who may do more than they may.
        if !myself && !before.is_owner {
            let theirs =
                client_permissions::section_keys(&client_permissions::grants_of(conn, id)?);
            if check_sections(conn, actor, &theirs).is_err() {
                errors.add(
                    "sections",
                    "This user has sections you do not have; only the owner can change it.",
                );
            }
        }
        if before.is_owner && !input.enabled {
            errors.add("enabled", "The owner cannot be disabled.");
        }
        let sections_change = client_permissions::section_keys(&sections_before) != input.sections;
        if myself && !before.is_owner && sections_change {
            errors.add("sections", "You cannot change your own sections.");
        }
        if myself && !input.enabled {
            errors.add("enabled", "You cannot disable yourself.");
        }
        errors.into_result()?;
        if !before.is_owner && sections_change {
            check_sections(conn, actor, &input.sections)?;
        }
        if email_changes && User::find_by_email(conn, input.email.as_str())?.is_some() {
            return Err(email_taken());
        }
        User::update_profile(
            conn,
            id,
            input.email.as_str(),
            &input.name,
            input.enabled,
            hash.as_deref(),
        )
        .map_err(|e| {
            if db::is_unique_violation(&e) {
                email_taken()
            } else {
                e.into()
            }
        })?;
        // A new sign-in, a new password or disabling ends the user's sessions (the actor's
        // own goes on when it changed its own).
        if email_changes || hash.is_some() || (before.enabled && !input.enabled) {
            let owner = PersonId::User(id);
            sessions::end_all(conn, owner, sessions::kept_for(actor, owner))?;
        }
        if !before.is_owner {
            client_permissions::set_grants(conn, id, &input.sections)?;
        }
        clients::reindex(conn, client_id)?;
        let mut changes = Changes::new();
        changes
            .field("email", &before.email, &input.email)
            .field("name", &before.name, &input.name)
            .field("enabled", before.enabled, input.enabled);
        if !before.is_owner {
            changes.field(
                "sections",
                sections_before.join(", "),
                input.sections.join(", "),
            );
        }
        if hash.is_some() {
            changes.note("password set");
        }
        if !changes.is_empty() {
            audit::record(
                conn,
                actor,
                "user.update",
                Target::new("user", id),
                &changes.summary(),
            )?;
        }
        User::find(conn, id)?.ok_or(DomainError::NotFound)
    })
}

pub fn delete(conn: &mut DbConnection, actor: &Actor, id: UserId) -> Result<User, DomainError> {
    let client_id = client_permissions::require(conn, actor, USERS)?;
    db::write_transaction(conn, |conn| {
        let user = User::find(conn, id)?
            .filter(|u| u.client_id == client_id)
            .ok_or(DomainError::NotFound)?;
        if user.is_owner {
            return Err(DomainError::invalid(
                "delete",
                "The owner cannot be deleted.",
            ));
        }
        if matches!(actor.kind, ActorKind::ClientUser { id: me, .. } if me == id) {
            return Err(DomainError::invalid(
                "delete",
                "You cannot delete yourself.",
            ));
        }
        let theirs = client_permissions::section_keys(&client_permissions::grants_of(conn, id)?);
        if check_sections(conn, actor, &theirs).is_err() {
            return Err(DomainError::invalid(
                "delete",
                "This user has sections you do not have; only the owner can delete it.",
            ));
        }
        User::delete(conn, id)?;
        clients::reindex(conn, client_id)?;
        audit::record(
            conn,
            actor,
            "user.delete",
            Target::new("user", id),
            &format!("email {}", user.email),
        )?;
        Ok(user)
    })
}
