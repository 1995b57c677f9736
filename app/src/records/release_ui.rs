//! `/admin/records/release`: administrators set how long each kind of result waits before it
//! reaches the patient's portal. One plain form per kind.

#[cfg(feature = "ssr")]
use super::release::KEPT_RELEASE;
use super::release::{release_rules, SaveReleaseRule};
use crate::admin::AccessProblem;
use crate::error::AppError;
use crate::i18n::td_string;
use crate::locale::{use_locale, Locale};
use crate::organisation::PRODUCT_NAME;
use crate::shell::Loading;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use server_fn::ServerFn;

fn category_name(l: Locale, category: &str) -> &'static str {
    match category {
        "vital-signs" => td_string!(l, rel_vital_signs),
        "imaging" => td_string!(l, ent_category_imaging),
        "pathology" => td_string!(l, ent_category_pathology),
        _ => td_string!(l, ent_category_laboratory),
    }
}

/// "At once", or "72 hours (3 days)".
fn delay_text(l: Locale, hours: i32) -> String {
    match hours {
        0 => td_string!(l, rel_at_once).to_string(),
        h if h % 24 == 0 => format!(
            "{h} {} ({} {})",
            td_string!(l, rel_hours),
            h / 24,
            td_string!(l, rel_days)
        ),
        h => format!("{h} {}", td_string!(l, rel_hours)),
    }
}

/// `/admin/records/release`.
#[component]
pub fn ReleaseRulesPage() -> impl IntoView {
    let l = use_locale();
    let saved = use_query_map().get_untracked().get("saved");
    let error = crate::shell::action_error::<SaveReleaseRule>();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, rel_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (saved, error) = (saved.clone(), error.clone());
                Suspend::new(async move {
                    let rules = match release_rules().await {
                        Ok(r) => r,
                        Err(error) => return view! { <AccessProblem error /> }.into_any(),
                    };
                    let problems = match &error {
                        Some(AppError::Validation(p)) => p.clone(),
                        _ => Default::default(),
                    };
                    #[cfg(feature = "ssr")]
                    let kept: Option<(String, String)> = (!problems.is_empty())
                        .then(|| crate::forms::recall(KEPT_RELEASE))
                        .flatten();
                    #[cfg(not(feature = "ssr"))]
                    let kept: Option<(String, String)> = None;
                    let other_error = error.as_ref().is_some_and(|e| !matches!(e, AppError::Validation(_)));
                    view! {
                        <section class="page page--narrow" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, rel_title)}</h1>
                            <p class="lead">{td_string!(l, rel_intro)}</p>
                            {saved.as_deref().map(|c| view! {
                                <p class="notice notice--ok" role="status">{td_string!(l, rel_saved)} " " {category_name(l, c)}</p>
                            })}
                            {(!problems.is_empty()).then(|| view! { <p class="notice notice--error" role="alert">{td_string!(l, cv_check)}</p> })}
                            {other_error.then(|| view! { <p class="notice notice--error" role="alert">{td_string!(l, try_later)}</p> })}
                            {rules.into_iter().map(|r| {
                                let id = format!("rel-{}", r.category);
                                let error_id = format!("{id}-error");
                                let hint_id = format!("{id}-hint");
                                let error = problems.get(&r.category).map(|p| match p.as_str() {
                                    "range" => td_string!(l, rel_err_range),
                                    _ => td_string!(l, rel_err_hours),
                                });
                                let value = kept.as_ref()
                                    .filter(|(c, _)| *c == r.category)
                                    .map(|(_, v)| v.clone())
                                    .unwrap_or_else(|| r.delay_hours.to_string());
                                let described = if error.is_some() { format!("{error_id} {hint_id}") } else { hint_id.clone() };
                                view! {
                                    <form class="form release-rule" method="post" action={<SaveReleaseRule as ServerFn>::PATH}
                                        aria-labelledby=format!("{id}-title")>
                                        <h2 id=format!("{id}-title")>{category_name(l, &r.category)}</h2>
                                        <input type="hidden" name="category" value=r.category.clone() />
                                        <p class="muted" id=hint_id.clone()>
                                            {td_string!(l, rel_now)} " " {delay_text(l, r.delay_hours)}
                                            {(r.waiting > 0).then(|| format!(" · {} {}", r.waiting, td_string!(l, rel_waiting)))}
                                        </p>
                                        <div class="field" class:field--invalid=error.is_some()>
                                            <label for=id.clone()>{td_string!(l, rel_delay_label)}</label>
                                            {error.map(|e| view! { <p class="field__error" id=error_id.clone()>{e}</p> })}
                                            <input id=id.clone() name="delay_hours" type="text" inputmode="numeric" maxlength="5"
                                                autocomplete="off" required value=value
                                                aria-invalid=error.map(|_| "true") aria-describedby=described />
                                        </div>
                                        <button class="button" type="submit">{td_string!(l, rel_save)}</button>
                                    </form>
                                }
                            }).collect_view()}
                        </section>
                    }.into_any()
                })
            }}
        </Suspense>
    }
}
