//! What every page shares: who is signed in, the menu of their area, the CSRF token for
//! forms and the flash message left by the last action. Pages hold a `PageContext` as
//! `ctx`, and the layouts read it.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::{Deserialize, Serialize};

use crate::domain::auth::Area;
use crate::domain::client_permissions;
use crate::domain::permissions::{self, Permission};
use crate::web::identity::{self, Identity};
use crate::web::{WebError, csrf};

const FLASH: &str = "flash";

/// A one-time message shown on the next page (after POST → redirect → GET).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    /// Bootstrap colour: success, info, warning, danger.
    pub kind: String,
    pub message: String,
}

impl Flash {
    pub fn success(message: impl Into<String>) -> Self {
        Self {
            kind: "success".into(),
            message: message.into(),
        }
    }

    pub fn error(message: impl Into<String>) -> Self {
        Self {
            kind: "danger".into(),
            message: message.into(),
        }
    }

    pub fn info(message: impl Into<String>) -> Self {
        Self {
            kind: "info".into(),
            message: message.into(),
        }
    }

    /// Leaves the message for the next page. A failure here only loses the message.
    pub fn set(self, session: &Session) {
        if let Err(e) = session.insert(FLASH, self) {
            tracing::warn!("cannot keep a flash message: {e}");
        }
    }

    fn take(session: &Session) -> Option<Flash> {
        session.remove_as::<Flash>(FLASH).and_then(Result::ok)
    }
}

/// One entry of an area's menu.
#[derive(Debug, Clone)]
pub struct MenuItem {
    pub label: &'static str,
    pub href: &'static str,
    pub active: bool,
    /// Something new there (unread messages, unseen staff replies); 0 shows nothing.
    pub badge: i64,
}

#[derive(Debug, Clone)]
pub struct PageContext {
    pub identity: Option<Identity>,
    /// The area whose layout the page uses; `None` for public pages.
    pub area: Option<Area>,
    pub menu: Vec<MenuItem>,
    pub csrf_token: String,
    pub flash: Option<Flash>,
}

impl PageContext {
    async fn build(req: &HttpRequest, identity: Option<Identity>) -> Self {
        let session = req.get_session();
        let area = identity.as_ref().and_then(|i| {
            let path = req.path();
            let in_admin = path == "/admin" || path.starts_with("/admin/");
            let in_client = path == "/client" || path.starts_with("/client/");
            match i.area() {
                Area::Admin if in_admin => Some(Area::Admin),
                Area::Client if in_client => Some(Area::Client),
                _ => None,
            }
        });
        let mut menu = area
            .map(|a| menu(a, req.path(), identity.as_ref()))
            .unwrap_or_default();
        if let (Some(Area::Client), Some(client_id)) =
            (area, identity.as_ref().and_then(Identity::client_id))
            && let Some(state) = req.app_data::<actix_web::web::Data<crate::web::AppState>>()
        {
            // One trip to the database for both counts; a failure only hides the markers.
            match state
                .db(move |conn| crate::domain::inbox::news(conn, client_id))
                .await
            {
                Ok(news) => {
                    for item in &mut menu {
                        item.badge = match item.href {
                            "/client/messages" => news.unread_messages,
                            "/client/tickets" => news.unseen_replies,
                            _ => 0,
                        };
                    }
                }
                Err(e) => tracing::warn!("cannot count what is new for the menu: {e}"),
            }
        }
        PageContext {
            menu,
            identity,
            area,
            csrf_token: csrf::token(&session),
            flash: Flash::take(&session),
        }
    }

    /// For error pages: never fails, at worst shows the public layout.
    pub async fn for_error(req: &HttpRequest) -> Self {
        let identity = identity::resolve(req).await.ok().flatten();
        Self::build(req, identity).await
    }

    /// The signed-in person's name for the top bar.
    pub fn user_name(&self) -> &str {
        self.identity
            .as_ref()
            .map(|i| i.display_name())
            .unwrap_or("")
    }

    pub fn user_email(&self) -> &str {
        self.identity.as_ref().map(|i| i.email()).unwrap_or("")
    }

    /// Whether the signed-in employee holds the permission with this registry key (pages
    /// use it to offer only what the employee may do; the handlers check again).
    pub fn can(&self, key: &str) -> bool {
        self.identity
            .as_ref()
            .and_then(Identity::rights)
            .is_some_and(|r| r.has_key(key))
    }

    /// While an employee works as a client: the client's id and name, for the banner.
    pub fn impersonated(&self) -> Option<(crate::ids::ClientId, &str)> {
        match &self.identity {
            Some(Identity::Impersonating { client, .. }) => Some((client.id, client.name.as_str())),
            _ => None,
        }
    }

    /// Whether the menu offers this page: the person may open it.
    pub fn has_menu(&self, href: &str) -> bool {
        self.menu.iter().any(|item| item.href == href)
    }

    pub fn is_admin_area(&self) -> bool {
        self.area == Some(Area::Admin)
    }

    pub fn is_client_area(&self) -> bool {
        self.area == Some(Area::Client)
    }
}

impl FromRequest for PageContext {
    type Error = WebError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, WebError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let identity = identity::resolve(&req).await?;
            Ok(Self::build(&req, identity).await)
        })
    }
}

/// The sections of each area, in menu order, with the permission each needs. An employee
/// sees only the sections it may open.
fn menu(area: Area, path: &str, identity: Option<&Identity>) -> Vec<MenuItem> {
    let rights = identity.and_then(Identity::rights);
    let client_rights = identity.and_then(Identity::client_rights);
    let admin = |p: Permission| rights.is_some_and(|r| r.has(p));
    let client = |s: client_permissions::Section| client_rights.as_ref().is_some_and(|r| r.has(s));
    let items: Vec<(&'static str, &'static str, bool)> = match area {
        Area::Admin => vec![
            ("Dashboard", "/admin", true),
            (
                "Clients",
                "/admin/clients",
                admin(permissions::CLIENTS_VIEW),
            ),
            (
                "Client groups",
                "/admin/client-groups",
                admin(permissions::CLIENTS_VIEW),
            ),
            (
                "Services",
                "/admin/services",
                admin(permissions::SERVICES_VIEW),
            ),
            (
                "Providers",
                "/admin/providers",
                admin(permissions::SETTINGS_VIEW),
            ),
            (
                "Companies",
                "/admin/companies",
                admin(permissions::SETTINGS_VIEW),
            ),
            (
                "Currencies",
                "/admin/currencies",
                admin(permissions::CURRENCIES_VIEW),
            ),
            (
                "Departments",
                "/admin/departments",
                admin(permissions::STAFF_VIEW),
            ),
            (
                "Employees",
                "/admin/employees",
                admin(permissions::STAFF_VIEW),
            ),
            (
                "Catalog",
                "/admin/catalog",
                admin(permissions::CATALOG_VIEW),
            ),
            (
                "Payments",
                "/admin/payments",
                admin(permissions::PAYMENTS_VIEW),
            ),
            (
                "Expenses",
                "/admin/expenses",
                admin(permissions::PAYMENTS_VIEW),
            ),
            (
                "Documents",
                "/admin/documents",
                admin(permissions::DOCUMENTS_VIEW),
            ),
            (
                "Tickets",
                "/admin/tickets",
                admin(permissions::SUPPORT_VIEW),
            ),
            ("Outbox", "/admin/outbox", admin(permissions::MAIL_VIEW)),
            (
                "Mailings",
                "/admin/mailings",
                admin(permissions::MAIL_MAILINGS),
            ),
            (
                "Mail templates",
                "/admin/mail-templates",
                admin(permissions::MAIL_TEMPLATES),
            ),
            ("Audit log", "/admin/audit", admin(permissions::AUDIT_VIEW)),
        ],
        Area::Client => vec![
            ("Dashboard", "/client", true),
            (
                "Services",
                "/client/services",
                client(client_permissions::SERVICES),
            ),
            (
                "Payers",
                "/client/payers",
                client(client_permissions::PAYERS),
            ),
            (
                "Payments",
                "/client/payments",
                client(client_permissions::FINANCE),
            ),
            (
                "Expenses",
                "/client/expenses",
                client(client_permissions::FINANCE),
            ),
            (
                "Documents",
                "/client/documents",
                client(client_permissions::FINANCE),
            ),
            (
                "Support",
                "/client/tickets",
                client(client_permissions::SUPPORT),
            ),
            ("Messages", "/client/messages", true),
            ("Users", "/client/users", client(client_permissions::USERS)),
            ("Profile", "/client/profile", true),
        ],
    };
    items
        .iter()
        .enumerate()
        .filter(|(_, (_, _, shown))| *shown)
        .map(|(i, &(label, href, _))| MenuItem {
            label,
            href,
            badge: 0,
            // The first item is the area's home: active only there, not on every page below.
            active: path == href
                || path.strip_prefix(href) == Some("/")
                || (i > 0 && path.starts_with(href) && path[href.len()..].starts_with('/')),
        })
        .collect()
}

/// The status of a form shown again with messages at its fields. 200, not 422: the page is a
/// normal answer to read, and browsers log every 4xx as a failed request in the console.
pub const FORM_SHOWN_AGAIN: actix_web::http::StatusCode = actix_web::http::StatusCode::OK;

/// Renders a page with a status other than 200 (a form shown again with its errors).
pub fn render_with(
    status: actix_web::http::StatusCode,
    page: &impl askama::Template,
) -> Result<actix_web::HttpResponse, WebError> {
    Ok(actix_web::HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

/// 303 See Other to `location`: the answer to every successful POST.
pub fn redirect(location: &str) -> actix_web::HttpResponse {
    actix_web::HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}

/// The sign-in page of an area, remembering where to go afterwards.
pub fn sign_in_url(area: Area, next: Option<&str>) -> String {
    let base = match area {
        Area::Admin => "/admin/login",
        Area::Client => "/login",
    };
    match next.and_then(|n| safe_next(area, n)) {
        Some(next) => format!(
            "{base}?{}",
            serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
        ),
        None => base.to_owned(),
    }
}

/// `next` if it is a page of the same area on this site; never an outside address.
pub fn safe_next(area: Area, next: &str) -> Option<&str> {
    let prefix = match area {
        Area::Admin => "/admin",
        Area::Client => "/client",
    };
    let rest = next.strip_prefix(prefix)?;
    let fits = rest.is_empty() || rest.starts_with('/') || rest.starts_with('?');
    let visible_ascii = next.bytes().all(|b| b.is_ascii_graphic());
    (fits && visible_ascii && !next.contains("//") && !next.contains('\\')).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_inside_the_area() {
        assert_eq!(
            safe_next(Area::Admin, "/admin/clients?page=2"),
            Some("/admin/clients?page=2")
        );
        assert_eq!(safe_next(Area::Admin, "/admin"), Some("/admin"));
        assert_eq!(safe_next(Area::Admin, "/client"), None);
        assert_eq!(safe_next(Area::Admin, "/adminx"), None);
        assert_eq!(safe_next(Area::Client, "//evil.example/client"), None);
        assert_eq!(safe_next(Area::Client, "https://evil.example/client"), None);
        assert_eq!(safe_next(Area::Client, "/client//evil.example"), None);
        assert_eq!(
            sign_in_url(Area::Client, Some("/client")),
            "/login?next=%2Fclient"
        );
        assert_eq!(sign_in_url(Area::Admin, Some("https://x")), "/admin/login");
    }
}
