//! `/client`: the client's dashboard.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use crate::domain::dashboard::{self, ClientDashboard};
use crate::domain::money::Money;
use crate::web::identity::ClientUser;
use crate::web::page::PageContext;
use crate::web::{AppState, WebError};

#[derive(Template, WebTemplate)]
#[template(path = "client/dashboard.html")]
pub struct DashboardPage {
    pub ctx: PageContext,
    pub data: ClientDashboard,
}

impl DashboardPage {
    pub fn payment_money(&self, row: &crate::db::models::payment::PaymentRow) -> Money {
        Money::from_minor(row.amount, row.currency_exponent, &row.currency_code)
    }

    pub fn money(&self, minor: &i64, exponent: &i32, currency: &str) -> Money {
        Money::from_minor(*minor, *exponent, currency)
    }
}

pub async fn show(
    state: web::Data<AppState>,
    user: ClientUser,
    ctx: PageContext,
) -> Result<DashboardPage, WebError> {
    let client_id = user.client.id;
    let actor = user.actor;
    let data = state
        .db(move |conn| dashboard::client_dashboard(conn, &actor, client_id))
        .await?;
    Ok(DashboardPage { ctx, data })
}
