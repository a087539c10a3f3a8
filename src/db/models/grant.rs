//! The `employee_grants` and `department_grants` tables: permission keys granted to an
//! employee personally or to a department.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{department_grants, department_members, employee_grants};
use crate::ids::{DepartmentId, EmployeeId};

/// Queries over both grant tables.
pub struct Grant;

impl Grant {
    /// The keys granted to the employee personally.
    pub fn of_employee(
        conn: &mut DbConnection,
        employee_id: EmployeeId,
    ) -> QueryResult<Vec<String>> {
        employee_grants::table
            .filter(employee_grants::employee_id.eq(employee_id))
            .select(employee_grants::permission)
            .order(employee_grants::permission)
            .load(conn)
    }

    /// The keys granted to a department.
    pub fn of_department(
        conn: &mut DbConnection,
        department_id: DepartmentId,
    ) -> QueryResult<Vec<String>> {
        department_grants::table
            .filter(department_grants::department_id.eq(department_id))
            .select(department_grants::permission)
            .order(department_grants::permission)
            .load(conn)
    }

    /// The keys granted through the departments the employee belongs to.
    pub fn through_departments(
        conn: &mut DbConnection,
        employee_id: EmployeeId,
    ) -> QueryResult<Vec<String>> {
        department_grants::table
            .inner_join(
                department_members::table
                    .on(department_members::department_id.eq(department_grants::department_id)),
            )
            .filter(department_members::employee_id.eq(employee_id))
            .select(department_grants::permission)
            .distinct()
            .load(conn)
    }

    /// Personal grants and department grants together.
    pub fn effective_keys(
        conn: &mut DbConnection,
        employee_id: EmployeeId,
    ) -> QueryResult<Vec<String>> {
        let mut keys = Self::of_employee(conn, employee_id)?;
        keys.extend(Self::through_departments(conn, employee_id)?);
        keys.sort();
        keys.dedup();
        Ok(keys)
    }

    /// Replaces the employee's personal grants.
    pub fn set_for_employee(
        conn: &mut DbConnection,
        employee_id: EmployeeId,
        keys: &[&str],
    ) -> QueryResult<()> {
        diesel::delete(employee_grants::table.filter(employee_grants::employee_id.eq(employee_id)))
            .execute(conn)?;
        for key in keys {
            diesel::insert_into(employee_grants::table)
                .values((
                    employee_grants::employee_id.eq(employee_id),
                    employee_grants::permission.eq(*key),
                ))
                .execute(conn)?;
        }
        Ok(())
    }

    /// Replaces the department's grants.
    pub fn set_for_department(
        conn: &mut DbConnection,
        department_id: DepartmentId,
        keys: &[&str],
    ) -> QueryResult<()> {
        diesel::delete(
            department_grants::table.filter(department_grants::department_id.eq(department_id)),
        )
        .execute(conn)?;
        for key in keys {
            diesel::insert_into(department_grants::table)
                .values((
                    department_grants::department_id.eq(department_id),
                    department_grants::permission.eq(*key),
                ))
                .execute(conn)?;
        }
        Ok(())
    }
}
