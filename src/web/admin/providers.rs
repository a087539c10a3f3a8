//! `/admin/providers`: the brands services are sold under, each with one currency.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::{Currency, Provider};
use crate::domain::FieldErrors;
use crate::domain::permissions::perm;
use crate::domain::providers::{self, ProviderInput};
use crate::ids::ProviderId;
use crate::web::forms::{Form, Outcome};
use crate::web::identity::{Require, Staff};
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

#[derive(Debug, Default, Clone, Deserialize)]
pub struct ProviderForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub currency_id: String,
    #[serde(default)]
    pub notification_email: String,
    #[serde(default)]
    pub site_url: String,
    #[serde(default)]
    pub time_zone: String,
    #[serde(default)]
    pub deletion_days: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    pub require_confirmed_email: Option<String>,
    #[serde(default)]
    pub registration_default: Option<String>,
    #[serde(default)]
    pub self_service: Option<String>,
}

impl ProviderForm {
    fn from_row(p: &Provider) -> Self {
        Self {
            name: p.name.clone(),
            currency_id: p.currency_id.to_string(),
            notification_email: p.notification_email.clone(),
            site_url: p.site_url.clone(),
            time_zone: p.time_zone.clone(),
            deletion_days: p.deletion_days.to_string(),
            require_confirmed_email: p.require_confirmed_email.then(|| "on".to_owned()),
            registration_default: p.registration_default.then(|| "on".to_owned()),
            self_service: p.self_service.then(|| "on".to_owned()),
        }
    }

    fn parse(&self) -> Result<ProviderInput, FieldErrors> {
        ProviderInput::parse(
            &self.name,
            &self.currency_id,
            &self.notification_email,
            &self.site_url,
            &self.time_zone,
            &self.deletion_days,
            crate::domain::providers::Switches {
                require_confirmed_email: self.require_confirmed_email.is_some(),
                registration_default: self.registration_default.is_some(),
                self_service: self.self_service.is_some(),
            },
        )
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/providers/index.html")]
pub struct ProvidersPage {
    pub ctx: PageContext,
    pub providers: Vec<(Provider, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/providers/form.html")]
pub struct ProviderFormPage {
    pub ctx: PageContext,
    pub id: Option<ProviderId>,
    pub form: ProviderForm,
    pub errors: FieldErrors,
    pub currencies: Vec<Currency>,
}

impl ProviderFormPage {
    pub fn time_zones(&self) -> impl Iterator<Item = &'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
    }
}

pub async fn index(
    state: web::Data<AppState>,
    staff: Require<perm::SettingsView>,
    ctx: PageContext,
) -> Result<ProvidersPage, WebError> {
    let actor = staff.actor.clone();
    let providers = state.db(move |conn| providers::list(conn, &actor)).await?;
    Ok(ProvidersPage { ctx, providers })
}

async fn form_page(
    state: &AppState,
    staff: &Staff,
    ctx: PageContext,
    id: Option<ProviderId>,
    form: ProviderForm,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let currencies = state
        .db(move |conn| providers::currency_choices(conn, &actor))
        .await?;
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &ProviderFormPage {
            ctx,
            id,
            form,
            errors,
            currencies,
        },
    )
}

pub async fn new(
    state: web::Data<AppState>,
    staff: Require<perm::SettingsEdit>,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    let form = ProviderForm {
        time_zone: "UTC".into(),
        deletion_days: "30".into(),
        ..Default::default()
    };
    form_page(&state, &staff, ctx, None, form, FieldErrors::new()).await
}

pub async fn create(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::SettingsEdit>,
    ctx: PageContext,
    form: Form<ProviderForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let outcome = match form.parse() {
        Ok(input) => {
            let actor = staff.actor.clone();
            state
                .attempt(move |conn| providers::create(conn, &actor, &input))
                .await?
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(provider) => {
            Flash::success(format!("Provider “{}” is created.", provider.name)).set(&session);
            Ok(page::redirect("/admin/providers"))
        }
        Outcome::Invalid(errors) => form_page(&state, &staff, ctx, None, form, errors).await,
    }
}

pub async fn edit(
    state: web::Data<AppState>,
    staff: Require<perm::SettingsView>,
    ctx: PageContext,
    id: web::Path<ProviderId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    let provider = state
        .db(move |conn| providers::get(conn, &actor, id))
        .await?;
    form_page(
        &state,
        &staff,
        ctx,
        Some(id),
        ProviderForm::from_row(&provider),
        FieldErrors::new(),
    )
    .await
}

pub async fn update(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::SettingsEdit>,
    ctx: PageContext,
    id: web::Path<ProviderId>,
    form: Form<ProviderForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let outcome = match form.parse() {
        Ok(input) => {
            let actor = staff.actor.clone();
            state
                .attempt(move |conn| providers::update(conn, &actor, id, &input))
                .await?
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(provider) => {
            Flash::success(format!("Provider “{}” is saved.", provider.name)).set(&session);
            Ok(page::redirect("/admin/providers"))
        }
        Outcome::Invalid(errors) => form_page(&state, &staff, ctx, Some(id), form, errors).await,
    }
}
