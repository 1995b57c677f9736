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

/// The values over time of the test `item` (one of the patient's result values) measures, for
/// its chart and table. As [`records_summary`]; a value the caller may not see is not found.
/// Audited.
#[server]
pub async fn result_trend(patient_id: Option<String>, item: String) -> Result<TrendView, AppError> {
    crate::error::with_status(server::trend(patient_id, item).await)
}

/// Past visits, newest first, each with its after-visit summary. As [`records_summary`];
/// `can_write` tells staff they may write the summaries. Audited.
#[server]
pub async fn records_visits(patient_id: Option<String>) -> Result<VisitsView, AppError> {
    crate::error::with_status(server::visits(patient_id).await)
}

/// Writes the after-visit summary of the patient's visit `visit_id`, or corrects it: a
/// correction is a new version, and every earlier one is kept with who wrote it and when.
/// Staff only (signed in with a second factor, as every staff page). Audited.
#[server]
pub async fn write_visit_summary(
    patient_id: String,
    visit_id: String,
    text: String,
) -> Result<(), AppError> {
    crate::error::with_status(server::write_summary(patient_id, visit_id, text).await)
}

/// The patient's documents (letters, reports, after-visit summaries), newest first, each with
/// its file's format and size when it can be downloaded. As [`records_summary`]. Audited.
#[server]
pub async fn records_documents(patient_id: Option<String>) -> Result<DocumentsView, AppError> {
    crate::error::with_status(server::documents(patient_id).await)
}

/// Goals, care plans with their tasks, the care team and the primary contact. As
/// [`records_summary`]. Audited.
#[server]
pub async fn care_plan(patient_id: Option<String>) -> Result<CarePlanView, AppError> {
    crate::error::with_status(server::care_plan(patient_id).await)
}

/// Marks task `task` of care plan `plan_id` done (or, with `done` false, not done), noting
/// who and when in the plan. Anyone who may read the patient's records (as
/// [`records_summary`]); plans from outside records stay as received. Audited.
#[server]
pub async fn mark_care_task(
    patient_id: String,
    plan_id: String,
    task: usize,
    done: bool,
) -> Result<(), AppError> {
    crate::error::with_status(server::mark_task(patient_id, plan_id, task, done).await)
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

    /// "Mar 12, 2024" / "12 mar 2024". Dates of records are shown as calendar dates (a
    /// date-only record is stored at noon UTC; see `fhir::parse_datetime`).
    pub fn day(language: &str, at: Option<DateTime<Utc>>) -> String {
        let Some(at) = at else { return String::new() };
        let m = crate::locale::short_month(language, at.month0());
        if language == "es" {
            format!("{} {m} {}", at.day(), at.year())
        } else {
            format!("{m} {}, {}", at.day(), at.year())
        }
    }

    /// Who is asked about, and may the caller read their records.
    pub(crate) async fn access(patient_id: Option<String>) -> Result<Access, AppError> {
        let patient = crate::household::acting_patient(patient_id).await?;
        require_access(patient, Scope::Records).await
    }

    /// Records access for what only the patient's side does (share, enter readings, ask for a
    /// renewal): the patient, a parent or a proxy with the records scope; never staff, who act
    /// on the record through their own pages.
    pub async fn patient_side_access(patient_id: Option<String>) -> Result<Access, AppError> {
        let access = access(patient_id).await?;
        if access.allowed.acting_as == ActingAs::Staff {
            return Err(AppError::Forbidden);
        }
        Ok(access)
    }

    fn released_only(access: &Access) -> bool {
        access.allowed.acting_as != ActingAs::Staff
    }

    /// Who the record is about; "forbidden" when the patient is gone (as the access check).
    pub(crate) async fn identity(
        conn: &mut PgConnection,
        patient: Uuid,
    ) -> Result<PatientIdentity, AppError> {
        db::patient_identity(conn, patient)
            .await?
            .ok_or(AppError::Forbidden)
    }

    /// "Maria Garcia", as the pages name the person.
    pub(crate) fn name(who: &PatientIdentity) -> String {
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

    pub(crate) fn words(v: Option<&Value>) -> Option<String> {
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

    /// The NDCs a medication is coded with.
    fn ndcs(resource: &Value) -> Vec<String> {
        resource
            .pointer("/medicationCodeableConcept/coding")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|c| c.get("system").and_then(Value::as_str) == Some(fhir::NDC))
            .filter_map(|c| c.get("code").and_then(Value::as_str).map(str::to_string))
            .collect()
    }

    /// Medications as shown, each with the outpatient pharmacy's cash price when the price
    /// catalogue lists the drug under one of its NDCs (public prices, so no further check).
    async fn with_cash_prices(
        conn: &mut PgConnection,
        language: &str,
        rows: &[&ItemRow],
        learn: &HashMap<String, (String, String)>,
    ) -> Result<Vec<ItemView>, AppError> {
        // Each row's NDCs, read once, without hyphens (the catalogue may write them either way).
        let codes: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                ndcs(&r.resource)
                    .iter()
                    .map(|n| n.replace('-', ""))
                    .collect()
            })
            .collect();
        let wanted: Vec<String> = codes.concat();
        let prices = if wanted.is_empty() {
            Vec::new()
        } else {
            crate::pricing::db::select_drug_prices(&mut *conn, &wanted).await?
        };
        Ok(rows
            .iter()
            .zip(&codes)
            .map(|(r, codes)| {
                let mut view = item_view(r, language, learn);
                let price = prices
                    .iter()
                    .find(|p| codes.contains(&p.ndc.replace('-', "")));
                if let Some((p, cash)) = price.and_then(|p| p.cash.map(|c| (p, c))) {
                    view.details.push((
                        "cash_price".into(),
                        format!(
                            "{} {}",
                            crate::pricing::money::format_usd(cash),
                            crate::pricing::db::per_unit(language, p.unit, p.unit_type.as_deref())
                        ),
                    ));
                }
                view
            })
            .collect())
    }

    pub(crate) fn item_view(
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
        Ok(summary_for(patient_id).await?.1)
    }

    /// The summary, and the access that allowed it.
    async fn summary_for(patient_id: Option<String>) -> Result<(Access, SummaryView), AppError> {
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
        // Staff see stopped medications and resolved allergies too, to correct them.
        let staff = access.allowed.acting_as == ActingAs::Staff;
        let may_renew = access.allowed.acting_as != ActingAs::Staff
            && crate::auth::access::also_allows(&access, Scope::Messages).await?;
        let renewals = if may_renew {
            db::latest_renewals(&mut conn, patient)
                .await?
                .into_iter()
                .map(|r| super::super::renewal::server::status_view(language, r))
                .collect()
        } else {
            Vec::new()
        };
        let medication_rows: Vec<&ItemRow> = of(&rows, "MedicationRequest")
            .filter(|r| staff || matches!(r.status.as_str(), "active" | "on-hold" | "draft"))
            .collect();
        let medications = with_cash_prices(&mut conn, language, &medication_rows, &learn).await?;
        crate::audit::record(
            &mut *conn,
            &access.audit("records.summary").on("patient", patient),
        )
        .await?;
        let view = SummaryView {
            patient_id: patient.to_string(),
            patient_name: name(&who),
            conditions: conditions
                .into_iter()
                .map(|r| item_view(r, language, &learn))
                .collect(),
            allergies: of(&rows, "AllergyIntolerance")
                .filter(|r| staff || (r.status != "resolved" && r.status != "inactive"))
                .map(|r| item_view(r, language, &learn))
                .collect(),
            medications,
            immunizations: of(&rows, "Immunization")
                .filter(|r| staff || r.status == "completed")
                .map(|r| item_view(r, language, &learn))
                .collect(),
            vitals,
            new_results,
            sources,
            hidden_confidential,
            may_renew,
            renewals,
            can_write: staff,
        };
        Ok((access, view))
    }

    fn result_row(
        row: &ItemRow,
        language: &str,
        new: bool,
        counts: &HashMap<String, i64>,
        learn: &HashMap<String, (String, String)>,
        held: &HashMap<Uuid, DateTime<Utc>>,
        staff: bool,
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
            held: held.get(&row.item_id).map(|at| day(language, Some(*at))),
            correctable: staff
                && row.source_id.is_none()
                && super::super::entry::RESULT_CATEGORIES.contains(&row.category.as_str())
                && super::super::entry::server::fields_of(
                    super::super::entry::EntryKind::Result,
                    row,
                )
                .is_some(),
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
        // The patient's own readings have their page (and their charts); results are the clinic's.
        .filter(|r| r.category != "vital-signs" && r.category != fhir::PATIENT_REPORTED)
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
        let staff = access.allowed.acting_as == ActingAs::Staff;
        let held: HashMap<Uuid, DateTime<Utc>> = if staff {
            db::held_results(&mut conn, patient)
                .await?
                .into_iter()
                .collect()
        } else {
            HashMap::new()
        };
        // Each group with its date, to sort by.
        let mut reports: Vec<(Option<DateTime<Utc>>, ReportView)> = Vec::new();
        let mut index: HashMap<Uuid, usize> = HashMap::new();
        for r in rows
            .iter()
            .filter(|r| r.resource_type == "DiagnosticReport")
        {
            index.insert(r.item_id, reports.len());
            reports.push((
                r.effective_at,
                ReportView {
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
                    held: held.get(&r.item_id).map(|at| day(language, Some(*at))),
                },
            ));
        }
        // Results outside any report: one group per day, shown where their date falls.
        let mut loose: Vec<(Option<DateTime<Utc>>, ReportView)> = Vec::new();
        for r in rows.iter().filter(|r| r.resource_type == "Observation") {
            let row = result_row(
                r,
                language,
                unseen.contains(&r.item_id),
                &counts,
                &learn,
                &held,
                staff,
            );
            match r
                .report_id
                .and_then(|id| index.get(&id))
                .and_then(|&i| reports.get_mut(i))
            {
                Some((_, report)) => report.rows.push(row),
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
                                held: None,
                            },
                        )),
                    }
                }
            }
        }
        let mut all = reports;
        all.extend(loose);
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
            can_write: staff,
        })
    }

    pub async fn trend(patient_id: Option<String>, item: String) -> Result<TrendView, AppError> {
        let access = access(patient_id).await?;
        let patient = access.patient_id;
        let item = Uuid::parse_str(item.trim()).map_err(|_| AppError::NotFound)?;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let Some(code) = db::select_result_code(
            &mut conn,
            patient,
            item,
            released_only(&access),
            access.allowed.show_confidential,
        )
        .await?
        else {
            return Err(AppError::NotFound);
        };
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
        let page = ImportPageData {
            patient_id: access.patient_id.to_string(),
            patient_name: name(&who),
            sources: db::select_sources(&mut conn, access.patient_id)
                .await?
                .into_iter()
                .map(|(_, name, at)| (name, day(language, Some(at))))
                .collect(),
        };
        // Which providers a person has records from is itself health information.
        crate::audit::record(
            &mut *conn,
            &access
                .audit("records.sources")
                .on("patient", access.patient_id),
        )
        .await?;
        Ok(page)
    }

    pub async fn visits(patient_id: Option<String>) -> Result<VisitsView, AppError> {
        let access = access(patient_id).await?;
        let patient = access.patient_id;
        let (released, show) = (released_only(&access), access.allowed.show_confidential);
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let who = identity(&mut conn, patient).await?;
        let encounters =
            db::select_items(&mut conn, patient, &["Encounter"], released, show).await?;
        let summaries: HashMap<String, db::SummaryRow> =
            db::select_visit_summaries(&mut conn, patient, released, show)
                .await?
                .into_iter()
                .map(|s| (s.encounter.clone(), s))
                .collect();
        let language = language();
        let list = |v: Option<&Value>, key: &str| -> Vec<String> {
            v.and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|x| match key {
                    "individual" => x
                        .pointer("/individual/display")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    _ => x
                        .get("text")
                        .and_then(Value::as_str)
                        .or_else(|| x.pointer("/coding/0/display").and_then(Value::as_str))
                        .map(str::to_string),
                })
                .collect()
        };
        let visits = encounters
            .iter()
            .map(|e| VisitView {
                id: e.item_id.to_string(),
                display: e.display.clone(),
                date: day(language, e.effective_at),
                clinicians: list(e.resource.get("participant"), "individual"),
                reasons: list(e.resource.get("reasonCode"), "concept"),
                source: e.source_name.clone(),
                summary: summaries
                    .get(&format!("urn:uuid:{}", e.item_id))
                    .and_then(|s| {
                        Some(VisitSummary {
                            text: fhir::document_text(&s.resource)?,
                            written: day(language, Some(s.written_at)),
                            versions: s.version,
                        })
                    }),
            })
            .collect();
        crate::audit::record(
            &mut *conn,
            &access.audit("records.visits").on("patient", patient),
        )
        .await?;
        Ok(VisitsView {
            patient_id: patient.to_string(),
            patient_name: name(&who),
            visits,
            can_write: access.allowed.acting_as == ActingAs::Staff,
        })
    }

    pub async fn documents(patient_id: Option<String>) -> Result<DocumentsView, AppError> {
        let access = access(patient_id).await?;
        let patient = access.patient_id;
        let (released, show) = (released_only(&access), access.allowed.show_confidential);
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let who = identity(&mut conn, patient).await?;
        let rows =
            db::select_items(&mut conn, patient, &["DocumentReference"], released, show).await?;
        let language = language();
        let documents = rows
            .iter()
            .map(|d| {
                let file = fhir::document_size(&d.resource).map(|(kind, size)| {
                    let format = match kind {
                        "application/pdf" => "PDF",
                        "image/png" | "image/jpeg" => "image",
                        "application/octet-stream" => "file",
                        _ => "text",
                    };
                    (format.to_string(), size.div_ceil(1024))
                });
                DocumentView {
                    id: d.item_id.to_string(),
                    title: d
                        .resource
                        .get("description")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .unwrap_or_else(|| d.display.clone()),
                    kind: d.display.clone(),
                    date: day(language, d.effective_at),
                    source: d.source_name.clone(),
                    file,
                }
            })
            .collect();
        crate::audit::record(
            &mut *conn,
            &access.audit("records.documents").on("patient", patient),
        )
        .await?;
        Ok(DocumentsView {
            patient_id: patient.to_string(),
            patient_name: name(&who),
            documents,
            can_write: access.allowed.acting_as == ActingAs::Staff,
        })
    }

    /// A document's file for its download: (content type, file name, bytes). As
    /// [`records_summary`]; a document the caller may not see is not found. Audited.
    pub async fn document(
        patient_id: Option<String>,
        id: &str,
    ) -> Result<(String, String, Vec<u8>), AppError> {
        let access = access(patient_id).await?;
        let patient = access.patient_id;
        let item = Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let row = db::select_item(
            &mut conn,
            patient,
            item,
            "DocumentReference",
            released_only(&access),
            access.allowed.show_confidential,
        )
        .await?
        .ok_or(AppError::NotFound)?;
        let file = fhir::document_file(&row.resource, &row.display).ok_or(AppError::NotFound)?;
        crate::audit::record(
            &mut *conn,
            &access.audit("records.document").on("record_item", item),
        )
        .await?;
        Ok(file)
    }

    pub async fn write_summary(
        patient_id: String,
        visit_id: String,
        text: String,
    ) -> Result<(), AppError> {
        let access = super::super::entry::server::staff_access(&patient_id).await?;
        let patient = access.patient_id;
        let visit = Uuid::parse_str(visit_id.trim()).map_err(|_| AppError::NotFound)?;
        let text = text.trim().replace("\r\n", "\n");
        let problem = if text.is_empty() {
            Some("required")
        } else if text.chars().count() > MAX_SUMMARY_CHARS {
            Some("too_long")
        } else {
            None
        };
        if let Some(p) = problem {
            // The visit too: a page lists many visits, and only this one's form was refused.
            return Err(AppError::Validation(
                [
                    ("text".to_string(), p.to_string()),
                    ("visit".to_string(), visit.to_string()),
                ]
                .into_iter()
                .collect(),
            ));
        }
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        if db::lock_item(&mut tx, patient, visit, "Encounter", false, true)
            .await?
            .is_none()
        {
            return Err(AppError::NotFound);
        }
        let by = access.caller.account.account_id;
        let author = access.caller.account.display_name.clone();
        // The visit's row lock (above) keeps two writers of one visit's summary in turn.
        let existing =
            db::lock_visit_summary(&mut tx, patient, &format!("urn:uuid:{visit}")).await?;
        let now = chrono::Utc::now();
        match existing {
            Some(old) => {
                let resource = fhir::visit_summary(old, patient, visit, &text, now, &author);
                let fields = extracted(&resource)?;
                db::new_version(&mut tx, old, &resource, &fields, by, "corrected").await?;
            }
            None => {
                let id = Uuid::new_v4();
                let resource = fhir::visit_summary(id, patient, visit, &text, now, &author);
                insert_own(&mut tx, patient, id, resource, by).await?;
            }
        }
        crate::audit::record(
            &mut *tx,
            &access
                .audit("records.visit_summary")
                .on("record_item", visit),
        )
        .await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!("/records/visits?patient={patient}#visit-{visit}"));
        Ok(())
    }

    /// Stores a resource written here (not imported) as the patient's new item `id`: released
    /// by its category's rule, its first version recorded as `by`'s.
    pub(crate) async fn insert_own(
        conn: &mut PgConnection,
        patient: Uuid,
        id: Uuid,
        resource: Value,
        by: Uuid,
    ) -> Result<(), AppError> {
        let fields = extracted(&resource)?;
        let item = fhir::Item {
            item_id: id,
            resource,
            fields,
            report_id: None,
            content_sha256: [0; 32],
        };
        db::insert_items(conn, patient, &[item], None, Some(by)).await?;
        Ok(())
    }

    /// The fields the pages read, from a resource written here (always complete).
    pub(crate) fn extracted(resource: &Value) -> Result<fhir::Extracted, AppError> {
        let mut problems = Vec::new();
        fhir::extract(resource, 0, &HashMap::new(), &mut problems).ok_or(AppError::Internal)
    }

    pub async fn care_plan(patient_id: Option<String>) -> Result<CarePlanView, AppError> {
        let access = access(patient_id).await?;
        let patient = access.patient_id;
        let (released, show) = (released_only(&access), access.allowed.show_confidential);
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let who = identity(&mut conn, patient).await?;
        let items = db::select_items(
            &mut conn,
            patient,
            &["CarePlan", "Goal", "CareTeam"],
            released,
            show,
        )
        .await?;
        let language = language();
        let today = chrono::Utc::now().date_naive();
        let on = |d: chrono::NaiveDate| day(language, d.and_hms_opt(12, 0, 0).map(|t| t.and_utc()));
        let of = |t: &'static str| items.iter().filter(move |i| i.resource_type == t);
        let goals = of("Goal")
            .map(|g| {
                let due = fhir::str_at(&g.resource, &["target", "dueDate"])
                    .and_then(fhir::parse_datetime)
                    .map(|t| on(t.date_naive()))
                    .unwrap_or_default();
                GoalView {
                    id: g.item_id.to_string(),
                    description: g.display.clone(),
                    status: g.status.clone(),
                    achievement: g
                        .resource
                        .pointer("/achievementStatus/coding/0/code")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    target: fhir::str_at(&g.resource, &["target", "detailString"])
                        .map(str::to_string),
                    due,
                    source: g.source_name.clone(),
                }
            })
            .collect();
        let plans = of("CarePlan")
            .filter(|p| matches!(p.status.as_str(), "active" | "on-hold" | "draft"))
            .map(|p| PlanView {
                id: p.item_id.to_string(),
                title: p.display.clone(),
                source: p.source_name.clone(),
                own: p.source_id.is_none(),
                tasks: fhir::plan_tasks(&p.resource)
                    .into_iter()
                    .map(|t| TaskView {
                        index: t.index,
                        description: t.description,
                        due: t.due.map(on).unwrap_or_default(),
                        overdue: task_overdue(t.done, t.due, today),
                        done: t.done,
                        changed: t.changed.map(|(at, by)| (day(language, Some(at)), by)),
                    })
                    .collect(),
            })
            .collect();
        let mut team: Vec<(String, String)> = Vec::new();
        for t in of("CareTeam").filter(|t| t.status == "active") {
            for p in t
                .resource
                .get("participant")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(name) = p.pointer("/member/display").and_then(Value::as_str) else {
                    continue;
                };
                let role = fhir::str_at(p, &["role", "text"])
                    .or_else(|| fhir::str_at(p, &["role", "coding", "display"]))
                    .unwrap_or_default();
                if !team.iter().any(|(n, _)| n == name) {
                    team.push((name.to_string(), role.to_string()));
                }
            }
        }
        let contact = crate::messaging::db::find_navigator(&mut conn, patient)
            .await?
            .map(|n| crate::messaging::server::navigator_view(n, language));
        let can_write = access.allowed.acting_as == ActingAs::Staff;
        let (own_teams, navigators, contact_id) = if can_write {
            let teams = of("CareTeam")
                .filter(|t| t.source_id.is_none())
                .map(|t| (t.item_id.to_string(), t.display.clone()))
                .collect();
            let navigators = crate::messaging::db::select_navigators(&mut conn)
                .await?
                .into_iter()
                .map(|(id, name)| (id.to_string(), name))
                .collect();
            let current = crate::messaging::db::navigator_of(&mut conn, patient).await?;
            (teams, navigators, current.map(|c| c.to_string()))
        } else {
            Default::default()
        };
        crate::audit::record(
            &mut *conn,
            &access.audit("records.care_plan").on("patient", patient),
        )
        .await?;
        Ok(CarePlanView {
            patient_id: patient.to_string(),
            patient_name: name(&who),
            contact,
            goals,
            plans,
            team,
            can_write,
            own_teams,
            navigators,
            contact_id,
        })
    }

    pub async fn mark_task(
        patient_id: String,
        plan_id: String,
        task: usize,
        done: bool,
    ) -> Result<(), AppError> {
        let access = access(Some(patient_id)).await?;
        let patient = access.patient_id;
        let plan = Uuid::parse_str(plan_id.trim()).map_err(|_| AppError::NotFound)?;
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        let (mut resource, _, imported) = db::lock_item(
            &mut tx,
            patient,
            plan,
            "CarePlan",
            released_only(&access),
            access.allowed.show_confidential,
        )
        .await?
        .ok_or(AppError::NotFound)?;
        if imported {
            return Err(AppError::Conflict("outside_record".into()));
        }
        let by = access.caller.account.display_name.clone();
        if !fhir::mark_task(&mut resource, task, done, chrono::Utc::now(), &by) {
            return Err(AppError::NotFound);
        }
        let fields = extracted(&resource)?;
        let reason = if done { "task done" } else { "task not done" };
        db::new_version(
            &mut tx,
            plan,
            &resource,
            &fields,
            access.caller.account.account_id,
            reason,
        )
        .await?;
        crate::audit::record(
            &mut *tx,
            &access.audit("records.care_task").on("record_item", plan),
        )
        .await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!(
            "/records/care-plan?patient={patient}#plan-{plan}-task-{task}"
        ));
        Ok(())
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
    /// them point at the ones kept. `file_sha256` is the uploaded file's ([`sha256`]), kept with
    /// the source so the same file is recognised whole. Returns (added, already here).
    pub async fn store(
        conn: &mut PgConnection,
        patient: Uuid,
        by: Uuid,
        file_sha256: &[u8; 32],
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
        let name = reading.source_name.unwrap_or_else(|| {
            if language() == "es" {
                "Registro externo"
            } else {
                "Outside record"
            }
            .to_string()
        });
        let count = i32::try_from(items.len()).unwrap_or(i32::MAX);
        db::insert_source(conn, source, patient, &name, file_sha256, count, by).await?;
        // Reports before their results, so a result's report exists when it is stored.
        items.sort_by_key(|i| i.fields.resource_type != "DiagnosticReport");
        let added = db::insert_items(conn, patient, &items, Some(source), Some(by)).await?;
        Ok((usize::try_from(added).unwrap_or(0), already))
    }

    /// An uploaded file's SHA-256.
    pub fn sha256(bytes: &[u8]) -> [u8; 32] {
        use sha2::Digest;
        sha2::Sha256::digest(bytes).into()
    }

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
        let sha = sha256(bytes);
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
        let (added, already) = store(&mut tx, patient, account, &sha, reading).await?;
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
            &sha256(&row.bundle),
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
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let bundle = bundle(&mut conn, &access, &fhir::KEPT, |_| true).await?;
        crate::audit::record(
            &mut *conn,
            &access
                .audit("records.export")
                .on("patient", access.patient_id),
        )
        .await?;
        serde_json::to_string_pretty(&bundle).map_err(|_| AppError::Internal)
    }

    /// The record as a FHIR R4 collection Bundle: the items of `types` that `keep` accepts,
    /// of those the caller of `access` may see (released ones only on the patient's side; no
    /// confidential ones unless shown to them), with their sources' Provenance.
    /// The International Patient Summary document of what the caller may see (see `ips`).
    pub async fn patient_summary(patient_id: Option<String>) -> Result<String, AppError> {
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
        let organisation = db::organisation_name(&mut conn).await?;
        let document = super::super::ips::document(
            &who,
            &organisation,
            &rows,
            language(),
            value_text,
            Utc::now(),
        );
        crate::audit::record(
            &mut *conn,
            &access
                .audit("records.export_summary")
                .on("patient", patient),
        )
        .await?;
        serde_json::to_string_pretty(&document).map_err(|_| AppError::Internal)
    }

    /// The health summary as a PDF, for `GET /records/summary.pdf`: what the summary page
    /// shows this caller (so the same release and confidentiality rules), in their language.
    /// Audited as the summary read and as an export.
    pub async fn summary_pdf(patient_id: Option<String>) -> Result<Vec<u8>, AppError> {
        use super::super::pdf::{render, PrintEntry, PrintSection, Printable};
        use super::super::ui::{detail_label, detail_value, item_meta};
        use crate::i18n::{td_string, Locale};
        let (access, s) = summary_for(patient_id).await?;
        let patient = access.patient_id;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let who = identity(&mut conn, patient).await?;
        let organisation = db::organisation_name(&mut conn).await?;
        let language = language();
        let l = if language == "es" {
            Locale::es
        } else {
            Locale::en
        };
        let born = day(
            language,
            who.birth_date.and_hms_opt(12, 0, 0).map(|t| t.and_utc()),
        );
        let section = |heading: &str, empty: &str, items: &[ItemView], status: bool| PrintSection {
            heading: heading.to_string(),
            empty: empty.to_string(),
            entries: items
                .iter()
                .map(|i| {
                    let mut lines: Vec<String> = i
                        .details
                        .iter()
                        .map(|(k, v)| format!("{}: {}", detail_label(l, k), detail_value(l, k, v)))
                        .collect();
                    lines.push(item_meta(l, i, status));
                    PrintEntry {
                        name: i.display.clone(),
                        lines,
                    }
                })
                .collect(),
        };
        // Staff's summary lists stopped and resolved items too: their status says which.
        let doc = Printable {
            title: td_string!(l, rec_title).to_string(),
            about: vec![
                td_string!(l, pdf_about)
                    .replace("%name%", &s.patient_name)
                    .replace("%born%", &born),
                td_string!(l, pdf_from)
                    .replace("%org%", &organisation)
                    .replace("%date%", &day(language, Some(Utc::now()))),
            ],
            sections: vec![
                section(
                    td_string!(l, rec_conditions),
                    td_string!(l, rec_no_conditions),
                    &s.conditions,
                    true,
                ),
                section(
                    td_string!(l, rec_allergies),
                    td_string!(l, rec_no_allergies),
                    &s.allergies,
                    s.can_write,
                ),
                section(
                    td_string!(l, rec_medications),
                    td_string!(l, rec_no_medications),
                    &s.medications,
                    s.can_write,
                ),
                section(
                    td_string!(l, rec_immunizations),
                    td_string!(l, rec_no_immunizations),
                    &s.immunizations,
                    s.can_write,
                ),
                section(
                    td_string!(l, rec_vitals),
                    td_string!(l, rec_no_vitals),
                    &s.vitals,
                    false,
                ),
            ],
            footer: td_string!(l, pdf_footer)
                .replace("%name%", &s.patient_name)
                .replace("%org%", &organisation),
            language: language.to_string(),
        };
        crate::audit::record(
            &mut *conn,
            &access.audit("records.export_pdf").on("patient", patient),
        )
        .await?;
        Ok(render(&doc))
    }

    pub async fn bundle(
        conn: &mut PgConnection,
        access: &Access,
        types: &[&str],
        keep: impl Fn(&ItemRow) -> bool,
    ) -> Result<Value, AppError> {
        let patient = access.patient_id;
        let who = identity(conn, patient).await?;
        let rows = db::select_items(
            conn,
            patient,
            types,
            released_only(access),
            access.allowed.show_confidential,
        )
        .await?;
        let sources: HashMap<Uuid, (String, DateTime<Utc>)> = db::select_sources(conn, patient)
            .await?
            .into_iter()
            .map(|(id, name, at)| (id, (name, at)))
            .collect();
        let organisation = db::organisation_name(conn).await?;
        let items: Vec<Exported<'_>> = rows
            .iter()
            .filter(|r| keep(r))
            .map(|r| Exported {
                item_id: r.item_id,
                resource: &r.resource,
                source: r
                    .source_id
                    .and_then(|id| sources.get(&id).map(|(name, at)| (id, name.as_str(), *at))),
            })
            .collect();
        Ok(fhir::export_bundle(&who, &organisation, &items, Utc::now()))
    }
}
