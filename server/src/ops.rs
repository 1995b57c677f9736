//! Plain HTTP routes for operations and for the language switch: liveness, readiness and a link
//! that remembers the chosen language. None of them touches health data.

use app::{locale, state::AppState};
use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

/// The process is up (it does not look at the database).
pub async fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: its database answers.
pub async fn readyz(State(state): State<AppState>) -> Response {
    if app::db::is_ready(&state.db).await {
        (StatusCode::OK, "ready").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}

#[derive(Deserialize)]
pub struct SwitchQuery {
    #[serde(rename = "return")]
    return_to: Option<String>,
}

/// `/language/{code}?return=/path`: remembers the language in a cookie and goes back. A plain
/// link, so it works without JavaScript.
pub async fn switch_language(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<SwitchQuery>,
) -> Response {
    if locale::parse_code(&code).is_none() {
        return (StatusCode::NOT_FOUND, "Unknown language").into_response();
    }
    let back = locale::safe_return_path(query.return_to.as_deref()).to_owned();
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{}={code}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{secure}",
        locale::COOKIE
    );
    let mut response = (StatusCode::SEE_OTHER, ()).into_response();
    let headers = response.headers_mut();
    if let (Ok(location), Ok(cookie)) =
        (HeaderValue::from_str(&back), HeaderValue::from_str(&cookie))
    {
        headers.insert(header::LOCATION, location);
        headers.insert(header::SET_COOKIE, cookie);
    }
    response
}
