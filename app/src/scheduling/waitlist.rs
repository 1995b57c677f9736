//! The waitlist: a patient with a booked visit asks for an earlier time; when a time frees up the
//! worker offers it to the waiting patients one at a time, in the order they asked, each offer
//! lasting [`OFFER_MINUTES`] (less when the time is near); the patient who accepts has their
//! visit moved there.
//!
//! Invariants: every booking, move and offer of a clinician's time runs under that clinician's
//! transaction lock ([`lock_clinician`]), and a booking withdraws any open offer it overlaps, so
//! nobody is ever offered a time that is taken; at most one offer is open for any time (the
//! `waitlist_offer_one_open` constraint); accepting re-checks the time under the lock and goes
//! through the same no-overlap rule as any booking.

use super::db::{self, AppointmentRow};
use super::notify::{card, Sender};
use super::slots::Span;
use crate::db::ResultExt;
use crate::email::outbox::queue;
use crate::email::templates::Template;
use crate::error::AppError;
use chrono::{DateTime, Duration, Utc};
use sqlx::postgres::types::PgRange;
use sqlx::PgConnection;
use uuid::Uuid;

/// How long an offer stays open at most.
pub const OFFER_MINUTES: i64 = 60;
/// The job that offers a freed time to the next waiting patient.
pub const FREED_KIND: &str = "scheduling.time_freed";
/// The job that closes an offer nobody answered, and offers the time to the next patient.
pub const EXPIRE_KIND: &str = "scheduling.offer_expired";
/// The earliest an offered time may start, from now (the same notice as booking).
const NOTICE: Duration = Duration::minutes(60);

/// Serialises everything that books or offers `clinician`'s time until the transaction ends.
pub async fn lock_clinician(conn: &mut PgConnection, clinician: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtextextended($1, 5545))",
        clinician.to_string()
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Withdraws open offers that overlap a time just booked.
pub async fn withdraw_overlapping(
    conn: &mut PgConnection,
    clinician: Uuid,
    during: Span,
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "update waitlist_offer set status = 'withdrawn', decided_at = now()
          where clinician_id = $1 and during && $2 and status = 'open'",
        clinician,
        PgRange::from(during.start..during.end)
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// Queues the job that offers `span` of `clinician`'s time to whoever is waiting.
pub async fn time_freed(conn: &mut PgConnection, clinician: Uuid, span: Span) -> sqlx::Result<()> {
    crate::jobs::enqueue(
        conn,
        FREED_KIND,
        serde_json::json!({ "clinician_id": clinician, "start": span.start, "end": span.end }),
        Utc::now(),
        None,
    )
    .await?;
    Ok(())
}

/// A waiting patient's place on the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    pub entry_id: Uuid,
    pub since: DateTime<Utc>,
    pub any_clinician: bool,
}

/// Puts visit `appointment` on the waitlist. `Conflict("already_waiting")` when it is.
pub async fn join(
    conn: &mut PgConnection,
    appointment: &AppointmentRow,
    any_clinician: bool,
    by: Option<Uuid>,
) -> Result<Uuid, AppError> {
    let id = Uuid::new_v4();
    sqlx::query!(
        "insert into waitlist_entry (waitlist_entry_id, appointment_id, patient_id, any_clinician, created_by)
         values ($1, $2, $3, $4, $5)",
        id,
        appointment.appointment_id,
        appointment.patient_id,
        any_clinician,
        by
    )
    .execute(conn)
    .await
    .on_constraint("waitlist_entry_one_per_visit", |_| {
        AppError::Conflict("already_waiting".into())
    })?;
    Ok(id)
}

/// Takes visit `appointment` off the waitlist, withdrawing any offer it holds.
pub async fn leave(conn: &mut PgConnection, appointment: Uuid) -> sqlx::Result<bool> {
    sqlx::query!(
        "update waitlist_offer set status = 'withdrawn', decided_at = now()
          where status = 'open' and waitlist_entry_id in
                (select waitlist_entry_id from waitlist_entry where appointment_id = $1 and ended_at is null)",
        appointment
    )
    .execute(&mut *conn)
    .await?;
    let done = sqlx::query!(
        "update waitlist_entry set ended_at = now() where appointment_id = $1 and ended_at is null",
        appointment
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn find_waiting(
    conn: &mut PgConnection,
    appointment: Uuid,
) -> sqlx::Result<Option<Waiting>> {
    sqlx::query_as!(
        Waiting,
        "select waitlist_entry_id as entry_id, created_at as since, any_clinician
           from waitlist_entry where appointment_id = $1 and ended_at is null",
        appointment
    )
    .fetch_optional(conn)
    .await
}

/// An offer of an earlier time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    pub offer_id: Uuid,
    pub appointment_id: Uuid,
    pub patient_id: Uuid,
    pub clinician_id: Uuid,
    pub location_id: Uuid,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub status: String,
}

/// One offer, whatever its state.
pub async fn find_offer(conn: &mut PgConnection, offer: Uuid) -> sqlx::Result<Option<Offer>> {
    sqlx::query_as!(
        Offer,
        r#"select o.waitlist_offer_id as offer_id, e.appointment_id, e.patient_id, o.clinician_id,
                  o.location_id, lower(o.during) as "start!", upper(o.during) as "end!",
                  o.expires_at, o.status
             from waitlist_offer o join waitlist_entry e using (waitlist_entry_id)
            where o.waitlist_offer_id = $1"#,
        offer
    )
    .fetch_optional(conn)
    .await
}

/// A patient's open offers, soonest to lapse first.
pub async fn open_offers(
    conn: &mut PgConnection,
    patient: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<Offer>> {
    sqlx::query_as!(
        Offer,
        r#"select o.waitlist_offer_id as offer_id, e.appointment_id, e.patient_id, o.clinician_id,
                  o.location_id, lower(o.during) as "start!", upper(o.during) as "end!",
                  o.expires_at, o.status
             from waitlist_offer o join waitlist_entry e using (waitlist_entry_id)
            where e.patient_id = $1 and o.status = 'open' and o.expires_at > $2
            order by o.expires_at"#,
        patient,
        now
    )
    .fetch_all(conn)
    .await
}

struct Candidate {
    entry_id: Uuid,
    appointment_id: Uuid,
    minutes: i32,
    start: DateTime<Utc>,
}

/// Offers some of `span` of `clinician`'s time to the first waiting patient it suits (earlier
/// than their visit, long enough for it, with this clinician or any), and emails them. Returns
/// the offer made, if any. Runs under the clinician's lock; call it in a transaction.
pub async fn offer_freed(
    conn: &mut PgConnection,
    sender: &Sender,
    clinician: Uuid,
    span: Span,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, AppError> {
    lock_clinician(conn, clinician).await?;
    let candidates = sqlx::query_as!(
        Candidate,
        r#"select e.waitlist_entry_id as entry_id, e.appointment_id, v.duration_minutes as minutes,
                  lower(a.during) as "start!"
             from waitlist_entry e
             join appointment a using (appointment_id)
             join visit_type v on v.slug = a.visit_type
            where e.ended_at is null and a.status = 'booked' and lower(a.during) > $2
              and (a.clinician_id = $1
                   or (e.any_clinician and exists (select 1 from clinician_visit_type cv
                                                    where cv.clinician_id = $1 and cv.visit_type = a.visit_type)))
              and not exists (select 1 from waitlist_offer o
                               where o.waitlist_entry_id = e.waitlist_entry_id
                                 and (o.status = 'open' or (o.clinician_id = $1 and o.during && $3)))
            order by e.created_at
            limit 100"#,
        clinician,
        span.start,
        PgRange::from(span.start..span.end)
    )
    .fetch_all(&mut *conn)
    .await?;
    if candidates.is_empty() {
        return Ok(None);
    }
    let held: Vec<Span> = sqlx::query!(
        r#"select lower(during) as "start!", upper(during) as "end!" from waitlist_offer
            where clinician_id = $1 and status = 'open' and during && $2"#,
        clinician,
        PgRange::from(span.start..span.end)
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| Span::new(r.start, r.end))
    .collect();
    for c in candidates {
        let open = db::open_times_ignoring(
            conn,
            &[clinician],
            i64::from(c.minutes),
            span.start.date_naive() - Duration::days(1),
            span.end.date_naive() + Duration::days(1),
            now + NOTICE,
            Some(c.appointment_id),
        )
        .await?;
        let Some(time) = open.into_iter().find(|t| {
            let s = Span::new(t.start, t.end);
            t.start >= span.start
                && t.end <= span.end
                && t.start < c.start
                && !held.iter().any(|h| h.overlaps(&s))
        }) else {
            continue;
        };
        let expires_at = (now + Duration::minutes(OFFER_MINUTES)).min(time.start - NOTICE);
        if expires_at <= now {
            continue;
        }
        let offer = Uuid::new_v4();
        sqlx::query!(
            "insert into waitlist_offer (waitlist_offer_id, waitlist_entry_id, clinician_id, location_id, during, expires_at)
             values ($1, $2, $3, $4, $5, $6)",
            offer,
            c.entry_id,
            clinician,
            time.location_id,
            PgRange::from(time.start..time.end),
            expires_at
        )
        .execute(&mut *conn)
        .await?;
        crate::jobs::enqueue(
            &mut *conn,
            EXPIRE_KIND,
            serde_json::json!({ "offer_id": offer }),
            expires_at,
            None,
        )
        .await?;
        email_offer(conn, sender, c.appointment_id, offer).await?;
        tracing::info!(offer_id = %offer, appointment_id = %c.appointment_id, "waitlist offer made");
        return Ok(Some(offer));
    }
    Ok(None)
}

/// Tells the patient (and those who manage their visits) about an offer.
async fn email_offer(
    conn: &mut PgConnection,
    sender: &Sender,
    appointment: Uuid,
    offer: Uuid,
) -> Result<(), AppError> {
    let Some(o) = find_offer(conn, offer).await? else {
        return Ok(());
    };
    let Some(row) = db::find_appointment(conn, appointment).await? else {
        return Ok(());
    };
    let places = db::select_location_names(conn, Some(&[o.location_id])).await?;
    let clinicians = db::select_clinician_names(conn, Some(&[o.clinician_id])).await?;
    let (Some(place), Some(with)) = (places.first(), clinicians.first()) else {
        return Ok(());
    };
    let tz = super::notify::zone(&place.time_zone);
    for r in db::select_recipients(conn, row.patient_id, None).await? {
        let (date, time, zone) = super::notify::local(&r.language, tz, o.start);
        let (_, expires, _) = super::notify::local(&r.language, tz, o.expires_at);
        queue(
            &mut *conn,
            &r.email,
            &r.language,
            &Template::WaitlistOffer {
                when: format!("{date}, {time} {zone}"),
                with: with.name.clone(),
                place: place.name.clone(),
                expires: format!("{expires} {zone}"),
                link: format!("{}/appointments", sender.origin),
            },
        )
        .await?;
    }
    Ok(())
}

/// Moves the waiting patient's visit to the offered time. `Conflict("offer_gone")` when the
/// offer is no longer open, `Conflict("slot_taken")` when someone booked the time first (the
/// offer is withdrawn). Returns the visit and the span it left, which the caller offers on.
pub async fn accept(
    conn: &mut PgConnection,
    offer: &Offer,
    now: DateTime<Utc>,
) -> Result<(Uuid, Span, Uuid), AppError> {
    lock_clinician(conn, offer.clinician_id).await?;
    let current = find_offer(conn, offer.offer_id)
        .await?
        .ok_or(AppError::Conflict("offer_gone".into()))?;
    if current.status != "open" || current.expires_at <= now {
        return Err(AppError::Conflict("offer_gone".into()));
    }
    let row = db::find_appointment(conn, offer.appointment_id)
        .await?
        .filter(|r| r.status == "booked")
        .ok_or(AppError::Conflict("offer_gone".into()))?;
    let span = Span::new(offer.start, offer.end);
    let taken =
        db::select_taken(conn, &[offer.clinician_id], span, Some(row.appointment_id)).await?;
    let close = |status: &'static str| {
        sqlx::query!(
            "update waitlist_offer set status = $2, decided_at = now() where waitlist_offer_id = $1",
            offer.offer_id,
            status
        )
    };
    if !taken.is_empty() {
        close("withdrawn").execute(&mut *conn).await?;
        return Err(AppError::Conflict(db::SLOT_TAKEN.into()));
    }
    if !db::move_appointment(
        conn,
        row.appointment_id,
        offer.clinician_id,
        offer.location_id,
        span,
    )
    .await?
    {
        return Err(AppError::Conflict("offer_gone".into()));
    }
    close("accepted").execute(&mut *conn).await?;
    sqlx::query!(
        "update waitlist_entry set ended_at = now() where appointment_id = $1 and ended_at is null",
        row.appointment_id
    )
    .execute(&mut *conn)
    .await?;
    let left = Span::new(row.start, row.end);
    time_freed(conn, row.clinician_id, left).await?;
    Ok((row.appointment_id, left, row.clinician_id))
}

/// Declines an open offer; the time goes to the next patient waiting.
pub async fn decline(conn: &mut PgConnection, offer: &Offer) -> Result<bool, AppError> {
    let done = sqlx::query!(
        "update waitlist_offer set status = 'declined', decided_at = now()
          where waitlist_offer_id = $1 and status = 'open'",
        offer.offer_id
    )
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 1 {
        time_freed(conn, offer.clinician_id, Span::new(offer.start, offer.end)).await?;
    }
    Ok(done.rows_affected() == 1)
}

/// The worker's side: offer a freed time (`FREED_KIND`) or close a lapsed offer and offer its
/// time on (`EXPIRE_KIND`).
pub async fn run_job(
    pool: &sqlx::PgPool,
    sender: &Sender,
    kind: &str,
    payload: &serde_json::Value,
) -> Result<(), AppError> {
    let now = Utc::now();
    let mut tx = pool.begin().await?;
    match kind {
        FREED_KIND => {
            let clinician = payload
                .get("clinician_id")
                .and_then(|v| serde_json::from_value::<Uuid>(v.clone()).ok());
            let start = payload
                .get("start")
                .and_then(|v| serde_json::from_value::<DateTime<Utc>>(v.clone()).ok());
            let end = payload
                .get("end")
                .and_then(|v| serde_json::from_value::<DateTime<Utc>>(v.clone()).ok());
            let (Some(clinician), Some(start), Some(end)) = (clinician, start, end) else {
                return Err(AppError::Internal);
            };
            offer_freed(&mut tx, sender, clinician, Span::new(start, end), now).await?;
        }
        EXPIRE_KIND => {
            let Some(offer) = payload
                .get("offer_id")
                .and_then(|v| serde_json::from_value::<Uuid>(v.clone()).ok())
            else {
                return Err(AppError::Internal);
            };
            let lapsed = sqlx::query!(
                r#"update waitlist_offer set status = 'expired', decided_at = now()
                    where waitlist_offer_id = $1 and status = 'open' and expires_at <= $2
                returning clinician_id, lower(during) as "start!", upper(during) as "end!""#,
                offer,
                now
            )
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(l) = lapsed {
                offer_freed(
                    &mut tx,
                    sender,
                    l.clinician_id,
                    Span::new(l.start, l.end),
                    now,
                )
                .await?;
            }
        }
        _ => return Err(AppError::Internal),
    }
    tx.commit().await?;
    Ok(())
}

/// How an offer reads for the patient, in `language`.
pub async fn offer_view(
    conn: &mut PgConnection,
    offer: &Offer,
    language: &str,
) -> sqlx::Result<Option<super::OfferView>> {
    let places = db::select_location_names(conn, Some(&[offer.location_id])).await?;
    let clinicians = db::select_clinician_names(conn, Some(&[offer.clinician_id])).await?;
    let Some(row) = db::find_appointment(conn, offer.appointment_id).await? else {
        return Ok(None);
    };
    let (Some(place), Some(with)) = (places.first(), clinicians.first()) else {
        return Ok(None);
    };
    let tz = super::notify::zone(&place.time_zone);
    let (date, time, zone) = super::notify::local(language, tz, offer.start);
    let (_, expires, _) = super::notify::local(language, tz, offer.expires_at);
    let now = Utc::now();
    Ok(Some(super::OfferView {
        offer_id: offer.offer_id.to_string(),
        appointment_id: offer.appointment_id.to_string(),
        date,
        time,
        zone,
        clinician_name: with.name.clone(),
        location_name: place.name.clone(),
        expires,
        current: card(&row, language, now),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::PgPool;

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

    /// A clinician working 8:00–17:00 Chicago time every day from 2026-05-01 at one place, and
    /// `n` patients each with a 20-minute follow-up on 2026-06-10 at 16:00 Chicago time
    /// (21:00 UTC) onwards; returns (clinician, location, patients, their visits).
    async fn seed(pool: &PgPool, n: usize) -> sqlx::Result<(Uuid, Uuid, Vec<Uuid>, Vec<Uuid>)> {
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
        sqlx::query!(
            "insert into schedule_hours (schedule_hours_id, clinician_id, location_id, weekday, starts, ends, valid_from)
             select gen_random_uuid(), $1, $2, d, '08:00', '17:00', '2026-05-01' from generate_series(1, 7) d",
            clinician,
            location
        )
        .execute(pool)
        .await?;
        let mut conn = pool.acquire().await?;
        let (mut patients, mut visits) = (Vec::new(), Vec::new());
        for i in 0..n {
            let p = Uuid::new_v4();
            sqlx::query!(
                "insert into patient (patient_id, given_name, family_name, birth_date, sex)
                 values ($1, 'Pat', $2, '1980-01-01', 'unknown')",
                p,
                format!("N{i}")
            )
            .execute(&mut *conn)
            .await?;
            let start = at("2026-06-10T21:00:00Z") + Duration::minutes(20 * i as i64);
            let id = db::insert_appointment(
                &mut conn,
                &db::NewAppointment {
                    patient_id: p,
                    clinician_id: clinician,
                    location_id: location,
                    visit_type: "follow-up",
                    during: Span::new(start, start + Duration::minutes(20)),
                    reason: "",
                    booked_by: None,
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
            patients.push(p);
            visits.push(id);
        }
        Ok((clinician, location, patients, visits))
    }

    async fn waiting(pool: &PgPool, visit: Uuid) -> sqlx::Result<()> {
        let mut conn = pool.acquire().await?;
        let row = db::find_appointment(&mut conn, visit)
            .await?
            .unwrap_or_else(|| panic!("visit"));
        join(&mut conn, &row, false, None)
            .await
            .map(|_| ())
            .or_else(|e| match e {
                AppError::Conflict(_) => Ok(()),
                e => panic!("{e}"),
            })
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_freed_time_is_offered_in_order_once_and_the_next_patient_gets_it_after_a_no(
        pool: PgPool,
    ) -> sqlx::Result<()> {
        let (clinician, location, _, visits) = seed(&pool, 3).await?;
        // The second and third visits wait, in that order (the first stays where it is).
        waiting(&pool, visits[2]).await?;
        waiting(&pool, visits[1]).await?;
        let now = at("2026-06-09T12:00:00Z");
        // 9:00–9:40 Chicago on the 10th frees up.
        let freed = Span::new(at("2026-06-10T14:00:00Z"), at("2026-06-10T14:40:00Z"));
        let mut tx = pool.begin().await?;
        let first = offer_freed(&mut tx, &sender(), clinician, freed, now)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("an offer"));
        tx.commit().await?;
        let mut conn = pool.acquire().await?;
        let offer = find_offer(&mut conn, first)
            .await?
            .unwrap_or_else(|| panic!("offer"));
        assert_eq!(
            offer.appointment_id, visits[2],
            "who asked first is offered first"
        );
        assert_eq!((offer.start, offer.location_id), (freed.start, location));
        assert_eq!(offer.expires_at, now + Duration::minutes(OFFER_MINUTES));

        // While it is open, the same time is not offered to anyone else.
        let mut tx = pool.begin().await?;
        let again = offer_freed(&mut tx, &sender(), clinician, freed, now)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tx.commit().await?;
        // The other 20 minutes of the freed span can go to the next patient, though.
        let second = again.unwrap_or_else(|| panic!("the rest of the span is offered"));
        let other = find_offer(&mut conn, second)
            .await?
            .unwrap_or_else(|| panic!("offer"));
        assert_eq!(other.appointment_id, visits[1]);
        assert_eq!(other.start, freed.start + Duration::minutes(20));

        // A no sends the time on; nobody is left waiting for it, so no new offer.
        assert!(decline(&mut conn, &offer)
            .await
            .unwrap_or_else(|e| panic!("{e}")));
        let mut tx = pool.begin().await?;
        let after = offer_freed(
            &mut tx,
            &sender(),
            clinician,
            Span::new(offer.start, offer.end),
            now,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        tx.commit().await?;
        assert_eq!(
            after, None,
            "the decliner is not asked again for the same time"
        );
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn accepting_moves_the_visit_and_a_booking_first_withdraws_the_offer(
        pool: PgPool,
    ) -> sqlx::Result<()> {
        let (clinician, location, patients, visits) = seed(&pool, 2).await?;
        waiting(&pool, visits[1]).await?;
        let now = at("2026-06-09T12:00:00Z");
        let freed = Span::new(at("2026-06-10T14:00:00Z"), at("2026-06-10T14:20:00Z"));
        let mut tx = pool.begin().await?;
        let id = offer_freed(&mut tx, &sender(), clinician, freed, now)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("offer"));
        tx.commit().await?;
        let mut conn = pool.acquire().await?;
        let offer = find_offer(&mut conn, id)
            .await?
            .unwrap_or_else(|| panic!("offer"));

        // Someone books the time through search first: the offer is withdrawn with the booking.
        let mut tx = pool.begin().await?;
        lock_clinician(&mut tx, clinician).await?;
        db::insert_appointment(
            &mut tx,
            &db::NewAppointment {
                patient_id: patients[0],
                clinician_id: clinician,
                location_id: location,
                visit_type: "follow-up",
                during: freed,
                reason: "",
                booked_by: None,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(withdraw_overlapping(&mut tx, clinician, freed).await?, 1);
        tx.commit().await?;
        let late = accept(&mut conn, &offer, now).await;
        assert_eq!(late, Err(AppError::Conflict("offer_gone".into())));

        // A new freed time, accepted: the visit moves (same id, next sequence) and its old
        // time is queued to be offered on.
        let freed = Span::new(at("2026-06-10T15:00:00Z"), at("2026-06-10T15:20:00Z"));
        let mut tx = pool.begin().await?;
        let id = offer_freed(&mut tx, &sender(), clinician, freed, now)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("offer"));
        tx.commit().await?;
        let offer = find_offer(&mut conn, id)
            .await?
            .unwrap_or_else(|| panic!("offer"));
        let mut tx = pool.begin().await?;
        let (moved, left, _) = accept(&mut tx, &offer, now)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tx.commit().await?;
        assert_eq!(moved, visits[1]);
        assert_eq!(left.start, at("2026-06-10T21:20:00Z"));
        let row = db::find_appointment(&mut conn, moved)
            .await?
            .unwrap_or_else(|| panic!("visit"));
        assert_eq!((row.start, row.ical_sequence), (freed.start, 1));
        assert_eq!(find_waiting(&mut conn, moved).await?, None, "off the list");
        let queued: i64 = sqlx::query_scalar!(
            r#"select count(*) as "n!" from job where kind = $1"#,
            FREED_KIND
        )
        .fetch_one(&mut *conn)
        .await?;
        assert_eq!(queued, 1);
        // Accepting twice does nothing more.
        assert_eq!(
            accept(&mut conn, &offer, now).await,
            Err(AppError::Conflict("offer_gone".into()))
        );
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn two_accepts_of_overlapping_offers_at_once_give_one_move(
        pool: PgPool,
    ) -> sqlx::Result<()> {
        // Offers inserted directly: the first for 9:00–9:20, the second for 9:10–9:30.
        let (clinician, location, _, visits) = seed(&pool, 2).await?;
        waiting(&pool, visits[0]).await?;
        waiting(&pool, visits[1]).await?;
        let now = at("2026-06-09T12:00:00Z");
        let mut offers = Vec::new();
        for (i, v) in visits.iter().enumerate() {
            let entry: Uuid = sqlx::query_scalar!(
                "select waitlist_entry_id from waitlist_entry where appointment_id = $1",
                v
            )
            .fetch_one(&pool)
            .await?;
            let start = at("2026-06-10T14:00:00Z") + Duration::minutes(10 * i as i64);
            let id = Uuid::new_v4();
            let result = sqlx::query!(
                "insert into waitlist_offer (waitlist_offer_id, waitlist_entry_id, clinician_id, location_id, during, expires_at)
                 values ($1, $2, $3, $4, tstzrange($5, $6), $7)",
                id,
                entry,
                clinician,
                location,
                start,
                start + Duration::minutes(20),
                now + Duration::hours(1)
            )
            .execute(&pool)
            .await;
            if i == 1 {
                assert!(result.is_err(), "two open offers never share a time");
                break;
            }
            result?;
            offers.push(id);
        }
        // The same offer accepted twice at once (a double tap, two devices): one move.
        let offer = find_offer(&mut *pool.acquire().await?, offers[0])
            .await?
            .unwrap_or_else(|| panic!("offer"));
        let attempts = (0..2).map(|_| {
            let (pool, offer) = (pool.clone(), offer.clone());
            tokio::spawn(async move {
                let mut tx = pool.begin().await?;
                let r = accept(&mut tx, &offer, now).await;
                tx.commit().await?;
                Ok::<_, sqlx::Error>(r)
            })
        });
        let results: Vec<_> = futures::future::join_all(attempts)
            .await
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|e| panic!("{e}"))
                    .unwrap_or_else(|e| panic!("{e}"))
            })
            .collect();
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "{results:?}"
        );
        assert!(results
            .iter()
            .any(|r| *r == Err(AppError::Conflict("offer_gone".into()))));
        Ok(())
    }
}
