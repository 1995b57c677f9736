//! Live updates: a change to a conversation (a message, a status, an assignment, a read
//! receipt) reaches every page showing it, on whichever server process that page's browser is
//! connected to.
//!
//! The path: the change's transaction runs `pg_notify` with ids only ([`super::db::announce`]);
//! each process holds one `LISTEN` connection ([`hub::Hub`], started with its first stream) and
//! fans the change out to its server-sent-event streams (`/live/messages`, in `server`); each
//! stream passes on only what its caller may see ([`hub::LiveFilter`], checked when the stream
//! opens and again as it runs) and only as "conversation X changed" — never words; the page's
//! island ([`LiveUpdates`]) then fetches the page again and swaps its `data-live` regions, so the
//! server's own rendering is the only markup and no message text ever travels in an event.
//!
//! Without JavaScript nothing of this runs and the pages work by reloading. A stream ends after
//! a few minutes and the browser reconnects, which checks the caller again. Neither the stream
//! nor the refetch counts as activity for the idle timeout (`auth::server::is_background`).

use crate::i18n::td_string;
use crate::locale::use_locale;
use crate::shell::IslandData;
use leptos::prelude::*;

const LIVE_DATA: &str = "live-data";
const LIVE_STATUS: &str = "live-status";

/// The live-update island for a page whose changing parts carry `data-live` and an `id`.
/// `stream` is the page's `/live/messages?…` address.
#[component]
pub fn LiveUpdates(stream: String) -> impl IntoView {
    let l = use_locale();
    let pairs = vec![
        ("stream", stream),
        ("updated", td_string!(l, ms_live_updated).to_string()),
    ];
    view! {
        <IslandData id=LIVE_DATA pairs />
        <LiveRefresh />
    }
}

/// Listens to the page's event stream (gloo-net) and has `live.js` refresh the page's live
/// regions when something changed; says so in a polite live region.
#[island]
pub fn LiveRefresh() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(|_| browser::start());
    view! { <p id=LIVE_STATUS class="visually-hidden" aria-live="polite"></p> }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::{LIVE_DATA, LIVE_STATUS};
    use futures_core::Stream;
    use gloo_net::eventsource::futures::EventSource;
    use std::pin::Pin;
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/src/messaging/live.js")]
    extern "C" {
        #[wasm_bindgen(js_name = liveEvent)]
        fn live_event(status_id: &str, message: &str, data: JsValue);
    }

    pub fn start() {
        let url = crate::shell::read(LIVE_DATA, "stream");
        if url.is_empty() {
            return;
        }
        let Ok(mut source) = EventSource::new(&url) else {
            return;
        };
        // One subscription to unnamed events (`ready`, then a conversation id or `*`) rather
        // than one per kind: combining streams cost the page's WASM more than this island.
        let Ok(mut events) = source.subscribe("message") else {
            return;
        };
        let message = crate::shell::read(LIVE_DATA, "updated");
        leptos::task::spawn_local(async move {
            // The browser reconnects on its own after a stream ends; an error item only means
            // it is doing so (or gave up after a refusal), so the loop just waits for more.
            while let Some(event) =
                std::future::poll_fn(|cx| Pin::new(&mut events).poll_next(cx)).await
            {
                // `ready` or a change: live.js tells them apart (smaller than doing it here).
                if let Ok((_, e)) = event {
                    live_event(LIVE_STATUS, &message, e.data());
                }
            }
            // Keeps the connection open for as long as the loop runs.
            source.close();
        });
    }
}

#[cfg(feature = "ssr")]
pub mod hub {
    //! The process's side: one `LISTEN` connection, fanned out to the streams.
    use super::super::db::CHANGED_CHANNEL;
    use serde::Deserialize;
    use sqlx::{postgres::PgListener, PgPool};
    use std::sync::Arc;
    use tokio::sync::{broadcast, OnceCell};
    use uuid::Uuid;

    /// What `db::announce` says about a change: ids only.
    #[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
    pub struct Change {
        pub conversation: Uuid,
        pub patient: Uuid,
        pub queue: Uuid,
        pub assigned_to: Option<Uuid>,
        /// Invisible on the patient's side (an internal note, an assignment).
        pub staff_only: bool,
    }

    #[derive(Clone, Copy, Debug)]
    pub enum Signal {
        Changed(Change),
        /// The listening connection was lost and is back: changes may have been missed, so
        /// every page should look again.
        Resync,
    }

    /// Which changes one stream may pass on, decided by who opened it.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum LiveFilter {
        /// A conversation page: its changes (staff also hear staff-only ones).
        Conversation { id: Uuid, staff: bool },
        /// A patient's messages list: that patient's conversations, as the patient sees them.
        Patient(Uuid),
        /// A staff inbox: the caller's queues and assignments.
        Staff { account: Uuid, queues: Vec<Uuid> },
    }

    impl LiveFilter {
        pub fn hears(&self, c: &Change) -> bool {
            match self {
                Self::Conversation { id, staff } => {
                    c.conversation == *id && (*staff || !c.staff_only)
                }
                Self::Patient(patient) => c.patient == *patient && !c.staff_only,
                Self::Staff { account, queues } => {
                    queues.contains(&c.queue) || c.assigned_to == Some(*account)
                }
            }
        }
    }

    /// Changes waiting for a slow stream before it is told to look again instead.
    const BACKLOG: usize = 256;

    /// One per process (in `AppState`); cheap to clone.
    #[derive(Clone)]
    pub struct Hub {
        sender: broadcast::Sender<Signal>,
        started: Arc<OnceCell<()>>,
    }

    impl Default for Hub {
        fn default() -> Self {
            Self {
                sender: broadcast::channel(BACKLOG).0,
                started: Arc::new(OnceCell::new()),
            }
        }
    }

    impl Hub {
        /// A receiver of every change, starting the process's listener on first use; returns
        /// once the listener is listening, so nothing committed afterwards is missed.
        pub async fn subscribe(&self, pool: &PgPool) -> sqlx::Result<broadcast::Receiver<Signal>> {
            let receiver = self.sender.subscribe();
            self.started
                .get_or_try_init(|| async {
                    let mut listener = PgListener::connect_with(pool).await?;
                    listener.listen(CHANGED_CHANNEL).await?;
                    tokio::spawn(relay(listener, self.sender.clone()));
                    Ok::<_, sqlx::Error>(())
                })
                .await?;
            Ok(receiver)
        }
    }

    async fn relay(mut listener: PgListener, sender: broadcast::Sender<Signal>) {
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    match serde_json::from_str::<Change>(notification.payload()) {
                        // No stream listening is fine.
                        Ok(change) => drop(sender.send(Signal::Changed(change))),
                        Err(error) => tracing::warn!(%error, "unreadable change announcement"),
                    }
                }
                // The connection dropped; the next call reconnects and listens again.
                Ok(None) => drop(sender.send(Signal::Resync)),
                // The process is shutting down (or a test's pool closed).
                Err(sqlx::Error::PoolClosed) => return,
                Err(error) => {
                    tracing::warn!(%error, "change listener failed; retrying");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn change(staff_only: bool) -> Change {
            Change {
                conversation: Uuid::from_u128(1),
                patient: Uuid::from_u128(2),
                queue: Uuid::from_u128(3),
                assigned_to: Some(Uuid::from_u128(4)),
                staff_only,
            }
        }

        #[test]
        fn patients_never_hear_of_staff_only_changes() {
            let mine = LiveFilter::Patient(Uuid::from_u128(2));
            assert!(mine.hears(&change(false)));
            assert!(!mine.hears(&change(true)));
            assert!(!LiveFilter::Patient(Uuid::from_u128(9)).hears(&change(false)));
            let page = LiveFilter::Conversation {
                id: Uuid::from_u128(1),
                staff: false,
            };
            assert!(page.hears(&change(false)));
            assert!(!page.hears(&change(true)));
            let staff_page = LiveFilter::Conversation {
                id: Uuid::from_u128(1),
                staff: true,
            };
            assert!(staff_page.hears(&change(true)));
            let other = LiveFilter::Conversation {
                id: Uuid::from_u128(7),
                staff: true,
            };
            assert!(!other.hears(&change(false)));
        }

        #[test]
        fn staff_hear_their_queues_and_their_assignments_only() {
            let member = LiveFilter::Staff {
                account: Uuid::from_u128(8),
                queues: vec![Uuid::from_u128(3)],
            };
            assert!(member.hears(&change(true)));
            let assignee = LiveFilter::Staff {
                account: Uuid::from_u128(4),
                queues: vec![],
            };
            assert!(assignee.hears(&change(false)));
            let stranger = LiveFilter::Staff {
                account: Uuid::from_u128(8),
                queues: vec![Uuid::from_u128(5)],
            };
            assert!(!stranger.hears(&change(false)));
        }

        #[test]
        fn announcements_read_as_the_database_writes_them() {
            let payload = r#"{"conversation" : "00000000-0000-0000-0000-000000000001", "patient" : "00000000-0000-0000-0000-000000000002", "queue" : "00000000-0000-0000-0000-000000000003", "assigned_to" : null, "staff_only" : false}"#;
            let c: Change = serde_json::from_str(payload).expect("reads");
            assert_eq!(c.assigned_to, None);
            assert_eq!(c.queue, Uuid::from_u128(3));
        }
    }
}
