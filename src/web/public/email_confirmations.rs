//! `/email/confirm`: following the link that confirms a user's e-mail address. The link
//! opens a page with a button, and the address is confirmed by pressing it (so a mail
//! scanner that fetches links confirms nothing). Signed in or not, the link works.

use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::domain::email_confirmations::{self, LINK_GONE};
use crate::web::forms::{Form, Outcome};
use crate::web::identity::Visitor;
use crate::web::page::{self, PageContext};
use crate::web::{AppState, WebError};

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    pub token: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "email_confirmations/confirm.html")]
pub struct ConfirmPage {
    pub ctx: PageContext,
    pub token: String,
    /// The address the link confirms; `None` when it no longer works.
    pub email: Option<String>,
    /// The address just confirmed.
    pub confirmed: Option<String>,
    pub gone: &'static str,
}

/// `GET /email/confirm?token=…`.
pub async fn show(
    state: web::Data<AppState>,
    ctx: PageContext,
    query: web::Query<TokenForm>,
) -> Result<ConfirmPage, WebError> {
    let token = query.into_inner().token;
    let lookup = token.clone();
    let email = state
        .db(move |conn| email_confirmations::pending(conn, &lookup))
        .await?;
    Ok(ConfirmPage {
        ctx,
        token,
        email,
        confirmed: None,
        gone: LINK_GONE,
    })
}

/// `POST /email/confirm`.
pub async fn confirm(
    state: web::Data<AppState>,
    ctx: PageContext,
    visitor: Visitor,
    form: Form<TokenForm>,
) -> Result<HttpResponse, WebError> {
    let token = form.into_inner().token;
    let actor = visitor.actor;
    let typed = token.clone();
    let confirmed = match state
        .attempt(move |conn| email_confirmations::confirm(conn, &actor, &typed))
        .await?
    {
        Outcome::Done(email) => Some(email),
        Outcome::Invalid(_) => None,
    };
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &ConfirmPage {
            ctx,
            token,
            email: None,
            confirmed,
            gone: LINK_GONE,
        },
    )
}
