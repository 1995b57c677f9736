//! The health system that runs this portal: its name and main phone line, shown on every page.
//! Invariant: at most one row (`organisation_singleton`). Until an administrator (or the demo
//! data) sets it, pages fall back to the product's own name and show no phone number.

mod api;
#[cfg(feature = "ssr")]
pub mod db;
mod domain;

pub use api::*;
pub use domain::*;
