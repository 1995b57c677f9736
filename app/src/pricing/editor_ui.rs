//! `/admin/prices/items/:id`: an administrator edits an item's plain-language names and
//! summaries, its shoppable mark and its group, and sees every earlier edit. A plain form.

#[cfg(feature = "ssr")]
use super::editor::KEPT_ITEM;
use super::editor::{
    price_item_editor, ItemChangeWhat, ItemForm, SavePriceItem, NAME_MAX, SUMMARY_MAX,
};
use crate::admin::AccessProblem;
use crate::error::AppError;
use crate::i18n::td_string;
use crate::locale::{use_locale, Locale};
use crate::organisation::PRODUCT_NAME;
use crate::shell::Loading;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use server_fn::ServerFn;

fn problem(l: Locale, code: &str) -> &'static str {
    match code {
        "required" => td_string!(l, cv_err_required),
        "too_long" => td_string!(l, cv_err_long),
        "unknown" => td_string!(l, ied_err_unknown),
        "shoppable_in_group" => td_string!(l, ied_err_shoppable_in_group),
        _ => td_string!(l, ied_err_heads_group),
    }
}

/// An edit in words: "Names and group saved: Knee MRI", or "Outpatient · Prairie Mutual · PPO ·
/// Negotiated amount: $1,464.00 → $1,400.00".
fn change_text(l: Locale, what: &ItemChangeWhat) -> String {
    match what {
        ItemChangeWhat::Names { name } => format!("{} {name}", td_string!(l, ied_hist_names)),
        ItemChangeWhat::Figure {
            setting,
            modifiers,
            plan,
            figure,
            before,
            after,
        } => {
            let none = td_string!(l, fig_none);
            let mut parts = vec![super::ui::setting_name(l, setting).to_string()];
            if !modifiers.is_empty() {
                parts.push(modifiers.clone());
            }
            parts.extend(plan.clone());
            parts.push(super::figures_ui::figure_name(l, figure).to_string());
            format!(
                "{}: {} → {}",
                parts.join(" · "),
                before.as_deref().unwrap_or(none),
                after.as_deref().unwrap_or(none)
            )
        }
    }
}

/// One text field of the editor, with its error.
#[component]
fn TextField(
    name: &'static str,
    label: &'static str,
    value: String,
    error: Option<&'static str>,
    #[prop(optional)] long: bool,
) -> impl IntoView {
    let id = format!("ied-{name}");
    let error_id = format!("{id}-error");
    let max = if long { SUMMARY_MAX } else { NAME_MAX };
    view! {
        <div class="field" class:field--invalid=error.is_some()>
            <label for=id.clone()>{label}</label>
            {error.map(|e| view! { <p class="field__error" id=error_id.clone()>{e}</p> })}
            {if long {
                view! {
                    <textarea id=id.clone() name=name rows="3" maxlength=max.to_string()
                        aria-invalid=error.map(|_| "true")
                        aria-describedby=error.map(|_| error_id.clone())>{value}</textarea>
                }.into_any()
            } else {
                view! {
                    <input id=id.clone() name=name type="text" required maxlength=max.to_string() value=value
                        aria-invalid=error.map(|_| "true")
                        aria-describedby=error.map(|_| error_id.clone()) />
                }.into_any()
            }}
        </div>
    }
}

/// `/admin/prices/items/:id`.
#[component]
pub fn AdminPriceItemPage() -> impl IntoView {
    let l = use_locale();
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let saved = use_query_map().get_untracked().get("saved").is_some();
    let error = crate::shell::action_error::<SavePriceItem>();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, ied_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (id, error) = (id.clone(), error.clone());
                Suspend::new(async move {
                    let e = match price_item_editor(id).await {
                        Ok(e) => e,
                        Err(AppError::NotFound) => return view! { <crate::shell::NotFoundPage /> }.into_any(),
                        Err(error) => return view! { <AccessProblem error /> }.into_any(),
                    };
                    let problems = match &error {
                        Some(AppError::Validation(p)) => p.clone(),
                        _ => Default::default(),
                    };
                    #[cfg(feature = "ssr")]
                    let f: ItemForm = (!problems.is_empty())
                        .then(|| crate::forms::recall(KEPT_ITEM))
                        .flatten()
                        .unwrap_or_else(|| e.form.clone());
                    #[cfg(not(feature = "ssr"))]
                    let f: ItemForm = e.form.clone();
                    let err = |k: &str| problems.get(k).map(|c| problem(l, c));
                    let group_error = err("ancillary_of");
                    let shoppable_error = err("shoppable");
                    let other_error = error.as_ref().is_some_and(|e| !matches!(e, AppError::Validation(_)));
                    view! {
                        <section class="page page--narrow" aria-labelledby="page-title">
                            <p class="breadcrumb"><a href="/admin/prices">{td_string!(l, pr_admin_title)}</a></p>
                            <h1 id="page-title">{td_string!(l, ied_title)}</h1>
                            <p class="lead">{e.description.clone()}</p>
                            <p class="muted">{e.codes.clone()}</p>
                            <p><a href=format!("/prices/{}", e.id)>{td_string!(l, ied_public_page)}</a></p>
                            {saved.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, ied_saved)}</p> })}
                            {(!problems.is_empty()).then(|| view! { <p class="notice notice--error" role="alert">{td_string!(l, cv_check)}</p> })}
                            {other_error.then(|| view! { <p class="notice notice--error" role="alert">{td_string!(l, try_later)}</p> })}
                            <form class="form" method="post" action={<SavePriceItem as ServerFn>::PATH}>
                                <input type="hidden" name="item_id" value=e.id.clone() />
                                <TextField name="name_en" label=td_string!(l, ied_name_en) value=f.name_en.clone() error=err("name_en") />
                                <TextField name="name_es" label=td_string!(l, ied_name_es) value=f.name_es.clone() error=err("name_es") />
                                <TextField name="summary_en" label=td_string!(l, ied_summary_en) value=f.summary_en.clone() error=err("summary_en") long=true />
                                <TextField name="summary_es" label=td_string!(l, ied_summary_es) value=f.summary_es.clone() error=err("summary_es") long=true />
                                <div class="field" class:field--invalid=shoppable_error.is_some()>
                                    {shoppable_error.map(|m| view! { <p class="field__error" id="ied-shoppable-error">{m}</p> })}
                                    <label class="choice"><input name="shoppable" type="checkbox" value="on" checked=f.shoppable
                                        aria-describedby=shoppable_error.map(|_| "ied-shoppable-error") /> {td_string!(l, ied_shoppable)}</label>
                                </div>
                                <div class="field" class:field--invalid=group_error.is_some()>
                                    <label for="ied-group">{td_string!(l, ied_group)}</label>
                                    <p class="field__hint muted" id="ied-group-hint">{td_string!(l, ied_group_hint)}</p>
                                    {group_error.map(|m| view! { <p class="field__error" id="ied-group-error">{m}</p> })}
                                    <select id="ied-group" name="ancillary_of"
                                        aria-describedby=if group_error.is_some() { "ied-group-error ied-group-hint" } else { "ied-group-hint" }>
                                        <option value="" selected=f.ancillary_of.is_empty()>{td_string!(l, ied_no_group)}</option>
                                        {e.heads.iter().map(|(hid, name)| view! {
                                            <option value=hid.clone() selected=*hid == f.ancillary_of>{name.clone()}</option>
                                        }).collect_view()}
                                    </select>
                                </div>
                                <button class="button" type="submit">{td_string!(l, ied_save)}</button>
                            </form>
                            <super::figures_ui::ChargeFigures item_id=e.id.clone() charges=e.charges.clone() l />
                            <section class="record-section" aria-labelledby="ied-history">
                                <h2 id="ied-history">{td_string!(l, cv_history)}</h2>
                                {if e.history.is_empty() {
                                    view! { <p class="empty">{td_string!(l, ied_history_none)}</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="record-list">
                                            {e.history.iter().map(|h| view! { <li>{h.at.clone()} " · " {h.by.clone()} " · " {change_text(l, &h.what)}</li> }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                        </section>
                    }.into_any()
                })
            }}
        </Suspense>
    }
}

/// On a price's page, for administrators: the way to its editor.
#[component]
pub fn EditItemLink(item_id: String) -> impl IntoView {
    let l = use_locale();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let item_id = item_id.clone();
                Suspend::new(async move {
                    let admin = matches!(crate::shell::load_signed_in().await,
                        Ok(Some(me)) if me.roles.iter().any(|r| r == "administrator"));
                    admin.then(|| view! {
                        <p><a href=format!("/admin/prices/items/{item_id}")>{td_string!(l, ied_edit_link)}</a></p>
                    })
                })
            }}
        </Suspense>
    }
}
