//! `/client/payers`: the client's payers (needs the payers section).

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::Payer;
use crate::domain::FieldErrors;
use crate::domain::client_permissions::csec;
use crate::domain::payers::{self, KINDS, PayerInput, PayerRaw};
use crate::ids::PayerId;
use crate::web::forms::{Form, Outcome};
use crate::web::identity::ClientRequire;
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct PayerForm {
    pub kind: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub country: String,
    pub postal_address: String,
    pub legal_address: String,
    pub tax_id: String,
    pub registration_number: String,
    pub contact_person: String,
    pub bank_details: String,
}

impl PayerForm {
    fn from_row(p: &Payer) -> Self {
        Self {
            kind: p.kind.clone(),
            name: p.name.clone(),
            email: p.email.clone(),
            phone: p.phone.clone(),
            country: p.country.clone(),
            postal_address: p.postal_address.clone(),
            legal_address: p.legal_address.clone(),
            tax_id: p.tax_id.clone(),
            registration_number: p.registration_number.clone(),
            contact_person: p.contact_person.clone(),
            bank_details: p.bank_details.clone(),
        }
    }

    fn parse(&self) -> Result<PayerInput, FieldErrors> {
        PayerInput::parse(&PayerRaw {
            kind: &self.kind,
            name: &self.name,
            email: &self.email,
            phone: &self.phone,
            country: &self.country,
            postal_address: &self.postal_address,
            legal_address: &self.legal_address,
            tax_id: &self.tax_id,
            registration_number: &self.registration_number,
            contact_person: &self.contact_person,
            bank_details: &self.bank_details,
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "client/payers/index.html")]
pub struct PayersPage {
    pub ctx: PageContext,
    pub payers: Vec<Payer>,
}

impl PayersPage {
    pub fn kind_label(&self, kind: &str) -> &'static str {
        payers::kind_label(kind)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "client/payers/form.html")]
pub struct PayerFormPage {
    pub ctx: PageContext,
    pub id: Option<PayerId>,
    pub form: PayerForm,
    pub errors: FieldErrors,
    pub kinds: &'static [(&'static str, &'static str)],
}

#[derive(Template, WebTemplate)]
#[template(path = "client/payers/delete.html")]
pub struct DeletePayerPage {
    pub ctx: PageContext,
    pub payer: Payer,
    pub error: String,
}

pub async fn index(
    state: web::Data<AppState>,
    user: ClientRequire<csec::Payers>,
    ctx: PageContext,
) -> Result<PayersPage, WebError> {
    let actor = user.actor.clone();
    let payers = state.db(move |conn| payers::list(conn, &actor)).await?;
    Ok(PayersPage { ctx, payers })
}

fn form_page(
    ctx: PageContext,
    id: Option<PayerId>,
    form: PayerForm,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &PayerFormPage {
            ctx,
            id,
            form,
            errors,
            kinds: KINDS,
        },
    )
}

pub async fn new(
    user: ClientRequire<csec::Payers>,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    let form = PayerForm {
        kind: "individual".into(),
        email: user.user.user.email.clone(),
        ..Default::default()
    };
    form_page(ctx, None, form, FieldErrors::new())
}

pub async fn create(
    state: web::Data<AppState>,
    session: Session,
    user: ClientRequire<csec::Payers>,
    ctx: PageContext,
    form: Form<PayerForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let outcome = match form.parse() {
        Ok(input) => {
            let actor = user.actor.clone();
            state
                .attempt(move |conn| payers::create(conn, &actor, &input))
                .await?
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(payer) => {
            Flash::success(format!("Payer “{}” is added.", payer.name)).set(&session);
            Ok(page::redirect("/client/payers"))
        }
        Outcome::Invalid(errors) => form_page(ctx, None, form, errors),
    }
}

pub async fn edit(
    state: web::Data<AppState>,
    user: ClientRequire<csec::Payers>,
    ctx: PageContext,
    id: web::Path<PayerId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = user.actor.clone();
    let payer = state.db(move |conn| payers::get(conn, &actor, id)).await?;
    form_page(
        ctx,
        Some(id),
        PayerForm::from_row(&payer),
        FieldErrors::new(),
    )
}

pub async fn update(
    state: web::Data<AppState>,
    session: Session,
    user: ClientRequire<csec::Payers>,
    ctx: PageContext,
    id: web::Path<PayerId>,
    form: Form<PayerForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let outcome = match form.parse() {
        Ok(input) => {
            let actor = user.actor.clone();
            state
                .attempt(move |conn| payers::update(conn, &actor, id, &input))
                .await?
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(payer) => {
            Flash::success(format!("Payer “{}” is saved.", payer.name)).set(&session);
            Ok(page::redirect("/client/payers"))
        }
        Outcome::Invalid(errors) => form_page(ctx, Some(id), form, errors),
    }
}

pub async fn confirm_delete(
    state: web::Data<AppState>,
    user: ClientRequire<csec::Payers>,
    ctx: PageContext,
    id: web::Path<PayerId>,
) -> Result<DeletePayerPage, WebError> {
    let id = id.into_inner();
    let actor = user.actor.clone();
    let payer = state.db(move |conn| payers::get(conn, &actor, id)).await?;
    Ok(DeletePayerPage {
        ctx,
        payer,
        error: String::new(),
    })
}

pub async fn delete(
    state: web::Data<AppState>,
    session: Session,
    user: ClientRequire<csec::Payers>,
    ctx: PageContext,
    id: web::Path<PayerId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = user.actor.clone();
    match state
        .attempt(move |conn| payers::delete(conn, &actor, id))
        .await?
    {
        Outcome::Done(payer) => {
            Flash::success(format!("Payer “{}” is deleted.", payer.name)).set(&session);
            Ok(page::redirect("/client/payers"))
        }
        Outcome::Invalid(errors) => {
            let actor = user.actor.clone();
            let payer = state.db(move |conn| payers::get(conn, &actor, id)).await?;
            let error = errors.get("delete").to_owned();
            page::render_with(
                page::FORM_SHOWN_AGAIN,
                &DeletePayerPage { ctx, payer, error },
            )
        }
    }
}
