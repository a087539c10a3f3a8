//! `/client/services` and `/client/order`: the client's services, ordering one, and what it
//! may do with each (needs the services section).

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use crate::db::models::service::ServiceRow;
use crate::domain::FieldErrors;
use crate::domain::client_permissions::csec;
use crate::domain::money::Money;
use crate::domain::services::{self, Action, Offers, ServiceDetails, period_label};
use crate::ids::ServiceId;
use crate::web::forms::{Form, Outcome};
use crate::web::identity::ClientRequire;
use crate::web::page::{self, PageContext};
use crate::web::services::{ActionForm, OrderForm, after_action, ordered_message};
use crate::web::{AppState, WebError};

#[derive(Template, WebTemplate)]
#[template(path = "client/services/index.html")]
pub struct ServicesPage {
    pub ctx: PageContext,
    pub rows: Vec<ServiceRow>,
}

impl ServicesPage {
    pub fn price(&self, row: &ServiceRow) -> Money {
        Money::from_minor(row.service.price, row.currency_exponent, &row.currency_code)
    }

    pub fn period(&self, months: &i32) -> String {
        period_label(*months)
    }
}

pub async fn index(
    state: web::Data<AppState>,
    user: ClientRequire<csec::Services>,
    ctx: PageContext,
) -> Result<ServicesPage, WebError> {
    let actor = user.actor.clone();
    let rows = state
        .db(move |conn| services::list_for_client(conn, &actor))
        .await?;
    Ok(ServicesPage { ctx, rows })
}

#[derive(Template, WebTemplate)]
#[template(path = "client/services/order.html")]
pub struct OrderPage {
    pub ctx: PageContext,
    pub offers: Offers,
    pub form: OrderForm,
    pub errors: FieldErrors,
    pub action: &'static str,
}

async fn order_page(
    state: &AppState,
    user: &ClientRequire<csec::Services>,
    ctx: PageContext,
    form: OrderForm,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let actor = user.actor.clone();
    let offers = state
        .db(move |conn| services::offers_for_client(conn, &actor))
        .await?;
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &OrderPage {
            ctx,
            offers,
            form,
            errors,
            action: "/client/order",
        },
    )
}

pub async fn new_order(
    state: web::Data<AppState>,
    user: ClientRequire<csec::Services>,
    ctx: PageContext,
) -> Result<HttpResponse, WebError> {
    order_page(&state, &user, ctx, OrderForm::fresh(), FieldErrors::new()).await
}

pub async fn order(
    state: web::Data<AppState>,
    session: Session,
    user: ClientRequire<csec::Services>,
    ctx: PageContext,
    form: Form<OrderForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let actor = user.actor.clone();
    let typed = form.clone();
    let outcome = state
        .attempt(move |conn| services::order_as_client(conn, &actor, &typed.raw()))
        .await?;
    match outcome {
        Outcome::Done(ordered) => {
            ordered_message(&ordered).set(&session);
            Ok(page::redirect(&format!(
                "/client/services/{}",
                ordered.service.id
            )))
        }
        Outcome::Invalid(errors) => {
            order_page(
                &state,
                &user,
                ctx,
                form,
                OrderForm::errors_at_choice(errors),
            )
            .await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "client/services/show.html")]
pub struct ServicePage {
    pub ctx: PageContext,
    pub d: ServiceDetails,
}

impl ServicePage {
    /// Staff see who did what and why; clients see what happened.
    pub fn staff_view(&self) -> bool {
        false
    }
}

pub async fn show(
    state: web::Data<AppState>,
    user: ClientRequire<csec::Services>,
    ctx: PageContext,
    id: web::Path<ServiceId>,
) -> Result<ServicePage, WebError> {
    let id = id.into_inner();
    let actor = user.actor.clone();
    let d = state
        .db(move |conn| services::details_for_client(conn, &actor, id))
        .await?;
    Ok(ServicePage { ctx, d })
}

async fn act(
    state: &AppState,
    session: &Session,
    user: &ClientRequire<csec::Services>,
    id: ServiceId,
    action: Action,
    form: ActionForm,
) -> Result<HttpResponse, WebError> {
    let actor = user.actor.clone();
    let outcome = state
        .attempt(move |conn| services::act_as_client(conn, &actor, id, action, &form.seen))
        .await?;
    let back = if action == Action::Delete {
        "/client/services".to_owned()
    } else {
        format!("/client/services/{id}")
    };
    Ok(after_action(session, outcome, action, &back))
}

/// Pay a waiting order, pay and resume after non-payment, or renew a period ahead.
pub async fn renew(
    state: web::Data<AppState>,
    session: Session,
    user: ClientRequire<csec::Services>,
    id: web::Path<ServiceId>,
    form: Form<ActionForm>,
) -> Result<HttpResponse, WebError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    act(&state, &session, &user, id, Action::Renew, form).await
}

pub async fn suspend(
    state: web::Data<AppState>,
    session: Session,
    user: ClientRequire<csec::Services>,
    id: web::Path<ServiceId>,
    form: Form<ActionForm>,
) -> Result<HttpResponse, WebError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    act(&state, &session, &user, id, Action::Suspend, form).await
}

pub async fn resume(
    state: web::Data<AppState>,
    session: Session,
    user: ClientRequire<csec::Services>,
    id: web::Path<ServiceId>,
    form: Form<ActionForm>,
) -> Result<HttpResponse, WebError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    act(&state, &session, &user, id, Action::Resume, form).await
}

/// Cancel an order that has not started.
pub async fn cancel(
    state: web::Data<AppState>,
    session: Session,
    user: ClientRequire<csec::Services>,
    id: web::Path<ServiceId>,
    form: Form<ActionForm>,
) -> Result<HttpResponse, WebError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    act(&state, &session, &user, id, Action::Delete, form).await
}

pub async fn auto_renew(
    state: web::Data<AppState>,
    session: Session,
    user: ClientRequire<csec::Services>,
    id: web::Path<ServiceId>,
    form: Form<ActionForm>,
) -> Result<HttpResponse, WebError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let action = Action::AutoRenew(form.on == "1");
    act(&state, &session, &user, id, action, form).await
}
