//! One file per table: the row struct, `New<Entity>` for inserts and the queries as
//! associated functions. No business rules here; those live in `crate::domain`.

pub mod account;
pub mod audit_event;
pub mod catalog;
pub mod client;
pub mod client_group;
pub mod client_search;
pub mod company;
pub mod currency;
pub mod department;
pub mod employee;
pub mod exchange_rate;
pub mod expense;
pub mod grant;
pub mod invitation;
pub mod ledger_entry;
pub mod message;
pub mod outbox;
pub mod payer;
pub mod payment;
pub mod payment_method;
pub mod pending_registration;
pub mod provider;
pub mod renewal;
pub mod service;
pub mod session;
pub mod setting;
pub mod sign_in_throttle;
pub mod ticket;
pub mod two_factor;
pub mod user;

pub use account::{Account, NewAccount};
pub use audit_event::{AuditEvent, NewAuditEvent};
pub use client::{Client, ClientChanges, ListedClient, NewClient};
pub use company::Company;
pub use currency::{Currency, CurrencyFields};
pub use department::{Department, DepartmentFields};
pub use employee::{Employee, EmployeeChanges, NewEmployee};
pub use exchange_rate::ExchangeRate;
pub use grant::Grant;
pub use message::{Message, NewMessage};
pub use outbox::{NewOutboxMail, OutboxMail};
pub use payer::{Payer, PayerFields};
pub use provider::{Provider, ProviderFields};
pub use sign_in_throttle::SignInThrottle;
pub use user::{NewUser, User};
