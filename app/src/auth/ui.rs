//! The sign-in page and the account page. Both are plain server-rendered forms that post to
//! server functions, so they work the same with JavaScript off; errors come back through the
//! address the server function redirects to and are shown in the page's language.

use super::{ChangeEmail, ChangePassword, EndMySession, SignIn, SignOut};
use crate::error::AppError;
use crate::i18n::{td, td_string};
use crate::locale::use_locale;
use crate::organisation::PRODUCT_NAME;
use crate::shell::{load_signed_in, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use server_fn::ServerFn;

/// What went wrong with a sign-in, in words that say what to do next.
fn sign_in_problem(l: crate::i18n::Locale, error: &AppError) -> String {
    match error {
        AppError::Conflict(code) if code == "email_unverified" => {
            td_string!(l, sign_in_unverified).to_string()
        }
        AppError::Conflict(_) => td_string!(l, sign_in_failed).to_string(),
        AppError::Validation(_) => td_string!(l, sign_in_missing).to_string(),
        AppError::RateLimited => td_string!(l, too_many_attempts).to_string(),
        _ => td_string!(l, try_later).to_string(),
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let l = use_locale();
    // Holds the error of a sign-in that just failed (read from the address on the server).
    let action = ServerAction::<SignIn>::new();
    let problem = action
        .value()
        .get_untracked()
        .and_then(Result::err)
        .map(|e| sign_in_problem(l, &e));
    #[cfg(feature = "ssr")]
    let email = super::server::remembered_email().unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let email = String::new();
    let has_problem = problem.is_some();
    let query = leptos_router::hooks::use_query_map().get_untracked();
    let notice = if query.get("verified").is_some() {
        Some(td_string!(l, email_verified_notice))
    } else if query.get("reset").is_some() {
        Some(td_string!(l, password_reset_notice))
    } else {
        None
    };
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, sign_in_title)) />
        <section class="page page--narrow" aria-labelledby="page-title">
            <h1 id="page-title">{td_string!(l, sign_in_title)}</h1>
            <p>{td_string!(l, sign_in_intro)}</p>
            {notice.filter(|_| !has_problem).map(|n| view! { <p class="notice notice--ok" role="status">{n}</p> })}
            {problem.map(|p| view! { <p class="notice notice--error" role="alert" id="sign-in-problem">{p}</p> })}
            <form class="form" method="post" action={<SignIn as ServerFn>::PATH}>
                <div class="field">
                    <label for="email">{td_string!(l, email_label)}</label>
                    <input
                        id="email"
                        name="email"
                        type="email"
                        autocomplete="username"
                        inputmode="email"
                        required
                        value=email
                        aria-describedby=has_problem.then_some("sign-in-problem")
                        aria-invalid=has_problem.then_some("true")
                    />
                </div>
                <div class="field">
                    <label for="password">{td_string!(l, password_label)}</label>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                        aria-describedby=has_problem.then_some("sign-in-problem")
                        aria-invalid=has_problem.then_some("true")
                    />
                </div>
                <button class="button" type="submit">{td_string!(l, sign_in_button)}</button>
            </form>
            <super::PasskeyWords label=td_string!(l, passkey_sign_in) />
            <super::PasskeySignIn />
            <p><a href="/forgot-password">{td_string!(l, forgot_link)}</a></p>
            <p>{td_string!(l, no_account)} " " <a href="/sign-up">{td_string!(l, sign_up_link)}</a></p>
        </section>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let l = use_locale();
    // Field errors of a password change that just failed; read from the address on the server.
    let change = ServerAction::<ChangePassword>::new();
    let field_errors = match change.value().get_untracked() {
        Some(Err(AppError::Validation(fields))) => fields,
        Some(Err(other)) => std::collections::BTreeMap::from([(
            "form".to_string(),
            match other {
                AppError::RateLimited => "rate_limited".to_string(),
                _ => "unavailable".to_string(),
            },
        )]),
        _ => Default::default(),
    };
    let query = leptos_router::hooks::use_query_map().get_untracked();
    let changed = query.get("password").is_some_and(|v| v == "changed");
    let email_state = query.get("email");
    let email_error = ServerAction::<ChangeEmail>::new()
        .value()
        .get_untracked()
        .and_then(Result::err);
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, account_title)) />
        <Suspense fallback=Loading>
            {move || {
                let field_errors = field_errors.clone();
                let email_state = email_state.clone();
                let email_error = email_error.clone();
                Suspend::new(async move {
                match load_signed_in().await {
                    Ok(Some(me)) => {
                        let sessions = super::list_my_sessions().await.unwrap_or_default();
                        let name = me.display_name.clone();
                        view! {
                            <section class="page page--narrow" aria-labelledby="page-title">
                                <h1 id="page-title">{td_string!(l, account_title)}</h1>
                                <p>{td!(l, signed_in_as, name = move || name.clone())}</p>
                                <form method="post" action={<SignOut as ServerFn>::PATH}>
                                    <button class="button" type="submit">{td_string!(l, sign_out)}</button>
                                </form>
                                <h2>{td_string!(l, two_factor_title)}</h2>
                                <p>{td_string!(l, two_factor_account_intro)}</p>
                                <p><a href="/account/two-factor">{td_string!(l, two_factor_manage)}</a></p>
                                <h2>{td_string!(l, passkeys_title)}</h2>
                                <p>{td_string!(l, passkeys_account_intro)}</p>
                                <p><a href="/account/passkeys">{td_string!(l, passkeys_manage)}</a></p>
                                <h2>{td_string!(l, sessions_heading)}</h2>
                                <p class="muted">{td_string!(l, sessions_intro)}</p>
                                <ul class="sessions">
                                    {sessions.into_iter().map(|s| view! { <SessionItem session=s /> }).collect_view()}
                                </ul>
                                <ChangePasswordForm errors=field_errors changed />
                                <ChangeEmailForm current=me.email.clone() state=email_state error=email_error />
                            </section>
                        }
                        .into_any()
                    }
                    Ok(None) => {
                        #[cfg(feature = "ssr")]
                        AppError::Unauthenticated.set_response_status();
                        view! {
                            <section class="page page--narrow" aria-labelledby="page-title">
                                <h1 id="page-title">{td_string!(l, signed_out_title)}</h1>
                                <p>{td_string!(l, signed_out_body)}</p>
                                <p>
                                    <a class="button" href="/sign-in">{td_string!(l, nav_sign_in)}</a>
                                </p>
                            </section>
                        }
                        .into_any()
                    }
                    Err(error) => view! { <crate::shell::ErrorView error /> }.into_any(),
                }
                })
            }}
        </Suspense>
    }
}

#[component]
fn SessionItem(session: super::SessionView) -> impl IntoView {
    let l = use_locale();
    let device = match session.device {
        Some((browser, system)) => td!(
            l,
            device_on,
            browser = move || browser.clone(),
            system = move || system.clone()
        )
        .into_any(),
        None => td_string!(l, unknown_device).into_any(),
    };
    let when = session.last_seen.clone();
    view! {
        <li class="session">
            <strong>{device}</strong>
            {session.current.then(|| view! { <span class="badge">{td_string!(l, this_device)}</span> })}
            <br />
            <span class="muted">{td!(l, last_active, when = move || when.clone())}</span>
            {(!session.current)
                .then(|| {
                    view! {
                        <form method="post" action={<EndMySession as ServerFn>::PATH}>
                            <input type="hidden" name="session_id" value=session.session_id.clone() />
                            <button class="button button--quiet" type="submit">
                                {td_string!(l, end_session)}
                            </button>
                        </form>
                    }
                })}
        </li>
    }
}

/// A field's error message in the page's language, from the code the server sent.
fn password_problem(l: crate::i18n::Locale, code: &str) -> &'static str {
    match code {
        "wrong" => td_string!(l, password_wrong),
        "too_short" => td_string!(l, password_too_short),
        "too_long" => td_string!(l, password_too_long),
        "too_easy" => td_string!(l, password_too_easy),
        "rate_limited" => td_string!(l, too_many_attempts),
        _ => td_string!(l, try_later),
    }
}

#[component]
fn ChangePasswordForm(
    errors: std::collections::BTreeMap<String, String>,
    changed: bool,
) -> impl IntoView {
    let l = use_locale();
    let error_for = |field: &str| errors.get(field).map(|code| password_problem(l, code));
    let current_error = error_for("current_password");
    let new_error = error_for("new_password");
    let form_error = error_for("form");
    let any_error = current_error.is_some() || new_error.is_some() || form_error.is_some();
    view! {
        <h2 id="change-password">{td_string!(l, change_password_heading)}</h2>
        {changed.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, password_changed)}</p> })}
        {any_error.then(|| {
            view! {
                <p class="notice notice--error" role="alert" id="change-password-problem">
                    {form_error.or(current_error).or(new_error)}
                </p>
            }
        })}
        <form class="form" method="post" action={<ChangePassword as ServerFn>::PATH} aria-labelledby="change-password">
            <div class="field">
                <label for="current_password">{td_string!(l, current_password_label)}</label>
                <input
                    id="current_password"
                    name="current_password"
                    type="password"
                    autocomplete="current-password"
                    required
                    aria-invalid=current_error.is_some().then_some("true")
                    aria-describedby=current_error.is_some().then_some("change-password-problem")
                />
            </div>
            <div class="field">
                <label for="new_password">{td_string!(l, new_password_label)}</label>
                <input
                    id="new_password"
                    name="new_password"
                    type="password"
                    autocomplete="new-password"
                    required
                    aria-describedby=if new_error.is_some() {
                        "change-password-problem new-password-hint"
                    } else {
                        "new-password-hint"
                    }
                    aria-invalid=new_error.is_some().then_some("true")
                />
                <p class="muted field__hint" id="new-password-hint">
                    {td_string!(l, new_password_hint)}
                </p>
            </div>
            <button class="button" type="submit">{td_string!(l, change_password_button)}</button>
        </form>
    }
}

#[component]
fn ChangeEmailForm(
    current: String,
    state: Option<String>,
    error: Option<AppError>,
) -> impl IntoView {
    let l = use_locale();
    let fields = match &error {
        Some(AppError::Validation(f)) => f.clone(),
        _ => Default::default(),
    };
    let email_error = fields.get("new_email").map(|c| match c.as_str() {
        "same" => td_string!(l, email_same),
        "required" => td_string!(l, email_required),
        _ => td_string!(l, email_invalid),
    });
    let password_error = fields
        .get("current_password")
        .map(|_| td_string!(l, password_wrong));
    let other_error = error.as_ref().and_then(|e| match e {
        AppError::Validation(_) => None,
        AppError::RateLimited => Some(td_string!(l, too_many_attempts)),
        _ => Some(td_string!(l, try_later)),
    });
    let problem = other_error.or(email_error).or(password_error);
    view! {
        <h2 id="change-email">{td_string!(l, change_email_heading)}</h2>
        <p>{td!(l, change_email_current, email = move || current.clone())}</p>
        {match state.as_deref() {
            Some("sent") => Some(view! { <p class="notice notice--ok" role="status">{td_string!(l, change_email_sent)}</p> }),
            Some("changed") => Some(view! { <p class="notice notice--ok" role="status">{td_string!(l, change_email_done)}</p> }),
            _ => None,
        }}
        {problem.map(|p| view! { <p class="notice notice--error" role="alert" id="change-email-problem">{p}</p> })}
        <form class="form" method="post" action={<ChangeEmail as ServerFn>::PATH} aria-labelledby="change-email">
            <div class="field">
                <label for="new_email">{td_string!(l, new_email_label)}</label>
                <input id="new_email" name="new_email" type="email" autocomplete="email" required
                    aria-invalid=email_error.map(|_| "true")
                    aria-describedby=email_error.map(|_| "change-email-problem") />
            </div>
            <div class="field">
                <label for="email_current_password">{td_string!(l, current_password_label)}</label>
                <input id="email_current_password" name="current_password" type="password"
                    autocomplete="current-password" required
                    aria-invalid=password_error.map(|_| "true")
                    aria-describedby=password_error.map(|_| "change-email-problem") />
            </div>
            <button class="button" type="submit">{td_string!(l, change_email_button)}</button>
        </form>
    }
}
