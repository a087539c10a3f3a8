//! `/client/impersonation`: where an employee working as a client returns to the admin area.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use crate::domain::impersonation;
use crate::web::identity::{self, ClientUser};
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

#[derive(Template, WebTemplate)]
#[template(path = "client/impersonation/show.html")]
pub struct ImpersonationPage {
    pub ctx: PageContext,
}

/// Admin pages send an employee working as a client here; a client user has nothing to
/// return to and goes to its dashboard.
pub async fn show(user: ClientUser, ctx: PageContext) -> Result<HttpResponse, WebError> {
    if !user.actor.is_impersonating() {
        return Ok(page::redirect("/client"));
    }
    page::render_with(actix_web::http::StatusCode::OK, &ImpersonationPage { ctx })
}

/// The return button: back to the client's card in the admin area.
pub async fn stop(
    state: web::Data<AppState>,
    session: Session,
    user: ClientUser,
) -> Result<HttpResponse, WebError> {
    if !user.actor.is_impersonating() {
        return Ok(page::redirect("/client"));
    }
    let actor = user.actor;
    let client_id = state
        .db(move |conn| impersonation::stop(conn, &actor, "returned"))
        .await?;
    identity::stop_impersonation(&session);
    Flash::success("You are back in the admin area.").set(&session);
    Ok(page::redirect(&format!("/admin/clients/{client_id}")))
}
