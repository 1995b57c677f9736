//! Passkeys (WebAuthn, through webauthn-rs): registering one to a signed-in account, signing in
//! with one without typing anything, and the ceremonies in between.
//!
//! Invariants: every passkey is discoverable and made with user verification (the device's PIN
//! or biometric), so signing in with it proves possession and the person, and it counts as a
//! second factor; a ceremony's challenge is answered at most once, within five minutes, and a
//! registration only by the account that started it; the signature counter only moves forward
//! (a cloned authenticator that replays an old counter is refused by webauthn-rs); the relying
//! party is the portal's public origin (`PUBLIC_URL`), or `localhost` in development, because
//! browsers refuse an IP address as a relying party.

use crate::config::Config;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgExecutor};
use url::Url;
use uuid::Uuid;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, DiscoverableKey, Passkey, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Webauthn, WebauthnBuilder,
};

/// How long a browser has to answer a challenge.
pub const CEREMONY_MINUTES: i64 = 5;
/// Longest name a person can give a passkey.
pub const NAME_MAX_CHARS: usize = 60;

/// Why a passkey answer was not accepted. None of these says which account was involved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The challenge is unknown, used, expired or belongs to someone else.
    Expired,
    /// The answer is malformed or its signature, origin or counter is wrong.
    Invalid,
    /// The passkey is not (or no longer) registered here.
    Unknown,
}

#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    #[error("passkey refused: {0:?}")]
    Refused(Refusal),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("webauthn: {0}")]
    Webauthn(String),
}

impl From<webauthn_rs::prelude::WebauthnError> for PasskeyError {
    fn from(e: webauthn_rs::prelude::WebauthnError) -> Self {
        PasskeyError::Webauthn(e.to_string())
    }
}

impl From<serde_json::Error> for PasskeyError {
    fn from(e: serde_json::Error) -> Self {
        PasskeyError::Webauthn(e.to_string())
    }
}

/// The origin browsers will report in passkey ceremonies.
pub fn origin(config: &Config) -> Option<Url> {
    match &config.public_url {
        Some(url) => Url::parse(&url.origin().ascii_serialization()).ok(),
        None => {
            let addr =
                std::env::var("LEPTOS_SITE_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
            let port = addr.rsplit(':').next().unwrap_or("3000");
            Url::parse(&format!("http://localhost:{port}")).ok()
        }
    }
}

/// The relying party for this deployment.
pub fn relying_party(config: &Config) -> Result<Webauthn, PasskeyError> {
    let origin = origin(config).ok_or_else(|| PasskeyError::Webauthn("no origin".into()))?;
    let rp_id = origin
        .host_str()
        .ok_or_else(|| PasskeyError::Webauthn("origin has no host".into()))?
        .to_string();
    Ok(WebauthnBuilder::new(&rp_id, &origin)?
        .rp_name(crate::organisation::PRODUCT_NAME)
        // Development serves on whatever port LEPTOS_SITE_ADDR says; production has one origin.
        .allow_any_port(config.public_url.is_none())
        .build()?)
}

/// A passkey as its owner sees it.
#[derive(Debug, Clone)]
pub struct PasskeyRow {
    pub passkey_id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// The account's passkeys, newest first.
pub async fn list(conn: impl PgExecutor<'_>, account: Uuid) -> sqlx::Result<Vec<PasskeyRow>> {
    sqlx::query_as!(
        PasskeyRow,
        "select passkey_id, name, created_at, last_used_at from passkey
         where account_id = $1 order by created_at desc",
        account
    )
    .fetch_all(conn)
    .await
}

/// How many passkeys the account has.
pub async fn count(conn: impl PgExecutor<'_>, account: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from passkey where account_id = $1"#,
        account
    )
    .fetch_one(conn)
    .await
}

/// Removes one of the account's passkeys; false when it has no such passkey.
pub async fn remove(conn: impl PgExecutor<'_>, account: Uuid, passkey: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "delete from passkey where account_id = $1 and passkey_id = $2",
        account,
        passkey
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes ceremonies nobody answered in time (daily housekeeping).
pub async fn purge_expired_ceremonies(conn: impl PgExecutor<'_>) -> sqlx::Result<u64> {
    let done = sqlx::query!("delete from webauthn_ceremony where expires_at < now()")
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

async fn store_ceremony(
    conn: impl PgExecutor<'_>,
    purpose: &str,
    account: Option<Uuid>,
    state: Value,
    now: DateTime<Utc>,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "insert into webauthn_ceremony (purpose, account_id, state, expires_at)
         values ($1, $2, $3, $4) returning ceremony_id",
        purpose,
        account,
        state,
        now + Duration::minutes(CEREMONY_MINUTES)
    )
    .fetch_one(conn)
    .await
}

/// Takes a live ceremony out of the table: whoever answers it, it cannot be answered again.
/// Call it outside the transaction that checks the answer, so a refused answer, whose
/// transaction rolls back, still uses the challenge up.
pub async fn take_ceremony(
    conn: impl PgExecutor<'_>,
    ceremony: Uuid,
    purpose: &str,
    account: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Value, PasskeyError> {
    let state = sqlx::query_scalar!(
        "delete from webauthn_ceremony
         where ceremony_id = $1 and purpose = $2 and account_id is not distinct from $3
               and expires_at > $4
         returning state",
        ceremony,
        purpose,
        account,
        now
    )
    .fetch_optional(conn)
    .await?;
    state.ok_or(PasskeyError::Refused(Refusal::Expired))
}

/// Starts registering a passkey for `account`: the options for `navigator.credentials.create`
/// (as JSON) and the ceremony that must come back with the answer.
pub async fn begin_registration(
    conn: &mut PgConnection,
    rp: &Webauthn,
    account: &super::account::Account,
    now: DateTime<Utc>,
) -> Result<(Uuid, String), PasskeyError> {
    let existing = sqlx::query_scalar!(
        "select credential_id from passkey where account_id = $1",
        account.account_id
    )
    .fetch_all(&mut *conn)
    .await?;
    let exclude = existing.into_iter().map(Into::into).collect::<Vec<_>>();
    let (challenge, state) = rp.start_passkey_registration(
        account.account_id,
        &account.email,
        &account.display_name,
        Some(exclude),
    )?;
    let mut options = serde_json::to_value(&challenge)?;
    // A passkey must be discoverable so that it can sign in without a typed email.
    if let Some(selection) = options
        .pointer_mut("/publicKey/authenticatorSelection")
        .and_then(Value::as_object_mut)
    {
        selection.insert("residentKey".into(), "required".into());
        selection.insert("requireResidentKey".into(), true.into());
    }
    let ceremony = store_ceremony(
        &mut *conn,
        "register",
        Some(account.account_id),
        serde_json::to_value(&state)?,
        now,
    )
    .await?;
    Ok((ceremony, options.to_string()))
}

/// A name for a passkey: what the person typed, trimmed and shortened, or a numbered default.
pub fn passkey_name(typed: &str, existing: i64) -> String {
    let typed: String = typed
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .chars()
        .take(NAME_MAX_CHARS)
        .collect();
    if typed.is_empty() {
        format!("Passkey {}", existing + 1)
    } else {
        typed
    }
}

/// Finishes a registration `account` started, storing the new passkey under `name`.
/// `state` is what [`take_ceremony`] returned for the account's `register` ceremony.
pub async fn finish_registration(
    conn: &mut PgConnection,
    rp: &Webauthn,
    account: Uuid,
    state: Value,
    name: &str,
    answer: &str,
) -> Result<Uuid, PasskeyError> {
    let state: PasskeyRegistration = serde_json::from_value(state)?;
    let answer: RegisterPublicKeyCredential =
        serde_json::from_str(answer).map_err(|_| PasskeyError::Refused(Refusal::Invalid))?;
    let passkey = rp
        .finish_passkey_registration(&answer, &state)
        .map_err(|_| PasskeyError::Refused(Refusal::Invalid))?;
    let existing = count(&mut *conn, account).await?;
    let id = sqlx::query_scalar!(
        "insert into passkey (account_id, credential_id, name, credential)
         values ($1, $2, $3, $4)
         on conflict (credential_id) do nothing
         returning passkey_id",
        account,
        passkey.cred_id().as_slice(),
        passkey_name(name, existing),
        serde_json::to_value(&passkey)?
    )
    .fetch_optional(&mut *conn)
    .await?;
    // The same authenticator registered twice (exclusion is the browser's job, not a guarantee).
    id.ok_or(PasskeyError::Refused(Refusal::Invalid))
}

/// Starts a sign-in with any passkey: the options for `navigator.credentials.get` (as JSON).
pub async fn begin_sign_in(
    conn: impl PgExecutor<'_>,
    rp: &Webauthn,
    now: DateTime<Utc>,
) -> Result<(Uuid, String), PasskeyError> {
    let (challenge, state) = rp.start_discoverable_authentication()?;
    let mut options = serde_json::to_value(&challenge)?;
    // webauthn-rs asks for conditional (autofill) mediation; this portal asks from a button.
    if let Some(o) = options.as_object_mut() {
        o.remove("mediation");
    }
    let ceremony =
        store_ceremony(conn, "sign_in", None, serde_json::to_value(&state)?, now).await?;
    Ok((ceremony, options.to_string()))
}

/// The account a sign-in answer claims, if it can be read (for counting failures).
pub fn claimed_account(rp: &Webauthn, answer: &str) -> Option<Uuid> {
    let answer: PublicKeyCredential = serde_json::from_str(answer).ok()?;
    rp.identify_discoverable_authentication(&answer)
        .ok()
        .map(|(account, _)| account)
}

/// Checks a sign-in answer and returns the account whose passkey signed it. `state` is what
/// [`take_ceremony`] returned for a `sign_in` ceremony.
pub async fn finish_sign_in(
    conn: &mut PgConnection,
    rp: &Webauthn,
    state: Value,
    answer: &str,
    now: DateTime<Utc>,
) -> Result<Uuid, PasskeyError> {
    let state: DiscoverableAuthentication = serde_json::from_value(state)?;
    let answer: PublicKeyCredential =
        serde_json::from_str(answer).map_err(|_| PasskeyError::Refused(Refusal::Invalid))?;
    let (account, credential_id) = rp
        .identify_discoverable_authentication(&answer)
        .map_err(|_| PasskeyError::Refused(Refusal::Invalid))?;
    let row = sqlx::query!(
        "select p.passkey_id, p.credential from passkey p join account a using (account_id)
         where p.account_id = $1 and p.credential_id = $2 and a.disabled_at is null
         for update of p",
        account,
        credential_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(PasskeyError::Refused(Refusal::Unknown))?;
    let mut passkey: Passkey = serde_json::from_value(row.credential)?;
    let result = rp
        .finish_discoverable_authentication(&answer, state, &[DiscoverableKey::from(&passkey)])
        .map_err(|_| PasskeyError::Refused(Refusal::Invalid))?;
    let changed = passkey.update_credential(&result).unwrap_or(false);
    sqlx::query!(
        "update passkey set last_used_at = $2,
                credential = case when $3 then $4 else credential end
         where passkey_id = $1",
        row.passkey_id,
        now,
        changed,
        serde_json::to_value(&passkey)?
    )
    .execute(&mut *conn)
    .await?;
    Ok(account)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::PgPool;

    fn config(public_url: Option<&str>) -> Config {
        Config::from_lookup(|name| match name {
            "DATABASE_URL" => Some("postgres://localhost/x".into()),
            "PUBLIC_URL" => public_url.map(str::to_string),
            _ => None,
        })
        .expect("config")
    }

    #[test]
    fn the_relying_party_is_the_public_host_or_localhost() {
        let c = config(Some("https://portal.example.org/some/path"));
        assert_eq!(
            origin(&c).map(|u| u.to_string()),
            Some("https://portal.example.org/".into())
        );
        assert!(relying_party(&c).is_ok());
        let dev = config(None);
        assert_eq!(
            origin(&dev).and_then(|u| u.host_str().map(str::to_string)),
            Some("localhost".into())
        );
        assert!(relying_party(&dev).is_ok());
    }

    #[test]
    fn a_name_is_trimmed_shortened_and_defaulted() {
        assert_eq!(passkey_name("  Maria's phone \n", 0), "Maria's phone");
        assert_eq!(passkey_name("", 2), "Passkey 3");
        assert_eq!(passkey_name("\u{7}", 0), "Passkey 1");
        assert_eq!(
            passkey_name(&"x".repeat(200), 0).chars().count(),
            NAME_MAX_CHARS
        );
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_sign_in_challenge_is_discoverable_and_answered_once(
        pool: PgPool,
    ) -> Result<(), PasskeyError> {
        let rp = relying_party(&config(None))?;
        let now = Utc::now();
        let (ceremony, options) = begin_sign_in(&pool, &rp, now).await?;
        let options: Value = serde_json::from_str(&options)?;
        assert!(options.get("mediation").is_none());
        assert_eq!(options["publicKey"]["userVerification"], "required");
        assert_eq!(
            options["publicKey"]["allowCredentials"]
                .as_array()
                .map(Vec::len)
                .unwrap_or(0),
            0,
            "any passkey of this site may answer"
        );
        let mut conn = pool.acquire().await?;
        let state = take_ceremony(&pool, ceremony, "sign_in", None, now).await?;
        let first = finish_sign_in(&mut conn, &rp, state, "{}", now).await;
        assert!(matches!(
            first,
            Err(PasskeyError::Refused(Refusal::Invalid))
        ));
        let again = take_ceremony(&pool, ceremony, "sign_in", None, now).await;
        assert!(matches!(
            again,
            Err(PasskeyError::Refused(Refusal::Expired))
        ));
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_challenge_lapses_and_a_registration_belongs_to_its_account(
        pool: PgPool,
    ) -> Result<(), PasskeyError> {
        let rp = relying_party(&config(None))?;
        let now = Utc::now();
        let id = crate::auth::account::tests::make_account(&pool, "pk@example.org").await;
        let account = crate::auth::account::find_account(&pool, id)
            .await?
            .expect("account");
        let mut conn = pool.acquire().await?;
        let (ceremony, options) = begin_registration(&mut conn, &rp, &account, now).await?;
        let options: Value = serde_json::from_str(&options)?;
        assert_eq!(
            options["publicKey"]["authenticatorSelection"]["residentKey"],
            "required"
        );
        assert_eq!(options["publicKey"]["rp"]["id"], "localhost");
        let stranger = Uuid::new_v4();
        let other = take_ceremony(&pool, ceremony, "register", Some(stranger), now).await;
        assert!(matches!(
            other,
            Err(PasskeyError::Refused(Refusal::Expired))
        ));
        let wrong_kind = take_ceremony(&pool, ceremony, "sign_in", None, now).await;
        assert!(matches!(
            wrong_kind,
            Err(PasskeyError::Refused(Refusal::Expired))
        ));
        let late = now + Duration::minutes(CEREMONY_MINUTES + 1);
        let lapsed =
            take_ceremony(&pool, ceremony, "register", Some(account.account_id), late).await;
        assert!(matches!(
            lapsed,
            Err(PasskeyError::Refused(Refusal::Expired))
        ));
        let state =
            take_ceremony(&pool, ceremony, "register", Some(account.account_id), now).await?;
        let malformed =
            finish_registration(&mut conn, &rp, account.account_id, state, "", "{}").await;
        assert!(matches!(
            malformed,
            Err(PasskeyError::Refused(Refusal::Invalid))
        ));
        assert_eq!(
            purge_expired_ceremonies(&pool).await?,
            0,
            "not yet in real time"
        );
        Ok(())
    }
}
