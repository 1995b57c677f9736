//! `server bench-prices`: a catalogue of N services (default 10,000), each with a rate for every
//! plan of P payers (default 50, three plans each), imported through the same path as an
//! administrator's file, then the estimator's search as its server function runs it: by words,
//! by code, and with a plan picked (bench/prices.sh times the machine-readable file over HTTP
//! and validates it with `server check-mrf`).

use crate::bench_records::{peak_mb, reset_peak};
use crate::bench_schedule::{row, timed};
use crate::demo_prices::fee_schedule;
use app::pricing::cms::{Catalogue, Charge, Code, FileInfo, Item};
use chrono::NaiveDate;
use sqlx::PgPool;
use std::time::Instant;

const PLANS: [&str; 3] = ["PPO", "HMO", "EPO"];
const WORDS: [&str; 12] = [
    "visit",
    "panel",
    "x-ray",
    "ultrasound",
    "MRI",
    "injection",
    "repair",
    "biopsy",
    "therapy",
    "screening",
    "vaccine",
    "infusion",
];
const BODY: [&str; 10] = [
    "knee", "shoulder", "chest", "abdomen", "brain", "spine", "hip", "ankle", "heart", "skin",
];

fn pick(list: &[&'static str], n: usize) -> &'static str {
    list.get(n % list.len().max(1)).copied().unwrap_or_default()
}

/// The n-th service's code: five digits, unique, searchable.
fn code(n: usize) -> String {
    format!("{:05}", 10_000 + n)
}

pub fn catalogue(services: usize, payers: usize) -> Catalogue {
    let items = (0..services)
        .map(|n| {
            let gross = 5_000 + (n as i64 * 7_919) % 900_000;
            let rates = (0..payers)
                .flat_map(|p| {
                    PLANS.iter().enumerate().map(move |(k, plan)| {
                        let share = 40 + ((n * 13 + p * 7 + k * 5) % 40) as i64;
                        fee_schedule(&format!("Bench Payer {p:02}"), plan, gross * share / 100)
                    })
                })
                .collect();
            Item {
                description: format!(
                    "{} {} {} level {}",
                    pick(&BODY, n),
                    pick(&WORDS, n / BODY.len()),
                    pick(&["simple", "moderate", "complex", "extended"], n),
                    n
                ),
                codes: vec![Code {
                    code: code(n),
                    kind: "CPT".into(),
                }],
                drug: None,
                charges: vec![Charge {
                    setting: if n % 5 == 0 {
                        "inpatient"
                    } else {
                        "outpatient"
                    }
                    .into(),
                    gross: Some(gross),
                    cash: Some(gross * 7 / 10),
                    min: None,
                    max: None,
                    modifiers: Vec::new(),
                    notes: String::new(),
                    rates,
                }],
            }
        })
        .collect();
    let mut catalogue = Catalogue {
        file: FileInfo {
            hospital_name: "Bench Hospital".into(),
            last_updated_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default(),
            version: "3.0.0".into(),
            location_names: vec!["Bench Hospital".into()],
            addresses: vec!["1 Bench Road, Riverbend, IL 61201".into()],
            license_number: None,
            license_state: "IL".into(),
            npis: vec!["1234567893".into()],
            attester_name: "Bench Attester".into(),
            provisions: String::new(),
        },
        items,
        modifiers: Vec::new(),
    };
    // As the import's reader leaves them: the lowest and highest dollar rate of each charge.
    for item in &mut catalogue.items {
        for charge in &mut item.charges {
            charge.min = charge.rates.iter().filter_map(|r| r.dollar).min();
            charge.max = charge.rates.iter().filter_map(|r| r.dollar).max();
        }
    }
    catalogue
}

pub async fn run(pool: &PgPool, services: usize, payers: usize) -> anyhow::Result<()> {
    reset_peak();
    let t = Instant::now();
    let catalogue = catalogue(services, payers);
    let rates = catalogue.rate_count();
    println!(
        "catalogue: {services} services × {payers} payers × {} plans = {rates} rates, built in {:.1} s (peak {:.0} MB)",
        PLANS.len(),
        t.elapsed().as_secs_f64(),
        peak_mb()
    );
    let t = Instant::now();
    let mut tx = pool.begin().await?;
    app::pricing::db::replace_catalogue(&mut tx, &catalogue).await?;
    tx.commit().await?;
    println!(
        "import (replace the catalogue in one transaction): {:.1} s, peak {:.0} MB",
        t.elapsed().as_secs_f64(),
        peak_mb()
    );
    drop(catalogue);
    sqlx::query("analyze").execute(pool).await?;

    let plan: uuid::Uuid = sqlx::query_scalar(
        "select price_plan_id from price_plan where payer_name = 'Bench Payer 25' and plan_name = 'HMO'",
    )
    .fetch_one(pool)
    .await?;
    println!();
    println!("| search (as `search_prices` runs it) | runs | p50 ms | p95 ms | p99 ms | |");
    println!("|---|---:|---:|---:|---:|---|");
    for (name, with_plan) in [("words", false), ("words, a plan picked", true)] {
        let pool = pool.clone();
        let ms = timed(400, 2, move |i| {
            let pool = pool.clone();
            async move {
                let words = format!("{} {}", pick(&BODY, i), pick(&WORDS, i));
                let mut conn = pool.acquire().await?;
                let plan = with_plan.then_some(plan);
                app::pricing::db::search_items(&mut conn, "en", &words, plan, false, 20, 0).await?;
                Ok(())
            }
        })
        .await?;
        row(name, ms, "first page of 20");
    }
    let pool2 = pool.clone();
    let ms = timed(400, 2, move |i| {
        let pool = pool2.clone();
        async move {
            let mut conn = pool.acquire().await?;
            let (_, total) = app::pricing::db::search_items(
                &mut conn,
                "en",
                &code((i * 37) % services.max(1)),
                Some(plan),
                false,
                20,
                0,
            )
            .await?;
            anyhow::ensure!(total >= 1, "a code finds its service");
            Ok(())
        }
    })
    .await?;
    row("a billing code, a plan picked", ms, "");
    let pool3 = pool.clone();
    let ms = timed(200, 2, move |i| {
        let pool = pool3.clone();
        async move {
            let mut conn = pool.acquire().await?;
            let id: uuid::Uuid =
                sqlx::query_scalar("select price_item_id from price_item where position = $1")
                    .bind((i * 41 % services.max(1)) as i32)
                    .fetch_one(&mut *conn)
                    .await?;
            app::pricing::db::select_item(&mut conn, "en", id).await?;
            Ok(())
        }
    })
    .await?;
    row(
        "an item's page (every payer's rate)",
        ms,
        &format!("{} rates", payers * PLANS.len()),
    );
    Ok(())
}

/// Validates a machine-readable file against CMS's v3.0 JSON schema; prints each problem.
pub fn check_mrf(file: &str, schema: &str) -> anyhow::Result<()> {
    reset_peak();
    let t = Instant::now();
    let schema: serde_json::Value = serde_json::from_slice(&std::fs::read(schema)?)?;
    let validator = jsonschema::validator_for(&schema)
        .map_err(|e| anyhow::anyhow!("the schema does not compile: {e}"))?;
    let document: serde_json::Value =
        serde_json::from_reader(std::io::BufReader::new(std::fs::File::open(file)?))?;
    let errors: Vec<String> = validator
        .iter_errors(&document)
        .take(20)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    let items = document
        .get("standard_charge_information")
        .and_then(|v| v.as_array())
        .map_or(0, Vec::len);
    println!(
        "schema check: {items} items, {} problems, {:.1} s, peak {:.0} MB (the checker's own)",
        errors.len(),
        t.elapsed().as_secs_f64(),
        peak_mb()
    );
    for e in &errors {
        println!("  {e}");
    }
    anyhow::ensure!(errors.is_empty(), "the file does not follow CMS's schema");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[sqlx::test(migrator = "app::db::MIGRATOR")]
    async fn a_catalogue_larger_than_one_batch_is_written_whole(pool: PgPool) {
        // 40 services × 50 payers × 3 plans = 6,000 rates: more than one batch of writes, so
        // rates are flushed while their items are still being gathered.
        let catalogue = catalogue(40, 50);
        let mut tx = pool.begin().await.expect("tx");
        app::pricing::db::replace_catalogue(&mut tx, &catalogue)
            .await
            .expect("written");
        tx.commit().await.expect("commit");
        let (items, rates) = app::pricing::db::select_counts(&pool)
            .await
            .expect("counts");
        assert_eq!((items, rates), (40, 6_000));
        let mut conn = pool.acquire().await.expect("conn");
        let (found, total) =
            app::pricing::db::search_items(&mut conn, "en", "10007", None, false, 20, 0)
                .await
                .expect("search");
        assert_eq!(total, 1);
        assert_eq!(found.first().map(|c| c.codes.as_str()), Some("CPT 10007"));
    }
}
