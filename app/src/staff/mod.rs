//! Staff pages about one patient at a time: finding a patient by name or date of birth, handing
//! them an invitation code that links an account to their record, and managing who can see the
//! record on their behalf (inviting a helper by email, removing one).
//!
//! Rules: only the staff role with a second factor; every search and every view of a patient's
//! page is audited (searches record that one happened, never the words searched, which are
//! patient names); an invitation code is shown once, from a short-lived cookie, and never put
//! in an address.

mod api;
mod ui;

pub use api::*;
pub use ui::{StaffPatientPage, StaffPatientsPage};
