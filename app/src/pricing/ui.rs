//! Price pages, rendered on the server: the public estimator (a GET form, so every search has
//! its own address and works without JavaScript), an item's page with every payer's rate, and
//! the administrators' catalogue page with its import form and history.

use super::api::{
    get_price, price_catalogue_admin, price_import_report, search_prices, ImportPriceCatalogue,
};
use super::domain::*;
use super::money::{format_percent, format_usd};
use crate::admin::AccessProblem;
use crate::error::AppError;
use crate::i18n::td_string;
use crate::library::urlencode;
use crate::locale::{use_locale, Locale};
use crate::organisation::PRODUCT_NAME;
use crate::shell::{posted_error, ErrorView, Loading, NotFoundPage};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};
use server_fn::ServerFn;

pub(super) fn code(l: Locale) -> String {
    leptos_i18n::Locale::as_str(l).to_string()
}

fn money(cents: Option<i64>) -> String {
    cents.map(format_usd).unwrap_or_else(|| "—".into())
}

pub(super) fn setting_name(l: Locale, setting: &str) -> &'static str {
    match setting {
        "inpatient" => td_string!(l, pr_setting_inpatient),
        "outpatient" => td_string!(l, pr_setting_outpatient),
        _ => td_string!(l, pr_setting_both),
    }
}

pub(super) fn methodology_name(l: Locale, m: &str) -> &'static str {
    match m {
        "case rate" => td_string!(l, pr_method_case_rate),
        "fee schedule" => td_string!(l, pr_method_fee_schedule),
        "percent of total billed charges" => td_string!(l, pr_method_percent),
        "per diem" => td_string!(l, pr_method_per_diem),
        _ => td_string!(l, pr_method_other),
    }
}

/// What a payer's rate is, in words: a dollar amount, a percentage of billed charges, or the
/// contract's formula, with the typical amount when the file gives one.
pub(super) fn rate_text(l: Locale, r: &RateView) -> String {
    let mut parts = Vec::new();
    if let Some(d) = r.dollar {
        parts.push(format_usd(d));
    }
    if let Some(p) = &r.percentage {
        parts.push(format!(
            "{} {}",
            format_percent(&code(l), p),
            td_string!(l, pr_of_billed)
        ));
    }
    if let Some(a) = &r.algorithm {
        parts.push(a.clone());
    }
    if let Some(m) = r.median {
        parts.push(format!("{} {}", td_string!(l, pr_typically), format_usd(m)));
    }
    parts.join(" · ")
}

/// What every price page says about what its figures include and leave out.
#[component]
fn IncludesNote() -> impl IntoView {
    let l = use_locale();
    view! {
        <aside class="notice price-note" aria-labelledby="price-note-title">
            <h2 id="price-note-title">{td_string!(l, pr_note_title)}</h2>
            <p>{td_string!(l, pr_note_includes)}</p>
            <p>{td_string!(l, pr_note_excludes)}</p>
            <p>{td_string!(l, pr_note_estimate)}</p>
        </aside>
    }
}

#[component]
fn PlanSelect(
    plans: Vec<PlanChoice>,
    chosen: Option<PlanChoice>,
    id: &'static str,
) -> impl IntoView {
    let l = use_locale();
    let chosen = chosen.map(|p| p.id).unwrap_or_default();
    view! {
        <div class="field">
            <label for=id>{td_string!(l, pr_plan_label)}</label>
            <select id=id name="plan">
                <option value="">{td_string!(l, pr_plan_none)}</option>
                {plans.into_iter().map(|p| {
                    let selected = p.id == chosen;
                    let label = p.label();
                    view! { <option value=p.id selected=selected>{label}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

/// The machine-readable files and the standard's name, under every public price page.
#[component]
fn MachineReadable() -> impl IntoView {
    let l = use_locale();
    view! {
        <section class="page price-files" aria-labelledby="files-title">
            <h2 id="files-title">{td_string!(l, pr_files_title)}</h2>
            <p>{td_string!(l, pr_files_intro)}</p>
            <ul>
                <li><a href="/prices/standard-charges.json" download>{td_string!(l, pr_file_json)}</a></li>
                <li><a href="/prices/standard-charges.csv" download>{td_string!(l, pr_file_csv)}</a></li>
            </ul>
        </section>
    }
}

/// `/prices`: search the catalogue by words or code; pick a plan to see its rate.
#[component]
pub fn PricesPage() -> impl IntoView {
    let l = use_locale();
    let q = use_query_map().get_untracked();
    let words = q.get("q").unwrap_or_default();
    let plan = q.get("plan").filter(|p| !p.is_empty());
    let page: i64 = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let drugs = q.get("drugs").filter(|d| d == "1");
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, pr_title)) />
        <Meta name="description" content=td_string!(l, pr_description) />
        <Suspense fallback=Loading>
            {move || {
                let words = words.clone();
                let plan = plan.clone();
                let drugs = drugs.clone();
                Suspend::new(async move {
                    match search_prices(code(l), Some(words.clone()), plan, Some(page), drugs).await {
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                        Ok(found) => view! { <PriceResults found words /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn PriceResults(found: PriceSearch, words: String) -> impl IntoView {
    let l = use_locale();
    let plan_query = found
        .plan
        .as_ref()
        .map(|p| format!("?plan={}", p.id))
        .unwrap_or_default();
    let mut query = Vec::new();
    if !words.is_empty() {
        query.push(format!("q={}", urlencode(&words)));
    }
    if let Some(p) = &found.plan {
        query.push(format!("plan={}", p.id));
    }
    if found.drugs_only {
        query.push("drugs=1".into());
    }
    let base = if query.is_empty() {
        "/prices".to_string()
    } else {
        format!("/prices?{}", query.join("&"))
    };
    let plan_label = found.plan.as_ref().map(PlanChoice::label);
    let total = found.total;
    let searched = !words.is_empty();
    view! {
        <section class="page prices" aria-labelledby="page-title">
            <h1 id="page-title">{td_string!(l, pr_title)}</h1>
            <p class="lead">{td_string!(l, pr_intro)}</p>
            <p><a href="/prices?drugs=1">{td_string!(l, pr_drug_list)}</a></p>
            <form class="price-search" method="get" action="/prices" role="search"
                aria-label=td_string!(l, pr_search_label)>
                <div class="field">
                    <label for="price-words">{td_string!(l, pr_words_label)}</label>
                    <input id="price-words" name="q" type="search" value=words.clone()
                        aria-describedby="price-words-hint" autocomplete="off" />
                    <p class="hint" id="price-words-hint">{td_string!(l, pr_words_hint)}</p>
                </div>
                <PlanSelect plans=found.plans.clone() chosen=found.plan.clone() id="price-plan" />
                <label class="choice"><input name="drugs" type="checkbox" value="1" checked=found.drugs_only /> {td_string!(l, pr_drugs_only)}</label>
                <div class="price-search__actions">
                    <button class="button" type="submit">{td_string!(l, pr_search_button)}</button>
                    {(searched || found.plan.is_some() || found.drugs_only).then(|| view! { <a href="/prices">{td_string!(l, pr_clear)}</a> })}
                </div>
            </form>
            <h2 id="results-title">{td_string!(l, pr_results_title)}</h2>
            <p class="muted" role="status">
                {if !found.published {
                    td_string!(l, pr_unpublished).to_string()
                } else if total == 0 {
                    td_string!(l, pr_none).to_string()
                } else {
                    format!("{total} {}", if total == 1 { td_string!(l, pr_result_one) } else { td_string!(l, pr_result_many) })
                }}
            </p>
            {(found.published && total == 0).then(|| view! {
                <p class="empty">{td_string!(l, pr_none_hint)} " " <a href="/prices">{td_string!(l, pr_clear)}</a></p>
            })}
            <ul class="price-cards" aria-labelledby="results-title">
                {found.items.into_iter().map(|card| {
                    let href = format!("/prices/{}{}", card.id, plan_query);
                    let plan_label = plan_label.clone();
                    view! {
                        <li class="price-card">
                            <h3><a href=href>{card.name.clone()}</a></h3>
                            {(!card.codes.is_empty()).then(|| view! { <p class="muted">{card.codes.clone()}</p> })}
                            {card.per.clone().map(|per| view! { <p class="muted">{format!("{}: {per}", td_string!(l, pr_priced))}</p> })}
                            <dl class="price-figures">
                                <div><dt>{td_string!(l, pr_cash)}</dt><dd>{money(card.cash)}</dd></div>
                                <div><dt>{td_string!(l, pr_gross)}</dt><dd>{money(card.gross)}</dd></div>
                                {card.low.map(|low| view! {
                                    <div><dt>{td_string!(l, pr_negotiated_range)}</dt>
                                        <dd>{format!("{} – {}", format_usd(low), money(card.high))}</dd></div>
                                })}
                                {plan_label.map(|label| view! {
                                    <div class="price-figures__plan"><dt>{format!("{}: {label}", td_string!(l, pr_your_plan))}</dt>
                                        <dd>{match (card.plan_dollar, card.plan_listed) {
                                            (Some(d), _) => format_usd(d),
                                            (None, true) => td_string!(l, pr_plan_formula).to_string(),
                                            (None, false) => td_string!(l, pr_plan_not_listed).to_string(),
                                        }}</dd></div>
                                })}
                            </dl>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <crate::library::Pager page=found.page pages=found.pages base />
        </section>
        <section class="page">
            <IncludesNote />
        </section>
        <MachineReadable />
    }
}

/// `/prices/:id`: one item's charges in each setting, with every payer's rate.
#[component]
pub fn PricePage() -> impl IntoView {
    let l = use_locale();
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let plan = use_query_map()
        .get_untracked()
        .get("plan")
        .filter(|p| !p.is_empty());
    view! {
        <Suspense fallback=Loading>
            {move || {
                let id = id.clone();
                let plan = plan.clone();
                Suspend::new(async move {
                    match get_price(code(l), id, plan).await {
                        Err(AppError::NotFound) => view! { <NotFoundPage /> }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                        Ok(detail) => view! { <PriceDetailView detail /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn PriceDetailView(detail: PriceDetail) -> impl IntoView {
    let l = use_locale();
    let chosen = detail.plan.clone();
    let chosen_id = chosen.as_ref().map(|p| p.id.clone()).unwrap_or_default();
    let plan_query = chosen
        .as_ref()
        .map(|p| format!("?plan={}", p.id))
        .unwrap_or_default();
    // The chosen plan's rates across the item's charges, said first and in words.
    let plan_rates: Vec<(String, RateView)> = detail
        .charges
        .iter()
        .flat_map(|c| {
            c.rates
                .iter()
                .filter(|r| r.plan_id == chosen_id)
                .map(move |r| (c.setting.clone(), r.clone()))
        })
        .collect();
    let ancillary_total: i64 = detail.ancillaries.iter().filter_map(|a| a.cash).sum();
    let head_cash = detail.charges.iter().filter_map(|c| c.cash).min();
    let action = format!("/prices/{}", detail.id);
    view! {
        <Title text=format!("{} · {} · {PRODUCT_NAME}", detail.name, td_string!(l, pr_title)) />
        <section class="page price-detail" aria-labelledby="page-title">
            <p class="breadcrumb"><a href=format!("/prices{plan_query}")>{td_string!(l, pr_back)}</a></p>
            <h1 id="page-title">{detail.name.clone()}</h1>
            {(!detail.summary.is_empty()).then(|| view! { <p class="lead">{detail.summary.clone()}</p> })}
            {(!detail.description.is_empty()).then(|| view! {
                <p class="muted">{format!("{}: {}", td_string!(l, pr_billed_as), detail.description)}</p>
            })}
            <p class="muted">{detail.codes.clone()} {detail.drug_unit.clone().map(|u| format!(" · {u}"))}</p>
            {detail.part_of.clone().map(|(id, name)| view! {
                <p>{td_string!(l, pr_part_of)} " " <a href=format!("/prices/{id}{plan_query}")>{name}</a></p>
            })}
            <form class="price-search" method="get" action=action aria-label=td_string!(l, pr_show_plan)>
                <PlanSelect plans=detail.plans.clone() chosen=chosen.clone() id="detail-plan" />
                <div class="price-search__actions">
                    <button class="button" type="submit">{td_string!(l, pr_show_plan)}</button>
                </div>
            </form>
            {chosen.clone().map(|p| {
                let label = p.label();
                if plan_rates.is_empty() {
                    view! {
                        <p class="notice" role="status">{format!("{label}: {}", td_string!(l, pr_plan_not_listed))}</p>
                    }.into_any()
                } else {
                    view! {
                        <div class="notice notice--ok" role="status">
                            <h2>{format!("{}: {label}", td_string!(l, pr_your_plan))}</h2>
                            <ul>
                                {plan_rates.iter().map(|(setting, r)| view! {
                                    <li>
                                        <strong>{rate_text(l, r)}</strong>
                                        {format!(" ({}, {})", setting_name(l, setting), methodology_name(l, &r.methodology))}
                                        {(!r.notes.is_empty()).then(|| view! { <br /><span class="muted">{r.notes.clone()}</span> })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        </div>
                    }.into_any()
                }
            })}
            <super::coverage_ui::MyEstimate item_id=detail.id.clone() />
            <super::editor_ui::EditItemLink item_id=detail.id.clone() />
            {detail.charges.iter().enumerate().map(|(n, c)| {
                let heading = if c.modifiers.is_empty() {
                    setting_name(l, &c.setting).to_string()
                } else {
                    format!("{} · {} {}", setting_name(l, &c.setting), td_string!(l, pr_modifiers), c.modifiers)
                };
                let table_id = format!("rates-{n}");
                view! {
                    <section class="price-charge" aria-labelledby=format!("charge-{n}")>
                        <h2 id=format!("charge-{n}")>{heading}</h2>
                        <dl class="price-figures">
                            <div><dt>{td_string!(l, pr_cash)}</dt><dd>{money(c.cash)}</dd></div>
                            <div><dt>{td_string!(l, pr_gross)}</dt><dd>{money(c.gross)}</dd></div>
                            {c.min.map(|min| view! {
                                <div><dt>{td_string!(l, pr_negotiated_range)}</dt>
                                    <dd>{format!("{} – {}", format_usd(min), money(c.max))}</dd></div>
                            })}
                        </dl>
                        {(!c.notes.is_empty()).then(|| view! { <p class="muted">{c.notes.clone()}</p> })}
                        {(!c.rates.is_empty()).then(|| view! {
                            <div class="table-scroll" role="region" aria-labelledby=table_id.clone() tabindex="0">
                                <table class="price-rates">
                                    <caption id=table_id.clone()>{td_string!(l, pr_rates_caption)}</caption>
                                    <thead><tr>
                                        <th scope="col">{td_string!(l, pr_payer)}</th>
                                        <th scope="col">{td_string!(l, pr_rate)}</th>
                                        <th scope="col">{td_string!(l, pr_method)}</th>
                                    </tr></thead>
                                    <tbody>
                                        {c.rates.iter().map(|r| {
                                            let mine = r.plan_id == chosen_id;
                                            view! {
                                                <tr class:price-rates__mine=mine>
                                                    <th scope="row">{format!("{} · {}", r.payer, r.plan)}
                                                        {mine.then(|| view! { <span class="badge badge--ok">{td_string!(l, pr_your_plan)}</span> })}</th>
                                                    <td>{rate_text(l, r)}
                                                        {(!r.notes.is_empty()).then(|| view! { <br /><span class="muted">{r.notes.clone()}</span> })}</td>
                                                    <td>{methodology_name(l, &r.methodology)}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        })}
                    </section>
                }
            }).collect_view()}
            {(!detail.ancillaries.is_empty()).then(|| view! {
                <section class="price-group" aria-labelledby="group-title">
                    <h2 id="group-title">{td_string!(l, pr_group_title)}</h2>
                    <p>{td_string!(l, pr_group_intro)}</p>
                    <ul>
                        {detail.ancillaries.iter().map(|a| view! {
                            <li><a href=format!("/prices/{}{plan_query}", a.id)>{a.name.clone()}</a>
                                {format!(" · {} {}", td_string!(l, pr_cash), money(a.cash))}</li>
                        }).collect_view()}
                    </ul>
                    {head_cash.map(|h| view! {
                        <p><strong>{format!("{}: {}", td_string!(l, pr_group_total), format_usd(h + ancillary_total))}</strong></p>
                    })}
                </section>
            })}
            <IncludesNote />
        </section>
        <MachineReadable />
    }
}

/// `/admin/prices`: the catalogue's size, the import form and the history of imports.
#[component]
pub fn AdminPricesPage() -> impl IntoView {
    let l = use_locale();
    let shown = use_query_map().get_untracked().get("import");
    let refused = posted_error(<ImportPriceCatalogue as ServerFn>::PATH);
    // A refused file's report is named by the error; an applied one by the address.
    let report_id = match &refused {
        Some(AppError::Validation(f)) => f.get("import").cloned(),
        _ => None,
    }
    .or(shown);
    let file_problem = match &refused {
        Some(AppError::Validation(f)) => f.get("file").cloned(),
        _ => None,
    };
    let other_error = refused.filter(|e| !matches!(e, AppError::Validation(_)));
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, pr_admin_title)) />
        <Suspense fallback=Loading>
            {move || {
                let report_id = report_id.clone();
                let file_problem = file_problem.clone();
                let other_error = other_error.clone();
                Suspend::new(async move {
                    let admin = match price_catalogue_admin().await {
                        Err(error) => return view! { <AccessProblem error /> }.into_any(),
                        Ok(a) => a,
                    };
                    let report = match report_id {
                        Some(id) => price_import_report(id).await.ok(),
                        None => None,
                    };
                    view! { <AdminPricesView admin report file_problem other_error /> }.into_any()
                })
            }}
        </Suspense>
    }
}

fn problem_words(l: Locale, key: &str) -> &'static str {
    match key {
        "required" => td_string!(l, pr_problem_required),
        "not_money" => td_string!(l, pr_problem_not_money),
        "sub_cent" => td_string!(l, pr_problem_sub_cent),
        "not_positive" => td_string!(l, pr_problem_not_positive),
        "too_large" => td_string!(l, pr_problem_too_large),
        "setting" => td_string!(l, pr_problem_setting),
        "code_type" => td_string!(l, pr_problem_code_type),
        "methodology" => td_string!(l, pr_problem_methodology),
        "no_rate" => td_string!(l, pr_problem_no_rate),
        "no_charge" => td_string!(l, pr_problem_no_charge),
        "count" | "count_required" => td_string!(l, pr_problem_count),
        "percentiles_required" => td_string!(l, pr_problem_percentiles),
        "other_needs_notes" | "zero_count_needs_notes" => td_string!(l, pr_problem_needs_notes),
        "drug_unit_required" | "drug_unit_type" => td_string!(l, pr_problem_drug_unit),
        "not_a_number" => td_string!(l, pr_problem_not_a_number),
        "not_a_date" => td_string!(l, pr_problem_not_a_date),
        "license_state" => td_string!(l, pr_problem_license_state),
        "not_attested" => td_string!(l, pr_problem_not_attested),
        "column_missing" | "no_header" | "no_columns" => td_string!(l, pr_problem_column_missing),
        "not_json" | "not_utf8" | "unreadable" => td_string!(l, pr_problem_unreadable),
        "no_items" => td_string!(l, pr_problem_no_items),
        "min_above_max" | "min_max_both" => td_string!(l, pr_problem_min_max),
        _ => td_string!(l, pr_problem_other),
    }
}

#[component]
fn AdminPricesView(
    admin: CatalogueAdmin,
    report: Option<ImportReport>,
    file_problem: Option<String>,
    other_error: Option<AppError>,
) -> impl IntoView {
    let l = use_locale();
    let (items, rates) = (admin.items, admin.rates);
    view! {
        <section class="page" aria-labelledby="page-title">
            <h1 id="page-title">{td_string!(l, pr_admin_title)}</h1>
            <p>
                {match &admin.hospital {
                    Some(h) => format!("{h}: {items} {} · {rates} {}", td_string!(l, pr_admin_items), td_string!(l, pr_admin_rates)),
                    None => td_string!(l, pr_admin_empty).to_string(),
                }}
            </p>
            <p><a href="/prices">{td_string!(l, pr_admin_public)}</a></p>
            {report.map(|r| view! { <ImportReportView report=r /> })}
            {file_problem.map(|p| view! {
                <p class="notice notice--error" role="alert">{if p == "too_large" {
                    td_string!(l, pr_file_too_large)
                } else {
                    td_string!(l, pr_file_missing)
                }}</p>
            })}
            {other_error.map(|e| view! {
                <p class="notice notice--error" role="alert">{match e {
                    AppError::Forbidden => td_string!(l, forbidden_body),
                    AppError::Unauthenticated => td_string!(l, signed_out_body),
                    _ => td_string!(l, try_later),
                }}</p>
            })}
            <h2 id="import-title">{td_string!(l, pr_import_title)}</h2>
            <p>{td_string!(l, pr_import_intro)}</p>
            <form class="form" method="post" action={<ImportPriceCatalogue as ServerFn>::PATH}
                enctype="multipart/form-data" aria-labelledby="import-title">
                <div class="field">
                    <label for="catalogue-file">{td_string!(l, pr_import_file)}</label>
                    <input id="catalogue-file" name="catalogue" type="file" accept=".csv,.json,text/csv,application/json" required
                        aria-describedby="catalogue-file-hint" />
                    <p class="hint" id="catalogue-file-hint">{td_string!(l, pr_import_hint)}</p>
                </div>
                <button class="button" type="submit">{td_string!(l, pr_import_button)}</button>
            </form>
            <h2 id="history-title">{td_string!(l, pr_history_title)}</h2>
            {if admin.imports.is_empty() {
                view! { <p class="empty">{td_string!(l, pr_history_empty)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll" role="region" aria-labelledby="history-title" tabindex="0">
                        <table>
                            <thead><tr>
                                <th scope="col">{td_string!(l, pr_history_when)}</th>
                                <th scope="col">{td_string!(l, pr_history_file)}</th>
                                <th scope="col">{td_string!(l, pr_history_by)}</th>
                                <th scope="col">{td_string!(l, pr_history_outcome)}</th>
                            </tr></thead>
                            <tbody>
                                {admin.imports.into_iter().map(|i| view! {
                                    <tr>
                                        <td>{i.at.clone()}</td>
                                        <td><a href=format!("/admin/prices?import={}", i.id)>{
                                            if i.file_name.is_empty() { i.format.to_uppercase() } else { i.file_name.clone() }
                                        }</a></td>
                                        <td>{i.by.clone()}</td>
                                        <td>{if i.applied {
                                            format!("{} · {} {}", td_string!(l, pr_applied), i.items, td_string!(l, pr_admin_items))
                                        } else {
                                            format!("{} · {} {}", td_string!(l, pr_refused), i.problem_count, td_string!(l, pr_problems))
                                        }}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn ImportReportView(report: ImportReport) -> impl IntoView {
    let l = use_locale();
    let s = report.summary;
    let name = if s.file_name.is_empty() {
        s.format.to_uppercase()
    } else {
        s.file_name.clone()
    };
    let row_word = if s.format == "json" {
        td_string!(l, pr_entry)
    } else {
        td_string!(l, pr_line)
    };
    if s.applied {
        return view! {
            <div class="notice notice--ok" role="status">
                <p>{format!("{name}: {} {} {} · {} {}", td_string!(l, pr_imported), s.items, td_string!(l, pr_admin_items), s.rates, td_string!(l, pr_admin_rates))}</p>
            </div>
        }
        .into_any();
    }
    let count = s.problem_count;
    view! {
        <div class="notice notice--error" role="alert" aria-labelledby="report-title">
            <h2 id="report-title">{format!("{name}: {}", td_string!(l, pr_report_title))}</h2>
            <p>{format!("{count} {}. {}", td_string!(l, pr_problems), td_string!(l, pr_report_intro))}</p>
            <div class="table-scroll" role="region" aria-labelledby="report-title" tabindex="0">
                <table class="import-problems">
                    <thead><tr>
                        <th scope="col">{row_word}</th>
                        <th scope="col">{td_string!(l, pr_column)}</th>
                        <th scope="col">{td_string!(l, pr_problem)}</th>
                        <th scope="col">{td_string!(l, pr_value)}</th>
                    </tr></thead>
                    <tbody>
                        {report.problems.into_iter().map(|p| view! {
                            <tr>
                                <td>{if p.row == 0 { td_string!(l, pr_whole_file).to_string() } else { p.row.to_string() }}</td>
                                <td><code>{p.column.clone()}</code></td>
                                <td>{problem_words(l, &p.problem)}</td>
                                <td>{p.value.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
    }
    .into_any()
}
