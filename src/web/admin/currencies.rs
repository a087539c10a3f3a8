//! `/admin/currencies`: currencies and the exchange rates entered by hand.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::Currency;
use crate::domain::FieldErrors;
use crate::domain::currencies::{self, CurrencyDetails, CurrencyInput, RateInput};
use crate::domain::permissions::perm;
use crate::ids::CurrencyId;
use crate::web::forms::{Form, Outcome};
use crate::web::identity::{Require, Staff};
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

#[derive(Debug, Default, Clone, Deserialize)]
pub struct CurrencyForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub exponent: String,
}

impl CurrencyForm {
    fn from_row(c: &Currency) -> Self {
        Self {
            code: c.code.clone(),
            name: c.name.clone(),
            exponent: c.exponent.to_string(),
        }
    }

    fn parse(&self) -> Result<CurrencyInput, FieldErrors> {
        CurrencyInput::parse(&self.code, &self.name, &self.exponent)
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct RateForm {
    #[serde(default)]
    pub quote_currency_id: String,
    #[serde(default)]
    pub rate_date: String,
    #[serde(default)]
    pub rate: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/currencies/index.html")]
pub struct CurrenciesPage {
    pub ctx: PageContext,
    pub currencies: Vec<Currency>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/currencies/new.html")]
pub struct NewCurrencyPage {
    pub ctx: PageContext,
    pub form: CurrencyForm,
    pub errors: FieldErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/currencies/show.html")]
pub struct CurrencyPage {
    pub ctx: PageContext,
    pub details: CurrencyDetails,
    pub form: CurrencyForm,
    pub errors: FieldErrors,
    pub rate_form: RateForm,
    pub rate_errors: FieldErrors,
}

pub async fn index(
    state: web::Data<AppState>,
    staff: Require<perm::CurrenciesView>,
    ctx: PageContext,
) -> Result<CurrenciesPage, WebError> {
    let actor = staff.actor.clone();
    let currencies = state.db(move |conn| currencies::list(conn, &actor)).await?;
    Ok(CurrenciesPage { ctx, currencies })
}

pub async fn new(_staff: Require<perm::CurrenciesEdit>, ctx: PageContext) -> NewCurrencyPage {
    let form = CurrencyForm {
        exponent: "2".into(),
        ..Default::default()
    };
    NewCurrencyPage {
        ctx,
        form,
        errors: FieldErrors::new(),
    }
}

pub async fn create(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::CurrenciesEdit>,
    ctx: PageContext,
    form: Form<CurrencyForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let outcome = match form.parse() {
        Ok(input) => {
            let actor = staff.actor.clone();
            state
                .attempt(move |conn| currencies::create(conn, &actor, &input))
                .await?
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(currency) => {
            Flash::success(format!("Currency {} is added.", currency.code)).set(&session);
            Ok(page::redirect(&format!(
                "/admin/currencies/{}",
                currency.id
            )))
        }
        Outcome::Invalid(errors) => page::render_with(
            page::FORM_SHOWN_AGAIN,
            &NewCurrencyPage { ctx, form, errors },
        ),
    }
}

/// The currency page: its form, its rates and the form to add a rate. Either form may come
/// back with messages.
async fn currency_page(
    state: &AppState,
    staff: &Staff,
    ctx: PageContext,
    id: CurrencyId,
    form: Option<(CurrencyForm, FieldErrors)>,
    rate: Option<(RateForm, FieldErrors)>,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let details = state
        .db(move |conn| currencies::details(conn, &actor, id))
        .await?;
    let (form, errors) = form.unwrap_or_else(|| {
        (
            CurrencyForm::from_row(&details.currency),
            FieldErrors::new(),
        )
    });
    let (rate_form, rate_errors) = rate.unwrap_or_else(|| {
        let today = chrono::Utc::now().date_naive().to_string();
        (
            RateForm {
                rate_date: today,
                ..Default::default()
            },
            FieldErrors::new(),
        )
    });
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &CurrencyPage {
            ctx,
            details,
            form,
            errors,
            rate_form,
            rate_errors,
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    staff: Require<perm::CurrenciesView>,
    ctx: PageContext,
    id: web::Path<CurrencyId>,
) -> Result<HttpResponse, WebError> {
    currency_page(&state, &staff, ctx, id.into_inner(), None, None).await
}

pub async fn update(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::CurrenciesEdit>,
    ctx: PageContext,
    id: web::Path<CurrencyId>,
    form: Form<CurrencyForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let outcome = match form.parse() {
        Ok(input) => {
            let actor = staff.actor.clone();
            state
                .attempt(move |conn| currencies::update(conn, &actor, id, &input))
                .await?
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(currency) => {
            Flash::success(format!("Currency {} is saved.", currency.code)).set(&session);
            Ok(page::redirect(&format!("/admin/currencies/{id}")))
        }
        Outcome::Invalid(errors) => {
            currency_page(&state, &staff, ctx, id, Some((form, errors)), None).await
        }
    }
}

pub async fn set_rate(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::CurrenciesEdit>,
    ctx: PageContext,
    id: web::Path<CurrencyId>,
    form: Form<RateForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let outcome = match RateInput::parse(&form.quote_currency_id, &form.rate_date, &form.rate) {
        Ok(input) => {
            let actor = staff.actor.clone();
            state
                .attempt(move |conn| currencies::set_rate(conn, &actor, id, &input))
                .await?
        }
        Err(errors) => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Done(()) => {
            Flash::success("The rate is saved.").set(&session);
            Ok(page::redirect(&format!("/admin/currencies/{id}")))
        }
        Outcome::Invalid(errors) => {
            currency_page(&state, &staff, ctx, id, None, Some((form, errors))).await
        }
    }
}
