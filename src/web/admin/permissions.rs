//! The permission screen shared by departments and employees: the registry as a tree of
//! sections with a switch per function.

use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::domain::FieldErrors;
use crate::domain::permissions::{SECTIONS, Section};
use crate::web::page::PageContext;

#[derive(Debug, Default, Deserialize)]
pub struct PermissionsForm {
    /// The registry keys switched on.
    #[serde(default)]
    pub permissions: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/permissions.html")]
pub struct PermissionsPage {
    pub ctx: PageContext,
    /// "Department “Billing”" or "Employee Ann Lee".
    pub title: String,
    /// The list the owner is in ("/admin/departments", "Departments").
    pub list: (&'static str, &'static str),
    /// The owner's page and name, for the breadcrumb.
    pub back: String,
    pub back_label: String,
    pub action: String,
    /// Keys switched on here.
    pub granted: Vec<String>,
    /// Keys the employee already has through its departments (employees only).
    pub inherited: Vec<String>,
    /// An administrator has everything; its switches say so.
    pub superuser: bool,
    pub errors: FieldErrors,
    pub sections: &'static [Section],
}

impl PermissionsPage {
    pub fn new(
        ctx: PageContext,
        title: String,
        list: (&'static str, &'static str),
        back: String,
        back_label: String,
        action: String,
    ) -> Self {
        Self {
            ctx,
            title,
            list,
            back,
            back_label,
            action,
            granted: Vec::new(),
            inherited: Vec::new(),
            superuser: false,
            errors: FieldErrors::new(),
            sections: SECTIONS,
        }
    }

    /// Shows what was just typed (with its messages), or else what is stored, and renders.
    pub fn show(
        mut self,
        stored: Vec<String>,
        typed: Option<(Vec<String>, FieldErrors)>,
    ) -> Result<actix_web::HttpResponse, crate::web::WebError> {
        match typed {
            Some((granted, errors)) => {
                self.granted = granted;
                self.errors = errors;
            }
            None => self.granted = stored,
        }
        crate::web::page::render_with(crate::web::page::FORM_SHOWN_AGAIN, &self)
    }

    pub fn is_granted(&self, key: &str) -> bool {
        self.granted.iter().any(|k| k == key)
    }

    pub fn is_inherited(&self, key: &str) -> bool {
        self.inherited.iter().any(|k| k == key)
    }
}
