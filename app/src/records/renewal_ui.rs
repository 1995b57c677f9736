//! `/records/renewal`: one medication, and the short form that asks the care team to renew it
//! (or where the request already sent stands). Complete without JavaScript.

#[cfg(feature = "ssr")]
use super::renewal::KEPT_RENEWAL;
use super::renewal::{renewal_form, RenewalFields, RequestRenewal, NOTE_MAX, PHARMACY_MAX};
use super::ui::{detail_label, RecordsNav, RecordsProblem};
use crate::error::AppError;
use crate::i18n::{td, td_string};
use crate::locale::use_locale;
use crate::organisation::PRODUCT_NAME;
use crate::shell::Loading;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use server_fn::ServerFn;

/// `/records/renewal?patient=…&medication=…`.
#[component]
pub fn RenewalPage() -> impl IntoView {
    let l = use_locale();
    let query = use_query_map().get_untracked();
    let patient = query.get("patient").unwrap_or_default();
    let medication = query.get("medication").unwrap_or_default();
    let error = crate::shell::action_error::<RequestRenewal>();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, rnw_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (patient, medication, error) = (patient.clone(), medication.clone(), error.clone());
                Suspend::new(async move {
                    let r = match renewal_form(Some(patient).filter(|p| !p.is_empty()), medication).await {
                        Ok(r) => r,
                        Err(error) => return view! { <RecordsProblem error /> }.into_any(),
                    };
                    let problems = match &error {
                        Some(AppError::Validation(p)) => p.clone(),
                        _ => Default::default(),
                    };
                    #[cfg(feature = "ssr")]
                    let typed: RenewalFields = if problems.is_empty() {
                        RenewalFields::default()
                    } else {
                        crate::forms::recall(KEPT_RENEWAL).unwrap_or_default()
                    };
                    #[cfg(not(feature = "ssr"))]
                    let typed = RenewalFields::default();
                    let too_long = |field: &str, max: usize| {
                        problems.get(field).map(|_| td_string!(l, rnw_too_long).replace("%max%", &max.to_string()))
                    };
                    let pharmacy_error = too_long("pharmacy", PHARMACY_MAX);
                    let note_error = too_long("note", NOTE_MAX);
                    let already = problems.get("form").is_some_and(|c| c == "already_requested");
                    let name = r.patient_name.clone();
                    let m = r.medication.clone();
                    view! {
                        <section class="page" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, rnw_title)}</h1>
                            <p class="muted">{td!(l, ms_for, name = move || name.clone())}</p>
                            <RecordsNav patient_id=r.patient_id.clone() current="summary" />
                            <p><a href=format!("/records?patient={}#medications", r.patient_id)>{td_string!(l, rnw_back)}</a></p>
                            {already.then(|| view! { <p class="notice notice--error" role="alert">{td_string!(l, rnw_already)}</p> })}
                            {(pharmacy_error.is_some() || note_error.is_some()).then(|| view! {
                                <p class="notice notice--error" role="alert">{td_string!(l, check_fields)}</p>
                            })}
                            {error.as_ref().filter(|e| !matches!(e, AppError::Validation(_))).map(|_| view! {
                                <p class="notice notice--error" role="alert">{td_string!(l, try_later)}</p>
                            })}
                            <section class="record-section" aria-labelledby="medication-name">
                                <h2 id="medication-name">{m.display.clone()}</h2>
                                {(!m.details.is_empty()).then(|| view! {
                                    <dl class="record-item__details">
                                        {m.details.iter().map(|(k, v)| view! {
                                            <div><dt>{detail_label(l, k)}</dt><dd>{v.clone()}</dd></div>
                                        }).collect_view()}
                                    </dl>
                                })}
                                {(!m.date.is_empty()).then(|| view! { <p class="muted">{m.date.clone()}</p> })}
                            </section>
                            {match r.open.clone() {
                                Some(open) => view! {
                                    <p class="notice" role="status">
                                        {td_string!(l, rnw_open)
                                            .replace("%date%", &open.date)
                                            .replace("%status%", crate::messaging::status_name(l, &open.status))}
                                        " "
                                        <a href=format!("/messages/{}", open.conversation_id)>{td_string!(l, rnw_see)}</a>
                                    </p>
                                }.into_any(),
                                None => view! {
                                    <form class="form" method="post" action={<RequestRenewal as ServerFn>::PATH} aria-labelledby="renewal-form-title">
                                        <h2 id="renewal-form-title">{td_string!(l, rnw_form_title)}</h2>
                                        <p>{td_string!(l, rnw_intro)}</p>
                                        <input type="hidden" name="patient_id" value=r.patient_id.clone() />
                                        <input type="hidden" name="medication" value=m.id.clone() />
                                        <div class="field" class:field--invalid=pharmacy_error.is_some()>
                                            <label for="pharmacy">{td_string!(l, rnw_pharmacy)}</label>
                                            <p id="pharmacy-hint" class="field__hint">{td_string!(l, rnw_pharmacy_hint)}</p>
                                            {pharmacy_error.clone().map(|e| view! { <p class="field__error" id="pharmacy-error">{e}</p> })}
                                            <input id="pharmacy" name="pharmacy" type="text" autocomplete="off"
                                                maxlength=PHARMACY_MAX.to_string() value=typed.pharmacy.clone()
                                                aria-invalid=pharmacy_error.as_ref().map(|_| "true")
                                                aria-describedby=if pharmacy_error.is_some() { "pharmacy-hint pharmacy-error" } else { "pharmacy-hint" } />
                                        </div>
                                        <div class="field" class:field--invalid=note_error.is_some()>
                                            <label for="note">{td_string!(l, rnw_note)}</label>
                                            {note_error.clone().map(|e| view! { <p class="field__error" id="note-error">{e}</p> })}
                                            <textarea id="note" name="note" rows="4" maxlength=NOTE_MAX.to_string()
                                                aria-invalid=note_error.as_ref().map(|_| "true")
                                                aria-describedby=note_error.as_ref().map(|_| "note-error")>
                                                {typed.note.clone()}
                                            </textarea>
                                        </div>
                                        <button class="button" type="submit">{td_string!(l, rnw_send)}</button>
                                    </form>
                                }.into_any(),
                            }}
                        </section>
                    }.into_any()
                })
            }}
        </Suspense>
    }
}
