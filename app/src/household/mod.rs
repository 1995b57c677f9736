//! The people an account acts for: the patient themself, a child (as parent), or someone who
//! invited them (as proxy). Linking an account to its patient record, inviting and revoking
//! proxies, choosing whom to act for (the household switcher), and the patient's access log.
//!
//! Invariants: a patient record has at most one account of its own; every read of patient data
//! here passes `auth::access::require_access` and is written to the audit log in the same
//! transaction; the "acting for" cookie only chooses among people the caller may already reach
//! and grants nothing; invitation and linking codes are single-use and stored hashed; an emailed
//! linking code goes only to the address on the patient record, and the answer to a match
//! request is the same whether or not a record matched.

mod api;
#[cfg(feature = "ssr")]
pub mod db;
mod ui;

pub use api::*;
pub use ui::{AcceptInvitationPage, AccessLogPage, AccessManager, LinkPage, MePage, PeoplePage};
