//! `/admin/mailings`: mass mailings to clients (`mail.mailings`): the list, a new mailing
//! with its target, the count of recipients, a test send, sending, and a mailing's page
//! whose figures follow the outbox as it drains.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::client_group::ClientGroup;
use crate::db::models::mailing::Mailing;
use crate::db::models::provider::ProviderChoice;
use crate::domain::mail::mailings::{self, MailingInput};
use crate::domain::mail::templates::MAILING;
use crate::domain::permissions::perm;
use crate::domain::{DomainError, FieldErrors};
use crate::ids::MailingId;
use crate::web::forms::{Form, Outcome};
use crate::web::identity::Require;
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

#[derive(Template, WebTemplate)]
#[template(path = "admin/mailings/index.html")]
pub struct MailingsPage {
    pub ctx: PageContext,
    pub mailings: Vec<Mailing>,
    /// The page of older mailings, when there is one.
    pub older: Option<MailingId>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub before: String,
}

pub async fn index(
    state: web::Data<AppState>,
    staff: Require<perm::MailMailings>,
    ctx: PageContext,
    query: web::Query<ListQuery>,
) -> Result<MailingsPage, WebError> {
    let actor = staff.actor.clone();
    let before = query.before.trim().parse().ok().map(MailingId);
    let mut mailings = state
        .db(move |conn| mailings::list(conn, &actor, before))
        .await?;
    let older = (mailings.len() as i64 > mailings::PAGE_SIZE)
        .then(|| {
            mailings.truncate(mailings::PAGE_SIZE as usize);
            mailings.last().map(|m| m.id)
        })
        .flatten();
    Ok(MailingsPage {
        ctx,
        mailings,
        older,
    })
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct MailingForm {
    pub subject: String,
    pub body: String,
    pub groups: Vec<String>,
    pub provider_id: String,
    pub state: String,
    pub test_address: String,
    /// `count`, `test` or `send`.
    pub action: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/mailings/new.html")]
pub struct NewMailingPage {
    pub ctx: PageContext,
    pub form: MailingForm,
    pub errors: FieldErrors,
    pub groups: Vec<ClientGroup>,
    pub providers: Vec<ProviderChoice>,
    /// The clients the target reaches, once counted.
    pub reached: Option<i64>,
    /// Where a test went.
    pub tested: Option<String>,
    pub placeholders: &'static [crate::domain::mail::templates::Placeholder],
}

impl NewMailingPage {
    pub fn has_group(&self, id: &crate::ids::ClientGroupId) -> bool {
        self.form.groups.iter().any(|g| g.trim() == id.to_string())
    }
}

async fn form_page(
    state: &AppState,
    staff: &Require<perm::MailMailings>,
    ctx: PageContext,
    form: MailingForm,
    errors: FieldErrors,
    reached: Option<i64>,
    tested: Option<String>,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let (groups, providers) = state
        .db(move |conn| {
            crate::domain::permissions::require(&actor, crate::domain::permissions::MAIL_MAILINGS)?;
            Ok::<_, DomainError>((
                ClientGroup::all(conn)?,
                crate::db::models::Provider::choices(conn)?,
            ))
        })
        .await?;
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &NewMailingPage {
            ctx,
            form,
            errors,
            groups,
            providers,
            reached,
            tested,
            placeholders: MAILING.placeholders,
        },
    )
}

pub async fn new(
    state: web::Data<AppState>,
    staff: Require<perm::MailMailings>,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    form_page(
        &state,
        &staff,
        ctx,
        MailingForm::default(),
        FieldErrors::new(),
        None,
        None,
    )
    .await
}

/// What a posted mailing form led to.
enum Posted {
    Counted(i64),
    Tested(String),
    Created(crate::db::models::mailing::Mailing),
}

/// `POST /admin/mailings`: counts the recipients, sends a test, or sends the mailing.
pub async fn create(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::MailMailings>,
    ctx: PageContext,
    form: Form<MailingForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let actor = staff.actor.clone();
    let typed = form.clone();
    let site = state.config.public_url.clone();
    let outcome = state
        .attempt(move |conn| {
            if typed.action == "count" {
                let mut errors = FieldErrors::new();
                let target = mailings::parse_target(
                    conn,
                    &typed.groups,
                    &typed.provider_id,
                    &typed.state,
                    &mut errors,
                )?;
                errors.into_result()?;
                return mailings::count(conn, &actor, &target.unwrap_or_default())
                    .map(Posted::Counted);
            }
            let input = MailingInput::parse(
                conn,
                &typed.subject,
                &typed.body,
                &typed.groups,
                &typed.provider_id,
                &typed.state,
            )?;
            match typed.action.as_str() {
                "test" => mailings::send_test(conn, &actor, &input, &typed.test_address, &site)
                    .map(Posted::Tested),
                _ => mailings::create(conn, &actor, &input).map(Posted::Created),
            }
        })
        .await?;
    match outcome {
        Outcome::Done(Posted::Counted(n)) => {
            form_page(&state, &staff, ctx, form, FieldErrors::new(), Some(n), None).await
        }
        // Shown again as typed, to send once the test reads well.
        Outcome::Done(Posted::Tested(address)) => {
            let note = format!("A test is on its way to {address}.");
            form_page(
                &state,
                &staff,
                ctx,
                form,
                FieldErrors::new(),
                None,
                Some(note),
            )
            .await
        }
        Outcome::Done(Posted::Created(mailing)) => {
            crate::server::spawn_mailing_queue(state.pool.clone(), &state.config, mailing.id);
            Flash::success("The mailing is being queued; its figures follow here.").set(&session);
            Ok(page::redirect(&format!("/admin/mailings/{}", mailing.id)))
        }
        Outcome::Invalid(errors) => form_page(&state, &staff, ctx, form, errors, None, None).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/mailings/show.html")]
pub struct MailingPage {
    pub ctx: PageContext,
    pub view: Mailing,
    pub groups: Vec<ClientGroup>,
    pub provider: String,
    /// Whether a server to send through is configured at all.
    pub smtp: bool,
}

impl MailingPage {
    pub fn target(&self) -> String {
        let target = self.view.target();
        let mut parts = Vec::new();
        if !target.groups.is_empty() {
            let names: Vec<&str> = self
                .groups
                .iter()
                .filter(|g| target.groups.contains(&g.id))
                .map(|g| g.name.as_str())
                .collect();
            parts.push(format!("in {}", names.join(" or ")));
        }
        if !self.provider.is_empty() {
            parts.push(format!("of {}", self.provider));
        }
        match target.active {
            Some(true) => parts.push("Active".into()),
            Some(false) => parts.push("Not active".into()),
            None => {}
        }
        if parts.is_empty() {
            "Every client".into()
        } else {
            format!("Clients {}", parts.join(", "))
        }
    }
}

pub async fn show(
    state: web::Data<AppState>,
    staff: Require<perm::MailMailings>,
    ctx: PageContext,
    id: web::Path<MailingId>,
) -> Result<MailingPage, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    let (view, groups, provider) = state
        .db(move |conn| {
            let view = mailings::show(conn, &actor, id)?;
            let provider = match view.provider_id {
                Some(p) => crate::db::models::Provider::find(conn, p)?
                    .map(|p| p.name)
                    .unwrap_or_default(),
                None => String::new(),
            };
            Ok::<_, DomainError>((view, ClientGroup::all(conn)?, provider))
        })
        .await?;
    Ok(MailingPage {
        ctx,
        view,
        groups,
        provider,
        smtp: state.config.mail.smtp.is_some(),
    })
}

/// `GET /admin/mailings/{id}/progress`: the figures the mailing's page refreshes.
pub async fn progress(
    state: web::Data<AppState>,
    staff: Require<perm::MailMailings>,
    id: web::Path<MailingId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    let view = state
        .db(move |conn| mailings::show(conn, &actor, id))
        .await?;
    let progress = view.progress();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "recipients": view.recipients,
        "waiting": progress.waiting,
        "sent": progress.sent,
        "failed": progress.failed,
        "done": view.done(),
    })))
}
