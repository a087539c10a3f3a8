//! The client area (`/client`): users of a client only, each seeing only its own client.
//! The scope's middleware admits client users (and employees working as a client); each
//! handler states the section it needs (`ClientUser` for any user, `ClientRequire<csec::X>`).

pub mod dashboard;
pub mod documents;
pub mod impersonation;
pub mod messages;
pub mod payers;
pub mod payments;
pub mod profile;
pub mod services;
pub mod tickets;
pub mod users;

use actix_web::middleware::from_fn;
use actix_web::{Scope, web};

use crate::web::identity::guard_client;

/// One client-area route as the authorization test sees it.
#[derive(Debug, Clone, Copy)]
pub struct ClientRoute {
    pub method: &'static str,
    /// Below `/client`, with `{id}` where an id goes.
    pub path: &'static str,
    /// The section the handler requires; `None` for any user of the client.
    pub section: Option<&'static str>,
}

/// Declares every client-area route once, like `admin_routes!`: registered from here and
/// listed in `ROUTES` for the authorization test.
macro_rules! client_routes {
    ($( $method:ident $path:literal => $handler:path, $section:tt; )*) => {
        fn register(scope: Scope) -> Scope {
            scope $( .route($path, web::$method().to($handler)) )*
        }

        pub const ROUTES: &[ClientRoute] = &[$(
            ClientRoute {
                method: stringify!($method),
                path: $path,
                section: client_routes!(@section $section),
            },
        )*];
    };
    (@section any) => { None };
    (@section $constant:ident) => { Some(crate::domain::client_permissions::$constant.key) };
}

client_routes! {
    get "" => dashboard::show, any;
    get "/" => dashboard::show, any;
    get "/impersonation" => impersonation::show, any;
    post "/impersonation/stop" => impersonation::stop, any;
    get "/payers" => payers::index, PAYERS;
    get "/payers/new" => payers::new, PAYERS;
    post "/payers" => payers::create, PAYERS;
    get "/payers/{id}" => payers::edit, PAYERS;
    post "/payers/{id}" => payers::update, PAYERS;
    get "/payers/{id}/delete" => payers::confirm_delete, PAYERS;
    post "/payers/{id}/delete" => payers::delete, PAYERS;
    get "/tickets" => tickets::index, SUPPORT;
    get "/tickets/new" => tickets::new, SUPPORT;
    post "/tickets" => tickets::create, SUPPORT;
    get "/tickets/{id}" => tickets::show, SUPPORT;
    post "/tickets/{id}/seen" => tickets::mark_seen, SUPPORT;
    post "/tickets/{id}/reply" => tickets::reply, SUPPORT;
    post "/tickets/{id}/close" => tickets::close, SUPPORT;
    get "/payments" => payments::index, FINANCE;
    get "/payments/new" => payments::new, FINANCE;
    post "/payments" => payments::create, FINANCE;
    get "/payments/{id}" => payments::show, FINANCE;
    post "/payments/{id}/cancel" => payments::cancel, FINANCE;
    get "/expenses" => payments::expenses, FINANCE;
    post "/payments/{id}/bill" => documents::payment_bill, FINANCE;
    get "/documents" => documents::index, FINANCE;
    post "/documents/reconciliation" => documents::reconcile, FINANCE;
    get "/documents/{id}" => documents::show, FINANCE;
    get "/documents/{id}/pdf" => documents::download, FINANCE;
    get "/services" => services::index, SERVICES;
    get "/order" => services::new_order, SERVICES;
    post "/order" => services::order, SERVICES;
    get "/services/{id}" => services::show, SERVICES;
    post "/services/{id}/renew" => services::renew, SERVICES;
    post "/services/{id}/auto-renew" => services::auto_renew, SERVICES;
    post "/services/{id}/suspend" => services::suspend, SERVICES;
    post "/services/{id}/resume" => services::resume, SERVICES;
    post "/services/{id}/cancel" => services::cancel, SERVICES;
    get "/messages" => messages::index, any;
    get "/messages/{id}" => messages::show, any;
    post "/messages/{id}/read" => messages::mark_read, any;
    get "/users" => users::index, USERS;
    get "/users/new" => users::new, USERS;
    post "/users" => users::create, USERS;
    get "/users/{id}" => users::edit, USERS;
    post "/users/{id}" => users::update, USERS;
    post "/users/{id}/delete" => users::delete, USERS;
    post "/invitations/{id}/cancel" => users::cancel_invitation, USERS;
    get "/profile" => profile::show, any;
    post "/profile" => profile::update, any;
    post "/profile/password" => profile::change_password, any;
    post "/profile/email-confirmation" => profile::send_email_confirmation, any;
    get "/profile/two-factor" => profile::two_factor, any;
    post "/profile/two-factor" => profile::confirm_two_factor, any;
    post "/profile/two-factor/setup" => profile::begin_two_factor, any;
    post "/profile/two-factor/recovery-codes" => profile::renew_recovery_codes, any;
    post "/profile/two-factor/disable" => profile::disable_two_factor, any;
    post "/profile/sessions/end" => profile::end_session, any;
    post "/profile/sessions/end-others" => profile::end_other_sessions, any;
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(register(web::scope("/client")).wrap(from_fn(guard_client)));
}
