//! The set-up pages: a clinician's weekly hours, exceptions, blocks and the holidays of their
//! locations (`/staff/schedule/setup`), and the visit types (`/admin/visit-types`). Plain forms
//! that work without JavaScript; a refused form says which field and why.

use super::setup::*;
use crate::directory::{select_field, Choice};
use crate::error::AppError;
use crate::i18n::{td_string, Locale};
use crate::locale::use_locale;
use crate::organisation::PRODUCT_NAME;
use crate::shell::{action_error, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use server_fn::ServerFn;

fn weekday(l: Locale, d: i16) -> &'static str {
    match d {
        1 => td_string!(l, dc_day_1),
        2 => td_string!(l, dc_day_2),
        3 => td_string!(l, dc_day_3),
        4 => td_string!(l, dc_day_4),
        5 => td_string!(l, dc_day_5),
        6 => td_string!(l, dc_day_6),
        _ => td_string!(l, dc_day_7),
    }
}

/// What a refused form gets wrong, field by field, in words.
fn problems(l: Locale, error: &AppError) -> String {
    match error {
        AppError::Validation(fields) => fields
            .iter()
            .map(|(field, problem)| {
                let what = match problem.as_str() {
                    "time" => td_string!(l, su_bad_time),
                    "date" => td_string!(l, su_bad_date),
                    "before_start" => td_string!(l, su_before_start),
                    "overlaps" => td_string!(l, su_overlaps),
                    "range" => td_string!(l, su_range),
                    "required" => td_string!(l, su_required),
                    "one_needed" => td_string!(l, su_one_needed),
                    "slug" => td_string!(l, su_slug),
                    "billing_code" => td_string!(l, su_billing_code_bad),
                    _ => td_string!(l, su_unknown),
                };
                format!("{field}: {what}")
            })
            .collect::<Vec<_>>()
            .join(" · "),
        AppError::NotFound => td_string!(l, su_gone).to_string(),
        _ => td_string!(l, try_later).to_string(),
    }
}

/// A "Remove" button for one item.
fn remove_button(
    l: Locale,
    clinician: &str,
    kind: &'static str,
    id: String,
    label: String,
) -> impl IntoView {
    view! {
        <form method="post" action={<RemoveScheduleItem as ServerFn>::PATH} class="inline">
            <input type="hidden" name="clinician" value=clinician.to_string() />
            <input type="hidden" name="kind" value=kind />
            <input type="hidden" name="id" value=id />
            <button class="button button--quiet" type="submit" aria-label=format!("{} {label}", td_string!(l, su_remove))>
                {td_string!(l, su_remove)}
            </button>
        </form>
    }
}

#[component]
pub fn ScheduleSetupPage() -> impl IntoView {
    let l = use_locale();
    let q = use_query_map().get_untracked();
    let clinician = q.get("clinician").unwrap_or_default();
    let saved = q.get("saved").is_some();
    let removed = q.get("removed").is_some();
    let inside: i64 = q
        .get("booked_inside")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let error = action_error::<AddHours>()
        .or_else(action_error::<AddException>)
        .or_else(action_error::<AddBlock>)
        .or_else(action_error::<AddHoliday>)
        .or_else(action_error::<RemoveScheduleItem>);
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, su_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (clinician, error) = (clinician.clone(), error.clone());
                Suspend::new(async move {
                    let setup = match get_schedule_setup(Some(clinician)).await {
                        Ok(s) => s,
                        Err(error) => return view! { <crate::admin::AccessProblem error /> }.into_any(),
                    };
                    view! { <SetupView setup saved removed inside error /> }.into_any()
                })
            }}
        </Suspense>
    }
}

#[component]
fn SetupView(
    setup: ScheduleSetup,
    saved: bool,
    removed: bool,
    inside: i64,
    error: Option<AppError>,
) -> impl IntoView {
    let l = use_locale();
    let c = setup.clinician.clone();
    let days: Vec<Choice> = (1..=7)
        .map(|d: i16| Choice {
            value: d.to_string(),
            name: weekday(l, d).to_string(),
        })
        .collect();
    let no_places = setup.locations.is_empty();
    view! {
        <section class="page schedule-setup" aria-labelledby="page-title">
            <h1 id="page-title">{td_string!(l, su_title)}</h1>
            <form class="care-filters" method="get" action="/staff/schedule/setup" aria-label=td_string!(l, su_choose)>
                <div class="field">
                    <label for="su-who">{td_string!(l, sc_clinician)}</label>
                    <select id="su-who" name="clinician">
                        {setup.clinicians.iter().map(|x| view! {
                            <option value=x.value.clone() selected=x.value == setup.clinician>{x.name.clone()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="care-filters__actions">
                    <button class="button" type="submit">{td_string!(l, sc_staff_show)}</button>
                    <a href=format!("/staff/schedule?clinician={}", setup.clinician)>{td_string!(l, su_calendar_link)}</a>
                </div>
            </form>
            <h2>{setup.clinician_name.clone()}</h2>
            {saved.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, su_saved)}</p> })}
            {removed.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, su_removed)}</p> })}
            {(inside > 0).then(|| view! {
                <p class="notice notice--error" role="alert">
                    {format!("{inside} ")} {td_string!(l, su_booked_inside)} " "
                    <a href=format!("/staff/schedule?clinician={}&view=week", setup.clinician)>{td_string!(l, su_calendar_link)}</a>
                </p>
            })}
            {error.as_ref().map(|e| view! { <p class="notice notice--error" role="alert">{problems(l, e)}</p> })}
            {no_places.then(|| view! { <p class="notice">{td_string!(l, su_no_places)}</p> })}

            <h2>{td_string!(l, su_hours)}</h2>
            {if setup.hours.is_empty() {
                view! { <p class="empty">{td_string!(l, su_no_hours)}</p> }.into_any()
            } else {
                view! {
                    <ul class="setup-list">
                        {setup.hours.iter().map(|h| {
                            let label = format!("{} {}–{} {}", weekday(l, h.weekday), h.starts, h.ends, h.location_name);
                            view! {
                                <li>
                                    <span>
                                        <strong>{weekday(l, h.weekday)}</strong> " " {h.starts.clone()} "–" {h.ends.clone()}
                                        " · " {h.location_name.clone()} " · " {h.slot_minutes} " min"
                                        <br /><span class="muted">{h.valid_from.clone()} " → " {h.valid_until.clone().unwrap_or_else(|| "…".into())}</span>
                                    </span>
                                    {remove_button(l, &c, "hours", h.id.clone(), label)}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(!no_places).then(|| view! {
                <form method="post" action={<AddHours as ServerFn>::PATH} class="form form--grid" aria-label=td_string!(l, su_add_hours)>
                    <input type="hidden" name="clinician" value=c.clone() />
                    {select_field("su-h-loc", "location", td_string!(l, dc_location), None, setup.locations.clone(), String::new())}
                    {select_field("su-h-day", "weekday", td_string!(l, su_weekday), None, days.clone(), String::new())}
                    <div class="field"><label for="su-h-start">{td_string!(l, su_starts)}</label><input id="su-h-start" type="time" name="starts" required /></div>
                    <div class="field"><label for="su-h-end">{td_string!(l, su_ends)}</label><input id="su-h-end" type="time" name="ends" required /></div>
                    <div class="field"><label for="su-h-slot">{td_string!(l, su_slot)}</label><input id="su-h-slot" type="number" name="slot_minutes" min="5" max="240" value="20" required /></div>
                    <div class="field"><label for="su-h-from">{td_string!(l, su_valid_from)}</label><input id="su-h-from" type="date" name="valid_from" required /></div>
                    <div class="field"><label for="su-h-until">{td_string!(l, su_valid_until)}</label><input id="su-h-until" type="date" name="valid_until" /></div>
                    <div class="form__actions"><button class="button" type="submit">{td_string!(l, su_add_hours)}</button></div>
                </form>
            })}

            <h2>{td_string!(l, su_exceptions)}</h2>
            {if setup.exceptions.is_empty() {
                view! { <p class="empty">{td_string!(l, su_no_exceptions)}</p> }.into_any()
            } else {
                view! {
                    <ul class="setup-list">
                        {setup.exceptions.iter().map(|e| {
                            let what = match &e.hours {
                                Some((s, t)) => format!("{s}–{t}"),
                                None => td_string!(l, su_closed).to_string(),
                            };
                            let label = format!("{} {what}", e.day);
                            view! {
                                <li>
                                    <span><strong>{e.day.clone()}</strong> " · " {what} " · " {e.location_name.clone()}</span>
                                    {remove_button(l, &c, "exception", e.id.clone(), label)}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(!no_places).then(|| view! {
                <form method="post" action={<AddException as ServerFn>::PATH} class="form form--grid" aria-label=td_string!(l, su_add_exception)>
                    <input type="hidden" name="clinician" value=c.clone() />
                    {select_field("su-e-loc", "location", td_string!(l, dc_location), None, setup.locations.clone(), String::new())}
                    <div class="field"><label for="su-e-day">{td_string!(l, su_day)}</label><input id="su-e-day" type="date" name="day" required /></div>
                    <div class="field"><label for="su-e-start">{td_string!(l, su_starts)}</label><input id="su-e-start" type="time" name="starts" aria-describedby="su-e-hint" /></div>
                    <div class="field"><label for="su-e-end">{td_string!(l, su_ends)}</label><input id="su-e-end" type="time" name="ends" aria-describedby="su-e-hint" /></div>
                    <p id="su-e-hint" class="field__hint muted">{td_string!(l, su_exception_hint)}</p>
                    <div class="form__actions"><button class="button" type="submit">{td_string!(l, su_add_exception)}</button></div>
                </form>
            })}

            <h2>{td_string!(l, su_blocks)}</h2>
            <p class="muted">{td_string!(l, su_blocks_zone)} " " {setup.time_zone.clone()}</p>
            {if setup.blocks.is_empty() {
                view! { <p class="empty">{td_string!(l, su_no_blocks)}</p> }.into_any()
            } else {
                view! {
                    <ul class="setup-list">
                        {setup.blocks.iter().map(|b| {
                            let label = format!("{} – {}", b.from, b.to);
                            view! {
                                <li>
                                    <span><strong>{b.from.clone()}</strong> " → " {b.to.clone()} {(!b.note.is_empty()).then(|| format!(" · {}", b.note))}</span>
                                    {remove_button(l, &c, "block", b.id.clone(), label)}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <form method="post" action={<AddBlock as ServerFn>::PATH} class="form form--grid" aria-label=td_string!(l, su_add_block)>
                <input type="hidden" name="clinician" value=c.clone() />
                <div class="field"><label for="su-b-from">{td_string!(l, sc_from)}</label><input id="su-b-from" type="datetime-local" name="from" required /></div>
                <div class="field"><label for="su-b-to">{td_string!(l, sc_to)}</label><input id="su-b-to" type="datetime-local" name="to" required /></div>
                <div class="field"><label for="su-b-note">{td_string!(l, su_note)}</label><input id="su-b-note" type="text" name="note" maxlength="200" /></div>
                <div class="form__actions"><button class="button" type="submit">{td_string!(l, su_add_block)}</button></div>
            </form>

            <h2>{td_string!(l, su_holidays)}</h2>
            {if setup.holidays.is_empty() {
                view! { <p class="empty">{td_string!(l, su_no_holidays)}</p> }.into_any()
            } else {
                view! {
                    <ul class="setup-list">
                        {setup.holidays.iter().map(|h| {
                            let label = format!("{} {}", h.day, h.location_name);
                            view! {
                                <li>
                                    <span><strong>{h.day.clone()}</strong> " · " {h.name.clone()} " · " {h.location_name.clone()}</span>
                                    {remove_button(l, &c, "holiday", format!("{}/{}", h.location, h.day), label)}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(!no_places).then(|| view! {
                <form method="post" action={<AddHoliday as ServerFn>::PATH} class="form form--grid" aria-label=td_string!(l, su_add_holiday)>
                    <input type="hidden" name="clinician" value=c.clone() />
                    {select_field("su-o-loc", "location", td_string!(l, dc_location), None, setup.locations.clone(), String::new())}
                    <div class="field"><label for="su-o-day">{td_string!(l, su_day)}</label><input id="su-o-day" type="date" name="day" required /></div>
                    <div class="field"><label for="su-o-en">{td_string!(l, su_name_en)}</label><input id="su-o-en" type="text" name="name_en" maxlength="80" required /></div>
                    <div class="field"><label for="su-o-es">{td_string!(l, su_name_es)}</label><input id="su-o-es" type="text" name="name_es" maxlength="80" /></div>
                    <div class="form__actions"><button class="button" type="submit">{td_string!(l, su_add_holiday)}</button></div>
                </form>
            })}
        </section>
    }
}

/// `/admin/visit-types`: what can be booked, for how long, by whom.
#[component]
pub fn VisitTypesPage() -> impl IntoView {
    let l = use_locale();
    let saved = use_query_map().get_untracked().get("saved").is_some();
    let error = action_error::<SaveVisitType>();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, su_types_title)) />
        <Suspense fallback=Loading>
            {move || {
                let error = error.clone();
                Suspend::new(async move {
                    let types = match visit_types_admin().await {
                        Ok(t) => t,
                        Err(error) => return view! { <crate::admin::AccessProblem error /> }.into_any(),
                    };
                    view! {
                        <section class="page" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, su_types_title)}</h1>
                            <p class="muted">{td_string!(l, su_types_intro)}</p>
                            {saved.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, su_saved)}</p> })}
                            {error.as_ref().map(|e| view! { <p class="notice notice--error" role="alert">{problems(l, e)}</p> })}
                            {types.into_iter().map(|t| view! { <VisitTypeForm row=Some(t) /> }).collect_view()}
                            <h2>{td_string!(l, su_types_new)}</h2>
                            <VisitTypeForm row=None />
                        </section>
                    }.into_any()
                })
            }}
        </Suspense>
    }
}

#[component]
fn VisitTypeForm(row: Option<VisitTypeRow>) -> impl IntoView {
    let l = use_locale();
    let key = row
        .as_ref()
        .map_or_else(|| "new".to_string(), |r| r.slug.clone());
    let id = move |f: &str| format!("vt-{key}-{f}");
    let r = row.clone().unwrap_or(VisitTypeRow {
        slug: String::new(),
        name_en: String::new(),
        name_es: String::new(),
        minutes: 20,
        video: false,
        new_patients: true,
        established_patients: true,
        clinicians: 0,
        billing_code: String::new(),
        billing_listed: false,
    });
    let existing = row.is_some();
    let title = if existing {
        r.name_en.clone()
    } else {
        td_string!(l, su_types_new).to_string()
    };
    view! {
        <form method="post" action={<SaveVisitType as ServerFn>::PATH} class="form form--grid visit-type-form" aria-label=title>
            {if existing {
                view! {
                    <h2 class="form__title">{r.name_en.clone()}</h2>
                    <p class="muted form__title">{format!("{} · {} ", r.slug, r.clinicians)} {td_string!(l, su_types_offered_by)}</p>
                    <input type="hidden" name="slug" value=r.slug.clone() />
                }.into_any()
            } else {
                view! {
                    <div class="field"><label for=id("slug")>{td_string!(l, su_slug_label)}</label>
                        <input id=id("slug") type="text" name="slug" required pattern="[a-z0-9]+(-[a-z0-9]+)*" /></div>
                }.into_any()
            }}
            <div class="field"><label for=id("en")>{td_string!(l, su_name_en)}</label><input id=id("en") type="text" name="name_en" value=r.name_en.clone() maxlength="80" required /></div>
            <div class="field"><label for=id("es")>{td_string!(l, su_name_es)}</label><input id=id("es") type="text" name="name_es" value=r.name_es.clone() maxlength="80" required /></div>
            <div class="field"><label for=id("min")>{td_string!(l, su_minutes)}</label><input id=id("min") type="number" name="minutes" min="5" max="480" value=r.minutes.to_string() required /></div>
            <div class="field"><label for=id("mode")>{td_string!(l, su_mode)}</label>
                <select id=id("mode") name="mode">
                    <option value="in_person" selected=!r.video>{td_string!(l, su_in_person)}</option>
                    <option value="video" selected=r.video>{td_string!(l, sc_video_visit)}</option>
                </select>
            </div>
            <div class="field"><label for=id("code")>{td_string!(l, su_billing_code)}</label>
                <input id=id("code") type="text" name="billing_code" value=r.billing_code.clone() maxlength="5"
                    autocomplete="off" pattern="[A-Za-z0-9]{5}" aria-describedby=id("code-hint") />
                <p class="field__hint muted" id=id("code-hint")>{
                    if r.billing_code.is_empty() {
                        td_string!(l, su_billing_code_hint)
                    } else if r.billing_listed {
                        td_string!(l, su_billing_code_listed)
                    } else {
                        td_string!(l, su_billing_code_unlisted)
                    }
                }</p>
            </div>
            <label class="choice"><input type="checkbox" name="new_patients" value="1" checked=r.new_patients /> {td_string!(l, su_for_new)}</label>
            <label class="choice"><input type="checkbox" name="established_patients" value="1" checked=r.established_patients /> {td_string!(l, su_for_established)}</label>
            <div class="form__actions"><button class="button" type="submit">{td_string!(l, su_save)}</button></div>
        </form>
    }
}
