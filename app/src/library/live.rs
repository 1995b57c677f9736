//! The library's two islands, each an addition to a page that works without them:
//! - search as you type: the GET search form still submits on Enter; with JavaScript, results
//!   for what is typed (two characters or more) appear below the box after a pause, the count is
//!   announced politely, and the address follows (replaced, never pushed) so it can be shared;
//! - the editor's live preview: the posted form is unchanged; with JavaScript, the preview
//!   follows the Body field after a pause, rendered by the server through the one sanitiser
//!   ([`super::preview_markdown`]). Markdown is never rendered in the browser, and the server's
//!   sanitised HTML is the only thing ever put into `innerHTML`.
//!
//! Both find the page's own fields by id and take no props (their words come from an
//! [`IslandData`]-style element, see `shell::island_data`). The islands only start `live.js`,
//! which listens, waits for a pause, calls the server function and shows the answer: written in
//! Rust the same work cost 23 kB of brotli'd WASM on every page (56.6 → 79.7 kB against a 60 kB
//! budget). A newer request aborts the one before it, and an answer that is no longer the newest
//! is ignored.

use crate::i18n::{td, td_string};
use crate::locale::use_locale;
use crate::shell::IslandData;
use leptos::prelude::*;

const SEARCH_DATA: &str = "live-search-data";
const PREVIEW_DATA: &str = "live-preview-data";
/// The search page's server-rendered results, hidden once live results replace them.
pub(super) const RESULTS_ID: &str = "library-results";
/// The editor's rendered body, replaced by the live preview.
pub(super) const PREVIEW_ID: &str = "article-preview";
/// The editor's preview of the summary, which follows the Summary field.
pub(super) const PREVIEW_LEAD_ID: &str = "article-preview-lead";

/// Live results under the search box: the island and its words, in the page's language.
#[component]
pub fn LiveSearch() -> impl IntoView {
    let l = use_locale();
    let pairs = vec![
        ("language", leptos_i18n::Locale::as_str(l).to_string()),
        ("article", td_string!(l, lib_kind_article).to_string()),
        ("guide", td_string!(l, lib_kind_guide).to_string()),
        ("empty", td_string!(l, lib_search_empty).to_string()),
        ("many", td_string!(l, lib_results_many).to_string()),
        ("results", td_string!(l, lib_results).to_string()),
        ("more", td_string!(l, live_search_more).to_string()),
        ("failed", td_string!(l, live_search_failed).to_string()),
    ];
    // Sentences with a number or words in them, with `{n}`, `{date}`, `{words}` where those go
    // (rendered here, as `IslandData` holds only plain strings).
    view! {
        <div id=SEARCH_DATA hidden>
            {pairs.into_iter().map(|(key, value)| view! { <span data-key=key>{value}</span> }).collect_view()}
            <span data-key="minutes">{td!(l, lib_minutes, n = || "{n}")}</span>
            <span data-key="reviewed">{td!(l, lib_reviewed_on, date = || "{date}")}</span>
            <span data-key="count">{td!(l, lib_results_count, n = || "{n}")}</span>
            <span data-key="showing">{td!(l, lib_showing_for, words = || "{words}")}</span>
        </div>
        <SearchAsYouType />
    }
}

/// The live preview of the article body and summary, for the page's `#article-body`,
/// `#article-summary`, `#article-preview` and `#article-preview-lead`.
#[component]
pub fn LivePreview() -> impl IntoView {
    let l = use_locale();
    let pairs = vec![
        ("unsaved", td_string!(l, live_preview_unsaved).to_string()),
        ("too_long", td_string!(l, live_preview_too_long).to_string()),
        ("failed", td_string!(l, live_preview_failed).to_string()),
    ];
    view! {
        <IslandData id=PREVIEW_DATA pairs />
        <PreviewAsYouType />
    }
}

/// Results as the person types, in the same markup as the search page's own list. Needs the
/// page's [`LiveSearch`] words and its search box (`#library-q`, optionally
/// `#library-category`). The work is done by `live.js` (see there for why).
#[island]
pub fn SearchAsYouType() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
        use server_fn::ServerFn;
        browser::start_search(
            <super::SearchLibrary as ServerFn>::PATH,
            SEARCH_DATA,
            "live-search-status",
            "live-search-results",
            RESULTS_ID,
        );
    });
    view! {
        <div class="live-search">
            // A polite live region, not a second `status` role: the page's own notices are its
            // status; this only speaks for what is typed.
            <p id="live-search-status" class="live-search__status" aria-live="polite"></p>
            <div id="live-search-results"></div>
        </div>
    }
}

/// Keeps the editor's preview in step with the Body field. Needs the page's [`LivePreview`]
/// words. The work is done by `live.js`.
#[island]
pub fn PreviewAsYouType() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
        use server_fn::ServerFn;
        browser::start_preview(
            <super::PreviewMarkdown as ServerFn>::PATH,
            PREVIEW_DATA,
            "live-preview-status",
            PREVIEW_ID,
            PREVIEW_LEAD_ID,
        );
    });
    view! { <p id="live-preview-status" class="live-preview__status muted" aria-live="polite"></p> }
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/src/library/live.js")]
    extern "C" {
        #[wasm_bindgen(js_name = startSearch)]
        pub fn start_search(
            path: &str,
            data_id: &str,
            status_id: &str,
            list_id: &str,
            server_results_id: &str,
        );
        #[wasm_bindgen(js_name = startPreview)]
        pub fn start_preview(
            path: &str,
            data_id: &str,
            status_id: &str,
            preview_id: &str,
            lead_id: &str,
        );
    }
}
