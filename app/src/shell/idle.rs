//! The idle-timeout warning (WCAG 2.2.1): shortly before a signed-in session would end for want
//! of activity, a banner counts down and offers "Stay signed in", which touches the session on
//! the server. When the time is up the page reloads, so it shows what the server now knows
//! (signed out, or still signed in because another tab kept the session alive). The server
//! enforces the timeout either way; this only warns. Time is measured against the wall clock,
//! because browsers slow timers in background tabs.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Seconds of warning before the session ends (less when the whole timeout is shorter).
pub const WARN_SECONDS: i64 = 120;

/// The banner's words, in the page's language: "{before} 1:59 {after}" and the button.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdleTexts {
    pub before: String,
    pub after: String,
    pub stay: String,
}

/// `m:ss` for a countdown.
pub fn clock(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{}:{:02}", s / 60, s % 60)
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/src/shell/session.js")]
    extern "C" {
        #[wasm_bindgen(js_name = staySignedIn, catch)]
        pub async fn stay_signed_in(path: &str) -> Result<JsValue, JsValue>;
    }
}

#[cfg(feature = "hydrate")]
fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[cfg(feature = "hydrate")]
fn reload() {
    if let Some(w) = web_sys::window() {
        // If the browser will not reload, the next request meets the server's own check.
        let _ = w.location().reload();
    }
}

#[island]
pub fn IdleWarning(seconds_left: i64, texts: IdleTexts) -> impl IntoView {
    let warn = WARN_SECONDS.min(seconds_left / 2).max(1);
    let (remaining, set_remaining) = signal(seconds_left);
    let button = NodeRef::<leptos::html::Button>::new();
    let showing = move || remaining.get() <= warn;
    #[cfg(feature = "hydrate")]
    let deadline = StoredValue::new(now_ms() + seconds_left as f64 * 1000.0);
    #[cfg(feature = "hydrate")]
    {
        let done = StoredValue::new(false);
        let tick = move || {
            let left = ((deadline.get_value() - now_ms()) / 1000.0).ceil() as i64;
            set_remaining.set(left);
            if left <= 0 && !done.get_value() {
                done.set_value(true);
                reload();
            }
        };
        set_interval(tick, std::time::Duration::from_secs(1));
        // Bring the button within one key press when the banner appears.
        Effect::new(move |was: Option<bool>| {
            let now = showing();
            if now && was != Some(true) {
                if let Some(b) = button.get() {
                    let _ = b.focus();
                }
            }
            now
        });
    }
    let stay = move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let path = <crate::auth::StaySignedIn as server_fn::ServerFn>::PATH;
            match browser::stay_signed_in(path).await.map(|v| v.as_f64()) {
                Ok(Some(left)) => {
                    deadline.set_value(now_ms() + left * 1000.0);
                    set_remaining.set(left as i64);
                }
                _ => reload(),
            }
        });
    };
    #[cfg(not(feature = "hydrate"))]
    let _ = set_remaining;
    view! {
        <div class="idle-warning" role="alert" hidden=move || !showing()>
            <p>
                {texts.before} " " <strong>{move || clock(remaining.get())}</strong> " " {texts.after}
            </p>
            <button type="button" class="button" on:click=stay node_ref=button>{texts.stay}</button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::clock;

    #[test]
    fn a_countdown_reads_minutes_and_seconds() {
        assert_eq!(clock(120), "2:00");
        assert_eq!(clock(59), "0:59");
        assert_eq!(clock(-3), "0:00");
    }
}
