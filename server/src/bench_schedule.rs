//! The scheduling benchmark (`server bench-scheduling`, run by `bench/scheduling.sh`, never in
//! CI): loads benchmark-scale schedules (synthetic clinicians with a year of weekday hours at the
//! demo locations, and a million appointments), then measures open-time searches, bookings by
//! 16 concurrent bookers, and the reminder sweep, printing Markdown tables.
//!
//! The searches and bookings call the same functions the server functions do (the four
//! queries and the slot computation; the clinician lock, the open-time check and the insert
//! under the exclusion constraint), without HTTP, so the figures are the scheduling core's.

use anyhow::Context;
use app::scheduling::db::{insert_appointment, open_times, NewAppointment};
use app::scheduling::slots::Span;
use chrono::{Duration, Utc};
use sqlx::PgPool;
use std::time::Instant;
use uuid::Uuid;

/// Loads `clinicians` synthetic clinicians (idempotent) and appointments up to `appointments`.
pub async fn load(pool: &PgPool, clinicians: i32, appointments: i64) -> anyhow::Result<()> {
    let started = Instant::now();
    sqlx::query(
        "insert into clinician (clinician_id, slug, name, credentials, languages)
         select md5('bench-clinician-' || n)::uuid, 'bench-clinician-' || n, 'Bench Clinician ' || n, 'MD',
                case when n % 3 = 0 then '{en,es}'::text[] else '{en}'::text[] end
           from generate_series(1, $1) n
         on conflict (slug) do nothing",
    )
    .bind(clinicians)
    .execute(pool)
    .await
    .context("bench clinicians")?;
    sqlx::query(
        "insert into clinician_specialty (clinician_id, specialty, position)
         select md5('bench-clinician-' || n)::uuid,
                (array['family-medicine','internal-medicine','pediatrics','cardiology','dermatology'])[1 + n % 5], 0
           from generate_series(1, $1) n
         on conflict do nothing;",
    )
    .bind(clinicians)
    .execute(pool)
    .await?;
    sqlx::query(
        "insert into clinician_visit_type (clinician_id, visit_type)
         select md5('bench-clinician-' || n)::uuid, v
           from generate_series(1, $1) n, unnest(array['follow-up','new-patient']) v
         on conflict do nothing",
    )
    .bind(clinicians)
    .execute(pool)
    .await?;
    sqlx::query(
        "with places as (select location_id, row_number() over (order by slug) - 1 as i, count(*) over () as k
                           from care_location)
         insert into clinician_location (clinician_id, location_id)
         select md5('bench-clinician-' || n)::uuid, p.location_id
           from generate_series(1, $1) n join places p on p.i = n % p.k
         on conflict do nothing",
    )
    .bind(clinicians)
    .execute(pool)
    .await?;
    // Weekdays 8:00–12:00 and 13:00–17:00, a year from six months ago.
    sqlx::query(
        "insert into schedule_hours (schedule_hours_id, clinician_id, location_id, weekday, starts, ends, slot_minutes, valid_from)
         select md5('bench-hours-' || cl.clinician_id || d || s)::uuid, cl.clinician_id, cl.location_id, d,
                s::time, (s::time + interval '4 hours')::time, 20, current_date - 180
           from clinician_location cl join clinician c using (clinician_id),
                generate_series(1, 5) d, unnest(array['08:00', '13:00']) s
          where c.slug like 'bench-clinician-%'
         on conflict (schedule_hours_id) do nothing",
    )
    .execute(pool)
    .await?;
    let have: i64 = sqlx::query_scalar("select count(*) from appointment")
        .fetch_one(pool)
        .await?;
    if have < appointments {
        // A third of every grid time in the year, booked by the demo patients: inserted a
        // month at a time so each statement stays small.
        let patients: Vec<Uuid> = sqlx::query_scalar("select patient_id from patient limit 5000")
            .fetch_all(pool)
            .await?;
        anyhow::ensure!(!patients.is_empty(), "load demo patients first");
        for month in 0..12 {
            let have: i64 = sqlx::query_scalar("select count(*) from appointment")
                .fetch_one(pool)
                .await?;
            if have >= appointments {
                break;
            }
            sqlx::query(
                "insert into appointment (appointment_id, patient_id, clinician_id, location_id, visit_type, during, created_at)
                 select gen_random_uuid(), ($3::uuid[])[1 + abs(hashtext(c.clinician_id::text || day || slot)) % cardinality($3::uuid[])],
                        c.clinician_id, cl.location_id, 'follow-up',
                        tstzrange(t, t + interval '20 minutes'), t - interval '30 days'
                   from clinician c join clinician_location cl using (clinician_id)
                   join care_location l using (location_id),
                        generate_series(current_date - 180 + $1 * 30, current_date - 180 + $1 * 30 + 29, interval '1 day') day,
                        generate_series(0, 23) slot,
                        lateral (select ((day::date + time '08:00' + slot * interval '20 minutes'
                                          + case when slot >= 12 then interval '1 hour' else interval '0' end)
                                         at time zone l.time_zone) as t) tt
                  where c.slug like 'bench-clinician-%' and extract(isodow from day) <= 5
                    and abs(hashtext(c.clinician_id::text || day || slot)) % $2 = 0
                 on conflict do nothing",
            )
            .bind(month)
            .bind(3)
            .bind(&patients)
            .execute(pool)
            .await
            .with_context(|| format!("bench appointments, month {month}"))?;
        }
    }
    let (n, c): (i64, i64) = sqlx::query_as(
        "select (select count(*) from appointment), (select count(*) from clinician)",
    )
    .fetch_one(pool)
    .await?;
    tracing::info!(
        appointments = n,
        clinicians = c,
        seconds = started.elapsed().as_secs(),
        "bench data ready"
    );
    Ok(())
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(0.0)
}

pub(crate) fn row(name: &str, mut ms: Vec<f64>, extra: &str) {
    ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "| {name} | {} | {:.2} | {:.2} | {:.2} | {extra} |",
        ms.len(),
        percentile(&ms, 0.5),
        percentile(&ms, 0.95),
        percentile(&ms, 0.99)
    );
}

/// Runs `n` calls of `f` on `concurrency` tasks and returns each call's milliseconds.
pub(crate) async fn timed<F, Fut>(n: usize, concurrency: usize, f: F) -> anyhow::Result<Vec<f64>>
where
    F: Fn(usize) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let f = f.clone();
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for i in (worker..n).step_by(concurrency) {
                let t = Instant::now();
                f(i).await?;
                out.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            Ok::<_, anyhow::Error>(out)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    Ok(all)
}

pub async fn run(pool: &PgPool, clinicians: i32) -> anyhow::Result<()> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "select clinician_id from clinician where slug like 'bench-clinician-%' order by slug",
    )
    .fetch_all(pool)
    .await?;
    anyhow::ensure!(
        ids.len() >= clinicians as usize,
        "load the bench data first"
    );
    let family: Vec<Uuid> = sqlx::query_scalar(
        "select clinician_id from clinician_specialty s join clinician c using (clinician_id)
          where s.specialty = 'pediatrics' and c.slug like 'bench-clinician-%'",
    )
    .fetch_all(pool)
    .await?;
    let today = Utc::now().date_naive();
    println!("| what | runs | p50 ms | p95 ms | p99 ms | notes |\n|---|---:|---:|---:|---:|---|");

    let ids = std::sync::Arc::new(ids);
    for concurrency in [1, 16] {
        let (pool2, ids2) = (pool.clone(), ids.clone());
        let ms = timed(800, concurrency, move |i| {
            let (pool, ids) = (pool2.clone(), ids2.clone());
            async move {
                let Some(&c) = ids.get((i * 7919) % ids.len()) else {
                    return Ok(());
                };
                let mut conn = pool.acquire().await?;
                let from = today + Duration::days((i % 60) as i64);
                let times = open_times(
                    &mut conn,
                    &[c],
                    20,
                    from,
                    from + Duration::days(13),
                    Utc::now(),
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                std::hint::black_box(times.len());
                Ok(())
            }
        })
        .await?;
        row(
            &format!("open times, one clinician, 14 days ({concurrency} at once)"),
            ms,
            "one query + slot computation",
        );
    }
    let (pool2, family2) = (pool.clone(), std::sync::Arc::new(family));
    let n = family2.len();
    let ms = timed(100, 4, move |i| {
        let (pool, family) = (pool2.clone(), family2.clone());
        async move {
            let mut conn = pool.acquire().await?;
            let from = today + Duration::days((i % 30) as i64);
            let times = open_times(
                &mut conn,
                &family,
                20,
                from,
                from + Duration::days(13),
                Utc::now(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            std::hint::black_box(times.len());
            Ok(())
        }
    })
    .await?;
    row(
        &format!("first available, one specialty ({n} clinicians), 14 days (4 at once)"),
        ms,
        "every clinician of the specialty",
    );

    // Bookings: 16 bookers each take the first open time of a random clinician, as the
    // server function does (lock, check, insert); a time someone else took is counted.
    let taken = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let patient: Uuid = sqlx::query_scalar("select patient_id from patient limit 1")
        .fetch_one(pool)
        .await?;
    let (pool2, ids2, taken2) = (pool.clone(), ids.clone(), taken.clone());
    let ms = timed(800, 16, move |i| {
        let (pool, ids, taken) = (pool2.clone(), ids2.clone(), taken2.clone());
        async move {
            let Some(&c) = ids.get((i * 104_729) % 16 % ids.len()) else {
                return Ok(());
            };
            let mut tx = pool.begin().await?;
            app::scheduling::waitlist::lock_clinician(&mut tx, c).await?;
            let from = today + Duration::days(200);
            let times = open_times(
                &mut tx,
                &[c],
                20,
                from,
                from + Duration::days(13),
                Utc::now(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let Some(t) = times.first() else {
                return Ok(());
            };
            let booked = insert_appointment(
                &mut tx,
                &NewAppointment {
                    patient_id: patient,
                    clinician_id: c,
                    location_id: t.location_id,
                    visit_type: "follow-up",
                    during: Span::new(t.start, t.end),
                    reason: "",
                    booked_by: None,
                },
            )
            .await;
            if booked.is_err() {
                taken.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            tx.commit().await?;
            Ok(())
        }
    })
    .await?;
    row(
        "booking, 16 bookers on 16 clinicians at once",
        ms,
        &format!(
            "{} refused as taken",
            taken.load(std::sync::atomic::Ordering::Relaxed)
        ),
    );

    // The reminder sweep over a million appointments: the first run catches up on every visit
    // in the next 72 hours; later runs find the few that became due.
    let sender = app::scheduling::notify::Sender {
        origin: "https://portal.example.org".into(),
        domain: "portal.example.org".into(),
        organizer: None,
    };
    for (label, at) in [
        ("reminder sweep, first run (catches up 72 h)", Utc::now()),
        (
            "reminder sweep, next run (5 minutes later)",
            Utc::now() + Duration::minutes(5),
        ),
        (
            "reminder sweep, steady state (nothing due)",
            Utc::now() + Duration::minutes(5),
        ),
    ] {
        let t = Instant::now();
        let sent = app::scheduling::reminders::send_due(pool, &sender, &[72, 24], (0, 0), at)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        row(
            label,
            vec![t.elapsed().as_secs_f64() * 1000.0],
            &format!("{sent} reminders queued"),
        );
    }
    Ok(())
}
