//! Running app code from a plain axum route as a server function runs: under a root reactive
//! owner of its own, with the app state and the request's parts (its session cookie, client
//! address) as contexts, so the app's caller and access checks work unchanged.

use app::state::AppState;
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
