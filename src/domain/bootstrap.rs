//! The first administrator: created at first start when there is no employee yet, or by
//! `billpanel create-admin`.

use crate::db::models::{Employee, NewEmployee};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::email::Email;
use crate::domain::password::{self, NewPassword};
use crate::domain::{Actor, DomainError};

pub const DEFAULT_ADMIN_EMAIL: &str = "admin@localhost";

/// The administrator made at first start. `generated_password` is set when billpanel chose
/// the password; it is shown once and never stored in clear.
#[derive(Debug)]
pub struct FirstAdmin {
    pub employee: Employee,
    pub generated_password: Option<String>,
}

/// Creates the administrator when the database has no employee at all; otherwise does
/// nothing and returns `None`. Safe when several servers start at once: the check and the
/// insert share one write transaction, and the email is unique.
pub fn ensure_admin(
    conn: &mut DbConnection,
    email: Option<&str>,
    password: Option<&str>,
) -> Result<Option<FirstAdmin>, DomainError> {
    if Employee::count(conn)? > 0 {
        return Ok(None);
    }
    let email = Email::parse(email.unwrap_or(DEFAULT_ADMIN_EMAIL))
        .map_err(|m| DomainError::invalid("email", format!("BILLPANEL_ADMIN_EMAIL: {m}")))?;
    let (clear, generated) = match password {
        Some(p) => (p.to_owned(), None),
        None => {
            let p = password::generate();
            (p.clone(), Some(p))
        }
    };
    let new_password = NewPassword::parse(&clear)
        .map_err(|m| DomainError::invalid("password", format!("BILLPANEL_ADMIN_PASSWORD: {m}")))?;
    let hash = new_password.hash().map_err(DomainError::Internal)?;
    let created = db::write_transaction(conn, |conn| {
        if Employee::count(conn)? > 0 {
            return Ok(None);
        }
        let employee = insert_admin(conn, &email, &hash)?;
        audit::record(
            conn,
            &Actor::system(),
            "employee.create",
            Target::new("employee", employee.id),
            "first administrator, created at first start",
        )?;
        Ok::<_, DomainError>(Some(employee))
    });
    match created {
        Ok(Some(employee)) => Ok(Some(FirstAdmin {
            employee,
            generated_password: generated,
        })),
        Ok(None) => Ok(None),
        // Another server created it between our check and our insert.
        Err(DomainError::Database(e)) if db::is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `billpanel create-admin`: adds an administrator with the given email and password.
pub fn create_admin(
    conn: &mut DbConnection,
    actor: &Actor,
    email: &str,
    password: &str,
) -> Result<Employee, DomainError> {
    let email = Email::parse(email).map_err(|m| DomainError::invalid("email", m))?;
    let password = NewPassword::parse(password).map_err(|m| DomainError::invalid("password", m))?;
    let hash = password.hash().map_err(DomainError::Internal)?;
    db::write_transaction(conn, |conn| {
        if Employee::find_by_email(conn, email.as_str())?.is_some() {
            return Err(DomainError::invalid(
                "email",
                "An employee with this email already exists.",
            ));
        }
        let employee = insert_admin(conn, &email, &hash)?;
        audit::record(
            conn,
            actor,
            "employee.create",
            Target::new("employee", employee.id),
            "administrator",
        )?;
        Ok(employee)
    })
}

fn insert_admin(
    conn: &mut DbConnection,
    email: &Email,
    hash: &str,
) -> diesel::QueryResult<Employee> {
    Employee::insert(
        conn,
        &NewEmployee {
            email: email.as_str(),
            name: "Administrator",
            password_hash: hash,
            enabled: true,
            is_superuser: true,
            created_at: db::now(),
        },
    )
}
