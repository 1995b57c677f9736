//! `/records/readings`: three small forms (blood pressure, weight, blood sugar) and the
//! patient's recent readings, each with its chart. Complete without JavaScript.

#[cfg(feature = "ssr")]
use super::readings::KEPT_READING;
use super::readings::{records_readings, AddReading, ReadingForm, ReadingView, RemoveReading};
use super::ui::{RecordsNav, RecordsProblem};
use crate::error::AppError;
use crate::i18n::{td, td_string};
use crate::locale::{use_locale, Locale};
use crate::organisation::PRODUCT_NAME;
use crate::shell::Loading;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use server_fn::ServerFn;

fn problem_words(l: Locale, kind: &str, field: &str, code: &str) -> String {
    match (kind, field, code) {
        (_, "date", "required") => td_string!(l, rdg_date_required).to_string(),
        (_, "date", _) => td_string!(l, rdg_date_range).to_string(),
        (_, _, "required") => td_string!(l, rdg_required).to_string(),
        ("bp", "second", "not_below_systolic") => td_string!(l, rdg_bp_order).to_string(),
        ("bp", "first", _) => td_string!(l, rdg_range)
            .replace("%low%", "50")
            .replace("%high%", "300"),
        ("bp", _, _) => td_string!(l, rdg_range)
            .replace("%low%", "20")
            .replace("%high%", "200"),
        ("weight", _, _) => td_string!(l, rdg_weight_range).to_string(),
        _ => td_string!(l, rdg_range)
            .replace("%low%", "10")
            .replace("%high%", "1000"),
    }
}

/// One number field of a reading form, with its error.
#[component]
fn NumberField(
    id: String,
    name: &'static str,
    label: &'static str,
    value: String,
    error: Option<String>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:field--invalid=error.is_some()>
            <label for=id.clone()>{label}</label>
            {error.clone().map(|e| view! { <p class="field__error" id=error_id.clone()>{e}</p> })}
            <input id=id.clone() name=name type="text" inputmode="decimal" required autocomplete="off"
                class="input--short" value=value
                aria-invalid=error.as_ref().map(|_| "true")
                aria-describedby=error.as_ref().map(|_| error_id.clone()) />
        </div>
    }
}

#[component]
fn ReadingFormView(
    patient_id: String,
    kind: &'static str,
    title: &'static str,
    today: String,
    typed: Option<ReadingForm>,
    problems: Option<std::collections::BTreeMap<String, String>>,
) -> impl IntoView {
    let l = use_locale();
    let typed = typed.filter(|t| t.kind == kind).unwrap_or_default();
    let problems = problems.unwrap_or_default();
    let error = |field: &str| {
        problems
            .get(field)
            .map(|c| problem_words(l, kind, field, c))
    };
    let heading = format!("reading-{kind}");
    let date = if typed.date.is_empty() {
        today.clone()
    } else {
        typed.date.clone()
    };
    let date_id = format!("{kind}-date");
    let date_error = error("date");
    view! {
        <form class="form reading-form" method="post" action={<AddReading as ServerFn>::PATH} aria-labelledby=heading.clone()>
            <h2 id=heading.clone()>{title}</h2>
            <input type="hidden" name="patient_id" value=patient_id />
            <input type="hidden" name="kind" value=kind />
            {match kind {
                "bp" => view! {
                    <NumberField id="bp-first".into() name="first" label=td_string!(l, rdg_systolic) value=typed.first.clone() error=error("first") />
                    <NumberField id="bp-second".into() name="second" label=td_string!(l, rdg_diastolic) value=typed.second.clone() error=error("second") />
                }.into_any(),
                "weight" => view! {
                    <NumberField id="weight-first".into() name="first" label=td_string!(l, rdg_weight) value=typed.first.clone() error=error("first") />
                    <div class="field">
                        <label for="weight-unit">{td_string!(l, rdg_unit)}</label>
                        <select id="weight-unit" name="unit">
                            <option value="lb" selected=typed.unit != "kg">{td_string!(l, rdg_pounds)}</option>
                            <option value="kg" selected=typed.unit == "kg">{td_string!(l, rdg_kilograms)}</option>
                        </select>
                    </div>
                }.into_any(),
                _ => view! {
                    <NumberField id="glucose-first".into() name="first" label=td_string!(l, rdg_glucose) value=typed.first.clone() error=error("first") />
                }.into_any(),
            }}
            <div class="field" class:field--invalid=date_error.is_some()>
                <label for=date_id.clone()>{td_string!(l, rdg_date)}</label>
                {date_error.clone().map(|e| view! { <p class="field__error" id=format!("{kind}-date-error")>{e}</p> })}
                <input id=date_id.clone() name="date" type="date" required max=today value=date
                    aria-invalid=date_error.as_ref().map(|_| "true")
                    aria-describedby=date_error.as_ref().map(|_| format!("{kind}-date-error")) />
            </div>
            <button class="button" type="submit">{td_string!(l, rdg_add)}</button>
        </form>
    }
}

/// `/records/readings`.
#[component]
pub fn ReadingsPage() -> impl IntoView {
    let l = use_locale();
    let query = use_query_map().get_untracked();
    let patient = query.get("patient").unwrap_or_default();
    let added = query.get("added").unwrap_or_default();
    let removed = query.get("removed").is_some_and(|r| r == "1");
    let error = crate::shell::action_error::<AddReading>();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, rdg_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (patient, added, error) = (patient.clone(), added.clone(), error.clone());
                Suspend::new(async move {
                    let r = match records_readings(Some(patient).filter(|p| !p.is_empty())).await {
                        Ok(r) => r,
                        Err(error) => return view! { <RecordsProblem error /> }.into_any(),
                    };
                    let problems = match &error {
                        Some(AppError::Validation(p)) => Some(p.clone()),
                        _ => None,
                    };
                    let refused = problems.as_ref().and_then(|p| p.get("form").cloned()).unwrap_or_default();
                    #[cfg(feature = "ssr")]
                    let typed: Option<ReadingForm> = problems.as_ref().and_then(|_| crate::forms::recall(KEPT_READING));
                    #[cfg(not(feature = "ssr"))]
                    let typed: Option<ReadingForm> = None;
                    let for_form = |kind: &str| (refused == kind).then(|| problems.clone()).flatten();
                    let name = r.patient_name.clone();
                    let q = format!("?patient={}", r.patient_id);
                    let just_added = r.readings.iter().any(|x| x.id == added);
                    view! {
                        <section class="page" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, rdg_title)}</h1>
                            <p class="muted">{td!(l, ms_for, name = move || name.clone())}</p>
                            <RecordsNav patient_id=r.patient_id.clone() current="readings" />
                            <p>{td_string!(l, rdg_intro)}</p>
                            {just_added.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, rdg_added)}</p> })}
                            {removed.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, rdg_removed)}</p> })}
                            {problems.is_some().then(|| view! {
                                <p class="notice notice--error" role="alert">{td_string!(l, rdg_check)}</p>
                            })}
                            {error.as_ref().filter(|e| !matches!(e, AppError::Validation(_))).map(|_| view! {
                                <p class="notice notice--error" role="alert">{td_string!(l, try_later)}</p>
                            })}
                            <div class="reading-forms">
                                <ReadingFormView patient_id=r.patient_id.clone() kind="bp" title=td_string!(l, rdg_bp)
                                    today=r.today.clone() typed=typed.clone() problems=for_form("bp") />
                                <ReadingFormView patient_id=r.patient_id.clone() kind="weight" title=td_string!(l, rdg_weight_title)
                                    today=r.today.clone() typed=typed.clone() problems=for_form("weight") />
                                <ReadingFormView patient_id=r.patient_id.clone() kind="glucose" title=td_string!(l, rdg_glucose_title)
                                    today=r.today.clone() typed=typed.clone() problems=for_form("glucose") />
                            </div>
                            <section class="record-section" aria-labelledby="recent-readings">
                                <h2 id="recent-readings">{td_string!(l, rdg_recent)}</h2>
                                {if r.readings.is_empty() {
                                    view! { <p class="empty">{td_string!(l, rdg_none)}</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="record-list">
                                            {r.readings.iter().map(|x: &ReadingView| view! {
                                                <li class="record-item">
                                                    <p class="record-item__name">{x.display.clone()}</p>
                                                    <p>{x.value.clone()} " · " {x.date.clone()}</p>
                                                    <p><a href=format!("/records/results/{}{q}", x.id)
                                                        aria-label=format!("{}: {} {}", td_string!(l, rec_see_trend), x.display, x.date)>
                                                        {td_string!(l, rec_see_trend)}
                                                    </a></p>
                                                    <form method="post" action={<RemoveReading as ServerFn>::PATH}>
                                                        <input type="hidden" name="patient_id" value=r.patient_id.clone() />
                                                        <input type="hidden" name="reading_id" value=x.id.clone() />
                                                        <button class="button button--quiet" type="submit"
                                                            aria-label=format!("{}: {} {} {}", td_string!(l, rdg_remove), x.display, x.value, x.date)>
                                                            {td_string!(l, rdg_remove)}
                                                        </button>
                                                    </form>
                                                </li>
                                            }).collect_view()}
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
