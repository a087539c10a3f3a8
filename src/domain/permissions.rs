//! The permission registry: every section of the admin area and the functions in it,
//! declared here in code. Grants are stored by key for a department or an employee; an
//! employee's rights are its own grants plus those of all its departments, and an
//! administrator has every right. A function added here is granted to nobody but
//! administrators until someone grants it (deny by default).

use std::collections::BTreeSet;

use crate::domain::{Actor, ActorKind, DomainError};

/// One function of a section, e.g. "staff.edit".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Permission {
    pub key: &'static str,
    pub label: &'static str,
}

/// A section of the admin area and its functions, shown as one branch of the grant tree.
#[derive(Debug)]
pub struct Section {
    pub key: &'static str,
    pub label: &'static str,
    pub functions: &'static [Permission],
}

/// A type that names one permission, for `Require<P>` in handler signatures.
pub trait RequiredPermission {
    const PERMISSION: Permission;
}

macro_rules! registry {
    ($( $section:ident $section_label:literal {
        $( $marker:ident $constant:ident = $key:literal $label:literal, )*
    } )*) => {
        $($(
            pub const $constant: Permission = Permission { key: $key, label: $label };
        )*)*

        /// Every section and function, in the order the grant screens show them.
        pub const SECTIONS: &[Section] = &[$(
            Section {
                key: stringify!($section),
                label: $section_label,
                functions: &[$($constant),*],
            },
        )*];

        /// Marker types for handler signatures: `Require<perm::StaffEdit>`.
        pub mod perm {
            use super::*;
            $($(
                #[doc = $label]
                pub struct $marker;
                impl RequiredPermission for $marker {
                    const PERMISSION: Permission = $constant;
                }
            )*)*
        }
    };
}

registry! {
    clients "Clients" {
        ClientsView CLIENTS_VIEW = "clients.view" "View clients and their cards",
        ClientsCreate CLIENTS_CREATE = "clients.create" "Add clients",
        ClientsEdit CLIENTS_EDIT = "clients.edit" "Edit, enable and disable clients",
        ClientsDelete CLIENTS_DELETE = "clients.delete" "Delete clients without financial history",
        ClientsImpersonate CLIENTS_IMPERSONATE = "clients.impersonate" "Log in as client",
        ClientsMessage CLIENTS_MESSAGE = "clients.message" "Send messages to clients",
        ClientsGroups CLIENTS_GROUPS = "clients.groups" "Manage client groups and their members",
    }
    catalog "Catalog" {
        CatalogView CATALOG_VIEW = "catalog.view" "View product types and tariffs",
        CatalogEdit CATALOG_EDIT = "catalog.edit" "Add and edit product types and tariffs",
    }
    services "Services" {
        ServicesView SERVICES_VIEW = "services.view" "View clients' services and their history",
        ServicesOrder SERVICES_ORDER = "services.order" "Order services for clients",
        ServicesManage SERVICES_MANAGE = "services.manage" "Suspend, resume and delete services; change paid-until and auto-renew",
    }
    settings "Providers and companies" {
        SettingsView SETTINGS_VIEW = "settings.view" "View providers and companies",
        SettingsEdit SETTINGS_EDIT = "settings.edit" "Add and edit providers and companies",
    }
    finance "Finance" {
        CurrenciesView CURRENCIES_VIEW = "finance.currencies_view" "View currencies and exchange rates",
        CurrenciesEdit CURRENCIES_EDIT = "finance.currencies_edit" "Add and edit currencies and exchange rates",
        PaymentsView PAYMENTS_VIEW = "finance.payments_view" "View payments and balances' history",
        PaymentsAdd PAYMENTS_ADD = "finance.payments_add" "Record payments received",
        PaymentsRefund PAYMENTS_REFUND = "finance.payments_refund" "Refund payments, charge clients and correct balances",
        PaymentMethodsEdit PAYMENT_METHODS_EDIT = "finance.payment_methods" "Add and edit payment methods",
    }
    staff "Staff" {
        StaffView STAFF_VIEW = "staff.view" "View departments and employees",
        StaffEdit STAFF_EDIT = "staff.edit" "Add and edit departments and employees",
        StaffPermissions STAFF_PERMISSIONS = "staff.permissions" "Grant permissions to departments and employees",
        StaffSecurity STAFF_SECURITY = "staff.security" "Require two-factor sign-in of staff, and reset an employee's second factor",
    }
    support "Support" {
        SupportView SUPPORT_VIEW = "support.view" "View the tickets of one's departments",
        SupportAnswer SUPPORT_ANSWER = "support.answer" "Answer tickets and set their status",
        SupportNotes SUPPORT_NOTES = "support.notes" "Add internal notes to tickets",
        SupportAssign SUPPORT_ASSIGN = "support.assign" "Take tickets and assign them within the department",
        SupportTransfer SUPPORT_TRANSFER = "support.transfer" "Transfer tickets to another department",
        SupportCanned SUPPORT_CANNED = "support.canned" "Manage canned replies",
        SupportAllDepartments SUPPORT_ALL_DEPARTMENTS = "support.all_departments" "See and handle the tickets of every department",
    }
    documents "Documents" {
        DocumentsView DOCUMENTS_VIEW = "documents.view" "View bills, acts, credit notes and reconciliation reports",
        DocumentsIssue DOCUMENTS_ISSUE = "documents.issue" "Issue acts, bills and reconciliation reports; send documents again",
        DocumentsCancel DOCUMENTS_CANCEL = "documents.cancel" "Cancel documents, with a reason",
    }
    mail "Mail" {
        MailView MAIL_VIEW = "mail.view" "See the outbox: what was sent, what waits and what failed",
        MailResend MAIL_RESEND = "mail.resend" "Send a failed message again",
        MailTemplates MAIL_TEMPLATES = "mail.templates" "Edit the texts of the mail billpanel sends",
        MailMailings MAIL_MAILINGS = "mail.mailings" "Send mass mailings to clients and follow their progress",
    }
    audit "Audit log" {
        AuditView AUDIT_VIEW = "audit.view" "View the audit log",
    }
}

/// Functions that come with another: whoever may change something may also see it.
pub const IMPLIES: &[(Permission, Permission)] = &[
    (MAIL_RESEND, MAIL_VIEW),
    (CLIENTS_CREATE, CLIENTS_VIEW),
    (CLIENTS_EDIT, CLIENTS_VIEW),
    (CLIENTS_DELETE, CLIENTS_VIEW),
    (CLIENTS_IMPERSONATE, CLIENTS_VIEW),
    (CLIENTS_MESSAGE, CLIENTS_VIEW),
    (CLIENTS_GROUPS, CLIENTS_VIEW),
    (SERVICES_ORDER, SERVICES_VIEW),
    (SERVICES_MANAGE, SERVICES_VIEW),
    // Services are found on the client's card.
    (SERVICES_VIEW, CLIENTS_VIEW),
    (SETTINGS_EDIT, SETTINGS_VIEW),
    (CATALOG_EDIT, CATALOG_VIEW),
    (CURRENCIES_EDIT, CURRENCIES_VIEW),
    (PAYMENTS_ADD, PAYMENTS_VIEW),
    (PAYMENTS_REFUND, PAYMENTS_VIEW),
    (PAYMENT_METHODS_EDIT, PAYMENTS_VIEW),
    // Payments are found and recorded on the client's card.
    (PAYMENTS_VIEW, CLIENTS_VIEW),
    (DOCUMENTS_ISSUE, DOCUMENTS_VIEW),
    (DOCUMENTS_CANCEL, DOCUMENTS_VIEW),
    // Documents are found on the client's card.
    (DOCUMENTS_VIEW, CLIENTS_VIEW),
    (STAFF_EDIT, STAFF_VIEW),
    (STAFF_PERMISSIONS, STAFF_VIEW),
    (STAFF_SECURITY, STAFF_VIEW),
    (SUPPORT_ANSWER, SUPPORT_VIEW),
    (SUPPORT_NOTES, SUPPORT_VIEW),
    (SUPPORT_ASSIGN, SUPPORT_VIEW),
    (SUPPORT_TRANSFER, SUPPORT_VIEW),
    (SUPPORT_CANNED, SUPPORT_VIEW),
    (SUPPORT_ALL_DEPARTMENTS, SUPPORT_VIEW),
];

/// Every function of the registry.
pub fn all() -> impl Iterator<Item = Permission> {
    SECTIONS.iter().flat_map(|s| s.functions.iter().copied())
}

/// The registry entry for a stored key; `None` for keys no longer in the registry.
pub fn by_key(key: &str) -> Option<Permission> {
    all().find(|p| p.key == key)
}

/// What an employee may do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rights {
    pub superuser: bool,
    granted: BTreeSet<&'static str>,
}

impl Rights {
    pub fn superuser() -> Self {
        Self {
            superuser: true,
            granted: BTreeSet::new(),
        }
    }

    /// Rights from stored grant keys; keys not in the registry grant nothing.
    pub fn from_keys<'a>(superuser: bool, keys: impl IntoIterator<Item = &'a str>) -> Self {
        let mut granted: BTreeSet<&'static str> =
            keys.into_iter().filter_map(by_key).map(|p| p.key).collect();
        // Implications chain (recording payments → seeing payments → seeing clients).
        loop {
            let before = granted.len();
            for (with, comes) in IMPLIES {
                if granted.contains(with.key) {
                    granted.insert(comes.key);
                }
            }
            if granted.len() == before {
                break;
            }
        }
        Self { superuser, granted }
    }

    pub fn has(&self, permission: Permission) -> bool {
        self.superuser || self.granted.contains(permission.key)
    }

    pub fn has_key(&self, key: &str) -> bool {
        self.superuser || self.granted.contains(key)
    }
}

/// Refuses unless the actor holds `permission`. The system (jobs, command line) may do all;
/// client users and visitors hold no admin permission.
pub fn require(actor: &Actor, permission: Permission) -> Result<(), DomainError> {
    let allowed = match &actor.kind {
        ActorKind::System => true,
        ActorKind::Employee { rights, .. } => rights.has(permission),
        // Logged in as a client, an employee has the client's rights, not its own.
        ActorKind::ClientUser { .. } | ActorKind::EmployeeAsClient { .. } | ActorKind::Visitor => {
            false
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(DomainError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_belong_to_their_section() {
        let mut seen = BTreeSet::new();
        for section in SECTIONS {
            for p in section.functions {
                assert!(seen.insert(p.key), "{} declared twice", p.key);
                assert!(
                    p.key.starts_with(&format!("{}.", section.key)),
                    "{} outside {}",
                    p.key,
                    section.key
                );
            }
        }
    }

    #[test]
    fn deny_by_default() {
        let nobody = Rights::from_keys(false, []);
        assert!(all().all(|p| !nobody.has(p)));
        let admin = Rights::superuser();
        assert!(all().all(|p| admin.has(p)));
        let some = Rights::from_keys(false, ["staff.view", "no.such.permission"]);
        assert!(some.has(STAFF_VIEW));
        assert!(!some.has(STAFF_EDIT));
        assert!(!some.has_key("no.such.permission"));
        let cashier = Rights::from_keys(false, ["finance.payments_add"]);
        assert!(cashier.has(CLIENTS_VIEW), "implications chain");
        let editor = Rights::from_keys(false, ["staff.edit"]);
        assert!(editor.has(STAFF_VIEW), "editing implies viewing");
        assert!(!editor.has(STAFF_PERMISSIONS));
    }
}
