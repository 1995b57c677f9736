//! Protections applied to every response and request before any handler runs: security headers,
//! cross-site request refusal and the request-size limit. Server functions are public HTTP
//! endpoints, so none of this relies on the portal's own pages being the caller.

use app::state::AppState;
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Policy for anything that is not an HTML page (server function replies, files, health checks).
pub const DEFAULT_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const PERMISSIONS_POLICY: &str =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()";

/// Refuses a state-changing request sent by another site: the browser says so with
/// `Sec-Fetch-Site: cross-site`, or with an `Origin` that is not this host.
pub async fn refuse_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // SMART Health Links' manifests are for viewers on other sites; they read no cookies.
    let shared_link = request.uri().path().starts_with("/shl/");
    if !safe && !shared_link && is_cross_site(request.headers(), state.config.public_url.as_ref()) {
        tracing::warn!(path = %request.uri().path(), "refused cross-site request");
        return (
            StatusCode::FORBIDDEN,
            "This request came from another website and was refused. Open the portal directly and try again.",
        )
            .into_response();
    }
    next.run(request).await
}

/// Whether the request was sent by a page of another origin.
pub fn is_cross_site(headers: &HeaderMap, public_url: Option<&url::Url>) -> bool {
    let value = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if value("sec-fetch-site") == Some("cross-site") {
        return true;
    }
    let Some(origin) = value(header::ORIGIN.as_str()) else {
        // Non-browser clients send no Origin; they carry no ambient cookies worth forging.
        return false;
    };
    let Ok(origin) = url::Url::parse(origin) else {
        return true; // includes the opaque "null" origin
    };
    let authority = match (origin.host_str(), origin.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        _ => return true,
    };
    let same_host =
        value(header::HOST.as_str()).is_some_and(|host| host.eq_ignore_ascii_case(&authority));
    let same_public = public_url.is_some_and(|u| u.origin() == origin.origin());
    !(same_host || same_public)
}

/// Refuses bodies over the configured size with 413 and a message a person can act on. A body
/// sent without `Content-Length` (chunked) is read up to the limit first, so it gets the same
/// answer instead of failing inside a handler. This is the only body limit: a declared length is
/// enforced by hyper, and GET and HEAD bodies are never read.
pub async fn limit_body(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // Image uploads are larger than anything else a form sends (and only editors and
    // administrators get past the upload function's first line).
    let path = request.uri().path();
    let upload = app::media::upload_body_limit(path)
        .or_else(|| app::library::upload_body_limit(path))
        .or_else(|| app::messaging::attachment::message_body_limit(path))
        .or_else(|| app::records::form::import_body_limit(path))
        .or_else(|| app::pricing::catalogue_body_limit(path));
    let limit = match upload {
        Some(upload) => upload.max(state.config.max_body_bytes),
        None => state.config.max_body_bytes,
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > limit as u64 => return too_large(limit),
        Some(_) => {}
        None if matches!(*request.method(), Method::GET | Method::HEAD) => {}
        None => {
            let (parts, body) = request.into_parts();
            return match axum::body::to_bytes(body, limit).await {
                Ok(bytes) => next.run(Request::from_parts(parts, bytes.into())).await,
                Err(_) => too_large(limit),
            };
        }
    }
    next.run(request).await
}

fn too_large(limit: usize) -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "This request is too large: the limit is {} KB. Send less at once, or a smaller file.",
            limit / 1024
        ),
    )
        .into_response()
}

fn set(headers: &mut HeaderMap, name: header::HeaderName, value: &'static str) {
    headers.insert(name, HeaderValue::from_static(value));
}

/// Security and caching headers for every response.
pub async fn set_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let hashed_assets = state.leptos_options.hash_files;
    let headers = response.headers_mut();
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "same-origin");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(
        headers,
        header::HeaderName::from_static("permissions-policy"),
        PERMISSIONS_POLICY,
    );
    set(
        headers,
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if state.config.sends_hsts() {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        );
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        set(headers, header::CONTENT_SECURITY_POLICY, DEFAULT_CSP);
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        let is_html = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        let cache = if path.starts_with("/pkg/") && hashed_assets && !is_html {
            // File names carry a content hash: a new build is a new URL.
            "public, max-age=31536000, immutable"
        } else if is_html || path.starts_with("/api/") || path.starts_with("/language/") {
            // Pages can be personal: never in a shared cache.
            "private, no-cache"
        } else {
            "public, max-age=3600"
        };
        set(headers, header::CACHE_CONTROL, cache);
        if is_html {
            set(
                headers,
                header::VARY,
                "Cookie, Accept-Language, Accept-Encoding",
            );
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn same_origin_and_originless_requests_pass() {
        assert!(!is_cross_site(
            &headers(&[
                ("host", "127.0.0.1:3000"),
                ("origin", "http://127.0.0.1:3000")
            ]),
            None
        ));
        assert!(!is_cross_site(
            &headers(&[("host", "127.0.0.1:3000")]),
            None
        ));
        assert!(!is_cross_site(
            &headers(&[("sec-fetch-site", "same-origin")]),
            None
        ));
    }

    #[test]
    fn other_origins_and_cross_site_fetches_are_refused() {
        assert!(is_cross_site(
            &headers(&[
                ("host", "127.0.0.1:3000"),
                ("origin", "https://evil.example")
            ]),
            None
        ));
        assert!(is_cross_site(
            &headers(&[("host", "127.0.0.1:3000"), ("origin", "null")]),
            None
        ));
        assert!(is_cross_site(
            &headers(&[
                ("host", "127.0.0.1:3000"),
                ("origin", "http://127.0.0.1:3001")
            ]),
            None
        ));
        assert!(is_cross_site(
            &headers(&[("sec-fetch-site", "cross-site")]),
            None
        ));
    }

    #[test]
    fn the_public_origin_passes_behind_a_proxy_that_rewrites_host() {
        let public = url::Url::parse("https://portal.example.org").ok();
        let h = headers(&[
            ("host", "10.0.0.5:3000"),
            ("origin", "https://portal.example.org"),
        ]);
        assert!(!is_cross_site(&h, public.as_ref()));
    }
}
