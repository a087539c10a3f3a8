//! `/admin/catalog`: product types and tariffs.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::catalog::{Tariff, TariffRow};
use crate::domain::catalog::{self, CatalogOverview, TariffChoices, TariffInput, TariffRaw};
use crate::domain::money::Money;
use crate::domain::permissions::perm;
use crate::domain::{DomainError, FieldErrors};
use crate::ids::TariffId;
use crate::web::forms::{Form, Outcome};
use crate::web::identity::{Require, Staff};
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

#[derive(Template, WebTemplate)]
#[template(path = "admin/catalog/index.html")]
pub struct CatalogPage {
    pub ctx: PageContext,
    pub overview: CatalogOverview,
    pub type_name: String,
    pub errors: FieldErrors,
}

impl CatalogPage {
    pub fn setup_fee(&self, row: &TariffRow) -> Money {
        Money::from_minor(
            row.tariff.setup_fee,
            row.currency_exponent,
            &row.currency_code,
        )
    }

    /// "499.90 RUB / 1 mo · 1,399.00 RUB / 3 mo".
    pub fn prices(&self, row: &TariffRow) -> String {
        let t = &row.tariff;
        [
            (1, t.price_1),
            (3, t.price_3),
            (6, t.price_6),
            (12, t.price_12),
        ]
        .iter()
        .filter_map(|(m, p)| {
            p.map(|p| {
                format!(
                    "{} / {m} mo",
                    Money::from_minor(p, row.currency_exponent, &row.currency_code)
                )
            })
        })
        .collect::<Vec<_>>()
        .join(" · ")
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TypeForm {
    pub type_name: String,
}

async fn catalog_page(
    state: &AppState,
    staff: &Staff,
    ctx: PageContext,
    type_name: String,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let overview = state
        .db(move |conn| catalog::overview(conn, &actor))
        .await?;
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &CatalogPage {
            ctx,
            overview,
            type_name,
            errors,
        },
    )
}

pub async fn index(
    state: web::Data<AppState>,
    staff: Require<perm::CatalogView>,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    catalog_page(&state, &staff, ctx, String::new(), FieldErrors::new()).await
}

pub async fn create_type(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::CatalogEdit>,
    ctx: PageContext,
    form: Form<TypeForm>,
) -> Result<HttpResponse, WebError> {
    let name = form.into_inner().type_name;
    let actor = staff.actor.clone();
    let typed = name.clone();
    match state
        .attempt(move |conn| catalog::create_type(conn, &actor, &typed))
        .await?
    {
        Outcome::Done(created) => {
            Flash::success(format!("Product type “{}” is added.", created.name)).set(&session);
            Ok(page::redirect("/admin/catalog"))
        }
        Outcome::Invalid(errors) => catalog_page(&state, &staff, ctx, name, errors).await,
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct TariffForm {
    pub provider_id: String,
    pub product_type_id: String,
    pub name: String,
    pub description: String,
    pub price_1: String,
    pub price_3: String,
    pub price_6: String,
    pub price_12: String,
    pub setup_fee: String,
    pub orderable: Option<String>,
    pub per_client_limit: String,
    pub hidden_groups: Vec<String>,
}

impl TariffForm {
    fn raw(&self) -> TariffRaw<'_> {
        TariffRaw {
            provider_id: &self.provider_id,
            product_type_id: &self.product_type_id,
            name: &self.name,
            description: &self.description,
            prices: [&self.price_1, &self.price_3, &self.price_6, &self.price_12],
            setup_fee: &self.setup_fee,
            orderable: self.orderable.is_some(),
            per_client_limit: &self.per_client_limit,
            hidden_groups: &self.hidden_groups,
        }
    }

    fn from_row(t: &Tariff, hidden: &[crate::ids::ClientGroupId], exponent: i32) -> Self {
        let price = |p: Option<i64>| {
            p.map(|p| Money::from_minor(p, exponent, "").amount().to_string())
                .unwrap_or_default()
        };
        Self {
            provider_id: t.provider_id.to_string(),
            product_type_id: t.product_type_id.to_string(),
            name: t.name.clone(),
            description: t.description.clone(),
            price_1: price(t.price_1),
            price_3: price(t.price_3),
            price_6: price(t.price_6),
            price_12: price(t.price_12),
            setup_fee: price(Some(t.setup_fee)),
            orderable: t.orderable.then(|| "on".into()),
            per_client_limit: t
                .per_client_limit
                .map(|n| n.to_string())
                .unwrap_or_default(),
            hidden_groups: hidden.iter().map(ToString::to_string).collect(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/catalog/tariff.html")]
pub struct TariffPage {
    pub ctx: PageContext,
    pub id: Option<TariffId>,
    pub form: TariffForm,
    pub errors: FieldErrors,
    pub choices: TariffChoices,
}

impl TariffPage {
    pub fn hidden_from(&self, group: &crate::db::models::client_group::ClientGroup) -> bool {
        self.form.hidden_groups.contains(&group.id.to_string())
    }
}

async fn tariff_page(
    state: &AppState,
    staff: &Staff,
    ctx: PageContext,
    id: Option<TariffId>,
    form: TariffForm,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let choices = state.db(move |conn| catalog::choices(conn, &actor)).await?;
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &TariffPage {
            ctx,
            id,
            form,
            errors,
            choices,
        },
    )
}

pub async fn new_tariff(
    state: web::Data<AppState>,
    staff: Require<perm::CatalogEdit>,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    let form = TariffForm {
        orderable: Some("on".into()),
        setup_fee: "0".into(),
        ..Default::default()
    };
    tariff_page(&state, &staff, ctx, None, form, FieldErrors::new()).await
}

pub async fn create_tariff(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::CatalogEdit>,
    ctx: PageContext,
    form: Form<TariffForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let actor = staff.actor.clone();
    let typed = form.clone();
    let outcome = state
        .attempt(move |conn| {
            let input = TariffInput::parse(conn, &typed.raw())?;
            catalog::create(conn, &actor, &input)
        })
        .await?;
    match outcome {
        Outcome::Done(tariff) => {
            Flash::success(format!("Tariff “{}” is in the catalog.", tariff.name)).set(&session);
            Ok(page::redirect("/admin/catalog"))
        }
        Outcome::Invalid(errors) => tariff_page(&state, &staff, ctx, None, form, errors).await,
    }
}

pub async fn edit_tariff(
    state: web::Data<AppState>,
    staff: Require<perm::CatalogView>,
    ctx: PageContext,
    id: web::Path<TariffId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    let (tariff, hidden, exponent) = state
        .db(move |conn| {
            let (tariff, hidden) = catalog::get(conn, &actor, id)?;
            let exponent = crate::db::models::Provider::find(conn, tariff.provider_id)?
                .and_then(|p| {
                    crate::db::models::Currency::find(conn, p.currency_id)
                        .ok()
                        .flatten()
                })
                .map_or(2, |c| c.exponent);
            Ok::<_, DomainError>((tariff, hidden, exponent))
        })
        .await?;
    tariff_page(
        &state,
        &staff,
        ctx,
        Some(id),
        TariffForm::from_row(&tariff, &hidden, exponent),
        FieldErrors::new(),
    )
    .await
}

pub async fn update_tariff(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::CatalogEdit>,
    ctx: PageContext,
    id: web::Path<TariffId>,
    form: Form<TariffForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let actor = staff.actor.clone();
    let typed = form.clone();
    let outcome = state
        .attempt(move |conn| {
            let input = TariffInput::parse(conn, &typed.raw())?;
            catalog::update(conn, &actor, id, &input)
        })
        .await?;
    match outcome {
        Outcome::Done(tariff) => {
            Flash::success(format!("Tariff “{}” is saved.", tariff.name)).set(&session);
            Ok(page::redirect("/admin/catalog"))
        }
        Outcome::Invalid(errors) => tariff_page(&state, &staff, ctx, Some(id), form, errors).await,
    }
}
