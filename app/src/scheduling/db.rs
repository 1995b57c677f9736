//! Appointment queries. Every function takes the connection or transaction it runs in.

use super::slots::Span;
use crate::db::ResultExt;
use crate::error::AppError;
use sqlx::postgres::types::PgRange;
use sqlx::PgConnection;
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

/// The spans the clinician is busy in `within`: active appointments and blocks.
pub async fn select_taken(
    conn: &mut PgConnection,
    clinician_id: Uuid,
    within: Span,
) -> sqlx::Result<Vec<Span>> {
    let rows = sqlx::query!(
        r#"select lower(during) as "start!", upper(during) as "end!"
             from appointment
            where clinician_id = $1 and status <> 'cancelled' and during && $2
           union all
           select lower(during), upper(during)
             from clinician_block
            where clinician_id = $1 and during && $2"#,
        clinician_id,
        range(within)
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Span::new(r.start, r.end))
        .collect())
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
        let mut taken = select_taken(&mut conn, clinician, day).await?;
        taken.sort();
        let starts: Vec<String> = taken
            .iter()
            .map(|s| s.start.format("%H:%M").to_string())
            .collect();
        assert_eq!(starts, ["15:00", "15:40", "18:00"]);
        Ok(())
    }
}
