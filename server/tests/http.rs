//! The real router, called in process: headers, refusals, errors and operations endpoints.
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]

use app::organisation::{db::upsert_organisation, GetOrganisation, Organisation};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
    response::Response,
    Router,
};
use server_fn::ServerFn;
use sqlx::PgPool;
use tower::ServiceExt;

mod common;
use common::{config, options, router_with, text};

fn router(pool: PgPool) -> Router {
    router_with(pool, config(&[]), options())
}

async fn seed(pool: &PgPool) {
    upsert_organisation(
        pool,
        &Organisation {
            name: "Riverbend Health".into(),
            phone: Some("(555) 010-2000".into()),
        },
    )
    .await
    .expect("seed organisation");
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::HOST, "127.0.0.1:3000")
        .body(Body::empty())
        .expect("request")
}

fn header_of<'a>(response: &'a Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_home_page_renders_with_security_headers_and_a_per_response_nonce(pool: PgPool) {
    seed(&pool).await;
    let app = router(pool);

    let first = app.clone().oneshot(get("/")).await.expect("response");
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(header_of(&first, "x-content-type-options"), "nosniff");
    assert_eq!(header_of(&first, "x-frame-options"), "DENY");
    assert_eq!(header_of(&first, "referrer-policy"), "same-origin");
    assert!(header_of(&first, "permissions-policy").contains("camera=()"));
    assert_eq!(header_of(&first, "cache-control"), "private, no-cache");
    assert!(!header_of(&first, "x-request-id").is_empty());
    assert_eq!(
        header_of(&first, "strict-transport-security"),
        "",
        "no HSTS over plain HTTP"
    );
    let csp = header_of(&first, "content-security-policy").to_string();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("CSP has a nonce")
        .to_string();

    let body = text(first).await;
    assert!(body.contains("<html lang=\"en\""), "{body}");
    assert!(body.contains("Riverbend Health"));
    assert!(
        body.contains(&format!("nonce=\"{nonce}\"")),
        "scripts carry the header's nonce"
    );
    assert!(body.contains("Skip to main content"));
    assert!(
        body.contains("<leptos-island"),
        "the hydration marker island is rendered"
    );

    let second = app.oneshot(get("/")).await.expect("response");
    assert!(
        !header_of(&second, "content-security-policy").contains(&nonce),
        "a nonce is never reused"
    );
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_page_speaks_the_browsers_language_until_the_patient_chooses(pool: PgPool) {
    seed(&pool).await;
    let app = router(pool);

    let mut request = get("/");
    request.headers_mut().insert(
        header::ACCEPT_LANGUAGE,
        "es-MX,es;q=0.9".parse().expect("value"),
    );
    let body = text(app.clone().oneshot(request).await.expect("response")).await;
    assert!(body.contains("<html lang=\"es\""));
    assert!(body.contains("Su atención médica, en un solo lugar"));
    assert!(body.contains("href=\"/language/en?return=/\""));

    let mut request = get("/");
    request
        .headers_mut()
        .insert(header::ACCEPT_LANGUAGE, "es-MX".parse().expect("value"));
    request
        .headers_mut()
        .insert(header::COOKIE, "lang=en".parse().expect("value"));
    let body = text(app.oneshot(request).await.expect("response")).await;
    assert!(body.contains("<html lang=\"en\""));
    assert!(body.contains("Your care, in one place"));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_language_switch_remembers_the_choice_and_only_returns_to_this_site(pool: PgPool) {
    let app = router(pool);

    let response = app
        .clone()
        .oneshot(get("/language/es?return=/some/page"))
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(header_of(&response, "location"), "/some/page");
    let cookie = header_of(&response, "set-cookie");
    assert!(cookie.starts_with("lang=es;"), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));

    let response = app
        .clone()
        .oneshot(get("/language/es?return=//evil.example/x"))
        .await
        .expect("response");
    assert_eq!(header_of(&response, "location"), "/");

    let response = app.oneshot(get("/language/fr")).await.expect("response");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_post_from_another_site_is_refused_before_any_server_function_runs(pool: PgPool) {
    seed(&pool).await;
    let app = router(pool);
    let path = <GetOrganisation as ServerFn>::PATH;

    for (name, value) in [
        ("origin", "https://evil.example"),
        ("origin", "null"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let request = Request::post(path)
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(name, value)
            .body(Body::empty())
            .expect("request");
        let response = app.clone().oneshot(request).await.expect("response");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{name}: {value}");
        assert!(text(response).await.contains("another website"));
    }

    let same_origin = Request::post(path)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::empty())
        .expect("request");
    let response = app.oneshot(same_origin).await.expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header_of(&response, "cache-control"), "private, no-cache");
    assert!(text(response).await.contains("Riverbend Health"));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn server_functions_refuse_get(pool: PgPool) {
    let app = router(pool);
    let response = app
        .oneshot(get(<GetOrganisation as ServerFn>::PATH))
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_cross_site_request_is_refused_before_its_body_is_read(pool: PgPool) {
    let app = router_with(pool, config(&[("MAX_BODY_BYTES", "4096")]), options());
    let request = Request::post(<GetOrganisation as ServerFn>::PATH)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from(vec![b'a'; 10_000]))
        .expect("request");
    let response = app.oneshot(request).await.expect("response");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_oversize_body_is_refused_with_413_and_a_message(pool: PgPool) {
    let app = router_with(pool, config(&[("MAX_BODY_BYTES", "4096")]), options());
    let post = |declare_length: bool| {
        let mut request = Request::post(<GetOrganisation as ServerFn>::PATH)
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if declare_length {
            request = request.header(header::CONTENT_LENGTH, "10000");
        }
        request
            .body(Body::from(vec![b'a'; 10_000]))
            .expect("request")
    };
    // As browsers send forms (with a length), and streamed without one.
    for declare_length in [true, false] {
        let response = app
            .clone()
            .oneshot(post(declare_length))
            .await
            .expect("response");
        assert_eq!(
            response.status(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "length declared: {declare_length}"
        );
        assert!(text(response).await.contains("the limit is 4 KB"));
    }
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_unknown_address_gets_the_not_found_page_with_404(pool: PgPool) {
    seed(&pool).await;
    let app = router(pool);
    let response = app.oneshot(get("/no/such/page")).await.expect("response");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(header_of(&response, "content-security-policy").contains("'nonce-"));
    let body = text(response).await;
    assert!(body.contains("Page not found"), "{body}");
    assert!(body.contains("Go to the home page"));
}

async fn unreachable_pool() -> PgPool {
    server::pool_options(2)
        .acquire_timeout(std::time::Duration::from_millis(500))
        .connect_lazy("postgres://postgres@127.0.0.1:9/nowhere")
        .expect("lazy pool")
}

#[tokio::test]
async fn readiness_fails_and_pages_say_so_when_the_database_is_unreachable() {
    let app = router(unreachable_pool().await);

    let health = app
        .clone()
        .oneshot(get("/healthz"))
        .await
        .expect("response");
    assert_eq!(health.status(), StatusCode::OK, "the process itself is up");

    let ready = app.clone().oneshot(get("/readyz")).await.expect("response");
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);

    let home = app.oneshot(get("/")).await.expect("response");
    assert_eq!(home.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = text(home).await;
    assert!(
        body.contains("We can&#x27;t show this page right now")
            || body.contains("We can't show this page right now"),
        "{body}"
    );
    assert!(
        !body.to_lowercase().contains("postgres"),
        "no internals reach the page"
    );
    assert!(!body.contains("127.0.0.1:9"));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn the_database_answers_readiness(pool: PgPool) {
    let response = router(pool)
        .oneshot(get("/readyz"))
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn https_deployments_send_hsts_and_upgrade_requests(pool: PgPool) {
    let app = router_with(
        pool,
        config(&[("PUBLIC_URL", "https://portal.example.org")]),
        options(),
    );
    let response = app.oneshot(get("/")).await.expect("response");
    assert!(header_of(&response, "strict-transport-security").starts_with("max-age="));
    assert!(header_of(&response, "content-security-policy").contains("upgrade-insecure-requests"));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn hashed_assets_are_cached_for_a_year_and_compressed(pool: PgPool) {
    let mut opts = options();
    opts.hash_files = true;
    let app = router_with(pool, config(&[]), opts);
    let mut request = get("/pkg/test-asset.abc123.js");
    request
        .headers_mut()
        .insert(header::ACCEPT_ENCODING, "br".parse().expect("value"));
    let response = app.clone().oneshot(request).await.expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header_of(&response, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header_of(&response, "content-encoding"), "br");

    let response = app.oneshot(get("/favicon.svg")).await.expect("response");
    assert_eq!(
        header_of(&response, "cache-control"),
        "public, max-age=3600"
    );
}

/// Regression: leptos_axum's file handler took the response headers of whichever page was
/// rendering on the same thread, so under load a page lost its CSP (and got the strict default,
/// which blocks its own stylesheet and scripts). Pages and files must never share headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_keeps_its_own_csp_while_files_are_served_at_the_same_time() {
    let app = router(unreachable_pool().await);
    let mut tasks = Vec::new();
    for i in 0..300 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let uri = if i % 2 == 0 {
                "/no/such/page"
            } else {
                "/favicon.svg"
            };
            let response = app.oneshot(get(uri)).await.expect("response");
            let csp = header_of(&response, "content-security-policy").to_string();
            (uri, csp)
        }));
    }
    let mut stolen = 0;
    for task in tasks {
        let (uri, csp) = task.await.expect("task");
        if uri == "/no/such/page" {
            assert!(csp.contains("'nonce-"), "page lost its CSP: {csp}");
        } else if csp.contains("'nonce-") {
            stolen += 1;
        }
    }
    assert_eq!(stolen, 0, "files carried a page's CSP");
}
