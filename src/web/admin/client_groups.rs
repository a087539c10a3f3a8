//! `/admin/client-groups`: groups of clients, their discount and members.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::client_group::ClientGroup;
use crate::domain::FieldErrors;
use crate::domain::client_groups::{self, GroupDetails, GroupInput, format_discount};
use crate::domain::permissions::perm;
use crate::ids::{ClientGroupId, ClientId};
use crate::web::forms::{Form, Outcome};
use crate::web::identity::{Require, Staff};
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct GroupForm {
    pub name: String,
    pub description: String,
    pub discount: String,
    pub clients_may_suspend: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MembersForm {
    /// Ticked in the client list, or typed on the group page.
    pub client_ids: Vec<String>,
    pub client_id: String,
    /// Where to go back to: the list, the card or the group.
    pub back: String,
    /// The group, when the form chooses it (bulk add from the list, the card).
    pub group_id: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/client_groups/index.html")]
pub struct GroupsPage {
    pub ctx: PageContext,
    pub groups: Vec<(ClientGroup, i64)>,
}

impl GroupsPage {
    pub fn discount(&self, bp: &i32) -> String {
        format_discount(*bp)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/client_groups/form.html")]
pub struct GroupFormPage {
    pub ctx: PageContext,
    pub details: Option<GroupDetails>,
    pub form: GroupForm,
    pub errors: FieldErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/client_groups/delete.html")]
pub struct DeleteGroupPage {
    pub ctx: PageContext,
    pub group: ClientGroup,
    pub error: String,
}

pub async fn index(
    state: web::Data<AppState>,
    staff: Require<perm::ClientsView>,
    ctx: PageContext,
) -> Result<GroupsPage, WebError> {
    let actor = staff.actor.clone();
    let groups = state
        .db(move |conn| client_groups::list(conn, &actor))
        .await?;
    Ok(GroupsPage { ctx, groups })
}

async fn form_page(
    state: &AppState,
    staff: &Staff,
    ctx: PageContext,
    id: Option<ClientGroupId>,
    form: Option<GroupForm>,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let details = match id {
        Some(id) => {
            let actor = staff.actor.clone();
            Some(
                state
                    .db(move |conn| client_groups::get(conn, &actor, id))
                    .await?,
            )
        }
        None => None,
    };
    let form = form.unwrap_or_else(|| match &details {
        Some(d) => GroupForm {
            name: d.group.name.clone(),
            description: d.group.description.clone(),
            discount: format_discount(d.group.discount_bp),
            clients_may_suspend: d.group.clients_may_suspend.then(|| "on".into()),
        },
        None => GroupForm {
            discount: "0".into(),
            ..Default::default()
        },
    });
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &GroupFormPage {
            ctx,
            details,
            form,
            errors,
        },
    )
}

pub async fn new(
    state: web::Data<AppState>,
    staff: Require<perm::ClientsGroups>,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    form_page(&state, &staff, ctx, None, None, FieldErrors::new()).await
}

pub async fn create(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ClientsGroups>,
    ctx: PageContext,
    form: Form<GroupForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let outcome = match GroupInput::parse(
        &form.name,
        &form.description,
        &form.discount,
        form.clients_may_suspend.is_some(),
    ) {
        Ok(input) => {
            let actor = staff.actor.clone();
            state
                .attempt(move |conn| client_groups::create(conn, &actor, &input))
                .await?
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(group) => {
            Flash::success(format!(
                "Group “{}” is created. Add members from the client list or here.",
                group.name
            ))
            .set(&session);
            Ok(page::redirect(&format!(
                "/admin/client-groups/{}",
                group.id
            )))
        }
        Outcome::Invalid(errors) => form_page(&state, &staff, ctx, None, Some(form), errors).await,
    }
}

pub async fn show(
    state: web::Data<AppState>,
    staff: Require<perm::ClientsView>,
    ctx: PageContext,
    id: web::Path<ClientGroupId>,
) -> Result<HttpResponse, WebError> {
    form_page(
        &state,
        &staff,
        ctx,
        Some(id.into_inner()),
        None,
        FieldErrors::new(),
    )
    .await
}

pub async fn update(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ClientsGroups>,
    ctx: PageContext,
    id: web::Path<ClientGroupId>,
    form: Form<GroupForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let outcome = match GroupInput::parse(
        &form.name,
        &form.description,
        &form.discount,
        form.clients_may_suspend.is_some(),
    ) {
        Ok(input) => {
            let actor = staff.actor.clone();
            state
                .attempt(move |conn| client_groups::update(conn, &actor, id, &input))
                .await?
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(group) => {
            Flash::success(format!("Group “{}” is saved.", group.name)).set(&session);
            Ok(page::redirect(&format!("/admin/client-groups/{id}")))
        }
        Outcome::Invalid(errors) => {
            form_page(&state, &staff, ctx, Some(id), Some(form), errors).await
        }
    }
}

pub async fn confirm_delete(
    state: web::Data<AppState>,
    staff: Require<perm::ClientsGroups>,
    ctx: PageContext,
    id: web::Path<ClientGroupId>,
) -> Result<DeleteGroupPage, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    let details = state
        .db(move |conn| client_groups::get(conn, &actor, id))
        .await?;
    Ok(DeleteGroupPage {
        ctx,
        group: details.group,
        error: String::new(),
    })
}

pub async fn delete(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ClientsGroups>,
    ctx: PageContext,
    id: web::Path<ClientGroupId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    match state
        .attempt(move |conn| client_groups::delete(conn, &actor, id))
        .await?
    {
        Outcome::Done(group) => {
            Flash::success(format!("Group “{}” is deleted.", group.name)).set(&session);
            Ok(page::redirect("/admin/client-groups"))
        }
        Outcome::Invalid(errors) => {
            let actor = staff.actor.clone();
            let details = state
                .db(move |conn| client_groups::get(conn, &actor, id))
                .await?;
            let error = errors.get("delete").to_owned();
            page::render_with(
                page::FORM_SHOWN_AGAIN,
                &DeleteGroupPage {
                    ctx,
                    group: details.group,
                    error,
                },
            )
        }
    }
}

/// Only our own pages are gone back to.
fn back_to(back: &str, fallback: String) -> String {
    if back.starts_with("/admin/clients") || back.starts_with("/admin/client-groups") {
        back.to_owned()
    } else {
        fallback
    }
}

/// Adds the ticked clients to the group chosen in the form (client list, client card).
pub async fn add_to_chosen(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ClientsGroups>,
    form: Form<MembersForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    match form.group_id.parse::<ClientGroupId>() {
        Ok(id) => add(&state, &session, &staff, id, form).await,
        Err(_) => {
            Flash::error("Choose a group.").set(&session);
            Ok(page::redirect(&back_to(
                &form.back,
                "/admin/clients".into(),
            )))
        }
    }
}

pub async fn add_members(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ClientsGroups>,
    id: web::Path<ClientGroupId>,
    form: Form<MembersForm>,
) -> Result<HttpResponse, WebError> {
    add(&state, &session, &staff, id.into_inner(), form.into_inner()).await
}

async fn add(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    id: ClientGroupId,
    form: MembersForm,
) -> Result<HttpResponse, WebError> {
    let back = back_to(&form.back, format!("/admin/client-groups/{id}"));
    let mut ids = Vec::new();
    for raw in form
        .client_ids
        .iter()
        .chain(std::iter::once(&form.client_id))
        .filter(|s| !s.trim().is_empty())
    {
        match raw.trim().trim_start_matches('#').parse::<ClientId>() {
            Ok(client) => ids.push(client),
            Err(_) => {
                Flash::error(format!("“{raw}” is not a client id.")).set(session);
                return Ok(page::redirect(&back));
            }
        }
    }
    let actor = staff.actor.clone();
    match state
        .attempt(move |conn| client_groups::add_members(conn, &actor, id, &ids))
        .await?
    {
        Outcome::Done(added) => {
            Flash::success(format!("{added} client(s) added to the group.")).set(session)
        }
        Outcome::Invalid(errors) => {
            let message = errors
                .iter()
                .next()
                .map(|(_, m)| m.clone())
                .unwrap_or_default();
            Flash::error(message).set(session)
        }
    }
    Ok(page::redirect(&back))
}

pub async fn remove_member(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ClientsGroups>,
    path: web::Path<(ClientGroupId, ClientId)>,
    form: Form<MembersForm>,
) -> Result<HttpResponse, WebError> {
    let (id, client_id) = path.into_inner();
    let back = back_to(
        &form.into_inner().back,
        format!("/admin/client-groups/{id}"),
    );
    let actor = staff.actor.clone();
    state
        .db(move |conn| client_groups::remove_member(conn, &actor, id, client_id))
        .await?;
    Flash::success("The client is removed from the group.").set(&session);
    Ok(page::redirect(&back))
}
