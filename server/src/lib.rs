//! The portal's HTTP server: the router (pages, server functions, files, operations endpoints),
//! the layers every request passes through, the background worker and the demo data command.
//! Processes keep no state of their own, so any number can serve one database.
// The app's page types are deep (as in `app`): release builds, which do not erase them, need it.
#![recursion_limit = "256"]

pub mod attachments;
pub mod bench_messaging;
pub mod bench_prices;
pub mod bench_records;
pub mod bench_schedule;
pub mod demo;
pub mod demo_directory;
pub mod demo_library;
pub mod demo_messaging;
pub mod demo_prices;
pub mod demo_records;
pub mod demo_schedule;
pub mod feeds;
pub mod in_request;
pub mod live;
pub mod media;
pub mod ops;
pub mod prices;
pub mod records;
pub mod records_documents;
pub mod security;
pub mod share;
pub mod visits;
pub mod worker;

use app::{
    app::{shell, App},
    state::AppState,
};
use axum::{
    handler::HandlerWithoutStateExt,
    middleware,
    routing::{get, post},
    Router,
};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::time::Duration;
use tower_http::{
    compression::{CompressionLayer, CompressionLevel},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::ServeDir,
    trace::TraceLayer,
};

/// The whole application as one `Router`, so tests can call it in process.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();

    // Files first, then the not-found page. Not `leptos_axum::file_and_error_handler`: it serves
    // a file inside `Owner::new()`, a child of whatever reactive owner the thread last had, and
    // then moves that owner's response headers onto the file. Under load it took a page's CSP,
    // leaving the page with the strict default that blocks its own stylesheet and scripts.
    let not_found = {
        let state = state.clone();
        let options = options.clone();
        leptos_axum::render_app_async_with_context(
            move || provide_context(state.clone()),
            move || shell(options.clone()),
        )
    };
    let files = ServeDir::new(&*options.site_root)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false)
        // A POST to an unknown address gets the not-found page too, not a bare 405.
        .call_fallback_on_method_not_allowed(true)
        .fallback(not_found.into_service());

    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/language/{code}", get(ops::switch_language))
        .route("/robots.txt", get(feeds::robots))
        .route("/media/{file}", get(media::image))
        .route("/sitemap.xml", get(feeds::sitemap))
        .route("/cms-hpt.txt", get(prices::cms_hpt))
        .route("/prices/standard-charges.json", get(prices::standard_charges_json))
        .route("/prices/standard-charges.csv", get(prices::standard_charges_csv))
        .route("/library/feed/{file}", get(feeds::atom))
        .route("/appointments/{id}/visit.ics", get(visits::calendar))
        .route("/live/messages", get(live::messages))
        .route("/messages/attachments/{id}", get(attachments::download))
        .route("/records/export.json", get(records::export))
        .route("/records/patient-summary.json", get(records::patient_summary))
        .route("/records/summary.pdf", get(records::summary_pdf))
        .route(
            "/records/documents/{id}/file",
            get(records_documents::download),
        )
        .route("/shl/{token}", post(share::manifest).options(share::preflight))
        .route("/shl/file/{ticket}", get(share::file).options(share::preflight))
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback_service(files)
        // Layers run bottom-up on the way in: request id → trace → origin → size → handler.
        // The origin check is first so a refused request is never buffered.
        .layer(middleware::from_fn_with_state(state.clone(), security::limit_body))
        .layer(middleware::from_fn_with_state(state.clone(), security::refuse_cross_site))
        .layer(middleware::from_fn_with_state(state.clone(), security::set_headers))
        // Quality 4 keeps dynamic compression cheap; release builds also ship precompressed
        // files at maximum quality, which `ServeDir` prefers.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                // The path only: a query string is not logged, nor a share link's token.
                let path = req.uri().path();
                let path = if path.starts_with("/shl/") { "/shl/…" } else { path };
                tracing::info_span!("request", request_id = %id, method = %req.method(), path = %path)
            }),
        )
        // Each request runs under a reactive owner of its own (see `own_reactive_owner`).
        .layer(middleware::from_fn(own_reactive_owner))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Runs the rest of the request under a fresh root reactive owner.
///
/// leptos_axum runs a server function inside `Owner::new()`, which becomes a child of whatever
/// owner the worker thread last had current, typically another request's page render. Contexts
/// are looked up through parents, so a server function could find the other request's
/// per-page values (its signed-in caller among them) and act as that person. Measured before
/// this layer: under concurrent browser tests, a sign-out ended another person's session and
/// form posts were refused as someone else. A root owner has no parent to leak from.
async fn own_reactive_owner(
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    use leptos::prelude::Owner;
    use leptos::reactive::computed::ScopedFuture;
    let owner = Owner::new_root(None);
    owner.with(|| ScopedFuture::new(next.run(request))).await
}

/// Serves `router` until SIGTERM or Ctrl-C, letting requests in flight finish.
pub async fn serve(listener: tokio::net::TcpListener, router: Router) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // Without TCP_NODELAY a streamed page waits on Nagle + delayed ACK (~44 ms per response).
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "could not set TCP_NODELAY");
        }
    });
    // The peer address feeds rate limits (through `ConnectInfo`) unless a proxy header is set.
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// A pool that fails fast when the database is away, so `/readyz` and pages answer promptly.
pub fn pool_options(max_connections: u32) -> sqlx::postgres::PgPoolOptions {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(3))
}
