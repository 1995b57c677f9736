//! The staff calendar: a day or a week of one clinician's or one location's visits, with who is
//! coming, and buttons to record arrival, completion or a no-show. A GET form chooses what to
//! show, so each view has its own address and works without JavaScript.

use super::api::{staff_calendar, MarkAppointment};
use super::domain::*;
use super::ui::{status_name, OutcomeButtons};
use crate::i18n::td_string;
use crate::library::urlencode;
use crate::locale::use_locale;
use crate::organisation::PRODUCT_NAME;
use crate::shell::{action_error, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/staff/schedule?clinician=…|location=…&view=day|week&day=YYYY-MM-DD`.
#[component]
pub fn StaffSchedulePage() -> impl IntoView {
    let l = use_locale();
    let q = use_query_map().get_untracked();
    let get = move |k: &str| q.get(k).unwrap_or_default();
    let (clinician, location, view_kind, day) =
        (get("clinician"), get("location"), get("view"), get("day"));
    let error = action_error::<MarkAppointment>();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, sc_staff_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (clinician, location, view_kind, day, error) =
                    (clinician.clone(), location.clone(), view_kind.clone(), day.clone(), error.clone());
                Suspend::new(async move {
                    let calendar = match staff_calendar(Some(clinician), Some(location), Some(view_kind), Some(day)).await {
                        Ok(c) => c,
                        Err(error) => return view! { <crate::admin::AccessProblem error /> }.into_any(),
                    };
                    view! { <CalendarView calendar error /> }.into_any()
                })
            }}
        </Suspense>
    }
}

#[component]
fn CalendarView(calendar: ScheduleView, error: Option<crate::error::AppError>) -> impl IntoView {
    let l = use_locale();
    let who = if calendar.location.is_empty() {
        format!("clinician={}", urlencode(&calendar.clinician))
    } else {
        format!("location={}", urlencode(&calendar.location))
    };
    let link = |day: &str, view: &str| format!("/staff/schedule?{who}&view={view}&day={day}");
    let here = link(&calendar.day, &calendar.view);
    let previous = link(&calendar.previous, &calendar.view);
    let next = link(&calendar.next, &calendar.view);
    let other_view = if calendar.view == "week" {
        "day"
    } else {
        "week"
    };
    let switch = link(&calendar.day, other_view);
    let week = calendar.view == "week";
    view! {
        <section class="page staff-calendar" aria-labelledby="page-title">
            <h1 id="page-title">{td_string!(l, sc_staff_title)}</h1>
            {error.map(|_| view! { <p class="notice notice--error" role="alert">{td_string!(l, sc_not_yet)}</p> })}
            <form class="care-filters" method="get" action="/staff/schedule" aria-label=td_string!(l, sc_staff_choose)>
                <div class="field">
                    <label for="ss-clinician">{td_string!(l, sc_clinician)}</label>
                    <select id="ss-clinician" name="clinician">
                        <option value="">{td_string!(l, sc_staff_by_location)}</option>
                        {calendar.clinicians.iter().map(|c| view! {
                            <option value=c.value.clone() selected=c.value == calendar.clinician>{c.name.clone()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="ss-location">{td_string!(l, dc_location)}</label>
                    <select id="ss-location" name="location">
                        <option value="">{td_string!(l, dc_any_location)}</option>
                        {calendar.locations.iter().map(|c| view! {
                            <option value=c.value.clone() selected=c.value == calendar.location>{c.name.clone()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="ss-view">{td_string!(l, sc_staff_view)}</label>
                    <select id="ss-view" name="view">
                        <option value="day" selected=!week>{td_string!(l, sc_staff_day)}</option>
                        <option value="week" selected=week>{td_string!(l, sc_staff_week)}</option>
                    </select>
                </div>
                <div class="field">
                    <label for="ss-day">{td_string!(l, sc_staff_date)}</label>
                    <input id="ss-day" type="date" name="day" value=calendar.day.clone() />
                </div>
                <div class="care-filters__actions">
                    <button class="button" type="submit">{td_string!(l, sc_staff_show)}</button>
                </div>
            </form>
            <h2>{calendar.title.clone()}</h2>
            {(!calendar.clinician.is_empty()).then(|| view! {
                <p><a href=format!("/staff/schedule/setup?clinician={}", urlencode(&calendar.clinician))>{td_string!(l, su_title)}</a></p>
            })}
            <nav class="pager" aria-label=td_string!(l, sc_staff_nav)>
                <a href=previous rel="prev">{td_string!(l, sc_staff_previous)}</a>
                <a href=switch>{if week { td_string!(l, sc_staff_day) } else { td_string!(l, sc_staff_week) }}</a>
                <a href=next rel="next">{td_string!(l, sc_staff_next)}</a>
            </nav>
            {calendar.days.into_iter().map(|(label, entries)| {
                let here = here.clone();
                view! {
                    <h3>{label}</h3>
                    {if entries.is_empty() {
                        view! { <p class="empty">{td_string!(l, sc_staff_none)}</p> }.into_any()
                    } else {
                        view! {
                            <table class="calendar-table">
                                <thead>
                                    <tr>
                                        <th scope="col">{td_string!(l, sc_when)}</th>
                                        <th scope="col">{td_string!(l, sc_for)}</th>
                                        <th scope="col">{td_string!(l, sc_visit_type)}</th>
                                        <th scope="col">{td_string!(l, sc_status)}</th>
                                        <th scope="col">{td_string!(l, sc_record_outcome)}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {entries.into_iter().map(|e| {
                                        let here = here.clone();
                                        let c = e.card.clone();
                                        let cancelled = c.status == "cancelled";
                                        view! {
                                            <tr class:cancelled=cancelled>
                                                <td><a href=format!("/appointments/{}", c.id)>{c.time.clone()} "–" {c.end_time.clone()}</a></td>
                                                <td><a href=format!("/staff/patients/{}", e.patient_id)>{e.patient_name.clone()}</a></td>
                                                <td>{c.visit_type_name.clone()}<br /><span class="muted">{c.clinician_name.clone()} " · " {c.location_name.clone()}</span></td>
                                                <td>{status_name(l, &c.status)}</td>
                                                <td>
                                                    {(!cancelled).then(|| view! {
                                                        <OutcomeButtons id=c.id.clone() status=c.status.clone()
                                                            back=Some(here.clone()) label=format!("{}, {}", c.time, e.patient_name) />
                                                    })}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }}
                }
            }).collect_view()}
        </section>
    }
}
