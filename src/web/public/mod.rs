//! Pages for people who are not signed in: the start page, client sign-in and registration.

pub mod email_confirmations;
pub mod gateway;
pub mod invitations;
pub mod mailings;
pub mod password_resets;
pub mod registration;
pub mod sessions;

use actix_web::{HttpResponse, web};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/login")
            .route(web::get().to(sessions::new))
            .route(web::post().to(sessions::create)),
    )
    .service(
        web::resource("/login/two-factor")
            .route(web::get().to(sessions::two_factor_form))
            .route(web::post().to(sessions::two_factor)),
    )
    .route("/logout", web::post().to(sessions::destroy))
    .service(
        web::resource("/register")
            .route(web::get().to(registration::new))
            .route(web::post().to(registration::create)),
    )
    .route("/register/sent", web::get().to(registration::sent))
    .service(
        web::resource("/password/forgot")
            .route(web::get().to(password_resets::forgot_form))
            .route(web::post().to(password_resets::forgot)),
    )
    .route(
        "/password/forgot/sent",
        web::get().to(password_resets::sent),
    )
    .service(
        web::resource("/password/reset")
            .route(web::get().to(password_resets::reset_form))
            .route(web::post().to(password_resets::reset)),
    )
    .service(
        web::resource("/email/confirm")
            .route(web::get().to(email_confirmations::show))
            .route(web::post().to(email_confirmations::confirm)),
    )
    .service(
        web::resource("/mailings/unsubscribe")
            .route(web::get().to(mailings::show))
            .route(web::post().to(mailings::unsubscribe)),
    )
    .service(
        web::resource("/invitation")
            .route(web::get().to(invitations::show))
            .route(web::post().to(invitations::accept)),
    )
    .service(
        web::resource("/register/confirm")
            .route(web::get().to(registration::confirm_form))
            .route(web::post().to(registration::confirm)),
    )
    .service(
        web::resource("/gateway/test/pay/{id}")
            .route(web::get().to(gateway::checkout))
            .route(web::post().to(gateway::decide)),
    )
    .route("/payments/webhook/test", web::post().to(gateway::webhook));
}

/// `/` leads to the client area, which asks for a sign-in when needed.
pub async fn home() -> HttpResponse {
    crate::web::page::redirect("/client")
}
