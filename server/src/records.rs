//! `GET /records/export.json?patient=…`: the patient's whole record as a FHIR R4 Bundle,
//! `GET /records/patient-summary.json?patient=…`: the International Patient Summary document,
//! and `GET /records/summary.pdf?patient=…`: the health summary as a PDF, as downloads, to whoever may read the record (the same check as the records pages,
//! audited). Plain routes because each is a GET of a file; never cached.

use app::error::AppError;
use app::state::AppState;
use axum::{
    extract::{Query, Request, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use std::collections::HashMap;
use std::future::Future;

async fn download<F, Fut, B>(
    state: AppState,
    query: HashMap<String, String>,
    request: Request,
    (content_type, disposition): (&'static str, &'static str),
    make: F,
) -> Response
where
    F: FnOnce(Option<String>) -> Fut,
    Fut: Future<Output = Result<B, AppError>>,
    B: IntoResponse,
{
    let (parts, _) = request.into_parts();
    let patient = query.get("patient").cloned();
    let file = crate::in_request::run(&state, &parts, || make(patient)).await;
    match file {
        Ok(file) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_static(disposition),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("private, no-store"),
                ),
            ],
            file,
        )
            .into_response(),
        Err(error) => crate::in_request::refusal(&error),
    }
}

pub async fn export(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Response {
    download(
        state,
        query,
        request,
        (
            "application/fhir+json",
            "attachment; filename=\"health-record.json\"",
        ),
        app::records::server::export,
    )
    .await
}

pub async fn patient_summary(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Response {
    download(
        state,
        query,
        request,
        (
            "application/fhir+json",
            "attachment; filename=\"patient-summary.json\"",
        ),
        app::records::server::patient_summary,
    )
    .await
}

pub async fn summary_pdf(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Response {
    download(
        state,
        query,
        request,
        (
            "application/pdf",
            "attachment; filename=\"health-summary.pdf\"",
        ),
        app::records::server::summary_pdf,
    )
    .await
}
