//! The users of a client, managed in the client area: the owner (or a user with the users
//! section) invites users by email (the invited person chooses its password when it
//! accepts), edits, disables and deletes them and chooses their sections. The owner cannot
//! be disabled or deleted; nobody grants a section they lack or changes their own; an
//! employee working as the client cannot create sign-ins or change passwords or emails.

use chrono::Duration;

use crate::db::models::invitation::{Invitation, NewInvitation};
use crate::db::models::{Client, NewUser, OutboxMail, User};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Changes, Target};
use crate::domain::client_permissions::{self, SECTIONS, USERS};
use crate::domain::email::Email;
use crate::domain::mail::templates::{self, Addressee};
use crate::domain::password::NewPassword;
use crate::domain::registration::parse_name;
use crate::domain::sessions;
use crate::domain::{Actor, ActorKind, DomainError, FieldErrors, clients};
use crate::ids::PersonId;
use crate::ids::{InvitationId, UserId};

/// A user's changes, as its form sends them (users are made by invitation: `invite`).
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
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = Email::parse(email).map_err(|m| errors.add("email", m)).ok();
        let name = parse_name(name).map_err(|m| errors.add("name", m)).ok();
        let password = match password {
            "" => Some(None),
            typed => NewPassword::parse(typed)
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

/// How long an invitation's link works.
pub const INVITATION_DAYS: i64 = 7;

/// A checked invitation: who, and the sections it gets.
#[derive(Debug)]
pub struct InvitationInput {
    pub email: Email,
    pub name: String,
    pub sections: Vec<&'static str>,
}

impl InvitationInput {
    pub fn parse(email: &str, name: &str, sections: &[String]) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = Email::parse(email).map_err(|m| errors.add("email", m)).ok();
        let name = parse_name(name).map_err(|m| errors.add("name", m)).ok();
        if sections
            .iter()
            .any(|s| !SECTIONS.iter().any(|k| k.key == s))
        {
            errors.add("sections", "Choose sections from the list.");
        }
        match (email, name) {
            (Some(email), Some(name)) if errors.is_empty() => Ok(Self {
                email,
                name,
                sections: client_permissions::section_keys(sections),
            }),
            _ => Err(errors),
        }
    }
}

/// Invites someone to be a user of the actor's client: a link goes to the address, and the
/// user is made when the invited person accepts it and chooses its password. The answer is
/// the same whether or not the address has a sign-in somewhere (then the mail says so, to
/// the address's owner alone), so inviting tells nobody who is registered. A new invitation
/// of an address replaces the client's open one. `site` is where people reach billpanel.
pub fn invite(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &InvitationInput,
    site: &str,
) -> Result<Invitation, DomainError> {
    let client_id = client_permissions::require(conn, actor, USERS)?;
    if actor.is_impersonating() {
        return Err(DomainError::invalid(
            "email",
            "Working as the client, you cannot create sign-ins for it; only the client can.",
        ));
    }
    db::write_transaction(conn, |conn| {
        check_sections(conn, actor, &input.sections)?;
        let client = Client::find(conn, client_id)?.ok_or(DomainError::NotFound)?;
        let email = input.email.as_str();
        Invitation::withdraw(conn, client_id, email)?;
        let token = crate::config::random_hex(32);
        let now = db::now();
        let invitation = Invitation::insert(
            conn,
            &NewInvitation {
                client_id,
                email,
                name: &input.name,
                sections: &input.sections.join(","),
                token_hash: &crate::domain::sessions::hash_key(&token),
                invited_by: match actor.kind {
                    ActorKind::ClientUser { id, .. } => Some(id),
                    _ => None,
                },
                created_at: now,
                expires_at: now + Duration::days(INVITATION_DAYS),
            },
        )?;
        let to = Addressee::client(conn, client_id, None)?;
        let site = site.trim_end_matches('/');
        let letter = if User::find_by_email(conn, email)?.is_some() {
            templates::write(
                conn,
                &templates::INVITATION_TAKEN,
                &to,
                &[("client", client.name.clone()), ("site", site.to_owned())],
            )?
        } else {
            templates::write(
                conn,
                &templates::INVITATION,
                &to,
                &[
                    ("name", input.name.clone()),
                    ("client", client.name.clone()),
                    ("site", site.to_owned()),
                    ("link", format!("{site}/invitation?token={token}")),
                    ("days", INVITATION_DAYS.to_string()),
                ],
            )?
        };
        OutboxMail::queue(conn, &letter.to(email, now))?;
        audit::record(
            conn,
            actor,
            "user.invite",
            Target::new("client", client_id),
            &format!("{email}, sections {}", input.sections.join(", ")),
        )?;
        Ok(invitation)
    })
}

/// The client's open invitations, for the users page.
pub fn invitations(conn: &mut DbConnection, actor: &Actor) -> Result<Vec<Invitation>, DomainError> {
    let client_id = client_permissions::require(conn, actor, USERS)?;
    Ok(Invitation::open_of_client(conn, client_id)?)
}

/// Withdraws an open invitation of the actor's client; another client's is `NotFound`.
pub fn cancel_invitation(
    conn: &mut DbConnection,
    actor: &Actor,
    id: InvitationId,
) -> Result<Invitation, DomainError> {
    let client_id = client_permissions::require(conn, actor, USERS)?;
    db::write_transaction(conn, |conn| {
        let invitation = Invitation::find_of_client(conn, client_id, id)?
            .filter(|i| i.accepted_at.is_none())
            .ok_or(DomainError::NotFound)?;
        Invitation::withdraw(conn, client_id, &invitation.email)?;
        audit::record(
            conn,
            actor,
            "user.invite_cancel",
            Target::new("client", client_id),
            &invitation.email,
        )?;
        Ok(invitation)
    })
}

/// The invitation a link stands for, with its client's name, for the page that accepts it;
/// `None` when the link is unknown, used or expired.
pub fn invitation_of_link(
    conn: &mut DbConnection,
    token: &str,
) -> Result<Option<(Invitation, String)>, DomainError> {
    let Some(invitation) =
        Invitation::by_token(conn, &crate::domain::sessions::hash_key(token), db::now())?
    else {
        return Ok(None);
    };
    let client = Client::find(conn, invitation.client_id)?
        .filter(|c| c.enabled)
        .map(|c| c.name);
    Ok(client.map(|name| (invitation, name)))
}

/// Accepts an invitation: the user is made with the password the invited person chose and
/// the sections the client gave. A link used, expired or unknown, or an address that has a
/// sign-in already, is refused at `token`.
pub fn accept_invitation(
    conn: &mut DbConnection,
    actor: &Actor,
    token: &str,
    name: &str,
    password: &NewPassword,
) -> Result<User, DomainError> {
    let name = parse_name(name).map_err(|m| DomainError::invalid("name", m))?;
    let hash = password.hash().map_err(DomainError::Internal)?;
    let token_hash = crate::domain::sessions::hash_key(token);
    db::write_transaction(conn, |conn| {
        let now = db::now();
        let invitation = Invitation::by_token(conn, &token_hash, now)?.ok_or_else(|| {
            DomainError::invalid(
                "token",
                "This invitation was used already, withdrawn or has expired. Ask for a new one.",
            )
        })?;
        if !Invitation::accept(conn, invitation.id, now)? {
            return Err(DomainError::invalid(
                "token",
                "This invitation was used already.",
            ));
        }
        if User::find_by_email(conn, &invitation.email)?.is_some() {
            return Err(DomainError::invalid(
                "token",
                "This address has a sign-in already, and a sign-in belongs to one account: ask for an invitation of another address.",
            ));
        }
        Client::find(conn, invitation.client_id)?
            .filter(|c| c.enabled)
            .ok_or(DomainError::NotFound)?;
        let user = User::insert(
            conn,
            &NewUser {
                client_id: invitation.client_id,
                email: &invitation.email,
                name: &name,
                password_hash: &hash,
                is_owner: false,
                enabled: true,
                created_at: now,
                // The link that brought them was mailed to this address.
                email_confirmed_at: Some(now),
            },
        )
        .map_err(|e| {
            if db::is_unique_violation(&e) {
                DomainError::invalid("token", "This address has a sign-in already.")
            } else {
                e.into()
            }
        })?;
        let sections: Vec<String> = invitation
            .sections
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        client_permissions::set_grants(
            conn,
            user.id,
            &client_permissions::section_keys(&sections),
        )?;
        clients::reindex(conn, invitation.client_id)?;
        audit::record(
            conn,
            actor,
            "user.create",
            Target::new("user", user.id),
            &format!(
                "email {} (invitation accepted), sections {}",
                user.email, invitation.sections
            ),
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
        // The new address is not confirmed yet: its user asks for the link on the profile.
        if email_changes {
            User::unconfirm_email(conn, id)?;
        }
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
