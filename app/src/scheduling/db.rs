//! Schedule and appointment queries, and open times computed from them. Every function takes
//! the connection or transaction it runs in.

use super::slots::{open_slots, working_windows, DayChange, Schedule, Span, WeeklyHours};
use crate::db::ResultExt;
use crate::error::AppError;
use chrono::{Duration, NaiveDate, Weekday};
use chrono_tz::Tz;
use sqlx::postgres::types::PgRange;
use sqlx::PgConnection;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// The answer when a time was booked by someone else first.
pub const SLOT_TAKEN: &str = "slot_taken";

/// An appointment about to be booked.
#[derive(Clone, Debug)]
pub struct NewAppointment<'a> {
    pub patient_id: Uuid,
    pub clinician_id: Uuid,
    pub location_id: Uuid,
    pub visit_type: &'a str,
    pub during: Span,
    pub reason: &'a str,
    pub booked_by: Option<Uuid>,
}

fn range(span: Span) -> PgRange<chrono::DateTime<chrono::Utc>> {
    PgRange::from(span.start..span.end)
}

/// Books `new`, or answers `Conflict("slot_taken")` when the clinician already has a booking
/// that overlaps it (the database's exclusion constraint decides, so concurrent bookings of one
/// time give exactly one appointment).
pub async fn insert_appointment(
    conn: &mut PgConnection,
    new: &NewAppointment<'_>,
) -> Result<Uuid, AppError> {
    let id = Uuid::new_v4();
    sqlx::query!(
        "insert into appointment
             (appointment_id, patient_id, clinician_id, location_id, visit_type, during, reason, booked_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
        id,
        new.patient_id,
        new.clinician_id,
        new.location_id,
        new.visit_type,
        range(new.during),
        new.reason,
        new.booked_by
    )
    .execute(conn)
    .await
    .on_constraint("appointment_no_overlap", |_| {
        AppError::Conflict(SLOT_TAKEN.into())
    })?;
    Ok(id)
}

/// The spans each of `clinicians` is busy in `within`: active appointments and blocks, in no
/// particular order.
pub async fn select_taken(
    conn: &mut PgConnection,
    clinicians: &[Uuid],
    within: Span,
) -> sqlx::Result<Vec<(Uuid, Span)>> {
    let rows = sqlx::query!(
        r#"select clinician_id as "clinician_id!", lower(during) as "start!", upper(during) as "end!"
             from appointment
            where clinician_id = any($1) and status <> 'cancelled' and during && $2
           union all
           select clinician_id, lower(during), upper(during)
             from clinician_block
            where clinician_id = any($1) and during && $2"#,
        clinicians,
        range(within)
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.clinician_id, Span::new(r.start, r.end)))
        .collect())
}

/// One clinician's schedule at one location, with the grid visits start on.
#[derive(Clone, Debug)]
pub struct PlaceSchedule {
    pub clinician_id: Uuid,
    pub location_id: Uuid,
    pub schedule: Schedule,
    /// Minutes between possible starts: the finest grid among the weekly hours.
    pub step_minutes: i64,
}

/// The schedules of `clinicians` at each of their locations with weekly hours that reach into
/// `from`..=`to` (dates), with the exceptions and holidays in that range.
pub async fn select_schedules(
    conn: &mut PgConnection,
    clinicians: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<PlaceSchedule>, AppError> {
    let hours = sqlx::query!(
        r#"select h.clinician_id, h.location_id, l.time_zone, h.weekday, h.starts, h.ends,
                  h.slot_minutes, h.valid_from, h.valid_until
             from schedule_hours h join care_location l using (location_id)
            where h.clinician_id = any($1) and h.valid_from <= $3
              and (h.valid_until is null or h.valid_until >= $2)
            order by h.clinician_id, h.location_id"#,
        clinicians,
        from,
        to
    )
    .fetch_all(&mut *conn)
    .await?;
    let exceptions = sqlx::query!(
        "select clinician_id, location_id, day, starts, ends from schedule_exception
          where clinician_id = any($1) and day between $2 and $3",
        clinicians,
        from,
        to
    )
    .fetch_all(&mut *conn)
    .await?;
    let locations: Vec<Uuid> = hours.iter().map(|h| h.location_id).collect();
    let holidays = sqlx::query!(
        "select location_id, day from location_holiday
          where location_id = any($1) and day between $2 and $3",
        &locations,
        from,
        to
    )
    .fetch_all(&mut *conn)
    .await?;

    let mut places: BTreeMap<(Uuid, Uuid), PlaceSchedule> = BTreeMap::new();
    for h in hours {
        let Ok(tz) = h.time_zone.parse::<Tz>() else {
            // Checked when the location was saved; a zone the database no longer knows leaves
            // the place without open times rather than at the wrong hours.
            tracing::warn!(location_id = %h.location_id, "unknown time zone");
            continue;
        };
        let Some(weekday) = u8::try_from(h.weekday - 1)
            .ok()
            .and_then(|d| Weekday::try_from(d).ok())
        else {
            continue;
        };
        let place = places
            .entry((h.clinician_id, h.location_id))
            .or_insert_with(|| PlaceSchedule {
                clinician_id: h.clinician_id,
                location_id: h.location_id,
                schedule: Schedule {
                    tz,
                    weekly: Vec::new(),
                    exceptions: BTreeMap::new(),
                    holidays: BTreeSet::new(),
                },
                step_minutes: i64::from(h.slot_minutes),
            });
        place.step_minutes = place.step_minutes.min(i64::from(h.slot_minutes));
        place.schedule.weekly.push(WeeklyHours {
            weekday,
            starts: h.starts,
            ends: h.ends,
            valid_from: h.valid_from,
            valid_until: h.valid_until,
        });
    }
    for e in exceptions {
        let Some(place) = places.get_mut(&(e.clinician_id, e.location_id)) else {
            continue;
        };
        let change = place
            .schedule
            .exceptions
            .entry(e.day)
            .or_insert(DayChange::Closed);
        if let (Some(starts), Some(ends)) = (e.starts, e.ends) {
            match change {
                DayChange::Hours(spans) => spans.push((starts, ends)),
                DayChange::Closed => *change = DayChange::Hours(vec![(starts, ends)]),
            }
        }
    }
    for place in places.values_mut() {
        place.schedule.holidays = holidays
            .iter()
            .filter(|h| h.location_id == place.location_id)
            .map(|h| h.day)
            .collect();
    }
    Ok(places.into_values().collect())
}

/// An open time: who, where, when.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OpenTime {
    pub start: chrono::DateTime<chrono::Utc>,
    pub clinician_id: Uuid,
    pub location_id: Uuid,
    pub end: chrono::DateTime<chrono::Utc>,
}

/// The open times of `minutes` for `clinicians` on dates `from`..=`to`, starting no earlier than
/// `not_before`, earliest first (three queries, whatever the number of clinicians).
pub async fn open_times(
    conn: &mut PgConnection,
    clinicians: &[Uuid],
    minutes: i64,
    from: NaiveDate,
    to: NaiveDate,
    not_before: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<OpenTime>, AppError> {
    let places = select_schedules(conn, clinicians, from, to).await?;
    let windows: Vec<(&PlaceSchedule, Vec<Span>)> = places
        .iter()
        .map(|p| (p, working_windows(&p.schedule, from, to)))
        .collect();
    let Some(within) = windows
        .iter()
        .flat_map(|(_, w)| w.iter().copied())
        .reduce(|a, b| Span::new(a.start.min(b.start), a.end.max(b.end)))
    else {
        return Ok(Vec::new());
    };
    let taken = select_taken(conn, clinicians, within).await?;
    let mut out = Vec::new();
    for (place, spans) in &windows {
        let busy: Vec<Span> = taken
            .iter()
            .filter(|(c, _)| *c == place.clinician_id)
            .map(|(_, s)| *s)
            .collect();
        let slots = open_slots(
            spans,
            &busy,
            Duration::minutes(minutes),
            Duration::minutes(place.step_minutes),
            not_before,
        );
        out.extend(slots.into_iter().map(|s| OpenTime {
            start: s.start,
            clinician_id: place.clinician_id,
            location_id: place.location_id,
            end: s.end,
        }));
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Duration, Utc};
    use sqlx::PgPool;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .unwrap_or_else(|e| panic!("{e}"))
            .with_timezone(&Utc)
    }

    /// A location, a clinician and `patients` patients: their ids.
    async fn seed(pool: &PgPool, patients: usize) -> sqlx::Result<(Uuid, Uuid, Vec<Uuid>)> {
        let (location, clinician) = (Uuid::new_v4(), Uuid::new_v4());
        sqlx::query!(
            "insert into care_location (location_id, slug, name, street, city, region, postal_code, phone, time_zone)
             values ($1, 'riverside', 'Riverside Clinic', '1 River Rd', 'Springfield', 'IL', '62701', '555-0100', 'America/Chicago')",
            location
        )
        .execute(pool)
        .await?;
        sqlx::query!(
            "insert into clinician (clinician_id, slug, name) values ($1, 'ana-ruiz', 'Ana Ruiz')",
            clinician
        )
        .execute(pool)
        .await?;
        let mut ids = Vec::new();
        for n in 0..patients {
            let id = Uuid::new_v4();
            sqlx::query!(
                "insert into patient (patient_id, given_name, family_name, birth_date, sex)
                 values ($1, 'Pat', $2, '1980-01-01', 'unknown')",
                id,
                format!("Number{n}")
            )
            .execute(pool)
            .await?;
            ids.push(id);
        }
        Ok((location, clinician, ids))
    }

    fn visit(
        patient: Uuid,
        clinician: Uuid,
        location: Uuid,
        start: &str,
        minutes: i64,
    ) -> NewAppointment<'static> {
        let start = at(start);
        NewAppointment {
            patient_id: patient,
            clinician_id: clinician,
            location_id: location,
            visit_type: "follow-up",
            during: Span::new(start, start + Duration::minutes(minutes)),
            reason: "",
            booked_by: None,
        }
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn thirty_two_people_booking_one_time_at_once_get_one_appointment(
        pool: PgPool,
    ) -> sqlx::Result<()> {
        let (location, clinician, patients) = seed(&pool, 32).await?;
        // Every attempt has its own connection (the test pool holds fewer) and they start
        // together.
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(40)
            .connect_with((*pool.connect_options()).clone())
            .await?;
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(patients.len()));
        let attempts = patients.into_iter().map(|patient| {
            let (pool, barrier) = (pool.clone(), barrier.clone());
            tokio::spawn(async move {
                let mut conn = pool.acquire().await?;
                barrier.wait().await;
                let new = visit(patient, clinician, location, "2026-06-01T15:00:00Z", 20);
                Ok::<_, sqlx::Error>(insert_appointment(&mut conn, &new).await)
            })
        });
        let mut booked = 0;
        let mut taken = 0;
        for attempt in futures::future::join_all(attempts).await {
            match attempt.unwrap_or_else(|e| panic!("{e}"))? {
                Ok(_) => booked += 1,
                Err(AppError::Conflict(c)) if c == SLOT_TAKEN => taken += 1,
                Err(other) => panic!("unexpected answer: {other:?}"),
            }
        }
        assert_eq!((booked, taken), (1, 31));
        let rows: i64 = sqlx::query_scalar!(r#"select count(*) as "n!" from appointment"#)
            .fetch_one(&pool)
            .await?;
        assert_eq!(rows, 1);
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn overlapping_times_are_refused_and_touching_or_cancelled_ones_are_not(
        pool: PgPool,
    ) -> sqlx::Result<()> {
        let (location, clinician, patients) = seed(&pool, 2).await?;
        let (a, b) = (patients[0], patients[1]);
        let mut conn = pool.acquire().await?;
        let first = insert_appointment(
            &mut conn,
            &visit(a, clinician, location, "2026-06-01T15:00:00Z", 40),
        )
        .await;
        assert!(first.is_ok(), "{first:?}");
        // Starting inside it: refused. Starting as it ends: fine.
        let inside = insert_appointment(
            &mut conn,
            &visit(b, clinician, location, "2026-06-01T15:20:00Z", 20),
        )
        .await;
        assert_eq!(inside, Err(AppError::Conflict(SLOT_TAKEN.into())));
        let after = insert_appointment(
            &mut conn,
            &visit(b, clinician, location, "2026-06-01T15:40:00Z", 20),
        )
        .await;
        assert!(after.is_ok(), "{after:?}");
        // A cancelled booking frees its time.
        sqlx::query!(
            "update appointment set status = 'cancelled', cancelled_at = now() where appointment_id = $1",
            first.unwrap_or_default()
        )
        .execute(&pool)
        .await?;
        let again = insert_appointment(
            &mut conn,
            &visit(b, clinician, location, "2026-06-01T15:00:00Z", 20),
        )
        .await;
        assert!(again.is_ok(), "{again:?}");

        // Busy spans: the two active bookings and a block, not the cancelled one.
        sqlx::query!(
            "insert into clinician_block (clinician_block_id, clinician_id, during)
             values ($1, $2, tstzrange('2026-06-01T18:00:00Z', '2026-06-01T19:00:00Z'))",
            Uuid::new_v4(),
            clinician
        )
        .execute(&pool)
        .await?;
        let day = Span::new(at("2026-06-01T00:00:00Z"), at("2026-06-02T00:00:00Z"));
        let mut taken: Vec<Span> = select_taken(&mut conn, &[clinician], day)
            .await?
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        taken.sort();
        let starts: Vec<String> = taken
            .iter()
            .map(|s| s.start.format("%H:%M").to_string())
            .collect();
        assert_eq!(starts, ["15:00", "15:40", "18:00"]);
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn open_times_follow_hours_exceptions_holidays_and_bookings(
        pool: PgPool,
    ) -> sqlx::Result<()> {
        let (location, ana, patients) = seed(&pool, 1).await?;
        let ben = Uuid::new_v4();
        sqlx::query!(
            "insert into clinician (clinician_id, slug, name) values ($1, 'ben-ortiz', 'Ben Ortiz')",
            ben
        )
        .execute(&pool)
        .await?;
        // Mondays 9:00–10:00 for both, on a 20-minute grid, from June.
        for clinician in [ana, ben] {
            sqlx::query!(
                "insert into schedule_hours (schedule_hours_id, clinician_id, location_id, weekday, starts, ends, slot_minutes, valid_from)
                 values ($1, $2, $3, 1, '09:00', '10:00', 20, '2026-06-01')",
                Uuid::new_v4(),
                clinician,
                location
            )
            .execute(&pool)
            .await?;
        }
        // 8 June is a holiday; on 15 June Ana works 13:00–13:40 instead.
        sqlx::query!(
            "insert into location_holiday (location_id, day, name_en, name_es) values ($1, '2026-06-08', 'Closed', 'Cerrado')",
            location
        )
        .execute(&pool)
        .await?;
        sqlx::query!(
            "insert into schedule_exception (schedule_exception_id, clinician_id, location_id, day, starts, ends)
             values ($1, $2, $3, '2026-06-15', '13:00', '13:40')",
            Uuid::new_v4(),
            ana,
            location
        )
        .execute(&pool)
        .await?;
        let mut conn = pool.acquire().await?;
        let booked = insert_appointment(
            &mut conn,
            &visit(patients[0], ana, location, "2026-06-01T14:20:00Z", 20),
        )
        .await;
        assert!(booked.is_ok(), "{booked:?}");

        let from = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default();
        let to = NaiveDate::from_ymd_opt(2026, 6, 15).unwrap_or_default();
        let times = open_times(
            &mut conn,
            &[ana, ben],
            20,
            from,
            to,
            at("2026-01-01T00:00:00Z"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
        let shown = |who: Uuid| -> Vec<String> {
            times
                .iter()
                .filter(|t| t.clinician_id == who && t.location_id == location)
                .map(|t| t.start.format("%m-%d %H:%M").to_string())
                .collect()
        };
        // Chicago is UTC−5 in summer.
        assert_eq!(
            shown(ana),
            ["06-01 14:00", "06-01 14:40", "06-15 18:00", "06-15 18:20"]
        );
        assert_eq!(
            shown(ben),
            [
                "06-01 14:00",
                "06-01 14:20",
                "06-01 14:40",
                "06-15 14:00",
                "06-15 14:20",
                "06-15 14:40"
            ]
        );
        // Earliest first, whoever it is with; nothing before `not_before`.
        assert!(times.windows(2).all(|w| w[0].start <= w[1].start));
        let later = open_times(
            &mut conn,
            &[ana, ben],
            40,
            from,
            to,
            at("2026-06-10T00:00:00Z"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
        let starts: Vec<String> = later
            .iter()
            .map(|t| t.start.format("%m-%d %H:%M").to_string())
            .collect();
        assert_eq!(starts, ["06-15 14:00", "06-15 14:20", "06-15 18:00"]);
        Ok(())
    }
}
