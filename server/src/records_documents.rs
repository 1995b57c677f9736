//! `GET /records/documents/{id}/file?patient=…`: one document's file from the health record, to
//! whoever may read the record (the same check as the records pages, audited). Always a download
//! under its own name, never kept by caches, and sandboxed should a browser render it anyway.

use app::state::AppState;
use axum::{
    extract::{Path, Query, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use std::collections::HashMap;

pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let patient = query.get("patient").cloned();
    let file = crate::in_request::run(&state, &parts, || async move {
        app::records::server::document(patient, &id).await
    })
    .await;
    match file {
        Ok((content_type, name, bytes)) => {
            let disposition = app::messaging::attachment::content_disposition(&name);
            let (Ok(disposition), Ok(content_type)) = (
                HeaderValue::from_str(&disposition),
                HeaderValue::from_str(&content_type),
            ) else {
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            };
            (
                [
                    (header::CONTENT_TYPE, content_type),
                    (header::CONTENT_DISPOSITION, disposition),
                    (
                        header::CACHE_CONTROL,
                        HeaderValue::from_static("private, no-store"),
                    ),
                    (
                        header::X_CONTENT_TYPE_OPTIONS,
                        HeaderValue::from_static("nosniff"),
                    ),
                    (
                        header::CONTENT_SECURITY_POLICY,
                        HeaderValue::from_static("sandbox; default-src 'none'"),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Err(error) => crate::in_request::refusal(&error),
    }
}
