//! Helpers shared by forms: turning `validator` results into messages at fields.

use validator::{Validate, ValidationErrors};

use crate::domain::FieldErrors;

/// Runs the form's `validator` checks and adds their messages to `errors`.
pub fn check_shape(form: &impl Validate, errors: &mut FieldErrors) {
    if let Err(found) = form.validate() {
        add_validation_errors(&found, errors);
    }
}

fn add_validation_errors(found: &ValidationErrors, errors: &mut FieldErrors) {
    for (field, problems) in found.field_errors() {
        if let Some(problem) = problems.first() {
            let message = problem
                .message
                .as_ref()
                .map(|m| m.to_string())
                .unwrap_or_else(|| "This value is not valid.".to_owned());
            errors.add(field.as_ref(), message);
        }
    }
}
