//! A visit's calendar file, downloaded from its page ("Add to calendar"). A plain route rather
//! than a server function because calendar programs and browsers expect a GET of a `.ics` file;
//! it runs the same access check as the page (`crate::in_request`).

use app::state::AppState;
use axum::{
    extract::{Path, Request, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};

pub async fn calendar(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let file = crate::in_request::run(&state, &parts, || async move {
        app::scheduling::server::calendar_file(&id).await
    })
    .await;
    match file {
        Ok(text) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/calendar; charset=utf-8"),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_static("attachment; filename=\"visit.ics\""),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            text,
        )
            .into_response(),
        Err(error) => crate::in_request::refusal(&error),
    }
}
