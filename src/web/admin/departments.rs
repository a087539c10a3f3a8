//! `/admin/departments`: departments, their business hours, members and permissions.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::{Department, Employee};
use crate::domain::FieldErrors;
use crate::domain::departments::{self, BusinessHours, DepartmentInput, DepartmentRow, WEEKDAYS};
use crate::domain::permissions::perm;
use crate::ids::DepartmentId;
use crate::web::admin::permissions::{PermissionsForm, PermissionsPage};
use crate::web::forms::{Form, Outcome};
use crate::web::identity::{Require, Staff};
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

/// The department form; each weekday has an "open" switch and two times.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct DepartmentForm {
    pub name: String,
    pub shown_in_support: Option<String>,
    pub requires_two_factor: Option<String>,
    pub time_zone: String,
    pub response_hours: String,
    pub member_ids: Vec<String>,
    pub hours_mon_open: Option<String>,
    pub hours_mon_from: String,
    pub hours_mon_to: String,
    pub hours_tue_open: Option<String>,
    pub hours_tue_from: String,
    pub hours_tue_to: String,
    pub hours_wed_open: Option<String>,
    pub hours_wed_from: String,
    pub hours_wed_to: String,
    pub hours_thu_open: Option<String>,
    pub hours_thu_from: String,
    pub hours_thu_to: String,
    pub hours_fri_open: Option<String>,
    pub hours_fri_from: String,
    pub hours_fri_to: String,
    pub hours_sat_open: Option<String>,
    pub hours_sat_from: String,
    pub hours_sat_to: String,
    pub hours_sun_open: Option<String>,
    pub hours_sun_from: String,
    pub hours_sun_to: String,
}

/// One weekday row of the form.
pub struct DayRow<'a> {
    pub key: &'static str,
    /// The name errors are kept under: `hours_mon`.
    pub field: String,
    pub label: &'static str,
    pub open: bool,
    pub from: &'a str,
    pub to: &'a str,
}

impl DepartmentForm {
    fn days(&self) -> [(bool, &str, &str); 7] {
        fn d<'a>(open: &Option<String>, from: &'a str, to: &'a str) -> (bool, &'a str, &'a str) {
            (open.is_some(), from, to)
        }
        [
            d(
                &self.hours_mon_open,
                &self.hours_mon_from,
                &self.hours_mon_to,
            ),
            d(
                &self.hours_tue_open,
                &self.hours_tue_from,
                &self.hours_tue_to,
            ),
            d(
                &self.hours_wed_open,
                &self.hours_wed_from,
                &self.hours_wed_to,
            ),
            d(
                &self.hours_thu_open,
                &self.hours_thu_from,
                &self.hours_thu_to,
            ),
            d(
                &self.hours_fri_open,
                &self.hours_fri_from,
                &self.hours_fri_to,
            ),
            d(
                &self.hours_sat_open,
                &self.hours_sat_from,
                &self.hours_sat_to,
            ),
            d(
                &self.hours_sun_open,
                &self.hours_sun_from,
                &self.hours_sun_to,
            ),
        ]
    }

    pub fn day_rows(&self) -> Vec<DayRow<'_>> {
        WEEKDAYS
            .iter()
            .zip(self.days())
            .map(|(&(key, label), (open, from, to))| DayRow {
                key,
                field: format!("hours_{key}"),
                label,
                open,
                from,
                to,
            })
            .collect()
    }

    fn from_row(department: &Department, members: &[crate::ids::EmployeeId]) -> Self {
        let hours = BusinessHours::from_stored(&department.business_hours);
        let mut form = Self {
            name: department.name.clone(),
            shown_in_support: department.shown_in_support.then(|| "on".into()),
            requires_two_factor: department.requires_two_factor.then(|| "on".into()),
            time_zone: department.time_zone.clone(),
            response_hours: department.response_hours.to_string(),
            member_ids: members.iter().map(ToString::to_string).collect(),
            ..Default::default()
        };
        form.set_hours(&hours);
        form
    }

    fn set_hours(&mut self, hours: &BusinessHours) {
        let slots: [(&mut Option<String>, &mut String, &mut String); 7] = [
            (
                &mut self.hours_mon_open,
                &mut self.hours_mon_from,
                &mut self.hours_mon_to,
            ),
            (
                &mut self.hours_tue_open,
                &mut self.hours_tue_from,
                &mut self.hours_tue_to,
            ),
            (
                &mut self.hours_wed_open,
                &mut self.hours_wed_from,
                &mut self.hours_wed_to,
            ),
            (
                &mut self.hours_thu_open,
                &mut self.hours_thu_from,
                &mut self.hours_thu_to,
            ),
            (
                &mut self.hours_fri_open,
                &mut self.hours_fri_from,
                &mut self.hours_fri_to,
            ),
            (
                &mut self.hours_sat_open,
                &mut self.hours_sat_from,
                &mut self.hours_sat_to,
            ),
            (
                &mut self.hours_sun_open,
                &mut self.hours_sun_from,
                &mut self.hours_sun_to,
            ),
        ];
        for (i, (open, from, to)) in slots.into_iter().enumerate() {
            let (f, t) = hours.times(i);
            *open = hours.days[i].map(|_| "on".into());
            *from = f;
            *to = t;
        }
    }

    fn parse(&self) -> Result<DepartmentInput, FieldErrors> {
        DepartmentInput::parse(
            &self.name,
            self.shown_in_support.is_some(),
            &self.days(),
            &self.time_zone,
            &self.response_hours,
            &self.member_ids,
        )
        .map(|input| DepartmentInput {
            requires_two_factor: self.requires_two_factor.is_some(),
            ..input
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/departments/index.html")]
pub struct DepartmentsPage {
    pub ctx: PageContext,
    pub departments: Vec<DepartmentRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/departments/form.html")]
pub struct DepartmentFormPage {
    pub ctx: PageContext,
    pub id: Option<DepartmentId>,
    pub form: DepartmentForm,
    pub errors: FieldErrors,
    pub employees: Vec<Employee>,
}

impl DepartmentFormPage {
    pub fn time_zones(&self) -> impl Iterator<Item = &'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
    }

    pub fn is_member(&self, employee: &Employee) -> bool {
        self.form.member_ids.contains(&employee.id.to_string())
    }
}

pub async fn index(
    state: web::Data<AppState>,
    staff: Require<perm::StaffView>,
    ctx: PageContext,
) -> Result<DepartmentsPage, WebError> {
    let actor = staff.actor.clone();
    let departments = state
        .db(move |conn| departments::list(conn, &actor))
        .await?;
    Ok(DepartmentsPage { ctx, departments })
}

async fn form_page(
    state: &AppState,
    staff: &Staff,
    ctx: PageContext,
    id: Option<DepartmentId>,
    form: DepartmentForm,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let employees = state
        .db(move |conn| departments::employee_choices(conn, &actor))
        .await?;
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &DepartmentFormPage {
            ctx,
            id,
            form,
            errors,
            employees,
        },
    )
}

pub async fn new(
    state: web::Data<AppState>,
    staff: Require<perm::StaffEdit>,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    let mut form = DepartmentForm {
        time_zone: "UTC".into(),
        response_hours: "8".into(),
        ..Default::default()
    };
    form.set_hours(&BusinessHours::from_stored(
        "mon=09:00-18:00;tue=09:00-18:00;wed=09:00-18:00;thu=09:00-18:00;fri=09:00-18:00",
    ));
    form_page(&state, &staff, ctx, None, form, FieldErrors::new()).await
}

pub async fn create(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::StaffEdit>,
    ctx: PageContext,
    form: Form<DepartmentForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let outcome = match form.parse() {
        Ok(input) => {
            let actor = staff.actor.clone();
            state
                .attempt(move |conn| departments::create(conn, &actor, &input))
                .await?
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(department) => {
            Flash::success(format!(
                "Department “{}” is created. Now choose what its members may do.",
                department.name
            ))
            .set(&session);
            Ok(page::redirect(&format!(
                "/admin/departments/{}/permissions",
                department.id
            )))
        }
        Outcome::Invalid(errors) => form_page(&state, &staff, ctx, None, form, errors).await,
    }
}

pub async fn edit(
    state: web::Data<AppState>,
    staff: Require<perm::StaffView>,
    ctx: PageContext,
    id: web::Path<DepartmentId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    let details = state
        .db(move |conn| departments::get(conn, &actor, id))
        .await?;
    let form = DepartmentForm::from_row(&details.department, &details.member_ids);
    form_page(&state, &staff, ctx, Some(id), form, FieldErrors::new()).await
}

pub async fn update(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::StaffEdit>,
    ctx: PageContext,
    id: web::Path<DepartmentId>,
    form: Form<DepartmentForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let outcome = match form.parse() {
        Ok(input) => {
            let actor = staff.actor.clone();
            state
                .attempt(move |conn| departments::update(conn, &actor, id, &input))
                .await?
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(department) => {
            Flash::success(format!("Department “{}” is saved.", department.name)).set(&session);
            Ok(page::redirect("/admin/departments"))
        }
        Outcome::Invalid(errors) => form_page(&state, &staff, ctx, Some(id), form, errors).await,
    }
}

async fn permissions_page(
    state: &AppState,
    staff: &Staff,
    ctx: PageContext,
    id: DepartmentId,
    typed: Option<(Vec<String>, FieldErrors)>,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let details = state
        .db(move |conn| departments::get(conn, &actor, id))
        .await?;
    let page = PermissionsPage::new(
        ctx,
        format!(
            "Department “{}”: every member gets these permissions.",
            details.department.name
        ),
        ("/admin/departments", "Departments"),
        format!("/admin/departments/{id}"),
        details.department.name.clone(),
        format!("/admin/departments/{id}/permissions"),
    );
    page.show(details.grants, typed)
}

pub async fn permissions(
    state: web::Data<AppState>,
    staff: Require<perm::StaffView>,
    ctx: PageContext,
    id: web::Path<DepartmentId>,
) -> Result<HttpResponse, WebError> {
    permissions_page(&state, &staff, ctx, id.into_inner(), None).await
}

pub async fn set_permissions(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::StaffPermissions>,
    ctx: PageContext,
    id: web::Path<DepartmentId>,
    form: Form<PermissionsForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let keys = form.into_inner().permissions;
    let actor = staff.actor.clone();
    let typed = keys.clone();
    match state
        .attempt(move |conn| departments::set_grants(conn, &actor, id, &typed))
        .await?
    {
        Outcome::Done(()) => {
            Flash::success("Permissions are saved. Members have them from their next page.")
                .set(&session);
            Ok(page::redirect(&format!("/admin/departments/{id}")))
        }
        Outcome::Invalid(errors) => {
            permissions_page(&state, &staff, ctx, id, Some((keys, errors))).await
        }
    }
}
