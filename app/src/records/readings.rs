//! Readings the patient takes at home — blood pressure, weight, blood sugar — entered on
//! `/records/readings` by the patient (or a parent or proxy with the records scope; never staff,
//! since these are the patient's own words). Each is an Observation with the clinic's codes and
//! the patient as performer, so it joins the same trend chart as the clinic's values and is
//! marked there as entered by the patient; it never appears among the clinic's results.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The cookie keeping a refused reading's fields for the page.
pub const KEPT_READING: &str = "kept_reading";

/// A reading as the form posts it: `kind` is `bp`, `weight` or `glucose`; `first` the number
/// (systolic for blood pressure), `second` the diastolic, `unit` `kg` or `lb` for weight,
/// `date` YYYY-MM-DD.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadingForm {
    pub kind: String,
    pub first: String,
    pub second: String,
    pub unit: String,
    pub date: String,
}

/// A number as people type it: "70.5" or "70,5".
pub(crate) fn number(text: &str) -> Option<f64> {
    text.trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// The reading's numbers, checked: blood pressure as (systolic, diastolic), weight in kg (a
/// pound figure converted, to 0.1 kg), blood sugar in mg/dL. The problems by field otherwise.
pub fn check_reading(form: &ReadingForm) -> Result<(f64, Option<f64>), BTreeMap<String, String>> {
    let mut problems = BTreeMap::new();
    let mut need = |field: &str, text: &str, low: f64, high: f64| match number(text) {
        None if text.trim().is_empty() => {
            problems.insert(field.to_string(), "required".to_string());
            None
        }
        Some(v) if (low..=high).contains(&v) => Some(v),
        _ => {
            problems.insert(field.to_string(), "out_of_range".to_string());
            None
        }
    };
    let result = match form.kind.as_str() {
        "bp" => {
            let systolic = need("first", &form.first, 50.0, 300.0);
            let diastolic = need("second", &form.second, 20.0, 200.0);
            match (systolic, diastolic) {
                (Some(s), Some(d)) if s <= d => {
                    problems.insert("second".into(), "not_below_systolic".into());
                    None
                }
                (Some(s), Some(d)) => Some((s.round(), Some(d.round()))),
                _ => None,
            }
        }
        "weight" => {
            let pounds = form.unit == "lb";
            let (low, high) = if pounds { (2.0, 1500.0) } else { (1.0, 700.0) };
            need("first", &form.first, low, high).map(|v| {
                let kg = if pounds { v * 0.453_592_37 } else { v };
                ((kg * 10.0).round() / 10.0, None)
            })
        }
        "glucose" => need("first", &form.first, 10.0, 1000.0).map(|v| (v.round(), None)),
        _ => {
            problems.insert("kind".into(), "unknown".into());
            None
        }
    };
    match result {
        Some(v) if problems.is_empty() => Ok(v),
        _ => Err(problems),
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReadingView {
    /// The value's opaque id: its trend page is `/records/results/{id}`.
    pub id: String,
    pub display: String,
    pub value: String,
    pub date: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReadingsView {
    pub patient_id: String,
    pub patient_name: String,
    /// Newest first, at most 30.
    pub readings: Vec<ReadingView>,
    /// Today in the organisation's time zone (YYYY-MM-DD), the date field's default and limit.
    pub today: String,
}

/// The patient's own recent readings. The patient, or a parent or proxy with the records scope;
/// not staff. Audited.
#[server]
pub async fn records_readings(patient_id: Option<String>) -> Result<ReadingsView, AppError> {
    crate::error::with_status(server::readings(patient_id).await)
}

/// Adds a reading the patient took. As [`records_readings`]. Audited.
#[server]
pub async fn add_reading(
    patient_id: String,
    kind: String,
    first: String,
    second: Option<String>,
    unit: Option<String>,
    date: String,
) -> Result<(), AppError> {
    let form = ReadingForm {
        kind,
        first,
        second: second.unwrap_or_default(),
        unit: unit.unwrap_or_default(),
        date,
    };
    crate::error::with_status(server::add(patient_id, form).await)
}

/// Removes a reading the patient entered by mistake. As [`records_readings`]; only readings
/// entered on the patient's side (never the clinic's values). The reading is marked entered in
/// error as a new version — it leaves the list and the charts, and its history is kept.
/// Audited.
#[server]
pub async fn remove_reading(patient_id: String, reading_id: String) -> Result<(), AppError> {
    crate::error::with_status(server::remove(patient_id, reading_id).await)
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::super::{db, fhir};
    use super::*;
    use crate::records::api::server::patient_side_access as access;
    use chrono::{NaiveDate, TimeZone, Utc};
    use uuid::Uuid;

    async fn today(conn: &mut sqlx::PgConnection) -> Result<NaiveDate, AppError> {
        let zone = crate::messaging::server::zone(conn).await?;
        Ok(Utc::now().with_timezone(&zone).date_naive())
    }

    pub async fn readings(patient_id: Option<String>) -> Result<ReadingsView, AppError> {
        let access = access(patient_id).await?;
        let patient = access.patient_id;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let who = crate::records::server::identity(&mut conn, patient).await?;
        let language = crate::scheduling::server::language();
        let rows =
            db::select_patient_reported(&mut conn, patient, access.allowed.show_confidential, 30)
                .await?;
        let readings = rows
            .iter()
            .map(|r| ReadingView {
                id: r.item_id.to_string(),
                display: r.display.clone(),
                value: super::super::api::server::value_text(&r.resource),
                date: super::super::api::server::day(language, r.effective_at),
            })
            .collect();
        let today = today(&mut conn).await?;
        crate::audit::record(
            &mut *conn,
            &access.audit("records.readings").on("patient", patient),
        )
        .await?;
        Ok(ReadingsView {
            patient_id: patient.to_string(),
            patient_name: crate::records::server::name(&who),
            readings,
            today: today.format("%Y-%m-%d").to_string(),
        })
    }

    pub async fn remove(patient_id: String, reading_id: String) -> Result<(), AppError> {
        let access = access(Some(patient_id)).await?;
        let patient = access.patient_id;
        let item = Uuid::parse_str(reading_id.trim()).map_err(|_| AppError::NotFound)?;
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        let (mut resource, _, _) = db::lock_item(
            &mut tx,
            patient,
            item,
            "Observation",
            true,
            access.allowed.show_confidential,
        )
        .await?
        .ok_or(AppError::NotFound)?;
        let mut fields = crate::records::server::extracted(&resource)?;
        if fields.category != fhir::PATIENT_REPORTED || fields.status == fhir::ENTERED_IN_ERROR {
            return Err(AppError::NotFound);
        }
        // The status is the only field that changes: the stored columns follow the resource.
        if let Some(map) = resource.as_object_mut() {
            map.insert("status".into(), fhir::ENTERED_IN_ERROR.into());
        }
        fields.status = fhir::ENTERED_IN_ERROR.into();
        db::new_version(
            &mut tx,
            item,
            &resource,
            &fields,
            access.caller.account.account_id,
            "removed on the patient's side: entered in error",
        )
        .await?;
        crate::audit::record(
            &mut *tx,
            &access
                .audit("records.reading_remove")
                .on("record_item", item),
        )
        .await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!("/records/readings?patient={patient}&removed=1"));
        Ok(())
    }

    fn keep(form: Option<&ReadingForm>) {
        use crate::forms::{forget_cookie, remember_cookie};
        crate::auth::server::set_cookie(&match form {
            Some(f) => remember_cookie(KEPT_READING, "/records/readings", f),
            None => forget_cookie(KEPT_READING, "/records/readings"),
        });
    }

    pub async fn add(patient_id: String, form: ReadingForm) -> Result<(), AppError> {
        let access = access(Some(patient_id)).await?;
        let patient = access.patient_id;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let today = today(&mut conn).await?;
        let checked = check_reading(&form);
        let date = NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d").ok();
        let date_problem = match date {
            None => Some("required"),
            Some(d) if d > today || Some(d) < NaiveDate::from_ymd_opt(1900, 1, 1) => {
                Some("out_of_range")
            }
            Some(_) => None,
        };
        let (values, date) = match (checked, date, date_problem) {
            (Ok(values), Some(date), None) => (values, date),
            (checked, _, date_problem) => {
                let mut problems = checked.err().unwrap_or_default();
                if let Some(p) = date_problem {
                    problems.insert("date".into(), p.into());
                }
                // Which of the page's forms was refused.
                problems.insert("form".into(), form.kind.clone());
                keep(Some(&form));
                return Err(AppError::Validation(problems));
            }
        };
        let reading = match (form.kind.as_str(), values) {
            ("bp", (systolic, Some(diastolic))) => fhir::HomeReading::BloodPressure {
                systolic,
                diastolic,
            },
            ("weight", (kg, _)) => fhir::HomeReading::WeightKg(kg),
            (_, (mg, _)) => fhir::HomeReading::GlucoseMgDl(mg),
        };
        // Today's reading is taken now; an earlier day's at noon UTC, as date-only records are.
        let at = if date == today {
            Utc::now()
        } else {
            Utc.from_utc_datetime(&date.and_hms_opt(12, 0, 0).unwrap_or_default())
        };
        let id = Uuid::new_v4();
        let resource = fhir::patient_reading(id, patient, &reading, at);
        let mut tx = pool.begin().await?;
        crate::records::server::insert_own(
            &mut tx,
            patient,
            id,
            resource,
            access.caller.account.account_id,
        )
        .await?;
        crate::audit::record(
            &mut *tx,
            &access.audit("records.reading_add").on("record_item", id),
        )
        .await?;
        tx.commit().await?;
        keep(None);
        leptos_axum::redirect(&format!("/records/readings?patient={patient}&added={id}"));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(kind: &str, first: &str, second: &str, unit: &str) -> ReadingForm {
        ReadingForm {
            kind: kind.into(),
            first: first.into(),
            second: second.into(),
            unit: unit.into(),
            date: "2026-12-01".into(),
        }
    }

    #[test]
    fn readings_are_checked_as_people_type_them() {
        assert_eq!(
            check_reading(&form("bp", "128", "82", "")),
            Ok((128.0, Some(82.0)))
        );
        assert_eq!(
            check_reading(&form("weight", "70,5", "", "kg")),
            Ok((70.5, None))
        );
        assert_eq!(
            check_reading(&form("weight", "155", "", "lb")),
            Ok((70.3, None))
        );
        assert_eq!(
            check_reading(&form("glucose", " 104 ", "", "")),
            Ok((104.0, None))
        );
        let problem = |f: ReadingForm, field: &str| {
            check_reading(&f).err().and_then(|p| p.get(field).cloned())
        };
        assert_eq!(
            problem(form("bp", "", "82", ""), "first").as_deref(),
            Some("required")
        );
        assert_eq!(
            problem(form("bp", "82", "128", ""), "second").as_deref(),
            Some("not_below_systolic")
        );
        assert_eq!(
            problem(form("bp", "400", "82", ""), "first").as_deref(),
            Some("out_of_range")
        );
        assert_eq!(
            problem(form("weight", "heavy", "", "kg"), "first").as_deref(),
            Some("out_of_range")
        );
        assert_eq!(
            problem(form("weight", "900", "", "kg"), "first").as_deref(),
            Some("out_of_range")
        );
        assert!(check_reading(&form("weight", "900", "", "lb")).is_ok());
        assert_eq!(
            problem(form("glucose", "NaN", "", ""), "first").as_deref(),
            Some("out_of_range")
        );
        assert_eq!(
            problem(form("temperature", "37", "", ""), "kind").as_deref(),
            Some("unknown")
        );
    }
}
