//! The client area (`/client`): users of a client only, each seeing only its own client.

pub mod dashboard;
pub mod impersonation;

use actix_web::middleware::from_fn;
use actix_web::web;

use crate::web::identity::guard_client;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/client")
            .wrap(from_fn(guard_client))
            .route("", web::get().to(dashboard::show))
            .route("/", web::get().to(dashboard::show))
            .route("/impersonation", web::get().to(impersonation::show))
            .route("/impersonation/stop", web::post().to(impersonation::stop)),
    );
}
