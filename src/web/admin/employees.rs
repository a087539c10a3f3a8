//! `/admin/employees`: staff accounts, their departments and personal permissions. An
//! employee is disabled, never deleted: records keep pointing at it.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::{Department, Employee};
use crate::domain::employees::{self, EmployeeInput, EmployeeRaw, EmployeeRow};
use crate::domain::permissions::perm;
use crate::domain::{DomainError, FieldErrors, password, sessions, two_factor};
use crate::ids::EmployeeId;
use crate::web::admin::permissions::{PermissionsForm, PermissionsPage};
use crate::web::forms::{Form, Outcome};
use crate::web::identity::{Require, Staff};
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct EmployeeForm {
    pub name: String,
    pub email: String,
    pub password: String,
    pub enabled: Option<String>,
    pub is_superuser: Option<String>,
    pub department_ids: Vec<String>,
    pub current_password: String,
}

impl EmployeeForm {
    fn from_row(e: &Employee, departments: &[crate::ids::DepartmentId]) -> Self {
        Self {
            name: e.name.clone(),
            email: e.email.clone(),
            password: String::new(),
            enabled: e.enabled.then(|| "on".into()),
            is_superuser: e.is_superuser.then(|| "on".into()),
            department_ids: departments.iter().map(ToString::to_string).collect(),
            current_password: String::new(),
        }
    }

    fn parse(&self, password_required: bool) -> Result<EmployeeInput, FieldErrors> {
        EmployeeInput::parse(
            &EmployeeRaw {
                name: &self.name,
                email: &self.email,
                password: &self.password,
                enabled: self.enabled.is_some(),
                is_superuser: self.is_superuser.is_some(),
                department_ids: &self.department_ids,
                current_password: &self.current_password,
            },
            password_required,
        )
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/employees/index.html")]
pub struct EmployeesPage {
    pub ctx: PageContext,
    pub employees: Vec<EmployeeRow>,
    /// Every employee must use a second factor.
    pub staff_two_factor: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/employees/form.html")]
pub struct EmployeeFormPage {
    pub ctx: PageContext,
    pub id: Option<EmployeeId>,
    pub form: EmployeeForm,
    pub errors: FieldErrors,
    pub departments: Vec<Department>,
    /// The employee edits its own account: changing its password or email asks for the
    /// current password.
    pub myself: bool,
    /// An existing employee's sign-in: whether its second factor is on, and its live
    /// sessions.
    pub sign_in: Option<(bool, usize)>,
}

impl EmployeeFormPage {
    pub fn in_department(&self, department: &Department) -> bool {
        self.form
            .department_ids
            .contains(&department.id.to_string())
    }
}

pub async fn index(
    state: web::Data<AppState>,
    staff: Require<perm::StaffView>,
    ctx: PageContext,
) -> Result<EmployeesPage, WebError> {
    let actor = staff.actor.clone();
    let (employees, staff_two_factor) = state
        .db(move |conn| {
            Ok::<_, DomainError>((
                employees::list(conn, &actor)?,
                two_factor::staff_policy(conn)?,
            ))
        })
        .await?;
    Ok(EmployeesPage {
        ctx,
        employees,
        staff_two_factor,
    })
}

async fn form_page(
    state: &AppState,
    staff: &Staff,
    ctx: PageContext,
    id: Option<EmployeeId>,
    form: EmployeeForm,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let (departments, sign_in) = state
        .db(move |conn| {
            let departments = employees::department_choices(conn, &actor)?;
            let sign_in = match id {
                Some(id) => Some(employees::sign_in_state(conn, &actor, id)?),
                None => None,
            };
            Ok::<_, DomainError>((departments, sign_in))
        })
        .await?;
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &EmployeeFormPage {
            ctx,
            myself: id.is_some() && id == Some(staff.employee.id),
            id,
            form,
            errors,
            departments,
            sign_in,
        },
    )
}

pub async fn new(
    state: web::Data<AppState>,
    staff: Require<perm::StaffEdit>,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    // A generated password, shown so it can be handed over; it may be replaced.
    let form = EmployeeForm {
        password: password::generate(),
        enabled: Some("on".into()),
        ..Default::default()
    };
    form_page(&state, &staff, ctx, None, form, FieldErrors::new()).await
}

pub async fn create(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::StaffEdit>,
    ctx: PageContext,
    form: Form<EmployeeForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let outcome = match form.parse(true) {
        Ok(input) => {
            let actor = staff.actor.clone();
            state
                .attempt_with_password_work(move |conn| employees::create(conn, &actor, &input))
                .await?
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(employee) => {
            Flash::success(format!(
                "{} can now sign in at /admin/login as {}.",
                employee.name, employee.email
            ))
            .set(&session);
            Ok(page::redirect("/admin/employees"))
        }
        Outcome::Invalid(errors) => form_page(&state, &staff, ctx, None, form, errors).await,
    }
}

pub async fn edit(
    state: web::Data<AppState>,
    staff: Require<perm::StaffView>,
    ctx: PageContext,
    id: web::Path<EmployeeId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    let details = state
        .db(move |conn| employees::get(conn, &actor, id))
        .await?;
    let form = EmployeeForm::from_row(&details.employee, &details.department_ids);
    form_page(&state, &staff, ctx, Some(id), form, FieldErrors::new()).await
}

pub async fn update(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::StaffEdit>,
    ctx: PageContext,
    id: web::Path<EmployeeId>,
    form: Form<EmployeeForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let outcome = match form.parse(false) {
        Ok(input) => {
            let actor = staff.actor.clone();
            state
                .attempt_with_password_work(move |conn| employees::update(conn, &actor, id, &input))
                .await?
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(employee) => {
            let note = if employee.enabled {
                ""
            } else {
                " Disabled: signed out everywhere."
            };
            Flash::success(format!("{} is saved.{note}", employee.name)).set(&session);
            Ok(page::redirect("/admin/employees"))
        }
        Outcome::Invalid(errors) => {
            let form = EmployeeForm {
                password: String::new(),
                current_password: String::new(),
                ..form
            };
            form_page(&state, &staff, ctx, Some(id), form, errors).await
        }
    }
}

async fn permissions_page(
    state: &AppState,
    staff: &Staff,
    ctx: PageContext,
    id: EmployeeId,
    typed: Option<(Vec<String>, FieldErrors)>,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let details = state
        .db(move |conn| employees::get(conn, &actor, id))
        .await?;
    let mut page = PermissionsPage::new(
        ctx,
        format!(
            "{} ({}): personal grants, added to those of the employee's departments.",
            details.employee.name, details.employee.email
        ),
        ("/admin/employees", "Employees"),
        format!("/admin/employees/{id}"),
        details.employee.name.clone(),
        format!("/admin/employees/{id}/permissions"),
    );
    page.inherited = details.department_grants;
    page.superuser = details.employee.is_superuser;
    page.show(details.own_grants, typed)
}

pub async fn permissions(
    state: web::Data<AppState>,
    staff: Require<perm::StaffView>,
    ctx: PageContext,
    id: web::Path<EmployeeId>,
) -> Result<HttpResponse, WebError> {
    permissions_page(&state, &staff, ctx, id.into_inner(), None).await
}

pub async fn set_permissions(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::StaffPermissions>,
    ctx: PageContext,
    id: web::Path<EmployeeId>,
    form: Form<PermissionsForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let keys = form.into_inner().permissions;
    let actor = staff.actor.clone();
    let typed = keys.clone();
    match state
        .attempt(move |conn| employees::set_grants(conn, &actor, id, &typed))
        .await?
    {
        Outcome::Done(()) => {
            Flash::success("Permissions are saved. They apply from the employee's next page.")
                .set(&session);
            Ok(page::redirect(&format!("/admin/employees/{id}")))
        }
        Outcome::Invalid(errors) => {
            permissions_page(&state, &staff, ctx, id, Some((keys, errors))).await
        }
    }
}

/// `POST /admin/employees/{id}/sessions/end`: signs the employee out everywhere.
pub async fn end_sessions(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::StaffEdit>,
    id: web::Path<EmployeeId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    let ended = state
        .db(move |conn| sessions::end_all_of_employee(conn, &actor, id))
        .await?;
    Flash::success(format!(
        "{ended} session(s) ended: the employee signs in again."
    ))
    .set(&session);
    Ok(page::redirect(&format!("/admin/employees/{id}")))
}

/// `POST /admin/employees/{id}/two-factor/reset`: turns the employee's second factor off
/// (a lost phone).
pub async fn reset_two_factor(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::StaffSecurity>,
    id: web::Path<EmployeeId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    match state
        .attempt(move |conn| two_factor::reset_for_employee(conn, &actor, id))
        .await?
    {
        Outcome::Done(()) => Flash::success(
            "Two-factor sign-in is reset: the employee signs in with its password and sets a new one up.",
        )
        .set(&session),
        Outcome::Invalid(errors) => Flash::error(errors.get("two_factor")).set(&session),
    }
    Ok(page::redirect(&format!("/admin/employees/{id}")))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PolicyForm {
    pub required: String,
}

/// `POST /admin/staff-policy`: requires (or no longer requires) a second factor of every
/// employee.
pub async fn set_staff_policy(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::StaffSecurity>,
    form: Form<PolicyForm>,
) -> Result<HttpResponse, WebError> {
    let required = form.into_inner().required == "on";
    let actor = staff.actor.clone();
    state
        .db(move |conn| two_factor::set_staff_policy(conn, &actor, required))
        .await?;
    Flash::success(if required {
        "Every employee now signs in with a second factor; those without one set it up at their next page."
    } else {
        "Two-factor sign-in is no longer required of every employee (departments may still require it)."
    })
    .set(&session);
    Ok(page::redirect("/admin/employees"))
}
