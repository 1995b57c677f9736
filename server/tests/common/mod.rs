//! Helpers shared by the router test files: the router with a test configuration, and bodies
//! read as text.

use app::{config::Config, state::AppState};
use axum::{response::Response, Router};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;
use std::{collections::HashMap, sync::Arc};

/// A valid development configuration plus `extra` variables.
pub fn config(extra: &[(&str, &str)]) -> Config {
    let mut vars: HashMap<String, String> = HashMap::from([(
        "DATABASE_URL".to_string(),
        "postgres://postgres@127.0.0.1/unused".to_string(),
    )]);
    for (k, v) in extra {
        vars.insert(k.to_string(), v.to_string());
    }
    Config::from_lookup(|k| vars.get(k).cloned()).expect("valid test configuration")
}

/// Leptos options pointing at the small test site in `tests/site`.
pub fn options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("portal")
        .site_root(env!("CARGO_MANIFEST_DIR").to_string() + "/tests/site")
        .build()
}

pub fn router_with(pool: PgPool, config: Config, options: LeptosOptions) -> Router {
    server::router(AppState {
        leptos_options: options,
        db: pool,
        config: Arc::new(config),
    })
}

pub async fn text(response: Response) -> String {
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}
