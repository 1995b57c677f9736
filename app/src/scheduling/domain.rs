//! What the scheduling pages and server functions exchange, and the pure rules: when a patient
//! may still change a visit, how times read in each language, and what a reason may hold.

use crate::directory::{Choice, VisitTypeInfo};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The answer when a time was booked by someone else first.
pub const SLOT_TAKEN_CODE: &str = "slot_taken";
/// The longest reason for a visit.
pub const REASON_MAX: usize = 500;
/// Days searched when the patient does not say.
pub const SEARCH_DAYS: i64 = 14;
/// The longest range one search covers, in days.
pub const SEARCH_DAYS_MAX: i64 = 62;
/// Days with open times one search lists (the first ones).
pub const DAYS_SHOWN: usize = 5;
/// Clinicians (at a location) listed per day, earliest first.
pub const GROUPS_PER_DAY: usize = 4;
/// Times listed per clinician and day.
pub const TIMES_PER_GROUP: usize = 6;
/// The preferred clinician's times shown before everyone's.
pub const PREFERRED_LIMIT: usize = 6;

/// What the open-times search asks for. Empty means any; dates are `YYYY-MM-DD` in the
/// locations' own calendars.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchQuery {
    pub visit_type: String,
    pub specialty: String,
    pub clinician: String,
    pub location: String,
    pub speaks: String,
    pub from: String,
    pub to: String,
}

/// One open time as a patient chooses it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenTimeItem {
    pub clinician: String,
    pub clinician_name: String,
    pub location: String,
    pub location_name: String,
    /// The instant, RFC 3339 in UTC: what the booking form posts back.
    pub start: String,
    /// Wall-clock time at the location, e.g. "9:20 AM" or "9:20".
    pub time: String,
    /// The zone's abbreviation then, e.g. "CST".
    pub zone: String,
    /// The location's date, e.g. "Monday, December 7, 2026", and as `YYYY-MM-DD`.
    pub date: String,
    pub day: String,
}

/// One clinician's open times at one location on one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenGroup {
    pub clinician: String,
    pub clinician_name: String,
    pub location: String,
    pub location_name: String,
    pub times: Vec<OpenTimeItem>,
}

/// Open times of one day, by clinician, earliest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenDay {
    pub date: String,
    pub groups: Vec<OpenGroup>,
}

/// What the search form offers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchOptions {
    /// Only the visit types this patient may book (new or established).
    pub visit_types: Vec<VisitTypeInfo>,
    pub specialties: Vec<Choice>,
    pub clinicians: Vec<Choice>,
    pub locations: Vec<Choice>,
    pub languages: Vec<Choice>,
}

/// The answer to a search.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenTimes {
    pub patient_id: String,
    pub patient_name: String,
    /// Whether this patient counts as new (no completed visit in three years).
    pub new_patient: bool,
    /// The query as understood: visit type and dates filled in.
    pub query: SearchQuery,
    pub options: SearchOptions,
    /// The patient's own clinician's first times, when they have one and it matches.
    pub preferred_name: Option<String>,
    pub preferred: Vec<OpenTimeItem>,
    /// The earliest open time of all.
    pub first: Option<OpenTimeItem>,
    pub days: Vec<OpenDay>,
    /// How many open times the search found, and whether more exist than are listed.
    pub found: usize,
    pub more: bool,
    /// Where the next page of days starts (`YYYY-MM-DD`), when there are more days.
    pub later: Option<String>,
    /// The visit being moved, when this search is to reschedule it.
    pub rescheduling: Option<AppointmentCard>,
}

/// A visit as lists show it. Times are the location's wall-clock times.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentCard {
    pub id: String,
    /// booked, arrived, completed, no_show or cancelled.
    pub status: String,
    pub start: String,
    pub date: String,
    pub time: String,
    pub end_time: String,
    /// The zone's abbreviation at the time, e.g. "CST".
    pub zone: String,
    pub minutes: i64,
    pub clinician: String,
    pub clinician_name: String,
    pub location: String,
    pub location_name: String,
    pub address: String,
    pub phone: String,
    pub visit_type: String,
    pub visit_type_name: String,
    pub video: bool,
    pub upcoming: bool,
}

/// Whether the visit can still be changed online, and if not, why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeRule {
    Allowed,
    /// Closer to the start than the policy allows: call instead.
    TooLate {
        hours: u32,
    },
    /// Already started, over or cancelled.
    Closed,
}

/// An earlier time offered from the waitlist, as the patient sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferView {
    pub offer_id: String,
    pub appointment_id: String,
    pub date: String,
    pub time: String,
    pub zone: String,
    pub clinician_name: String,
    pub location_name: String,
    /// When the offer lapses, as a wall-clock time at the location.
    pub expires: String,
    /// The visit it would move.
    pub current: AppointmentCard,
}

/// One visit in full, for the patient, those acting for them, and staff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentDetail {
    pub card: AppointmentCard,
    pub patient_id: String,
    pub patient_name: String,
    pub reason: String,
    pub change: ChangeRule,
    /// The viewer is staff (who may change it whatever the policy, and mark what happened).
    pub staff_view: bool,
    /// On the waitlist for an earlier time: since when (a date), and with any clinician.
    pub waiting_since: Option<String>,
    pub waiting_any_clinician: bool,
    /// Open offers of an earlier time for this visit.
    pub offers: Vec<OfferView>,
    /// For a video visit: the room, from [`JOIN_OPENS_MINUTES`] before the start until the end.
    pub join_link: Option<String>,
}

/// How long before a video visit its link appears.
pub const JOIN_OPENS_MINUTES: i64 = 15;

/// A visit as a reminder link shows it: no name, no reason, only what the email said.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedVisit {
    pub date: String,
    pub time: String,
    pub zone: String,
    pub clinician_name: String,
    pub place: String,
    pub confirmed: bool,
}

/// A patient's visits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointments {
    pub patient_id: String,
    pub patient_name: String,
    pub upcoming: Vec<AppointmentCard>,
    pub past: Vec<AppointmentCard>,
    /// Open offers of earlier times from the waitlist.
    pub offers: Vec<OfferView>,
}

/// One row of a staff calendar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarEntry {
    pub card: AppointmentCard,
    pub patient_id: String,
    pub patient_name: String,
}

/// A staff calendar: a day or a week of one clinician's or one location's visits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleView {
    pub clinicians: Vec<Choice>,
    pub locations: Vec<Choice>,
    /// The chosen clinician or location slug, `clinician` or `location`.
    pub clinician: String,
    pub location: String,
    /// `day` or `week`.
    pub view: String,
    /// First day shown, `YYYY-MM-DD`, and the neighbouring periods.
    pub day: String,
    pub previous: String,
    pub next: String,
    pub title: String,
    pub days: Vec<(String, Vec<CalendarEntry>)>,
}

/// Visit statuses staff can set, in the order of a visit.
pub const STAFF_STATUSES: [&str; 3] = ["arrived", "completed", "no_show"];

/// Checks a reason for a visit: trimmed, at most [`REASON_MAX`] characters, no control
/// characters other than line breaks. Field errors are keyed by field name.
pub fn check_reason(reason: &str) -> Result<String, BTreeMap<String, String>> {
    let reason = reason.trim().replace("\r\n", "\n");
    let mut errors = BTreeMap::new();
    if reason.chars().count() > REASON_MAX {
        errors.insert("reason".into(), "too_long".into());
    } else if reason
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        errors.insert("reason".into(), "invalid".into());
    }
    if errors.is_empty() {
        Ok(reason)
    } else {
        Err(errors)
    }
}

#[cfg(feature = "ssr")]
mod time {
    use super::ChangeRule;
    use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Timelike, Utc, Weekday};

    const MONTHS_EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const MONTHS_ES: [&str; 12] = [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ];

    fn weekday_name(day: Weekday, es: bool) -> &'static str {
        match (day, es) {
            (Weekday::Mon, false) => "Monday",
            (Weekday::Tue, false) => "Tuesday",
            (Weekday::Wed, false) => "Wednesday",
            (Weekday::Thu, false) => "Thursday",
            (Weekday::Fri, false) => "Friday",
            (Weekday::Sat, false) => "Saturday",
            (Weekday::Sun, false) => "Sunday",
            (Weekday::Mon, true) => "lunes",
            (Weekday::Tue, true) => "martes",
            (Weekday::Wed, true) => "miércoles",
            (Weekday::Thu, true) => "jueves",
            (Weekday::Fri, true) => "viernes",
            (Weekday::Sat, true) => "sábado",
            (Weekday::Sun, true) => "domingo",
        }
    }

    /// "Monday, December 7, 2026" or "lunes, 7 de diciembre de 2026".
    pub fn date_label(language: &str, date: NaiveDate) -> String {
        let es = language == "es";
        let months = if es { MONTHS_ES } else { MONTHS_EN };
        let month = months
            .get(date.month0() as usize)
            .copied()
            .unwrap_or_default();
        let weekday = weekday_name(date.weekday(), es);
        if es {
            format!("{weekday}, {} de {month} de {}", date.day(), date.year())
        } else {
            format!("{weekday}, {month} {}, {}", date.day(), date.year())
        }
    }

    /// "9:20 AM" in English, "9:20" (24-hour) in Spanish.
    pub fn time_label(language: &str, time: NaiveTime) -> String {
        if language == "es" {
            format!("{}:{:02}", time.hour(), time.minute())
        } else {
            let (pm, hour) = time.hour12();
            format!(
                "{hour}:{:02} {}",
                time.minute(),
                if pm { "PM" } else { "AM" }
            )
        }
    }

    /// The policy: patients (and those acting for them) change a booked visit online up to
    /// `cutoff_hours` before it starts; staff until it starts.
    pub fn change_rule(
        status: &str,
        start: DateTime<Utc>,
        now: DateTime<Utc>,
        cutoff_hours: u32,
        staff: bool,
    ) -> ChangeRule {
        if status != "booked" || start <= now {
            ChangeRule::Closed
        } else if !staff && start - now < Duration::hours(i64::from(cutoff_hours)) {
            ChangeRule::TooLate {
                hours: cutoff_hours,
            }
        } else {
            ChangeRule::Allowed
        }
    }
}

#[cfg(feature = "ssr")]
pub use time::{change_rule, date_label, time_label};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_trimmed_and_limited() {
        assert_eq!(
            check_reason("  cough\r\nfor a week ").as_deref(),
            Ok("cough\nfor a week")
        );
        assert_eq!(check_reason("").as_deref(), Ok(""));
        let long = "a".repeat(REASON_MAX + 1);
        assert_eq!(
            check_reason(&long).map_err(|e| e.get("reason").cloned()),
            Err(Some("too_long".into()))
        );
        assert!(
            check_reason(&"ñ".repeat(REASON_MAX)).is_ok(),
            "characters, not bytes"
        );
        assert!(check_reason("bell\u{7}").is_err());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn dates_and_times_read_naturally_in_each_language() {
        use chrono::{NaiveDate, NaiveTime};
        let date = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default();
        assert_eq!(date_label("en", date), "Monday, December 7, 2026");
        assert_eq!(date_label("es", date), "lunes, 7 de diciembre de 2026");
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
        assert_eq!(time_label("en", t(9, 5)), "9:05 AM");
        assert_eq!(time_label("en", t(12, 0)), "12:00 PM");
        assert_eq!(time_label("en", t(0, 30)), "12:30 AM");
        assert_eq!(time_label("es", t(15, 40)), "15:40");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn patients_change_a_visit_only_until_the_cutoff_and_staff_until_it_starts() {
        use chrono::{Duration, TimeZone, Utc};
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        let start = now + Duration::hours(30);
        assert_eq!(
            change_rule("booked", start, now, 24, false),
            ChangeRule::Allowed
        );
        let soon = now + Duration::hours(23);
        assert_eq!(
            change_rule("booked", soon, now, 24, false),
            ChangeRule::TooLate { hours: 24 }
        );
        assert_eq!(
            change_rule("booked", soon, now, 24, true),
            ChangeRule::Allowed
        );
        assert_eq!(
            change_rule("booked", soon, now, 0, false),
            ChangeRule::Allowed
        );
        let exactly = now + Duration::hours(24);
        assert_eq!(
            change_rule("booked", exactly, now, 24, false),
            ChangeRule::Allowed
        );
        assert_eq!(
            change_rule("booked", now, now, 24, true),
            ChangeRule::Closed
        );
        assert_eq!(
            change_rule("cancelled", start, now, 24, true),
            ChangeRule::Closed
        );
        assert_eq!(
            change_rule("arrived", start, now, 24, false),
            ChangeRule::Closed
        );
    }
}
