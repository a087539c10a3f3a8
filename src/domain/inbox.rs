//! The client's inbox: messages from the provider, read by any user of the client.

use crate::db::models::Message;
use crate::db::{self, DbConnection};
use crate::domain::{Actor, DomainError};
use crate::ids::MessageId;

pub fn list(conn: &mut DbConnection, actor: &Actor) -> Result<Vec<Message>, DomainError> {
    let client_id = actor.acting_client().ok_or(DomainError::Forbidden)?;
    Ok(Message::of_client(conn, client_id, 200)?)
}

pub fn unread(conn: &mut DbConnection, actor: &Actor) -> Result<i64, DomainError> {
    let client_id = actor.acting_client().ok_or(DomainError::Forbidden)?;
    Ok(Message::count_unread(conn, client_id)?)
}

/// A message of the actor's client; another client's is `NotFound`. Opening it changes
/// nothing: a page read by GET can be fetched by any site the client visits.
pub fn open(conn: &mut DbConnection, actor: &Actor, id: MessageId) -> Result<Message, DomainError> {
    let client_id = actor.acting_client().ok_or(DomainError::Forbidden)?;
    Message::find_of_client(conn, client_id, id)?.ok_or(DomainError::NotFound)
}

/// Marks a message of the actor's client read (the message page asks for it with a POST
/// carrying the form token), unless an employee working as the client opened it: the
/// client has not read it.
pub fn mark_read(conn: &mut DbConnection, actor: &Actor, id: MessageId) -> Result<(), DomainError> {
    let message = open(conn, actor, id)?;
    if message.read_at.is_none() && !actor.is_impersonating() {
        db::write_transaction(conn, |conn| Message::mark_read(conn, id, db::now()))?;
    }
    Ok(())
}

/// What is new for a client: unread messages, and tickets with a staff reply not seen yet.
#[derive(Debug, Clone, Copy, Default)]
pub struct News {
    pub unread_messages: i64,
    pub unseen_replies: i64,
}

pub fn news(conn: &mut DbConnection, client_id: crate::ids::ClientId) -> Result<News, DomainError> {
    Ok(News {
        unread_messages: Message::count_unread(conn, client_id)?,
        unseen_replies: crate::domain::tickets::unread_for_client(conn, client_id)?,
    })
}
