//! The client area (`/client`): users of a client only, each seeing only its own client.

pub mod dashboard;
pub mod impersonation;
pub mod messages;
pub mod payers;
pub mod profile;
pub mod users;

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
            .route("/payers/{id}/delete", web::post().to(payers::delete))
            .route("/messages", web::get().to(messages::index))
            .route("/messages/{id}", web::get().to(messages::show))
            .route("/users", web::get().to(users::index))
            .route("/users/new", web::get().to(users::new))
            .route("/users", web::post().to(users::create))
            .route("/users/{id}", web::get().to(users::edit))
            .route("/users/{id}", web::post().to(users::update))
            .route("/users/{id}/delete", web::post().to(users::delete))
            .route("/profile", web::get().to(profile::show))
            .route("/profile", web::post().to(profile::update))
            .route(
                "/profile/password",
                web::post().to(profile::change_password),
            ),
    );
}
