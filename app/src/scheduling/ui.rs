//! The patient's scheduling pages, rendered on the server and working without JavaScript: the
//! visits list, the open-times search (a GET form, so every search has its own address), the
//! booking form (a plain POST that keeps the typed reason when it fails), and one visit's page
//! with its calendar file, rescheduling and cancellation. The home page's upcoming visits too.

use super::api::{
    get_appointment, list_appointments, search_open_times, visit_link, AcceptOffer,
    BookAppointment, CancelAppointment, DeclineOffer, JoinWaitlist, LeaveWaitlist, MarkAppointment,
    RespondToVisit, BOOK_PATH,
};
use super::domain::*;
use crate::directory::{select_field, Choice};
use crate::error::AppError;
use crate::i18n::{td, td_string};
use crate::library::urlencode;
use crate::locale::{use_locale, Locale};
use crate::organisation::PRODUCT_NAME;
use crate::shell::{action_error, Loading};
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

/// `?a=1&b=2` from the non-empty pairs, or nothing.
fn query_string(pairs: &[(&str, &str)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

pub(super) fn status_name(l: Locale, status: &str) -> &'static str {
    match status {
        "arrived" => td_string!(l, sc_status_arrived),
        "completed" => td_string!(l, sc_status_completed),
        "no_show" => td_string!(l, sc_status_no_show),
        "cancelled" => td_string!(l, sc_status_cancelled),
        _ => td_string!(l, sc_status_booked),
    }
}

/// What went wrong, in words that say what to do next.
fn problem_text(l: Locale, error: &AppError) -> &'static str {
    match error {
        AppError::Conflict(c) if c == SLOT_TAKEN_CODE => td_string!(l, sc_slot_taken),
        AppError::Conflict(c) if c == "not_open" => td_string!(l, sc_not_open),
        AppError::Conflict(c) if c == "too_late" => td_string!(l, sc_too_late_short),
        AppError::Conflict(c) if c == "closed" => td_string!(l, sc_closed),
        AppError::Conflict(c) if c == "not_yet" => td_string!(l, sc_not_yet),
        AppError::Conflict(c) if c == "offer_gone" => td_string!(l, sc_offer_gone),
        AppError::Conflict(c) if c == "already_waiting" => td_string!(l, sc_already_waiting),
        AppError::Validation(fields) if fields.get("reason").is_some_and(|p| p == "too_long") => {
            td_string!(l, sc_reason_too_long)
        }
        AppError::Validation(fields) if fields.contains_key("visit_type") => {
            td_string!(l, sc_visit_type_not_allowed)
        }
        AppError::Validation(fields)
            if fields.contains_key("from") || fields.contains_key("to") =>
        {
            td_string!(l, sc_bad_date)
        }
        AppError::Validation(_) => td_string!(l, sc_choice_invalid),
        AppError::Forbidden => td_string!(l, forbidden_body),
        _ => td_string!(l, try_later),
    }
}

/// The page instead of its content when the caller cannot book for anyone.
#[component]
fn SchedulingProblem(error: AppError) -> impl IntoView {
    let l = use_locale();
    view! {
        <crate::shell::PatientPageProblem
            error
            title=td_string!(l, sc_title)
            no_patient=td_string!(l, sc_no_patient)
            sign_in=td_string!(l, sc_sign_in_needed)
        />
    }
}

/// One visit in a list: when, with whom, where, and a link to it.
#[component]
fn VisitItem(card: AppointmentCard) -> impl IntoView {
    let l = use_locale();
    let href = format!("/appointments/{}", card.id);
    let status = card.status.clone();
    view! {
        <li class="visit" class:visit--cancelled=card.status == "cancelled">
            <p class="visit__when">
                <a href=href>
                    <strong>{format!("{}, {} {}", card.date, card.time, card.zone)}</strong>
                </a>
            </p>
            <p>{card.visit_type_name.clone()} " · " {card.clinician_name.clone()}</p>
            <p class="muted">
                {if card.video { td_string!(l, sc_video_visit).to_string() } else { card.location_name.clone() }}
            </p>
            {(status != "booked").then(|| view! {
                <p><span class="badge">{status_name(l, &status)}</span></p>
            })}
        </li>
    }
}

/// An earlier time on offer, with "Take this time" and "No, thanks".
#[component]
fn OfferItem(offer: OfferView) -> impl IntoView {
    let l = use_locale();
    let expires = offer.expires.clone();
    let zone = offer.zone.clone();
    view! {
        <li class="offer">
            <p><strong>{td_string!(l, sc_offer_heading)}</strong></p>
            <p>
                <strong>{offer.date.clone()} ", " {offer.time.clone()} " " {offer.zone.clone()}</strong>
                " · " {offer.clinician_name.clone()} " · " {offer.location_name.clone()}
            </p>
            <p class="muted">
                {td_string!(l, sc_offer_instead)} " " {offer.current.date.clone()} ", " {offer.current.time.clone()}
            </p>
            <p>{td!(l, sc_offer_expires, time = move || format!("{expires} {zone}"))}</p>
            <div class="form__actions">
                <form method="post" action={<AcceptOffer as ServerFn>::PATH}>
                    <input type="hidden" name="offer_id" value=offer.offer_id.clone() />
                    <button class="button" type="submit">{td_string!(l, sc_offer_accept)}</button>
                </form>
                <form method="post" action={<DeclineOffer as ServerFn>::PATH}>
                    <input type="hidden" name="offer_id" value=offer.offer_id.clone() />
                    <button class="button button--secondary" type="submit">{td_string!(l, sc_offer_decline)}</button>
                </form>
            </div>
        </li>
    }
}

/// Buttons that record what happened to a visit (staff): arrived, completed, no-show, with the
/// current one pressed. `back` is where to return; `label` names the visit for screen readers.
#[component]
pub(super) fn OutcomeButtons(
    id: String,
    status: String,
    back: Option<String>,
    label: String,
) -> impl IntoView {
    let l = use_locale();
    view! {
        <div class="outcomes">
            {STAFF_STATUSES.iter().map(|s| {
                let name = status_name(l, s);
                let aria = if label.is_empty() { name.to_string() } else { format!("{name}: {label}") };
                view! {
                    <form method="post" action={<MarkAppointment as ServerFn>::PATH}>
                        <input type="hidden" name="appointment_id" value=id.clone() />
                        <input type="hidden" name="status" value=*s />
                        {back.clone().map(|b| view! { <input type="hidden" name="back" value=b /> })}
                        <button class="button button--quiet" type="submit" aria-pressed=(status == *s).to_string() aria-label=aria>
                            {name}
                        </button>
                    </form>
                }
            }).collect_view()}
        </div>
    }
}

/// `/appointments`: upcoming and past visits of the person being acted for (or `?patient=`).
#[component]
pub fn AppointmentsPage() -> impl IntoView {
    let l = use_locale();
    let patient = query("patient");
    let offer_error = action_error::<AcceptOffer>();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, sc_visits_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (patient, offer_error) = (patient.clone(), offer_error.clone());
                Suspend::new(async move {
                    let visits = match list_appointments(Some(patient.clone())).await {
                        Ok(v) => v,
                        Err(error) => return view! { <SchedulingProblem error /> }.into_any(),
                    };
                    let book = format!("{BOOK_PATH}{}", query_string(&[("patient", &patient)]));
                    let name = visits.patient_name.clone();
                    view! {
                        <section class="page page--narrow" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, sc_visits_title)}</h1>
                            <p class="muted">{td!(l, sc_visits_of, name = move || name.clone())}</p>
                            <p><a class="button" href=book>{td_string!(l, sc_book_button)}</a></p>
                            {offer_error.as_ref().map(|e| view! { <p class="notice notice--error" role="alert">{problem_text(l, e)}</p> })}
                            {(!visits.offers.is_empty()).then(|| view! {
                                <h2>{td_string!(l, sc_offers)}</h2>
                                <ul class="offers">
                                    {visits.offers.clone().into_iter().map(|offer| view! { <OfferItem offer /> }).collect_view()}
                                </ul>
                            })}
                            <h2>{td_string!(l, sc_upcoming)}</h2>
                            {if visits.upcoming.is_empty() {
                                view! { <p class="empty">{td_string!(l, sc_no_upcoming)}</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="visits">
                                        {visits.upcoming.into_iter().map(|card| view! { <VisitItem card /> }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                            <h2>{td_string!(l, sc_past)}</h2>
                            {if visits.past.is_empty() {
                                view! { <p class="empty">{td_string!(l, sc_no_past)}</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="visits">
                                        {visits.past.into_iter().map(|card| view! { <VisitItem card /> }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        </section>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

/// The next visits, for the patient's home page: nothing at all when the caller may not book
/// for this person (a proxy without the scheduling scope).
#[component]
pub fn UpcomingVisits(patient_id: String) -> impl IntoView {
    let l = use_locale();
    view! {
        <Suspense fallback=Loading>
            {move || {
                let patient_id = patient_id.clone();
                Suspend::new(async move {
                    let Ok(visits) = list_appointments(Some(patient_id.clone())).await else {
                        return ().into_any();
                    };
                    let all = format!("/appointments?patient={patient_id}");
                    let book = format!("{BOOK_PATH}?patient={patient_id}");
                    let last = visits.past.first().cloned();
                    view! {
                        <h2>{td_string!(l, sc_upcoming)}</h2>
                        {if visits.upcoming.is_empty() {
                            view! { <p class="empty">{td_string!(l, sc_no_upcoming)}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="visits">
                                    {visits.upcoming.into_iter().take(3).map(|card| view! { <VisitItem card /> }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                        {last.map(|card| view! {
                            <h2>{td_string!(l, sc_last_visit)}</h2>
                            <ul class="visits"><VisitItem card /></ul>
                        })}
                        <ul class="links">
                            <li><a href=book>{td_string!(l, sc_book_button)}</a></li>
                            <li><a href=all>{td_string!(l, sc_all_visits)}</a></li>
                        </ul>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

/// A time to choose: a link to the booking form with everything it needs in its address (no
/// health information: who, where and when). Its accessible name says all of it; what shows is
/// the time (and the date, the clinician and place when `full`).
#[component]
fn TimeLink(
    item: OpenTimeItem,
    visit_type: String,
    patient: String,
    reschedule: String,
    #[prop(optional)] full: bool,
) -> impl IntoView {
    let href = format!(
        "{BOOK_PATH}/confirm{}",
        query_string(&[
            ("clinician", &item.clinician),
            ("location", &item.location),
            ("visit_type", &visit_type),
            ("start", &item.start),
            ("patient", &patient),
            ("reschedule", &reschedule),
        ])
    );
    let label = format!(
        "{}, {} {}, {}, {}",
        item.date, item.time, item.zone, item.clinician_name, item.location_name
    );
    view! {
        <li>
            // A short link (just the time) names the date, clinician and place for screen
            // readers; a full one shows them all, so its text is its name.
            <a class="time" class:time--full=full href=href aria-label=(!full).then_some(label)>
                {full.then(|| view! { <span>{item.date.clone()}</span> })}
                <strong>{item.time.clone()} " " <abbr>{item.zone.clone()}</abbr></strong>
                {full.then(|| view! {
                    <span>{item.clinician_name.clone()}</span>
                    <span class="muted">{item.location_name.clone()}</span>
                })}
            </a>
        </li>
    }
}

/// `/appointments/book`: search open times and choose one.
#[component]
pub fn BookPage() -> impl IntoView {
    let l = use_locale();
    let q = use_query_map().get_untracked();
    let get = move |k: &str| q.get(k).unwrap_or_default();
    let patient = get("patient");
    let reschedule = get("reschedule");
    let asked = SearchQuery {
        visit_type: get("visit_type"),
        specialty: get("specialty"),
        clinician: get("clinician"),
        location: get("location"),
        speaks: get("speaks"),
        from: get("from"),
        to: get("to"),
    };
    let taken = !get("taken").is_empty();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, sc_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (patient, reschedule, asked) = (patient.clone(), reschedule.clone(), asked.clone());
                Suspend::new(async move {
                    let result = search_open_times(
                        Some(patient.clone()),
                        Some(asked.visit_type.clone()),
                        Some(asked.specialty.clone()),
                        Some(asked.clinician.clone()),
                        Some(asked.location.clone()),
                        Some(asked.speaks.clone()),
                        Some(asked.from.clone()),
                        Some(asked.to.clone()),
                        Some(reschedule.clone()),
                    )
                    .await;
                    match result {
                        Ok(times) => view! { <SearchResults times patient reschedule taken /> }.into_any(),
                        Err(AppError::Validation(fields)) => {
                            let error = AppError::Validation(fields);
                            view! {
                                <section class="page page--narrow" aria-labelledby="page-title">
                                    <h1 id="page-title">{td_string!(l, sc_title)}</h1>
                                    <p class="notice notice--error" role="alert">{problem_text(l, &error)}</p>
                                    <p><a href=BOOK_PATH>{td_string!(l, sc_search_again)}</a></p>
                                </section>
                            }.into_any()
                        }
                        Err(error) => view! { <SchedulingProblem error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn SearchResults(
    times: OpenTimes,
    patient: String,
    reschedule: String,
    taken: bool,
) -> impl IntoView {
    let l = use_locale();
    let q = times.query.clone();
    let visit_choices: Vec<Choice> = times
        .options
        .visit_types
        .iter()
        .map(|v| Choice {
            value: v.slug.clone(),
            name: format!(
                "{} ({} min{})",
                v.name,
                v.minutes,
                if v.video { ", video" } else { "" }
            ),
        })
        .collect();
    let name = times.patient_name.clone();
    let count = times.found;
    let moving = times.rescheduling.clone();
    let visit_type = q.visit_type.clone();
    let first = times.first.clone();
    let narrowed = !(q.specialty.is_empty()
        && q.clinician.is_empty()
        && q.location.is_empty()
        && q.speaks.is_empty());
    view! {
        <section class="page booking" aria-labelledby="page-title">
            <h1 id="page-title">
                {if moving.is_some() { td_string!(l, sc_reschedule_title) } else { td_string!(l, sc_title) }}
            </h1>
            <p class="muted">{td!(l, sc_booking_for, name = move || name.clone())}</p>
            {taken.then(|| view! { <p class="notice notice--error" role="alert">{td_string!(l, sc_slot_taken)}</p> })}
            {moving.map(|m| view! {
                <p class="notice" role="status">
                    {td_string!(l, sc_moving)} " " <strong>{m.date} ", " {m.time} " " {m.zone}</strong>
                    " · " {m.clinician_name}
                </p>
            })}
            {times.new_patient.then(|| view! { <p class="muted">{td_string!(l, sc_new_patient_note)}</p> })}
            <form class="care-filters" method="get" action=BOOK_PATH role="search" aria-label=td_string!(l, sc_search_label)>
                {(!patient.is_empty()).then(|| view! { <input type="hidden" name="patient" value=patient.clone() /> })}
                {(!reschedule.is_empty()).then(|| view! { <input type="hidden" name="reschedule" value=reschedule.clone() /> })}
                {if times.rescheduling.is_none() {
                    select_field("sc-visit-type", "visit_type", td_string!(l, sc_visit_type), None, visit_choices, q.visit_type.clone()).into_any()
                } else {
                    view! { <input type="hidden" name="visit_type" value=q.visit_type.clone() /> }.into_any()
                }}
                <details class="more-filters" open=narrowed>
                    <summary>{td_string!(l, sc_more_filters)}</summary>
                    <div class="more-filters__fields">
                        {select_field("sc-specialty", "specialty", td_string!(l, dc_specialty), Some(td_string!(l, dc_any_specialty)), times.options.specialties.clone(), q.specialty.clone())}
                        {select_field("sc-clinician", "clinician", td_string!(l, sc_clinician), Some(td_string!(l, sc_any_clinician)), times.options.clinicians.clone(), q.clinician.clone())}
                        {select_field("sc-location", "location", td_string!(l, dc_location), Some(td_string!(l, dc_any_location)), times.options.locations.clone(), q.location.clone())}
                        {select_field("sc-speaks", "speaks", td_string!(l, dc_language), Some(td_string!(l, dc_any_language)), times.options.languages.clone(), q.speaks.clone())}
                    </div>
                </details>
                <div class="field">
                    <label for="sc-from">{td_string!(l, sc_from)}</label>
                    <input id="sc-from" type="date" name="from" value=q.from.clone() />
                </div>
                <div class="field">
                    <label for="sc-to">{td_string!(l, sc_to)}</label>
                    <input id="sc-to" type="date" name="to" value=q.to.clone() />
                </div>
                <div class="care-filters__actions">
                    <button class="button" type="submit">{td_string!(l, sc_search)}</button>
                </div>
            </form>
            {(!times.preferred.is_empty()).then(|| {
                let who = times.preferred_name.clone().unwrap_or_default();
                let mut places: Vec<String> = times.preferred.iter().map(|t| t.location_name.clone()).collect();
                places.dedup();
                let place = places.join(" · ");
                let mut by_day: Vec<(String, Vec<OpenTimeItem>)> = Vec::new();
                for t in times.preferred.clone() {
                    match by_day.last_mut() {
                        Some((d, items)) if *d == t.date => items.push(t),
                        _ => by_day.push((t.date.clone(), vec![t])),
                    }
                }
                view! {
                    <section class="preferred" aria-labelledby="preferred-title">
                        <h2 id="preferred-title">{td!(l, sc_preferred, name = move || who.clone())}</h2>
                        <p class="muted">{place}</p>
                        {by_day.into_iter().map(|(date, items)| {
                            let (vt, p, r) = (visit_type.clone(), patient.clone(), reschedule.clone());
                            view! {
                                <p class="preferred__day">{date}</p>
                                <ul class="times">
                                    {items.into_iter().map(|item| view! {
                                        <TimeLink item visit_type=vt.clone() patient=p.clone() reschedule=r.clone() />
                                    }).collect_view()}
                                </ul>
                            }
                        }).collect_view()}
                    </section>
                }
            })}
            <h2 id="times-title">{td_string!(l, sc_open_times)}</h2>
            <p class="muted" role="status">
                {if count == 0 {
                    td_string!(l, sc_none).into_any()
                } else if times.more {
                    let n = count.to_string();
                    td!(l, sc_count_more, n = move || n.clone()).into_any()
                } else {
                    let n = count.to_string();
                    td!(l, sc_count, n = move || n.clone()).into_any()
                }}
            </p>
            {first.map(|item| {
                let (vt, p, r) = (visit_type.clone(), patient.clone(), reschedule.clone());
                view! {
                    <h3>{td_string!(l, sc_first_available)}</h3>
                    <ul class="times times--full times--first">
                        <TimeLink item visit_type=vt patient=p reschedule=r full=true />
                    </ul>
                }
            })}
            {if times.days.is_empty() {
                view! { <p class="empty">{td_string!(l, sc_none_hint)}</p> }.into_any()
            } else {
                times.days.into_iter().map(|day| {
                    let (vt, p, r) = (visit_type.clone(), patient.clone(), reschedule.clone());
                    view! {
                        <h3>{day.date.clone()}</h3>
                        <ul class="open-groups">
                            {day.groups.into_iter().map(|g| {
                                let (vt, p, r) = (vt.clone(), p.clone(), r.clone());
                                view! {
                                    <li class="open-group">
                                        <p class="open-group__who">
                                            <strong>{g.clinician_name.clone()}</strong>
                                            <span class="muted">{g.location_name.clone()}</span>
                                        </p>
                                        <ul class="times">
                                            {g.times.into_iter().map(|item| view! {
                                                <TimeLink item visit_type=vt.clone() patient=p.clone() reschedule=r.clone() />
                                            }).collect_view()}
                                        </ul>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }
                }).collect_view().into_any()
            }}
            {times.later.clone().map(|from| {
                let href = format!("{BOOK_PATH}{}", query_string(&[
                    ("patient", &patient), ("reschedule", &reschedule), ("visit_type", &q.visit_type),
                    ("specialty", &q.specialty), ("clinician", &q.clinician), ("location", &q.location),
                    ("speaks", &q.speaks), ("from", &from),
                ]));
                view! { <nav class="pager" aria-label=td_string!(l, sc_open_times)><a href=href rel="next">{td_string!(l, sc_later)}</a></nav> }
            })}
        </section>
    }
}

/// `/appointments/book/confirm`: the chosen time and the reason, then "Book".
#[component]
pub fn ConfirmBookingPage() -> impl IntoView {
    let l = use_locale();
    let q = use_query_map().get_untracked();
    let get = move |k: &str| q.get(k).unwrap_or_default();
    let (patient, reschedule) = (get("patient"), get("reschedule"));
    let (clinician, location, visit_type, start) = (
        get("clinician"),
        get("location"),
        get("visit_type"),
        get("start"),
    );
    let error = action_error::<BookAppointment>();
    #[cfg(feature = "ssr")]
    let kept: String =
        crate::forms::recall::<String>(super::api::REMEMBERED_BOOKING).unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let kept = String::new();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, sc_confirm_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (patient, reschedule, clinician, location, visit_type, start, error, kept) = (
                    patient.clone(), reschedule.clone(), clinician.clone(), location.clone(),
                    visit_type.clone(), start.clone(), error.clone(), kept.clone(),
                );
                Suspend::new(async move {
                    // The same search the patient saw, narrowed to the clinician and day: it names
                    // the time, and says whether it is still open.
                    let day = start.get(..10).unwrap_or_default().to_string();
                    let found = search_open_times(
                        Some(patient.clone()), Some(visit_type.clone()), None, Some(clinician.clone()),
                        Some(location.clone()), None, Some(day.clone()), Some(day.clone()), Some(reschedule.clone()),
                    ).await;
                    let times = match found {
                        Ok(t) => t,
                        Err(error) => return view! { <SchedulingProblem error /> }.into_any(),
                    };
                    let same = |t: &OpenTimeItem| {
                        chrono_eq(&t.start, &start) && t.clinician == clinician && t.location == location
                    };
                    let item = times.days.iter().flat_map(|d| d.groups.iter()).flat_map(|g| g.times.iter()).find(|t| same(t)).cloned();
                    let visit_name = times.options.visit_types.iter()
                        .find(|v| v.slug == times.query.visit_type)
                        .map(|v| (v.name.clone(), v.minutes, v.video));
                    let back = format!("{BOOK_PATH}{}", query_string(&[
                        ("patient", &patient), ("reschedule", &reschedule), ("visit_type", &visit_type),
                    ]));
                    let Some(item) = item else {
                        return view! {
                            <section class="page page--narrow" aria-labelledby="page-title">
                                <h1 id="page-title">{td_string!(l, sc_confirm_title)}</h1>
                                <p class="notice notice--error" role="alert">
                                    {match &error {
                                        Some(e) => problem_text(l, e),
                                        None => td_string!(l, sc_gone),
                                    }}
                                </p>
                                <p><a class="button" href=back>{td_string!(l, sc_choose_another)}</a></p>
                            </section>
                        }.into_any();
                    };
                    let name = times.patient_name.clone();
                    let moving = times.rescheduling.clone();
                    view! {
                        <section class="page page--narrow" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, sc_confirm_title)}</h1>
                            {error.as_ref().map(|e| view! {
                                <p class="notice notice--error" role="alert">{problem_text(l, e)}</p>
                            })}
                            <dl class="facts">
                                <dt>{td_string!(l, sc_for)}</dt>
                                <dd>{name}</dd>
                                <dt>{td_string!(l, sc_when)}</dt>
                                <dd>{item.date.clone()} ", " {item.time.clone()} " " {item.zone.clone()}</dd>
                                <dt>{td_string!(l, sc_with)}</dt>
                                <dd>{item.clinician_name.clone()}</dd>
                                <dt>{td_string!(l, sc_where)}</dt>
                                <dd>
                                    {match &visit_name {
                                        Some((_, _, true)) => td_string!(l, sc_video_visit).to_string(),
                                        _ => item.location_name.clone(),
                                    }}
                                </dd>
                                {visit_name.clone().map(|(n, minutes, _)| view! {
                                    <dt>{td_string!(l, sc_visit_type)}</dt>
                                    <dd>{n} " (" {minutes} " min)"</dd>
                                })}
                            </dl>
                            {moving.map(|m| view! {
                                <p class="muted">{td_string!(l, sc_moving)} " " {m.date} ", " {m.time}</p>
                            })}
                            <crate::pricing::VisitEstimate patient_id=patient.clone() visit_type=times.query.visit_type.clone() />
                            <form method="post" action={<BookAppointment as ServerFn>::PATH} class="form">
                                <input type="hidden" name="patient_id" value=patient.clone() />
                                <input type="hidden" name="clinician" value=clinician.clone() />
                                <input type="hidden" name="location" value=location.clone() />
                                <input type="hidden" name="visit_type" value=times.query.visit_type.clone() />
                                <input type="hidden" name="start" value=item.start.clone() />
                                {(!reschedule.is_empty()).then(|| view! { <input type="hidden" name="reschedule" value=reschedule.clone() /> })}
                                <div class="field">
                                    <label for="sc-reason">{td_string!(l, sc_reason)}</label>
                                    <p class="field__hint muted" id="sc-reason-hint">{td_string!(l, sc_reason_hint)}</p>
                                    <textarea id="sc-reason" name="reason" rows="4" maxlength=REASON_MAX.to_string()
                                        aria-describedby="sc-reason-hint">{kept.clone()}</textarea>
                                </div>
                                <div class="form__actions">
                                    <button class="button" type="submit">
                                        {if reschedule.is_empty() { td_string!(l, sc_book) } else { td_string!(l, sc_move) }}
                                    </button>
                                    <a href=back>{td_string!(l, sc_choose_another)}</a>
                                </div>
                            </form>
                        </section>
                    }.into_any()
                })
            }}
        </Suspense>
    }
}

/// Whether two RFC 3339 strings name the same instant (a link may spell UTC as `Z` or `+00:00`).
fn chrono_eq(a: &str, b: &str) -> bool {
    #[cfg(feature = "ssr")]
    {
        match (
            chrono::DateTime::parse_from_rfc3339(a.trim()),
            chrono::DateTime::parse_from_rfc3339(b.trim()),
        ) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
    }
    #[cfg(not(feature = "ssr"))]
    {
        a.trim() == b.trim()
    }
}

/// `/appointments/:id`: one visit, what can be done with it, and why not when it cannot.
#[component]
pub fn AppointmentPage() -> impl IntoView {
    let l = use_locale();
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let notice = [
        "booked",
        "moved",
        "cancelled",
        "marked",
        "waiting",
        "left",
        "declined",
    ]
    .into_iter()
    .find(|k| !query(k).is_empty());
    let confirming = !query("cancel").is_empty();
    let cancel_error = action_error::<CancelAppointment>()
        .or_else(action_error::<JoinWaitlist>)
        .or_else(action_error::<AcceptOffer>);
    let mark_error = action_error::<MarkAppointment>();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, sc_visit_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (id, cancel_error, mark_error) = (id.clone(), cancel_error.clone(), mark_error.clone());
                Suspend::new(async move {
                    let detail = match get_appointment(id.clone()).await {
                        Ok(d) => d,
                        Err(error) => return view! { <SchedulingProblem error /> }.into_any(),
                    };
                    view! { <VisitDetail detail notice confirming error=cancel_error.or(mark_error) /> }.into_any()
                })
            }}
        </Suspense>
    }
}

#[component]
fn VisitDetail(
    detail: AppointmentDetail,
    notice: Option<&'static str>,
    confirming: bool,
    error: Option<AppError>,
) -> impl IntoView {
    let l = use_locale();
    let c = detail.card.clone();
    let id = c.id.clone();
    let reschedule = format!("{BOOK_PATH}?reschedule={id}&patient={}", detail.patient_id);
    let ics = format!("/appointments/{id}/visit.ics");
    let here = format!("/appointments/{id}");
    let notice_text = notice.map(|n| match n {
        "booked" => td_string!(l, sc_booked_notice),
        "moved" => td_string!(l, sc_moved_notice),
        "cancelled" => td_string!(l, sc_cancelled_notice),
        "waiting" => td_string!(l, sc_waiting_notice),
        "left" => td_string!(l, sc_left_notice),
        "declined" => td_string!(l, sc_declined_notice),
        _ => td_string!(l, sc_marked_notice),
    });
    let phone = c.phone.clone();
    let location_name = c.location_name.clone();
    let back_list = if detail.staff_view {
        format!("/appointments?patient={}", detail.patient_id)
    } else {
        "/appointments".to_string()
    };
    view! {
        <section class="page page--narrow" aria-labelledby="page-title">
            <h1 id="page-title">{td_string!(l, sc_visit_title)}</h1>
            {notice_text.map(|t| view! { <p class="notice notice--ok" role="status">{t}</p> })}
            {error.as_ref().map(|e| view! { <p class="notice notice--error" role="alert">{problem_text(l, e)}</p> })}
            <dl class="facts">
                <dt>{td_string!(l, sc_for)}</dt>
                <dd>{detail.patient_name.clone()}</dd>
                <dt>{td_string!(l, sc_when)}</dt>
                <dd>{c.date.clone()} ", " {c.time.clone()} "–" {c.end_time.clone()} " " {c.zone.clone()}</dd>
                <dt>{td_string!(l, sc_with)}</dt>
                <dd><a href=format!("/find-care/clinicians/{}", c.clinician)>{c.clinician_name.clone()}</a></dd>
                <dt>{td_string!(l, sc_where)}</dt>
                <dd>
                    {if c.video {
                        td_string!(l, sc_video_visit).into_any()
                    } else {
                        view! {
                            <a href=format!("/find-care/locations/{}", c.location)>{c.location_name.clone()}</a>
                            <br />{c.address.clone()}
                        }.into_any()
                    }}
                </dd>
                <dt>{td_string!(l, sc_visit_type)}</dt>
                <dd>{c.visit_type_name.clone()} " (" {c.minutes} " min)"</dd>
                <dt>{td_string!(l, sc_status)}</dt>
                <dd>{status_name(l, &c.status)}</dd>
                <dt>{td_string!(l, sc_reason_label)}</dt>
                <dd>
                    {if detail.reason.is_empty() { td_string!(l, sc_no_reason).to_string() } else { detail.reason.clone() }}
                    <br /><span class="muted">{td_string!(l, sc_reason_private)}</span>
                </dd>
            </dl>
            {(c.upcoming && c.status != "cancelled").then(|| view! {
                <crate::pricing::VisitEstimate patient_id=detail.patient_id.clone() visit_type=c.visit_type.clone() />
            })}
            {(c.video && c.upcoming).then(|| match detail.join_link.clone() {
                Some(link) => view! {
                    <p><a class="button" href=link rel="noopener">{td_string!(l, sc_join_video)}</a></p>
                }.into_any(),
                None => view! {
                    <p class="notice" role="note">
                        {td!(l, sc_join_later, minutes = move || JOIN_OPENS_MINUTES.to_string())}
                    </p>
                }.into_any(),
            })}
            {(c.status != "cancelled").then(|| view! {
                <p><a class="button button--secondary" href=ics.clone() download="visit.ics">{td_string!(l, sc_add_to_calendar)}</a></p>
            })}
            {match detail.change {
                ChangeRule::Allowed if confirming => view! {
                    <form method="post" action={<CancelAppointment as ServerFn>::PATH} class="confirm">
                        <input type="hidden" name="appointment_id" value=id.clone() />
                        <p><strong>{td_string!(l, sc_cancel_question)}</strong></p>
                        <div class="form__actions">
                            <button class="button button--danger" type="submit">{td_string!(l, sc_cancel_yes)}</button>
                            <a href=here.clone()>{td_string!(l, sc_cancel_keep)}</a>
                        </div>
                    </form>
                }.into_any(),
                ChangeRule::Allowed => view! {
                    <ul class="links">
                        <li><a href=reschedule.clone()>{td_string!(l, sc_reschedule)}</a></li>
                        <li><a href=format!("{here}?cancel=1")>{td_string!(l, sc_cancel)}</a></li>
                    </ul>
                }.into_any(),
                ChangeRule::TooLate { hours } => {
                    let (hours, place) = (hours.to_string(), location_name.clone());
                    view! {
                        <p class="notice" role="note">
                            {td!(l, sc_too_late, hours = move || hours.clone(), location = move || place.clone())}
                            " " <crate::directory::Phone phone=phone.clone() />
                        </p>
                    }.into_any()
                }
                ChangeRule::Closed => ().into_any(),
            }}
            {(!detail.offers.is_empty()).then(|| view! {
                <ul class="offers">
                    {detail.offers.clone().into_iter().map(|offer| view! { <OfferItem offer /> }).collect_view()}
                </ul>
            })}
            {(c.status == "booked" && c.upcoming).then(|| match detail.waiting_since.clone() {
                Some(since) => {
                    let any = detail.waiting_any_clinician;
                    view! {
                        <section class="waitlist" aria-labelledby="waitlist-title">
                            <h2 id="waitlist-title">{td_string!(l, sc_waitlist_title)}</h2>
                            <p>
                                {td!(l, sc_waiting_since, date = move || since.clone())} " "
                                {if any { td_string!(l, sc_waiting_any) } else { td_string!(l, sc_waiting_same) }}
                            </p>
                            <form method="post" action={<LeaveWaitlist as ServerFn>::PATH}>
                                <input type="hidden" name="appointment_id" value=id.clone() />
                                <button class="button button--secondary" type="submit">{td_string!(l, sc_leave_waitlist)}</button>
                            </form>
                        </section>
                    }.into_any()
                }
                None => view! {
                    <section class="waitlist" aria-labelledby="waitlist-title">
                        <h2 id="waitlist-title">{td_string!(l, sc_waitlist_title)}</h2>
                        <p>{td_string!(l, sc_waitlist_intro)}</p>
                        <form method="post" action={<JoinWaitlist as ServerFn>::PATH} class="form">
                            <input type="hidden" name="appointment_id" value=id.clone() />
                            <label class="choice">
                                <input type="checkbox" name="any_clinician" value="1" />
                                {td_string!(l, sc_waitlist_any_label)}
                            </label>
                            <button class="button button--secondary" type="submit">{td_string!(l, sc_join_waitlist)}</button>
                        </form>
                    </section>
                }.into_any(),
            })}
            {(detail.staff_view && c.status != "cancelled").then(|| view! {
                <h2>{td_string!(l, sc_record_outcome)}</h2>
                <OutcomeButtons id=id.clone() status=c.status.clone() back=None label=String::new() />
            })}
            <p><a href=back_list>{td_string!(l, sc_all_visits)}</a></p>
        </section>
    }
}

/// `/visits/respond?token=…`: a reminder's link. Shows the visit and asks; the answer is a POST,
/// so a mail scanner that opens the link changes nothing.
#[component]
pub fn RespondPage() -> impl IntoView {
    let l = use_locale();
    let token = query("token");
    let done = query("done");
    let error = action_error::<RespondToVisit>();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, sc_respond_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (token, done, error) = (token.clone(), done.clone(), error.clone());
                Suspend::new(async move {
                    if !done.is_empty() {
                        let text = if done == "cancelled" { td_string!(l, sc_respond_cancelled) } else { td_string!(l, sc_respond_confirmed) };
                        return view! {
                            <section class="page page--narrow" aria-labelledby="page-title">
                                <h1 id="page-title">{td_string!(l, sc_respond_title)}</h1>
                                <p class="notice notice--ok" role="status">{text}</p>
                                <p><a href="/appointments">{td_string!(l, sc_all_visits)}</a></p>
                            </section>
                        }.into_any();
                    }
                    let visit = match (error, visit_link(token.clone()).await) {
                        (None, Ok(v)) => v,
                        _ => return view! {
                            <section class="page page--narrow" aria-labelledby="page-title">
                                <h1 id="page-title">{td_string!(l, sc_respond_title)}</h1>
                                <p class="notice notice--error" role="alert">{td_string!(l, sc_link_used)}</p>
                                <p><a class="button" href="/appointments">{td_string!(l, sc_all_visits)}</a></p>
                            </section>
                        }.into_any(),
                    };
                    view! {
                        <section class="page page--narrow" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, sc_respond_title)}</h1>
                            <dl class="facts">
                                <dt>{td_string!(l, sc_when)}</dt>
                                <dd>{visit.date.clone()} ", " {visit.time.clone()} " " {visit.zone.clone()}</dd>
                                <dt>{td_string!(l, sc_with)}</dt>
                                <dd>{visit.clinician_name.clone()}</dd>
                                <dt>{td_string!(l, sc_where)}</dt>
                                <dd>{visit.place.clone()}</dd>
                            </dl>
                            {visit.confirmed.then(|| view! { <p class="muted">{td_string!(l, sc_already_confirmed)}</p> })}
                            <div class="form__actions">
                                <form method="post" action={<RespondToVisit as ServerFn>::PATH}>
                                    <input type="hidden" name="token" value=token.clone() />
                                    <input type="hidden" name="answer" value="confirm" />
                                    <button class="button" type="submit">{td_string!(l, sc_respond_confirm)}</button>
                                </form>
                                <form method="post" action={<RespondToVisit as ServerFn>::PATH}>
                                    <input type="hidden" name="token" value=token.clone() />
                                    <input type="hidden" name="answer" value="cancel" />
                                    <button class="button button--danger" type="submit">{td_string!(l, sc_respond_cancel)}</button>
                                </form>
                            </div>
                            <p class="muted">{td_string!(l, sc_respond_once)}</p>
                        </section>
                    }.into_any()
                })
            }}
        </Suspense>
    }
}
