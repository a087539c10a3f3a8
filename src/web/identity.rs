//! Who is making the request. The session holds only ids and a session version; the
//! identity is read again from the database on every request (once, then cached in the
//! request), so disabling someone or signing them out ends their sessions at once.
//!
//! Extractors build on each other: session → `Identity` → `Staff` / `ClientUser`.
//! A handler states who may call it by the extractor in its signature.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use crate::db::models::{Client, Employee, User};
use crate::domain::auth::{self, Area};
use crate::domain::client_permissions::{ClientRights, RequiredSection};
use crate::domain::impersonation;
use crate::domain::permissions::{RequiredPermission, Rights};
use crate::domain::{Actor, ActorKind};
use crate::ids::{ClientId, EmployeeId, UserId};
use crate::web::page::Flash;
use crate::web::{AppState, WebError};

const EMPLOYEE_ID: &str = "employee_id";
const USER_ID: &str = "user_id";
const SESSION_VERSION: &str = "session_version";
const SIGNED_IN_AT: &str = "signed_in_at";
/// While an employee works as a client: the owner user acted as, and since when.
const AS_CLIENT_USER: &str = "as_client_user";
const AS_CLIENT: &str = "as_client";
const AS_CLIENT_SINCE: &str = "as_client_since";
/// A session ends this long after sign-in, whatever happens in between.
pub const SESSION_LIFETIME_HOURS: i64 = 12;

/// The signed-in person, freshly read from the database.
#[derive(Debug, Clone)]
pub enum Identity {
    Employee {
        employee: Employee,
        rights: Rights,
    },
    ClientUser {
        user: User,
        client: Box<Client>,
        rights: ClientRights,
    },
    /// An employee logged in as a client's owner user, since `since` (Unix seconds).
    Impersonating {
        employee: Box<Employee>,
        user: User,
        client: Box<Client>,
        since: i64,
    },
}

impl Identity {
    pub fn area(&self) -> Area {
        match self {
            Identity::Employee { .. } => Area::Admin,
            Identity::ClientUser { .. } | Identity::Impersonating { .. } => Area::Client,
        }
    }

    pub fn display_name(&self) -> &str {
        match self {
            Identity::Employee { employee, .. } => &employee.name,
            Identity::ClientUser { user, .. } | Identity::Impersonating { user, .. } => &user.name,
        }
    }

    pub fn email(&self) -> &str {
        match self {
            Identity::Employee { employee, .. } => &employee.email,
            Identity::ClientUser { user, .. } | Identity::Impersonating { user, .. } => &user.email,
        }
    }

    pub fn actor(&self, ip: String) -> Actor {
        match self {
            Identity::Employee { employee, rights } => {
                Actor::employee(employee, rights.clone(), ip)
            }
            Identity::ClientUser { user, .. } => Actor {
                kind: ActorKind::ClientUser {
                    id: user.id,
                    client_id: user.client_id,
                    email: user.email.clone(),
                },
                ip,
            },
            Identity::Impersonating { employee, user, .. } => Actor {
                kind: ActorKind::EmployeeAsClient {
                    employee_id: employee.id,
                    email: employee.email.clone(),
                    user_id: user.id,
                    client_id: user.client_id,
                },
                ip,
            },
        }
    }

    /// The client-area rights: the user's, or the owner's for an employee working as the
    /// client; none for an employee.
    pub fn client_rights(&self) -> Option<ClientRights> {
        match self {
            Identity::ClientUser { rights, .. } => Some(rights.clone()),
            Identity::Impersonating { .. } => Some(ClientRights::owner()),
            Identity::Employee { .. } => None,
        }
    }

    /// The client whose area this is: the user's, or the one an employee works as.
    pub fn client_id(&self) -> Option<crate::ids::ClientId> {
        match self {
            Identity::ClientUser { client, .. } | Identity::Impersonating { client, .. } => {
                Some(client.id)
            }
            Identity::Employee { .. } => None,
        }
    }

    /// The employee's rights; none for a client user.
    pub fn rights(&self) -> Option<&Rights> {
        match self {
            Identity::Employee { rights, .. } => Some(rights),
            Identity::ClientUser { .. } | Identity::Impersonating { .. } => None,
        }
    }
}

/// The request's identity, cached in the request's extensions.
#[derive(Clone)]
struct Resolved(Option<Identity>);

/// Reads the identity behind the request's session. A session that no longer matches the
/// database (disabled, signed out elsewhere, password changed) is emptied.
pub async fn resolve(req: &HttpRequest) -> Result<Option<Identity>, WebError> {
    if let Some(Resolved(identity)) = req.extensions().get::<Resolved>() {
        return Ok(identity.clone());
    }
    let session = req.get_session();
    let version: Option<i64> = session.get(SESSION_VERSION).unwrap_or(None);
    let employee_id: Option<EmployeeId> = session.get(EMPLOYEE_ID).unwrap_or(None);
    let user_id: Option<UserId> = session.get(USER_ID).unwrap_or(None);
    let signed_in_at: Option<i64> = session.get(SIGNED_IN_AT).unwrap_or(None);
    let expired = signed_in_at
        .is_none_or(|at| chrono::Utc::now().timestamp() - at > SESSION_LIFETIME_HOURS * 3600);
    let version = version.filter(|_| !expired);
    let state = app_state(req)?;
    let identity = match (employee_id, user_id, version) {
        (Some(id), _, Some(version)) => {
            let employee = state
                .read_inline(move |conn| auth::session_employee(conn, id, version))
                .await?
                .map(|(employee, rights)| Identity::Employee { employee, rights });
            match employee {
                Some(identity) => Some(impersonation(req, &session, &state, identity).await?),
                None => None,
            }
        }
        (None, Some(id), Some(version)) => state
            .read_inline(move |conn| auth::session_user(conn, id, version))
            .await?
            .map(|(user, client, rights)| Identity::ClientUser {
                user,
                client: Box::new(client),
                rights,
            }),
        _ => None,
    };
    if identity.is_none() && (employee_id.is_some() || user_id.is_some()) {
        end_session(&session);
        Flash::info("Your session has ended. Please sign in again.").set(&session);
    }
    req.extensions_mut().insert(Resolved(identity.clone()));
    Ok(identity)
}

/// The employee as itself, or working as a client if its session says so and the time
/// limit, the permission and the client all still allow it. An impersonation that ends
/// here is audited, and the employee is told.
async fn impersonation(
    req: &HttpRequest,
    session: &Session,
    state: &AppState,
    identity: Identity,
) -> Result<Identity, WebError> {
    let Some(user_id) = session.get::<UserId>(AS_CLIENT_USER).unwrap_or(None) else {
        return Ok(identity);
    };
    let Identity::Employee { employee, rights } = identity else {
        return Ok(identity);
    };
    let since: i64 = session.get(AS_CLIENT_SINCE).unwrap_or(None).unwrap_or(0);
    let limit = state.config.impersonation_minutes;
    let expired = chrono::Utc::now().timestamp() - since > limit * 60;
    let allowed = rights.has(crate::domain::permissions::CLIENTS_IMPERSONATE);
    let target = state
        .db(move |conn| impersonation::session_target(conn, user_id))
        .await?;
    match target {
        Some((user, client)) if !expired && allowed => Ok(Identity::Impersonating {
            employee: Box::new(employee),
            user,
            client: Box::new(client),
            since,
        }),
        target => {
            let reason = if expired {
                format!("expired after {limit} minutes")
            } else if !allowed {
                "the permission was withdrawn".to_owned()
            } else {
                "the client or its owner was disabled".to_owned()
            };
            if let Some(client_id) = session.get::<ClientId>(AS_CLIENT).unwrap_or(None) {
                req.extensions_mut().insert(ImpersonationEnded(client_id));
                let actor = Actor {
                    kind: ActorKind::EmployeeAsClient {
                        employee_id: employee.id,
                        email: employee.email.clone(),
                        user_id,
                        client_id,
                    },
                    ip: client_ip(req),
                };
                let why = reason.clone();
                state
                    .db(move |conn| impersonation::stop(conn, &actor, &why))
                    .await?;
            }
            let _ = target;
            stop_impersonation(session);
            Flash::info(format!(
                "You are back in the admin area: working as the client ended ({reason})."
            ))
            .set(session);
            Ok(Identity::Employee { employee, rights })
        }
    }
}

/// Marks a request on which working as a client just ended, so the client area sends the
/// employee back to that client's card instead of refusing it.
#[derive(Clone, Copy)]
struct ImpersonationEnded(ClientId);

/// Starts working as a client's owner user, keeping the employee's own session.
pub fn start_impersonation(session: &Session, user: &User) -> Result<(), WebError> {
    session.renew();
    session.insert(AS_CLIENT_USER, user.id)?;
    session.insert(AS_CLIENT, user.client_id)?;
    session.insert(AS_CLIENT_SINCE, chrono::Utc::now().timestamp())?;
    Ok(())
}

/// Back to the employee's own session.
pub fn stop_impersonation(session: &Session) {
    session.remove(AS_CLIENT_USER);
    session.remove(AS_CLIENT);
    session.remove(AS_CLIENT_SINCE);
    session.renew();
}

fn page_redirect(location: &str) -> actix_web::HttpResponse {
    crate::web::page::redirect(location)
}

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, WebError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| WebError::Internal("application state missing".into()))
}

/// Starts a session for an employee: a new session id, a new CSRF token.
pub fn start_employee_session(session: &Session, employee: &Employee) -> Result<(), WebError> {
    end_session(session);
    session.insert(EMPLOYEE_ID, employee.id)?;
    session.insert(SESSION_VERSION, employee.session_version)?;
    session.insert(SIGNED_IN_AT, chrono::Utc::now().timestamp())?;
    Ok(())
}

/// Starts a session for a client user: a new session id, a new CSRF token.
pub fn start_user_session(session: &Session, user: &User) -> Result<(), WebError> {
    end_session(session);
    session.insert(USER_ID, user.id)?;
    session.insert(SESSION_VERSION, user.session_version)?;
    session.insert(SIGNED_IN_AT, chrono::Utc::now().timestamp())?;
    Ok(())
}

/// Forgets everything in the session and renews its id.
pub fn end_session(session: &Session) {
    session.clear();
    session.renew();
}

/// The address of the person making the request: the peer address, or, when billpanel is
/// configured to sit behind a proxy, the last `X-Forwarded-For` entry, the one the proxy
/// added. Entries before it, and `Forwarded`, come from the client and are not trusted.
pub fn client_ip(req: &HttpRequest) -> String {
    let behind_proxy = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.config.behind_proxy);
    if behind_proxy && let Some(ip) = last_forwarded_for(req.headers()) {
        return ip.to_owned();
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

/// The last entry of all `X-Forwarded-For` headers: the address our own proxy saw.
fn last_forwarded_for(headers: &actix_web::http::header::HeaderMap) -> Option<&str> {
    headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .last()
}

type LocalFuture<T> = Pin<Box<dyn Future<Output = Result<T, WebError>>>>;

/// An employee signed in to the admin area. Anyone else: sign-in page or 403.
pub struct Staff {
    pub employee: Employee,
    pub rights: Rights,
    pub actor: Actor,
}

impl FromRequest for Staff {
    type Error = WebError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match resolve(&req).await? {
                Some(identity @ Identity::Employee { .. }) => {
                    let actor = identity.actor(client_ip(&req));
                    let Identity::Employee { employee, rights } = identity else {
                        return Err(WebError::Internal("identity changed".into()));
                    };
                    Ok(Staff {
                        employee,
                        rights,
                        actor,
                    })
                }
                Some(Identity::ClientUser { .. }) => Err(WebError::Forbidden),
                Some(Identity::Impersonating { .. }) => Err(WebError::ImpersonationActive),
                None => Err(sign_in_required(&req, Area::Admin)),
            }
        })
    }
}

/// An employee holding permission `P`; others get 403 (or the sign-in page). The handler's
/// signature says which: `Require<perm::StaffEdit>`.
pub struct Require<P> {
    pub staff: Staff,
    _permission: PhantomData<P>,
}

impl<P> std::ops::Deref for Require<P> {
    type Target = Staff;
    fn deref(&self) -> &Staff {
        &self.staff
    }
}

impl<P: RequiredPermission + 'static> FromRequest for Require<P> {
    type Error = WebError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let staff = Staff::from_request(req, payload);
        Box::pin(async move {
            let staff = staff.await?;
            if staff.rights.has(P::PERMISSION) {
                Ok(Require {
                    staff,
                    _permission: PhantomData,
                })
            } else {
                Err(WebError::Forbidden)
            }
        })
    }
}

/// A user of a client signed in to the client area. Anyone else: sign-in page or 403.
pub struct ClientUser {
    pub user: User,
    pub client: Client,
    /// What this user may do in the client area (everything for the owner, and for an
    /// employee working as the client).
    pub rights: ClientRights,
    pub actor: Actor,
}

impl FromRequest for ClientUser {
    type Error = WebError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match resolve(&req).await? {
                Some(identity @ (Identity::ClientUser { .. } | Identity::Impersonating { .. })) => {
                    let actor = identity.actor(client_ip(&req));
                    let (user, client, rights) = match identity {
                        Identity::ClientUser {
                            user,
                            client,
                            rights,
                        } => (user, client, rights),
                        Identity::Impersonating { user, client, .. } => {
                            (user, client, ClientRights::owner())
                        }
                        Identity::Employee { .. } => {
                            return Err(WebError::Internal("identity changed".into()));
                        }
                    };
                    Ok(ClientUser {
                        user,
                        client: *client,
                        rights,
                        actor,
                    })
                }
                Some(Identity::Employee { .. }) => Err(WebError::Forbidden),
                None => Err(sign_in_required(&req, Area::Client)),
            }
        })
    }
}

/// A client user who may use section `S` of the client area; others get 403. The handler's
/// signature says which: `ClientRequire<csec::Payers>`.
pub struct ClientRequire<S> {
    pub user: ClientUser,
    _section: PhantomData<S>,
}

impl<S> std::ops::Deref for ClientRequire<S> {
    type Target = ClientUser;
    fn deref(&self) -> &ClientUser {
        &self.user
    }
}

impl<S: RequiredSection + 'static> FromRequest for ClientRequire<S> {
    type Error = WebError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = ClientUser::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            if user.rights.has(S::SECTION) {
                Ok(ClientRequire {
                    user,
                    _section: PhantomData,
                })
            } else {
                Err(WebError::Forbidden)
            }
        })
    }
}

/// Someone who is not signed in, with the address the audit log records.
pub struct Visitor {
    pub actor: Actor,
}

impl FromRequest for Visitor {
    type Error = WebError;
    type Future = std::future::Ready<Result<Self, WebError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Visitor {
            actor: Actor::visitor(client_ip(req)),
        }))
    }
}

/// Where to go to sign in; a GET remembers the page to come back to.
fn sign_in_required(req: &HttpRequest, area: Area) -> WebError {
    let next = (req.method() == actix_web::http::Method::GET).then(|| match req.query_string() {
        "" => req.path().to_owned(),
        q => format!("{}?{q}", req.path()),
    });
    WebError::SignInRequired { area, next }
}

/// Middleware on the `/admin` scope: only employees get through, whatever the handler says.
pub async fn guard_admin(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    guard(req, next, Area::Admin).await
}

/// Middleware on the `/client` scope: only client users get through.
pub async fn guard_client(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    guard(req, next, Area::Client).await
}

async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
    area: Area,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let refusal = match resolve(req.request()).await {
        // Working as a client, the admin area is closed until the employee returns.
        Ok(Some(Identity::Impersonating { .. })) if area == Area::Admin => {
            Some(WebError::ImpersonationActive)
        }
        Ok(Some(identity)) if identity.area() == area => None,
        Ok(Some(Identity::Employee { .. }))
            if req
                .request()
                .extensions()
                .get::<ImpersonationEnded>()
                .is_some() =>
        {
            let ended = req
                .request()
                .extensions()
                .get::<ImpersonationEnded>()
                .map(|e| e.0);
            let location = ended
                .map(|id| format!("/admin/clients/{id}"))
                .unwrap_or_else(|| "/admin".into());
            return Ok(req
                .into_response(page_redirect(&location))
                .map_into_right_body());
        }
        Ok(Some(_)) => Some(WebError::Forbidden),
        Ok(None) => Some(sign_in_required(req.request(), area)),
        Err(e) => Some(e),
    };
    match refusal {
        None => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body),
        Some(e) => Ok(req.error_response(e).map_into_right_body()),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn only_the_proxys_own_entry_is_trusted() {
        let req = TestRequest::default()
            .insert_header(("Forwarded", "for=6.6.6.6"))
            .append_header(("X-Forwarded-For", "6.6.6.6, 10.0.0.1"))
            .append_header(("X-Forwarded-For", "203.0.113.7"))
            .to_http_request();
        assert_eq!(last_forwarded_for(req.headers()), Some("203.0.113.7"));
        let none = TestRequest::default().to_http_request();
        assert_eq!(last_forwarded_for(none.headers()), None);
    }
}
