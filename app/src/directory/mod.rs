//! Find care: the directory of locations (address, phone, opening hours in the location's own
//! time zone) and clinicians (credentials, specialties, languages, locations, visit types,
//! whether they accept new patients, a short bio in English and Spanish, a photo).
//! Administrators manage it; anyone can browse it, filter it and open a page per clinician and
//! per location with schema.org structured data (Physician, MedicalClinic).
//!
//! Invariants: the public only ever sees entries marked listed (and, on a clinician, only their
//! listed locations); every change is an administrator's, with a second factor, checked before
//! anything is read, written in one transaction with its audit event; a refused save keeps what
//! was typed. Specialties and visit types are vocabularies with names in both languages, so a
//! page never shows a raw code.

mod admin_ui;
mod api;
#[cfg(feature = "ssr")]
pub mod db;
mod domain;
mod ui;

pub use admin_ui::{AdminClinicianPage, AdminDirectoryPage, AdminLocationPage};
pub use api::*;
pub use domain::*;
pub use ui::{select_field, ClinicianPage, FindCarePage, LocationPage, Phone};
