//! `/client/tickets`: the client's support tickets (needs the support section).

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::Department;
use crate::domain::FieldErrors;
use crate::domain::client_permissions::csec;
use crate::domain::tickets::{self, ClientTicketRow, ClientTicketView, NewTicket, status_label};
use crate::ids::TicketId;
use crate::web::forms::{Form, Outcome};
use crate::web::identity::{ClientRequire, ClientUser};
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct TicketForm {
    pub department_id: String,
    pub subject: String,
    pub body: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "client/tickets/index.html")]
pub struct TicketsPage {
    pub ctx: PageContext,
    pub tickets: Vec<ClientTicketRow>,
}

impl TicketsPage {
    pub fn label(&self, status: &str) -> &'static str {
        match status {
            "waiting_provider" => "Waiting for support",
            "waiting_client" => "Answered",
            _ => status_label(status),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "client/tickets/new.html")]
pub struct NewTicketPage {
    pub ctx: PageContext,
    pub form: TicketForm,
    pub errors: FieldErrors,
    pub departments: Vec<Department>,
}

#[derive(Template, WebTemplate)]
#[template(path = "client/tickets/show.html")]
pub struct TicketPage {
    pub ctx: PageContext,
    pub view: ClientTicketView,
    pub form: TicketForm,
    pub errors: FieldErrors,
}

pub async fn index(
    state: web::Data<AppState>,
    user: ClientRequire<csec::Support>,
    ctx: PageContext,
) -> Result<TicketsPage, WebError> {
    let actor = user.actor.clone();
    let tickets = state
        .db(move |conn| tickets::list_for_client(conn, &actor))
        .await?;
    Ok(TicketsPage { ctx, tickets })
}

async fn new_page(
    state: &AppState,
    ctx: PageContext,
    form: TicketForm,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let departments = state.db(tickets::support_departments).await?;
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &NewTicketPage {
            ctx,
            form,
            errors,
            departments,
        },
    )
}

pub async fn new(
    state: web::Data<AppState>,
    _user: ClientRequire<csec::Support>,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    new_page(&state, ctx, TicketForm::default(), FieldErrors::new()).await
}

pub async fn create(
    state: web::Data<AppState>,
    session: Session,
    user: ClientRequire<csec::Support>,
    ctx: PageContext,
    form: Form<TicketForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let outcome = match NewTicket::parse(&form.department_id, &form.subject, &form.body) {
        Ok(new) => {
            let actor = user.actor.clone();
            state
                .attempt(move |conn| tickets::open(conn, &actor, &new))
                .await?
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(ticket) => {
            Flash::success(format!(
                "Ticket #{} is sent. We will answer here and by email.",
                ticket.id
            ))
            .set(&session);
            Ok(page::redirect(&format!("/client/tickets/{}", ticket.id)))
        }
        Outcome::Invalid(errors) => new_page(&state, ctx, form, errors).await,
    }
}

async fn ticket_page(
    state: &AppState,
    user: &ClientUser,
    ctx: PageContext,
    id: TicketId,
    form: TicketForm,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let actor = user.actor.clone();
    let view = state
        .db(move |conn| tickets::view_for_client(conn, &actor, id))
        .await?;
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &TicketPage {
            ctx,
            view,
            form,
            errors,
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    user: ClientRequire<csec::Support>,
    ctx: PageContext,
    id: web::Path<TicketId>,
) -> Result<HttpResponse, WebError> {
    ticket_page(
        &state,
        &user,
        ctx,
        id.into_inner(),
        TicketForm::default(),
        FieldErrors::new(),
    )
    .await
}

/// `POST /client/tickets/{id}/seen`: sent by the ticket page's script (or its button).
pub async fn mark_seen(
    state: web::Data<AppState>,
    user: ClientRequire<csec::Support>,
    id: web::Path<TicketId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = user.actor.clone();
    state
        .db(move |conn| tickets::mark_seen_by_client(conn, &actor, id))
        .await?;
    Ok(page::redirect(&format!("/client/tickets/{id}")))
}

pub async fn reply(
    state: web::Data<AppState>,
    session: Session,
    user: ClientRequire<csec::Support>,
    ctx: PageContext,
    id: web::Path<TicketId>,
    form: Form<TicketForm>,
) -> Result<HttpResponse, WebError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let actor = user.actor.clone();
    let body = form.body.clone();
    match state
        .attempt(move |conn| tickets::reply_as_client(conn, &actor, id, &body))
        .await?
    {
        Outcome::Done(()) => {
            Flash::success("Your reply is sent.").set(&session);
            Ok(page::redirect(&format!("/client/tickets/{id}")))
        }
        Outcome::Invalid(errors) => ticket_page(&state, &user, ctx, id, form, errors).await,
    }
}

pub async fn close(
    state: web::Data<AppState>,
    session: Session,
    user: ClientRequire<csec::Support>,
    id: web::Path<TicketId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = user.actor.clone();
    state
        .db(move |conn| tickets::close_as_client(conn, &actor, id).map_err(WebError::from))
        .await?;
    Flash::success("The ticket is closed. Reply within 30 days to open it again.").set(&session);
    Ok(page::redirect("/client/tickets"))
}
