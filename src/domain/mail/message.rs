//! An outbox row made into the message that goes out: plain text and HTML alternatives,
//! `Message-ID`, `Date`, `Auto-Submitted`, and a document's PDF attached when the mail is
//! about one.

use lettre::Message;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use crate::db::models::OutboxMail;

/// `Auto-Submitted: auto-generated` (RFC 3834): automatic mail, which mailers should not
/// answer with vacation replies.
#[derive(Debug, Clone)]
pub struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".into())
    }
}

/// `List-Unsubscribe: <https://…>` on a mailing: where a mail program's "unsubscribe"
/// button leads (RFC 2369).
#[derive(Debug, Clone)]
pub struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(
            s.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .into(),
        ))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): the button unsubscribes
/// with a POST to that address, without opening a page.
#[derive(Debug, Clone)]
pub struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}

/// A file sent with the message.
pub struct Attached {
    pub filename: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The Message-ID of an outbox row: the same on every try, so a receiver that got a message
/// whose acceptance was lost on the way back can tell the second copy for what it is.
pub fn message_id(mail: &OutboxMail, from: &Mailbox) -> String {
    format!(
        "<billpanel.{}.{}@{}>",
        mail.id,
        mail.created_at.and_utc().timestamp_micros(),
        from.email.domain()
    )
}

/// The message, or why it can never be sent (an address that does not parse).
/// `from` is whom it is from (a provider's address, or the server's); `server` the server's
/// own From, which stays the envelope sender and the `Sender:` when the two differ, so the
/// relay and SPF see the address the server may send as.
pub fn build(
    mail: &OutboxMail,
    from: &Mailbox,
    server: &Mailbox,
    attached: Option<Attached>,
) -> Result<Message, String> {
    let to: Mailbox = mail
        .recipient
        .trim()
        .parse()
        .map_err(|e| format!("the recipient {:?} is not an address ({e})", mail.recipient))?;
    // A subject is one line: a line break in it would start a header of its own.
    let subject: String = mail
        .subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let text = SinglePart::plain(mail.body.clone());
    let html = SinglePart::html(html_of(&mail.body));
    let alternative = MultiPart::alternative().singlepart(text).singlepart(html);
    let body = match attached {
        None => alternative,
        Some(file) => {
            let content_type = ContentType::parse(file.content_type)
                .map_err(|e| format!("bad attachment type: {e}"))?;
            MultiPart::mixed()
                .multipart(alternative)
                .singlepart(Attachment::new(file.filename).body(file.bytes, content_type))
        }
    };
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject.trim())
        .message_id(Some(message_id(mail, from)))
        .date_now();
    let builder = if from == server {
        builder
    } else {
        builder.sender(server.clone())
    };
    // A mailing was written by a person and can be unsubscribed from; notices are automatic.
    let builder = match mail.unsubscribe.as_str() {
        "" => builder.header(AutoSubmitted),
        address => builder
            .header(ListUnsubscribe(address.to_owned()))
            .header(ListUnsubscribePost),
    };
    builder
        .multipart(body)
        .map_err(|e| format!("cannot build the message: {e}"))
}

/// The HTML part of a plain-text body: escaped, paragraphs kept, links made clickable.
pub fn html_of(text: &str) -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head>\
         <body style=\"font-family:sans-serif;font-size:15px;line-height:1.5;color:#212529\">",
    );
    for paragraph in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        html.push_str("<p>");
        for (i, line) in paragraph.trim_matches('\n').lines().enumerate() {
            if i > 0 {
                html.push_str("<br>");
            }
            push_line(&mut html, line);
        }
        html.push_str("</p>");
    }
    html.push_str("</body></html>");
    html
}

/// One line, escaped, with every http(s) address in it as a link.
fn push_line(html: &mut String, line: &str) {
    let mut rest = line;
    while let Some(start) = [rest.find("https://"), rest.find("http://")]
        .into_iter()
        .flatten()
        .min()
    {
        push_escaped(html, &rest[..start]);
        let link = &rest[start..];
        let end = link
            .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
            .unwrap_or(link.len());
        let address = link[..end].trim_end_matches(['.', ',', ')', ';', ':']);
        html.push_str("<a href=\"");
        push_escaped(html, address);
        html.push_str("\">");
        push_escaped(html, address);
        html.push_str("</a>");
        rest = &link[address.len()..];
    }
    push_escaped(html, rest);
}

fn push_escaped(html: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            c => html.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_and_links() {
        let html = html_of("Hello <b>Ann</b> & co.\nPay at https://pay.example/x?a=1&b=2.\n\nBye");
        assert!(html.contains("<p>Hello &lt;b&gt;Ann&lt;/b&gt; &amp; co.<br>Pay at "));
        assert!(html.contains(
            "<a href=\"https://pay.example/x?a=1&amp;b=2\">https://pay.example/x?a=1&amp;b=2</a>.</p>"
        ));
        assert!(html.contains("<p>Bye</p>"));
    }

    fn mail(recipient: &str, subject: &str) -> OutboxMail {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 12, 7)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        OutboxMail {
            id: crate::ids::OutboxId(7),
            recipient: recipient.into(),
            subject: subject.into(),
            body: "Body".into(),
            created_at: now,
            sent_at: None,
            attempts: 0,
            last_error: String::new(),
            document_id: None,
            status: "waiting".into(),
            next_attempt_at: now,
            claimed_until: None,
            claim: String::new(),
            message_id: String::new(),
            sender: String::new(),
            mailing_id: None,
            unsubscribe: String::new(),
        }
    }

    #[test]
    fn a_line_break_in_a_subject_starts_no_header() {
        let from: Mailbox = "Billing <billing@provider.test>".parse().unwrap();
        let built = build(
            &mail(
                "ann@example.com",
                "Hello\r\nBcc: thief@evil.test\nX-Evil: 1",
            ),
            &from,
            &from,
            None,
        )
        .unwrap();
        let raw = String::from_utf8(built.formatted()).unwrap();
        let head = raw.split("\r\n\r\n").next().unwrap();
        assert!(
            !head
                .lines()
                .any(|l| l.starts_with("Bcc:") || l.starts_with("X-Evil:")),
            "{head}"
        );
        assert!(
            head.contains("Subject: Hello  Bcc: thief@evil.test X-Evil: 1"),
            "{head}"
        );
        assert!(head.contains("Message-ID: <billpanel.7."));
    }

    #[test]
    fn a_providers_from_keeps_the_server_as_sender_and_envelope() {
        let server: Mailbox = "billpanel <billing@server.test>".parse().unwrap();
        let provider: Mailbox = "Cloud EU <billing@cloud-eu.example>".parse().unwrap();
        let built = build(&mail("ann@example.com", "Hi"), &provider, &server, None).unwrap();
        assert_eq!(
            built.envelope().from().map(|a| a.to_string()).as_deref(),
            Some("billing@server.test")
        );
        let raw = String::from_utf8(built.formatted()).unwrap();
        assert!(
            raw.contains("From: \"Cloud EU\" <billing@cloud-eu.example>"),
            "{raw}"
        );
        assert!(
            raw.contains("Sender: billpanel <billing@server.test>"),
            "{raw}"
        );
    }

    #[test]
    fn a_recipient_with_a_header_in_it_is_refused() {
        let from: Mailbox = "billing@provider.test".parse().unwrap();
        assert!(
            build(
                &mail("ann@example.com\r\nBcc: thief@evil.test", "Hi"),
                &from,
                &from,
                None
            )
            .is_err()
        );
    }

    #[test]
    fn a_quote_ends_a_link() {
        let html = html_of("see http://a.example/\"onmouseover=x");
        assert!(html.contains("<a href=\"http://a.example/\">"));
        assert!(html.contains("&quot;onmouseover=x"));
    }
}
