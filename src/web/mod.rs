//! HTTP: routes, middleware, sessions, pages. Knows nothing of SQL; calls the domain
//! through `AppState::db`, which runs the blocking work off the async workers.

pub mod account;
pub mod admin;
pub mod assets;
pub mod client;
pub mod csrf;
pub mod csv;
pub mod error;
pub mod forms;
pub mod health;
pub mod identity;
pub mod list;
pub mod page;
pub mod public;
pub mod services;

use std::sync::Arc;

use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_session::storage::CookieSessionStore;
use actix_web::body::MessageBody;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, Logger, from_fn};
use actix_web::{App, web};
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::db::{DbConnection, DbPool};

pub use error::WebError;

/// Largest request body accepted (forms, and later ticket messages of up to 64 KiB).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// What every handler can reach: the pool and the configuration.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub config: Arc<Config>,
    /// Seals secrets kept at rest (second factors) with a key derived from the server's.
    pub sealer: Arc<crate::domain::secrets::Sealer>,
    /// Bounds how many password hashes run at once, so a burst of sign-ins cannot take
    /// every core from the pages.
    password_work: Arc<Semaphore>,
    /// Bounds how many client-list searches and export chunks run at once: a flood of them
    /// then waits here, holding no database connection, while every other page goes on
    /// being served.
    searches: Arc<Turns>,
    /// The admin dashboard's counted figures, shared by its viewers.
    pub dashboard: Arc<crate::domain::dashboard::CountedCache>,
    /// Counts of long lists, kept a while (see `list::ListCounts`).
    pub list_counts: Arc<list::ListCounts>,
}

/// How long a search waits for its turn before the page says the server is busy.
const SEARCH_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// A fixed number of turns at some expensive work. Waiting requests are served in the
/// order they came; one that waits longer than `wait` gets "busy" (503) instead of joining
/// a queue that only grows.
pub struct Turns {
    semaphore: Semaphore,
    wait: std::time::Duration,
}

impl Turns {
    pub fn new(turns: usize, wait: std::time::Duration) -> Self {
        Self {
            semaphore: Semaphore::new(turns.max(1)),
            wait,
        }
    }

    /// A turn, or `Unavailable` when none comes within the wait.
    pub async fn take(&self) -> Result<tokio::sync::SemaphorePermit<'_>, WebError> {
        match tokio::time::timeout(self.wait, self.semaphore.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(e)) => Err(WebError::Internal(format!("turns closed: {e}"))),
            Err(_) => Err(WebError::Unavailable(format!(
                "every turn stayed busy for {} ms",
                self.wait.as_millis()
            ))),
        }
    }

    /// A turn however long it takes: for work already under way, such as a download
    /// whose first bytes have been sent.
    pub async fn take_waiting(&self) -> Result<tokio::sync::SemaphorePermit<'_>, WebError> {
        self.semaphore
            .acquire()
            .await
            .map_err(|e| WebError::Internal(format!("turns closed: {e}")))
    }
}

impl AppState {
    pub fn new(pool: DbPool, config: Config) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        // Searches may take half the pool; the other half stays free for every other page.
        let searches = config.pool_size as usize / 2;
        Self {
            pool,
            sealer: Arc::new(crate::domain::secrets::Sealer::new(&config.secret_key)),
            config: Arc::new(config),
            password_work: Arc::new(Semaphore::new(cores)),
            searches: Arc::new(Turns::new(searches, SEARCH_WAIT)),
            dashboard: Arc::default(),
            list_counts: Arc::default(),
        }
    }

    /// A turn to search the client list; 503 when none comes within `SEARCH_WAIT`.
    pub async fn search_turn(&self) -> Result<tokio::sync::SemaphorePermit<'_>, WebError> {
        self.searches.take().await
    }

    /// A turn for the next chunk of a client export, however long it takes.
    pub async fn export_turn(&self) -> Result<tokio::sync::SemaphorePermit<'_>, WebError> {
        self.searches.take_waiting().await
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    pub async fn db<T, E, F>(&self, f: F) -> Result<T, WebError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<WebError> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = crate::db::checkout(&pool)
                .map_err(|e| WebError::Unavailable(format!("no database connection: {e}")))?;
            f(&mut conn).map_err(Into::into)
        })
        .await
        .map_err(|e| WebError::Internal(format!("blocking task failed: {e}")))?
    }

    /// Runs a short read, such as a session's identity (a few rows by primary key). On
    /// SQLite, when a connection is idle in the pool, it runs right here on the request's
    /// worker: such a read takes microseconds, less than handing it to the blocking pool
    /// and back. With PostgreSQL (a network round trip), or no idle connection, it goes to
    /// the blocking pool like `db`.
    ///
    /// Only for reads of a few rows by key: a write (which waits for the writer and for the
    /// disk) or a long read here would stall every other request of this worker.
    pub async fn read_inline<T, E, F>(&self, f: F) -> Result<T, WebError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<WebError> + Send + 'static,
    {
        if self.config.database_url.engine == crate::db::Engine::Sqlite
            && let Some(mut conn) = self.pool.try_get()
        {
            return f(&mut conn).map_err(Into::into);
        }
        self.db(f).await
    }

    /// Runs a domain operation that may refuse the input: `Ok(Outcome::Invalid(..))` carries
    /// the messages to show at the fields, any other refusal is an error page.
    pub async fn attempt<T, F>(&self, f: F) -> Result<forms::Outcome<T>, WebError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, crate::domain::DomainError> + Send + 'static,
        T: Send + 'static,
    {
        match self.db(move |conn| Ok::<_, WebError>(f(conn))).await? {
            Ok(value) => Ok(forms::Outcome::Done(value)),
            Err(crate::domain::DomainError::Invalid(errors)) => Ok(forms::Outcome::Invalid(errors)),
            Err(e) => Err(e.into()),
        }
    }

    /// Like `attempt`, for operations that hash a password (new users and employees): they
    /// wait their turn with the sign-ins.
    pub async fn attempt_with_password_work<T, F>(
        &self,
        f: F,
    ) -> Result<forms::Outcome<T>, WebError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, crate::domain::DomainError> + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self
            .password_work
            .acquire()
            .await
            .map_err(|e| WebError::Internal(format!("password work closed: {e}")))?;
        self.attempt(f).await
    }

    /// Like `db`, for work that hashes or verifies a password.
    pub async fn db_with_password_work<T, E, F>(&self, f: F) -> Result<T, WebError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<WebError> + Send + 'static,
    {
        let _permit = self
            .password_work
            .acquire()
            .await
            .map_err(|e| WebError::Internal(format!("password work closed: {e}")))?;
        self.db(f).await
    }
}

/// The whole application: routes, then middleware from the inside out.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let key = Key::derive_from(&state.config.secret_key);
    let state_https = state.config.secure_cookies();
    let sessions = SessionMiddleware::builder(CookieSessionStore::default(), key)
        .cookie_name("billpanel_session".into())
        .cookie_content_security(CookieContentSecurity::Private)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_secure(state.config.secure_cookies())
        .session_lifecycle(BrowserSession::default())
        .build();
    App::new()
        .app_data(web::Data::new(state))
        .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
        .app_data(web::FormConfig::default().limit(MAX_BODY_BYTES))
        .configure(routes)
        .default_service(web::to(not_found))
        .wrap(from_fn(csrf::verify))
        .wrap(from_fn(error::render_error_pages))
        .wrap(sessions)
        .wrap(security_headers(state_https))
        // The path without its query (%U): a sign-up, invitation or reset link carries its
        // token there, and logs are read by more people than the database is.
        .wrap(
            Logger::new("%a \"%{METHOD}xi %U\" %s %b %Dms")
                .custom_request_replace("METHOD", |req| req.method().to_string())
                .exclude("/healthz"),
        )
}

/// The route table of the whole application.
fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(public::home))
        .route("/healthz", web::get().to(health::healthz))
        .route("/static/{path:.*}", web::get().to(assets::serve))
        .configure(public::routes)
        .configure(admin::routes)
        .configure(client::routes);
}

async fn not_found() -> Result<actix_web::HttpResponse, WebError> {
    Err(WebError::NotFound)
}

/// Headers on every response: no inline scripts, no framing, no MIME sniffing, pages not
/// kept in caches (static files set their own caching), and HSTS when served over https.
fn security_headers(https: bool) -> DefaultHeaders {
    let headers = if https {
        DefaultHeaders::new().add(("Strict-Transport-Security", "max-age=31536000"))
    } else {
        DefaultHeaders::new()
    };
    headers
        .add(("Cache-Control", "no-store"))
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
             base-uri 'none'; object-src 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Turns, WebError};

    #[actix_web::test]
    async fn a_request_gets_busy_when_every_turn_stays_taken_and_a_turn_once_one_is_free() {
        let turns = Turns::new(2, Duration::from_millis(50));
        let first = turns.take().await.expect("a first turn");
        let _second = turns.take().await.expect("a second turn");
        assert!(matches!(turns.take().await, Err(WebError::Unavailable(_))));
        drop(first);
        assert!(turns.take().await.is_ok());
    }

    #[actix_web::test]
    async fn a_waiting_turn_comes_when_one_is_given_back() {
        let turns = std::sync::Arc::new(Turns::new(1, Duration::from_millis(10)));
        let held = turns.take().await.expect("the only turn");
        let waiter = {
            let turns = turns.clone();
            actix_web::rt::spawn(async move { turns.take_waiting().await.is_ok() })
        };
        // Longer than `take` would wait: the waiting turn does not give up.
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        drop(held);
        assert!(waiter.await.expect("the waiter finished"));
    }

    #[test]
    fn there_is_always_at_least_one_turn() {
        let turns = Turns::new(0, Duration::from_millis(1));
        assert_eq!(turns.semaphore.available_permits(), 1);
    }
}
