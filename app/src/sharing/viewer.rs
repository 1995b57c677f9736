//! `/share`: the portal's SMART Health Links viewer, for whoever was given a link (no sign-in).
//! The link's key is in the address's fragment, which the browser never sends to a server, so
//! opening the record happens in the browser: `viewer.js` asks for the manifest (with the
//! opener's name and the passcode), decrypts the file with the browser's own AES-GCM and shows
//! the record with the page's words. Without JavaScript the page says what is needed instead.

use crate::i18n::td_string;
use crate::locale::use_locale;
use crate::organisation::PRODUCT_NAME;
use crate::shell::IslandData;
use leptos::prelude::*;
use leptos_meta::Title;

const TEXT: &str = "shl-text";

/// `/share`.
#[component]
pub fn ShareViewerPage() -> impl IntoView {
    let l = use_locale();
    let words = |key: &'static str, text: &str| (key, text.to_string());
    let pairs = vec![
        words("incomplete", td_string!(l, shv_incomplete)),
        words("ended", td_string!(l, shv_ended)),
        words("gone", td_string!(l, shv_gone)),
        words("wrong", td_string!(l, shv_wrong)),
        words("locked", td_string!(l, shv_locked)),
        words("failed", td_string!(l, shv_failed)),
        words("opening", td_string!(l, shv_opening)),
        words("opened", td_string!(l, shv_opened)),
        words("shared", td_string!(l, shv_shared)),
        words("born", td_string!(l, shv_born)),
        words("none", td_string!(l, shv_none)),
        words("conditions", td_string!(l, rec_conditions)),
        words("allergies", td_string!(l, rec_allergies)),
        words("medications", td_string!(l, rec_medications)),
        words("immunizations", td_string!(l, rec_immunizations)),
        words("results", td_string!(l, rec_results)),
        words("vitals", td_string!(l, shr_vitals)),
        words("source", td_string!(l, shv_source)),
        words(
            "lang",
            if l == crate::locale::Locale::es {
                "es"
            } else {
                "en"
            },
        ),
    ];
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, shv_title)) />
        <section class="page page--narrow" aria-labelledby="page-title">
            <h1 id="page-title">{td_string!(l, shv_title)}</h1>
            <p>{td_string!(l, shv_intro)}</p>
            <noscript><p class="notice notice--error">{td_string!(l, shv_needs_js)}</p></noscript>
            <p id="shl-label" class="share-viewer__label" hidden></p>
            <form id="shl-form" class="form" hidden>
                <div class="field">
                    <label for="shl-recipient">{td_string!(l, shv_recipient)}</label>
                    <p class="field__hint" id="shl-recipient-hint">{td_string!(l, shv_recipient_hint)}</p>
                    <input id="shl-recipient" name="recipient" type="text" required maxlength="200"
                        autocomplete="name" aria-describedby="shl-recipient-hint" />
                </div>
                <div class="field" id="shl-passcode-field" hidden>
                    <label for="shl-passcode">{td_string!(l, shv_passcode)}</label>
                    <input id="shl-passcode" name="passcode" type="password" autocomplete="off" maxlength="64" />
                </div>
                <button class="button" type="submit">{td_string!(l, shv_open)}</button>
            </form>
            <p id="shl-status" role="status" aria-live="polite"></p>
            <div id="shl-record"></div>
            <IslandData id=TEXT pairs />
            <ShareViewer />
        </section>
    }
}

/// Starts `viewer.js` once the page is in the browser.
#[island]
fn ShareViewer() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(|_| browser::start(TEXT));
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/src/sharing/viewer.js")]
    extern "C" {
        #[wasm_bindgen(js_name = startViewer)]
        pub fn start(text_id: &str);
    }
}
