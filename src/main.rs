//! The `billpanel` command: `serve` (the default), `migrate`, `create-admin`.

mod progress;

use std::io::BufRead;
use std::process::ExitCode;

use billpanel::config::Config;
use billpanel::domain::{Actor, DomainError, bootstrap};
use billpanel::server;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "billpanel",
    version,
    about = "Billing platform for hosting and service providers"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the admin and client areas (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Check that every account's balance equals the sum of its ledger entries; exit 1
    /// listing those that do not.
    CheckLedger,
    /// Renew, suspend and delete services that are due, and send low-balance notices; print
    /// what was done. `serve` runs this every hour by itself.
    BillingRun {
        /// Run as of this moment instead of now: a date (YYYY-MM-DD, meaning the end of that
        /// day, UTC) or a UTC time (YYYY-MM-DDTHH:MM:SS).
        #[arg(long)]
        at: Option<String>,
    },
    /// Fill an empty database with a demo provider: staff, catalog, N clients with a year of
    /// services, payments and tickets. Prints the sign-in details of the demo people.
    SeedDemo {
        #[arg(long, default_value_t = 1000)]
        clients: u64,
    },
    /// Accounting documents.
    Documents {
        #[command(subcommand)]
        command: DocumentsCommand,
    },
    /// The outbox: mail waiting to be sent.
    Outbox {
        #[command(subcommand)]
        command: OutboxCommand,
    },
    /// Add an administrator. Without --password, the password is read from standard input.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: Option<String>,
    },
}

#[derive(Subcommand)]
enum DocumentsCommand {
    /// Issue the acts of completion of a finished month (YYYY-MM) that are not issued yet,
    /// for every company and payer, or for the one given. Running it again issues nothing
    /// new. `serve` does this for the previous month in the first days of each month.
    Generate {
        #[arg(long)]
        month: String,
        /// Only this company (its number).
        #[arg(long)]
        company: Option<i64>,
        /// Only this payer (its number).
        #[arg(long)]
        payer: Option<i64>,
    },
}

#[derive(Subcommand)]
enum OutboxCommand {
    /// Send the mail that is due now through BILLPANEL_SMTP_URL, print what happened and
    /// exit (for cron, where `serve` does not send mail itself). Safe beside running
    /// servers: each message is claimed before it is sent.
    Send,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,actix_server=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let result =
        Config::from_env().and_then(|config| match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => actix_web::rt::System::new().block_on(server::serve(config)),
            Command::Migrate => {
                server::open_database(&config).map(|_| println!("migrations are up to date"))
            }
            Command::CheckLedger => check_ledger(&config),
            Command::BillingRun { at } => billing_run(&config, at.as_deref()),
            Command::CreateAdmin { email, password } => create_admin(&config, &email, password),
            Command::SeedDemo { clients } => seed_demo(&config, clients),
            Command::Documents {
                command:
                    DocumentsCommand::Generate {
                        month,
                        company,
                        payer,
                    },
            } => generate_documents(&config, &month, company, payer),
            Command::Outbox {
                command: OutboxCommand::Send,
            } => send_outbox(&config),
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("billpanel: {message}");
            ExitCode::FAILURE
        }
    }
}

fn check_ledger(config: &Config) -> Result<(), String> {
    let pool = server::open_database(config)?;
    let mut conn = pool.get().map_err(|e| format!("cannot connect: {e}"))?;
    let mismatches =
        billpanel::domain::payments::check_ledger(&mut conn).map_err(|e| e.to_string())?;
    if mismatches.is_empty() {
        println!("ledger ok: every balance equals the sum of its entries");
        return Ok(());
    }
    for m in &mismatches {
        println!(
            "account {}: balance {} but entries sum to {}",
            m.account_id, m.balance, m.entries
        );
    }
    Err(format!(
        "{} account(s) disagree with the ledger",
        mismatches.len()
    ))
}

fn send_outbox(config: &Config) -> Result<(), String> {
    use billpanel::domain::mail::delivery::Mailer;
    let url = config
        .mail
        .smtp
        .as_ref()
        .ok_or("BILLPANEL_SMTP_URL is not set: there is no server to send mail through")?;
    let pool = server::open_database(config)?;
    let mut conn = pool.get().map_err(|e| format!("cannot connect: {e}"))?;
    let mailer = Mailer::new(
        url,
        config.mail.from.clone(),
        config.mail.retry_delays.clone(),
    )?;
    let report = mailer.deliver_due(&mut conn)?;
    println!("mail: {report}");
    Ok(())
}

fn generate_documents(
    config: &Config,
    month: &str,
    company: Option<i64>,
    payer: Option<i64>,
) -> Result<(), String> {
    use billpanel::domain::documents::acts;
    let first_day = acts::parse_month(month)?;
    let pool = server::open_database(config)?;
    let mut conn = pool.get().map_err(|e| format!("cannot connect: {e}"))?;
    let scope = acts::Scope {
        company: company.map(billpanel::ids::CompanyId),
        payer: payer.map(billpanel::ids::PayerId),
        quiet: false,
    };
    let mut shown = progress::Progress::new("accounts");
    let report = acts::generate_with_progress(
        &mut conn,
        &billpanel::domain::Actor::system(),
        first_day,
        scope,
        &mut |done, total| shown.update("acts", done, total),
    )
    .map_err(|e| match e {
        billpanel::domain::DomainError::Invalid(fields) => fields.first_message(),
        other => other.to_string(),
    })?;
    shown.finish();
    println!("{}", report.words(month.trim()));
    Ok(())
}

fn billing_run(config: &Config, at: Option<&str>) -> Result<(), String> {
    let at = match at {
        None => billpanel::db::now(),
        Some(text) => billpanel::domain::billing_run::parse_at(text)?,
    };
    let pool = server::open_database(config)?;
    let mut conn = pool.get().map_err(|e| format!("cannot connect: {e}"))?;
    let mut shown = progress::Progress::new("services");
    let mut progress = |step: &str, done: u64, total: u64| shown.update(step, done, total);
    let report = billpanel::domain::billing_run::run(&mut conn, at, &mut progress);
    shown.finish();
    println!(
        "billing run as of {} UTC: {report}",
        at.format("%Y-%m-%d %H:%M:%S")
    );
    for error in &report.errors {
        println!("error: {error}");
    }
    if report.errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} error(s) in the billing run",
            report.errors.len()
        ))
    }
}

fn seed_demo(config: &Config, clients: u64) -> Result<(), String> {
    let pool = server::open_database(config)?;
    let mut conn = pool.get().map_err(|e| format!("cannot connect: {e}"))?;
    let started = std::time::Instant::now();
    let mut shown = progress::Progress::new("clients");
    let report =
        billpanel::domain::demo::seed(&mut conn, clients, billpanel::db::now(), |done, total| {
            shown.update("seeding", done, total)
        })
        .map_err(|e| e.to_string())?;
    shown.finish();
    println!(
        "seeded {} clients, {} services, {} payments, {} tickets, {} bills, {} acts and {} mails \
         in {:.1} s",
        report.clients,
        report.services,
        report.payments,
        report.tickets,
        report.bills,
        report.acts,
        report.mails,
        started.elapsed().as_secs_f64()
    );
    println!("staff (sign in at /admin/login):");
    for (email, password, role) in &report.staff {
        println!("  {role:<18} {email}  password {password}");
    }
    println!("clients (sign in at /login):");
    for (email, password) in &report.client_logins {
        println!("  {email}  password {password}");
    }
    Ok(())
}

fn create_admin(config: &Config, email: &str, password: Option<String>) -> Result<(), String> {
    let password = match password {
        Some(p) => p,
        None => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| format!("cannot read the password: {e}"))?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let pool = server::open_database(config)?;
    let mut conn = pool.get().map_err(|e| format!("cannot connect: {e}"))?;
    match bootstrap::create_admin(&mut conn, &Actor::system(), email, &password) {
        Ok(employee) => {
            println!(
                "created administrator {} (id {})",
                employee.email, employee.id
            );
            Ok(())
        }
        Err(DomainError::Invalid(fields)) => Err(fields
            .iter()
            .map(|(field, message)| format!("{field}: {message}"))
            .collect::<Vec<_>>()
            .join("; ")),
        Err(e) => Err(e.to_string()),
    }
}
