//! `/client/users`: the client's users and the sections each may use (needs the users
//! section).

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::invitation::Invitation;
use crate::domain::FieldErrors;
use crate::domain::client_permissions::{SECTIONS, Section, csec};
use crate::domain::client_users::{self, InvitationInput, UserInput, UserRow};
use crate::ids::{InvitationId, UserId};
use crate::web::forms::{Form, Outcome};
use crate::web::identity::ClientRequire;
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct UserForm {
    pub email: String,
    pub name: String,
    pub password: String,
    pub enabled: Option<String>,
    pub sections: Vec<String>,
    pub current_password: String,
}

impl UserForm {
    fn parse(&self) -> Result<UserInput, FieldErrors> {
        UserInput::parse(
            &self.email,
            &self.name,
            &self.password,
            self.enabled.is_some(),
            &self.sections,
        )
        .map(|input| UserInput {
            current_password: self.current_password.clone(),
            ..input
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "client/users/index.html")]
pub struct UsersPage {
    pub ctx: PageContext,
    pub users: Vec<UserRow>,
    pub invitations: Vec<Invitation>,
}

#[derive(Template, WebTemplate)]
#[template(path = "client/users/form.html")]
pub struct UserFormPage {
    pub ctx: PageContext,
    pub id: Option<UserId>,
    pub owner: bool,
    /// The user edits itself: changing its password or email asks for the current password.
    pub myself: bool,
    pub form: UserForm,
    pub errors: FieldErrors,
    pub sections: &'static [Section],
}

impl UserFormPage {
    pub fn has(&self, key: &str) -> bool {
        self.owner || self.form.sections.iter().any(|s| s == key)
    }
}

pub async fn index(
    state: web::Data<AppState>,
    user: ClientRequire<csec::Users>,
    ctx: PageContext,
) -> Result<UsersPage, WebError> {
    let actor = user.actor.clone();
    let (users, invitations) = state
        .db(move |conn| {
            Ok::<_, crate::domain::DomainError>((
                client_users::list(conn, &actor)?,
                client_users::invitations(conn, &actor)?,
            ))
        })
        .await?;
    Ok(UsersPage {
        ctx,
        users,
        invitations,
    })
}

fn form_page(
    ctx: PageContext,
    id: Option<UserId>,
    owner: bool,
    form: UserForm,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    // Working as the client, an employee never changes passwords, so it is never asked.
    let myself = matches!(
        (&ctx.identity, id),
        (Some(crate::web::identity::Identity::ClientUser { user, .. }), Some(id)) if user.id == id
    );
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &UserFormPage {
            ctx,
            id,
            owner,
            myself,
            form,
            errors,
            sections: SECTIONS,
        },
    )
}

pub async fn new(
    _user: ClientRequire<csec::Users>,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    let form = UserForm {
        enabled: Some("on".into()),
        ..Default::default()
    };
    form_page(ctx, None, false, form, FieldErrors::new())
}

/// Invites the person: the user is made when it accepts the mailed link.
pub async fn create(
    state: web::Data<AppState>,
    session: Session,
    user: ClientRequire<csec::Users>,
    ctx: PageContext,
    form: Form<UserForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let outcome = match InvitationInput::parse(&form.email, &form.name, &form.sections) {
        Ok(input) => {
            let actor = user.actor.clone();
            let site = state.config.public_url.clone();
            state
                .attempt(move |conn| client_users::invite(conn, &actor, &input, &site))
                .await?
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(invitation) => {
            Flash::success(format!(
                "An invitation is on its way to {}. The user is added when it accepts and chooses its password.",
                invitation.email
            ))
            .set(&session);
            Ok(page::redirect("/client/users"))
        }
        Outcome::Invalid(errors) => form_page(ctx, None, false, form, errors),
    }
}

/// `POST /client/invitations/{id}/cancel`: withdraws an invitation not accepted yet.
pub async fn cancel_invitation(
    state: web::Data<AppState>,
    session: Session,
    user: ClientRequire<csec::Users>,
    id: web::Path<InvitationId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = user.actor.clone();
    let invitation = state
        .db(move |conn| client_users::cancel_invitation(conn, &actor, id))
        .await?;
    Flash::success(format!(
        "The invitation of {} is withdrawn.",
        invitation.email
    ))
    .set(&session);
    Ok(page::redirect("/client/users"))
}

pub async fn edit(
    state: web::Data<AppState>,
    user: ClientRequire<csec::Users>,
    ctx: PageContext,
    id: web::Path<UserId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = user.actor.clone();
    let row = state
        .db(move |conn| client_users::get(conn, &actor, id))
        .await?;
    let form = UserForm {
        email: row.user.email.clone(),
        name: row.user.name.clone(),
        password: String::new(),
        enabled: row.user.enabled.then(|| "on".into()),
        sections: row.sections.clone(),
        current_password: String::new(),
    };
    form_page(ctx, Some(id), row.user.is_owner, form, FieldErrors::new())
}

pub async fn update(
    state: web::Data<AppState>,
    session: Session,
    user: ClientRequire<csec::Users>,
    ctx: PageContext,
    id: web::Path<UserId>,
    form: Form<UserForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let outcome = match form.parse() {
        Ok(input) => {
            let actor = user.actor.clone();
            state
                .attempt_with_password_work(move |conn| {
                    client_users::update(conn, &actor, id, &input)
                })
                .await?
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(saved) => {
            Flash::success(format!("{} is saved.", saved.name)).set(&session);
            Ok(page::redirect("/client/users"))
        }
        Outcome::Invalid(errors) => {
            let actor = user.actor.clone();
            let owner = state
                .db(move |conn| client_users::get(conn, &actor, id))
                .await?
                .user
                .is_owner;
            let form = UserForm {
                password: String::new(),
                current_password: String::new(),
                ..form
            };
            form_page(ctx, Some(id), owner, form, errors)
        }
    }
}

pub async fn delete(
    state: web::Data<AppState>,
    session: Session,
    user: ClientRequire<csec::Users>,
    id: web::Path<UserId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = user.actor.clone();
    match state
        .attempt(move |conn| client_users::delete(conn, &actor, id))
        .await?
    {
        Outcome::Done(deleted) => {
            Flash::success(format!("{} is deleted.", deleted.email)).set(&session)
        }
        Outcome::Invalid(errors) => Flash::error(errors.get("delete")).set(&session),
    }
    Ok(page::redirect("/client/users"))
}
