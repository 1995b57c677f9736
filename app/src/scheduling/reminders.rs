//! Reminders before each visit, at the configured offsets (72 and 24 hours by default), in each
//! recipient's language, through the outbox, never during the quiet hours of the location's
//! time zone (a reminder due then goes out when they end). Each carries a single-use link that
//! confirms or cancels the visit without signing in.
//!
//! Invariants: a visit gets at most one reminder per offset (the `appointment_reminder` row is
//! written in the transaction that queues the email); when several offsets are due at once
//! (a reminder held by quiet hours, a worker that was down) only the closest is sent and the
//! others are recorded as skipped; a visit booked after an offset was due never gets that one.
//! Cancelling from a reminder is accepted until the visit starts, whatever the online change
//! policy: a late cancellation beats an empty chair.

use super::db;
use super::notify::{local, zone, Sender};
use crate::email::outbox::queue;
use crate::email::templates::Template;
use crate::error::AppError;
use chrono::{DateTime, Duration, Timelike, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// The job that sends what is due.
pub const KIND: &str = "scheduling.reminders";
/// Most visits reminded per offset in one run (the next run takes the rest).
const BATCH: i64 = 500;

/// Whether `hour` (local) falls in quiet hours `(from, until)`, which may wrap midnight.
pub fn is_quiet(hour: u32, quiet: (u32, u32)) -> bool {
    let (from, until) = quiet;
    if from == until {
        false
    } else if from < until {
        (from..until).contains(&hour)
    } else {
        hour >= from || hour < until
    }
}

struct Due {
    appointment_id: Uuid,
    time_zone: String,
}

/// Sends the reminders due at `now`; returns how many visits were reminded.
pub async fn send_due(
    pool: &PgPool,
    sender: &Sender,
    offsets: &[u32],
    quiet: (u32, u32),
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let mut sent = 0;
    let all: Vec<i32> = offsets
        .iter()
        .filter_map(|h| i32::try_from(*h).ok())
        .collect();
    let mut offsets = offsets.to_vec();
    // Closest first: when two are due, the closer one is the one worth sending.
    offsets.sort_unstable();
    for offset in offsets {
        let offset = i32::try_from(offset).unwrap_or(24);
        // Batch after batch until nothing more can go now (a backlog after an outage drains in
        // one run); visits held by quiet hours stay for a later run.
        loop {
            let due = sqlx::query_as!(
                Due,
                r#"select a.appointment_id, l.time_zone
                     from appointment a join care_location l using (location_id)
                    where a.status = 'booked'
                      and lower(a.during) > $1
                      and lower(a.during) <= $1 + make_interval(hours => $2)
                      and a.created_at < lower(a.during) - make_interval(hours => $2)
                      and not exists (select 1 from appointment_reminder r
                                       where r.appointment_id = a.appointment_id and r.offset_hours <= $2)
                    order by lower(a.during)
                    limit $3"#,
                now,
                offset,
                BATCH
            )
            .fetch_all(pool)
            .await?;
            let mut sent_now = 0;
            for d in &due {
                let hour = now.with_timezone(&zone(&d.time_zone)).hour();
                if is_quiet(hour, quiet) {
                    continue;
                }
                let mut tx = pool.begin().await?;
                if remind(&mut tx, sender, d.appointment_id, offset, &all, now).await? {
                    sent_now += 1;
                }
                tx.commit().await?;
            }
            sent += sent_now;
            if sent_now == 0 || due.len() < usize::try_from(BATCH).unwrap_or(0) {
                break;
            }
        }
    }
    Ok(sent)
}

/// Records and queues one reminder (and marks farther offsets as skipped). False when another
/// worker got there first.
async fn remind(
    conn: &mut PgConnection,
    sender: &Sender,
    appointment: Uuid,
    offset: i32,
    offsets: &[i32],
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let recorded = sqlx::query!(
        "insert into appointment_reminder (appointment_id, offset_hours, sent_at)
         values ($1, $2, $3) on conflict do nothing",
        appointment,
        offset,
        now
    )
    .execute(&mut *conn)
    .await?;
    if recorded.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query!(
        "insert into appointment_reminder (appointment_id, offset_hours, skipped_at)
         select $1, h, $3 from unnest($4::int[]) h
          where h > $2
            and exists (select 1 from appointment a
                         where a.appointment_id = $1
                           and a.created_at < lower(a.during) - make_interval(hours => h))
         on conflict do nothing",
        appointment,
        offset,
        now,
        offsets
    )
    .execute(&mut *conn)
    .await?;
    let Some(row) = db::find_appointment(conn, appointment).await? else {
        return Ok(false);
    };
    let (token, hash) = crate::auth::link_token::new_token();
    sqlx::query!(
        "insert into visit_link_token (token_hash, appointment_id, expires_at) values ($1, $2, $3)",
        hash,
        appointment,
        row.start
    )
    .execute(&mut *conn)
    .await?;
    let link = format!("{}/visits/respond?token={token}", sender.origin);
    let tz = zone(&row.time_zone);
    for r in db::select_recipients(conn, row.patient_id, None).await? {
        let (date, time, zone) = local(&r.language, tz, row.start);
        queue(
            &mut *conn,
            &r.email,
            &r.language,
            &Template::VisitReminder {
                when: format!("{date}, {time} {zone}"),
                with: row.clinician_name.clone(),
                place: if row.video {
                    super::notify::video_place(&r.language).to_string()
                } else {
                    format!("{}, {}", row.location_name, row.address)
                },
                link: link.clone(),
            },
        )
        .await?;
    }
    tracing::info!(appointment_id = %appointment, offset, "reminder queued");
    Ok(true)
}

/// The visit a reminder link names, if the link still works at `now`.
pub async fn visit_for_token(
    conn: &mut PgConnection,
    token: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Uuid>> {
    let Some(hash) = crate::auth::link_token::hash(token) else {
        return Ok(None);
    };
    sqlx::query_scalar!(
        "select appointment_id from visit_link_token
          where token_hash = $1 and used_at is null and expires_at > $2",
        hash,
        now
    )
    .fetch_optional(conn)
    .await
}

/// Uses a reminder link once: the visit it names, or `None` when it is used up or lapsed.
pub async fn use_token(
    conn: &mut PgConnection,
    token: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Uuid>> {
    let Some(hash) = crate::auth::link_token::hash(token) else {
        return Ok(None);
    };
    sqlx::query_scalar!(
        "update visit_link_token set used_at = $2
          where token_hash = $1 and used_at is null and expires_at > $2
        returning appointment_id",
        hash,
        now
    )
    .fetch_optional(conn)
    .await
}

/// Marks a booked visit confirmed.
pub async fn confirm(conn: &mut PgConnection, appointment: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update appointment set confirmed_at = coalesce(confirmed_at, now())
          where appointment_id = $1 and status = 'booked'",
        appointment
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How far ahead of `now` the next run should happen: at the next five-minute mark.
pub fn next_run(now: DateTime<Utc>) -> DateTime<Utc> {
    let minute = i64::from(now.minute());
    let next = now + Duration::minutes(5 - minute % 5);
    next.with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_may_wrap_midnight() {
        let night = (21, 8);
        assert!(is_quiet(22, night) && is_quiet(0, night) && is_quiet(7, night));
        assert!(!is_quiet(8, night) && !is_quiet(20, night) && !is_quiet(12, night));
        let lunch = (12, 13);
        assert!(is_quiet(12, lunch) && !is_quiet(13, lunch));
        assert!(!is_quiet(3, (0, 0)), "equal ends mean no quiet hours");
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .unwrap_or_else(|e| panic!("{e}"))
            .with_timezone(&Utc)
    }

    fn sender() -> Sender {
        Sender {
            origin: "https://portal.example.org".into(),
            domain: "portal.example.org".into(),
            organizer: None,
        }
    }

    /// A visit at `start` booked at `booked`, for a patient with an account (language `es`).
    async fn visit(pool: &PgPool, start: &str, booked: &str) -> sqlx::Result<Uuid> {
        let (location, clinician, patient, account) = (
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
        );
        sqlx::raw_sql(&format!(
            "insert into care_location (location_id, slug, name, street, city, region, postal_code, phone, time_zone)
             values ('{location}', 'l-{location}', 'Riverside Clinic', '1 River Rd', 'Springfield', 'IL', '62701', '555-0100', 'America/Chicago');
             insert into clinician (clinician_id, slug, name) values ('{clinician}', 'c-{clinician}', 'Ana Ruiz');
             insert into patient (patient_id, given_name, family_name, birth_date, sex) values ('{patient}', 'Maria', 'Garcia', '1970-01-01', 'female');
             insert into account (account_id, email, email_verified_at, password_hash, display_name, preferred_language)
             values ('{account}', 'maria-{account}@example.org', now(), '$argon2id$x', 'Maria', 'es');
             insert into patient_access (access_id, account_id, patient_id, relationship, accepted_at)
             values (gen_random_uuid(), '{account}', '{patient}', 'self', now());"
        ))
        .execute(pool)
        .await?;
        let id = Uuid::new_v4();
        let start = at(start);
        sqlx::query!(
            "insert into appointment (appointment_id, patient_id, clinician_id, location_id, visit_type, during, created_at)
             values ($1, $2, $3, $4, 'follow-up', $5, $6)",
            id,
            patient,
            clinician,
            location,
            sqlx::postgres::types::PgRange::from(start..start + Duration::minutes(20)),
            at(booked)
        )
        .execute(pool)
        .await?;
        Ok(id)
    }

    async fn reminders(pool: &PgPool, id: Uuid) -> sqlx::Result<Vec<(i32, bool)>> {
        Ok(sqlx::query!(
            "select offset_hours, sent_at is not null as sent from appointment_reminder
              where appointment_id = $1 order by offset_hours",
            id
        )
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|r| (r.offset_hours, r.sent.unwrap_or(false)))
        .collect())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn each_offset_is_sent_once_outside_quiet_hours_and_never_twice(
        pool: PgPool,
    ) -> sqlx::Result<()> {
        // A visit on Friday 2026-06-12 at 10:00 Chicago (15:00 UTC), booked a week ahead.
        let id = visit(&pool, "2026-06-12T15:00:00Z", "2026-06-05T15:00:00Z").await?;
        let run = |now: &'static str| {
            let pool = pool.clone();
            async move {
                send_due(&pool, &sender(), &[72, 24], (21, 8), at(now))
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
            }
        };
        // Four days before: nothing due.
        assert_eq!(run("2026-06-08T15:00:00Z").await, 0);
        // 72 hours before is 10:00 Chicago: sent, once.
        assert_eq!(run("2026-06-09T15:00:00Z").await, 1);
        assert_eq!(run("2026-06-09T15:05:00Z").await, 0);
        assert_eq!(reminders(&pool, id).await?, vec![(72, true)]);
        // 24 hours before, but at 03:00 Chicago the next night would be quiet; at 10:00 it goes.
        assert_eq!(
            run("2026-06-11T08:00:00Z").await,
            0,
            "03:00 in Chicago is quiet"
        );
        assert_eq!(run("2026-06-11T15:00:00Z").await, 1);
        assert_eq!(reminders(&pool, id).await?, vec![(24, true), (72, true)]);
        let emails: Vec<(String, String)> =
            sqlx::query_as("select template, body_text from email_outbox order by created_at")
                .fetch_all(&pool)
                .await?;
        assert_eq!(emails.len(), 2);
        assert!(emails.iter().all(|(t, body)| t == "appointment_reminder"
            && body.contains("/visits/respond?token=")
            && body.contains("Recordatorio")));
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_late_booking_or_a_missed_run_gets_only_the_closest_reminder(
        pool: PgPool,
    ) -> sqlx::Result<()> {
        // Booked 30 hours ahead: the 72-hour reminder was never due for it.
        let late = visit(&pool, "2026-06-12T15:00:00Z", "2026-06-11T09:00:00Z").await?;
        // Booked long ago, but the worker was down until 20 hours before: only the 24-hour one.
        let missed = visit(&pool, "2026-06-12T16:00:00Z", "2026-06-01T09:00:00Z").await?;
        let n = send_due(
            &pool,
            &sender(),
            &[72, 24],
            (21, 8),
            at("2026-06-11T20:00:00Z"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n, 2);
        assert_eq!(reminders(&pool, late).await?, vec![(24, true)]);
        assert_eq!(
            reminders(&pool, missed).await?,
            vec![(24, true), (72, false)]
        );
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_reminder_link_works_once_and_not_after_the_visit_starts(
        pool: PgPool,
    ) -> sqlx::Result<()> {
        let id = visit(&pool, "2026-06-12T15:00:00Z", "2026-06-01T09:00:00Z").await?;
        let mut conn = pool.acquire().await?;
        let (token, hash) = crate::auth::link_token::new_token();
        sqlx::query!(
            "insert into visit_link_token (token_hash, appointment_id, expires_at) values ($1, $2, $3)",
            hash,
            id,
            at("2026-06-12T15:00:00Z")
        )
        .execute(&mut *conn)
        .await?;
        let before = at("2026-06-11T12:00:00Z");
        assert_eq!(visit_for_token(&mut conn, &token, before).await?, Some(id));
        assert_eq!(visit_for_token(&mut conn, "garbage", before).await?, None);
        assert_eq!(
            visit_for_token(&mut conn, &token, at("2026-06-12T15:00:00Z")).await?,
            None,
            "not once the visit starts"
        );
        assert_eq!(use_token(&mut conn, &token, before).await?, Some(id));
        assert_eq!(
            use_token(&mut conn, &token, before).await?,
            None,
            "once only"
        );
        assert!(confirm(&mut conn, id).await?);
        Ok(())
    }

    #[test]
    fn runs_are_on_five_minute_marks() {
        assert_eq!(
            next_run(at("2026-06-11T15:02:31Z")),
            at("2026-06-11T15:05:00Z")
        );
        assert_eq!(
            next_run(at("2026-06-11T15:05:00Z")),
            at("2026-06-11T15:10:00Z")
        );
    }
}
