//! Scheduling's server functions. Each names who may call it; every one that touches a patient's
//! visits goes through `auth::access::require_access` with the scheduling scope first (the
//! patient, a parent of a minor, a proxy granted scheduling, or staff with a second factor),
//! audits the read or change in the same transaction, and never logs or emails the reason.
#![allow(
    clippy::too_many_arguments,
    reason = "one server-function argument per form field"
)]

use super::domain::*;
use crate::error::AppError;
use leptos::prelude::*;

/// The cookie that keeps a typed reason for five minutes when booking fails without JavaScript.
#[cfg(feature = "ssr")]
pub const REMEMBERED_BOOKING: &str = "booking_form";
/// Where the booking pages live (the remembered reason is scoped to them).
pub const BOOK_PATH: &str = "/appointments/book";

/// Open times the patient may book: the patient themself, a parent, a proxy with the
/// scheduling scope, or staff (naming the patient). Without `patient_id`, the person the caller
/// is acting for. With `reschedule`, times to move that visit to.
#[server]
pub async fn search_open_times(
    patient_id: Option<String>,
    visit_type: Option<String>,
    specialty: Option<String>,
    clinician: Option<String>,
    location: Option<String>,
    speaks: Option<String>,
    from: Option<String>,
    to: Option<String>,
    reschedule: Option<String>,
) -> Result<OpenTimes, AppError> {
    let query = SearchQuery {
        visit_type: visit_type.unwrap_or_default(),
        specialty: specialty.unwrap_or_default(),
        clinician: clinician.unwrap_or_default(),
        location: location.unwrap_or_default(),
        speaks: speaks.unwrap_or_default(),
        from: from.unwrap_or_default(),
        to: to.unwrap_or_default(),
    };
    crate::error::with_status(server::search(patient_id, query, reschedule).await)
}

/// Books a time, or moves the visit `reschedule` to it, and emails the invitation. The same
/// callers as [`search_open_times`]; a patient's own change must respect the change policy.
/// Answers `Conflict("slot_taken")` when someone else got the time first.
#[server]
pub async fn book_appointment(
    patient_id: Option<String>,
    clinician: String,
    location: String,
    visit_type: String,
    start: String,
    reason: Option<String>,
    reschedule: Option<String>,
) -> Result<(), AppError> {
    crate::error::with_status(
        server::book(
            patient_id,
            server::Choice {
                clinician,
                location,
                visit_type,
                start,
            },
            reason.unwrap_or_default(),
            reschedule,
        )
        .await,
    )
}

/// Cancels a visit and emails the cancellation. The patient, a parent, a proxy with the
/// scheduling scope (within the change policy), or staff.
#[server]
pub async fn cancel_appointment(appointment_id: String) -> Result<(), AppError> {
    crate::error::with_status(server::cancel(appointment_id).await)
}

/// Records that the patient arrived, the visit was completed, or the patient did not come.
/// Staff only (with a second factor).
#[server]
pub async fn mark_appointment(
    appointment_id: String,
    status: String,
    back: Option<String>,
) -> Result<(), AppError> {
    crate::error::with_status(server::mark(appointment_id, status, back).await)
}

/// One visit in full, reason included. The same callers as [`cancel_appointment`]; audited.
#[server]
pub async fn get_appointment(appointment_id: String) -> Result<AppointmentDetail, AppError> {
    crate::error::with_status(server::detail(appointment_id).await)
}

/// A patient's upcoming and recent visits. The same callers as [`search_open_times`]; audited.
#[server]
pub async fn list_appointments(patient_id: Option<String>) -> Result<Appointments, AppError> {
    crate::error::with_status(server::list(patient_id).await)
}

/// A day or week of one clinician's or one location's visits. Staff only (with a second
/// factor); each patient shown is audited.
#[server]
pub async fn staff_calendar(
    clinician: Option<String>,
    location: Option<String>,
    view: Option<String>,
    day: Option<String>,
) -> Result<ScheduleView, AppError> {
    crate::error::with_status(server::calendar(clinician, location, view, day).await)
}

/// Asks for an earlier time for a booked visit (with its clinician, or any who offers the visit
/// type). The same callers as [`cancel_appointment`].
#[server]
pub async fn join_waitlist(
    appointment_id: String,
    any_clinician: Option<String>,
) -> Result<(), AppError> {
    crate::error::with_status(
        server::join_waitlist(appointment_id, any_clinician.is_some_and(|v| !v.is_empty())).await,
    )
}

/// Stops asking for an earlier time. The same callers as [`cancel_appointment`].
#[server]
pub async fn leave_waitlist(appointment_id: String) -> Result<(), AppError> {
    crate::error::with_status(server::leave_waitlist(appointment_id).await)
}

/// Takes an offered earlier time: the visit moves there. The same callers as
/// [`cancel_appointment`]. `Conflict("offer_gone")` when it lapsed or was withdrawn,
/// `Conflict("slot_taken")` when someone booked it first.
#[server]
pub async fn accept_offer(offer_id: String) -> Result<(), AppError> {
    crate::error::with_status(server::accept_offer(offer_id).await)
}

/// Turns an offered earlier time down; it goes to the next person waiting. The same callers as
/// [`cancel_appointment`].
#[server]
pub async fn decline_offer(offer_id: String) -> Result<(), AppError> {
    crate::error::with_status(server::decline_offer(offer_id).await)
}

/// The visit a reminder's link names. Anyone holding the link (it is the credential), until it
/// is used or the visit starts; rate-limited per client address.
#[server]
pub async fn visit_link(token: String) -> Result<LinkedVisit, AppError> {
    crate::error::with_status(server::visit_link(token).await)
}

/// Confirms or cancels (`answer`) the visit a reminder's link names, once. The same callers as
/// [`visit_link`]; cancelling this way is accepted until the visit starts.
#[server]
pub async fn respond_to_visit(token: String, answer: String) -> Result<(), AppError> {
    crate::error::with_status(server::respond(token, answer).await)
}

#[cfg(feature = "ssr")]
pub mod server {
    //! The work behind the server functions, callable from the server's own routes.
    use super::super::calendar::Method;
    use super::super::db::{self, AppointmentRow};
    use super::super::domain::*;
    use super::super::notify::{card, local, video_place, visit_changed, zone, Sender};
    use super::super::slots::Span;
    use super::super::waitlist;
    use super::{BOOK_PATH, REMEMBERED_BOOKING};
    use crate::auth::access::{require_access, Access, ActingAs, Scope};
    use crate::directory::VisitTypeInfo;
    use crate::email::templates::VisitChange;
    use crate::error::AppError;
    use chrono::{DateTime, Duration, NaiveDate, Utc};
    use sqlx::PgConnection;
    use std::collections::{BTreeMap, HashMap};
    use uuid::Uuid;

    /// The earliest a visit can be booked online, from now.
    const NOTICE: Duration = Duration::minutes(60);
    /// Past visits listed beside the upcoming ones.
    const PAST_SHOWN: i64 = 20;

    /// What a booking form posts about the time chosen.
    pub struct Choice {
        pub clinician: String,
        pub location: String,
        pub visit_type: String,
        pub start: String,
    }

    fn invalid(field: &str, problem: &str) -> AppError {
        AppError::Validation(BTreeMap::from([(field.to_string(), problem.to_string())]))
    }

    /// The request's language ("en" or "es"), for names and times.
    pub fn language() -> &'static str {
        let locale = leptos::prelude::use_context::<crate::i18n::Locale>()
            .unwrap_or_else(crate::locale::provide_request_locale);
        if locale == crate::i18n::Locale::es {
            "es"
        } else {
            "en"
        }
    }

    fn parse_id(id: &str) -> Result<Uuid, AppError> {
        crate::household::parse_private_id(id)
    }

    async fn patient_for(patient_id: Option<String>) -> Result<Uuid, AppError> {
        crate::household::acting_patient(patient_id).await
    }

    /// Queues the emails about a change to visit `id`: to the patient's own accounts, and to
    /// the person acting for them who made it.
    async fn notify(
        conn: &mut PgConnection,
        access: &Access,
        id: Uuid,
        change: VisitChange,
    ) -> Result<(), AppError> {
        let also = (!matches!(access.allowed.acting_as, ActingAs::Staff))
            .then_some(access.caller.account.account_id);
        let sender = Sender::from_config(&*crate::state::config()?);
        visit_changed(conn, &sender, id, change, also).await
    }

    fn is_staff(access: &Access) -> bool {
        access.allowed.acting_as == ActingAs::Staff
    }

    fn cutoff_hours() -> Result<u32, AppError> {
        Ok(crate::state::config()?.appointment_change_cutoff_hours)
    }

    /// The visit types this patient may book.
    fn eligible(types: Vec<VisitTypeInfo>, new_patient: bool) -> Vec<VisitTypeInfo> {
        types
            .into_iter()
            .filter(|v| {
                if new_patient {
                    v.new_patients
                } else {
                    v.established_patients
                }
            })
            .collect()
    }

    /// The visit type asked for if allowed, else the first meant only for this kind of patient.
    fn pick_visit_type<'a>(
        types: &'a [VisitTypeInfo],
        asked: &str,
        new_patient: bool,
    ) -> Option<&'a VisitTypeInfo> {
        types
            .iter()
            .find(|v| v.slug == asked)
            .or_else(|| {
                types.iter().find(|v| {
                    if new_patient {
                        !v.established_patients
                    } else {
                        !v.new_patients
                    }
                })
            })
            .or_else(|| types.first())
    }

    fn parse_date(value: &str, field: &str) -> Result<Option<NaiveDate>, AppError> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(None);
        }
        NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| invalid(field, "date"))
    }

    /// The visit being moved: it must be this patient's, booked, and changeable by the caller.
    async fn movable(
        conn: &mut PgConnection,
        access: &Access,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<AppointmentRow, AppError> {
        let row = db::find_appointment(conn, parse_id(id)?)
            .await?
            .filter(|r| r.patient_id == access.patient_id)
            .ok_or(AppError::Forbidden)?;
        match change_rule(
            &row.status,
            row.start,
            now,
            cutoff_hours()?,
            is_staff(access),
        ) {
            ChangeRule::Allowed => Ok(row),
            ChangeRule::TooLate { .. } => Err(AppError::Conflict("too_late".into())),
            ChangeRule::Closed => Err(AppError::Conflict("closed".into())),
        }
    }

    pub async fn search(
        patient_id: Option<String>,
        mut query: SearchQuery,
        reschedule: Option<String>,
    ) -> Result<OpenTimes, AppError> {
        let patient = patient_for(patient_id).await?;
        let access = require_access(patient, Scope::Scheduling).await?;
        let language = language();
        let now = Utc::now();
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;

        let rescheduling = match reschedule.as_deref().filter(|r| !r.trim().is_empty()) {
            Some(id) => Some(movable(&mut conn, &access, id, now).await?),
            None => None,
        };
        let standing = db::select_standing(&mut conn, patient, now).await?;
        let new_patient = !standing.established;
        let types = eligible(
            crate::directory::db::select_visit_types(&mut *conn, language).await?,
            new_patient,
        );
        if let Some(r) = &rescheduling {
            // A visit keeps its type when it moves.
            query.visit_type = r.visit_type.clone();
        }
        let visit = match &rescheduling {
            Some(r) => crate::directory::db::select_visit_types(&mut *conn, language)
                .await?
                .into_iter()
                .find(|v| v.slug == r.visit_type),
            None => pick_visit_type(&types, &query.visit_type, new_patient).cloned(),
        };

        let today = now.date_naive();
        let from = parse_date(&query.from, "from")?.unwrap_or(today).max(today);
        let to = parse_date(&query.to, "to")?
            .unwrap_or(from + Duration::days(SEARCH_DAYS - 1))
            .max(from)
            .min(from + Duration::days(SEARCH_DAYS_MAX - 1));
        query.from = from.to_string();
        query.to = to.to_string();

        let mut open = Vec::new();
        if let Some(visit) = &visit {
            query.visit_type = visit.slug.clone();
            let clinicians = db::select_bookable_clinicians(
                &mut conn,
                &visit.slug,
                &query,
                new_patient && rescheduling.is_none(),
            )
            .await?;
            open = db::open_times_ignoring(
                &mut conn,
                &clinicians,
                i64::from(visit.minutes),
                from,
                to,
                now + NOTICE,
                rescheduling.as_ref().map(|r| r.appointment_id),
            )
            .await?;
        }
        let locations = db::select_location_names(&mut conn, None).await?;
        if !query.location.is_empty() {
            open.retain(|t| {
                locations
                    .iter()
                    .any(|l| l.id == t.location_id && l.slug == query.location)
            });
        }
        let clinician_names = db::select_clinician_names(&mut conn, None).await?;
        let by_clinician: HashMap<Uuid, &db::Named> =
            clinician_names.iter().map(|c| (c.id, c)).collect();
        let by_location: HashMap<Uuid, &db::Named> = locations.iter().map(|l| (l.id, l)).collect();
        let item = |t: &db::OpenTime| -> Option<OpenTimeItem> {
            let c = by_clinician.get(&t.clinician_id)?;
            let l = by_location.get(&t.location_id)?;
            let tz = zone(&l.time_zone);
            let (date, time, zone) = local(language, tz, t.start);
            Some(OpenTimeItem {
                day: t.start.with_timezone(&tz).date_naive().to_string(),
                clinician: c.slug.clone(),
                clinician_name: c.name.clone(),
                location: l.slug.clone(),
                location_name: l.name.clone(),
                start: t.start.to_rfc3339(),
                time,
                zone,
                date,
            })
        };

        let preferred_clinician = standing
            .preferred
            .filter(|p| open.iter().any(|t| t.clinician_id == *p));
        let preferred: Vec<OpenTimeItem> = match preferred_clinician {
            Some(p) => open
                .iter()
                .filter(|t| t.clinician_id == p)
                .take(PREFERRED_LIMIT)
                .filter_map(item)
                .collect(),
            None => Vec::new(),
        };
        let mut days: Vec<OpenDay> = Vec::new();
        let mut more = false;
        let mut later = None;
        for t in &open {
            let Some(item) = item(t) else { continue };
            if days.last().is_none_or(|d| d.date != item.date) {
                if days.len() == DAYS_SHOWN {
                    more = true;
                    later = Some(item.day.clone());
                    break;
                }
                days.push(OpenDay {
                    date: item.date.clone(),
                    groups: Vec::new(),
                });
            }
            let Some(day) = days.last_mut() else { continue };
            let at = day
                .groups
                .iter()
                .position(|g| g.clinician == item.clinician && g.location == item.location);
            match at {
                Some(i) => match day.groups.get_mut(i) {
                    Some(g) if g.times.len() < TIMES_PER_GROUP => g.times.push(item),
                    _ => more = true,
                },
                None if day.groups.len() < GROUPS_PER_DAY => day.groups.push(OpenGroup {
                    clinician: item.clinician.clone(),
                    clinician_name: item.clinician_name.clone(),
                    location: item.location.clone(),
                    location_name: item.location_name.clone(),
                    times: vec![item],
                }),
                None => more = true,
            }
        }

        let options = SearchOptions {
            visit_types: types,
            specialties: crate::directory::db::select_specialties(&mut *conn, language, true)
                .await?,
            clinicians: clinician_names.iter().map(db::Named::choice).collect(),
            locations: locations.iter().map(db::Named::choice).collect(),
            languages: crate::directory::db::select_languages_spoken(&mut *conn, language).await?,
        };
        let patient_name = db::patient_name(&mut conn, patient).await?;
        crate::audit::record(
            &mut *conn,
            &access.audit("appointment.search").on("patient", patient),
        )
        .await?;
        Ok(OpenTimes {
            patient_id: patient.to_string(),
            patient_name,
            new_patient,
            query,
            options,
            preferred_name: preferred_clinician
                .and_then(|p| by_clinician.get(&p).map(|c| c.name.clone())),
            preferred,
            first: open.first().and_then(item),
            found: open.len(),
            more,
            later,
            days,
            rescheduling: rescheduling.as_ref().map(|r| card(r, language, now)),
        })
    }

    /// Keeps the typed reason when the booking fails, so the form can show it again.
    fn remember_reason(reason: &str) {
        crate::auth::server::set_cookie(&crate::forms::remember_cookie(
            REMEMBERED_BOOKING,
            BOOK_PATH,
            &reason,
        ));
    }

    pub async fn book(
        patient_id: Option<String>,
        choice: Choice,
        reason: String,
        reschedule: Option<String>,
    ) -> Result<(), AppError> {
        let patient = patient_for(patient_id).await?;
        let access = require_access(patient, Scope::Scheduling).await?;
        let result = book_checked(&access, choice, &reason, reschedule).await;
        match &result {
            Ok(_) => crate::auth::server::set_cookie(&crate::forms::forget_cookie(
                REMEMBERED_BOOKING,
                BOOK_PATH,
            )),
            Err(_) => remember_reason(&reason),
        }
        let (id, moved) = result?;
        leptos_axum::redirect(&format!(
            "/appointments/{id}?{}=1",
            if moved { "moved" } else { "booked" }
        ));
        Ok(())
    }

    async fn book_checked(
        access: &Access,
        choice: Choice,
        reason: &str,
        reschedule: Option<String>,
    ) -> Result<(Uuid, bool), AppError> {
        let reason = check_reason(reason).map_err(AppError::Validation)?;
        let start = DateTime::parse_from_rfc3339(choice.start.trim())
            .map_err(|_| invalid("start", "time"))?
            .with_timezone(&Utc);
        let now = Utc::now();
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;

        let moving = match reschedule.as_deref().filter(|r| !r.trim().is_empty()) {
            Some(id) => Some(movable(&mut tx, access, id, now).await?),
            None => None,
        };
        let clinician = sqlx::query_scalar!(
            "select clinician_id from clinician where slug = $1 and listed",
            choice.clinician.trim()
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| invalid("clinician", "unknown"))?;
        let location = sqlx::query_scalar!(
            "select location_id from care_location where slug = $1 and listed",
            choice.location.trim()
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| invalid("location", "unknown"))?;
        let visit_slug = moving.as_ref().map_or_else(
            || choice.visit_type.trim().to_string(),
            |m| m.visit_type.clone(),
        );
        let language = language();
        let visit = crate::directory::db::select_visit_types(&mut *tx, language)
            .await?
            .into_iter()
            .find(|v| v.slug == visit_slug)
            .ok_or_else(|| invalid("visit_type", "unknown"))?;
        let standing = db::select_standing(&mut tx, access.patient_id, now).await?;
        if moving.is_none() {
            let new_patient = !standing.established;
            if (new_patient && !visit.new_patients) || (!new_patient && !visit.established_patients)
            {
                return Err(invalid("visit_type", "not_for_you"));
            }
        }
        let bookable = db::select_bookable_clinicians(
            &mut tx,
            &visit.slug,
            &SearchQuery {
                clinician: choice.clinician.trim().to_string(),
                ..SearchQuery::default()
            },
            !standing.established && moving.is_none(),
        )
        .await?;
        if !bookable.contains(&clinician) {
            return Err(invalid("clinician", "unknown"));
        }

        // Bookings and waitlist offers of this clinician's time take turns from here on.
        waitlist::lock_clinician(&mut tx, clinician).await?;
        // The time must be one the schedule offers; the exclusion constraint then decides
        // between people taking it at the same moment.
        let minutes = i64::from(visit.minutes);
        let day = start.date_naive();
        let open = db::open_times_ignoring(
            &mut tx,
            &[clinician],
            minutes,
            day - Duration::days(1),
            day + Duration::days(1),
            now + NOTICE,
            moving.as_ref().map(|m| m.appointment_id),
        )
        .await?;
        if !open
            .iter()
            .any(|t| t.start == start && t.location_id == location)
        {
            let taken = db::select_taken(
                &mut tx,
                &[clinician],
                Span::new(start, start + Duration::minutes(minutes)),
                moving.as_ref().map(|m| m.appointment_id),
            )
            .await?;
            return Err(if taken.is_empty() {
                AppError::Conflict("not_open".into())
            } else {
                AppError::Conflict(db::SLOT_TAKEN.into())
            });
        }
        let during = Span::new(start, start + Duration::minutes(minutes));
        let (id, change) = match &moving {
            Some(m) => {
                if !db::move_appointment(&mut tx, m.appointment_id, clinician, location, during)
                    .await?
                {
                    return Err(AppError::Conflict("closed".into()));
                }
                (m.appointment_id, VisitChange::Moved)
            }
            None => {
                let id = db::insert_appointment(
                    &mut tx,
                    &db::NewAppointment {
                        patient_id: access.patient_id,
                        clinician_id: clinician,
                        location_id: location,
                        visit_type: &visit.slug,
                        during,
                        reason: &reason,
                        booked_by: Some(access.caller.account.account_id),
                    },
                )
                .await?;
                (id, VisitChange::Booked)
            }
        };
        waitlist::withdraw_overlapping(&mut tx, clinician, during).await?;
        if let Some(m) = &moving {
            // The time it leaves goes to whoever is waiting for an earlier one.
            waitlist::time_freed(&mut tx, m.clinician_id, Span::new(m.start, m.end)).await?;
        }
        if moving.is_some() && !reason.is_empty() {
            sqlx::query!(
                "update appointment set reason = $2 where appointment_id = $1",
                id,
                reason
            )
            .execute(&mut *tx)
            .await?;
        }
        let action = if moving.is_some() {
            "appointment.move"
        } else {
            "appointment.book"
        };
        crate::audit::record(&mut *tx, &access.audit(action).on("appointment", id)).await?;
        notify(&mut tx, access, id, change).await?;
        tx.commit().await?;
        tracing::info!(appointment_id = %id, action, "appointment changed");
        Ok((id, moving.is_some()))
    }

    /// Loads visit `id` and checks the caller may act on its patient.
    async fn load(id: &str) -> Result<(AppointmentRow, Access), AppError> {
        // Check who is calling before reading anything.
        crate::auth::server::require_user().await?;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let row = db::find_appointment(&mut conn, parse_id(id)?)
            .await?
            .ok_or(AppError::Forbidden)?;
        let access = require_access(row.patient_id, Scope::Scheduling).await?;
        Ok((row, access))
    }

    pub async fn cancel(appointment_id: String) -> Result<(), AppError> {
        let (row, access) = load(&appointment_id).await?;
        let now = Utc::now();
        match change_rule(
            &row.status,
            row.start,
            now,
            cutoff_hours()?,
            is_staff(&access),
        ) {
            ChangeRule::Allowed => {}
            ChangeRule::TooLate { .. } => return Err(AppError::Conflict("too_late".into())),
            ChangeRule::Closed => return Err(AppError::Conflict("closed".into())),
        }
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        if !db::cancel_appointment(&mut tx, row.appointment_id).await? {
            return Err(AppError::Conflict("closed".into()));
        }
        waitlist::leave(&mut tx, row.appointment_id).await?;
        waitlist::time_freed(&mut tx, row.clinician_id, Span::new(row.start, row.end)).await?;
        crate::audit::record(
            &mut *tx,
            &access
                .audit("appointment.cancel")
                .on("appointment", row.appointment_id),
        )
        .await?;
        notify(&mut tx, &access, row.appointment_id, VisitChange::Cancelled).await?;
        tx.commit().await?;
        tracing::info!(appointment_id = %row.appointment_id, "appointment cancelled");
        leptos_axum::redirect(&format!("/appointments/{}?cancelled=1", row.appointment_id));
        Ok(())
    }

    pub async fn mark(
        appointment_id: String,
        status: String,
        back: Option<String>,
    ) -> Result<(), AppError> {
        crate::auth::server::require_role(crate::auth::account::Role::Staff).await?;
        let (row, access) = load(&appointment_id).await?;
        let status = status.trim();
        if !STAFF_STATUSES.contains(&status) {
            return Err(invalid("status", "unknown"));
        }
        if row.start > Utc::now() + Duration::hours(12) {
            // Arrival and outcomes are recorded on the day, not ahead of it.
            return Err(AppError::Conflict("not_yet".into()));
        }
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        if !db::set_status(&mut tx, row.appointment_id, status).await? {
            return Err(AppError::Conflict("closed".into()));
        }
        // A completed visit joins the patient's record, where its after-visit summary is written.
        if status == "completed" {
            let by = access.caller.account.account_id;
            if crate::records::entry::server::visit_from_appointment(&mut tx, &row, by).await? {
                crate::audit::record(
                    &mut *tx,
                    &access
                        .audit("records.entry_add")
                        .on("record_item", row.appointment_id),
                )
                .await?;
            }
        }
        crate::audit::record(
            &mut *tx,
            &access
                .audit("appointment.status")
                .on("appointment", row.appointment_id),
        )
        .await?;
        tx.commit().await?;
        let back = back
            .filter(|b| b.starts_with("/staff/schedule") && !b.contains("//"))
            .unwrap_or_else(|| format!("/appointments/{}?marked=1", row.appointment_id));
        leptos_axum::redirect(&back);
        Ok(())
    }

    pub async fn detail(appointment_id: String) -> Result<AppointmentDetail, AppError> {
        let (row, access) = load(&appointment_id).await?;
        let pool = crate::state::db()?;
        crate::audit::record(
            &pool,
            &access
                .audit("appointment.read")
                .on("appointment", row.appointment_id),
        )
        .await?;
        let now = Utc::now();
        let mut conn = pool.acquire().await?;
        let waiting = waitlist::find_waiting(&mut conn, row.appointment_id).await?;
        let mut offers = Vec::new();
        for o in waitlist::open_offers(&mut conn, row.patient_id, now).await? {
            if o.appointment_id == row.appointment_id {
                offers.extend(waitlist::offer_view(&mut conn, &o, language()).await?);
            }
        }
        let join_opens = row.start - Duration::minutes(JOIN_OPENS_MINUTES);
        let join_link =
            (row.video && row.status != "cancelled" && now >= join_opens && now < row.end)
                .then(|| crate::state::config().ok()?.video_room(row.appointment_id))
                .flatten();
        Ok(AppointmentDetail {
            join_link,
            waiting_since: waiting
                .as_ref()
                .map(|w| date_label(language(), w.since.date_naive())),
            waiting_any_clinician: waiting.as_ref().is_some_and(|w| w.any_clinician),
            offers,
            card: card(&row, language(), now),
            patient_id: row.patient_id.to_string(),
            patient_name: row.patient_name.clone(),
            reason: row.reason.clone(),
            change: change_rule(
                &row.status,
                row.start,
                now,
                cutoff_hours()?,
                is_staff(&access),
            ),
            staff_view: is_staff(&access),
        })
    }

    /// The iCalendar file of visit `id` for the portal's download. The same callers as
    /// [`detail`]; audited.
    pub async fn calendar_file(appointment_id: &str) -> Result<String, AppError> {
        let (row, access) = load(appointment_id).await?;
        let pool = crate::state::db()?;
        crate::audit::record(
            &pool,
            &access
                .audit("appointment.calendar")
                .on("appointment", row.appointment_id),
        )
        .await?;
        let sender = Sender::from_config(&*crate::state::config()?);
        Ok(super::super::notify::calendar_text(
            &row,
            &sender,
            language(),
            Method::Publish,
            None,
            Utc::now(),
        ))
    }

    pub async fn list(patient_id: Option<String>) -> Result<Appointments, AppError> {
        let patient = patient_for(patient_id).await?;
        let access = require_access(patient, Scope::Scheduling).await?;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let now = Utc::now();
        let ids = db::select_patient_appointment_ids(&mut conn, patient, now, PAST_SHOWN).await?;
        let rows = db::select_appointments(&mut conn, &ids).await?;
        crate::audit::record(
            &mut *conn,
            &access.audit("appointment.list").on("patient", patient),
        )
        .await?;
        let patient_name = db::patient_name(&mut conn, patient).await?;
        let language = language();
        let (upcoming, mut past): (Vec<_>, Vec<_>) = rows
            .iter()
            .map(|r| card(r, language, now))
            .partition(|c| c.upcoming);
        past.reverse();
        let mut offers = Vec::new();
        for o in waitlist::open_offers(&mut conn, patient, now).await? {
            offers.extend(waitlist::offer_view(&mut conn, &o, language).await?);
        }
        Ok(Appointments {
            offers,
            patient_id: patient.to_string(),
            patient_name,
            upcoming,
            past,
        })
    }

    pub async fn calendar(
        clinician: Option<String>,
        location: Option<String>,
        view: Option<String>,
        day: Option<String>,
    ) -> Result<ScheduleView, AppError> {
        let caller = crate::auth::server::require_role(crate::auth::account::Role::Staff).await?;
        let language = language();
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let clinicians = db::select_clinician_names(&mut conn, None).await?;
        let locations = db::select_location_names(&mut conn, None).await?;
        let clinician = clinician.unwrap_or_default();
        let location = location.unwrap_or_default();
        let chosen_clinician = clinicians.iter().find(|c| c.slug == clinician.trim());
        let chosen_location = locations.iter().find(|l| l.slug == location.trim());
        let (clinician, location) = match (chosen_clinician, chosen_location) {
            (Some(c), _) => (Some(c), None),
            (None, Some(l)) => (None, Some(l)),
            (None, None) => (clinicians.first(), None),
        };
        // Days are the location's, or the clinician's first location's; Chicago when unknown.
        let tz = match (clinician, location) {
            (_, Some(l)) => zone(&l.time_zone),
            (Some(c), None) => {
                let tz = sqlx::query_scalar!(
                    "select l.time_zone from clinician_location cl join care_location l using (location_id)
                      where cl.clinician_id = $1 order by l.name limit 1",
                    c.id
                )
                .fetch_optional(&mut *conn)
                .await?;
                tz.map_or(chrono_tz::America::Chicago, |z| zone(&z))
            }
            (None, None) => chrono_tz::America::Chicago,
        };
        let week = view.as_deref() == Some("week");
        let today = Utc::now().with_timezone(&tz).date_naive();
        let mut first = parse_date(day.as_deref().unwrap_or_default(), "day")?.unwrap_or(today);
        if week {
            use chrono::Datelike;
            first -= Duration::days(i64::from(first.weekday().num_days_from_monday()));
        }
        let length = if week { 7 } else { 1 };
        let last = first + Duration::days(length);
        let span = Span::new(
            super::super::slots::instant(tz, first, chrono::NaiveTime::MIN, false),
            super::super::slots::instant(tz, last, chrono::NaiveTime::MIN, false),
        );
        let ids = db::select_calendar_ids(
            &mut conn,
            clinician.map(|c| c.id),
            location.map(|l| l.id),
            span,
        )
        .await?;
        let rows = db::select_appointments(&mut conn, &ids).await?;
        let now = Utc::now();
        let mut seen = std::collections::BTreeSet::new();
        for r in &rows {
            if seen.insert(r.patient_id) {
                let client = crate::auth::server::current_client();
                crate::audit::record(
                    &mut *conn,
                    &crate::audit::AuditEvent::new(
                        "appointment.calendar_view",
                        crate::audit::Outcome::Success,
                    )
                    .by(caller.account.account_id)
                    .about_patient(r.patient_id)
                    .from_client(client.ip, client.user_agent.as_deref()),
                )
                .await?;
            }
        }
        let mut days: Vec<(String, Vec<CalendarEntry>)> = (0..length)
            .map(|d| (date_label(language, first + Duration::days(d)), Vec::new()))
            .collect();
        for r in &rows {
            let local_day = r.start.with_timezone(&tz).date_naive();
            let index = usize::try_from((local_day - first).num_days()).unwrap_or(usize::MAX);
            if let Some((_, entries)) = days.get_mut(index) {
                entries.push(CalendarEntry {
                    card: card(r, language, now),
                    patient_id: r.patient_id.to_string(),
                    patient_name: r.patient_name.clone(),
                });
            }
        }
        let title = match (clinician, location) {
            (Some(c), _) => c.name.clone(),
            (None, Some(l)) => l.name.clone(),
            (None, None) => String::new(),
        };
        Ok(ScheduleView {
            clinicians: clinicians.iter().map(db::Named::choice).collect(),
            locations: locations.iter().map(db::Named::choice).collect(),
            clinician: clinician.map(|c| c.slug.clone()).unwrap_or_default(),
            location: location.map(|l| l.slug.clone()).unwrap_or_default(),
            view: if week { "week" } else { "day" }.into(),
            day: first.to_string(),
            previous: (first - Duration::days(length)).to_string(),
            next: last.to_string(),
            title,
            days,
        })
    }

    pub async fn join_waitlist(
        appointment_id: String,
        any_clinician: bool,
    ) -> Result<(), AppError> {
        let (row, access) = load(&appointment_id).await?;
        if row.status != "booked" || row.start <= Utc::now() {
            return Err(AppError::Conflict("closed".into()));
        }
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        waitlist::join(
            &mut tx,
            &row,
            any_clinician,
            Some(access.caller.account.account_id),
        )
        .await?;
        crate::audit::record(
            &mut *tx,
            &access
                .audit("appointment.waitlist_join")
                .on("appointment", row.appointment_id),
        )
        .await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!("/appointments/{}?waiting=1", row.appointment_id));
        Ok(())
    }

    pub async fn leave_waitlist(appointment_id: String) -> Result<(), AppError> {
        let (row, access) = load(&appointment_id).await?;
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        waitlist::leave(&mut tx, row.appointment_id).await?;
        crate::audit::record(
            &mut *tx,
            &access
                .audit("appointment.waitlist_leave")
                .on("appointment", row.appointment_id),
        )
        .await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!("/appointments/{}?left=1", row.appointment_id));
        Ok(())
    }

    /// The offer and the caller's access to its patient.
    async fn load_offer(offer_id: &str) -> Result<(waitlist::Offer, Access), AppError> {
        crate::auth::server::require_user().await?;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let offer = waitlist::find_offer(&mut conn, parse_id(offer_id)?)
            .await?
            .ok_or(AppError::Forbidden)?;
        let access = require_access(offer.patient_id, Scope::Scheduling).await?;
        Ok((offer, access))
    }

    pub async fn accept_offer(offer_id: String) -> Result<(), AppError> {
        let (offer, access) = load_offer(&offer_id).await?;
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        let result = waitlist::accept(&mut tx, &offer, Utc::now()).await;
        let (moved, _, _) = match result {
            Ok(done) => done,
            Err(e @ AppError::Conflict(_)) => {
                // The withdrawal of a taken offer is kept; the answer explains.
                tx.commit().await?;
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        crate::audit::record(
            &mut *tx,
            &access
                .audit("appointment.waitlist_accept")
                .on("appointment", moved),
        )
        .await?;
        notify(&mut tx, &access, moved, VisitChange::Moved).await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!("/appointments/{moved}?moved=1"));
        Ok(())
    }

    pub async fn decline_offer(offer_id: String) -> Result<(), AppError> {
        let (offer, access) = load_offer(&offer_id).await?;
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        waitlist::decline(&mut tx, &offer).await?;
        crate::audit::record(
            &mut *tx,
            &access
                .audit("appointment.waitlist_decline")
                .on("appointment", offer.appointment_id),
        )
        .await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!(
            "/appointments/{}?declined=1",
            offer.appointment_id
        ));
        Ok(())
    }

    pub async fn visit_link(token: String) -> Result<LinkedVisit, AppError> {
        crate::auth::server::limit_client("visit_link", None).await?;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let id = super::super::reminders::visit_for_token(&mut conn, &token, Utc::now())
            .await?
            .ok_or(AppError::Conflict("link_used".into()))?;
        let row = db::find_appointment(&mut conn, id)
            .await?
            .filter(|r| r.status == "booked")
            .ok_or(AppError::Conflict("link_used".into()))?;
        let confirmed = sqlx::query_scalar!(
            r#"select confirmed_at is not null as "c!" from appointment where appointment_id = $1"#,
            id
        )
        .fetch_one(&mut *conn)
        .await?;
        let language = language();
        let (date, time, zone_name) = local(language, zone(&row.time_zone), row.start);
        Ok(LinkedVisit {
            date,
            time,
            zone: zone_name,
            clinician_name: row.clinician_name.clone(),
            place: if row.video {
                video_place(language).to_string()
            } else {
                format!("{}, {}", row.location_name, row.address)
            },
            confirmed,
        })
    }

    pub async fn respond(token: String, answer: String) -> Result<(), AppError> {
        crate::auth::server::limit_client("visit_link", None).await?;
        let cancel = match answer.trim() {
            "confirm" => false,
            "cancel" => true,
            _ => return Err(invalid("answer", "unknown")),
        };
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        let now = Utc::now();
        let id = super::super::reminders::use_token(&mut tx, &token, now)
            .await?
            .ok_or(AppError::Conflict("link_used".into()))?;
        let row = db::find_appointment(&mut tx, id)
            .await?
            .filter(|r| r.status == "booked" && r.start > now)
            .ok_or(AppError::Conflict("link_used".into()))?;
        let client = crate::auth::server::current_client();
        let event = |action: &'static str| {
            crate::audit::AuditEvent::new(action, crate::audit::Outcome::Success)
                .about_patient(row.patient_id)
                .on("appointment", row.appointment_id)
                .from_client(client.ip, client.user_agent.as_deref())
        };
        if cancel {
            waitlist::lock_clinician(&mut tx, row.clinician_id).await?;
            db::cancel_appointment(&mut tx, id).await?;
            waitlist::leave(&mut tx, id).await?;
            waitlist::time_freed(&mut tx, row.clinician_id, Span::new(row.start, row.end)).await?;
            crate::audit::record(&mut *tx, &event("appointment.cancel_by_link")).await?;
            let sender = Sender::from_config(&*crate::state::config()?);
            visit_changed(&mut tx, &sender, id, VisitChange::Cancelled, None).await?;
        } else {
            super::super::reminders::confirm(&mut tx, id).await?;
            crate::audit::record(&mut *tx, &event("appointment.confirm_by_link")).await?;
        }
        tx.commit().await?;
        tracing::info!(appointment_id = %id, cancel, "visit answered from a reminder");
        leptos_axum::redirect(&format!(
            "/visits/respond?done={}",
            if cancel { "cancelled" } else { "confirmed" }
        ));
        Ok(())
    }
}
