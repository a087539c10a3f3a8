//! `/admin/outbox`: the mail billpanel sends, as staff with `mail.view` see it (waiting,
//! sent, failed with the server's answer), one message's page, and sending a failed one
//! again (`mail.resend`).

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::OutboxMail;
use crate::db::models::outbox::{FAILED, OutboxCounts, OutboxCursor, OutboxFilter, SENT, STATUSES};
use crate::domain::FieldErrors;
use crate::domain::mail;
use crate::domain::permissions::perm;
use crate::ids::OutboxId;
use crate::web::forms::Outcome;
use crate::web::identity::Require;
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

/// The filter of the outbox, as typed.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub before: String,
    pub status: String,
    pub recipient: String,
    /// YYYY-MM-DD: queued that day (UTC).
    pub on: String,
}

impl ListQuery {
    fn filter(&self) -> (OutboxFilter, FieldErrors) {
        let mut errors = FieldErrors::new();
        let day = match self.on.trim() {
            "" => None,
            raw => chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map_err(|_| errors.add("on", "Enter a date as YYYY-MM-DD."))
                .ok(),
        };
        let recipient = self.recipient.trim();
        if recipient.chars().count() > 254 || recipient.chars().any(char::is_control) {
            errors.add("recipient", "Enter an e-mail address.");
        }
        let filter = OutboxFilter {
            status: STATUSES
                .iter()
                .find(|s| **s == self.status)
                .map(|s| s.to_string()),
            recipient: (!recipient.is_empty() && errors.is_empty())
                .then(|| recipient.to_lowercase()),
            from: day.map(|d| mail::day(d).0),
            until: day.map(|d| mail::day(d).1),
            before: OutboxCursor::parse(&self.before),
        };
        (filter, errors)
    }

    pub fn is_filtered(&self) -> bool {
        [&self.status, &self.recipient, &self.on]
            .iter()
            .any(|v| !v.trim().is_empty())
    }

    /// The query string of the filter without the page.
    pub fn keep(&self) -> String {
        serde_urlencoded::to_string([
            ("status", &self.status),
            ("recipient", &self.recipient),
            ("on", &self.on),
        ])
        .unwrap_or_default()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/outbox/index.html")]
pub struct OutboxPage {
    pub ctx: PageContext,
    pub rows: Vec<OutboxMail>,
    pub older: Option<OutboxCursor>,
    pub counts: OutboxCounts,
    pub query: ListQuery,
    pub statuses: &'static [&'static str],
    pub errors: FieldErrors,
    /// Whether a server to send through is configured at all.
    pub smtp: bool,
}

impl OutboxPage {
    pub fn status_label(&self, mail: &OutboxMail) -> String {
        status_label(mail, self.smtp)
    }

    pub fn status_class(&self, mail: &OutboxMail) -> &'static str {
        status_class(mail)
    }

    pub fn status_name(&self, status: &str) -> &'static str {
        match status {
            SENT => "Sent",
            FAILED => "Failed",
            _ => "Waiting",
        }
    }
}

/// A message's status in words: failed and waiting ones say why.
fn status_label(mail: &OutboxMail, smtp: bool) -> String {
    match mail.status.as_str() {
        SENT => "Sent".into(),
        FAILED => "Failed".into(),
        _ if !smtp => "Not sent: no SMTP configured".into(),
        _ if mail.attempts > 0 => format!("Waiting: try {} failed", mail.attempts),
        _ => "Waiting".into(),
    }
}

fn status_class(mail: &OutboxMail) -> &'static str {
    match mail.status.as_str() {
        SENT => "text-bg-success",
        FAILED => "text-bg-danger",
        _ if mail.attempts > 0 => "text-bg-warning",
        _ => "text-bg-secondary",
    }
}

pub async fn index(
    state: web::Data<AppState>,
    staff: Require<perm::MailView>,
    ctx: PageContext,
    query: web::Query<ListQuery>,
) -> Result<OutboxPage, WebError> {
    let query = query.into_inner();
    let (filter, errors) = query.filter();
    let actor = staff.actor.clone();
    let (mut rows, counts) = state
        .db(move |conn| mail::list(conn, &actor, &filter))
        .await?;
    let older = (rows.len() as i64 > mail::PAGE_SIZE)
        .then(|| {
            rows.truncate(mail::PAGE_SIZE as usize);
            rows.last().map(OutboxCursor::of)
        })
        .flatten();
    Ok(OutboxPage {
        ctx,
        rows,
        older,
        counts,
        query,
        statuses: STATUSES,
        errors,
        smtp: state.config.mail.smtp.is_some(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/outbox/show.html")]
pub struct OutboxMailPage {
    pub ctx: PageContext,
    pub mail: OutboxMail,
    /// The body with the secrets of its links (sign-up and reset tokens) hidden.
    pub body: String,
    pub smtp: bool,
}

impl OutboxMailPage {
    pub fn status_label(&self) -> String {
        status_label(&self.mail, self.smtp)
    }

    pub fn status_class(&self) -> &'static str {
        status_class(&self.mail)
    }
}

pub async fn show(
    state: web::Data<AppState>,
    staff: Require<perm::MailView>,
    ctx: PageContext,
    id: web::Path<OutboxId>,
) -> Result<OutboxMailPage, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    let mail = state.db(move |conn| mail::show(conn, &actor, id)).await?;
    Ok(OutboxMailPage {
        ctx,
        body: mail::without_secrets(&mail.body),
        mail,
        smtp: state.config.mail.smtp.is_some(),
    })
}

/// `POST /admin/outbox/{id}/resend`: a failed message is tried again from now.
pub async fn resend(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::MailResend>,
    id: web::Path<OutboxId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    match state
        .attempt(move |conn| mail::send_again(conn, &actor, id))
        .await?
    {
        Outcome::Done(mail) => Flash::success(format!(
            "The message to {} will be sent again.",
            mail.recipient
        )),
        Outcome::Invalid(errors) => Flash::error(errors.first_message()),
    }
    .set(&session);
    Ok(page::redirect(&format!("/admin/outbox/{id}")))
}
