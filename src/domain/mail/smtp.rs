//! The SMTP server mail goes through: `BILLPANEL_SMTP_URL` read into settings, and the
//! lettre transport (with its connection pool, so a burst of mail reuses connections).

use std::time::Duration;

use lettre::SmtpTransport;
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// `smtp://`: plain connection upgraded by STARTTLS, which the server must offer.
    StartTls,
    /// `smtps://`: TLS from the first byte (port 465).
    Tls,
    /// `smtp://…?tls=none`: no encryption at all (a relay on the same host or network).
    None,
}

/// A parsed `BILLPANEL_SMTP_URL`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: Option<String>,
    password: Option<String>,
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// How long one exchange with the server (a read or a write) may wait before the send
/// counts as a temporary failure. The worker starts a send only while its claim on the
/// message has many of these left (`delivery::MARGIN`).
pub const TIMEOUT: Duration = Duration::from_secs(30);

impl SmtpUrl {
    /// `smtp://user:pass@host:587` (STARTTLS required), `smtps://user:pass@host:465`, or
    /// `smtp://host:25?tls=none`. User and password are percent-decoded.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = url::Url::parse(raw.trim()).map_err(|e| format!("not a URL ({e})"))?;
        let mut security = match url.scheme() {
            "smtp" => Security::StartTls,
            "smtps" => Security::Tls,
            other => {
                return Err(format!("the scheme must be smtp or smtps, not {other:?}"));
            }
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("it names no host")?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref()) {
                ("tls", "none") if security == Security::StartTls => security = Security::None,
                ("tls", "required") if security == Security::StartTls => {}
                ("tls", other) => {
                    return Err(format!(
                        "tls={other} is not understood (smtp:// takes tls=required or tls=none)"
                    ));
                }
                (other, _) => return Err(format!("the parameter {other:?} is not understood")),
            }
        }
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|_| "its user or password is not UTF-8".to_owned())
        };
        let user = match url.username() {
            "" => None,
            u => Some(decode(u)?),
        };
        let password = url.password().map(decode).transpose()?;
        if password.is_some() && user.is_none() {
            return Err("it has a password but no user".into());
        }
        let port = url.port().unwrap_or(match security {
            Security::Tls => 465,
            Security::StartTls => 587,
            Security::None => 25,
        });
        Ok(Self {
            host,
            port,
            security,
            user,
            password,
        })
    }

    /// The URL without its password, for logs and pages.
    pub fn redacted(&self) -> String {
        let scheme = if self.security == Security::Tls {
            "smtps"
        } else {
            "smtp"
        };
        let user = self
            .user
            .as_deref()
            .map(|u| format!("{u}:***@"))
            .unwrap_or_default();
        let tls = if self.security == Security::None {
            "?tls=none"
        } else {
            ""
        };
        format!("{scheme}://{user}{}:{}{tls}", self.host, self.port)
    }

    /// The transport: a connection kept open for each sender, each send bounded by `TIMEOUT`.
    pub fn transport(&self) -> Result<SmtpTransport, String> {
        let tls = match self.security {
            Security::None => Tls::None,
            Security::StartTls | Security::Tls => {
                let parameters = TlsParameters::new(self.host.clone())
                    .map_err(|e| format!("cannot set up TLS for {}: {e}", self.host))?;
                if self.security == Security::Tls {
                    Tls::Wrapper(parameters)
                } else {
                    Tls::Required(parameters)
                }
            }
        };
        let mut builder = SmtpTransport::builder_dangerous(self.host.clone())
            .port(self.port)
            .tls(tls)
            .timeout(Some(TIMEOUT))
            .pool_config(PoolConfig::new().max_size(crate::domain::mail::delivery::SENDERS as u32));
        if let (Some(user), Some(password)) = (&self.user, &self.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(builder.build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_means_starttls_required_on_587() {
        let url = SmtpUrl::parse("smtp://mailer:p%40ss@mail.example.com").unwrap();
        assert_eq!(url.security, Security::StartTls);
        assert_eq!(url.port, 587);
        assert_eq!(url.user.as_deref(), Some("mailer"));
        assert_eq!(url.password.as_deref(), Some("p@ss"));
        assert_eq!(url.redacted(), "smtp://mailer:***@mail.example.com:587");
    }

    #[test]
    fn smtps_and_plain_only_when_asked() {
        let tls = SmtpUrl::parse("smtps://mail.example.com").unwrap();
        assert_eq!((tls.security, tls.port), (Security::Tls, 465));
        let plain = SmtpUrl::parse("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert_eq!((plain.security, plain.port), (Security::None, 2525));
        assert_eq!(plain.redacted(), "smtp://127.0.0.1:2525?tls=none");
    }

    #[test]
    fn what_is_refused() {
        for bad in [
            "mail.example.com",
            "http://mail.example.com",
            "smtps://mail.example.com?tls=none",
            "smtp://mail.example.com?tls=maybe",
            "smtp://mail.example.com?pool=9",
            "smtp://:secret@mail.example.com",
            "smtp://",
        ] {
            assert!(SmtpUrl::parse(bad).is_err(), "{bad} was taken");
        }
    }
}
