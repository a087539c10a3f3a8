//! Topping up: a client creates a payment with one of the methods offered to it. A bank
//! transfer waits as **new** with a bill to pay until an employee marks it paid; a card
//! payment goes **in progress** to the gateway, whose event decides. A new payment can be
//! cancelled by the client.

use crate::db::models::account::AccountSummary;
use crate::db::models::ledger_entry::{LedgerEntry, LedgerLine};
use crate::db::models::payment::{
    CANCELLED, GatewayEvent, IN_PROGRESS, NEW, NewPayment, PAID, Payment, PaymentRow,
};
use crate::db::models::payment_method::{BANK_TRANSFER, PaymentMethod, PaymentMethodRow};
use crate::db::models::{Account, Company, Payer, Provider};
use crate::db::{self, DbConnection};
use crate::domain::audit::{self, Target};
use crate::domain::client_permissions::{self, FINANCE};
use crate::domain::money::parse_amount;
use crate::domain::payments::{account_currency, credit, find_row, form_key, recorded_payment};
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError, FieldErrors};
use crate::ids::{AccountId, ClientId, PayerId, PaymentId, PaymentMethodId};

/// An account the client can top up, with the methods offered for it.
pub struct TopUpAccount {
    pub account: AccountSummary,
    pub methods: Vec<PaymentMethodRow>,
}

/// What the top-up form offers.
pub struct TopUpChoices {
    pub accounts: Vec<TopUpAccount>,
    pub payers: Vec<Payer>,
}

impl TopUpChoices {
    pub fn has_methods(&self) -> bool {
        self.accounts.iter().any(|a| !a.methods.is_empty())
    }
}

/// The methods offered to a client for paying into an account.
fn offered(
    conn: &mut DbConnection,
    client_id: ClientId,
    account: AccountId,
    test_gateway: bool,
) -> Result<Vec<PaymentMethodRow>, DomainError> {
    let account = Account::find(conn, account)?.ok_or(DomainError::NotFound)?;
    let provider = Provider::find(conn, account.provider_id)?.ok_or(DomainError::NotFound)?;
    Ok(PaymentMethod::offered(
        conn,
        client_id,
        provider.id,
        provider.currency_id,
        test_gateway,
    )?)
}

/// What the client may choose; `test_gateway`: whether the test card gateway is on.
pub fn choices(
    conn: &mut DbConnection,
    actor: &Actor,
    test_gateway: bool,
) -> Result<TopUpChoices, DomainError> {
    let client_id = client_permissions::require(conn, actor, FINANCE)?;
    let mut accounts = Vec::new();
    for account in Account::summaries_of_client(conn, client_id)? {
        let methods = offered(conn, client_id, account.id, test_gateway)?;
        accounts.push(TopUpAccount { account, methods });
    }
    Ok(TopUpChoices {
        accounts,
        payers: Payer::of_client(conn, client_id)?,
    })
}

/// What the client enters to top up.
#[derive(Debug, Clone, Default)]
pub struct TopUpForm<'a> {
    pub account_id: &'a str,
    pub payer_id: &'a str,
    pub method_id: &'a str,
    pub amount: &'a str,
    pub idempotency_key: &'a str,
}

/// The client creates a payment. The same form sent twice creates one.
pub fn start(
    conn: &mut DbConnection,
    actor: &Actor,
    test_gateway: bool,
    form: &TopUpForm<'_>,
) -> Result<Payment, DomainError> {
    let client_id = client_permissions::require(conn, actor, FINANCE)?;
    let mut errors = FieldErrors::new();
    let key = form_key(form.idempotency_key, "amount", &mut errors);
    let account_id = form.account_id.trim().parse::<AccountId>().ok();
    if errors.is_empty()
        && let Some(existing) = recorded_payment(conn, key, client_id, account_id)?
    {
        return Ok(existing);
    }
    let currency = match account_id {
        Some(a) => account_currency(conn, client_id, a)?,
        None => None,
    };
    if currency.is_none() {
        errors.add("account_id", "Choose the account to top up.");
    }
    let payer_id = form.payer_id.trim().parse::<PayerId>().ok();
    let payer = match payer_id {
        Some(p) => Payer::find_of_client(conn, client_id, p)?,
        None => None,
    };
    if payer.is_none() {
        errors.add(
            "payer_id",
            "Choose who pays: every payment is made in the name of one of your payers.",
        );
    }
    let method = match (&currency, form.method_id.trim().parse::<PaymentMethodId>()) {
        (Some(_), Ok(id)) => offered(
            conn,
            client_id,
            account_id.unwrap_or(AccountId(0)),
            test_gateway,
        )?
        .into_iter()
        .find(|m| m.method.id == id),
        _ => None,
    };
    if currency.is_some() && method.is_none() {
        errors.add(
            "method_id",
            "Choose one of the ways to pay offered for this account.",
        );
    }
    let amount = currency.as_ref().and_then(|c| {
        parse_amount(form.amount, c.exponent)
            .map_err(|m| errors.add("amount", m))
            .ok()
    });
    if let (Some(amount), Some(m), Some(c)) = (amount, &method, &currency) {
        if let Some(min) = m.method.min_amount
            && amount < min
        {
            errors.add(
                "amount",
                format!("{} takes at least {}.", m.method.name, c.money(min)),
            );
        }
        if let Some(max) = m.method.max_amount
            && amount > max
        {
            errors.add(
                "amount",
                format!("{} takes at most {}.", m.method.name, c.money(max)),
            );
        }
    }
    errors.into_result()?;
    let (Some(account_id), Some(payer), Some(method), Some(amount), Some(currency)) =
        (account_id, payer, method, amount, currency)
    else {
        return Err(DomainError::invalid("amount", "Enter the amount."));
    };
    let method = method.method;
    let status = if method.kind == BANK_TRANSFER {
        NEW
    } else {
        IN_PROGRESS
    };
    let outcome = db::write_transaction(conn, |conn| {
        let now = db::now();
        let payment = Payment::insert(
            conn,
            &NewPayment {
                client_id,
                account_id,
                payer_id: payer.id,
                method: &method.kind,
                amount,
                status,
                comment: "",
                idempotency_key: Some(key),
                created_by: actor.employee_id(),
                created_at: now,
                paid_at: None,
                payment_method_id: Some(method.id),
                payer_snapshot: &crate::domain::documents::PayerDetails::snapshot(&payer),
            },
        )?;
        audit::record(
            conn,
            actor,
            "payment.create",
            Target::new("payment", payment.id),
            &format!("{} by {}", currency.money(amount), method.name),
        )?;
        if method.kind == BANK_TRANSFER {
            crate::domain::documents::bills::issue_with_transfer(conn, actor, &payment)?;
        }
        Ok::<_, DomainError>(payment)
    });
    match outcome {
        Err(DomainError::Database(e)) if db::is_unique_violation(&e) => {
            recorded_payment(conn, key, client_id, Some(account_id))?
                .ok_or(DomainError::Database(e))
        }
        other => other,
    }
}

/// The client's own payment, else not found.
fn own_payment(
    conn: &mut DbConnection,
    actor: &Actor,
    id: PaymentId,
) -> Result<Payment, DomainError> {
    let client_id = client_permissions::require(conn, actor, FINANCE)?;
    Payment::find(conn, id)?
        .filter(|p| p.client_id == client_id)
        .ok_or(DomainError::NotFound)
}

/// The client cancels a payment it has not paid yet: a new bank transfer, or a card
/// payment left at the gateway. Money a gateway reports later still credits it.
pub fn cancel(
    conn: &mut DbConnection,
    actor: &Actor,
    id: PaymentId,
) -> Result<Payment, DomainError> {
    let payment = own_payment(conn, actor, id)?;
    db::write_transaction(conn, |conn| {
        Account::lock(conn, payment.account_id)?;
        if !Payment::change_status(conn, id, &[NEW, IN_PROGRESS], CANCELLED, None)? {
            return Err(DomainError::invalid(
                "payment",
                "Only a payment that is not paid yet can be cancelled.",
            ));
        }
        audit::record(
            conn,
            actor,
            "payment.cancel",
            Target::new("payment", id),
            "cancelled by the client",
        )?;
        crate::domain::documents::cancel_bill_of_payment(conn, id)?;
        Payment::find(conn, id)?.ok_or(DomainError::NotFound)
    })
}

/// An employee marks a bank transfer paid when the money is on the company's account: the
/// account is credited once, however many times it is marked. A transfer the client
/// cancelled can be marked too: the money arrived after all.
pub fn mark_paid(
    conn: &mut DbConnection,
    actor: &Actor,
    id: PaymentId,
) -> Result<Payment, DomainError> {
    require(actor, permissions::PAYMENTS_ADD)?;
    let payment = Payment::find(conn, id)?.ok_or(DomainError::NotFound)?;
    if payment.method != BANK_TRANSFER {
        return Err(DomainError::invalid(
            "payment",
            "Only bank transfers are marked paid by hand; card payments are paid by the gateway.",
        ));
    }
    db::write_transaction(conn, |conn| {
        Account::lock(conn, payment.account_id)?;
        let now = db::now();
        if !Payment::change_status(conn, id, &[NEW, CANCELLED], PAID, Some(now))? {
            return Err(DomainError::invalid(
                "payment",
                "This payment is paid already.",
            ));
        }
        let paid = Payment::find(conn, id)?.ok_or(DomainError::NotFound)?;
        credit(conn, actor, &paid, "payment.mark_paid", now)?;
        Ok(paid)
    })
}

/// A payment with everything its page shows.
pub struct PaymentDetails {
    pub payment: Payment,
    pub row: PaymentRow,
    pub payer: Payer,
    pub method: Option<PaymentMethodRow>,
    /// Who receives the money: the method's company.
    pub company: Option<Company>,
    pub entries: Vec<LedgerLine>,
    pub events: Vec<GatewayEvent>,
    /// Its bill and credit notes.
    pub documents: Vec<crate::db::models::document::Document>,
    /// The payer as it was when the payment was made (as it is now, for payments older
    /// than that record).
    pub payer_shown: crate::domain::documents::PayerDetails,
}

impl PaymentDetails {
    /// The payment's bill, if one was issued.
    pub fn bill(&self) -> Option<&crate::db::models::document::Document> {
        self.documents
            .iter()
            .find(|d| d.kind == crate::db::models::document::BILL)
    }
}

fn details(conn: &mut DbConnection, id: PaymentId) -> Result<PaymentDetails, DomainError> {
    let (payment, row) = find_row(conn, id)?;
    let payer = Payer::find_of_client(conn, payment.client_id, payment.payer_id)?
        .ok_or(DomainError::NotFound)?;
    let method = match payment.payment_method_id {
        Some(m) => PaymentMethod::row(conn, m)?,
        None => None,
    };
    let company = match &method {
        Some(m) => Company::find(conn, m.method.company_id)?,
        None => None,
    };
    let payer_shown = crate::domain::documents::PayerDetails::read(&payment.payer_snapshot)
        .unwrap_or_else(|| crate::domain::documents::PayerDetails::of(&payer));
    Ok(PaymentDetails {
        documents: crate::db::models::document::Document::of_payment(conn, id)?,
        payer_shown,
        entries: LedgerEntry::of_payment(conn, id)?,
        events: GatewayEvent::of_payment(conn, id)?,
        payment,
        row,
        payer,
        method,
        company,
    })
}

/// The client's payment and its bill.
pub fn details_for_client(
    conn: &mut DbConnection,
    actor: &Actor,
    id: PaymentId,
) -> Result<PaymentDetails, DomainError> {
    own_payment(conn, actor, id)?;
    details(conn, id)
}

/// Any payment, for finance staff.
pub fn details_for_staff(
    conn: &mut DbConnection,
    actor: &Actor,
    id: PaymentId,
) -> Result<PaymentDetails, DomainError> {
    require(actor, permissions::PAYMENTS_VIEW)?;
    details(conn, id)
}
