//! The second factor: an authenticator app (TOTP, RFC 6238: HMAC-SHA1, 6 digits, 30-second
//! steps, one step of clock drift either way) and one-time recovery codes.
//!
//! Invariants: a code is accepted once (its step is recorded, and neither it nor an earlier step
//! is accepted again, even by two requests racing); an app counts only after the person has
//! entered one code from it; recovery codes are stored hashed and each works once.

use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgExecutor};
use totp_rs::{Algorithm, TOTP};
use uuid::Uuid;

const STEP_SECONDS: u64 = 30;
const DIGITS: usize = 6;
const SECRET_BYTES: usize = 20;
pub const RECOVERY_CODES: usize = 10;
/// Letters and digits that cannot be mistaken for one another when read aloud or typed.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

fn totp(secret: &[u8], issuer: &str, account: &str) -> Option<TOTP> {
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        0,
        STEP_SECONDS,
        secret.to_vec(),
        Some(issuer.replace(':', " ")),
        account.replace(':', " "),
    )
    .ok()
}

/// A new random secret (160 bits, as RFC 4226 recommends).
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut secret);
    secret
}

/// The `otpauth://` address an authenticator app reads (from a QR code or typed in), naming the
/// organisation and the person's email so they can tell entries apart.
pub fn otpauth_url(secret: &[u8], issuer: &str, account_email: &str) -> Option<String> {
    totp(secret, issuer, account_email).map(|t| t.get_url())
}

/// The secret as people type it into an app by hand: base32 in groups of four.
pub fn secret_for_typing(secret: &[u8]) -> String {
    let encoded = base32_encode(secret);
    encoded
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn base32_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            let index = ((buffer >> bits) & 31) as usize;
            out.push(char::from(*ALPHABET.get(index).unwrap_or(&b'A')));
        }
    }
    if bits > 0 {
        let index = ((buffer << (5 - bits)) & 31) as usize;
        out.push(char::from(*ALPHABET.get(index).unwrap_or(&b'A')));
    }
    out
}

/// The code an authenticator app with `secret` shows at `now` (for tests and tools; the portal
/// itself only checks codes).
pub fn code_at(secret: &[u8], now: DateTime<Utc>) -> Option<String> {
    let t = u64::try_from(now.timestamp()).ok()?;
    totp(secret, "x", "x").map(|totp| totp.generate(t))
}

/// The time step at which `code` is valid for `secret`, within one step of `now`; the current
/// step is tried first. Comparison is constant-time (totp-rs).
pub fn matching_step(secret: &[u8], code: &str, now: DateTime<Utc>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret, "x", "x")?;
    let current = u64::try_from(now.timestamp()).ok()? / STEP_SECONDS;
    [current, current.saturating_sub(1), current + 1]
        .into_iter()
        .find(|step| totp.check(&code, step * STEP_SECONDS))
        .and_then(|step| i64::try_from(step).ok())
}

/// Starts (or restarts) setting up an authenticator for `account`: a new unconfirmed secret
/// replaces any earlier unconfirmed one. A confirmed app is left alone until the new one is
/// confirmed. Returns the secret to show the person.
pub async fn begin_enrolment(conn: impl PgExecutor<'_>, account: Uuid) -> sqlx::Result<Vec<u8>> {
    let secret = new_secret();
    sqlx::query!(
        "insert into totp_credential (account_id, secret) values ($1, $2)
         on conflict (account_id) do update set secret = excluded.secret, confirmed_at = null,
             last_used_step = null
         where totp_credential.confirmed_at is null",
        account,
        &secret
    )
    .execute(conn)
    .await?;
    Ok(secret)
}

/// Whether `account` has a second factor: a confirmed authenticator app or a passkey.
pub async fn has_second_factor(conn: impl PgExecutor<'_>, account: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from totp_credential
                         where account_id = $1 and confirmed_at is not null)
                  or exists(select 1 from passkey where account_id = $1) as "exists!""#,
        account
    )
    .fetch_one(conn)
    .await
}

/// Whether `account` has a confirmed authenticator app (codes can finish a sign-in).
pub async fn has_authenticator_app(conn: impl PgExecutor<'_>, account: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from totp_credential
                         where account_id = $1 and confirmed_at is not null) as "exists!""#,
        account
    )
    .fetch_one(conn)
    .await
}

/// The secret of the account's authenticator that is set up but not yet confirmed, if any.
pub async fn pending_secret(
    conn: impl PgExecutor<'_>,
    account: Uuid,
) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar!(
        "select secret from totp_credential where account_id = $1 and confirmed_at is null",
        account
    )
    .fetch_optional(conn)
    .await
}

/// How many of the account's recovery codes are still unused.
pub async fn recovery_codes_left(conn: impl PgExecutor<'_>, account: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from recovery_code where account_id = $1 and used_at is null"#,
        account
    )
    .fetch_one(conn)
    .await
}

/// Whether `code` looks like an authenticator code (six digits, spaces allowed) rather than a
/// recovery code.
pub fn is_app_code(code: &str) -> bool {
    let digits: Vec<char> = code.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == DIGITS && digits.iter().all(char::is_ascii_digit)
}

/// The step at which `code` matches the account's confirmed (or, with `confirmed` false, pending)
/// authenticator, if it has one.
async fn step_for_code(
    conn: &mut PgConnection,
    account: Uuid,
    confirmed: bool,
    code: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    let secret = sqlx::query_scalar!(
        r#"select secret from totp_credential
           where account_id = $1 and (confirmed_at is not null) = $2"#,
        account,
        confirmed
    )
    .fetch_optional(conn)
    .await?;
    Ok(secret.and_then(|secret| matching_step(&secret, code, now)))
}

/// Confirms the pending authenticator with a first code from it. Returns whether it matched.
pub async fn confirm_enrolment(
    conn: &mut PgConnection,
    account: Uuid,
    code: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let Some(step) = step_for_code(&mut *conn, account, false, code, now).await? else {
        return Ok(false);
    };
    let done = sqlx::query!(
        "update totp_credential set confirmed_at = $2, last_used_step = $3
         where account_id = $1 and confirmed_at is null",
        account,
        now,
        step
    )
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Checks a code from the person's confirmed authenticator and uses it up. A code already used,
/// or older than one already used, is refused, also when two requests race with the same code.
pub async fn verify_code(
    conn: &mut PgConnection,
    account: Uuid,
    code: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let Some(step) = step_for_code(&mut *conn, account, true, code, now).await? else {
        return Ok(false);
    };
    let done = sqlx::query!(
        "update totp_credential set last_used_step = $2
         where account_id = $1 and confirmed_at is not null
           and (last_used_step is null or last_used_step < $2)",
        account,
        step
    )
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

fn normalise_recovery_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn recovery_hash(code: &str) -> Vec<u8> {
    Sha256::digest(normalise_recovery_code(code).as_bytes()).to_vec()
}

fn new_recovery_code() -> String {
    let mut rng = rand::rng();
    let letters: String = (0..10)
        .map(|_| {
            let i = (rng.next_u32() as usize) % RECOVERY_ALPHABET.len();
            char::from(*RECOVERY_ALPHABET.get(i).unwrap_or(&b'a'))
        })
        .collect();
    let (first, second) = letters.split_at(5);
    format!("{first}-{second}")
}

/// Replaces the account's recovery codes with [`RECOVERY_CODES`] new ones and returns them: the
/// only time they exist in readable form.
pub async fn replace_recovery_codes(
    conn: &mut PgConnection,
    account: Uuid,
) -> sqlx::Result<Vec<String>> {
    sqlx::query!("delete from recovery_code where account_id = $1", account)
        .execute(&mut *conn)
        .await?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    let hashes: Vec<Vec<u8>> = codes.iter().map(|c| recovery_hash(c)).collect();
    sqlx::query!(
        "insert into recovery_code (account_id, code_hash)
         select $1, h from unnest($2::bytea[]) as h",
        account,
        &hashes
    )
    .execute(&mut *conn)
    .await?;
    Ok(codes)
}

/// Uses up one recovery code; `false` if it is unknown or already used. Case, spaces and dashes
/// do not matter.
pub async fn use_recovery_code(
    conn: impl PgExecutor<'_>,
    account: Uuid,
    code: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update recovery_code set used_at = $3
         where account_id = $1 and code_hash = $2 and used_at is null",
        account,
        recovery_hash(code),
        now
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::account::tests::make_account;
    use sqlx::PgPool;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    /// RFC 6238 appendix B: SHA-1 key "12345678901234567890". The RFC lists 8-digit codes; the
    /// 6-digit code is their last six digits.
    const RFC_KEY: &[u8] = b"12345678901234567890";

    #[test]
    fn the_rfc_6238_test_vectors_hold() {
        for (time, eight_digits) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            let code = &eight_digits[2..];
            assert_eq!(
                matching_step(RFC_KEY, code, at(time)),
                Some(time / 30),
                "{time}"
            );
        }
    }

    #[test]
    fn one_step_of_drift_is_allowed_and_no_more() {
        let now = at(1_234_567_890);
        let code = "005924"; // valid in the step of `now`
        assert!(matching_step(RFC_KEY, code, now + chrono::Duration::seconds(30)).is_some());
        assert!(matching_step(RFC_KEY, code, now - chrono::Duration::seconds(30)).is_some());
        assert!(matching_step(RFC_KEY, code, now + chrono::Duration::seconds(90)).is_none());
        assert!(
            matching_step(RFC_KEY, "00592", now).is_none(),
            "five digits"
        );
        assert!(matching_step(RFC_KEY, "abcdef", now).is_none());
        assert_eq!(
            matching_step(RFC_KEY, "005 924", now),
            Some(1_234_567_890 / 30)
        );
    }

    #[test]
    fn the_secret_reads_as_base32_for_typing_and_as_an_otpauth_url() {
        assert_eq!(
            secret_for_typing(b"12345678901234567890"),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
        );
        let url = otpauth_url(RFC_KEY, "Riverbend Health", "maria@example.org").unwrap();
        assert!(
            url.starts_with("otpauth://totp/Riverbend%20Health:maria%40example.org?"),
            "{url}"
        );
        assert!(url.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
    }

    fn code_now(secret: &[u8], now: DateTime<Utc>) -> String {
        totp(secret, "x", "x")
            .unwrap()
            .generate(now.timestamp() as u64)
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn an_app_counts_only_after_its_first_code(pool: PgPool) -> sqlx::Result<()> {
        let account = make_account(&pool, "a@example.org").await;
        let now = at(1_800_000_000);
        let secret = begin_enrolment(&pool, account).await?;
        assert!(!has_second_factor(&pool, account).await?);
        let mut conn = pool.acquire().await?;
        assert!(
            !verify_code(&mut conn, account, &code_now(&secret, now), now).await?,
            "unconfirmed"
        );
        let right = code_now(&secret, now);
        let wrong: String = right
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i == 0 {
                    if c == '9' {
                        '0'
                    } else {
                        char::from(c as u8 + 1)
                    }
                } else {
                    c
                }
            })
            .collect();
        assert!(!confirm_enrolment(&mut conn, account, &wrong, now).await?);
        assert!(confirm_enrolment(&mut conn, account, &right, now).await?);
        assert!(has_second_factor(&pool, account).await?);
        // Starting again does not replace a confirmed app.
        begin_enrolment(&pool, account).await?;
        assert!(has_second_factor(&pool, account).await?);
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_code_works_once_and_older_codes_never_again(pool: PgPool) -> sqlx::Result<()> {
        let account = make_account(&pool, "a@example.org").await;
        let t0 = at(1_800_000_000);
        let secret = begin_enrolment(&pool, account).await?;
        let mut conn = pool.acquire().await?;
        assert!(confirm_enrolment(&mut conn, account, &code_now(&secret, t0), t0).await?);
        // The confirming code itself cannot be replayed.
        assert!(!verify_code(&mut conn, account, &code_now(&secret, t0), t0).await?);

        let t1 = t0 + chrono::Duration::seconds(60);
        let later = code_now(&secret, t1);
        assert!(verify_code(&mut conn, account, &later, t1).await?);
        assert!(
            !verify_code(&mut conn, account, &later, t1).await?,
            "replay"
        );
        let t2 = t1 + chrono::Duration::seconds(30);
        // The code from t1 is still within drift at t2, but it was used.
        assert!(!verify_code(&mut conn, account, &later, t2).await?);
        assert!(verify_code(&mut conn, account, &code_now(&secret, t2), t2).await?);
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn two_requests_racing_with_one_code_get_one_success(pool: PgPool) -> sqlx::Result<()> {
        let account = make_account(&pool, "a@example.org").await;
        let t0 = at(1_800_000_000);
        let secret = begin_enrolment(&pool, account).await?;
        let mut conn = pool.acquire().await?;
        assert!(confirm_enrolment(&mut conn, account, &code_now(&secret, t0), t0).await?);
        drop(conn);
        let t1 = t0 + chrono::Duration::seconds(60);
        let code = code_now(&secret, t1);
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (pool, code) = (pool.clone(), code.clone());
            tasks.push(tokio::spawn(async move {
                let mut conn = pool.acquire().await?;
                verify_code(&mut conn, account, &code, t1).await
            }));
        }
        let mut accepted = 0;
        for task in tasks {
            if task
                .await
                .map_err(|e| sqlx::Error::Protocol(e.to_string()))??
            {
                accepted += 1;
            }
        }
        assert_eq!(accepted, 1);
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn recovery_codes_are_stored_hashed_and_work_once(pool: PgPool) -> sqlx::Result<()> {
        let account = make_account(&pool, "a@example.org").await;
        let now = at(1_800_000_000);
        let mut conn = pool.acquire().await?;
        let codes = replace_recovery_codes(&mut conn, account).await?;
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert!(codes
            .iter()
            .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'));
        let stored: Vec<Vec<u8>> = sqlx::query_scalar!("select code_hash from recovery_code")
            .fetch_all(&pool)
            .await?;
        assert!(stored
            .iter()
            .all(|h| h.len() == 32 && !codes.iter().any(|c| c.as_bytes() == h.as_slice())));

        let first = codes[0].to_uppercase().replace('-', " ");
        assert!(
            use_recovery_code(&pool, account, &first, now).await?,
            "case and spacing do not matter"
        );
        assert!(
            !use_recovery_code(&pool, account, &codes[0], now).await?,
            "used once"
        );
        assert!(!use_recovery_code(&pool, account, "aaaaa-aaaaa", now).await?);

        let other = make_account(&pool, "b@example.org").await;
        assert!(
            !use_recovery_code(&pool, other, &codes[1], now).await?,
            "not another account's"
        );
        // New codes replace the old ones.
        let fresh = replace_recovery_codes(&mut conn, account).await?;
        assert!(!use_recovery_code(&pool, account, &codes[1], now).await?);
        assert!(use_recovery_code(&pool, account, &fresh[1], now).await?);
        Ok(())
    }
}
