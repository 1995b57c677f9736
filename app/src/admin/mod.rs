//! Administrators' pages. Each server function here checks the administrator role before it
//! reads anything and records what it read in the audit log.
//!
//! The accounts page finds accounts, creates staff accounts with roles, changes roles and
//! disables accounts (their sessions end at once).
//!
//! The audit page searches the whole audit log (who, whose record, what, outcome, when); every
//! search is itself audited.
//!
//! The outbox page shows what the portal has emailed. In development (no SMTP server) it is the
//! demo's mailbox: bodies are shown so a new user can follow a confirmation link. In production
//! bodies are never shown, since they hold other people's single-use links; the page then
//! shows delivery status only.

pub mod accounts;
mod accounts_ui;
mod api;
pub mod audit_log;
mod audit_log_ui;
mod ui;

pub use accounts::*;
pub use accounts_ui::AdminAccountsPage;
pub use api::*;
pub use audit_log::SearchAuditLog;
pub use audit_log_ui::AdminAuditPage;
pub use ui::{AccessProblem, AdminEmailsPage};
