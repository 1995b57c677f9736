//! Health records: what the patient (or someone acting for them with the records scope) sees
//! of their own health story — the summary (conditions, allergies, medications, immunizations,
//! latest vitals), results grouped by report with plain-word flags and trend charts — and the
//! record in and out as FHIR R4, the readings the patient takes at home (`readings`), and
//! staff writing the record where no EHR feeds it (`entry`, `upload`).
//!
//! Invariants: each item is one FHIR R4 resource kept with its codes as received, and the
//! fields the pages need copied beside it when stored; corrections add versions
//! (`record_item_version`), never overwrite history; an outside record keeps its source; the
//! patient's side sees released items only, and a parent of a 12–17-year-old never sees
//! confidential ones unless the teen shares them; every read, import and export is audited; an
//! import is checked whole and stores nothing until every entry is acceptable (or the patient
//! keeps the valid ones), and importing the same data again adds nothing.
mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod domain;
pub mod entry;
mod entry_ui;
#[cfg(feature = "ssr")]
pub mod fhir;
pub mod form;
#[cfg(feature = "ssr")]
pub mod ips;
#[cfg(feature = "ssr")]
pub mod pdf;
pub mod readings;
mod readings_ui;
pub mod release;
mod release_ui;
pub mod renewal;
mod renewal_ui;
mod trend_island;
mod ui;
pub mod upload;

pub use api::*;
pub use domain::*;
pub use entry::{
    MarkEnteredInError, RecordEntry, ReleaseResult, RemoveRecordPart, SaveRecordEntry,
    SetPrimaryContact,
};
pub use entry_ui::EntryPage;
pub use readings::{AddReading, RecordsReadings, RemoveReading};
pub use readings_ui::ReadingsPage;
pub use release::{release_rules, save_release_rule, ReleaseRule, ReleaseRules, SaveReleaseRule};
pub use release_ui::ReleaseRulesPage;
pub use renewal::{RenewalForm, RequestRenewal};
pub use renewal_ui::RenewalPage;
pub use ui::{
    CarePlanPage, DocumentsPage, ImportRecordsPage, RecordsPage, ResultsPage, TrendPage, VisitsPage,
};
pub(crate) use ui::{RecordsNav, RecordsProblem};
pub use upload::UploadRecordDocument;
