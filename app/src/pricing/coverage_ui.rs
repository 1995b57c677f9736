//! Coverage and personal estimates on the page: `/billing/coverage` (the patient's side reads it
//! and asks for a correction; staff keep it), the "what you would pay" panel on an item's page
//! and at booking, and the printable good-faith estimate. All server-rendered forms; nothing here
//! needs JavaScript.

#[cfg(feature = "ssr")]
use super::coverage::KEPT_COVERAGE;
use super::coverage::{
    good_faith_estimate, page_estimate, page_visit_estimate, patient_coverage,
    AskCoverageCorrection, SaveCoverage, NOTE_MAX,
};
use super::domain::*;
use super::estimate::{percent_text, CostShare, Split};
use super::money::format_usd;
use crate::error::AppError;
use crate::i18n::{td, td_string};
use crate::locale::{use_locale, Locale};
use crate::organisation::PRODUCT_NAME;
use crate::shell::{Loading, PatientPageProblem};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use server_fn::ServerFn;

fn usd(cents: i64) -> String {
    format_usd(cents)
}

fn fill(text: &str, pairs: &[(&str, String)]) -> String {
    pairs.iter().fold(text.to_string(), |t, (k, v)| {
        t.replace(&format!("%{k}%"), v)
    })
}

fn status_words(l: Locale, status: &str) -> &'static str {
    match status {
        "received" => td_string!(l, ms_status_received),
        "in_progress" => td_string!(l, ms_status_in_progress),
        "waiting" => td_string!(l, ms_status_waiting),
        _ => td_string!(l, ms_status_done),
    }
}

fn field_problem(l: Locale, code: &str) -> &'static str {
    match code {
        "not_money" => td_string!(l, cv_err_money),
        "not_percent" => td_string!(l, cv_err_percent),
        "more_than_deductible" => td_string!(l, cv_err_met),
        "more_than_max" => td_string!(l, cv_err_max),
        "required" => td_string!(l, cv_err_required),
        "too_long" => td_string!(l, cv_err_long),
        "unknown" => td_string!(l, cv_err_plan),
        "already_asked" => td_string!(l, cv_err_already),
        _ => td_string!(l, cv_err_required),
    }
}

/// The figures on file, as a definition list.
#[component]
fn CoverageFacts(view: CoverageView) -> impl IntoView {
    let l = use_locale();
    let s = view.share;
    match view.plan.clone() {
        None => view! {
            <dl class="facts">
                <dt>{td_string!(l, cv_plan)}</dt>
                <dd>{td_string!(l, cv_self_pay)}</dd>
            </dl>
        }
        .into_any(),
        Some(plan) => view! {
            <dl class="facts">
                <dt>{td_string!(l, cv_plan)}</dt>
                <dd>{plan.label()}</dd>
                {(!view.member_id.is_empty()).then(|| view! {
                    <dt>{td_string!(l, cv_member_id)}</dt>
                    <dd>{view.member_id.clone()}</dd>
                })}
                <dt>{td_string!(l, cv_deductible)}</dt>
                <dd>{fill(td_string!(l, cv_of_met), &[("total", usd(s.deductible)), ("met", usd(s.deductible_met))])}</dd>
                <dt>{td_string!(l, cv_coinsurance)}</dt>
                <dd>{format!("{}%", percent_text(s.coinsurance_bp))}</dd>
                <dt>{td_string!(l, cv_copay)}</dt>
                <dd>{if s.copay > 0 { usd(s.copay) } else { td_string!(l, cv_none).to_string() }}</dd>
                <dt>{td_string!(l, cv_oop)}</dt>
                <dd>{fill(td_string!(l, cv_of_met), &[("total", usd(s.oop_max)), ("met", usd(s.oop_met))])}</dd>
            </dl>
        }
        .into_any(),
    }
}

/// One money field of the staff form.
#[component]
fn AmountField(
    name: &'static str,
    label: &'static str,
    hint: Option<&'static str>,
    value: String,
    error: Option<&'static str>,
) -> impl IntoView {
    let id = format!("cv-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = match (error.is_some(), hint.is_some()) {
        (true, true) => Some(format!("{error_id} {hint_id}")),
        (true, false) => Some(error_id.clone()),
        (false, true) => Some(hint_id.clone()),
        (false, false) => None,
    };
    view! {
        <div class="field" class:field--invalid=error.is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="field__hint muted" id=hint_id.clone()>{h}</p> })}
            {error.map(|e| view! { <p class="field__error" id=error_id.clone()>{e}</p> })}
            <input id=id.clone() name=name type="text" inputmode="decimal" autocomplete="off"
                class="input--short" value=value
                aria-invalid=error.map(|_| "true")
                aria-describedby=described />
        </div>
    }
}

/// The staff form: the plan (or self-pay) and its figures, filled with what is on file, or with
/// what was typed when it was refused.
#[component]
fn CoverageEditor(
    view: CoverageView,
    typed: Option<CoverageForm>,
    problems: std::collections::BTreeMap<String, String>,
) -> impl IntoView {
    let l = use_locale();
    let s = view.share;
    let money = |c: i64| {
        if c == 0 {
            String::new()
        } else {
            super::money::decimal_text(c)
        }
    };
    let form = typed.unwrap_or_else(|| CoverageForm {
        plan: view.plan.as_ref().map(|p| p.id.clone()).unwrap_or_default(),
        member_id: view.member_id.clone(),
        deductible: money(s.deductible),
        deductible_met: money(s.deductible_met),
        coinsurance: if s.coinsurance_bp == 0 {
            String::new()
        } else {
            percent_text(s.coinsurance_bp)
        },
        copay: money(s.copay),
        oop_max: money(s.oop_max),
        oop_met: money(s.oop_met),
    });
    let err = |f: &str| problems.get(f).map(|c| field_problem(l, c));
    let plan_error = err("plan");
    let member_error = err("member_id");
    view! {
        <form class="form" method="post" action={<SaveCoverage as ServerFn>::PATH} aria-labelledby="cv-edit-title">
            <h2 id="cv-edit-title">{td_string!(l, cv_edit_title)}</h2>
            <p class="muted">{td_string!(l, cv_edit_intro)}</p>
            <input type="hidden" name="patient_id" value=view.patient_id.clone() />
            <div class="field" class:field--invalid=plan_error.is_some()>
                <label for="cv-plan">{td_string!(l, cv_plan)}</label>
                {plan_error.map(|e| view! { <p class="field__error" id="cv-plan-error">{e}</p> })}
                <select id="cv-plan" name="plan" aria-describedby=plan_error.map(|_| "cv-plan-error")>
                    <option value="" selected=form.plan.is_empty()>{td_string!(l, cv_self_pay)}</option>
                    {view.plans.iter().map(|p| view! {
                        <option value=p.id.clone() selected=p.id == form.plan>{p.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field" class:field--invalid=member_error.is_some()>
                <label for="cv-member_id">{td_string!(l, cv_member_id)}</label>
                {member_error.map(|e| view! { <p class="field__error" id="cv-member_id-error">{e}</p> })}
                <input id="cv-member_id" name="member_id" type="text" maxlength="40" autocomplete="off"
                    value=form.member_id.clone() aria-describedby=member_error.map(|_| "cv-member_id-error") />
            </div>
            <fieldset class="fieldset">
                <legend>{td_string!(l, cv_figures)}</legend>
                <p class="muted">{td_string!(l, cv_figures_hint)}</p>
                <AmountField name="deductible" label=td_string!(l, cv_deductible) hint=None value=form.deductible.clone() error=err("deductible") />
                <AmountField name="deductible_met" label=td_string!(l, cv_deductible_met) hint=None value=form.deductible_met.clone() error=err("deductible_met") />
                <AmountField name="coinsurance" label=td_string!(l, cv_coinsurance_percent) hint=Some(td_string!(l, cv_coinsurance_hint)) value=form.coinsurance.clone() error=err("coinsurance") />
                <AmountField name="copay" label=td_string!(l, cv_copay) hint=Some(td_string!(l, cv_copay_hint)) value=form.copay.clone() error=err("copay") />
                <AmountField name="oop_max" label=td_string!(l, cv_oop) hint=None value=form.oop_max.clone() error=err("oop_max") />
                <AmountField name="oop_met" label=td_string!(l, cv_oop_met) hint=None value=form.oop_met.clone() error=err("oop_met") />
            </fieldset>
            <button class="button" type="submit">{td_string!(l, cv_save)}</button>
        </form>
    }
}

/// `/billing/coverage`: the coverage on file. The patient's side asks for corrections; staff
/// keep it.
#[component]
pub fn CoveragePage() -> impl IntoView {
    let l = use_locale();
    let query = use_query_map().get_untracked();
    let patient = query.get("patient").unwrap_or_default();
    let saved = query.get("saved").is_some();
    let asked = query.get("asked").is_some();
    let save_error = crate::shell::action_error::<SaveCoverage>();
    let ask_error = crate::shell::action_error::<AskCoverageCorrection>();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, cv_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (patient, save_error, ask_error) = (patient.clone(), save_error.clone(), ask_error.clone());
                Suspend::new(async move {
                    let v = match patient_coverage(Some(patient).filter(|p| !p.is_empty())).await {
                        Ok(v) => v,
                        Err(error) => return view! {
                            <PatientPageProblem error title=td_string!(l, cv_title)
                                no_patient=td_string!(l, cv_no_patient) sign_in=td_string!(l, cv_sign_in) />
                        }.into_any(),
                    };
                    let problems = match &save_error {
                        Some(AppError::Validation(p)) => p.clone(),
                        _ => Default::default(),
                    };
                    #[cfg(feature = "ssr")]
                    let typed: Option<CoverageForm> = (!problems.is_empty()).then(|| crate::forms::recall(KEPT_COVERAGE)).flatten();
                    #[cfg(not(feature = "ssr"))]
                    let typed: Option<CoverageForm> = None;
                    let ask_problem = match &ask_error {
                        Some(AppError::Validation(p)) => p.get("note").map(|c| field_problem(l, c)),
                        _ => None,
                    };
                    let other_error = save_error.iter().chain(ask_error.iter())
                        .any(|e| !matches!(e, AppError::Validation(_)));
                    let name = v.patient_name.clone();
                    let q = format!("?patient={}", v.patient_id);
                    let open_correction = v.correction.clone().filter(|c| c.status != "done");
                    view! {
                        <section class="page page--narrow" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, cv_title)}</h1>
                            <p class="muted">{td!(l, ms_for, name = move || name.clone())}</p>
                            {saved.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, cv_saved)}</p> })}
                            {asked.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, cv_asked)}</p> })}
                            {(!problems.is_empty()).then(|| view! { <p class="notice notice--error" role="alert">{td_string!(l, cv_check)}</p> })}
                            {other_error.then(|| view! { <p class="notice notice--error" role="alert">{td_string!(l, try_later)}</p> })}
                            {if v.on_file {
                                let updated = v.updated.clone();
                                view! {
                                    <CoverageFacts view=v.clone() />
                                    <p class="muted">{fill(td_string!(l, cv_updated), &[("date", updated)])}</p>
                                }.into_any()
                            } else {
                                view! { <p class="empty">{td_string!(l, cv_nothing)}</p> }.into_any()
                            }}
                            <p><a href="/prices">{td_string!(l, cv_find_prices)}</a></p>
                            {v.correction.clone().map(|c| {
                                let words = fill(td_string!(l, cv_correction_status), &[("date", c.asked.clone()), ("status", status_words(l, &c.status).to_string())]);
                                view! {
                                    <p class="notice" role="status">{words} " · "
                                        {(!v.staff).then(|| view! { <a href=format!("/messages/{}", c.conversation_id)>{td_string!(l, cv_see_request)}</a> })}
                                        {v.staff.then(|| view! { <a href=format!("/staff/messages/{}", c.conversation_id)>{td_string!(l, cv_see_request)}</a> })}
                                    </p>
                                }
                            })}
                            {if v.staff {
                                let history = v.history.clone();
                                view! {
                                    <CoverageEditor view=v.clone() typed problems=problems.clone() />
                                    <section class="record-section" aria-labelledby="cv-history-title">
                                        <h2 id="cv-history-title">{td_string!(l, cv_history)}</h2>
                                        {if history.is_empty() {
                                            view! { <p class="empty">{td_string!(l, cv_history_none)}</p> }.into_any()
                                        } else {
                                            view! {
                                                <ul class="record-list">
                                                    {history.into_iter().map(|h| view! {
                                                        <li>{h.at} " · " {h.by} " · " {h.plan.unwrap_or_else(|| td_string!(l, cv_self_pay).to_string())}</li>
                                                    }).collect_view()}
                                                </ul>
                                            }.into_any()
                                        }}
                                    </section>
                                    <p><a href=format!("/staff/patients/{}", v.patient_id)>{td_string!(l, cv_back_patient)}</a></p>
                                }.into_any()
                            } else if open_correction.is_some() {
                                ().into_any()
                            } else {
                                view! {
                                    <form class="form" method="post" action={<AskCoverageCorrection as ServerFn>::PATH} aria-labelledby="cv-ask-title">
                                        <h2 id="cv-ask-title">{td_string!(l, cv_ask_title)}</h2>
                                        <input type="hidden" name="patient_id" value=v.patient_id.clone() />
                                        <div class="field" class:field--invalid=ask_problem.is_some()>
                                            <label for="cv-note">{td_string!(l, cv_ask_label)}</label>
                                            <p class="field__hint muted" id="cv-note-hint">{td_string!(l, cv_ask_hint)}</p>
                                            {ask_problem.map(|e| view! { <p class="field__error" id="cv-note-error">{e}</p> })}
                                            <textarea id="cv-note" name="note" rows="4" required maxlength=NOTE_MAX.to_string()
                                                aria-invalid=ask_problem.map(|_| "true")
                                                aria-describedby=if ask_problem.is_some() { "cv-note-error cv-note-hint" } else { "cv-note-hint" }></textarea>
                                        </div>
                                        <button class="button" type="submit">{td_string!(l, cv_ask_button)}</button>
                                    </form>
                                }.into_any()
                            }}
                            {(!v.staff).then(|| view! { <p><a href=format!("/me{q}")>{td_string!(l, cv_back_me)}</a></p> })}
                        </section>
                    }.into_any()
                })
            }}
        </Suspense>
    }
}

/// The steps of a plan estimate, in plain words with the numbers.
fn plan_steps(l: Locale, split: &Split, share: &CostShare) -> Vec<String> {
    let mut steps = Vec::new();
    let rest = split.allowed - split.deductible;
    if split.deductible > 0 {
        steps.push(fill(
            td_string!(l, est_step_deductible),
            &[
                ("amount", usd(split.deductible)),
                ("left", usd(share.deductible_left())),
                ("total", usd(share.deductible)),
            ],
        ));
    } else if share.deductible > 0 {
        steps.push(td_string!(l, est_step_deductible_met).to_string());
    } else {
        steps.push(td_string!(l, est_step_no_deductible).to_string());
    }
    if split.copay > 0 {
        steps.push(fill(
            td_string!(l, est_step_copay),
            &[("amount", usd(split.copay))],
        ));
    } else if rest == 0 {
        steps.push(td_string!(l, est_step_nothing_left).to_string());
    } else if split.coinsurance > 0 {
        steps.push(fill(
            td_string!(l, est_step_coinsurance),
            &[
                (
                    "percent",
                    format!("{}%", percent_text(share.coinsurance_bp)),
                ),
                ("rest", usd(rest)),
                ("amount", usd(split.coinsurance)),
            ],
        ));
    } else {
        steps.push(fill(
            td_string!(l, est_step_plan_rest),
            &[("rest", usd(rest))],
        ));
    }
    if split.capped > 0 {
        steps.push(fill(
            td_string!(l, est_step_capped),
            &[
                ("left", usd(share.oop_left())),
                ("owed", usd(split.patient + split.capped)),
                ("amount", usd(split.patient)),
            ],
        ));
    }
    steps
}

/// A personal estimate: what the patient pays and why.
#[component]
pub fn PersonalEstimateView(
    estimate: PersonalEstimate,
    #[prop(optional)] heading_level: u8,
) -> impl IntoView {
    let l = use_locale();
    let title = fill(
        td_string!(l, est_title),
        &[("name", estimate.patient_name.clone())],
    );
    let heading = if heading_level == 3 {
        view! { <h3 id="estimate-title">{title}</h3> }.into_any()
    } else {
        view! { <h2 id="estimate-title">{title}</h2> }.into_any()
    };
    let q = format!("?patient={}", estimate.patient_id);
    let coverage_link = format!("/billing/coverage{q}");
    let good_faith = format!("/prices/{}/good-faith{q}", estimate.item_id);
    let body = match estimate.kind.clone() {
        EstimateKind::Plan { plan, split, share, percent_of_charges, .. } => {
            let steps = plan_steps(l, &split, &share);
            view! {
                <p>{fill(td_string!(l, est_rate), &[("plan", plan.label()), ("amount", usd(split.allowed))])}
                    {percent_of_charges.map(|p| format!(" {}", fill(td_string!(l, est_rate_percent), &[("percent", format!("{p}%"))])))}
                </p>
                <ol class="estimate__steps">
                    {steps.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}
                </ol>
                <dl class="estimate__totals">
                    <dt>{td_string!(l, est_you_pay)}</dt>
                    <dd class="estimate__amount">{usd(split.patient)}</dd>
                    <dt>{td_string!(l, est_plan_pays)}</dt>
                    <dd>{usd(split.plan)}</dd>
                </dl>
                <p class="muted">{td_string!(l, est_caveat)} " " <a href=coverage_link.clone()>{td_string!(l, est_see_coverage)}</a></p>
            }
            .into_any()
        }
        EstimateKind::SelfPay { cash, on_file } => view! {
            <p>{if on_file { td_string!(l, est_self_pay) } else { td_string!(l, est_no_coverage) }}</p>
            {match cash {
                Some(c) => view! {
                    <dl class="estimate__totals">
                        <dt>{td_string!(l, est_you_pay)}</dt>
                        <dd class="estimate__amount">{usd(c)}</dd>
                    </dl>
                    <p><a class="button button--quiet" href=good_faith.clone()>{td_string!(l, est_good_faith_link)}</a></p>
                }.into_any(),
                None => view! { <p>{td_string!(l, est_no_cash)}</p> }.into_any(),
            }}
            <p class="muted"><a href=coverage_link.clone()>{td_string!(l, est_add_insurance)}</a></p>
        }
        .into_any(),
        EstimateKind::NoRate { plan, cash } => view! {
            <p>{fill(td_string!(l, est_no_rate), &[("plan", plan.label())])}</p>
            {cash.map(|c| view! { <p>{fill(td_string!(l, est_cash_instead), &[("amount", usd(c))])}</p> })}
            <p class="muted"><a href=coverage_link.clone()>{td_string!(l, est_see_coverage)}</a></p>
        }
        .into_any(),
    };
    view! {
        <section class="estimate" aria-labelledby="estimate-title">
            {heading}
            {body}
        </section>
    }
}

/// The patient's estimate on an item's page: for the patient the caller acts for; a sign-in
/// hint for visitors; nothing for callers who act for nobody.
#[component]
pub fn MyEstimate(item_id: String) -> impl IntoView {
    let l = use_locale();
    view! {
        <Suspense fallback=Loading>
            {move || {
                let item_id = item_id.clone();
                Suspend::new(async move {
                    match page_estimate(item_id).await {
                        Ok(Some(estimate)) => view! { <PersonalEstimateView estimate /> }.into_any(),
                        Err(AppError::Unauthenticated) => view! {
                            <p class="notice">{td_string!(l, est_sign_in)} " "
                                <a href="/sign-in">{td_string!(l, nav_sign_in)}</a></p>
                        }.into_any(),
                        _ => ().into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The estimate for a visit type, at booking and on a booked visit. Shows nothing when the
/// visit type has no price, or the caller may not see the patient's billing.
#[component]
pub fn VisitEstimate(patient_id: String, visit_type: String) -> impl IntoView {
    view! {
        <Suspense fallback=Loading>
            {move || {
                let (patient_id, visit_type) = (patient_id.clone(), visit_type.clone());
                Suspend::new(async move {
                    match page_visit_estimate(patient_id, visit_type).await {
                        Ok(Some(estimate)) => view! { <PersonalEstimateView estimate /> }.into_any(),
                        _ => ().into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// `/prices/:id/good-faith`: a good-faith estimate to print (self-pay charges for the service
/// and those usually billed with it).
#[component]
pub fn GoodFaithPage() -> impl IntoView {
    let l = use_locale();
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let patient = use_query_map()
        .get_untracked()
        .get("patient")
        .unwrap_or_default();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, gfe_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (id, patient) = (id.clone(), patient.clone());
                Suspend::new(async move {
                    let g = match good_faith_estimate(id, Some(patient).filter(|p| !p.is_empty())).await {
                        Ok(g) => g,
                        Err(AppError::NotFound) => return view! { <crate::shell::NotFoundPage /> }.into_any(),
                        Err(error) => return view! {
                            <PatientPageProblem error title=td_string!(l, gfe_title)
                                no_patient=td_string!(l, cv_no_patient) sign_in=td_string!(l, cv_sign_in) />
                        }.into_any(),
                    };
                    view! {
                        <section class="page page--narrow good-faith" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, gfe_title)}</h1>
                            <dl class="facts">
                                <dt>{td_string!(l, gfe_patient)}</dt>
                                <dd>{g.patient_name.clone()}</dd>
                                <dt>{td_string!(l, gfe_born)}</dt>
                                <dd>{g.birth_date.clone()}</dd>
                                <dt>{td_string!(l, gfe_provider)}</dt>
                                <dd>{g.hospital.clone()}<br />{g.addresses.join("; ")}</dd>
                                <dt>{td_string!(l, gfe_issued)}</dt>
                                <dd>{g.issued.clone()}</dd>
                            </dl>
                            <table class="table">
                                <caption>{td_string!(l, gfe_items)}</caption>
                                <thead><tr>
                                    <th scope="col">{td_string!(l, gfe_service)}</th>
                                    <th scope="col">{td_string!(l, gfe_codes)}</th>
                                    <th scope="col" class="num">{td_string!(l, gfe_charge)}</th>
                                </tr></thead>
                                <tbody>
                                    {g.lines.iter().map(|line| view! {
                                        <tr>
                                            <th scope="row">{line.name.clone()}</th>
                                            <td>{line.codes.clone()}</td>
                                            <td class="num">{line.cash.map(usd).unwrap_or_else(|| td_string!(l, gfe_ask).to_string())}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                                <tfoot><tr>
                                    <th scope="row" colspan="2">{td_string!(l, gfe_total)}</th>
                                    <td class="num"><strong>{usd(g.total)}</strong></td>
                                </tr></tfoot>
                            </table>
                            {(g.unpriced > 0).then(|| view! { <p class="notice">{td_string!(l, gfe_unpriced)}</p> })}
                            <h2>{td_string!(l, gfe_rights_title)}</h2>
                            <p>{td_string!(l, gfe_not_a_bill)}</p>
                            <p>{td_string!(l, gfe_dispute)}</p>
                            <p>{td_string!(l, gfe_keep)}</p>
                            <p class="no-print"><a href=format!("/prices/{}", g.item_id)>{td_string!(l, gfe_back)}</a></p>
                        </section>
                    }.into_any()
                })
            }}
        </Suspense>
    }
}
