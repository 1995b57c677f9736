//! Sharing a part of the record: SMART Health Links. A patient (or someone acting for them with
//! the records scope) picks what to share — conditions, allergies, medications, immunizations,
//! results, vital signs — for how long, with or without a passcode, and gets a link and its QR
//! code; whoever opens it sees that part of the record in the portal's viewer (or any SMART
//! Health Links viewer), and the patient sees every attempt and can withdraw the link at once.
//!
//! Invariants: the shared record is a snapshot taken when the link is made, with exactly what the
//! maker may see (released items only; a parent of a 12–17-year-old never shares confidential
//! items), encrypted as a JWE (`dir`, A256GCM) under a key that travels in the link's fragment
//! (never sent to a server by the viewer); the manifest's address holds 256 random bits; a
//! withdrawn, expired or passcode-locked link answers 404 like one that never existed; every
//! manifest request is recorded with its outcome; a wrong passcode spends one of five attempts
//! under a row lock, so parallel guesses cannot spend more; making, listing, withdrawing and
//! opening are audited. Staff cannot make links: sharing is the patient's choice.
mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod shl;
mod ui;
mod viewer;

pub use api::*;
pub use domain::*;
pub use ui::SharePage;
pub use viewer::ShareViewerPage;
