//! Transactional email: sign-up confirmations, password resets and notices, in the recipient's
//! language, as plain text and HTML.
//!
//! Invariants: an email is queued in the outbox in the same transaction as the change that
//! causes it, so a rolled-back change sends nothing and a committed one is never lost; any
//! number of workers deliver from the outbox (`for update skip locked`, a claim that lapses if
//! its worker dies), retrying with growing delays; a message keeps one Message-ID across
//! attempts. No email carries health information, only links back to the portal, and neither
//! the log nor the outbox's error column ever holds a message body or a server reply.

pub mod delivery;
pub mod outbox;
pub mod templates;

pub use templates::Template;
