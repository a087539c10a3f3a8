//! Employees: the administrator manages them; each employee edits its own name and password.

use crate::db::models::{Department, Employee, EmployeeChanges, Grant, NewEmployee};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Changes, Target};
use crate::domain::email::Email;
use crate::domain::password::NewPassword;
use crate::domain::permissions::{self, require};
use crate::domain::registration::parse_name;
use crate::domain::{Actor, DomainError, FieldErrors};
use crate::domain::{departments, sessions};
use crate::ids::PersonId;
use crate::ids::{DepartmentId, EmployeeId};

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
    Employee::find(conn, id)?.ok_or(DomainError::NotFound)?;
    let mut errors = FieldErrors::new();
    crate::domain::auth::confirm_password(conn, actor, current, "current_password")
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
        let updated = Employee::update(
            conn,
            id,
            &EmployeeChanges {
                password_hash: Some(&hash),
                ..Default::default()
            },
        )?;
        // Every other session ends; this one goes on.
        sessions::end_all(
            conn,
            PersonId::Employee(id),
            sessions::kept_for(actor, PersonId::Employee(id)),
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

/// A checked employee, new or edited. `password` is required for a new employee and, when
/// editing, set only when a new one is typed.
#[derive(Debug)]
pub struct EmployeeInput {
    pub name: String,
    pub email: Email,
    pub password: Option<NewPassword>,
    pub enabled: bool,
    pub is_superuser: bool,
    pub department_ids: Vec<DepartmentId>,
    /// The actor's own password, asked when it changes its own password or email here.
    pub current_password: String,
}

/// The raw form values of an employee.
#[derive(Debug, Default)]
pub struct EmployeeRaw<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub enabled: bool,
    pub is_superuser: bool,
    pub department_ids: &'a [String],
    pub current_password: &'a str,
}

impl EmployeeInput {
    pub fn parse(raw: &EmployeeRaw<'_>, password_required: bool) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = parse_name(raw.name).map_err(|m| errors.add("name", m)).ok();
        let email = Email::parse(raw.email)
            .map_err(|m| errors.add("email", m))
            .ok();
        let password = match raw.password {
            "" if !password_required => Some(None),
            "" => {
                errors.add("password", "Enter a password, or use the generated one.");
                None
            }
            typed => NewPassword::parse(typed)
                .map(Some)
                .map_err(|m| errors.add("password", m))
                .ok(),
        };
        let mut department_ids = Vec::new();
        for id in raw.department_ids {
            match id.parse() {
                Ok(id) => department_ids.push(id),
                Err(_) => errors.add("department_ids", "Choose departments from the list."),
            }
        }
        department_ids.sort();
        department_ids.dedup();
        match (name, email, password) {
            (Some(name), Some(email), Some(password)) if errors.is_empty() => Ok(Self {
                name,
                email,
                password,
                enabled: raw.enabled,
                is_superuser: raw.is_superuser,
                department_ids,
                current_password: raw.current_password.to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

/// An employee as the list shows it.
pub struct EmployeeRow {
    pub employee: Employee,
    pub departments: Vec<String>,
}

pub fn list(conn: &mut DbConnection, actor: &Actor) -> Result<Vec<EmployeeRow>, DomainError> {
    require(actor, permissions::STAFF_VIEW)?;
    let departments = Department::all(conn)?;
    let members = Department::all_members(conn)?;
    Ok(Employee::all(conn)?
        .into_iter()
        .map(|employee| {
            let names = members
                .iter()
                .filter(|(_, e)| *e == employee.id)
                .filter_map(|(d, _)| {
                    departments
                        .iter()
                        .find(|x| x.id == *d)
                        .map(|x| x.name.clone())
                })
                .collect();
            EmployeeRow {
                employee,
                departments: names,
            }
        })
        .collect())
}

/// One employee with its departments and grants.
pub struct EmployeeDetails {
    pub employee: Employee,
    pub department_ids: Vec<DepartmentId>,
    /// Granted personally.
    pub own_grants: Vec<String>,
    /// Granted through its departments.
    pub department_grants: Vec<String>,
}

pub fn get(
    conn: &mut DbConnection,
    actor: &Actor,
    id: EmployeeId,
) -> Result<EmployeeDetails, DomainError> {
    require(actor, permissions::STAFF_VIEW)?;
    let employee = Employee::find(conn, id)?.ok_or(DomainError::NotFound)?;
    Ok(EmployeeDetails {
        department_ids: Department::ids_of_employee(conn, id)?,
        own_grants: Grant::of_employee(conn, id)?,
        department_grants: Grant::through_departments(conn, id)?,
        employee,
    })
}

/// Employees by name, for the client form's "registered by".
pub fn names_for_clients(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<Vec<Employee>, DomainError> {
    require(actor, permissions::CLIENTS_VIEW)?;
    Ok(Employee::all(conn)?)
}

/// An employee's sign-in as its page shows it: whether its second factor is on, and how
/// many sessions it has open.
pub fn sign_in_state(
    conn: &mut DbConnection,
    actor: &Actor,
    id: EmployeeId,
) -> Result<(bool, usize), DomainError> {
    require(actor, permissions::STAFF_VIEW)?;
    let person = PersonId::Employee(id);
    let since = db::now() - chrono::Duration::hours(sessions::LIFETIME_HOURS);
    Ok((
        crate::db::models::two_factor::TwoFactor::confirmed_for(conn, person)?,
        crate::db::models::session::Session::live_of(conn, person, since)?.len(),
    ))
}

/// Every department, for choosing an employee's.
pub fn department_choices(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<Vec<Department>, DomainError> {
    require(actor, permissions::STAFF_VIEW)?;
    Ok(Department::all(conn)?)
}

pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &EmployeeInput,
) -> Result<Employee, DomainError> {
    require(actor, permissions::STAFF_EDIT)?;
    let hash = input
        .password
        .as_ref()
        .ok_or_else(|| DomainError::invalid("password", "Enter a password."))?
        .hash()
        .map_err(DomainError::Internal)?;
    db::write_transaction(conn, |conn| {
        check_staff_rules(conn, actor, input, None)?;
        if Employee::find_by_email(conn, input.email.as_str())?.is_some() {
            return Err(email_taken());
        }
        let employee = Employee::insert(
            conn,
            &NewEmployee {
                email: input.email.as_str(),
                name: &input.name,
                password_hash: &hash,
                enabled: input.enabled,
                is_superuser: input.is_superuser,
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
        Department::set_departments_of(conn, employee.id, &input.department_ids)?;
        let mut changes = Changes::new();
        changes
            .set("name", &employee.name)
            .set("email", &employee.email)
            .set("administrator", employee.is_superuser)
            .set("enabled", employee.enabled)
            .set(
                "departments",
                department_names(conn, &input.department_ids)?,
            );
        audit::record(
            conn,
            actor,
            "employee.create",
            Target::new("employee", employee.id),
            &changes.summary(),
        )?;
        Ok(employee)
    })
}

pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    id: EmployeeId,
    input: &EmployeeInput,
) -> Result<Employee, DomainError> {
    require(actor, permissions::STAFF_EDIT)?;
    // One's own password or sign-in is changed only with one's own password, here as on
    // the profile page: a session left open is not enough to take the account over.
    if actor.employee_id() == Some(id) {
        let before = Employee::find(conn, id)?.ok_or(DomainError::NotFound)?;
        if input.password.is_some() || before.email != input.email.as_str() {
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
        let before = Employee::find(conn, id)?.ok_or(DomainError::NotFound)?;
        check_staff_rules(conn, actor, input, Some(&before))?;
        if let Some(other) = Employee::find_by_email(conn, input.email.as_str())?
            && other.id != id
        {
            return Err(email_taken());
        }
        let departments_before = Department::ids_of_employee(conn, id)?;
        // Sessions end when the employee is disabled, its password is set or its email
        // (the login) changes.
        let end_sessions = (before.enabled && !input.enabled)
            || hash.is_some()
            || before.email != input.email.as_str();
        let after = Employee::update(
            conn,
            id,
            &EmployeeChanges {
                email: Some(input.email.as_str()),
                name: Some(&input.name),
                password_hash: hash.as_deref(),
                enabled: Some(input.enabled),
                is_superuser: Some(input.is_superuser),
            },
        )
        .map_err(|e| {
            if db::is_unique_violation(&e) {
                email_taken()
            } else {
                e.into()
            }
        })?;
        if end_sessions {
            // The actor's own session goes on when it changed its own sign-in.
            let owner = PersonId::Employee(id);
            sessions::end_all(conn, owner, sessions::kept_for(actor, owner))?;
        }
        Department::set_departments_of(conn, id, &input.department_ids)?;
        let mut changes = Changes::new();
        changes
            .field("name", &before.name, &after.name)
            .field("email", &before.email, &after.email)
            .field("enabled", before.enabled, after.enabled)
            .field("administrator", before.is_superuser, after.is_superuser)
            .field(
                "departments",
                department_names(conn, &departments_before)?,
                department_names(conn, &input.department_ids)?,
            );
        if hash.is_some() {
            changes.note("password set");
        }
        if !changes.is_empty() {
            audit::record(
                conn,
                actor,
                "employee.update",
                Target::new("employee", id),
                &changes.summary(),
            )?;
        }
        Ok(after)
    })
}

/// Replaces the employee's personal grants with `keys`.
pub fn set_grants(
    conn: &mut DbConnection,
    actor: &Actor,
    id: EmployeeId,
    keys: &[String],
) -> Result<(), DomainError> {
    departments::replace_grants(conn, actor, departments::GrantHolder::Employee(id), keys)
}

/// The rules of staff changes: only administrators make or edit administrators; nobody
/// disables themselves; at least one enabled administrator always remains; departments
/// joined hand out only permissions the actor holds.
fn check_staff_rules(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &EmployeeInput,
    before: Option<&Employee>,
) -> Result<(), DomainError> {
    let mut errors = FieldErrors::new();
    // Two administrators demoting each other at once must not leave none: on PostgreSQL the
    // staff changes queue on a lock (SQLite's write transaction already does).
    db::lock(conn, db::LockKey::StaffChanges)?;
    let touches_admin = input.is_superuser || before.is_some_and(|b| b.is_superuser);
    if touches_admin && !actor.is_superuser() {
        return Err(DomainError::invalid(
            "is_superuser",
            "Only an administrator can create or edit administrators.",
        ));
    }
    // Setting someone's password or email, disabling them or moving them between
    // departments is taking over their account: only for people with no more rights
    // than the actor.
    if let Some(before) = before
        && !actor.is_superuser()
        && Some(before.id) != actor.employee_id()
    {
        let theirs = crate::domain::auth::rights_of(conn, before)?;
        let more: Vec<&str> = permissions::all()
            .filter(|p| theirs.has(*p) && permissions::require(actor, *p).is_err())
            .map(|p| p.key)
            .collect();
        if !more.is_empty() {
            return Err(DomainError::invalid(
                "email",
                format!(
                    "This employee has permissions you do not hold ({}); only an administrator can change this account.",
                    more.join(", ")
                ),
            ));
        }
    }
    if let Some(before) = before {
        if Some(before.id) == actor.employee_id() && !input.enabled {
            errors.add("enabled", "You cannot disable yourself.");
        }
        let stays_admin = input.is_superuser && input.enabled;
        if before.is_superuser
            && before.enabled
            && !stays_admin
            && Employee::count_other_enabled_superusers(conn, before.id)? == 0
        {
            errors.add(
                "is_superuser",
                "This is the last administrator: make someone else an administrator first.",
            );
        }
    }
    let departments = Department::all(conn)?;
    if !input
        .department_ids
        .iter()
        .all(|id| departments.iter().any(|d| d.id == *id))
    {
        errors.add("department_ids", "Choose departments from the list.");
    }
    errors.into_result()?;
    let joined: Vec<DepartmentId> = match before {
        Some(b) => {
            let current = Department::ids_of_employee(conn, b.id)?;
            input
                .department_ids
                .iter()
                .copied()
                .filter(|d| !current.contains(d))
                .collect()
        }
        None => input.department_ids.clone(),
    };
    for department_id in &joined {
        departments::ensure_can_hand_out(actor, &Grant::of_department(conn, *department_id)?)
            .map_err(|_| {
                DomainError::invalid(
                    "department_ids",
                    "You can only add people to departments whose permissions you hold yourself.",
                )
            })?;
    }
    departments::ensure_ticket_scope(conn, actor, &joined).map_err(|_| {
        DomainError::invalid(
            "department_ids",
            "Members read a department's tickets: you can only add people to departments whose tickets you read yourself.",
        )
    })?;
    Ok(())
}

fn department_names(conn: &mut DbConnection, ids: &[DepartmentId]) -> Result<String, DomainError> {
    let departments = Department::all(conn)?;
    let mut names: Vec<&str> = ids
        .iter()
        .filter_map(|id| {
            departments
                .iter()
                .find(|d| d.id == *id)
                .map(|d| d.name.as_str())
        })
        .collect();
    names.sort();
    Ok(names.join(", "))
}

fn email_taken() -> DomainError {
    DomainError::invalid("email", "Another employee has this email.")
}
