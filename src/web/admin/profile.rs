//! `/admin/profile`: the signed-in employee's own name and password.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::domain::sessions::SessionRow;
use crate::domain::two_factor::Status;
use crate::domain::{DomainError, FieldErrors, employees};
use crate::ids::PersonId;
use crate::web::account::{self, CodeForm, EndSessionForm, TwoFactorView};
use crate::web::forms::{Form, Outcome};
use crate::web::identity::Staff;
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
    /// The name in the form (not `name`: the form macro's own parameter is called that).
    pub full_name: String,
    pub errors: FieldErrors,
    pub two_factor: Status,
    pub sessions: Vec<SessionRow>,
    pub base: &'static str,
}

const BASE: &str = "/admin/profile";

async fn page(
    state: &AppState,
    ctx: PageContext,
    staff: &Staff,
    name: Option<String>,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let person = PersonId::Employee(staff.employee.id);
    let two_factor = state
        .db(move |conn| crate::domain::two_factor::status(conn, person))
        .await?;
    let sessions = account::own_sessions(state, &staff.actor).await?;
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &ProfilePage {
            ctx,
            email: staff.employee.email.clone(),
            full_name: name.unwrap_or_else(|| staff.employee.name.clone()),
            errors,
            two_factor,
            sessions,
            base: BASE,
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    staff: Staff,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    page(&state, ctx, &staff, None, FieldErrors::new()).await
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
        Err(DomainError::Invalid(errors)) => page(&state, ctx, &staff, Some(name), errors).await,
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
        Ok(_) => {
            // Other sessions have ended; this one goes on.
            Flash::success("Your password is changed. Other sessions have been signed out.")
                .set(&session);
            Ok(page::redirect("/admin/profile"))
        }
        Err(DomainError::Invalid(errors)) => page(&state, ctx, &staff, None, errors).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/profile/two_factor.html")]
pub struct TwoFactorPage {
    pub ctx: PageContext,
    pub view: TwoFactorView,
}

async fn two_factor_page(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    ctx: PageContext,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let view = account::two_factor_view(state, session, &staff.actor, BASE, errors).await?;
    page::render_with(page::FORM_SHOWN_AGAIN, &TwoFactorPage { ctx, view })
}

/// After a two-factor form: back to its page, or the page again with the messages.
async fn two_factor_answer(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    ctx: PageContext,
    outcome: Outcome<()>,
) -> Result<HttpResponse, WebError> {
    match outcome {
        Outcome::Done(()) => Ok(page::redirect(TWO_FACTOR)),
        Outcome::Invalid(errors) => two_factor_page(state, session, staff, ctx, errors).await,
    }
}

const TWO_FACTOR: &str = "/admin/profile/two-factor";

pub async fn two_factor(
    state: web::Data<AppState>,
    session: Session,
    staff: Staff,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    two_factor_page(&state, &session, &staff, ctx, FieldErrors::new()).await
}

pub async fn begin_two_factor(
    state: web::Data<AppState>,
    session: Session,
    staff: Staff,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    let outcome = account::begin_setup(&state, &staff.actor).await?;
    two_factor_answer(&state, &session, &staff, ctx, outcome).await
}

pub async fn confirm_two_factor(
    state: web::Data<AppState>,
    session: Session,
    staff: Staff,
    ctx: PageContext,
    form: Form<CodeForm>,
) -> Result<HttpResponse, WebError> {
    let outcome = account::confirm(&state, &session, &staff.actor, form.into_inner()).await?;
    two_factor_answer(&state, &session, &staff, ctx, outcome).await
}

pub async fn renew_recovery_codes(
    state: web::Data<AppState>,
    session: Session,
    staff: Staff,
    ctx: PageContext,
    form: Form<CodeForm>,
) -> Result<HttpResponse, WebError> {
    let outcome = account::renew_codes(&state, &session, &staff.actor, form.into_inner()).await?;
    two_factor_answer(&state, &session, &staff, ctx, outcome).await
}

pub async fn disable_two_factor(
    state: web::Data<AppState>,
    session: Session,
    staff: Staff,
    ctx: PageContext,
    form: Form<CodeForm>,
) -> Result<HttpResponse, WebError> {
    let outcome = account::disable(&state, &session, &staff.actor, form.into_inner()).await?;
    two_factor_answer(&state, &session, &staff, ctx, outcome).await
}

pub async fn end_session(
    state: web::Data<AppState>,
    session: Session,
    staff: Staff,
    form: Form<EndSessionForm>,
) -> Result<HttpResponse, WebError> {
    account::end_session(&state, &session, &staff.actor, BASE, form.into_inner()).await
}

pub async fn end_other_sessions(
    state: web::Data<AppState>,
    session: Session,
    staff: Staff,
) -> Result<HttpResponse, WebError> {
    account::end_other_sessions(&state, &session, &staff.actor, BASE).await
}
