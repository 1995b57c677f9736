//! `/live/messages`: messaging's server-sent event stream (see `app::messaging::live`). One
//! stream per open page: `?conversation=<id>`, `?patient=<id>` (a patient's list) or `?staff=1`
//! (the staff inbox). Its events are unnamed: `ready` once it is listening, then a changed
//! conversation's id (or `*`: look again) — never words. The caller is checked when it opens, as the page
//! would be, and again when something is to be passed on (at most every half minute); the
//! stream ends after a few minutes and the browser reconnects, which checks again.

use app::messaging::live::hub::{LiveFilter, Signal};
use app::state::AppState;
use axum::{
    extract::{Query, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
};
use futures::StreamExt;
use serde::Deserialize;
use std::convert::Infallible;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;

/// How long one stream lasts before the browser must reconnect (and be checked again).
const LIFETIME: Duration = Duration::from_secs(300);
/// How long a check of the caller holds before a change passed on checks again.
const RECHECK: Duration = Duration::from_secs(30);
/// How soon the browser reconnects after a stream ends.
const RETRY: Duration = Duration::from_secs(2);

#[derive(Clone, Debug, Default, Deserialize)]
pub struct LiveQuery {
    conversation: Option<String>,
    patient: Option<String>,
    staff: Option<String>,
}

/// Runs the caller check as a page render would, with this request's parts (its session
/// cookie).
async fn check(
    state: &AppState,
    parts: &http::request::Parts,
    query: &LiveQuery,
) -> Result<LiveFilter, app::error::AppError> {
    let query = query.clone();
    crate::in_request::run(state, parts, || {
        app::messaging::server::live_filter(
            query.conversation.filter(|c| !c.is_empty()),
            query.patient.filter(|p| !p.is_empty()),
            query.staff.is_some_and(|s| !s.is_empty()),
        )
    })
    .await
}

struct Stream {
    state: AppState,
    parts: http::request::Parts,
    query: LiveQuery,
    filter: LiveFilter,
    checked: Instant,
    receiver: tokio::sync::broadcast::Receiver<Signal>,
    greeted: bool,
}

impl Stream {
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Self)> {
        if !self.greeted {
            self.greeted = true;
            let ready = Event::default().data("ready").retry(RETRY);
            return Some((Ok(ready), self));
        }
        loop {
            let conversation = match self.receiver.recv().await {
                Ok(Signal::Changed(change)) if self.filter.hears(&change) => {
                    change.conversation.to_string()
                }
                Ok(Signal::Changed(_)) => continue,
                // Changes may have been missed: every page looks again.
                Ok(Signal::Resync) | Err(RecvError::Lagged(_)) => "*".to_string(),
                Err(RecvError::Closed) => return None,
            };
            if self.checked.elapsed() > RECHECK {
                match check(&self.state, &self.parts, &self.query).await {
                    Ok(filter) => {
                        self.filter = filter;
                        self.checked = Instant::now();
                    }
                    // Signed out, timed out or no longer allowed: the stream ends here, and
                    // the browser's reconnection is refused.
                    Err(_) => return None,
                }
            }
            let event = Event::default().data(conversation);
            return Some((Ok(event), self));
        }
    }
}

pub async fn messages(
    State(state): State<AppState>,
    Query(query): Query<LiveQuery>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let filter = match check(&state, &parts, &query).await {
        Ok(filter) => filter,
        Err(error) => {
            return (
                StatusCode::from_u16(error.status()).unwrap_or(StatusCode::FORBIDDEN),
                error.to_string(),
            )
                .into_response()
        }
    };
    let receiver = match state.live.subscribe(&state.db).await {
        Ok(receiver) => receiver,
        Err(error) => {
            tracing::error!(%error, "live updates unavailable");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let stream = Stream {
        state,
        parts,
        query,
        filter,
        checked: Instant::now(),
        receiver,
        greeted: false,
    };
    let events =
        futures::stream::unfold(stream, Stream::next).take_until(tokio::time::sleep(LIFETIME));
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Proxies such as nginx would otherwise hold events back to fill a buffer.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}
