//! The mail a client gets about one of its services (activated, suspended, resumed,
//! deleted, renewing without the money for it), written from the notice's template in the
//! client's language and kept in its inbox too.

use crate::db::DbConnection;
use crate::db::models::User;
use crate::db::models::service::{SUSPENDED_ADMIN, SUSPENDED_CLIENT, SUSPENDED_UNPAID, Service};
use crate::domain::DomainError;
use crate::domain::mail::templates::{self, Addressee, Notice};
use crate::ids::ServiceId;

/// Who changed a service, for `{{ by }}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum By {
    /// The billing run, for want of money.
    Unpaid,
    Staff,
    Client,
}

impl By {
    fn name(self) -> &'static str {
        match self {
            By::Unpaid => "unpaid",
            By::Staff => "staff",
            By::Client => "client",
        }
    }

    /// Who suspended a service, told by the status it was given.
    pub(crate) fn of_suspension(status: &str) -> Self {
        match status {
            SUSPENDED_UNPAID => By::Unpaid,
            SUSPENDED_CLIENT => By::Client,
            SUSPENDED_ADMIN => By::Staff,
            _ => By::Staff,
        }
    }
}

/// What a service notice says besides the client and the service.
pub(crate) enum About {
    Activated,
    Resumed,
    /// Staff's reason is not mailed: it stays in the service's history, for staff.
    Suspended {
        by: By,
    },
    Deleted {
        by: By,
    },
    /// It renews at `renews_on` and the balance lacks `missing`.
    LowBalance {
        renews_on: chrono::NaiveDateTime,
        missing: String,
    },
}

/// Mails the owner of the service's client about it (a client without an owner gets none).
pub(crate) fn notify(
    conn: &mut DbConnection,
    service: ServiceId,
    about: About,
) -> Result<(), DomainError> {
    let Some(row) = Service::row(conn, service)? else {
        return Ok(());
    };
    let Some(owner) = User::owner_of(conn, row.service.client_id)? else {
        return Ok(());
    };
    let to = Addressee::client(conn, row.service.client_id, Some(row.provider_id))?;
    let paid_until = || {
        row.service
            .paid_until
            .map(|at| to.day(at))
            .unwrap_or_default()
    };
    let (notice, extra): (&'static Notice, Vec<(&'static str, String)>) = match about {
        About::Activated => (
            &templates::SERVICE_ACTIVATED,
            vec![("paid_until", paid_until())],
        ),
        About::Resumed => (
            &templates::SERVICE_RESUMED,
            vec![("paid_until", paid_until())],
        ),
        About::Suspended { by } => (
            &templates::SERVICE_SUSPENDED,
            vec![("by", by.name().to_owned())],
        ),
        About::Deleted { by } => (
            &templates::SERVICE_DELETED,
            vec![("by", by.name().to_owned())],
        ),
        About::LowBalance { renews_on, missing } => (
            &templates::LOW_BALANCE,
            vec![("renews_on", to.time(renews_on)), ("missing", missing)],
        ),
    };
    let mut values = vec![
        ("client", to.name.clone()),
        ("service", row.tariff_name.clone()),
        ("service_id", row.service.id.to_string()),
    ];
    values.extend(extra);
    let letter = templates::write(conn, notice, &to, &values)?;
    crate::domain::mail::to_client(
        conn,
        row.service.client_id,
        &letter.to(&owner.email, crate::db::now()),
        None,
    )?;
    Ok(())
}
