//! `/admin/companies`: the legal entities that sell and issue documents.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::Company;
use crate::db::models::provider::ProviderChoice;
use crate::domain::companies::{self, CompanyInput, CompanyRaw, KINDS};
use crate::domain::permissions::perm;
use crate::domain::{FieldErrors, providers};
use crate::ids::{CompanyId, ProviderId};
use crate::web::forms::{Form, Outcome};
use crate::web::identity::{Require, Staff};
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

#[derive(Debug, Default, Clone, Deserialize)]
pub struct CompanyForm {
    #[serde(default)]
    pub legal_name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub tax_id: String,
    #[serde(default)]
    pub registration_number: String,
    #[serde(default)]
    pub legal_address: String,
    #[serde(default)]
    pub postal_address: String,
    #[serde(default)]
    pub bank_details: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub provider_ids: Vec<String>,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub kpp: String,
    #[serde(default)]
    pub signatory_name: String,
    #[serde(default)]
    pub signatory_title: String,
    #[serde(default)]
    pub tax_mode: String,
    #[serde(default)]
    pub tax_rate: String,
    #[serde(default)]
    pub bill_due_days: String,
    #[serde(default)]
    pub bill_prefix: String,
    #[serde(default)]
    pub act_prefix: String,
    #[serde(default)]
    pub credit_note_prefix: String,
    #[serde(default)]
    pub reconciliation_prefix: String,
}

impl CompanyForm {
    fn from_row(c: &Company, providers: &[ProviderId]) -> Self {
        Self {
            legal_name: c.legal_name.clone(),
            kind: c.kind.clone(),
            tax_id: c.tax_id.clone(),
            registration_number: c.registration_number.clone(),
            legal_address: c.legal_address.clone(),
            postal_address: c.postal_address.clone(),
            bank_details: c.bank_details.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            provider_ids: providers.iter().map(ToString::to_string).collect(),
            country: c.country.clone(),
            kpp: c.kpp.clone(),
            signatory_name: c.signatory_name.clone(),
            signatory_title: c.signatory_title.clone(),
            tax_mode: c.tax_mode.clone(),
            tax_rate: if c.tax_rate_bp > 0 {
                crate::domain::client_groups::format_discount(c.tax_rate_bp)
            } else {
                String::new()
            },
            bill_due_days: c.bill_due_days.to_string(),
            bill_prefix: c.bill_prefix.clone(),
            act_prefix: c.act_prefix.clone(),
            credit_note_prefix: c.credit_note_prefix.clone(),
            reconciliation_prefix: c.reconciliation_prefix.clone(),
        }
    }

    fn parse(&self) -> Result<CompanyInput, FieldErrors> {
        CompanyInput::parse(&CompanyRaw {
            legal_name: &self.legal_name,
            kind: &self.kind,
            tax_id: &self.tax_id,
            registration_number: &self.registration_number,
            legal_address: &self.legal_address,
            postal_address: &self.postal_address,
            bank_details: &self.bank_details,
            email: &self.email,
            phone: &self.phone,
            provider_ids: &self.provider_ids,
            country: &self.country,
            kpp: &self.kpp,
            signatory_name: &self.signatory_name,
            signatory_title: &self.signatory_title,
            tax_mode: &self.tax_mode,
            tax_rate: &self.tax_rate,
            bill_due_days: &self.bill_due_days,
            bill_prefix: &self.bill_prefix,
            act_prefix: &self.act_prefix,
            credit_note_prefix: &self.credit_note_prefix,
            reconciliation_prefix: &self.reconciliation_prefix,
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/companies/index.html")]
pub struct CompaniesPage {
    pub ctx: PageContext,
    pub companies: Vec<(Company, Vec<String>)>,
}

impl CompaniesPage {
    pub fn kind_label(&self, kind: &str) -> &'static str {
        companies::kind_label(kind)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/companies/form.html")]
pub struct CompanyFormPage {
    pub ctx: PageContext,
    pub id: Option<CompanyId>,
    pub form: CompanyForm,
    pub errors: FieldErrors,
    pub providers: Vec<ProviderChoice>,
    pub kinds: &'static [(&'static str, &'static str)],
    pub tax_modes: &'static [(&'static str, &'static str)],
}

impl CompanyFormPage {
    pub fn works_for(&self, provider: &ProviderChoice) -> bool {
        self.form.provider_ids.contains(&provider.id.to_string())
    }
}

pub async fn index(
    state: web::Data<AppState>,
    staff: Require<perm::SettingsView>,
    ctx: PageContext,
) -> Result<CompaniesPage, WebError> {
    let actor = staff.actor.clone();
    let companies = state.db(move |conn| companies::list(conn, &actor)).await?;
    Ok(CompaniesPage { ctx, companies })
}

async fn form_page(
    state: &AppState,
    staff: &Staff,
    ctx: PageContext,
    id: Option<CompanyId>,
    form: CompanyForm,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let providers = state
        .db(move |conn| providers::choices(conn, &actor))
        .await?;
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &CompanyFormPage {
            ctx,
            id,
            form,
            errors,
            providers,
            kinds: KINDS,
            tax_modes: crate::domain::documents::TAX_MODES,
        },
    )
}

pub async fn new(
    state: web::Data<AppState>,
    staff: Require<perm::SettingsEdit>,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    let form = CompanyForm {
        kind: "legal_entity".into(),
        tax_mode: crate::domain::documents::TAX_NONE.into(),
        bill_due_days: "5".into(),
        bill_prefix: "INV".into(),
        act_prefix: "ACT".into(),
        credit_note_prefix: "CN".into(),
        reconciliation_prefix: "REC".into(),
        ..Default::default()
    };
    form_page(&state, &staff, ctx, None, form, FieldErrors::new()).await
}

pub async fn create(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::SettingsEdit>,
    ctx: PageContext,
    form: Form<CompanyForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let outcome = match form.parse() {
        Ok(input) => {
            let actor = staff.actor.clone();
            state
                .attempt(move |conn| companies::create(conn, &actor, &input))
                .await?
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(company) => {
            Flash::success(format!("Company “{}” is created.", company.legal_name)).set(&session);
            Ok(page::redirect("/admin/companies"))
        }
        Outcome::Invalid(errors) => form_page(&state, &staff, ctx, None, form, errors).await,
    }
}

pub async fn edit(
    state: web::Data<AppState>,
    staff: Require<perm::SettingsView>,
    ctx: PageContext,
    id: web::Path<CompanyId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    let (company, providers) = state
        .db(move |conn| companies::get(conn, &actor, id))
        .await?;
    let form = CompanyForm::from_row(&company, &providers);
    form_page(&state, &staff, ctx, Some(id), form, FieldErrors::new()).await
}

pub async fn update(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::SettingsEdit>,
    ctx: PageContext,
    id: web::Path<CompanyId>,
    form: Form<CompanyForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let outcome = match form.parse() {
        Ok(input) => {
            let actor = staff.actor.clone();
            state
                .attempt(move |conn| companies::update(conn, &actor, id, &input))
                .await?
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(company) => {
            Flash::success(format!("Company “{}” is saved.", company.legal_name)).set(&session);
            Ok(page::redirect("/admin/companies"))
        }
        Outcome::Invalid(errors) => form_page(&state, &staff, ctx, Some(id), form, errors).await,
    }
}
