//! The billing run: renews what is due, suspends what cannot be paid, deletes what stayed
//! unpaid past the provider's deletion period, and warns clients whose balance will not
//! cover a coming renewal. `billpanel billing-run` runs it once; `billpanel serve` every hour.
//!
//! It works in chunks of [`CHUNK`] services, one transaction each, so a crash loses at most
//! the chunk under way and the next run does the rest. Every change is conditional on the
//! service being as it was read (active, paid until the same moment), and each period's
//! expense is unique per (service, period start): two runs at once, or a run racing a
//! client's "renew now", charge each period once.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};

use crate::db::models::Account;
use crate::db::models::renewal::{self, Renewal};
use crate::db::models::service::{DueService, SUSPENDED_UNPAID, Service, ServiceNotice};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::periods::{add_months_in, zone};
use crate::domain::services::{self, format_at};
use crate::domain::{Actor, DomainError};
use crate::ids::{AccountId, ServiceId};

/// Services per transaction: small enough that a crash loses little and pages stay
/// responsive, large enough that the cost of a commit is shared.
pub const CHUNK: i64 = 500;

/// Days before a renewal on which a client whose balance will not cover it is warned.
pub const NOTICE_DAYS: [i64; 3] = [1, 3, 7];

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    pub renewed: u64,
    pub suspended: u64,
    pub deleted: u64,
    pub notified: u64,
    pub errors: Vec<String>,
}

impl std::fmt::Display for RunReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "renewed {}, suspended {}, deleted {}, notified {}, errors {}",
            self.renewed,
            self.suspended,
            self.deleted,
            self.notified,
            self.errors.len()
        )
    }
}

/// How far the run has come, for a progress bar: (step, done, total).
pub type Progress<'a> = &'a mut dyn FnMut(&str, u64, u64);

/// Runs every step as of `at`.
pub fn run(conn: &mut DbConnection, at: NaiveDateTime, progress: Progress<'_>) -> RunReport {
    let mut report = RunReport::default();
    renew_due(conn, at, &mut report, progress);
    delete_expired(conn, at, &mut report);
    notify_low_balance(conn, at, &mut report);
    report
}

/// What happened to one due service.
enum Outcome {
    Renewed,
    Suspended,
    /// Someone else changed it first.
    Skipped,
}

fn renew_due(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    report: &mut RunReport,
    progress: Progress<'_>,
) {
    let total = match Service::count_due(conn, at) {
        Ok(n) => n as u64,
        Err(e) => {
            report
                .errors
                .push(format!("cannot count due services: {e}"));
            return;
        }
    };
    let mut done = 0;
    // A run as of a time far past a service's paid-until (catching up after a pause) renews
    // it period after period. A pass goes through the due services in order of paid-until,
    // and a renewed service whose new paid-until falls before the pass's cursor is met
    // again only by the next pass: passes repeat while they renew something.
    loop {
        let renewed_before = report.renewed;
        if !renew_pass(conn, at, report, progress, &mut done, total) {
            return;
        }
        if report.renewed == renewed_before {
            return;
        }
    }
}

/// One pass of `renew_due` over the services due by `at`; false when it could not read.
fn renew_pass(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    report: &mut RunReport,
    progress: Progress<'_>,
    done: &mut u64,
    total: u64,
) -> bool {
    let mut cursor: Option<(NaiveDateTime, ServiceId)> = None;
    loop {
        // The chunk is read inside its transaction. On SQLite that transaction holds the
        // write lock from its start, so nothing can move until it commits and that read is
        // the one to decide on; PostgreSQL reads the chunk again once its accounts are locked.
        let attempt = db::write_transaction(conn, |conn| {
            if let DbConnection::Postgresql(_) = conn {
                // The re-read under the locks must see what the writers before us committed,
                // whatever the server's default isolation.
                diesel::connection::SimpleConnection::batch_execute(
                    conn,
                    "SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
                )?;
            }
            let batch = Service::due(conn, at, cursor, CHUNK)?;
            let reread = !matches!(conn, DbConnection::Sqlite(_));
            let outcomes = renew_batch(conn, &batch, at, reread)?;
            Ok::<_, DomainError>((batch, outcomes))
        });
        let batch = match attempt {
            Ok((batch, outcomes)) => {
                count(report, &outcomes);
                batch
            }
            // One bad service must not hold back the rest: read the chunk again and go
            // through it one by one.
            Err(_) => {
                let batch = match Service::due(conn, at, cursor, CHUNK) {
                    Ok(batch) => batch,
                    Err(e) => {
                        report.errors.push(format!("cannot read due services: {e}"));
                        return false;
                    }
                };
                for service in &batch {
                    match db::write_transaction(conn, |conn| {
                        renew_batch(conn, std::slice::from_ref(service), at, true)
                    }) {
                        Ok(outcomes) => count(report, &outcomes),
                        Err(e) => {
                            tracing::error!(service = %service.id, "billing run: {e}");
                            report.errors.push(format!("service #{}: {e}", service.id));
                        }
                    }
                }
                batch
            }
        };
        let Some(last) = batch.last() else {
            return true;
        };
        cursor = last.paid_until.map(|until| (until, last.id));
        *done += batch.len() as u64;
        progress("renewing", (*done).min(total), total);
        if cursor.is_none() {
            return true;
        }
    }
}

fn count(report: &mut RunReport, outcomes: &[Outcome]) {
    for outcome in outcomes {
        match outcome {
            Outcome::Renewed => report.renewed += 1,
            Outcome::Suspended => report.suspended += 1,
            Outcome::Skipped => {}
        }
    }
}

/// Renews or suspends each service of the batch, in one transaction. Accounts are locked
/// first, in id order, as every charge locks them. `reread`: the batch was read before the
/// locks, so read it again under them.
fn renew_batch(
    conn: &mut DbConnection,
    batch: &[DueService],
    at: NaiveDateTime,
    reread: bool,
) -> Result<Vec<Outcome>, DomainError> {
    let actor = Actor::system();
    let ids: Vec<AccountId> = batch.iter().map(|s| s.account_id).collect();
    let mut accounts: HashMap<AccountId, Account> = Account::lock_many(conn, &ids)?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    // Decide on the services as they are under the locks: a client or an employee may have
    // suspended one, renewed it or turned auto-renew off since the batch was read.
    let fresh: HashMap<ServiceId, DueService> = if reread {
        let service_ids: Vec<ServiceId> = batch.iter().map(|s| s.id).collect();
        Service::active_by_ids(conn, &service_ids)?
            .into_iter()
            .map(|s| (s.id, s))
            .collect()
    } else {
        batch.iter().map(|s| (s.id, s.clone())).collect()
    };
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut renewals = Vec::new();
    for read in batch {
        let Some(due) = fresh
            .get(&read.id)
            .filter(|f| f.paid_until == read.paid_until)
        else {
            outcomes.push(Outcome::Skipped);
            continue;
        };
        let (Some(old), Some(account)) = (due.paid_until, accounts.get_mut(&due.account_id)) else {
            outcomes.push(Outcome::Skipped);
            continue;
        };
        if old > at {
            outcomes.push(Outcome::Skipped);
            continue;
        }
        let anchor = due.anchor_at.unwrap_or(old);
        if due.auto_renew && account.covers(due.price) {
            let until = add_months_in(
                anchor,
                due.paid_months + due.period_months,
                zone(&due.time_zone),
            );
            // Written together after the loop; the balance moves now, so the next service of
            // the same account is decided on what is left.
            account.balance -= due.price;
            renewals.push(Renewal {
                service: due.id,
                client: due.client_id,
                account: due.account_id,
                months: due.period_months,
                price: due.price,
                start: old,
                end: until,
            });
            outcomes.push(Outcome::Renewed);
        } else {
            if !Service::suspend_unpaid(conn, due.id, old, at)? {
                outcomes.push(Outcome::Skipped);
                continue;
            }
            let detail = if due.auto_renew {
                format!(
                    "the balance did not cover the renewal; paid until {}",
                    format_at(old)
                )
            } else {
                format!("auto-renew is off; paid until {}", format_at(old))
            };
            services::record_event(conn, &actor, due.id, "suspended", SUSPENDED_UNPAID, &detail)?;
            services::notify(
                conn,
                due.id,
                services::About::Suspended {
                    by: services::By::Unpaid,
                },
            )?;
            audit::record(
                conn,
                &actor,
                "service.suspend",
                Target::new("service", due.id),
                &format!("active → suspended_unpaid: {detail}"),
            )?;
            outcomes.push(Outcome::Suspended);
        }
    }
    if !renewal::write_batch(conn, &renewals, &actor.label(), db::now())? {
        // A service moved although its account was locked: some writer did not lock it. The
        // chunk is rolled back and done again one service at a time, and the service that
        // moves alone is reported: it is a fault to look into, not a race to ride out.
        return Err(DomainError::Internal(match batch {
            [one] => format!("service #{} changed under its account's lock", one.id),
            _ => "a service changed under the billing run's locks".into(),
        }));
    }
    Ok(outcomes)
}

/// Deletes services suspended for non-payment longer than their provider's deletion period.
fn delete_expired(conn: &mut DbConnection, at: NaiveDateTime, report: &mut RunReport) {
    let actor = Actor::system();
    // No provider keeps them less than a day; each service's own period is checked below.
    let since = at - Duration::days(1);
    let mut after = None;
    loop {
        let batch = match Service::suspended_unpaid_since(conn, since, after, CHUNK) {
            Ok(batch) => batch,
            Err(e) => {
                report
                    .errors
                    .push(format!("cannot read suspended services: {e}"));
                return;
            }
        };
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        let expired: Vec<&DueService> = batch
            .iter()
            .filter(|s| {
                s.suspended_at
                    .is_some_and(|t| t + Duration::days(i64::from(s.deletion_days)) <= at)
            })
            .collect();
        let outcome = db::write_transaction(conn, |conn| {
            // Accounts first, as every change of a service locks them.
            let accounts: Vec<AccountId> = expired.iter().map(|s| s.account_id).collect();
            Account::lock_many(conn, &accounts)?;
            let mut deleted = 0;
            for due in &expired {
                if services::delete_unpaid(conn, &actor, due, at)? {
                    deleted += 1;
                }
            }
            Ok::<_, DomainError>(deleted)
        });
        match outcome {
            Ok(n) => report.deleted += n,
            Err(e) => {
                tracing::error!("billing run, deletions: {e}");
                report.errors.push(format!("deleting services: {e}"));
            }
        }
    }
}

/// Queues a notice for each auto-renewing service whose renewal comes within a week and
/// which the balance will not cover: once at 7, 3 and 1 days before.
fn notify_low_balance(conn: &mut DbConnection, at: NaiveDateTime, report: &mut RunReport) {
    let last_day = NOTICE_DAYS.iter().max().copied().unwrap_or(7);
    let mut after = None;
    loop {
        let batch = match Service::renewing_between(
            conn,
            at,
            at + Duration::days(last_day),
            after,
            CHUNK,
        ) {
            Ok(batch) => batch,
            Err(e) => {
                report
                    .errors
                    .push(format!("cannot read coming renewals: {e}"));
                return;
            }
        };
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        let outcome = db::write_transaction(conn, |conn| notify_batch(conn, &batch, at));
        match outcome {
            Ok(n) => report.notified += n,
            Err(e) => {
                tracing::error!("billing run, notices: {e}");
                report.errors.push(format!("low-balance notices: {e}"));
            }
        }
    }
}

fn notify_batch(
    conn: &mut DbConnection,
    batch: &[DueService],
    at: NaiveDateTime,
) -> Result<u64, DomainError> {
    let ids: Vec<AccountId> = batch.iter().map(|s| s.account_id).collect();
    let accounts: HashMap<AccountId, Account> = Account::find_many(conn, &ids)?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let mut sent = 0;
    for due in batch {
        let (Some(until), Some(account)) = (due.paid_until, accounts.get(&due.account_id)) else {
            continue;
        };
        if account.covers(due.price) {
            continue;
        }
        let left = until - at;
        let Some(days) = NOTICE_DAYS
            .iter()
            .copied()
            .find(|d| left <= Duration::days(*d))
        else {
            continue;
        };
        if ServiceNotice::sent(conn, due.id, until, days as i32)?
            || !ServiceNotice::insert_if_new(conn, due.id, until, days as i32, db::now())?
        {
            continue;
        }
        let missing = services::missing_for(conn, due.id, account, due.price)?;
        services::notify(
            conn,
            due.id,
            services::About::LowBalance {
                renews_on: until,
                missing: missing.to_string(),
            },
        )?;
        sent += 1;
    }
    Ok(sent)
}

/// Reads `--at`: a date means the end of that day (UTC), else a UTC time.
pub fn parse_at(text: &str) -> Result<NaiveDateTime, String> {
    use chrono::Datelike;
    let text = text.trim();
    let within = |at: NaiveDateTime| {
        if crate::domain::text::YEARS.contains(&at.year()) {
            Ok(at)
        } else {
            Err(format!("--at {text}: give a time between 1900 and 2200"))
        }
    };
    if text.len() == 10 {
        let date = crate::domain::text::date(text).map_err(|m| format!("--at {text}: {m}"))?;
        return date
            .and_hms_micro_opt(23, 59, 59, 999_999)
            .ok_or_else(|| format!("{text} is not a date"));
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return within(at);
        }
    }
    Err(format!(
        "--at {text}: give a date (2026-12-31) or a UTC time (2026-12-31T09:30:00)"
    ))
}

/// When the next run is due in `serve`: every hour.
pub const INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);
