//! Words and numbers for islands, handed over in a hidden element the page renders beside the
//! island rather than as island props. Props travel as JSON, and reading them would put a JSON
//! parser into every page's WASM (measured: +26 kB brotli, with a 60 kB budget for the whole
//! module); reading a few `textContent`s costs next to nothing.

use leptos::prelude::*;

/// A hidden element `id` holding each `(key, value)` as `<span data-key=key>value</span>`.
#[component]
pub fn IslandData(id: &'static str, pairs: Vec<(&'static str, String)>) -> impl IntoView {
    view! {
        <div id=id hidden>
            {pairs.into_iter().map(|(key, value)| view! { <span data-key=key>{value}</span> }).collect_view()}
        </div>
    }
}

/// The value under `key` in the island data element `id` (empty when missing).
#[cfg(feature = "hydrate")]
pub fn read(id: &str, key: &str) -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| {
            e.query_selector(&format!("[data-key=\"{key}\"]"))
                .ok()
                .flatten()
        })
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

/// Hides the page's element `id` (e.g. a "needs JavaScript" notice once the island works).
#[cfg(feature = "hydrate")]
pub fn hide(id: &str) {
    if let Some(e) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    {
        // Nothing more to do if it cannot be hidden; it only repeats what the page says.
        let _ = e.set_attribute("hidden", "");
    }
}
