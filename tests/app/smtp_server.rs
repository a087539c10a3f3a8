//! A real SMTP server on loopback (mailin-embedded) that keeps what it receives and answers
//! as the test tells it: the mail tests talk to it over TCP exactly as to a provider's
//! server, so nothing in billpanel's client side is mocked.

use std::collections::VecDeque;
use std::net::{IpAddr, TcpListener};
use std::sync::{Arc, Mutex};

use mailin_embedded::{Handler, Response, Server};

/// One message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    /// The whole message as sent: headers and MIME body.
    pub data: String,
}

impl Received {
    /// A header's value (the first of that name), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or("");
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = value.as_mut()
                && (line.starts_with(' ') || line.starts_with('\t'))
            {
                v.push_str(line);
                continue;
            }
            if value.is_some() {
                break;
            }
            if let Some((n, v)) = line.split_once(':')
                && n.eq_ignore_ascii_case(name)
            {
                value = Some(v.trim().to_owned());
            }
        }
        value
    }
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    /// How the next recipients are answered, in order; 250 when empty.
    answers: VecDeque<(u16, String)>,
    /// How many recipients were answered (accepted or not): one per message here.
    tries: usize,
}

#[derive(Clone)]
struct Recorder {
    state: Arc<Mutex<State>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Recorder {
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        mailin_embedded::response::OK
    }

    fn mail(&mut self, _ip: IpAddr, _domain: &str, _from: &str) -> Response {
        self.to.clear();
        self.data.clear();
        mailin_embedded::response::OK
    }

    /// The scripted answers are given here, to the recipient, as greylisting (451) and
    /// unknown mailboxes (550) are in practice. (mailin does not leave DATA after refusing
    /// a message's end, so a refusal there would hang the client's next command.)
    fn rcpt(&mut self, to: &str) -> Response {
        let mut state = self.state.lock().unwrap();
        state.tries += 1;
        match state.answers.pop_front() {
            Some((code, text)) if code != 250 => Response::custom(code, text),
            _ => {
                self.to.push(to.to_owned());
                mailin_embedded::response::OK
            }
        }
    }

    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        _to: &[String],
    ) -> Response {
        mailin_embedded::response::START_DATA
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mut state = self.state.lock().unwrap();
        state.received.push(Received {
            to: std::mem::take(&mut self.to),
            data: String::from_utf8_lossy(&self.data).into_owned(),
        });
        mailin_embedded::response::OK
    }
}

/// What the server received, for browsers that follow the links in it.
#[derive(Clone)]
pub struct Mailbox(Arc<Mutex<State>>);

impl Mailbox {
    /// The link starting with `path` in the newest message for `to`, if one arrived.
    pub fn link(&self, to: &str, path: &str) -> Option<String> {
        let received = self.0.lock().unwrap().received.clone();
        received.iter().rev().find_map(|r| {
            if !r.to.iter().any(|t| t == to) {
                return None;
            }
            let message = mail_parser::MessageParser::default().parse(r.data.as_bytes())?;
            let text = message.body_text(0)?.into_owned();
            let at = text.find(path)?;
            let end = text[at..]
                .find(char::is_whitespace)
                .map_or(text.len(), |e| at + e);
            Some(text[at..end].to_owned())
        })
    }
}

/// The server, listening on a free port of 127.0.0.1 for as long as the test runs.
pub struct SmtpServer {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl SmtpServer {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let mut server = Server::new(Recorder {
            state: state.clone(),
            to: Vec::new(),
            data: Vec::new(),
        });
        server
            .with_name("smtp.test")
            .with_num_threads(64)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer { port, state }
    }

    pub fn mailbox(&self) -> Mailbox {
        Mailbox(self.state.clone())
    }

    /// `BILLPANEL_SMTP_URL` for this server.
    pub fn url(&self) -> billpanel::domain::mail::smtp::SmtpUrl {
        billpanel::domain::mail::smtp::SmtpUrl::parse(&format!(
            "smtp://127.0.0.1:{}?tls=none",
            self.port
        ))
        .unwrap()
    }

    /// The next messages' recipients are answered with these codes, in order (then 250).
    pub fn answer_next(&self, answers: &[(u16, &str)]) {
        let mut state = self.state.lock().unwrap();
        state
            .answers
            .extend(answers.iter().map(|(c, t)| (*c, (*t).to_owned())));
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// How many times a message was offered, accepted or not.
    pub fn tries(&self) -> usize {
        self.state.lock().unwrap().tries
    }
}

impl SmtpServer {
    /// The link starting with `path` in the newest message that arrived for `to`, as a
    /// path, read from its text part as a mail client shows it; waits up to 15 s for one.
    pub async fn link_mailed_to(&self, to: &str, path: &str) -> String {
        let started = std::time::Instant::now();
        loop {
            let link = self.mailbox().link(to, path);
            if let Some(link) = link {
                return link;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(15),
                "no message to {to} arrived with a link to {path}"
            );
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}
