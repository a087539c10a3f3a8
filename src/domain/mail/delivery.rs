//! Delivering the outbox: claim a few waiting messages, send each over SMTP, and record
//! what the server said. A temporary failure (no connection, a timeout, a 4xx answer) is
//! tried again later, each delay longer than the last; a permanent one (5xx) or the last
//! try fails the message with the server's answer. Nothing here runs inside the
//! transaction that queued the mail, so a mail server that is down never undoes a payment.

use std::time::Duration;

use chrono::NaiveDateTime;
use lettre::Transport;
use lettre::message::Mailbox;

use crate::db::models::OutboxMail;
use crate::db::{self, DbConnection};
use crate::domain::mail::message::{self, Attached};
use crate::domain::mail::smtp::{self, SmtpUrl};

/// Messages claimed at a time.
const BATCH: i64 = 100;

/// Messages sent at once, each on a connection of its own (the transport's pool keeps as
/// many).
pub const SENDERS: usize = 16;

/// How long a claim holds, and how much of it must be left to start a send. lettre's
/// timeout bounds each read and write, not a whole send: a send on a new connection is a
/// dozen exchanges (connect, greeting, EHLO, STARTTLS, TLS, EHLO, AUTH, MAIL, RCPT, DATA,
/// the message, its end), each allowed `TIMEOUT`. A send started with `MARGIN` left ends
/// before the claim does, so no other worker can claim the message meanwhile (on servers
/// whose clocks agree to within a minute or so, which NTP gives).
const CLAIM: Duration = Duration::from_secs(15 * 60);
const MARGIN: Duration = Duration::from_secs(12 * smtp::TIMEOUT.as_secs());

/// Mail still waiting this long after it was queued fails instead of going out late.
const EXPIRY: chrono::Duration = chrono::Duration::days(3);

/// The delays between tries by default: a minute, five, a quarter of an hour, an hour, three,
/// six and twelve hours; after the eighth try a message has failed (about a day later).
pub const RETRY_DELAYS: [u64; 7] = [60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600];

/// What one round of delivery did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    /// Failed this time, to be tried again.
    pub deferred: usize,
    pub failed: usize,
}

impl std::fmt::Display for DeliveryReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} sent, {} to try again, {} failed",
            self.sent, self.deferred, self.failed
        )
    }
}

/// One worker's sender: its SMTP transport, the From address, the delays between tries.
pub struct Mailer {
    transport: lettre::SmtpTransport,
    from: Mailbox,
    retry_delays: Vec<Duration>,
}

impl Mailer {
    pub fn new(url: &SmtpUrl, from: Mailbox, retry_delays: Vec<Duration>) -> Result<Self, String> {
        Ok(Self {
            transport: url.transport()?,
            from,
            retry_delays,
        })
    }

    /// Sends everything due now, batch after batch, until nothing is due (or the database
    /// cannot be reached).
    pub fn deliver_due(&self, conn: &mut DbConnection) -> Result<DeliveryReport, String> {
        let mut report = DeliveryReport::default();
        loop {
            let round = self.deliver_batch(conn)?;
            let done = round.sent + round.deferred + round.failed;
            report.sent += round.sent;
            report.deferred += round.deferred;
            report.failed += round.failed;
            if done == 0 {
                return Ok(report);
            }
        }
    }

    /// Claims one batch and sends it, `SENDERS` messages at a time: a send mostly waits on
    /// the server and on TCP's delayed acknowledgement of the message's last line (lettre
    /// 0.11.23 writes it apart from the body without TCP_NODELAY, which costs 40 ms a
    /// message; lettre's PR #1159 sets it but is not released yet), so one connection
    /// delivers some 22 messages a second and sixteen at once about 350. This thread
    /// records each result as it comes back.
    pub fn deliver_batch(&self, conn: &mut DbConnection) -> Result<DeliveryReport, String> {
        let claim = crate::config::random_hex(16);
        let started = std::time::Instant::now();
        let now = db::now();
        let until = now + chrono::Duration::from_std(CLAIM).unwrap_or_default();
        // A message written too long ago fails rather than goes out late; one written by a
        // transaction that committed after `expire` ran is not claimed either (the next
        // round fails it).
        OutboxMail::expire(conn, now - EXPIRY).map_err(|e| format!("cannot expire mail: {e}"))?;
        let batch = OutboxMail::claim_due(conn, &claim, now, until, now - EXPIRY, BATCH)
            .map_err(|e| format!("cannot claim mail: {e}"))?;
        let mut report = DeliveryReport::default();
        // Built here, where the database is (a document's PDF is made from it).
        let built: Vec<Result<lettre::Message, Failure>> =
            batch.iter().map(|mail| self.build(conn, mail)).collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let (results, outcomes) =
            std::sync::mpsc::channel::<(usize, Option<Result<(), Failure>>)>();
        let mut error = None;
        let mut released = Vec::new();
        std::thread::scope(|scope| {
            for _ in 0..SENDERS.min(batch.len()) {
                let results = results.clone();
                let (next, built) = (&next, &built);
                scope.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(message) = built.get(i) else { break };
                        // The claim would run out during this send: leave it for later.
                        let outcome = (started.elapsed() + MARGIN < CLAIM).then(|| match message {
                            Ok(message) => self.send(message),
                            Err(e) => Err(e.clone()),
                        });
                        if results.send((i, outcome)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(results);
            for (i, outcome) in outcomes {
                let mail = &batch[i];
                let recorded = match outcome {
                    None => {
                        released.push(mail.id);
                        Ok(())
                    }
                    Some(outcome) => self.record(conn, mail, &claim, outcome, &mut report),
                };
                if let Err(e) = recorded {
                    error.get_or_insert(e);
                }
            }
        });
        if !released.is_empty() {
            OutboxMail::release(conn, &released, &claim)
                .map_err(|e| format!("cannot release mail: {e}"))?;
        }
        match error {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }

    /// Writes down what became of one message.
    fn record(
        &self,
        conn: &mut DbConnection,
        mail: &OutboxMail,
        claim: &str,
        outcome: Result<(), Failure>,
        report: &mut DeliveryReport,
    ) -> Result<(), String> {
        match outcome {
            Ok(()) => {
                let message_id = message::message_id(mail, &self.sender(mail));
                let body = crate::domain::mail::without_secrets(&mail.body);
                let recorded =
                    OutboxMail::mark_sent(conn, mail.id, claim, &message_id, &body, db::now())
                        .map_err(|e| format!("cannot record a sent mail: {e}"))?;
                if recorded {
                    report.sent += 1;
                } else {
                    // Only if this send outlasted the claim (a server slower than every
                    // margin here, or clocks far apart): another worker may send it too.
                    tracing::warn!(
                        "mail #{} was sent after its claim ran out; it may go twice",
                        mail.id
                    );
                }
            }
            Err(failure) => {
                let next = match failure {
                    Failure::Permanent(_) => None,
                    Failure::Temporary(_) => self.next_try(mail.attempts + 1),
                };
                let answer = match (&failure, next) {
                    (Failure::Temporary(e), None) => {
                        format!("{e} (after {} tries)", mail.attempts + 1)
                    }
                    (Failure::Temporary(e) | Failure::Permanent(e), _) => e.clone(),
                };
                OutboxMail::mark_failed_try(conn, mail.id, claim, &answer, next)
                    .map_err(|e| format!("cannot record a failed mail: {e}"))?;
                if next.is_some() {
                    report.deferred += 1;
                } else {
                    report.failed += 1;
                }
            }
        }
        Ok(())
    }

    /// When to try again after `tries` tries, or none when that was the last.
    fn next_try(&self, tries: i32) -> Option<NaiveDateTime> {
        let delay = self.retry_delays.get(usize::try_from(tries - 1).ok()?)?;
        Some(db::now() + chrono::Duration::from_std(*delay).ok()?)
    }

    /// The message of an outbox row, or why it can never be sent.
    fn build(
        &self,
        conn: &mut DbConnection,
        mail: &OutboxMail,
    ) -> Result<lettre::Message, Failure> {
        let attached = match mail.document_id {
            None => None,
            Some(document) => crate::domain::documents::pdf_for_mail(conn, document)
                .map_err(|e| Failure::Temporary(format!("cannot make the document's PDF: {e}")))?
                .map(|(filename, bytes)| Attached {
                    filename,
                    content_type: "application/pdf",
                    bytes,
                }),
        };
        message::build(mail, &self.sender(mail), &self.from, attached).map_err(Failure::Permanent)
    }

    /// Whom a message is from: its provider's address when it has one that reads as a
    /// mailbox, else the server's From.
    fn sender(&self, mail: &OutboxMail) -> Mailbox {
        mail.sender.parse().unwrap_or_else(|_| self.from.clone())
    }

    /// Sends one message over one of the pool's connections.
    fn send(&self, message: &lettre::Message) -> Result<(), Failure> {
        match self.transport.send(message) {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(Failure::Permanent(e.to_string())),
            Err(e) => Err(Failure::Temporary(e.to_string())),
        }
    }
}

#[derive(Clone)]
enum Failure {
    /// Worth trying again: the server was away, slow, or answered 4xx.
    Temporary(String),
    /// Never going to work: a 5xx answer, or an address that does not parse.
    Permanent(String),
}
