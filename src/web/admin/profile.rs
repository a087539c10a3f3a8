//! `/admin/profile`: the signed-in employee's own name and password.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::domain::{DomainError, FieldErrors, employees};
use crate::web::forms::Form;
use crate::web::identity::{self, Staff};
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

#[derive(Debug, Default, Deserialize)]
pub struct NameForm {
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub new_password_confirm: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/profile/show.html")]
pub struct ProfilePage {
    pub ctx: PageContext,
    pub email: String,
    pub name: String,
    pub errors: FieldErrors,
}

fn page(ctx: PageContext, staff: &Staff, name: Option<String>, errors: FieldErrors) -> ProfilePage {
    ProfilePage {
        ctx,
        email: staff.employee.email.clone(),
        name: name.unwrap_or_else(|| staff.employee.name.clone()),
        errors,
    }
}

pub async fn show(staff: Staff, ctx: PageContext) -> ProfilePage {
    page(ctx, &staff, None, FieldErrors::new())
}

pub async fn update(
    state: web::Data<AppState>,
    session: Session,
    staff: Staff,
    ctx: PageContext,
    form: Form<NameForm>,
) -> Result<HttpResponse, WebError> {
    let name = form.into_inner().name;
    let actor = staff.actor.clone();
    let typed = name.clone();
    match state
        .db(move |conn| Ok::<_, WebError>(employees::update_own_name(conn, &actor, &typed)))
        .await?
    {
        Ok(_) => {
            Flash::success("Your name is saved.").set(&session);
            Ok(page::redirect("/admin/profile"))
        }
        Err(DomainError::Invalid(errors)) => page::render_with(
            page::FORM_SHOWN_AGAIN,
            &page(ctx, &staff, Some(name), errors),
        ),
        Err(e) => Err(e.into()),
    }
}

pub async fn change_password(
    state: web::Data<AppState>,
    session: Session,
    staff: Staff,
    ctx: PageContext,
    form: Form<PasswordForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let actor = staff.actor.clone();
    let outcome = state
        .db_with_password_work(move |conn| {
            Ok::<_, WebError>(employees::change_own_password(
                conn,
                &actor,
                &form.current_password,
                &form.new_password,
                &form.new_password_confirm,
            ))
        })
        .await?;
    match outcome {
        Ok(employee) => {
            // Other sessions have ended; this browser continues in a new one.
            identity::start_employee_session(&session, &employee)?;
            Flash::success("Your password is changed. Other sessions have been signed out.")
                .set(&session);
            Ok(page::redirect("/admin/profile"))
        }
        Err(DomainError::Invalid(errors)) => {
            page::render_with(page::FORM_SHOWN_AGAIN, &page(ctx, &staff, None, errors))
        }
        Err(e) => Err(e.into()),
    }
}
