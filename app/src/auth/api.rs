//! Sign-in, sign-out and "who am I", as server functions (public HTTP endpoints).

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the portal shows about the signed-in person: never the password hash or anything else
/// the server alone should see.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub display_name: String,
    /// The address the person signs in with (their own; shown on the account page).
    pub email: String,
    /// Role names (`staff`, `administrator`, ...); empty for patients and proxies.
    pub roles: Vec<String>,
    /// Seconds until the session ends if nothing else happens, for the idle warning.
    pub idle_seconds_left: i64,
    /// Whom the person is acting for (their own name, a child's, or another person's), when
    /// their account reaches any patient record.
    pub acting_for: Option<String>,
    /// How many people's records the account reaches (the switcher shows when more than one).
    pub people: usize,
}

/// Failed sign-ins per account in [`FAILURE_WINDOW_MINUTES`] before it must wait.
#[cfg(feature = "ssr")]
const FAILURES_PER_ACCOUNT: i64 = 10;
#[cfg(feature = "ssr")]
const FAILURE_WINDOW_MINUTES: i64 = 15;

/// Signs in with email and password and starts a session. Anyone may call it; it is limited
/// per client address and per account, answers a wrong password and an unknown email with the
/// same error, and records every attempt in the audit log.
#[server]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    crate::error::with_status(sign_in_inner(email, password).await)
}

#[cfg(feature = "ssr")]
async fn sign_in_inner(email: String, password: String) -> Result<(), AppError> {
    use super::{account, password as pw, server, session};
    use crate::audit::{self, AuditEvent, Outcome};
    use chrono::{Duration, Utc};
    use secrecy::SecretString;

    let now = Utc::now();
    let pool = crate::state::db()?;
    let config = crate::state::config()?;
    let client = server::current_client();
    let ip_key = server::ip_rate_key("sign_in", &client);
    if !server::within_rate_limit(&pool, &ip_key, config.rate_limit_per_ip_per_minute, now).await? {
        return Err(AppError::RateLimited);
    }
    let email = email.trim().to_string();
    if email.is_empty() || password.is_empty() {
        let mut fields = std::collections::BTreeMap::new();
        if email.is_empty() {
            fields.insert("email".into(), "Enter your email address".into());
        }
        if password.is_empty() {
            fields.insert("password".into(), "Enter your password".into());
        }
        return Err(AppError::Validation(fields));
    }

    let found = account::find_account_by_email(&pool, &email).await?;
    if let Some(acc) = &found {
        let since = now - Duration::minutes(FAILURE_WINDOW_MINUTES);
        if server::recent_sign_in_failures(&pool, acc.account_id, since).await?
            >= FAILURES_PER_ACCOUNT
        {
            let event = AuditEvent::new("session.sign_in", Outcome::Denied)
                .by(acc.account_id)
                .from_client(client.ip, client.user_agent.as_deref());
            audit::record(&pool, &event).await?;
            return Err(AppError::RateLimited);
        }
    }
    let password = SecretString::from(password);
    let matches =
        pw::verify_password(password, found.as_ref().map(|a| a.password_hash.clone())).await?;
    let failed_account = found.as_ref().map(|a| a.account_id);
    let usable = found.filter(|a| matches && !a.disabled);

    let Some(acc) = usable else {
        // Unknown email, wrong password and disabled account look the same from outside.
        let mut event = AuditEvent::new("session.sign_in", Outcome::Failure)
            .from_client(client.ip, client.user_agent.as_deref());
        if let Some(id) = failed_account {
            event = event.by(id);
        }
        audit::record(&pool, &event).await?;
        // A form posted without JavaScript comes back empty; this brings the email back (never
        // the password) without putting it in the address.
        set_cookie(&server::remembered_email_cookie(Some(&email)));
        return Err(AppError::Conflict(
            "That email and password do not match an account. Check both and try again, or reset your password."
                .into(),
        ));
    };

    if !acc.email_verified {
        // Only someone who knows the password learns this; a fresh link goes to the address.
        super::enrol::resend_verification(&pool, &acc, now).await?;
        let event = AuditEvent::new("session.sign_in", Outcome::Denied)
            .by(acc.account_id)
            .from_client(client.ip, client.user_agent.as_deref());
        audit::record(&pool, &event).await?;
        set_cookie(&server::remembered_email_cookie(Some(&email)));
        return Err(AppError::Conflict("email_unverified".into()));
    }

    let roles = account::roles_of(&pool, acc.account_id).await?;
    let has_second_factor = super::second_factor::has_second_factor(&pool, acc.account_id).await?;
    let mut tx = pool.begin().await?;
    let (session_id, token) = if has_second_factor {
        // The password was right; the session counts only once the code is too.
        session::start_awaiting_second_factor(
            &mut *tx,
            acc.account_id,
            Duration::minutes(super::two_factor::CODE_STEP_MINUTES),
            &client,
            now,
        )
        .await?
    } else {
        session::start_session(
            &mut *tx,
            acc.account_id,
            server::idle_timeout(&roles, &config),
            &client,
            now,
        )
        .await?
    };
    let action = if has_second_factor {
        "session.password"
    } else {
        "session.sign_in"
    };
    let event = AuditEvent::new(action, Outcome::Success)
        .by(acc.account_id)
        .on("session", session_id)
        .from_client(client.ip, client.user_agent.as_deref());
    audit::record(&mut *tx, &event).await?;
    tx.commit().await?;

    set_cookie(&server::session_cookie(&token, config.secure_cookies));
    set_cookie(&server::remembered_email_cookie(None));
    tracing::info!(account_id = %acc.account_id, has_second_factor, "password accepted");
    leptos_axum::redirect(if has_second_factor {
        "/sign-in/code"
    } else if !roles.is_empty() {
        // Staff pages stay closed until a second factor is set up: go straight there.
        "/account/two-factor"
    } else {
        "/account"
    });
    Ok(())
}

/// Ends the caller's session and clears the cookie. Anyone may call it; without a session it
/// only clears the cookie.
#[server]
pub async fn sign_out() -> Result<(), AppError> {
    crate::error::with_status(sign_out_inner().await)
}

#[cfg(feature = "ssr")]
async fn sign_out_inner() -> Result<(), AppError> {
    use super::{server, session};
    use crate::audit::{self, AuditEvent, Outcome};
    use chrono::Utc;

    let now = Utc::now();
    let config = crate::state::config()?;
    if let Some(caller) = server::current_caller(now).await? {
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        session::end_session(
            &mut *tx,
            caller.account.account_id,
            caller.session.session_id,
            now,
        )
        .await?;
        let client = server::current_client();
        let event = AuditEvent::new("session.sign_out", Outcome::Success)
            .by(caller.account.account_id)
            .on("session", caller.session.session_id)
            .from_client(client.ip, client.user_agent.as_deref());
        audit::record(&mut *tx, &event).await?;
        tx.commit().await?;
    }
    set_cookie(&server::clearing_cookie(config.secure_cookies));
    leptos_axum::redirect("/");
    Ok(())
}

/// One of the caller's own live sessions, as the account page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub session_id: String,
    pub current: bool,
    /// Browser and system, e.g. ("Firefox", "Android"), when the user agent says.
    pub device: Option<(String, String)>,
    /// UTC, `YYYY-MM-DD HH:MM`.
    pub last_seen: String,
}

/// The caller's own live sessions, this one first. Only a signed-in caller, about themself.
#[server]
pub async fn list_my_sessions() -> Result<Vec<SessionView>, AppError> {
    crate::error::with_status(list_my_sessions_inner().await)
}

#[cfg(feature = "ssr")]
async fn list_my_sessions_inner() -> Result<Vec<SessionView>, AppError> {
    let caller = super::server::require_user().await?;
    let pool = crate::state::db()?;
    let mut sessions =
        super::session::list_sessions(&pool, caller.account.account_id, chrono::Utc::now()).await?;
    sessions.sort_by_key(|s| s.session_id != caller.session.session_id);
    Ok(sessions
        .into_iter()
        .map(|s| SessionView {
            session_id: s.session_id.to_string(),
            current: s.session_id == caller.session.session_id,
            device: s.user_agent.as_deref().and_then(super::device::describe),
            last_seen: s.last_seen_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        })
        .collect())
}

/// Ends one of the caller's own sessions (a lost phone, a shared computer). Only a signed-in
/// caller, and only their own sessions: another account's session id is simply not found.
#[server]
pub async fn end_my_session(session_id: String) -> Result<(), AppError> {
    crate::error::with_status(end_my_session_inner(session_id).await)
}

#[cfg(feature = "ssr")]
async fn end_my_session_inner(session_id: String) -> Result<(), AppError> {
    use crate::audit::{self, AuditEvent, Outcome};
    let caller = super::server::require_user().await?;
    let session_id = uuid::Uuid::parse_str(session_id.trim()).map_err(|_| AppError::NotFound)?;
    let pool = crate::state::db()?;
    let mut tx = pool.begin().await?;
    let now = chrono::Utc::now();
    if !super::session::end_session(&mut *tx, caller.account.account_id, session_id, now).await? {
        return Err(AppError::NotFound);
    }
    let client = super::server::current_client();
    let event = AuditEvent::new("session.end", Outcome::Success)
        .by(caller.account.account_id)
        .on("session", session_id)
        .from_client(client.ip, client.user_agent.as_deref());
    audit::record(&mut *tx, &event).await?;
    tx.commit().await?;
    if session_id == caller.session.session_id {
        let config = crate::state::config()?;
        set_cookie(&super::server::clearing_cookie(config.secure_cookies));
        leptos_axum::redirect("/");
    } else {
        leptos_axum::redirect("/account");
    }
    Ok(())
}

/// The signed-in caller's own name, roles and idle time left, or `None`. Anyone may call it;
/// it only ever describes the caller.
#[server]
pub async fn current_account() -> Result<Option<SignedIn>, AppError> {
    let now = chrono::Utc::now();
    let caller = crate::error::with_status(super::server::current_caller(now).await)?;
    let Some(c) = caller else {
        return Ok(None);
    };
    let people =
        crate::error::with_status(crate::household::people_of(c.account.account_id).await)?;
    Ok(Some(SignedIn {
        email: c.account.email,
        display_name: c.account.display_name,
        roles: c.roles.iter().map(|r| r.as_str().to_string()).collect(),
        idle_seconds_left: seconds_left(&c.session, now),
        acting_for: people.iter().find(|p| p.acting_for).map(|p| p.name.clone()),
        people: people.len(),
    }))
}

/// Seconds until the session ends if nothing else happens: the idle timeout, or the absolute
/// lifetime when that comes first.
#[cfg(feature = "ssr")]
fn seconds_left(
    session: &super::session::ActiveSession,
    now: chrono::DateTime<chrono::Utc>,
) -> i64 {
    (session.idle_deadline.min(session.expires_at) - now)
        .num_seconds()
        .max(0)
}

/// Keeps the caller's session alive (the idle warning's "Stay signed in") and returns the
/// seconds now left. Only a signed-in caller, about their own session.
#[server]
pub async fn stay_signed_in() -> Result<i64, AppError> {
    let now = chrono::Utc::now();
    // Looking the caller up touches the session, which is the whole point.
    let caller = crate::error::with_status(super::server::require_user().await)?;
    Ok(seconds_left(&caller.session, now))
}

#[cfg(feature = "ssr")]
use super::server::set_cookie;

/// Changes the caller's password after checking the current one, and signs out every other
/// session (whoever else knew the old password is out). Only a signed-in caller, for their own
/// account. Field errors come back as codes (`wrong`, `too_short`, `too_long`, `too_easy`) that
/// the page shows in the person's language.
#[server]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    crate::error::with_status(change_password_inner(current_password, new_password).await)
}

#[cfg(feature = "ssr")]
async fn change_password_inner(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    use super::{account, password as pw, server, session};
    use crate::audit::{self, AuditEvent, Outcome};
    use secrecy::SecretString;
    use std::collections::BTreeMap;

    let caller = server::require_user().await?;
    let me = caller.account.account_id;
    let pool = crate::state::db()?;
    let now = chrono::Utc::now();
    // Guessing the current password through this form is throttled like signing in.
    if !server::within_rate_limit(&pool, &format!("change_password:{me}"), 10, now).await? {
        return Err(AppError::RateLimited);
    }
    let field = |name: &str, code: &str| {
        AppError::Validation(BTreeMap::from([(name.to_string(), code.to_string())]))
    };
    let client = server::current_client();
    let current_ok = pw::verify_password(
        SecretString::from(current_password),
        Some(caller.account.password_hash.clone()),
    )
    .await?;
    if !current_ok {
        let event = AuditEvent::new("account.change_password", Outcome::Failure)
            .by(me)
            .from_client(client.ip, client.user_agent.as_deref());
        audit::record(&pool, &event).await?;
        return Err(field("current_password", "wrong"));
    }
    let context: Vec<&str> = caller
        .account
        .display_name
        .split_whitespace()
        .chain([caller.account.email.as_str()])
        .collect();
    if let Err(problem) = pw::check_policy(&new_password, &context) {
        return Err(field("new_password", problem.code()));
    }
    let hash = pw::hash_password(SecretString::from(new_password)).await?;

    let mut tx = pool.begin().await?;
    account::update_password(&mut *tx, me, &hash).await?;
    let ended = session::end_all_sessions(&mut *tx, me, Some(caller.session.session_id)).await?;
    crate::email::outbox::queue(
        &mut *tx,
        &caller.account.email,
        &caller.account.preferred_language,
        &crate::email::Template::PasswordChanged {
            reset: format!("{}/forgot-password", crate::state::config()?.link_origin()),
        },
    )
    .await?;
    let event = AuditEvent::new("account.change_password", Outcome::Success)
        .by(me)
        .from_client(client.ip, client.user_agent.as_deref());
    audit::record(&mut *tx, &event).await?;
    tx.commit().await?;
    tracing::info!(account_id = %me, other_sessions_ended = ended, "password changed");
    leptos_axum::redirect("/account?password=changed");
    Ok(())
}
