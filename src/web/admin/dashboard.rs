//! `/admin`: the admin dashboard.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use crate::domain::dashboard::{self, AdminDashboard};
use crate::web::identity::Staff;
use crate::web::page::PageContext;
use crate::web::{AppState, WebError};

#[derive(Template, WebTemplate)]
#[template(path = "admin/dashboard.html")]
pub struct DashboardPage {
    pub ctx: PageContext,
    pub data: AdminDashboard,
}

pub async fn show(
    state: web::Data<AppState>,
    staff: Staff,
    ctx: PageContext,
) -> Result<DashboardPage, WebError> {
    let actor = staff.actor;
    let data = state
        .db(move |conn| dashboard::admin_dashboard(conn, &actor))
        .await?;
    Ok(DashboardPage { ctx, data })
}
