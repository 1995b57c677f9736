//! Passkey pages and the two islands that talk to the browser's WebAuthn API: one signs in, one
//! adds a passkey. WebAuthn needs JavaScript, so the islands render hidden and show themselves
//! only once hydrated in a browser that supports passkeys, hiding the page's "passkeys need
//! JavaScript" notice; without JavaScript that notice stays and every other way of signing in
//! still works. The islands take no props: their words come from a hidden [`IslandData`]
//! element the page renders beside them (see `shell::island_data` for why).

use super::{PasskeyEntry, PasskeyOverview, RemovePasskey};
use crate::error::AppError;
use crate::i18n::{td, td_string, Locale};
use crate::locale::use_locale;
use crate::organisation::PRODUCT_NAME;
use crate::shell::{IslandData, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use server_fn::ServerFn;

/// The page's [`IslandData`] element for the passkey islands.
const DATA_ID: &str = "passkey-data";
/// The page's notice for browsers where passkeys cannot work; the islands hide it when they can.
const UNAVAILABLE_ID: &str = "passkey-unavailable";

/// Everything a passkey island says, in the page's language, and the notice shown until (or
/// unless) it can work. `label` is the button's text; the failure keys match the codes
/// `webauthn.js` throws.
#[component]
pub fn PasskeyWords(
    label: &'static str,
    /// The "needs JavaScript" notice; omitted where another way to sign in is right there.
    #[prop(optional)]
    unavailable: bool,
) -> impl IntoView {
    let l = use_locale();
    let pairs = vec![
        ("label", label.to_string()),
        ("working", td_string!(l, passkey_working).to_string()),
        ("cancelled", td_string!(l, passkey_cancelled).to_string()),
        ("refused", td_string!(l, passkey_refused).to_string()),
        ("expired", td_string!(l, passkey_expired).to_string()),
        ("too_many", td_string!(l, too_many_attempts).to_string()),
        ("failed", td_string!(l, try_later).to_string()),
        ("name_label", td_string!(l, passkey_name_label).to_string()),
        ("name_hint", td_string!(l, passkey_name_hint).to_string()),
    ];
    view! {
        <IslandData id=DATA_ID pairs />
        {unavailable.then(|| view! {
            <p class="notice" id=UNAVAILABLE_ID>{td_string!(l, passkey_needs_js)}</p>
        })}
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

    /// The page's word for `key`.
    pub fn word(key: &str) -> String {
        crate::shell::read(super::DATA_ID, key)
    }

    /// Shows the island (and hides the page's notice) if this browser can use passkeys.
    pub fn start(set_shown: leptos::prelude::WriteSignal<bool>) {
        use leptos::prelude::Set;
        if passkeys_supported() {
            crate::shell::hide(super::UNAVAILABLE_ID);
            set_shown.set(true);
        }
    }

    /// Ends a ceremony: on to the next page, or say what went wrong and let the person retry.
    pub fn settle(
        outcome: Result<JsValue, JsValue>,
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
                let code = code.as_string().unwrap_or_default();
                let known = ["cancelled", "refused", "expired", "too_many"];
                set_status.set(word(if known.contains(&code.as_str()) {
                    &code
                } else {
                    "failed"
                }));
                set_busy.set(false);
            }
        }
    }
}

/// "Sign in with a passkey": asks the browser for any passkey of this site and signs in as its
/// account. Needs the page's [`PasskeyWords`].
#[island]
pub fn PasskeySignIn() -> impl IntoView {
    let (shown, set_shown) = signal(false);
    let (busy, set_busy) = signal(false);
    let (status, set_status) = signal(String::new());
    let (label, set_label) = signal(String::new());
    // After hydration (an Effect), so the server's markup is matched first and then updated.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        set_label.set(browser::word("label"));
        browser::start(set_shown);
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_shown, set_busy, set_status, set_label);
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        {
            set_busy.set(true);
            set_status.set(browser::word("working"));
            leptos::task::spawn_local(async move {
                let outcome = browser::sign_in(
                    <super::StartPasskeySignIn as ServerFn>::PATH,
                    <super::FinishPasskeySignIn as ServerFn>::PATH,
                )
                .await;
                browser::settle(outcome, set_status, set_busy);
            });
        }
    };
    view! {
        <div class="passkey" hidden=move || !shown.get()>
            <button type="button" class="button button--quiet passkey__button" on:click=on_click
                disabled=move || busy.get() aria-describedby="passkey-status">
                {move || label.get()}
            </button>
            // A polite live region, not a second `status` role: the page's own notices are its
            // status; this only speaks for the ceremony.
            <p id="passkey-status" class="passkey__status" aria-live="polite">
                {move || status.get()}
            </p>
        </div>
    }
}

/// Adds a passkey to the signed-in account: an optional name, then the browser's own prompt.
/// Needs the page's [`PasskeyWords`].
#[island]
pub fn PasskeyAdd() -> impl IntoView {
    let (shown, set_shown) = signal(false);
    let (busy, set_busy) = signal(false);
    let (status, set_status) = signal(String::new());
    let (words, set_words) = signal((String::new(), String::new(), String::new()));
    let name = NodeRef::<leptos::html::Input>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        set_words.set((
            browser::word("name_label"),
            browser::word("name_hint"),
            browser::word("label"),
        ));
        browser::start(set_shown);
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_shown, set_busy, set_status, set_words);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            let typed = name.get().map(|i| i.value()).unwrap_or_default();
            set_busy.set(true);
            set_status.set(browser::word("working"));
            leptos::task::spawn_local(async move {
                let outcome = browser::add(
                    <super::StartPasskeyRegistration as ServerFn>::PATH,
                    <super::FinishPasskeyRegistration as ServerFn>::PATH,
                    &typed,
                )
                .await;
                browser::settle(outcome, set_status, set_busy);
            });
        }
    };
    view! {
        <form class="form passkey" hidden=move || !shown.get() on:submit=on_submit>
            <div class="field">
                <label for="passkey-name">{move || words.get().0}</label>
                <input id="passkey-name" name="name" type="text" maxlength="60" autocomplete="off"
                    aria-describedby="passkey-name-hint" node_ref=name />
                <p id="passkey-name-hint" class="muted">{move || words.get().1}</p>
            </div>
            <button class="button" type="submit" disabled=move || busy.get()>{move || words.get().2}</button>
            <p class="passkey__status" aria-live="polite">{move || status.get()}</p>
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
                                <PasskeyWords label=td_string!(l, passkey_add_button) unavailable=true />
                                <PasskeyAdd />
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
