//! Client groups: a name, a description and a discount that billing applies to prices;
//! members are added from the group, from the client card, or in bulk from the client list.

use rust_decimal::Decimal;

use crate::db::models::Client;
use crate::db::models::client_group::{ClientGroup, ClientGroupFields};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Changes, Target};
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError, FieldErrors, text};
use crate::ids::{ClientGroupId, ClientId};

/// A discount percentage ("12.5", "0", "100") as basis points; at most two decimals.
pub fn parse_discount(raw: &str) -> Result<i32, String> {
    let raw = raw.trim().trim_end_matches('%').trim().replace(',', ".");
    if raw.is_empty() {
        return Ok(0);
    }
    let plain =
        raw.chars().all(|c| c.is_ascii_digit() || c == '.') && raw.matches('.').count() <= 1;
    let value = plain
        .then(|| raw.parse::<Decimal>().ok())
        .flatten()
        .ok_or("Enter the discount as a number, like 10 or 12.5.")?;
    if value.scale() > 2 {
        return Err("Use at most two decimals.".into());
    }
    if value > Decimal::from(100) {
        return Err("A discount is between 0 and 100 %.".into());
    }
    let bp = value * Decimal::from(100);
    bp.trunc()
        .to_string()
        .parse::<i32>()
        .map_err(|_| "A discount is between 0 and 100 %.".into())
}

/// Basis points as a percentage for people: 1250 → "12.5".
pub fn format_discount(bp: i32) -> String {
    Decimal::new(bp.into(), 2).normalize().to_string()
}

#[derive(Debug, Clone)]
pub struct GroupInput {
    pub name: String,
    pub description: String,
    pub discount_bp: i32,
    pub clients_may_suspend: bool,
}

impl GroupInput {
    pub fn parse(
        name: &str,
        description: &str,
        discount: &str,
        clients_may_suspend: bool,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = text::required(name, 100, "Enter the group's name.")
            .map_err(|m| errors.add("name", m))
            .ok();
        let description = text::optional_lines(description, 1000)
            .map_err(|m| errors.add("description", m))
            .ok();
        let discount_bp = parse_discount(discount)
            .map_err(|m| errors.add("discount", m))
            .ok();
        match (name, description, discount_bp) {
            (Some(name), Some(description), Some(discount_bp)) => Ok(Self {
                name,
                description,
                discount_bp,
                clients_may_suspend,
            }),
            _ => Err(errors),
        }
    }

    fn fields(&self) -> ClientGroupFields<'_> {
        ClientGroupFields {
            name: &self.name,
            description: &self.description,
            discount_bp: self.discount_bp,
            clients_may_suspend: self.clients_may_suspend,
        }
    }
}

/// Groups with their member counts; readable by anyone who sees clients (the list filter).
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<Vec<(ClientGroup, i64)>, DomainError> {
    require(actor, permissions::CLIENTS_VIEW)?;
    let counts = ClientGroup::member_counts(conn)?;
    Ok(ClientGroup::all(conn)?
        .into_iter()
        .map(|g| {
            let n = counts
                .iter()
                .find(|(id, _)| *id == g.id)
                .map_or(0, |(_, n)| *n);
            (g, n)
        })
        .collect())
}

/// Every group, without counting members (filters and forms).
pub fn names(conn: &mut DbConnection, actor: &Actor) -> Result<Vec<ClientGroup>, DomainError> {
    require(actor, permissions::CLIENTS_VIEW)?;
    Ok(ClientGroup::all(conn)?)
}

pub struct GroupDetails {
    pub group: ClientGroup,
    pub members: Vec<(ClientId, String)>,
}

/// Members shown on a group's page; the list filter shows them all.
pub const MEMBERS_SHOWN: i64 = 200;

pub fn get(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ClientGroupId,
) -> Result<GroupDetails, DomainError> {
    require(actor, permissions::CLIENTS_VIEW)?;
    let group = ClientGroup::find(conn, id)?.ok_or(DomainError::NotFound)?;
    Ok(GroupDetails {
        members: ClientGroup::members(conn, id, MEMBERS_SHOWN)?,
        group,
    })
}

fn name_taken() -> DomainError {
    DomainError::invalid("name", "Another group has this name.")
}

pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &GroupInput,
) -> Result<ClientGroup, DomainError> {
    require(actor, permissions::CLIENTS_GROUPS)?;
    db::write_transaction(conn, |conn| {
        if ClientGroup::find_by_name(conn, &input.name)?.is_some() {
            return Err(name_taken());
        }
        let group = ClientGroup::insert(conn, &input.fields(), db::now()).map_err(|e| {
            if db::is_unique_violation(&e) {
                name_taken()
            } else {
                e.into()
            }
        })?;
        let mut changes = Changes::new();
        changes
            .set("name", &group.name)
            .set("discount %", format_discount(group.discount_bp))
            .set("clients may suspend", group.clients_may_suspend);
        audit::record(
            conn,
            actor,
            "client_group.create",
            Target::new("client_group", group.id),
            &changes.summary(),
        )?;
        Ok(group)
    })
}

pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ClientGroupId,
    input: &GroupInput,
) -> Result<ClientGroup, DomainError> {
    require(actor, permissions::CLIENTS_GROUPS)?;
    db::write_transaction(conn, |conn| {
        let before = ClientGroup::find(conn, id)?.ok_or(DomainError::NotFound)?;
        if let Some(other) = ClientGroup::find_by_name(conn, &input.name)?
            && other.id != id
        {
            return Err(name_taken());
        }
        let after = ClientGroup::update(conn, id, &input.fields()).map_err(|e| {
            if db::is_unique_violation(&e) {
                name_taken()
            } else {
                e.into()
            }
        })?;
        let mut changes = Changes::new();
        changes
            .field("name", &before.name, &after.name)
            .field("description", &before.description, &after.description)
            .field(
                "discount %",
                format_discount(before.discount_bp),
                format_discount(after.discount_bp),
            )
            .field(
                "clients may suspend",
                before.clients_may_suspend,
                after.clients_may_suspend,
            );
        if !changes.is_empty() {
            audit::record(
                conn,
                actor,
                "client_group.update",
                Target::new("client_group", id),
                &changes.summary(),
            )?;
        }
        Ok(after)
    })
}

pub fn delete(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ClientGroupId,
) -> Result<ClientGroup, DomainError> {
    require(actor, permissions::CLIENTS_GROUPS)?;
    db::write_transaction(conn, |conn| {
        let group = ClientGroup::find(conn, id)?.ok_or(DomainError::NotFound)?;
        if !ClientGroup::members(conn, id, 1)?.is_empty() {
            return Err(DomainError::invalid(
                "delete",
                "The group still has members; remove them first, so nobody loses a discount by accident.",
            ));
        }
        ClientGroup::delete(conn, id)?;
        audit::record(
            conn,
            actor,
            "client_group.delete",
            Target::new("client_group", id),
            &format!("name {:?}", group.name),
        )?;
        Ok(group)
    })
}

/// Adds clients to the group (those already in it stay); returns how many were added.
pub fn add_members(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ClientGroupId,
    client_ids: &[ClientId],
) -> Result<usize, DomainError> {
    require(actor, permissions::CLIENTS_GROUPS)?;
    if client_ids.is_empty() {
        return Err(DomainError::invalid(
            "client_ids",
            "Tick at least one client.",
        ));
    }
    db::write_transaction(conn, |conn| {
        let group = ClientGroup::find(conn, id)?.ok_or(DomainError::NotFound)?;
        let found = Client::by_ids(conn, client_ids)?;
        if found.len() != client_ids.len() {
            return Err(DomainError::invalid(
                "client_ids",
                "Some of these clients do not exist.",
            ));
        }
        let added = ClientGroup::add_members(conn, id, client_ids)?;
        if added > 0 {
            let ids: Vec<String> = client_ids.iter().map(ToString::to_string).collect();
            audit::record(
                conn,
                actor,
                "client_group.add_members",
                Target::new("client_group", id),
                &format!(
                    "{added} added to {:?}: clients {}",
                    group.name,
                    ids.join(", ")
                ),
            )?;
        }
        Ok(added)
    })
}

pub fn remove_member(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ClientGroupId,
    client_id: ClientId,
) -> Result<(), DomainError> {
    require(actor, permissions::CLIENTS_GROUPS)?;
    db::write_transaction(conn, |conn| {
        let group = ClientGroup::find(conn, id)?.ok_or(DomainError::NotFound)?;
        if ClientGroup::remove_member(conn, id, client_id)? > 0 {
            audit::record(
                conn,
                actor,
                "client_group.remove_member",
                Target::new("client", client_id),
                &format!("removed from {:?}", group.name),
            )?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discounts_are_percentages_with_two_decimals() {
        assert_eq!(parse_discount("12.5").unwrap(), 1250);
        assert_eq!(parse_discount("12,25 %").unwrap(), 1225);
        assert_eq!(parse_discount("").unwrap(), 0);
        assert_eq!(parse_discount("100").unwrap(), 10000);
        for bad in ["-1", "100.01", "101", "1e2", "abc", "12.345"] {
            assert!(parse_discount(bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(format_discount(1250), "12.5");
        assert_eq!(format_discount(0), "0");
    }
}
