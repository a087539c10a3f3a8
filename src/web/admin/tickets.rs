//! `/admin/tickets`: the support queue and the tickets of the employee's departments.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::ticket::{CLOSED, WAITING_CLIENT, WAITING_PROVIDER};
use crate::domain::money::Money;
use crate::domain::permissions::perm;
use crate::domain::tickets::{self, QueueRow, StaffTicketView, status_label};
use crate::domain::{DomainError, FieldErrors};
use crate::ids::TicketId;
use crate::web::forms::{Form, Outcome};
use crate::web::identity::{Require, Staff};
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct QueueQuery {
    pub status: String,
    /// How many rows to show: `QUEUE_PAGE` unless the person asked for more.
    pub show: String,
}

/// Rows a queue page shows first; "Show more" steps up to `tickets::QUEUE_MAX`.
pub const QUEUE_PAGE: i64 = 50;

pub const TABS: &[(&str, &str)] = &[
    (WAITING_PROVIDER, "Waiting for us"),
    (WAITING_CLIENT, "Waiting for the client"),
    (CLOSED, "Closed"),
];

#[derive(Template, WebTemplate)]
#[template(path = "admin/tickets/index.html")]
pub struct QueuePage {
    pub ctx: PageContext,
    pub status: String,
    pub tabs: &'static [(&'static str, &'static str)],
    pub rows: Vec<QueueRow>,
    /// How many tickets the tab holds in all.
    pub total: i64,
    /// How many rows the "Show more" link asks for, when more can be shown.
    pub more: Option<i64>,
}

impl QueuePage {
    /// "60", or "more than 1000" past what the queue counts.
    pub fn total_label(&self) -> String {
        if self.total > tickets::QUEUE_COUNT_CAP {
            format!("more than {}", tickets::QUEUE_COUNT_CAP)
        } else {
            self.total.to_string()
        }
    }

    /// "2 h 05 min" of business time.
    pub fn waited(&self, minutes: &i64) -> String {
        format!("{} h {:02} min", minutes / 60, minutes % 60)
    }
}

pub async fn index(
    state: web::Data<AppState>,
    staff: Require<perm::SupportView>,
    ctx: PageContext,
    query: web::Query<QueueQuery>,
) -> Result<QueuePage, WebError> {
    let status = match query.status.as_str() {
        WAITING_CLIENT | CLOSED => query.status.clone(),
        _ => WAITING_PROVIDER.to_owned(),
    };
    let show = match query.show.parse::<i64>() {
        Ok(n) if n > 0 => n.min(tickets::QUEUE_MAX),
        _ => QUEUE_PAGE,
    };
    let actor = staff.actor.clone();
    let wanted = status.clone();
    let queue = state
        .db(move |conn| tickets::queue(conn, &actor, &wanted, show, crate::db::now()))
        .await?;
    let shown = queue.rows.len() as i64;
    let more = (queue.total > shown && shown < tickets::QUEUE_MAX)
        .then(|| (shown * 4).clamp(QUEUE_PAGE, tickets::QUEUE_MAX));
    Ok(QueuePage {
        ctx,
        status,
        tabs: TABS,
        rows: queue.rows,
        total: queue.total,
        more,
    })
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct MessageForm {
    pub body: String,
    pub note: String,
    pub employee_id: String,
    pub department_id: String,
    pub status: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/tickets/show.html")]
pub struct TicketPage {
    pub ctx: PageContext,
    pub view: StaffTicketView,
    pub form: MessageForm,
    pub errors: FieldErrors,
}

impl TicketPage {
    pub fn status_label(&self) -> &'static str {
        status_label(&self.view.ticket.status)
    }

    pub fn money(&self, minor: &i64, exponent: &i32, currency: &str) -> Money {
        Money::from_minor(*minor, *exponent, currency)
    }
}

async fn ticket_page(
    state: &AppState,
    staff: &Staff,
    ctx: PageContext,
    id: TicketId,
    form: MessageForm,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let view = state
        .db(move |conn| tickets::view(conn, &actor, id))
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
    staff: Require<perm::SupportView>,
    ctx: PageContext,
    id: web::Path<TicketId>,
) -> Result<HttpResponse, WebError> {
    ticket_page(
        &state,
        &staff,
        ctx,
        id.into_inner(),
        MessageForm::default(),
        FieldErrors::new(),
    )
    .await
}

/// Who is acting on which ticket, for `act`.
struct On<'a> {
    state: &'a AppState,
    session: &'a Session,
    staff: &'a Staff,
    id: TicketId,
}

/// Runs one action on a ticket; on a refusal the ticket page comes back with the message
/// at its field and what was typed.
async fn act<F>(
    on: On<'_>,
    ctx: PageContext,
    form: MessageForm,
    done: &str,
    action: F,
) -> Result<HttpResponse, WebError>
where
    F: FnOnce(&mut crate::db::DbConnection, &crate::domain::Actor) -> Result<(), DomainError>
        + Send
        + 'static,
{
    let actor = on.staff.actor.clone();
    match on.state.attempt(move |conn| action(conn, &actor)).await? {
        Outcome::Done(()) => {
            Flash::success(done).set(on.session);
            Ok(page::redirect(&format!("/admin/tickets/{}", on.id)))
        }
        Outcome::Invalid(errors) => ticket_page(on.state, on.staff, ctx, on.id, form, errors).await,
    }
}

pub async fn reply(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::SupportAnswer>,
    ctx: PageContext,
    id: web::Path<TicketId>,
    form: Form<MessageForm>,
) -> Result<HttpResponse, WebError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let body = form.body.clone();
    act(
        On {
            state: &state,
            session: &session,
            staff: &staff,
            id,
        },
        ctx,
        form,
        "Your reply is sent to the client.",
        move |conn, actor| tickets::reply(conn, actor, id, &body),
    )
    .await
}

pub async fn note(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::SupportNotes>,
    ctx: PageContext,
    id: web::Path<TicketId>,
    form: Form<MessageForm>,
) -> Result<HttpResponse, WebError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let note = form.note.clone();
    act(
        On {
            state: &state,
            session: &session,
            staff: &staff,
            id,
        },
        ctx,
        form,
        "The note is added; the client does not see it.",
        move |conn, actor| tickets::note(conn, actor, id, &note),
    )
    .await
}

pub async fn assign(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::SupportAssign>,
    ctx: PageContext,
    id: web::Path<TicketId>,
    form: Form<MessageForm>,
) -> Result<HttpResponse, WebError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let employee = match form.employee_id.as_str() {
        "me" => Some(staff.employee.id),
        "" => None,
        raw => match raw.parse() {
            Ok(e) => Some(e),
            Err(_) => {
                return ticket_page(
                    &state,
                    &staff,
                    ctx,
                    id,
                    form.clone(),
                    FieldErrors::one("employee_id", "Choose an employee."),
                )
                .await;
            }
        },
    };
    act(
        On {
            state: &state,
            session: &session,
            staff: &staff,
            id,
        },
        ctx,
        form,
        "The ticket is assigned.",
        move |conn, actor| tickets::assign(conn, actor, id, employee),
    )
    .await
}

pub async fn transfer(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::SupportTransfer>,
    ctx: PageContext,
    id: web::Path<TicketId>,
    form: Form<MessageForm>,
) -> Result<HttpResponse, WebError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let Ok(department) = form.department_id.parse() else {
        return ticket_page(
            &state,
            &staff,
            ctx,
            id,
            form.clone(),
            FieldErrors::one("department_id", "Choose a department."),
        )
        .await;
    };
    let actor = staff.actor.clone();
    match state
        .attempt(move |conn| tickets::transfer(conn, &actor, id, department))
        .await?
    {
        Outcome::Done(()) => {
            Flash::success("The ticket is transferred.").set(&session);
            // It may now be out of this employee's sight.
            Ok(page::redirect("/admin/tickets"))
        }
        Outcome::Invalid(errors) => ticket_page(&state, &staff, ctx, id, form, errors).await,
    }
}

pub async fn set_status(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::SupportAnswer>,
    ctx: PageContext,
    id: web::Path<TicketId>,
    form: Form<MessageForm>,
) -> Result<HttpResponse, WebError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let status = form.status.clone();
    act(
        On {
            state: &state,
            session: &session,
            staff: &staff,
            id,
        },
        ctx,
        form,
        "The status is set.",
        move |conn, actor| tickets::set_status(conn, actor, id, &status),
    )
    .await
}
