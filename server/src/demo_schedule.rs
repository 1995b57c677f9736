//! Demo schedules: a year of weekly hours for every demo clinician at their locations (three
//! months back, nine ahead), the locations' public holidays, a week of leave each, and bookings
//! from four weeks ago to six weeks ahead, about half the open times, with the ones already past
//! completed, a few missed or cancelled. Times are relative to the day it is loaded, so the demo
//! always has a past and a future. Loading again changes nothing.

use app::scheduling::db::open_times;
use app::scheduling::slots::{instant, Span, Tz};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use sqlx::PgPool;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Every clinician's grid, and the length of the visits booked in the demo.
const SLOT_MINUTES: i32 = 20;
/// Hours that fit every demo location's opening hours.
const HOURS: [(u32, u32, u32, u32); 2] = [(8, 0, 12, 0), (13, 0, 16, 20)];
/// Reasons patients give, in their own words.
const REASONS: &[&str] = &[
    "Follow-up on blood pressure",
    "Cough for two weeks",
    "Medication refill and check",
    "Knee pain after running",
    "Seguimiento de diabetes",
    "Headaches in the morning",
    "",
    "Rash on my arm",
    "Dolor de espalda",
    "",
];

/// A stable number from 0 to 99 for `parts`, so the same people get the same bookings.
fn percent(parts: &[u128]) -> u32 {
    let mut h: u128 = 0x9e37_79b9_7f4a_7c15;
    for p in parts {
        h = (h ^ p).wrapping_mul(0x0100_0000_01b3);
        h ^= h >> 29;
    }
    (h % 100) as u32
}

/// The US federal holidays a clinic closes for, in `year`.
fn holidays(year: i32) -> Vec<(NaiveDate, &'static str, &'static str)> {
    let nth = |month, weekday, n| NaiveDate::from_weekday_of_month_opt(year, month, weekday, n);
    let last_monday_of_may = (1..=31)
        .rev()
        .filter_map(|d| NaiveDate::from_ymd_opt(year, 5, d))
        .find(|d| d.weekday() == Weekday::Mon);
    [
        (
            NaiveDate::from_ymd_opt(year, 1, 1),
            "New Year's Day",
            "Año Nuevo",
        ),
        (last_monday_of_may, "Memorial Day", "Día de los Caídos"),
        (
            NaiveDate::from_ymd_opt(year, 7, 4),
            "Independence Day",
            "Día de la Independencia",
        ),
        (nth(9, Weekday::Mon, 1), "Labor Day", "Día del Trabajo"),
        (
            nth(11, Weekday::Thu, 4),
            "Thanksgiving",
            "Día de Acción de Gracias",
        ),
        (
            NaiveDate::from_ymd_opt(year, 12, 25),
            "Christmas Day",
            "Navidad",
        ),
    ]
    .into_iter()
    .filter_map(|(day, en, es)| day.map(|d| (d, en, es)))
    .collect()
}

/// Adds the demo schedules and bookings when no clinician has hours yet; returns how many
/// appointments it booked.
pub async fn load(pool: &PgPool) -> anyhow::Result<u64> {
    let existing: i64 = sqlx::query_scalar!(r#"select count(*) as "n!" from schedule_hours"#)
        .fetch_one(pool)
        .await?;
    if existing > 0 {
        return Ok(0);
    }
    let today = Utc::now().date_naive();
    let (from, until) = (today - Duration::days(91), today + Duration::days(273));
    let places = sqlx::query!(
        "select cl.clinician_id, cl.location_id from clinician_location cl
           join clinician c using (clinician_id)
          order by c.slug, cl.location_id"
    )
    .fetch_all(pool)
    .await?;
    let mut by_clinician: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for p in &places {
        by_clinician
            .entry(p.clinician_id)
            .or_default()
            .push(p.location_id);
    }

    let mut tx = pool.begin().await?;
    let weekdays = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];
    for (i, (clinician, locations)) in by_clinician.iter().enumerate() {
        // A quarter work three days a week; the rest all five. Each working day at one of
        // their locations in turn.
        let days: Vec<Weekday> = if i % 4 == 3 {
            vec![Weekday::Mon, Weekday::Wed, Weekday::Thu]
        } else {
            weekdays.to_vec()
        };
        for (n, day) in days.iter().enumerate() {
            let Some(location) = locations.get(n % locations.len().max(1)) else {
                continue;
            };
            for (h1, m1, h2, m2) in HOURS {
                sqlx::query!(
                    "insert into schedule_hours
                         (schedule_hours_id, clinician_id, location_id, weekday, starts, ends, slot_minutes, valid_from, valid_until)
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    Uuid::new_v4(),
                    clinician,
                    location,
                    i16::try_from(day.number_from_monday()).unwrap_or(1),
                    NaiveTime::from_hms_opt(h1, m1, 0),
                    NaiveTime::from_hms_opt(h2, m2, 0),
                    SLOT_MINUTES,
                    from,
                    until
                )
                .execute(&mut *tx)
                .await?;
            }
        }
        // A week of leave somewhere in the year, Monday to Friday.
        let monday = from + Duration::days(7 * ((i64::try_from(i).unwrap_or(0) * 5) % 50));
        let monday = monday - Duration::days(i64::from(monday.weekday().num_days_from_monday()));
        let tz = Tz::America__Chicago;
        let leave = Span::new(
            instant(tz, monday, NaiveTime::MIN, false),
            instant(tz, monday + Duration::days(5), NaiveTime::MIN, false),
        );
        sqlx::query!(
            "insert into clinician_block (clinician_block_id, clinician_id, during, note)
             values ($1, $2, tstzrange($3, $4), 'Annual leave')",
            Uuid::new_v4(),
            clinician,
            leave.start,
            leave.end
        )
        .execute(&mut *tx)
        .await?;
    }
    let locations: Vec<Uuid> =
        sqlx::query_scalar!("select location_id from care_location order by slug")
            .fetch_all(&mut *tx)
            .await?;
    for year in [from.year(), until.year()]
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
    {
        for (day, en, es) in holidays(year) {
            if day < from || day > until {
                continue;
            }
            for location in &locations {
                sqlx::query!(
                    "insert into location_holiday (location_id, day, name_en, name_es)
                     values ($1, $2, $3, $4) on conflict do nothing",
                    location,
                    day,
                    en,
                    es
                )
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;

    book(
        pool,
        today,
        &by_clinician.keys().copied().collect::<Vec<_>>(),
    )
    .await
}

/// Appointments to insert, column by column (for one `unnest` insert per batch).
#[derive(Default)]
struct Columns {
    id: Vec<Uuid>,
    patient: Vec<Uuid>,
    clinician: Vec<Uuid>,
    location: Vec<Uuid>,
    visit_type: Vec<String>,
    starts: Vec<DateTime<Utc>>,
    ends: Vec<DateTime<Utc>>,
    reason: Vec<String>,
}

/// Books about half the 20-minute open times from four weeks ago to six weeks ahead.
async fn book(pool: &PgPool, today: NaiveDate, clinicians: &[Uuid]) -> anyhow::Result<u64> {
    let patients: Vec<Uuid> =
        sqlx::query_scalar!("select patient_id from patient order by patient_id limit 2000")
            .fetch_all(pool)
            .await?;
    if patients.is_empty() || clinicians.is_empty() {
        return Ok(0);
    }
    let visit_types: Vec<(Uuid, String)> = sqlx::query!(
        "select cv.clinician_id, cv.visit_type from clinician_visit_type cv
           join visit_type v on v.slug = cv.visit_type
          where v.duration_minutes = $1 order by cv.clinician_id, cv.visit_type",
        SLOT_MINUTES
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.clinician_id, r.visit_type))
    .collect();
    let mut conn = pool.acquire().await?;
    let times = open_times(
        &mut conn,
        clinicians,
        i64::from(SLOT_MINUTES),
        today - Duration::days(28),
        today + Duration::days(42),
        (today - Duration::days(29))
            .and_time(NaiveTime::MIN)
            .and_utc(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("open times: {e:?}"))?;
    let now = Utc::now();
    // Open times never overlap for one clinician (and the exclusion constraint would refuse the
    // batch if they did), so they go in a batch at a time.
    let mut c = Columns::default();
    for time in times {
        let key = [
            time.clinician_id.as_u128(),
            u128::try_from(time.start.timestamp()).unwrap_or_default(),
        ];
        // Busier in the coming days than further out.
        let days_ahead = (time.start.date_naive() - today).num_days();
        let share = if days_ahead < 7 { 70 } else { 45 };
        if percent(&key) >= share {
            continue;
        }
        let offered: Vec<&str> = visit_types
            .iter()
            .filter(|(who, _)| *who == time.clinician_id)
            .map(|(_, v)| v.as_str())
            .collect();
        let pick = percent(&[key[0], key[1], 7]) as usize;
        let (Some(visit_type), Some(patient)) = (
            offered.get(pick % offered.len().max(1)),
            patients.get((pick * 7919 + c.id.len()) % patients.len()),
        ) else {
            continue;
        };
        c.id.push(Uuid::new_v4());
        c.patient.push(*patient);
        c.clinician.push(time.clinician_id);
        c.location.push(time.location_id);
        c.visit_type.push((*visit_type).to_string());
        c.starts.push(time.start);
        c.ends.push(time.end);
        c.reason.push(
            REASONS
                .get(pick % REASONS.len())
                .copied()
                .unwrap_or_default()
                .to_string(),
        );
    }
    let booked = c.id.len();
    let mut tx = pool.begin().await?;
    for start in (0..booked).step_by(5_000) {
        let end = (start + 5_000).min(booked);
        let part = |v: &[Uuid]| v.get(start..end).unwrap_or_default().to_vec();
        let text = |v: &[String]| v.get(start..end).unwrap_or_default().to_vec();
        let at = |v: &[DateTime<Utc>]| v.get(start..end).unwrap_or_default().to_vec();
        sqlx::query!(
            "insert into appointment (appointment_id, patient_id, clinician_id, location_id, visit_type, during, reason)
             select id, patient, clinician, location, visit_type, tstzrange(starts, ends), reason
               from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[],
                           $6::timestamptz[], $7::timestamptz[], $8::text[])
                    as t(id, patient, clinician, location, visit_type, starts, ends, reason)",
            &part(&c.id),
            &part(&c.patient),
            &part(&c.clinician),
            &part(&c.location),
            &text(&c.visit_type),
            &at(&c.starts),
            &at(&c.ends),
            &text(&c.reason)
        )
        .execute(&mut *tx)
        .await?;
    }
    // Most past visits happened; a few were missed (5 %) or cancelled the day before (2 %).
    sqlx::query!(
        "update appointment
            set status = case when abs(hashtext(appointment_id::text)) % 100 < 5 then 'no_show'
                              when abs(hashtext(appointment_id::text)) % 100 < 7 then 'cancelled'
                              else 'completed' end,
                cancelled_at = case when abs(hashtext(appointment_id::text)) % 100 between 5 and 6
                                    then lower(during) - interval '1 day' end
          where upper(during) < $1 and status = 'booked'",
        now
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(u64::try_from(booked).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holidays_fall_on_their_days() {
        let days: Vec<String> = holidays(2026)
            .iter()
            .map(|(d, _, _)| d.format("%m-%d %a").to_string())
            .collect();
        assert_eq!(
            days,
            [
                "01-01 Thu",
                "05-25 Mon",
                "07-04 Sat",
                "09-07 Mon",
                "11-26 Thu",
                "12-25 Fri"
            ]
        );
    }

    #[test]
    fn the_booking_dice_are_stable_and_spread() {
        assert_eq!(percent(&[1, 2]), percent(&[1, 2]));
        let under_half = (0..1000u128).filter(|n| percent(&[*n, 9]) < 50).count();
        assert!((400..600).contains(&under_half), "{under_half}");
    }

    #[sqlx::test(migrator = "app::db::MIGRATOR")]
    async fn every_clinician_has_a_year_of_hours_and_about_half_the_near_times_are_booked(
        pool: PgPool,
    ) -> anyhow::Result<()> {
        crate::demo::load(&pool, 60).await?;
        crate::demo_directory::load(&pool).await?;
        let booked = load(&pool).await?;
        assert!(booked > 5_000, "{booked}");
        assert_eq!(load(&pool).await?, 0);

        let (without_hours, locations_with_holidays, past_booked, no_shows, future_other) =
            sqlx::query_as::<_, (i64, i64, i64, i64, i64)>(
                "select (select count(*) from clinician c where not exists
                            (select 1 from schedule_hours h where h.clinician_id = c.clinician_id)),
                        (select count(distinct location_id) from location_holiday),
                        (select count(*) from appointment where upper(during) < now() and status = 'booked'),
                        (select count(*) from appointment where status = 'no_show'),
                        (select count(*) from appointment where lower(during) > now() and status <> 'booked')",
            )
            .fetch_one(&pool)
            .await?;
        assert_eq!(
            (
                without_hours,
                locations_with_holidays,
                past_booked,
                future_other
            ),
            (0, 5, 0, 0)
        );
        assert!(no_shows > 0);
        // Next week still has open times to book.
        let clinicians: Vec<Uuid> = sqlx::query_scalar("select clinician_id from clinician")
            .fetch_all(&pool)
            .await?;
        let today = Utc::now().date_naive();
        let mut conn = pool.acquire().await?;
        let open = open_times(
            &mut conn,
            &clinicians,
            20,
            today + Duration::days(7),
            today + Duration::days(13),
            Utc::now(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        assert!(open.len() > 1_000, "{}", open.len());
        Ok(())
    }
}
