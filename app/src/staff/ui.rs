use super::{find_patients, PatientListing, SEARCH_LIMIT};
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
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, staff_patients_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (name, birth) = (name.clone(), birth.clone());
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
                        </section>
                    }
                    .into_any()
                })
            }}
        </Suspense>
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
    let code_made = leptos_router::hooks::use_query_map()
        .get_untracked()
        .get("code")
        .is_some();
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
