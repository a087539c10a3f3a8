//! Departments: name, whether clients may address tickets to it, business hours per
//! weekday, members, and the permissions its members get.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;

use crate::db::models::{Department, DepartmentFields, Employee, Grant};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Changes, Target};
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError, FieldErrors, text};
use crate::ids::{DepartmentId, EmployeeId};

pub const WEEKDAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

/// Opening hours for each weekday, in minutes from midnight (end up to 24:00); `None` is
/// closed. Stored as `mon=09:00-18:00;tue=...;sun=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BusinessHours {
    pub days: [Option<(u16, u16)>; 7],
}

fn parse_time(raw: &str) -> Option<u16> {
    let (h, m) = raw.trim().split_once(':')?;
    let digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || !digits(m) {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let minutes = h * 60 + m;
    (m < 60 && minutes <= 24 * 60).then_some(minutes)
}

fn format_time(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

impl BusinessHours {
    /// Reads the stored form; days missing or unreadable are closed.
    pub fn from_stored(stored: &str) -> Self {
        let mut hours = Self::default();
        for part in stored.split(';') {
            let Some((day, span)) = part.split_once('=') else {
                continue;
            };
            let Some(index) = WEEKDAYS.iter().position(|(key, _)| *key == day.trim()) else {
                continue;
            };
            if let Some((from, to)) = span.split_once('-')
                && let (Some(from), Some(to)) = (parse_time(from), parse_time(to))
                && from < to
            {
                hours.days[index] = Some((from, to));
            }
        }
        hours
    }

    pub fn to_stored(&self) -> String {
        WEEKDAYS
            .iter()
            .zip(self.days)
            .map(|((key, _), day)| match day {
                Some((from, to)) => format!("{key}={}-{}", format_time(from), format_time(to)),
                None => format!("{key}="),
            })
            .collect::<Vec<_>>()
            .join(";")
    }

    /// From the form: per day an "open" switch and two times. Errors name the day's field.
    pub fn parse(days: &[(bool, &str, &str); 7]) -> Result<Self, FieldErrors> {
        let mut hours = Self::default();
        let mut errors = FieldErrors::new();
        for (i, (open, from, to)) in days.iter().enumerate() {
            if !open {
                continue;
            }
            let field = format!("hours_{}", WEEKDAYS[i].0);
            match (parse_time(from), parse_time(to)) {
                (Some(from), Some(to)) if from < to => hours.days[i] = Some((from, to)),
                (Some(_), Some(_)) => errors.add(&field, "The day must end after it starts."),
                _ => errors.add(&field, "Enter times as HH:MM, from 00:00 to 24:00."),
            }
        }
        if errors.is_empty() {
            Ok(hours)
        } else {
            Err(errors)
        }
    }

    /// "09:00–18:00" or "closed", for a weekday index.
    pub fn describe(&self, day: usize) -> String {
        match self.days.get(day).copied().flatten() {
            Some((from, to)) => format!("{}–{}", format_time(from), format_time(to)),
            None => "closed".into(),
        }
    }

    /// The opening and closing time of a weekday as HH:MM, for the form.
    pub fn times(&self, day: usize) -> (String, String) {
        match self.days.get(day).copied().flatten() {
            Some((from, to)) => (format_time(from), format_time(to)),
            None => ("09:00".into(), "18:00".into()),
        }
    }

    /// The week in words: "Mon–Fri 09:00–18:00, Sat–Sun closed", "24/7", with days of the
    /// same hours run together.
    pub fn summary(&self) -> String {
        const SHORT: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        if self.days.iter().all(|d| *d == Some((0, 24 * 60))) {
            return "24/7".into();
        }
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for day in 0..7 {
            match runs.last_mut() {
                Some((_, end)) if self.days[*end] == self.days[day] => *end = day,
                _ => runs.push((day, day)),
            }
        }
        runs.iter()
            .map(|(start, end)| {
                let days = if start == end {
                    SHORT[*start].to_owned()
                } else {
                    format!("{}–{}", SHORT[*start], SHORT[*end])
                };
                format!("{days} {}", self.describe(*start))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Business time between two UTC instants, in minutes: only the parts of `[from, to)` that
/// fall inside `hours`, read in the time zone `tz` (so a department in Moscow counts Moscow
/// hours, across daylight-saving changes). Spans longer than a year count the first year.
pub fn business_minutes(
    hours: &BusinessHours,
    tz: chrono_tz::Tz,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> i64 {
    use chrono::{Datelike, Duration, TimeZone, Utc};
    if to <= from {
        return 0;
    }
    let from = Utc.from_utc_datetime(&from);
    let to = Utc.from_utc_datetime(&to);
    // A local wall-clock time as an instant; in a spring-forward gap, the first valid one.
    let instant = |date: chrono::NaiveDate, minutes: u16| {
        let local =
            date.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::minutes(minutes.into());
        tz.from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                tz.from_local_datetime(&(local + Duration::hours(1)))
                    .earliest()
            })
            .map(|t| t.with_timezone(&Utc))
    };
    let mut seconds = 0;
    let mut date = from.with_timezone(&tz).date_naive();
    let last = to.with_timezone(&tz).date_naive();
    for _ in 0..=366 {
        if date > last {
            break;
        }
        if let Some((open, close)) = hours.days[date.weekday().num_days_from_monday() as usize]
            && let (Some(open), Some(close)) = (instant(date, open), instant(date, close))
        {
            let start = open.max(from);
            let end = close.min(to);
            if end > start {
                seconds += (end - start).num_seconds();
            }
        }
        match date.succ_opt() {
            Some(next) => date = next,
            None => break,
        }
    }
    seconds / 60
}

/// A checked department.
#[derive(Debug, Clone)]
pub struct DepartmentInput {
    pub name: String,
    pub shown_in_support: bool,
    pub hours: BusinessHours,
    pub time_zone: chrono_tz::Tz,
    /// Expected first response, in business hours.
    pub response_hours: i32,
    pub member_ids: Vec<EmployeeId>,
    /// Members must sign in with a second factor (changed only with staff.security).
    pub requires_two_factor: bool,
}

impl DepartmentInput {
    pub fn parse(
        name: &str,
        shown_in_support: bool,
        days: &[(bool, &str, &str); 7],
        time_zone: &str,
        response_hours: &str,
        member_ids: &[String],
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let response_hours = response_hours
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|h| (1..=720).contains(h))
            .ok_or_else(|| {
                errors.add(
                    "response_hours",
                    "A whole number of business hours, from 1 to 720.",
                )
            })
            .ok();
        let time_zone = time_zone
            .trim()
            .parse::<chrono_tz::Tz>()
            .map_err(|_| {
                errors.add(
                    "time_zone",
                    "Choose a time zone from the list, like Europe/Moscow or UTC.",
                )
            })
            .ok();
        let name = text::required(name, 100, "Enter the department's name.")
            .map_err(|m| errors.add("name", m))
            .ok();
        let hours = BusinessHours::parse(days)
            .map_err(|e| {
                for (field, message) in e.iter() {
                    errors.add(field, message.clone());
                }
            })
            .ok();
        let mut members = Vec::new();
        for raw in member_ids {
            match raw.parse() {
                Ok(id) => members.push(id),
                Err(_) => errors.add("member_ids", "Choose employees from the list."),
            }
        }
        members.sort();
        members.dedup();
        match (name, hours, time_zone, response_hours) {
            (Some(name), Some(hours), Some(time_zone), Some(response_hours))
                if errors.is_empty() =>
            {
                Ok(Self {
                    name,
                    shown_in_support,
                    hours,
                    time_zone,
                    response_hours,
                    member_ids: members,
                    requires_two_factor: false,
                })
            }
            _ => Err(errors),
        }
    }
}

/// A department as lists show it.
pub struct DepartmentRow {
    pub department: Department,
    pub hours: BusinessHours,
    pub member_names: Vec<String>,
}

pub fn list(conn: &mut DbConnection, actor: &Actor) -> Result<Vec<DepartmentRow>, DomainError> {
    require(actor, permissions::STAFF_VIEW)?;
    let employees = Employee::all(conn)?;
    let members = Department::all_members(conn)?;
    Ok(Department::all(conn)?
        .into_iter()
        .map(|department| {
            let member_names = members
                .iter()
                .filter(|(d, _)| *d == department.id)
                .filter_map(|(_, e)| {
                    employees
                        .iter()
                        .find(|x| x.id == *e)
                        .map(|x| x.name.clone())
                })
                .collect();
            DepartmentRow {
                hours: BusinessHours::from_stored(&department.business_hours),
                department,
                member_names,
            }
        })
        .collect())
}

/// A department with its members' ids, and every employee (for the members' form).
pub struct DepartmentDetails {
    pub department: Department,
    pub member_ids: Vec<EmployeeId>,
    pub grants: Vec<String>,
}

pub fn get(
    conn: &mut DbConnection,
    actor: &Actor,
    id: DepartmentId,
) -> Result<DepartmentDetails, DomainError> {
    require(actor, permissions::STAFF_VIEW)?;
    let department = Department::find(conn, id)?.ok_or(DomainError::NotFound)?;
    Ok(DepartmentDetails {
        member_ids: Department::member_ids(conn, id)?,
        grants: Grant::of_department(conn, id)?,
        department,
    })
}

/// Every employee, for choosing members.
pub fn employee_choices(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<Vec<Employee>, DomainError> {
    require(actor, permissions::STAFF_VIEW)?;
    Ok(Employee::all(conn)?)
}

pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &DepartmentInput,
) -> Result<Department, DomainError> {
    require(actor, permissions::STAFF_EDIT)?;
    if input.requires_two_factor {
        check_two_factor_policy(actor)?;
    }
    db::write_transaction(conn, |conn| {
        check(conn, input, None)?;
        let stored = input.hours.to_stored();
        let fields = DepartmentFields {
            name: &input.name,
            shown_in_support: input.shown_in_support,
            business_hours: &stored,
            time_zone: input.time_zone.name(),
            response_hours: input.response_hours,
            requires_two_factor: input.requires_two_factor,
        };
        let department = Department::insert(conn, &fields, db::now()).map_err(name_taken)?;
        Department::set_members(conn, department.id, &input.member_ids)?;
        let mut changes = Changes::new();
        changes
            .set("name", &department.name)
            .set("shown in support", department.shown_in_support)
            .set("hours", input.hours.summary())
            .set("time zone", &department.time_zone)
            .set("members", names(conn, &input.member_ids)?);
        audit::record(
            conn,
            actor,
            "department.create",
            Target::new("department", department.id),
            &changes.summary(),
        )?;
        Ok(department)
    })
}

pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    id: DepartmentId,
    input: &DepartmentInput,
) -> Result<Department, DomainError> {
    require(actor, permissions::STAFF_EDIT)?;
    db::write_transaction(conn, |conn| {
        db::lock(conn, db::LockKey::StaffChanges)?;
        let before = Department::find(conn, id)?.ok_or(DomainError::NotFound)?;
        check(conn, input, Some(&before))?;
        let members_before = Department::member_ids(conn, id)?;
        // Adding people to a department hands them its permissions: only someone holding
        // all of them may do that.
        if members_before != input.member_ids {
            ensure_can_hand_out(actor, &Grant::of_department(conn, id)?).map_err(|_| {
                DomainError::invalid(
                    "member_ids",
                    "Members get this department's permissions: only someone holding all of them can change who is in it.",
                )
            })?;
        }
        // Members also read the department's tickets: only someone who reads them already
        // may add people to it (themselves included).
        if input.member_ids.iter().any(|m| !members_before.contains(m)) {
            ensure_ticket_scope(conn, actor, &[id]).map_err(|_| {
                DomainError::invalid(
                    "member_ids",
                    "Members read this department's tickets: only someone who reads them already (a member, or with “See and handle the tickets of every department”) can add people to it.",
                )
            })?;
        }
        if input.requires_two_factor != before.requires_two_factor {
            check_two_factor_policy(actor)?;
        }
        let stored = input.hours.to_stored();
        let fields = DepartmentFields {
            name: &input.name,
            shown_in_support: input.shown_in_support,
            business_hours: &stored,
            time_zone: input.time_zone.name(),
            response_hours: input.response_hours,
            requires_two_factor: input.requires_two_factor,
        };
        let after = Department::update(conn, id, &fields).map_err(name_taken)?;
        Department::set_members(conn, id, &input.member_ids)?;
        let mut changes = Changes::new();
        changes
            .field("name", &before.name, &after.name)
            .field(
                "shown in support",
                before.shown_in_support,
                after.shown_in_support,
            )
            .field(
                "hours",
                BusinessHours::from_stored(&before.business_hours).summary(),
                input.hours.summary(),
            )
            .field("time zone", &before.time_zone, &after.time_zone)
            .field(
                "response hours",
                before.response_hours,
                after.response_hours,
            )
            .field(
                "requires two-factor sign-in",
                before.requires_two_factor,
                after.requires_two_factor,
            )
            .field(
                "members",
                names(conn, &members_before)?,
                names(conn, &input.member_ids)?,
            );
        if !changes.is_empty() {
            audit::record(
                conn,
                actor,
                "department.update",
                Target::new("department", id),
                &changes.summary(),
            )?;
        }
        Ok(after)
    })
}

/// Replaces the department's grants with `keys` (registry keys; others are refused).
pub fn set_grants(
    conn: &mut DbConnection,
    actor: &Actor,
    id: DepartmentId,
    keys: &[String],
) -> Result<(), DomainError> {
    replace_grants(conn, actor, GrantHolder::Department(id), keys)
}

/// Who grants are given to.
#[derive(Debug, Clone, Copy)]
pub enum GrantHolder {
    Department(DepartmentId),
    Employee(EmployeeId),
}

/// Replaces the grants of a department or an employee with `keys`: only registry keys,
/// and only changes of permissions the actor holds itself; audited with what was granted
/// and revoked.
pub fn replace_grants(
    conn: &mut DbConnection,
    actor: &Actor,
    holder: GrantHolder,
    keys: &[String],
) -> Result<(), DomainError> {
    require(actor, permissions::STAFF_PERMISSIONS)?;
    let keys = registry_keys(keys)?;
    db::write_transaction(conn, |conn| {
        db::lock(conn, db::LockKey::StaffChanges)?;
        let before = match holder {
            GrantHolder::Department(id) => {
                Department::find(conn, id)?.ok_or(DomainError::NotFound)?;
                Grant::of_department(conn, id)?
            }
            GrantHolder::Employee(id) => {
                Employee::find(conn, id)?.ok_or(DomainError::NotFound)?;
                Grant::of_employee(conn, id)?
            }
        };
        ensure_can_hand_out(actor, &changed_keys(&before, &keys))?;
        let (action, target) = match holder {
            GrantHolder::Department(id) => {
                Grant::set_for_department(conn, id, &keys)?;
                ("department.set_permissions", Target::new("department", id))
            }
            GrantHolder::Employee(id) => {
                Grant::set_for_employee(conn, id, &keys)?;
                ("employee.set_permissions", Target::new("employee", id))
            }
        };
        let summary = grant_changes(&before, &keys);
        if !summary.is_empty() {
            audit::record(conn, actor, action, target, &summary)?;
        }
        Ok(())
    })
}

/// Registry keys from a form, refusing anything the registry does not know.
pub fn registry_keys(keys: &[String]) -> Result<Vec<&'static str>, DomainError> {
    let mut found = BTreeSet::new();
    for key in keys {
        let permission = permissions::by_key(key).ok_or_else(|| {
            DomainError::invalid("permissions", "Unknown permission; reload the page.")
        })?;
        found.insert(permission.key);
    }
    Ok(found.into_iter().collect())
}

/// Keys granted or revoked between `before` and `after`.
pub fn changed_keys(before: &[String], after: &[&str]) -> Vec<String> {
    let before: BTreeSet<&str> = before.iter().map(String::as_str).collect();
    let after: BTreeSet<&str> = after.iter().copied().collect();
    before
        .symmetric_difference(&after)
        .map(|k| (*k).to_owned())
        .collect()
}

/// "granted: a, b; revoked: c" for the audit log.
pub fn grant_changes(before: &[String], after: &[&str]) -> String {
    let before: BTreeSet<&str> = before.iter().map(String::as_str).collect();
    let after: BTreeSet<&str> = after.iter().copied().collect();
    let granted: Vec<&str> = after.difference(&before).copied().collect();
    let revoked: Vec<&str> = before.difference(&after).copied().collect();
    let mut parts = Vec::new();
    if !granted.is_empty() {
        parts.push(format!("granted: {}", granted.join(", ")));
    }
    if !revoked.is_empty() {
        parts.push(format!("revoked: {}", revoked.join(", ")));
    }
    parts.join("; ")
}

/// Whether members must use a second factor is the sign-in policy's, set with
/// staff.security.
fn check_two_factor_policy(actor: &Actor) -> Result<(), DomainError> {
    permissions::require(actor, permissions::STAFF_SECURITY).map_err(|_| {
        DomainError::invalid(
            "requires_two_factor",
            "Only someone who sets the staff's sign-in policy (“Require two-factor sign-in”) can change this.",
        )
    })
}

/// Membership of a department is a grant of its tickets: nobody adds people to a
/// department whose tickets they do not read themselves (as a member, or with
/// support.all_departments).
pub fn ensure_ticket_scope(
    conn: &mut DbConnection,
    actor: &Actor,
    departments: &[DepartmentId],
) -> Result<(), DomainError> {
    if actor.is_superuser()
        || permissions::require(actor, permissions::SUPPORT_ALL_DEPARTMENTS).is_ok()
    {
        return Ok(());
    }
    let mine = match actor.employee_id() {
        Some(me) => Department::ids_of_employee(conn, me)?,
        None => Vec::new(),
    };
    if departments.iter().all(|d| mine.contains(d)) {
        Ok(())
    } else {
        Err(DomainError::Forbidden)
    }
}

/// Nobody hands out or takes away a permission they do not hold themselves.
pub fn ensure_can_hand_out(actor: &Actor, keys: &[String]) -> Result<(), DomainError> {
    let missing: Vec<&str> = keys
        .iter()
        .filter(|k| permissions::by_key(k).is_some_and(|p| permissions::require(actor, p).is_err()))
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "permissions",
            format!(
                "You can only hand out permissions you hold yourself; you lack: {}.",
                missing.join(", ")
            ),
        ))
    }
}

fn check(
    conn: &mut DbConnection,
    input: &DepartmentInput,
    before: Option<&Department>,
) -> Result<(), DomainError> {
    let mut errors = FieldErrors::new();
    if let Some(other) = Department::find_by_name(conn, &input.name)?
        && before.is_none_or(|b| b.id != other.id)
    {
        errors.add("name", "Another department has this name.");
    }
    let employees = Employee::all(conn)?;
    if !input
        .member_ids
        .iter()
        .all(|id| employees.iter().any(|e| e.id == *id))
    {
        errors.add("member_ids", "Choose employees from the list.");
    }
    errors.into_result()
}

fn name_taken(e: diesel::result::Error) -> DomainError {
    if db::is_unique_violation(&e) {
        DomainError::invalid("name", "Another department has this name.")
    } else {
        e.into()
    }
}

fn names(conn: &mut DbConnection, ids: &[EmployeeId]) -> Result<String, DomainError> {
    let employees = Employee::all(conn)?;
    let mut names: Vec<&str> = ids
        .iter()
        .filter_map(|id| {
            employees
                .iter()
                .find(|e| e.id == *id)
                .map(|e| e.name.as_str())
        })
        .collect();
    names.sort();
    Ok(names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_reads_in_runs_of_days_and_round_the_clock_as_24_7() {
        let office = BusinessHours::from_stored(
            "mon=09:00-18:00;tue=09:00-18:00;wed=09:00-18:00;thu=09:00-18:00;fri=09:00-18:00;sat=;sun=",
        );
        assert_eq!(office.summary(), "Mon–Fri 09:00–18:00, Sat–Sun closed");
        let always = BusinessHours::from_stored(
            "mon=00:00-24:00;tue=00:00-24:00;wed=00:00-24:00;thu=00:00-24:00;fri=00:00-24:00;sat=00:00-24:00;sun=00:00-24:00",
        );
        assert_eq!(always.summary(), "24/7");
        let odd = BusinessHours::from_stored("mon=09:00-18:00;tue=;wed=09:00-18:00");
        assert_eq!(
            odd.summary(),
            "Mon 09:00–18:00, Tue closed, Wed 09:00–18:00, Thu–Sun closed"
        );
    }

    #[test]
    fn business_hours_round_trip() {
        let stored =
            "mon=09:00-18:00;tue=09:00-18:00;wed=;thu=00:00-24:00;fri=10:30-12:00;sat=;sun=";
        let hours = BusinessHours::from_stored(stored);
        assert_eq!(hours.to_stored(), stored);
        assert_eq!(hours.describe(0), "09:00–18:00");
        assert_eq!(hours.describe(2), "closed");
        assert_eq!(hours.days[3], Some((0, 1440)));
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn waiting_counts_only_business_hours_in_the_departments_zone() {
        let office = BusinessHours::from_stored(
            "mon=09:00-18:00;tue=09:00-18:00;wed=09:00-18:00;thu=09:00-18:00;fri=09:00-18:00;sat=;sun=",
        );
        let utc = chrono_tz::UTC;
        // Friday 17:00 to Monday 10:00: one hour on Friday, one on Monday.
        assert_eq!(
            business_minutes(&office, utc, at("2026-11-20 17:00"), at("2026-11-23 10:00")),
            120
        );
        // Inside one day.
        assert_eq!(
            business_minutes(&office, utc, at("2026-11-24 09:30"), at("2026-11-24 09:45")),
            15
        );
        // At night nothing counts.
        assert_eq!(
            business_minutes(&office, utc, at("2026-11-24 19:00"), at("2026-11-25 08:00")),
            0
        );
        // Backwards or equal: nothing.
        assert_eq!(
            business_minutes(&office, utc, at("2026-11-25 10:00"), at("2026-11-24 10:00")),
            0
        );
        // Moscow is UTC+3: 06:00 UTC is 09:00 there, so 06:00–08:00 UTC is two business hours.
        let moscow: chrono_tz::Tz = "Europe/Moscow".parse().unwrap();
        assert_eq!(
            business_minutes(
                &office,
                moscow,
                at("2026-11-24 06:00"),
                at("2026-11-24 08:00")
            ),
            120
        );
        assert_eq!(
            business_minutes(&office, utc, at("2026-11-24 06:00"), at("2026-11-24 08:00")),
            0
        );
        // Around the clock, over a month end.
        let always = BusinessHours::from_stored(
            "mon=00:00-24:00;tue=00:00-24:00;wed=00:00-24:00;thu=00:00-24:00;fri=00:00-24:00;sat=00:00-24:00;sun=00:00-24:00",
        );
        assert_eq!(
            business_minutes(&always, utc, at("2026-01-31 23:00"), at("2026-02-01 01:00")),
            120
        );
        // Berlin changes to summer time on 2026-03-29: that Sunday has 23 hours.
        let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            business_minutes(
                &always,
                berlin,
                at("2026-03-28 23:00"),
                at("2026-03-29 22:00")
            ),
            23 * 60
        );
    }

    #[test]
    fn business_hours_from_the_form() {
        let closed = (false, "", "");
        let mut days = [closed; 7];
        days[0] = (true, "09:00", "18:00");
        assert_eq!(
            BusinessHours::parse(&days).unwrap().days[0],
            Some((540, 1080))
        );
        days[1] = (true, "18:00", "09:00");
        days[2] = (true, "9am", "18:00");
        days[3] = (true, "09:00", "24:01");
        let errors = BusinessHours::parse(&days).unwrap_err();
        assert!(errors.get("hours_tue").contains("end after"));
        assert!(errors.has("hours_wed"));
        assert!(errors.has("hours_thu"));
    }

    #[test]
    fn grant_changes_are_described() {
        let before = vec!["staff.view".to_owned(), "audit.view".to_owned()];
        assert_eq!(
            grant_changes(&before, &["staff.view", "staff.edit"]),
            "granted: staff.edit; revoked: audit.view"
        );
        assert_eq!(
            changed_keys(&before, &["staff.view", "staff.edit"]),
            vec!["audit.view", "staff.edit"]
        );
    }
}
