//! Starting billpanel: connect, migrate, make sure an administrator exists, serve.

use std::time::Duration;

use actix_web::HttpServer;

use crate::config::Config;
use crate::db::{self, DbPool, Engine};
use crate::domain::bootstrap;
use crate::web::{self, AppState};

/// Connects and applies pending migrations. Used by `serve` and `migrate`.
pub fn open_database(config: &Config) -> Result<DbPool, String> {
    let pool = db::connect(&config.database_url, config.pool_size)?;
    let mut conn = pool.get().map_err(|e| format!("cannot connect: {e}"))?;
    let applied = db::run_migrations(&mut conn)?;
    for version in &applied {
        tracing::info!(version = %version, "applied migration");
    }
    // The dashboard's money figures, the first time since they were added.
    let rebuilt = db::write_transaction(&mut conn, |conn| {
        match crate::db::models::money_figure::MoneyFigure::missing(conn)? {
            true => crate::db::models::money_figure::MoneyFigure::rebuild(conn).map(Some),
            false => Ok(None),
        }
    })
    .map_err(|e| format!("cannot build the money figures from the ledger: {e}"))?;
    if let Some(rows) = rebuilt {
        tracing::info!("built the dashboard's money figures from the ledger ({rows} rows)");
    }
    let missing = db::missing_sqlite_options(&mut conn);
    if !missing.is_empty() {
        tracing::warn!(
            "this build's SQLite lacks {}: pages will be slower (build billpanel from its own \
             folder, where .cargo/config.toml sets LIBSQLITE3_FLAGS)",
            missing.join(", ")
        );
    }
    Ok(pool)
}

/// Creates the first administrator when there is no employee, and says so once in the log.
pub fn ensure_admin(pool: &DbPool, config: &Config) -> Result<(), String> {
    let mut conn = pool.get().map_err(|e| format!("cannot connect: {e}"))?;
    let created = bootstrap::ensure_admin(
        &mut conn,
        config.admin_email.as_deref(),
        config.admin_password.as_deref(),
    )
    .map_err(|e| format!("cannot create the administrator: {e}"))?;
    if let Some(admin) = created {
        match admin.generated_password {
            Some(password) => tracing::warn!(
                "Created the administrator {} with the password {password} \
                 (shown only this once: sign in at /admin/login and keep it safe)",
                admin.employee.email
            ),
            None => tracing::info!(
                "Created the administrator {} with the password from BILLPANEL_ADMIN_PASSWORD",
                admin.employee.email
            ),
        }
    }
    Ok(())
}

/// `billpanel serve`: runs until stopped.
pub async fn serve(config: Config) -> Result<(), String> {
    tracing::info!(database = %config.database_url.redacted(), "starting billpanel");
    let pool = open_database(&config)?;
    ensure_admin(&pool, &config)?;
    // Built now, so the first sign-in with an unknown email costs no more than any other.
    crate::domain::password::verify_against_dummy("");
    if config.database_url.engine == Engine::Sqlite {
        spawn_checkpointer(pool.clone());
    }
    spawn_housekeeping(pool.clone());
    resume_mailings(&pool, &config);
    match &config.mail.smtp {
        Some(url) => {
            tracing::info!(smtp = %url.redacted(), from = %config.mail.from, "mail is sent");
            spawn_mailer(pool.clone(), &config.mail)?.keep();
        }
        None => tracing::warn!(
            "BILLPANEL_SMTP_URL is not set: mail waits in the outbox, unsent (see /admin/outbox)"
        ),
    }
    if config.billing_schedule {
        spawn_billing(pool.clone());
    } else {
        tracing::info!("BILLPANEL_BILLING_RUN=off: this server runs no billing run by itself");
    }
    let bind = config.bind.clone();
    let state = AppState::new(pool, config);
    let server = HttpServer::new(move || web::app(state.clone()))
        .bind(&bind)
        .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    tracing::info!("billpanel is listening on http://{bind}");
    server
        .run()
        .await
        .map_err(|e| format!("server stopped: {e}"))
}

/// Checkpoints the SQLite write-ahead log every second (and shrinks it every minute) so it
/// stays small and reads stay fast.
fn spawn_checkpointer(pool: DbPool) {
    let spawned = std::thread::Builder::new()
        .name("wal-checkpoint".into())
        .spawn(move || {
            for tick in 1u64.. {
                std::thread::sleep(Duration::from_secs(1));
                if let Ok(mut conn) = db::checkout(&pool)
                    && let Err(e) = db::checkpoint(&mut conn, tick % 60 == 0)
                {
                    tracing::debug!("WAL checkpoint skipped: {e}");
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the WAL checkpoint thread: {e}");
    }
}

/// Starts the thread that delivers the outbox: it sends whatever is due, then looks again
/// after `poll`. The handle stops it (tests start and stop one per app); `serve` keeps it
/// for as long as it runs.
pub fn spawn_mailer(
    pool: DbPool,
    mail: &crate::config::MailConfig,
) -> Result<MailerHandle, String> {
    use crate::domain::mail::delivery::Mailer;
    let url = mail.smtp.as_ref().ok_or("BILLPANEL_SMTP_URL is not set")?;
    let mailer = Mailer::new(url, mail.from.clone(), mail.retry_delays.clone())?;
    let poll = mail.poll;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = stop.clone();
    std::thread::Builder::new()
        .name("mailer".into())
        .spawn(move || {
            while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                match db::checkout(&pool) {
                    Ok(mut conn) => match mailer.deliver_due(&mut conn) {
                        Ok(report) if report == Default::default() => {}
                        Ok(report) => tracing::info!("mail: {report}"),
                        Err(e) => tracing::warn!("mail: {e}"),
                    },
                    Err(e) => tracing::warn!("the mailer has no database connection: {e}"),
                }
                std::thread::sleep(poll);
            }
        })
        .map_err(|e| format!("cannot start the mail thread: {e}"))?;
    Ok(MailerHandle { stop })
}

/// Stops its mail thread when dropped (after the round it is in).
pub struct MailerHandle {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl MailerHandle {
    /// Lets the thread run for as long as the process does.
    pub fn keep(self) {
        std::mem::forget(self);
    }
}

impl Drop for MailerHandle {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Runs the billing run a minute after start and then every hour; each run finds what is
/// due by itself, so a missed hour is caught up by the next.
fn spawn_billing(pool: DbPool) {
    let spawned = std::thread::Builder::new()
        .name("billing-run".into())
        .spawn(move || {
            std::thread::sleep(Duration::from_secs(60));
            loop {
                match db::checkout(&pool) {
                    Ok(mut conn) => {
                        let report = crate::domain::billing_run::run(
                            &mut conn,
                            db::now(),
                            &mut |_, _, _| {},
                        );
                        if report.errors.is_empty() {
                            tracing::info!("billing run: {report}");
                        } else {
                            tracing::error!("billing run: {report}: {:?}", report.errors);
                        }
                        let now = db::now();
                        match crate::domain::documents::acts::issue_due(&mut conn, now) {
                            Ok(Some(acts)) => {
                                tracing::info!("acts of last month: {}", acts.words("last month"))
                            }
                            Ok(None) => {}
                            Err(e) => tracing::error!("acts of last month: {e}"),
                        }
                    }
                    Err(e) => tracing::warn!("the billing run has no database connection: {e}"),
                }
                std::thread::sleep(crate::domain::billing_run::INTERVAL);
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the billing run thread: {e}");
    }
}

/// How many times queuing a mailing is tried before it waits for the next start.
const MAILING_TRIES: u32 = 5;

/// Queues a mailing into the outbox on a thread of its own, a chunk of clients per
/// transaction, so the pages never wait on it.
pub fn spawn_mailing_queue(pool: DbPool, config: &Config, id: crate::ids::MailingId) {
    let site = config.public_url.clone();
    let key = config.secret_key.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("mailing-{id}"))
        .spawn(move || {
            let started = std::time::Instant::now();
            // A busy or restarting database is waited out; each try goes on where the
            // last chunk ended.
            for attempt in 1..=MAILING_TRIES {
                let queued = db::checkout(&pool)
                    .map_err(|e| e.to_string())
                    .and_then(|mut conn| {
                        crate::domain::mail::mailings::queue(&mut conn, id, &site, &key)
                            .map_err(|e| e.to_string())
                    });
                match queued {
                    Ok(()) => {
                        tracing::info!(mailing = %id, took = ?started.elapsed(), "mailing queued");
                        return;
                    }
                    Err(e) if attempt < MAILING_TRIES => {
                        tracing::warn!(mailing = %id, "queuing the mailing failed, trying again: {e}");
                        std::thread::sleep(Duration::from_secs(10 * attempt as u64));
                    }
                    Err(e) => tracing::error!(
                        mailing = %id,
                        "cannot queue the mailing; the next start goes on with it: {e}"
                    ),
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(mailing = %id, "cannot start queuing the mailing: {e}");
    }
}

/// Goes on queuing the mailings a stopped server left half-queued.
fn resume_mailings(pool: &DbPool, config: &Config) {
    let unfinished = db::checkout(pool)
        .map_err(|e| e.to_string())
        .and_then(|mut conn| {
            crate::domain::mail::mailings::unfinished(&mut conn).map_err(|e| e.to_string())
        });
    match unfinished {
        Ok(ids) => {
            for id in ids {
                spawn_mailing_queue(pool.clone(), config, id);
            }
        }
        Err(e) => tracing::warn!("cannot look for half-queued mailings: {e}"),
    }
}

/// Every ten minutes, forgets failed sign-ins whose window and lock have passed, sessions
/// ended (or begun) more than a month ago, and registrations and password links whose link
/// expired.
fn spawn_housekeeping(pool: DbPool) {
    let spawned = std::thread::Builder::new()
        .name("housekeeping".into())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(600));
                match db::checkout(&pool) {
                    Ok(mut conn) => {
                        if let Err(e) = crate::domain::auth::forget_old_failures(&mut conn) {
                            tracing::warn!("cannot clean up old sign-in failures: {e}");
                        }
                        if let Err(e) = crate::domain::sessions::forget_old(&mut conn) {
                            tracing::warn!("cannot clean up old sessions: {e}");
                        }
                        if let Err(e) = crate::domain::registration::forget_expired(&mut conn) {
                            tracing::warn!("cannot clean up expired registrations: {e}");
                        }
                        if let Err(e) = crate::domain::password_resets::forget_expired(&mut conn) {
                            tracing::warn!("cannot clean up expired password links: {e}");
                        }
                        if let Err(e) =
                            crate::domain::email_confirmations::forget_expired(&mut conn)
                        {
                            tracing::warn!("cannot clean up expired confirmation links: {e}");
                        }
                    }
                    Err(e) => tracing::warn!("housekeeping has no database connection: {e}"),
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the housekeeping thread: {e}");
    }
}
