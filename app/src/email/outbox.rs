//! The outbox table: queue an email inside the caller's transaction, and let workers claim,
//! deliver and record it.

use super::templates::Template;
use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

/// Channel a new email is announced on, so an idle worker delivers it at once.
pub const NOTIFY_CHANNEL: &str = "email_ready";

/// An email a worker has claimed.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxEmail {
    pub email_id: Uuid,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub attempts: i32,
    pub max_attempts: i32,
    /// An iCalendar file to attach, and its method (REQUEST or CANCEL).
    pub calendar: Option<String>,
    pub calendar_method: Option<String>,
}

/// An iCalendar file sent with an email.
#[derive(Clone, Copy, Debug)]
pub struct CalendarAttachment<'a> {
    pub text: &'a str,
    /// `REQUEST` or `CANCEL`.
    pub method: &'a str,
}

/// Renders `template` in `language` and queues it for `to`, in the caller's transaction: the
/// email exists exactly when the change that caused it commits.
pub async fn queue(
    conn: impl PgExecutor<'_>,
    to: &str,
    language: &str,
    template: &Template,
) -> sqlx::Result<Uuid> {
    queue_with_calendar(conn, to, language, template, None).await
}

/// As [`queue`], with an iCalendar file attached.
pub async fn queue_with_calendar(
    conn: impl PgExecutor<'_>,
    to: &str,
    language: &str,
    template: &Template,
    calendar: Option<CalendarAttachment<'_>>,
) -> sqlx::Result<Uuid> {
    let r = template.render(language);
    let language = if language == "es" { "es" } else { "en" };
    sqlx::query_scalar!(
        r#"with inserted as (
               insert into email_outbox (email_id, to_address, language, template, subject, body_text, body_html,
                                         calendar, calendar_method)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
               returning email_id
           )
           select email_id as "email_id!" from inserted, lateral (select pg_notify('email_ready', '')) as announced"#,
        Uuid::new_v4(),
        to.trim(),
        language,
        r.template,
        r.subject,
        r.text,
        r.html,
        calendar.map(|c| c.text),
        calendar.map(|c| c.method),
    )
    .fetch_one(conn)
    .await
}

/// Claims the next due email for `lease_seconds`. A worker that dies holding it loses the claim
/// when the lease runs out, and another worker sends it (with the same Message-ID).
pub async fn claim_next(pool: &PgPool, lease_seconds: f64) -> sqlx::Result<Option<OutboxEmail>> {
    sqlx::query_as!(
        OutboxEmail,
        r#"update email_outbox set attempts = attempts + 1,
                                   locked_until = now() + make_interval(secs => $1)
           where email_id = (
               select email_id from email_outbox
               where sent_at is null and kept_at is null and failed_at is null
                 and next_attempt_at <= now()
                 and (locked_until is null or locked_until < now())
               order by next_attempt_at
               limit 1
               for update skip locked
           )
           returning email_id, to_address, subject,
                     body_text as "body_text!", body_html as "body_html!", attempts, max_attempts,
                     calendar, calendar_method"#,
        lease_seconds
    )
    .fetch_optional(pool)
    .await
}

/// Records delivery: `kept` when it went to the portal's own mailbox instead of SMTP.
pub async fn mark_delivered(
    conn: impl PgExecutor<'_>,
    email_id: Uuid,
    kept: bool,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update email_outbox
         set sent_at = case when $2 then null else now() end,
             kept_at = case when $2 then now() end,
             locked_until = null, last_error = null
         where email_id = $1",
        email_id,
        kept
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a failed attempt: retried after 1, 4, 16… minutes (at most a day), given up after
/// `max_attempts`, or at once when the failure is `permanent` (the server refused the address).
pub async fn mark_failed(
    conn: impl PgExecutor<'_>,
    email: &OutboxEmail,
    error_kind: &str,
    permanent: bool,
) -> sqlx::Result<()> {
    let delay_seconds = (60.0 * 4f64.powi(email.attempts.saturating_sub(1).min(6))).min(86_400.0);
    sqlx::query!(
        r#"update email_outbox set locked_until = null, last_error = $2,
                  next_attempt_at = now() + make_interval(secs => $3),
                  failed_at = case when $4 or attempts >= max_attempts then now() end
           where email_id = $1"#,
        email.email_id,
        error_kind,
        delay_seconds,
        permanent
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Clears the bodies (and their single-use links) of emails delivered more than a week ago and
/// deletes rows older than 90 days. The subject and status stay for the operator meanwhile.
pub async fn purge_old(conn: &PgPool) -> sqlx::Result<u64> {
    let cleared = sqlx::query!(
        "update email_outbox set body_text = null, body_html = null, calendar = null
         where body_text is not null
           and coalesce(sent_at, kept_at, failed_at) < now() - interval '7 days'"
    )
    .execute(conn)
    .await?;
    let deleted = sqlx::query!(
        "delete from email_outbox where created_at < now() - interval '90 days'
           and (sent_at is not null or kept_at is not null or failed_at is not null)"
    )
    .execute(conn)
    .await?;
    Ok(cleared.rows_affected() + deleted.rows_affected())
}

/// Emails made from `template` to `to` since `since` (to keep one address from being flooded).
pub async fn count_recent(
    conn: impl PgExecutor<'_>,
    to: &str,
    template: &str,
    since: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from email_outbox
           where lower(to_address) = lower($1) and template = $2 and created_at >= $3"#,
        to.trim(),
        template,
        since
    )
    .fetch_one(conn)
    .await
}

/// One row of the administrators' view of the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxEntry {
    pub email_id: Uuid,
    pub to_address: String,
    pub template: String,
    pub subject: String,
    pub body_text: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The newest `limit` emails, optionally only those to `to` (any case).
pub async fn recent(
    conn: impl PgExecutor<'_>,
    to: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<OutboxEntry>> {
    sqlx::query_as!(
        OutboxEntry,
        r#"select email_id, to_address, template, subject, body_text,
                  case when sent_at is not null then 'sent'
                       when kept_at is not null then 'kept'
                       when failed_at is not null then 'failed'
                       else 'queued' end as "status!",
                  attempts, last_error, created_at
           from email_outbox
           where $1::text is null or lower(to_address) = lower($1)
           order by created_at desc
           limit $2"#,
        to.map(str::trim),
        limit
    )
    .fetch_all(conn)
    .await
}
