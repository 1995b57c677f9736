//! Server-side sessions. The browser holds a random 256-bit token; the `session` table holds its
//! SHA-256, the account, and the times that decide whether it is still good. Every function
//! takes `now`, so idle and absolute expiry are tested with a controllable clock.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use sqlx::PgExecutor;
use std::net::IpAddr;
use uuid::Uuid;

/// A session lasts at most this long from sign-in, however active.
pub const ABSOLUTE_LIFETIME: Duration = Duration::hours(12);

/// The token as it travels in the cookie. Printing it shows nothing.
#[derive(Clone)]
pub struct SessionToken(SecretString);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(..)")
    }
}

impl SessionToken {
    fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(SecretString::from(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Reads a token from a cookie value. Anything that is not 32 base64url bytes is refused
    /// before it reaches the database.
    pub fn parse(value: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(value.trim()).ok()?;
        (bytes.len() == 32).then(|| Self(SecretString::from(value.trim().to_owned())))
    }

    /// The value to put in the `Set-Cookie` header.
    pub fn cookie_value(&self) -> &str {
        self.0.expose_secret()
    }

    fn hash(&self) -> Vec<u8> {
        Sha256::digest(self.0.expose_secret().as_bytes()).to_vec()
    }
}

/// A session that is still good, as found by [`resume_session`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveSession {
    pub session_id: Uuid,
    pub account_id: Uuid,
    /// When the idle timeout would end it if nothing else happens.
    pub idle_deadline: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The password was right but the second factor is still to come: not signed in yet.
    pub awaiting_second_factor: bool,
}

/// Where a session was started from, for the person's list of their sessions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Client {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

/// Starts a session for `account` and returns the token for its cookie. `idle` is the role's
/// idle timeout (shorter for staff than for patients).
pub async fn start_session(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    idle: Duration,
    client: &Client,
    now: DateTime<Utc>,
) -> sqlx::Result<(Uuid, SessionToken)> {
    start(conn, account, idle, client, now, false).await
}

/// Starts a session that waits for the second factor (see [`ActiveSession::awaiting_second_factor`]).
pub async fn start_awaiting_second_factor(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    idle: Duration,
    client: &Client,
    now: DateTime<Utc>,
) -> sqlx::Result<(Uuid, SessionToken)> {
    start(conn, account, idle, client, now, true).await
}

async fn start(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    idle: Duration,
    client: &Client,
    now: DateTime<Utc>,
    awaiting_second_factor: bool,
) -> sqlx::Result<(Uuid, SessionToken)> {
    let token = SessionToken::generate();
    let session_id = Uuid::new_v4();
    let user_agent = client
        .user_agent
        .as_deref()
        .map(|ua| ua.chars().take(512).collect::<String>());
    sqlx::query!(
        "insert into session (session_id, token_hash, account_id, idle_seconds, last_seen_at,
                              expires_at, user_agent, ip, awaiting_second_factor)
         values ($1, $2, $3, $4, $5, $6, $7, $8::text::inet, $9)",
        session_id,
        token.hash(),
        account,
        i32::try_from(idle.num_seconds()).unwrap_or(i32::MAX),
        now,
        now + ABSOLUTE_LIFETIME,
        user_agent,
        client.ip.map(|ip| ip.to_string()),
        awaiting_second_factor,
    )
    .execute(conn)
    .await?;
    Ok((session_id, token))
}

/// The session `token` belongs to, if it is still good at `now`, marking it seen. A session of a
/// disabled account is never good.
pub async fn resume_session(
    conn: impl PgExecutor<'_>,
    token: &SessionToken,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<ActiveSession>> {
    sqlx::query_as!(
        ActiveSession,
        r#"update session s set last_seen_at = $2
           from account a
           where s.token_hash = $1
             and a.account_id = s.account_id
             and a.disabled_at is null
             and s.ended_at is null
             and $2 < s.expires_at
             and $2 < s.last_seen_at + make_interval(secs => s.idle_seconds)
           returning s.session_id as "session_id!", s.account_id as "account_id!",
                     $2 + make_interval(secs => s.idle_seconds) as "idle_deadline!",
                     s.expires_at as "expires_at!",
                     s.awaiting_second_factor as "awaiting_second_factor!"
        "#,
        token.hash(),
        now
    )
    .fetch_optional(conn)
    .await
}

/// The session `token` names if it is still active at `now`, without counting this as activity
/// (for background requests: a live-update stream or refresh must not keep an idle session
/// alive).
pub async fn peek_session(
    conn: impl PgExecutor<'_>,
    token: &SessionToken,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<ActiveSession>> {
    sqlx::query_as!(
        ActiveSession,
        r#"select s.session_id as "session_id!", s.account_id as "account_id!",
                  s.last_seen_at + make_interval(secs => s.idle_seconds) as "idle_deadline!",
                  s.expires_at as "expires_at!",
                  s.awaiting_second_factor as "awaiting_second_factor!"
             from session s
             join account a on a.account_id = s.account_id
            where s.token_hash = $1
              and a.disabled_at is null
              and s.ended_at is null
              and $2 < s.expires_at
              and $2 < s.last_seen_at + make_interval(secs => s.idle_seconds)"#,
        token.hash(),
        now
    )
    .fetch_optional(conn)
    .await
}

/// Ends one session (sign-out, or "end this session" on the sessions page). Only the account's
/// own sessions can be ended this way; returns whether one was.
pub async fn end_session(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    session: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let ended = sqlx::query!(
        "update session set ended_at = $3
         where session_id = $1 and account_id = $2 and ended_at is null",
        session,
        account,
        now
    )
    .execute(conn)
    .await?;
    Ok(ended.rows_affected() == 1)
}

/// Ends every session of `account` except `keep` (after a password change, the current one
/// stays; when an account is disabled, none does). Returns how many ended.
pub async fn end_all_sessions(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    keep: Option<Uuid>,
) -> sqlx::Result<u64> {
    let ended = sqlx::query!(
        "update session set ended_at = now()
         where account_id = $1 and ended_at is null and session_id is distinct from $2",
        account,
        keep
    )
    .execute(conn)
    .await?;
    Ok(ended.rows_affected())
}

/// One of a person's own sessions, as listed for them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionSummary {
    pub session_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// The account's sessions that are still good at `now`, most recently used first.
pub async fn list_sessions(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<SessionSummary>> {
    sqlx::query_as!(
        SessionSummary,
        r#"select session_id, created_at as started_at, last_seen_at, user_agent, host(ip) as ip
           from session
           where account_id = $1 and ended_at is null and $2 < expires_at
             and not awaiting_second_factor
             and $2 < last_seen_at + make_interval(secs => idle_seconds)
           order by last_seen_at desc"#,
        account,
        now
    )
    .fetch_all(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::account::tests::make_account;
    use sqlx::PgPool;

    const IDLE: Duration = Duration::minutes(30);

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-08T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn phone() -> Client {
        Client {
            ip: "198.51.100.4".parse().ok(),
            user_agent: Some("Mozilla/5.0 (iPhone)".into()),
        }
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn only_a_hash_of_the_token_is_stored(pool: PgPool) -> sqlx::Result<()> {
        let account = make_account(&pool, "a@example.org").await;
        let (_, token) = start_session(&pool, account, IDLE, &phone(), t0()).await?;
        let stored: Vec<u8> = sqlx::query_scalar!("select token_hash from session")
            .fetch_one(&pool)
            .await?;
        assert_eq!(stored.len(), 32);
        assert_ne!(stored, token.cookie_value().as_bytes());
        assert_eq!(format!("{token:?}"), "SessionToken(..)");
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn activity_keeps_a_session_alive_until_the_idle_timeout(
        pool: PgPool,
    ) -> sqlx::Result<()> {
        let account = make_account(&pool, "a@example.org").await;
        let (id, token) = start_session(&pool, account, IDLE, &phone(), t0()).await?;

        let at_29 = resume_session(&pool, &token, t0() + Duration::minutes(29)).await?;
        assert_eq!(
            at_29.as_ref().map(|s| (s.session_id, s.account_id)),
            Some((id, account))
        );
        assert_eq!(
            at_29.map(|s| s.idle_deadline),
            Some(t0() + Duration::minutes(59))
        );
        // Seen at 29 minutes, so still good at 58, then idle for 31 minutes: gone.
        assert!(resume_session(&pool, &token, t0() + Duration::minutes(58))
            .await?
            .is_some());
        assert!(resume_session(&pool, &token, t0() + Duration::minutes(89))
            .await?
            .is_none());
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn no_session_outlives_its_absolute_lifetime(pool: PgPool) -> sqlx::Result<()> {
        let account = make_account(&pool, "a@example.org").await;
        let (_, token) = start_session(&pool, account, IDLE, &phone(), t0()).await?;
        let mut now = t0();
        while now < t0() + ABSOLUTE_LIFETIME - Duration::minutes(20) {
            now += Duration::minutes(20);
            assert!(resume_session(&pool, &token, now).await?.is_some(), "{now}");
        }
        now = t0() + ABSOLUTE_LIFETIME;
        assert!(resume_session(&pool, &token, now).await?.is_none());
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_signed_out_session_is_gone_and_others_remain(pool: PgPool) -> sqlx::Result<()> {
        let account = make_account(&pool, "a@example.org").await;
        let (phone_id, phone_token) = start_session(&pool, account, IDLE, &phone(), t0()).await?;
        let (_, laptop_token) =
            start_session(&pool, account, IDLE, &Client::default(), t0()).await?;

        assert!(end_session(&pool, account, phone_id, t0()).await?);
        assert!(
            !end_session(&pool, account, phone_id, t0()).await?,
            "already ended"
        );
        assert!(resume_session(&pool, &phone_token, t0()).await?.is_none());
        assert!(resume_session(&pool, &laptop_token, t0()).await?.is_some());
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn nobody_ends_another_accounts_session(pool: PgPool) -> sqlx::Result<()> {
        let alice = make_account(&pool, "alice@example.org").await;
        let mallory = make_account(&pool, "mallory@example.org").await;
        let (alice_session, token) = start_session(&pool, alice, IDLE, &phone(), t0()).await?;
        assert!(!end_session(&pool, mallory, alice_session, t0()).await?);
        assert!(resume_session(&pool, &token, t0()).await?.is_some());
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_password_change_ends_every_other_session(pool: PgPool) -> sqlx::Result<()> {
        let account = make_account(&pool, "a@example.org").await;
        let (current, current_token) = start_session(&pool, account, IDLE, &phone(), t0()).await?;
        let (_, other_token) = start_session(&pool, account, IDLE, &phone(), t0()).await?;
        assert_eq!(end_all_sessions(&pool, account, Some(current)).await?, 1);
        assert!(resume_session(&pool, &current_token, t0()).await?.is_some());
        assert!(resume_session(&pool, &other_token, t0()).await?.is_none());
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn disabling_an_account_ends_its_sessions_at_once(pool: PgPool) -> sqlx::Result<()> {
        let account = make_account(&pool, "a@example.org").await;
        let (_, token) = start_session(&pool, account, IDLE, &phone(), t0()).await?;
        let mut conn = pool.acquire().await?;
        crate::auth::account::disable_account(&mut conn, account).await?;
        assert!(resume_session(&pool, &token, t0()).await?.is_none());
        assert_eq!(list_sessions(&pool, account, t0()).await?, vec![]);
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_person_sees_their_live_sessions_most_recent_first(pool: PgPool) -> sqlx::Result<()> {
        let account = make_account(&pool, "a@example.org").await;
        let (older, _) = start_session(&pool, account, IDLE, &phone(), t0()).await?;
        let (newer, newer_token) =
            start_session(&pool, account, IDLE, &Client::default(), t0()).await?;
        resume_session(&pool, &newer_token, t0() + Duration::minutes(5)).await?;
        let listed = list_sessions(&pool, account, t0() + Duration::minutes(6)).await?;
        assert_eq!(
            listed.iter().map(|s| s.session_id).collect::<Vec<_>>(),
            vec![newer, older]
        );
        assert_eq!(
            listed.get(1).and_then(|s| s.ip.clone()).as_deref(),
            Some("198.51.100.4")
        );
        // Past the older one's idle timeout only the newer remains.
        let later = list_sessions(&pool, account, t0() + Duration::minutes(31)).await?;
        assert_eq!(
            later.iter().map(|s| s.session_id).collect::<Vec<_>>(),
            vec![newer]
        );
        Ok(())
    }

    #[test]
    fn only_well_formed_tokens_are_read_from_cookies() {
        let token = SessionToken::generate();
        assert!(SessionToken::parse(token.cookie_value()).is_some());
        assert!(SessionToken::parse("short").is_none());
        assert!(SessionToken::parse("' or 1=1 --").is_none());
        assert!(SessionToken::parse(&"A".repeat(44)).is_none(), "33 bytes");
    }
}
