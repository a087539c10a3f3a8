//! Who is making the request. The session holds only ids and a session version; the
//! identity is read again from the database on every request (once, then cached in the
//! request), so disabling someone or signing them out ends their sessions at once.
//!
//! Extractors build on each other: session → `Identity` → `Staff` / `ClientUser`.
//! A handler states who may call it by the extractor in its signature.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_session::{Session as CookieSession, SessionExt};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use crate::db::models::session::LiveSession as Session;
use crate::db::models::{Client, Employee, User};
use crate::domain::auth::{self, Area, Login};
use crate::domain::client_permissions::{ClientRights, RequiredSection};
use crate::domain::impersonation;
use crate::domain::permissions::{RequiredPermission, Rights};
use crate::domain::sessions::{Device, Started};
use crate::domain::{Actor, ActorKind};
use crate::ids::{ClientId, EmployeeId, PersonId, UserId};
use crate::web::page::Flash;
use crate::web::{AppState, WebError};

const EMPLOYEE_ID: &str = "employee_id";
const USER_ID: &str = "user_id";
/// The random key whose hash names the session's row (`domain::sessions`).
const SESSION_KEY: &str = "session_key";
/// While an employee works as a client: the owner user acted as, and since when.
const AS_CLIENT_USER: &str = "as_client_user";
const AS_CLIENT: &str = "as_client";
const AS_CLIENT_SINCE: &str = "as_client_since";

/// The signed-in person, freshly read from the database.
#[derive(Debug, Clone)]
pub enum Identity {
    Employee {
        employee: Employee,
        rights: Rights,
        session: Box<Session>,
        /// A policy requires a second factor it has not set up: every admin page but the
        /// set-up sends it there.
        must_set_up_two_factor: bool,
    },
    ClientUser {
        user: User,
        client: Box<Client>,
        rights: ClientRights,
        session: Box<Session>,
    },
    /// An employee logged in as a client's owner user, since `since` (Unix seconds). The
    /// session is the employee's own.
    Impersonating {
        employee: Box<Employee>,
        user: User,
        client: Box<Client>,
        since: i64,
        session: Box<Session>,
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
            Identity::Employee {
                employee,
                rights,
                session,
                ..
            } => Actor {
                session: Some(session.id),
                ..Actor::employee(employee, rights.clone(), ip)
            },
            Identity::ClientUser { user, session, .. } => Actor {
                kind: ActorKind::ClientUser {
                    id: user.id,
                    client_id: user.client_id,
                    email: user.email.clone(),
                },
                ip,
                session: Some(session.id),
            },
            Identity::Impersonating {
                employee,
                user,
                session,
                ..
            } => Actor {
                kind: ActorKind::EmployeeAsClient {
                    employee_id: employee.id,
                    email: employee.email.clone(),
                    user_id: user.id,
                    client_id: user.client_id,
                },
                ip,
                session: Some(session.id),
            },
        }
    }

    /// The session the request came with.
    pub fn session(&self) -> &Session {
        match self {
            Identity::Employee { session, .. }
            | Identity::ClientUser { session, .. }
            | Identity::Impersonating { session, .. } => session,
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

/// Reads the identity behind the request's session: its row must be live (not ended from
/// elsewhere, not past its lifetime) and the person enabled. A session that fails this is
/// emptied, and the person told.
pub async fn resolve(req: &HttpRequest) -> Result<Option<Identity>, WebError> {
    if let Some(Resolved(identity)) = req.extensions().get::<Resolved>() {
        return Ok(identity.clone());
    }
    let session = req.get_session();
    let key: Option<String> = session.get(SESSION_KEY).unwrap_or(None);
    let employee_id: Option<EmployeeId> = session.get(EMPLOYEE_ID).unwrap_or(None);
    let user_id: Option<UserId> = session.get(USER_ID).unwrap_or(None);
    let state = app_state(req)?;
    let identity = match (employee_id, user_id, key) {
        (Some(id), _, Some(key)) => {
            let employee = state
                .read_inline(move |conn| auth::session_employee(conn, &key, id))
                .await?
                .map(
                    |(session, employee, rights, must_set_up)| Identity::Employee {
                        employee,
                        rights,
                        session: Box::new(session),
                        must_set_up_two_factor: must_set_up,
                    },
                );
            match employee {
                Some(identity) => Some(impersonation(req, &session, &state, identity).await?),
                None => None,
            }
        }
        (None, Some(id), Some(key)) => state
            .read_inline(move |conn| auth::session_user(conn, &key, id))
            .await?
            .map(|(session, user, client, rights)| Identity::ClientUser {
                user,
                client: Box::new(client),
                rights,
                session: Box::new(session),
            }),
        _ => None,
    };
    if identity.is_none() && (employee_id.is_some() || user_id.is_some()) {
        end_session(&session);
        Flash::info("Your session has ended. Please sign in again.").set(&session);
    }
    if let Some(identity) = &identity {
        touch(&state, identity.session());
    }
    req.extensions_mut().insert(Resolved(identity.clone()));
    Ok(identity)
}

/// Notes in the background that a session was used, when its last-seen time is older
/// than `sessions::TOUCH_EVERY`: the page does not wait for the write.
fn touch(state: &AppState, session: &Session) {
    if crate::db::now() - session.last_seen_at < crate::domain::sessions::TOUCH_EVERY {
        return;
    }
    let state = state.clone();
    let id = session.id;
    actix_web::rt::spawn(async move {
        if let Err(e) = state.db(move |conn| auth::touch_session(conn, id)).await {
            tracing::debug!("cannot note when session {id} was last seen: {e}");
        }
    });
}

/// The employee as itself, or working as a client if its session says so and the time
/// limit, the permission and the client all still allow it. An impersonation that ends
/// here is audited, and the employee is told.
async fn impersonation(
    req: &HttpRequest,
    session: &CookieSession,
    state: &AppState,
    identity: Identity,
) -> Result<Identity, WebError> {
    let Some(user_id) = session.get::<UserId>(AS_CLIENT_USER).unwrap_or(None) else {
        return Ok(identity);
    };
    let Identity::Employee {
        employee,
        rights,
        session: own_session,
        must_set_up_two_factor,
    } = identity
    else {
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
            session: own_session,
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
                    session: Some(own_session.id),
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
            Ok(Identity::Employee {
                employee,
                rights,
                session: own_session,
                must_set_up_two_factor,
            })
        }
    }
}

/// Marks a request on which working as a client just ended, so the client area sends the
/// employee back to that client's card instead of refusing it.
#[derive(Clone, Copy)]
struct ImpersonationEnded(ClientId);

/// Starts working as a client's owner user, keeping the employee's own session.
pub fn start_impersonation(session: &CookieSession, user: &User) -> Result<(), WebError> {
    session.renew();
    session.insert(AS_CLIENT_USER, user.id)?;
    session.insert(AS_CLIENT, user.client_id)?;
    session.insert(AS_CLIENT_SINCE, chrono::Utc::now().timestamp())?;
    Ok(())
}

/// Back to the employee's own session.
pub fn stop_impersonation(session: &CookieSession) {
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

/// Puts a started session into the browser's cookie: a new cookie, a new CSRF token.
pub fn start_session(
    session: &CookieSession,
    login: &Login,
    started: &Started,
) -> Result<(), WebError> {
    end_session(session);
    match login {
        Login::Employee(employee) => session.insert(EMPLOYEE_ID, employee.id)?,
        Login::User(user) => session.insert(USER_ID, user.id)?,
    }
    session.insert(SESSION_KEY, &started.key)?;
    Ok(())
}

/// How long a right password waits for its second factor.
const SECOND_FACTOR_MINUTES: i64 = 5;
const PENDING: &str = "pending_person";
const PENDING_SINCE: &str = "pending_since";
const PENDING_NEXT: &str = "pending_next";

/// The password was right and a second factor is asked: the cookie remembers who, for a
/// few minutes, and where to go once signed in. No session starts yet.
pub fn await_second_factor(
    session: &CookieSession,
    person: PersonId,
    next: &str,
) -> Result<(), WebError> {
    end_session(session);
    session.insert(PENDING, person)?;
    session.insert(PENDING_SINCE, chrono::Utc::now().timestamp())?;
    session.insert(PENDING_NEXT, next)?;
    Ok(())
}

/// Who is waiting for its second factor in this browser, and where it goes next; `None`
/// when nobody is, or the wait is over.
pub fn awaiting_second_factor(session: &CookieSession) -> Option<(PersonId, String)> {
    let person: PersonId = session.get(PENDING).ok().flatten()?;
    let since: i64 = session.get(PENDING_SINCE).ok().flatten()?;
    let next: String = session.get(PENDING_NEXT).ok().flatten().unwrap_or_default();
    (chrono::Utc::now().timestamp() - since <= SECOND_FACTOR_MINUTES * 60).then_some((person, next))
}

/// Forgets everything in the cookie and renews it.
pub fn end_session(session: &CookieSession) {
    session.clear();
    session.renew();
}

/// What a new session records of the browser: its `User-Agent` and address.
pub fn device(req: &HttpRequest) -> Device {
    Device {
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned(),
        ip: client_ip(req),
    }
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
                    let Identity::Employee {
                        employee, rights, ..
                    } = identity
                    else {
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
                            ..
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

/// Where an employee sets up its second factor (the one admin page open to an employee a
/// policy holds to it, with the page's own forms below it).
const TWO_FACTOR_SETUP: &str = "/admin/profile/two-factor";

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
        // A policy requires a second factor it has not set up: the set-up page, first.
        Ok(Some(Identity::Employee {
            must_set_up_two_factor: true,
            ..
        })) if area == Area::Admin && !req.path().starts_with(TWO_FACTOR_SETUP) => {
            Flash::info(
                "Your account must sign in with a second factor: set up an authenticator app to go on.",
            )
            .set(&req.get_session());
            return Ok(req
                .into_response(page_redirect(TWO_FACTOR_SETUP))
                .map_into_right_body());
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
        // Signed in to the other area: a page to look at is found in one's own area; a form
        // sent to the wrong area is refused.
        Ok(Some(identity)) if req.method() == actix_web::http::Method::GET => {
            let home = match identity.area() {
                Area::Admin => "/admin",
                Area::Client => "/client",
            };
            Flash::info(match identity.area() {
                Area::Admin => {
                    "That page is in the client area; you are signed in as staff. Use “Log in as client” on a client's card to work as one."
                }
                Area::Client => "That page is for the provider's staff: here is your client area.",
            })
            .set(&req.get_session());
            return Ok(req.into_response(page_redirect(home)).map_into_right_body());
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
