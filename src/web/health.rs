//! `GET /healthz`: 200 when the database answers, 503 when it does not. For load balancers.

use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;

use crate::web::AppState;

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let checked = state
        .db(|conn| {
            conn.batch_execute("SELECT 1")
                .map_err(crate::web::WebError::from)
        })
        .await;
    match checked {
        Ok(()) => HttpResponse::Ok().content_type("text/plain").body("ok"),
        Err(e) => {
            tracing::warn!("health check failed: {e}");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain")
                .body("database unavailable")
        }
    }
}
