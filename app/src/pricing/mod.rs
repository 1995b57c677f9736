//! Price transparency: the hospital's standard charges (45 CFR 180.50) as one catalogue that
//! the public estimator, patients' estimates and the machine-readable file all read.
//!
//! Each item or service has CMS's description and billing codes, a plain-language name in
//! English and Spanish, and its charges per setting: gross charge, discounted cash price, the
//! lowest and highest negotiated amounts, and each payer plan's negotiated rate (a dollar
//! amount, a percentage of billed charges or the contract's algorithm, with its methodology).
//! A shoppable service heads a group of the ancillary services usually billed with it.
//!
//! Invariants: money is integer cents end to end (a file with a fraction of a cent is refused,
//! never rounded); an import replaces the whole catalogue in one transaction or changes
//! nothing, and every import, applied or refused, is kept with who posted it and every problem
//! found; payer plans are never deleted (coverage on file points at them); only administrators
//! change the catalogue, and anyone may read it.

mod api;
#[cfg(feature = "ssr")]
pub mod cms;
mod coverage;
mod coverage_ui;
#[cfg(feature = "ssr")]
pub mod db;
mod domain;
mod editor;
mod editor_ui;
pub mod estimate;
mod figures;
mod figures_ui;
pub mod money;
mod ui;

pub use api::*;
pub use coverage::{
    ask_coverage_correction, check_coverage, estimate_price, estimate_visit, good_faith_estimate,
    patient_coverage, save_coverage, AskCoverageCorrection, EstimatePrice, EstimateVisit,
    GoodFaithEstimate, PatientCoverage, SaveCoverage,
};
pub use coverage_ui::{CoveragePage, GoodFaithPage, PersonalEstimateView, VisitEstimate};
pub use domain::*;
pub use editor::{
    check_item, price_item_editor, save_price_item, ItemChangeView, ItemChangeWhat, ItemEditor,
    ItemForm, PriceItemEditor, SavePriceItem,
};
pub use editor_ui::AdminPriceItemPage;
pub use figures::{
    check_charge, check_rate, save_price_charge, save_price_rate, ChargeAmounts, FigureForm,
    SavePriceCharge, SavePriceRate,
};
pub use ui::{AdminPricesPage, PricePage, PricesPage};
