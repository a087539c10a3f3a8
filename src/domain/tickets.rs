//! The support centre. Clients open tickets addressed to a department shown in the support
//! centre; that department's staff (or those allowed all departments) see, answer, note,
//! assign, transfer and close them. Internal notes never reach the client. Notifications go
//! through the outbox in the same transaction.

use chrono::{Duration, NaiveDateTime};

use crate::db::models::account::AccountSummary;
use crate::db::models::ticket::{
    CLOSED, CannedReply, Ticket, TicketMessage, WAITING_CLIENT, WAITING_PROVIDER,
};
use crate::db::models::{Account, Client, Department, Employee, OutboxMail, User};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::client_permissions::{self, SUPPORT};
use crate::domain::departments::{BusinessHours, business_minutes};
use crate::domain::mail::templates::{self, Addressee, Notice};
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, ActorKind, DomainError, FieldErrors, text};
use crate::ids::{ClientId, DepartmentId, EmployeeId, TicketId};

/// Longest message accepted, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// A closed ticket reopens on a client reply within this many days.
pub const REOPEN_DAYS: i64 = 30;

pub fn status_label(status: &str) -> &'static str {
    match status {
        WAITING_PROVIDER => "Waiting for us",
        WAITING_CLIENT => "Waiting for the client",
        CLOSED => "Closed",
        _ => "Unknown",
    }
}

/// A message body: not empty, at most 64 KiB; line breaks are kept.
pub fn parse_body(raw: &str) -> Result<String, String> {
    let body = text::lines(raw)?;
    if body.is_empty() {
        return Err("Write a message.".into());
    }
    if body.len() > MAX_MESSAGE_BYTES {
        return Err("The message is longer than 64 KiB; shorten it or split it.".into());
    }
    Ok(body)
}

fn author_name(conn: &mut DbConnection, actor: &Actor) -> Result<String, DomainError> {
    Ok(match &actor.kind {
        ActorKind::ClientUser { id, .. } => {
            User::find(conn, *id)?.map(|u| u.name).unwrap_or_default()
        }
        ActorKind::EmployeeAsClient { user_id, .. } => User::find(conn, *user_id)?
            .map(|u| u.name)
            .unwrap_or_default(),
        ActorKind::Employee { id, .. } => Employee::find(conn, *id)?
            .map(|e| e.name)
            .unwrap_or_default(),
        _ => "system".into(),
    })
}

/// Mail to the staff of a department: the assignee if there is one, else every enabled member.
fn notify_staff(
    conn: &mut DbConnection,
    ticket: &Ticket,
    notice: &'static Notice,
    values: &[(&'static str, String)],
) -> Result<(), DomainError> {
    let recipients: Vec<String> = match ticket.assigned_to {
        Some(id) => Employee::find(conn, id)?
            .filter(|e| e.enabled)
            .map(|e| e.email)
            .into_iter()
            .collect(),
        None => {
            let members = Department::member_ids(conn, ticket.department_id)?;
            let mut emails = Vec::new();
            for id in members {
                if let Some(e) = Employee::find(conn, id)?.filter(|e| e.enabled) {
                    emails.push(e.email);
                }
            }
            emails
        }
    };
    if recipients.is_empty() {
        return Ok(());
    }
    let mut all = vec![
        ("ticket", ticket.id.to_string()),
        ("subject", ticket.subject.clone()),
    ];
    all.extend_from_slice(values);
    let letter = templates::write(conn, notice, &Addressee::staff(), &all)?;
    for recipient in recipients {
        OutboxMail::queue(conn, &letter.to(&recipient, db::now()))?;
    }
    Ok(())
}

// ---- The client's side ----

/// Departments a client may write to.
pub fn support_departments(conn: &mut DbConnection) -> Result<Vec<Department>, DomainError> {
    Ok(Department::all(conn)?
        .into_iter()
        .filter(|d| d.shown_in_support)
        .collect())
}

pub struct NewTicket {
    pub department_id: DepartmentId,
    pub subject: String,
    pub body: String,
}

impl NewTicket {
    pub fn parse(department: &str, subject: &str, body: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let department_id = department
            .trim()
            .parse()
            .map_err(|_| errors.add("department_id", "Choose a department."))
            .ok();
        let subject = text::required(subject, 200, "Write a subject.")
            .map_err(|m| errors.add("subject", m))
            .ok();
        let body = parse_body(body).map_err(|m| errors.add("body", m)).ok();
        match (department_id, subject, body) {
            (Some(department_id), Some(subject), Some(body)) => Ok(Self {
                department_id,
                subject,
                body,
            }),
            _ => Err(errors),
        }
    }
}

pub fn open(
    conn: &mut DbConnection,
    actor: &Actor,
    new: &NewTicket,
) -> Result<Ticket, DomainError> {
    let client_id = client_permissions::require(conn, actor, SUPPORT)?;
    db::write_transaction(conn, |conn| {
        let department = Department::find(conn, new.department_id)?
            .filter(|d| d.shown_in_support)
            .ok_or_else(|| {
                DomainError::invalid("department_id", "Choose one of the departments listed.")
            })?;
        let now = db::now();
        let ticket = Ticket::insert(conn, client_id, department.id, &new.subject, now)?;
        let author = author_name(conn, actor)?;
        TicketMessage::insert(
            conn,
            ticket.id,
            client_user(actor),
            None,
            &author,
            &new.body,
            false,
            now,
        )?;
        notify_staff(
            conn,
            &ticket,
            &templates::STAFF_TICKET_OPENED,
            &[
                ("author", author.clone()),
                ("department", department.name.clone()),
                ("message", new.body.clone()),
            ],
        )?;
        audit::record(
            conn,
            actor,
            "ticket.open",
            Target::new("ticket", ticket.id),
            &format!("to {:?}: {:?}", department.name, ticket.subject),
        )?;
        Ok(ticket)
    })
}

fn client_user(actor: &Actor) -> Option<crate::ids::UserId> {
    match actor.kind {
        ActorKind::ClientUser { id, .. } => Some(id),
        ActorKind::EmployeeAsClient { user_id, .. } => Some(user_id),
        _ => None,
    }
}

pub struct ClientTicketRow {
    pub ticket: Ticket,
    pub department: String,
}

pub fn list_for_client(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<Vec<ClientTicketRow>, DomainError> {
    let client_id = client_permissions::require(conn, actor, SUPPORT)?;
    let tickets = Ticket::of_client(conn, client_id, 500)?;
    with_departments(conn, tickets)
}

/// Tickets with their departments' names.
fn with_departments(
    conn: &mut DbConnection,
    tickets: Vec<Ticket>,
) -> Result<Vec<ClientTicketRow>, DomainError> {
    let departments = Department::all(conn)?;
    Ok(tickets
        .into_iter()
        .map(|ticket| ClientTicketRow {
            department: departments
                .iter()
                .find(|d| d.id == ticket.department_id)
                .map(|d| d.name.clone())
                .unwrap_or_default(),
            ticket,
        })
        .collect())
}

/// Tickets with a staff reply the client has not seen (for the menu).
pub fn unread_for_client(conn: &mut DbConnection, client_id: ClientId) -> Result<i64, DomainError> {
    Ok(Ticket::count_unread_of_client(conn, client_id)?)
}

pub struct ClientTicketView {
    pub ticket: Ticket,
    pub department: String,
    /// Without internal notes.
    pub messages: Vec<TicketMessage>,
    /// Whether a reply would reopen it (closed less than 30 days ago).
    pub can_reply: bool,
}

pub fn view_for_client(
    conn: &mut DbConnection,
    actor: &Actor,
    id: TicketId,
) -> Result<ClientTicketView, DomainError> {
    let client_id = client_permissions::require(conn, actor, SUPPORT)?;
    let ticket = Ticket::find_of_client(conn, client_id, id)?.ok_or(DomainError::NotFound)?;
    let department = Department::find(conn, ticket.department_id)?
        .map(|d| d.name)
        .unwrap_or_default();
    Ok(ClientTicketView {
        messages: TicketMessage::of_ticket(conn, id, false)?,
        can_reply: reopenable(&ticket, db::now()),
        department,
        ticket,
    })
}

/// The client has seen the staff's latest reply: the ticket page asks for this with a POST
/// carrying the form token (opening the page changes nothing). An employee working as the
/// client leaves the marker as it is.
pub fn mark_seen_by_client(
    conn: &mut DbConnection,
    actor: &Actor,
    id: TicketId,
) -> Result<(), DomainError> {
    let client_id = client_permissions::require(conn, actor, SUPPORT)?;
    let ticket = Ticket::find_of_client(conn, client_id, id)?.ok_or(DomainError::NotFound)?;
    if ticket.client_unread && !actor.is_impersonating() {
        db::write_transaction(conn, |conn| Ticket::mark_seen_by_client(conn, id))?;
    }
    Ok(())
}

fn reopenable(ticket: &Ticket, now: NaiveDateTime) -> bool {
    ticket.status != CLOSED
        || ticket
            .closed_at
            .is_some_and(|at| now - at <= Duration::days(REOPEN_DAYS))
}

/// The client replies: the ticket waits for the provider again (a closed one reopens,
/// unless it was closed more than 30 days ago).
pub fn reply_as_client(
    conn: &mut DbConnection,
    actor: &Actor,
    id: TicketId,
    body: &str,
) -> Result<(), DomainError> {
    let client_id = client_permissions::require(conn, actor, SUPPORT)?;
    let body = parse_body(body).map_err(|m| DomainError::invalid("body", m))?;
    db::write_transaction(conn, |conn| {
        let ticket = Ticket::find_of_client(conn, client_id, id)?.ok_or(DomainError::NotFound)?;
        let now = db::now();
        if !reopenable(&ticket, now) {
            return Err(DomainError::invalid(
                "body",
                "This ticket was closed more than 30 days ago; please open a new one.",
            ));
        }
        let author = author_name(conn, actor)?;
        TicketMessage::insert(
            conn,
            id,
            client_user(actor),
            None,
            &author,
            &body,
            false,
            now,
        )?;
        let waiting_since = match ticket.status.as_str() {
            WAITING_PROVIDER => ticket.waiting_since.or(Some(now)),
            _ => Some(now),
        };
        Ticket::set_state(conn, id, WAITING_PROVIDER, waiting_since, false, now)?;
        notify_staff(
            conn,
            &ticket,
            &templates::STAFF_TICKET_REPLY,
            &[("author", author.clone()), ("message", body.clone())],
        )?;
        let action = if ticket.status == CLOSED {
            "ticket.reopen"
        } else {
            "ticket.client_reply"
        };
        audit::record(conn, actor, action, Target::new("ticket", id), "")?;
        Ok(())
    })
}

pub fn close_as_client(
    conn: &mut DbConnection,
    actor: &Actor,
    id: TicketId,
) -> Result<(), DomainError> {
    let client_id = client_permissions::require(conn, actor, SUPPORT)?;
    db::write_transaction(conn, |conn| {
        let ticket = Ticket::find_of_client(conn, client_id, id)?.ok_or(DomainError::NotFound)?;
        if ticket.status != CLOSED {
            Ticket::set_state(conn, id, CLOSED, None, false, db::now())?;
            audit::record(
                conn,
                actor,
                "ticket.close",
                Target::new("ticket", id),
                "by the client",
            )?;
        }
        Ok(())
    })
}

// ---- The staff's side ----

/// The departments whose tickets the actor sees: `None` for all (administrators and
/// holders of support.all_departments), else its own departments.
pub fn visible_departments(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<Option<Vec<DepartmentId>>, DomainError> {
    require(actor, permissions::SUPPORT_VIEW)?;
    if permissions::require(actor, permissions::SUPPORT_ALL_DEPARTMENTS).is_ok() {
        return Ok(None);
    }
    let id = actor.employee_id().ok_or(DomainError::Forbidden)?;
    Ok(Some(Department::ids_of_employee(conn, id)?))
}

/// A ticket the actor may handle; any other is `NotFound`.
pub(crate) fn visible_ticket(
    conn: &mut DbConnection,
    actor: &Actor,
    id: TicketId,
) -> Result<Ticket, DomainError> {
    let visible = visible_departments(conn, actor)?;
    let ticket = Ticket::find(conn, id)?.ok_or(DomainError::NotFound)?;
    match visible {
        Some(departments) if !departments.contains(&ticket.department_id) => {
            Err(DomainError::NotFound)
        }
        _ => Ok(ticket),
    }
}

/// The client's latest tickets in the departments the actor sees (all, for an employee who
/// sees every department), newest first.
pub fn of_client_for_staff(
    conn: &mut DbConnection,
    actor: &Actor,
    client: ClientId,
    limit: i64,
) -> Result<Vec<ClientTicketRow>, DomainError> {
    let visible = visible_departments(conn, actor)?;
    let tickets = Ticket::of_client(conn, client, limit)?
        .into_iter()
        .filter(|t| {
            visible
                .as_ref()
                .is_none_or(|v| v.contains(&t.department_id))
        })
        .collect();
    with_departments(conn, tickets)
}

pub struct QueueRow {
    pub ticket: Ticket,
    pub department: String,
    pub client: String,
    pub assignee: Option<String>,
    /// Business minutes waited so far (tickets waiting for the provider).
    pub waited_minutes: i64,
    /// Past the department's expected response time.
    pub overdue: bool,
}

/// Most tickets a queue page may show (each department's that many are read and measured).
pub const QUEUE_MAX: i64 = 200;

/// The queue counts its tickets up to this many; past it, the page says "more than".
pub const QUEUE_COUNT_CAP: i64 = 1000;

/// One page of the queue: the first rows, and how many tickets the tab holds in all (up to
/// `QUEUE_COUNT_CAP + 1`, which means more than the cap).
pub struct Queue {
    pub rows: Vec<QueueRow>,
    pub total: i64,
}

/// The first `limit` (at most `QUEUE_MAX`) tickets in `status` of the departments the actor
/// sees. Those waiting for the provider come longest-waiting first, measured in each
/// department's business hours; the others most recently updated first.
///
/// Within one department, business time only grows with the time waited, so the longest
/// waits of the queue are among each department's `limit` oldest tickets: only those are
/// read and measured, whatever the queue's length.
pub fn queue(
    conn: &mut DbConnection,
    actor: &Actor,
    status: &str,
    limit: i64,
    now: NaiveDateTime,
) -> Result<Queue, DomainError> {
    let visible = visible_departments(conn, actor)?;
    let limit = limit.clamp(1, QUEUE_MAX);
    let status = match status {
        WAITING_CLIENT | CLOSED => status,
        _ => WAITING_PROVIDER,
    };
    let departments = Department::all(conn)?;
    let total = Ticket::count_in(conn, visible.as_deref(), status, QUEUE_COUNT_CAP)?;
    let tickets = if status == WAITING_PROVIDER {
        let mut tickets = Vec::new();
        for department in &departments {
            if visible.as_ref().is_none_or(|v| v.contains(&department.id)) {
                tickets.extend(Ticket::longest_waiting(conn, department.id, limit)?);
            }
        }
        tickets
    } else {
        Ticket::updated_last(conn, visible.as_deref(), status, limit)?
    };
    let employees = Employee::all(conn)?;
    // Each department's hours and zone, read once for all its tickets.
    let clocks: Vec<(&Department, BusinessHours, chrono_tz::Tz)> = departments
        .iter()
        .map(|d| {
            (
                d,
                BusinessHours::from_stored(&d.business_hours),
                d.time_zone.parse().unwrap_or(chrono_tz::UTC),
            )
        })
        .collect();
    let mut rows: Vec<QueueRow> = tickets
        .into_iter()
        .map(|ticket| {
            let clock = clocks.iter().find(|(d, ..)| d.id == ticket.department_id);
            let department = clock.map(|(d, ..)| *d);
            let (waited_minutes, overdue) = match (clock, ticket.waiting_since) {
                (Some((d, hours, tz)), Some(since)) if ticket.status == WAITING_PROVIDER => {
                    let waited = business_minutes(hours, *tz, since, now);
                    (waited, waited > i64::from(d.response_hours) * 60)
                }
                _ => (0, false),
            };
            QueueRow {
                department: department.map(|d| d.name.clone()).unwrap_or_default(),
                client: String::new(),
                assignee: ticket
                    .assigned_to
                    .and_then(|a| employees.iter().find(|e| e.id == a).map(|e| e.name.clone())),
                waited_minutes,
                overdue,
                ticket,
            }
        })
        .collect();
    if status == WAITING_PROVIDER {
        rows.sort_by(|a, b| {
            b.waited_minutes
                .cmp(&a.waited_minutes)
                .then(a.ticket.waiting_since.cmp(&b.ticket.waiting_since))
                .then(a.ticket.id.cmp(&b.ticket.id))
        });
        rows.truncate(limit as usize);
    }
    // The clients' names for the rows kept only.
    let client_ids: Vec<ClientId> = rows.iter().map(|r| r.ticket.client_id).collect();
    let names = Client::names_of(conn, &client_ids)?;
    for row in &mut rows {
        if let Some((_, name)) = names.iter().find(|(id, _)| *id == row.ticket.client_id) {
            row.client = name.clone();
        }
    }
    Ok(Queue { rows, total })
}

pub struct StaffTicketView {
    pub ticket: Ticket,
    pub department: Department,
    /// With internal notes.
    pub messages: Vec<TicketMessage>,
    pub client: Client,
    pub owner_email: String,
    pub accounts: Vec<AccountSummary>,
    /// The client's services, not deleted, for an employee who may see services.
    pub services: Vec<crate::db::models::service::ServiceRow>,
    pub assignee: Option<Employee>,
    /// Members of the ticket's department, to assign to.
    pub colleagues: Vec<Employee>,
    /// Other departments, to transfer to.
    pub departments: Vec<Department>,
    pub canned: Vec<CannedReply>,
}

pub fn view(
    conn: &mut DbConnection,
    actor: &Actor,
    id: TicketId,
) -> Result<StaffTicketView, DomainError> {
    let ticket = visible_ticket(conn, actor, id)?;
    let department = Department::find(conn, ticket.department_id)?.ok_or(DomainError::NotFound)?;
    let client = Client::find(conn, ticket.client_id)?.ok_or(DomainError::NotFound)?;
    let mut colleagues = Vec::new();
    for member in Department::member_ids(conn, department.id)? {
        if let Some(e) = Employee::find(conn, member)?.filter(|e| e.enabled) {
            colleagues.push(e);
        }
    }
    let me = actor.employee_id().ok_or(DomainError::Forbidden)?;
    let my_departments = Department::ids_of_employee(conn, me)?;
    Ok(StaffTicketView {
        messages: TicketMessage::of_ticket(conn, id, true)?,
        owner_email: User::owner_of(conn, client.id)?
            .map(|u| u.email)
            .unwrap_or_default(),
        accounts: Account::summaries_of_client(conn, client.id)?,
        services: match crate::domain::services::list(
            conn,
            actor,
            &crate::db::models::service::ServiceFilter {
                client: Some(client.id),
                ..Default::default()
            },
            crate::domain::services::PAGE_SIZE,
        ) {
            Ok(rows) => rows
                .into_iter()
                .filter(|r| r.service.status != crate::db::models::service::DELETED)
                .collect(),
            Err(DomainError::Forbidden) => Vec::new(),
            Err(e) => return Err(e),
        },
        assignee: match ticket.assigned_to {
            Some(a) => Employee::find(conn, a)?,
            None => None,
        },
        departments: Department::all(conn)?
            .into_iter()
            .filter(|d| d.id != department.id)
            .collect(),
        canned: CannedReply::for_employee(conn, me, &my_departments)?,
        colleagues,
        department,
        client,
        ticket,
    })
}

/// A reply the client sees: the ticket then waits for the client.
pub fn reply(
    conn: &mut DbConnection,
    actor: &Actor,
    id: TicketId,
    body: &str,
) -> Result<(), DomainError> {
    require(actor, permissions::SUPPORT_ANSWER)?;
    let body = parse_body(body).map_err(|m| DomainError::invalid("body", m))?;
    db::write_transaction(conn, |conn| {
        let ticket = visible_ticket(conn, actor, id)?;
        let now = db::now();
        let author = author_name(conn, actor)?;
        TicketMessage::insert(
            conn,
            id,
            None,
            actor.employee_id(),
            &author,
            &body,
            false,
            now,
        )?;
        Ticket::set_state(conn, id, WAITING_CLIENT, None, true, now)?;
        if ticket.assigned_to.is_none()
            && let Some(me) = actor.employee_id()
        {
            Ticket::assign(conn, id, Some(me), now)?;
        }
        // Mailed only: the reply itself is in the ticket, marked new there, so an inbox
        // copy would announce it twice.
        if let Some(owner) = User::owner_of(conn, ticket.client_id)? {
            let to = Addressee::client(conn, ticket.client_id, None)?;
            let letter = templates::write(
                conn,
                &templates::TICKET_REPLY,
                &to,
                &[
                    ("client", to.name.clone()),
                    ("ticket", id.to_string()),
                    ("subject", ticket.subject.clone()),
                    ("author", author.clone()),
                    ("reply", body.clone()),
                ],
            )?;
            OutboxMail::queue(conn, &letter.to(&owner.email, now))?;
        }
        audit::record(conn, actor, "ticket.reply", Target::new("ticket", id), "")?;
        Ok(())
    })
}

/// An internal note: only staff ever see it.
pub fn note(
    conn: &mut DbConnection,
    actor: &Actor,
    id: TicketId,
    body: &str,
) -> Result<(), DomainError> {
    require(actor, permissions::SUPPORT_NOTES)?;
    let body = parse_body(body).map_err(|m| DomainError::invalid("note", m))?;
    db::write_transaction(conn, |conn| {
        visible_ticket(conn, actor, id)?;
        let author = author_name(conn, actor)?;
        TicketMessage::insert(
            conn,
            id,
            None,
            actor.employee_id(),
            &author,
            &body,
            true,
            db::now(),
        )?;
        audit::record(conn, actor, "ticket.note", Target::new("ticket", id), "")?;
        Ok(())
    })
}

/// Assigns to an employee of the ticket's department (`None`: nobody).
pub fn assign(
    conn: &mut DbConnection,
    actor: &Actor,
    id: TicketId,
    employee: Option<EmployeeId>,
) -> Result<(), DomainError> {
    require(actor, permissions::SUPPORT_ASSIGN)?;
    db::write_transaction(conn, |conn| {
        let ticket = visible_ticket(conn, actor, id)?;
        let name = match employee {
            Some(e) => {
                let member = Department::member_ids(conn, ticket.department_id)?.contains(&e);
                let found = Employee::find(conn, e)?
                    .filter(|x| x.enabled && member)
                    .ok_or_else(|| {
                        DomainError::invalid(
                            "employee_id",
                            "Choose an employee of the ticket's department.",
                        )
                    })?;
                found.name
            }
            None => "nobody".into(),
        };
        Ticket::assign(conn, id, employee, db::now())?;
        audit::record(
            conn,
            actor,
            "ticket.assign",
            Target::new("ticket", id),
            &format!("to {name}"),
        )?;
        Ok(())
    })
}

pub fn transfer(
    conn: &mut DbConnection,
    actor: &Actor,
    id: TicketId,
    department: DepartmentId,
) -> Result<(), DomainError> {
    require(actor, permissions::SUPPORT_TRANSFER)?;
    db::write_transaction(conn, |conn| {
        let ticket = visible_ticket(conn, actor, id)?;
        let from = Department::find(conn, ticket.department_id)?
            .map(|d| d.name)
            .unwrap_or_default();
        let to = Department::find(conn, department)?.ok_or_else(|| {
            DomainError::invalid("department_id", "Choose a department from the list.")
        })?;
        Ticket::transfer(conn, id, department, db::now())?;
        let moved = Ticket {
            department_id: department,
            assigned_to: None,
            ..ticket
        };
        notify_staff(
            conn,
            &moved,
            &templates::STAFF_TICKET_TRANSFERRED,
            &[("department", to.name.clone())],
        )?;
        audit::record(
            conn,
            actor,
            "ticket.transfer",
            Target::new("ticket", id),
            &format!("{from:?} → {:?}", to.name),
        )?;
        Ok(())
    })
}

pub fn set_status(
    conn: &mut DbConnection,
    actor: &Actor,
    id: TicketId,
    status: &str,
) -> Result<(), DomainError> {
    require(actor, permissions::SUPPORT_ANSWER)?;
    let status = match status {
        WAITING_PROVIDER | WAITING_CLIENT | CLOSED => status,
        _ => {
            return Err(DomainError::invalid(
                "status",
                "Choose a status from the list.",
            ));
        }
    };
    db::write_transaction(conn, |conn| {
        let ticket = visible_ticket(conn, actor, id)?;
        if ticket.status == status {
            return Ok(());
        }
        let now = db::now();
        let waiting_since =
            (status == WAITING_PROVIDER).then(|| ticket.waiting_since.unwrap_or(now));
        Ticket::set_state(conn, id, status, waiting_since, ticket.client_unread, now)?;
        let action = if status == CLOSED {
            "ticket.close"
        } else {
            "ticket.status"
        };
        audit::record(
            conn,
            actor,
            action,
            Target::new("ticket", id),
            &format!(
                "{} → {}",
                status_label(&ticket.status),
                status_label(status)
            ),
        )?;
        Ok(())
    })
}

// ---- Canned replies ----

/// Whether the actor may see and manage a canned reply: one for everyone, its own, or one
/// of a department whose tickets it reads. Colleagues' personal replies stay theirs
/// (administrators see every reply).
fn canned_in_scope(
    reply: &CannedReply,
    actor: &Actor,
    departments: &Option<Vec<DepartmentId>>,
) -> bool {
    if actor.is_superuser() {
        return true;
    }
    match (reply.department_id, reply.employee_id) {
        (None, None) => true,
        (None, Some(owner)) => actor.employee_id() == Some(owner),
        (Some(department), _) => departments
            .as_ref()
            .is_none_or(|mine| mine.contains(&department)),
    }
}

/// The canned replies the actor may manage (see `canned_in_scope`).
pub fn canned_list(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<Vec<CannedReply>, DomainError> {
    require(actor, permissions::SUPPORT_CANNED)?;
    let departments = visible_departments(conn, actor)?;
    Ok(CannedReply::all(conn)?
        .into_iter()
        .filter(|r| canned_in_scope(r, actor, &departments))
        .collect())
}

/// The departments the actor may address a canned reply to: those whose tickets it reads.
pub fn canned_departments(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<Vec<Department>, DomainError> {
    require(actor, permissions::SUPPORT_CANNED)?;
    let visible = visible_departments(conn, actor)?;
    Ok(Department::all(conn)?
        .into_iter()
        .filter(|d| visible.as_ref().is_none_or(|mine| mine.contains(&d.id)))
        .collect())
}

/// Scope: "all", "department:<id>" or "me" (the actor only).
pub fn canned_create(
    conn: &mut DbConnection,
    actor: &Actor,
    title: &str,
    body: &str,
    scope: &str,
) -> Result<CannedReply, DomainError> {
    require(actor, permissions::SUPPORT_CANNED)?;
    let mut errors = FieldErrors::new();
    let title = text::required(title, 200, "Give the reply a title.")
        .map_err(|m| errors.add("title", m))
        .ok();
    let body = parse_body(body).map_err(|m| errors.add("body", m)).ok();
    let (department, employee) = match scope.split_once(':') {
        _ if scope == "all" => (None, None),
        _ if scope == "me" => (None, actor.employee_id()),
        Some(("department", id)) => match id.parse() {
            Ok(id) => (Some(id), None),
            Err(_) => {
                errors.add("scope", "Choose who may use the reply.");
                (None, None)
            }
        },
        _ => {
            errors.add("scope", "Choose who may use the reply.");
            (None, None)
        }
    };
    errors.into_result()?;
    let visible = visible_departments(conn, actor)?;
    db::write_transaction(conn, |conn| {
        if let Some(d) = department
            && (Department::find(conn, d)?.is_none()
                || visible.as_ref().is_some_and(|mine| !mine.contains(&d)))
        {
            return Err(DomainError::invalid(
                "scope",
                "Choose a department from the list.",
            ));
        }
        let reply = CannedReply::insert(
            conn,
            &title.unwrap_or_default(),
            &body.unwrap_or_default(),
            department,
            employee,
            db::now(),
        )?;
        audit::record(
            conn,
            actor,
            "canned_reply.create",
            Target::new("canned_reply", reply.id),
            &format!("title {:?}", reply.title),
        )?;
        Ok(reply)
    })
}

pub fn canned_delete(
    conn: &mut DbConnection,
    actor: &Actor,
    id: crate::ids::CannedReplyId,
) -> Result<(), DomainError> {
    require(actor, permissions::SUPPORT_CANNED)?;
    let departments = visible_departments(conn, actor)?;
    db::write_transaction(conn, |conn| {
        let reply = CannedReply::find(conn, id)?
            .filter(|r| canned_in_scope(r, actor, &departments))
            .ok_or(DomainError::NotFound)?;
        CannedReply::delete(conn, id)?;
        audit::record(
            conn,
            actor,
            "canned_reply.delete",
            Target::new("canned_reply", id),
            &format!("title {:?}", reply.title),
        )?;
        Ok(())
    })
}
