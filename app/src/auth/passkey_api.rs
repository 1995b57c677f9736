//! Passkeys as server functions: registering one to your own account, listing and removing
//! yours, and signing in with one.
//!
//! Rules: adding a passkey is like setting up an authenticator app — it ends the account's other
//! sessions and gives this one a new token (so every session of an account with a second factor
//! has passed one), and an account's first second factor comes with recovery codes, shown once;
//! staff cannot remove their last second factor; signing in with a passkey replaces whatever
//! session the browser had with a new one, is limited per client address and per account like
//! passwords, and is audited whether or not it succeeds.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A challenge for the browser: the WebAuthn options as JSON, and the ceremony to answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyChallenge {
    pub ceremony: String,
    pub options: String,
}

/// One of the caller's passkeys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyEntry {
    pub passkey_id: String,
    pub name: String,
    pub created: String,
    pub last_used: Option<String>,
}

/// The caller's passkeys, and whether removing one is allowed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyOverview {
    pub passkeys: Vec<PasskeyEntry>,
    /// Staff without an authenticator app must keep at least one passkey.
    pub last_one_required: bool,
}

/// What the second step of signing in can take for the account that just gave its password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondStepChoices {
    pub app: bool,
    pub passkey: bool,
}

#[cfg(feature = "ssr")]
const FAILURES_PER_ACCOUNT: i64 = 10;

#[cfg(feature = "ssr")]
fn refused(e: super::passkey::PasskeyError) -> AppError {
    use super::passkey::{PasskeyError, Refusal};
    match e {
        PasskeyError::Refused(Refusal::Expired) => AppError::Conflict("passkey_expired".into()),
        PasskeyError::Refused(_) => AppError::Conflict("passkey_refused".into()),
        PasskeyError::Database(e) => e.into(),
        PasskeyError::Webauthn(e) => {
            tracing::error!(error = %e, "webauthn failed");
            AppError::Internal
        }
    }
}

#[cfg(feature = "ssr")]
fn ceremony_id(ceremony: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(ceremony.trim()).map_err(|_| AppError::Conflict("passkey_expired".into()))
}

/// The caller's own passkeys. Only a signed-in caller, about themself.
#[server]
pub async fn my_passkeys() -> Result<PasskeyOverview, AppError> {
    crate::error::with_status(my_passkeys_inner().await)
}

#[cfg(feature = "ssr")]
async fn my_passkeys_inner() -> Result<PasskeyOverview, AppError> {
    use super::{passkey, second_factor, server};
    let caller = server::require_user().await?;
    let me = caller.account.account_id;
    let pool = crate::state::db()?;
    let rows = passkey::list(&pool, me).await?;
    let app = second_factor::has_authenticator_app(&pool, me).await?;
    Ok(PasskeyOverview {
        last_one_required: !caller.roles.is_empty() && !app && rows.len() == 1,
        passkeys: rows
            .into_iter()
            .map(|p| PasskeyEntry {
                passkey_id: p.passkey_id.to_string(),
                name: p.name,
                created: p.created_at.format("%Y-%m-%d").to_string(),
                last_used: p
                    .last_used_at
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
            })
            .collect(),
    })
}

/// Starts adding a passkey to the caller's own account. Only a signed-in caller; limited per
/// client address.
#[server]
pub async fn start_passkey_registration() -> Result<PasskeyChallenge, AppError> {
    crate::error::with_status(start_passkey_registration_inner().await)
}

#[cfg(feature = "ssr")]
async fn start_passkey_registration_inner() -> Result<PasskeyChallenge, AppError> {
    use super::{passkey, server};
    let caller = server::require_user().await?;
    server::limit_client("passkey_register", None).await?;
    let pool = crate::state::db()?;
    let rp = passkey::relying_party(&*crate::state::config()?).map_err(refused)?;
    let mut conn = pool.acquire().await?;
    let (ceremony, options) =
        passkey::begin_registration(&mut conn, &rp, &caller.account, chrono::Utc::now())
            .await
            .map_err(refused)?;
    Ok(PasskeyChallenge {
        ceremony: ceremony.to_string(),
        options,
    })
}

/// Finishes adding a passkey with the browser's answer, names it, ends the account's other
/// sessions and gives this one a new token; returns where to go next (the recovery codes when
/// this is the account's first second factor). Only the signed-in caller who started it.
#[server]
pub async fn finish_passkey_registration(
    ceremony: String,
    name: String,
    credential: String,
) -> Result<String, AppError> {
    crate::error::with_status(finish_passkey_registration_inner(ceremony, name, credential).await)
}

#[cfg(feature = "ssr")]
async fn finish_passkey_registration_inner(
    ceremony: String,
    name: String,
    credential: String,
) -> Result<String, AppError> {
    use super::{passkey, second_factor, server, two_factor};
    use crate::audit::{self, AuditEvent, Outcome};

    let now = chrono::Utc::now();
    let caller = server::require_user().await?;
    let me = caller.account.account_id;
    let ceremony = ceremony_id(&ceremony)?;
    let pool = crate::state::db()?;
    let config = crate::state::config()?;
    let client = server::current_client();
    let rp = passkey::relying_party(&config).map_err(refused)?;
    let state = passkey::take_ceremony(&pool, ceremony, "register", Some(me), now)
        .await
        .map_err(refused)?;
    let mut tx = pool.begin().await?;
    let first = !second_factor::has_second_factor(&mut *tx, me).await?;
    let passkey_id =
        match passkey::finish_registration(&mut tx, &rp, me, state, &name, &credential).await {
            Ok(id) => id,
            Err(e) => {
                tx.rollback().await?;
                let event = AuditEvent::new("second_factor.passkey_add", Outcome::Failure)
                    .by(me)
                    .from_client(client.ip, client.user_agent.as_deref());
                audit::record(&pool, &event).await?;
                return Err(refused(e));
            }
        };
    let codes = if first && second_factor::recovery_codes_left(&mut *tx, me).await? == 0 {
        Some(second_factor::replace_recovery_codes(&mut tx, me).await?)
    } else {
        None
    };
    let (session_id, token) = server::restart_sessions(&mut tx, &caller, &client, now).await?;
    let event = AuditEvent::new("second_factor.passkey_add", Outcome::Success)
        .by(me)
        .on("passkey", passkey_id)
        .from_client(client.ip, client.user_agent.as_deref());
    audit::record(&mut *tx, &event).await?;
    tx.commit().await?;
    server::set_cookie(&server::session_cookie(&token, config.secure_cookies));
    tracing::info!(account_id = %me, %session_id, "passkey added");
    Ok(match codes {
        Some(codes) => {
            server::set_cookie(&two_factor::codes_cookie(Some(&codes)));
            "/account/two-factor".to_string()
        }
        None => "/account/passkeys?added=1".to_string(),
    })
}

/// Removes one of the caller's own passkeys. Only a signed-in caller, only their own (another
/// account's passkey is simply not found); staff cannot remove their last second factor.
#[server]
pub async fn remove_passkey(passkey_id: String) -> Result<(), AppError> {
    crate::error::with_status(remove_passkey_inner(passkey_id).await)
}

#[cfg(feature = "ssr")]
async fn remove_passkey_inner(passkey_id: String) -> Result<(), AppError> {
    use super::{passkey, second_factor, server};
    use crate::audit::{self, AuditEvent, Outcome};
    let caller = server::require_user().await?;
    let me = caller.account.account_id;
    let passkey_id = uuid::Uuid::parse_str(passkey_id.trim()).map_err(|_| AppError::NotFound)?;
    let pool = crate::state::db()?;
    let client = server::current_client();
    let mut tx = pool.begin().await?;
    // Serialise with other changes to this account's factors, so two removals cannot both pass
    // the "not the last one" check.
    sqlx::query!(
        "select account_id from account where account_id = $1 for update",
        me
    )
    .fetch_one(&mut *tx)
    .await?;
    if !passkey::remove(&mut *tx, me, passkey_id).await? {
        return Err(AppError::NotFound);
    }
    if !caller.roles.is_empty() && !second_factor::has_second_factor(&mut *tx, me).await? {
        tx.rollback().await?;
        return Err(AppError::Conflict("last_second_factor".into()));
    }
    let event = AuditEvent::new("second_factor.passkey_remove", Outcome::Success)
        .by(me)
        .on("passkey", passkey_id)
        .from_client(client.ip, client.user_agent.as_deref());
    audit::record(&mut *tx, &event).await?;
    tx.commit().await?;
    leptos_axum::redirect("/account/passkeys?removed=1");
    Ok(())
}

/// Starts signing in with a passkey. Anyone may call it; limited per client address.
#[server]
pub async fn start_passkey_sign_in() -> Result<PasskeyChallenge, AppError> {
    crate::error::with_status(start_passkey_sign_in_inner().await)
}

#[cfg(feature = "ssr")]
async fn start_passkey_sign_in_inner() -> Result<PasskeyChallenge, AppError> {
    use super::{passkey, server};
    server::limit_client("passkey_sign_in", None).await?;
    let pool = crate::state::db()?;
    let rp = passkey::relying_party(&*crate::state::config()?).map_err(refused)?;
    let (ceremony, options) = passkey::begin_sign_in(&pool, &rp, chrono::Utc::now())
        .await
        .map_err(refused)?;
    Ok(PasskeyChallenge {
        ceremony: ceremony.to_string(),
        options,
    })
}

/// Finishes signing in with the browser's answer to a passkey challenge and returns where to
/// go next. Anyone may call it (the passkey is the proof); limited per client address and per
/// account, and every attempt is audited.
#[server]
pub async fn finish_passkey_sign_in(
    ceremony: String,
    credential: String,
) -> Result<String, AppError> {
    crate::error::with_status(finish_passkey_sign_in_inner(ceremony, credential).await)
}

#[cfg(feature = "ssr")]
async fn finish_passkey_sign_in_inner(
    ceremony: String,
    credential: String,
) -> Result<String, AppError> {
    use super::{account, passkey, server, session};
    use crate::audit::{self, AuditEvent, Outcome};

    let now = chrono::Utc::now();
    let pool = crate::state::db()?;
    let config = crate::state::config()?;
    let client = server::current_client();
    server::limit_client("passkey_sign_in", None).await?;
    let ceremony = ceremony_id(&ceremony)?;
    let rp = passkey::relying_party(&config).map_err(refused)?;
    let claimed = passkey::claimed_account(&rp, &credential);
    if let Some(claimed) = claimed {
        let since = now - chrono::Duration::minutes(15);
        if server::recent_failures(&pool, claimed, "session.passkey", since).await?
            >= FAILURES_PER_ACCOUNT
        {
            return Err(AppError::RateLimited);
        }
    }
    let state = passkey::take_ceremony(&pool, ceremony, "sign_in", None, now)
        .await
        .map_err(refused)?;
    let previous = server::lookup_session(now).await?;
    let mut tx = pool.begin().await?;
    let me = match passkey::finish_sign_in(&mut tx, &rp, state, &credential, now).await {
        Ok(me) => me,
        Err(e) => {
            tx.rollback().await?;
            // Only an account that exists can be named as the actor.
            let actor = match claimed {
                Some(id) => account::find_account(&pool, id)
                    .await?
                    .map(|a| a.account_id),
                None => None,
            };
            let mut event = AuditEvent::new("session.passkey", Outcome::Failure)
                .from_client(client.ip, client.user_agent.as_deref());
            if let Some(actor) = actor {
                event = event.by(actor);
            }
            audit::record(&pool, &event).await?;
            return Err(refused(e));
        }
    };
    if let Some(previous) = previous {
        session::end_session(
            &mut *tx,
            previous.account.account_id,
            previous.session.session_id,
            now,
        )
        .await?;
    }
    let roles = account::roles_of(&mut *tx, me).await?;
    let (session_id, token) = session::start_session(
        &mut *tx,
        me,
        server::idle_timeout(&roles, &config),
        &client,
        now,
    )
    .await?;
    for action in ["session.passkey", "session.sign_in"] {
        let event = AuditEvent::new(action, Outcome::Success)
            .by(me)
            .on("session", session_id)
            .from_client(client.ip, client.user_agent.as_deref());
        audit::record(&mut *tx, &event).await?;
    }
    tx.commit().await?;
    server::set_cookie(&server::session_cookie(&token, config.secure_cookies));
    tracing::info!(account_id = %me, "signed in with a passkey");
    Ok("/account".to_string())
}

/// What the code step can take for the account whose password was just accepted. Only the
/// holder of a session that gave the right password and awaits its second factor.
#[server]
pub async fn second_step() -> Result<SecondStepChoices, AppError> {
    crate::error::with_status(second_step_inner().await)
}

#[cfg(feature = "ssr")]
async fn second_step_inner() -> Result<SecondStepChoices, AppError> {
    use super::{passkey, second_factor, server};
    let caller = server::require_awaiting_second_factor(chrono::Utc::now()).await?;
    let me = caller.account.account_id;
    let pool = crate::state::db()?;
    Ok(SecondStepChoices {
        app: second_factor::has_authenticator_app(&pool, me).await?,
        passkey: passkey::count(&pool, me).await? > 0,
    })
}
