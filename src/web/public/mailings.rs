//! `/mailings/unsubscribe`: the link every mailing carries. Opened, it shows a page with a
//! button; a mail program's unsubscribe button posts to it directly (RFC 8058, without a
//! CSRF token: the link's own token, an HMAC of the client's id, is what proves it).

use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::domain::mail::mailings;
use crate::web::forms::Form;
use crate::web::identity::Visitor;
use crate::web::page::{self, PageContext};
use crate::web::{AppState, WebError};

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct LinkQuery {
    pub client: String,
    pub token: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "mailings/unsubscribe.html")]
pub struct UnsubscribePage {
    pub ctx: PageContext,
    pub link: LinkQuery,
    /// The address mailings go to, while the link is right.
    pub email: Option<String>,
    pub done: bool,
}

/// `GET /mailings/unsubscribe?client=…&token=…`.
pub async fn show(
    state: web::Data<AppState>,
    ctx: PageContext,
    query: web::Query<LinkQuery>,
) -> Result<UnsubscribePage, WebError> {
    let link = query.into_inner();
    let key = state.config.secret_key.clone();
    let typed = link.clone();
    let email = state
        .db(move |conn| mailings::unsubscribing(conn, &key, &typed.client, &typed.token))
        .await?
        .map(|(_, email)| email);
    Ok(UnsubscribePage {
        ctx,
        link,
        email,
        done: false,
    })
}

/// `POST /mailings/unsubscribe`: from the page's button (the link in the form) or from a
/// mail program (the link in the address).
pub async fn unsubscribe(
    state: web::Data<AppState>,
    ctx: PageContext,
    visitor: Visitor,
    query: web::Query<LinkQuery>,
    form: Form<LinkQuery>,
) -> Result<HttpResponse, WebError> {
    let query = query.into_inner();
    let link = if query.client.is_empty() {
        form.into_inner()
    } else {
        query
    };
    let key = state.config.secret_key.clone();
    let actor = visitor.actor;
    let typed = link.clone();
    let email = state
        .db(move |conn| mailings::unsubscribe(conn, &actor, &key, &typed.client, &typed.token))
        .await?;
    let status = if email.is_some() {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::NOT_FOUND
    };
    page::render_with(
        status,
        &UnsubscribePage {
            ctx,
            link,
            done: email.is_some(),
            email,
        },
    )
}
