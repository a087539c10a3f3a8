//! Recent activity in words: an audit event as a person would say it ("Anna Smith recorded
//! payment #12 for Ivan Petrov"), linked to what it is about.

use std::collections::HashMap;

use crate::db::models::AuditEvent;
use crate::ids::{ClientId, EmployeeId, UserId};

/// One line of the dashboard's recent activity.
#[derive(Debug, Clone)]
pub struct Activity {
    pub at: chrono::NaiveDateTime,
    /// Who did it: an employee's or a client user's name, "A visitor", or "billpanel".
    pub who: String,
    /// A client user's client card, when the viewer may see clients.
    pub who_card: Option<String>,
    /// What they did, without its object ("recorded", "suspended").
    pub did: &'static str,
    /// What it was done to ("payment #12"), linked where it has a page.
    pub object: Option<(String, Option<String>)>,
    /// The client it concerned, when the viewer may see clients: name and card.
    pub client: Option<(String, String)>,
}

/// The verb of each audited action; the object follows it.
const VERBS: &[(&str, &str)] = &[
    ("canned_reply.create", "added"),
    ("canned_reply.delete", "deleted"),
    ("client.create", "added the client"),
    ("client.delete", "deleted the client"),
    ("client.disable", "disabled the client"),
    ("client.enable", "enabled the client"),
    ("client.message", "sent a message to"),
    ("client.register", "registered"),
    ("client.unsubscribe", "unsubscribed from mailings:"),
    ("client.update", "edited the client"),
    ("client.update_profile", "edited the profile of"),
    ("client_group.add_members", "added clients to"),
    ("client_group.create", "created"),
    ("client_group.delete", "deleted"),
    ("client_group.remove_member", "removed a client from"),
    ("client_group.update", "edited"),
    ("company.create", "added"),
    ("company.update", "edited"),
    ("currency.create", "added"),
    ("currency.set_rate", "set an exchange rate of"),
    ("currency.update", "edited"),
    ("department.create", "added"),
    ("department.set_permissions", "set the permissions of"),
    ("department.update", "edited"),
    ("document.cancel", "cancelled"),
    ("document.issue", "issued"),
    ("document.send", "sent again"),
    ("employee.change_password", "changed the password of"),
    ("employee.create", "added"),
    ("employee.reset_password", "reset the password of"),
    ("employee.set_permissions", "set the permissions of"),
    ("employee.update", "edited"),
    ("employee.update_profile", "edited the profile of"),
    ("impersonation.start", "logged in as"),
    ("impersonation.stop", "stopped acting as"),
    ("mail.resend", "sent again"),
    ("mail_template.restore", "restored the shipped text of"),
    ("mail_template.save", "edited"),
    ("mailing.send", "sent"),
    ("mailing.test", "tried"),
    ("password_reset", "reset a password:"),
    ("payer.create", "added"),
    ("payer.delete", "deleted"),
    ("payer.update", "edited"),
    ("payment.add", "recorded"),
    ("payment.cancel", "cancelled"),
    ("payment.create", "billed a bank transfer:"),
    ("payment.declined", "saw the card declined:"),
    ("payment.gateway_paid", "received by card"),
    ("payment.mark_paid", "marked as paid"),
    ("payment.refund", "refunded"),
    ("payment.succeeded", "received by card"),
    ("payment_method.create", "added"),
    ("payment_method.update", "edited"),
    ("product_type.create", "added"),
    ("provider.create", "added"),
    ("provider.update", "edited"),
    (
        "reauth.failed",
        "mistyped the password to confirm an action:",
    ),
    ("service.activate", "activated"),
    ("service.auto_renew", "changed auto-renewal of"),
    ("service.delete", "deleted"),
    ("service.order", "ordered"),
    ("service.paid_until", "changed the paid-until date of"),
    ("service.renew", "renewed"),
    ("service.resume", "resumed"),
    ("service.suspend", "suspended"),
    ("session.end", "ended a session of"),
    ("session.end_all", "ended every session of"),
    ("session.end_others", "ended the other sessions of"),
    ("sign_in", "signed in"),
    ("sign_in.failed", "mistyped a password signing in:"),
    ("sign_in.refused", "was refused sign-in:"),
    ("sign_out", "signed out"),
    ("tariff.create", "added"),
    ("tariff.update", "edited"),
    ("ticket.assign", "assigned"),
    ("ticket.client_reply", "replied in"),
    ("ticket.close", "closed"),
    ("ticket.note", "added a note to"),
    ("ticket.open", "opened"),
    ("ticket.reopen", "reopened"),
    ("ticket.status", "changed the status of"),
    ("ticket.reply", "answered"),
    ("ticket.transfer", "transferred"),
    ("two_factor.disable", "turned off two-factor sign-in for"),
    ("two_factor.enable", "turned on two-factor sign-in for"),
    ("two_factor.policy", "changed the two-factor rule of"),
    ("two_factor.recovery_codes", "made new recovery codes for"),
    ("two_factor.reset", "reset the second factor of"),
    ("user.change_password", "changed the password of"),
    ("user.confirm_email", "confirmed the e-mail address of"),
    ("user.create", "added"),
    ("user.delete", "deleted"),
    ("user.invite", "invited"),
    ("user.invite_cancel", "cancelled the invitation of"),
    ("user.reset_password", "reset the password of"),
    ("user.update", "edited"),
    ("user.update_profile", "edited the profile of"),
];

/// The verb of an action; an action this list does not know reads as "did something to".
pub fn verb(action: &str) -> &'static str {
    VERBS
        .iter()
        .find(|(a, _)| *a == action)
        .map_or("changed", |(_, verb)| verb)
}

/// An action as a label on its own (the audit log's column): "Refunded", "Changed the
/// password", "Signed in".
pub fn action_label(action: &str) -> String {
    let mut words = verb(action).trim_end_matches(':').to_owned();
    // Prepositions that wait for an object; "signed in" keeps its "in".
    for tail in [" of", " for", " to", " from", " as"] {
        if let Some(cut) = words.strip_suffix(tail) {
            words = cut.to_owned();
            break;
        }
    }
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

/// An audited object as a page names it: "payment #12", "group #3", "" for none.
pub fn object_name(kind: &str, id: &Option<i64>) -> String {
    match (kind, id) {
        ("", _) => String::new(),
        (kind, Some(id)) => object(kind, *id).map(|(name, _)| name).unwrap_or_default(),
        (kind, None) => kind.replace('_', " "),
    }
}

/// How an object is named, and the page it has in the admin area.
fn object(kind: &str, id: i64) -> Option<(String, Option<String>)> {
    let (noun, path) = match kind {
        "" => return None,
        "client" => ("client", Some("clients")),
        "employee" => ("employee", Some("employees")),
        "user" => ("user", None),
        "service" => ("service", Some("services")),
        "ticket" => ("ticket", Some("tickets")),
        "payment" => ("payment", Some("payments")),
        "client_group" => ("group", Some("client-groups")),
        "payer" => ("payer", None),
        "document" => ("document", Some("documents")),
        "department" => ("department", Some("departments")),
        "currency" => ("currency", Some("currencies")),
        "tariff" => ("tariff", None),
        "provider" => ("provider", Some("providers")),
        "payment_method" => ("payment method", Some("payment-methods")),
        "mailing" => ("mailing", Some("mailings")),
        "mail_template" => ("template", None),
        "company" => ("company", Some("companies")),
        "canned_reply" => ("reply", None),
        "product_type" => ("product type", None),
        "outbox" => ("message", Some("outbox")),
        _ => ("item", None),
    };
    Some((
        format!("{noun} #{id}"),
        path.map(|p| format!("/admin/{p}/{id}")),
    ))
}

/// The events as sentences. Names come from `employees`, `users` and `clients` (by id);
/// `users` and `clients` are empty when the viewer may not see clients: then no client or
/// client's user is named. `owners` gives the client of a payment, service or ticket.
pub fn describe(
    events: Vec<AuditEvent>,
    employees: &HashMap<EmployeeId, String>,
    users: &HashMap<UserId, String>,
    clients: &HashMap<ClientId, String>,
    owners: &HashMap<(String, i64), ClientId>,
) -> Vec<Activity> {
    events
        .into_iter()
        .map(|e| {
            let who = match (e.employee_id, e.user_id) {
                (Some(id), _) => employees.get(&id).cloned(),
                // A client's user is named only to those who may see clients.
                (None, Some(id)) => Some(
                    users
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| "A client".to_owned()),
                ),
                (None, None) => None,
            }
            .unwrap_or_else(|| match e.actor.as_str() {
                "" | "system" => "billpanel".to_owned(),
                "visitor" => "A visitor".to_owned(),
                actor => actor.to_owned(),
            });
            let acting_client = e.client_id.filter(|id| clients.contains_key(id));
            let who_card = e
                .user_id
                .and(acting_client)
                .map(|id| format!("/admin/clients/{}", id.0));
            // The client: the object itself when it is one, else the one the object belongs
            // to, else the client acted as (unless its own user acted: then it is implied).
            let client_id = match (e.object_type.as_str(), e.object_id) {
                ("client", Some(id)) => Some(ClientId(id)),
                (kind, Some(id)) => owners.get(&(kind.to_owned(), id)).copied(),
                _ => None,
            }
            .or(if e.user_id.is_some() {
                None
            } else {
                e.client_id
            })
            .filter(|id| e.user_id.is_none() || Some(*id) != e.client_id);
            let client = client_id.and_then(|id| {
                clients
                    .get(&id)
                    .map(|name| (name.clone(), format!("/admin/clients/{}", id.0)))
            });
            let object = match (e.object_type.as_str(), e.object_id) {
                // A client is named by the client part, or not at all.
                ("client", _) => None,
                // Signing in, out, or changing one's own profile: the actor is the object.
                ("employee", Some(id)) if e.employee_id == Some(EmployeeId(id)) => None,
                ("user", Some(id)) if e.user_id == Some(UserId(id)) => None,
                (kind, Some(id)) => object(kind, id),
                _ => None,
            };
            Activity {
                at: e.at,
                who,
                who_card,
                did: verb(&e.action),
                object,
                client,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_audited_action_has_words() {
        let mut missing = Vec::new();
        // Every string in the domain that reads like an action ("payment.refund"), but the
        // permission keys ("clients.view"), which are named apart.
        let prefixes = [
            "canned_reply",
            "client",
            "client_group",
            "company",
            "currency",
            "department",
            "document",
            "employee",
            "impersonation",
            "mail",
            "mail_template",
            "mailing",
            "payer",
            "payment",
            "payment_method",
            "product_type",
            "provider",
            "service",
            "session",
            "sign_in",
            "tariff",
            "ticket",
            "two_factor",
            "user",
        ];
        let domain = concat!(env!("CARGO_MANIFEST_DIR"), "/src/domain");
        for file in walk(std::path::Path::new(domain)) {
            if file.ends_with("permissions.rs") || file.ends_with("activity.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            for literal in text.split('"').skip(1).step_by(2) {
                let Some((prefix, rest)) = literal.split_once('.') else {
                    continue;
                };
                let action = prefixes.contains(&prefix)
                    && !rest.is_empty()
                    && rest.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                if action && verb(literal) == "changed" && !missing.contains(&literal.to_owned()) {
                    missing.push(literal.to_owned());
                }
            }
        }
        assert!(missing.is_empty(), "actions without words: {missing:?}");
    }

    #[test]
    fn an_action_reads_as_a_label_on_its_own() {
        assert_eq!(action_label("payment.refund"), "Refunded");
        assert_eq!(action_label("user.change_password"), "Changed the password");
        assert_eq!(action_label("sign_in.refused"), "Was refused sign-in");
        assert_eq!(action_label("client.message"), "Sent a message");
        assert_eq!(action_label("sign_in"), "Signed in");
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.extend(walk(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
        files
    }
}
