use super::{find_patients, CreatePatient, NewPatientForm, PatientListing, SEARCH_LIMIT};
use crate::admin::AccessProblem;
use crate::error::AppError;
use crate::household::{AccessManager, CreateLinkInvitation, InviteProxy};
use crate::i18n::{td, td_string};
use crate::locale::use_locale;
use crate::organisation::PRODUCT_NAME;
use crate::shell::Loading;
use leptos::prelude::*;
use leptos_meta::Title;
use server_fn::ServerFn;

/// Why the caller may not use staff pages, if they may not. The server functions each page
/// calls check again; this only keeps staff pages from showing to anyone else.
async fn not_staff() -> Option<AppError> {
    match crate::shell::load_signed_in().await {
        Ok(Some(me)) if me.roles.iter().any(|r| r == "staff") => None,
        Ok(Some(_)) => Some(AppError::Forbidden),
        Ok(None) => Some(AppError::Unauthenticated),
        Err(error) => Some(error),
    }
}

/// `/staff/patients`: find a patient by name and date of birth (a GET form).
#[component]
pub fn StaffPatientsPage() -> impl IntoView {
    let l = use_locale();
    let params = leptos_router::hooks::use_query_map().get_untracked();
    let name = params.get("name").unwrap_or_default();
    let birth = params.get("birth_date").unwrap_or_default();
    let searched = params.get("name").is_some() || params.get("birth_date").is_some();
    let add_error = ServerAction::<CreatePatient>::new()
        .value()
        .get_untracked()
        .and_then(Result::err);
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, staff_patients_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (name, birth, add_error) = (name.clone(), birth.clone(), add_error.clone());
                Suspend::new(async move {
                    let result = if searched {
                        Some(find_patients(name.clone(), Some(birth.clone())).await)
                    } else {
                        None
                    };
                    if let Some(Err(error @ (AppError::Unauthenticated | AppError::Forbidden | AppError::SecondFactorRequired))) = result {
                        return view! { <AccessProblem error /> }.into_any();
                    }
                    if let Some(error) = not_staff().await {
                        return view! { <AccessProblem error /> }.into_any();
                    }
                    view! {
                        <section class="page" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, staff_patients_title)}</h1>
                            <p>{td_string!(l, staff_patients_intro)}</p>
                            <form class="form form--grid" method="get" action="/staff/patients" role="search"
                                aria-label=td_string!(l, staff_patients_title)>
                                <div class="field">
                                    <label for="patient-name">{td_string!(l, staff_search_name)}</label>
                                    <input id="patient-name" name="name" type="search" autocomplete="off" value=name.clone() />
                                </div>
                                <div class="field">
                                    <label for="patient-birth">{td_string!(l, staff_search_birth)}</label>
                                    <input id="patient-birth" name="birth_date" type="date" value=birth.clone() />
                                </div>
                                <div class="form__actions">
                                    <button class="button" type="submit">{td_string!(l, staff_search_button)}</button>
                                </div>
                            </form>
                            {result.map(|r| view! { <PatientResults result=r /> })}
                            <AddPatient error=add_error />
                        </section>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

/// The add-a-patient form, open and filled in again after a failed post.
#[component]
fn AddPatient(error: Option<AppError>) -> impl IntoView {
    let l = use_locale();
    #[cfg(feature = "ssr")]
    let typed: NewPatientForm = if error.is_some() {
        crate::forms::recall(super::NEW_PATIENT_COOKIE).unwrap_or_default()
    } else {
        Default::default()
    };
    #[cfg(not(feature = "ssr"))]
    let typed = NewPatientForm::default();
    let fields = match &error {
        Some(AppError::Validation(f)) => f.clone(),
        _ => Default::default(),
    };
    let problem = |field: &str| {
        fields.get(field).map(|code| match (field, code.as_str()) {
            ("given_name", "too_long") | ("family_name", "too_long") => {
                td_string!(l, name_too_long)
            }
            ("given_name", _) => td_string!(l, staff_given_required),
            ("family_name", _) => td_string!(l, staff_family_required),
            ("birth_date", "future") => td_string!(l, birth_date_future),
            ("birth_date", "required") => td_string!(l, staff_birth_required),
            ("birth_date", _) => td_string!(l, birth_date_invalid),
            ("email", _) => td_string!(l, email_invalid),
            _ => td_string!(l, staff_choose_one),
        })
    };
    let notice = match &error {
        None => None,
        Some(AppError::Validation(_)) => Some(td_string!(l, check_fields)),
        Some(AppError::Conflict(c)) if c == "duplicate" => Some(td_string!(l, staff_duplicate)),
        Some(_) => Some(td_string!(l, try_later)),
    };
    let field = move |id: &'static str,
                      label: &'static str,
                      kind: &'static str,
                      value: String,
                      autocomplete: &'static str| {
        let p = problem(id);
        let error_id = format!("{id}-error");
        view! {
            <div class="field" class:field--invalid=p.is_some()>
                <label for=id>{label}</label>
                {p.map(|e| view! { <p class="field__error" id=error_id.clone()>{e}</p> })}
                <input id=id name=id type=kind value=value autocomplete=autocomplete
                    aria-invalid=p.map(|_| "true") aria-describedby=p.map(|_| error_id.clone()) />
            </div>
        }
    };
    let sex_problem = problem("sex");
    let language_problem = problem("preferred_language");
    let sexes = [
        ("female", td_string!(l, sex_female)),
        ("male", td_string!(l, sex_male)),
        ("other", td_string!(l, sex_other)),
        ("unknown", td_string!(l, sex_unknown)),
    ];
    let languages = [("en", "English"), ("es", "Español")];
    view! {
        <details class="disclosure" open=error.is_some()>
            <summary>{td_string!(l, staff_add_heading)}</summary>
            <p>{td_string!(l, staff_add_intro)}</p>
            {notice.map(|n| view! { <p class="notice notice--error" role="alert">{n}</p> })}
            <form class="form" method="post" action={<CreatePatient as ServerFn>::PATH} novalidate>
                {field("given_name", td_string!(l, given_name_label), "text", typed.given_name.clone(), "off")}
                {field("family_name", td_string!(l, family_name_label), "text", typed.family_name.clone(), "off")}
                {field("birth_date", td_string!(l, birth_date_label), "date", typed.birth_date.clone(), "off")}
                <fieldset class="field" class:field--invalid=sex_problem.is_some()>
                    <legend>{td_string!(l, sex_label)}</legend>
                    {sex_problem.map(|e| view! { <p class="field__error">{e}</p> })}
                    {sexes.into_iter().map(|(value, label)| view! {
                        <label class="choice">
                            <input type="radio" name="sex" value=value checked=typed.sex == value /> " " {label}
                        </label>
                    }).collect_view()}
                </fieldset>
                <fieldset class="field" class:field--invalid=language_problem.is_some()>
                    <legend>{td_string!(l, language_label)}</legend>
                    {language_problem.map(|e| view! { <p class="field__error">{e}</p> })}
                    {languages.into_iter().map(|(value, label)| view! {
                        <label class="choice" lang=value>
                            <input type="radio" name="preferred_language" value=value checked=typed.preferred_language == value /> " " {label}
                        </label>
                    }).collect_view()}
                </fieldset>
                {field("email", td_string!(l, staff_patient_email_label), "email", typed.email.clone(), "off")}
                <button class="button" type="submit">{td_string!(l, staff_add_button)}</button>
            </form>
        </details>
    }
}

#[component]
fn PatientResults(result: Result<Vec<PatientListing>, AppError>) -> impl IntoView {
    let l = use_locale();
    match result {
        Err(AppError::Validation(_)) => view! {
            <p class="notice notice--error" role="alert">{td_string!(l, staff_search_needed)}</p>
        }
        .into_any(),
        Err(_) => {
            view! { <p class="notice notice--error" role="alert">{td_string!(l, try_later)}</p> }
                .into_any()
        }
        Ok(found) if found.is_empty() => view! {
            <p class="empty" role="status">{td_string!(l, staff_search_empty)}</p>
        }
        .into_any(),
        Ok(found) => {
            let many = found.len() as i64 >= SEARCH_LIMIT;
            view! {
                <ul class="people" aria-label=td_string!(l, staff_results)>
                    {found.into_iter().map(|p| {
                        let born = p.birth_date.clone();
                        view! {
                            <li class="person">
                                <a href=format!("/staff/patients/{}", p.patient_id)><strong>{p.name}</strong></a>
                                <br /><span class="muted">{td!(l, staff_born, date = move || born.clone())}</span>
                                " · " {if p.has_account { td_string!(l, staff_has_account) } else { td_string!(l, staff_no_account) }}
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {many.then(|| view! { <p class="muted">{td_string!(l, staff_search_many)}</p> })}
            }
            .into_any()
        }
    }
}

/// `/staff/patients/{id}`: one patient, their invitation code, and who can see their record.
#[component]
pub fn StaffPatientPage() -> impl IntoView {
    let l = use_locale();
    let id = leptos_router::hooks::use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let invite_error = ServerAction::<InviteProxy>::new()
        .value()
        .get_untracked()
        .and_then(Result::err);
    let code_error = ServerAction::<CreateLinkInvitation>::new()
        .value()
        .get_untracked()
        .and_then(Result::err);
    let query = leptos_router::hooks::use_query_map().get_untracked();
    let code_made = query.get("code").is_some();
    let created = query.get("created").is_some();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, staff_patient_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (id, invite_error, code_error) = (id.clone(), invite_error.clone(), code_error.clone());
                Suspend::new(async move {
                    // Staff only: a parent or patient has the household pages for this.
                    if let Some(error) = not_staff().await {
                        return view! { <AccessProblem error /> }.into_any();
                    }
                    let patient = match crate::household::patient_overview(id.clone()).await {
                        Ok(p) => p,
                        Err(error) => return view! { <AccessProblem error /> }.into_any(),
                    };
                    let grants = match crate::household::patient_grants(id.clone()).await {
                        Ok(g) => g,
                        Err(error) => return view! { <AccessProblem error /> }.into_any(),
                    };
                    #[cfg(feature = "ssr")]
                    let new_code = if code_made { super::take_new_code() } else { None };
                    #[cfg(not(feature = "ssr"))]
                    let new_code: Option<String> = { let _ = code_made; None };
                    let born = patient.birth_date.clone();
                    let first = patient.name.clone();
                    view! {
                        <section class="page page--narrow" aria-labelledby="page-title">
                            <h1 id="page-title">{patient.name.clone()}</h1>
                            <p class="muted">{td!(l, staff_born, date = move || born.clone())}</p>
                            {created.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, staff_created)}</p> })}
                            <crate::scheduling::UpcomingVisits patient_id=patient.patient_id.clone() />
                            <h2>{td_string!(l, rec_nav_label)}</h2>
                            <ul class="links">
                                <li><a href=format!("/records?patient={}", patient.patient_id)>{td_string!(l, rec_title)}</a></li>
                                <li><a href=format!("/records/results?patient={}", patient.patient_id)>{td_string!(l, rec_results)}</a></li>
                                <li><a href=format!("/records/visits?patient={}", patient.patient_id)>{td_string!(l, rec_visits_staff)}</a></li>
                                <li><a href=format!("/records/care-plan?patient={}", patient.patient_id)>{td_string!(l, rec_care_plan)}</a></li>
                                <li><a href=format!("/records/documents?patient={}", patient.patient_id)>{td_string!(l, rec_documents)}</a></li>
                            </ul>
                            <h2>{td_string!(l, cv_nav_label)}</h2>
                            <ul class="links">
                                <li><a href=format!("/billing/coverage?patient={}", patient.patient_id)>{td_string!(l, cv_title)}</a></li>
                            </ul>
                            <h2>{td_string!(l, staff_link_heading)}</h2>
                            <p>{td_string!(l, staff_link_intro)}</p>
                            {new_code.map(|code| view! {
                                <div class="notice notice--ok" role="status">
                                    <p>{td!(l, staff_new_code, name = move || first.clone())}</p>
                                    <p><code class="secret">{code}</code></p>
                                </div>
                            })}
                            {code_error.map(|_| view! { <p class="notice notice--error" role="alert">{td_string!(l, try_later)}</p> })}
                            <form method="post" action={<CreateLinkInvitation as ServerFn>::PATH}>
                                <input type="hidden" name="patient_id" value=patient.patient_id.clone() />
                                <button class="button" type="submit">{td_string!(l, staff_code_button)}</button>
                            </form>
                            <h2>{td_string!(l, staff_access_heading)}</h2>
                            <AccessManager patient_id=patient.patient_id.clone() grants invite_error />
                            <p><a href="/staff/patients">{td_string!(l, staff_back)}</a></p>
                        </section>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}
