//! `GET /media/{hash}-{width}.jpg`: the stored images (article hero images, clinician photos),
//! which are public content only. An address names bytes that never change (the key is their
//! SHA-256), so browsers and CDNs keep them for a year without asking again.

use app::state::AppState;
use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Serves one stored width of an image, or 404 for an unknown image or width.
pub async fn image(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some((hash, width)) = app::media::parse_media_file(&file) else {
        return not_found();
    };
    let etag = format!("\"{hash}-{width}\"");
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    // A key that matched was stored once and never changes: no query needed to answer 304.
    if fresh {
        return (StatusCode::NOT_MODIFIED, cache_headers(&etag)).into_response();
    }
    match app::media::db::select_variant(&state.db, hash, width).await {
        Ok(Some(bytes)) => {
            let mut headers = cache_headers(&etag);
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
            (StatusCode::OK, headers, bytes).into_response()
        }
        Ok(None) => not_found(),
        Err(e) => {
            tracing::error!(error = ?e, "reading an image");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CACHE_CONTROL, "no-store")],
                "The image is not available right now.",
            )
                .into_response()
        }
    }
}

fn cache_headers(etag: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(etag) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, etag);
    }
    headers
}

/// Not found, briefly cached: the address may become valid later only if that exact image is
/// uploaded.
fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, "public, max-age=60")],
        "No such image.",
    )
        .into_response()
}
