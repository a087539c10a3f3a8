//! `/client/messages`: the inbox, with unread markers.

use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use crate::db::models::Message;
use crate::domain::inbox;
use crate::ids::MessageId;
use crate::web::identity::ClientUser;
use crate::web::page::{self, PageContext};
use crate::web::{AppState, WebError};

#[derive(Template, WebTemplate)]
#[template(path = "client/messages/index.html")]
pub struct InboxPage {
    pub ctx: PageContext,
    pub messages: Vec<Message>,
}

#[derive(Template, WebTemplate)]
#[template(path = "client/messages/show.html")]
pub struct MessagePage {
    pub ctx: PageContext,
    pub message: Message,
}

pub async fn index(
    state: web::Data<AppState>,
    user: ClientUser,
    ctx: PageContext,
) -> Result<InboxPage, WebError> {
    let actor = user.actor;
    let messages = state.db(move |conn| inbox::list(conn, &actor)).await?;
    Ok(InboxPage { ctx, messages })
}

pub async fn show(
    state: web::Data<AppState>,
    user: ClientUser,
    ctx: PageContext,
    id: web::Path<MessageId>,
) -> Result<MessagePage, WebError> {
    let id = id.into_inner();
    let actor = user.actor;
    let message = state.db(move |conn| inbox::open(conn, &actor, id)).await?;
    Ok(MessagePage { ctx, message })
}

/// `POST /client/messages/{id}/read`: sent by the message page's script (or its button).
pub async fn mark_read(
    state: web::Data<AppState>,
    user: ClientUser,
    id: web::Path<MessageId>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = user.actor;
    state
        .db(move |conn| inbox::mark_read(conn, &actor, id))
        .await?;
    Ok(page::redirect(&format!("/client/messages/{id}")))
}
