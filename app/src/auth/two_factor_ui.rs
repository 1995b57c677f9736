//! The second step of signing in (a code, a recovery code or a passkey), and the page that sets
//! up two-step sign-in. Plain forms, the same with JavaScript off, except the passkey button.

use super::{
    ConfirmTwoFactorSetup, NewRecoveryCodes, StartTwoFactorSetup, TwoFactorOverview,
    VerifySecondFactor,
};
use crate::error::AppError;
use crate::i18n::{td, td_string, Locale};
use crate::locale::use_locale;
use crate::organisation::PRODUCT_NAME;
use crate::shell::Loading;
use leptos::prelude::*;
use leptos_meta::Title;
use server_fn::ServerFn;

fn code_problem(l: Locale, error: &AppError) -> &'static str {
    match error {
        AppError::Validation(_) => td_string!(l, code_wrong),
        AppError::RateLimited => td_string!(l, too_many_attempts),
        AppError::Unauthenticated => td_string!(l, code_step_expired),
        _ => td_string!(l, try_later),
    }
}

/// After the password: the code from the app, or a recovery code.
#[component]
pub fn SecondFactorPage() -> impl IntoView {
    let l = use_locale();
    let action = ServerAction::<VerifySecondFactor>::new();
    let error = action.value().get_untracked().and_then(Result::err);
    let expired = matches!(error, Some(AppError::Unauthenticated));
    let problem = error.as_ref().map(|e| code_problem(l, e));
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, code_title)) />
        <section class="page page--narrow" aria-labelledby="page-title">
            <h1 id="page-title">{td_string!(l, code_title)}</h1>
            {problem.map(|p| view! { <p class="notice notice--error" role="alert" id="code-problem">{p}</p> })}
            {if expired {
                view! { <p><a class="button" href="/sign-in">{td_string!(l, nav_sign_in)}</a></p> }.into_any()
            } else {
                view! {
                    <Suspense fallback=Loading>
                        {move || Suspend::new(async move {
                            // The page still offers codes if this cannot be read.
                            let step = super::second_step()
                                .await
                                .unwrap_or(super::SecondStepChoices { app: true, passkey: false });
                            view! { <SecondStepBody step problem /> }
                        })}
                    </Suspense>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn SecondStepBody(step: super::SecondStepChoices, problem: Option<&'static str>) -> impl IntoView {
    let l = use_locale();
    let passkey = step.passkey.then(|| {
        view! {
            <p>{td_string!(l, code_passkey_intro)}</p>
            <super::PasskeyWords label=td_string!(l, passkey_use) unavailable=true />
            <super::PasskeySignIn />
        }
    });
    let app = step.app.then(|| {
        view! {
            <p>{td_string!(l, code_intro)}</p>
            <form class="form" method="post" action={<VerifySecondFactor as ServerFn>::PATH}>
                <div class="field">
                    <label for="code">{td_string!(l, code_label)}</label>
                    <input
                        id="code"
                        name="code"
                        type="text"
                        inputmode="numeric"
                        autocomplete="one-time-code"
                        pattern="[0-9 ]*"
                        maxlength="7"
                        required
                        class="input--code"
                        aria-invalid=problem.map(|_| "true")
                        aria-describedby=problem.map(|_| "code-problem")
                    />
                </div>
                <button class="button" type="submit">{td_string!(l, code_button)}</button>
            </form>
        }
    });
    // With or without an app, a recovery code finishes the step.
    view! {
        {passkey}
        {app}
        <details class="disclosure">
            <summary>{td_string!(l, recovery_summary)}</summary>
            <p>{td_string!(l, recovery_intro)}</p>
            <form class="form" method="post" action={<VerifySecondFactor as ServerFn>::PATH}>
                <div class="field">
                    <label for="recovery_code">{td_string!(l, recovery_label)}</label>
                    <input id="recovery_code" name="code" type="text" autocomplete="off"
                        autocapitalize="none" spellcheck="false" required />
                </div>
                <button class="button button--quiet" type="submit">{td_string!(l, code_button)}</button>
            </form>
        </details>
    }
}

#[component]
pub fn TwoFactorPage() -> impl IntoView {
    let l = use_locale();
    let confirm = ServerAction::<ConfirmTwoFactorSetup>::new();
    let confirm_error = confirm.value().get_untracked().and_then(Result::err);
    let recovery_used = leptos_router::hooks::use_query_map()
        .get_untracked()
        .get("recovery")
        .is_some();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, two_factor_title)) />
        <Suspense fallback=Loading>
            {move || {
                let confirm_error = confirm_error.clone();
                Suspend::new(async move {
                    match super::two_factor_state().await {
                        Ok(status) => view! {
                            <section class="page page--narrow" aria-labelledby="page-title">
                                <h1 id="page-title">{td_string!(l, two_factor_title)}</h1>
                                {recovery_used.then(|| view! {
                                    <p class="notice notice--ok" role="status">{td_string!(l, recovery_used_notice)}</p>
                                })}
                                <TwoFactorBody status confirm_error />
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
fn TwoFactorBody(status: TwoFactorOverview, confirm_error: Option<AppError>) -> impl IntoView {
    let l = use_locale();
    if !status.new_codes.is_empty() {
        let codes = status.new_codes.clone();
        return view! {
            <p class="notice notice--ok" role="status">{td_string!(l, two_factor_on)}</p>
            <h2>{td_string!(l, recovery_codes_heading)}</h2>
            <p>{td_string!(l, recovery_codes_intro)}</p>
            <ul class="recovery-codes" aria-label=td_string!(l, recovery_codes_heading)>
                {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ul>
            <p><a class="button" href="/account">{td_string!(l, recovery_codes_saved)}</a></p>
        }
        .into_any();
    }
    if status.enabled {
        let left = status.recovery_codes_left;
        return view! {
            <p class="notice notice--ok" role="status">{td_string!(l, two_factor_on)}</p>
            <p>{td!(l, recovery_codes_left, count = move || left)}</p>
            <form method="post" action={<NewRecoveryCodes as ServerFn>::PATH}>
                <button class="button button--quiet" type="submit">{td_string!(l, recovery_codes_new)}</button>
            </form>
        }
        .into_any();
    }
    let required = status.required.then(|| {
        view! { <p class="notice notice--error" role="alert">{td_string!(l, two_factor_required)}</p> }
    });
    match status.pending {
        Some(pending) => {
            let problem = confirm_error.as_ref().map(|e| code_problem(l, e));
            view! {
                {required}
                <ol class="steps">
                    <li>
                        <p>{td_string!(l, setup_scan)}</p>
                        <div class="qr" role="img" aria-label=td_string!(l, setup_qr_label) inner_html=pending.qr_svg></div>
                        <p>{td_string!(l, setup_type)}</p>
                        <p><code class="secret">{pending.secret}</code></p>
                        <p><a href=pending.otpauth>{td_string!(l, setup_open_app)}</a></p>
                    </li>
                    <li>
                        {problem.map(|p| view! { <p class="notice notice--error" role="alert" id="setup-problem">{p}</p> })}
                        <form class="form" method="post" action={<ConfirmTwoFactorSetup as ServerFn>::PATH}>
                            <div class="field">
                                <label for="code">{td_string!(l, setup_code_label)}</label>
                                <input id="code" name="code" type="text" inputmode="numeric"
                                    autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="7" required
                                    class="input--code"
                                    aria-invalid=problem.map(|_| "true")
                                    aria-describedby=problem.map(|_| "setup-problem") />
                            </div>
                            <button class="button" type="submit">{td_string!(l, setup_confirm)}</button>
                        </form>
                    </li>
                </ol>
            }
            .into_any()
        }
        None => view! {
            {required}
            <p>{td_string!(l, two_factor_intro)}</p>
            <form method="post" action={<StartTwoFactorSetup as ServerFn>::PATH}>
                <button class="button" type="submit">{td_string!(l, two_factor_start)}</button>
            </form>
        }
        .into_any(),
    }
}
