//! The texts of the mail billpanel sends: one template per notice and language, with
//! named placeholders (`{{ client }}`, `{{ amount }}`), rendered by minijinja.
//!
//! billpanel ships an English and a Russian text of every notice (templates/mail/<language>/
//! <notice>.txt: a `Subject:` line, a blank line, the body). Staff with `mail.templates` may
//! edit them at `/admin/mail-templates`, for every provider or for one; an edited template is
//! kept in `mail_templates` and wins over the shipped text. A template is checked before it
//! is saved: bad syntax and placeholders the notice does not have are refused with the line.
//!
//! Templates are plain text, rendered without escaping; the HTML part of a message is made
//! from the rendered text by `message::html_of`, which escapes all of it, the values of the
//! placeholders included (a client named `<b>` reads as `<b>`, never as bold).
//!
//! Mail is written in the language of its recipient: a client's language, English for staff
//! (until employees choose one), English where a language has no text.

use std::sync::LazyLock;

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};

use crate::db::DbConnection;
use crate::db::models::mail_template::{MailTemplate, NewMailTemplate};
use crate::db::models::{Client, Provider};
use crate::domain::audit::{self, Target};
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError, FieldErrors, text};
use crate::ids::{ClientId, ProviderId};

/// The languages mail is written in, with the name each calls itself.
pub const LANGUAGES: &[(&str, &str)] = &[("en", "English"), ("ru", "Русский")];

/// A language billpanel writes mail in: `raw` when it is one, else English.
pub fn language(raw: &str) -> &'static str {
    LANGUAGES
        .iter()
        .map(|(code, _)| *code)
        .find(|code| raw.trim().eq_ignore_ascii_case(code))
        .unwrap_or("en")
}

/// A language chosen on a form: one of `LANGUAGES`, or "" when left empty.
pub fn chosen_language(raw: &str) -> Result<String, String> {
    match raw.trim() {
        "" => Ok(String::new()),
        raw => LANGUAGES
            .iter()
            .find(|(code, _)| *code == raw)
            .map(|(code, _)| (*code).to_owned())
            .ok_or_else(|| "Choose a language from the list.".to_owned()),
    }
}

/// Who a notice goes to, for the list of notices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Client,
    Staff,
}

/// A name a template may use, what it stands for, and the value a preview shows.
#[derive(Debug)]
pub struct Placeholder {
    pub name: &'static str,
    pub meaning: &'static str,
    pub sample: &'static str,
}

/// One kind of mail billpanel sends.
#[derive(Debug)]
pub struct Notice {
    /// Its name in `mail_templates` and the file name of its shipped texts.
    pub key: &'static str,
    pub label: &'static str,
    pub audience: Audience,
    pub placeholders: &'static [Placeholder],
}

const fn p(name: &'static str, meaning: &'static str, sample: &'static str) -> Placeholder {
    Placeholder {
        name,
        meaning,
        sample,
    }
}

const CLIENT: Placeholder = p("client", "the client's name", "Alex Smith");
const SITE: Placeholder = p(
    "site",
    "the address of the panel",
    "https://billing.example.com",
);
const SERVICE: Placeholder = p("service", "the service's tariff", "VPS Small");
const SERVICE_ID: Placeholder = p("service_id", "the service's number", "1042");
const BY: Placeholder = p(
    "by",
    "who did it: unpaid (the billing run), staff or client",
    "unpaid",
);
const TICKET: Placeholder = p("ticket", "the ticket's number", "5310");
const TICKET_SUBJECT: Placeholder = p(
    "subject",
    "the ticket's subject",
    "The server does not boot",
);
const AUTHOR: Placeholder = p("author", "who wrote", "Dana Lee");
const WRITTEN: Placeholder = p(
    "message",
    "what was written",
    "Hello, the server stopped answering this morning.",
);

macro_rules! notices {
    ($( $name:ident $key:literal $label:literal $audience:ident [$($placeholder:expr),* $(,)?]; )*) => {
        $(
            pub const $name: Notice = Notice {
                key: $key,
                label: $label,
                audience: Audience::$audience,
                placeholders: &[$($placeholder),*],
            };
        )*
        /// Every notice, in the order the list of templates shows them.
        pub const NOTICES: &[&Notice] = &[$(&$name),*];

        /// The text billpanel ships for a notice in a language.
        fn shipped_text(key: &str, language: &str) -> Option<&'static str> {
            match (key, language) {
                $(
                    ($key, "en") => Some(include_str!(concat!("../../../templates/mail/en/", $key, ".txt"))),
                    ($key, "ru") => Some(include_str!(concat!("../../../templates/mail/ru/", $key, ".txt"))),
                )*
                _ => None,
            }
        }
    };
}

notices! {
    REGISTRATION_CONFIRM "registration_confirm" "Registration: confirm the address" Client [
        p("name", "the name given at registration", "Alex Smith"), SITE,
        p("link", "the link that finishes registering", "https://billing.example.com/register/confirm?token=…"),
        p("hours", "how many hours the link works", "24"),
    ];
    REGISTRATION_TAKEN "registration_taken" "Registration with an address that has an account" Client [
        SITE,
        p("sign_in", "the sign-in page", "https://billing.example.com/login"),
    ];
    EMAIL_CONFIRM "email_confirm" "New e-mail address: confirm it" Client [
        p("name", "the user's name", "Alex Smith"), SITE,
        p("link", "the link that confirms the address", "https://billing.example.com/email/confirm?token=…"),
        p("hours", "how many hours the link works", "24"),
    ];
    PASSWORD_RESET "password_reset" "Password reset" Client [
        p("name", "the person's name", "Alex Smith"), SITE,
        p("link", "the link to choose a new password", "https://billing.example.com/password/reset?token=…"),
        p("minutes", "how many minutes the link works", "60"),
    ];
    INVITATION "invitation" "Invitation to a client's account" Client [
        p("name", "the invited person's name", "Sam Jones"), CLIENT, SITE,
        p("link", "the link to accept and choose a password", "https://billing.example.com/invitation?token=…"),
        p("days", "how many days the link works", "7"),
    ];
    INVITATION_TAKEN "invitation_taken" "Invitation to an address that has a sign-in" Client [
        CLIENT, SITE,
    ];
    ACCOUNT_OPENED "account_opened" "Account opened by staff, with sign-in details" Client [
        p("name", "the client's name", "Alex Smith"),
        p("email", "the address to sign in with", "alex@example.com"),
        p("password", "the password staff chose", "correct-horse-42"),
        p("sign_in", "the sign-in page", "https://billing.example.com/login"),
    ];
    PAYMENT_RECEIVED "payment_received" "Payment received" Client [
        CLIENT, p("payment", "the payment's number", "7781"),
        p("amount", "the amount with its currency", "1500.00 RUB"),
        p("date", "when it was received, in the provider's time zone", "2026-12-07 14:30"),
    ];
    BILL_ISSUED "bill_issued" "Top-up bill issued" Client [
        CLIENT, p("company", "the company that issued it", "Example Hosting Ltd"),
        p("number", "the bill's number", "2026-000123"),
        p("date", "the day it was issued", "2026-12-07"),
        p("payer", "the payer it is made out to", "Alex Smith"),
        p("total", "the total with its currency", "1500.00 RUB"),
    ];
    DOCUMENT_ISSUED "document_issued" "Document issued (act, credit note, reconciliation)" Client [
        CLIENT, p("document", "the kind of document", "Act of completion"),
        p("company", "the company that issued it", "Example Hosting Ltd"),
        p("number", "the document's number", "2026-000456"),
        p("date", "the day it was issued", "2026-11-30"),
        p("payer", "the payer it is made out to", "Alex Smith"),
        p("total", "the total with its currency", "1500.00 RUB"),
    ];
    LOW_BALANCE "low_balance" "Low balance before a renewal" Client [
        CLIENT, SERVICE, SERVICE_ID,
        p("renews_on", "when it renews, in the provider's time zone", "2026-12-10 09:00"),
        p("missing", "what the balance lacks, with its currency", "350.00 RUB"),
    ];
    SERVICE_ACTIVATED "service_activated" "Service activated" Client [
        CLIENT, SERVICE, SERVICE_ID,
        p("paid_until", "paid until, in the provider's time zone", "2027-01-07"),
    ];
    SERVICE_SUSPENDED "service_suspended" "Service suspended" Client [
        CLIENT, SERVICE, SERVICE_ID, BY,
    ];
    SERVICE_RESUMED "service_resumed" "Service resumed" Client [
        CLIENT, SERVICE, SERVICE_ID,
        p("paid_until", "paid until, in the provider's time zone", "2027-01-07"),
    ];
    SERVICE_DELETED "service_deleted" "Service deleted" Client [
        CLIENT, SERVICE, SERVICE_ID, BY,
    ];
    TICKET_REPLY "ticket_reply" "Reply to a client's ticket" Client [
        CLIENT, TICKET, TICKET_SUBJECT, AUTHOR,
        p("reply", "the reply", "We restarted the server; it answers again."),
    ];
    PROVIDER_MESSAGE "provider_message" "Message from the provider" Client [
        CLIENT, p("subject", "the message's subject", "Planned maintenance"),
        p("message", "the message", "On Saturday the network is down from 02:00 to 03:00."),
    ];
    STAFF_TICKET_OPENED "staff_ticket_opened" "New ticket (to staff)" Staff [
        TICKET, TICKET_SUBJECT, AUTHOR,
        p("department", "the department it was written to", "Technical support"), WRITTEN,
    ];
    STAFF_TICKET_REPLY "staff_ticket_reply" "Client's reply on a ticket (to staff)" Staff [
        TICKET, TICKET_SUBJECT, AUTHOR, WRITTEN,
    ];
    STAFF_TICKET_TRANSFERRED "staff_ticket_transferred" "Ticket transferred (to staff)" Staff [
        TICKET, TICKET_SUBJECT,
        p("department", "the department it was moved to", "Billing"),
    ];
}

/// A mass mailing's text: written for each mailing, not kept among the notices.
pub const MAILING: Notice = Notice {
    key: "mailing",
    label: "Mailing",
    audience: Audience::Client,
    placeholders: &[
        CLIENT,
        p(
            "unsubscribe",
            "the link that stops mailings to the client (added at the end when the text has none)",
            "https://billing.example.com/mailings/unsubscribe?client=…",
        ),
    ],
};

/// The notice named `key`.
pub fn notice(key: &str) -> Option<&'static Notice> {
    NOTICES.iter().copied().find(|n| n.key == key)
}

/// What a template makes: the subject line and the plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub subject: String,
    pub body: String,
    /// Whom it is from: the provider's notification address (`Provider <billing@…>`), or ""
    /// for the server's From.
    pub from: String,
}

impl Letter {
    /// The letter as a row of the outbox, to `recipient`, written at `at`.
    pub fn to<'a>(
        &'a self,
        recipient: &'a str,
        at: NaiveDateTime,
    ) -> crate::db::models::NewOutboxMail<'a> {
        crate::db::models::NewOutboxMail {
            recipient,
            sender: &self.from,
            subject: &self.subject,
            body: &self.body,
            created_at: at,
        }
    }
}

/// Whom mail is written for: in which language, for which provider's templates, and in
/// which time zone its times are written.
#[derive(Debug, Clone)]
pub struct Addressee {
    /// The client's name, for `{{ client }}`; empty for others.
    pub name: String,
    /// The From of mail to them: their provider's notification address, with its name.
    pub from: String,
    pub language: &'static str,
    pub provider: Option<ProviderId>,
    pub zone: Tz,
}

impl Addressee {
    /// An employee: English, the templates for every provider, UTC.
    pub fn staff() -> Self {
        Self {
            name: String::new(),
            from: String::new(),
            language: "en",
            provider: None,
            zone: Tz::UTC,
        }
    }

    /// Someone who is not a client yet, writing to `provider` in `language`.
    pub fn of_provider(
        conn: &mut DbConnection,
        provider: ProviderId,
        language: &str,
    ) -> diesel::QueryResult<Self> {
        let found = Provider::find(conn, provider)?;
        let zone = found
            .as_ref()
            .map(|p| crate::domain::periods::zone(&p.time_zone))
            .unwrap_or(Tz::UTC);
        let from = found
            .as_ref()
            .and_then(|p| {
                let address = p.notification_email.parse().ok()?;
                Some(lettre::message::Mailbox::new(Some(p.name.clone()), address).to_string())
            })
            .unwrap_or_default();
        Ok(Self {
            name: String::new(),
            from,
            language: self::language(language),
            provider: Some(provider),
            zone,
        })
    }

    /// A client, in its language; `provider` is whose templates and time zone apply (the
    /// provider of the account concerned), else the client's first provider.
    pub fn client(
        conn: &mut DbConnection,
        client: ClientId,
        provider: Option<ProviderId>,
    ) -> diesel::QueryResult<Self> {
        let (name, language) = Client::find(conn, client)?
            .map(|c| (c.name, c.language))
            .unwrap_or_default();
        let provider = match provider {
            Some(id) => Some(id),
            None => crate::db::models::Account::first_provider_of(conn, client)?,
        };
        let to = match provider {
            Some(id) => Self::of_provider(conn, id, &language)?,
            None => Self {
                language: self::language(&language),
                ..Self::staff()
            },
        };
        Ok(Self { name, ..to })
    }

    /// A moment as this addressee reads it: `2026-12-07 14:30` in their provider's zone.
    pub fn time(&self, at: NaiveDateTime) -> String {
        at.and_utc()
            .with_timezone(&self.zone)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// The day of a moment in their provider's zone: `2026-12-07`.
    pub fn day(&self, at: NaiveDateTime) -> String {
        at.and_utc()
            .with_timezone(&self.zone)
            .format("%Y-%m-%d")
            .to_string()
    }
}

/// The values of a notice's placeholders.
pub type Values<'a> = [(&'static str, String)];

/// Writes a notice for `to`: the template staff edited for its provider or for every
/// provider in its language, else the shipped text in its language, else in English. A
/// stored template that fails (it was checked when saved, but a value may still trip it)
/// gives way to the shipped text, so a notice is never lost to a template.
pub fn write(
    conn: &mut DbConnection,
    notice: &'static Notice,
    to: &Addressee,
    values: &Values<'_>,
) -> diesel::QueryResult<Letter> {
    debug_assert!(
        values
            .iter()
            .all(|(name, _)| notice.placeholders.iter().any(|p| p.name == *name)),
        "{} has no placeholder among {values:?}",
        notice.key
    );
    if let Some(edited) = MailTemplate::edited(conn, notice.key, to.language, to.provider)? {
        match render(&edited.subject, &edited.body, values) {
            Ok(letter) => {
                return Ok(Letter {
                    from: to.from.clone(),
                    ..letter
                });
            }
            Err((field, e)) => tracing::warn!(
                notice = notice.key,
                language = to.language,
                "the edited mail template fails ({field}: {e}); the shipped text is used"
            ),
        }
    }
    let (subject, body) = shipped(notice, to.language);
    let letter = render(subject, body, values).unwrap_or_else(|(field, e)| {
        tracing::error!(
            notice = notice.key,
            "a shipped mail template fails ({field}: {e})"
        );
        Letter {
            subject: notice.label.to_owned(),
            body: values
                .iter()
                .map(|(name, value)| format!("{name}: {value}"))
                .collect::<Vec<_>>()
                .join("\n"),
            from: String::new(),
        }
    });
    Ok(Letter {
        from: to.from.clone(),
        ..letter
    })
}

/// The shipped subject and body of a notice in `language` (English if it has none).
pub fn shipped(notice: &Notice, language: &str) -> (&'static str, &'static str) {
    let text = shipped_text(notice.key, language)
        .or_else(|| shipped_text(notice.key, "en"))
        .unwrap_or("");
    split_shipped(text)
}

/// A shipped file: `Subject: …`, a blank line, the body.
fn split_shipped(text: &'static str) -> (&'static str, &'static str) {
    let (first, body) = text.split_once('\n').unwrap_or((text, ""));
    let subject = first.strip_prefix("Subject:").unwrap_or(first).trim();
    (subject, body.trim_start_matches('\n').trim_end())
}

/// Templates may call these besides their placeholders (minijinja lists them as undeclared).
const FUNCTIONS: &[&str] = &["range", "dict", "namespace"];

/// How much work one rendering may do: far more than any notice needs, little enough that
/// `{% for i in range(10**9) %}` stops at once.
const FUEL: u64 = 100_000;

static ENVIRONMENT: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_fuel(Some(FUEL));
    env
});

pub(crate) type Failure = (&'static str, String);

/// Renders a subject and a body with `values`; the error names the field and says what
/// failed, at which line.
pub(crate) fn render(subject: &str, body: &str, values: &Values<'_>) -> Result<Letter, Failure> {
    let context: std::collections::BTreeMap<&str, &str> =
        values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let one = |field: &'static str, source: &str| -> Result<String, Failure> {
        ENVIRONMENT
            .template_from_str(source)
            .and_then(|t| t.render(&context))
            .map_err(|e| (field, explain(&e)))
    };
    // A subject is one line whatever its values hold (no header can be smuggled in).
    let subject = one("subject", subject)?
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned();
    let body = one("body", body)?;
    Ok(Letter {
        subject,
        body,
        from: String::new(),
    })
}

/// A template error as a person can act on it: `Line 3: unexpected end of input`.
fn explain(e: &minijinja::Error) -> String {
    let what = match e.detail() {
        Some(detail) => format!("{}: {detail}", e.kind()),
        None => e.kind().to_string(),
    };
    match e.line() {
        Some(line) => format!("Line {line}: {what}."),
        None => format!("{what}."),
    }
}

/// The longest subject and body a template may have.
pub const MAX_SUBJECT: usize = 200;
pub const MAX_BODY: usize = 20_000;

/// A template as submitted, checked: one line of subject, a body, both templates that parse,
/// use only the notice's placeholders, and render with sample values.
pub fn check(notice: &Notice, subject: &str, body: &str) -> Result<(String, String), FieldErrors> {
    let mut errors = FieldErrors::new();
    let subject = text::required(subject, MAX_SUBJECT, "Enter the subject.")
        .map_err(|m| errors.add("subject", m))
        .ok();
    let body = text::required_lines(body, MAX_BODY, "Enter the text of the message.")
        .map_err(|m| errors.add("body", m))
        .ok();
    let (Some(subject), Some(body)) = (subject, body) else {
        return Err(errors);
    };
    for (field, source) in [("subject", &subject), ("body", &body)] {
        if let Err(message) = check_one(notice, source) {
            errors.add(field, message);
        }
    }
    if errors.is_empty()
        && let Err((field, message)) = render(&subject, &body, &samples(notice))
    {
        errors.add(field, message);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((subject, body))
}

/// One template: its syntax, then its placeholders.
fn check_one(notice: &Notice, source: &str) -> Result<(), String> {
    let template = ENVIRONMENT
        .template_from_str(source)
        .map_err(|e| explain(&e))?;
    let mut unknown: Vec<String> = template
        .undeclared_variables(false)
        .into_iter()
        .filter(|name| {
            !FUNCTIONS.contains(&name.as_str())
                && !notice.placeholders.iter().any(|p| p.name == name)
        })
        .collect();
    unknown.sort_by_key(|name| line_of(source, name));
    let Some(name) = unknown.first() else {
        return Ok(());
    };
    let known = notice
        .placeholders
        .iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ");
    let line = line_of(source, name);
    Err(format!(
        "Line {line}: “{name}” is not a placeholder of this notice. It has: {known}."
    ))
}

/// The first line where `name` stands as a word inside `{{ }}` or `{% %}`.
fn line_of(source: &str, name: &str) -> usize {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut line = 1;
    let mut rest = source;
    while let Some(start) = rest.find(['{']) {
        line += rest[..start].matches('\n').count();
        let tag = &rest[start..];
        let close = match tag.get(..2) {
            Some("{{") => "}}",
            Some("{%") => "%}",
            _ => {
                rest = &tag[1..];
                continue;
            }
        };
        let end = tag.find(close).map(|e| e + 2).unwrap_or(tag.len());
        let inside = &tag[..end];
        let found = inside.match_indices(name).any(|(at, _)| {
            !inside[..at].ends_with(is_word) && !inside[at + name.len()..].starts_with(is_word)
        });
        if found {
            return line
                + inside[..inside.find(name).unwrap_or(0)]
                    .matches('\n')
                    .count();
        }
        line += inside.matches('\n').count();
        rest = &tag[end..];
    }
    1
}

/// Whether a template uses the placeholder `name` (its source parses; false if not).
pub fn uses_placeholder(source: &str, name: &str) -> bool {
    ENVIRONMENT
        .template_from_str(source)
        .map(|t| t.undeclared_variables(false).contains(name))
        .unwrap_or(false)
}

/// The sample values of a notice's placeholders, for a preview.
pub fn samples(notice: &Notice) -> Vec<(&'static str, String)> {
    notice
        .placeholders
        .iter()
        .map(|p| (p.name, p.sample.to_owned()))
        .collect()
}

// ---- Staff editing templates ----

/// A notice's template in one language for every provider or one: what is in force and
/// whether staff edited it.
#[derive(Debug, Clone)]
pub struct TemplateText {
    pub subject: String,
    pub body: String,
    /// When staff saved it; `None` for the shipped text.
    pub edited: Option<MailTemplate>,
}

/// The template in force for exactly (notice, language, provider): the one saved for it,
/// else the shipped text. A provider without its own is shown the shipped text too, which
/// becomes its own once saved.
pub fn get(
    conn: &mut DbConnection,
    actor: &Actor,
    notice: &Notice,
    language: &str,
    provider: Option<ProviderId>,
) -> Result<TemplateText, DomainError> {
    require(actor, permissions::MAIL_TEMPLATES)?;
    let edited = MailTemplate::find_exact(conn, notice.key, language, provider)?;
    let fallback = match (&edited, provider) {
        (None, Some(_)) => MailTemplate::find_exact(conn, notice.key, language, None)?,
        _ => None,
    };
    let (subject, body) = match edited.as_ref().or(fallback.as_ref()) {
        Some(t) => (t.subject.clone(), t.body.clone()),
        None => {
            let (s, b) = shipped(notice, language);
            (s.to_owned(), b.to_owned())
        }
    };
    Ok(TemplateText {
        subject,
        body,
        edited,
    })
}

/// The providers a template may be saved for.
pub fn providers(
    conn: &mut DbConnection,
    actor: &Actor,
) -> Result<Vec<crate::db::models::provider::ProviderChoice>, DomainError> {
    require(actor, permissions::MAIL_TEMPLATES)?;
    Ok(Provider::choices(conn)?)
}

/// Every saved template, for the list of notices.
pub fn edited(conn: &mut DbConnection, actor: &Actor) -> Result<Vec<MailTemplate>, DomainError> {
    require(actor, permissions::MAIL_TEMPLATES)?;
    Ok(MailTemplate::all(conn)?)
}

/// Saves a template for (notice, language, provider) after `check` (audited).
pub fn save(
    conn: &mut DbConnection,
    actor: &Actor,
    notice: &Notice,
    language: &str,
    provider: Option<ProviderId>,
    subject: &str,
    body: &str,
) -> Result<(), DomainError> {
    require(actor, permissions::MAIL_TEMPLATES)?;
    let (subject, body) = check(notice, subject, body).map_err(DomainError::Invalid)?;
    crate::db::write_transaction(conn, |conn| {
        if let Some(id) = provider {
            Provider::find(conn, id)?.ok_or(DomainError::NotFound)?;
        }
        let now = crate::db::now();
        match MailTemplate::find_exact(conn, notice.key, language, provider)? {
            Some(t) => MailTemplate::update(conn, t.id, &subject, &body, actor.employee_id(), now)?,
            None => MailTemplate::insert(
                conn,
                &NewMailTemplate {
                    notice: notice.key,
                    language,
                    provider_id: provider,
                    subject: &subject,
                    body: &body,
                    updated_by: actor.employee_id(),
                    updated_at: now,
                },
            )
            .map_err(|e| {
                if crate::db::is_unique_violation(&e) {
                    DomainError::invalid(
                        "body",
                        "Someone saved this template at the same moment: look at it and save again.",
                    )
                } else {
                    e.into()
                }
            })?,
        }
        audit::record(
            conn,
            actor,
            "mail_template.save",
            Target::new("mail_template", 0),
            &describe(notice, language, provider),
        )?;
        Ok(())
    })
}

/// Forgets the saved template of (notice, language, provider): the shipped text (or, for a
/// provider, the template for every provider) is in force again (audited).
pub fn restore(
    conn: &mut DbConnection,
    actor: &Actor,
    notice: &Notice,
    language: &str,
    provider: Option<ProviderId>,
) -> Result<bool, DomainError> {
    require(actor, permissions::MAIL_TEMPLATES)?;
    crate::db::write_transaction(conn, |conn| {
        let Some(t) = MailTemplate::find_exact(conn, notice.key, language, provider)? else {
            return Ok(false);
        };
        MailTemplate::delete(conn, t.id)?;
        audit::record(
            conn,
            actor,
            "mail_template.restore",
            Target::new("mail_template", t.id),
            &describe(notice, language, provider),
        )?;
        Ok(true)
    })
}

fn describe(notice: &Notice, language: &str, provider: Option<ProviderId>) -> String {
    match provider {
        Some(id) => format!("{} ({language}) for provider #{id}", notice.key),
        None => format!("{} ({language})", notice.key),
    }
}

/// A preview: the template rendered with the notice's sample values, or why it cannot be.
pub fn preview(notice: &Notice, subject: &str, body: &str) -> Result<Letter, FieldErrors> {
    let (subject, body) = check(notice, subject, body)?;
    render(&subject, &body, &samples(notice)).map_err(|(field, m)| FieldErrors::one(field, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notice_ships_in_every_language_and_renders_with_its_samples() {
        for notice in NOTICES {
            for (language, _) in LANGUAGES {
                let text = shipped_text(notice.key, language)
                    .unwrap_or_else(|| panic!("{} has no {language} text", notice.key));
                assert!(text.starts_with("Subject: "), "{} {language}", notice.key);
                let (subject, body) = shipped(notice, language);
                let checked = check(notice, subject, body);
                assert!(checked.is_ok(), "{} {language}: {checked:?}", notice.key);
                let letter = render(subject, body, &samples(notice)).unwrap();
                assert!(!letter.subject.is_empty() && !letter.body.is_empty());
                assert!(!letter.body.contains("{{"), "{} {language}", notice.key);
            }
        }
    }

    #[test]
    fn unknown_placeholders_and_bad_syntax_are_refused_with_the_line() {
        let e = check(
            &PAYMENT_RECEIVED,
            "Paid",
            "Hello {{ client }},\n\nwe got {{ amout }}.",
        )
        .unwrap_err();
        assert_eq!(
            e.get("body"),
            "Line 3: “amout” is not a placeholder of this notice. It has: client, payment, amount, date."
        );
        // The block left open is named at its line.
        let e = check(&PAYMENT_RECEIVED, "Paid", "Hello\n{% if client %}\nno end").unwrap_err();
        assert_eq!(
            e.get("body"),
            "Line 2: syntax error: unexpected end of input, expected end of block."
        );
        let e = check(&PAYMENT_RECEIVED, "Paid {{ client", "Body").unwrap_err();
        assert!(
            e.get("subject").starts_with("Line 1: syntax error"),
            "{}",
            e.get("subject")
        );
        // A loop's own variable is no placeholder, and needs none.
        assert!(
            check(
                &PAYMENT_RECEIVED,
                "Paid",
                "{% for c in client %}{{ c }}{% endfor %}"
            )
            .is_ok()
        );
        // Work without end stops.
        let e = check(
            &PAYMENT_RECEIVED,
            "Paid",
            "{% for i in range(100000) %}{{ i }}{% endfor %}",
        )
        .unwrap_err();
        assert!(!e.get("body").is_empty());
    }

    #[test]
    fn a_subject_stays_one_line_whatever_its_values_hold() {
        let letter = render(
            "Re: {{ subject }}",
            "{{ subject }}",
            &[("subject", "Hi\r\nBcc: everyone@example.com".to_owned())],
        )
        .unwrap();
        assert_eq!(letter.subject, "Re: Hi  Bcc: everyone@example.com");
    }

    #[test]
    fn the_line_of_a_name_is_found_inside_tags_only() {
        assert_eq!(line_of("amount\n{{ amount }}", "amount"), 2);
        assert_eq!(line_of("{{ client }}\n\n{% if x %}", "x"), 3);
        assert_eq!(line_of("{{ amounts }}\n{{ amount }}", "amount"), 2);
    }
}
