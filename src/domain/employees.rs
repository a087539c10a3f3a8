//! Employees: the administrator manages them; each employee edits its own name and password.

use crate::db::models::{Employee, EmployeeChanges};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Changes, Target};
use crate::domain::password::{self, NewPassword};
use crate::domain::registration::parse_name;
use crate::domain::{Actor, DomainError, FieldErrors};

/// The signed-in employee changes its own name.
pub fn update_own_name(
    conn: &mut DbConnection,
    actor: &Actor,
    name: &str,
) -> Result<Employee, DomainError> {
    let id = actor.employee_id().ok_or(DomainError::Forbidden)?;
    let name = parse_name(name).map_err(|m| DomainError::invalid("name", m))?;
    db::write_transaction(conn, |conn| {
        let before = Employee::find(conn, id)?.ok_or(DomainError::NotFound)?;
        let after = Employee::update(
            conn,
            id,
            &EmployeeChanges {
                name: Some(&name),
                ..Default::default()
            },
            false,
        )?;
        let mut changes = Changes::new();
        changes.field("name", &before.name, &after.name);
        if !changes.is_empty() {
            audit::record(
                conn,
                actor,
                "employee.update_profile",
                Target::new("employee", id),
                &changes.summary(),
            )?;
        }
        Ok(after)
    })
}

/// The signed-in employee changes its own password, giving the current one. Every other
/// session of the employee ends; the caller starts a new one for this browser.
pub fn change_own_password(
    conn: &mut DbConnection,
    actor: &Actor,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<Employee, DomainError> {
    let id = actor.employee_id().ok_or(DomainError::Forbidden)?;
    let employee = Employee::find(conn, id)?.ok_or(DomainError::NotFound)?;
    let mut errors = FieldErrors::new();
    if !password::verify(current, &employee.password_hash) {
        errors.add("current_password", "This is not your current password.");
    }
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
        let updated = Employee::update(
            conn,
            id,
            &EmployeeChanges {
                password_hash: Some(&hash),
                ..Default::default()
            },
            true,
        )?;
        audit::record(
            conn,
            actor,
            "employee.change_password",
            Target::new("employee", id),
            "own password",
        )?;
        Ok(updated)
    })
}
