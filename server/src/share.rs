//! The SMART Health Links endpoints other software calls: `POST /shl/{token}` answers a
//! manifest request (JSON in, JSON out, as the specification defines them) and
//! `GET /shl/file/{ticket}` serves the encrypted file a manifest points at. Viewers live on other
//! sites, so both answer any origin (CORS `*`): they take no cookies, only the token and the
//! passcode, and the cross-site refusal exempts them (see `security::refuse_cross_site`).

use app::sharing::server::{self, ManifestAnswer};
use app::state::AppState;
use axum::{
    body::Bytes,
    extract::{Path, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};

/// The most a manifest request's body may be: a name and a passcode.
const MAX_REQUEST: usize = 4096;

fn cors(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The preflight a browser sends before posting JSON from another site.
pub async fn preflight() -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, GET"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    cors(response)
}

pub async fn manifest(
    State(state): State<AppState>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_REQUEST).await else {
        return cors(StatusCode::PAYLOAD_TOO_LARGE.into_response());
    };
    let origin = state.config.link_origin();
    let pool = state.db.clone();
    let answer = crate::in_request::run(&state, &parts, || async move {
        server::manifest(&pool, &origin, &token, &body).await
    })
    .await;
    cors(match answer {
        Ok(ManifestAnswer::Files(json)) => Json(json).into_response(),
        Ok(ManifestAnswer::Passcode(left)) => (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({ "remainingAttempts": left })),
        )
            .into_response(),
        Ok(ManifestAnswer::BadRequest) => (
            StatusCode::BAD_REQUEST,
            "A manifest request is JSON with a non-empty \"recipient\" (and \"passcode\" when the link has one).",
        )
            .into_response(),
        Ok(ManifestAnswer::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => crate::in_request::refusal(&error),
    })
}

pub async fn file(State(state): State<AppState>, Path(ticket): Path<String>) -> Response {
    cors(match server::file(&state.db, &ticket).await {
        Ok(Some(jwe)) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/jose"),
            )],
            Bytes::from(jwe),
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => crate::in_request::refusal(&error),
    })
}
