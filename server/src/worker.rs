//! The background worker: runs due jobs from the shared `job` table and delivers the email
//! outbox until shutdown. Every process may run one (the portal does by default, and `server
//! worker` runs one alone); PostgreSQL hands each job and each email to one of them. New work
//! wakes idle workers through LISTEN/NOTIFY, and a poll every 30 s covers a missed notification
//! or a due retry.

use app::email::{delivery, delivery::Mailer, outbox};
use app::jobs::{self, Job};
use chrono::Utc;
use sqlx::{postgres::PgListener, PgPool};
use std::time::Duration;

const POLL: Duration = Duration::from_secs(30);
/// Housekeeping: delete old finished jobs once a day.
pub const PURGE_KIND: &str = "jobs.purge";

/// Runs jobs until `shutdown` resolves; the job in hand is finished first.
pub async fn run(
    pool: PgPool,
    mailer: Mailer,
    config: std::sync::Arc<app::config::Config>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let sender = app::scheduling::notify::Sender::from_config(&config);
    tokio::pin!(shutdown);
    let mut listener = match PgListener::connect_with(&pool).await {
        Ok(mut l) => match l
            .listen_all([jobs::NOTIFY_CHANNEL, outbox::NOTIFY_CHANNEL])
            .await
        {
            Ok(()) => Some(l),
            Err(e) => {
                tracing::warn!(error = %e, "worker cannot listen; polling only");
                None
            }
        },
        Err(e) => {
            tracing::warn!(error = %e, "worker cannot listen; polling only");
            None
        }
    };
    tracing::info!("background worker started");
    loop {
        schedule_housekeeping(&pool).await;
        schedule_reminders(&pool).await;
        // Drain what is due before waiting.
        loop {
            match jobs::claim_next(&pool).await {
                Ok(Some(job)) => run_one(&pool, &sender, &config, job).await,
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "worker could not claim a job");
                    break;
                }
            }
        }
        if let Err(e) = delivery::deliver_due(&pool, &mailer).await {
            tracing::warn!(error = %e, "worker could not deliver email");
        }
        let wake = async {
            match listener.as_mut() {
                Some(l) => {
                    let _ = tokio::time::timeout(POLL, l.recv()).await;
                }
                None => tokio::time::sleep(POLL).await,
            }
        };
        tokio::select! {
            () = &mut shutdown => break,
            () = wake => {},
        }
    }
    tracing::info!("background worker stopped");
}

/// Queues the next purge for the start of the next UTC day, keyed by that date. The key holds
/// while the job is pending, so every process can call this on every wake and the purge still
/// runs once a day.
async fn schedule_housekeeping(pool: &PgPool) {
    let tomorrow = Utc::now().date_naive() + chrono::Days::new(1);
    let run_at = tomorrow.and_time(chrono::NaiveTime::MIN).and_utc();
    let key = tomorrow.to_string();
    if let Err(e) = jobs::enqueue(pool, PURGE_KIND, serde_json::json!({}), run_at, Some(&key)).await
    {
        tracing::warn!(error = %e, "could not schedule housekeeping");
    }
}

/// Queues the reminder run for the next five-minute mark, keyed by it, so the processes
/// side by side run it once.
async fn schedule_reminders(pool: &PgPool) {
    let run_at = app::scheduling::reminders::next_run(Utc::now());
    let key = run_at.to_rfc3339();
    if let Err(e) = jobs::enqueue(
        pool,
        app::scheduling::reminders::KIND,
        serde_json::json!({}),
        run_at,
        Some(&key),
    )
    .await
    {
        tracing::warn!(error = %e, "could not schedule reminders");
    }
}

async fn run_one(
    pool: &PgPool,
    sender: &app::scheduling::notify::Sender,
    config: &app::config::Config,
    job: Job,
) {
    let span =
        tracing::info_span!("job", job_id = %job.job_id, kind = %job.kind, attempt = job.attempts);
    let _enter = span.enter();
    let outcome: Result<(), &'static str> = match job.kind.as_str() {
        PURGE_KIND => match (
            jobs::purge_old(pool, 7).await,
            app::auth::server::purge_rate_limits(pool).await,
            outbox::purge_old(pool).await,
            app::auth::passkey::purge_expired_ceremonies(pool).await,
            app::directory::db::purge_old_drafts(pool).await,
        ) {
            (Ok(jobs), Ok(windows), Ok(emails), Ok(ceremonies), Ok(drafts)) => {
                tracing::info!(
                    jobs,
                    windows,
                    emails,
                    ceremonies,
                    drafts,
                    "purged old jobs, rate-limit windows, email bodies, passkey challenges and kept forms"
                );
                Ok(())
            }
            _ => Err("database"),
        },
        app::scheduling::reminders::KIND => app::scheduling::reminders::send_due(
            pool,
            sender,
            &config.appointment_reminder_hours,
            config.reminder_quiet_hours,
            Utc::now(),
        )
        .await
        .map(|sent| tracing::info!(sent, "reminders sent"))
        .map_err(|_| "reminders"),
        app::scheduling::waitlist::FREED_KIND | app::scheduling::waitlist::EXPIRE_KIND => {
            app::scheduling::waitlist::run_job(pool, sender, &job.kind, &job.payload)
                .await
                .map_err(|_| "waitlist")
        }
        _ => Err("unknown job kind"),
    };
    let recorded = match outcome {
        Ok(()) => jobs::complete(pool, job.job_id).await,
        Err(kind) => {
            tracing::warn!(error = kind, "job failed");
            jobs::fail(pool, &job, kind).await
        }
    };
    if let Err(e) = recorded {
        // The claim lapses and another attempt will run; nothing is lost.
        tracing::error!(error = %e, "could not record the job's outcome");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_config() -> std::sync::Arc<app::config::Config> {
        std::sync::Arc::new(
            app::config::Config::from_lookup(|k| {
                (k == "DATABASE_URL").then(|| "postgres://postgres@127.0.0.1/unused".to_string())
            })
            .unwrap_or_else(|e| panic!("{e}")),
        )
    }

    fn test_sender() -> app::scheduling::notify::Sender {
        app::scheduling::notify::Sender::from_config(&test_config())
    }

    #[sqlx::test(migrator = "app::db::MIGRATOR")]
    async fn the_worker_runs_housekeeping_and_stops_on_shutdown(pool: PgPool) -> sqlx::Result<()> {
        sqlx::query!(
            "insert into job (kind, finished_at) values ('test.old', now() - interval '30 days')"
        )
        .execute(&pool)
        .await?;
        // Today's purge, come due.
        jobs::enqueue(
            &pool,
            PURGE_KIND,
            serde_json::json!({}),
            Utc::now(),
            Some("today"),
        )
        .await?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let worker = tokio::spawn(run(pool.clone(), Mailer::Mailbox, test_config(), async {
            let _ = stopped.await;
        }));
        // Wait (bounded) for the purge job to finish.
        for _ in 0..100 {
            let done: i64 = sqlx::query_scalar!(
                r#"select count(*) as "n!" from job where kind = 'jobs.purge' and finished_at is not null"#
            )
            .fetch_one(&pool)
            .await?;
            if done == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Let the worker wake on its own notifications a few more times.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let _ = stop.send(());
        worker.await.expect("worker ends cleanly");
        let old: i64 =
            sqlx::query_scalar!(r#"select count(*) as "n!" from job where kind = 'test.old'"#)
                .fetch_one(&pool)
                .await?;
        assert_eq!(old, 0, "housekeeping removed the old finished job");
        let (finished, pending_tomorrow): (i64, i64) = sqlx::query_as(
            "select count(*) filter (where finished_at is not null),
                    count(*) filter (where finished_at is null and run_at > now())
             from job where kind = 'jobs.purge'",
        )
        .fetch_one(&pool)
        .await?;
        assert_eq!(finished, 1, "the purge ran once, not on every wake");
        assert_eq!(
            pending_tomorrow, 1,
            "exactly one purge is queued for tomorrow"
        );
        Ok(())
    }

    #[sqlx::test(migrator = "app::db::MIGRATOR")]
    async fn an_unknown_job_kind_is_recorded_as_a_failure(pool: PgPool) -> sqlx::Result<()> {
        jobs::enqueue(
            &pool,
            "no.such.kind",
            serde_json::json!({}),
            Utc::now(),
            None,
        )
        .await?;
        let job = jobs::claim_next(&pool).await?.expect("due");
        run_one(&pool, &test_sender(), &test_config(), job).await;
        let error: Option<String> =
            sqlx::query_scalar!("select last_error from job where kind = 'no.such.kind'")
                .fetch_one(&pool)
                .await?;
        assert_eq!(error.as_deref(), Some("unknown job kind"));
        Ok(())
    }
}
