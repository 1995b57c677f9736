//! Records' server functions. Every one goes through `auth::access::require_access` with the
//! records scope before it reads or writes anything: the patient, a parent of a minor (of a
//! 12–17-year-old only with the scope the teen granted, and confidential items only when the
//! teen shares them), a proxy granted records, or staff with a second factor. Patients and
//! proxies see released items only. Every read, import and export is audited.

use super::domain::*;
use crate::error::AppError;
use leptos::prelude::*;

/// The health summary: conditions, allergies, medications, immunizations, latest vitals. The
/// patient, a proxy with the records scope, a parent within the teen rules, or staff. Audited.
#[server]
pub async fn records_summary(patient_id: Option<String>) -> Result<SummaryView, AppError> {
    crate::error::with_status(server::summary(patient_id).await)
}

/// Results grouped by report, each marked new until the caller has seen it (opening this
/// marks them seen). Who may call: as [`records_summary`]. Audited.
#[server]
pub async fn records_results(
    patient_id: Option<String>,
    all: Option<bool>,
) -> Result<ResultsView, AppError> {
    crate::error::with_status(server::results(patient_id, all.unwrap_or(false)).await)
}

/// One test's values over time, for its chart and table. As [`records_summary`]. Audited.
#[server]
pub async fn result_trend(patient_id: Option<String>, code: String) -> Result<TrendView, AppError> {
    crate::error::with_status(server::trend(patient_id, code).await)
}

/// What the import page shows: whose record, and the outside records already kept. As
/// [`records_summary`].
#[server]
pub async fn import_page(patient_id: Option<String>) -> Result<ImportPageData, AppError> {
    crate::error::with_status(server::import_page(patient_id).await)
}

/// Imports a FHIR R4 Bundle posted as the file `bundle` (with `patient_id`): checked whole
/// first; stored only when every entry is acceptable. With problems, they are kept aside for an
/// hour (see [`import_problems`]) and the answer is a 422 naming them by `pending`. As
/// [`records_summary`]. Audited.
#[server(input = crate::media::UploadForm, input_derive = ())]
pub async fn import_bundle(form: super::form::BundleForm) -> Result<(), AppError> {
    crate::error::with_status(server::import(form).await)
}

/// The problems of the caller's own import kept aside as `pending_id`. Only the account that
/// posted it, while it still may act for the patient.
#[server]
pub async fn import_problems(pending_id: String) -> Result<ImportReport, AppError> {
    crate::error::with_status(server::problems(pending_id).await)
}

/// Keeps the valid entries of the caller's import kept aside as `pending_id`. Only the
/// account that posted it, while it still may act for the patient. Audited.
#[server]
pub async fn keep_valid_entries(pending_id: String) -> Result<(), AppError> {
    crate::error::with_status(server::keep_valid(pending_id).await)
}

/// The import page's data.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ImportPageData {
    pub patient_id: String,
    pub patient_name: String,
    pub sources: Vec<(String, String)>,
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::super::db::{self, ItemRow};
    use super::super::fhir::{self, Exported, PatientIdentity};
    use super::super::form::BundleForm;
    use super::*;
    use crate::auth::access::{require_access, Access, ActingAs, Scope};
    use chrono::{DateTime, Datelike, Utc};
    use serde_json::Value;
    use sqlx::PgConnection;
    use std::collections::{HashMap, HashSet};
    use uuid::Uuid;

    fn language() -> &'static str {
        crate::scheduling::server::language()
    }

    const MONTHS_EN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    const MONTHS_ES: [&str; 12] = [
        "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic",
    ];

    /// "Mar 12, 2024" / "12 mar 2024". Dates of records are shown as calendar dates (a
    /// date-only record is stored at noon UTC; see `fhir::parse_datetime`).
    pub fn day(language: &str, at: Option<DateTime<Utc>>) -> String {
        let Some(at) = at else { return String::new() };
        let month0 = at.month0() as usize;
        if language == "es" {
            let m = MONTHS_ES.get(month0).copied().unwrap_or_default();
            format!("{} {m} {}", at.day(), at.year())
        } else {
            let m = MONTHS_EN.get(month0).copied().unwrap_or_default();
            format!("{m} {}, {}", at.day(), at.year())
        }
    }

    /// Who is asked about, and may the caller read their records.
    async fn access(patient_id: Option<String>) -> Result<Access, AppError> {
        let patient = crate::household::acting_patient(patient_id).await?;
        require_access(patient, Scope::Records).await
    }

    fn released_only(access: &Access) -> bool {
        access.allowed.acting_as != ActingAs::Staff
    }

    async fn identity(conn: &mut PgConnection, patient: Uuid) -> Result<PatientIdentity, AppError> {
        db::patient_identity(conn, patient)
            .await?
            .ok_or(AppError::Forbidden)
    }

    fn name(who: &PatientIdentity) -> String {
        format!("{} {}", who.given_name, who.family_name)
    }

    /// Test codes whose article is about a condition: an abnormal HbA1c links to diabetes, a
    /// high LDL to cholesterol. Results carry LOINC codes; articles carry condition codes.
    fn related_condition(loinc: &str) -> Option<&'static str> {
        Some(match loinc {
            "4548-4" | "17856-6" => "R73.03",
            "2345-7" | "2339-0" | "1558-6" => "E11.9",
            "2093-3" | "13457-7" | "18262-6" | "2571-8" | "2085-9" => "E78.5",
            "3016-3" | "3024-7" => "E03.9",
            "85354-9" | "8480-6" | "8462-4" => "I10",
            "39156-5" => "E66.9",
            _ => return None,
        })
    }

    async fn articles(
        conn: &mut PgConnection,
        codes: Vec<String>,
    ) -> Result<HashMap<String, (String, String)>, AppError> {
        if codes.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(db::articles_for_codes(conn, &codes, language())
            .await?
            .into_iter()
            .map(|(code, slug, title)| (code, (title, format!("/library/{slug}"))))
            .collect())
    }

    fn words(v: Option<&Value>) -> Option<String> {
        let v = v?;
        v.get("text")
            .and_then(Value::as_str)
            .or_else(|| v.pointer("/coding/0/display").and_then(Value::as_str))
            .or_else(|| v.pointer("/coding/0/code").and_then(Value::as_str))
            .map(str::to_string)
    }

    fn quantity(q: Option<&Value>) -> Option<String> {
        let q = q?;
        let value = q.get("value")?.as_f64()?;
        let unit = q
            .get("unit")
            .or_else(|| q.get("code"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        Some(format!("{} {unit}", number(value)).trim().to_string())
    }

    /// A value in words: "5.9 %", "128/82 mmHg", a coded answer, or text.
    pub fn value_text(resource: &Value) -> String {
        if let Some(q) = quantity(resource.get("valueQuantity")) {
            return q;
        }
        if let Some(components) = resource.get("component").and_then(Value::as_array) {
            let values: Vec<(f64, String)> = components
                .iter()
                .filter_map(|c| {
                    let q = c.get("valueQuantity")?;
                    let unit = q
                        .get("unit")
                        .or_else(|| q.get("code"))
                        .and_then(Value::as_str);
                    Some((
                        q.get("value")?.as_f64()?,
                        unit.unwrap_or_default().to_string(),
                    ))
                })
                .collect();
            if let Some((_, unit)) = values.first() {
                let numbers: Vec<String> = values.iter().map(|(v, _)| number(*v)).collect();
                return format!("{} {unit}", numbers.join("/")).trim().to_string();
            }
        }
        words(resource.get("valueCodeableConcept"))
            .or_else(|| {
                resource
                    .get("valueString")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default()
    }

    /// The second number of a pair (blood pressure's diastolic).
    fn second_value(resource: &Value) -> Option<f64> {
        resource
            .get("component")?
            .as_array()?
            .iter()
            .filter_map(|c| c.pointer("/valueQuantity/value").and_then(Value::as_f64))
            .nth(1)
    }

    fn details(row: &ItemRow) -> Vec<(String, String)> {
        let r = &row.resource;
        let mut out = Vec::new();
        let mut push = |label: &str, value: Option<String>| {
            if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
                out.push((label.to_string(), v));
            }
        };
        match row.resource_type.as_str() {
            "AllergyIntolerance" => {
                push("reaction", words(r.pointer("/reaction/0/manifestation/0")));
                push(
                    "severity",
                    r.pointer("/reaction/0/severity")
                        .or_else(|| r.get("criticality"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                );
            }
            "MedicationRequest" => {
                push(
                    "dose",
                    quantity(r.pointer("/dosageInstruction/0/doseAndRate/0/doseQuantity")),
                );
                push(
                    "instructions",
                    r.pointer("/dosageInstruction/0/patientInstruction")
                        .or_else(|| r.pointer("/dosageInstruction/0/text"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                );
                push(
                    "prescriber",
                    r.pointer("/requester/display")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                );
            }
            "Observation" => push("value", Some(value_text(r))),
            _ => {}
        }
        out
    }

    fn item_view(
        row: &ItemRow,
        language: &str,
        learn: &HashMap<String, (String, String)>,
    ) -> ItemView {
        ItemView {
            id: row.item_id.to_string(),
            display: row.display.clone(),
            code_system: row.code_system.clone(),
            code: row.code.clone(),
            date: day(language, row.effective_at),
            status: row.status.clone(),
            source: row.source_name.clone(),
            details: details(row),
            learn: row.code.as_ref().and_then(|c| learn.get(c).cloned()),
        }
    }

    pub async fn summary(patient_id: Option<String>) -> Result<SummaryView, AppError> {
        let access = access(patient_id).await?;
        let patient = access.patient_id;
        let show = access.allowed.show_confidential;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let who = identity(&mut conn, patient).await?;
        let mut rows = db::select_items(
            &mut conn,
            patient,
            &[
                "Condition",
                "AllergyIntolerance",
                "MedicationRequest",
                "Immunization",
            ],
            released_only(&access),
            show,
        )
        .await?;
        rows.extend(
            db::select_latest_vitals(&mut conn, patient, released_only(&access), show).await?,
        );
        let condition_codes = rows
            .iter()
            .filter(|r| r.resource_type == "Condition")
            .filter_map(|r| r.code.clone())
            .collect();
        let learn = articles(&mut conn, condition_codes).await?;
        let language = language();
        fn of<'a>(rows: &'a [ItemRow], t: &'a str) -> impl Iterator<Item = &'a ItemRow> {
            rows.iter().filter(move |r| r.resource_type == t)
        }
        let mut conditions: Vec<&ItemRow> = of(&rows, "Condition").collect();
        // Active problems first, then the rest, each newest first (the query's order).
        conditions
            .sort_by_key(|r| !matches!(r.status.as_str(), "active" | "recurrence" | "relapse"));
        let vitals = of(&rows, "Observation")
            .map(|r| item_view(r, language, &learn))
            .collect();
        let new_results =
            db::count_new_results(&mut conn, access.caller.account.account_id, patient, show)
                .await?;
        let sources = db::select_sources(&mut conn, patient)
            .await?
            .into_iter()
            .map(|(_, name, at)| (name, day(language, Some(at))))
            .collect();
        let hidden_confidential = !show && db::has_confidential(&mut conn, patient).await?;
        crate::audit::record(
            &mut *conn,
            &access.audit("records.summary").on("patient", patient),
        )
        .await?;
        Ok(SummaryView {
            patient_id: patient.to_string(),
            patient_name: name(&who),
            conditions: conditions
                .into_iter()
                .map(|r| item_view(r, language, &learn))
                .collect(),
            allergies: of(&rows, "AllergyIntolerance")
                .filter(|r| r.status != "resolved" && r.status != "inactive")
                .map(|r| item_view(r, language, &learn))
                .collect(),
            medications: of(&rows, "MedicationRequest")
                .filter(|r| matches!(r.status.as_str(), "active" | "on-hold" | "draft"))
                .map(|r| item_view(r, language, &learn))
                .collect(),
            immunizations: of(&rows, "Immunization")
                .filter(|r| r.status == "completed")
                .map(|r| item_view(r, language, &learn))
                .collect(),
            vitals,
            new_results,
            sources,
            hidden_confidential,
        })
    }

    fn result_row(
        row: &ItemRow,
        language: &str,
        new: bool,
        counts: &HashMap<String, i64>,
        learn: &HashMap<String, (String, String)>,
    ) -> ResultRow {
        let flag = flag(
            row.interpretation.as_deref(),
            row.value,
            row.ref_low,
            row.ref_high,
        );
        let learn = row
            .code
            .as_deref()
            .filter(|_| flag.is_abnormal())
            .and_then(related_condition)
            .and_then(|c| learn.get(c).cloned());
        ResultRow {
            id: row.item_id.to_string(),
            display: row.display.clone(),
            code: row.code.clone(),
            value: value_text(&row.resource),
            range: range_text(row.ref_low, row.ref_high),
            flag,
            date: day(language, row.effective_at),
            new,
            count: row
                .code
                .as_ref()
                .and_then(|c| counts.get(c))
                .copied()
                .unwrap_or(0),
            learn,
            source: row.source_name.clone(),
        }
    }

    /// How many reports (or days of results outside a report) the page shows before "show all".
    pub const REPORTS_SHOWN: usize = 40;

    pub async fn results(
        patient_id: Option<String>,
        all_shown: bool,
    ) -> Result<ResultsView, AppError> {
        let access = access(patient_id).await?;
        let patient = access.patient_id;
        let (released, show) = (released_only(&access), access.allowed.show_confidential);
        let account = access.caller.account.account_id;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let who = identity(&mut conn, patient).await?;
        let rows = db::select_items(
            &mut conn,
            patient,
            &["Observation", "DiagnosticReport"],
            released,
            show,
        )
        .await?
        .into_iter()
        .filter(|r| r.category != "vital-signs")
        .collect::<Vec<_>>();
        let ids: Vec<Uuid> = rows.iter().map(|r| r.item_id).collect();
        let unseen: HashSet<Uuid> = db::unseen(&mut conn, account, &ids)
            .await?
            .into_iter()
            .collect();
        let counts: HashMap<String, i64> = db::code_counts(&mut conn, patient, released, show)
            .await?
            .into_iter()
            .collect();
        let related: Vec<String> = rows
            .iter()
            .filter_map(|r| r.code.as_deref().and_then(related_condition))
            .map(str::to_string)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let learn = articles(&mut conn, related).await?;
        let language = language();
        let mut reports: Vec<ReportView> = Vec::new();
        let mut index: HashMap<Uuid, usize> = HashMap::new();
        for r in rows
            .iter()
            .filter(|r| r.resource_type == "DiagnosticReport")
        {
            index.insert(r.item_id, reports.len());
            reports.push(ReportView {
                id: r.item_id.to_string(),
                display: r.display.clone(),
                date: day(language, r.effective_at),
                status: r.status.clone(),
                source: r.source_name.clone(),
                conclusion: r
                    .resource
                    .get("conclusion")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                rows: Vec::new(),
            });
        }
        // Results outside any report: one group per day, shown where their date falls.
        let mut loose: Vec<(Option<DateTime<Utc>>, ReportView)> = Vec::new();
        for r in rows.iter().filter(|r| r.resource_type == "Observation") {
            let row = result_row(r, language, unseen.contains(&r.item_id), &counts, &learn);
            match r
                .report_id
                .and_then(|id| index.get(&id))
                .and_then(|&i| reports.get_mut(i))
            {
                Some(report) => report.rows.push(row),
                None => {
                    let date = day(language, r.effective_at);
                    match loose.iter_mut().find(|(_, g)| g.date == date) {
                        Some((_, group)) => group.rows.push(row),
                        None => loose.push((
                            r.effective_at,
                            ReportView {
                                id: format!("day-{}", loose.len()),
                                display: String::new(),
                                date,
                                status: String::new(),
                                source: r.source_name.clone(),
                                conclusion: None,
                                rows: vec![row],
                            },
                        )),
                    }
                }
            }
        }
        let report_dates: HashMap<String, Option<DateTime<Utc>>> = rows
            .iter()
            .filter(|r| r.resource_type == "DiagnosticReport")
            .map(|r| (r.item_id.to_string(), r.effective_at))
            .collect();
        let mut all: Vec<(Option<DateTime<Utc>>, ReportView)> = reports
            .into_iter()
            .map(|r| (report_dates.get(&r.id).copied().flatten(), r))
            .chain(loose)
            .collect();
        all.sort_by_key(|b| std::cmp::Reverse(b.0));
        let more = if all_shown {
            0
        } else {
            all.len().saturating_sub(REPORTS_SHOWN)
        };
        all.truncate(all.len() - more);
        // Only what was shown stops being new.
        let shown: Vec<Uuid> = all
            .iter()
            .flat_map(|(_, r)| {
                std::iter::once(r.id.as_str()).chain(r.rows.iter().map(|row| row.id.as_str()))
            })
            .filter_map(|id| Uuid::parse_str(id).ok())
            .collect();
        let hidden_confidential = !show && db::has_confidential(&mut conn, patient).await?;
        let mut tx = pool.begin().await?;
        db::mark_seen(&mut tx, account, &shown).await?;
        crate::audit::record(
            &mut *tx,
            &access.audit("records.results").on("patient", patient),
        )
        .await?;
        tx.commit().await?;
        Ok(ResultsView {
            patient_id: patient.to_string(),
            patient_name: name(&who),
            reports: all.into_iter().map(|(_, r)| r).collect(),
            more,
            hidden_confidential,
        })
    }

    pub async fn trend(patient_id: Option<String>, code: String) -> Result<TrendView, AppError> {
        let access = access(patient_id).await?;
        let patient = access.patient_id;
        let code = code.trim().chars().take(100).collect::<String>();
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let who = identity(&mut conn, patient).await?;
        let rows = db::select_trend(
            &mut conn,
            patient,
            &code,
            released_only(&access),
            access.allowed.show_confidential,
        )
        .await?;
        let Some(latest) = rows.last() else {
            return Err(AppError::NotFound);
        };
        let language = language();
        let learn = match related_condition(&code) {
            Some(c) => articles(&mut conn, vec![c.to_string()]).await?.remove(c),
            None => None,
        };
        let view = TrendView {
            patient_id: patient.to_string(),
            patient_name: name(&who),
            code: code.clone(),
            display: latest.display.clone(),
            unit: latest.unit.clone().unwrap_or_default(),
            low: latest.ref_low,
            high: latest.ref_high,
            points: rows
                .iter()
                .filter_map(|r| {
                    Some(TrendPoint {
                        at_unix: r.effective_at.map_or(0, |t| t.timestamp()),
                        date: day(language, r.effective_at),
                        value: r.value?,
                        second: second_value(&r.resource),
                        flag: flag(r.interpretation.as_deref(), r.value, r.ref_low, r.ref_high),
                        patient_reported: r.category == "patient-reported",
                    })
                })
                .collect(),
            learn,
        };
        crate::audit::record(
            &mut *conn,
            &access.audit("records.trend").on("patient", patient),
        )
        .await?;
        Ok(view)
    }

    pub async fn import_page(patient_id: Option<String>) -> Result<ImportPageData, AppError> {
        let access = access(patient_id).await?;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let who = identity(&mut conn, access.patient_id).await?;
        let language = language();
        Ok(ImportPageData {
            patient_id: access.patient_id.to_string(),
            patient_name: name(&who),
            sources: db::select_sources(&mut conn, access.patient_id)
                .await?
                .into_iter()
                .map(|(_, name, at)| (name, day(language, Some(at))))
                .collect(),
        })
    }

    fn problem_list(problems: &[fhir::Problem]) -> Vec<(usize, String, String, String)> {
        problems
            .iter()
            .map(|p| {
                (
                    p.entry,
                    p.resource_type.clone(),
                    p.field.clone(),
                    p.kind.as_str().to_string(),
                )
            })
            .collect()
    }

    /// Stores what `reading` holds for the patient as one outside record; entries already in
    /// the record (from an earlier import of the same data) are skipped, and references to
    /// them point at the ones kept. Returns (added, already here).
    pub async fn store(
        conn: &mut PgConnection,
        patient: Uuid,
        by: Uuid,
        bytes: &[u8],
        reading: fhir::Reading,
    ) -> Result<(usize, usize), AppError> {
        let hashes: Vec<Vec<u8>> = reading
            .items
            .iter()
            .map(|i| i.content_sha256.to_vec())
            .collect();
        let existing: HashMap<Vec<u8>, Uuid> = db::existing_content(conn, patient, &hashes)
            .await?
            .into_iter()
            .collect();
        let mut moved: HashMap<String, String> = HashMap::new();
        let mut remap: HashMap<Uuid, Uuid> = HashMap::new();
        for item in &reading.items {
            if let Some(old) = existing.get(item.content_sha256.as_slice()) {
                moved.insert(
                    format!("urn:uuid:{}", item.item_id),
                    format!("urn:uuid:{old}"),
                );
                remap.insert(item.item_id, *old);
            }
        }
        let already = remap.len();
        let mut items: Vec<fhir::Item> = reading
            .items
            .into_iter()
            .filter(|i| !remap.contains_key(&i.item_id))
            .collect();
        for item in &mut items {
            if !moved.is_empty() {
                fhir::rewrite(&mut item.resource, &moved);
            }
            item.report_id = item.report_id.map(|r| remap.get(&r).copied().unwrap_or(r));
        }
        if items.is_empty() {
            return Ok((0, already));
        }
        let source = Uuid::new_v4();
        let sha: [u8; 32] = sha2::Sha256::digest(bytes).into();
        let name = reading.source_name.unwrap_or_else(|| {
            if language() == "es" {
                "Registro externo"
            } else {
                "Outside record"
            }
            .to_string()
        });
        let count = i32::try_from(items.len()).unwrap_or(i32::MAX);
        db::insert_source(conn, source, patient, &name, &sha, count, by).await?;
        // Reports before their results, so a result's report exists when it is stored.
        items.sort_by_key(|i| i.fields.resource_type != "DiagnosticReport");
        let added = db::insert_items(conn, patient, &items, Some(source), Some(by)).await?;
        Ok((usize::try_from(added).unwrap_or(0), already))
    }

    use sha2::Digest;

    pub async fn import(form: BundleForm) -> Result<(), AppError> {
        // Signed in before the body is read; nothing of it is stored before the access check.
        crate::auth::server::require_user().await?;
        let form = form.read().await;
        let access = access(form.fields.get("patient_id").cloned()).await?;
        let patient = access.patient_id;
        let account = access.caller.account.account_id;
        let posted = form.file;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let who = identity(&mut conn, patient).await?;
        let reading = match &posted {
            Ok(bytes) => fhir::read_bundle(bytes, &who),
            Err(kind) => fhir::Reading {
                problems: vec![fhir::Problem {
                    entry: 0,
                    resource_type: String::new(),
                    field: String::new(),
                    kind: *kind,
                }],
                ..Default::default()
            },
        };
        let bytes = posted.as_deref().unwrap_or_default();
        if !reading.problems.is_empty() {
            let pending = Uuid::new_v4();
            let problems =
                serde_json::to_value(problem_list(&reading.problems)).unwrap_or_default();
            // The bytes are kept only when some entries could be kept.
            let keep = if reading.items.is_empty() {
                &[][..]
            } else {
                bytes
            };
            let valid = i32::try_from(reading.items.len()).unwrap_or(0);
            db::insert_pending(&mut conn, pending, patient, account, keep, &problems, valid)
                .await?;
            let mut event = access.audit("records.import");
            event.outcome = crate::audit::Outcome::Failure;
            crate::audit::record(&mut *conn, &event.on("patient", patient)).await?;
            tracing::info!(problems = reading.problems.len(), "records import refused");
            return Err(AppError::Validation(
                [("pending".to_string(), pending.to_string())]
                    .into_iter()
                    .collect(),
            ));
        }
        let sha: [u8; 32] = sha2::Sha256::digest(bytes).into();
        if let Some((_, items)) = db::find_source_by_hash(&mut conn, patient, &sha).await? {
            crate::audit::record(
                &mut *conn,
                &access.audit("records.import").on("patient", patient),
            )
            .await?;
            leptos_axum::redirect(&format!(
                "/records/import?patient={patient}&added=0&already={items}"
            ));
            return Ok(());
        }
        let mut tx = pool.begin().await?;
        let (added, already) = store(&mut tx, patient, account, bytes, reading).await?;
        crate::audit::record(
            &mut *tx,
            &access.audit("records.import").on("patient", patient),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(added, already, "records imported");
        leptos_axum::redirect(&format!(
            "/records/import?patient={patient}&added={added}&already={already}"
        ));
        Ok(())
    }

    async fn own_pending(pending_id: &str) -> Result<(Uuid, db::Pending, Access), AppError> {
        let caller = crate::auth::server::require_user().await?;
        let pending = Uuid::parse_str(pending_id.trim()).map_err(|_| AppError::NotFound)?;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let row = db::find_pending(&mut conn, pending, caller.account.account_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let access = require_access(row.patient_id, Scope::Records).await?;
        Ok((pending, row, access))
    }

    pub async fn problems(pending_id: String) -> Result<ImportReport, AppError> {
        let (pending, row, _) = own_pending(&pending_id).await?;
        let problems: Vec<(usize, String, String, String)> =
            serde_json::from_value(row.problems).unwrap_or_default();
        Ok(ImportReport {
            added: 0,
            already_here: 0,
            problems,
            valid_entries: usize::try_from(row.valid).unwrap_or(0),
            pending_id: Some(pending.to_string()),
            source: None,
        })
    }

    pub async fn keep_valid(pending_id: String) -> Result<(), AppError> {
        let (pending, row, access) = own_pending(&pending_id).await?;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let who = identity(&mut conn, access.patient_id).await?;
        let reading = fhir::read_bundle(&row.bundle, &who);
        if reading.items.is_empty() {
            return Err(AppError::Conflict("nothing_to_keep".into()));
        }
        let mut tx = pool.begin().await?;
        let (added, already) = store(
            &mut tx,
            access.patient_id,
            access.caller.account.account_id,
            &row.bundle,
            reading,
        )
        .await?;
        db::delete_pending(&mut tx, pending).await?;
        crate::audit::record(
            &mut *tx,
            &access
                .audit("records.import")
                .on("patient", access.patient_id),
        )
        .await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!(
            "/records/import?patient={}&added={added}&already={already}",
            access.patient_id
        ));
        Ok(())
    }

    /// The whole record as a FHIR R4 Bundle (JSON text), for `GET /records/export.json`. As
    /// [`records_summary`]: a patient or proxy gets what they may see. Audited.
    pub async fn export(patient_id: Option<String>) -> Result<String, AppError> {
        let access = access(patient_id).await?;
        let patient = access.patient_id;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let who = identity(&mut conn, patient).await?;
        let rows = db::select_items(
            &mut conn,
            patient,
            &fhir::KEPT,
            released_only(&access),
            access.allowed.show_confidential,
        )
        .await?;
        let sources: HashMap<Uuid, (String, DateTime<Utc>)> =
            db::select_sources(&mut conn, patient)
                .await?
                .into_iter()
                .map(|(id, name, at)| (id, (name, at)))
                .collect();
        let organisation = db::organisation_name(&mut conn).await?;
        let items: Vec<Exported<'_>> = rows
            .iter()
            .map(|r| Exported {
                item_id: r.item_id,
                resource: &r.resource,
                source: r
                    .source_id
                    .and_then(|id| sources.get(&id).map(|(name, at)| (id, name.as_str(), *at))),
            })
            .collect();
        let bundle = fhir::export_bundle(&who, &organisation, &items, Utc::now());
        crate::audit::record(
            &mut *conn,
            &access.audit("records.export").on("patient", patient),
        )
        .await?;
        serde_json::to_string_pretty(&bundle).map_err(|_| AppError::Internal)
    }
}
