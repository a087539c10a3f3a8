//! The admin area (`/admin`): employees only. The scope's middleware turns away everyone
//! else; each handler states in its signature the permission it needs (`Staff` for any
//! employee, `Require<perm::X>` for a function of the registry).

pub mod audit;
pub mod canned_replies;
pub mod catalog;
pub mod client_groups;
pub mod clients;
pub mod companies;
pub mod currencies;
pub mod dashboard;
pub mod departments;
pub mod documents;
pub mod employees;
pub mod mail_templates;
pub mod mailings;
pub mod outbox;
pub mod payment_methods;
pub mod payments;
pub mod permissions;
pub mod profile;
pub mod providers;
pub mod search;
pub mod services;
pub mod sessions;
pub mod tickets;

use actix_web::middleware::from_fn;
use actix_web::{Scope, web};

use crate::web::identity::guard_admin;
use crate::web::public::password_resets;

/// One admin route as the authorization test sees it.
#[derive(Debug, Clone, Copy)]
pub struct AdminRoute {
    pub method: &'static str,
    /// Below `/admin`, with `{id}` where an id goes.
    pub path: &'static str,
    /// The registry key the handler requires; `None` for any signed-in employee.
    pub permission: Option<&'static str>,
}

/// Declares every admin route once: it is registered from here, and listed in `ROUTES` for
/// the authorization test, which walks each one with every kind of person. Add routes only
/// here.
macro_rules! admin_routes {
    ($( $method:ident $path:literal => $handler:path, $permission:tt; )*) => {
        fn register(scope: Scope) -> Scope {
            scope $( .route($path, web::$method().to($handler)) )*
        }

        pub const ROUTES: &[AdminRoute] = &[$(
            AdminRoute {
                method: stringify!($method),
                path: $path,
                permission: admin_routes!(@permission $permission),
            },
        )*];
    };
    (@permission any) => { None };
    (@permission $constant:ident) => { Some(crate::domain::permissions::$constant.key) };
}

admin_routes! {
    get "" => dashboard::show, any;
    get "/" => dashboard::show, any;
    get "/search" => search::show, any;
    get "/profile" => profile::show, any;
    post "/profile" => profile::update, any;
    post "/profile/password" => profile::change_password, any;
    get "/profile/two-factor" => profile::two_factor, any;
    post "/profile/two-factor" => profile::confirm_two_factor, any;
    post "/profile/two-factor/setup" => profile::begin_two_factor, any;
    post "/profile/two-factor/recovery-codes" => profile::renew_recovery_codes, any;
    post "/profile/two-factor/disable" => profile::disable_two_factor, any;
    post "/profile/sessions/end" => profile::end_session, any;
    post "/profile/sessions/end-others" => profile::end_other_sessions, any;
    get "/audit" => audit::index, AUDIT_VIEW;
    get "/tickets" => tickets::index, SUPPORT_VIEW;
    get "/tickets/{id}" => tickets::show, SUPPORT_VIEW;
    post "/tickets/{id}/reply" => tickets::reply, SUPPORT_ANSWER;
    post "/tickets/{id}/note" => tickets::note, SUPPORT_NOTES;
    post "/tickets/{id}/assign" => tickets::assign, SUPPORT_ASSIGN;
    post "/tickets/{id}/transfer" => tickets::transfer, SUPPORT_TRANSFER;
    post "/tickets/{id}/status" => tickets::set_status, SUPPORT_ANSWER;
    get "/canned-replies" => canned_replies::index, SUPPORT_CANNED;
    post "/canned-replies" => canned_replies::create, SUPPORT_CANNED;
    post "/canned-replies/{id}/delete" => canned_replies::delete, SUPPORT_CANNED;
    get "/clients" => clients::index, CLIENTS_VIEW;
    get "/clients.csv" => clients::export, CLIENTS_VIEW;
    post "/clients/ticked.csv" => clients::export_ticked, CLIENTS_VIEW;
    post "/clients/bulk/disable" => clients::bulk_disable, CLIENTS_EDIT;
    post "/clients/bulk/enable" => clients::bulk_enable, CLIENTS_EDIT;
    post "/clients/bulk/message" => clients::bulk_message, CLIENTS_MESSAGE;
    get "/clients/new" => clients::new, CLIENTS_CREATE;
    post "/clients" => clients::create, CLIENTS_CREATE;
    get "/clients/{id}" => clients::show, CLIENTS_VIEW;
    get "/clients/{id}/edit" => clients::edit, CLIENTS_EDIT;
    post "/clients/{id}" => clients::update, CLIENTS_EDIT;
    post "/clients/{id}/disable" => clients::disable, CLIENTS_EDIT;
    post "/clients/{id}/enable" => clients::enable, CLIENTS_EDIT;
    get "/clients/{id}/delete" => clients::confirm_delete, CLIENTS_DELETE;
    post "/clients/{id}/delete" => clients::delete, CLIENTS_DELETE;
    post "/clients/{id}/messages" => clients::send_message, CLIENTS_MESSAGE;
    post "/clients/{id}/impersonate" => clients::impersonate, CLIENTS_IMPERSONATE;
    post "/clients/{id}/sessions/end" => clients::end_user_sessions, CLIENTS_EDIT;
    post "/clients/{id}/payments" => payments::record, PAYMENTS_ADD;
    post "/clients/{id}/corrections" => payments::correct, PAYMENTS_REFUND;
    get "/payments" => payments::index, PAYMENTS_VIEW;
    get "/payments.csv" => payments::export, PAYMENTS_VIEW;
    get "/payments/{id}" => payments::show, PAYMENTS_VIEW;
    post "/payments/{id}/paid" => payments::mark_paid, PAYMENTS_ADD;
    post "/payments/{id}/refund" => payments::refund, PAYMENTS_REFUND;
    post "/payments/{id}/bill" => documents::payment_bill, DOCUMENTS_ISSUE;
    get "/documents" => documents::index, DOCUMENTS_VIEW;
    get "/documents.csv" => documents::export, DOCUMENTS_VIEW;
    post "/documents/generate" => documents::generate, DOCUMENTS_ISSUE;
    get "/documents/{id}" => documents::show, DOCUMENTS_VIEW;
    get "/documents/{id}/pdf" => documents::download, DOCUMENTS_VIEW;
    post "/documents/{id}/cancel" => documents::cancel, DOCUMENTS_CANCEL;
    post "/documents/{id}/send" => documents::send, DOCUMENTS_ISSUE;
    post "/clients/{id}/reconciliation" => documents::client_reconciliation, DOCUMENTS_ISSUE;
    get "/outbox" => outbox::index, MAIL_VIEW;
    get "/outbox/{id}" => outbox::show, MAIL_VIEW;
    post "/outbox/{id}/resend" => outbox::resend, MAIL_RESEND;
    get "/mailings" => mailings::index, MAIL_MAILINGS;
    get "/mailings/new" => mailings::new, MAIL_MAILINGS;
    post "/mailings" => mailings::create, MAIL_MAILINGS;
    get "/mailings/{id}" => mailings::show, MAIL_MAILINGS;
    get "/mailings/{id}/progress" => mailings::progress, MAIL_MAILINGS;
    get "/mail-templates" => mail_templates::index, MAIL_TEMPLATES;
    get "/mail-templates/{notice}/{language}" => mail_templates::edit, MAIL_TEMPLATES;
    post "/mail-templates/{notice}/{language}" => mail_templates::update, MAIL_TEMPLATES;
    post "/mail-templates/{notice}/{language}/restore" => mail_templates::restore, MAIL_TEMPLATES;
    get "/payment-methods" => payment_methods::index, PAYMENTS_VIEW;
    get "/payment-methods/new" => payment_methods::new, PAYMENT_METHODS_EDIT;
    post "/payment-methods" => payment_methods::create, PAYMENT_METHODS_EDIT;
    get "/payment-methods/{id}" => payment_methods::edit, PAYMENTS_VIEW;
    post "/payment-methods/{id}" => payment_methods::update, PAYMENT_METHODS_EDIT;
    get "/expenses" => payments::expenses, PAYMENTS_VIEW;
    get "/expenses.csv" => payments::export_expenses, PAYMENTS_VIEW;
    get "/services" => services::index, SERVICES_VIEW;
    get "/services.csv" => services::export, SERVICES_VIEW;
    get "/services/{id}" => services::show, SERVICES_VIEW;
    post "/services/{id}/suspend" => services::suspend, SERVICES_MANAGE;
    post "/services/{id}/resume" => services::resume, SERVICES_MANAGE;
    get "/services/{id}/delete" => services::confirm_delete, SERVICES_MANAGE;
    post "/services/{id}/delete" => services::delete, SERVICES_MANAGE;
    post "/services/{id}/auto-renew" => services::auto_renew, SERVICES_MANAGE;
    post "/services/{id}/paid-until" => services::set_paid_until, SERVICES_MANAGE;
    get "/clients/{id}/order" => services::new_order, SERVICES_ORDER;
    post "/clients/{id}/order" => services::order, SERVICES_ORDER;
    get "/catalog" => catalog::index, CATALOG_VIEW;
    post "/catalog/types" => catalog::create_type, CATALOG_EDIT;
    get "/catalog/tariffs/new" => catalog::new_tariff, CATALOG_EDIT;
    post "/catalog/tariffs" => catalog::create_tariff, CATALOG_EDIT;
    get "/catalog/tariffs/{id}" => catalog::edit_tariff, CATALOG_VIEW;
    post "/catalog/tariffs/{id}" => catalog::update_tariff, CATALOG_EDIT;
    get "/client-groups" => client_groups::index, CLIENTS_VIEW;
    get "/client-groups/new" => client_groups::new, CLIENTS_GROUPS;
    post "/client-groups" => client_groups::create, CLIENTS_GROUPS;
    post "/client-groups/add" => client_groups::add_to_chosen, CLIENTS_GROUPS;
    get "/client-groups/{id}" => client_groups::show, CLIENTS_VIEW;
    post "/client-groups/{id}" => client_groups::update, CLIENTS_GROUPS;
    post "/client-groups/{id}/members" => client_groups::add_members, CLIENTS_GROUPS;
    post "/client-groups/{id}/members/{client_id}/remove" => client_groups::remove_member, CLIENTS_GROUPS;
    get "/client-groups/{id}/delete" => client_groups::confirm_delete, CLIENTS_GROUPS;
    post "/client-groups/{id}/delete" => client_groups::delete, CLIENTS_GROUPS;
    get "/providers" => providers::index, SETTINGS_VIEW;
    get "/providers/new" => providers::new, SETTINGS_EDIT;
    post "/providers" => providers::create, SETTINGS_EDIT;
    get "/providers/{id}" => providers::edit, SETTINGS_VIEW;
    post "/providers/{id}" => providers::update, SETTINGS_EDIT;
    get "/companies" => companies::index, SETTINGS_VIEW;
    get "/companies/new" => companies::new, SETTINGS_EDIT;
    post "/companies" => companies::create, SETTINGS_EDIT;
    get "/companies/{id}" => companies::edit, SETTINGS_VIEW;
    post "/companies/{id}" => companies::update, SETTINGS_EDIT;
    get "/currencies" => currencies::index, CURRENCIES_VIEW;
    get "/currencies/new" => currencies::new, CURRENCIES_EDIT;
    post "/currencies" => currencies::create, CURRENCIES_EDIT;
    get "/currencies/{id}" => currencies::show, CURRENCIES_VIEW;
    post "/currencies/{id}" => currencies::update, CURRENCIES_EDIT;
    post "/currencies/{id}/rates" => currencies::set_rate, CURRENCIES_EDIT;
    get "/departments" => departments::index, STAFF_VIEW;
    get "/departments/new" => departments::new, STAFF_EDIT;
    post "/departments" => departments::create, STAFF_EDIT;
    get "/departments/{id}" => departments::edit, STAFF_VIEW;
    post "/departments/{id}" => departments::update, STAFF_EDIT;
    get "/departments/{id}/permissions" => departments::permissions, STAFF_VIEW;
    post "/departments/{id}/permissions" => departments::set_permissions, STAFF_PERMISSIONS;
    get "/employees" => employees::index, STAFF_VIEW;
    get "/employees/new" => employees::new, STAFF_EDIT;
    post "/employees" => employees::create, STAFF_EDIT;
    get "/employees/{id}" => employees::edit, STAFF_VIEW;
    post "/employees/{id}" => employees::update, STAFF_EDIT;
    get "/employees/{id}/permissions" => employees::permissions, STAFF_VIEW;
    post "/employees/{id}/permissions" => employees::set_permissions, STAFF_PERMISSIONS;
    post "/employees/{id}/sessions/end" => employees::end_sessions, STAFF_EDIT;
    post "/employees/{id}/two-factor/reset" => employees::reset_two_factor, STAFF_SECURITY;
    post "/staff-policy" => employees::set_staff_policy, STAFF_SECURITY;
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    // Sign-in and sign-out come before the guarded scope, which would otherwise claim them.
    cfg.service(
        web::resource("/admin/login")
            .route(web::get().to(sessions::new))
            .route(web::post().to(sessions::create)),
    )
    .service(
        web::resource("/admin/login/two-factor")
            .route(web::get().to(sessions::two_factor_form))
            .route(web::post().to(sessions::two_factor)),
    )
    .route("/admin/logout", web::post().to(sessions::destroy))
    .service(
        web::resource("/admin/password/forgot")
            .route(web::get().to(password_resets::staff_forgot_form))
            .route(web::post().to(password_resets::staff_forgot)),
    )
    .route(
        "/admin/password/forgot/sent",
        web::get().to(password_resets::staff_sent),
    )
    .service(
        web::resource("/admin/password/reset")
            .route(web::get().to(password_resets::staff_reset_form))
            .route(web::post().to(password_resets::staff_reset)),
    )
    .service(register(web::scope("/admin")).wrap(from_fn(guard_admin)));
}
