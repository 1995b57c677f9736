//! Media: images uploaded by staff for public pages (article hero images, clinician photos).
//! Nothing here is private: every stored image is served to anyone who has its address, so
//! never upload anything about a patient.
//!
//! An upload is checked by its content, never by its name or declared type (only JPEG, PNG and
//! WebP, at most 10 MB and 40 megapixels, a decompression bomb refused from its header before any
//! pixel is decoded), turned upright, flattened onto white and re-encoded as JPEG at 1600, 800
//! and 400 pixels wide (never enlarged). Re-encoding keeps only the pixels, so metadata such as
//! EXIF locations never reaches the site.
//!
//! Invariants: an image is keyed by the SHA-256 of its stored full-size bytes and is never
//! changed once written, so `/media/{hash}-{width}.jpg` is served as immutable for a year; the
//! bytes live in PostgreSQL, so every process behind the load balancer serves every image; only
//! editors and administrators (with a second factor) upload, checked before the body is read,
//! and every upload is audited.

mod api;
#[cfg(feature = "ssr")]
pub mod db;
mod domain;
#[cfg(feature = "ssr")]
pub mod process;
mod ui;

pub use api::*;
pub use domain::*;
pub use ui::{refusal_message, ImageUploadForm, ResponsiveImage};
