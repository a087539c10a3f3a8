//! The admin area (`/admin`): employees only. The scope's middleware turns away everyone
//! else, and each handler states again who may call it.

pub mod dashboard;
pub mod sessions;

use actix_web::middleware::from_fn;
use actix_web::web;

use crate::web::identity::guard_admin;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // Sign-in and sign-out come before the guarded scope, which would otherwise claim them.
    cfg.service(
        web::resource("/admin/login")
            .route(web::get().to(sessions::new))
            .route(web::post().to(sessions::create)),
    )
    .route("/admin/logout", web::post().to(sessions::destroy))
    .service(
        web::scope("/admin")
            .wrap(from_fn(guard_admin))
            .route("", web::get().to(dashboard::show))
            .route("/", web::get().to(dashboard::show)),
    );
}
