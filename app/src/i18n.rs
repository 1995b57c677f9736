//! The translation catalogue, checked at compile time: a key used in code but missing from
//! `locales/en.json` fails the build, and `locale::tests` fails when the languages' keys differ.
//!
//! `load_locales!` is deprecated upstream in favour of build-script generation, which pulls the
//! ICU data exporter into every build; the macro produces the same module without it.
#![allow(
    deprecated,
    reason = "see the module docs: the build-script path costs minutes per cold build"
)]

leptos_i18n::load_locales!();
pub use i18n::*;
