//! Background jobs shared by every server process, kept in PostgreSQL so any number of processes
//! can run side by side. Invariants: a job is claimed by one worker at a time (`for update skip
//! locked`); a claim lapses after `CLAIM_SECONDS`, so a crashed worker's job is retried; a failed
//! job is retried with growing delays until `max_attempts`, then kept as failed for inspection.
//! Errors recorded on a job are kinds, never payload contents (payloads may name patients).

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

/// How long a claim lasts before another worker may take the job over.
pub const CLAIM_SECONDS: i32 = 300;
/// Channel a new job is announced on, so idle workers wake at once.
pub const NOTIFY_CHANNEL: &str = "job_ready";

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub job_id: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
    pub attempts: i32,
    pub max_attempts: i32,
}

/// Queues a job to run at `run_at`. With a `dedupe_key`, a job of the same kind and key that is
/// still pending makes this a no-op (returns `None`).
pub async fn enqueue(
    conn: impl PgExecutor<'_>,
    kind: &str,
    payload: serde_json::Value,
    run_at: DateTime<Utc>,
    dedupe_key: Option<&str>,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        r#"with inserted as (
               insert into job (kind, payload, run_at, dedupe_key)
               values ($1, $2, $3, $4)
               on conflict (kind, dedupe_key)
                   where dedupe_key is not null and finished_at is null and failed_at is null
                   do nothing
               returning job_id
           )
           -- The notification sits in the select list: an unreferenced CTE never runs.
           select job_id as "job_id!" from inserted, lateral (select pg_notify('job_ready', '')) as announced"#,
        kind,
        payload,
        run_at,
        dedupe_key
    )
    .fetch_optional(conn)
    .await
}

/// Claims the next due job, if any, for `CLAIM_SECONDS`.
pub async fn claim_next(pool: &PgPool) -> sqlx::Result<Option<Job>> {
    sqlx::query_as!(
        Job,
        r#"update job set attempts = attempts + 1,
                          locked_until = now() + make_interval(secs => $1)
           where job_id = (
               select job_id from job
               where finished_at is null and failed_at is null and run_at <= now()
                 and (locked_until is null or locked_until < now())
               order by run_at
               limit 1
               for update skip locked
           )
           returning job_id, kind, payload, attempts, max_attempts"#,
        f64::from(CLAIM_SECONDS)
    )
    .fetch_optional(pool)
    .await
}

pub async fn complete(conn: impl PgExecutor<'_>, job_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "update job set finished_at = now(), locked_until = null, last_error = null where job_id = $1",
        job_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a failure. Retries after 30 s, 2 min, 8 min… until `max_attempts`, then marks failed.
pub async fn fail(conn: impl PgExecutor<'_>, job: &Job, error_kind: &str) -> sqlx::Result<()> {
    let delay_seconds = 30.0 * 4f64.powi(job.attempts.saturating_sub(1).min(6));
    sqlx::query!(
        r#"update job set locked_until = null, last_error = $2,
                          run_at = now() + make_interval(secs => $3),
                          failed_at = case when attempts >= max_attempts then now() end
           where job_id = $1"#,
        job.job_id,
        error_kind,
        delay_seconds
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes finished jobs older than `keep_days` and failed ones older than four times that.
pub async fn purge_old(conn: impl PgExecutor<'_>, keep_days: i32) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        r#"delete from job
           where (finished_at < now() - make_interval(days => $1))
              or (failed_at < now() - make_interval(days => $1 * 4))"#,
        keep_days
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn two_workers_never_claim_the_same_job(pool: PgPool) -> sqlx::Result<()> {
        enqueue(&pool, "test.one", json!({}), Utc::now(), None).await?;
        let (a, b) = tokio::join!(claim_next(&pool), claim_next(&pool));
        let claimed = [a?, b?].into_iter().flatten().count();
        assert_eq!(claimed, 1);
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_future_job_waits_and_a_finished_job_is_not_claimed_again(
        pool: PgPool,
    ) -> sqlx::Result<()> {
        enqueue(
            &pool,
            "test.later",
            json!({}),
            Utc::now() + chrono::Duration::hours(1),
            None,
        )
        .await?;
        assert_eq!(claim_next(&pool).await?, None);

        let id = enqueue(&pool, "test.now", json!({"n": 1}), Utc::now(), None).await?;
        let job = claim_next(&pool).await?.expect("due job");
        assert_eq!(Some(job.job_id), id);
        assert_eq!(job.payload, json!({"n": 1}));
        complete(&pool, job.job_id).await?;
        assert_eq!(claim_next(&pool).await?, None);
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_failing_job_is_retried_later_then_given_up(pool: PgPool) -> sqlx::Result<()> {
        sqlx::query!("insert into job (kind, max_attempts) values ('test.flaky', 2)")
            .execute(&pool)
            .await?;
        let first = claim_next(&pool).await?.expect("due job");
        fail(&pool, &first, "timeout").await?;
        assert_eq!(claim_next(&pool).await?, None, "retry waits for its delay");

        sqlx::query!("update job set run_at = now()")
            .execute(&pool)
            .await?;
        let second = claim_next(&pool).await?.expect("retried job");
        assert_eq!(second.attempts, 2);
        fail(&pool, &second, "timeout").await?;
        sqlx::query!("update job set run_at = now()")
            .execute(&pool)
            .await?;
        assert_eq!(claim_next(&pool).await?, None, "gave up after max_attempts");
        let failed: bool = sqlx::query_scalar!(r#"select failed_at is not null as "f!" from job"#)
            .fetch_one(&pool)
            .await?;
        assert!(failed);
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_keyed_job_is_queued_once_while_pending(pool: PgPool) -> sqlx::Result<()> {
        let key = Some("2026-11-22");
        assert!(enqueue(&pool, "test.daily", json!({}), Utc::now(), key)
            .await?
            .is_some());
        assert!(enqueue(&pool, "test.daily", json!({}), Utc::now(), key)
            .await?
            .is_none());
        let job = claim_next(&pool).await?.expect("due job");
        complete(&pool, job.job_id).await?;
        assert!(enqueue(&pool, "test.daily", json!({}), Utc::now(), key)
            .await?
            .is_some());
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn queuing_a_job_wakes_listening_workers(pool: PgPool) -> sqlx::Result<()> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&pool).await?;
        listener.listen(NOTIFY_CHANNEL).await?;
        enqueue(&pool, "test.wake", json!({}), Utc::now(), None).await?;
        let woken = tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv()).await;
        assert!(
            matches!(woken, Ok(Ok(_))),
            "no notification on {NOTIFY_CHANNEL}"
        );
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn purging_keeps_recent_and_pending_jobs(pool: PgPool) -> sqlx::Result<()> {
        sqlx::query!(
            "insert into job (kind, finished_at) values
               ('test.old', now() - interval '10 days'),
               ('test.recent', now() - interval '1 day'),
               ('test.pending', null)"
        )
        .execute(&pool)
        .await?;
        assert_eq!(purge_old(&pool, 7).await?, 1);
        let left: i64 = sqlx::query_scalar!(r#"select count(*) as "n!" from job"#)
            .fetch_one(&pool)
            .await?;
        assert_eq!(left, 2);
        Ok(())
    }
}
