//! Single-use tokens for links sent by email: confirming an address and resetting a password.
//! The link carries 256 random bits; the database holds their SHA-256, so a copy of the table
//! opens nothing. Using a token and the change it allows happen in one transaction.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgExecutor;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    /// The first password of an account an administrator created.
    SetPassword,
    /// A new email address for an existing account.
    ChangeEmail,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
            Self::SetPassword => "set_password",
            Self::ChangeEmail => "change_email",
        }
    }

    /// How long a link works.
    pub fn lifetime(self) -> Duration {
        match self {
            Self::VerifyEmail => Duration::hours(24),
            Self::ResetPassword => Duration::hours(1),
            Self::SetPassword => Duration::hours(72),
            Self::ChangeEmail => Duration::hours(24),
        }
    }
}

/// The stored form of a link token: its SHA-256. Anything that is not 32 base64url bytes is
/// refused here and never reaches the database.
pub fn hash(token: &str) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    (bytes.len() == 32).then(|| Sha256::digest(token.trim().as_bytes()).to_vec())
}

/// A new random token for a link (256 bits, base64url) and its stored hash.
pub fn new_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = Sha256::digest(token.as_bytes()).to_vec();
    (token, hash)
}

/// Makes a token for `account` and `email`, valid from `now` for the purpose's lifetime, and
/// returns it for the link. Earlier unused tokens of the same purpose stop working: only the
/// newest email's link does.
pub async fn issue(
    conn: &mut sqlx::PgConnection,
    account: Uuid,
    purpose: Purpose,
    email: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<String> {
    let (token, token_hash) = new_token();
    sqlx::query!(
        "update account_token set used_at = $3
         where account_id = $1 and purpose = $2 and used_at is null",
        account,
        purpose.as_str(),
        now
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "insert into account_token (token_hash, account_id, purpose, email, expires_at, created_at)
         values ($1, $2, $3, $4, $5, $6)",
        token_hash,
        account,
        purpose.as_str(),
        email,
        now + purpose.lifetime(),
        now
    )
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// What a still-good token was issued for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenFor {
    pub account_id: Uuid,
    pub email: String,
}

/// The account a token would act for, without using it up (to show the right form).
pub async fn peek(
    conn: impl PgExecutor<'_>,
    token: &str,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<TokenFor>> {
    let Some(hash) = hash(token) else {
        return Ok(None);
    };
    sqlx::query_as!(
        TokenFor,
        "select account_id, email from account_token
         where token_hash = $1 and purpose = $2 and used_at is null and expires_at > $3",
        hash,
        purpose.as_str(),
        now
    )
    .fetch_optional(conn)
    .await
}

/// Uses a token up: it works once, before it expires, for its purpose only. Two requests with
/// the same token cannot both succeed (the update takes the row).
pub async fn consume(
    conn: impl PgExecutor<'_>,
    token: &str,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<TokenFor>> {
    let Some(hash) = hash(token) else {
        return Ok(None);
    };
    sqlx::query_as!(
        TokenFor,
        "update account_token set used_at = $3
         where token_hash = $1 and purpose = $2 and used_at is null and expires_at > $3
         returning account_id, email",
        hash,
        purpose.as_str(),
        now
    )
    .fetch_optional(conn)
    .await
}

/// How many tokens of `purpose` were issued for `account` since `since` (to limit emails).
pub async fn issued_since(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    purpose: Purpose,
    since: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from account_token
           where account_id = $1 and purpose = $2 and created_at >= $3"#,
        account,
        purpose.as_str(),
        since
    )
    .fetch_one(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::account;
    use sqlx::PgPool;

    async fn an_account(pool: &PgPool) -> Uuid {
        account::insert_account(
            pool,
            &account::NewAccount {
                email: "token@example.org",
                display_name: "Token Test",
                preferred_language: "en",
                password_hash: &account::tests::test_hash(),
            },
        )
        .await
        .unwrap_or_default()
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_token_works_once_for_its_purpose_before_it_expires(
        pool: PgPool,
    ) -> sqlx::Result<()> {
        let id = an_account(&pool).await;
        let now = Utc::now();
        let mut conn = pool.acquire().await?;
        let token = issue(
            &mut conn,
            id,
            Purpose::ResetPassword,
            "token@example.org",
            now,
        )
        .await?;
        assert_eq!(
            consume(&pool, &token, Purpose::VerifyEmail, now).await?,
            None,
            "another purpose"
        );
        assert_eq!(
            consume(
                &pool,
                &token,
                Purpose::ResetPassword,
                now + Duration::minutes(61)
            )
            .await?,
            None,
            "expired after an hour"
        );
        assert!(peek(&pool, &token, Purpose::ResetPassword, now)
            .await?
            .is_some());
        let used = consume(&pool, &token, Purpose::ResetPassword, now).await?;
        assert_eq!(used.map(|t| t.account_id), Some(id));
        assert_eq!(
            consume(&pool, &token, Purpose::ResetPassword, now).await?,
            None,
            "used"
        );
        assert_eq!(
            consume(&pool, "not-a-token", Purpose::ResetPassword, now).await?,
            None
        );
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_new_link_replaces_the_previous_one(pool: PgPool) -> sqlx::Result<()> {
        let id = an_account(&pool).await;
        let now = Utc::now();
        let mut conn = pool.acquire().await?;
        let first = issue(&mut conn, id, Purpose::VerifyEmail, "a@example.org", now).await?;
        let second = issue(&mut conn, id, Purpose::VerifyEmail, "a@example.org", now).await?;
        assert_eq!(
            consume(&pool, &first, Purpose::VerifyEmail, now).await?,
            None
        );
        assert!(consume(&pool, &second, Purpose::VerifyEmail, now)
            .await?
            .is_some());
        assert_eq!(
            issued_since(&pool, id, Purpose::VerifyEmail, now - Duration::minutes(1)).await?,
            2
        );
        Ok(())
    }
}
