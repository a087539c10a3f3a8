//! The `mailings` table: mass mailings to clients, and the clients each one reaches.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::DbConnection;
use crate::db::schema::mailings;
use crate::ids::{ClientGroupId, ClientId, EmployeeId, MailingId, ProviderId};

pub const QUEUING: &str = "queuing";
pub const QUEUED: &str = "queued";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = mailings)]
pub struct Mailing {
    pub id: MailingId,
    pub subject: String,
    pub body: String,
    /// The groups it targets, as comma-separated ids; "" for no group condition.
    pub group_ids: String,
    pub provider_id: Option<ProviderId>,
    /// `active`, `not_active`, or "" for either.
    pub state: String,
    pub status: String,
    /// The last client queued (clients are queued in id order).
    pub queued_up_to: i64,
    pub recipients: i64,
    pub created_by: Option<EmployeeId>,
    pub created_at: NaiveDateTime,
    pub queued_at: Option<NaiveDateTime>,
    /// Its messages sent, and failed for good: kept by the trigger `outbox_mailing_outcomes`
    /// in the statement that changes a message's status.
    pub sent: i64,
    pub failed: i64,
}

impl Mailing {
    /// Queued to the end and nothing waiting.
    pub fn done(&self) -> bool {
        self.status != QUEUING && self.progress().waiting == 0
    }

    /// What became of its messages so far.
    pub fn progress(&self) -> Progress {
        Progress {
            waiting: (self.recipients - self.sent - self.failed).max(0),
            sent: self.sent,
            failed: self.failed,
        }
    }

    pub fn target(&self) -> Target {
        Target {
            groups: self
                .group_ids
                .split(',')
                .filter_map(|id| id.trim().parse().ok().map(ClientGroupId))
                .collect(),
            provider: self.provider_id,
            active: match self.state.as_str() {
                "active" => Some(true),
                "not_active" => Some(false),
                _ => None,
            },
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = mailings)]
pub struct NewMailing<'a> {
    pub subject: &'a str,
    pub body: &'a str,
    pub group_ids: &'a str,
    pub provider_id: Option<ProviderId>,
    pub state: &'a str,
    pub created_by: Option<EmployeeId>,
    pub created_at: NaiveDateTime,
}

/// Which clients a mailing reaches: enabled clients who receive mailings, with an owner,
/// and then in any of `groups` (when there are some), with an account at `provider`, and
/// Active (with an active service) or not, as far as each is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    pub groups: Vec<ClientGroupId>,
    pub provider: Option<ProviderId>,
    pub active: Option<bool>,
}

impl Target {
    /// The conditions after `FROM clients c JOIN users u …`. Only integers go into the text.
    fn conditions(&self) -> String {
        let mut sql = String::from("c.enabled = TRUE AND c.receives_mailings = TRUE");
        if !self.groups.is_empty() {
            let ids: Vec<String> = self.groups.iter().map(|g| g.0.to_string()).collect();
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM client_group_members m \
                 WHERE m.client_id = c.id AND m.client_group_id IN ({}))",
                ids.join(", ")
            ));
        }
        if let Some(provider) = self.provider {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM accounts a \
                 WHERE a.client_id = c.id AND a.provider_id = {provider})"
            ));
        }
        if let Some(active) = self.active {
            sql.push_str(&format!(
                " AND {}EXISTS (SELECT 1 FROM services s \
                 WHERE s.client_id = c.id AND s.status = 'active')",
                if active { "" } else { "NOT " }
            ));
        }
        sql
    }
}

const FROM: &str = "FROM clients c JOIN users u ON u.client_id = c.id AND u.is_owner = TRUE";

/// A client a mailing goes to.
#[derive(Debug, Clone, QueryableByName)]
pub struct Recipient {
    #[diesel(sql_type = BigInt)]
    pub client_id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub language: String,
}

impl Recipient {
    pub fn client(&self) -> ClientId {
        ClientId(self.client_id)
    }
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// What became of a mailing's messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    pub waiting: i64,
    pub sent: i64,
    pub failed: i64,
}

impl Mailing {
    pub fn insert(conn: &mut DbConnection, new: &NewMailing<'_>) -> QueryResult<Mailing> {
        crate::db::on_engine!(conn, |c| diesel::insert_into(mailings::table)
            .values(new)
            .returning(mailings::all_columns)
            .get_result(c))
    }

    pub fn find(conn: &mut DbConnection, id: MailingId) -> QueryResult<Option<Mailing>> {
        mailings::table
            .find(id)
            .select(Mailing::as_select())
            .first(conn)
            .optional()
    }

    /// The newest mailings first, those before mailing `before` when given.
    pub fn newest(
        conn: &mut DbConnection,
        before: Option<MailingId>,
        limit: i64,
    ) -> QueryResult<Vec<Mailing>> {
        let mut query = mailings::table
            .order(mailings::id.desc())
            .limit(limit)
            .select(Mailing::as_select())
            .into_boxed();
        if let Some(before) = before {
            query = query.filter(mailings::id.lt(before));
        }
        query.load(conn)
    }

    /// Mailings not queued to the end yet (a server stopped while queuing one).
    pub fn unfinished(conn: &mut DbConnection) -> QueryResult<Vec<MailingId>> {
        mailings::table
            .filter(mailings::status.eq(QUEUING))
            .order(mailings::id)
            .select(mailings::id)
            .load(conn)
    }

    /// How many clients `target` reaches now.
    pub fn count(conn: &mut DbConnection, target: &Target) -> QueryResult<i64> {
        diesel::sql_query(format!(
            "SELECT COUNT(*) AS n {FROM} WHERE {}",
            target.conditions()
        ))
        .get_result::<Counted>(conn)
        .map(|c| c.n)
    }

    /// The next clients `target` reaches after client `after`, in id order.
    pub fn recipients_after(
        conn: &mut DbConnection,
        target: &Target,
        after: i64,
        limit: i64,
    ) -> QueryResult<Vec<Recipient>> {
        diesel::sql_query(format!(
            "SELECT c.id AS client_id, c.name AS name, u.email AS email, c.language AS language \
             {FROM} WHERE {} AND c.id > {after} ORDER BY c.id LIMIT {limit}",
            target.conditions()
        ))
        .load(conn)
    }

    /// Moves the mailing on from client `from` to client `to`, having queued `queued` more:
    /// false when someone moved it first (then this chunk must not be written).
    pub fn advance(
        conn: &mut DbConnection,
        id: MailingId,
        from: i64,
        to: i64,
        queued: i64,
    ) -> QueryResult<bool> {
        diesel::update(
            mailings::table
                .find(id)
                .filter(mailings::queued_up_to.eq(from))
                .filter(mailings::status.eq(QUEUING)),
        )
        .set((
            mailings::queued_up_to.eq(to),
            mailings::recipients.eq(mailings::recipients + queued),
        ))
        .execute(conn)
        .map(|n| n == 1)
    }

    /// Every recipient is queued.
    pub fn finish(conn: &mut DbConnection, id: MailingId, at: NaiveDateTime) -> QueryResult<()> {
        diesel::update(
            mailings::table
                .find(id)
                .filter(mailings::status.eq(QUEUING)),
        )
        .set((mailings::status.eq(QUEUED), mailings::queued_at.eq(at)))
        .execute(conn)
        .map(|_| ())
    }
}
