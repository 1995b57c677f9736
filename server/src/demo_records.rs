//! Demo health records: every demo patient (the first 5,000 of a larger population) gets a
//! multi-year record that fits their age — conditions with their medications, allergies,
//! immunizations, visits with vital signs, and lab panels repeated over the years with some
//! values out of range — written as FHIR R4 resources and stored through the same extraction
//! as an import. Maria Garcia also has an outside record, imported from a bundle through the
//! import path itself. Values come from each patient's own random stream, dates count back from
//! the day of loading (so results look recent), and patients who already have records are
//! left alone, so running it twice changes nothing.

use anyhow::Context;
use app::records::fhir::{self, Item, PatientIdentity, CVX, ICD10, LOINC, RXNORM, SNOMED, UCUM};
use base64::Engine;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use sqlx::PgPool;
use std::collections::HashMap;
use uuid::Uuid;

const SEED: u64 = 20_261_205;
/// Above this many patients only the first ones get records (demo loads at benchmark scale
/// would otherwise spend minutes here).
const MAX_PATIENTS_WITH_RECORDS: u64 = 5_000;

/// A patient's fixed conditions, each with whether it is confidential.
type Conditions<'a> = &'a [(&'a Condition, bool)];

struct Condition {
    icd10: &'static str,
    snomed: &'static str,
    name: &'static str,
    /// RxNorm code, name, dose (value, unit), instructions.
    medication: Option<(&'static str, &'static str, f64, &'static str, &'static str)>,
}

const HYPERTENSION: Condition = Condition {
    icd10: "I10",
    snomed: "59621000",
    name: "Essential hypertension",
    medication: Some((
        "314076",
        "lisinopril 10 MG Oral Tablet",
        10.0,
        "mg",
        "Take 1 tablet by mouth once a day.",
    )),
};
const DIABETES: Condition = Condition {
    icd10: "E11.9",
    snomed: "44054006",
    name: "Type 2 diabetes mellitus",
    medication: Some((
        "860975",
        "metformin hydrochloride 500 MG Oral Tablet",
        500.0,
        "mg",
        "Take 1 tablet by mouth twice a day with meals.",
    )),
};
const CHOLESTEROL: Condition = Condition {
    icd10: "E78.5",
    snomed: "55822004",
    name: "Hyperlipidemia",
    medication: Some((
        "617312",
        "atorvastatin 20 MG Oral Tablet",
        20.0,
        "mg",
        "Take 1 tablet by mouth at bedtime.",
    )),
};
const ASTHMA: Condition = Condition {
    icd10: "J45.909",
    snomed: "195967001",
    name: "Asthma",
    medication: Some((
        "745679",
        "albuterol 0.09 MG/ACTUAT Metered Dose Inhaler",
        2.0,
        "puff",
        "Inhale 2 puffs every 4 to 6 hours as needed for wheezing.",
    )),
};
const HYPOTHYROIDISM: Condition = Condition {
    icd10: "E03.9",
    snomed: "40930008",
    name: "Hypothyroidism",
    medication: Some((
        "966224",
        "levothyroxine sodium 0.05 MG Oral Tablet",
        50.0,
        "ug",
        "Take 1 tablet by mouth every morning on an empty stomach.",
    )),
};
const ANXIETY: Condition = Condition {
    icd10: "F41.1",
    snomed: "21897009",
    name: "Generalized anxiety disorder",
    medication: Some((
        "312940",
        "sertraline 50 MG Oral Tablet",
        50.0,
        "mg",
        "Take 1 tablet by mouth once a day.",
    )),
};
const GERD: Condition = Condition {
    icd10: "K21.9",
    snomed: "235595009",
    name: "Gastroesophageal reflux disease",
    medication: Some((
        "198053",
        "omeprazole 20 MG Delayed Release Oral Capsule",
        20.0,
        "mg",
        "Take 1 capsule by mouth before breakfast.",
    )),
};
const OSTEOARTHRITIS: Condition = Condition {
    icd10: "M19.90",
    snomed: "396275006",
    name: "Osteoarthritis",
    medication: None,
};
const PREDIABETES: Condition = Condition {
    icd10: "R73.03",
    snomed: "714628002",
    name: "Prediabetes",
    medication: None,
};

/// (substance SNOMED code, substance, reaction SNOMED code, reaction, severity, criticality)
const ALLERGIES: [(&str, &str, &str, &str, &str, &str); 4] = [
    (
        "764146007",
        "Penicillin",
        "126485001",
        "Hives",
        "moderate",
        "high",
    ),
    (
        "762952008",
        "Peanut",
        "39579001",
        "Anaphylaxis",
        "severe",
        "high",
    ),
    (
        "387406002",
        "Sulfonamide",
        "271807003",
        "Skin rash",
        "mild",
        "low",
    ),
    ("111088007", "Latex", "418290006", "Itching", "mild", "low"),
];

/// A lab test: LOINC code, name, unit, low, high.
type Test = (
    &'static str,
    &'static str,
    &'static str,
    Option<f64>,
    Option<f64>,
);
const A1C: Test = ("4548-4", "Hemoglobin A1c", "%", Some(4.0), Some(5.6));
const GLUCOSE: Test = ("2345-7", "Glucose", "mg/dL", Some(70.0), Some(99.0));
const CREATININE: Test = ("2160-0", "Creatinine", "mg/dL", Some(0.6), Some(1.2));
const POTASSIUM: Test = ("2823-3", "Potassium", "mmol/L", Some(3.5), Some(5.1));
const SODIUM: Test = ("2951-2", "Sodium", "mmol/L", Some(136.0), Some(145.0));
const TOTAL_CHOLESTEROL: Test = ("2093-3", "Cholesterol, total", "mg/dL", None, Some(200.0));
const LDL: Test = (
    "13457-7",
    "LDL cholesterol (calculated)",
    "mg/dL",
    None,
    Some(100.0),
);
const HDL: Test = ("2085-9", "HDL cholesterol", "mg/dL", Some(40.0), None);
const TRIGLYCERIDES: Test = ("2571-8", "Triglycerides", "mg/dL", None, Some(150.0));
const TSH: Test = (
    "3016-3",
    "Thyrotropin (TSH)",
    "m[IU]/L",
    Some(0.4),
    Some(4.0),
);
const HEMOGLOBIN: Test = ("718-7", "Hemoglobin", "g/dL", Some(12.0), Some(16.0));
const WBC: Test = (
    "6690-2",
    "White blood cells",
    "10*3/uL",
    Some(4.5),
    Some(11.0),
);

fn codeable(system: &str, code: &str, display: &str) -> Value {
    json!({ "coding": [{ "system": system, "code": code, "display": display }], "text": display })
}

/// A medication as the pharmacy knows it too: its RxNorm code and, when the outpatient pharmacy
/// stocks it, the NDC its price is listed under.
fn medication_code(rxnorm: &str, display: &str) -> Value {
    let mut code = codeable(RXNORM, rxnorm, display);
    if let (Some(ndc), Some(codings)) = (
        crate::demo_prices::ndc_for_rxnorm(rxnorm),
        code.get_mut("coding").and_then(Value::as_array_mut),
    ) {
        codings.push(json!({ "system": app::records::fhir::NDC, "code": ndc }));
    }
    code
}

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Builds one patient's resources and turns them into items with the import's extraction.
struct Builder {
    patient: Uuid,
    items: Vec<Item>,
    rng: ChaCha8Rng,
    clinician: &'static str,
}

impl Builder {
    fn subject(&self) -> Value {
        json!({ "reference": format!("urn:uuid:{}", self.patient) })
    }

    fn add(&mut self, mut resource: Value, report: Option<Uuid>) -> Uuid {
        let id = Uuid::from_bytes(self.rng.random::<[u8; 16]>());
        let id = uuid::Builder::from_random_bytes(*id.as_bytes()).into_uuid();
        if let Some(map) = resource.as_object_mut() {
            map.insert("id".into(), json!(id.to_string()));
        }
        let mut problems = Vec::new();
        match fhir::extract(&resource, 0, &HashMap::new(), &mut problems) {
            Some(fields) => self.items.push(Item {
                item_id: id,
                content_sha256: fhir::canonical_sha256(&resource),
                resource,
                fields,
                report_id: report,
            }),
            // A demo resource the import would refuse is a bug in this file.
            None => tracing::error!(?problems, "demo record refused"),
        }
        id
    }

    fn condition(&mut self, c: &Condition, onset: DateTime<Utc>, status: &str, confidential: bool) {
        let mut r = json!({
            "resourceType": "Condition",
            "clinicalStatus": codeable("http://terminology.hl7.org/CodeSystem/condition-clinical", status, status),
            "verificationStatus": codeable("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed"),
            "category": [codeable("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item", "Problem List Item")],
            "code": { "coding": [
                { "system": ICD10, "code": c.icd10, "display": c.name },
                { "system": SNOMED, "code": c.snomed, "display": c.name }
            ], "text": c.name },
            "subject": self.subject(),
            "onsetDateTime": at(onset),
            "recordedDate": at(onset),
        });
        if confidential {
            confidential_label(&mut r);
        }
        self.add(r, None);
        if let (Some((rx, name, dose, unit, how)), "active") = (c.medication, status) {
            let mut m = json!({
                "resourceType": "MedicationRequest",
                "status": "active",
                "intent": "order",
                "medicationCodeableConcept": medication_code(rx, name),
                "subject": self.subject(),
                "authoredOn": at(onset + Duration::days(1)),
                "requester": { "display": self.clinician },
                "dosageInstruction": [{
                    "text": how,
                    "doseAndRate": [{ "doseQuantity": { "value": dose, "unit": unit, "system": UCUM, "code": unit } }]
                }]
            });
            if confidential {
                confidential_label(&mut m);
            }
            self.add(m, None);
        }
    }

    fn allergy(&mut self, a: (&str, &str, &str, &str, &str, &str), recorded: DateTime<Utc>) {
        let (code, substance, reaction_code, reaction, severity, criticality) = a;
        let r = json!({
            "resourceType": "AllergyIntolerance",
            "clinicalStatus": codeable("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active"),
            "verificationStatus": codeable("http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "confirmed", "Confirmed"),
            "category": [if substance == "Peanut" { "food" } else if substance == "Latex" { "environment" } else { "medication" }],
            "criticality": criticality,
            "code": codeable(SNOMED, code, substance),
            "patient": self.subject(),
            "recordedDate": at(recorded),
            "reaction": [{
                "manifestation": [codeable(SNOMED, reaction_code, reaction)],
                "severity": severity
            }]
        });
        self.add(r, None);
    }

    fn immunization(&mut self, cvx: &str, name: &str, when: DateTime<Utc>) {
        let r = json!({
            "resourceType": "Immunization",
            "status": "completed",
            "vaccineCode": codeable(CVX, cvx, name),
            "patient": self.subject(),
            "occurrenceDateTime": at(when),
            "primarySource": true,
        });
        self.add(r, None);
    }

    fn encounter(
        &mut self,
        when: DateTime<Utc>,
        follow_up: bool,
        reason: Option<&Condition>,
    ) -> Uuid {
        let (code, name) = if follow_up {
            ("390906007", "Follow-up encounter")
        } else {
            ("185349003", "Encounter for check up")
        };
        let mut r = json!({
            "resourceType": "Encounter",
            "status": "finished",
            "class": { "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB", "display": "ambulatory" },
            "type": [codeable(SNOMED, code, name)],
            "subject": self.subject(),
            "participant": [{ "individual": { "display": self.clinician } }],
            "period": { "start": at(when), "end": at(when + Duration::minutes(30)) },
        });
        if let (Some(c), Some(map)) = (reason, r.as_object_mut()) {
            map.insert(
                "reasonCode".into(),
                json!([codeable(ICD10, c.icd10, c.name)]),
            );
        }
        self.add(r, None)
    }

    /// The after-visit summary the clinician wrote for visit `encounter`.
    fn visit_summary(&mut self, encounter: Uuid, when: DateTime<Utc>, text: &str) {
        let r = fhir::visit_summary(
            Uuid::nil(),
            self.patient,
            encounter,
            text,
            when + Duration::hours(2),
            self.clinician,
        );
        self.add(r, None);
    }

    /// Goals, a care plan with its tasks and the care team, as the clinician set them up at the
    /// last visit (`last`) for `conditions`; tasks fall due around `now`.
    fn care_plan(&mut self, conditions: &[&Condition], last: DateTime<Utc>, now: DateTime<Utc>) {
        let has = |code: &str| conditions.iter().any(|c| c.icd10 == code);
        let day = |days: i64| (now + Duration::days(days)).date_naive().to_string();
        let goal = |description: &str, target: &str, due: i64, achievement: &str| {
            json!({
                "resourceType": "Goal",
                "lifecycleStatus": "active",
                "achievementStatus": codeable(
                    "http://terminology.hl7.org/CodeSystem/goal-achievement",
                    achievement,
                    if achievement == "improving" { "Improving" } else { "In Progress" },
                ),
                "description": { "text": description },
                "startDate": last.date_naive().to_string(),
                "target": [{ "detailString": target, "dueDate": day(due) }],
            })
        };
        let mut goals = Vec::new();
        let mut tasks: Vec<(&str, i64, bool)> = Vec::new();
        if has("E11.9") {
            goals.push(goal(
                "Hemoglobin A1c below 7 %",
                "A1c under 7 %",
                180,
                "improving",
            ));
            tasks.push(("Have your A1c blood test", 60, false));
            tasks.push(("Have your yearly diabetic eye exam", -12, false));
        }
        if has("I10") {
            goals.push(goal(
                "Blood pressure below 130/80 mmHg",
                "Under 130/80 mmHg at home",
                120,
                "in-progress",
            ));
            tasks.push((
                "Check your blood pressure at home twice a week and write it down",
                14,
                false,
            ));
        }
        if has("E78.5") {
            goals.push(goal(
                "LDL cholesterol below 100 mg/dL",
                "LDL under 100 mg/dL",
                240,
                "in-progress",
            ));
            tasks.push(("Have a fasting lipid panel", 90, false));
        }
        goals.push(goal(
            "Walk 30 minutes, 5 days a week",
            "150 minutes of walking a week",
            90,
            "in-progress",
        ));
        tasks.push(("Get this season's flu shot", -30, true));
        tasks.push(("Book your yearly check-up", 200, false));
        for g in goals {
            let mut g = g;
            if let Some(map) = g.as_object_mut() {
                map.insert("subject".into(), self.subject());
            }
            self.add(g, None);
        }
        let activities: Vec<Value> = tasks
            .iter()
            .map(|(what, due, done)| {
                let mut a = json!({ "detail": {
                    "status": if *done { "completed" } else { "not-started" },
                    "description": what,
                    "scheduledPeriod": { "end": day(*due) },
                } });
                if *done {
                    if let Some(map) = a.as_object_mut() {
                        map.insert(
                            "progress".into(),
                            json!([{
                                "authorString": self.clinician,
                                "time": at(now + Duration::days(*due - 3)),
                                "text": "Given at the clinic",
                            }]),
                        );
                    }
                }
                a
            })
            .collect();
        let mut plan = json!({
            "resourceType": "CarePlan",
            "status": "active",
            "intent": "plan",
            "category": [codeable("http://hl7.org/fhir/us/core/CodeSystem/careplan-category", "assess-plan", "Assessment and Plan of Treatment")],
            "title": "My care plan",
            "subject": self.subject(),
            "period": { "start": at(last) },
            "created": at(last),
            "author": { "display": self.clinician },
            "activity": activities,
        });
        let text = fhir::plan_narrative(&plan);
        if let Some(map) = plan.as_object_mut() {
            map.insert("text".into(), text);
        }
        self.add(plan, None);
        let mut team = vec![
            json!({ "role": [{ "text": "Primary care physician" }], "member": { "display": self.clinician } }),
            json!({ "role": [{ "text": "Nurse" }], "member": { "display": "Grace Kim, RN" } }),
        ];
        if has("E11.9") {
            team.push(json!({ "role": [{ "text": "Diabetes educator" }], "member": { "display": "Luis Romero, CDCES" } }));
        }
        let team = json!({
            "resourceType": "CareTeam",
            "status": "active",
            "name": "Primary care team",
            "subject": self.subject(),
            "period": { "start": at(last) },
            "participant": team,
        });
        self.add(team, None);
    }

    fn vital(&mut self, code: &str, name: &str, when: DateTime<Utc>, value: f64, unit: &str) {
        let r = json!({
            "resourceType": "Observation",
            "status": "final",
            "category": [codeable("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs", "Vital Signs")],
            "code": codeable(LOINC, code, name),
            "subject": self.subject(),
            "effectiveDateTime": at(when),
            "valueQuantity": { "value": round(value, 1), "unit": unit, "system": UCUM, "code": unit },
        });
        self.add(r, None);
    }

    fn blood_pressure(&mut self, when: DateTime<Utc>, systolic: f64, diastolic: f64) {
        let component = |code: &str, name: &str, v: f64| {
            json!({ "code": codeable(LOINC, code, name),
                    "valueQuantity": { "value": v.round(), "unit": "mm[Hg]", "system": UCUM, "code": "mm[Hg]" } })
        };
        let r = json!({
            "resourceType": "Observation",
            "status": "final",
            "category": [codeable("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs", "Vital Signs")],
            "code": codeable(LOINC, "85354-9", "Blood pressure panel"),
            "subject": self.subject(),
            "effectiveDateTime": at(when),
            "component": [component("8480-6", "Systolic blood pressure", systolic), component("8462-4", "Diastolic blood pressure", diastolic)],
        });
        self.add(r, None);
    }

    /// A report with one result per test: `values` in the order of `tests`.
    fn panel(&mut self, code: &str, name: &str, when: DateTime<Utc>, tests: &[(Test, f64)]) {
        let report_id = {
            let r = json!({
                "resourceType": "DiagnosticReport",
                "status": "final",
                "category": [codeable("http://terminology.hl7.org/CodeSystem/v2-0074", "LAB", "Laboratory")],
                "code": codeable(LOINC, code, name),
                "subject": self.subject(),
                "effectiveDateTime": at(when),
                "issued": at(when + Duration::hours(20)),
                "performer": [{ "display": "Riverbend Health Laboratory" }],
            });
            self.add(r, None)
        };
        let mut results = Vec::new();
        for &((code, name, unit, low, high), value) in tests {
            let value = round(value, if value < 20.0 { 1 } else { 0 });
            let flag = app::records::flag(None, Some(value), low, high);
            let mut range = serde_json::Map::new();
            if let Some(l) = low {
                range.insert(
                    "low".into(),
                    json!({ "value": l, "unit": unit, "system": UCUM, "code": unit }),
                );
            }
            if let Some(h) = high {
                range.insert(
                    "high".into(),
                    json!({ "value": h, "unit": unit, "system": UCUM, "code": unit }),
                );
            }
            let (icode, idisplay) = match flag {
                app::records::Flag::High => ("H", "High"),
                app::records::Flag::Low => ("L", "Low"),
                _ => ("N", "Normal"),
            };
            let r = json!({
                "resourceType": "Observation",
                "status": "final",
                "category": [codeable("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory", "Laboratory")],
                "code": codeable(LOINC, code, name),
                "subject": self.subject(),
                "effectiveDateTime": at(when),
                "issued": at(when + Duration::hours(20)),
                "valueQuantity": { "value": value, "unit": unit, "system": UCUM, "code": unit },
                "interpretation": [codeable("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", icode, idisplay)],
                "referenceRange": [Value::Object(range)],
            });
            results.push(self.add(r, Some(report_id)));
        }
        // The report names its results, as a lab's would.
        if let Some(report) = self.items.iter_mut().find(|i| i.item_id == report_id) {
            if let Some(map) = report.resource.as_object_mut() {
                map.insert(
                    "result".into(),
                    json!(results
                        .iter()
                        .map(|r| json!({ "reference": format!("urn:uuid:{r}") }))
                        .collect::<Vec<_>>()),
                );
            }
        }
    }
}

fn confidential_label(r: &mut Value) {
    if let Some(map) = r.as_object_mut() {
        map.insert(
            "meta".into(),
            json!({ "security": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R", "display": "restricted" }] }),
        );
    }
}

fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

const CLINICIANS: [&str; 4] = [
    "Dr. Ana Morales",
    "Dr. James Carter",
    "Dr. Mei Chen",
    "Dr. Omar Haddad",
];

/// What the clinician wrote after a visit: what was found, what to do, when to come back.
fn summary_text(
    reason: Option<&Condition>,
    systolic: f64,
    diastolic: f64,
    weight: f64,
    step: i64,
) -> String {
    let why = reason.map_or("your check-up".to_string(), |c| {
        format!("your {}", c.name.to_lowercase())
    });
    // Judged on the numbers as written, so "130/81" never reads as healthy.
    let (systolic, diastolic) = (systolic.round(), diastolic.round());
    let pressure = if systolic >= 130.0 {
        "higher than we would like"
    } else {
        "in a healthy range"
    };
    let mut next = match reason.and_then(|c| c.medication) {
        Some((_, drug, _, _, how)) => format!("Keep taking {drug}. {how}"),
        None => "No new medicines today.".to_string(),
    };
    if systolic >= 130.0 {
        next.push_str(
            " Check your blood pressure at home twice a week and bring the numbers next time.",
        );
    }
    let months = if step < 365 { 6 } else { 12 };
    format!(
        "Thank you for coming in today for {why}.\n\n\
         What we found: your blood pressure was {systolic:.0}/{diastolic:.0} mmHg, {pressure}. \
         Your weight was {weight:.1} kg.\n\n\
         What to do next: {next}\n\n\
         Come back in {months} months, or sooner if you feel worse. If you have chest pain or \
         trouble breathing, call 911."
    )
}

/// A patient's record, generated from their index (or a fixed stream for the demo family).
fn record(
    patient: Uuid,
    birth: NaiveDate,
    stream: u64,
    fixed: Option<&[(&Condition, bool)]>,
    now: DateTime<Utc>,
) -> Vec<Item> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    rng.set_stream(stream);
    let clinician = CLINICIANS
        .get(rng.random_range(0..CLINICIANS.len()))
        .copied()
        .unwrap_or("Dr. Ana Morales");
    let mut b = Builder {
        patient,
        items: Vec::new(),
        rng,
        clinician,
    };
    let age = now.date_naive().years_since(birth).unwrap_or(0);
    let adult = age >= 18;
    // Conditions: the family's are fixed, the rest by age.
    let conditions: Vec<(&Condition, bool)> = match fixed {
        Some(list) => list.to_vec(),
        None => {
            let mut list = Vec::new();
            let mut chance = |p: u32| b.rng.random_range(0..100) < p;
            if age >= 35 && chance(35 + age.min(80) / 3) {
                list.push((&HYPERTENSION, false));
            }
            if age >= 40 && chance(18) {
                list.push((&DIABETES, false));
            } else if age >= 30 && chance(15) {
                list.push((&PREDIABETES, false));
            }
            if age >= 40 && chance(30) {
                list.push((&CHOLESTEROL, false));
            }
            if chance(9) {
                list.push((&ASTHMA, false));
            }
            if adult && chance(6) {
                list.push((&HYPOTHYROIDISM, false));
            }
            if age >= 14 && chance(8) {
                list.push((&ANXIETY, age < 18));
            }
            if adult && chance(12) {
                list.push((&GERD, false));
            }
            if age >= 55 && chance(25) {
                list.push((&OSTEOARTHRITIS, false));
            }
            list
        }
    };
    let years = if adult { 6 } else { age.clamp(1, 6) };
    let start = now - Duration::days(i64::from(years) * 365);
    for (i, (c, confidential)) in conditions.iter().enumerate() {
        let onset = start - Duration::days(30 + 97 * i as i64);
        b.condition(c, onset, "active", *confidential);
    }
    // A past illness, resolved.
    if b.rng.random_range(0..100) < 40 {
        let when = start + Duration::days(b.rng.random_range(30..700));
        let cold = Condition {
            icd10: "J00",
            snomed: "82272006",
            name: "Common cold",
            medication: None,
        };
        b.condition(&cold, when, "resolved", false);
    }
    let allergies = if fixed.is_some() {
        0
    } else {
        b.rng.random_range(0..100)
    };
    for (i, a) in ALLERGIES.iter().enumerate() {
        if allergies < 30 && i == allergies % 4 {
            b.allergy(*a, start + Duration::days(10));
        }
    }
    // Visits: twice a year with a chronic condition, once a year otherwise.
    let chronic = conditions
        .iter()
        .any(|(c, _)| c.medication.is_some() && c.icd10 != "J45.909");
    let step = if chronic { 182 } else { 365 };
    let visits = i64::from(years) * 365 / step;
    let height = if adult {
        b.rng.random_range(152.0..190.0)
    } else {
        60.0 + f64::from(age) * 6.5
    };
    let mut weight = if adult {
        b.rng.random_range(55.0..105.0)
    } else {
        6.0 + f64::from(age) * 3.2
    };
    let has = |code: &str, list: &[(&Condition, bool)]| list.iter().any(|(c, _)| c.icd10 == code);
    let mut a1c: f64 = if has("E11.9", &conditions) {
        b.rng.random_range(7.4..8.6)
    } else if has("R73.03", &conditions) {
        b.rng.random_range(5.8..6.3)
    } else {
        b.rng.random_range(4.8..5.5)
    };
    let mut ldl: f64 = if has("E78.5", &conditions) {
        b.rng.random_range(150.0..185.0)
    } else {
        b.rng.random_range(70.0..125.0)
    };
    let mut systolic: f64 = if has("I10", &conditions) {
        b.rng.random_range(142.0..156.0)
    } else {
        b.rng.random_range(108.0..126.0)
    };
    let tsh_base: f64 = if has("E03.9", &conditions) { 6.2 } else { 1.8 };
    // After-visit summaries of the last two years' visits, added once the random values are
    // drawn (each added item draws its id, which would change every value after it).
    let mut summaries: Vec<(Uuid, DateTime<Utc>, String)> = Vec::new();
    let mut last_visit = None;
    for v in 0..visits {
        let when =
            start + Duration::days(v * step + b.rng.random_range(0..20)) + Duration::hours(15);
        if when > now - Duration::days(1) {
            break;
        }
        let reason = conditions
            .iter()
            .map(|(c, _)| *c)
            .find(|c| c.medication.is_some());
        let visit = b.encounter(when, chronic && v % 2 == 1, reason);
        // Treatment works slowly, with noise.
        systolic =
            (systolic - b.rng.random_range(0.0..3.0)).max(112.0) + b.rng.random_range(-4.0..4.0);
        let diastolic = systolic * 0.62 + b.rng.random_range(-3.0..3.0);
        b.blood_pressure(when, systolic, diastolic);
        let pulse = b.rng.random_range(60.0..88.0);
        b.vital("8867-4", "Heart rate", when, pulse, "/min");
        weight += b.rng.random_range(-1.5..1.6);
        b.vital("29463-7", "Body weight", when, weight, "kg");
        last_visit = Some(when);
        if when > now - Duration::days(730) {
            summaries.push((
                visit,
                when,
                summary_text(reason, systolic, diastolic, weight, step),
            ));
        }
        if adult {
            b.vital(
                "39156-5",
                "Body mass index (BMI) [Ratio]",
                when,
                weight / (height / 100.0).powi(2),
                "kg/m2",
            );
        } else {
            b.vital(
                "8302-2",
                "Body height",
                when,
                height - f64::from(years as i32 - v as i32) * 3.0,
                "cm",
            );
        }
        if !adult {
            continue;
        }
        let yearly = v % (365 / step) == 0;
        if has("E11.9", &conditions) || has("R73.03", &conditions) || yearly {
            a1c = (a1c - b.rng.random_range(0.0..0.25)).max(5.0) + b.rng.random_range(-0.15..0.2);
            b.panel("4548-4", "Hemoglobin A1c", when, &[(A1C, a1c)]);
        }
        if yearly {
            let glucose = 70.0 + (a1c - 4.5) * 22.0 + b.rng.random_range(-6.0..8.0);
            let metabolic = [
                (GLUCOSE, glucose),
                (CREATININE, b.rng.random_range(0.7..1.15)),
                (POTASSIUM, b.rng.random_range(3.7..4.9)),
                (SODIUM, b.rng.random_range(137.0..144.0)),
            ];
            b.panel("51990-0", "Basic metabolic panel", when, &metabolic);
            ldl = (ldl - b.rng.random_range(0.0..9.0)).max(70.0) + b.rng.random_range(-5.0..5.0);
            let hdl = b.rng.random_range(36.0..68.0);
            let tg = b.rng.random_range(90.0..210.0);
            b.panel(
                "57698-3",
                "Lipid panel",
                when,
                &[
                    (TOTAL_CHOLESTEROL, ldl + hdl + tg / 5.0),
                    (LDL, ldl),
                    (HDL, hdl),
                    (TRIGLYCERIDES, tg),
                ],
            );
            let blood = [
                (HEMOGLOBIN, b.rng.random_range(11.6..15.5)),
                (WBC, b.rng.random_range(4.8..10.0)),
            ];
            b.panel("58410-2", "Complete blood count", when, &blood);
            if has("E03.9", &conditions) {
                let tsh =
                    (tsh_base - f64::from(v as i32) * 0.4).max(1.2) + b.rng.random_range(-0.3..0.3);
                b.panel("3016-3", "Thyrotropin (TSH)", when, &[(TSH, tsh)]);
            }
        }
    }
    for (visit, when, text) in summaries {
        b.visit_summary(visit, when, &text);
    }
    if let Some(last) = last_visit.filter(|_| adult) {
        let list: Vec<&Condition> = conditions.iter().map(|(c, _)| *c).collect();
        b.care_plan(&list, last, now);
    }
    // Immunizations: yearly flu for everyone over 6 months, and what fits the age.
    for y in 0..years {
        let when = start + Duration::days(i64::from(y) * 365 + 40);
        if when < now {
            b.immunization("141", "Influenza, seasonal, injectable", when);
        }
    }
    if adult {
        b.immunization("115", "Tdap", start + Duration::days(200));
        b.immunization(
            "213",
            "SARS-COV-2 (COVID-19) vaccine, unspecified formulation",
            start + Duration::days(420),
        );
        if age >= 50 {
            b.immunization(
                "187",
                "Zoster vaccine recombinant",
                start + Duration::days(500),
            );
        }
        if age >= 65 {
            b.immunization(
                "133",
                "Pneumococcal conjugate PCV 13",
                start + Duration::days(560),
            );
        }
    } else {
        let born = birth
            .and_hms_opt(12, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or(start);
        for (cvx, name, days) in [
            ("20", "DTaP", 61),
            ("10", "IPV", 62),
            ("03", "MMR", 366),
            ("21", "Varicella", 367),
        ] {
            let when = born + Duration::days(days);
            if when < now {
                b.immunization(cvx, name, when);
            }
        }
    }
    b.items
}

/// Maria's records from the clinic she saw before moving: a bundle as that clinic's portal
/// exports it, imported through the import path.
fn outside_bundle() -> Value {
    let patient = "urn:uuid:8b7f5f5e-2c1a-4c3e-9a51-0d6f3c2b1a01";
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": "2021-03-02T10:00:00Z",
        "entry": [
            { "fullUrl": patient, "resource": {
                "resourceType": "Patient", "id": "rc-4471",
                "name": [{ "family": "Garcia", "given": ["Maria"] }],
                "gender": "female", "birthDate": "1979-03-14" } },
            { "fullUrl": "urn:uuid:8b7f5f5e-2c1a-4c3e-9a51-0d6f3c2b1a02", "resource": {
                "resourceType": "Organization", "id": "rc", "name": "Riverside Community Clinic" } },
            { "fullUrl": "urn:uuid:8b7f5f5e-2c1a-4c3e-9a51-0d6f3c2b1a03", "resource": {
                "resourceType": "Condition", "id": "rc-c1",
                "clinicalStatus": codeable("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"),
                "category": [codeable("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item", "Problem List Item")],
                "code": { "coding": [{ "system": ICD10, "code": "J30.2", "display": "Other seasonal allergic rhinitis" }], "text": "Seasonal allergies" },
                "subject": { "reference": patient }, "onsetDateTime": "2016-04" } },
            { "fullUrl": "urn:uuid:8b7f5f5e-2c1a-4c3e-9a51-0d6f3c2b1a04", "resource": {
                "resourceType": "Immunization", "id": "rc-i1", "status": "completed",
                "vaccineCode": codeable(CVX, "141", "Influenza, seasonal, injectable"),
                "patient": { "reference": patient }, "occurrenceDateTime": "2019-10-15", "primarySource": true } },
            { "fullUrl": "urn:uuid:8b7f5f5e-2c1a-4c3e-9a51-0d6f3c2b1a05", "resource": {
                "resourceType": "Observation", "id": "rc-o1", "status": "final",
                "category": [codeable("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory", "Laboratory")],
                "code": codeable(LOINC, "4548-4", "Hemoglobin A1c"),
                "subject": { "reference": patient }, "effectiveDateTime": "2020-02-11",
                "valueQuantity": { "value": 6.1, "unit": "%", "system": UCUM, "code": "%" },
                "referenceRange": [{ "low": { "value": 4.0, "unit": "%" }, "high": { "value": 5.6, "unit": "%" } }] } },
            { "fullUrl": "urn:uuid:8b7f5f5e-2c1a-4c3e-9a51-0d6f3c2b1a06", "resource": {
                "resourceType": "DocumentReference", "id": "rc-d1", "status": "current",
                "type": codeable(LOINC, "36643-5", "XR Chest 2 Views"),
                "category": [codeable("http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category", "clinical-note", "Clinical Note")],
                "subject": { "reference": patient }, "date": "2020-02-11T14:00:00Z",
                "description": "Chest X-ray report",
                "content": [{ "attachment": {
                    "contentType": "application/pdf",
                    "title": "Chest X-ray report.pdf",
                    "data": base64::engine::general_purpose::STANDARD.encode(tiny_pdf(&[
                        "Riverside Community Clinic - Radiology",
                        "Patient: Maria Garcia   Born: 1979-03-14",
                        "Exam: XR Chest 2 Views, 2020-02-11",
                        "Findings: The lungs are clear. Heart size is normal.",
                        "Impression: No acute disease.",
                    ])),
                } }] } }
        ]
    })
}

/// A one-page PDF with `lines` of text (Helvetica), for demo documents: the smallest file that
/// PDF readers open, with its cross-reference offsets counted as it is written.
fn tiny_pdf(lines: &[&str]) -> Vec<u8> {
    let text: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let l = l
                .replace('\\', "\\\\")
                .replace('(', "\\(")
                .replace(')', "\\)");
            let y = 760 - 20 * i;
            format!("BT /F1 12 Tf 56 {y} Td ({l}) Tj ET\n")
        })
        .collect();
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_string(),
        format!("<< /Length {} >>\nstream\n{text}endstream", text.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.push_str(&format!("{} 0 obj\n{body}\nendobj\n", i + 1));
    }
    let xref = pdf.len();
    pdf.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for o in offsets {
        pdf.push_str(&format!("{o:010} 00000 n \n"));
    }
    pdf.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    pdf.into_bytes()
}

/// Adds records for the demo family and the first patients without any; returns how many
/// items were written.
pub async fn load(pool: &PgPool, patients: u64) -> anyhow::Result<u64> {
    let now = Utc::now();
    let mut written = 0;
    let family: [(&str, &[(&Condition, bool)]); 5] = [
        (
            "00000000-0000-4000-8000-00000000a001",
            &[
                (&HYPERTENSION, false),
                (&DIABETES, false),
                (&CHOLESTEROL, false),
            ],
        ),
        ("00000000-0000-4000-8000-00000000a002", &[(&ASTHMA, false)]),
        (
            "00000000-0000-4000-8000-00000000a003",
            &[(&ASTHMA, false), (&ANXIETY, true)],
        ),
        (
            "00000000-0000-4000-8000-00000000a004",
            &[
                (&HYPERTENSION, false),
                (&HYPOTHYROIDISM, false),
                (&OSTEOARTHRITIS, false),
                (&GERD, false),
            ],
        ),
        ("00000000-0000-4000-8000-00000000a005", &[]),
    ];
    let mut people: Vec<(Uuid, NaiveDate, u64, Option<Conditions>)> = Vec::new();
    for (i, (id, conditions)) in family.iter().enumerate() {
        let id = Uuid::parse_str(id)?;
        let born: Option<NaiveDate> =
            sqlx::query_scalar!("select birth_date from patient where patient_id = $1", id)
                .fetch_optional(pool)
                .await?;
        if let Some(born) = born {
            people.push((id, born, 1_000_000 + i as u64, Some(*conditions)));
        }
    }
    for index in 0..patients.min(MAX_PATIENTS_WITH_RECORDS) {
        let p = crate::demo::patient(index);
        people.push((p.patient_id, p.birth_date, index, None));
    }
    for (id, born, stream, fixed) in people {
        let has: bool = sqlx::query_scalar!(
            r#"select exists(select 1 from record_item where patient_id = $1) as "e!""#,
            id
        )
        .fetch_one(pool)
        .await?;
        if has {
            continue;
        }
        let items = record(id, born, stream, fixed, now);
        let mut conn = pool.acquire().await?;
        written += app::records::db::insert_items(&mut conn, id, &items, None, None)
            .await
            .with_context(|| format!("demo records of patient {stream}"))?;
    }
    written += load_maria_extras(pool).await?;
    Ok(written)
}

/// Maria's outside record, and her older results marked as seen (only the latest visit's are
/// new to her).
async fn load_maria_extras(pool: &PgPool) -> anyhow::Result<u64> {
    let maria = Uuid::parse_str("00000000-0000-4000-8000-00000000a001")?;
    let Some(account) =
        app::auth::account::find_account_by_email(pool, "patient@example.org").await?
    else {
        return Ok(0);
    };
    let mut tx = pool.begin().await?;
    let Some(who): Option<PatientIdentity> =
        app::records::db::patient_identity(&mut tx, maria).await?
    else {
        return Ok(0);
    };
    let bundle = serde_json::to_vec(&outside_bundle())?;
    let reading = fhir::read_bundle(&bundle, &who);
    anyhow::ensure!(
        reading.problems.is_empty(),
        "the demo outside record has problems: {:?}",
        reading.problems
    );
    let sha: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(&bundle).into();
    let mut added = 0;
    if app::records::db::find_source_by_hash(&mut tx, maria, &sha)
        .await?
        .is_none()
    {
        let (n, _) = app::records::server::store(
            &mut tx,
            maria,
            account.account_id,
            &app::records::server::sha256(&bundle),
            reading,
        )
        .await
        .map_err(|e| anyhow::anyhow!("importing the demo outside record: {e}"))?;
        added = n as u64;
        sqlx::query!(
            "insert into record_seen (account_id, item_id)
             select $1, item_id from record_item
             where patient_id = $2 and resource_type in ('Observation', 'DiagnosticReport')
               and effective_at < (select max(effective_at) - interval '1 day' from record_item
                                   where patient_id = $2 and resource_type = 'DiagnosticReport')
             on conflict do nothing",
            account.account_id,
            maria
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(added)
}

/// A benchmark patient's record: about `observations` lab results over ten years (panels of
/// one to four tests, each in its report) plus a few conditions and medications.
/// A demo patient's whole record with every kind of item the portal keeps (the first of the
/// generated records that has them all), for tests that need one.
pub fn sample_record(patient: Uuid, birth: NaiveDate, now: DateTime<Utc>) -> Vec<Item> {
    let has_all = |items: &[Item]| {
        app::records::fhir::KEPT.iter().all(|kind| {
            items
                .iter()
                .any(|i| i.resource.get("resourceType").and_then(|t| t.as_str()) == Some(kind))
        })
    };
    (0..200)
        .map(|stream| record(patient, birth, stream, None, now))
        .find(|items| has_all(items))
        .unwrap_or_else(|| record(patient, birth, 0, None, now))
}

pub fn bench_record(patient: Uuid, observations: usize, now: DateTime<Utc>) -> Vec<Item> {
    let mut b = Builder {
        patient,
        items: Vec::new(),
        rng: ChaCha8Rng::seed_from_u64(SEED ^ 0xbe7c),
        clinician: "Dr. Mei Chen",
    };
    let start = now - Duration::days(3650);
    for (i, c) in [&HYPERTENSION, &DIABETES, &CHOLESTEROL]
        .into_iter()
        .enumerate()
    {
        b.condition(c, start - Duration::days(30 * i as i64), "active", false);
    }
    // Eleven results per round: A1c, the metabolic panel, lipids and a blood count.
    let rounds = observations.div_ceil(11).max(1);
    let step = 3650.0 / rounds as f64;
    for r in 0..rounds {
        let when = start + Duration::minutes((r as f64 * step * 1440.0) as i64);
        let a1c = b.rng.random_range(6.2..8.4);
        b.panel("4548-4", "Hemoglobin A1c", when, &[(A1C, a1c)]);
        let metabolic = [
            (GLUCOSE, b.rng.random_range(85.0..160.0)),
            (CREATININE, b.rng.random_range(0.7..1.3)),
            (POTASSIUM, b.rng.random_range(3.6..5.2)),
            (SODIUM, b.rng.random_range(135.0..145.0)),
        ];
        b.panel("51990-0", "Basic metabolic panel", when, &metabolic);
        let lipids = [
            (TOTAL_CHOLESTEROL, b.rng.random_range(160.0..240.0)),
            (LDL, b.rng.random_range(80.0..170.0)),
            (HDL, b.rng.random_range(35.0..65.0)),
            (TRIGLYCERIDES, b.rng.random_range(90.0..220.0)),
        ];
        b.panel("57698-3", "Lipid panel", when, &lipids);
        let blood = [
            (HEMOGLOBIN, b.rng.random_range(11.5..15.5)),
            (WBC, b.rng.random_range(4.5..10.5)),
        ];
        b.panel("58410-2", "Complete blood count", when, &blood);
    }
    b.items
}
