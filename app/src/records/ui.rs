//! The records pages, rendered on the server and complete without JavaScript: the summary,
//! results by report, one test's trend (an SVG chart with the same values as the table under
//! it), and the import page with its per-entry problems.

use super::api::{
    import_page, import_problems, records_results, records_summary, result_trend, ImportBundle,
    KeepValidEntries,
};
use super::domain::*;
use crate::error::AppError;
use crate::i18n::{td, td_string};
use crate::locale::{use_locale, Locale};
use crate::organisation::PRODUCT_NAME;
use crate::shell::Loading;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use server_fn::ServerFn;

fn query(name: &str) -> String {
    use_query_map()
        .get_untracked()
        .get(name)
        .unwrap_or_default()
}

fn patient_query(id: &str) -> String {
    format!("?patient={id}")
}

#[component]
fn RecordsProblem(error: AppError) -> impl IntoView {
    let l = use_locale();
    view! {
        <crate::shell::PatientPageProblem
            error
            title=td_string!(l, rec_title)
            no_patient=td_string!(l, rec_no_patient)
            sign_in=td_string!(l, rec_sign_in_needed)
        />
    }
}

/// The records section's own links, the current one marked.
#[component]
fn RecordsNav(patient_id: String, current: &'static str) -> impl IntoView {
    let l = use_locale();
    let q = patient_query(&patient_id);
    let link = move |href: String, key: &'static str, label: &'static str| {
        view! {
            <li><a href=href aria-current=(current == key).then_some("page")>{label}</a></li>
        }
    };
    view! {
        <nav class="subnav" aria-label=td_string!(l, rec_nav_label)>
            <ul>
                {link(format!("/records{q}"), "summary", td_string!(l, rec_summary))}
                {link(format!("/records/results{q}"), "results", td_string!(l, rec_results))}
                {link(format!("/records/import{q}"), "import", td_string!(l, rec_import))}
            </ul>
        </nav>
    }
}

fn status_word(l: Locale, status: &str) -> String {
    match status {
        "active" => td_string!(l, rec_status_active).to_string(),
        "resolved" => td_string!(l, rec_status_resolved).to_string(),
        "inactive" => td_string!(l, rec_status_inactive).to_string(),
        "remission" => td_string!(l, rec_status_remission).to_string(),
        "recurrence" | "relapse" => td_string!(l, rec_status_recurrence).to_string(),
        other => other.to_string(),
    }
}

fn detail_label(l: Locale, key: &str) -> &'static str {
    match key {
        "reaction" => td_string!(l, rec_reaction),
        "severity" => td_string!(l, rec_severity),
        "dose" => td_string!(l, rec_dose),
        "instructions" => td_string!(l, rec_instructions),
        "prescriber" => td_string!(l, rec_prescriber),
        _ => td_string!(l, rec_value),
    }
}

fn detail_value(l: Locale, key: &str, value: &str) -> String {
    if key != "severity" {
        return value.to_string();
    }
    match value {
        "mild" => td_string!(l, rec_sev_mild).to_string(),
        "moderate" => td_string!(l, rec_sev_moderate).to_string(),
        "severe" => td_string!(l, rec_sev_severe).to_string(),
        "high" => td_string!(l, rec_sev_high).to_string(),
        "low" => td_string!(l, rec_sev_low).to_string(),
        other => other.to_string(),
    }
}

fn source_text(l: Locale, source: &Option<String>) -> String {
    match source {
        Some(name) => td_string!(l, rec_source_outside).replace("%name%", name),
        None => td_string!(l, rec_source_here).to_string(),
    }
}

#[component]
fn Item(item: ItemView, show_status: bool) -> impl IntoView {
    let l = use_locale();
    let meta = [
        (!item.date.is_empty()).then(|| item.date.clone()),
        show_status.then(|| status_word(l, &item.status)),
        Some(source_text(l, &item.source)),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    view! {
        <li class="record-item">
            <p class="record-item__name">{item.display.clone()}</p>
            {(!item.details.is_empty()).then(|| view! {
                <dl class="record-item__details">
                    {item.details.iter().map(|(k, v)| view! {
                        <div><dt>{detail_label(l, k)}</dt><dd>{detail_value(l, k, v)}</dd></div>
                    }).collect_view()}
                </dl>
            })}
            <p class="muted">{meta}</p>
            {item.learn.clone().map(|(title, href)| view! {
                <p><a href=href aria-label=format!("{}: {title}", td_string!(l, rec_learn))>{td_string!(l, rec_learn)}</a></p>
            })}
        </li>
    }
}

#[component]
fn Section(
    title: &'static str,
    empty: &'static str,
    items: Vec<ItemView>,
    #[prop(optional)] show_status: bool,
    id: &'static str,
) -> impl IntoView {
    view! {
        <section class="record-section" aria-labelledby=id>
            <h2 id=id>{title}</h2>
            {if items.is_empty() {
                view! { <p class="empty">{empty}</p> }.into_any()
            } else {
                view! {
                    <ul class="record-list">
                        {items.into_iter().map(|item| view! { <Item item show_status /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// `/records`: the health summary.
#[component]
pub fn RecordsPage() -> impl IntoView {
    let l = use_locale();
    let patient = query("patient");
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, rec_title)) />
        <Suspense fallback=Loading>
            {move || {
                let patient = patient.clone();
                Suspend::new(async move {
                    let s = match records_summary(Some(patient).filter(|p| !p.is_empty())).await {
                        Ok(s) => s,
                        Err(error) => return view! { <RecordsProblem error /> }.into_any(),
                    };
                    let name = s.patient_name.clone();
                    let q = patient_query(&s.patient_id);
                    let new_results = s.new_results;
                    view! {
                        <section class="page" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, rec_title)}</h1>
                            <p class="muted">{td!(l, ms_for, name = move || name.clone())}</p>
                            <RecordsNav patient_id=s.patient_id.clone() current="summary" />
                            {(new_results > 0).then(|| view! {
                                <p class="notice" role="status">
                                    <a href=format!("/records/results{q}")>
                                        {td_string!(l, rec_new_results).replace("%count%", &new_results.to_string())}
                                    </a>
                                </p>
                            })}
                            {s.hidden_confidential.then(|| view! {
                                <p class="muted">{td_string!(l, confidential_hidden)}</p>
                            })}
                            <div class="record-grid">
                                <Section id="conditions" title=td_string!(l, rec_conditions) empty=td_string!(l, rec_no_conditions) items=s.conditions.clone() show_status=true />
                                <Section id="allergies" title=td_string!(l, rec_allergies) empty=td_string!(l, rec_no_allergies) items=s.allergies.clone() />
                                <Section id="medications" title=td_string!(l, rec_medications) empty=td_string!(l, rec_no_medications) items=s.medications.clone() />
                                <Section id="immunizations" title=td_string!(l, rec_immunizations) empty=td_string!(l, rec_no_immunizations) items=s.immunizations.clone() />
                                <Section id="vitals" title=td_string!(l, rec_vitals) empty=td_string!(l, rec_no_vitals) items=s.vitals.clone() />
                            </div>
                            <section class="record-section" aria-labelledby="take-it">
                                <h2 id="take-it">{td_string!(l, rec_take_it)}</h2>
                                <p>{td_string!(l, rec_export_hint)}</p>
                                <p><a class="button" href=format!("/records/export.json{q}") download="health-record.json">{td_string!(l, rec_export)}</a></p>
                                {(!s.sources.is_empty()).then(|| view! {
                                    <h3>{td_string!(l, rec_outside_records)}</h3>
                                    <ul>
                                        {s.sources.iter().map(|(name, at)| view! { <li>{name.clone()} " · " {at.clone()}</li> }).collect_view()}
                                    </ul>
                                })}
                            </section>
                        </section>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

pub(super) fn flag_words(l: Locale, flag: Flag) -> &'static str {
    match flag {
        Flag::High => td_string!(l, rec_flag_high),
        Flag::Low => td_string!(l, rec_flag_low),
        Flag::CriticalHigh => td_string!(l, rec_flag_critical_high),
        Flag::CriticalLow => td_string!(l, rec_flag_critical_low),
        Flag::Abnormal => td_string!(l, rec_flag_abnormal),
        Flag::Normal => td_string!(l, rec_flag_normal),
        Flag::Unknown => "",
    }
}

fn flag_class(flag: Flag) -> &'static str {
    match flag {
        Flag::High | Flag::Low | Flag::Abnormal => "flag flag--out",
        Flag::CriticalHigh | Flag::CriticalLow => "flag flag--critical",
        Flag::Normal => "flag flag--normal",
        Flag::Unknown => "flag",
    }
}

#[component]
fn ResultLine(row: ResultRow, patient_id: String) -> impl IntoView {
    let l = use_locale();
    let trend = row
        .code
        .clone()
        .filter(|_| row.count > 1)
        .map(|code| format!("/records/results/{code}{}", patient_query(&patient_id)));
    let flag = row.flag;
    view! {
        <tr class:result--out=flag.is_abnormal()>
            <th scope="row">
                {row.display.clone()}
                {row.new.then(|| view! { " " <span class="badge badge--new">{td_string!(l, rec_new)}</span> })}
            </th>
            <td>
                <span class="result__value">{row.value.clone()}</span>
                {(!row.range.is_empty()).then(|| view! {
                    <br /><span class="muted result__range">{td_string!(l, rec_usual_short).replace("%range%", &row.range)}</span>
                })}
            </td>
            <td>
                {(flag != Flag::Unknown).then(|| view! { <span class=flag_class(flag)>{flag_words(l, flag)}</span> })}
                {row.learn.clone().map(|(title, href)| view! {
                    <br /><a href=href aria-label=format!("{}: {title}", td_string!(l, rec_learn))>{td_string!(l, rec_learn)}</a>
                })}
                {trend.map(|href| view! {
                    <br /><a href=href aria-label=format!("{}: {}", td_string!(l, rec_see_trend), row.display)>{td_string!(l, rec_see_trend)}</a>
                })}
            </td>
        </tr>
    }
}

/// `/records/results`: results by report, newest first.
#[component]
pub fn ResultsPage() -> impl IntoView {
    let l = use_locale();
    let patient = query("patient");
    let all = query("all") == "1";
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, rec_results)) />
        <Suspense fallback=Loading>
            {move || {
                let patient = patient.clone();
                Suspend::new(async move {
                    let r = match records_results(Some(patient).filter(|p| !p.is_empty()), Some(all)).await {
                        Ok(r) => r,
                        Err(error) => return view! { <RecordsProblem error /> }.into_any(),
                    };
                    let name = r.patient_name.clone();
                    let patient_id = r.patient_id.clone();
                    view! {
                        <section class="page" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, rec_results)}</h1>
                            <p class="muted">{td!(l, ms_for, name = move || name.clone())}</p>
                            <RecordsNav patient_id=r.patient_id.clone() current="results" />
                            {r.hidden_confidential.then(|| view! { <p class="muted">{td_string!(l, confidential_hidden)}</p> })}
                            {r.reports.is_empty().then(|| view! { <p class="empty">{td_string!(l, rec_no_results)}</p> })}
                            {r.reports.iter().cloned().enumerate().map(|(i, report)| {
                                let heading = if report.display.is_empty() { report.date.clone() } else { report.display.clone() };
                                let id = format!("report-{i}");
                                let meta = [
                                    (!report.display.is_empty()).then(|| report.date.clone()),
                                    Some(source_text(l, &report.source)),
                                ].into_iter().flatten().collect::<Vec<_>>().join(" · ");
                                let patient_id = patient_id.clone();
                                view! {
                                    <section class="report" aria-labelledby=format!("{id} {id}-meta")>
                                        <h2 id=id.clone()>{heading}</h2>
                                        <p class="muted" id=format!("{id}-meta")>{meta}</p>
                                        {report.conclusion.clone().map(|c| view! { <p>{c}</p> })}
                                            <table class="results" aria-labelledby=id.clone()>
                                                <thead><tr>
                                                    <th scope="col">{td_string!(l, rec_test)}</th>
                                                    <th scope="col">{td_string!(l, rec_value)}</th>
                                                    <th scope="col">{td_string!(l, rec_meaning)}</th>
                                                </tr></thead>
                                                <tbody>
                                                    {report.rows.into_iter().map(|row| view! { <ResultLine row patient_id=patient_id.clone() /> }).collect_view()}
                                                </tbody>
                                            </table>
                                    </section>
                                }
                            }).collect_view()}
                            {(r.more > 0).then(|| view! {
                                <p><a class="button button--secondary" href=format!("/records/results?patient={}&all=1", r.patient_id)>
                                    {td_string!(l, rec_show_all).replace("%count%", &r.more.to_string())}
                                </a></p>
                            })}
                        </section>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

#[component]
fn TrendChart(trend: TrendView) -> impl IntoView {
    let l = use_locale();
    let g = chart(&trend.points, trend.low, trend.high);
    let description = td_string!(l, rec_chart_desc)
        .replace("%count%", &trend.points.len().to_string())
        .replace(
            "%first%",
            &trend
                .points
                .first()
                .map(|p| p.date.clone())
                .unwrap_or_default(),
        )
        .replace(
            "%last%",
            &trend
                .points
                .last()
                .map(|p| p.date.clone())
                .unwrap_or_default(),
        )
        .replace("%range%", &range_text(trend.low, trend.high));
    view! {
        <figure class="trend">
            <svg class="trend__chart" viewBox=format!("0 0 {CHART_W} {CHART_H}") role="img"
                aria-labelledby="chart-title chart-desc" preserveAspectRatio="xMidYMid meet">
                <title id="chart-title">{trend.display.clone()}</title>
                <desc id="chart-desc">{description}</desc>
                {g.band.map(|(top, bottom)| view! {
                    <rect class="trend__band" x="44" y=top.to_string() width="264" height=(bottom - top).max(0.0).to_string() />
                })}
                <line class="trend__axis" x1="44" y1="152" x2="308" y2="152" />
                {g.y_labels.iter().map(|(y, label)| view! {
                    <text class="trend__label" x="38" y=(y + 4.0).to_string() text-anchor="end">{label.clone()}</text>
                }).collect_view()}
                {g.x_labels.iter().enumerate().map(|(i, (x, label))| view! {
                    <text class="trend__label" x=x.to_string() y="170" text-anchor=if i == 0 { "start" } else { "end" }>{label.clone()}</text>
                }).collect_view()}
                <polyline class="trend__line" points=g.line.clone() />
                {(!g.second_line.is_empty()).then(|| view! { <polyline class="trend__line trend__line--second" points=g.second_line.clone() /> })}
                {g.dots.iter().map(|&(x, y, out)| view! {
                    <circle class="trend__dot" class:trend__dot--out=out cx=x.to_string() cy=y.to_string() r="4" />
                }).collect_view()}
                {g.second_dots.iter().map(|&(x, y)| view! {
                    <circle class="trend__dot trend__dot--second" cx=x.to_string() cy=y.to_string() r="3.5" />
                }).collect_view()}
            </svg>
            <figcaption class="muted">{td_string!(l, rec_chart_caption)}</figcaption>
        </figure>
    }
}

/// `/records/results/:code`: one test's values over time.
#[component]
pub fn TrendPage() -> impl IntoView {
    let l = use_locale();
    let patient = query("patient");
    let code = use_params_map()
        .get_untracked()
        .get("code")
        .unwrap_or_default();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, rec_trend_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (patient, code) = (patient.clone(), code.clone());
                Suspend::new(async move {
                    let t = match result_trend(Some(patient).filter(|p| !p.is_empty()), code).await {
                        Ok(t) => t,
                        Err(AppError::NotFound) => return view! {
                            <section class="page page--narrow" aria-labelledby="page-title">
                                <h1 id="page-title">{td_string!(l, rec_trend_title)}</h1>
                                <p class="empty">{td_string!(l, rec_no_trend)}</p>
                                <p><a href="/records/results">{td_string!(l, rec_back_to_results)}</a></p>
                            </section>
                        }.into_any(),
                        Err(error) => return view! { <RecordsProblem error /> }.into_any(),
                    };
                    let name = t.patient_name.clone();
                    let unit = t.unit.clone();
                    let back = format!("/records/results{}", patient_query(&t.patient_id));
                    view! {
                        <section class="page" aria-labelledby="page-title">
                            <p><a href=back>{td_string!(l, rec_back_to_results)}</a></p>
                            <h1 id="page-title">{t.display.clone()}</h1>
                            <p class="muted">{td!(l, ms_for, name = move || name.clone())}</p>
                            {(t.low.is_some() || t.high.is_some()).then(|| view! {
                                <p>{td_string!(l, rec_usual_range).replace("%range%", &format!("{} {}", range_text(t.low, t.high), unit))}</p>
                            })}
                            <TrendChart trend=t.clone() />
                                <table class="results">
                                    <caption id="values-title">{td_string!(l, rec_values_caption)}</caption>
                                    <thead><tr>
                                        <th scope="col">{td_string!(l, rec_date)}</th>
                                        <th scope="col">{td_string!(l, rec_value)}</th>
                                        <th scope="col">{td_string!(l, rec_meaning)}</th>
                                    </tr></thead>
                                    <tbody>
                                        {t.points.iter().rev().map(|p| view! {
                                            <tr>
                                                <th scope="row">{p.date.clone()}</th>
                                                <td class="result__value">{format!("{} {}", pair_text(p.value, p.second), t.unit)}
                                                    {p.patient_reported.then(|| view! { " " <span class="badge">{td_string!(l, rec_patient_reported)}</span> })}
                                                </td>
                                                <td>{(p.flag != Flag::Unknown).then(|| view! { <span class=flag_class(p.flag)>{flag_words(l, p.flag)}</span> })}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            {t.learn.clone().map(|(title, href)| view! {
                                <p><a href=href>{td_string!(l, rec_learn)} ": " {title}</a></p>
                            })}
                        </section>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

fn problem_words(l: Locale, kind: &str) -> &'static str {
    match kind {
        "not_json" => td_string!(l, rec_problem_not_json),
        "not_a_bundle" => td_string!(l, rec_problem_not_a_bundle),
        "too_large" => td_string!(l, rec_problem_too_large),
        "too_many_entries" => td_string!(l, rec_problem_too_many),
        "unsupported_type" => td_string!(l, rec_problem_unsupported),
        "missing" => td_string!(l, rec_problem_missing),
        "wrong_type" => td_string!(l, rec_problem_wrong_type),
        "bad_date" => td_string!(l, rec_problem_bad_date),
        "unknown_reference" => td_string!(l, rec_problem_reference),
        "other_patient" => td_string!(l, rec_problem_other_patient),
        "several_patients" => td_string!(l, rec_problem_several_patients),
        _ => td_string!(l, rec_problem_other),
    }
}

#[component]
fn ImportProblems(pending_id: String) -> impl IntoView {
    let l = use_locale();
    let report = Resource::new_blocking(|| (), move |_| import_problems(pending_id.clone()));
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                let report = match report.await {
                    Ok(r) => r,
                    Err(_) => return view! { <p class="notice notice--error" role="alert">{td_string!(l, rec_import_failed)}</p> }.into_any(),
                };
                let shown = report.problems.iter().take(200).cloned().collect::<Vec<_>>();
                let more = report.problems.len().saturating_sub(shown.len());
                view! {
                    <div class="notice notice--error" role="alert" aria-labelledby="problems-title">
                        <h2 id="problems-title">{td_string!(l, rec_import_problems)}</h2>
                        <p>{td_string!(l, rec_nothing_stored)}</p>
                        <ul class="problems">
                            {shown.into_iter().map(|(entry, rt, field, kind)| {
                                let place = if entry == 0 {
                                    td_string!(l, rec_the_file).to_string()
                                } else {
                                    td_string!(l, rec_entry).replace("%n%", &entry.to_string())
                                };
                                let what = [rt, field].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ");
                                view! {
                                    <li><strong>{place}</strong>
                                        {(!what.is_empty()).then(|| view! { " (" <code>{what.clone()}</code> ")" })}
                                        ": " {problem_words(l, &kind)}</li>
                                }
                            }).collect_view()}
                        </ul>
                        {(more > 0).then(|| view! { <p>{td_string!(l, rec_more_problems).replace("%count%", &more.to_string())}</p> })}
                    </div>
                    {(report.valid_entries > 0).then(|| view! {
                        <form method="post" action={<KeepValidEntries as ServerFn>::PATH} class="form">
                            <input type="hidden" name="pending_id" value=report.pending_id.clone().unwrap_or_default() />
                            <p>{td_string!(l, rec_keep_valid_hint).replace("%count%", &report.valid_entries.to_string())}</p>
                            <button type="submit" class="button button--secondary">
                                {td_string!(l, rec_keep_valid).replace("%count%", &report.valid_entries.to_string())}
                            </button>
                        </form>
                    })}
                }.into_any()
            })}
        </Suspense>
    }
}

/// `/records/import`: upload a FHIR R4 Bundle from another provider.
#[component]
pub fn ImportRecordsPage() -> impl IntoView {
    let l = use_locale();
    let patient = query("patient");
    let added = query("added");
    let already = query("already");
    let error = crate::shell::posted_error(<ImportBundle as ServerFn>::PATH);
    let keep_error = crate::shell::posted_error(<KeepValidEntries as ServerFn>::PATH);
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, rec_import_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (patient, added, already, error, keep_error) =
                    (patient.clone(), added.clone(), already.clone(), error.clone(), keep_error.clone());
                Suspend::new(async move {
                    let page = match import_page(Some(patient).filter(|p| !p.is_empty())).await {
                        Ok(p) => p,
                        Err(error) => return view! { <RecordsProblem error /> }.into_any(),
                    };
                    let name = page.patient_name.clone();
                    let pending = match &error {
                        Some(AppError::Validation(f)) => f.get("pending").cloned(),
                        _ => None,
                    };
                    let other_error = error.as_ref().filter(|_| pending.is_none()).or(keep_error.as_ref()).cloned();
                    view! {
                        <section class="page page--narrow" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, rec_import_title)}</h1>
                            <p class="muted">{td!(l, ms_for, name = move || name.clone())}</p>
                            <RecordsNav patient_id=page.patient_id.clone() current="import" />
                            {(!added.is_empty()).then(|| {
                                let text = if added == "0" {
                                    td_string!(l, rec_import_nothing_new).replace("%already%", &already)
                                } else {
                                    td_string!(l, rec_import_done).replace("%added%", &added).replace("%already%", &already)
                                };
                                view! { <p class="notice notice--ok" role="status">{text}</p> }
                            })}
                            {pending.map(|pending_id| view! { <ImportProblems pending_id /> })}
                            {other_error.map(|e| view! {
                                <p class="notice notice--error" role="alert">{match e {
                                    AppError::Forbidden => td_string!(l, forbidden_body),
                                    AppError::NotFound => td_string!(l, rec_import_expired),
                                    _ => td_string!(l, rec_import_failed),
                                }}</p>
                            })}
                            <p>{td_string!(l, rec_import_intro)}</p>
                            <form method="post" action={<ImportBundle as ServerFn>::PATH} enctype="multipart/form-data" class="form">
                                <input type="hidden" name="patient_id" value=page.patient_id.clone() />
                                <div class="field">
                                    <label for="bundle">{td_string!(l, rec_bundle_label)}</label>
                                    <input id="bundle" name="bundle" type="file" accept=".json,application/json,application/fhir+json" required aria-describedby="bundle-hint" />
                                    <p id="bundle-hint" class="field__hint">{td_string!(l, rec_bundle_hint)}</p>
                                </div>
                                <button type="submit" class="button">{td_string!(l, rec_import_button)}</button>
                            </form>
                            {(!page.sources.is_empty()).then(|| view! {
                                <h2>{td_string!(l, rec_outside_records)}</h2>
                                <ul>
                                    {page.sources.iter().map(|(name, at)| view! { <li>{name.clone()} " · " {at.clone()}</li> }).collect_view()}
                                </ul>
                            })}
                        </section>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}
