//! Helpers shared by forms: turning `validator` results into messages at fields.

use validator::{Validate, ValidationErrors};

use crate::domain::FieldErrors;

/// What became of a submitted form: done, or to be shown again with these messages.
pub enum Outcome<T> {
    Done(T),
    Invalid(FieldErrors),
}

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

/// A submitted HTML form. Unlike `web::Form` it reads repeated keys (checkbox lists) into
/// `Vec` fields. The body size is bounded by the app's `PayloadConfig`.
pub struct Form<T>(pub T);

impl<T> Form<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Form<T> {
    type Error = actix_web::Error;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(
        req: &actix_web::HttpRequest,
        payload: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        let body = actix_web::web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = body.await?;
            serde_html_form::from_bytes(&body).map(Form).map_err(|e| {
                crate::web::WebError::BadRequest(format!("unreadable form: {e}")).into()
            })
        })
    }
}
