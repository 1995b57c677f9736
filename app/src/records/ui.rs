//! The records pages, rendered on the server and complete without JavaScript: the summary,
//! results by report, one test's trend (an SVG chart with the same values as the table under
//! it), and the import page with its per-entry problems.

use super::api::{
    care_plan, import_page, import_problems, records_documents, records_results, records_summary,
    records_visits, result_trend, ImportBundle, KeepValidEntries, MarkCareTask, WriteVisitSummary,
};
use super::domain::*;
use super::entry::EntryKind;
use super::renewal::RenewalStatus;
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
pub(crate) fn RecordsProblem(error: AppError) -> impl IntoView {
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
pub(crate) fn RecordsNav(patient_id: String, current: &'static str) -> impl IntoView {
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
                {link(format!("/records/visits{q}"), "visits", td_string!(l, rec_visits))}
                {link(format!("/records/care-plan{q}"), "care-plan", td_string!(l, rec_care_plan))}
                {link(format!("/records/documents{q}"), "documents", td_string!(l, rec_documents))}
                {link(format!("/records/readings{q}"), "readings", td_string!(l, rdg_nav))}
                {link(format!("/records/import{q}"), "import", td_string!(l, rec_import))}
                {link(format!("/records/share{q}"), "share", td_string!(l, shr_nav))}
            </ul>
        </nav>
    }
}

pub(super) fn status_word(l: Locale, status: &str) -> String {
    match status {
        "on-hold" => td_string!(l, ent_status_on_hold).to_string(),
        "stopped" => td_string!(l, ent_status_stopped).to_string(),
        "completed" => td_string!(l, ent_status_completed).to_string(),
        "not-done" => td_string!(l, ent_status_not_done).to_string(),
        "final" => td_string!(l, ent_status_final).to_string(),
        "preliminary" => td_string!(l, ent_status_preliminary).to_string(),
        "amended" => td_string!(l, ent_status_amended).to_string(),
        "finished" => td_string!(l, ent_status_finished).to_string(),
        "proposed" => td_string!(l, ent_status_proposed).to_string(),
        "cancelled" => td_string!(l, ent_status_cancelled).to_string(),
        "revoked" => td_string!(l, ent_status_revoked).to_string(),
        "active" => td_string!(l, rec_status_active).to_string(),
        "resolved" => td_string!(l, rec_status_resolved).to_string(),
        "inactive" => td_string!(l, rec_status_inactive).to_string(),
        "remission" => td_string!(l, rec_status_remission).to_string(),
        "recurrence" | "relapse" => td_string!(l, rec_status_recurrence).to_string(),
        other => other.to_string(),
    }
}

pub(super) fn detail_label(l: Locale, key: &str) -> &'static str {
    match key {
        "reaction" => td_string!(l, rec_reaction),
        "severity" => td_string!(l, rec_severity),
        "dose" => td_string!(l, rec_dose),
        "instructions" => td_string!(l, rec_instructions),
        "prescriber" => td_string!(l, rec_prescriber),
        "cash_price" => td_string!(l, rec_cash_price),
        _ => td_string!(l, rec_value),
    }
}

pub(super) fn detail_value(l: Locale, key: &str, value: &str) -> String {
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

pub(super) fn source_text(l: Locale, source: &Option<String>) -> String {
    match source {
        Some(name) => td_string!(l, rec_source_outside).replace("%name%", name),
        None => td_string!(l, rec_source_here).to_string(),
    }
}

/// Beside a medication: where its newest renewal request stands, and the way to ask for one
/// when none is open. Only this organisation's current prescriptions offer it.
#[component]
fn RenewalLine(item: ItemView, patient_id: String, status: Option<RenewalStatus>) -> impl IntoView {
    let l = use_locale();
    let ask = view! {
        <p>
            <a href=format!("/records/renewal?patient={patient_id}&medication={}", item.id)
                aria-label=format!("{}: {}", td_string!(l, rnw_ask), item.display)>
                {td_string!(l, rnw_ask)}
            </a>
        </p>
    };
    match status {
        Some(s) => {
            let words = td_string!(l, rnw_requested)
                .replace("%date%", &s.date)
                .replace("%status%", crate::messaging::status_name(l, &s.status));
            let open = s.open();
            view! {
                <p class="renewal-status">
                    <strong>{words}</strong>
                    " · "
                    <a href=format!("/messages/{}", s.conversation_id)
                        aria-label=format!("{}: {}", td_string!(l, rnw_see), item.display)>
                        {td_string!(l, rnw_see)}
                    </a>
                </p>
                {(!open).then_some(ask)}
            }
            .into_any()
        }
        None => ask.into_any(),
    }
}

/// An item's date, status (when shown) and source on one line, as the summary and its PDF
/// show it.
pub(super) fn item_meta(l: Locale, item: &ItemView, show_status: bool) -> String {
    [
        (!item.date.is_empty()).then(|| item.date.clone()),
        show_status.then(|| status_word(l, &item.status)),
        Some(source_text(l, &item.source)),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ")
}

/// What a staff change just did, from the address it came back to (`saved`, `removed`,
/// `released`).
fn outcome_notice(l: Locale) -> Option<impl IntoView> {
    let words = if !query("saved").is_empty() {
        td_string!(l, ent_saved)
    } else if query("removed") == "1" {
        td_string!(l, ent_removed)
    } else if query("released") == "1" {
        td_string!(l, ent_released)
    } else {
        return None;
    };
    Some(view! { <p class="notice notice--ok" role="status">{words}</p> })
}

#[component]
fn Item(
    item: ItemView,
    show_status: bool,
    trend_query: Option<String>,
    /// Offer renewal requests for this patient (medications only).
    #[prop(default = None)]
    renewals: Option<(String, Vec<RenewalStatus>)>,
    /// For staff: (patient, kind) to offer correcting this organisation's items.
    #[prop(default = None)]
    correct: Option<(String, super::entry::EntryKind)>,
) -> impl IntoView {
    let l = use_locale();
    let correct = correct
        .filter(|_| item.source.is_none())
        .map(|(patient_id, kind)| {
            view! {
                <p>
                    <a href=format!("/records/entry?patient={patient_id}&kind={}&item={}", kind.as_str(), item.id)
                        aria-label=format!("{}: {}", td_string!(l, ent_correct), item.display)>
                        {td_string!(l, ent_correct)}
                    </a>
                </p>
            }
        });
    let renewal = renewals
        .filter(|_| item.source.is_none() && super::renewal::renewable(&item.status))
        .map(|(patient_id, statuses)| {
            let status = statuses.into_iter().find(|s| s.medication_id == item.id);
            view! { <RenewalLine item=item.clone() patient_id status /> }
        });
    let meta = item_meta(l, &item, show_status);
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
            {trend_query.map(|q| view! {
                <p>
                    <a href=format!("/records/results/{}{q}", item.id)
                        aria-label=format!("{}: {}", td_string!(l, rec_see_trend), item.display)>
                        {td_string!(l, rec_see_trend)}
                    </a>
                </p>
            })}
            {renewal}
            {correct}
        </li>
    }
}

#[component]
fn Section(
    title: &'static str,
    empty: &'static str,
    items: Vec<ItemView>,
    #[prop(optional)] show_status: bool,
    /// Each item links to its trend, with this patient query.
    #[prop(optional)]
    trend_query: Option<String>,
    #[prop(default = None)] renewals: Option<(String, Vec<RenewalStatus>)>,
    /// For staff: (patient, kind) to offer adding and correcting items of this section.
    #[prop(default = None)]
    correct: Option<(String, super::entry::EntryKind)>,
    id: &'static str,
) -> impl IntoView {
    let l = use_locale();
    view! {
        <section class="record-section" aria-labelledby=id>
            <h2 id=id>{title}</h2>
            {correct.clone().map(|(patient_id, kind)| view! {
                <p><a href=format!("/records/entry?patient={patient_id}&kind={}", kind.as_str())>
                    {super::entry_ui::add_label(l, kind)}
                </a></p>
            })}
            {if items.is_empty() {
                view! { <p class="empty">{empty}</p> }.into_any()
            } else {
                view! {
                    <ul class="record-list">
                        {items.into_iter().map(|item| view! { <Item item show_status trend_query=trend_query.clone() renewals=renewals.clone() correct=correct.clone() /> }).collect_view()}
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
                    let staff = |kind: EntryKind| s.can_write.then(|| (s.patient_id.clone(), kind));
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
                            {outcome_notice(l)}
                            <div class="record-grid">
                                <Section id="conditions" title=td_string!(l, rec_conditions) empty=td_string!(l, rec_no_conditions) items=s.conditions.clone() show_status=true
                                    correct=staff(EntryKind::Condition) />
                                <Section id="allergies" title=td_string!(l, rec_allergies) empty=td_string!(l, rec_no_allergies) items=s.allergies.clone()
                                    show_status=s.can_write correct=staff(EntryKind::Allergy) />
                                <Section id="medications" title=td_string!(l, rec_medications) empty=td_string!(l, rec_no_medications) items=s.medications.clone()
                                    renewals=s.may_renew.then(|| (s.patient_id.clone(), s.renewals.clone()))
                                    show_status=s.can_write correct=staff(EntryKind::Medication) />
                                <Section id="immunizations" title=td_string!(l, rec_immunizations) empty=td_string!(l, rec_no_immunizations) items=s.immunizations.clone()
                                    show_status=s.can_write correct=staff(EntryKind::Immunization) />
                                <Section id="vitals" title=td_string!(l, rec_vitals) empty=td_string!(l, rec_no_vitals) items=s.vitals.clone() trend_query=q.clone() />
                            </div>
                            <section class="record-section take-it" aria-labelledby="take-it">
                                <h2 id="take-it">{td_string!(l, rec_take_it)}</h2>
                                <p>{td_string!(l, rec_export_hint)}</p>
                                <p><a class="button" href=format!("/records/export.json{q}") download="health-record.json">{td_string!(l, rec_export)}</a></p>
                                <p>{td_string!(l, rec_print_hint)}</p>
                                <p>{td_string!(l, rec_pdf_hint)}</p>
                                <p><a class="button button--secondary" href=format!("/records/summary.pdf{q}") download="health-summary.pdf">{td_string!(l, rec_pdf)}</a></p>
                                <p>{td_string!(l, rec_ips_hint)}</p>
                                <p><a class="button button--secondary" href=format!("/records/patient-summary.json{q}") download="patient-summary.json">{td_string!(l, rec_ips)}</a></p>
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

/// For staff: a result not yet in the portal, and the button that releases it now.
#[component]
fn HeldNotice(patient_id: String, item: String, until: String, label: String) -> impl IntoView {
    let l = use_locale();
    view! {
        <form class="held" method="post" action={<super::entry::ReleaseResult as ServerFn>::PATH}>
            <span class="badge badge--held">{td_string!(l, ent_held).replace("%date%", &until)}</span>
            <input type="hidden" name="patient_id" value=patient_id />
            <input type="hidden" name="item" value=item />
            " "
            <button class="button button--small button--secondary" type="submit"
                aria-label=format!("{}: {label}", td_string!(l, ent_release))>
                {td_string!(l, ent_release)}
            </button>
        </form>
    }
}

#[component]
fn ResultLine(
    row: ResultRow,
    patient_id: String,
    #[prop(optional)] report_held: bool,
) -> impl IntoView {
    let l = use_locale();
    let held = row
        .held
        .clone()
        .filter(|_| !report_held)
        .map(|until| view! { <HeldNotice patient_id=patient_id.clone() item=row.id.clone() until label=row.display.clone() /> });
    let correct = row.correctable.then(|| {
        view! {
            <br />
            <a href=format!("/records/entry?patient={patient_id}&kind=result&item={}", row.id)
                aria-label=format!("{}: {}", td_string!(l, ent_correct), row.display)>
                {td_string!(l, ent_correct)}
            </a>
        }
    });
    // The address names the value (an opaque id), never the test: a test's code is health
    // information, and addresses end up in logs and browser history.
    let trend = (row.code.is_some() && row.count > 1)
        .then(|| format!("/records/results/{}{}", row.id, patient_query(&patient_id)));
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
                {correct}
                {held}
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
                    let notice = outcome_notice(l);
                    view! {
                        <section class="page" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, rec_results)}</h1>
                            <p class="muted">{td!(l, ms_for, name = move || name.clone())}</p>
                            <RecordsNav patient_id=r.patient_id.clone() current="results" />
                            {notice}
                            {r.can_write.then(|| view! {
                                <p><a class="button button--secondary" href=format!("/records/entry?patient={}&kind=result", r.patient_id)>{td_string!(l, ent_add_result)}</a></p>
                            })}
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
                                let heading_label = heading.clone();
                                let report_held = report.held.is_some();
                                view! {
                                    <section class="report" aria-labelledby=format!("{id} {id}-meta")>
                                        <h2 id=id.clone()>{heading}</h2>
                                        <p class="muted" id=format!("{id}-meta")>{meta}</p>
                                        {report.held.clone().map(|until| view! {
                                            <HeldNotice patient_id=patient_id.clone() item=report.id.clone() until label=heading_label.clone() />
                                        })}
                                        {report.conclusion.clone().map(|c| view! { <p>{c}</p> })}
                                            <table class="results" aria-labelledby=id.clone()>
                                                <thead><tr>
                                                    <th scope="col">{td_string!(l, rec_test)}</th>
                                                    <th scope="col">{td_string!(l, rec_value)}</th>
                                                    <th scope="col">{td_string!(l, rec_meaning)}</th>
                                                </tr></thead>
                                                <tbody>
                                                    {report.rows.into_iter().map(|row| view! { <ResultLine row patient_id=patient_id.clone() report_held /> }).collect_view()}
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
    // What a tap on each point says: its date, value and what the value means.
    let readout: Vec<(f64, f64, String)> = trend
        .points
        .iter()
        .zip(&g.dots)
        .map(|(p, &(x, y, _))| {
            let mut text = format!(
                "{}: {} {}",
                p.date,
                pair_text(p.value, p.second),
                trend.unit
            );
            if p.flag != Flag::Unknown {
                text = format!("{} · {}", text.trim_end(), flag_words(l, p.flag));
            }
            if p.patient_reported {
                text = format!(
                    "{} · {}",
                    text.trim_end(),
                    td_string!(l, rec_patient_reported)
                );
            }
            (x, y, text.trim_end().to_string())
        })
        .collect();
    use super::trend_island::{TrendTouch, LAYER_ID, MARK_ID, READOUT_ID};
    view! {
        <figure class="trend">
            <div class="trend__plot">
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
            // Hidden until the island shows it; over the chart's points, never focusable (the
            // table under the chart is the way for keyboards and screen readers).
            <svg id=LAYER_ID class="trend__overlay" viewBox=format!("0 0 {CHART_W} {CHART_H}")
                aria-hidden="true" focusable="false">
                <g id=MARK_ID class="trend__mark">
                    <line x1="0" y1="8" x2="0" y2="152" />
                    <circle cx="0" cy="0" r="7" />
                </g>
                {readout.into_iter().enumerate().map(|(i, (x, y, text))| view! {
                    <circle class="trend__hit" cx=x.to_string() cy=y.to_string() r="14"
                        data-point=i.to_string() data-text=text />
                }).collect_view()}
            </svg>
            </div>
            <p id=READOUT_ID class="trend__readout" aria-live="polite" hidden>{td_string!(l, rec_chart_touch)}</p>
            <TrendTouch />
            <figcaption class="muted">{td_string!(l, rec_chart_caption)}</figcaption>
        </figure>
    }
}

/// `/records/results/:item`: the values over time of the test `item` is one value of.
#[component]
pub fn TrendPage() -> impl IntoView {
    let l = use_locale();
    let patient = query("patient");
    let item = use_params_map()
        .get_untracked()
        .get("item")
        .unwrap_or_default();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, rec_trend_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (patient, item) = (patient.clone(), item.clone());
                Suspend::new(async move {
                    let t = match result_trend(Some(patient).filter(|p| !p.is_empty()), item).await {
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
        "no_patient" => td_string!(l, rec_problem_no_patient),
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

fn summary_problem(l: Locale, error: &AppError) -> &'static str {
    match error {
        AppError::Validation(f) if f.get("text").is_some_and(|p| p == "too_long") => {
            td_string!(l, rec_avs_too_long)
        }
        AppError::Validation(_) => td_string!(l, rec_avs_required),
        AppError::NotFound => td_string!(l, rec_visit_gone),
        _ => td_string!(l, try_later),
    }
}

/// Staff's form under a visit: write the after-visit summary, or correct it (a new version).
#[component]
fn SummaryForm(patient_id: String, visit: VisitView, error: Option<AppError>) -> impl IntoView {
    let l = use_locale();
    let id = format!("avs-{}", visit.id);
    let error_id = format!("{id}-error");
    let text = visit
        .summary
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    let label = if visit.summary.is_some() {
        td_string!(l, rec_avs_correct)
    } else {
        td_string!(l, rec_avs_write)
    };
    let problem = error.as_ref().map(|e| summary_problem(l, e));
    view! {
        <details class="disclosure" open=problem.is_some()>
            <summary>{label}</summary>
            <form class="form" method="post" action={<WriteVisitSummary as ServerFn>::PATH}>
                <input type="hidden" name="patient_id" value=patient_id />
                <input type="hidden" name="visit_id" value=visit.id.clone() />
                <div class="field" class:field--invalid=problem.is_some()>
                    <label for=id.clone()>{td_string!(l, rec_avs_label)}</label>
                    <p class="field__hint" id=format!("{id}-hint")>{td_string!(l, rec_avs_hint)}</p>
                    {problem.map(|p| view! { <p class="field__error" id=error_id.clone()>{p}</p> })}
                    <textarea id=id.clone() name="text" rows="8" maxlength=MAX_SUMMARY_CHARS.to_string() required
                        aria-invalid=problem.map(|_| "true")
                        aria-describedby=if problem.is_some() { format!("{id}-hint {error_id}") } else { format!("{id}-hint") }>
                        {text}
                    </textarea>
                </div>
                <button class="button" type="submit">{td_string!(l, rec_avs_save)}</button>
            </form>
        </details>
    }
}

/// `/records/visits`: upcoming visits (from scheduling) and past ones with their summaries.
#[component]
pub fn VisitsPage() -> impl IntoView {
    let l = use_locale();
    let patient = query("patient");
    let error = crate::shell::action_error::<WriteVisitSummary>();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, rec_visits)) />
        <Suspense fallback=Loading>
            {move || {
                let (patient, error) = (patient.clone(), error.clone());
                Suspend::new(async move {
                    let v = match records_visits(Some(patient).filter(|p| !p.is_empty())).await {
                        Ok(v) => v,
                        Err(error) => return view! { <RecordsProblem error /> }.into_any(),
                    };
                    let name = v.patient_name.clone();
                    let patient_id = v.patient_id.clone();
                    let can_write = v.can_write;
                    view! {
                        <section class="page" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, rec_visits)}</h1>
                            <p class="muted">{td!(l, ms_for, name = move || name.clone())}</p>
                            <RecordsNav patient_id=v.patient_id.clone() current="visits" />
                            {error.clone().filter(|e| !matches!(e, AppError::Validation(_))).map(|e| view! {
                                <p class="notice notice--error" role="alert">{summary_problem(l, &e)}</p>
                            })}
                            {outcome_notice(l)}
                            {(!can_write).then(|| view! {
                                <section class="record-section">
                                    <crate::scheduling::UpcomingVisits patient_id=v.patient_id.clone() />
                                </section>
                            })}
                            {can_write.then(|| view! {
                                <p><a class="button button--secondary" href=format!("/records/entry?patient={patient_id}&kind=visit")>
                                    {td_string!(l, ent_record_visit)}
                                </a></p>
                            })}
                            <section class="record-section" aria-labelledby="past-visits">
                                <h2 id="past-visits">{td_string!(l, rec_past_visits)}</h2>
                                {if v.visits.is_empty() {
                                    view! { <p class="empty">{td_string!(l, rec_no_visits)}</p> }.into_any()
                                } else {
                                    view! {
                                        <ol class="record-list">
                                            {v.visits.into_iter().map(|visit| {
                                                let heading = format!("visit-{}-title", visit.id);
                                                let meta = [Some(visit.date.clone()), Some(source_text(l, &visit.source))]
                                                    .into_iter().flatten().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ");
                                                // A refused text belongs to its own visit's form; any other
                                                // refusal is said once, above the list.
                                                let own_error = error.clone().filter(|e| matches!(e,
                                                    AppError::Validation(f) if f.get("visit") == Some(&visit.id)));
                                                let form = can_write.then(|| view! {
                                                    <SummaryForm patient_id=patient_id.clone() visit=visit.clone() error=own_error />
                                                });
                                                let correct = (can_write && visit.source.is_none()).then(|| view! {
                                                    <p><a href=format!("/records/entry?patient={patient_id}&kind=visit&item={}", visit.id)
                                                        aria-label=format!("{}: {}", td_string!(l, ent_correct), visit.display)>
                                                        {td_string!(l, ent_correct)}
                                                    </a></p>
                                                });
                                                view! {
                                                    <li class="record-item" id=format!("visit-{}", visit.id)>
                                                        <article aria-labelledby=heading.clone()>
                                                            <h3 class="record-item__name" id=heading.clone()>{visit.display.clone()}</h3>
                                                            <p class="muted">{meta}</p>
                                                            <dl class="record-item__details">
                                                                {(!visit.clinicians.is_empty()).then(|| view! {
                                                                    <div><dt>{td_string!(l, rec_seen_by)}</dt><dd>{visit.clinicians.join(", ")}</dd></div>
                                                                })}
                                                                {(!visit.reasons.is_empty()).then(|| view! {
                                                                    <div><dt>{td_string!(l, rec_reason)}</dt><dd>{visit.reasons.join(", ")}</dd></div>
                                                                })}
                                                            </dl>
                                                            {match visit.summary.clone() {
                                                                Some(s) => view! {
                                                                    <div class="avs">
                                                                        <h4>{td_string!(l, rec_avs)}</h4>
                                                                        {s.text.split("\n\n").map(|p| view! {
                                                                            <p class="avs__text">{p.to_string()}</p>
                                                                        }).collect_view()}
                                                                        <p class="muted">
                                                                            {td_string!(l, rec_avs_written).replace("%date%", &s.written)}
                                                                            {(s.versions > 1).then(|| format!(" · {}", td_string!(l, rec_avs_versions).replace("%count%", &s.versions.to_string())))}
                                                                        </p>
                                                                    </div>
                                                                }.into_any(),
                                                                None => view! { <p class="muted">{td_string!(l, rec_no_avs)}</p> }.into_any(),
                                                            }}
                                                            {correct}
                                                            {form}
                                                        </article>
                                                    </li>
                                                }
                                            }).collect_view()}
                                        </ol>
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

/// Staff's tools on the care plan page: adding a goal, a plan or a team, and choosing the
/// patient's primary contact among the care navigators.
#[component]
fn CareTools(c: CarePlanView) -> impl IntoView {
    use super::entry::{EntryKind, SetPrimaryContact};
    let l = use_locale();
    let pid = c.patient_id.clone();
    let error = crate::shell::action_error::<SetPrimaryContact>();
    view! {
        <section class="record-section staff-tools" aria-labelledby="care-tools">
            <h2 id="care-tools">{td_string!(l, ent_care_tools)}</h2>
            <ul class="entry-links">
                {[EntryKind::Goal, EntryKind::Plan, EntryKind::Team].into_iter().map(|k| view! {
                    <li><a class="button button--secondary" href=format!("/records/entry?patient={pid}&kind={}", k.as_str())>
                        {super::entry_ui::add_label(l, k)}
                    </a></li>
                }).collect_view()}
            </ul>
            <form class="form" method="post" action={<SetPrimaryContact as ServerFn>::PATH}>
                <input type="hidden" name="patient_id" value=c.patient_id.clone() />
                <div class="field" class:field--invalid=error.is_some()>
                    <label for="navigator">{td_string!(l, ent_contact_choose)}</label>
                    <p class="field__hint" id="navigator-hint">{td_string!(l, ent_contact_hint)}</p>
                    {error.as_ref().map(|_| view! { <p class="field__error" id="navigator-error">{td_string!(l, ent_err_not_allowed)}</p> })}
                    <select id="navigator" name="navigator"
                        aria-describedby=if error.is_some() { "navigator-hint navigator-error" } else { "navigator-hint" }>
                        <option value="" selected=c.contact_id.is_none()>{td_string!(l, ent_contact_none)}</option>
                        {c.navigators.iter().map(|(id, name)| view! {
                            <option value=id.clone() selected=c.contact_id.as_deref() == Some(id.as_str())>{name.clone()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button class="button" type="submit">{td_string!(l, ent_contact_save)}</button>
            </form>
        </section>
    }
}

fn goal_words(l: Locale, goal: &GoalView) -> String {
    let words = match goal.achievement.as_deref().unwrap_or(goal.status.as_str()) {
        "achieved" | "completed" => td_string!(l, rec_goal_achieved),
        "improving" => td_string!(l, rec_goal_improving),
        "worsening" => td_string!(l, rec_goal_worsening),
        "no-change" | "no-progress" => td_string!(l, rec_goal_no_change),
        "not-achieved" | "not-attainable" | "cancelled" => td_string!(l, rec_goal_not_achieved),
        "on-hold" => td_string!(l, rec_goal_on_hold),
        "proposed" | "planned" | "accepted" => td_string!(l, rec_goal_planned),
        _ => td_string!(l, rec_goal_in_progress),
    };
    words.to_string()
}

fn task_problem(l: Locale, error: &AppError) -> &'static str {
    match error {
        AppError::Conflict(c) if c == "outside_record" => td_string!(l, rec_outside_plan),
        AppError::NotFound => td_string!(l, rec_task_gone),
        _ => td_string!(l, try_later),
    }
}

/// One task with its state and the button that changes it (a plain form: works without
/// JavaScript).
#[component]
fn TaskLine(patient_id: String, plan: String, own: bool, task: TaskView) -> impl IntoView {
    let l = use_locale();
    let anchor = format!("plan-{plan}-task-{}", task.index);
    let state = if task.done {
        td_string!(l, rec_task_done)
    } else if task.overdue {
        td_string!(l, rec_task_overdue)
    } else {
        td_string!(l, rec_task_to_do)
    };
    let state_class = if task.done {
        "task__state task__state--done"
    } else if task.overdue {
        "task__state task__state--overdue"
    } else {
        "task__state"
    };
    let (button, done_value) = if task.done {
        (td_string!(l, rec_mark_not_done), "false")
    } else {
        (td_string!(l, rec_mark_done), "true")
    };
    view! {
        <li class="task" class:task--done=task.done id=anchor>
            <p class="task__name">{task.description.clone()}</p>
            <p>
                <span class=state_class>{state}</span>
                {(!task.due.is_empty()).then(|| format!(" · {}", td_string!(l, rec_task_due).replace("%date%", &task.due)))}
            </p>
            {task.changed.clone().map(|(date, by)| view! {
                <p class="muted">{td_string!(l, rec_task_changed).replace("%date%", &date).replace("%name%", &by)}</p>
            })}
            {own.then(|| view! {
                <form method="post" action={<MarkCareTask as ServerFn>::PATH}>
                    <input type="hidden" name="patient_id" value=patient_id.clone() />
                    <input type="hidden" name="plan_id" value=plan.clone() />
                    <input type="hidden" name="task" value=task.index.to_string() />
                    <input type="hidden" name="done" value=done_value />
                    <button class="button button--secondary" type="submit"
                        aria-label=format!("{button}: {}", task.description)>{button}</button>
                </form>
            })}
        </li>
    }
}

/// `/records/care-plan`: the primary contact, goals, tasks and the care team.
#[component]
pub fn CarePlanPage() -> impl IntoView {
    let l = use_locale();
    let patient = query("patient");
    let error = crate::shell::action_error::<MarkCareTask>();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, rec_care_plan)) />
        <Suspense fallback=Loading>
            {move || {
                let (patient, error) = (patient.clone(), error.clone());
                Suspend::new(async move {
                    let c = match care_plan(Some(patient).filter(|p| !p.is_empty())).await {
                        Ok(c) => c,
                        Err(error) => return view! { <RecordsProblem error /> }.into_any(),
                    };
                    let name = c.patient_name.clone();
                    let patient_id = c.patient_id.clone();
                    let write = format!("/messages/new?patient={}", c.patient_id);
                    let can_write = c.can_write;
                    let change = move |kind: &str, id: &str, what: &str| {
                        can_write.then(|| view! {
                            <p><a href=format!("/records/entry?patient={patient_id}&kind={kind}&item={id}")
                                aria-label=format!("{}: {what}", td_string!(l, ent_correct))>
                                {td_string!(l, ent_correct)}
                            </a></p>
                        })
                    };
                    let patient_id = c.patient_id.clone();
                    view! {
                        <section class="page" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, rec_care_plan)}</h1>
                            <p class="muted">{td!(l, ms_for, name = move || name.clone())}</p>
                            <RecordsNav patient_id=c.patient_id.clone() current="care-plan" />
                            {error.map(|e| view! { <p class="notice notice--error" role="alert">{task_problem(l, &e)}</p> })}
                            {outcome_notice(l)}
                            {(query("contact") == "1").then(|| view! {
                                <p class="notice notice--ok" role="status">{td_string!(l, ent_contact_saved)}</p>
                            })}
                            {match c.contact.clone() {
                                Some(navigator) => view! { <crate::messaging::NavigatorCard navigator write_href=write.clone() /> }.into_any(),
                                None => view! {
                                    <aside class="navigator" aria-labelledby="contact-title">
                                        <div>
                                            <h2 id="contact-title" class="navigator__label">{td_string!(l, rec_contact)}</h2>
                                            <p>{td_string!(l, rec_no_contact)}</p>
                                            <p><a class="button" href=write.clone()>{td_string!(l, ms_write_to_team)}</a></p>
                                        </div>
                                    </aside>
                                }.into_any(),
                            }}
                            {can_write.then(|| view! { <CareTools c=c.clone() /> })}
                            <div class="record-grid">
                                <section class="record-section" aria-labelledby="goals">
                                    <h2 id="goals">{td_string!(l, rec_goals)}</h2>
                                    {if c.goals.is_empty() {
                                        view! { <p class="empty">{td_string!(l, rec_no_goals)}</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="record-list">
                                                {c.goals.iter().map(|g| view! {
                                                    <li class="record-item">
                                                        <p class="record-item__name">{g.description.clone()}</p>
                                                        <p><span class="status">{goal_words(l, g)}</span>
                                                            {(!g.due.is_empty()).then(|| format!(" · {}", td_string!(l, rec_goal_due).replace("%date%", &g.due)))}
                                                        </p>
                                                        {g.target.clone().map(|t| view! { <p>{td_string!(l, rec_goal_target).replace("%target%", &t)}</p> })}
                                                        <p class="muted">{source_text(l, &g.source)}</p>
                                                        {g.source.is_none().then(|| change("goal", &g.id, &g.description)).flatten()}
                                                    </li>
                                                }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                </section>
                                <section class="record-section" aria-labelledby="team">
                                    <h2 id="team">{td_string!(l, rec_team)}</h2>
                                    {if c.team.is_empty() {
                                        view! { <p class="empty">{td_string!(l, rec_no_team)}</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="record-list">
                                                {c.team.iter().map(|(who, role)| view! {
                                                    <li class="record-item">
                                                        <p class="record-item__name">{who.clone()}</p>
                                                        {(!role.is_empty()).then(|| view! { <p class="muted">{role.clone()}</p> })}
                                                    </li>
                                                }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                    {c.own_teams.iter().map(|(id, team)| change("team", id, team)).collect_view()}
                                </section>
                            </div>
                            <section class="record-section" aria-labelledby="tasks">
                                <h2 id="tasks">{td_string!(l, rec_tasks)}</h2>
                                {if c.plans.is_empty() {
                                    view! { <p class="empty">{td_string!(l, rec_no_plans)}</p> }.into_any()
                                } else {
                                    c.plans.iter().map(|plan| {
                                        let heading = format!("plan-{}", plan.id);
                                        view! {
                                            <section class="care-plan" aria-labelledby=heading.clone()>
                                                <h3 id=heading.clone()>{plan.title.clone()}</h3>
                                                <p class="muted">{source_text(l, &plan.source)}</p>
                                                {(!plan.own).then(|| view! { <p class="muted">{td_string!(l, rec_outside_plan)}</p> })}
                                                {plan.own.then(|| change("plan", &plan.id, &plan.title)).flatten()}
                                                {if plan.tasks.is_empty() {
                                                    view! { <p class="empty">{td_string!(l, rec_no_tasks)}</p> }.into_any()
                                                } else {
                                                    view! {
                                                        <ul class="tasks">
                                                            {plan.tasks.iter().map(|task| view! {
                                                                <TaskLine patient_id=patient_id.clone() plan=plan.id.clone() own=plan.own task=task.clone() />
                                                            }).collect_view()}
                                                        </ul>
                                                    }.into_any()
                                                }}
                                            </section>
                                        }
                                    }).collect_view().into_any()
                                }}
                            </section>
                        </section>
                    }.into_any()
                })
            }}
        </Suspense>
    }
}

/// A file format's name in the reader's language (the server says "PDF", "text", "image" or
/// "file").
fn format_word(l: Locale, format: &str) -> &'static str {
    match format {
        "PDF" => "PDF",
        "text" => td_string!(l, rec_format_text),
        "image" => td_string!(l, rec_format_image),
        _ => td_string!(l, rec_format_file),
    }
}

fn document_problem(l: Locale, problem: &str) -> &'static str {
    match problem {
        "missing" => td_string!(l, doc_err_missing),
        "too_large" => td_string!(l, doc_err_too_large),
        "not_supported" => td_string!(l, doc_err_not_supported),
        "required" => td_string!(l, ent_err_required),
        "too_long" => td_string!(l, ent_err_too_long),
        "not_a_date" => td_string!(l, ent_err_not_a_date),
        "in_future" => td_string!(l, ent_err_in_future),
        _ => td_string!(l, ent_err_not_allowed),
    }
}

fn document_kind_word(l: Locale, kind: &str) -> &'static str {
    match kind {
        "letter" => td_string!(l, doc_kind_letter),
        "imaging" => td_string!(l, doc_kind_imaging),
        "laboratory" => td_string!(l, doc_kind_laboratory),
        _ => td_string!(l, doc_kind_note),
    }
}

/// Staff's form for adding a document; open, with what was typed, after a refusal.
#[component]
fn DocumentUpload(patient_id: String) -> impl IntoView {
    use super::upload::{DocumentFields, UploadRecordDocument, DOCUMENT_KINDS, TITLE_MAX};
    let l = use_locale();
    let error = crate::shell::posted_error(<UploadRecordDocument as ServerFn>::PATH);
    let problems = match &error {
        Some(AppError::Validation(p)) => p.clone(),
        _ => Default::default(),
    };
    #[cfg(feature = "ssr")]
    let f: DocumentFields = if error.is_some() {
        crate::forms::recall(super::upload::KEPT_DOCUMENT).unwrap_or_default()
    } else {
        DocumentFields::default()
    };
    #[cfg(not(feature = "ssr"))]
    let f = DocumentFields::default();
    let err = |field: &str| problems.get(field).map(|p| document_problem(l, p));
    let described = |id: &str, hint: bool| {
        [
            hint.then(|| format!("{id}-hint")),
            err(id).map(|_| format!("{id}-error")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
    };
    let field_error = |id: &'static str| {
        err(id).map(|e| view! { <p class="field__error" id=format!("{id}-error")>{e}</p> })
    };
    view! {
        <details class="disclosure" open=error.is_some()>
            <summary>{td_string!(l, doc_upload_title)}</summary>
            {(!problems.is_empty()).then(|| view! {
                <p class="notice notice--error" role="alert">{td_string!(l, check_fields)}</p>
            })}
            {error.as_ref().filter(|e| !matches!(e, AppError::Validation(_))).map(|_| view! {
                <p class="notice notice--error" role="alert">{td_string!(l, try_later)}</p>
            })}
            <form class="form" method="post" action={<UploadRecordDocument as ServerFn>::PATH} enctype="multipart/form-data">
                <input type="hidden" name="patient_id" value=patient_id />
                <div class="field" class:field--invalid=err("title").is_some()>
                    <label for="title">{td_string!(l, doc_title)}</label>
                    {field_error("title")}
                    <input id="title" name="title" type="text" required maxlength=TITLE_MAX.to_string() value=f.title.clone()
                        autocomplete="off" aria-invalid=err("title").map(|_| "true")
                        aria-describedby=Some(described("title", false)).filter(|d| !d.is_empty()) />
                </div>
                <div class="field" class:field--invalid=err("kind").is_some()>
                    <label for="kind">{td_string!(l, doc_kind)}</label>
                    {field_error("kind")}
                    <select id="kind" name="kind">
                        {DOCUMENT_KINDS.iter().map(|(k, _, _)| view! {
                            <option value=*k selected=f.kind == *k>{document_kind_word(l, k)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field" class:field--invalid=err("date").is_some()>
                    <label for="document-date">{td_string!(l, doc_date)}</label>
                    <p class="field__hint" id="date-hint">{td_string!(l, doc_date_hint)}</p>
                    {field_error("date")}
                    <input id="document-date" name="date" type="date" value=f.date.clone()
                        aria-invalid=err("date").map(|_| "true") aria-describedby=described("date", true) />
                </div>
                <div class="field">
                    <label class="choice">
                        <input name="confidential" type="checkbox" value="true" checked=f.confidential aria-describedby="doc-confidential-hint" />
                        " " {td_string!(l, ent_confidential)}
                    </label>
                    <p class="field__hint" id="doc-confidential-hint">{td_string!(l, ent_confidential_hint)}</p>
                </div>
                <div class="field" class:field--invalid=err("file").is_some()>
                    <label for="file">{td_string!(l, doc_file)}</label>
                    <p class="field__hint" id="file-hint">{td_string!(l, doc_file_hint)}</p>
                    {field_error("file")}
                    <input id="file" name="document" type="file" required
                        accept=".pdf,.png,.jpg,.jpeg,.txt,application/pdf,image/png,image/jpeg,text/plain"
                        aria-invalid=err("file").map(|_| "true") aria-describedby=described("file", true) />
                </div>
                <button class="button" type="submit">{td_string!(l, doc_upload_button)}</button>
            </form>
        </details>
    }
}

/// `/records/documents`: letters, reports and summaries, each to download.
#[component]
pub fn DocumentsPage() -> impl IntoView {
    let l = use_locale();
    let patient = query("patient");
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, rec_documents)) />
        <Suspense fallback=Loading>
            {move || {
                let patient = patient.clone();
                Suspend::new(async move {
                    let d = match records_documents(Some(patient).filter(|p| !p.is_empty())).await {
                        Ok(d) => d,
                        Err(error) => return view! { <RecordsProblem error /> }.into_any(),
                    };
                    let name = d.patient_name.clone();
                    let q = patient_query(&d.patient_id);
                    view! {
                        <section class="page" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, rec_documents)}</h1>
                            <p class="muted">{td!(l, ms_for, name = move || name.clone())}</p>
                            <RecordsNav patient_id=d.patient_id.clone() current="documents" />
                            {(!query("added").is_empty()).then(|| view! {
                                <p class="notice notice--ok" role="status">{td_string!(l, doc_added)}</p>
                            })}
                            {d.can_write.then(|| view! { <DocumentUpload patient_id=d.patient_id.clone() /> })}
                            {if d.documents.is_empty() {
                                view! { <p class="empty">{td_string!(l, rec_no_documents)}</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="record-list">
                                        {d.documents.into_iter().map(|doc| {
                                            let meta = [doc.date.clone(), source_text(l, &doc.source)]
                                                .into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ");
                                            let download = doc.file.clone().map(|(format, kb)| {
                                                let words = td_string!(l, rec_download_document)
                                                    .replace("%format%", format_word(l, &format))
                                                    .replace("%size%", &kb.to_string());
                                                view! {
                                                    <p>
                                                        <a href=format!("/records/documents/{}/file{q}", doc.id) download=""
                                                            aria-label=format!("{words}: {}", doc.title)>{words.clone()}</a>
                                                    </p>
                                                }.into_any()
                                            }).unwrap_or_else(|| view! { <p class="muted">{td_string!(l, rec_document_elsewhere)}</p> }.into_any());
                                            view! {
                                                <li class="record-item">
                                                    <p class="record-item__name">{doc.title.clone()}</p>
                                                    {(doc.kind != doc.title).then(|| view! { <p>{doc.kind.clone()}</p> })}
                                                    <p class="muted">{meta}</p>
                                                    {download}
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        </section>
                    }.into_any()
                })
            }}
        </Suspense>
    }
}
