//! `/admin/canned-replies`: ready answers offered in the ticket reply form, for everyone,
//! one department, or one employee.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::Department;
use crate::db::models::ticket::CannedReply;
use crate::domain::permissions::perm;
use crate::domain::{DomainError, FieldErrors, tickets};
use crate::ids::CannedReplyId;
use crate::web::forms::{Form, Outcome};
use crate::web::identity::{Require, Staff};
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct CannedForm {
    pub title: String,
    pub body: String,
    pub scope: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/tickets/canned.html")]
pub struct CannedPage {
    pub ctx: PageContext,
    pub replies: Vec<CannedReply>,
    pub departments: Vec<Department>,
    pub form: CannedForm,
    pub errors: FieldErrors,
}

impl CannedPage {
    pub fn scope_of(&self, reply: &CannedReply) -> String {
        match (reply.department_id, reply.employee_id) {
            (Some(d), _) => self
                .departments
                .iter()
                .find(|x| x.id == d)
                .map(|x| x.name.clone())
                .unwrap_or_default(),
            (None, Some(_)) => "one employee".into(),
            (None, None) => "everyone".into(),
        }
    }
}

async fn canned_page(
    state: &AppState,
    staff: &Staff,
    ctx: PageContext,
    form: CannedForm,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let (replies, departments) = state
        .db(move |conn| {
            let replies = tickets::canned_list(conn, &actor)?;
            let departments = tickets::canned_departments(conn, &actor)?;
            Ok::<_, DomainError>((replies, departments))
        })
        .await?;
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &CannedPage {
            ctx,
            replies,
            departments,
            form,
            errors,
        },
    )
}

pub async fn index(
    state: web::Data<AppState>,
    staff: Require<perm::SupportCanned>,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    let form = CannedForm {
        scope: "all".into(),
        ..Default::default()
    };
    canned_page(&state, &staff, ctx, form, FieldErrors::new()).await
}

pub async fn create(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::SupportCanned>,
    ctx: PageContext,
    form: Form<CannedForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let actor = staff.actor.clone();
    let typed = form.clone();
    match state
        .attempt(move |conn| {
            tickets::canned_create(conn, &actor, &typed.title, &typed.body, &typed.scope)
        })
        .await?
    {
        Outcome::Done(reply) => {
            Flash::success(format!("“{}” is ready to use in replies.", reply.title)).set(&session);
            Ok(page::redirect("/admin/canned-replies"))
        }
        Outcome::Invalid(errors) => canned_page(&state, &staff, ctx, form, errors).await,
    }
}

pub async fn delete(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::SupportCanned>,
    id: web::Path<CannedReplyId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    state
        .db(move |conn| tickets::canned_delete(conn, &actor, id))
        .await?;
    Flash::success("The canned reply is deleted.").set(&session);
    Ok(page::redirect("/admin/canned-replies"))
}
