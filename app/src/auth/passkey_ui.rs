//! Passkey pages and the two islands that talk to the browser's WebAuthn API: one signs in, one
//! adds a passkey. WebAuthn needs JavaScript, so the islands render hidden and show themselves
//! only once hydrated in a browser that supports passkeys; without JavaScript the page says so
//! and every other way of signing in still works. The islands carry their texts as props, in
//! the page's language, so no translation tables ship in the WASM.

use super::{PasskeyEntry, PasskeyOverview, RemovePasskey};
use crate::error::AppError;
use crate::i18n::{td, td_string, Locale};
use crate::locale::use_locale;
use crate::organisation::PRODUCT_NAME;
use crate::shell::Loading;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use server_fn::ServerFn;

/// What the islands say while working and when something goes wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyTexts {
    pub working: String,
    pub cancelled: String,
    pub refused: String,
    pub expired: String,
    pub too_many: String,
    pub failed: String,
}

impl PasskeyTexts {
    pub fn new(l: Locale) -> Self {
        Self {
            working: td_string!(l, passkey_working).into(),
            cancelled: td_string!(l, passkey_cancelled).into(),
            refused: td_string!(l, passkey_refused).into(),
            expired: td_string!(l, passkey_expired).into(),
            too_many: td_string!(l, too_many_attempts).into(),
            failed: td_string!(l, try_later).into(),
        }
    }

    /// The words for a failure code thrown by `webauthn.js`.
    #[cfg(feature = "hydrate")]
    fn for_code(&self, code: Option<String>) -> String {
        match code.as_deref() {
            Some("cancelled") => self.cancelled.clone(),
            Some("expired") => self.expired.clone(),
            Some("refused") => self.refused.clone(),
            Some("too_many") => self.too_many.clone(),
            _ => self.failed.clone(),
        }
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/src/auth/webauthn.js")]
    extern "C" {
        #[wasm_bindgen(js_name = passkeysSupported)]
        pub fn passkeys_supported() -> bool;
        #[wasm_bindgen(js_name = signInWithPasskey, catch)]
        pub async fn sign_in(start: &str, finish: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(js_name = addPasskey, catch)]
        pub async fn add(start: &str, finish: &str, name: &str) -> Result<JsValue, JsValue>;
    }

    /// Ends a ceremony: on to the next page, or say what went wrong and let the person retry.
    pub fn settle(
        outcome: Result<JsValue, JsValue>,
        texts: &super::PasskeyTexts,
        set_status: leptos::prelude::WriteSignal<String>,
        set_busy: leptos::prelude::WriteSignal<bool>,
    ) {
        use leptos::prelude::Set;
        match outcome {
            Ok(next) => {
                let next = next.as_string().unwrap_or_else(|| "/account".into());
                if let Some(w) = web_sys::window() {
                    // If the browser refuses to navigate, the person can still follow a link.
                    let _ = w.location().assign(&next);
                }
            }
            Err(code) => {
                set_status.set(texts.for_code(code.as_string()));
                set_busy.set(false);
            }
        }
    }
}

/// "Sign in with a passkey": asks the browser for any passkey of this site and signs in as its
/// account. Hidden until hydrated in a browser with WebAuthn.
#[island]
pub fn PasskeySignIn(
    label: String,
    texts: PasskeyTexts,
    /// Said instead of the button where passkeys cannot work (no JavaScript, old browser).
    #[prop(optional)]
    unavailable: Option<String>,
) -> impl IntoView {
    let (shown, set_shown) = signal(false);
    let (busy, set_busy) = signal(false);
    let (status, set_status) = signal(String::new());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| set_shown.set(browser::passkeys_supported()));
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_shown, set_busy, set_status, &texts);
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let texts = texts.clone();
            set_busy.set(true);
            set_status.set(texts.working.clone());
            leptos::task::spawn_local(async move {
                let outcome = browser::sign_in(
                    <super::StartPasskeySignIn as server_fn::ServerFn>::PATH,
                    <super::FinishPasskeySignIn as server_fn::ServerFn>::PATH,
                )
                .await;
                browser::settle(outcome, &texts, set_status, set_busy);
            });
        }
    };
    view! {
        {unavailable.map(|text| view! { <p class="notice" hidden=move || shown.get()>{text}</p> })}
        <div class="passkey" hidden=move || !shown.get()>
            <button type="button" class="button button--quiet passkey__button" on:click=on_click
                disabled=move || busy.get() aria-describedby="passkey-status">
                {label}
            </button>
            <p id="passkey-status" class="passkey__status" role="status" aria-live="polite">
                {move || status.get()}
            </p>
        </div>
    }
}

/// Adds a passkey to the signed-in account: an optional name, then the browser's own prompt.
#[island]
pub fn PasskeyAdd(
    name_label: String,
    name_hint: String,
    button: String,
    /// Said instead of the form where passkeys cannot work (no JavaScript, old browser).
    unavailable: String,
    texts: PasskeyTexts,
) -> impl IntoView {
    let (shown, set_shown) = signal(false);
    let (busy, set_busy) = signal(false);
    let (status, set_status) = signal(String::new());
    let name = NodeRef::<leptos::html::Input>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| set_shown.set(browser::passkeys_supported()));
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_shown, set_busy, set_status, &texts);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            let texts = texts.clone();
            let typed = name.get().map(|i| i.value()).unwrap_or_default();
            set_busy.set(true);
            set_status.set(texts.working.clone());
            leptos::task::spawn_local(async move {
                let outcome = browser::add(
                    <super::StartPasskeyRegistration as server_fn::ServerFn>::PATH,
                    <super::FinishPasskeyRegistration as server_fn::ServerFn>::PATH,
                    &typed,
                )
                .await;
                browser::settle(outcome, &texts, set_status, set_busy);
            });
        }
    };
    view! {
        <p class="notice" hidden=move || shown.get()>{unavailable}</p>
        <form class="form passkey" hidden=move || !shown.get() on:submit=on_submit>
            <div class="field">
                <label for="passkey-name">{name_label}</label>
                <input id="passkey-name" name="name" type="text" maxlength="60" autocomplete="off"
                    aria-describedby="passkey-name-hint" node_ref=name />
                <p id="passkey-name-hint" class="muted">{name_hint}</p>
            </div>
            <button class="button" type="submit" disabled=move || busy.get()>{button}</button>
            <p class="passkey__status" role="status" aria-live="polite">{move || status.get()}</p>
        </form>
    }
}

/// Why a passkey could not be removed.
fn remove_problem(l: Locale, error: &AppError) -> &'static str {
    match error {
        AppError::Conflict(code) if code == "last_second_factor" => {
            td_string!(l, passkey_last_one)
        }
        AppError::NotFound => td_string!(l, passkey_not_found),
        _ => td_string!(l, try_later),
    }
}

/// `/account/passkeys`: the caller's passkeys, adding one, removing one.
#[component]
pub fn PasskeysPage() -> impl IntoView {
    let l = use_locale();
    let remove_error = ServerAction::<RemovePasskey>::new()
        .value()
        .get_untracked()
        .and_then(Result::err);
    let query = leptos_router::hooks::use_query_map().get_untracked();
    let notice = if query.get("added").is_some() {
        Some(td_string!(l, passkey_added))
    } else if query.get("removed").is_some() {
        Some(td_string!(l, passkey_removed))
    } else {
        None
    };
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, passkeys_title)) />
        <Suspense fallback=Loading>
            {move || {
                let remove_error = remove_error.clone();
                Suspend::new(async move {
                    match super::my_passkeys().await {
                        Ok(overview) => view! {
                            <section class="page page--narrow" aria-labelledby="page-title">
                                <h1 id="page-title">{td_string!(l, passkeys_title)}</h1>
                                <p>{td_string!(l, passkeys_intro)}</p>
                                {notice.filter(|_| remove_error.is_none()).map(|n| view! {
                                    <p class="notice notice--ok" role="status">{n}</p>
                                })}
                                {remove_error.as_ref().map(|e| view! {
                                    <p class="notice notice--error" role="alert">{remove_problem(l, e)}</p>
                                })}
                                <PasskeyList overview />
                                <h2>{td_string!(l, passkey_add_heading)}</h2>
                                <PasskeyAdd
                                    name_label=td_string!(l, passkey_name_label).to_string()
                                    name_hint=td_string!(l, passkey_name_hint).to_string()
                                    button=td_string!(l, passkey_add_button).to_string()
                                    unavailable=td_string!(l, passkey_needs_js).to_string()
                                    texts=PasskeyTexts::new(l)
                                />
                                <p><a href="/account">{td_string!(l, back_to_account)}</a></p>
                            </section>
                        }
                        .into_any(),
                        Err(error) => view! { <crate::admin::AccessProblem error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn PasskeyList(overview: PasskeyOverview) -> impl IntoView {
    let l = use_locale();
    if overview.passkeys.is_empty() {
        return view! { <p class="empty">{td_string!(l, passkeys_none)}</p> }.into_any();
    }
    let locked = overview.last_one_required;
    view! {
        <ul class="sessions" aria-label=td_string!(l, passkeys_title)>
            {overview
                .passkeys
                .into_iter()
                .map(|p| view! { <PasskeyItem passkey=p locked /> })
                .collect_view()}
        </ul>
        {locked.then(|| view! { <p class="muted">{td_string!(l, passkey_last_one)}</p> })}
    }
    .into_any()
}

#[component]
fn PasskeyItem(passkey: PasskeyEntry, locked: bool) -> impl IntoView {
    let l = use_locale();
    let created = passkey.created.clone();
    let used = passkey.last_used.clone();
    let label = format!("{} {}", td_string!(l, passkey_remove), passkey.name);
    view! {
        <li class="session">
            <strong>{passkey.name.clone()}</strong>
            <br />
            <span class="muted">{td!(l, passkey_added_on, date = move || created.clone())}</span>
            <br />
            <span class="muted">
                {match used {
                    Some(when) => td!(l, passkey_last_used, when = move || when.clone()).into_any(),
                    None => td_string!(l, passkey_never_used).into_any(),
                }}
            </span>
            {(!locked).then(|| view! {
                <form method="post" action={<RemovePasskey as ServerFn>::PATH}>
                    <input type="hidden" name="passkey_id" value=passkey.passkey_id.clone() />
                    <button class="button button--quiet" type="submit" aria-label=label>
                        {td_string!(l, passkey_remove)}
                    </button>
                </form>
            })}
        </li>
    }
}
