//! The International Patient Summary: a FHIR R4 *document* Bundle whose first entry is a
//! Composition (LOINC 60591-5) with one section per part of the summary — problems, past
//! illnesses, allergies, medications, immunizations, results, vital signs, plan of care — each
//! with a readable narrative and references to its resources.
//!
//! Invariants: the three sections IPS requires (problems, allergies, medications) are always
//! present, saying so with an `emptyReason` when there is nothing; every resource in the bundle
//! is reachable from the Composition, directly or through references (an Observation's
//! Encounter comes along, a DocumentReference nobody points to does not); narratives are built
//! from escaped text only. Items are those the caller may see, as for every records read.

use super::db::ItemRow;
use super::fhir::{patient_resource, PatientIdentity, LOINC, ORGANISATION_ID};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

/// The summary's sections in document order: (LOINC code, English title, Spanish title).
const SECTIONS: [(&str, &str, &str); 8] = [
    ("11450-4", "Problem list", "Lista de problemas"),
    (
        "11348-0",
        "History of past illness",
        "Antecedentes de enfermedades",
    ),
    (
        "48765-2",
        "Allergies and intolerances",
        "Alergias e intolerancias",
    ),
    ("10160-0", "Medication summary", "Resumen de medicamentos"),
    ("11369-6", "Immunizations", "Vacunas"),
    ("30954-2", "Results", "Resultados"),
    ("8716-3", "Vital signs", "Signos vitales"),
    ("18776-5", "Plan of care", "Plan de atención"),
];

/// Sections IPS requires even when empty.
const REQUIRED: [&str; 3] = ["11450-4", "48765-2", "10160-0"];

/// Which section an item belongs in, if any.
fn section_of(row: &ItemRow) -> Option<&'static str> {
    Some(match row.resource_type.as_str() {
        "Condition" if matches!(row.status.as_str(), "active" | "recurrence" | "relapse") => {
            "11450-4"
        }
        "Condition" => "11348-0",
        "AllergyIntolerance" => "48765-2",
        "MedicationRequest" => "10160-0",
        "Immunization" => "11369-6",
        "DiagnosticReport" => "30954-2",
        "Observation" if matches!(row.category.as_str(), "vital-signs" | "patient-reported") => {
            "8716-3"
        }
        // A report's values are reached through the report.
        "Observation" if row.report_id.is_none() => "30954-2",
        "CarePlan" => "18776-5",
        _ => return None,
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A line of a section's narrative: the item's name, its value (for an Observation) and date.
fn line(row: &ItemRow, value: impl Fn(&Value) -> String) -> String {
    let mut parts = vec![escape(&row.display)];
    if row.resource_type == "Observation" {
        let v = value(&row.resource);
        if !v.is_empty() {
            parts.push(escape(&v));
        }
    }
    if let Some(at) = row.effective_at {
        parts.push(at.format("%Y-%m-%d").to_string());
    }
    format!("<li>{}</li>", parts.join(" · "))
}

fn div(inner: &str) -> String {
    format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{inner}</div>")
}

/// Every `urn:uuid:` id that `v` refers to.
fn referenced(v: &Value, out: &mut BTreeSet<Uuid>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                if k == "reference" {
                    if let Some(id) = x
                        .as_str()
                        .and_then(|s| s.strip_prefix("urn:uuid:"))
                        .and_then(|s| Uuid::parse_str(s).ok())
                    {
                        out.insert(id);
                    }
                } else {
                    referenced(x, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|x| referenced(x, out)),
        _ => {}
    }
}

fn entry(id: Uuid, resource: Value) -> Value {
    json!({ "fullUrl": format!("urn:uuid:{id}"), "resource": resource })
}

/// The patient summary document for `who` from the items the caller may see. `value` words an
/// Observation's value for the narrative; `language` is "en" or "es".
pub fn document(
    who: &PatientIdentity,
    organisation: &str,
    rows: &[ItemRow],
    language: &str,
    value: impl Fn(&Value) -> String,
    now: DateTime<Utc>,
) -> Value {
    let es = language == "es";
    let stamp = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    let by_id: HashMap<Uuid, &ItemRow> = rows.iter().map(|r| (r.item_id, r)).collect();
    let mut sections = Vec::new();
    let mut included = BTreeSet::new();
    for (code, en, es_title) in SECTIONS {
        let members: Vec<&ItemRow> = rows
            .iter()
            .filter(|r| section_of(r) == Some(code))
            .collect();
        if members.is_empty() && !REQUIRED.contains(&code) {
            continue;
        }
        let title = if es { es_title } else { en };
        let mut section = Map::new();
        section.insert("title".into(), json!(title));
        section.insert(
            "code".into(),
            json!({ "coding": [{ "system": LOINC, "code": code, "display": en }] }),
        );
        if members.is_empty() {
            let none = if es {
                "No hay información registrada."
            } else {
                "No information recorded."
            };
            section.insert(
                "text".into(),
                json!({ "status": "generated", "div": div(&format!("<p>{none}</p>")) }),
            );
            section.insert(
                "emptyReason".into(),
                json!({ "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/list-empty-reason",
                    "code": "unavailable",
                    "display": "Unavailable"
                }] }),
            );
        } else {
            let lines: String = members.iter().map(|r| line(r, &value)).collect();
            section.insert(
                "text".into(),
                json!({ "status": "generated", "div": div(&format!("<ul>{lines}</ul>")) }),
            );
            section.insert(
                "entry".into(),
                members
                    .iter()
                    .map(|r| json!({ "reference": format!("urn:uuid:{}", r.item_id) }))
                    .collect(),
            );
            included.extend(members.iter().map(|r| r.item_id));
        }
        sections.push(Value::Object(section));
    }
    // What the chosen resources point to comes along (a report's values, a visit), until
    // nothing new is found.
    let mut frontier: Vec<Uuid> = included.iter().copied().collect();
    while let Some(id) = frontier.pop() {
        let mut refs = BTreeSet::new();
        if let Some(row) = by_id.get(&id) {
            referenced(&row.resource, &mut refs);
        }
        for r in refs {
            if by_id.contains_key(&r) && included.insert(r) {
                frontier.push(r);
            }
        }
    }
    let composition_id = Uuid::new_v4();
    let title = if es {
        "Resumen del paciente"
    } else {
        "Patient summary"
    };
    let composition = json!({
        "resourceType": "Composition",
        "id": composition_id.to_string(),
        "language": language,
        "status": "final",
        "type": { "coding": [{ "system": LOINC, "code": "60591-5", "display": "Patient summary Document" }] },
        "subject": { "reference": format!("urn:uuid:{}", who.patient_id) },
        "date": stamp,
        "author": [{ "reference": format!("urn:uuid:{ORGANISATION_ID}"), "display": organisation }],
        "title": format!("{title}: {} {}", who.given_name, who.family_name),
        "custodian": { "reference": format!("urn:uuid:{ORGANISATION_ID}") },
        "section": sections,
    });
    let mut entries = vec![
        entry(composition_id, composition),
        entry(who.patient_id, patient_resource(who)),
        entry(
            ORGANISATION_ID,
            json!({ "resourceType": "Organization", "id": ORGANISATION_ID.to_string(),
                    "active": true, "name": organisation }),
        ),
    ];
    // In the record's order (newest first), as the sections list them.
    entries.extend(
        rows.iter()
            .filter(|r| included.contains(&r.item_id))
            .map(|r| entry(r.item_id, r.resource.clone())),
    );
    json!({
        "resourceType": "Bundle",
        "id": Uuid::new_v4().to_string(),
        "language": language,
        "identifier": { "system": "urn:ietf:rfc:3986", "value": format!("urn:uuid:{}", Uuid::new_v4()) },
        "type": "document",
        "timestamp": stamp,
        "entry": entries,
    })
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::indexing_slicing,
        reason = "a missing element should fail the test loudly"
    )]
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    fn row(kind: &str, category: &str, status: &str, display: &str, resource: Value) -> ItemRow {
        ItemRow {
            item_id: Uuid::new_v4(),
            resource_type: kind.into(),
            category: category.into(),
            code_system: None,
            code: None,
            display: display.into(),
            effective_at: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single(),
            status: status.into(),
            value: None,
            unit: None,
            ref_low: None,
            ref_high: None,
            interpretation: None,
            report_id: None,
            confidential: false,
            source_id: None,
            source_name: None,
            resource,
        }
    }

    fn who() -> PatientIdentity {
        PatientIdentity {
            patient_id: Uuid::new_v4(),
            given_name: "Maria".into(),
            family_name: "Garcia".into(),
            birth_date: NaiveDate::from_ymd_opt(1979, 3, 14).unwrap_or_default(),
            sex: "female".into(),
        }
    }

    fn sections(doc: &Value) -> Vec<&str> {
        doc["entry"][0]["resource"]["section"]
            .as_array()
            .map(|s| {
                s.iter()
                    .filter_map(|x| x["code"]["coding"][0]["code"].as_str())
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn an_empty_record_still_has_the_three_required_sections_saying_so() {
        let doc = document(
            &who(),
            "Openwell Health",
            &[],
            "en",
            |_| String::new(),
            Utc::now(),
        );
        assert_eq!(doc["type"], "document");
        assert_eq!(doc["entry"][0]["resource"]["resourceType"], "Composition");
        assert_eq!(
            doc["entry"][0]["resource"]["type"]["coding"][0]["code"],
            "60591-5"
        );
        assert_eq!(sections(&doc), ["11450-4", "48765-2", "10160-0"]);
        let first = &doc["entry"][0]["resource"]["section"][0];
        assert_eq!(first["emptyReason"]["coding"][0]["code"], "unavailable");
        assert!(first.get("entry").is_none());
        // Composition, Patient, Organization.
        assert_eq!(doc["entry"].as_array().map(Vec::len), Some(3));
    }

    #[test]
    fn each_item_is_in_its_section_and_what_it_points_to_comes_along() {
        let visit = row(
            "Encounter",
            "",
            "finished",
            "Follow-up",
            json!({ "resourceType": "Encounter" }),
        );
        let lone_document = row("DocumentReference", "", "current", "Letter", json!({}));
        let mut a1c = row(
            "Observation",
            "laboratory",
            "final",
            "Hemoglobin A1c <high>",
            json!({ "resourceType": "Observation",
                    "encounter": { "reference": format!("urn:uuid:{}", visit.item_id) } }),
        );
        let report = row(
            "DiagnosticReport",
            "laboratory",
            "final",
            "A1c panel",
            json!({ "result": [{ "reference": format!("urn:uuid:{}", a1c.item_id) }] }),
        );
        a1c.report_id = Some(report.item_id);
        let rows = vec![
            row("Condition", "", "active", "Diabetes", json!({})),
            row(
                "Condition",
                "",
                "resolved",
                "Bronchitis <acute> & cough",
                json!({}),
            ),
            row("Observation", "vital-signs", "final", "Weight", json!({})),
            report,
            a1c,
            visit,
            lone_document,
        ];
        let doc = document(
            &who(),
            "Openwell",
            &rows,
            "es",
            |_| "7.2 %".into(),
            Utc::now(),
        );
        assert_eq!(
            sections(&doc),
            ["11450-4", "11348-0", "48765-2", "10160-0", "30954-2", "8716-3"]
        );
        let results = &doc["entry"][0]["resource"]["section"][4];
        assert_eq!(results["title"], "Resultados");
        // The report is the section's entry; its value and the value's visit are in the bundle.
        assert_eq!(results["entry"].as_array().map(Vec::len), Some(1));
        let ids: Vec<&str> = doc["entry"]
            .as_array()
            .map(|e| e.iter().filter_map(|x| x["fullUrl"].as_str()).collect())
            .unwrap_or_default();
        assert!(ids.contains(&format!("urn:uuid:{}", rows[4].item_id).as_str()));
        assert!(ids.contains(&format!("urn:uuid:{}", rows[5].item_id).as_str()));
        assert!(!ids.contains(&format!("urn:uuid:{}", rows[6].item_id).as_str()));
        assert_eq!(ids.len(), 3 + 6);
        // Narratives are escaped text.
        let problems = doc["entry"][0]["resource"]["section"][0]["text"]["div"]
            .as_str()
            .unwrap_or_default();
        assert!(problems.starts_with(
            "<div xmlns=\"http://www.w3.org/1999/xhtml\"><ul><li>Diabetes · 2026-03-01</li>"
        ));
        let past = doc["entry"][0]["resource"]["section"][1]["text"]["div"]
            .as_str()
            .unwrap_or_default();
        assert!(
            past.contains("<li>Bronchitis &lt;acute&gt; &amp; cough · 2026-03-01</li>"),
            "{past}"
        );
    }
}
