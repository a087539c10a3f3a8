//! The `departments` table and its members: units of employees that receive tickets and
//! carry permission grants.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{department_members, departments};
use crate::ids::{DepartmentId, EmployeeId};

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = departments)]
pub struct Department {
    pub id: DepartmentId,
    pub name: String,
    /// Offered to clients when they open a ticket.
    pub shown_in_support: bool,
    /// `mon=09:00-18:00;...;sun=` (empty: closed); see `domain::departments::BusinessHours`.
    pub business_hours: String,
    /// IANA zone the business hours are read in.
    pub time_zone: String,
    pub created_at: NaiveDateTime,
    /// Expected first response, in business hours; a ticket waiting longer is overdue.
    pub response_hours: i32,
    /// Members must sign in with a second factor.
    pub requires_two_factor: bool,
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = departments)]
pub struct DepartmentFields<'a> {
    pub name: &'a str,
    pub shown_in_support: bool,
    pub business_hours: &'a str,
    pub time_zone: &'a str,
    pub response_hours: i32,
    pub requires_two_factor: bool,
}

impl Department {
    pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Department>> {
        crate::db::on_engine!(conn, |c| departments::table
            .order((departments::name, departments::id))
            .load(c))
    }

    pub fn find(conn: &mut DbConnection, id: DepartmentId) -> QueryResult<Option<Department>> {
        departments::table.find(id).first(conn).optional()
    }

    pub fn find_by_name(conn: &mut DbConnection, name: &str) -> QueryResult<Option<Department>> {
        departments::table
            .filter(departments::name.eq(name))
            .first(conn)
            .optional()
    }

    pub fn insert(
        conn: &mut DbConnection,
        fields: &DepartmentFields<'_>,
        now: NaiveDateTime,
    ) -> QueryResult<Department> {
        diesel::insert_into(departments::table)
            .values((fields, departments::created_at.eq(now)))
            .returning(departments::all_columns)
            .get_result(conn)
    }

    pub fn update(
        conn: &mut DbConnection,
        id: DepartmentId,
        fields: &DepartmentFields<'_>,
    ) -> QueryResult<Department> {
        diesel::update(departments::table.find(id))
            .set(fields)
            .returning(departments::all_columns)
            .get_result(conn)
    }

    /// Every (department, employee) membership.
    pub fn all_members(conn: &mut DbConnection) -> QueryResult<Vec<(DepartmentId, EmployeeId)>> {
        department_members::table
            .select((
                department_members::department_id,
                department_members::employee_id,
            ))
            .load(conn)
    }

    pub fn member_ids(conn: &mut DbConnection, id: DepartmentId) -> QueryResult<Vec<EmployeeId>> {
        department_members::table
            .filter(department_members::department_id.eq(id))
            .select(department_members::employee_id)
            .load(conn)
    }

    pub fn ids_of_employee(
        conn: &mut DbConnection,
        employee_id: EmployeeId,
    ) -> QueryResult<Vec<DepartmentId>> {
        department_members::table
            .filter(department_members::employee_id.eq(employee_id))
            .select(department_members::department_id)
            .load(conn)
    }

    pub fn set_members(
        conn: &mut DbConnection,
        id: DepartmentId,
        members: &[EmployeeId],
    ) -> QueryResult<()> {
        diesel::delete(department_members::table.filter(department_members::department_id.eq(id)))
            .execute(conn)?;
        for employee_id in members {
            diesel::insert_into(department_members::table)
                .values((
                    department_members::department_id.eq(id),
                    department_members::employee_id.eq(*employee_id),
                ))
                .execute(conn)?;
        }
        Ok(())
    }

    pub fn set_departments_of(
        conn: &mut DbConnection,
        employee_id: EmployeeId,
        ids: &[DepartmentId],
    ) -> QueryResult<()> {
        diesel::delete(
            department_members::table.filter(department_members::employee_id.eq(employee_id)),
        )
        .execute(conn)?;
        for id in ids {
            diesel::insert_into(department_members::table)
                .values((
                    department_members::department_id.eq(*id),
                    department_members::employee_id.eq(employee_id),
                ))
                .execute(conn)?;
        }
        Ok(())
    }
}
