//! `/client/profile`: the client's contact data and the user's own name and password.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::domain::sessions::SessionRow;
use crate::domain::two_factor::Status;
use crate::domain::{DomainError, FieldErrors, client_profile};
use crate::ids::PersonId;
use crate::web::account::{self, CodeForm, EndSessionForm, TwoFactorView};
use crate::web::forms::{Form, Outcome};
use crate::web::identity::ClientUser;
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ContactsForm {
    pub contact_person: String,
    pub phone: String,
    pub country: String,
    pub language: String,
    pub user_name: String,
    /// A checkbox: present when ticked.
    pub receives_mailings: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    pub current_password: String,
    pub new_password: String,
    pub new_password_confirm: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "client/profile/show.html")]
pub struct ProfilePage {
    pub ctx: PageContext,
    pub client_name: String,
    pub owner_email: String,
    /// The user's own sign-in address, and whether a link mailed to it was followed.
    pub email: String,
    pub email_confirmed: bool,
    pub may_edit_contacts: bool,
    pub impersonating: bool,
    pub form: ContactsForm,
    pub errors: FieldErrors,
    pub two_factor: Status,
    pub sessions: Vec<SessionRow>,
    pub base: &'static str,
}

const BASE: &str = "/client/profile";

async fn profile_page(
    state: &AppState,
    user: &ClientUser,
    ctx: PageContext,
    form: Option<ContactsForm>,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let actor = user.actor.clone();
    let client_id = user.client.id;
    let person = PersonId::User(user.user.id);
    let (may_edit, owner, two_factor) = state
        .db(move |conn| {
            let may = client_profile::may_edit_contacts(conn, &actor)?;
            let owner = crate::db::models::User::owner_of(conn, client_id)?
                .map(|u| u.email)
                .unwrap_or_default();
            let two_factor = crate::domain::two_factor::status(conn, person)?;
            Ok::<_, DomainError>((may, owner, two_factor))
        })
        .await?;
    let sessions = account::own_sessions(state, &user.actor).await?;
    let c = &user.client;
    let form = form.unwrap_or_else(|| ContactsForm {
        contact_person: c.contact_person.clone(),
        phone: c.phone.clone(),
        country: c.country.clone(),
        language: c.language.clone(),
        user_name: user.user.name.clone(),
        receives_mailings: c.receives_mailings.then(|| "on".to_owned()),
    });
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &ProfilePage {
            ctx,
            client_name: c.name.clone(),
            owner_email: owner,
            email: user.user.email.clone(),
            email_confirmed: user.user.email_confirmed_at.is_some(),
            may_edit_contacts: may_edit,
            impersonating: user.actor.is_impersonating(),
            form,
            errors,
            two_factor,
            sessions,
            base: BASE,
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    user: ClientUser,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    profile_page(&state, &user, ctx, None, FieldErrors::new()).await
}

pub async fn update(
    state: web::Data<AppState>,
    session: Session,
    user: ClientUser,
    ctx: PageContext,
    form: Form<ContactsForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let actor = user.actor.clone();
    let typed = form.clone();
    let outcome = state
        .attempt(move |conn| {
            client_profile::update_profile(
                conn,
                &actor,
                &typed.user_name,
                client_profile::Contacts {
                    contact_person: &typed.contact_person,
                    phone: &typed.phone,
                    country: &typed.country,
                    language: &typed.language,
                    receives_mailings: typed.receives_mailings.is_some(),
                },
            )
        })
        .await?;
    match outcome {
        Outcome::Done(()) => {
            Flash::success("Your profile is saved.").set(&session);
            Ok(page::redirect("/client/profile"))
        }
        Outcome::Invalid(errors) => profile_page(&state, &user, ctx, Some(form), errors).await,
    }
}

/// `POST /client/profile/email-confirmation`: another link to confirm the user's address.
pub async fn send_email_confirmation(
    state: web::Data<AppState>,
    session: Session,
    user: ClientUser,
) -> Result<HttpResponse, WebError> {
    let actor = user.actor.clone();
    let site = state.config.public_url.clone();
    match state
        .attempt(move |conn| crate::domain::email_confirmations::send_again(conn, &actor, &site))
        .await?
    {
        Outcome::Done(email) => Flash::success(format!(
            "A link to confirm it is on its way to {email}; it works for two days."
        )),
        Outcome::Invalid(errors) => Flash::error(errors.first_message()),
    }
    .set(&session);
    Ok(page::redirect("/client/profile"))
}

pub async fn change_password(
    state: web::Data<AppState>,
    session: Session,
    user: ClientUser,
    ctx: PageContext,
    form: Form<PasswordForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let actor = user.actor.clone();
    let outcome = state
        .db_with_password_work(move |conn| {
            Ok::<_, WebError>(client_profile::change_own_password(
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
            Flash::success("Your password is changed. Other sessions have been signed out.")
                .set(&session);
            Ok(page::redirect("/client/profile"))
        }
        Err(DomainError::Invalid(errors)) => profile_page(&state, &user, ctx, None, errors).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "client/profile/two_factor.html")]
pub struct TwoFactorPage {
    pub ctx: PageContext,
    pub view: TwoFactorView,
}

const TWO_FACTOR: &str = "/client/profile/two-factor";

async fn two_factor_page(
    state: &AppState,
    session: &Session,
    user: &ClientUser,
    ctx: PageContext,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let view = account::two_factor_view(state, session, &user.actor, BASE, errors).await?;
    page::render_with(page::FORM_SHOWN_AGAIN, &TwoFactorPage { ctx, view })
}

/// After a two-factor form: back to its page, or the page again with the messages.
async fn two_factor_answer(
    state: &AppState,
    session: &Session,
    user: &ClientUser,
    ctx: PageContext,
    outcome: Outcome<()>,
) -> Result<HttpResponse, WebError> {
    match outcome {
        Outcome::Done(()) => Ok(page::redirect(TWO_FACTOR)),
        Outcome::Invalid(errors) => two_factor_page(state, session, user, ctx, errors).await,
    }
}

pub async fn two_factor(
    state: web::Data<AppState>,
    session: Session,
    user: ClientUser,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    two_factor_page(&state, &session, &user, ctx, FieldErrors::new()).await
}

pub async fn begin_two_factor(
    state: web::Data<AppState>,
    session: Session,
    user: ClientUser,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    let outcome = account::begin_setup(&state, &user.actor).await?;
    two_factor_answer(&state, &session, &user, ctx, outcome).await
}

pub async fn confirm_two_factor(
    state: web::Data<AppState>,
    session: Session,
    user: ClientUser,
    ctx: PageContext,
    form: Form<CodeForm>,
) -> Result<HttpResponse, WebError> {
    let outcome = account::confirm(&state, &session, &user.actor, form.into_inner()).await?;
    two_factor_answer(&state, &session, &user, ctx, outcome).await
}

pub async fn renew_recovery_codes(
    state: web::Data<AppState>,
    session: Session,
    user: ClientUser,
    ctx: PageContext,
    form: Form<CodeForm>,
) -> Result<HttpResponse, WebError> {
    let outcome = account::renew_codes(&state, &session, &user.actor, form.into_inner()).await?;
    two_factor_answer(&state, &session, &user, ctx, outcome).await
}

pub async fn disable_two_factor(
    state: web::Data<AppState>,
    session: Session,
    user: ClientUser,
    ctx: PageContext,
    form: Form<CodeForm>,
) -> Result<HttpResponse, WebError> {
    let outcome = account::disable(&state, &session, &user.actor, form.into_inner()).await?;
    two_factor_answer(&state, &session, &user, ctx, outcome).await
}

pub async fn end_session(
    state: web::Data<AppState>,
    session: Session,
    user: ClientUser,
    form: Form<EndSessionForm>,
) -> Result<HttpResponse, WebError> {
    account::end_session(&state, &session, &user.actor, BASE, form.into_inner()).await
}

pub async fn end_other_sessions(
    state: web::Data<AppState>,
    session: Session,
    user: ClientUser,
) -> Result<HttpResponse, WebError> {
    account::end_other_sessions(&state, &session, &user.actor, BASE).await
}
