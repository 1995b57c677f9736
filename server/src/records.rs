//! `GET /records/export.json?patient=…`: the patient's whole record as a FHIR R4 Bundle, as a
//! download, to whoever may read the record (the same check as the records pages, audited).
//! A plain route because an export is a GET of a file; never cached.

use app::state::AppState;
use axum::{
    extract::{Query, Request, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use std::collections::HashMap;

pub async fn export(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let patient = query.get("patient").cloned();
    let bundle = crate::in_request::run(&state, &parts, || async move {
        app::records::server::export(patient).await
    })
    .await;
    match bundle {
        Ok(json) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/fhir+json"),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_static("attachment; filename=\"health-record.json\""),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("private, no-store"),
                ),
            ],
            json,
        )
            .into_response(),
        Err(error) => crate::in_request::refusal(&error),
    }
}
