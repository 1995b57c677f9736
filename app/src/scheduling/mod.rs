//! Scheduling: when clinicians work where (weekly hours per location, date exceptions, the
//! location's holidays, blocks when a clinician is away), the open times computed from those,
//! and appointments booked in them.
//!
//! Invariants: hours are wall-clock times in the location's time zone and open times are
//! computed from them on demand ([`slots`]), never stored, so they cannot go stale; one clinician
//! is never booked twice at once, which PostgreSQL enforces (the `appointment_no_overlap`
//! exclusion constraint), so two people taking the same time at the same moment get one booking
//! and one "that time was just taken"; a visit's reason is health information and never leaves
//! the portal's pages.

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod slots;
