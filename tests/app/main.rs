//! Integration tests: the real application over HTTP on a fresh database per test.
//! SQLite by default; set `TEST_DATABASE_URL=postgres://...` to run them on PostgreSQL.

mod helpers;
mod smtp_server;

mod access;
mod account_security;
mod admin_clients;
mod authz;
mod billing_run;
mod catalog;
mod client_area;
mod client_groups;
mod client_payers;
mod commands;
mod csrf;
mod dashboard;
mod demo;
mod documents;
mod email_confirmations;
mod health;
mod impersonation;
mod ledger_property;
mod mail;
mod mail_templates;
mod mailings;
mod organisation;
mod password_resets;
mod payments;
mod registration;
mod review_fixes;
mod search;
mod services;
mod sign_in;
mod start_up;
mod support;
mod top_up;
