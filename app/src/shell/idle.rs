//! The idle-timeout warning (WCAG 2.2.1): shortly before a signed-in session would end for want
//! of activity, a banner counts down and offers "Stay signed in", which touches the session on
//! the server. When the time is up the page reloads, so it shows what the server now knows
//! (signed out, or still signed in because another tab kept the session alive). The server
//! enforces the timeout either way; this only warns. Time is measured against the wall clock,
//! because browsers slow timers in background tabs. The banner is an alert, so it is announced
//! when it appears; the countdown inside it is not live, or a screen reader would read it out
//! every second.

use leptos::prelude::*;

/// Seconds of warning before the session ends (less when the whole timeout is shorter).
pub const WARN_SECONDS: i64 = 120;

/// The page's [`super::IslandData`] element for this island: `seconds` left, the banner's words
/// around the countdown (`before`, `after`) and the button's (`stay`).
pub const DATA_ID: &str = "idle-data";

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
pub fn IdleWarning() -> impl IntoView {
    // Until hydrated nothing is known and nothing shows: the server enforces the timeout anyway.
    let (remaining, set_remaining) = signal(i64::MAX);
    let (warn, set_warn) = signal(WARN_SECONDS);
    let (words, set_words) = signal((String::new(), String::new(), String::new()));
    let button = NodeRef::<leptos::html::Button>::new();
    let showing = move || remaining.get() <= warn.get();
    #[cfg(feature = "hydrate")]
    let deadline = StoredValue::new(f64::INFINITY);
    #[cfg(feature = "hydrate")]
    {
        use super::read;
        // After hydration (an Effect), so the server's markup is matched first and then updated.
        Effect::new(move |_| {
            let seconds_left: i64 = read(DATA_ID, "seconds").parse().unwrap_or(i64::MAX / 2000);
            set_warn.set(WARN_SECONDS.min(seconds_left / 2).max(1));
            set_words.set((
                read(DATA_ID, "before"),
                read(DATA_ID, "after"),
                read(DATA_ID, "stay"),
            ));
            deadline.set_value(now_ms() + seconds_left as f64 * 1000.0);
        });
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
                // On the next frame: the banner's `hidden` is lifted by its own effect, and a
                // hidden button cannot take focus.
                request_animation_frame(move || {
                    if let Some(b) = button.get_untracked() {
                        let _ = b.focus();
                    }
                });
            }
            now
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_remaining, set_warn, set_words);
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
    view! {
        <div class="idle-warning" role="alert" hidden=move || !showing()>
            <p>
                {move || words.get().0} " " <strong aria-live="off">{move || (remaining.get() < i64::MAX).then(|| clock(remaining.get()))}</strong> " "
                {move || words.get().1}
            </p>
            <button type="button" class="button" on:click=stay node_ref=button>
                {move || words.get().2}
            </button>
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
