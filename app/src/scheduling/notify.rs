//! The emails a change to a visit sends, each with the visit's iCalendar file, and how a visit
//! reads in a list (its card). Used by the server functions and by the background worker, so
//! everything it needs arrives as arguments rather than from a request.

use super::calendar::{self, Method, VisitEvent};
use super::db::{self, AppointmentRow};
use super::domain::{date_label, time_label, AppointmentCard};
use super::BOOK_PATH;
use crate::email::outbox::{queue_with_calendar, CalendarAttachment};
use crate::email::templates::{Template, VisitChange};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::PgConnection;
use uuid::Uuid;

/// Who the portal's emails come from and where their links point.
#[derive(Clone, Debug)]
pub struct Sender {
    pub origin: String,
    /// The host name that makes calendar UIDs unique.
    pub domain: String,
    /// The sender's address, the invitations' organizer.
    pub organizer: Option<String>,
}

impl Sender {
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            origin: config.link_origin(),
            domain: config
                .public_url
                .as_ref()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_else(|| "localhost".into()),
            organizer: config
                .email_from
                .parse::<lettre::message::Mailbox>()
                .map(|m| m.email.to_string())
                .ok(),
        }
    }
}

pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::UTC)
}

/// "9:20 AM" and the date label, at the location.
pub fn local(language: &str, tz: Tz, at: DateTime<Utc>) -> (String, String, String) {
    let t = at.with_timezone(&tz);
    (
        date_label(language, t.date_naive()),
        time_label(language, t.time()),
        t.format("%Z").to_string(),
    )
}

pub fn card(row: &AppointmentRow, language: &str, now: DateTime<Utc>) -> AppointmentCard {
    let tz = zone(&row.time_zone);
    let (date, time, zone) = local(language, tz, row.start);
    let (_, end_time, _) = local(language, tz, row.end);
    AppointmentCard {
        id: row.appointment_id.to_string(),
        status: row.status.clone(),
        start: row.start.to_rfc3339(),
        date,
        time,
        end_time,
        zone,
        minutes: (row.end - row.start).num_minutes(),
        clinician: row.clinician_slug.clone(),
        clinician_name: row.clinician_name.clone(),
        location: row.location_slug.clone(),
        location_name: row.location_name.clone(),
        address: row.address.clone(),
        phone: row.phone.clone(),
        visit_type: row.visit_type.clone(),
        visit_type_name: if language == "es" {
            row.visit_type_es.clone()
        } else {
            row.visit_type_en.clone()
        },
        video: row.video,
        upcoming: row.end > now && row.status != "cancelled",
    }
}

/// Where a video visit happens, as calendars and emails say it.
pub fn video_place(language: &str) -> &'static str {
    if language == "es" {
        "Consulta por video (el enlace aparece en el portal)"
    } else {
        "Video visit (the link appears in the portal)"
    }
}

/// Where the visit happens, as emails and calendars say it.
pub fn place(row: &AppointmentRow, language: &str) -> String {
    if row.video {
        video_place(language).to_string()
    } else {
        format!("{}, {}", row.location_name, row.address)
    }
}

/// The visit's iCalendar file in `language`: an invitation to `attendee` (REQUEST or CANCEL),
/// or the portal's download (PUBLISH, no attendee).
pub fn calendar_text(
    row: &AppointmentRow,
    sender: &Sender,
    language: &str,
    method: Method,
    attendee: Option<&str>,
    stamp: DateTime<Utc>,
) -> String {
    let url = format!("{}/appointments/{}", sender.origin, row.appointment_id);
    let (summary, description) = if language == "es" {
        (
            format!("Consulta con {}", row.clinician_name),
            format!("Vea, cambie o cancele la consulta: {url}"),
        )
    } else {
        (
            format!("Visit with {}", row.clinician_name),
            format!("See, change or cancel the visit: {url}"),
        )
    };
    calendar::render(
        &VisitEvent {
            appointment_id: row.appointment_id,
            domain: &sender.domain,
            sequence: row.ical_sequence,
            start: row.start,
            end: row.end,
            summary: &summary,
            location: &place(row, language),
            description: &description,
            url: &url,
            cancelled: row.status == "cancelled" || method == Method::Cancel,
            organizer: attendee.and(sender.organizer.as_deref()),
            attendee,
            stamp,
        },
        method,
    )
}

/// Queues the email (with its calendar file) about a change to visit `id`, to each person
/// who should hear of it (and `also`, who made it for the patient), in their language.
pub async fn visit_changed(
    conn: &mut PgConnection,
    sender: &Sender,
    id: Uuid,
    change: VisitChange,
    also: Option<Uuid>,
) -> Result<(), AppError> {
    let row = db::find_appointment(conn, id)
        .await?
        .ok_or(AppError::Internal)?;
    let recipients = db::select_recipients(conn, row.patient_id, also).await?;
    let origin = &sender.origin;
    let link = match change {
        VisitChange::Cancelled => format!("{origin}{BOOK_PATH}"),
        _ => format!("{origin}/appointments/{id}"),
    };
    let method = if change == VisitChange::Cancelled {
        Method::Cancel
    } else {
        Method::Request
    };
    let stamp = Utc::now();
    for r in recipients {
        let c = card(&row, &r.language, stamp);
        let when = format!("{}, {} {}", c.date, c.time, c.zone);
        let place = place(&row, &r.language);
        let ics = calendar_text(&row, sender, &r.language, method, Some(&r.email), stamp);
        queue_with_calendar(
            &mut *conn,
            &r.email,
            &r.language,
            &Template::Visit {
                change,
                when,
                with: row.clinician_name.clone(),
                place,
                link: link.clone(),
            },
            Some(CalendarAttachment {
                text: &ics,
                method: method.as_str(),
            }),
        )
        .await?;
    }
    Ok(())
}
