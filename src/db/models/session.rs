//! The `sessions` table: one row per sign-in, checked on every request. The cookie holds a
//! random key; the row holds its SHA-256, so the table alone opens no session.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::{Client, Employee, User};
use crate::db::schema::{clients, employees, sessions, users};
use crate::ids::{EmployeeId, PersonId, SessionId, UserId};

#[derive(Debug, Clone, Queryable, Identifiable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: SessionId,
    pub key_hash: String,
    pub employee_id: Option<EmployeeId>,
    pub user_id: Option<UserId>,
    /// The browser's `User-Agent` when it signed in (at most 300 characters).
    pub user_agent: String,
    pub ip: String,
    pub created_at: NaiveDateTime,
    /// Updated at most every few minutes, not at every request.
    pub last_seen_at: NaiveDateTime,
    /// Set when the session was ended: signed out, ended from another session, or every
    /// session of the person ended at once.
    pub ended_at: Option<NaiveDateTime>,
}

/// What every request reads of its session: enough to know it is live and whether to note
/// it was seen (not the key's hash, nor the browser's name).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct LiveSession {
    pub id: SessionId,
    #[diesel(deserialize_as = crate::db::SqlTime)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::SqlTime)]
    pub last_seen_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub key_hash: &'a str,
    pub employee_id: Option<EmployeeId>,
    pub user_id: Option<UserId>,
    pub user_agent: &'a str,
    pub ip: &'a str,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

impl Session {
    pub fn insert(conn: &mut DbConnection, new: &NewSession<'_>) -> QueryResult<Session> {
        diesel::insert_into(sessions::table)
            .values(new)
            .returning(sessions::all_columns)
            .get_result(conn)
    }

    /// The live session with this key, with its employee and whether a policy holds it to
    /// set a second factor up (`domain::two_factor::employee_must_set_up`), in one query:
    /// the read every admin request makes (it replaced reading the employee alone).
    pub fn live_employee(
        conn: &mut DbConnection,
        key_hash: &str,
        employee: EmployeeId,
    ) -> QueryResult<Option<(LiveSession, Employee, bool)>> {
        use crate::db::schema::{department_members, departments, settings, two_factor};
        use diesel::dsl::{exists, not};
        let must_set_up = not(exists(
            two_factor::table
                .filter(two_factor::employee_id.eq(employees::id.nullable()))
                .filter(two_factor::confirmed_at.is_not_null()),
        ))
        .and(
            exists(
                settings::table
                    .filter(settings::key.eq(crate::domain::two_factor::STAFF_POLICY))
                    .filter(settings::value.eq("required")),
            )
            .or(exists(
                department_members::table
                    .inner_join(departments::table)
                    .filter(department_members::employee_id.eq(employees::id))
                    .filter(departments::requires_two_factor.eq(true)),
            )),
        );
        crate::db::on_engine!(conn, |c| sessions::table
            .inner_join(employees::table)
            .filter(sessions::key_hash.eq(key_hash))
            .filter(sessions::employee_id.eq(employee))
            .filter(sessions::ended_at.is_null())
            .select((
                LiveSession::as_select(),
                employees::all_columns,
                must_set_up
            ))
            .first(c)
            .optional())
    }

    /// The live session with this key, with its user and the user's client, in one query.
    pub fn live_user(
        conn: &mut DbConnection,
        key_hash: &str,
        user: UserId,
    ) -> QueryResult<Option<(LiveSession, User, Client)>> {
        crate::db::on_engine!(conn, |c| sessions::table
            .inner_join(users::table.inner_join(clients::table))
            .filter(sessions::key_hash.eq(key_hash))
            .filter(sessions::user_id.eq(user))
            .filter(sessions::ended_at.is_null())
            .select((
                LiveSession::as_select(),
                users::all_columns,
                clients::all_columns,
            ))
            .first(c)
            .optional())
    }

    /// A session of this owner, live or not; another's is `None`.
    pub fn find_of(
        conn: &mut DbConnection,
        owner: PersonId,
        id: SessionId,
    ) -> QueryResult<Option<Session>> {
        let query = sessions::table.filter(sessions::id.eq(id));
        match owner {
            PersonId::Employee(e) => query
                .filter(sessions::employee_id.eq(e))
                .first(conn)
                .optional(),
            PersonId::User(u) => query.filter(sessions::user_id.eq(u)).first(conn).optional(),
        }
    }

    /// The owner's live sessions, newest first.
    pub fn live_of(
        conn: &mut DbConnection,
        owner: PersonId,
        started_after: NaiveDateTime,
    ) -> QueryResult<Vec<Session>> {
        let query = sessions::table
            .filter(sessions::ended_at.is_null())
            .filter(sessions::created_at.gt(started_after))
            .order(sessions::id.desc());
        match owner {
            PersonId::Employee(e) => query.filter(sessions::employee_id.eq(e)).load(conn),
            PersonId::User(u) => query.filter(sessions::user_id.eq(u)).load(conn),
        }
    }

    /// Notes that the session was used just now.
    pub fn touch(conn: &mut DbConnection, id: SessionId, now: NaiveDateTime) -> QueryResult<()> {
        diesel::update(sessions::table.find(id))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)
            .map(|_| ())
    }

    /// Ends one session; whether it was live.
    pub fn end(conn: &mut DbConnection, id: SessionId, now: NaiveDateTime) -> QueryResult<bool> {
        diesel::update(
            sessions::table
                .find(id)
                .filter(sessions::ended_at.is_null()),
        )
        .set(sessions::ended_at.eq(now))
        .execute(conn)
        .map(|n| n > 0)
    }

    /// Ends every live session of the owner but `except`; how many.
    pub fn end_all_of(
        conn: &mut DbConnection,
        owner: PersonId,
        except: Option<SessionId>,
        now: NaiveDateTime,
    ) -> QueryResult<usize> {
        let except = except.map_or(0, |id| id.0);
        let live = sessions::table
            .filter(sessions::ended_at.is_null())
            .filter(sessions::id.ne(except));
        match owner {
            PersonId::Employee(e) => diesel::update(live.filter(sessions::employee_id.eq(e)))
                .set(sessions::ended_at.eq(now))
                .execute(conn),
            PersonId::User(u) => diesel::update(live.filter(sessions::user_id.eq(u)))
                .set(sessions::ended_at.eq(now))
                .execute(conn),
        }
    }

    /// Forgets sessions that ended, or began, before `before` (the housekeeping's pass).
    pub fn forget_before(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
        diesel::delete(
            sessions::table.filter(
                sessions::ended_at
                    .lt(before)
                    .or(sessions::created_at.lt(before)),
            ),
        )
        .execute(conn)
    }
}
