//! Administrators' pages for Find care: the list of locations and clinicians, and one form for
//! each. Forms post without JavaScript; a refused save comes back with what was typed and says
//! which field to fix.

use super::api::{
    admin_directory, clinician_editor, location_editor, SaveClinician, SaveLocation,
    SetClinicianPhoto,
};
use super::domain::*;
use super::ui::{weekday_name, Portrait};
use crate::admin::AccessProblem;
use crate::error::AppError;
use crate::i18n::td_string;
use crate::locale::{use_locale, Locale};
use crate::organisation::PRODUCT_NAME;
use crate::shell::{action_error, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use server_fn::ServerFn;

/// `/admin/directory`: every location and clinician, listed or not.
#[component]
pub fn AdminDirectoryPage() -> impl IntoView {
    let l = use_locale();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, dc_admin_title)) />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match admin_directory().await {
                    Err(error) => view! { <AccessProblem error /> }.into_any(),
                    Ok(d) => view! {
                        <section class="page" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, dc_admin_title)}</h1>
                            <p>
                                <a href="/find-care">{td_string!(l, dc_admin_public)}</a>
                            </p>
                            <h2 id="locations-title">{td_string!(l, dc_locations)}</h2>
                            <p><a class="button" href="/admin/directory/locations/new">{td_string!(l, dc_add_location)}</a></p>
                            <AdminRows rows=d.locations kind="locations" empty=td_string!(l, dc_admin_no_locations) />
                            <h2 id="clinicians-title">{td_string!(l, dc_clinicians)}</h2>
                            <p><a class="button" href="/admin/directory/clinicians/new">{td_string!(l, dc_add_clinician)}</a></p>
                            <AdminRows rows=d.clinicians kind="clinicians" empty=td_string!(l, dc_admin_no_clinicians) />
                        </section>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AdminRows(rows: Vec<AdminRow>, kind: &'static str, empty: &'static str) -> impl IntoView {
    let l = use_locale();
    if rows.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    view! {
        <ul class="admin-rows">
            {rows.into_iter().map(|r| {
                let href = format!("/admin/directory/{kind}/{}", r.id);
                view! {
                    <li>
                        <a href=href>{r.name}</a>
                        <span class="muted">" · " {r.detail}</span>
                        {(!r.listed).then(|| view! { " " <span class="badge">{td_string!(l, dc_not_listed)}</span> })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

fn id_param() -> String {
    use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default()
}

/// What a field's problem code means, in words that say what to do.
fn problem_text(l: Locale, field: &str, code: &str) -> &'static str {
    match (field, code) {
        (_, "required") => td_string!(l, dc_err_required),
        (_, "too_long") => td_string!(l, dc_err_too_long),
        ("slug", "taken") => td_string!(l, dc_err_slug_taken),
        ("slug", _) => td_string!(l, dc_err_slug),
        ("phone", _) => td_string!(l, dc_err_phone),
        ("time_zone", _) => td_string!(l, dc_err_time_zone),
        (_, "hours_format") => td_string!(l, dc_err_hours_format),
        (_, "hours_order") => td_string!(l, dc_err_hours_order),
        _ => td_string!(l, dc_err_invalid),
    }
}

/// The notice at the top of a form: saved, or what went wrong.
#[component]
fn FormNotice(error: Option<AppError>, saved: bool) -> impl IntoView {
    let l = use_locale();
    match error {
        Some(AppError::Validation(_)) => view! {
            <p class="notice notice--error" role="alert">{td_string!(l, check_fields)}</p>
        }
        .into_any(),
        Some(AppError::NotFound) => view! {
            <p class="notice notice--error" role="alert">{td_string!(l, dc_err_gone)}</p>
        }
        .into_any(),
        Some(_) => view! {
            <p class="notice notice--error" role="alert">{td_string!(l, try_later)}</p>
        }
        .into_any(),
        None if saved => view! {
            <p class="notice notice--ok" role="status">{td_string!(l, dc_saved)}</p>
        }
        .into_any(),
        None => ().into_any(),
    }
}

/// A labelled text input or text area, marked and described when it has a problem.
fn text_field(
    l: Locale,
    problems: &std::collections::BTreeMap<String, String>,
    name: &'static str,
    label: &'static str,
    hint: Option<&'static str>,
    value: String,
    rows: Option<u32>,
) -> impl IntoView {
    let problem = problems.get(name).map(|c| problem_text(l, name, c));
    let id = format!("dc-{name}");
    let error_id = format!("dc-{name}-error");
    let hint_id = format!("dc-{name}-hint");
    let described = [
        problem.map(|_| error_id.clone()),
        hint.map(|_| hint_id.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let described = (!described.is_empty()).then_some(described);
    let invalid = problem.map(|_| "true");
    view! {
        <div class="field" class:field--invalid=problem.is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="field__hint" id=hint_id.clone()>{h}</p> })}
            {problem.map(|e| view! { <p class="field__error" id=error_id.clone()>{e}</p> })}
            {match rows {
                Some(rows) => view! {
                    <textarea id=id name=name rows=rows aria-invalid=invalid
                        aria-describedby=described>{value}</textarea>
                }.into_any(),
                None => view! {
                    <input id=id name=name type="text" value=value aria-invalid=invalid
                        aria-describedby=described />
                }.into_any(),
            }}
        </div>
    }
}

fn problems_of(error: &Option<AppError>) -> std::collections::BTreeMap<String, String> {
    match error {
        Some(AppError::Validation(p)) => p.clone(),
        _ => Default::default(),
    }
}

/// `/admin/directory/locations/:id` (`new` for a new one).
#[component]
pub fn AdminLocationPage() -> impl IntoView {
    let l = use_locale();
    let id = id_param();
    let saved = use_query_map().get_untracked().get("saved").is_some();
    let error = action_error::<SaveLocation>();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, dc_location_title)) />
        <Suspense fallback=Loading>
            {move || {
                let id = id.clone();
                let error = error.clone();
                Suspend::new(async move {
                    match location_editor(id).await {
                        Err(error) => view! { <AccessProblem error /> }.into_any(),
                        Ok(editor) => view! { <LocationFormView editor error saved /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn LocationFormView(editor: LocationEdit, error: Option<AppError>, saved: bool) -> impl IntoView {
    let l = use_locale();
    let p = problems_of(&error);
    let f = editor.form;
    let heading = if editor.location_id.is_some() {
        f.name.clone()
    } else {
        td_string!(l, dc_add_location).to_string()
    };
    view! {
        <section class="page" aria-labelledby="page-title">
            <p class="breadcrumb"><a href="/admin/directory">{td_string!(l, dc_admin_title)}</a></p>
            <h1 id="page-title">{heading}</h1>
            <FormNotice error saved />
            {editor.public_slug.map(|slug| view! {
                <p><a href=format!("/find-care/locations/{slug}")>{td_string!(l, dc_view_public)}</a></p>
            })}
            <form class="form directory-form" method="post" action={<SaveLocation as ServerFn>::PATH} novalidate>
                <input type="hidden" name="location_id" value=editor.location_id.unwrap_or_default() />
                {text_field(l, &p, "name", td_string!(l, dc_f_name), None, f.name.clone(), None)}
                {text_field(l, &p, "slug", td_string!(l, dc_f_slug), Some(td_string!(l, dc_f_slug_hint)), f.slug.clone(), None)}
                {text_field(l, &p, "street", td_string!(l, dc_f_street), None, f.street.clone(), None)}
                {text_field(l, &p, "city", td_string!(l, dc_f_city), None, f.city.clone(), None)}
                {text_field(l, &p, "region", td_string!(l, dc_f_region), None, f.region.clone(), None)}
                {text_field(l, &p, "postal_code", td_string!(l, dc_f_postal_code), None, f.postal_code.clone(), None)}
                {text_field(l, &p, "phone", td_string!(l, dc_f_phone), None, f.phone.clone(), None)}
                {text_field(l, &p, "time_zone", td_string!(l, dc_f_time_zone), Some(td_string!(l, dc_f_time_zone_hint)), f.time_zone.clone(), None)}
                <fieldset class="field hours-fields">
                    <legend>{td_string!(l, dc_f_hours)}</legend>
                    <p class="field__hint">{td_string!(l, dc_f_hours_hint)}</p>
                    {["hours_1", "hours_2", "hours_3", "hours_4", "hours_5", "hours_6", "hours_7"]
                        .into_iter()
                        .zip(f.hours.clone())
                        .zip(1..=7u8)
                        .map(|((name, typed), day)| text_field(l, &p, name, weekday_name(l, day), None, typed, None))
                        .collect_view()}
                </fieldset>
                {text_field(l, &p, "note_en", td_string!(l, dc_f_note_en), Some(td_string!(l, dc_f_note_hint)), f.note_en.clone(), Some(2))}
                {text_field(l, &p, "note_es", td_string!(l, dc_f_note_es), None, f.note_es.clone(), Some(2))}
                <label class="choice"><input type="checkbox" name="listed" value="1" checked=f.listed /> " " {td_string!(l, dc_f_listed)}</label>
                <button class="button" type="submit">{td_string!(l, dc_save)}</button>
            </form>
        </section>
    }
}

/// `/admin/directory/clinicians/:id` (`new` for a new one).
#[component]
pub fn AdminClinicianPage() -> impl IntoView {
    let l = use_locale();
    let id = id_param();
    let saved = use_query_map().get_untracked().get("saved").is_some();
    let error = action_error::<SaveClinician>().or_else(action_error::<SetClinicianPhoto>);
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, dc_clinician_title)) />
        <Suspense fallback=Loading>
            {move || {
                let id = id.clone();
                let error = error.clone();
                Suspend::new(async move {
                    match clinician_editor(id).await {
                        Err(error) => view! { <AccessProblem error /> }.into_any(),
                        Ok(editor) => view! { <ClinicianFormView editor error saved /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// A group of checkboxes posting `name[]`, as one fieldset with its problem.
fn checkboxes(
    l: Locale,
    problems: &std::collections::BTreeMap<String, String>,
    name: &'static str,
    legend: &'static str,
    choices: Vec<Choice>,
    ticked: &[String],
) -> impl IntoView {
    let problem = problems.get(name).map(|c| problem_text(l, name, c));
    let error_id = format!("dc-{name}-error");
    view! {
        <fieldset class="field checkboxes" class:field--invalid=problem.is_some()
            aria-describedby=problem.map(|_| error_id.clone())>
            <legend>{legend}</legend>
            {problem.map(|e| view! { <p class="field__error" id=error_id.clone()>{e}</p> })}
            {choices.into_iter().map(|c| {
                let checked = ticked.contains(&c.value);
                view! {
                    <label class="choice">
                        <input type="checkbox" name=format!("{name}[]") value=c.value checked=checked />
                        " " {c.name}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

#[component]
fn ClinicianFormView(editor: ClinicianEdit, error: Option<AppError>, saved: bool) -> impl IntoView {
    let l = use_locale();
    let p = problems_of(&error);
    let f = editor.form;
    let heading = if editor.clinician_id.is_some() {
        f.name.clone()
    } else {
        td_string!(l, dc_add_clinician).to_string()
    };
    let visit_choices = editor
        .visit_types
        .iter()
        .map(|v| Choice {
            value: v.slug.clone(),
            name: format!("{} ({} min)", v.name, v.minutes),
        })
        .collect();
    let id = editor.clinician_id.clone().unwrap_or_default();
    view! {
        <section class="page" aria-labelledby="page-title">
            <p class="breadcrumb"><a href="/admin/directory">{td_string!(l, dc_admin_title)}</a></p>
            <h1 id="page-title">{heading}</h1>
            <FormNotice error saved />
            {editor.public_slug.map(|slug| view! {
                <p><a href=format!("/find-care/clinicians/{slug}")>{td_string!(l, dc_view_public)}</a></p>
            })}
            {editor.clinician_id.is_some().then(|| view! {
                <PhotoForm clinician_id=id.clone() name=f.name.clone() photo=editor.photo.clone() />
            })}
            <form class="form directory-form" method="post" action={<SaveClinician as ServerFn>::PATH} novalidate>
                <input type="hidden" name="clinician_id" value=id.clone() />
                {text_field(l, &p, "name", td_string!(l, dc_f_name), None, f.name.clone(), None)}
                {text_field(l, &p, "credentials", td_string!(l, dc_f_credentials), Some(td_string!(l, dc_f_credentials_hint)), f.credentials.clone(), None)}
                {text_field(l, &p, "slug", td_string!(l, dc_f_slug), Some(td_string!(l, dc_f_slug_hint)), f.slug.clone(), None)}
                {text_field(l, &p, "bio_en", td_string!(l, dc_f_bio_en), None, f.bio_en.clone(), Some(4))}
                {text_field(l, &p, "bio_es", td_string!(l, dc_f_bio_es), None, f.bio_es.clone(), Some(4))}
                {checkboxes(l, &p, "specialties", td_string!(l, dc_f_specialties), editor.specialties, &f.specialties)}
                {checkboxes(l, &p, "locations", td_string!(l, dc_f_locations), editor.locations, &f.locations)}
                {checkboxes(l, &p, "visit_types", td_string!(l, dc_f_visit_types), visit_choices, &f.visit_types)}
                {checkboxes(l, &p, "languages", td_string!(l, dc_f_languages), editor.languages, &f.languages)}
                <label class="choice"><input type="checkbox" name="accepting_new_patients" value="1"
                    checked=f.accepting_new_patients /> " " {td_string!(l, dc_f_accepting)}</label>
                <label class="choice"><input type="checkbox" name="listed" value="1" checked=f.listed />
                    " " {td_string!(l, dc_f_listed)}</label>
                <button class="button" type="submit">{td_string!(l, dc_save)}</button>
            </form>
        </section>
    }
}

/// The portrait: the current one with a way to remove it, an upload form, and — once an image
/// is uploaded — the alt text to describe it before it is used.
#[component]
fn PhotoForm(clinician_id: String, name: String, photo: Option<Photo>) -> impl IntoView {
    let l = use_locale();
    let uploaded = use_query_map()
        .get_untracked()
        .get("uploaded")
        .filter(|h| crate::media::is_media_hash(h));
    let path = format!("/admin/directory/clinicians/{clinician_id}");
    let action = <SetClinicianPhoto as ServerFn>::PATH;
    let alt_problem = match action_error::<SetClinicianPhoto>() {
        Some(AppError::Validation(p)) => p.get("alt").map(|c| problem_text(l, "alt", c)),
        _ => None,
    };
    let has_photo = photo.is_some();
    view! {
        <section class="photo-editor" aria-labelledby="photo-title">
            <h2 id="photo-title">{td_string!(l, dc_photo)}</h2>
            <Portrait name=name photo=photo size=160 />
            {match uploaded {
                Some(hash) => view! {
                    <form class="form" method="post" action=action>
                        <input type="hidden" name="clinician_id" value=clinician_id.clone() />
                        <input type="hidden" name="image" value=hash.clone() />
                        <img class="portrait" src=crate::media::image_url(&hash, 400) alt="" width=160 height=160 />
                        <div class="field" class:field--invalid=alt_problem.is_some()>
                            <label for="dc-photo-alt">{td_string!(l, dc_photo_alt)}</label>
                            <p class="field__hint" id="dc-photo-alt-hint">{td_string!(l, dc_photo_alt_hint)}</p>
                            {alt_problem.map(|e| view! { <p class="field__error" id="dc-photo-alt-error">{e}</p> })}
                            <input id="dc-photo-alt" name="alt" type="text" required
                                aria-invalid=alt_problem.map(|_| "true")
                                aria-describedby=if alt_problem.is_some() { "dc-photo-alt-error dc-photo-alt-hint" } else { "dc-photo-alt-hint" } />
                        </div>
                        <button class="button" type="submit">{td_string!(l, dc_photo_use)}</button>
                    </form>
                }.into_any(),
                None => view! {
                    <crate::media::ImageUploadForm return_to=path id="dc-photo-file"
                        label=td_string!(l, dc_photo_upload) hint=td_string!(l, dc_photo_upload_hint)
                        button=td_string!(l, dc_photo_upload_button) />
                }.into_any(),
            }}
            {has_photo.then(|| view! {
                <form method="post" action=action>
                    <input type="hidden" name="clinician_id" value=clinician_id.clone() />
                    <button class="button button--secondary" type="submit">{td_string!(l, dc_photo_remove)}</button>
                </form>
            })}
        </section>
    }
}
