//! Configuration from environment variables, with defaults that work on a fresh machine.

use std::path::Path;

use crate::db::DatabaseUrl;
use crate::domain::mail::smtp::SmtpUrl;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/billpanel.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

#[derive(Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub bind: String,
    /// The address people use to reach billpanel; `https://` makes session cookies Secure.
    pub public_url: String,
    /// Master key for the encrypted session cookie (at least 32 bytes).
    pub secret_key: Vec<u8>,
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy you run).
    pub behind_proxy: bool,
    pub pool_size: u32,
    /// How long "log in as client" lasts before the employee is sent back.
    pub impersonation_minutes: i64,
    /// The test card gateway's secret when it is on (`BILLPANEL_TEST_GATEWAY=1`): it signs
    /// its webhooks and checkout links. Off, the gateway takes no payment: it credits
    /// accounts without taking money, so it is for trying billpanel, never for production.
    pub test_gateway: Option<Vec<u8>>,
    /// Whether `serve` runs the billing run by itself every hour (`BILLPANEL_BILLING_RUN=off`
    /// leaves it to `billpanel billing-run` from cron or to another server).
    pub billing_schedule: bool,
    /// Registrations accepted from one address per hour (`BILLPANEL_REGISTRATIONS_PER_HOUR`).
    pub registrations_per_hour: u32,
    /// Where mail goes out and what it is sent from.
    pub mail: MailConfig,
}

/// Mail delivery: the SMTP server (`BILLPANEL_SMTP_URL`; none leaves mail in the outbox),
/// the From address (`BILLPANEL_MAIL_FROM`), the delays between tries and how often the
/// worker looks for mail to send.
#[derive(Clone, Debug)]
pub struct MailConfig {
    pub smtp: Option<SmtpUrl>,
    pub from: lettre::message::Mailbox,
    pub retry_delays: Vec<std::time::Duration>,
    pub poll: std::time::Duration,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            smtp: None,
            from: DEFAULT_MAIL_FROM.parse().expect("the default From parses"),
            retry_delays: crate::domain::mail::delivery::RETRY_DELAYS
                .iter()
                .map(|s| std::time::Duration::from_secs(*s))
                .collect(),
            poll: std::time::Duration::from_secs(2),
        }
    }
}

pub const DEFAULT_MAIL_FROM: &str = "billpanel <billpanel@localhost>";

impl MailConfig {
    fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut mail = Self::default();
        if let Some(url) = var("BILLPANEL_SMTP_URL") {
            mail.smtp = Some(
                SmtpUrl::parse(&url)
                    .map_err(|e| format!("BILLPANEL_SMTP_URL cannot be used: {e}"))?,
            );
        }
        if let Some(from) = var("BILLPANEL_MAIL_FROM") {
            mail.from = from.trim().parse().map_err(|e| {
                format!(
                    "BILLPANEL_MAIL_FROM must be an address such as \"Example Hosting \
                     <billing@example.com>\", not {from:?} ({e})"
                )
            })?;
        }
        Ok(mail)
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &self.database_url.redacted())
            .field("bind", &self.bind)
            .field("public_url", &self.public_url)
            .field("behind_proxy", &self.behind_proxy)
            .field("pool_size", &self.pool_size)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Reads the environment. The secret key comes from `BILLPANEL_SECRET_KEY`, else from
    /// `data/secret.key`, which is created once so sessions survive restarts.
    pub fn from_env() -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let database_url = DatabaseUrl::parse(
            &var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
        )?;
        let bind = var("BILLPANEL_BIND").unwrap_or_else(|| DEFAULT_BIND.into());
        let public_url = var("BILLPANEL_PUBLIC_URL").unwrap_or_else(|| format!("http://{bind}"));
        let secret_key = match var("BILLPANEL_SECRET_KEY") {
            Some(key) => key.into_bytes(),
            None => load_or_create_key(Path::new("data/secret.key"))?,
        };
        if secret_key.len() < 32 {
            return Err("BILLPANEL_SECRET_KEY must be at least 32 characters long".into());
        }
        let pool_size = match var("BILLPANEL_DB_POOL") {
            Some(v) => v
                .parse()
                .ok()
                .filter(|n| (1..=256).contains(n))
                .ok_or("BILLPANEL_DB_POOL must be a number from 1 to 256")?,
            None => 8,
        };
        let test_gateway = if var("BILLPANEL_TEST_GATEWAY").is_some_and(|v| v == "1" || v == "true")
        {
            Some(match var("BILLPANEL_TEST_GATEWAY_SECRET") {
                Some(secret) if secret.len() >= 32 => secret.into_bytes(),
                Some(_) => {
                    return Err(
                        "BILLPANEL_TEST_GATEWAY_SECRET must be at least 32 characters long".into(),
                    );
                }
                None => derive_key(&secret_key, "billpanel test card gateway"),
            })
        } else {
            None
        };
        let billing_schedule = on_or_off(
            "BILLPANEL_BILLING_RUN",
            var("BILLPANEL_BILLING_RUN").as_deref(),
            true,
        )?;
        let registrations_per_hour = match var("BILLPANEL_REGISTRATIONS_PER_HOUR") {
            Some(v) => v
                .parse()
                .ok()
                .filter(|n| (1..=100_000).contains(n))
                .ok_or("BILLPANEL_REGISTRATIONS_PER_HOUR must be a number from 1 to 100000")?,
            None => 10,
        };
        let mail = MailConfig::from_env(var)?;
        Ok(Self {
            mail,
            test_gateway,
            billing_schedule,
            registrations_per_hour,
            database_url,
            bind,
            public_url,
            secret_key,
            admin_email: var("BILLPANEL_ADMIN_EMAIL"),
            admin_password: var("BILLPANEL_ADMIN_PASSWORD"),
            behind_proxy: var("BILLPANEL_BEHIND_PROXY").is_some_and(|v| v == "1" || v == "true"),
            pool_size,
            impersonation_minutes: match var("BILLPANEL_IMPERSONATION_MINUTES") {
                Some(v) => v.parse().ok().filter(|n| (1..=1440).contains(n)).ok_or(
                    "BILLPANEL_IMPERSONATION_MINUTES must be a number of minutes from 1 to 1440",
                )?,
                None => 60,
            },
        })
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// A key of its own for one purpose, derived from the master key (HMAC-SHA256, hex).
pub fn derive_key(master: &[u8], purpose: &str) -> Vec<u8> {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(master).expect("any key length");
    mac.update(purpose.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .into_bytes()
}

/// A switch read from the environment: `on` or `off` (any case, spaces ignored), the
/// default when unset.
fn on_or_off(name: &str, value: Option<&str>, default: bool) -> Result<bool, String> {
    let Some(value) = value else {
        return Ok(default);
    };
    match value.trim().to_ascii_lowercase().as_str() {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("{name} must be on or off, not {value:?}")),
    }
}

/// Reads the key file, or writes a new random key to it (readable by the owner only).
fn load_or_create_key(path: &Path) -> Result<Vec<u8>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) if text.trim().len() >= 32 => return Ok(text.trim().as_bytes().to_vec()),
        Ok(_) => {
            return Err(format!(
                "{} holds no key of at least 32 characters",
                path.display()
            ));
        }
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!("cannot read {}: {e}", path.display()));
        }
        Err(_) => {}
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let key = random_hex(64);
    match write_private(path, &key) {
        Ok(()) => Ok(key.into_bytes()),
        // Another server starting at the same moment wrote it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            for _ in 0..50 {
                let text = std::fs::read_to_string(path).unwrap_or_default();
                if text.trim().len() >= 32 {
                    return Ok(text.trim().as_bytes().to_vec());
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(format!(
                "{} is being written by another process",
                path.display()
            ))
        }
        Err(e) => Err(format!("cannot write {}: {e}", path.display())),
    }
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

/// `bytes` random bytes as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes * 2);
    for b in buf {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::{on_or_off, random_hex};

    #[test]
    fn random_hex_is_two_lowercase_hex_digits_a_byte_and_differs_each_time() {
        let a = random_hex(32);
        assert_eq!(a.len(), 64);
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert_ne!(a, random_hex(32));
        assert_eq!(random_hex(0), "");
    }

    #[test]
    fn a_switch_is_on_or_off_and_anything_else_is_refused_by_name() {
        assert_eq!(on_or_off("X", None, true), Ok(true));
        assert_eq!(on_or_off("X", None, false), Ok(false));
        assert_eq!(on_or_off("X", Some("off"), true), Ok(false));
        assert_eq!(on_or_off("X", Some(" OFF "), true), Ok(false));
        assert_eq!(on_or_off("X", Some("on"), false), Ok(true));
        let refused = on_or_off("BILLPANEL_BILLING_RUN", Some("no"), true).unwrap_err();
        assert!(
            refused.contains("BILLPANEL_BILLING_RUN must be on or off"),
            "{refused}"
        );
    }
}
