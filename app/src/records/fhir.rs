//! FHIR R4 in and out. Reading: a bundle is checked whole before anything is stored — each
//! entry's problems are named by entry number and field path — and each kept resource gets our
//! own id, with its references rewritten to `urn:uuid:` ids so that an export resolves inside
//! its own bundle. Writing: the stored resources, the patient and where each came from
//! (Provenance), with the US Core profile claimed only where the resource has what it requires.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// The resources kept as records.
pub const KEPT: [&str; 11] = [
    "Condition",
    "AllergyIntolerance",
    "MedicationRequest",
    "Immunization",
    "Observation",
    "DiagnosticReport",
    "Encounter",
    "DocumentReference",
    "CarePlan",
    "Goal",
    "CareTeam",
];

/// Resources read for what they say about the kept ones (who, from where, which drug) but not
/// stored themselves.
const CONTEXT: [&str; 9] = [
    "Patient",
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Location",
    "Medication",
    "Provenance",
    "Composition",
    "Device",
];

pub use super::domain::MAX_BUNDLE_BYTES;
/// The most entries one bundle may carry.
pub const MAX_ENTRIES: usize = 20_000;

pub const LOINC: &str = "http://loinc.org";
pub const SNOMED: &str = "http://snomed.info/sct";
pub const RXNORM: &str = "http://www.nlm.nih.gov/research/umls/rxnorm";
/// National Drug Codes: what a pharmacy bills a drug under, and what the price catalogue lists.
pub const NDC: &str = "http://hl7.org/fhir/sid/ndc";
pub const CVX: &str = "http://hl7.org/fhir/sid/cvx";
pub const ICD10: &str = "http://hl7.org/fhir/sid/icd-10-cm";
pub const UCUM: &str = "http://unitsofmeasure.org";
const CONFIDENTIALITY: &str = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";

/// What was wrong with one part of a bundle. `entry` counts from 1 (0: the bundle itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub entry: usize,
    pub resource_type: String,
    pub field: String,
    pub kind: ProblemKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProblemKind {
    /// The file is not JSON at all.
    NotJson,
    /// JSON, but not a FHIR Bundle of a kind we read.
    NotABundle,
    TooLarge,
    TooManyEntries,
    /// A resource type this portal does not keep or read.
    UnsupportedType,
    /// A required element is missing or empty.
    Missing,
    /// An element has the wrong JSON type (a string where a number belongs…).
    WrongType,
    /// A date or dateTime that is not one.
    BadDate,
    /// A code outside the element's value set.
    BadCode,
    /// A reference to something that is not in the bundle.
    UnknownReference,
    /// The bundle's Patient is not this patient (name and birth date differ).
    OtherPatient,
    /// More than one Patient: the bundle mixes people.
    SeveralPatients,
    /// Entries refer to a patient the bundle does not carry (only a searchset may leave its
    /// Patient out), so whose record it is cannot be checked.
    NoPatient,
}

impl ProblemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotJson => "not_json",
            Self::NotABundle => "not_a_bundle",
            Self::TooLarge => "too_large",
            Self::TooManyEntries => "too_many_entries",
            Self::UnsupportedType => "unsupported_type",
            Self::Missing => "missing",
            Self::WrongType => "wrong_type",
            Self::BadDate => "bad_date",
            Self::BadCode => "bad_code",
            Self::UnknownReference => "unknown_reference",
            Self::OtherPatient => "other_patient",
            Self::SeveralPatients => "several_patients",
            Self::NoPatient => "no_patient",
        }
    }
}

/// Who the record belongs to, to check a bundle's Patient against.
#[derive(Clone, Debug)]
pub struct PatientIdentity {
    pub patient_id: Uuid,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: NaiveDate,
    pub sex: String,
}

/// The fields copied out of a resource for the portal's pages.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extracted {
    pub resource_type: String,
    pub category: String,
    pub code_system: Option<String>,
    pub code: Option<String>,
    pub display: String,
    pub effective_at: Option<DateTime<Utc>>,
    pub status: String,
    pub value: Option<f64>,
    pub unit: Option<String>,
    pub ref_low: Option<f64>,
    pub ref_high: Option<f64>,
    pub interpretation: Option<String>,
    pub confidential: bool,
}

/// One resource ready to store: our id, the resource with our ids in it, what the pages need,
/// its report (for an Observation named in a DiagnosticReport) and the hash of what was received.
#[derive(Clone, Debug)]
pub struct Item {
    pub item_id: Uuid,
    pub resource: Value,
    pub fields: Extracted,
    pub report_id: Option<Uuid>,
    pub content_sha256: [u8; 32],
}

/// A bundle read and checked: the items it would add, its problems, and who it says it is from.
#[derive(Clone, Debug, Default)]
pub struct Reading {
    pub items: Vec<Item>,
    pub problems: Vec<Problem>,
    pub source_name: Option<String>,
    /// Entries with problems (counted once each), for "keep the N valid entries".
    pub entries_with_problems: usize,
}

fn problem(entry: usize, resource_type: &str, field: &str, kind: ProblemKind) -> Problem {
    Problem {
        entry,
        resource_type: resource_type.to_string(),
        field: field.to_string(),
        kind,
    }
}

/// SHA-256 of a JSON value in canonical form (object keys sorted, no spaces).
pub fn canonical_sha256(value: &Value) -> [u8; 32] {
    // serde_json's map is ordered by key (the `preserve_order` feature is off), so the same
    // resource always serialises to the same bytes.
    Sha256::digest(value.to_string().as_bytes()).into()
}

/// A FHIR date or dateTime as an instant. A date alone (or a year, or year-month: its first
/// day) is taken at noon UTC, so it shows as the same calendar date in every zone from UTC−11
/// to UTC+11 where the pages are read.
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let date = match s.len() {
        4 => NaiveDate::from_ymd_opt(s.parse().ok()?, 1, 1),
        7 => {
            let (y, m) = s.split_once('-')?;
            NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)
        }
        10 => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
        _ => None,
    }?;
    Utc.from_local_datetime(&date.and_hms_opt(12, 0, 0)?)
        .single()
}

pub fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut at = v;
    for key in path {
        at = match at {
            Value::Array(items) => items.first()?.get(key)?,
            _ => at.get(key)?,
        };
    }
    match at {
        Value::Array(items) => items.first()?.as_str(),
        _ => at.as_str(),
    }
    .filter(|s| !s.trim().is_empty())
}

/// The first coding of a CodeableConcept and its words (text, else the coding's display).
fn concept(v: Option<&Value>) -> Option<(Option<String>, Option<String>, String)> {
    // A repeating element (category, type): its first concept.
    let v = match v? {
        Value::Array(items) => items.first()?,
        v => v,
    };
    let coding = v.get("coding").and_then(Value::as_array).and_then(|c| {
        c.iter()
            .find(|c| c.get("code").and_then(Value::as_str).is_some())
            .or(c.first())
    });
    let system = coding
        .and_then(|c| c.get("system"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let code = coding
        .and_then(|c| c.get("code"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let words = v
        .get("text")
        .and_then(Value::as_str)
        .or_else(|| {
            coding
                .and_then(|c| c.get("display"))
                .and_then(Value::as_str)
        })
        .or(code.as_deref())
        .map(str::trim)
        .filter(|s| !s.is_empty())?
        .chars()
        .take(500)
        .collect();
    Some((system, code, words))
}

fn first_code(v: Option<&Value>) -> Option<String> {
    concept(v).and_then(|(_, code, _)| code)
}

/// Checks one resource and copies out what the pages need. `medications` resolves a
/// MedicationRequest's medicationReference to the Medication's code.
pub fn extract(
    resource: &Value,
    entry: usize,
    medications: &HashMap<String, Value>,
    problems: &mut Vec<Problem>,
) -> Option<Extracted> {
    let rt = resource
        .get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let before = problems.len();
    let need = |problems: &mut Vec<Problem>, field: &str, ok: bool| {
        if !ok {
            problems.push(problem(entry, &rt, field, ProblemKind::Missing));
        }
    };
    let code_field = match rt.as_str() {
        "Immunization" => "vaccineCode",
        "MedicationRequest" => "medicationCodeableConcept",
        "Encounter" | "DocumentReference" => "type",
        "Goal" => "description",
        "CarePlan" => "title",
        "CareTeam" => "name",
        _ => "code",
    };
    // A plan or a team is named by its title, else its category; neither is required.
    let named = |field: &str, otherwise: &str| {
        str_at(resource, &[field])
            .map(|t| (None, None, t.chars().take(500).collect::<String>()))
            .or_else(|| concept(resource.get("category")))
            .or_else(|| Some((None, None, otherwise.to_string())))
    };
    let mut code = match rt.as_str() {
        "MedicationRequest" => concept(resource.get("medicationCodeableConcept")).or_else(|| {
            let reference = str_at(resource, &["medicationReference", "reference"])?;
            concept(medications.get(reference)?.get("code"))
        }),
        "Encounter" => concept(resource.get("type").and_then(|t| t.get(0)))
            .or_else(|| concept(resource.get("serviceType")))
            .or_else(|| {
                let class = resource.get("class")?;
                let code = class.get("code")?.as_str()?.to_string();
                let words = class
                    .get("display")
                    .and_then(Value::as_str)
                    .unwrap_or(&code)
                    .to_string();
                Some((
                    class
                        .get("system")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    Some(code),
                    words,
                ))
            }),
        "CarePlan" => named("title", "Care plan"),
        "DocumentReference" => {
            concept(resource.get("type")).or_else(|| named("description", "Document"))
        }
        "CareTeam" => named("name", "Care team"),
        _ => concept(resource.get(code_field)),
    };
    need(problems, code_field, code.is_some());
    let subject_field = match rt.as_str() {
        "AllergyIntolerance" | "Immunization" => "patient",
        _ => "subject",
    };
    need(
        problems,
        &format!("{subject_field}.reference"),
        str_at(resource, &[subject_field, "reference"]).is_some(),
    );
    let status = match rt.as_str() {
        "Condition" | "AllergyIntolerance" => first_code(resource.get("clinicalStatus"))
            .or_else(|| first_code(resource.get("verificationStatus")))
            .unwrap_or_else(|| "active".into()),
        "Goal" => {
            let s = resource.get("lifecycleStatus").and_then(Value::as_str);
            need(problems, "lifecycleStatus", s.is_some());
            s.unwrap_or_default().to_string()
        }
        "CareTeam" => str_at(resource, &["status"])
            .unwrap_or("active")
            .to_string(),
        _ => {
            let s = resource.get("status").and_then(Value::as_str);
            need(problems, "status", s.is_some());
            s.unwrap_or_default().to_string()
        }
    };
    if rt == "DocumentReference" {
        need(
            problems,
            "content.attachment",
            resource
                .pointer("/content/0/attachment")
                .is_some_and(Value::is_object),
        );
    }
    if rt == "MedicationRequest" || rt == "CarePlan" {
        need(
            problems,
            "intent",
            resource.get("intent").and_then(Value::as_str).is_some(),
        );
    }
    if rt == "Encounter" {
        need(problems, "class", resource.get("class").is_some());
    }
    let date_fields: &[&str] = match rt.as_str() {
        "Condition" => &["onsetDateTime", "onsetPeriod.start", "recordedDate"],
        "AllergyIntolerance" => &["onsetDateTime", "recordedDate"],
        "MedicationRequest" => &["authoredOn"],
        "Immunization" => &["occurrenceDateTime"],
        "Observation" => &[
            "effectiveDateTime",
            "effectivePeriod.start",
            "effectiveInstant",
            "issued",
        ],
        "DiagnosticReport" => &["effectiveDateTime", "effectivePeriod.start", "issued"],
        "Encounter" => &["period.start"],
        "DocumentReference" => &["date", "context.period.start"],
        "CarePlan" => &["period.start", "created"],
        "Goal" => &["startDate"],
        "CareTeam" => &["period.start"],
        _ => &[],
    };
    let mut effective_at = None;
    for field in date_fields {
        let path: Vec<&str> = field.split('.').collect();
        if let Some(s) = str_at(resource, &path) {
            match parse_datetime(s) {
                Some(t) => {
                    effective_at = effective_at.or(Some(t));
                }
                None => problems.push(problem(entry, &rt, field, ProblemKind::BadDate)),
            }
        }
    }
    if rt == "Immunization" {
        need(
            problems,
            "occurrenceDateTime",
            resource.get("occurrenceDateTime").is_some()
                || resource.get("occurrenceString").is_some(),
        );
    }
    // A reading the patient took themself names them as its performer: kept apart from the
    // clinic's vital signs and results, and marked as theirs wherever it is charted.
    let by_patient = rt == "Observation"
        && resource
            .get("performer")
            .and_then(Value::as_array)
            .is_some_and(|p| {
                let subject = resource.pointer("/subject/reference");
                subject.is_some() && p.iter().any(|x| x.get("reference") == subject)
            });
    let category = match rt.as_str() {
        _ if by_patient => PATIENT_REPORTED.to_string(),
        "Observation" | "DiagnosticReport" | "Condition" | "DocumentReference" | "CarePlan" => {
            first_code(resource.get("category")).unwrap_or_default()
        }
        "AllergyIntolerance" => str_at(resource, &["category"])
            .unwrap_or_default()
            .to_string(),
        "Encounter" => str_at(resource, &["class", "code"])
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    };
    let mut fields = Extracted {
        resource_type: rt.clone(),
        category: category.chars().take(100).collect(),
        status: status.chars().take(50).collect(),
        effective_at,
        ..Extracted::default()
    };
    if rt == "Observation" {
        observation_values(resource, entry, &mut fields, problems);
    }
    fields.confidential = resource
        .pointer("/meta/security")
        .and_then(Value::as_array)
        .is_some_and(|labels| {
            labels.iter().any(|l| {
                l.get("system").and_then(Value::as_str) == Some(CONFIDENTIALITY)
                    && matches!(l.get("code").and_then(Value::as_str), Some("R" | "V"))
            })
        });
    if let Some((system, c, words)) = code.take() {
        fields.code_system = system.map(|s| s.chars().take(300).collect());
        fields.code = c.map(|s| s.chars().take(100).collect());
        fields.display = words;
    }
    fields.confidential |= sensitive(fields.code_system.as_deref(), fields.code.as_deref());
    (problems.len() == before).then_some(fields)
}

/// ICD-10-CM code prefixes of the confidential categories: mental and behavioural health (F),
/// pregnancy and childbirth (O), contraception, pregnancy and reproduction (Z30–Z39), sexually
/// transmitted infections (A50–A64) and HIV (B20, Z21).
const SENSITIVE_ICD10: [&str; 17] = [
    "F", "O", "Z30", "Z31", "Z32", "Z33", "Z34", "Z35", "Z36", "Z37", "Z39", "A5", "A60", "A63",
    "A64", "B20", "Z21",
];

/// LOINC tests of the same categories: HIV, chlamydia, gonorrhoea and syphilis tests, and
/// pregnancy (hCG) tests.
const SENSITIVE_LOINC: [&str; 14] = [
    "75622-1", "7917-8", "5221-7", "56888-1", "68961-2", "21613-5", "43304-5", "24111-7",
    "43305-2", "20507-0", "22587-0", "2106-3", "2118-8", "19080-1",
];

/// Whether a code puts an item in a confidential category: hidden from the parent or proxy of
/// a 12–17-year-old (unless the teen shares it) whatever its label says, as US states let
/// minors consent to this care on their own.
pub fn sensitive(system: Option<&str>, code: Option<&str>) -> bool {
    let Some(code) = code.map(str::trim) else {
        return false;
    };
    match system {
        Some(ICD10) => {
            let code = code.to_ascii_uppercase();
            SENSITIVE_ICD10.iter().any(|p| code.starts_with(p))
        }
        Some(LOINC) => SENSITIVE_LOINC.contains(&code),
        _ => false,
    }
}

fn number(
    v: Option<&Value>,
    entry: usize,
    rt: &str,
    field: &str,
    problems: &mut Vec<Problem>,
) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        _ => {
            problems.push(problem(entry, rt, field, ProblemKind::WrongType));
            None
        }
    }
}

fn observation_values(
    resource: &Value,
    entry: usize,
    fields: &mut Extracted,
    problems: &mut Vec<Problem>,
) {
    let rt = "Observation";
    if let Some(q) = resource.get("valueQuantity") {
        fields.value = number(q.get("value"), entry, rt, "valueQuantity.value", problems);
        fields.unit = q
            .get("unit")
            .or_else(|| q.get("code"))
            .and_then(Value::as_str)
            .map(|s| s.chars().take(50).collect());
    } else if let Some(components) = resource.get("component").and_then(Value::as_array) {
        // A panel such as blood pressure: the first component's number is the one charted;
        // the display shows each (see `domain::format_value`).
        if let Some((i, q)) = components
            .iter()
            .enumerate()
            .find_map(|(i, c)| c.get("valueQuantity").map(|q| (i, q)))
        {
            fields.value = number(
                q.get("value"),
                entry,
                rt,
                &format!("component[{i}].valueQuantity.value"),
                problems,
            );
            fields.unit = q
                .get("unit")
                .or_else(|| q.get("code"))
                .and_then(Value::as_str)
                .map(|s| s.chars().take(50).collect());
        }
    }
    if let Some(range) = resource.get("referenceRange").and_then(|r| r.get(0)) {
        fields.ref_low = number(
            range.pointer("/low/value"),
            entry,
            rt,
            "referenceRange[0].low.value",
            problems,
        );
        fields.ref_high = number(
            range.pointer("/high/value"),
            entry,
            rt,
            "referenceRange[0].high.value",
            problems,
        );
    }
    fields.interpretation = first_code(resource.get("interpretation").and_then(|i| i.get(0)))
        .map(|s| s.chars().take(10).collect());
}

/// Every reference string inside `v`, with its JSON pointer.
fn references(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let path = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                if k == "reference" {
                    if let Some(s) = child.as_str() {
                        out.push((path.clone(), s.to_string()));
                    }
                }
                references(child, &path, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                references(child, &format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Replaces each `reference` found in `ids` with its new value, anywhere in `v`.
pub fn rewrite(v: &mut Value, ids: &HashMap<String, String>) {
    rewrite_references(v, ids)
}

fn rewrite_references(v: &mut Value, ids: &HashMap<String, String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if k == "reference" {
                    if let Some(to) = child.as_str().and_then(|s| ids.get(s)) {
                        *child = Value::String(to.clone());
                    }
                } else {
                    rewrite_references(child, ids);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|c| rewrite_references(c, ids)),
        _ => {}
    }
}

/// The names an entry can be referred to by: its fullUrl, `Type/id`, and a fullUrl's last two
/// segments.
fn names_of(entry: &Value, resource: &Value) -> Vec<String> {
    let mut names = Vec::new();
    let rt = resource
        .get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let Some(url) = entry.get("fullUrl").and_then(Value::as_str) {
        names.push(url.to_string());
        let mut parts = url.rsplitn(3, '/');
        if let (Some(id), Some(t)) = (parts.next(), parts.next()) {
            names.push(format!("{t}/{id}"));
        }
    }
    if let Some(id) = resource.get("id").and_then(Value::as_str) {
        names.push(format!("{rt}/{id}"));
    }
    names
}

fn same_person(patient: &Value, who: &PatientIdentity) -> bool {
    let birth = patient.get("birthDate").and_then(Value::as_str);
    if birth != Some(who.birth_date.format("%Y-%m-%d").to_string().as_str()) {
        return false;
    }
    // "García" and "Garcia" are the same family: systems differ in whether they keep accents.
    let family = |s: &str| -> String {
        s.trim()
            .to_lowercase()
            .chars()
            .map(|c| match c {
                'á' | 'à' | 'ä' | 'â' | 'ã' => 'a',
                'é' | 'è' | 'ë' | 'ê' => 'e',
                'í' | 'ì' | 'ï' | 'î' => 'i',
                'ó' | 'ò' | 'ö' | 'ô' | 'õ' => 'o',
                'ú' | 'ù' | 'ü' | 'û' => 'u',
                'ñ' => 'n',
                'ç' => 'c',
                c => c,
            })
            .collect()
    };
    patient
        .get("name")
        .and_then(Value::as_array)
        .is_some_and(|names| {
            names.iter().any(|n| {
                n.get("family")
                    .and_then(Value::as_str)
                    .is_some_and(|f| family(f) == family(&who.family_name))
            })
        })
}

/// Reads and checks a whole bundle for `who`. Nothing here touches the database; the caller
/// stores `items` only when `problems` is empty, or when the patient chose to keep the valid ones.
pub fn read_bundle(bytes: &[u8], who: &PatientIdentity) -> Reading {
    let mut reading = Reading::default();
    if bytes.len() > MAX_BUNDLE_BYTES {
        reading
            .problems
            .push(problem(0, "Bundle", "", ProblemKind::TooLarge));
        return reading;
    }
    let bundle: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(_) => {
            reading
                .problems
                .push(problem(0, "", "", ProblemKind::NotJson));
            return reading;
        }
    };
    let kind = bundle.get("type").and_then(Value::as_str);
    if bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle")
        || !matches!(
            kind,
            Some("collection" | "transaction" | "searchset" | "document" | "batch")
        )
    {
        reading
            .problems
            .push(problem(0, "Bundle", "type", ProblemKind::NotABundle));
        return reading;
    }
    let empty = Vec::new();
    let entries = bundle
        .get("entry")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    if entries.len() > MAX_ENTRIES {
        reading
            .problems
            .push(problem(0, "Bundle", "entry", ProblemKind::TooManyEntries));
        return reading;
    }
    // First pass: who can be referred to, the patient, the medications, and the source's name.
    let mut known: HashMap<String, usize> = HashMap::new();
    let mut patients = Vec::new();
    let mut medications = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        let Some(resource) = entry.get("resource") else {
            continue;
        };
        for name in names_of(entry, resource) {
            known.insert(name.clone(), i);
            if resource.get("resourceType").and_then(Value::as_str) == Some("Medication") {
                medications.insert(name, resource.clone());
            }
        }
        match resource.get("resourceType").and_then(Value::as_str) {
            Some("Patient") => patients.push(i),
            Some("Organization") if reading.source_name.is_none() => {
                reading.source_name = resource
                    .get("name")
                    .and_then(Value::as_str)
                    .map(|s| s.trim().chars().take(200).collect::<String>())
                    .filter(|s| !s.is_empty());
            }
            _ => {}
        }
    }
    if patients.len() > 1 {
        if let Some(second) = patients.get(1) {
            reading.problems.push(problem(
                second + 1,
                "Patient",
                "",
                ProblemKind::SeveralPatients,
            ));
        }
    }
    for &i in &patients {
        if let Some(p) = entries.get(i).and_then(|e| e.get("resource")) {
            if !same_person(p, who) {
                reading.problems.push(problem(
                    i + 1,
                    "Patient",
                    "name, birthDate",
                    ProblemKind::OtherPatient,
                ));
            }
        }
    }
    // Our id for every kept entry, so references between them can be rewritten.
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut item_ids: HashMap<usize, Uuid> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        let Some(resource) = entry.get("resource") else {
            continue;
        };
        let rt = resource
            .get("resourceType")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let target = if rt == "Patient" {
            Some(who.patient_id)
        } else if KEPT.contains(&rt) {
            let id = Uuid::new_v4();
            item_ids.insert(i, id);
            Some(id)
        } else {
            None
        };
        if let Some(id) = target {
            for name in names_of(entry, resource) {
                ids.insert(name, format!("urn:uuid:{id}"));
            }
        }
    }
    let mut bad_entries = std::collections::BTreeSet::new();
    let mut report_of: HashMap<String, Uuid> = HashMap::new();
    // Without a Patient, only a searchset is read (search results often leave it out), and
    // only when every entry refers to the same one.
    let searchset = kind == Some("searchset");
    let mut searched_patient: Option<String> = None;
    let mut without_patient = false;
    for (i, entry) in entries.iter().enumerate() {
        let n = i + 1;
        let Some(resource) = entry.get("resource").filter(|r| r.is_object()) else {
            reading
                .problems
                .push(problem(n, "", "resource", ProblemKind::Missing));
            bad_entries.insert(n);
            continue;
        };
        let rt = resource
            .get("resourceType")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if CONTEXT.contains(&rt) {
            continue;
        }
        if !KEPT.contains(&rt) {
            reading
                .problems
                .push(problem(n, rt, "resourceType", ProblemKind::UnsupportedType));
            bad_entries.insert(n);
            continue;
        }
        let before = reading.problems.len();
        let mut refs = Vec::new();
        references(resource, "", &mut refs);
        for (path, reference) in &refs {
            // A contained resource (#id) resolves inside the resource itself.
            if reference.starts_with('#') {
                continue;
            }
            let subject = path == "subject.reference" || path == "patient.reference";
            let points_to_patient = reference.starts_with("Patient/") || subject;
            match known.get(reference) {
                Some(_) => {}
                None if points_to_patient && patients.is_empty() && !searchset => {
                    without_patient = true;
                }
                None if points_to_patient && patients.is_empty() => match &searched_patient {
                    None => searched_patient = Some(reference.clone()),
                    Some(first) if first != reference => {
                        reading
                            .problems
                            .push(problem(n, rt, path, ProblemKind::SeveralPatients))
                    }
                    Some(_) => {}
                },
                None => reading
                    .problems
                    .push(problem(n, rt, path, ProblemKind::UnknownReference)),
            }
        }
        let fields = extract(resource, n, &medications, &mut reading.problems);
        if reading.problems.len() != before {
            bad_entries.insert(n);
            continue;
        }
        let (Some(fields), Some(&item_id)) = (fields, item_ids.get(&i)) else {
            continue;
        };
        let content_sha256 = canonical_sha256(resource);
        let mut kept = resource.clone();
        rewrite_references(&mut kept, &ids);
        if let Some(map) = kept.as_object_mut() {
            map.insert("id".into(), Value::String(item_id.to_string()));
            let security = map.get("meta").and_then(|m| m.get("security")).cloned();
            map.remove("meta");
            if let Some(security) = security {
                map.insert("meta".into(), json!({ "security": security }));
            }
            // Subject references to a Patient the searchset left out point at this patient.
            for field in ["subject", "patient"] {
                if map.get(field).and_then(|s| s.get("reference")).is_some() {
                    map.insert(
                        field.into(),
                        json!({ "reference": format!("urn:uuid:{}", who.patient_id) }),
                    );
                }
            }
        }
        if rt == "DiagnosticReport" {
            for result in kept
                .get("result")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(r) = result.get("reference").and_then(Value::as_str) {
                    report_of.insert(r.to_string(), item_id);
                }
            }
        }
        reading.items.push(Item {
            item_id,
            resource: kept,
            fields,
            report_id: None,
            content_sha256,
        });
    }
    for item in &mut reading.items {
        item.report_id = report_of
            .get(&format!("urn:uuid:{}", item.item_id))
            .copied();
    }
    // A report whose entry was refused cannot hold results that were kept.
    let kept_ids: std::collections::HashSet<Uuid> =
        reading.items.iter().map(|i| i.item_id).collect();
    for item in &mut reading.items {
        if item.report_id.is_some_and(|r| !kept_ids.contains(&r)) {
            item.report_id = None;
        }
    }
    if without_patient {
        reading
            .problems
            .push(problem(0, "Bundle", "entry", ProblemKind::NoPatient));
    }
    // About someone else, several people or nobody known: nothing in it may be kept.
    if reading.problems.iter().any(|p| {
        matches!(
            p.kind,
            ProblemKind::OtherPatient | ProblemKind::SeveralPatients | ProblemKind::NoPatient
        )
    }) {
        reading.items.clear();
    }
    reading.entries_with_problems = bad_entries.len()
        + reading
            .problems
            .iter()
            .filter(|p| p.entry > 0 && !bad_entries.contains(&p.entry))
            .map(|p| p.entry)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
    reading
}

/// The US Core profile a resource may claim, when it has what that profile requires.
pub fn us_core_profile(resource: &Value) -> Option<String> {
    let has = |k: &str| resource.get(k).is_some_and(|v| !v.is_null());
    let code = str_at(resource, &["code", "coding", "code"]);
    let category = str_at(resource, &["category", "coding", "code"]);
    let name = match resource.get("resourceType")?.as_str()? {
        "Condition" if has("category") && has("code") && has("subject") => {
            "us-core-condition-problems-health-concerns"
        }
        "AllergyIntolerance" if has("code") && has("patient") && has("clinicalStatus") => {
            "us-core-allergyintolerance"
        }
        "MedicationRequest"
            if has("status")
                && has("intent")
                && has("subject")
                && has("medicationCodeableConcept")
                && has("authoredOn") =>
        {
            "us-core-medicationrequest"
        }
        "Immunization"
            if has("status")
                && has("vaccineCode")
                && has("patient")
                && has("occurrenceDateTime")
                && has("primarySource") =>
        {
            "us-core-immunization"
        }
        "Observation" if category == Some("laboratory") && has("subject") => {
            "us-core-observation-lab"
        }
        "Observation"
            if category == Some("vital-signs") && has("subject") && has("effectiveDateTime") =>
        {
            match code {
                Some("85354-9") => "us-core-blood-pressure",
                Some("29463-7") => "us-core-body-weight",
                Some("8302-2") => "us-core-body-height",
                Some("8867-4") => "us-core-heart-rate",
                Some("39156-5") => "us-core-bmi",
                Some("8310-5") => "us-core-body-temperature",
                _ => return None,
            }
        }
        "DiagnosticReport" if category == Some("LAB") && has("subject") && has("code") => {
            "us-core-diagnosticreport-lab"
        }
        "Encounter" if has("class") && has("type") && has("subject") => "us-core-encounter",
        "Goal"
            if has("lifecycleStatus")
                && has("description")
                && has("subject")
                && (has("startDate") || str_at(resource, &["target", "dueDate"]).is_some()) =>
        {
            "us-core-goal"
        }
        "CarePlan"
            if has("text")
                && has("status")
                && has("intent")
                && has("subject")
                && category == Some("assess-plan") =>
        {
            "us-core-careplan"
        }
        "DocumentReference"
            if has("status")
                && has("type")
                && has("category")
                && has("subject")
                && has("date")
                && str_at(resource, &["content", "attachment", "contentType"]).is_some() =>
        {
            "us-core-documentreference"
        }
        _ => return None,
    };
    Some(profile_url(name))
}

/// A US Core profile's canonical address, from its name.
fn profile_url(name: &str) -> String {
    format!("http://hl7.org/fhir/us/core/StructureDefinition/{name}")
}

/// LOINC "Summary of episode note": the type of an after-visit summary.
pub const AFTER_VISIT_SUMMARY: &str = "34133-9";

/// An after-visit summary for the visit `encounter`, written by `author` at `at`: a US Core
/// clinical note whose text is the attachment (plain UTF-8, base64 as FHIR requires).
pub fn visit_summary(
    id: Uuid,
    patient: Uuid,
    encounter: Uuid,
    text: &str,
    at: DateTime<Utc>,
    author: &str,
) -> Value {
    use base64::Engine;
    json!({
        "resourceType": "DocumentReference",
        "id": id.to_string(),
        "status": "current",
        "type": {
            "coding": [{ "system": "http://loinc.org", "code": AFTER_VISIT_SUMMARY, "display": "Summary of episode note" }],
            "text": "After-visit summary",
        },
        "category": [{ "coding": [{
            "system": "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category",
            "code": "clinical-note", "display": "Clinical Note" }] }],
        "subject": { "reference": format!("urn:uuid:{patient}") },
        "date": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "author": [{ "display": author }],
        "content": [{ "attachment": {
            "contentType": "text/plain; charset=utf-8",
            "language": "en",
            "data": base64::engine::general_purpose::STANDARD.encode(text.as_bytes()),
            "title": "After-visit summary",
        } }],
        "context": { "encounter": [{ "reference": format!("urn:uuid:{encounter}") }] },
    })
}

/// The stored category of a reading the patient entered (see `extract`).
pub const PATIENT_REPORTED: &str = "patient-reported";
/// A record withdrawn because it should never have been made: kept with its history, shown
/// nowhere (every read query leaves it out).
pub const ENTERED_IN_ERROR: &str = "entered-in-error";

/// What a patient can enter: blood pressure (two numbers), weight, blood sugar.
pub enum HomeReading {
    BloodPressure { systolic: f64, diastolic: f64 },
    WeightKg(f64),
    GlucoseMgDl(f64),
}

/// A reading the patient took, as a US Core vital-signs (or laboratory, for a home glucose
/// meter) Observation whose performer is the patient: the same codes as the clinic's, so one
/// chart shows both.
pub fn patient_reading(id: Uuid, patient: Uuid, reading: &HomeReading, at: DateTime<Utc>) -> Value {
    let who = json!({ "reference": format!("urn:uuid:{patient}") });
    let category = |code: &str, display: &str| {
        json!([{ "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": code, "display": display }] }])
    };
    let loinc = |code: &str, display: &str| json!({ "coding": [{ "system": "http://loinc.org", "code": code, "display": display }], "text": display });
    let quantity = |value: f64, unit: &str, code: &str| json!({ "value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": code });
    let mut r = json!({
        "resourceType": "Observation",
        "id": id.to_string(),
        "status": "final",
        "subject": who,
        "performer": [who],
        "effectiveDateTime": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    let fields = match reading {
        HomeReading::BloodPressure {
            systolic,
            diastolic,
        } => json!({
            "category": category("vital-signs", "Vital Signs"),
            "code": loinc("85354-9", "Blood pressure panel"),
            "component": [
                { "code": loinc("8480-6", "Systolic blood pressure"), "valueQuantity": quantity(*systolic, "mmHg", "mm[Hg]") },
                { "code": loinc("8462-4", "Diastolic blood pressure"), "valueQuantity": quantity(*diastolic, "mmHg", "mm[Hg]") }
            ]
        }),
        HomeReading::WeightKg(kg) => json!({
            "category": category("vital-signs", "Vital Signs"),
            "code": loinc("29463-7", "Body weight"),
            "valueQuantity": quantity(*kg, "kg", "kg"),
        }),
        HomeReading::GlucoseMgDl(mg) => json!({
            "category": category("laboratory", "Laboratory"),
            "code": loinc("2339-0", "Glucose [Mass/volume] in Blood"),
            "valueQuantity": quantity(*mg, "mg/dL", "mg/dL"),
        }),
    };
    if let (Some(map), Some(extra)) = (r.as_object_mut(), fields.as_object()) {
        map.extend(extra.clone());
    }
    r
}

/// The type a document's attachment is served as, and the file extension for it. Types other
/// than PDF, PNG, JPEG and plain text are served as opaque bytes.
fn served_kind(attachment: &Value) -> (&'static str, &'static str) {
    let declared = attachment
        .get("contentType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match declared.split(';').next().unwrap_or_default().trim() {
        "application/pdf" => ("application/pdf", "pdf"),
        "image/png" => ("image/png", "png"),
        "image/jpeg" => ("image/jpeg", "jpg"),
        "text/plain" => ("text/plain; charset=utf-8", "txt"),
        _ => ("application/octet-stream", "bin"),
    }
}

/// A document's inline file without decoding it, for a list: (served type, size in bytes).
pub fn document_size(resource: &Value) -> Option<(&'static str, usize)> {
    let attachment = resource.pointer("/content/0/attachment")?;
    let data = attachment.get("data").and_then(Value::as_str)?.trim();
    // Four base64 characters carry three bytes, less one per padding character.
    let padding = data.bytes().rev().take_while(|b| *b == b'=').count();
    let size = (data.len() / 4 * 3).saturating_sub(padding);
    Some((served_kind(attachment).0, size))
}

/// A document's file as it may be served: (content type, suggested file name, bytes), when its
/// first attachment carries the bytes inline.
pub fn document_file(resource: &Value, fallback_title: &str) -> Option<(String, String, Vec<u8>)> {
    use base64::Engine;
    let attachment = resource.pointer("/content/0/attachment")?;
    let data = attachment.get("data").and_then(Value::as_str)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .ok()?;
    let (kind, extension) = served_kind(attachment);
    let title = attachment
        .get("title")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
        .unwrap_or(fallback_title);
    let stem: String = title
        .trim_end_matches(&format!(".{extension}"))
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | ':'))
        .take(100)
        .collect();
    Some((
        kind.to_string(),
        format!("{}.{extension}", stem.trim()),
        bytes,
    ))
}

/// A document's text when its first attachment carries it inline as plain text.
pub fn document_text(resource: &Value) -> Option<String> {
    let (kind, _, bytes) = document_file(resource, "")?;
    kind.starts_with("text/")
        .then(|| String::from_utf8(bytes).ok())
        .flatten()
}

/// One task of a care plan, as read from its activity.
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    pub index: usize,
    pub description: String,
    pub due: Option<NaiveDate>,
    pub done: bool,
    /// The latest progress note: when and by whom it was marked.
    pub changed: Option<(DateTime<Utc>, String)>,
}

/// A care plan's tasks: its activities that describe something to do (`detail`).
pub fn plan_tasks(plan: &Value) -> Vec<Task> {
    let Some(activities) = plan.get("activity").and_then(Value::as_array) else {
        return Vec::new();
    };
    activities
        .iter()
        .enumerate()
        .filter_map(|(index, activity)| {
            let detail = activity.get("detail")?;
            // A cancelled task is off the plan; it keeps its place so the others keep theirs.
            if detail.get("status").and_then(Value::as_str) == Some("cancelled") {
                return None;
            }
            let description = detail
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| concept(detail.get("code")).map(|(_, _, words)| words))?;
            let due = [
                "/scheduledPeriod/end",
                "/scheduledString",
                "/scheduledPeriod/start",
            ]
            .iter()
            .find_map(|p| detail.pointer(p).and_then(Value::as_str))
            .and_then(parse_datetime)
            .map(|t| t.date_naive());
            let changed = activity
                .get("progress")
                .and_then(Value::as_array)
                .and_then(|notes| notes.last())
                .and_then(|note| {
                    let at = parse_datetime(note.get("time")?.as_str()?)?;
                    let by = note
                        .get("authorString")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    Some((at, by))
                });
            Some(Task {
                index,
                description,
                due,
                done: detail.get("status").and_then(Value::as_str) == Some("completed"),
                changed,
            })
        })
        .collect()
}

/// Activity `index` of `plan` while it is a task on the plan: it has a `detail` and was not
/// cancelled.
fn live_task(plan: &mut Value, index: usize) -> Option<&mut Value> {
    let activity = plan.get_mut("activity")?.as_array_mut()?.get_mut(index)?;
    let on_plan = activity.get("detail").is_some_and(Value::is_object)
        && activity.pointer("/detail/status").and_then(Value::as_str) != Some("cancelled");
    on_plan.then_some(activity)
}

/// Rewrites the plan's narrative after its tasks changed.
fn renarrate(plan: &mut Value) {
    let text = plan_narrative(plan);
    if let Some(map) = plan.as_object_mut() {
        map.insert("text".into(), text);
    }
}

/// Marks task `index` of `plan` done or not done, with a progress note of who and when.
/// `false` when the plan has no such task (nothing changes then).
pub fn mark_task(plan: &mut Value, index: usize, done: bool, at: DateTime<Utc>, by: &str) -> bool {
    let Some(activity) = live_task(plan, index) else {
        return false;
    };
    let status = if done { "completed" } else { "not-started" };
    if let Some(detail) = activity.get_mut("detail").and_then(Value::as_object_mut) {
        detail.insert("status".into(), Value::String(status.into()));
    }
    let note = json!({
        "authorString": by,
        "time": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "text": if done { "Marked done in the patient portal" } else { "Marked not done in the patient portal" },
    });
    if let Some(map) = activity.as_object_mut() {
        match map.get_mut("progress").and_then(Value::as_array_mut) {
            Some(notes) => notes.push(note),
            None => {
                map.insert("progress".into(), json!([note]));
            }
        }
    }
    renarrate(plan);
    true
}

/// Takes task `index` off `plan` by cancelling it (it keeps its place, so the patient's marks
/// on the others still point at them). Its description, or `None` when the plan has no such
/// task (nothing changes then).
pub fn cancel_task(plan: &mut Value, index: usize) -> Option<String> {
    let description = plan_tasks(plan)
        .into_iter()
        .find(|t| t.index == index)?
        .description;
    let detail = live_task(plan, index)?.get_mut("detail")?.as_object_mut()?;
    detail.insert("status".into(), json!("cancelled"));
    renarrate(plan);
    Some(description)
}

/// A care plan's human-readable narrative (FHIR `text`), drawn from its title and tasks, so it
/// never disagrees with them after a change.
pub fn plan_narrative(plan: &Value) -> Value {
    fn escape(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }
    let title = plan
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or("Care plan");
    let items: String = plan_tasks(plan)
        .iter()
        .map(|t| {
            let state = if t.done { "done" } else { "to do" };
            let due = t.due.map(|d| format!(", due {d}")).unwrap_or_default();
            format!("<li>{} ({state}{due})</li>", escape(&t.description))
        })
        .collect();
    let list = if items.is_empty() {
        String::new()
    } else {
        format!("<ul>{items}</ul>")
    };
    json!({
        "status": "generated",
        "div": format!(
            "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>{}</p>{list}</div>",
            escape(title)
        ),
    })
}

/// The organisation's own fixed id in exports (there is one organisation per portal).
pub const ORGANISATION_ID: Uuid = Uuid::from_u128(0x6f70656e_7765_4c6c_8000_000000000001);

/// One stored item as the export reads it.
pub struct Exported<'a> {
    pub item_id: Uuid,
    pub resource: &'a Value,
    /// An outside record's source: (id, name, imported at).
    pub source: Option<(Uuid, &'a str, DateTime<Utc>)>,
}

fn with_profile(resource: &Value, profile: Option<&str>) -> Value {
    let mut out = resource.clone();
    if let (Some(map), Some(profile)) = (out.as_object_mut(), profile) {
        let meta = map.entry("meta").or_insert_with(|| json!({}));
        if let Some(meta) = meta.as_object_mut() {
            meta.insert("profile".into(), json!([profile]));
        }
    }
    out
}

fn entry(id: Uuid, resource: Value) -> Value {
    json!({ "fullUrl": format!("urn:uuid:{id}"), "resource": resource })
}

/// The Patient resource for `who` (US Core Patient: an identifier, a name, a gender).
pub fn patient_resource(who: &PatientIdentity) -> Value {
    json!({
        "resourceType": "Patient",
        "id": who.patient_id.to_string(),
        "meta": { "profile": [profile_url("us-core-patient")] },
        "identifier": [{ "system": "urn:ietf:rfc:3986", "value": format!("urn:uuid:{}", who.patient_id) }],
        "name": [{ "family": who.family_name, "given": [who.given_name] }],
        "gender": who.sex,
        "birthDate": who.birth_date.format("%Y-%m-%d").to_string(),
    })
}

fn provenance(id: Uuid, targets: &[Uuid], recorded: DateTime<Utc>, who: Value) -> Value {
    json!({
        "resourceType": "Provenance",
        "id": id.to_string(),
        "meta": { "profile": [profile_url("us-core-provenance")] },
        "target": targets.iter().map(|t| json!({ "reference": format!("urn:uuid:{t}") })).collect::<Vec<_>>(),
        "recorded": recorded.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "agent": [{
            "type": { "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                "code": "author",
                "display": "Author"
            }] },
            "who": who
        }]
    })
}

/// The patient's whole record as a FHIR R4 collection Bundle: the Patient, this organisation,
/// every item (with the US Core profile it meets) and a Provenance per origin — this
/// organisation for its own items, each outside record's source for what came from it.
pub fn export_bundle(
    who: &PatientIdentity,
    organisation: &str,
    items: &[Exported<'_>],
    now: DateTime<Utc>,
) -> Value {
    let mut entries = vec![
        entry(who.patient_id, patient_resource(who)),
        entry(
            ORGANISATION_ID,
            json!({
                "resourceType": "Organization",
                "id": ORGANISATION_ID.to_string(),
                "meta": { "profile": [profile_url("us-core-organization")] },
                "active": true,
                "name": organisation,
            }),
        ),
    ];
    let mut own = Vec::new();
    let mut outside: BTreeMap<Uuid, (&str, DateTime<Utc>, Vec<Uuid>)> = BTreeMap::new();
    for item in items {
        entries.push(entry(
            item.item_id,
            with_profile(item.resource, us_core_profile(item.resource).as_deref()),
        ));
        match item.source {
            None => own.push(item.item_id),
            Some((id, name, at)) => outside
                .entry(id)
                .or_insert((name, at, Vec::new()))
                .2
                .push(item.item_id),
        }
    }
    if !own.is_empty() {
        let who =
            json!({ "reference": format!("urn:uuid:{ORGANISATION_ID}"), "display": organisation });
        let id = Uuid::new_v4();
        entries.push(entry(id, provenance(id, &own, now, who)));
    }
    for (_, (name, at, targets)) in outside {
        let id = Uuid::new_v4();
        entries.push(entry(
            id,
            provenance(id, &targets, at, json!({ "display": name })),
        ));
    }
    json!({
        "resourceType": "Bundle",
        "id": Uuid::new_v4().to_string(),
        "meta": { "lastUpdated": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true) },
        "identifier": { "system": "urn:ietf:rfc:3986", "value": format!("urn:uuid:{}", Uuid::new_v4()) },
        "type": "collection",
        "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "entry": entries,
    })
}

/// A resource without what an export adds or an import assigns (ids, references to ids, meta
/// profiles), for comparing records across a round trip.
pub fn comparable(resource: &Value) -> Value {
    fn strip(v: &Value) -> Value {
        match v {
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "id" | "reference" | "meta"))
                    .map(|(k, v)| (k.clone(), strip(v)))
                    .collect::<Map<_, _>>(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
            other => other.clone(),
        }
    }
    strip(resource)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_documents_size_is_read_without_decoding_and_matches_its_bytes() {
        use base64::Engine;
        for n in [0usize, 1, 2, 3, 4, 1000, 1001, 1002] {
            let bytes = vec![7u8; n];
            let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
            let doc = json!({ "content": [{ "attachment": {
                "contentType": "application/pdf", "data": data, "title": "Report" } }] });
            assert_eq!(document_size(&doc), Some(("application/pdf", n)));
            let (kind, name, file) = document_file(&doc, "x").unwrap_or_default();
            assert_eq!(
                (kind.as_str(), name.as_str(), file.len()),
                ("application/pdf", "Report.pdf", n)
            );
            assert_eq!(document_text(&doc), None);
        }
        let note = json!({ "content": [{ "attachment": { "contentType": "text/plain", "data": "aGVsbG8=" } }] });
        assert_eq!(document_text(&note).as_deref(), Some("hello"));
        assert_eq!(document_size(&note), Some(("text/plain; charset=utf-8", 5)));
    }

    fn maria() -> PatientIdentity {
        PatientIdentity {
            patient_id: Uuid::from_u128(7),
            given_name: "Maria".into(),
            family_name: "Garcia".into(),
            birth_date: NaiveDate::from_ymd_opt(1979, 3, 14).unwrap(),
            sex: "female".into(),
        }
    }

    fn patient_entry() -> Value {
        json!({ "fullUrl": "urn:uuid:p1", "resource": {
            "resourceType": "Patient", "id": "p1",
            "name": [{ "family": "García", "given": ["Maria"] }], "birthDate": "1979-03-14" } })
    }

    fn a1c(id: &str, value: Value) -> Value {
        json!({ "fullUrl": format!("urn:uuid:{id}"), "resource": {
            "resourceType": "Observation", "id": id, "status": "final",
            "category": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory" }] }],
            "code": { "coding": [{ "system": LOINC, "code": "4548-4", "display": "Hemoglobin A1c" }] },
            "subject": { "reference": "urn:uuid:p1" },
            "effectiveDateTime": "2024-05-12",
            "valueQuantity": { "value": value, "unit": "%" },
            "referenceRange": [{ "low": { "value": 4.0 }, "high": { "value": 5.6 } }] } })
    }

    fn bundle(entries: Vec<Value>) -> Vec<u8> {
        json!({ "resourceType": "Bundle", "type": "collection", "entry": entries })
            .to_string()
            .into_bytes()
    }

    fn kinds(r: &Reading) -> Vec<(usize, &str, ProblemKind)> {
        r.problems
            .iter()
            .map(|p| (p.entry, p.field.as_str(), p.kind))
            .collect()
    }

    #[test]
    fn dates_of_every_precision_are_read_and_a_date_alone_is_noon_utc() {
        assert_eq!(
            parse_datetime("2024-05-12T08:30:00-05:00").map(|t| t.to_rfc3339()),
            Some("2024-05-12T13:30:00+00:00".into())
        );
        assert_eq!(
            parse_datetime("2024-05-12").map(|t| t.to_rfc3339()),
            Some("2024-05-12T12:00:00+00:00".into())
        );
        assert_eq!(
            parse_datetime("2016-04").map(|t| t.to_rfc3339()),
            Some("2016-04-01T12:00:00+00:00".into())
        );
        assert_eq!(
            parse_datetime("2016").map(|t| t.to_rfc3339()),
            Some("2016-01-01T12:00:00+00:00".into())
        );
        assert_eq!(parse_datetime("12/05/2024"), None);
        assert_eq!(parse_datetime("2024-13-01"), None);
    }

    #[test]
    fn a_good_bundle_gives_items_with_our_ids_and_references_rewritten() {
        let mut report = json!({ "fullUrl": "urn:uuid:r1", "resource": {
            "resourceType": "DiagnosticReport", "id": "r1", "status": "final",
            "code": { "text": "A1c" }, "subject": { "reference": "Patient/p1" },
            "result": [{ "reference": "urn:uuid:o1" }] } });
        // Referred to as Type/id too.
        report["resource"]["subject"]["reference"] = json!("Patient/p1");
        let r = read_bundle(
            &bundle(vec![patient_entry(), a1c("o1", json!(6.1)), report]),
            &maria(),
        );
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.items.len(), 2);
        let obs = r
            .items
            .iter()
            .find(|i| i.fields.resource_type == "Observation")
            .unwrap();
        let rep = r
            .items
            .iter()
            .find(|i| i.fields.resource_type == "DiagnosticReport")
            .unwrap();
        assert_eq!(obs.fields.value, Some(6.1));
        assert_eq!(obs.fields.code.as_deref(), Some("4548-4"));
        assert_eq!(obs.fields.category, "laboratory");
        assert_eq!(obs.report_id, Some(rep.item_id));
        assert_eq!(obs.resource["id"], json!(obs.item_id.to_string()));
        assert_eq!(
            obs.resource["subject"]["reference"],
            json!(format!("urn:uuid:{}", maria().patient_id))
        );
        assert_eq!(
            rep.resource["subject"]["reference"],
            json!(format!("urn:uuid:{}", maria().patient_id))
        );
        assert_eq!(
            rep.resource["result"][0]["reference"],
            json!(format!("urn:uuid:{}", obs.item_id))
        );
    }

    #[test]
    fn the_same_resource_always_hashes_the_same_whatever_its_key_order() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"y":2,"x":3}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":{"x":3,"y":2},"b":1}"#).unwrap();
        assert_eq!(canonical_sha256(&a), canonical_sha256(&b));
    }

    #[test]
    fn not_json_not_a_bundle_and_too_large_are_named() {
        let who = maria();
        assert_eq!(
            kinds(&read_bundle(b"{ nope", &who)),
            [(0, "", ProblemKind::NotJson)]
        );
        assert_eq!(
            kinds(&read_bundle(br#"{"resourceType":"Patient"}"#, &who)),
            [(0, "type", ProblemKind::NotABundle)]
        );
        assert_eq!(
            kinds(&read_bundle(
                br#"{"resourceType":"Bundle","type":"history"}"#,
                &who
            )),
            [(0, "type", ProblemKind::NotABundle)]
        );
        let big = vec![b' '; MAX_BUNDLE_BYTES + 1];
        assert_eq!(
            kinds(&read_bundle(&big, &who)),
            [(0, "", ProblemKind::TooLarge)]
        );
    }

    #[test]
    fn each_problem_is_named_by_entry_and_field() {
        let no_status = json!({ "resource": { "resourceType": "Immunization",
            "vaccineCode": { "text": "Flu" }, "patient": { "reference": "urn:uuid:p1" } } });
        let claim = json!({ "resource": { "resourceType": "Claim", "id": "x" } });
        let dangling = json!({ "resource": { "resourceType": "DiagnosticReport", "status": "final",
            "code": { "text": "Panel" }, "subject": { "reference": "urn:uuid:p1" },
            "result": [{ "reference": "Observation/nowhere" }] } });
        let bad_date = json!({ "resource": { "resourceType": "Condition", "code": { "text": "Asthma" },
            "subject": { "reference": "urn:uuid:p1" }, "onsetDateTime": "last spring" } });
        let r = read_bundle(
            &bundle(vec![
                patient_entry(),
                a1c("o1", json!("six")),
                no_status,
                claim,
                dangling,
                bad_date,
            ]),
            &maria(),
        );
        assert_eq!(
            kinds(&r),
            [
                (2, "valueQuantity.value", ProblemKind::WrongType),
                (3, "status", ProblemKind::Missing),
                (3, "occurrenceDateTime", ProblemKind::Missing),
                (4, "resourceType", ProblemKind::UnsupportedType),
                (5, "result[0].reference", ProblemKind::UnknownReference),
                (6, "onsetDateTime", ProblemKind::BadDate),
            ]
        );
        assert_eq!(r.items.len(), 0);
        assert_eq!(r.entries_with_problems, 5);
    }

    #[test]
    fn valid_entries_are_read_beside_the_broken_ones_so_they_can_be_kept() {
        let r = read_bundle(
            &bundle(vec![
                patient_entry(),
                a1c("o1", json!(6.1)),
                a1c("o2", json!("x")),
            ]),
            &maria(),
        );
        assert_eq!(r.items.len(), 1);
        assert_eq!(r.problems.len(), 1);
    }

    #[test]
    fn a_bundle_about_someone_else_is_refused() {
        let mut other = patient_entry();
        other["resource"]["birthDate"] = json!("1980-01-01");
        let r = read_bundle(&bundle(vec![other, a1c("o1", json!(6.1))]), &maria());
        assert_eq!(
            kinds(&r),
            [(1, "name, birthDate", ProblemKind::OtherPatient)]
        );
        let mut second = patient_entry();
        second["fullUrl"] = json!("urn:uuid:p2");
        let r = read_bundle(&bundle(vec![patient_entry(), second]), &maria());
        assert_eq!(kinds(&r), [(2, "", ProblemKind::SeveralPatients)]);
    }

    #[test]
    fn a_searchset_without_its_patient_is_read_as_this_patients() {
        let mut obs = a1c("o1", json!(6.1));
        obs["resource"]["subject"]["reference"] = json!("Patient/123");
        let bytes =
            json!({ "resourceType": "Bundle", "type": "searchset", "entry": [obs] }).to_string();
        let r = read_bundle(bytes.as_bytes(), &maria());
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(
            r.items
                .first()
                .map(|i| i.resource["subject"]["reference"].clone()),
            Some(json!(format!("urn:uuid:{}", maria().patient_id)))
        );
    }

    #[test]
    fn transaction_batch_and_document_bundles_are_read_like_a_collection() {
        for kind in ["transaction", "batch", "document"] {
            let mut entries = vec![patient_entry(), a1c("o1", json!(6.1))];
            if kind == "document" {
                entries.insert(
                    0,
                    json!({ "fullUrl": "urn:uuid:c1", "resource": {
                    "resourceType": "Composition", "status": "final", "type": { "text": "Summary" },
                    "subject": { "reference": "urn:uuid:p1" }, "date": "2026-01-01",
                    "author": [{ "display": "Lakeside Clinic" }], "title": "Summary" } }),
                );
            } else {
                for e in &mut entries {
                    let url = e["resource"]["resourceType"].clone();
                    e["request"] = json!({ "method": "POST", "url": url });
                }
            }
            let bytes =
                json!({ "resourceType": "Bundle", "type": kind, "entry": entries }).to_string();
            let r = read_bundle(bytes.as_bytes(), &maria());
            assert!(r.problems.is_empty(), "{kind}: {:?}", r.problems);
            assert_eq!(r.items.len(), 1, "{kind}");
        }
        // More entries than the limit is refused before any is read.
        let many = vec![json!({}); MAX_ENTRIES + 1];
        let r = read_bundle(&bundle(many), &maria());
        assert_eq!(kinds(&r), [(0, "entry", ProblemKind::TooManyEntries)]);
    }

    #[test]
    fn only_a_searchset_may_leave_its_patient_out_and_then_only_for_one_patient() {
        let mut obs = a1c("o1", json!(6.1));
        obs["resource"]["subject"]["reference"] = json!("Patient/999");
        for kind in ["collection", "transaction", "document"] {
            let bytes =
                json!({ "resourceType": "Bundle", "type": kind, "entry": [obs] }).to_string();
            let r = read_bundle(bytes.as_bytes(), &maria());
            assert_eq!(kinds(&r), [(0, "entry", ProblemKind::NoPatient)], "{kind}");
            assert!(r.items.is_empty());
        }
        let mut other = a1c("o2", json!(6.3));
        other["resource"]["subject"]["reference"] = json!("Patient/1000");
        let bytes = json!({ "resourceType": "Bundle", "type": "searchset", "entry": [obs, other] })
            .to_string();
        let r = read_bundle(bytes.as_bytes(), &maria());
        assert_eq!(
            kinds(&r),
            [(2, "subject.reference", ProblemKind::SeveralPatients)]
        );
        assert!(r.items.is_empty());
    }

    #[test]
    fn sensitive_categories_are_confidential_by_their_code() {
        assert!(sensitive(Some(ICD10), Some("F41.1")));
        assert!(sensitive(Some(ICD10), Some("z34.90")));
        assert!(sensitive(Some(ICD10), Some("A56.01")));
        assert!(sensitive(Some(ICD10), Some("B20")));
        assert!(sensitive(Some(LOINC), Some("21613-5")));
        assert!(!sensitive(Some(ICD10), Some("J45.909")));
        assert!(!sensitive(Some(ICD10), Some("Z23")));
        assert!(!sensitive(Some(LOINC), Some("4548-4")));
        assert!(!sensitive(Some(SNOMED), Some("F41.1")));
        assert!(!sensitive(None, Some("F41.1")));
        // Read from a bundle: an anxiety diagnosis without any label is confidential.
        let anxiety = json!({ "resource": { "resourceType": "Condition",
            "code": { "coding": [{ "system": ICD10, "code": "F41.1", "display": "Generalized anxiety disorder" }] },
            "subject": { "reference": "urn:uuid:p1" } } });
        let r = read_bundle(&bundle(vec![patient_entry(), anxiety]), &maria());
        assert!(r.items.first().is_some_and(|i| i.fields.confidential));
    }

    #[test]
    fn restricted_resources_are_confidential_and_keep_their_label() {
        let mut obs = a1c("o1", json!(6.1));
        obs["resource"]["meta"] =
            json!({ "versionId": "3", "security": [{ "system": CONFIDENTIALITY, "code": "R" }] });
        let r = read_bundle(&bundle(vec![patient_entry(), obs]), &maria());
        let item = r.items.first().unwrap();
        assert!(item.fields.confidential);
        assert_eq!(
            item.resource["meta"],
            json!({ "security": [{ "system": CONFIDENTIALITY, "code": "R" }] })
        );
    }

    #[test]
    fn a_medication_reference_takes_the_medications_code() {
        let med = json!({ "fullUrl": "urn:uuid:m1", "resource": { "resourceType": "Medication",
            "code": { "coding": [{ "system": RXNORM, "code": "860975", "display": "metformin 500 MG" }] } } });
        let request = json!({ "resource": { "resourceType": "MedicationRequest", "status": "active",
            "intent": "order", "medicationReference": { "reference": "urn:uuid:m1" },
            "subject": { "reference": "urn:uuid:p1" } } });
        let r = read_bundle(&bundle(vec![patient_entry(), med, request]), &maria());
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(
            r.items
                .first()
                .and_then(|i| i.fields.code.clone())
                .as_deref(),
            Some("860975")
        );
    }

    #[test]
    fn the_export_claims_a_profile_only_when_the_resource_meets_it() {
        let r = read_bundle(
            &bundle(vec![patient_entry(), a1c("o1", json!(6.1))]),
            &maria(),
        );
        let item = r.items.first().unwrap();
        assert_eq!(
            us_core_profile(&item.resource),
            Some(profile_url("us-core-observation-lab"))
        );
        let bare = json!({ "resourceType": "Condition", "code": { "text": "x" } });
        assert_eq!(us_core_profile(&bare), None);
        let exported = [Exported {
            item_id: item.item_id,
            resource: &item.resource,
            source: None,
        }];
        let b = export_bundle(&maria(), "Riverbend Health", &exported, Utc::now());
        let entries = b["entry"].as_array().unwrap();
        let types: Vec<&str> = entries
            .iter()
            .map(|e| e["resource"]["resourceType"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            ["Patient", "Organization", "Observation", "Provenance"]
        );
        for e in entries {
            assert_eq!(
                e["fullUrl"],
                json!(format!(
                    "urn:uuid:{}",
                    e["resource"]["id"].as_str().unwrap()
                ))
            );
        }
        assert_eq!(
            entries[3]["resource"]["target"][0]["reference"],
            json!(format!("urn:uuid:{}", item.item_id))
        );
    }

    #[test]
    fn an_export_reads_back_as_the_same_resources() {
        let r = read_bundle(
            &bundle(vec![patient_entry(), a1c("o1", json!(6.1))]),
            &maria(),
        );
        let exported: Vec<Exported> = r
            .items
            .iter()
            .map(|i| Exported {
                item_id: i.item_id,
                resource: &i.resource,
                source: None,
            })
            .collect();
        let b = export_bundle(&maria(), "Riverbend Health", &exported, Utc::now());
        let again = read_bundle(b.to_string().as_bytes(), &maria());
        assert!(again.problems.is_empty(), "{:?}", again.problems);
        let before: Vec<Value> = r.items.iter().map(|i| comparable(&i.resource)).collect();
        let after: Vec<Value> = again
            .items
            .iter()
            .map(|i| comparable(&i.resource))
            .collect();
        assert_eq!(before, after);
    }
}
