//! Staff writing a patient's record, for an organisation without an EHR feed: conditions,
//! allergies, medications, immunizations, results, visits, goals, care plans (with their tasks)
//! and care teams (with their members) are added on `/records/entry`, corrected there, or
//! marked as entered in error; a result held by its category's release rule can be released to
//! the portal early.
//!
//! Invariants: only staff write here (the patient's side never does: its words are the
//! readings and messages); a correction is a new version of the same item — the resource as it
//! was, who changed it, when and why stay in `record_item_version` — and "entered in error"
//! is a version too, so nothing is erased; a correction keeps what the form does not show (a
//! second coding, a report link) and keeps the code as it was unless the name or code was
//! changed; an outside record's item is corrected by whoever sent it, never here; a new result
//! reaches the portal when its category's release rule says, like a result from a feed; every
//! change is audited. A plan's task is never deleted, only cancelled, because the patient's
//! marks point at a task by its place in the plan.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use std::collections::BTreeMap;

/// The cookie keeping a refused entry's fields for the page.
pub const KEPT_ENTRY: &str = "kept_entry";
pub const NAME_MAX: usize = 200;
pub const CODE_MAX: usize = 40;
pub const TEXT_MAX: usize = 300;
pub const UNIT_MAX: usize = 30;
pub const REASON_MAX: usize = 500;
/// The categories a staff-entered result can have (vital signs are taken at visits and come
/// with their own codes; the patient's readings are theirs).
pub const RESULT_CATEGORIES: [&str; 3] = ["laboratory", "imaging", "pathology"];
pub const SEVERITIES: [&str; 3] = ["mild", "moderate", "severe"];
/// Where a visit took place: in person (FHIR class AMB) or by video (VR).
pub const VISIT_SETTINGS: [&str; 2] = ["in-person", "video"];
/// FHIR's goal achievement codes, in the order the form offers them.
pub const ACHIEVEMENTS: [&str; 6] = [
    "in-progress",
    "improving",
    "worsening",
    "no-change",
    "achieved",
    "not-achieved",
];

/// What staff can enter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryKind {
    Condition,
    Allergy,
    Medication,
    Immunization,
    Result,
    Visit,
    Goal,
    Plan,
    Team,
}

impl EntryKind {
    pub const ALL: [EntryKind; 9] = [
        Self::Condition,
        Self::Allergy,
        Self::Medication,
        Self::Immunization,
        Self::Result,
        Self::Visit,
        Self::Goal,
        Self::Plan,
        Self::Team,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Condition => "condition",
            Self::Allergy => "allergy",
            Self::Medication => "medication",
            Self::Immunization => "immunization",
            Self::Result => "result",
            Self::Visit => "visit",
            Self::Goal => "goal",
            Self::Plan => "plan",
            Self::Team => "team",
        }
    }

    pub fn resource_type(self) -> &'static str {
        match self {
            Self::Condition => "Condition",
            Self::Allergy => "AllergyIntolerance",
            Self::Medication => "MedicationRequest",
            Self::Immunization => "Immunization",
            Self::Result => "Observation",
            Self::Visit => "Encounter",
            Self::Goal => "Goal",
            Self::Plan => "CarePlan",
            Self::Team => "CareTeam",
        }
    }

    /// The statuses the form offers, the first the default.
    pub fn statuses(self) -> &'static [&'static str] {
        match self {
            Self::Condition | Self::Allergy => &["active", "inactive", "resolved"],
            Self::Medication => &["active", "on-hold", "stopped", "completed"],
            Self::Immunization => &["completed", "not-done"],
            Self::Result => &["final", "preliminary", "amended"],
            Self::Visit => &["finished"],
            Self::Goal => &["active", "proposed", "on-hold", "completed", "cancelled"],
            Self::Plan => &["active", "on-hold", "completed", "revoked"],
            Self::Team => &["active", "inactive"],
        }
    }

    /// The code system the form's code is read in, and its name for the label; empty for a
    /// plan or a team, which are named, not coded.
    pub fn code_system(self) -> (&'static str, &'static str) {
        match self {
            Self::Condition => ("http://hl7.org/fhir/sid/icd-10-cm", "ICD-10-CM"),
            Self::Allergy => ("http://snomed.info/sct", "SNOMED CT"),
            Self::Medication => ("http://www.nlm.nih.gov/research/umls/rxnorm", "RxNorm"),
            Self::Immunization => ("http://hl7.org/fhir/sid/cvx", "CVX"),
            Self::Result => ("http://loinc.org", "LOINC"),
            Self::Visit => ("http://www.ama-assn.org/go/cpt", "CPT"),
            Self::Goal => ("http://snomed.info/sct", "SNOMED CT"),
            Self::Plan | Self::Team => ("", ""),
        }
    }

    /// Kinds shown on the care plan page rather than the summary or results.
    pub fn is_care(self) -> bool {
        matches!(self, Self::Goal | Self::Plan | Self::Team)
    }
}

/// The form's fields as typed (every one text, so a refused form is shown back as it was).
/// Which are used depends on the kind: reaction and severity for an allergy; dose,
/// instructions and prescriber for a medication; value, unit, range and category for a result;
/// setting (in `category`), clinician (in `prescriber`) and reason (in `detail`) for a visit;
/// target (`detail`), due date and achievement for a goal; a description (`detail`) and a new
/// task with its due date for a plan; a new member and their role for a team.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EntryFields {
    pub name: String,
    pub code: String,
    /// YYYY-MM-DD: onset, recorded, prescribed, given or taken.
    pub date: String,
    pub status: String,
    pub reaction: String,
    pub severity: String,
    /// A number and a unit: "500 mg".
    pub dose: String,
    pub instructions: String,
    pub prescriber: String,
    pub value: String,
    pub unit: String,
    pub low: String,
    pub high: String,
    pub category: String,
    pub confidential: bool,
    /// Why, for a correction.
    pub reason: String,
    pub detail: String,
    /// YYYY-MM-DD, may be ahead of today: a goal's or a new task's due date.
    pub due: String,
    pub achievement: String,
    /// A task to add to a plan.
    pub task: String,
    /// A member to add to a team, and their role.
    pub member: String,
    pub role: String,
}

/// A checked entry: the fields trimmed, the date and numbers read.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub kind: EntryKind,
    pub fields: EntryFields,
    pub date: NaiveDate,
    pub dose: Option<(f64, String)>,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub due: Option<NaiveDate>,
}

/// "500 mg" → (500, "mg"); a number alone is a count of units ("2" → (2, "")).
#[cfg(feature = "ssr")]
fn dose(text: &str) -> Option<(f64, String)> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(text.len());
    let (n, unit) = text.split_at(split);
    let n = super::readings::number(n)?;
    let unit = unit.trim();
    (n > 0.0 && unit.chars().count() <= UNIT_MAX && !unit.contains(char::is_whitespace))
        .then(|| (n, unit.to_string()))
}

/// The form checked for `kind`, or the problems by field (`required`, `too_long`, `not_a_date`,
/// `in_future`, `not_a_number`, `not_allowed`, `low_above_high`, `needs_reaction`,
/// `not_a_code`, `not_a_dose`). `correcting` makes the reason required.
#[cfg(feature = "ssr")]
pub fn check_entry(
    kind: EntryKind,
    fields: &EntryFields,
    correcting: bool,
    today: NaiveDate,
) -> Result<Entry, BTreeMap<String, String>> {
    let mut problems = BTreeMap::new();
    let t = |s: &str| s.trim().to_string();
    let f = EntryFields {
        name: t(&fields.name),
        code: t(&fields.code),
        date: t(&fields.date),
        status: t(&fields.status),
        reaction: t(&fields.reaction),
        severity: t(&fields.severity),
        dose: t(&fields.dose),
        instructions: t(&fields.instructions),
        prescriber: t(&fields.prescriber),
        value: t(&fields.value),
        unit: t(&fields.unit),
        low: t(&fields.low),
        high: t(&fields.high),
        category: t(&fields.category),
        confidential: fields.confidential,
        reason: t(&fields.reason),
        detail: t(&fields.detail),
        due: t(&fields.due),
        achievement: t(&fields.achievement),
        task: t(&fields.task),
        member: t(&fields.member),
        role: t(&fields.role),
    };
    let mut problem = |field: &str, what: &str| {
        problems
            .entry(field.to_string())
            .or_insert_with(|| what.to_string());
    };
    let mut limit = |field: &str, text: &str, max: usize| {
        if text.chars().count() > max {
            problem(field, "too_long");
        }
    };
    limit("name", &f.name, NAME_MAX);
    limit("reaction", &f.reaction, TEXT_MAX);
    limit("instructions", &f.instructions, TEXT_MAX);
    limit("prescriber", &f.prescriber, NAME_MAX);
    limit("unit", &f.unit, UNIT_MAX);
    limit("reason", &f.reason, REASON_MAX);
    limit("detail", &f.detail, TEXT_MAX);
    limit("task", &f.task, TEXT_MAX);
    limit("member", &f.member, NAME_MAX);
    limit("role", &f.role, NAME_MAX);
    if f.name.is_empty() {
        problem("name", "required");
    }
    // Codes are letters, digits, dots and dashes in every system offered (E11.9, 2345-7, 08).
    if f.code.chars().count() > CODE_MAX
        || !f
            .code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        problem("code", "not_a_code");
    } else if kind.code_system().0.is_empty() && !f.code.is_empty() {
        problem("code", "not_allowed");
    }
    let date = match NaiveDate::parse_from_str(&f.date, "%Y-%m-%d") {
        _ if f.date.is_empty() => {
            problem("date", "required");
            None
        }
        Ok(d) if d > today => {
            problem("date", "in_future");
            None
        }
        Ok(d) if chrono::Datelike::year(&d) < 1900 => {
            problem("date", "not_a_date");
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            problem("date", "not_a_date");
            None
        }
    };
    if !kind.statuses().contains(&f.status.as_str()) {
        problem("status", "not_allowed");
    }
    if correcting && f.reason.is_empty() {
        problem("reason", "required");
    }
    let mut entry_dose = None;
    let (mut value, mut low, mut high) = (None, None, None);
    // A due date may lie ahead; it is read for the kinds that have one.
    let due = match NaiveDate::parse_from_str(&f.due, "%Y-%m-%d") {
        _ if f.due.is_empty() || !matches!(kind, EntryKind::Goal | EntryKind::Plan) => None,
        Ok(d) if chrono::Datelike::year(&d) >= 1900 && chrono::Datelike::year(&d) < 2200 => {
            if kind == EntryKind::Goal && date.is_some_and(|start| d < start) {
                problem("due", "before_start");
            }
            Some(d)
        }
        _ => {
            problem("due", "not_a_date");
            None
        }
    };
    match kind {
        EntryKind::Allergy => {
            if !f.severity.is_empty() && !SEVERITIES.contains(&f.severity.as_str()) {
                problem("severity", "not_allowed");
            }
            // FHIR keeps a severity on a reaction: one without the other says nothing.
            if !f.severity.is_empty() && f.reaction.is_empty() {
                problem("reaction", "needs_reaction");
            }
        }
        EntryKind::Medication if !f.dose.is_empty() => {
            entry_dose = dose(&f.dose);
            if entry_dose.is_none() {
                problem("dose", "not_a_dose");
            }
        }
        EntryKind::Result => {
            let mut read = |field: &str, text: &str, required: bool| {
                if text.is_empty() {
                    if required {
                        problem(field, "required");
                    }
                    return None;
                }
                let n = super::readings::number(text);
                if n.is_none() {
                    problem(field, "not_a_number");
                }
                n
            };
            value = read("value", &f.value, true);
            low = read("low", &f.low, false);
            high = read("high", &f.high, false);
            if let (Some(l), Some(h)) = (low, high) {
                if l > h {
                    problem("high", "low_above_high");
                }
            }
            if !RESULT_CATEGORIES.contains(&f.category.as_str()) {
                problem("category", "not_allowed");
            }
        }
        EntryKind::Visit if !VISIT_SETTINGS.contains(&f.category.as_str()) => {
            problem("category", "not_allowed");
        }
        EntryKind::Goal
            if !f.achievement.is_empty() && !ACHIEVEMENTS.contains(&f.achievement.as_str()) =>
        {
            problem("achievement", "not_allowed");
        }
        EntryKind::Plan if f.task.is_empty() && !f.due.is_empty() => {
            problem("task", "required");
        }
        EntryKind::Team if f.member.is_empty() && !f.role.is_empty() => {
            problem("member", "required");
        }
        _ => {}
    }
    match date {
        Some(date) if problems.is_empty() => Ok(Entry {
            kind,
            fields: f,
            date,
            dose: entry_dose,
            value,
            low,
            high,
            due,
        }),
        _ => Err(problems),
    }
}

/// One version of an item, for the correction page's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionView {
    pub version: i32,
    /// When, in the reader's language.
    pub when: String,
    /// Who changed it (empty when the record came from a feed or an import).
    pub by: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntryFormView {
    pub patient_id: String,
    pub patient_name: String,
    pub kind: EntryKind,
    /// The item being corrected, when this is a correction.
    pub item_id: Option<String>,
    /// What the form starts with: the item as it stands, or a new entry's defaults.
    pub fields: EntryFields,
    pub versions: Vec<VersionView>,
    /// YYYY-MM-DD, the newest date the form accepts.
    pub today: String,
    /// A plan's tasks or a team's members as they stand, by their place in the item, each
    /// removable.
    pub parts: Vec<(usize, String)>,
}

/// The form for a new entry of `kind`, or for correcting `item`. Staff only (the patient's side
/// gets 403). Audited when it shows an item.
#[server]
pub async fn record_entry(
    patient_id: String,
    kind: String,
    item: Option<String>,
) -> Result<EntryFormView, AppError> {
    crate::error::with_status(server::form(patient_id, kind, item).await)
}

/// The save form's server function, in a module of its own: it takes one argument per form
/// field (the form posts them flat, and must work without JavaScript), which the argument-count
/// lint would refuse in the code the `server` macro generates.
mod save {
    #![allow(clippy::too_many_arguments)]
    use super::*;

    /// Adds an entry of `kind` to the patient's record, or corrects `item` with a reason. Staff
    /// only. Audited.
    #[server]
    pub async fn save_record_entry(
        patient_id: String,
        kind: String,
        item: Option<String>,
        name: Option<String>,
        code: Option<String>,
        date: Option<String>,
        status: Option<String>,
        reaction: Option<String>,
        severity: Option<String>,
        dose: Option<String>,
        instructions: Option<String>,
        prescriber: Option<String>,
        value: Option<String>,
        unit: Option<String>,
        low: Option<String>,
        high: Option<String>,
        category: Option<String>,
        confidential: Option<String>,
        reason: Option<String>,
        detail: Option<String>,
        due: Option<String>,
        achievement: Option<String>,
        task: Option<String>,
        member: Option<String>,
        role: Option<String>,
    ) -> Result<(), AppError> {
        let fields = EntryFields {
            name: name.unwrap_or_default(),
            code: code.unwrap_or_default(),
            date: date.unwrap_or_default(),
            status: status.unwrap_or_default(),
            reaction: reaction.unwrap_or_default(),
            severity: severity.unwrap_or_default(),
            dose: dose.unwrap_or_default(),
            instructions: instructions.unwrap_or_default(),
            prescriber: prescriber.unwrap_or_default(),
            value: value.unwrap_or_default(),
            unit: unit.unwrap_or_default(),
            low: low.unwrap_or_default(),
            high: high.unwrap_or_default(),
            category: category.unwrap_or_default(),
            confidential: confidential.is_some_and(|c| !c.is_empty() && c != "false"),
            reason: reason.unwrap_or_default(),
            detail: detail.unwrap_or_default(),
            due: due.unwrap_or_default(),
            achievement: achievement.unwrap_or_default(),
            task: task.unwrap_or_default(),
            member: member.unwrap_or_default(),
            role: role.unwrap_or_default(),
        };
        crate::error::with_status(server::save(patient_id, kind, item, fields).await)
    }
}
pub use save::*;

/// Marks `item` as entered in error, with a reason: a new version, so it leaves every page and
/// export while its history stays. Staff only. Audited.
#[server]
pub async fn mark_entered_in_error(
    patient_id: String,
    kind: String,
    item: String,
    reason: Option<String>,
) -> Result<(), AppError> {
    crate::error::with_status(
        server::entered_in_error(patient_id, kind, item, reason.unwrap_or_default()).await,
    )
}

/// Takes task `index` off a care plan (cancelled, so the patient's marks still point at the
/// right tasks) or member `index` off a care team: a new version of the item. Staff only.
/// Audited.
#[server]
pub async fn remove_record_part(
    patient_id: String,
    kind: String,
    item: String,
    index: usize,
) -> Result<(), AppError> {
    crate::error::with_status(server::remove_part(patient_id, kind, item, index).await)
}

/// Designates a care navigator (by account id) as the patient's primary contact, or nobody
/// when `navigator` is empty. Staff only. Audited.
#[server]
pub async fn set_primary_contact(
    patient_id: String,
    navigator: Option<String>,
) -> Result<(), AppError> {
    crate::error::with_status(server::primary_contact(patient_id, navigator).await)
}

/// Releases a result (and, for a report, its values) to the portal now instead of when its
/// category's release rule would. Staff only. Audited.
#[server]
pub async fn release_result(patient_id: String, item: String) -> Result<(), AppError> {
    crate::error::with_status(server::release(patient_id, item).await)
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::super::api::server::{access, day, extracted, identity, insert_own, name, words};
    use super::super::db;
    use super::super::fhir;
    use super::*;
    use crate::auth::access::{Access, ActingAs};
    use chrono::{DateTime, Utc};
    use serde_json::{json, Map, Value};
    use uuid::Uuid;

    /// The caller, when they are staff with access to the patient's record; 403 otherwise.
    pub async fn staff_access(patient_id: &str) -> Result<Access, AppError> {
        let access = access(Some(patient_id.to_string())).await?;
        if access.allowed.acting_as != ActingAs::Staff {
            return Err(AppError::Forbidden);
        }
        Ok(access)
    }

    fn kind_of(kind: &str) -> Result<EntryKind, AppError> {
        EntryKind::parse(kind).ok_or(AppError::NotFound)
    }

    /// The organisation's calendar day (its first location's time zone): the newest date an
    /// entry may carry, and a new entry's default.
    pub async fn today(conn: &mut sqlx::PgConnection) -> Result<NaiveDate, AppError> {
        let zone = crate::messaging::server::zone(conn).await?;
        Ok(Utc::now().with_timezone(&zone).date_naive())
    }

    fn codeable(system: &str, code: &str, display: &str) -> Value {
        json!({ "coding": [{ "system": system, "code": code, "display": display }] })
    }

    fn code_in(concept: Option<&Value>, system: &str) -> String {
        concept
            .and_then(|c| c.get("coding"))
            .and_then(Value::as_array)
            .and_then(|codings| {
                codings
                    .iter()
                    .find(|c| c.get("system").and_then(Value::as_str) == Some(system))
            })
            .and_then(|c| c.get("code"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    fn number_text(v: Option<f64>) -> String {
        v.map(crate::records::number).unwrap_or_default()
    }

    /// The field a kind keeps its code in.
    fn code_field(kind: EntryKind) -> &'static str {
        match kind {
            EntryKind::Medication => "medicationCodeableConcept",
            EntryKind::Immunization => "vaccineCode",
            EntryKind::Visit => "type",
            EntryKind::Goal => "description",
            EntryKind::Plan => "title",
            EntryKind::Team => "name",
            _ => "code",
        }
    }

    /// The field a kind keeps the form's date in.
    fn date_field(kind: EntryKind) -> &'static str {
        match kind {
            EntryKind::Condition => "onsetDateTime",
            EntryKind::Allergy => "recordedDate",
            EntryKind::Medication => "authoredOn",
            EntryKind::Immunization => "occurrenceDateTime",
            EntryKind::Result => "effectiveDateTime",
            EntryKind::Goal => "startDate",
            EntryKind::Visit | EntryKind::Plan | EntryKind::Team => "period",
        }
    }

    /// The item as the form shows it, or `None` when the form cannot show it faithfully (a
    /// result with several values, such as a blood pressure panel).
    pub fn fields_of(kind: EntryKind, row: &db::ItemRow) -> Option<EntryFields> {
        let r = &row.resource;
        if kind == EntryKind::Result
            && (r.get("component").is_some() || r.get("valueQuantity").is_none())
        {
            return None;
        }
        let date = r
            .get(date_field(kind))
            .and_then(|d| d.get("start").unwrap_or(d).as_str())
            .and_then(fhir::parse_datetime)
            .or(row.effective_at)
            .map(|t| t.date_naive().to_string())
            .unwrap_or_default();
        let mut f = EntryFields {
            name: row.display.clone(),
            code: match kind {
                EntryKind::Visit => code_in(r.pointer("/type/0"), kind.code_system().0),
                _ => code_in(r.get(code_field(kind)), kind.code_system().0),
            },
            date,
            status: row.status.clone(),
            confidential: row.confidential,
            ..EntryFields::default()
        };
        match kind {
            EntryKind::Allergy => {
                f.reaction = words(r.pointer("/reaction/0/manifestation/0")).unwrap_or_default();
                f.severity = r
                    .pointer("/reaction/0/severity")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
            }
            EntryKind::Medication => {
                let q = r.pointer("/dosageInstruction/0/doseAndRate/0/doseQuantity");
                if let Some(v) = q.and_then(|q| q.get("value")).and_then(Value::as_f64) {
                    let unit = q
                        .and_then(|q| q.get("unit"))
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    f.dose = format!("{} {unit}", crate::records::number(v))
                        .trim()
                        .to_string();
                }
                f.instructions = r
                    .pointer("/dosageInstruction/0/text")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                f.prescriber = r
                    .pointer("/requester/display")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
            }
            EntryKind::Result => {
                f.value = number_text(row.value);
                f.unit = row.unit.clone().unwrap_or_default();
                f.low = number_text(row.ref_low);
                f.high = number_text(row.ref_high);
                f.category = row.category.clone();
            }
            EntryKind::Visit => {
                f.category = if row.category == "VR" {
                    "video"
                } else {
                    "in-person"
                }
                .into();
                f.prescriber = fhir::str_at(r, &["participant", "individual", "display"])
                    .unwrap_or_default()
                    .to_string();
                f.detail = words(r.pointer("/reasonCode/0")).unwrap_or_default();
            }
            EntryKind::Goal => {
                f.detail = fhir::str_at(r, &["target", "detailString"])
                    .unwrap_or_default()
                    .to_string();
                f.due = fhir::str_at(r, &["target", "dueDate"])
                    .unwrap_or_default()
                    .to_string();
                f.achievement = r
                    .pointer("/achievementStatus/coding/0/code")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
            }
            EntryKind::Plan => {
                f.detail = fhir::str_at(r, &["description"])
                    .unwrap_or_default()
                    .to_string();
            }
            _ => {}
        }
        Some(f)
    }

    fn set(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
        match value {
            Some(v) => {
                map.insert(key.to_string(), v);
            }
            None => {
                map.remove(key);
            }
        }
    }

    fn text(s: &str) -> Option<Value> {
        (!s.is_empty()).then(|| json!(s))
    }

    /// The resource for `entry`: a new one (`before` none) or `before` with what the form holds
    /// written over it. The code is rewritten only when the name or code changed, so a
    /// correction of the dose keeps every coding the item was received with.
    pub fn resource(
        entry: &Entry,
        id: Uuid,
        patient: Uuid,
        author: &str,
        now: DateTime<Utc>,
        before: Option<(&Value, &EntryFields)>,
    ) -> Value {
        let kind = entry.kind;
        let f = &entry.fields;
        let mut map = before
            .and_then(|(r, _)| r.as_object().cloned())
            .unwrap_or_default();
        map.insert("resourceType".into(), json!(kind.resource_type()));
        map.insert("id".into(), json!(id.to_string()));
        let subject = json!({ "reference": format!("urn:uuid:{patient}") });
        let (system, _) = kind.code_system();
        let code_changed = before.is_none_or(|(_, old)| old.name != f.name || old.code != f.code);
        if code_changed {
            let mut concept = Map::new();
            if !f.code.is_empty() {
                concept.insert(
                    "coding".into(),
                    json!([{ "system": system, "code": f.code, "display": f.name }]),
                );
            }
            concept.insert("text".into(), json!(f.name));
            let named = match kind {
                // A plan and a team are named by plain text; a visit's type repeats.
                EntryKind::Plan | EntryKind::Team => json!(f.name),
                EntryKind::Visit => json!([Value::Object(concept)]),
                _ => Value::Object(concept),
            };
            map.insert(code_field(kind).into(), named);
        }
        // A period keeps its times (a visit from the schedule) while its day is unchanged.
        let period_on = |map: &mut Map<String, Value>| {
            let kept = map
                .get("period")
                .and_then(|p| p.get("start"))
                .and_then(Value::as_str)
                .and_then(fhir::parse_datetime)
                .is_some_and(|t| t.date_naive() == entry.date);
            if !kept {
                map.insert("period".into(), json!({ "start": entry.date.to_string() }));
            }
        };
        let date = entry.date.to_string();
        let at = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        match kind {
            EntryKind::Condition => {
                map.insert(
                    "clinicalStatus".into(),
                    codeable(
                        "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        &f.status,
                        &f.status,
                    ),
                );
                map.entry("verificationStatus").or_insert_with(|| {
                    codeable(
                        "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                        "confirmed",
                        "Confirmed",
                    )
                });
                map.entry("category").or_insert_with(|| {
                    json!([codeable(
                        "http://terminology.hl7.org/CodeSystem/condition-category",
                        "problem-list-item",
                        "Problem List Item"
                    )])
                });
                map.insert("subject".into(), subject);
                map.insert("onsetDateTime".into(), json!(date));
                map.entry("recordedDate").or_insert_with(|| json!(at));
                map.entry("recorder")
                    .or_insert_with(|| json!({ "display": author }));
            }
            EntryKind::Allergy => {
                map.insert(
                    "clinicalStatus".into(),
                    codeable(
                        "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                        &f.status,
                        &f.status,
                    ),
                );
                map.entry("verificationStatus").or_insert_with(|| {
                    codeable(
                        "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                        "confirmed",
                        "Confirmed",
                    )
                });
                map.insert("patient".into(), subject);
                map.insert("recordedDate".into(), json!(date));
                let old_reaction = before.map(|(_, old)| (&old.reaction, &old.severity));
                if old_reaction != Some((&f.reaction, &f.severity)) {
                    let reaction = (!f.reaction.is_empty()).then(|| {
                        let mut r = Map::new();
                        r.insert("manifestation".into(), json!([{ "text": f.reaction }]));
                        if !f.severity.is_empty() {
                            r.insert("severity".into(), json!(f.severity));
                        }
                        json!([Value::Object(r)])
                    });
                    set(&mut map, "reaction", reaction);
                }
            }
            EntryKind::Medication => {
                map.insert("status".into(), json!(f.status));
                map.entry("intent").or_insert_with(|| json!("order"));
                map.insert("subject".into(), subject);
                map.insert("authoredOn".into(), json!(date));
                set(
                    &mut map,
                    "requester",
                    text(&f.prescriber).map(|p| json!({ "display": p })),
                );
                let old_dosage = before.map(|(_, old)| (&old.dose, &old.instructions));
                if old_dosage != Some((&f.dose, &f.instructions)) {
                    let mut d = Map::new();
                    if !f.instructions.is_empty() {
                        d.insert("text".into(), json!(f.instructions));
                    }
                    if let Some((n, unit)) = &entry.dose {
                        let mut q = Map::new();
                        q.insert("value".into(), json!(n));
                        if !unit.is_empty() {
                            q.insert("unit".into(), json!(unit));
                        }
                        d.insert("doseAndRate".into(), json!([{ "doseQuantity": q }]));
                    }
                    set(
                        &mut map,
                        "dosageInstruction",
                        (!d.is_empty()).then(|| json!([Value::Object(d)])),
                    );
                }
            }
            EntryKind::Immunization => {
                map.insert("status".into(), json!(f.status));
                map.insert("patient".into(), subject);
                map.insert("occurrenceDateTime".into(), json!(date));
                map.entry("primarySource").or_insert(json!(true));
            }
            EntryKind::Result => {
                map.insert("status".into(), json!(f.status));
                map.insert(
                    "category".into(),
                    json!([codeable(
                        "http://terminology.hl7.org/CodeSystem/observation-category",
                        &f.category,
                        &f.category,
                    )]),
                );
                map.insert("subject".into(), subject);
                // Taken today: now, not noon, so a result released at once is out at once
                // (a date-only record is kept at noon UTC, which may be hours ahead).
                let taken = if entry.date >= now.date_naive() {
                    at.clone()
                } else {
                    date.clone()
                };
                map.insert("effectiveDateTime".into(), json!(taken));
                map.entry("issued").or_insert_with(|| json!(at));
                let mut q = Map::new();
                q.insert("value".into(), json!(entry.value));
                if !f.unit.is_empty() {
                    q.insert("unit".into(), json!(f.unit));
                    q.insert("system".into(), json!(fhir::UCUM));
                    q.insert("code".into(), json!(f.unit));
                }
                map.insert("valueQuantity".into(), Value::Object(q.clone()));
                let bound = |v: f64| {
                    let mut b = q.clone();
                    b.insert("value".into(), json!(v));
                    Value::Object(b)
                };
                let mut range = Map::new();
                if let Some(l) = entry.low {
                    range.insert("low".into(), bound(l));
                }
                if let Some(h) = entry.high {
                    range.insert("high".into(), bound(h));
                }
                set(
                    &mut map,
                    "referenceRange",
                    (!range.is_empty()).then(|| json!([Value::Object(range)])),
                );
                // The flag follows the value: a corrected value must not keep the old "High".
                let flag = crate::records::flag(None, entry.value, entry.low, entry.high);
                let interpretation = match flag {
                    crate::records::Flag::High => Some(("H", "High")),
                    crate::records::Flag::Low => Some(("L", "Low")),
                    crate::records::Flag::Normal => Some(("N", "Normal")),
                    _ => None,
                };
                set(
                    &mut map,
                    "interpretation",
                    interpretation.map(|(c, d)| {
                        json!([codeable(
                            "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                            c,
                            d
                        )])
                    }),
                );
                map.entry("performer")
                    .or_insert_with(|| json!([{ "display": author }]));
            }
            EntryKind::Visit => {
                map.insert("status".into(), json!(f.status));
                let (code, display) = if f.category == "video" {
                    ("VR", "virtual")
                } else {
                    ("AMB", "ambulatory")
                };
                map.insert(
                    "class".into(),
                    json!({ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                            "code": code, "display": display }),
                );
                map.insert("subject".into(), subject);
                period_on(&mut map);
                let old = before.map(|(_, old)| (&old.prescriber, &old.detail));
                if old != Some((&f.prescriber, &f.detail)) {
                    set(
                        &mut map,
                        "participant",
                        text(&f.prescriber).map(|p| json!([{ "individual": { "display": p } }])),
                    );
                    set(
                        &mut map,
                        "reasonCode",
                        text(&f.detail).map(|r| json!([{ "text": r }])),
                    );
                }
            }
            EntryKind::Goal => {
                map.insert("lifecycleStatus".into(), json!(f.status));
                set(
                    &mut map,
                    "achievementStatus",
                    text(&f.achievement).map(|a| {
                        codeable(
                            "http://terminology.hl7.org/CodeSystem/goal-achievement",
                            &f.achievement,
                            &a.as_str().unwrap_or_default().replace('-', " "),
                        )
                    }),
                );
                map.insert("subject".into(), subject);
                map.insert("startDate".into(), json!(date));
                let mut target = Map::new();
                if !f.detail.is_empty() {
                    target.insert("detailString".into(), json!(f.detail));
                }
                if let Some(due) = entry.due {
                    target.insert("dueDate".into(), json!(due.to_string()));
                }
                set(
                    &mut map,
                    "target",
                    (!target.is_empty()).then(|| json!([Value::Object(target)])),
                );
                map.entry("expressedBy")
                    .or_insert_with(|| json!({ "display": author }));
            }
            EntryKind::Plan => {
                map.insert("status".into(), json!(f.status));
                map.entry("intent").or_insert_with(|| json!("plan"));
                map.entry("category").or_insert_with(|| {
                    json!([codeable(
                        "http://hl7.org/fhir/us/core/CodeSystem/careplan-category",
                        "assess-plan",
                        "Assessment and Plan of Treatment"
                    )])
                });
                map.insert("subject".into(), subject);
                period_on(&mut map);
                set(&mut map, "description", text(&f.detail));
                map.entry("author")
                    .or_insert_with(|| json!({ "display": author }));
                if !f.task.is_empty() {
                    let mut detail = Map::new();
                    detail.insert("status".into(), json!("not-started"));
                    detail.insert("description".into(), json!(f.task));
                    if let Some(due) = entry.due {
                        detail.insert("scheduledPeriod".into(), json!({ "end": due.to_string() }));
                    }
                    let activities = map.entry("activity").or_insert_with(|| json!([]));
                    if let Some(a) = activities.as_array_mut() {
                        a.push(json!({ "detail": Value::Object(detail) }));
                    }
                }
                let narrative = fhir::plan_narrative(&Value::Object(map.clone()));
                map.insert("text".into(), narrative);
            }
            EntryKind::Team => {
                map.insert("status".into(), json!(f.status));
                map.insert("subject".into(), subject);
                period_on(&mut map);
                if !f.member.is_empty() {
                    let mut member = Map::new();
                    member.insert("member".into(), json!({ "display": f.member }));
                    if !f.role.is_empty() {
                        member.insert("role".into(), json!([{ "text": f.role }]));
                    }
                    let participants = map.entry("participant").or_insert_with(|| json!([]));
                    if let Some(p) = participants.as_array_mut() {
                        p.push(Value::Object(member));
                    }
                }
            }
        }
        let labels: Vec<Value> = map
            .get("meta")
            .and_then(|m| m.get("security"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|l| {
                l.get("system").and_then(Value::as_str)
                    != Some("http://terminology.hl7.org/CodeSystem/v3-Confidentiality")
            })
            .chain(f.confidential.then(|| {
                json!({ "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
                        "code": "R", "display": "restricted" })
            }))
            .collect();
        let mut meta = map
            .get("meta")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        set(
            &mut meta,
            "security",
            (!labels.is_empty()).then_some(Value::Array(labels)),
        );
        set(
            &mut map,
            "meta",
            (!meta.is_empty()).then_some(Value::Object(meta)),
        );
        Value::Object(map)
    }

    /// The resource marked as entered in error, the way each type says it.
    pub fn entered_in_error_resource(kind: EntryKind, before: &Value) -> Value {
        let mut map = before.as_object().cloned().unwrap_or_default();
        match kind {
            EntryKind::Condition | EntryKind::Allergy => {
                // FHIR: an entered-in-error condition or allergy has no clinical status.
                map.remove("clinicalStatus");
                let system = if kind == EntryKind::Condition {
                    "http://terminology.hl7.org/CodeSystem/condition-ver-status"
                } else {
                    "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
                };
                map.insert(
                    "verificationStatus".into(),
                    codeable(system, fhir::ENTERED_IN_ERROR, "Entered in Error"),
                );
            }
            EntryKind::Goal => {
                map.insert("lifecycleStatus".into(), json!(fhir::ENTERED_IN_ERROR));
            }
            _ => {
                map.insert("status".into(), json!(fhir::ENTERED_IN_ERROR));
            }
        }
        Value::Object(map)
    }

    /// The item of `kind` staff may change: this organisation's own, not already in error.
    async fn own_item(
        conn: &mut sqlx::PgConnection,
        patient: Uuid,
        kind: EntryKind,
        item: &str,
    ) -> Result<db::ItemRow, AppError> {
        let id = Uuid::parse_str(item.trim()).map_err(|_| AppError::NotFound)?;
        db::select_item(conn, patient, id, kind.resource_type(), false, true)
            .await?
            .filter(|row| {
                row.source_id.is_none()
                    && row.status != fhir::ENTERED_IN_ERROR
                    && (kind != EntryKind::Result
                        || RESULT_CATEGORIES.contains(&row.category.as_str()))
            })
            .ok_or(AppError::NotFound)
    }

    /// The item as [`own_item`], locked until the transaction ends: a second change at once
    /// waits here, then reads what the first wrote (both versions are kept).
    async fn locked_own_item(
        conn: &mut sqlx::PgConnection,
        patient: Uuid,
        kind: EntryKind,
        item: &str,
    ) -> Result<db::ItemRow, AppError> {
        let id = Uuid::parse_str(item.trim()).map_err(|_| AppError::NotFound)?;
        db::lock_item(conn, patient, id, kind.resource_type(), false, true).await?;
        own_item(conn, patient, kind, item).await
    }

    pub async fn form(
        patient_id: String,
        kind: String,
        item: Option<String>,
    ) -> Result<EntryFormView, AppError> {
        let access = staff_access(&patient_id).await?;
        let kind = kind_of(&kind)?;
        let patient = access.patient_id;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let who = identity(&mut conn, patient).await?;
        let language = crate::scheduling::server::language();
        let today = today(&mut conn).await?;
        let item = item.filter(|i| !i.trim().is_empty());
        let (item_id, fields, versions, parts) = match item {
            Some(item) => {
                let row = own_item(&mut conn, patient, kind, &item).await?;
                let parts = parts_of(kind, &row.resource);
                let fields = fields_of(kind, &row).ok_or(AppError::NotFound)?;
                let versions = db::select_versions(&mut conn, row.item_id)
                    .await?
                    .into_iter()
                    .map(|v| VersionView {
                        version: v.version,
                        when: day(language, Some(v.changed_at)),
                        by: v.by.unwrap_or_default(),
                        reason: v.reason.unwrap_or_default(),
                    })
                    .collect();
                crate::audit::record(
                    &mut *conn,
                    &access
                        .audit("records.entry_form")
                        .on("record_item", row.item_id),
                )
                .await?;
                (Some(row.item_id.to_string()), fields, versions, parts)
            }
            None => {
                let fields = EntryFields {
                    status: kind.statuses().first().copied().unwrap_or_default().into(),
                    date: today.to_string(),
                    category: match kind {
                        EntryKind::Result => "laboratory".into(),
                        EntryKind::Visit => "in-person".into(),
                        _ => String::new(),
                    },
                    prescriber: if kind == EntryKind::Medication {
                        access.caller.account.display_name.clone()
                    } else {
                        String::new()
                    },
                    ..EntryFields::default()
                };
                (None, fields, Vec::new(), Vec::new())
            }
        };
        Ok(EntryFormView {
            patient_id: patient.to_string(),
            patient_name: name(&who),
            kind,
            item_id,
            fields,
            versions,
            today: today.to_string(),
            parts,
        })
    }

    /// A plan's tasks ("Walk 30 minutes a day · due 2027-01-31") or a team's members
    /// ("Dr. Ana Ruiz · Primary care physician"), each with its place in the item.
    pub(super) fn parts_of(kind: EntryKind, resource: &Value) -> Vec<(usize, String)> {
        match kind {
            EntryKind::Plan => fhir::plan_tasks(resource)
                .into_iter()
                .map(|t| {
                    let due = t.due.map(|d| format!(" · {d}")).unwrap_or_default();
                    (t.index, format!("{}{due}", t.description))
                })
                .collect(),
            EntryKind::Team => resource
                .get("participant")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .filter_map(|(i, p)| {
                    let who = fhir::str_at(p, &["member", "display"])?;
                    Some(match fhir::str_at(p, &["role", "text"]) {
                        Some(role) => (i, format!("{who} · {role}")),
                        None => (i, who.to_string()),
                    })
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    fn keep(fields: Option<&EntryFields>) {
        use crate::forms::{forget_cookie, remember_cookie};
        crate::auth::server::set_cookie(&match fields {
            Some(f) => remember_cookie(KEPT_ENTRY, "/records/entry", f),
            None => forget_cookie(KEPT_ENTRY, "/records/entry"),
        });
    }

    /// Where a saved entry is seen, with `outcome` in the query: its section of the summary,
    /// or the results.
    fn shown_at(patient: Uuid, kind: EntryKind, outcome: &str) -> String {
        match kind {
            EntryKind::Result => format!("/records/results?patient={patient}&{outcome}"),
            EntryKind::Visit => format!("/records/visits?patient={patient}&{outcome}"),
            EntryKind::Goal => format!("/records/care-plan?patient={patient}&{outcome}#goals"),
            EntryKind::Plan => format!("/records/care-plan?patient={patient}&{outcome}#tasks"),
            EntryKind::Team => format!("/records/care-plan?patient={patient}&{outcome}#team"),
            EntryKind::Allergy => format!("/records?patient={patient}&{outcome}#allergies"),
            k => format!("/records?patient={patient}&{outcome}#{}s", k.as_str()),
        }
    }

    pub async fn save(
        patient_id: String,
        kind: String,
        item: Option<String>,
        fields: EntryFields,
    ) -> Result<(), AppError> {
        let access = staff_access(&patient_id).await?;
        let kind = kind_of(&kind)?;
        let patient = access.patient_id;
        let item = item.filter(|i| !i.trim().is_empty());
        let pool = crate::state::db()?;
        let today = today(&mut *pool.acquire().await?).await?;
        let entry = match check_entry(kind, &fields, item.is_some(), today) {
            Ok(e) => e,
            Err(problems) => {
                keep(Some(&fields));
                return Err(AppError::Validation(problems));
            }
        };
        let by = access.caller.account.account_id;
        let author = access.caller.account.display_name.clone();
        let now = Utc::now();
        let mut tx = pool.begin().await?;
        let id = match item {
            Some(item) => {
                let row = locked_own_item(&mut tx, patient, kind, &item).await?;
                let old = fields_of(kind, &row).ok_or(AppError::NotFound)?;
                let resource = resource(
                    &entry,
                    row.item_id,
                    patient,
                    &author,
                    now,
                    Some((&row.resource, &old)),
                );
                let fields = extracted(&resource)?;
                db::new_version(
                    &mut tx,
                    row.item_id,
                    &resource,
                    &fields,
                    by,
                    &entry.fields.reason,
                )
                .await?;
                crate::audit::record(
                    &mut *tx,
                    &access
                        .audit("records.entry_correct")
                        .on("record_item", row.item_id),
                )
                .await?;
                row.item_id
            }
            None => {
                let id = Uuid::new_v4();
                let resource = resource(&entry, id, patient, &author, now, None);
                insert_own(&mut tx, patient, id, resource, by).await?;
                crate::audit::record(
                    &mut *tx,
                    &access.audit("records.entry_add").on("record_item", id),
                )
                .await?;
                id
            }
        };
        tx.commit().await?;
        keep(None);
        tracing::info!(kind = kind.as_str(), "record entry saved");
        leptos_axum::redirect(&shown_at(patient, kind, &format!("saved={id}")));
        Ok(())
    }

    pub async fn entered_in_error(
        patient_id: String,
        kind: String,
        item: String,
        reason: String,
    ) -> Result<(), AppError> {
        let access = staff_access(&patient_id).await?;
        let kind = kind_of(&kind)?;
        let patient = access.patient_id;
        let reason = reason.trim().to_string();
        let problem = if reason.is_empty() {
            Some("required")
        } else if reason.chars().count() > REASON_MAX {
            Some("too_long")
        } else {
            None
        };
        if let Some(p) = problem {
            return Err(AppError::Validation(BTreeMap::from([
                ("error_reason".to_string(), p.to_string()),
                ("form".to_string(), "entered_in_error".to_string()),
            ])));
        }
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        let row = locked_own_item(&mut tx, patient, kind, &item).await?;
        let resource = entered_in_error_resource(kind, &row.resource);
        let fields = extracted(&resource)?;
        db::new_version(
            &mut tx,
            row.item_id,
            &resource,
            &fields,
            access.caller.account.account_id,
            &format!("entered in error: {reason}"),
        )
        .await?;
        crate::audit::record(
            &mut *tx,
            &access
                .audit("records.entry_error")
                .on("record_item", row.item_id),
        )
        .await?;
        tx.commit().await?;
        leptos_axum::redirect(&shown_at(patient, kind, "removed=1"));
        Ok(())
    }

    pub async fn remove_part(
        patient_id: String,
        kind: String,
        item: String,
        index: usize,
    ) -> Result<(), AppError> {
        let access = staff_access(&patient_id).await?;
        let kind = kind_of(&kind)?;
        let patient = access.patient_id;
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        let row = locked_own_item(&mut tx, patient, kind, &item).await?;
        let mut resource = row.resource.clone();
        let removed = match kind {
            EntryKind::Plan => {
                let task = fhir::cancel_task(&mut resource, index).ok_or(AppError::NotFound)?;
                format!("task removed: {task}")
            }
            EntryKind::Team => {
                let members = resource
                    .get_mut("participant")
                    .and_then(Value::as_array_mut)
                    .filter(|p| index < p.len())
                    .ok_or(AppError::NotFound)?;
                let gone = members.remove(index);
                let who = fhir::str_at(&gone, &["member", "display"]).unwrap_or_default();
                format!("member removed: {who}")
            }
            _ => return Err(AppError::NotFound),
        };
        let fields = extracted(&resource)?;
        db::new_version(
            &mut tx,
            row.item_id,
            &resource,
            &fields,
            access.caller.account.account_id,
            &removed,
        )
        .await?;
        crate::audit::record(
            &mut *tx,
            &access
                .audit("records.entry_correct")
                .on("record_item", row.item_id),
        )
        .await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!(
            "/records/entry?patient={patient}&kind={}&item={}&removed=1",
            kind.as_str(),
            row.item_id
        ));
        Ok(())
    }

    pub async fn primary_contact(
        patient_id: String,
        navigator: Option<String>,
    ) -> Result<(), AppError> {
        let access = staff_access(&patient_id).await?;
        let patient = access.patient_id;
        let navigator = match navigator.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(id) => Some(Uuid::parse_str(id).map_err(|_| {
                AppError::Validation(BTreeMap::from([(
                    "navigator".to_string(),
                    "not_allowed".to_string(),
                )]))
            })?),
        };
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        if !crate::messaging::db::set_navigator(&mut tx, patient, navigator).await? {
            return Err(AppError::Validation(BTreeMap::from([(
                "navigator".to_string(),
                "not_allowed".to_string(),
            )])));
        }
        crate::audit::record(
            &mut *tx,
            &access
                .audit("records.primary_contact")
                .on("patient", patient),
        )
        .await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!("/records/care-plan?patient={patient}&contact=1"));
        Ok(())
    }

    /// The visit a completed appointment becomes in the record: this organisation's Encounter,
    /// with the appointment's id for its own, so marking the appointment completed again (or
    /// after a correction or an "entered in error") adds nothing. `true` when it was added.
    pub async fn visit_from_appointment(
        conn: &mut sqlx::PgConnection,
        row: &crate::scheduling::db::AppointmentRow,
        by: Uuid,
    ) -> Result<bool, AppError> {
        let id = row.appointment_id;
        if db::select_item(conn, row.patient_id, id, "Encounter", false, true)
            .await?
            .is_some()
        {
            return Ok(false);
        }
        let at = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let (class, class_words) = if row.video {
            ("VR", "virtual")
        } else {
            ("AMB", "ambulatory")
        };
        let mut resource = json!({
            "resourceType": "Encounter",
            "id": id.to_string(),
            "identifier": [{ "system": "urn:ietf:rfc:3986", "value": format!("urn:uuid:{id}") }],
            "status": "finished",
            "class": { "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                       "code": class, "display": class_words },
            "type": [{ "text": row.visit_type_en }],
            "subject": { "reference": format!("urn:uuid:{}", row.patient_id) },
            "participant": [{ "individual": { "display": row.clinician_name } }],
            "period": { "start": at(row.start), "end": at(row.end) },
            "location": [{ "location": { "display": row.location_name } }],
        });
        // The reason the patient gave when booking is theirs to read with the visit.
        let reason = row.reason.trim();
        if let (false, Some(map)) = (reason.is_empty(), resource.as_object_mut()) {
            map.insert("reasonCode".into(), json!([{ "text": reason }]));
        }
        insert_own(conn, row.patient_id, id, resource, by).await?;
        Ok(true)
    }

    pub async fn release(patient_id: String, item: String) -> Result<(), AppError> {
        let access = staff_access(&patient_id).await?;
        let patient = access.patient_id;
        let id = Uuid::parse_str(item.trim()).map_err(|_| AppError::NotFound)?;
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        let released = db::release_now(&mut tx, patient, id).await?;
        if released.is_none() {
            return Err(AppError::NotFound);
        }
        crate::audit::record(
            &mut *tx,
            &access.audit("records.release").on("record_item", id),
        )
        .await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!("/records/results?patient={patient}&released=1"));
        Ok(())
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 4).unwrap_or_default()
    }

    fn fields(name: &str, date: &str, status: &str) -> EntryFields {
        EntryFields {
            name: name.into(),
            date: date.into(),
            status: status.into(),
            ..EntryFields::default()
        }
    }

    #[test]
    fn an_entry_needs_a_name_a_date_not_in_the_future_and_a_status_of_its_kind() {
        let ok = check_entry(
            EntryKind::Condition,
            &fields("  Type 2 diabetes ", "2026-12-04", "active"),
            false,
            today(),
        )
        .map(|e| (e.fields.name, e.date));
        assert_eq!(ok, Ok(("Type 2 diabetes".to_string(), today())));
        let problems = check_entry(
            EntryKind::Condition,
            &fields(" ", "2026-12-05", "on-hold"),
            false,
            today(),
        )
        .err()
        .unwrap_or_default();
        assert_eq!(
            problems,
            BTreeMap::from([
                ("name".to_string(), "required".to_string()),
                ("date".to_string(), "in_future".to_string()),
                ("status".to_string(), "not_allowed".to_string()),
            ])
        );
        let problems = check_entry(
            EntryKind::Immunization,
            &fields("Influenza", "4/12/2026", "completed"),
            false,
            today(),
        )
        .err()
        .unwrap_or_default();
        assert_eq!(problems.get("date").map(String::as_str), Some("not_a_date"));
    }

    #[test]
    fn visits_goals_plans_and_teams_are_checked_by_their_own_rules() {
        let mut visit = fields("Office visit", "2026-11-20", "finished");
        visit.category = "home".into();
        let problems = check_entry(EntryKind::Visit, &visit, false, today())
            .err()
            .unwrap_or_default();
        assert_eq!(
            problems.get("category").map(String::as_str),
            Some("not_allowed")
        );
        visit.category = "in-person".into();
        assert!(check_entry(EntryKind::Visit, &visit, false, today()).is_ok());

        // A goal's due date may be ahead of today, not before the goal was set.
        let mut goal = fields("Walk daily", "2026-11-01", "active");
        goal.due = "2027-06-30".into();
        let due = check_entry(EntryKind::Goal, &goal, false, today()).map(|e| e.due);
        assert_eq!(due, Ok(NaiveDate::from_ymd_opt(2027, 6, 30)));
        goal.due = "2026-10-01".into();
        goal.achievement = "done".into();
        let problems = check_entry(EntryKind::Goal, &goal, false, today())
            .err()
            .unwrap_or_default();
        assert_eq!(
            problems,
            BTreeMap::from([
                ("achievement".to_string(), "not_allowed".to_string()),
                ("due".to_string(), "before_start".to_string()),
            ])
        );

        // A plan and a team carry no code; a due date needs its task, a role its member.
        let mut plan = fields("Diabetes plan", "2026-11-01", "active");
        plan.code = "X1".into();
        plan.due = "2027-01-01".into();
        let problems = check_entry(EntryKind::Plan, &plan, false, today())
            .err()
            .unwrap_or_default();
        assert_eq!(
            problems,
            BTreeMap::from([
                ("code".to_string(), "not_allowed".to_string()),
                ("task".to_string(), "required".to_string()),
            ])
        );
        let mut team = fields("Care team", "2026-11-01", "active");
        team.role = "Dietitian".into();
        let problems = check_entry(EntryKind::Team, &team, false, today())
            .err()
            .unwrap_or_default();
        assert_eq!(problems.get("member").map(String::as_str), Some("required"));
    }

    #[test]
    fn a_correction_needs_a_reason_and_codes_are_codes() {
        let mut f = fields("Asthma", "2020-01-01", "active");
        f.code = "J45.909".into();
        assert!(check_entry(EntryKind::Condition, &f, false, today()).is_ok());
        let problems = check_entry(EntryKind::Condition, &f, true, today())
            .err()
            .unwrap_or_default();
        assert_eq!(problems.get("reason").map(String::as_str), Some("required"));
        f.code = "J45 909; drop".into();
        let problems = check_entry(EntryKind::Condition, &f, false, today())
            .err()
            .unwrap_or_default();
        assert_eq!(problems.get("code").map(String::as_str), Some("not_a_code"));
    }

    #[test]
    fn a_result_reads_numbers_as_people_type_them_and_checks_its_range() {
        let mut f = fields("Hemoglobin A1c", "2026-11-30", "final");
        f.category = "laboratory".into();
        f.value = "7,2".into();
        f.low = "4".into();
        f.high = "5.6".into();
        let e = check_entry(EntryKind::Result, &f, false, today());
        assert_eq!(
            e.map(|e| (e.value, e.low, e.high)),
            Ok((Some(7.2), Some(4.0), Some(5.6)))
        );
        f.value = "seven".into();
        f.low = "6".into();
        f.category = "vital-signs".into();
        let problems = check_entry(EntryKind::Result, &f, false, today())
            .err()
            .unwrap_or_default();
        assert_eq!(
            problems,
            BTreeMap::from([
                ("value".to_string(), "not_a_number".to_string()),
                ("high".to_string(), "low_above_high".to_string()),
                ("category".to_string(), "not_allowed".to_string()),
            ])
        );
    }

    #[test]
    fn a_dose_is_a_number_and_a_unit_and_a_severity_needs_a_reaction() {
        let mut f = fields("Metformin 500 mg tablet", "2026-01-10", "active");
        f.dose = "500 mg".into();
        assert_eq!(
            check_entry(EntryKind::Medication, &f, false, today()).map(|e| e.dose),
            Ok(Some((500.0, "mg".to_string())))
        );
        f.dose = "twice a day".into();
        assert_eq!(
            check_entry(EntryKind::Medication, &f, false, today())
                .err()
                .unwrap_or_default()
                .get("dose")
                .map(String::as_str),
            Some("not_a_dose")
        );
        let mut a = fields("Penicillin", "2010-05-01", "active");
        a.severity = "severe".into();
        assert_eq!(
            check_entry(EntryKind::Allergy, &a, false, today())
                .err()
                .unwrap_or_default()
                .get("reaction")
                .map(String::as_str),
            Some("needs_reaction")
        );
        a.reaction = "Hives".into();
        assert!(check_entry(EntryKind::Allergy, &a, false, today()).is_ok());
    }

    #[test]
    fn long_text_is_refused_counting_characters_not_bytes() {
        let mut f = fields(&"é".repeat(NAME_MAX), "2026-01-10", "active");
        assert!(check_entry(EntryKind::Condition, &f, false, today()).is_ok());
        f.name.push('é');
        assert_eq!(
            check_entry(EntryKind::Condition, &f, false, today())
                .err()
                .unwrap_or_default()
                .get("name")
                .map(String::as_str),
            Some("too_long")
        );
    }

    mod resources {
        use super::super::server::{entered_in_error_resource, fields_of, parts_of, resource};
        use super::super::*;
        use crate::records::db::ItemRow;
        use crate::records::fhir;
        use serde_json::{json, Value};
        use std::collections::HashMap;
        use uuid::Uuid;

        fn row_of(resource: &Value) -> ItemRow {
            let mut problems = Vec::new();
            let f = fhir::extract(resource, 0, &HashMap::new(), &mut problems)
                .unwrap_or_else(|| panic!("refused: {problems:?}"));
            ItemRow {
                item_id: Uuid::nil(),
                resource_type: f.resource_type,
                category: f.category,
                code_system: f.code_system,
                code: f.code,
                display: f.display,
                effective_at: f.effective_at,
                status: f.status,
                value: f.value,
                unit: f.unit,
                ref_low: f.ref_low,
                ref_high: f.ref_high,
                interpretation: f.interpretation,
                report_id: None,
                confidential: f.confidential,
                source_id: None,
                source_name: None,
                resource: resource.clone(),
            }
        }

        fn entry(kind: EntryKind, f: &EntryFields) -> Entry {
            check_entry(
                kind,
                f,
                false,
                chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap_or_default(),
            )
            .unwrap_or_else(|p| panic!("{p:?}"))
        }

        #[test]
        fn every_kind_makes_a_resource_the_import_accepts_and_the_form_reads_back() {
            let now = chrono::Utc::now();
            let cases = [
                (
                    EntryKind::Condition,
                    EntryFields {
                        name: "Type 2 diabetes mellitus".into(),
                        code: "E11.9".into(),
                        date: "2024-03-02".into(),
                        status: "active".into(),
                        confidential: true,
                        ..Default::default()
                    },
                ),
                (
                    EntryKind::Allergy,
                    EntryFields {
                        name: "Penicillin".into(),
                        code: "764146007".into(),
                        date: "2019-07-01".into(),
                        status: "active".into(),
                        reaction: "Hives".into(),
                        severity: "moderate".into(),
                        ..Default::default()
                    },
                ),
                (
                    EntryKind::Medication,
                    EntryFields {
                        name: "Metformin 500 mg tablet".into(),
                        code: "861007".into(),
                        date: "2024-03-03".into(),
                        status: "active".into(),
                        dose: "500 mg".into(),
                        instructions: "Twice a day with meals".into(),
                        prescriber: "Dr. Ana Morales".into(),
                        ..Default::default()
                    },
                ),
                (
                    EntryKind::Immunization,
                    EntryFields {
                        name: "Influenza vaccine".into(),
                        code: "150".into(),
                        date: "2026-10-01".into(),
                        status: "completed".into(),
                        ..Default::default()
                    },
                ),
                (
                    EntryKind::Result,
                    EntryFields {
                        name: "Hemoglobin A1c".into(),
                        code: "4548-4".into(),
                        date: "2026-11-30".into(),
                        status: "final".into(),
                        value: "7.2".into(),
                        unit: "%".into(),
                        low: "4".into(),
                        high: "5.6".into(),
                        category: "laboratory".into(),
                        ..Default::default()
                    },
                ),
                (
                    EntryKind::Visit,
                    EntryFields {
                        name: "Office visit".into(),
                        code: "99213".into(),
                        date: "2026-11-20".into(),
                        status: "finished".into(),
                        category: "video".into(),
                        prescriber: "Dr. Ana Ruiz".into(),
                        detail: "Diabetes follow-up".into(),
                        ..Default::default()
                    },
                ),
                (
                    EntryKind::Goal,
                    EntryFields {
                        name: "Bring A1c under 7%".into(),
                        code: "".into(),
                        date: "2026-11-01".into(),
                        status: "active".into(),
                        detail: "A1c below 7%".into(),
                        due: "2027-06-30".into(),
                        achievement: "improving".into(),
                        ..Default::default()
                    },
                ),
                (
                    EntryKind::Plan,
                    EntryFields {
                        name: "Diabetes plan".into(),
                        date: "2026-11-01".into(),
                        status: "active".into(),
                        detail: "Lower blood sugar safely".into(),
                        ..Default::default()
                    },
                ),
                (
                    EntryKind::Team,
                    EntryFields {
                        name: "Diabetes care team".into(),
                        date: "2026-11-01".into(),
                        status: "active".into(),
                        ..Default::default()
                    },
                ),
            ];
            for (kind, f) in cases {
                let r = resource(
                    &entry(kind, &f),
                    Uuid::nil(),
                    Uuid::nil(),
                    "Sam Staff",
                    now,
                    None,
                );
                let row = row_of(&r);
                assert_eq!(row.resource_type, kind.resource_type());
                assert_eq!(fields_of(kind, &row), Some(f.clone()), "{kind:?}");
            }
        }

        #[test]
        fn a_plan_gains_tasks_and_a_team_members_one_save_at_a_time() {
            let now = chrono::Utc::now();
            let mut f = EntryFields {
                name: "Diabetes plan".into(),
                date: "2026-11-01".into(),
                status: "active".into(),
                task: "Walk <30> minutes".into(),
                due: "2027-01-31".into(),
                ..Default::default()
            };
            let first = resource(
                &entry(EntryKind::Plan, &f),
                Uuid::nil(),
                Uuid::nil(),
                "Sam",
                now,
                None,
            );
            let old = fields_of(EntryKind::Plan, &row_of(&first)).unwrap_or_default();
            f.task = "Book an eye exam".into();
            f.due = String::new();
            let second = resource(
                &entry(EntryKind::Plan, &f),
                Uuid::nil(),
                Uuid::nil(),
                "Sam",
                now,
                Some((&first, &old)),
            );
            let tasks = fhir::plan_tasks(&second);
            let described: Vec<_> = tasks
                .iter()
                .map(|t| (t.index, t.description.as_str()))
                .collect();
            assert_eq!(
                described,
                [(0, "Walk <30> minutes"), (1, "Book an eye exam")]
            );
            assert_eq!(
                tasks
                    .first()
                    .and_then(|t| t.due)
                    .map(|d| d.to_string())
                    .as_deref(),
                Some("2027-01-31")
            );
            // The narrative follows the tasks, escaped.
            let div = second
                .pointer("/text/div")
                .and_then(Value::as_str)
                .unwrap_or_default();
            assert!(div.contains("Walk &lt;30&gt; minutes") && div.contains("Book an eye exam"));
            assert_eq!(second["intent"], "plan");

            let t = EntryFields {
                name: "Care team".into(),
                date: "2026-11-01".into(),
                status: "active".into(),
                member: "Dr. Ana Ruiz".into(),
                role: "Primary care physician".into(),
                ..Default::default()
            };
            let team = resource(
                &entry(EntryKind::Team, &t),
                Uuid::nil(),
                Uuid::nil(),
                "Sam",
                now,
                None,
            );
            assert_eq!(team["participant"][0]["member"]["display"], "Dr. Ana Ruiz");
            assert_eq!(
                team["participant"][0]["role"][0]["text"],
                "Primary care physician"
            );
            assert_eq!(
                parts_of(EntryKind::Team, &team),
                [(0, "Dr. Ana Ruiz · Primary care physician".to_string())]
            );
        }

        #[test]
        fn a_correction_keeps_what_the_form_does_not_show_and_the_flag_follows_the_value() {
            let received = json!({
                "resourceType": "Observation", "id": "x", "status": "final",
                "category": [{ "coding": [{ "code": "laboratory" }] }],
                "code": { "coding": [
                    { "system": "http://loinc.org", "code": "4548-4", "display": "Hemoglobin A1c" },
                    { "system": "urn:oid:lab", "code": "A1C" }
                ], "text": "Hemoglobin A1c" },
                "subject": { "reference": "urn:uuid:p" },
                "effectiveDateTime": "2026-11-30",
                "valueQuantity": { "value": 9.1, "unit": "%" },
                "interpretation": [{ "coding": [{ "code": "H" }] }],
                "referenceRange": [{ "low": { "value": 4 }, "high": { "value": 5.6 } }],
                "note": [{ "text": "Fasting" }],
            });
            let row = row_of(&received);
            let old = fields_of(EntryKind::Result, &row).unwrap_or_default();
            assert_eq!(old.value, "9.1");
            let mut f = old.clone();
            f.value = "5.1".into();
            f.reason = "Transcription error".into();
            let corrected = resource(
                &entry(EntryKind::Result, &f),
                Uuid::nil(),
                Uuid::nil(),
                "Sam Staff",
                chrono::Utc::now(),
                Some((&received, &old)),
            );
            assert_eq!(corrected.pointer("/code"), received.pointer("/code"));
            assert_eq!(corrected.pointer("/note"), received.pointer("/note"));
            assert_eq!(corrected.pointer("/valueQuantity/value"), Some(&json!(5.1)));
            assert_eq!(
                corrected.pointer("/interpretation/0/coding/0/code"),
                Some(&json!("N"))
            );
            let row = row_of(&corrected);
            assert_eq!(row.interpretation.as_deref(), Some("N"));
            // A blood pressure panel has two values: not a form this page can show.
            let panel = json!({
                "resourceType": "Observation", "status": "final",
                "category": [{ "coding": [{ "code": "laboratory" }] }],
                "code": { "text": "Blood pressure" }, "subject": { "reference": "urn:uuid:p" },
                "component": [],
            });
            assert_eq!(fields_of(EntryKind::Result, &row_of(&panel)), None);
        }

        #[test]
        fn entered_in_error_is_said_the_way_each_type_says_it() {
            let condition = json!({
                "resourceType": "Condition",
                "clinicalStatus": { "coding": [{ "code": "active" }] },
                "code": { "text": "Asthma" }, "subject": { "reference": "urn:uuid:p" },
            });
            let marked = entered_in_error_resource(EntryKind::Condition, &condition);
            assert_eq!(marked.get("clinicalStatus"), None);
            assert_eq!(row_of(&marked).status, fhir::ENTERED_IN_ERROR);
            let med = json!({
                "resourceType": "MedicationRequest", "status": "active", "intent": "order",
                "medicationCodeableConcept": { "text": "Lisinopril" },
                "subject": { "reference": "urn:uuid:p" },
            });
            let marked = entered_in_error_resource(EntryKind::Medication, &med);
            assert_eq!(row_of(&marked).status, fhir::ENTERED_IN_ERROR);
        }
    }
}
