//! `/records/entry`: staff add a condition, allergy, medication, immunization, result, visit,
//! goal, care plan or care team to a patient's record, or correct one (with its history and an
//! "entered in error" form beside it); a plan's tasks and a team's members are added and removed
//! here too. Complete without JavaScript; a refused form comes back as it was typed.

use super::entry::{
    record_entry, EntryFields, EntryKind, MarkEnteredInError, RemoveRecordPart, SaveRecordEntry,
    ACHIEVEMENTS, CODE_MAX, NAME_MAX, REASON_MAX, RESULT_CATEGORIES, SEVERITIES, TEXT_MAX,
    UNIT_MAX, VISIT_SETTINGS,
};
use super::ui::{status_word, RecordsNav, RecordsProblem};
use crate::error::AppError;
use crate::i18n::{td, td_string};
use crate::locale::{use_locale, Locale};
use crate::organisation::PRODUCT_NAME;
use crate::shell::Loading;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use server_fn::ServerFn;
use std::collections::BTreeMap;

pub(super) fn kind_name(l: Locale, kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Condition => td_string!(l, ent_kind_condition),
        EntryKind::Allergy => td_string!(l, ent_kind_allergy),
        EntryKind::Medication => td_string!(l, ent_kind_medication),
        EntryKind::Immunization => td_string!(l, ent_kind_immunization),
        EntryKind::Result => td_string!(l, ent_kind_result),
        EntryKind::Visit => td_string!(l, ent_kind_visit),
        EntryKind::Goal => td_string!(l, ent_kind_goal),
        EntryKind::Plan => td_string!(l, ent_kind_plan),
        EntryKind::Team => td_string!(l, ent_kind_team),
    }
}

/// "Add a condition", for the summary's sections.
pub(super) fn add_label(l: Locale, kind: EntryKind) -> &'static str {
    title(l, kind, false)
}

fn title(l: Locale, kind: EntryKind, correcting: bool) -> &'static str {
    match (kind, correcting) {
        (EntryKind::Condition, false) => td_string!(l, ent_add_condition),
        (EntryKind::Allergy, false) => td_string!(l, ent_add_allergy),
        (EntryKind::Medication, false) => td_string!(l, ent_add_medication),
        (EntryKind::Immunization, false) => td_string!(l, ent_add_immunization),
        (EntryKind::Result, false) => td_string!(l, ent_add_result),
        (EntryKind::Condition, true) => td_string!(l, ent_correct_condition),
        (EntryKind::Allergy, true) => td_string!(l, ent_correct_allergy),
        (EntryKind::Medication, true) => td_string!(l, ent_correct_medication),
        (EntryKind::Immunization, true) => td_string!(l, ent_correct_immunization),
        (EntryKind::Result, true) => td_string!(l, ent_correct_result),
        (EntryKind::Visit, false) => td_string!(l, ent_add_visit),
        (EntryKind::Goal, false) => td_string!(l, ent_add_goal),
        (EntryKind::Plan, false) => td_string!(l, ent_add_plan),
        (EntryKind::Team, false) => td_string!(l, ent_add_team),
        (EntryKind::Visit, true) => td_string!(l, ent_correct_visit),
        (EntryKind::Goal, true) => td_string!(l, ent_correct_goal),
        (EntryKind::Plan, true) => td_string!(l, ent_correct_plan),
        (EntryKind::Team, true) => td_string!(l, ent_correct_team),
    }
}

fn name_label(l: Locale, kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Condition => td_string!(l, ent_name_condition),
        EntryKind::Allergy => td_string!(l, ent_name_allergy),
        EntryKind::Medication => td_string!(l, ent_name_medication),
        EntryKind::Immunization => td_string!(l, ent_name_immunization),
        EntryKind::Result => td_string!(l, ent_name_result),
        EntryKind::Visit => td_string!(l, ent_name_visit),
        EntryKind::Goal => td_string!(l, ent_name_goal),
        EntryKind::Plan => td_string!(l, ent_name_plan),
        EntryKind::Team => td_string!(l, ent_name_team),
    }
}

fn date_label(l: Locale, kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Condition => td_string!(l, ent_date_condition),
        EntryKind::Allergy => td_string!(l, ent_date_allergy),
        EntryKind::Medication => td_string!(l, ent_date_medication),
        EntryKind::Immunization => td_string!(l, ent_date_immunization),
        EntryKind::Result => td_string!(l, ent_date_result),
        EntryKind::Visit => td_string!(l, ent_date_visit),
        EntryKind::Goal => td_string!(l, ent_date_goal),
        EntryKind::Plan => td_string!(l, ent_date_plan),
        EntryKind::Team => td_string!(l, ent_date_team),
    }
}

fn problem_words(l: Locale, problem: &str) -> &'static str {
    match problem {
        "required" => td_string!(l, ent_err_required),
        "too_long" => td_string!(l, ent_err_too_long),
        "not_a_date" => td_string!(l, ent_err_not_a_date),
        "in_future" => td_string!(l, ent_err_in_future),
        "not_a_number" => td_string!(l, ent_err_not_a_number),
        "low_above_high" => td_string!(l, ent_err_low_above_high),
        "needs_reaction" => td_string!(l, ent_err_needs_reaction),
        "not_a_code" => td_string!(l, ent_err_not_a_code),
        "not_a_dose" => td_string!(l, ent_err_not_a_dose),
        "before_start" => td_string!(l, ent_err_before_start),
        _ => td_string!(l, ent_err_not_allowed),
    }
}

fn category_word(l: Locale, category: &str) -> &'static str {
    match category {
        "imaging" => td_string!(l, ent_category_imaging),
        "pathology" => td_string!(l, ent_category_pathology),
        _ => td_string!(l, ent_category_laboratory),
    }
}

fn achievement_word(l: Locale, achievement: &str) -> &'static str {
    match achievement {
        "in-progress" => td_string!(l, ent_achievement_in_progress),
        "improving" => td_string!(l, ent_achievement_improving),
        "worsening" => td_string!(l, ent_achievement_worsening),
        "no-change" => td_string!(l, ent_achievement_no_change),
        "achieved" => td_string!(l, ent_achievement_achieved),
        "not-achieved" => td_string!(l, ent_achievement_not_achieved),
        _ => td_string!(l, ent_achievement_none),
    }
}

/// Where the kind's items are read: the care plan, the visits, the results or the summary.
fn section_of(kind: EntryKind) -> (&'static str, &'static str) {
    match kind {
        EntryKind::Result => ("/records/results", "results"),
        EntryKind::Visit => ("/records/visits", "visits"),
        k if k.is_care() => ("/records/care-plan", "care-plan"),
        _ => ("/records", "summary"),
    }
}

fn severity_word(l: Locale, severity: &str) -> &'static str {
    match severity {
        "mild" => td_string!(l, ent_severity_mild),
        "moderate" => td_string!(l, ent_severity_moderate),
        "severe" => td_string!(l, ent_severity_severe),
        _ => td_string!(l, ent_severity_none),
    }
}

/// One labelled text input with its hint and error, wired for screen readers.
#[allow(clippy::too_many_arguments)]
fn text_field(
    id: &'static str,
    label: String,
    hint: Option<String>,
    value: String,
    max: usize,
    error: Option<&'static str>,
    required: bool,
    input_type: &'static str,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = [
        hint.as_ref().map(|_| hint_id.clone()),
        error.map(|_| error_id.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    view! {
        <div class="field" class:field--invalid=error.is_some()>
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="field__hint" id=hint_id.clone()>{h}</p> })}
            {error.map(|e| view! { <p class="field__error" id=error_id.clone()>{e}</p> })}
            <input id=id name=id type=input_type value=value autocomplete="off"
                maxlength=(input_type == "text").then(|| max.to_string())
                required=required
                inputmode=(input_type == "text" && matches!(id, "value" | "low" | "high")).then_some("decimal")
                aria-invalid=error.map(|_| "true")
                aria-describedby=(!described.is_empty()).then_some(described) />
        </div>
    }
}

/// `/records/entry?patient=…&kind=…[&item=…]`.
#[component]
pub fn EntryPage() -> impl IntoView {
    let l = use_locale();
    let query = use_query_map().get_untracked();
    let patient = query.get("patient").unwrap_or_default();
    let kind = query.get("kind").unwrap_or_else(|| "condition".into());
    let item = query.get("item").filter(|i| !i.is_empty());
    let part_removed = query.get("removed").as_deref() == Some("1");
    let save_error = crate::shell::action_error::<SaveRecordEntry>();
    let error_error = crate::shell::action_error::<MarkEnteredInError>();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, ent_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (patient, kind, item) = (patient.clone(), kind.clone(), item.clone());
                let (save_error, error_error) = (save_error.clone(), error_error.clone());
                Suspend::new(async move {
                    let r = match record_entry(patient, kind, item).await {
                        Ok(r) => r,
                        Err(error) => return view! { <RecordsProblem error /> }.into_any(),
                    };
                    let problems: BTreeMap<String, String> = match &save_error {
                        Some(AppError::Validation(p)) => p.clone(),
                        _ => Default::default(),
                    };
                    #[cfg(feature = "ssr")]
                    let f: EntryFields = if problems.is_empty() {
                        r.fields.clone()
                    } else {
                        crate::forms::recall(super::entry::KEPT_ENTRY).unwrap_or_else(|| r.fields.clone())
                    };
                    #[cfg(not(feature = "ssr"))]
                    let f: EntryFields = r.fields.clone();
                    let error_problem = match &error_error {
                        Some(AppError::Validation(p)) => p.get("error_reason").map(|p| problem_words(l, p)),
                        _ => None,
                    };
                    let other_error = save_error.iter().chain(error_error.iter())
                        .any(|e| !matches!(e, AppError::Validation(_)));
                    let err = |field: &str| problems.get(field).map(|p| problem_words(l, p));
                    let kind = r.kind;
                    let correcting = r.item_id.is_some();
                    let name = r.patient_name.clone();
                    let pid = r.patient_id.clone();
                    let (section, current) = section_of(kind);
                    let back = format!("{section}?patient={pid}");
                    let system_name = kind.code_system().1;
                    let status_error = err("status");
                    let code_hint = td_string!(l, ent_code_hint).replace("%system%", system_name);
                    view! {
                        <section class="page" aria-labelledby="page-title">
                            <h1 id="page-title">{title(l, kind, correcting)}</h1>
                            <p class="muted">{td!(l, ms_for, name = move || name.clone())}</p>
                            <RecordsNav patient_id=pid.clone() current=current />
                            {part_removed.then(|| view! {
                                <p class="notice notice--ok" role="status">{td_string!(l, ent_part_removed)}</p>
                            })}
                            <p><a href=back.clone()>{td_string!(l, ent_back)}</a></p>
                            {(!correcting).then(|| view! {
                                <nav class="entry-kinds" aria-label=td_string!(l, ent_kinds_label)>
                                    <ul>
                                        {EntryKind::ALL.into_iter().map(|k| view! {
                                            <li><a href=format!("/records/entry?patient={pid}&kind={}", k.as_str())
                                                aria-current=(k == kind).then_some("page")>{kind_name(l, k)}</a></li>
                                        }).collect_view()}
                                    </ul>
                                </nav>
                            })}
                            {(!problems.is_empty()).then(|| view! {
                                <p class="notice notice--error" role="alert">{td_string!(l, check_fields)}</p>
                            })}
                            {error_problem.map(|_| view! {
                                <p class="notice notice--error" role="alert">{td_string!(l, check_fields)}</p>
                            })}
                            {other_error.then(|| view! {
                                <p class="notice notice--error" role="alert">{td_string!(l, try_later)}</p>
                            })}
                            <form class="form" method="post" action={<SaveRecordEntry as ServerFn>::PATH} aria-labelledby="page-title">
                                <input type="hidden" name="patient_id" value=pid.clone() />
                                <input type="hidden" name="kind" value=kind.as_str() />
                                {r.item_id.clone().map(|id| view! { <input type="hidden" name="item" value=id /> })}
                                {text_field("name", name_label(l, kind).to_string(), None, f.name.clone(), NAME_MAX, err("name"), true, "text")}
                                {(!system_name.is_empty()).then(|| text_field("code", td_string!(l, ent_code).replace("%system%", system_name), Some(code_hint.clone()), f.code.clone(), CODE_MAX, err("code"), false, "text"))}
                                <div class="field" class:field--invalid=err("date").is_some()>
                                    <label for="date">{date_label(l, kind)}</label>
                                    {err("date").map(|e| view! { <p class="field__error" id="date-error">{e}</p> })}
                                    <input id="date" name="date" type="date" value=f.date.clone() max=r.today.clone() required
                                        aria-invalid=err("date").map(|_| "true")
                                        aria-describedby=err("date").map(|_| "date-error") />
                                </div>
                                <div class="field" class:field--invalid=status_error.is_some()>
                                    <label for="status">{td_string!(l, ent_status)}</label>
                                    {status_error.map(|e| view! { <p class="field__error" id="status-error">{e}</p> })}
                                    <select id="status" name="status" aria-describedby=status_error.map(|_| "status-error")>
                                        {kind.statuses().iter().map(|s| view! {
                                            <option value=*s selected=f.status == *s>{status_word(l, s)}</option>
                                        }).collect_view()}
                                    </select>
                                </div>
                                {(kind == EntryKind::Allergy).then(|| view! {
                                    {text_field("reaction", td_string!(l, ent_reaction).to_string(), None, f.reaction.clone(), TEXT_MAX, err("reaction"), false, "text")}
                                    <div class="field" class:field--invalid=err("severity").is_some()>
                                        <label for="severity">{td_string!(l, ent_severity)}</label>
                                        {err("severity").map(|e| view! { <p class="field__error" id="severity-error">{e}</p> })}
                                        <select id="severity" name="severity" aria-describedby=err("severity").map(|_| "severity-error")>
                                            <option value="" selected=f.severity.is_empty()>{severity_word(l, "")}</option>
                                            {SEVERITIES.iter().map(|s| view! {
                                                <option value=*s selected=f.severity == *s>{severity_word(l, s)}</option>
                                            }).collect_view()}
                                        </select>
                                    </div>
                                })}
                                {(kind == EntryKind::Medication).then(|| view! {
                                    {text_field("dose", td_string!(l, ent_dose).to_string(), Some(td_string!(l, ent_dose_hint).to_string()), f.dose.clone(), 40, err("dose"), false, "text")}
                                    {text_field("instructions", td_string!(l, ent_instructions).to_string(), None, f.instructions.clone(), TEXT_MAX, err("instructions"), false, "text")}
                                    {text_field("prescriber", td_string!(l, ent_prescriber).to_string(), None, f.prescriber.clone(), NAME_MAX, err("prescriber"), false, "text")}
                                })}
                                {(kind == EntryKind::Visit).then(|| view! {
                                    <div class="field" class:field--invalid=err("category").is_some()>
                                        <label for="category">{td_string!(l, ent_setting)}</label>
                                        {err("category").map(|e| view! { <p class="field__error" id="category-error">{e}</p> })}
                                        <select id="category" name="category" aria-describedby=err("category").map(|_| "category-error")>
                                            {VISIT_SETTINGS.iter().map(|c| view! {
                                                <option value=*c selected=f.category == *c>
                                                    {if *c == "video" { td_string!(l, ent_setting_video) } else { td_string!(l, ent_setting_in_person) }}
                                                </option>
                                            }).collect_view()}
                                        </select>
                                    </div>
                                    {text_field("prescriber", td_string!(l, ent_clinician).to_string(), None, f.prescriber.clone(), NAME_MAX, err("prescriber"), false, "text")}
                                    {text_field("detail", td_string!(l, ent_visit_reason).to_string(), Some(td_string!(l, ent_visit_hint).to_string()), f.detail.clone(), TEXT_MAX, err("detail"), false, "text")}
                                })}
                                {(kind == EntryKind::Goal).then(|| view! {
                                    {text_field("detail", td_string!(l, ent_target).to_string(), Some(td_string!(l, ent_target_hint).to_string()), f.detail.clone(), TEXT_MAX, err("detail"), false, "text")}
                                    {text_field("due", td_string!(l, ent_due).to_string(), None, f.due.clone(), 10, err("due"), false, "date")}
                                    <div class="field" class:field--invalid=err("achievement").is_some()>
                                        <label for="achievement">{td_string!(l, ent_achievement)}</label>
                                        {err("achievement").map(|e| view! { <p class="field__error" id="achievement-error">{e}</p> })}
                                        <select id="achievement" name="achievement" aria-describedby=err("achievement").map(|_| "achievement-error")>
                                            <option value="" selected=f.achievement.is_empty()>{achievement_word(l, "")}</option>
                                            {ACHIEVEMENTS.iter().map(|a| view! {
                                                <option value=*a selected=f.achievement == *a>{achievement_word(l, a)}</option>
                                            }).collect_view()}
                                        </select>
                                    </div>
                                })}
                                {(kind == EntryKind::Plan).then(|| view! {
                                    {text_field("detail", td_string!(l, ent_plan_description).to_string(), None, f.detail.clone(), TEXT_MAX, err("detail"), false, "text")}
                                    <fieldset class="field">
                                        <legend>{td_string!(l, ent_add_task)}</legend>
                                        {text_field("task", td_string!(l, ent_task).to_string(), Some(td_string!(l, ent_task_hint).to_string()), f.task.clone(), TEXT_MAX, err("task"), false, "text")}
                                        {text_field("due", td_string!(l, ent_task_due).to_string(), None, f.due.clone(), 10, err("due"), false, "date")}
                                    </fieldset>
                                })}
                                {(kind == EntryKind::Team).then(|| view! {
                                    <fieldset class="field">
                                        <legend>{td_string!(l, ent_add_member)}</legend>
                                        {text_field("member", td_string!(l, ent_member).to_string(), Some(td_string!(l, ent_member_hint).to_string()), f.member.clone(), NAME_MAX, err("member"), false, "text")}
                                        {text_field("role", td_string!(l, ent_role).to_string(), None, f.role.clone(), NAME_MAX, err("role"), false, "text")}
                                    </fieldset>
                                })}
                                {(kind == EntryKind::Result).then(|| view! {
                                    {text_field("value", td_string!(l, ent_value).to_string(), None, f.value.clone(), 30, err("value"), true, "text")}
                                    {text_field("unit", td_string!(l, ent_unit).to_string(), Some(td_string!(l, ent_unit_hint).to_string()), f.unit.clone(), UNIT_MAX, err("unit"), false, "text")}
                                    <fieldset class="field">
                                        <legend>{td_string!(l, ent_range)}</legend>
                                        {text_field("low", td_string!(l, ent_low).to_string(), None, f.low.clone(), 30, err("low"), false, "text")}
                                        {text_field("high", td_string!(l, ent_high).to_string(), None, f.high.clone(), 30, err("high"), false, "text")}
                                    </fieldset>
                                    <div class="field" class:field--invalid=err("category").is_some()>
                                        <label for="category">{td_string!(l, ent_category)}</label>
                                        <p class="field__hint" id="category-hint">{td_string!(l, ent_category_hint)}</p>
                                        {err("category").map(|e| view! { <p class="field__error" id="category-error">{e}</p> })}
                                        <select id="category" name="category"
                                            aria-describedby=if err("category").is_some() { "category-hint category-error" } else { "category-hint" }>
                                            {RESULT_CATEGORIES.iter().map(|c| view! {
                                                <option value=*c selected=f.category == *c>{category_word(l, c)}</option>
                                            }).collect_view()}
                                        </select>
                                    </div>
                                })}
                                <div class="field">
                                    <label class="choice">
                                        <input name="confidential" type="checkbox" value="true" checked=f.confidential
                                            aria-describedby="confidential-hint" />
                                        " " {td_string!(l, ent_confidential)}
                                    </label>
                                    <p class="field__hint" id="confidential-hint">{td_string!(l, ent_confidential_hint)}</p>
                                </div>
                                {correcting.then(|| view! {
                                    <div class="field" class:field--invalid=err("reason").is_some()>
                                        <label for="reason">{td_string!(l, ent_reason)}</label>
                                        <p class="field__hint" id="reason-hint">{td_string!(l, ent_reason_hint)}</p>
                                        {err("reason").map(|e| view! { <p class="field__error" id="reason-error">{e}</p> })}
                                        <textarea id="reason" name="reason" rows="3" maxlength=REASON_MAX.to_string() required
                                            aria-invalid=err("reason").map(|_| "true")
                                            aria-describedby=if err("reason").is_some() { "reason-hint reason-error" } else { "reason-hint" }>
                                            {f.reason.clone()}
                                        </textarea>
                                    </div>
                                })}
                                <button class="button" type="submit">
                                    {if correcting { td_string!(l, ent_save_correction) } else { td_string!(l, ent_save_new) }}
                                </button>
                            </form>
                            {r.item_id.clone().filter(|_| matches!(kind, EntryKind::Plan | EntryKind::Team)).map(|id| {
                                let (heading, empty) = if kind == EntryKind::Plan {
                                    (td_string!(l, ent_tasks), td_string!(l, ent_no_tasks))
                                } else {
                                    (td_string!(l, ent_members), td_string!(l, ent_no_members))
                                };
                                view! {
                                    <section class="record-section" aria-labelledby="parts-title">
                                        <h2 id="parts-title">{heading}</h2>
                                        {if r.parts.is_empty() {
                                            view! { <p class="empty">{empty}</p> }.into_any()
                                        } else {
                                            view! {
                                                <ul class="record-list">
                                                    {r.parts.iter().map(|(index, words)| view! {
                                                        <li class="record-item record-item--row">
                                                            <span>{words.clone()}</span>
                                                            <form method="post" action={<RemoveRecordPart as ServerFn>::PATH}>
                                                                <input type="hidden" name="patient_id" value=pid.clone() />
                                                                <input type="hidden" name="kind" value=kind.as_str() />
                                                                <input type="hidden" name="item" value=id.clone() />
                                                                <input type="hidden" name="index" value=index.to_string() />
                                                                <button class="button button--secondary" type="submit"
                                                                    aria-label=td_string!(l, ent_remove_named).replace("%name%", words)>
                                                                    {td_string!(l, ent_remove)}
                                                                </button>
                                                            </form>
                                                        </li>
                                                    }).collect_view()}
                                                </ul>
                                            }.into_any()
                                        }}
                                    </section>
                                }
                            })}
                            {r.item_id.clone().map(|id| view! {
                                <section class="record-section" aria-labelledby="history-title">
                                    <h2 id="history-title">{td_string!(l, ent_history)}</h2>
                                    <ol class="history">
                                        {r.versions.iter().map(|v| {
                                            let who = if v.by.is_empty() { td_string!(l, ent_history_feed).to_string() } else { v.by.clone() };
                                            let what = if v.version == 1 {
                                                td_string!(l, ent_history_first).to_string()
                                            } else {
                                                td_string!(l, ent_history_changed).replace("%reason%", &v.reason)
                                            };
                                            view! { <li><strong>{v.when.clone()}</strong> " · " {who} " · " {what}</li> }
                                        }).collect_view()}
                                    </ol>
                                </section>
                                <details class="disclosure" open=error_problem.is_some()>
                                    <summary>{td_string!(l, ent_error_title)}</summary>
                                    <form class="form" method="post" action={<MarkEnteredInError as ServerFn>::PATH}>
                                        <p>{td_string!(l, ent_error_intro)}</p>
                                        <input type="hidden" name="patient_id" value=pid.clone() />
                                        <input type="hidden" name="kind" value=kind.as_str() />
                                        <input type="hidden" name="item" value=id />
                                        <div class="field" class:field--invalid=error_problem.is_some()>
                                            <label for="error-reason">{td_string!(l, ent_error_reason)}</label>
                                            {error_problem.map(|e| view! { <p class="field__error" id="error-reason-error">{e}</p> })}
                                            <textarea id="error-reason" name="reason" rows="3" maxlength=REASON_MAX.to_string() required
                                                aria-invalid=error_problem.map(|_| "true")
                                                aria-describedby=error_problem.map(|_| "error-reason-error")></textarea>
                                        </div>
                                        <button class="button button--danger" type="submit">{td_string!(l, ent_error_button)}</button>
                                    </form>
                                </details>
                            })}
                        </section>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}
