//! `/admin/services`: every client's services, one service's page with what staff may do to
//! it (each with a reason), and ordering a service for a client from its card.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::service::{STATUSES, ServiceCursor, ServiceFilter, ServiceRow, ServiceSort};
use crate::db::paging::{Order, PageAt, Paged};
use crate::domain::FieldErrors;
use crate::domain::money::Money;
use crate::domain::periods::zone;
use crate::domain::permissions::perm;
use crate::domain::services::{self, Action, Offers, ServiceDetails};
use crate::ids::{ClientId, ServiceId};
use crate::web::forms::{Form, Outcome};
use crate::web::identity::Require;
use crate::web::list::{self, Paging, Shown, SortedList};
use crate::web::page::{self, Flash, PageContext};
use crate::web::services::{ActionForm, OrderForm, after_action, flash_errors, ordered_message};
use crate::web::{AppState, WebError};

/// The "paid time ends within" choices of the services list: days and label.
pub const ENDING_WITHIN: [(i64, &str); 2] = [(7, "7 days"), (30, "30 days")];

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub status: String,
    /// "7" or "30": paid time ending within that many days.
    pub ends: String,
    /// Sorted by "date" (the default), "price" or "paid_until", and the page.
    #[serde(flatten)]
    pub paging: Paging,
}

impl ListQuery {
    /// The status filtered on, when it is one.
    fn status(&self) -> Option<String> {
        STATUSES
            .iter()
            .find(|(s, _)| *s == self.status)
            .map(|(s, _)| (*s).to_owned())
    }

    fn sort(&self) -> ServiceSort {
        ServiceSort::parse(&self.paging.sort)
    }

    /// Days within which the paid time ends, when filtered on (one of `ENDING_WITHIN`).
    fn ending_days(&self) -> Option<i64> {
        ENDING_WITHIN
            .iter()
            .map(|(days, _)| *days)
            .find(|days| days.to_string() == self.ends)
    }

    fn filter(&self) -> ServiceFilter {
        let now = crate::db::now();
        ServiceFilter {
            client: None,
            status: self.status(),
            ending: self
                .ending_days()
                .map(|days| (now, now + chrono::Duration::days(days))),
            sort: self.sort(),
            order: self.order(),
            at: self.paging.at(),
        }
    }

    /// Whether the list leaves out services never paid (sorted by the end of paid time).
    pub fn leaves_out_unpaid(&self) -> bool {
        self.sort() == ServiceSort::PaidUntil
    }
}

impl SortedList for ListQuery {
    type Cursor = ServiceCursor;
    const PATH: &'static str = "/admin/services";

    fn paging(&self) -> &Paging {
        &self.paging
    }

    fn filters(&self) -> Vec<(&'static str, &str)> {
        vec![("status", &self.status), ("ends", &self.ends)]
    }

    fn column(key: &str) -> (&'static str, Order) {
        let sort = ServiceSort::parse(key);
        (sort.key(), sort.first_order())
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/services/index.html")]
pub struct ServicesPage {
    pub ctx: PageContext,
    pub page: Paged<ServiceRow, ServiceCursor>,
    /// The rows shown among all the filter finds.
    pub shown: Shown,
    pub query: ListQuery,
    pub statuses: &'static [(&'static str, &'static str)],
    pub ending_within: &'static [(i64, &'static str)],
}

impl ServicesPage {
    pub fn price(&self, row: &ServiceRow) -> Money {
        Money::from_minor(row.service.price, row.currency_exponent, &row.currency_code)
    }

    /// The previous and next pages' addresses.
    pub fn pages(&self) -> (Option<String>, Option<String>) {
        list::neighbours(&self.page, &self.shown, services::PAGE_SIZE, |at, row| {
            self.query.href(Some(at), row)
        })
    }
}

pub async fn index(
    state: web::Data<AppState>,
    staff: Require<perm::ServicesView>,
    ctx: PageContext,
    query: web::Query<ListQuery>,
) -> Result<ServicesPage, WebError> {
    let query = query.into_inner();
    let filter = query.filter();
    let actor = staff.actor.clone();
    let count_key = format!(
        "services|{:?}|{}",
        query.filters(),
        query.leaves_out_unpaid()
    );
    let kept = state.list_counts.get(&count_key);
    let (page, counted) = state
        .db(move |conn| {
            let page = services::page(conn, &actor, &filter, services::PAGE_SIZE)?;
            let counted = match list::needs_count(&page, kept) {
                true => Some(services::count(conn, &actor, &filter)?),
                false => None,
            };
            Ok::<_, crate::domain::DomainError>((page, counted))
        })
        .await?;
    let shown = list::shown(
        &state.list_counts,
        count_key,
        &page,
        &query.paging.row,
        counted,
        kept,
    );
    Ok(ServicesPage {
        ctx,
        page,
        shown,
        query,
        statuses: STATUSES,
        ending_within: &ENDING_WITHIN,
    })
}

/// The services of the chosen status as CSV, in the list's order, prices as numbers with
/// their currency.
pub async fn export(
    state: web::Data<AppState>,
    staff: Require<perm::ServicesView>,
    query: web::Query<ListQuery>,
) -> HttpResponse {
    let filter = ServiceFilter {
        at: None,
        ..query.filter()
    };
    let actor = staff.actor.clone();
    let time = |t: Option<&chrono::NaiveDateTime>| {
        t.map(|t| crate::domain::text::iso_time(t).to_string())
            .unwrap_or_default()
    };
    crate::web::csv::download(
        state,
        "services.csv",
        "id,created,client_id,client,type,tariff,provider,status,period_months,price,currency,paid_until,auto_renew\r\n",
        move |conn, at: Option<ServiceCursor>| {
            let filter = ServiceFilter {
                at: at.map(PageAt::After),
                ..filter.clone()
            };
            let page = services::page(conn, &actor, &filter, crate::web::csv::CHUNK)?;
            let rows = &page.rows;
            let mut lines = String::new();
            for r in rows {
                let s = &r.service;
                lines.push_str(&crate::web::csv::row(&[
                    s.id.to_string(),
                    time(Some(&s.created_at)),
                    s.client_id.to_string(),
                    r.client_name.clone(),
                    r.type_name.clone(),
                    r.tariff_name.clone(),
                    r.provider_name.clone(),
                    r.status_label().to_owned(),
                    s.period_months.to_string(),
                    crate::web::csv::amount(s.price, r.currency_exponent),
                    r.currency_code.clone(),
                    time(s.paid_until.as_ref()),
                    if s.auto_renew { "yes" } else { "no" }.to_owned(),
                ]));
            }
            Ok((lines, page.next))
        },
    )
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/services/show.html")]
pub struct ServicePage {
    pub ctx: PageContext,
    pub d: ServiceDetails,
    pub form: ActionForm,
    pub errors: FieldErrors,
}

impl ServicePage {
    /// Staff see who did what and why; clients see what happened.
    pub fn staff_view(&self) -> bool {
        true
    }
}

pub async fn show(
    state: web::Data<AppState>,
    staff: Require<perm::ServicesView>,
    ctx: PageContext,
    id: web::Path<ServiceId>,
) -> Result<ServicePage, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    let d = state
        .db(move |conn| services::details(conn, &actor, id))
        .await?;
    let form = ActionForm {
        paid_until: d
            .row
            .service
            .paid_until
            .map(|t| {
                chrono::TimeZone::from_utc_datetime(&zone(&d.row.time_zone), &t)
                    .format("%Y-%m-%d")
                    .to_string()
            })
            .unwrap_or_default(),
        ..Default::default()
    };
    Ok(ServicePage {
        ctx,
        d,
        form,
        errors: FieldErrors::new(),
    })
}

async fn act(
    state: &AppState,
    session: &Session,
    staff: &Require<perm::ServicesManage>,
    id: ServiceId,
    action: Action,
    form: ActionForm,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let outcome = state
        .attempt(move |conn| {
            services::act_as_staff(conn, &actor, id, action, &form.reason, &form.seen)
        })
        .await?;
    Ok(after_action(
        session,
        outcome,
        action,
        &format!("/admin/services/{id}"),
    ))
}

pub async fn suspend(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ServicesManage>,
    id: web::Path<ServiceId>,
    form: Form<ActionForm>,
) -> Result<HttpResponse, WebError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    act(&state, &session, &staff, id, Action::Suspend, form).await
}

pub async fn resume(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ServicesManage>,
    id: web::Path<ServiceId>,
    form: Form<ActionForm>,
) -> Result<HttpResponse, WebError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    act(&state, &session, &staff, id, Action::Resume, form).await
}

/// Deleting a service, asked on a page of its own: what goes, and a reason.
#[derive(Template, WebTemplate)]
#[template(path = "admin/services/delete.html")]
pub struct DeletePage {
    pub ctx: PageContext,
    pub d: ServiceDetails,
    pub reason: String,
    pub errors: FieldErrors,
}

/// `GET /admin/services/{id}/delete`: the confirmation.
pub async fn confirm_delete(
    state: web::Data<AppState>,
    staff: Require<perm::ServicesManage>,
    ctx: PageContext,
    id: web::Path<ServiceId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = staff.actor.clone();
    let d = state
        .db(move |conn| services::details(conn, &actor, id))
        .await?;
    if d.row.service.status == crate::db::models::service::DELETED {
        return Ok(page::redirect(&format!("/admin/services/{id}")));
    }
    page::render_with(
        actix_web::http::StatusCode::OK,
        &DeletePage {
            ctx,
            d,
            reason: String::new(),
            errors: FieldErrors::new(),
        },
    )
}

/// `POST /admin/services/{id}/delete`: done, back to the service; refused, the
/// confirmation again with the reason typed and what was wrong.
pub async fn delete(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ServicesManage>,
    ctx: PageContext,
    id: web::Path<ServiceId>,
    form: Form<ActionForm>,
) -> Result<HttpResponse, WebError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let actor = staff.actor.clone();
    let (reason, seen) = (form.reason.clone(), form.seen.clone());
    let outcome = state
        .attempt(move |conn| {
            services::act_as_staff(conn, &actor, id, Action::Delete, &reason, &seen)
        })
        .await?;
    match outcome {
        Outcome::Invalid(errors) => {
            let actor = staff.actor.clone();
            let d = state
                .db(move |conn| services::details(conn, &actor, id))
                .await?;
            page::render_with(
                page::FORM_SHOWN_AGAIN,
                &DeletePage {
                    ctx,
                    d,
                    reason: form.reason,
                    errors,
                },
            )
        }
        done => Ok(after_action(
            &session,
            done,
            Action::Delete,
            &format!("/admin/services/{id}"),
        )),
    }
}

pub async fn auto_renew(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ServicesManage>,
    id: web::Path<ServiceId>,
    form: Form<ActionForm>,
) -> Result<HttpResponse, WebError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let action = Action::AutoRenew(form.on == "1");
    act(&state, &session, &staff, id, action, form).await
}

pub async fn set_paid_until(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ServicesManage>,
    id: web::Path<ServiceId>,
    form: Form<ActionForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let actor = staff.actor.clone();
    let outcome = state
        .attempt(move |conn| {
            services::set_paid_until(conn, &actor, id, &form.paid_until, &form.reason)
        })
        .await?;
    match outcome {
        Outcome::Done(service) => {
            let until = service
                .paid_until
                .map(services::format_at)
                .unwrap_or_default();
            Flash::success(format!("Paid until {until} now.")).set(&session);
        }
        Outcome::Invalid(errors) => flash_errors(&session, &errors),
    }
    Ok(page::redirect(&format!("/admin/services/{id}")))
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/services/order.html")]
pub struct OrderPage {
    pub ctx: PageContext,
    pub client_id: ClientId,
    pub offers: Offers,
    pub form: OrderForm,
    pub errors: FieldErrors,
}

async fn order_page(
    state: &AppState,
    staff: &Require<perm::ServicesOrder>,
    ctx: PageContext,
    client_id: ClientId,
    form: OrderForm,
    errors: FieldErrors,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let offers = state
        .db(move |conn| services::offers_for_staff(conn, &actor, client_id))
        .await?;
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &OrderPage {
            ctx,
            client_id,
            offers,
            form,
            errors,
        },
    )
}

pub async fn new_order(
    state: web::Data<AppState>,
    staff: Require<perm::ServicesOrder>,
    ctx: PageContext,
    id: web::Path<ClientId>,
) -> Result<HttpResponse, WebError> {
    order_page(
        &state,
        &staff,
        ctx,
        id.into_inner(),
        OrderForm::fresh(),
        FieldErrors::new(),
    )
    .await
}

pub async fn order(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::ServicesOrder>,
    ctx: PageContext,
    id: web::Path<ClientId>,
    form: Form<OrderForm>,
) -> Result<HttpResponse, WebError> {
    let client_id = id.into_inner();
    let form = form.into_inner();
    let actor = staff.actor.clone();
    let typed = form.clone();
    let outcome = state
        .attempt(move |conn| services::order_for_client(conn, &actor, client_id, &typed.raw()))
        .await?;
    match outcome {
        Outcome::Done(ordered) => {
            ordered_message(&ordered).set(&session);
            Ok(page::redirect(&format!(
                "/admin/services/{}",
                ordered.service.id
            )))
        }
        Outcome::Invalid(errors) => {
            order_page(
                &state,
                &staff,
                ctx,
                client_id,
                form,
                OrderForm::errors_at_choice(errors),
            )
            .await
        }
    }
}
