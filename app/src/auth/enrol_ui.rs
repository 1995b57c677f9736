//! Pages for creating an account and getting back into one: sign-up, "check your email",
//! confirming the address, and the forgotten-password pair. Plain server-rendered forms posting
//! to server functions, the same with JavaScript off; a failed post comes back with the error
//! in the address and (for sign-up) what was typed in a short-lived cookie.

use super::{RequestPasswordReset, ResetPassword, SignUp, SignUpForm, VerifyEmail};
use crate::error::AppError;
use crate::i18n::{td_string, Locale};
use crate::locale::use_locale;
use crate::organisation::PRODUCT_NAME;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use server_fn::ServerFn;
use std::collections::BTreeMap;

/// A field problem's code, in the page's language.
fn field_problem(l: Locale, field: &str, code: &str) -> &'static str {
    match (field, code) {
        (_, "too_short") => td_string!(l, password_too_short),
        (_, "too_easy") => td_string!(l, password_too_easy),
        ("password" | "new_password", "too_long") => td_string!(l, password_too_long),
        ("given_name" | "family_name", "too_long") => td_string!(l, name_too_long),
        ("given_name", "required") => td_string!(l, given_name_required),
        ("family_name", "required") => td_string!(l, family_name_required),
        ("birth_date", "required") => td_string!(l, birth_date_required),
        ("birth_date", "future") => td_string!(l, birth_date_future),
        ("birth_date", "too_young") => td_string!(l, birth_date_too_young),
        ("birth_date", _) => td_string!(l, birth_date_invalid),
        ("email", "required") => td_string!(l, email_required),
        ("email", _) => td_string!(l, email_invalid),
        _ => td_string!(l, try_later),
    }
}

/// The form-level message for an error that is not about one field.
fn general_problem(l: Locale, error: &AppError) -> &'static str {
    match error {
        AppError::RateLimited => td_string!(l, too_many_attempts),
        AppError::Conflict(code) if code == "link_invalid" => td_string!(l, link_invalid),
        AppError::Validation(_) => td_string!(l, check_fields),
        _ => td_string!(l, try_later),
    }
}

fn query(name: &str) -> Option<String> {
    use_query_map().get_untracked().get(name)
}

/// One labelled input with its error, wired for screen readers.
#[component]
fn Field(
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] value: String,
    #[prop(default = None)] hint: Option<&'static str>,
    #[prop(default = None)] error: Option<&'static str>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    let described = [
        error.map(|_| error_id.clone()),
        hint.map(|_| hint_id.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    view! {
        <div class="field" class:field--invalid=error.is_some()>
            <label for=name>{label}</label>
            {error.map(|e| view! { <p class="field__error" id=error_id.clone()>{e}</p> })}
            <input
                id=name
                name=name
                type=kind
                autocomplete=autocomplete
                required
                value=value
                aria-invalid=error.map(|_| "true")
                aria-describedby=(!described.is_empty()).then_some(described)
            />
            {hint.map(|h| view! { <p class="muted field__hint" id=hint_id.clone()>{h}</p> })}
        </div>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let l = use_locale();
    let action = ServerAction::<SignUp>::new();
    let error = action.value().get_untracked().and_then(Result::err);
    let fields: BTreeMap<String, String> = match &error {
        Some(AppError::Validation(f)) => f.clone(),
        _ => BTreeMap::new(),
    };
    #[cfg(feature = "ssr")]
    let typed = SignUpForm::remembered().unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let typed = SignUpForm::default();
    let problem = |field: &'static str| fields.get(field).map(|c| field_problem(l, field, c));
    let language = if typed.language.is_empty() {
        leptos_i18n::Locale::as_str(l).to_string()
    } else {
        typed.language.clone()
    };
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, sign_up_title)) />
        <section class="page page--narrow" aria-labelledby="page-title">
            <h1 id="page-title">{td_string!(l, sign_up_title)}</h1>
            <p>{td_string!(l, sign_up_intro)}</p>
            {error.as_ref().map(|e| view! {
                <p class="notice notice--error" role="alert" id="form-problem">{general_problem(l, e)}</p>
            })}
            <form class="form" method="post" action={<SignUp as ServerFn>::PATH} novalidate>
                <Field name="given_name" label=td_string!(l, given_name_label) autocomplete="given-name"
                    value=typed.given_name.clone() error=problem("given_name") />
                <Field name="family_name" label=td_string!(l, family_name_label) autocomplete="family-name"
                    value=typed.family_name.clone() error=problem("family_name") />
                <Field name="birth_date" label=td_string!(l, birth_date_label) kind="date" autocomplete="bday"
                    value=typed.birth_date.clone() hint=Some(td_string!(l, birth_date_hint))
                    error=problem("birth_date") />
                <Field name="email" label=td_string!(l, email_label) kind="email" autocomplete="email"
                    value=typed.email.clone() hint=Some(td_string!(l, sign_up_email_hint))
                    error=problem("email") />
                <Field name="password" label=td_string!(l, password_label) kind="password"
                    autocomplete="new-password" hint=Some(td_string!(l, new_password_hint))
                    error=problem("password") />
                <fieldset class="field">
                    <legend>{td_string!(l, preferred_language_label)}</legend>
                    <label class="choice">
                        <input type="radio" name="language" value="en" checked=language != "es" />
                        " English"
                    </label>
                    <label class="choice">
                        <input type="radio" name="language" value="es" lang="es" checked=language == "es" />
                        " Español"
                    </label>
                </fieldset>
                <button class="button" type="submit">{td_string!(l, sign_up_button)}</button>
            </form>
            <p>{td_string!(l, have_account)} " " <a href="/sign-in">{td_string!(l, nav_sign_in)}</a></p>
        </section>
    }
}

#[component]
pub fn CheckEmailPage() -> impl IntoView {
    let l = use_locale();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, check_email_title)) />
        <section class="page page--narrow" aria-labelledby="page-title">
            <h1 id="page-title">{td_string!(l, check_email_title)}</h1>
            <p role="status">{td_string!(l, check_email_body)}</p>
            <p class="muted">{td_string!(l, check_email_spam)}</p>
            <p><a href="/sign-in">{td_string!(l, nav_sign_in)}</a></p>
        </section>
    }
}

/// Opening the emailed link shows a button rather than confirming at once: mail scanners that
/// open links must not use up the single-use token.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let l = use_locale();
    let action = ServerAction::<VerifyEmail>::new();
    let error = action.value().get_untracked().and_then(Result::err);
    let token = query("token").unwrap_or_default();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, verify_title)) />
        <section class="page page--narrow" aria-labelledby="page-title">
            <h1 id="page-title">{td_string!(l, verify_title)}</h1>
            {match error {
                Some(e) => view! {
                    <p class="notice notice--error" role="alert">{general_problem(l, &e)}</p>
                    <p>{td_string!(l, verify_again)}</p>
                    <p><a class="button" href="/sign-in">{td_string!(l, nav_sign_in)}</a></p>
                }.into_any(),
                None => view! {
                    <p>{td_string!(l, verify_intro)}</p>
                    <form method="post" action={<VerifyEmail as ServerFn>::PATH}>
                        <input type="hidden" name="token" value=token />
                        <button class="button" type="submit">{td_string!(l, verify_button)}</button>
                    </form>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let l = use_locale();
    let action = ServerAction::<RequestPasswordReset>::new();
    let error = action.value().get_untracked().and_then(Result::err);
    let sent = query("sent").is_some();
    let email_error = match &error {
        Some(AppError::Validation(f)) => f.get("email").map(|c| field_problem(l, "email", c)),
        _ => None,
    };
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, forgot_title)) />
        <section class="page page--narrow" aria-labelledby="page-title">
            <h1 id="page-title">{td_string!(l, forgot_title)}</h1>
            {if sent {
                view! {
                    <p class="notice notice--ok" role="status">{td_string!(l, forgot_sent)}</p>
                    <p class="muted">{td_string!(l, check_email_spam)}</p>
                    <p><a href="/sign-in">{td_string!(l, nav_sign_in)}</a></p>
                }.into_any()
            } else {
                view! {
                    <p>{td_string!(l, forgot_intro)}</p>
                    {error.as_ref().filter(|_| email_error.is_none()).map(|e| view! {
                        <p class="notice notice--error" role="alert">{general_problem(l, e)}</p>
                    })}
                    <form class="form" method="post" action={<RequestPasswordReset as ServerFn>::PATH} novalidate>
                        <Field name="email" label=td_string!(l, email_label) kind="email" autocomplete="email"
                            error=email_error />
                        <button class="button" type="submit">{td_string!(l, forgot_button)}</button>
                    </form>
                    <p><a href="/sign-in">{td_string!(l, back_to_sign_in)}</a></p>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let l = use_locale();
    let action = ServerAction::<ResetPassword>::new();
    let error = action.value().get_untracked().and_then(Result::err);
    let token = query("token").unwrap_or_default();
    let password_error = match &error {
        Some(AppError::Validation(f)) => f
            .get("new_password")
            .map(|c| field_problem(l, "new_password", c)),
        _ => None,
    };
    let link_problem = error
        .as_ref()
        .filter(|_| password_error.is_none())
        .map(|e| general_problem(l, e));
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, reset_title)) />
        <section class="page page--narrow" aria-labelledby="page-title">
            <h1 id="page-title">{td_string!(l, reset_title)}</h1>
            {match link_problem {
                Some(p) => view! {
                    <p class="notice notice--error" role="alert">{p}</p>
                    <p><a class="button" href="/forgot-password">{td_string!(l, forgot_again)}</a></p>
                }.into_any(),
                None => view! {
                    <p>{td_string!(l, reset_intro)}</p>
                    <form class="form" method="post" action={<ResetPassword as ServerFn>::PATH} novalidate>
                        <input type="hidden" name="token" value=token />
                        <Field name="new_password" label=td_string!(l, new_password_label) kind="password"
                            autocomplete="new-password" hint=Some(td_string!(l, new_password_hint))
                            error=password_error />
                        <button class="button" type="submit">{td_string!(l, reset_button)}</button>
                    </form>
                }.into_any(),
            }}
        </section>
    }
}
