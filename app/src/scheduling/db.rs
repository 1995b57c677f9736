//! Schedule and appointment queries, and open times computed from them. Every function takes
//! the connection or transaction it runs in.

use super::slots::{open_slots, working_windows, DayChange, Schedule, Span, WeeklyHours};
use crate::db::ResultExt;
use crate::error::AppError;
use chrono::{Duration, NaiveDate, Weekday};
use chrono_tz::Tz;
use sqlx::postgres::types::PgRange;
use sqlx::PgConnection;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The answer when a time was booked by someone else first.
pub const SLOT_TAKEN: &str = super::SLOT_TAKEN_CODE;

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
/// time give exactly one appointment). Callers booking concurrently take
/// [`super::waitlist::lock_clinician`] first: unserialised inserts under an exclusion constraint
/// can wait on each other, and PostgreSQL then aborts one as a deadlock instead of refusing it.
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

/// The spans each of `clinicians` is busy in `within`: active appointments (except `ignoring`,
/// the visit being moved) and blocks, in no particular order.
///
/// Appointments are found by their start, a day either side of `within` (no visit lasts a day:
/// `appointment_at_most_a_day`), which an index-only scan of `appointment_clinician_start_idx`
/// answers without visiting the table: measured 4.8 → 3.3 ms per search at 16 at once in
/// pgbench, against the exclusion constraint's GiST index.
pub async fn select_taken(
    conn: &mut PgConnection,
    clinicians: &[Uuid],
    within: Span,
    ignoring: Option<Uuid>,
) -> sqlx::Result<Vec<(Uuid, Span)>> {
    let rows = sqlx::query!(
        r#"select clinician_id as "clinician_id!", lower(during) as "start!", upper(during) as "end!"
             from appointment
            where clinician_id = any($1) and status <> 'cancelled'
              and lower(during) >= lower($2::tstzrange) - interval '1 day'
              and lower(during) < upper($2::tstzrange)
              and during && $2 and appointment_id is distinct from $3
           union all
           select clinician_id, lower(during), upper(during)
             from clinician_block
            where clinician_id = any($1) and during && $2"#,
        clinicians,
        range(within),
        ignoring
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.clinician_id, Span::new(r.start, r.end)))
        .collect())
}

/// One clinician's schedule at one location, with the grid visits start on and the spans the
/// clinician is busy around the searched dates.
#[derive(Clone, Debug)]
pub struct PlaceSchedule {
    pub clinician_id: Uuid,
    pub location_id: Uuid,
    pub schedule: Schedule,
    /// Minutes between possible starts: the finest grid among the weekly hours.
    pub step_minutes: i64,
    /// The clinician's appointments (except the one being moved) and blocks, at any of their
    /// locations, that reach into the searched dates in any time zone.
    pub busy: Vec<Span>,
}

/// The schedules of `clinicians` at each of their locations with weekly hours that reach into
/// `from`..=`to` (dates), with the exceptions, holidays and busy spans in that range, in one
/// statement.
///
/// One round trip rather than four (hours, exceptions, holidays, busy spans): at 16 searches at
/// once on two cores the round trips, not the index scans, were most of a search's time.
pub async fn select_schedules(
    conn: &mut PgConnection,
    clinicians: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
    ignoring: Option<Uuid>,
) -> Result<Vec<PlaceSchedule>, AppError> {
    // The searched dates in any time zone (UTC−12 to UTC+14): the zones are applied in Rust,
    // which skips a place whose zone it does not know rather than failing the whole search.
    let midnight = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
    let around = Span::new(
        midnight(from) - Duration::hours(14),
        midnight(to + Duration::days(1)) + Duration::hours(12),
    );
    let rows = sqlx::query!(
        r#"with place as (
             select h.clinician_id, h.location_id, l.time_zone, min(h.slot_minutes) as step,
                    array_agg(h.weekday) as weekdays, array_agg(h.starts) as starts,
                    array_agg(h.ends) as ends, array_agg(h.valid_from) as valid_from,
                    array_agg(h.valid_until) as valid_until
               from schedule_hours h join care_location l using (location_id)
              where h.clinician_id = any($1) and h.valid_from <= $3
                and (h.valid_until is null or h.valid_until >= $2)
              group by h.clinician_id, h.location_id, l.time_zone)
           select p.clinician_id as "clinician_id!", p.location_id as "location_id!",
                  p.time_zone as "time_zone!", p.step as "step!",
                  p.weekdays as "weekdays!", p.starts as "starts!", p.ends as "ends!",
                  p.valid_from as "valid_from!",
                  p.valid_until as "valid_until!: Vec<Option<NaiveDate>>",
                  coalesce(x.days, '{}') as "exception_days!",
                  coalesce(x.starts, '{}') as "exception_starts!: Vec<Option<chrono::NaiveTime>>",
                  coalesce(x.ends, '{}') as "exception_ends!: Vec<Option<chrono::NaiveTime>>",
                  coalesce(hol.days, '{}') as "holidays!",
                  coalesce(b.starts, '{}') as "busy_starts!: Vec<chrono::DateTime<chrono::Utc>>",
                  coalesce(b.ends, '{}') as "busy_ends!: Vec<chrono::DateTime<chrono::Utc>>"
             from place p
             left join lateral (
                  select array_agg(e.day) as days, array_agg(e.starts) as starts,
                         array_agg(e.ends) as ends
                    from schedule_exception e
                   where e.clinician_id = p.clinician_id and e.location_id = p.location_id
                     and e.day between $2 and $3) x on true
             left join lateral (
                  select array_agg(d.day) as days from location_holiday d
                   where d.location_id = p.location_id and d.day between $2 and $3) hol on true
             left join lateral (
                  select array_agg(t.s) as starts, array_agg(t.e) as ends
                    from (select lower(a.during) as s, upper(a.during) as e from appointment a
                           where a.clinician_id = p.clinician_id and a.status <> 'cancelled'
                             and lower(a.during) >= lower($4::tstzrange) - interval '1 day'
                             and lower(a.during) < upper($4::tstzrange)
                             and a.during && $4 and a.appointment_id is distinct from $5
                          union all
                          select lower(k.during), upper(k.during) from clinician_block k
                           where k.clinician_id = p.clinician_id and k.during && $4) t) b on true
            order by p.clinician_id, p.location_id"#,
        clinicians,
        from,
        to,
        range(around),
        ignoring
    )
    .fetch_all(&mut *conn)
    .await?;

    let mut places = Vec::with_capacity(rows.len());
    for r in rows {
        let Ok(tz) = r.time_zone.parse::<Tz>() else {
            // Checked when the location was saved; a zone the database no longer knows leaves
            // the place without open times rather than at the wrong hours.
            tracing::warn!(location_id = %r.location_id, "unknown time zone");
            continue;
        };
        let weekly = r
            .weekdays
            .iter()
            .zip(&r.starts)
            .zip(&r.ends)
            .zip(&r.valid_from)
            .zip(&r.valid_until)
            .filter_map(|((((&day, &starts), &ends), &valid_from), &valid_until)| {
                let weekday = u8::try_from(day - 1)
                    .ok()
                    .and_then(|d| Weekday::try_from(d).ok())?;
                Some(WeeklyHours {
                    weekday,
                    starts,
                    ends,
                    valid_from,
                    valid_until,
                })
            })
            .collect();
        let mut exceptions = BTreeMap::new();
        for ((&day, &starts), &ends) in r
            .exception_days
            .iter()
            .zip(&r.exception_starts)
            .zip(&r.exception_ends)
        {
            let change = exceptions.entry(day).or_insert(DayChange::Closed);
            if let (Some(starts), Some(ends)) = (starts, ends) {
                match change {
                    DayChange::Hours(spans) => spans.push((starts, ends)),
                    DayChange::Closed => *change = DayChange::Hours(vec![(starts, ends)]),
                }
            }
        }
        places.push(PlaceSchedule {
            clinician_id: r.clinician_id,
            location_id: r.location_id,
            schedule: Schedule {
                tz,
                weekly,
                exceptions,
                holidays: r.holidays.into_iter().collect(),
            },
            step_minutes: i64::from(r.step),
            busy: r
                .busy_starts
                .into_iter()
                .zip(r.busy_ends)
                .map(|(s, e)| Span::new(s, e))
                .collect(),
        });
    }
    Ok(places)
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
/// `not_before`, earliest first (one query, whatever the number of clinicians).
pub async fn open_times(
    conn: &mut PgConnection,
    clinicians: &[Uuid],
    minutes: i64,
    from: NaiveDate,
    to: NaiveDate,
    not_before: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<OpenTime>, AppError> {
    open_times_ignoring(conn, clinicians, minutes, from, to, not_before, None).await
}

/// As [`open_times`], treating the visit `ignoring` as not booked (its own time is open to move
/// it into).
pub async fn open_times_ignoring(
    conn: &mut PgConnection,
    clinicians: &[Uuid],
    minutes: i64,
    from: NaiveDate,
    to: NaiveDate,
    not_before: chrono::DateTime<chrono::Utc>,
    ignoring: Option<Uuid>,
) -> Result<Vec<OpenTime>, AppError> {
    let places = select_schedules(conn, clinicians, from, to, ignoring).await?;
    let mut out = Vec::new();
    for place in &places {
        let windows = working_windows(&place.schedule, from, to);
        let slots = open_slots(
            &windows,
            &place.busy,
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

/// Listed clinicians who offer `visit_type` and match the filters (slugs and a language code;
/// empty means any). For a new patient, only those accepting new patients.
pub async fn select_bookable_clinicians(
    conn: &mut PgConnection,
    visit_type: &str,
    filter: &super::SearchQuery,
    new_patient: bool,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        r#"select c.clinician_id from clinician c
            where c.listed
              and exists (select 1 from clinician_visit_type v
                           where v.clinician_id = c.clinician_id and v.visit_type = $1)
              and ($2 = '' or exists (select 1 from clinician_specialty s
                                       where s.clinician_id = c.clinician_id and s.specialty = $2))
              and ($3 = '' or c.slug = $3)
              and ($4 = '' or exists (select 1 from clinician_location cl join care_location l using (location_id)
                                       where cl.clinician_id = c.clinician_id and l.slug = $4))
              and ($5 = '' or $5 = any(c.languages))
              and (not $6 or c.accepting_new_patients)
            order by c.name"#,
        visit_type,
        filter.specialty,
        filter.clinician,
        filter.location,
        filter.speaks,
        new_patient
    )
    .fetch_all(conn)
    .await
}

/// A clinician or location as search results name it.
#[derive(Clone, Debug)]
pub struct Named {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    /// Locations only: the IANA zone.
    pub time_zone: String,
}

impl Named {
    /// As a form's choice: the slug and the name.
    pub fn choice(&self) -> crate::directory::Choice {
        crate::directory::Choice {
            value: self.slug.clone(),
            name: self.name.clone(),
        }
    }
}

/// A patient's full name.
pub async fn patient_name(conn: &mut PgConnection, patient: Uuid) -> sqlx::Result<String> {
    sqlx::query_scalar!(
        r#"select given_name || ' ' || family_name as "n!" from patient where patient_id = $1"#,
        patient
    )
    .fetch_one(conn)
    .await
}

/// Listed clinicians who offer any visit type, by name (the search form's choices).
pub async fn select_clinician_names(
    conn: &mut PgConnection,
    ids: Option<&[Uuid]>,
) -> sqlx::Result<Vec<Named>> {
    sqlx::query_as!(
        Named,
        r#"select clinician_id as id, slug,
                  case when credentials = '' then name else name || ', ' || credentials end as "name!",
                  '' as "time_zone!"
             from clinician c
            where ($1::uuid[] is null and listed
                   and exists (select 1 from clinician_visit_type v where v.clinician_id = c.clinician_id))
               or clinician_id = any($1)
            order by name"#,
        ids
    )
    .fetch_all(conn)
    .await
}

/// Locations by id (or every listed one), with their time zones.
pub async fn select_location_names(
    conn: &mut PgConnection,
    ids: Option<&[Uuid]>,
) -> sqlx::Result<Vec<Named>> {
    sqlx::query_as!(
        Named,
        r#"select location_id as id, slug, name, time_zone from care_location
            where ($1::uuid[] is null and listed) or location_id = any($1)
            order by name"#,
        ids
    )
    .fetch_all(conn)
    .await
}

/// How the portal knows a patient: established (a visit attended in the last three years) or
/// new, and their own clinician (the one they last saw).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    pub established: bool,
    pub preferred: Option<Uuid>,
}

pub async fn select_standing(
    conn: &mut PgConnection,
    patient: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> sqlx::Result<Standing> {
    let row = sqlx::query!(
        r#"select exists (select 1 from appointment
                           where patient_id = $1 and status in ('arrived', 'completed')
                             and lower(during) > $2::timestamptz - interval '3 years') as "established!",
                  (select clinician_id from appointment
                    where patient_id = $1 and status in ('arrived', 'completed') and lower(during) <= $2
                    order by lower(during) desc limit 1) as preferred"#,
        patient,
        now
    )
    .fetch_one(conn)
    .await?;
    Ok(Standing {
        established: row.established,
        preferred: row.preferred,
    })
}

/// A visit with everything its pages, emails and calendar files show.
#[derive(Clone, Debug)]
pub struct AppointmentRow {
    pub appointment_id: Uuid,
    pub patient_id: Uuid,
    pub patient_name: String,
    pub clinician_id: Uuid,
    pub clinician_slug: String,
    pub clinician_name: String,
    pub location_id: Uuid,
    pub location_slug: String,
    pub location_name: String,
    pub address: String,
    pub phone: String,
    pub time_zone: String,
    pub visit_type: String,
    pub visit_type_en: String,
    pub visit_type_es: String,
    pub video: bool,
    pub start: chrono::DateTime<chrono::Utc>,
    pub end: chrono::DateTime<chrono::Utc>,
    pub status: String,
    pub reason: String,
    pub ical_sequence: i32,
}

/// The visits `ids`, earliest first.
pub async fn select_appointments(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> sqlx::Result<Vec<AppointmentRow>> {
    sqlx::query_as!(
        AppointmentRow,
        r#"select a.appointment_id, a.patient_id,
                  p.given_name || ' ' || p.family_name as "patient_name!",
                  a.clinician_id, c.slug as clinician_slug,
                  case when c.credentials = '' then c.name else c.name || ', ' || c.credentials end as "clinician_name!",
                  a.location_id, l.slug as location_slug, l.name as location_name,
                  l.street || ', ' || l.city || ', ' || l.region || ' ' || l.postal_code as "address!",
                  l.phone, l.time_zone, a.visit_type, v.name_en as visit_type_en, v.name_es as visit_type_es,
                  v.mode = 'video' as "video!",
                  lower(a.during) as "start!", upper(a.during) as "end!",
                  a.status, a.reason, a.ical_sequence
             from appointment a
             join patient p using (patient_id)
             join clinician c using (clinician_id)
             join care_location l using (location_id)
             join visit_type v on v.slug = a.visit_type
            where a.appointment_id = any($1)
            order by lower(a.during)"#,
        ids
    )
    .fetch_all(conn)
    .await
}

/// One visit, if it exists.
pub async fn find_appointment(
    conn: &mut PgConnection,
    id: Uuid,
) -> sqlx::Result<Option<AppointmentRow>> {
    Ok(select_appointments(conn, &[id]).await?.into_iter().next())
}

/// A patient's visits: every upcoming one and the `past` most recent others.
pub async fn select_patient_appointment_ids(
    conn: &mut PgConnection,
    patient: Uuid,
    now: chrono::DateTime<chrono::Utc>,
    past: i64,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        r#"(select appointment_id as "id!" from appointment
             where patient_id = $1 and upper(during) > $2 and status <> 'cancelled')
           union all
           (select appointment_id from appointment
             where patient_id = $1 and (upper(during) <= $2 or status = 'cancelled')
             order by lower(during) desc limit $3)"#,
        patient,
        now,
        past
    )
    .fetch_all(conn)
    .await
}

/// The visits (cancelled ones too) of one clinician or at one location that start in `within`.
pub async fn select_calendar_ids(
    conn: &mut PgConnection,
    clinician: Option<Uuid>,
    location: Option<Uuid>,
    within: Span,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        r#"select appointment_id from appointment
            where (clinician_id = $1 or location_id = $2)
              and lower(during) >= $3 and lower(during) < $4"#,
        clinician,
        location,
        within.start,
        within.end
    )
    .fetch_all(conn)
    .await
}

/// Cancels a booked visit and raises its calendar sequence. False when it was not booked (already
/// cancelled, or under way).
pub async fn cancel_appointment(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update appointment
            set status = 'cancelled', cancelled_at = now(), ical_sequence = ical_sequence + 1
          where appointment_id = $1 and status = 'booked'",
        id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves a booked visit to another time (and perhaps clinician and location), keeping its id
/// (the calendar's UID) and raising its sequence. `Conflict("slot_taken")` when the new time
/// overlaps another booking; false when the visit is no longer booked.
pub async fn move_appointment(
    conn: &mut PgConnection,
    id: Uuid,
    clinician: Uuid,
    location: Uuid,
    during: Span,
) -> Result<bool, AppError> {
    let done = sqlx::query!(
        "update appointment
            set clinician_id = $2, location_id = $3, during = $4, ical_sequence = ical_sequence + 1
          where appointment_id = $1 and status = 'booked'",
        id,
        clinician,
        location,
        range(during)
    )
    .execute(conn)
    .await
    .on_constraint("appointment_no_overlap", |_| {
        AppError::Conflict(SLOT_TAKEN.into())
    })?;
    Ok(done.rows_affected() == 1)
}

/// Records what happened to a visit (arrived, completed, no-show). Not for cancelled visits.
pub async fn set_status(conn: &mut PgConnection, id: Uuid, status: &str) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update appointment set status = $2
          where appointment_id = $1 and status <> 'cancelled' and $2 in ('arrived', 'completed', 'no_show')",
        id,
        status
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Who hears about a change to a patient's visits: the patient's own accounts, a parent of a
/// minor, and `also` (the proxy who made the change), each in their language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub email: String,
    pub language: String,
}

pub async fn select_recipients(
    conn: &mut PgConnection,
    patient: Uuid,
    also: Option<Uuid>,
) -> sqlx::Result<Vec<Recipient>> {
    sqlx::query_as!(
        Recipient,
        r#"select distinct a.email, a.preferred_language as language
             from patient_access pa
             join account a using (account_id)
             join patient p using (patient_id)
            where pa.patient_id = $1 and pa.revoked_at is null and a.disabled_at is null
              and a.email_verified_at is not null
              and (pa.relationship = 'self'
                   or (pa.relationship = 'parent' and p.birth_date > current_date - interval '18 years')
                   or (pa.account_id = $2 and pa.accepted_at is not null))
            order by a.email"#,
        patient,
        also
    )
    .fetch_all(conn)
    .await
}

/// No-show rate per clinician and location: attended and missed visits that ended in `within`.
#[derive(Clone, Debug, PartialEq)]
pub struct NoShowRate {
    pub clinician_id: Uuid,
    pub location_id: Uuid,
    pub visits: i64,
    pub no_shows: i64,
}

pub async fn select_no_show_rates(
    conn: &mut PgConnection,
    within: Span,
) -> sqlx::Result<Vec<NoShowRate>> {
    sqlx::query_as!(
        NoShowRate,
        r#"select clinician_id, location_id,
                  count(*) as "visits!",
                  count(*) filter (where status = 'no_show') as "no_shows!"
             from appointment
            where status in ('arrived', 'completed', 'no_show')
              and lower(during) >= $1 and lower(during) < $2
            group by clinician_id, location_id
            order by clinician_id, location_id"#,
        within.start,
        within.end
    )
    .fetch_all(conn)
    .await
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
        // together, each as booking does it: in a transaction that takes the clinician's lock
        // first. Without the lock, concurrent inserts checked by an exclusion constraint can
        // wait on each other and PostgreSQL aborts one as a deadlock (seen once in CI).
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(40)
            .connect_with((*pool.connect_options()).clone())
            .await?;
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(patients.len()));
        let attempts = patients.into_iter().map(|patient| {
            let (pool, barrier) = (pool.clone(), barrier.clone());
            tokio::spawn(async move {
                let mut tx = pool.begin().await?;
                barrier.wait().await;
                super::super::waitlist::lock_clinician(&mut tx, clinician).await?;
                let new = visit(patient, clinician, location, "2026-06-01T15:00:00Z", 20);
                let answer = insert_appointment(&mut tx, &new).await;
                if answer.is_ok() {
                    tx.commit().await?;
                }
                Ok::<_, sqlx::Error>(answer)
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
        let mut taken: Vec<Span> = select_taken(&mut conn, &[clinician], day, None)
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

    /// The busy spans are read for the searched dates in any zone: a visit at the first minute
    /// of the day at UTC+14 (the previous day in UTC) and at the last hour at UTC−11 (the next
    /// day in UTC) still hides its time.
    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn bookings_at_the_edges_of_the_day_in_far_zones_hide_their_times(
        pool: PgPool,
    ) -> sqlx::Result<()> {
        let (_, ana, patients) = seed(&pool, 1).await?;
        let (east, west) = (Uuid::new_v4(), Uuid::new_v4());
        for (id, slug, zone, starts, ends) in [
            (east, "kiritimati", "Pacific/Kiritimati", "00:00", "01:00"),
            (west, "pago-pago", "Pacific/Pago_Pago", "23:00", "23:40"),
        ] {
            sqlx::query(
                "insert into care_location (location_id, slug, name, street, city, region, postal_code, phone, time_zone)
                 values ($1, $2, $2, '1 Shore Rd', 'Town', 'XX', '00000', '555-0100', $3)",
            )
            .bind(id)
            .bind(slug)
            .bind(zone)
            .execute(&pool)
            .await?;
            // Every day of the week.
            for weekday in 1..=7i16 {
                sqlx::query(
                    "insert into schedule_hours (schedule_hours_id, clinician_id, location_id, weekday, starts, ends, slot_minutes, valid_from)
                     values ($1, $2, $3, $4, $5::time, $6::time, 20, '2026-01-01')",
                )
                .bind(Uuid::new_v4())
                .bind(ana)
                .bind(id)
                .bind(weekday)
                .bind(starts)
                .bind(ends)
                .execute(&pool)
                .await?;
            }
        }
        let mut conn = pool.acquire().await?;
        // 1 June 00:00 at UTC+14 is 31 May 10:00 UTC; 1 June 23:20 at UTC−11 is 2 June 10:20 UTC.
        for (location, start) in [
            (east, "2026-05-31T10:00:00Z"),
            (west, "2026-06-02T10:20:00Z"),
        ] {
            let booked =
                insert_appointment(&mut conn, &visit(patients[0], ana, location, start, 20)).await;
            assert!(booked.is_ok(), "{booked:?}");
        }
        let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default();
        let times = open_times(&mut conn, &[ana], 20, day, day, at("2026-01-01T00:00:00Z"))
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let starts: Vec<String> = times
            .iter()
            .map(|t| t.start.format("%m-%d %H:%M").to_string())
            .collect();
        assert_eq!(
            starts,
            ["05-31 10:20", "05-31 10:40", "06-02 10:00"],
            "00:00 at Kiritimati and 23:20 at Pago Pago are booked"
        );
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

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_moved_visit_keeps_its_id_raises_its_sequence_and_cannot_land_on_another(
        pool: PgPool,
    ) -> sqlx::Result<()> {
        let (location, clinician, patients) = seed(&pool, 2).await?;
        let mut conn = pool.acquire().await?;
        let mine = insert_appointment(
            &mut conn,
            &visit(patients[0], clinician, location, "2026-06-01T15:00:00Z", 20),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        insert_appointment(
            &mut conn,
            &visit(patients[1], clinician, location, "2026-06-01T16:00:00Z", 20),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));

        // Onto the other patient's time: refused, nothing changes.
        let onto = Span::new(at("2026-06-01T16:00:00Z"), at("2026-06-01T16:20:00Z"));
        assert_eq!(
            move_appointment(&mut conn, mine, clinician, location, onto).await,
            Err(AppError::Conflict(SLOT_TAKEN.into()))
        );
        // Ten minutes later, overlapping only itself: fine.
        let later = Span::new(at("2026-06-01T15:10:00Z"), at("2026-06-01T15:30:00Z"));
        assert_eq!(
            move_appointment(&mut conn, mine, clinician, location, later).await,
            Ok(true)
        );
        let row = find_appointment(&mut conn, mine)
            .await?
            .unwrap_or_else(|| panic!("kept"));
        assert_eq!((row.start, row.ical_sequence), (later.start, 1));

        assert!(cancel_appointment(&mut conn, mine).await?);
        assert!(!cancel_appointment(&mut conn, mine).await?, "only once");
        let row = find_appointment(&mut conn, mine)
            .await?
            .unwrap_or_else(|| panic!("kept"));
        assert_eq!((row.status.as_str(), row.ical_sequence), ("cancelled", 2));
        assert_eq!(
            move_appointment(&mut conn, mine, clinician, location, later).await,
            Ok(false),
            "a cancelled visit does not move"
        );
        assert!(!set_status(&mut conn, mine, "arrived").await?);
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_patient_is_established_by_an_attended_visit_and_prefers_the_last_clinician(
        pool: PgPool,
    ) -> sqlx::Result<()> {
        let (location, clinician, patients) = seed(&pool, 1).await?;
        let mut conn = pool.acquire().await?;
        let now = at("2026-06-10T12:00:00Z");
        let standing = select_standing(&mut conn, patients[0], now).await?;
        assert_eq!(
            standing,
            Standing {
                established: false,
                preferred: None
            }
        );
        let id = insert_appointment(
            &mut conn,
            &visit(patients[0], clinician, location, "2026-06-01T15:00:00Z", 20),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        // Booked but not attended: still new.
        assert!(
            !select_standing(&mut conn, patients[0], now)
                .await?
                .established
        );
        assert!(
            !set_status(&mut conn, id, "booked").await?,
            "not a staff status"
        );
        assert!(set_status(&mut conn, id, "completed").await?);
        let standing = select_standing(&mut conn, patients[0], now).await?;
        assert_eq!(
            standing,
            Standing {
                established: true,
                preferred: Some(clinician)
            }
        );
        // Three years on, new again.
        let later = at("2029-06-10T12:00:00Z");
        assert!(
            !select_standing(&mut conn, patients[0], later)
                .await?
                .established
        );
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn no_show_rates_count_attended_and_missed_visits_per_clinician_and_location(
        pool: PgPool,
    ) -> sqlx::Result<()> {
        let (location, clinician, patients) = seed(&pool, 4).await?;
        let mut conn = pool.acquire().await?;
        let outcomes = ["completed", "no_show", "arrived", "cancelled"];
        for (n, (patient, outcome)) in patients.iter().zip(outcomes).enumerate() {
            let start = format!("2026-06-01T1{n}:00:00Z");
            let id =
                insert_appointment(&mut conn, &visit(*patient, clinician, location, &start, 20))
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
            if outcome == "cancelled" {
                assert!(cancel_appointment(&mut conn, id).await?);
            } else {
                assert!(set_status(&mut conn, id, outcome).await?);
            }
        }
        let june = Span::new(at("2026-06-01T00:00:00Z"), at("2026-07-01T00:00:00Z"));
        let rates = select_no_show_rates(&mut conn, june).await?;
        assert_eq!(
            rates,
            vec![NoShowRate {
                clinician_id: clinician,
                location_id: location,
                visits: 3,
                no_shows: 1
            }]
        );
        let july = Span::new(at("2026-07-01T00:00:00Z"), at("2026-08-01T00:00:00Z"));
        assert!(select_no_show_rates(&mut conn, july).await?.is_empty());
        Ok(())
    }
}
