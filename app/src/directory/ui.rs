//! Find care's public pages, rendered on the server: the directory with its filters (a GET form,
//! so it works without JavaScript and every filtered view has its own address), a page per
//! clinician and a page per location, each with schema.org structured data.

use super::api::{find_care, get_clinician, get_location};
use super::domain::*;
use crate::error::AppError;
use crate::i18n::{td, td_string};
use crate::library::{site_origin, urlencode};
use crate::locale::{use_locale, Locale};
use crate::organisation::PRODUCT_NAME;
use crate::shell::{json_ld, ErrorView, Loading, NotFoundPage};
use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

fn code(l: Locale) -> String {
    leptos_i18n::Locale::as_str(l).to_string()
}

/// `HH:MM` as people read it: `8:30 AM` in English, `08:30` in Spanish.
pub(super) fn show_clock(l: Locale, hhmm: &str) -> String {
    let (h, m) = hhmm.split_once(':').unwrap_or((hhmm, "00"));
    let h: u32 = h.parse().unwrap_or(0);
    if code(l) == "es" {
        return format!("{h:02}:{m}");
    }
    match h {
        0 | 24 => format!("12:{m} AM"),
        1..=11 => format!("{h}:{m} AM"),
        12 => format!("12:{m} PM"),
        _ => format!("{}:{m} PM", h - 12),
    }
}

pub(super) fn weekday_name(l: Locale, weekday: u8) -> &'static str {
    match weekday {
        1 => td_string!(l, dc_day_1),
        2 => td_string!(l, dc_day_2),
        3 => td_string!(l, dc_day_3),
        4 => td_string!(l, dc_day_4),
        5 => td_string!(l, dc_day_5),
        6 => td_string!(l, dc_day_6),
        _ => td_string!(l, dc_day_7),
    }
}

/// A clinician's photo, or their initials when there is none (decorative: the name is beside it).
#[component]
pub(super) fn Portrait(name: String, photo: Option<Photo>, size: u32) -> impl IntoView {
    match photo {
        // Square in the layout whatever the upload's shape (`object-fit: cover`).
        Some(p) => {
            let srcset = format!("{} 1x, {} 2x", p.image.url(size), p.image.url(size * 2));
            // A profile's own portrait is at the top of its page: load it at once.
            let loading = if size >= 160 { "eager" } else { "lazy" };
            view! {
                <img class="portrait" src=p.image.url(size) srcset=srcset
                    width=size height=size alt=p.alt loading=loading decoding="async" />
            }
            .into_any()
        }
        None => view! {
            // Sized by the page's CSS (no inline style: the CSP allows none).
            <span class="portrait portrait--initials" aria-hidden="true">{initials(&name)}</span>
        }
        .into_any(),
    }
}

#[component]
fn Accepting(accepting: bool) -> impl IntoView {
    let l = use_locale();
    if accepting {
        view! { <span class="badge badge--ok">{td_string!(l, dc_accepting)}</span> }.into_any()
    } else {
        view! { <span class="badge badge--off">{td_string!(l, dc_not_accepting)}</span> }.into_any()
    }
}

/// One clinician in a list, titled with an `h3` (lists sit under an `h2`).
#[component]
fn ClinicianItem(card: ClinicianCard) -> impl IntoView {
    let l = use_locale();
    let href = format!("/find-care/clinicians/{}", card.slug);
    let title = if card.credentials.is_empty() {
        card.name.clone()
    } else {
        format!("{}, {}", card.name, card.credentials)
    };
    let languages = card.languages.join(", ");
    let places = card
        .locations
        .iter()
        .map(|c| c.name.clone())
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <li class="clinician-card">
            <Portrait name=card.name.clone() photo=card.photo.clone() size=96 />
            <div class="clinician-card__text">
                <h3 class="clinician-card__name"><a href=href>{title}</a></h3>
                <p class="clinician-card__specialty">{card.specialties.join(", ")}</p>
                {(!places.is_empty()).then(|| view! { <p class="muted">{places}</p> })}
                <p class="muted">{td!(l, dc_speaks, languages = move || languages.clone())}</p>
                <Accepting accepting=card.accepting_new_patients />
            </div>
        </li>
    }
}

#[component]
fn ClinicianList(cards: Vec<ClinicianCard>, label: String) -> impl IntoView {
    view! {
        <ul class="clinician-cards" aria-label=label>
            {cards.into_iter().map(|card| view! { <ClinicianItem card /> }).collect_view()}
        </ul>
    }
}

#[component]
fn Address(location: LocationSummary) -> impl IntoView {
    view! {
        <address class="address">
            {location.street} <br />
            {location.city} ", " {location.region} " " {location.postal_code}
        </address>
    }
}

/// A phone number as a link that dials it.
#[component]
pub fn Phone(phone: String) -> impl IntoView {
    let tel: String = phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    view! { <a class="phone" href=format!("tel:{tel}")>{phone}</a> }
}

/// A labelled choice; `any` is the empty option's text, when there is one.
pub fn select_field(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    any: Option<&'static str>,
    choices: Vec<Choice>,
    selected: String,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id name=name>
                {any.map(|any| view! { <option value="">{any}</option> })}
                {choices.into_iter().map(|c| {
                    let chosen = c.value == selected;
                    view! { <option value=c.value selected=chosen>{c.name}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

/// `/find-care`: clinicians filtered by specialty, location, language, visit type and whether
/// they accept new patients; then the locations.
#[component]
pub fn FindCarePage() -> impl IntoView {
    let l = use_locale();
    let q = use_query_map().get_untracked();
    let get = |k: &str| q.get(k).unwrap_or_default();
    let filter = DirectoryFilter {
        specialty: get("specialty"),
        location: get("location"),
        language: get("speaks"),
        visit_type: get("visit_type"),
        accepting: q.get("accepting").is_some_and(|v| !v.is_empty()),
    };
    let page: i64 = get("page").parse().unwrap_or(1);
    view! {
        <Suspense fallback=Loading>
            {move || {
                let filter = filter.clone();
                Suspend::new(async move {
                    let result = find_care(
                        code(l),
                        Some(filter.specialty.clone()),
                        Some(filter.location.clone()),
                        Some(filter.language.clone()),
                        Some(filter.visit_type.clone()),
                        Some(filter.accepting),
                        Some(page),
                    )
                    .await;
                    match result {
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                        Ok(directory) => view! { <DirectoryView directory filter /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn DirectoryView(directory: Directory, filter: DirectoryFilter) -> impl IntoView {
    let l = use_locale();
    let filtered = filter != DirectoryFilter::default();
    let location_choices = directory
        .locations
        .iter()
        .map(|loc| Choice {
            value: loc.slug.clone(),
            name: loc.name.clone(),
        })
        .collect();
    let visit_choices = directory
        .visit_types
        .iter()
        .map(|v| Choice {
            value: v.slug.clone(),
            name: v.name.clone(),
        })
        .collect();
    let mut query: Vec<String> = [
        ("specialty", &filter.specialty),
        ("location", &filter.location),
        ("speaks", &filter.language),
        ("visit_type", &filter.visit_type),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("{k}={}", urlencode(v)))
    .collect();
    if filter.accepting {
        query.push("accepting=1".into());
    }
    let base = if query.is_empty() {
        "/find-care".to_string()
    } else {
        format!("/find-care?{}", query.join("&"))
    };
    let paged = directory.clinicians;
    let total = paged.total.to_string();
    let canonical = format!("{}/find-care", site_origin());
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, dc_title)) />
        <Meta name="description" content=td_string!(l, dc_description) />
        <Link rel="canonical" href=canonical />
        <section class="page find-care" aria-labelledby="page-title">
            <h1 id="page-title">{td_string!(l, dc_title)}</h1>
            <p class="lead">{td_string!(l, dc_intro)}</p>
            <form class="care-filters" method="get" action="/find-care" role="search"
                aria-label=td_string!(l, dc_filters)>
                {select_field("dc-specialty", "specialty", td_string!(l, dc_specialty),
                    Some(td_string!(l, dc_any_specialty)), directory.specialties, filter.specialty.clone())}
                {select_field("dc-location", "location", td_string!(l, dc_location),
                    Some(td_string!(l, dc_any_location)), location_choices, filter.location.clone())}
                {select_field("dc-speaks", "speaks", td_string!(l, dc_language),
                    Some(td_string!(l, dc_any_language)), directory.languages, filter.language.clone())}
                {select_field("dc-visit-type", "visit_type", td_string!(l, dc_visit_type),
                    Some(td_string!(l, dc_any_visit_type)), visit_choices, filter.visit_type.clone())}
                <label class="choice care-filters__check">
                    <input type="checkbox" name="accepting" value="1" checked=filter.accepting />
                    " " {td_string!(l, dc_accepting_only)}
                </label>
                <div class="care-filters__actions">
                    <button class="button" type="submit">{td_string!(l, dc_show)}</button>
                    {filtered.then(|| view! { <a href="/find-care">{td_string!(l, dc_clear)}</a> })}
                </div>
            </form>
            <h2 id="results-title">{td_string!(l, dc_clinicians)}</h2>
            <p class="muted" role="status">
                {if paged.total == 0 {
                    td_string!(l, dc_none).into_any()
                } else {
                    td!(l, dc_count, n = move || total.clone()).into_any()
                }}
            </p>
            {if paged.items.is_empty() {
                view! {
                    <p class="empty">
                        {td_string!(l, dc_none_hint)} " "
                        <a href="/find-care">{td_string!(l, dc_clear)}</a>
                    </p>
                }.into_any()
            } else {
                view! {
                    <ClinicianList cards=paged.items label=td_string!(l, dc_clinicians).to_string() />
                }.into_any()
            }}
            <crate::library::Pager page=paged.page pages=paged.pages base />
        </section>
        <section class="page locations" aria-labelledby="locations-title">
            <h2 id="locations-title">{td_string!(l, dc_locations)}</h2>
            <ul class="location-cards">
                {directory.locations.into_iter().map(|loc| {
                    let href = format!("/find-care/locations/{}", loc.slug);
                    view! {
                        <li class="location-card">
                            <h3><a href=href>{loc.name.clone()}</a></h3>
                            <Address location=loc.clone() />
                            <p><Phone phone=loc.phone /></p>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

fn slug_param() -> String {
    use_params_map()
        .get_untracked()
        .get("slug")
        .unwrap_or_default()
}

/// `/find-care/clinicians/:slug`.
#[component]
pub fn ClinicianPage() -> impl IntoView {
    let l = use_locale();
    let slug = slug_param();
    view! {
        <Suspense fallback=Loading>
            {move || {
                let slug = slug.clone();
                Suspend::new(async move {
                    match get_clinician(code(l), slug).await {
                        Err(AppError::NotFound) => view! { <NotFoundPage /> }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                        Ok(profile) => view! { <ClinicianView profile /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn postal_address(loc: &LocationSummary) -> serde_json::Value {
    serde_json::json!({
        "@type": "PostalAddress",
        "streetAddress": loc.street,
        "addressLocality": loc.city,
        "addressRegion": loc.region,
        "postalCode": loc.postal_code,
    })
}

/// schema.org Physician: name, specialties, languages, whether accepting new patients, and
/// where they practise.
fn clinician_data(p: &ClinicianProfile, url: &str, origin: &str) -> serde_json::Value {
    serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Physician",
        "name": p.card.name,
        "url": url,
        "description": p.bio,
        "image": p.card.photo.as_ref().map(|ph| format!("{origin}{}", ph.image.url(400))),
        "medicalSpecialty": p.schema_specialties.iter()
            .map(|s| format!("https://schema.org/{s}")).collect::<Vec<_>>(),
        "knowsLanguage": p.card.languages,
        "isAcceptingNewPatients": p.card.accepting_new_patients,
        "availableService": p.visit_types.iter().map(|v| serde_json::json!({
            "@type": "MedicalProcedure", "name": v.name,
        })).collect::<Vec<_>>(),
        "hospitalAffiliation": p.locations.iter().map(|loc| serde_json::json!({
            "@type": "MedicalClinic",
            "name": loc.name,
            "url": format!("{origin}/find-care/locations/{}", loc.slug),
            "telephone": loc.phone,
            "address": postal_address(loc),
        })).collect::<Vec<_>>(),
        "address": p.locations.first().map(postal_address),
        "telephone": p.locations.first().map(|loc| loc.phone.clone()),
    })
}

#[component]
fn ClinicianView(profile: ClinicianProfile) -> impl IntoView {
    let l = use_locale();
    let origin = site_origin();
    let url = format!("{origin}/find-care/clinicians/{}", profile.card.slug);
    let data = json_ld(&clinician_data(&profile, &url, &origin));
    let card = profile.card.clone();
    let title = if card.credentials.is_empty() {
        card.name.clone()
    } else {
        format!("{}, {}", card.name, card.credentials)
    };
    let description = format!("{} · {}", title, card.specialties.join(", "));
    let languages = card.languages.join(", ");
    let first_name = card.name.clone();
    view! {
        <Title text=format!("{title} · {PRODUCT_NAME}") />
        <Meta name="description" content=description.clone() />
        <Link rel="canonical" href=url.clone() />
        <Meta property="og:type" content="profile" />
        <Meta property="og:title" content=title.clone() />
        <Meta property="og:description" content=description />
        <Meta property="og:url" content=url />
        <article class="page clinician" aria-labelledby="page-title">
            <p class="breadcrumb"><a href="/find-care">{td_string!(l, dc_title)}</a></p>
            <div class="clinician__head">
                <Portrait name=card.name.clone() photo=card.photo.clone() size=160 />
                <div>
                    <h1 id="page-title">{title}</h1>
                    <p class="lead">{card.specialties.join(", ")}</p>
                    <Accepting accepting=card.accepting_new_patients />
                </div>
            </div>
            {(!profile.bio.is_empty()).then(|| view! {
                <p class="clinician__bio">{profile.bio.clone()}</p>
            })}
            <h2>{td_string!(l, dc_languages_heading)}</h2>
            <p>{languages}</p>
            <h2>{td_string!(l, dc_visit_types_heading)}</h2>
            {if profile.visit_types.is_empty() {
                view! { <p class="muted">{td_string!(l, dc_no_visit_types)}</p> }.into_any()
            } else {
                view! {
                    <ul class="visit-types">
                        {profile.visit_types.clone().into_iter().map(|v| view! { <VisitTypeItem v /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <h2>{td!(l, dc_where, name = move || first_name.clone())}</h2>
            <ul class="location-cards">
                {profile.locations.clone().into_iter().map(|loc| {
                    let href = format!("/find-care/locations/{}", loc.slug);
                    view! {
                        <li class="location-card">
                            <h3><a href=href>{loc.name.clone()}</a></h3>
                            <Address location=loc.clone() />
                            <p>{td_string!(l, dc_to_book)} " " <Phone phone=loc.phone /></p>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <script type="application/ld+json" inner_html=data></script>
        </article>
    }
}

#[component]
fn VisitTypeItem(v: VisitTypeInfo) -> impl IntoView {
    let l = use_locale();
    let minutes = v.minutes.to_string();
    let mode = if v.video {
        td_string!(l, dc_mode_video)
    } else {
        td_string!(l, dc_mode_in_person)
    };
    let who = match (v.new_patients, v.established_patients) {
        (true, false) => Some(td_string!(l, dc_new_only)),
        (false, true) => Some(td_string!(l, dc_established_only)),
        _ => None,
    };
    view! {
        <li>
            <strong>{v.name}</strong>
            <span class="muted">
                " · " {mode} " · " {td!(l, dc_minutes, n = move || minutes.clone())}
                {who.map(|w| view! { " · " {w} })}
            </span>
        </li>
    }
}

/// `/find-care/locations/:slug`.
#[component]
pub fn LocationPage() -> impl IntoView {
    let l = use_locale();
    let slug = slug_param();
    view! {
        <Suspense fallback=Loading>
            {move || {
                let slug = slug.clone();
                Suspend::new(async move {
                    match get_location(code(l), slug).await {
                        Err(AppError::NotFound) => view! { <NotFoundPage /> }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                        Ok(profile) => view! { <LocationView profile /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

const SCHEMA_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// schema.org MedicalClinic with its address, phone and opening hours.
fn location_data(p: &LocationProfile, url: &str) -> serde_json::Value {
    serde_json::json!({
        "@context": "https://schema.org",
        "@type": "MedicalClinic",
        "name": p.summary.name,
        "url": url,
        "telephone": p.summary.phone,
        "address": postal_address(&p.summary),
        "openingHoursSpecification": p.hours.iter().flat_map(|d| d.intervals.iter().map(move |(o, c)| {
            serde_json::json!({
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": format!("https://schema.org/{}", SCHEMA_DAYS.get(usize::from(d.weekday).wrapping_sub(1)).unwrap_or(&"Sunday")),
                "opens": o,
                "closes": if c == "24:00" { "23:59" } else { c.as_str() },
            })
        })).collect::<Vec<_>>(),
        "employee": p.clinicians.iter().map(|c| serde_json::json!({
            "@type": "Physician", "name": c.name,
        })).collect::<Vec<_>>(),
    })
}

#[component]
fn LocationView(profile: LocationProfile) -> impl IntoView {
    let l = use_locale();
    let origin = site_origin();
    let s = profile.summary.clone();
    let url = format!("{origin}/find-care/locations/{}", s.slug);
    let data = json_ld(&location_data(&profile, &url));
    let description = format!("{}, {}, {} {}", s.street, s.city, s.region, s.postal_code);
    let directions = format!(
        "https://www.openstreetmap.org/search?query={}",
        urlencode(&description)
    );
    let zone = profile.time_zone.clone();
    let today = profile.today;
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", s.name) />
        <Meta name="description" content=format!("{} · {description}", s.name) />
        <Link rel="canonical" href=url.clone() />
        <Meta property="og:type" content="place" />
        <Meta property="og:title" content=s.name.clone() />
        <Meta property="og:url" content=url />
        <article class="page location" aria-labelledby="page-title">
            <p class="breadcrumb"><a href="/find-care">{td_string!(l, dc_title)}</a></p>
            <h1 id="page-title">{s.name.clone()}</h1>
            <p>
                {if profile.open_now {
                    view! { <span class="badge badge--ok">{td_string!(l, dc_open_now)}</span> }.into_any()
                } else {
                    view! { <span class="badge badge--off">{td_string!(l, dc_closed_now)}</span> }.into_any()
                }}
            </p>
            <div class="location__contact">
                <Address location=s.clone() />
                <p><Phone phone=s.phone.clone() /></p>
                <p><a href=directions rel="noopener noreferrer">{td_string!(l, dc_directions)}</a></p>
            </div>
            {(!profile.note.is_empty()).then(|| view! { <p class="notice" role="note">{profile.note.clone()}</p> })}
            <table class="hours">
                <caption>{td!(l, dc_hours_caption, zone = move || zone.clone())}</caption>
                <tbody>
                    {profile.hours.clone().into_iter().map(|d| {
                        let is_today = d.weekday == today;
                        let text = if d.intervals.is_empty() {
                            td_string!(l, dc_closed).to_string()
                        } else {
                            d.intervals.iter()
                                .map(|(o, c)| format!("{} – {}", show_clock(l, o), show_clock(l, c)))
                                .collect::<Vec<_>>()
                                .join(", ")
                        };
                        view! {
                            <tr class:hours__today=is_today aria-current=is_today.then_some("date")>
                                <th scope="row">{weekday_name(l, d.weekday)}
                                    {is_today.then(|| view! { <span class="muted">" (" {td_string!(l, dc_today)} ")"</span> })}
                                </th>
                                <td>{text}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <h2 id="clinicians-title">{td_string!(l, dc_clinicians_here)}</h2>
            {if profile.clinicians.is_empty() {
                view! { <p class="empty">{td_string!(l, dc_no_clinicians_here)}</p> }.into_any()
            } else {
                view! { <ClinicianList cards=profile.clinicians.clone() label=td_string!(l, dc_clinicians_here).to_string() /> }.into_any()
            }}
            <script type="application/ld+json" inner_html=data></script>
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structured_data_is_a_clinic_with_hours_and_cannot_close_its_script() {
        let p = LocationProfile {
            summary: LocationSummary {
                slug: "north".into(),
                name: "North </script><script>alert(1)</script>".into(),
                street: "1 Main St".into(),
                city: "Springfield".into(),
                region: "IL".into(),
                postal_code: "62701".into(),
                phone: "217-555-0100".into(),
            },
            time_zone: "America/Chicago".into(),
            note: String::new(),
            hours: vec![DayHours {
                weekday: 1,
                intervals: vec![("08:00".into(), "17:00".into())],
            }],
            open_now: false,
            today: 1,
            clinicians: vec![],
        };
        let data = location_data(&p, "https://example.org/find-care/locations/north");
        assert_eq!(data["@type"], "MedicalClinic");
        assert_eq!(
            data["openingHoursSpecification"][0]["dayOfWeek"],
            "https://schema.org/Monday"
        );
        assert_eq!(data["openingHoursSpecification"][0]["closes"], "17:00");
        let text = json_ld(&data);
        assert!(!text.contains('<') && !text.contains('>'));
    }
}
