//! Acts of completion: the closing document of a month, one per company, payer and
//! currency that had expenses in it, each expense a line.
//!
//! Which act an expense goes to (the README says the same):
//! - **the month** is the one (UTC) the expense was charged in;
//! - **the company** is the first company (by id) working for the provider of the
//!   expense's account;
//! - **the payer** is the payer of the last payment paid into the same account at or before
//!   the expense, else the client's first payer (by id); a client without payers gets no
//!   act, and the run reports how many expenses that left out.
//!
//! Generating a month again issues nothing new: an expense on a live act is not taken
//! again, and one live act per company, payer, currency and month is all the database
//! accepts, so two servers generating at once issue each act once. Accounts are taken a
//! batch at a time, each batch in its own transaction.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::document::{ACT, CANCELLED};
use crate::db::models::payment::{PAID, PARTLY_REFUNDED, REFUNDED};
use crate::db::models::{Company, Payer};
use crate::db::schema::{
    accounts, currencies, document_lines, documents, expenses, payers, payments, providers,
    services, tariffs,
};
use crate::db::{self, DbConnection};
use crate::domain::documents::{Draft, LineDraft, check_details, issue, missing_details};
use crate::domain::periods::add_months;
use crate::domain::permissions::{self, require};
use crate::domain::{Actor, DomainError, text};
use crate::ids::{AccountId, ClientId, CompanyId, ExpenseId, PayerId, ProviderId};

/// Accounts read and issued for in one transaction.
const BATCH: usize = 250;

/// What a run of act generation did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActsReport {
    /// Acts issued by this run.
    pub issued: usize,
    /// Expenses put on them.
    pub lines: usize,
    /// Acts that existed already (issued by an earlier run or another server).
    pub existing: usize,
    /// Expenses left out because their client has no payer.
    pub without_payer: usize,
    /// Companies that issued nothing for lack of details, with the missing fields.
    pub companies_missing_details: Vec<String>,
}

impl ActsReport {
    /// What a run of act generation did, in words.
    pub fn words(&self, month: &str) -> String {
        let mut words = match self.issued {
            0 => format!("No new acts for {month}"),
            1 => format!("1 act issued for {month}, {} line(s)", self.lines),
            n => format!("{n} acts issued for {month}, {} lines", self.lines),
        };
        if self.existing > 0 {
            words.push_str(&format!(
                "; {} issued before were left as they are",
                self.existing
            ));
        }
        words.push('.');
        if self.without_payer > 0 {
            words.push_str(&format!(
                " {} expense(s) of clients without a payer have no act.",
                self.without_payer
            ));
        }
        if !self.companies_missing_details.is_empty() {
            words.push_str(&format!(
                " Companies that lack details issued nothing: {}.",
                self.companies_missing_details.join("; ")
            ));
        }
        words
    }
}

/// Reads a month typed as YYYY-MM into its first day.
pub fn parse_month(raw: &str) -> Result<NaiveDate, String> {
    let raw = text::optional(raw, 7)?;
    NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d")
        .ok()
        .filter(|d| (1900..=2200).contains(&chrono::Datelike::year(d)) && raw.len() == 7)
        .ok_or_else(|| "Enter the month as YYYY-MM, like 2026-11.".to_string())
}

/// An expense as an act line needs it.
struct Charged {
    id: ExpenseId,
    client_id: ClientId,
    account_id: AccountId,
    kind: String,
    amount: i64,
    period_start: Option<NaiveDateTime>,
    period_end: Option<NaiveDateTime>,
    comment: String,
    created_at: NaiveDateTime,
    tariff: Option<String>,
}

type ChargedRow = (
    ExpenseId,
    ClientId,
    AccountId,
    String,
    i64,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    String,
    NaiveDateTime,
    Option<String>,
);

/// Who may issue, and for which company and payer: what `generate` is asked.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope {
    pub company: Option<CompanyId>,
    pub payer: Option<PayerId>,
    /// Without mail to the payers and audit events: only for the demo's history.
    pub quiet: bool,
}

/// Issues the acts of `month` (its first day) that are not issued yet, for every company
/// and payer or for the ones `scope` names. The month must be over.
pub fn generate(
    conn: &mut DbConnection,
    actor: &Actor,
    month: NaiveDate,
    scope: Scope,
) -> Result<ActsReport, DomainError> {
    generate_with_progress(conn, actor, month, scope, &mut |_, _| {})
}

/// `generate`, telling `progress` how many of the accounts charged in the month are done
/// after each batch.
pub fn generate_with_progress(
    conn: &mut DbConnection,
    actor: &Actor,
    month: NaiveDate,
    scope: Scope,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ActsReport, DomainError> {
    require(actor, permissions::DOCUMENTS_ISSUE)?;
    let start = month.and_time(chrono::NaiveTime::MIN);
    let end = add_months(month, 1).and_time(chrono::NaiveTime::MIN);
    if end > db::now() {
        return Err(DomainError::invalid(
            "month",
            "This month is not over yet: acts are issued for a finished month.",
        ));
    }
    let companies: HashMap<ProviderId, Company> =
        Company::first_per_provider(conn)?.into_iter().collect();
    if let Some(id) = scope.company {
        let company = Company::find(conn, id)?
            .ok_or_else(|| DomainError::invalid("company", "Choose one of the companies."))?;
        check_details(&company, ACT, "company")?;
    }
    let payer_client = match scope.payer {
        Some(id) => Some(
            Payer::find(conn, id)?
                .ok_or_else(|| DomainError::invalid("payer", "No payer has this number."))?
                .client_id,
        ),
        None => None,
    };
    let mut report = ActsReport::default();
    for (company, missing) in companies.values().filter_map(|c| {
        let missing = missing_details(c, ACT);
        (!missing.is_empty() && scope.company.is_none_or(|id| id == c.id))
            .then(|| (c.legal_name.clone(), missing.join(", ")))
    }) {
        report
            .companies_missing_details
            .push(format!("{company}: {missing}"));
    }
    report.companies_missing_details.sort();
    report.companies_missing_details.dedup();
    let accounts = accounts_charged(conn, start, end, payer_client)?;
    let total = accounts.len() as u64;
    let mut done = 0;
    progress(0, total);
    for batch in accounts.chunks(BATCH) {
        // Another server issuing the same act at the same moment makes this batch's
        // transaction fail on the unique act; taken again, its expenses are on that act.
        let mut attempt = 0;
        loop {
            match issue_batch(conn, actor, batch, month, start, end, &companies, scope) {
                Ok(batch_report) => {
                    report.issued += batch_report.issued;
                    report.lines += batch_report.lines;
                    report.existing += batch_report.existing;
                    report.without_payer += batch_report.without_payer;
                    break;
                }
                Err(DomainError::Database(e)) if db::is_unique_violation(&e) && attempt < 3 => {
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
        done += batch.len() as u64;
        progress(done, total);
    }
    Ok(report)
}

/// The setting that records the last month whose acts the server issued by itself.
const ISSUED_THROUGH: &str = "acts_issued_through";

/// Days at the start of a month on which the server issues the previous month's acts.
const FIRST_DAYS: u32 = 5;

/// What `serve` does each hour: on the first days of a month, issues the previous month's
/// acts unless it did already. Several servers may do it at once: each act is issued once
/// (see the module's notes), and the setting only saves the servers the work of looking.
pub fn issue_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> Result<Option<ActsReport>, DomainError> {
    use crate::db::models::setting::Setting;
    use chrono::Datelike;
    let today = now.date();
    if today.day() > FIRST_DAYS {
        return Ok(None);
    }
    let month = add_months(today.with_day(1).unwrap_or(today), -1);
    let key = month.format("%Y-%m").to_string();
    if Setting::get(conn, ISSUED_THROUGH)?.is_some_and(|done| done >= key) {
        return Ok(None);
    }
    let report = generate(conn, &Actor::system(), month, Scope::default())?;
    Setting::set(conn, ISSUED_THROUGH, &key)?;
    Ok(Some(report))
}

/// The accounts charged in a month (of one client, if given), in id order.
fn accounts_charged(
    conn: &mut DbConnection,
    start: NaiveDateTime,
    end: NaiveDateTime,
    client: Option<ClientId>,
) -> Result<Vec<AccountId>, DomainError> {
    let mut ids: Vec<AccountId> = db::on_engine!(conn, |c| {
        let mut query = expenses::table
            .filter(expenses::created_at.ge(start))
            .filter(expenses::created_at.lt(end))
            .select(expenses::account_id)
            .distinct()
            .into_boxed();
        if let Some(client) = client {
            query = query.filter(expenses::client_id.eq(client));
        }
        query.load(c)
    })?;
    ids.sort();
    Ok(ids)
}

#[allow(clippy::too_many_arguments)]
fn issue_batch(
    conn: &mut DbConnection,
    actor: &Actor,
    batch: &[AccountId],
    month: NaiveDate,
    start: NaiveDateTime,
    end: NaiveDateTime,
    companies: &HashMap<ProviderId, Company>,
    scope: Scope,
) -> Result<ActsReport, DomainError> {
    db::write_transaction(conn, |conn| {
        let mut report = ActsReport::default();
        let charged = charged_in(conn, batch, start, end)?;
        if charged.is_empty() {
            return Ok(report);
        }
        let account_info: HashMap<AccountId, (ProviderId, String, i32)> =
            db::on_engine!(conn, |c| accounts::table
                .inner_join(providers::table.inner_join(currencies::table))
                .filter(accounts::id.eq_any(batch))
                .select((
                    accounts::id,
                    providers::id,
                    currencies::code,
                    currencies::exponent
                ))
                .load::<(AccountId, ProviderId, String, i32)>(c))?
            .into_iter()
            .map(|(a, p, code, exp)| (a, (p, code, exp)))
            .collect();
        // Payments paid before the month's end, per account in the order they were paid.
        let paid: Vec<(AccountId, NaiveDateTime, PayerId)> =
            db::on_engine!(conn, |c| payments::table
                .filter(payments::account_id.eq_any(batch))
                .filter(payments::status.eq_any([PAID, PARTLY_REFUNDED, REFUNDED]))
                .filter(payments::paid_at.lt(end))
                .order((payments::account_id, payments::paid_at, payments::id))
                .select((
                    payments::account_id,
                    payments::paid_at.assume_not_null(),
                    payments::payer_id
                ))
                .load(c))?;
        let mut paid_by_account: HashMap<AccountId, Vec<(NaiveDateTime, PayerId)>> = HashMap::new();
        for (account, at, payer) in paid {
            paid_by_account
                .entry(account)
                .or_default()
                .push((at, payer));
        }
        let mut clients: Vec<ClientId> = charged.iter().map(|c| c.client_id).collect();
        clients.sort();
        clients.dedup();
        let client_payers: Vec<Payer> = db::on_engine!(conn, |c| payers::table
            .filter(payers::client_id.eq_any(&clients))
            .order((payers::client_id, payers::id))
            .load(c))?;
        let mut first_payer: HashMap<ClientId, PayerId> = HashMap::new();
        for p in &client_payers {
            first_payer.entry(p.client_id).or_insert(p.id);
        }
        // (company, payer, currency) → the expenses of that act.
        let mut acts: BTreeMap<(CompanyId, PayerId, String), Vec<Charged>> = BTreeMap::new();
        let mut exponents: HashMap<String, i32> = HashMap::new();
        for expense in charged {
            let Some((provider, code, exponent)) = account_info.get(&expense.account_id) else {
                continue;
            };
            let Some(company) = companies.get(provider) else {
                continue;
            };
            if !missing_details(company, ACT).is_empty()
                || scope.company.is_some_and(|id| id != company.id)
            {
                continue;
            }
            let payer = paid_by_account
                .get(&expense.account_id)
                .and_then(|paid| {
                    paid.iter()
                        .rev()
                        .find(|(at, _)| *at <= expense.created_at)
                        .map(|(_, p)| *p)
                })
                .or_else(|| first_payer.get(&expense.client_id).copied());
            let Some(payer) = payer else {
                report.without_payer += 1;
                continue;
            };
            if scope.payer.is_some_and(|id| id != payer) {
                continue;
            }
            exponents.insert(code.clone(), *exponent);
            acts.entry((company.id, payer, code.clone()))
                .or_default()
                .push(expense);
        }
        let by_company: HashMap<CompanyId, &Company> =
            companies.values().map(|c| (c.id, c)).collect();
        let last_day = add_months(month, 1).pred_opt().unwrap_or(month);
        let payers: Vec<PayerId> = acts.keys().map(|(_, payer, _)| *payer).collect();
        let existing = crate::db::models::document::Document::acts_of_month(conn, &payers, month)?;
        for ((company, payer, code), lines) in acts {
            if existing.contains(&(company, payer, code.clone())) {
                report.existing += 1;
                continue;
            }
            // A payment's payer is one of its client's.
            let Some(payer) = client_payers.iter().find(|p| p.id == payer) else {
                continue;
            };
            report.lines += lines.len();
            issue_act(
                conn,
                actor,
                by_company[&company],
                payer,
                &code,
                exponents[&code],
                month,
                last_day,
                lines,
                scope.quiet,
            )?;
            report.issued += 1;
        }
        Ok(report)
    })
}

/// The expenses of these accounts charged in the month and on no live act.
fn charged_in(
    conn: &mut DbConnection,
    batch: &[AccountId],
    start: NaiveDateTime,
    end: NaiveDateTime,
) -> Result<Vec<Charged>, DomainError> {
    // Flat joins: SQLite reads a nested `LEFT JOIN (services LEFT JOIN tariffs)` as a
    // view of every service, built again for each batch.
    let rows: Vec<ChargedRow> = db::on_engine!(conn, |c| expenses::table
        .left_join(services::table)
        .left_join(tariffs::table.on(tariffs::id.nullable().eq(services::tariff_id.nullable())))
        .filter(expenses::account_id.eq_any(batch))
        .filter(expenses::created_at.ge(start))
        .filter(expenses::created_at.lt(end))
        .order((expenses::created_at, expenses::id))
        .select((
            expenses::id,
            expenses::client_id,
            expenses::account_id,
            expenses::kind,
            expenses::amount,
            expenses::period_start,
            expenses::period_end,
            expenses::comment,
            expenses::created_at,
            tariffs::name.nullable(),
        ))
        .load(c))?;
    // Those on a live act already, by the lines' index on the expense: asked as NOT EXISTS
    // in the query above, PostgreSQL hashed every act line of every month for each batch.
    let ids: Vec<ExpenseId> = rows.iter().map(|r| r.0).collect();
    let covered: std::collections::HashSet<ExpenseId> =
        db::on_engine!(conn, |c| document_lines::table
            .inner_join(documents::table)
            .filter(
                document_lines::expense_id
                    .eq_any(ids.iter().map(|id| Some(*id)).collect::<Vec<_>>())
            )
            .filter(documents::kind.eq(ACT))
            .filter(documents::status.ne(CANCELLED))
            .select(document_lines::expense_id.assume_not_null())
            .load::<ExpenseId>(c))?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .filter(|r| !covered.contains(&r.0))
        .map(
            |(id, client_id, account_id, kind, amount, ps, pe, comment, at, tariff)| Charged {
                id,
                client_id,
                account_id,
                kind,
                amount,
                period_start: ps,
                period_end: pe,
                comment,
                created_at: at,
                tariff,
            },
        )
        .collect())
}

#[allow(clippy::too_many_arguments)]
fn issue_act(
    conn: &mut DbConnection,
    actor: &Actor,
    company: &Company,
    payer: &Payer,
    currency: &str,
    exponent: i32,
    month: NaiveDate,
    last_day: NaiveDate,
    lines: Vec<Charged>,
    quiet: bool,
) -> Result<(), DomainError> {
    let lines = lines
        .into_iter()
        .map(|e| LineDraft {
            line_date: Some(e.created_at.date()),
            description: describe(&e),
            quantity: 1,
            unit_price: e.amount,
            amount: e.amount,
            credit: 0,
            expense_id: Some(e.id),
        })
        .collect();
    issue(
        conn,
        actor,
        Draft {
            kind: ACT,
            company,
            payer,
            currency_code: currency,
            currency_exponent: exponent,
            issued_on: last_day,
            due_on: None,
            period: Some((month, last_day)),
            payment_id: None,
            related_id: None,
            lines,
            balances: None,
            quiet,
        },
    )?;
    Ok(())
}

/// An act line's words: "VPS Start: renewal, 2026-11-01 to 2026-12-01".
fn describe(expense: &Charged) -> String {
    let what = match (&expense.tariff, expense.kind.as_str()) {
        (Some(tariff), "order") => format!("{tariff}: order"),
        (Some(tariff), "renewal") => format!("{tariff}: renewal"),
        (Some(tariff), _) => tariff.clone(),
        (None, _) if !expense.comment.is_empty() => expense.comment.clone(),
        (None, _) => "Services".to_string(),
    };
    match (expense.period_start, expense.period_end) {
        (Some(from), Some(to)) => format!(
            "{what}, {} to {}",
            from.format("%Y-%m-%d"),
            to.format("%Y-%m-%d")
        ),
        _ => what,
    }
}
