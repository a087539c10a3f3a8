//! `/admin/audit`: the audit log, filtered by employee, object and time. Read only.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;
use chrono::Days;
use serde::Deserialize;

use crate::db::models::audit_event::{AuditCursor, AuditFilter};
use crate::db::paging::Order;
use crate::domain::audit::{self, AuditPage, OBJECT_TYPES};
use crate::domain::permissions::perm;
use crate::domain::{FieldErrors, text};
use crate::web::identity::Require;
use crate::web::list::{self, Paging, Shown, SortedList};
use crate::web::page::PageContext;
use crate::web::{AppState, WebError};

/// The filter as the browser sends it (a GET form, so links can be shared).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub employee_id: String,
    #[serde(default)]
    pub object_type: String,
    #[serde(default)]
    pub object_id: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// The page (the log is always newest first: no sort).
    #[serde(flatten)]
    pub paging: Paging,
}

impl AuditQuery {
    /// The filter, and a message for each value that could not be read (that value is
    /// then not applied).
    fn parse(&self) -> (AuditFilter, FieldErrors) {
        let mut errors = FieldErrors::new();
        let mut filter = AuditFilter::default();
        fn read<T: std::str::FromStr>(
            raw: &str,
            field: &str,
            message: &str,
            errors: &mut FieldErrors,
        ) -> Option<T> {
            match raw.trim() {
                "" => None,
                value => value.parse().map_err(|_| errors.add(field, message)).ok(),
            }
        }
        filter.employee_id = read(
            &self.employee_id,
            "employee_id",
            "Choose an employee from the list.",
            &mut errors,
        );
        filter.object_id = read(
            &self.object_id,
            "object_id",
            "An object id is a whole number.",
            &mut errors,
        );
        filter.at = self.paging.at();
        let object_type = self.object_type.trim();
        if !object_type.is_empty() {
            if OBJECT_TYPES.contains(&object_type) {
                filter.object_type = Some(object_type.to_owned());
            } else {
                errors.add("object_type", "Choose an object type from the list.");
            }
        }
        let mut day = |field: &str, raw: &str| {
            text::optional_date(raw)
                .map_err(|m| errors.add(field, m))
                .ok()
                .flatten()
        };
        let from = day("from", &self.from);
        let to = day("to", &self.to);
        filter.from = from.and_then(|d| d.and_hms_opt(0, 0, 0));
        // `to` includes the whole day.
        filter.until = to
            .and_then(|d| d.checked_add_days(Days::new(1)))
            .and_then(|d| d.and_hms_opt(0, 0, 0));
        (filter, errors)
    }

    pub fn is_filtered(&self) -> bool {
        [
            &self.employee_id,
            &self.object_type,
            &self.object_id,
            &self.from,
            &self.to,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
    }
}

impl SortedList for AuditQuery {
    type Cursor = AuditCursor;
    const PATH: &'static str = "/admin/audit";

    fn paging(&self) -> &Paging {
        &self.paging
    }

    fn filters(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("employee_id", &self.employee_id),
            ("object_type", &self.object_type),
            ("object_id", &self.object_id),
            ("from", &self.from),
            ("to", &self.to),
        ]
    }

    /// The log is newest first, always.
    fn column(_: &str) -> (&'static str, Order) {
        ("date", Order::Descending)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit/index.html")]
pub struct AuditIndexPage {
    pub ctx: PageContext,
    pub query: AuditQuery,
    pub errors: FieldErrors,
    pub page: AuditPage,
    /// The rows shown among all the filter finds.
    pub shown: Shown,
    pub object_types: &'static [&'static str],
}

impl AuditIndexPage {
    /// The admin page of the object an event is about, where there is one.
    pub fn object_link(&self, event: &crate::db::models::AuditEvent) -> Option<String> {
        let section = match event.object_type.as_str() {
            "provider" => "providers",
            "company" => "companies",
            "currency" => "currencies",
            "department" => "departments",
            "employee" => "employees",
            _ => return None,
        };
        event.object_id.map(|id| format!("/admin/{section}/{id}"))
    }

    /// The previous (newer) and next (older) pages' addresses.
    pub fn pages(&self) -> (Option<String>, Option<String>) {
        list::neighbours(&self.page.page, &self.shown, audit::PAGE_SIZE, |at, row| {
            self.query.href(Some(at), row)
        })
    }

    pub fn employee_selected(&self, id: &crate::ids::EmployeeId) -> bool {
        self.query.employee_id.trim() == id.to_string()
    }
}

pub async fn index(
    state: web::Data<AppState>,
    staff: Require<perm::AuditView>,
    ctx: PageContext,
    query: web::Query<AuditQuery>,
) -> Result<AuditIndexPage, WebError> {
    let query = query.into_inner();
    let (filter, errors) = query.parse();
    let actor = staff.actor.clone();
    let count_key = format!("audit|{:?}", query.filters());
    let kept = state.list_counts.get(&count_key);
    let (page, counted) = state
        .db(move |conn| {
            let page = audit::list(conn, &actor, &filter)?;
            let counted = match list::needs_count(&page.page, kept) {
                true => Some(audit::count(conn, &actor, &filter)?),
                false => None,
            };
            Ok::<_, crate::domain::DomainError>((page, counted))
        })
        .await?;
    let shown = list::shown(
        &state.list_counts,
        count_key,
        &page.page,
        &query.paging.row,
        counted,
        kept,
    );
    Ok(AuditIndexPage {
        ctx,
        query,
        errors,
        page,
        shown,
        object_types: OBJECT_TYPES,
    })
}
