//! Scheduling: when clinicians work where (weekly hours per location, date exceptions, the
//! location's holidays, blocks when a clinician is away), the open times computed from those,
//! and appointments booked in them: searched, booked, moved and cancelled by patients and those
//! acting for them, and managed by staff on a day or week calendar.
//!
//! Invariants: hours are wall-clock times in the location's time zone and open times are
//! computed from them on demand ([`slots`]), never stored, so they cannot go stale; one clinician
//! is never booked twice at once, which PostgreSQL enforces (the `appointment_no_overlap`
//! exclusion constraint), so two people taking the same time at the same moment get one booking
//! and one "that time was just taken"; a visit moves in place, keeping its id, which is its
//! calendar UID, while its calendar sequence rises with every change; a visit's reason is
//! health information and never leaves the portal's pages (no email, calendar file or log).

mod api;
#[cfg(feature = "ssr")]
pub mod calendar;
#[cfg(feature = "ssr")]
pub mod db;
mod domain;
#[cfg(feature = "ssr")]
pub mod notify;
#[cfg(feature = "ssr")]
pub mod reminders;
mod setup;
mod setup_ui;
#[cfg(feature = "ssr")]
pub mod slots;
mod staff_ui;
mod ui;
#[cfg(feature = "ssr")]
pub mod waitlist;

pub use api::*;
pub use domain::*;
pub use setup::*;
pub use setup_ui::{ScheduleSetupPage, VisitTypesPage};
pub use staff_ui::StaffSchedulePage;
pub use ui::{
    AppointmentPage, AppointmentsPage, BookPage, ConfirmBookingPage, RespondPage, UpcomingVisits,
};
