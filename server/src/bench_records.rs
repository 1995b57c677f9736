//! `server bench-records`: a patient with ten years of results (about 2,000 lab values, each in
//! its report), then the summary and results queries as their server functions run them, and a
//! 5,000-resource bundle imported into a second patient and exported again, with the process's
//! peak memory during each (bench/records.sh; the pages over HTTP are timed there).

use crate::bench_schedule::{row, timed};
use app::records::{db, fhir};
use chrono::{NaiveDate, Utc};
use sqlx::PgPool;
use std::time::Instant;
use uuid::Uuid;

pub const BENCH_PATIENT: Uuid = Uuid::from_u128(0xbe7c_0000_0000_4000_8000_0000_0000_0001);
const TWIN: Uuid = Uuid::from_u128(0xbe7c_0000_0000_4000_8000_0000_0000_0002);
pub const BENCH_EMAIL: &str = "bench-records@example.org";

/// Peak resident memory since the last reset, in MB (Linux `VmHWM`).
pub(crate) fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Starts a new peak-memory window (writing 5 to clear_refs resets `VmHWM`).
pub(crate) fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

async fn fresh_patient(pool: &PgPool, id: Uuid) -> anyhow::Result<()> {
    sqlx::query("delete from patient where patient_id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    sqlx::query(
        "insert into patient (patient_id, given_name, family_name, birth_date, sex)
         values ($1, 'Ada', 'Benchmark', $2, 'female')",
    )
    .bind(id)
    .bind(NaiveDate::from_ymd_opt(1961, 6, 1))
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn load(pool: &PgPool, observations: usize) -> anyhow::Result<()> {
    fresh_patient(pool, BENCH_PATIENT).await?;
    let account = match app::auth::account::find_account_by_email(pool, BENCH_EMAIL).await? {
        Some(a) => a.account_id,
        None => {
            let hash = app::auth::password::hash_password(crate::demo::DEMO_PASSWORD.into())
                .await
                .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
            let id = app::auth::account::insert_account(
                pool,
                &app::auth::account::NewAccount {
                    email: BENCH_EMAIL,
                    display_name: "Ada Benchmark",
                    preferred_language: "en",
                    password_hash: &hash,
                },
            )
            .await?;
            app::auth::account::mark_email_verified(pool, id, BENCH_EMAIL).await?;
            id
        }
    };
    sqlx::query(
        "insert into patient_access (access_id, account_id, patient_id, relationship, scopes, accepted_at)
         values (gen_random_uuid(), $1, $2, 'self', '{}', now())",
    )
    .bind(account)
    .bind(BENCH_PATIENT)
    .execute(pool)
    .await?;
    let items = crate::demo_records::bench_record(BENCH_PATIENT, observations, Utc::now());
    let mut conn = pool.acquire().await?;
    let n = db::insert_items(&mut conn, BENCH_PATIENT, &items, None, None).await?;
    let labs: i64 = sqlx::query_scalar(
        "select count(*) from record_item where patient_id = $1 and resource_type = 'Observation'",
    )
    .bind(BENCH_PATIENT)
    .fetch_one(pool)
    .await?;
    println!("Benchmark patient: {n} items, {labs} observations over ten years.\n");
    Ok(())
}

pub async fn run(pool: &PgPool, resources: usize) -> anyhow::Result<()> {
    println!("| what | runs | p50 ms | p95 ms | p99 ms | notes |\n|---|---:|---:|---:|---:|---|");
    let types = [
        "Condition",
        "AllergyIntolerance",
        "MedicationRequest",
        "Immunization",
    ];
    let p = pool.clone();
    let ms = timed(200, 1, move |_| {
        let pool = p.clone();
        async move {
            let mut conn = pool.acquire().await?;
            let rows = db::select_items(&mut conn, BENCH_PATIENT, &types, true, true).await?;
            let vitals = db::select_latest_vitals(&mut conn, BENCH_PATIENT, true, true).await?;
            std::hint::black_box((rows.len(), vitals.len()));
            Ok(())
        }
    })
    .await?;
    row(
        "summary's items query (1 at a time)",
        ms,
        "conditions, allergies, medications, immunizations; latest vitals",
    );
    let p = pool.clone();
    let ms = timed(200, 1, move |_| {
        let pool = p.clone();
        async move {
            let mut conn = pool.acquire().await?;
            let rows = db::select_items(
                &mut conn,
                BENCH_PATIENT,
                &["Observation", "DiagnosticReport"],
                true,
                true,
            )
            .await?;
            let counts = db::code_counts(&mut conn, BENCH_PATIENT, true, true).await?;
            std::hint::black_box((rows.len(), counts.len()));
            Ok(())
        }
    })
    .await?;
    row(
        "results' queries (1 at a time)",
        ms,
        "results and reports, counts per test",
    );

    // A bundle of about `resources` entries (each round of results is 11 values in 4 reports):
    // the export of a generated record of that size.
    let now = Utc::now();
    let who = fhir::PatientIdentity {
        patient_id: TWIN,
        given_name: "Ada".into(),
        family_name: "Benchmark".into(),
        birth_date: NaiveDate::from_ymd_opt(1961, 6, 1).unwrap_or_default(),
        sex: "female".into(),
    };
    let items = crate::demo_records::bench_record(TWIN, resources * 11 / 15, now);
    let exported: Vec<fhir::Exported> = items
        .iter()
        .map(|i| fhir::Exported {
            item_id: i.item_id,
            resource: &i.resource,
            source: None,
        })
        .collect();
    let bytes = serde_json::to_vec(&fhir::export_bundle(
        &who,
        "Riverbend Health",
        &exported,
        now,
    ))?;
    let entries = exported.len() + 3; // the patient, the organisation, a provenance
    drop(exported);
    drop(items);

    fresh_patient(pool, TWIN).await?;
    let by: Uuid = sqlx::query_scalar("select account_id from account where email = $1")
        .bind(BENCH_EMAIL)
        .fetch_one(pool)
        .await?;
    reset_peak();
    let base = peak_mb();
    let started = Instant::now();
    let reading = fhir::read_bundle(&bytes, &who);
    anyhow::ensure!(
        reading.problems.is_empty(),
        "bench bundle has problems: {:?}",
        reading.problems.first()
    );
    let checked = started.elapsed();
    let mut tx = pool.begin().await?;
    let (added, _) = app::records::server::store(
        &mut tx,
        TWIN,
        by,
        &app::records::server::sha256(&bytes),
        reading,
    )
    .await
    .map_err(|e| anyhow::anyhow!("import: {e}"))?;
    tx.commit().await?;
    let import = started.elapsed();
    let import_peak = peak_mb();
    println!(
        "| import of a {entries}-entry bundle ({:.1} MB) | 1 | {:.0} | | | checked in {:.0} ms, {added} items stored; peak memory {:.0} MB (from {:.0} MB) |",
        bytes.len() as f64 / 1e6,
        import.as_secs_f64() * 1000.0,
        checked.as_secs_f64() * 1000.0,
        import_peak,
        base
    );

    reset_peak();
    let base = peak_mb();
    let started = Instant::now();
    let mut conn = pool.acquire().await?;
    let rows = db::select_items(&mut conn, TWIN, &fhir::KEPT, true, true).await?;
    let exported: Vec<fhir::Exported> = rows
        .iter()
        .map(|r| fhir::Exported {
            item_id: r.item_id,
            resource: &r.resource,
            source: None,
        })
        .collect();
    let json = serde_json::to_string_pretty(&fhir::export_bundle(
        &who,
        "Riverbend Health",
        &exported,
        Utc::now(),
    ))?;
    println!(
        "| export of the same {} items | 1 | {:.0} | | | {:.1} MB of JSON; peak memory {:.0} MB (from {:.0} MB) |",
        rows.len(),
        started.elapsed().as_secs_f64() * 1000.0,
        json.len() as f64 / 1e6,
        peak_mb(),
        base
    );
    Ok(())
}
