//! Find care's types (shared by pages and server functions) and its pure rules: what an
//! administrator's location and clinician forms must hold, opening hours, and "open now" in a
//! location's own time zone.

use crate::library::{is_slug, slugify};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Languages a clinician can be listed as speaking: ISO 639 code, English and Spanish names.
/// A fixed list so every filter and page can name them in both portal languages.
pub const LANGUAGES: &[(&str, &str, &str)] = &[
    ("en", "English", "Inglés"),
    ("es", "Spanish", "Español"),
    ("ase", "American Sign Language", "Lengua de señas americana"),
    ("ar", "Arabic", "Árabe"),
    ("zh", "Chinese", "Chino"),
    ("fr", "French", "Francés"),
    ("de", "German", "Alemán"),
    ("ht", "Haitian Creole", "Criollo haitiano"),
    ("hi", "Hindi", "Hindi"),
    ("it", "Italian", "Italiano"),
    ("ja", "Japanese", "Japonés"),
    ("ko", "Korean", "Coreano"),
    ("fa", "Persian", "Persa"),
    ("pl", "Polish", "Polaco"),
    ("pt", "Portuguese", "Portugués"),
    ("ru", "Russian", "Ruso"),
    ("so", "Somali", "Somalí"),
    ("tl", "Tagalog", "Tagalo"),
    ("uk", "Ukrainian", "Ucraniano"),
    ("ur", "Urdu", "Urdu"),
    ("vi", "Vietnamese", "Vietnamita"),
];

/// The name of language `code` in the portal language `ui` ("en" or "es").
pub fn language_name(code: &str, ui: &str) -> Option<&'static str> {
    LANGUAGES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, en, es)| if ui == "es" { *es } else { *en })
}

/// A named choice (a specialty, a language, a location) for a filter or a form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitTypeInfo {
    pub slug: String,
    pub name: String,
    pub minutes: i32,
    pub video: bool,
    pub new_patients: bool,
    pub established_patients: bool,
}

/// A location as lists and clinician pages show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationSummary {
    pub slug: String,
    pub name: String,
    pub street: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub phone: String,
}

/// A portrait: the stored image and its description.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    pub image: crate::media::ImageRef,
    pub alt: String,
}

/// A clinician in the directory's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicianCard {
    pub slug: String,
    pub name: String,
    pub credentials: String,
    pub specialties: Vec<String>,
    pub locations: Vec<Choice>,
    pub languages: Vec<String>,
    pub accepting_new_patients: bool,
    pub photo: Option<Photo>,
}

/// What the directory's filters hold; empty means "any".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryFilter {
    pub specialty: String,
    pub location: String,
    pub language: String,
    pub visit_type: String,
    pub accepting: bool,
}

/// The public directory: one page of clinicians and everything the filters offer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    pub clinicians: crate::library::Paged<ClinicianCard>,
    pub specialties: Vec<Choice>,
    pub locations: Vec<LocationSummary>,
    pub languages: Vec<Choice>,
    pub visit_types: Vec<VisitTypeInfo>,
}

/// A clinician's own page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicianProfile {
    pub card: ClinicianCard,
    pub bio: String,
    pub visit_types: Vec<VisitTypeInfo>,
    pub locations: Vec<LocationSummary>,
    /// schema.org MedicalSpecialty members for structured data.
    pub schema_specialties: Vec<String>,
}

/// Opening hours of one weekday (1 = Monday … 7 = Sunday), as `HH:MM` wall-clock pairs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayHours {
    pub weekday: u8,
    pub intervals: Vec<(String, String)>,
}

/// A location's own page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationProfile {
    pub summary: LocationSummary,
    pub time_zone: String,
    pub note: String,
    /// All seven days, Monday first.
    pub hours: Vec<DayHours>,
    /// Whether it is open at the moment the page was made, in its own time zone.
    pub open_now: bool,
    /// Today's weekday there (1 = Monday).
    pub today: u8,
    pub clinicians: Vec<ClinicianCard>,
}

/// A row of the administrators' directory page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminRow {
    pub id: String,
    pub name: String,
    pub detail: String,
    pub listed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryAdmin {
    pub locations: Vec<AdminRow>,
    pub clinicians: Vec<AdminRow>,
}

/// The location form as typed: one text field per weekday for hours.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationForm {
    pub name: String,
    pub slug: String,
    pub street: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub phone: String,
    pub time_zone: String,
    /// Monday first: `8:00-17:00`, `8:00-12:00, 13:00-17:00`, or empty for closed.
    pub hours: [String; 7],
    pub note_en: String,
    pub note_es: String,
    pub listed: bool,
}

/// A location form that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedLocation {
    pub name: String,
    pub slug: String,
    pub street: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub phone: String,
    pub time_zone: String,
    /// (weekday, opens, closes) in minutes after midnight.
    pub hours: Vec<(u8, u16, u16)>,
    pub note_en: String,
    pub note_es: String,
    pub listed: bool,
}

/// The clinician form as typed, with the ticked choices.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicianForm {
    pub name: String,
    pub slug: String,
    pub credentials: String,
    pub bio_en: String,
    pub bio_es: String,
    pub languages: Vec<String>,
    pub specialties: Vec<String>,
    /// Location ids.
    pub locations: Vec<String>,
    pub visit_types: Vec<String>,
    pub accepting_new_patients: bool,
    pub listed: bool,
}

/// What the administrators' location page needs: the form and, for an existing one, its id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationEdit {
    pub location_id: Option<String>,
    pub form: LocationForm,
    pub public_slug: Option<String>,
}

/// What the administrators' clinician page needs: the form, the choices and the photo.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicianEdit {
    pub clinician_id: Option<String>,
    pub form: ClinicianForm,
    pub photo: Option<Photo>,
    pub public_slug: Option<String>,
    pub specialties: Vec<Choice>,
    pub locations: Vec<Choice>,
    pub visit_types: Vec<VisitTypeInfo>,
    pub languages: Vec<Choice>,
}

pub const MAX_NAME: usize = 120;
pub const MAX_BIO: usize = 1200;
pub const MAX_NOTE: usize = 600;
/// Clinicians on one page of the directory.
pub const DIRECTORY_PAGE: i64 = 20;

type Problems = BTreeMap<String, String>;

fn required(problems: &mut Problems, field: &str, value: &str, max: usize) -> String {
    let value = value.trim();
    if value.is_empty() {
        problems.insert(field.into(), "required".into());
    } else if value.chars().count() > max {
        problems.insert(field.into(), "too_long".into());
    }
    value.to_string()
}

fn optional(problems: &mut Problems, field: &str, value: &str, max: usize) -> String {
    let value = value.trim();
    if value.chars().count() > max {
        problems.insert(field.into(), "too_long".into());
    }
    value.to_string()
}

fn checked_slug(problems: &mut Problems, typed: &str, name: &str) -> String {
    let typed = typed.trim();
    let slug = if typed.is_empty() {
        slugify(name)
    } else {
        typed.to_string()
    };
    if !is_slug(&slug) {
        problems.insert("slug".into(), "invalid".into());
    }
    slug
}

/// A phone number a person can dial: digits with the usual separators, 7 to 15 digits.
pub fn is_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    (7..=15).contains(&digits)
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

/// `8`, `8:00` or `08:30` (24-hour clock) → minutes after midnight; `24:00` is the end of day.
fn parse_clock(s: &str) -> Option<u16> {
    let s = s.trim();
    let (h, m) = match s.split_once(':') {
        Some((h, m)) if m.len() == 2 => (h, m),
        Some(_) => return None,
        None => (s, "00"),
    };
    if h.is_empty() || h.len() > 2 || !h.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(24 * 60),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

/// One day's hours as typed: empty (or "closed"/"cerrado") for closed, else comma-separated
/// `opens-closes` intervals in order that do not overlap.
pub fn parse_day_hours(typed: &str) -> Result<Vec<(u16, u16)>, &'static str> {
    let typed = typed.trim();
    if typed.is_empty() || ["closed", "cerrado"].contains(&typed.to_lowercase().as_str()) {
        return Ok(Vec::new());
    }
    let mut out: Vec<(u16, u16)> = Vec::new();
    for part in typed.split([',', ';']) {
        let (opens, closes) = part.split_once(['-', '–', '—']).ok_or("hours_format")?;
        let opens = parse_clock(opens).ok_or("hours_format")?;
        let closes = parse_clock(closes).ok_or("hours_format")?;
        if opens >= closes {
            return Err("hours_order");
        }
        if out.last().is_some_and(|&(_, end)| opens < end) {
            return Err("hours_order");
        }
        out.push((opens, closes));
    }
    Ok(out)
}

/// Minutes after midnight as `HH:MM`.
pub fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Whether `time_zone` is an IANA zone name the server knows.
#[cfg(feature = "ssr")]
pub fn is_time_zone(time_zone: &str) -> bool {
    time_zone.parse::<chrono_tz::Tz>().is_ok()
}

#[cfg(feature = "ssr")]
pub fn check_location(form: &LocationForm) -> Result<CheckedLocation, Problems> {
    let mut p = Problems::new();
    let name = required(&mut p, "name", &form.name, MAX_NAME);
    let slug = checked_slug(&mut p, &form.slug, &name);
    let street = required(&mut p, "street", &form.street, 200);
    let city = required(&mut p, "city", &form.city, 100);
    let region = required(&mut p, "region", &form.region, 100);
    let postal_code = required(&mut p, "postal_code", &form.postal_code, 20);
    let phone = required(&mut p, "phone", &form.phone, 40);
    if !phone.is_empty() && !is_phone(&phone) {
        p.insert("phone".into(), "invalid".into());
    }
    let time_zone = required(&mut p, "time_zone", &form.time_zone, 64);
    if !time_zone.is_empty() && !is_time_zone(&time_zone) {
        p.insert("time_zone".into(), "invalid".into());
    }
    let mut hours = Vec::new();
    for (i, typed) in form.hours.iter().enumerate() {
        let weekday = i as u8 + 1;
        match parse_day_hours(typed) {
            Ok(intervals) => hours.extend(intervals.into_iter().map(|(o, c)| (weekday, o, c))),
            Err(code) => {
                p.insert(format!("hours_{weekday}"), code.into());
            }
        }
    }
    let note_en = optional(&mut p, "note_en", &form.note_en, MAX_NOTE);
    let note_es = optional(&mut p, "note_es", &form.note_es, MAX_NOTE);
    if !p.is_empty() {
        return Err(p);
    }
    Ok(CheckedLocation {
        name,
        slug,
        street,
        city,
        region,
        postal_code,
        phone,
        time_zone,
        hours,
        note_en,
        note_es,
        listed: form.listed,
    })
}

/// A clinician form that passed every check (choices are checked against the database).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedClinician {
    pub name: String,
    pub slug: String,
    pub credentials: String,
    pub bio_en: String,
    pub bio_es: String,
    pub languages: Vec<String>,
    pub specialties: Vec<String>,
    pub locations: Vec<String>,
    pub visit_types: Vec<String>,
    pub accepting_new_patients: bool,
    pub listed: bool,
}

fn ticked(values: &[String]) -> Vec<String> {
    let mut seen = Vec::new();
    for v in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        if !seen.iter().any(|s: &String| s == v) {
            seen.push(v.to_string());
        }
    }
    seen
}

/// The form's own rules; whether the ticked specialties, locations and visit types exist is the
/// database's to say (foreign keys).
pub fn check_clinician(form: &ClinicianForm) -> Result<CheckedClinician, Problems> {
    let mut p = Problems::new();
    let name = required(&mut p, "name", &form.name, MAX_NAME);
    let slug = checked_slug(&mut p, &form.slug, &name);
    let credentials = optional(&mut p, "credentials", &form.credentials, 60);
    let bio_en = optional(&mut p, "bio_en", &form.bio_en, MAX_BIO);
    let bio_es = optional(&mut p, "bio_es", &form.bio_es, MAX_BIO);
    let languages = ticked(&form.languages);
    if languages.is_empty() {
        p.insert("languages".into(), "required".into());
    } else if languages.iter().any(|l| language_name(l, "en").is_none()) {
        p.insert("languages".into(), "invalid".into());
    }
    let specialties = ticked(&form.specialties);
    if specialties.is_empty() {
        p.insert("specialties".into(), "required".into());
    }
    let locations = ticked(&form.locations);
    if form.listed && locations.is_empty() {
        p.insert("locations".into(), "required".into());
    }
    let visit_types = ticked(&form.visit_types);
    if !p.is_empty() {
        return Err(p);
    }
    Ok(CheckedClinician {
        name,
        slug,
        credentials,
        bio_en,
        bio_es,
        languages,
        specialties,
        locations,
        visit_types,
        accepting_new_patients: form.accepting_new_patients,
        listed: form.listed,
    })
}

/// Whether a place with these hours is open at local weekday `weekday` and minute `minute`.
pub fn is_open(hours: &[DayHours], weekday: u8, minute: u16) -> bool {
    let now = clock(minute);
    hours
        .iter()
        .filter(|d| d.weekday == weekday)
        .flat_map(|d| d.intervals.iter())
        .any(|(opens, closes)| opens.as_str() <= now.as_str() && now.as_str() < closes.as_str())
}

/// The local weekday (1 = Monday) and minute of day at `now` in `time_zone` (UTC when unknown).
#[cfg(feature = "ssr")]
pub fn local_now(time_zone: &str, now: chrono::DateTime<chrono::Utc>) -> (u8, u16) {
    use chrono::{Datelike, Timelike};
    let tz: chrono_tz::Tz = time_zone.parse().unwrap_or(chrono_tz::UTC);
    let local = now.with_timezone(&tz);
    (
        local.weekday().number_from_monday() as u8,
        (local.hour() * 60 + local.minute()) as u16,
    )
}

/// Initials for a portrait's stand-in: first letters of the first and last words.
pub fn initials(name: &str) -> String {
    let words: Vec<&str> = name
        .split_whitespace()
        .filter(|w| !w.ends_with('.'))
        .collect();
    let first = words.first().and_then(|w| w.chars().next());
    let last = words
        .get(1..)
        .and_then(|r| r.last())
        .and_then(|w| w.chars().next());
    first
        .into_iter()
        .chain(last)
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_hours_read_as_people_type_them() {
        assert_eq!(parse_day_hours(""), Ok(vec![]));
        assert_eq!(parse_day_hours("Closed"), Ok(vec![]));
        assert_eq!(parse_day_hours("8-17"), Ok(vec![(480, 1020)]));
        assert_eq!(parse_day_hours("08:30 – 12:00"), Ok(vec![(510, 720)]));
        assert_eq!(
            parse_day_hours("8:00-12:00, 13:00-17:30"),
            Ok(vec![(480, 720), (780, 1050)])
        );
        assert_eq!(parse_day_hours("0:00-24:00"), Ok(vec![(0, 1440)]));
    }

    #[test]
    fn day_hours_refuse_what_cannot_be_right() {
        assert_eq!(parse_day_hours("9am-5pm"), Err("hours_format"));
        assert_eq!(parse_day_hours("8:0-17"), Err("hours_format"));
        assert_eq!(parse_day_hours("25:00-26:00"), Err("hours_format"));
        assert_eq!(parse_day_hours("17:00-8:00"), Err("hours_order"));
        assert_eq!(parse_day_hours("8-12, 11-17"), Err("hours_order"));
        assert_eq!(parse_day_hours("13-17, 8-12"), Err("hours_order"));
        assert_eq!(parse_day_hours("8:00"), Err("hours_format"));
    }

    #[test]
    fn open_now_follows_the_intervals_and_closing_time_is_exclusive() {
        let hours = vec![DayHours {
            weekday: 1,
            intervals: vec![
                ("08:00".into(), "12:00".into()),
                ("13:00".into(), "17:00".into()),
            ],
        }];
        assert!(is_open(&hours, 1, 8 * 60));
        assert!(!is_open(&hours, 1, 12 * 60 + 30));
        assert!(!is_open(&hours, 1, 17 * 60));
        assert!(!is_open(&hours, 2, 9 * 60));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn local_time_is_the_locations_own_across_daylight_saving() {
        use chrono::TimeZone;
        // 2026-03-08 is the US spring-forward Sunday: 14:30 UTC is 10:30 EDT (UTC-4) …
        let after = chrono::Utc.with_ymd_and_hms(2026, 3, 8, 14, 30, 0).unwrap();
        assert_eq!(local_now("America/New_York", after), (7, 10 * 60 + 30));
        // … and the day before it was 9:30 EST (UTC-5).
        let before = chrono::Utc.with_ymd_and_hms(2026, 3, 7, 14, 30, 0).unwrap();
        assert_eq!(local_now("America/New_York", before), (6, 9 * 60 + 30));
        // Past midnight UTC it is still the previous evening in Los Angeles.
        let late = chrono::Utc.with_ymd_and_hms(2026, 7, 7, 2, 0, 0).unwrap();
        assert_eq!(local_now("America/Los_Angeles", late), (1, 19 * 60));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_location_form_is_checked_field_by_field() {
        let mut form = LocationForm {
            name: "Riverside Clinic".into(),
            street: "100 River Rd".into(),
            city: "Springfield".into(),
            region: "IL".into(),
            postal_code: "62701".into(),
            phone: "(217) 555-0100".into(),
            time_zone: "America/Chicago".into(),
            listed: true,
            ..Default::default()
        };
        form.hours[0] = "8-17".into();
        let checked = check_location(&form).expect("valid");
        assert_eq!(checked.slug, "riverside-clinic");
        assert_eq!(checked.hours, vec![(1, 480, 1020)]);

        form.time_zone = "Mars/Olympus".into();
        form.phone = "call us".into();
        form.hours[6] = "17-8".into();
        let problems = check_location(&form).expect_err("invalid");
        assert_eq!(
            problems.get("time_zone").map(String::as_str),
            Some("invalid")
        );
        assert_eq!(problems.get("phone").map(String::as_str), Some("invalid"));
        assert_eq!(
            problems.get("hours_7").map(String::as_str),
            Some("hours_order")
        );
    }

    #[test]
    fn a_clinician_needs_a_language_a_specialty_and_a_place_to_be_listed() {
        let form = ClinicianForm {
            name: "Dr. Ana María López".into(),
            languages: vec!["es".into(), "en".into(), "es".into()],
            specialties: vec!["family-medicine".into()],
            locations: vec![],
            listed: true,
            ..Default::default()
        };
        let problems = check_clinician(&form).expect_err("no location");
        assert_eq!(
            problems.get("locations").map(String::as_str),
            Some("required")
        );
        let unlisted = ClinicianForm {
            listed: false,
            ..form.clone()
        };
        let checked = check_clinician(&unlisted).expect("valid when not listed");
        assert_eq!(checked.slug, "dr-ana-maria-lopez");
        assert_eq!(checked.languages, vec!["es".to_string(), "en".to_string()]);
        let klingon = ClinicianForm {
            languages: vec!["tlh".into()],
            ..unlisted
        };
        assert_eq!(
            check_clinician(&klingon)
                .expect_err("unknown language")
                .get("languages")
                .map(String::as_str),
            Some("invalid")
        );
    }

    #[test]
    fn phones_and_initials() {
        assert!(is_phone("+1 (217) 555-0100"));
        assert!(!is_phone("555"));
        assert!(!is_phone("call 555 0100 now"));
        assert_eq!(initials("Dr. Ana María López"), "AL");
        assert_eq!(initials("Grace Park"), "GP");
        assert_eq!(initials("Madonna"), "M");
    }
}
