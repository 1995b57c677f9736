//! `GET /messages/attachments/{id}`: a file attached to a message, to whoever may read the
//! message (the same check as the conversation's page, audited). Always a download, named as
//! stored, never kept by caches, and sandboxed should a browser render it anyway; a plain route
//! because a download is a GET of the file's bytes.

use app::state::AppState;
use axum::{
    extract::{Path, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let file = crate::in_request::run(&state, &parts, || async move {
        app::messaging::server::attachment(&id).await
    })
    .await;
    match file {
        Ok(file) => {
            let disposition = app::messaging::attachment::content_disposition(&file.file_name);
            let Ok(disposition) = HeaderValue::from_str(&disposition) else {
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            };
            let content_type = HeaderValue::from_str(&file.content_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream"));
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
                file.content,
            )
                .into_response()
        }
        Err(error) => crate::in_request::refusal(&error),
    }
}
