//! The client area (`/client`): users of a client only, each seeing only its own client.

pub mod dashboard;
pub mod impersonation;
pub mod payers;

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
            .route("/impersonation/stop", web::post().to(impersonation::stop))
            .route("/payers", web::get().to(payers::index))
            .route("/payers/new", web::get().to(payers::new))
            .route("/payers", web::post().to(payers::create))
            .route("/payers/{id}", web::get().to(payers::edit))
            .route("/payers/{id}", web::post().to(payers::update))
            .route("/payers/{id}/delete", web::get().to(payers::confirm_delete))
            .route("/payers/{id}/delete", web::post().to(payers::delete)),
    );
}
