//! The portal's pages, components and server functions, built twice: with `ssr` into the server
//! and with `hydrate` into the small WASM module that brings the page's islands to life.
#![recursion_limit = "256"]

pub mod admin;
pub mod app;
#[cfg(feature = "ssr")]
pub mod audit;
pub mod auth;
pub mod cookies;
pub mod directory;
#[cfg(feature = "ssr")]
pub mod email;
pub mod error;
#[cfg(feature = "ssr")]
pub mod forms;
pub mod home;
pub mod household;
pub mod i18n;
#[cfg(feature = "ssr")]
pub mod jobs;
pub mod library;
pub mod locale;
pub mod media;
pub mod messaging;
pub mod organisation;
pub mod pricing;
pub mod records;
pub mod scheduling;
#[cfg(feature = "ssr")]
pub mod security;
pub mod sharing;
pub mod shell;
pub mod staff;

#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod state;

/// WASM entry point: hydrates the `#[island]` components the server rendered.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
