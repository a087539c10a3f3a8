//! `/admin/payment-methods`: how clients pay, per company, currency and provider.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::payment_method::{KINDS, PaymentMethodRow, kind_label};
use crate::domain::FieldErrors;
use crate::domain::money::Money;
use crate::domain::payments::methods::{self, MethodChoices, MethodInput, MethodRaw};
use crate::domain::permissions::perm;
use crate::ids::PaymentMethodId;
use crate::web::forms::{Form, Outcome};
use crate::web::identity::{Require, Staff};
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

#[derive(Template, WebTemplate)]
#[template(path = "admin/payment_methods/index.html")]
pub struct MethodsPage {
    pub ctx: PageContext,
    pub rows: Vec<PaymentMethodRow>,
}

impl MethodsPage {
    pub fn kind(&self, row: &PaymentMethodRow) -> &'static str {
        kind_label(&row.method.kind)
    }

    pub fn limits(&self, row: &PaymentMethodRow) -> String {
        methods::limits(row)
    }
}

pub async fn index(
    state: web::Data<AppState>,
    staff: Require<perm::PaymentsView>,
    ctx: PageContext,
) -> Result<MethodsPage, WebError> {
    let actor = staff.actor.clone();
    let rows = state.db(move |conn| methods::list(conn, &actor)).await?;
    Ok(MethodsPage { ctx, rows })
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct MethodForm {
    pub name: String,
    pub kind: String,
    pub company_id: String,
    pub currency_id: String,
    pub min_amount: String,
    pub max_amount: String,
    pub enabled: Option<String>,
    pub providers: Vec<String>,
    pub hidden_groups: Vec<String>,
}

impl MethodForm {
    fn raw(&self) -> MethodRaw<'_> {
        MethodRaw {
            name: &self.name,
            kind: &self.kind,
            company_id: &self.company_id,
            currency_id: &self.currency_id,
            min_amount: &self.min_amount,
            max_amount: &self.max_amount,
            enabled: self.enabled.is_some(),
            providers: &self.providers,
            hidden_groups: &self.hidden_groups,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/payment_methods/form.html")]
pub struct MethodPage {
    pub ctx: PageContext,
    pub id: Option<PaymentMethodId>,
    pub form: MethodForm,
    pub errors: FieldErrors,
    pub choices: MethodChoices,
    pub kinds: &'static [(&'static str, &'static str)],
}

impl MethodPage {
    pub fn serves(&self, provider: &crate::ids::ProviderId) -> bool {
        self.form.providers.contains(&provider.to_string())
    }

    pub fn hidden_from(&self, group: &crate::ids::ClientGroupId) -> bool {
        self.form.hidden_groups.contains(&group.to_string())
    }
}

async fn method_page(
    state: &AppState,
    staff: &Staff,
    ctx: PageContext,
    id: Option<PaymentMethodId>,
    form: MethodForm,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let choices = state.db(move |conn| methods::choices(conn, &actor)).await?;
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &MethodPage {
            ctx,
            id,
            form,
            errors,
            choices,
            kinds: &KINDS,
        },
    )
}

pub async fn new(
    state: web::Data<AppState>,
    staff: Require<perm::PaymentMethodsEdit>,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    let form = MethodForm {
        enabled: Some("on".into()),
        ..Default::default()
    };
    method_page(&state, &staff, ctx, None, form, FieldErrors::new()).await
}

pub async fn create(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::PaymentMethodsEdit>,
    ctx: PageContext,
    form: Form<MethodForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let actor = staff.actor.clone();
    let typed = form.clone();
    let test_gateway = state.config.test_gateway.is_some();
    let outcome = state
        .attempt(move |conn| {
            let input = MethodInput::parse(conn, &typed.raw(), test_gateway)?;
            methods::create(conn, &actor, &input)
        })
        .await?;
    match outcome {
        Outcome::Done(method) => {
            Flash::success(format!("Payment method “{}” is added.", method.name)).set(&session);
            Ok(page::redirect("/admin/payment-methods"))
        }
        Outcome::Invalid(errors) => method_page(&state, &staff, ctx, None, form, errors).await,
    }
}

pub async fn edit(
    state: web::Data<AppState>,
    staff: Require<perm::PaymentsView>,
    ctx: PageContext,
    id: web::Path<PaymentMethodId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    let (row, providers, groups) = state.db(move |conn| methods::get(conn, &actor, id)).await?;
    let limit = |m: Option<i64>| {
        m.map(|m| {
            Money::from_minor(m, row.currency_exponent, "")
                .amount()
                .to_string()
        })
        .unwrap_or_default()
    };
    let form = MethodForm {
        name: row.method.name.clone(),
        kind: row.method.kind.clone(),
        company_id: row.method.company_id.to_string(),
        currency_id: row.method.currency_id.to_string(),
        min_amount: limit(row.method.min_amount),
        max_amount: limit(row.method.max_amount),
        enabled: row.method.enabled.then(|| "on".into()),
        providers: providers.iter().map(ToString::to_string).collect(),
        hidden_groups: groups.iter().map(ToString::to_string).collect(),
    };
    method_page(&state, &staff, ctx, Some(id), form, FieldErrors::new()).await
}

pub async fn update(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::PaymentMethodsEdit>,
    ctx: PageContext,
    id: web::Path<PaymentMethodId>,
    form: Form<MethodForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let actor = staff.actor.clone();
    let typed = form.clone();
    let test_gateway = state.config.test_gateway.is_some();
    let outcome = state
        .attempt(move |conn| {
            let input = MethodInput::parse(conn, &typed.raw(), test_gateway)?;
            methods::update(conn, &actor, id, &input)
        })
        .await?;
    match outcome {
        Outcome::Done(method) => {
            Flash::success(format!("Payment method “{}” is saved.", method.name)).set(&session);
            Ok(page::redirect("/admin/payment-methods"))
        }
        Outcome::Invalid(errors) => method_page(&state, &staff, ctx, Some(id), form, errors).await,
    }
}
