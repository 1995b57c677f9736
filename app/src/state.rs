//! What every request handler can reach: Leptos options, the database pool and configuration.
//! One value per process, passed in by `server` (tests build their own), never a global.

use crate::{config::Config, error::AppError};
use axum::extract::FromRef;
use leptos::prelude::*;
use sqlx::PgPool;
use std::sync::Arc;

#[derive(Clone, FromRef)]
pub struct AppState {
    /// Site root, output names and address, from `[[workspace.metadata.leptos]]` and `LEPTOS_*`.
    pub leptos_options: LeptosOptions,
    /// The process's one connection pool.
    pub db: PgPool,
    /// Configuration loaded at start.
    pub config: Arc<Config>,
    /// Messaging's live updates: the process's listener and its streams.
    pub live: crate::messaging::live::hub::Hub,
}

/// The pool, inside a server function or a page render.
pub fn db() -> Result<PgPool, AppError> {
    use_context::<AppState>()
        .map(|s| s.db)
        .ok_or(AppError::Internal)
}

/// The configuration, inside a server function or a page render.
pub fn config() -> Result<Arc<Config>, AppError> {
    use_context::<AppState>()
        .map(|s| s.config)
        .ok_or(AppError::Internal)
}
