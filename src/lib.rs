//! billpanel: a billing platform for hosting and service providers.
//!
//! Layers, from the outside in: `web` (HTTP, pages, sessions) → `domain` (rules,
//! transactions, the acting identity) → `db` (tables and queries on SQLite or PostgreSQL).

pub mod config;
pub mod db;
pub mod domain;
pub mod ids;
pub mod server;
pub mod web;
