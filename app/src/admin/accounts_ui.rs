use super::accounts::{
    list_accounts, AccountRow, CreateStaffAccount, SetAccountDisabled, SetAccountRoles, ROLE_NAMES,
};
use super::ui::AccessProblem;
use crate::error::AppError;
use crate::i18n::{td_string, Locale};
use crate::locale::use_locale;
use crate::organisation::PRODUCT_NAME;
use crate::shell::Loading;
use leptos::prelude::*;
use leptos_meta::Title;
use server_fn::ServerFn;

pub fn role_label(l: Locale, role: &str) -> &'static str {
    match role {
        "staff" => td_string!(l, role_staff),
        "editor" => td_string!(l, role_editor),
        "medical_reviewer" => td_string!(l, role_medical_reviewer),
        "engagement_manager" => td_string!(l, role_engagement_manager),
        _ => td_string!(l, role_administrator),
    }
}

fn problem(l: Locale, error: &AppError) -> &'static str {
    match error {
        AppError::Validation(f) if f.get("email").is_some_and(|c| c == "taken") => {
            td_string!(l, account_email_taken)
        }
        AppError::Validation(f) if f.contains_key("roles") => td_string!(l, roles_required),
        AppError::Validation(_) => td_string!(l, check_fields),
        AppError::Conflict(c) if c == "own_admin_role" => td_string!(l, own_admin_role),
        AppError::Conflict(c) if c == "own_account" => td_string!(l, own_account),
        _ => td_string!(l, try_later),
    }
}

#[component]
pub fn AdminAccountsPage() -> impl IntoView {
    let l = use_locale();
    let query_map = leptos_router::hooks::use_query_map().get_untracked();
    let q = query_map.get("q").unwrap_or_default();
    let created = query_map.get("created").is_some();
    let saved = query_map.get("saved").is_some();
    let error = ServerAction::<CreateStaffAccount>::new()
        .value()
        .get_untracked()
        .and_then(Result::err)
        .or_else(|| {
            ServerAction::<SetAccountRoles>::new()
                .value()
                .get_untracked()
                .and_then(Result::err)
        })
        .or_else(|| {
            ServerAction::<SetAccountDisabled>::new()
                .value()
                .get_untracked()
                .and_then(Result::err)
        });
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, accounts_title)) />
        <Suspense fallback=Loading>
            {move || {
                let q = q.clone();
                let error = error.clone();
                Suspend::new(async move {
                    let wanted = (!q.is_empty()).then(|| q.clone());
                    match list_accounts(wanted).await {
                        Ok(accounts) => view! {
                            <section class="page" aria-labelledby="page-title">
                                <h1 id="page-title">{td_string!(l, accounts_title)}</h1>
                                {created.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, account_created)}</p> })}
                                {saved.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, account_saved)}</p> })}
                                {error.as_ref().map(|e| view! { <p class="notice notice--error" role="alert">{problem(l, e)}</p> })}
                                <form class="form form--inline" method="get" action="/admin/accounts" role="search">
                                    <div class="field">
                                        <label for="q">{td_string!(l, accounts_search_label)}</label>
                                        <input id="q" name="q" type="search" value=q.clone() />
                                    </div>
                                    <button class="button" type="submit">{td_string!(l, outbox_filter_button)}</button>
                                </form>
                                <details class="disclosure" open=error.is_some()>
                                    <summary>{td_string!(l, account_create_heading)}</summary>
                                    <form class="form" method="post" action={<CreateStaffAccount as ServerFn>::PATH}>
                                        <div class="field">
                                            <label for="new-name">{td_string!(l, account_name_label)}</label>
                                            <input id="new-name" name="name" type="text" autocomplete="off" required />
                                        </div>
                                        <div class="field">
                                            <label for="new-email">{td_string!(l, email_label)}</label>
                                            <input id="new-email" name="email" type="email" autocomplete="off" required />
                                        </div>
                                        <RoleChoices id_prefix="new".to_string() checked=vec![] />
                                        <button class="button" type="submit">{td_string!(l, account_create_button)}</button>
                                    </form>
                                </details>
                                {if accounts.is_empty() {
                                    view! { <p class="empty" role="status">{td_string!(l, accounts_empty)}</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="outbox">
                                            {accounts.into_iter().map(|a| view! { <AccountItem account=a /> }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                        }
                        .into_any(),
                        Err(error) => view! { <AccessProblem error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn RoleChoices(id_prefix: String, checked: Vec<String>) -> impl IntoView {
    let l = use_locale();
    view! {
        <fieldset class="field">
            <legend>{td_string!(l, roles_label)}</legend>
            {ROLE_NAMES.into_iter().map(|role| {
                let id = format!("{id_prefix}-{role}");
                let for_id = id.clone();
                view! {
                    <label class="choice" for=for_id>
                        <input id=id type="checkbox" name=role value="on" checked=checked.iter().any(|c| c == role) />
                        " " {role_label(l, role)}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

#[component]
fn AccountItem(account: AccountRow) -> impl IntoView {
    let l = use_locale();
    let roles = if account.roles.is_empty() {
        td_string!(l, role_patient).to_string()
    } else {
        account
            .roles
            .iter()
            .map(|r| role_label(l, r))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let id = account.account_id.clone();
    view! {
        <li class="outbox__item">
            <p class="outbox__subject"><strong>{account.name.clone()}</strong> " · " {account.email.clone()}</p>
            <p class="muted">
                {roles}
                {account.disabled.then(|| view! { " · " <span class="badge badge--failed">{td_string!(l, account_disabled)}</span> })}
                {(!account.email_verified).then(|| view! { " · " {td_string!(l, account_unverified)} })}
                {(!account.roles.is_empty() && !account.second_factor).then(|| view! { " · " {td_string!(l, account_no_second_factor)} })}
            </p>
            <details>
                <summary>{td_string!(l, account_manage)}</summary>
                <form class="form" method="post" action={<SetAccountRoles as ServerFn>::PATH}>
                    <input type="hidden" name="account_id" value=id.clone() />
                    <RoleChoices id_prefix=id.clone() checked=account.roles.clone() />
                    <button class="button button--quiet" type="submit">{td_string!(l, roles_save)}</button>
                </form>
                {(!account.you).then(|| view! {
                    <form method="post" action={<SetAccountDisabled as ServerFn>::PATH}>
                        <input type="hidden" name="account_id" value=id.clone() />
                        <input type="hidden" name="disabled" value=if account.disabled { "false" } else { "true" } />
                        <button class="button button--quiet" type="submit">
                            {if account.disabled { td_string!(l, account_enable) } else { td_string!(l, account_disable) }}
                        </button>
                    </form>
                })}
            </details>
        </li>
    }
}
