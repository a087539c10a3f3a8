//! The `employees` table: staff who sign in to the admin area.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::InIdsExt;
use crate::db::schema::employees;
use crate::ids::EmployeeId;

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = employees)]
pub struct Employee {
    pub id: EmployeeId,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub enabled: bool,
    pub is_superuser: bool,
    /// No longer read: sessions are rows of their own (`sessions`), ended there.
    pub session_version: i64,
    #[diesel(deserialize_as = crate::db::SqlTime)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::SqlTimeOrNull)]
    pub last_sign_in_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = employees)]
pub struct NewEmployee<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub enabled: bool,
    pub is_superuser: bool,
    pub created_at: NaiveDateTime,
}

/// Fields an update may change; `None` leaves a field as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = employees)]
pub struct EmployeeChanges<'a> {
    pub email: Option<&'a str>,
    pub name: Option<&'a str>,
    pub password_hash: Option<&'a str>,
    pub enabled: Option<bool>,
    pub is_superuser: Option<bool>,
}

impl Employee {
    /// Applies `changes` (ending sessions is the caller's: `Session::end_all_of`).
    pub fn update(
        conn: &mut DbConnection,
        id: EmployeeId,
        changes: &EmployeeChanges<'_>,
    ) -> QueryResult<Employee> {
        diesel::update(employees::table.find(id))
            .set(changes)
            .returning(employees::all_columns)
            .get_result(conn)
    }

    /// Enabled administrators other than `except`.
    pub fn count_other_enabled_superusers(
        conn: &mut DbConnection,
        except: EmployeeId,
    ) -> QueryResult<i64> {
        employees::table
            .filter(employees::is_superuser.eq(true))
            .filter(employees::enabled.eq(true))
            .filter(employees::id.ne(except))
            .count()
            .get_result(conn)
    }

    pub fn find(conn: &mut DbConnection, id: EmployeeId) -> QueryResult<Option<Employee>> {
        crate::db::on_engine!(conn, |c| employees::table.find(id).first(c).optional())
    }

    pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<Employee>> {
        employees::table
            .filter(employees::email.eq(email))
            .first(conn)
            .optional()
    }

    /// Every employee, by name.
    /// The names of these employees, for a page that says who did something.
    pub fn names_of(
        conn: &mut DbConnection,
        ids: &[EmployeeId],
    ) -> QueryResult<Vec<(EmployeeId, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        crate::db::on_engine!(conn, |c| employees::table
            .filter(employees::id.in_ids(ids.iter().copied()))
            .select((employees::id, employees::name))
            .load(c))
    }

    pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Employee>> {
        crate::db::on_engine!(conn, |c| employees::table
            .order((employees::name, employees::id))
            .load(c))
    }

    pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
        employees::table.count().get_result(conn)
    }

    pub fn insert(conn: &mut DbConnection, new: &NewEmployee<'_>) -> QueryResult<Employee> {
        diesel::insert_into(employees::table)
            .values(new)
            .returning(employees::all_columns)
            .get_result(conn)
    }

    pub fn record_sign_in(
        conn: &mut DbConnection,
        id: EmployeeId,
        at: NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::update(employees::table.find(id))
            .set(employees::last_sign_in_at.eq(at))
            .execute(conn)
            .map(|_| ())
    }
}
