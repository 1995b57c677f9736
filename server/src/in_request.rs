//! Running app code from a plain axum route as a server function runs: under a root reactive
//! owner of its own, with the app state and the request's parts (its session cookie, client
//! address) as contexts, so the app's caller and access checks work unchanged.

use app::state::AppState;
use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use leptos::prelude::{provide_context, Owner};
use leptos::reactive::computed::ScopedFuture;
use std::future::Future;

/// Runs `work` as part of the request with `parts`. A root owner: a stream may outlive its
/// request, and no owner may find another request's contexts through a parent (see
/// `own_reactive_owner`).
pub async fn run<T, Fut>(
    state: &AppState,
    parts: &http::request::Parts,
    work: impl FnOnce() -> Fut,
) -> T
where
    Fut: Future<Output = T>,
{
    let owner = Owner::new_root(None);
    owner
        .with(|| {
            provide_context(state.clone());
            provide_context(parts.clone());
            ScopedFuture::new(work())
        })
        .await
}

/// The answer when the app code refused: its status and message, never cached.
pub fn refusal(error: &app::error::AppError) -> Response {
    (
        StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        error.to_string(),
    )
        .into_response()
}
