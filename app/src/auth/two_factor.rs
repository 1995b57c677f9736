//! Two-step sign-in as server functions: entering the code after the password, setting up an
//! authenticator app, and making new recovery codes.
//!
//! Rules: a code finishes signing in only the session that gave the right password, and a new
//! session (new token) replaces it; wrong codes count against the account like wrong passwords
//! (10 per 15 minutes) and against the client address; setting up an authenticator ends the
//! account's other sessions, so every session of an account with a second factor has passed it.
//! Recovery codes are shown once, from a short-lived cookie, after the request that made them.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Minutes the password step waits for its code.
#[cfg(feature = "ssr")]
pub const CODE_STEP_MINUTES: i64 = 5;
/// Cookie holding freshly made recovery codes until the page shows them (two minutes at most).
#[cfg(feature = "ssr")]
pub const NEW_CODES_COOKIE: &str = "new_recovery_codes";
#[cfg(feature = "ssr")]
const FAILURES_PER_ACCOUNT: i64 = 10;

/// Finishes signing in with a code from the authenticator app or a recovery code. Only the
/// holder of a session that gave the right password and awaits its code may call it; limited
/// per client address and per account.
#[server]
pub async fn verify_second_factor(code: String) -> Result<(), AppError> {
    crate::error::with_status(verify_second_factor_inner(code).await)
}

#[cfg(feature = "ssr")]
fn wrong_code() -> AppError {
    AppError::Validation(std::collections::BTreeMap::from([(
        "code".to_string(),
        "wrong".to_string(),
    )]))
}

#[cfg(feature = "ssr")]
async fn verify_second_factor_inner(code: String) -> Result<(), AppError> {
    use super::{second_factor, server, session};
    use crate::audit::{self, AuditEvent, Outcome};
    use chrono::Duration;

    let now = chrono::Utc::now();
    let pool = crate::state::db()?;
    let config = crate::state::config()?;
    let client = server::current_client();
    server::limit_client("second_factor", None).await?;
    let caller = server::require_awaiting_second_factor(now).await?;
    let me = caller.account.account_id;
    let since = now - Duration::minutes(15);
    if server::recent_failures(&pool, me, "session.second_factor", since).await?
        >= FAILURES_PER_ACCOUNT
    {
        return Err(AppError::RateLimited);
    }

    let mut tx = pool.begin().await?;
    let recovery = !second_factor::is_app_code(&code);
    let accepted = if recovery {
        second_factor::use_recovery_code(&mut *tx, me, &code, now).await?
    } else {
        second_factor::verify_code(&mut tx, me, &code, now).await?
    };
    if !accepted {
        tx.rollback().await?;
        let event = AuditEvent::new("session.second_factor", Outcome::Failure)
            .by(me)
            .on("session", caller.session.session_id)
            .from_client(client.ip, client.user_agent.as_deref());
        audit::record(&pool, &event).await?;
        return Err(wrong_code());
    }
    session::end_session(&mut *tx, me, caller.session.session_id, now).await?;
    let (session_id, token) = session::start_session(
        &mut *tx,
        me,
        server::idle_timeout(&caller.roles, &config),
        &client,
        now,
    )
    .await?;
    let action = if recovery {
        "session.second_factor_recovery_code"
    } else {
        "session.second_factor"
    };
    for action in [action, "session.sign_in"] {
        let event = AuditEvent::new(action, Outcome::Success)
            .by(me)
            .on("session", session_id)
            .from_client(client.ip, client.user_agent.as_deref());
        audit::record(&mut *tx, &event).await?;
    }
    tx.commit().await?;
    server::set_cookie(&server::session_cookie(&token, config.secure_cookies));
    tracing::info!(account_id = %me, recovery, "signed in with a second factor");
    leptos_axum::redirect(if recovery {
        "/account/two-factor?recovery=used"
    } else {
        "/account"
    });
    Ok(())
}

/// The authenticator being set up: what the person scans or types into their app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSetup {
    /// The secret in groups of four, for typing.
    pub secret: String,
    /// `otpauth://` address, for apps on the same device.
    pub otpauth: String,
    /// The same address as a QR code, an SVG drawn on the server.
    pub qr_svg: String,
}

/// Where the caller's two-step sign-in stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorOverview {
    pub enabled: bool,
    pub pending: Option<PendingSetup>,
    pub recovery_codes_left: i64,
    /// The caller holds a staff role, so two-step sign-in is required.
    pub required: bool,
    /// Recovery codes made by the previous request, shown once.
    pub new_codes: Vec<String>,
}

/// The signed-in caller's own two-step sign-in state. Only a signed-in caller, about themself.
#[server]
pub async fn two_factor_state() -> Result<TwoFactorOverview, AppError> {
    crate::error::with_status(two_factor_state_inner().await)
}

#[cfg(feature = "ssr")]
pub fn qr_svg(text: &str) -> String {
    use qrcode::render::svg;
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => {
            let image = code
                .render::<svg::Color<'_>>()
                .min_dimensions(200, 200)
                .dark_color(svg::Color("#000000"))
                .light_color(svg::Color("#ffffff"))
                .build();
            // Inline in the page: the XML declaration has no place there.
            match image.find("<svg") {
                Some(start) => image.get(start..).unwrap_or_default().to_string(),
                None => String::new(),
            }
        }
        Err(_) => String::new(),
    }
}

#[cfg(feature = "ssr")]
async fn two_factor_state_inner() -> Result<TwoFactorOverview, AppError> {
    use super::{second_factor, server};
    let caller = server::require_user().await?;
    let me = caller.account.account_id;
    let pool = crate::state::db()?;
    let enabled = second_factor::has_authenticator_app(&pool, me).await?;
    let pending = match second_factor::pending_secret(&pool, me).await? {
        Some(secret) => {
            let otpauth = second_factor::otpauth_url(
                &secret,
                crate::organisation::PRODUCT_NAME,
                &caller.account.email,
            )
            .ok_or(AppError::Internal)?;
            Some(PendingSetup {
                secret: second_factor::secret_for_typing(&secret),
                qr_svg: qr_svg(&otpauth),
                otpauth,
            })
        }
        None => None,
    };
    let new_codes = crate::cookies::from_request(NEW_CODES_COOKIE)
        .map(|v| {
            v.split('.')
                .filter(|c| c.len() == 11)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if !new_codes.is_empty() {
        server::set_cookie(&codes_cookie(None));
    }
    Ok(TwoFactorOverview {
        enabled,
        pending,
        recovery_codes_left: second_factor::recovery_codes_left(&pool, me).await?,
        required: !caller.roles.is_empty(),
        new_codes,
    })
}

/// The cookie carrying new recovery codes to the next page view; `None` clears it.
#[cfg(feature = "ssr")]
pub(crate) fn codes_cookie(codes: Option<&[String]>) -> String {
    let secure = crate::state::config()
        .map(|c| c.secure_cookies)
        .unwrap_or(true);
    let secure = if secure { "; Secure" } else { "" };
    match codes {
        Some(codes) => format!(
            "{NEW_CODES_COOKIE}={}; Path=/account/two-factor; Max-Age=120; HttpOnly; SameSite=Strict{secure}",
            codes.join(".")
        ),
        None => format!(
            "{NEW_CODES_COOKIE}=; Path=/account/two-factor; Max-Age=0; HttpOnly; SameSite=Strict{secure}"
        ),
    }
}

/// Starts setting up an authenticator app (a new secret; any unfinished set-up is replaced).
/// Only a signed-in caller, for their own account.
#[server]
pub async fn start_two_factor_setup() -> Result<(), AppError> {
    crate::error::with_status(start_two_factor_setup_inner().await)
}

#[cfg(feature = "ssr")]
async fn start_two_factor_setup_inner() -> Result<(), AppError> {
    let caller = super::server::require_user().await?;
    let pool = crate::state::db()?;
    super::second_factor::begin_enrolment(&pool, caller.account.account_id).await?;
    leptos_axum::redirect("/account/two-factor");
    Ok(())
}

/// Finishes setting up the authenticator with a first code from it, makes recovery codes, ends
/// the account's other sessions and gives this one a new token. Only a signed-in caller, for
/// their own account; limited like code entry.
#[server]
pub async fn confirm_two_factor_setup(code: String) -> Result<(), AppError> {
    crate::error::with_status(confirm_two_factor_setup_inner(code).await)
}

#[cfg(feature = "ssr")]
async fn confirm_two_factor_setup_inner(code: String) -> Result<(), AppError> {
    use super::{second_factor, server};
    use crate::audit::{self, AuditEvent, Outcome};

    let now = chrono::Utc::now();
    let caller = server::require_user().await?;
    let me = caller.account.account_id;
    let pool = crate::state::db()?;
    let config = crate::state::config()?;
    let client = server::current_client();
    if !server::within_rate_limit(&pool, &format!("totp_setup:{me}"), 10, now).await? {
        return Err(AppError::RateLimited);
    }
    let mut tx = pool.begin().await?;
    if !second_factor::confirm_enrolment(&mut tx, me, &code, now).await? {
        return Err(wrong_code());
    }
    let codes = second_factor::replace_recovery_codes(&mut tx, me).await?;
    let (session_id, token) = server::restart_sessions(&mut tx, &caller, &client, now).await?;
    let event = AuditEvent::new("second_factor.enrol", Outcome::Success)
        .by(me)
        .on("session", session_id)
        .from_client(client.ip, client.user_agent.as_deref());
    audit::record(&mut *tx, &event).await?;
    tx.commit().await?;
    server::set_cookie(&server::session_cookie(&token, config.secure_cookies));
    server::set_cookie(&codes_cookie(Some(&codes)));
    leptos_axum::redirect("/account/two-factor");
    Ok(())
}

/// Replaces the caller's recovery codes with new ones (shown once). Only a signed-in caller
/// with a second factor, for their own account.
#[server]
pub async fn new_recovery_codes() -> Result<(), AppError> {
    crate::error::with_status(new_recovery_codes_inner().await)
}

#[cfg(feature = "ssr")]
async fn new_recovery_codes_inner() -> Result<(), AppError> {
    use super::{second_factor, server};
    use crate::audit::{self, AuditEvent, Outcome};
    let caller = server::require_user().await?;
    let me = caller.account.account_id;
    let pool = crate::state::db()?;
    if !second_factor::has_second_factor(&pool, me).await? {
        return Err(AppError::Conflict("no_second_factor".into()));
    }
    let client = server::current_client();
    let mut tx = pool.begin().await?;
    let codes = second_factor::replace_recovery_codes(&mut tx, me).await?;
    let event = AuditEvent::new("second_factor.recovery_codes", Outcome::Success)
        .by(me)
        .from_client(client.ip, client.user_agent.as_deref());
    audit::record(&mut *tx, &event).await?;
    tx.commit().await?;
    server::set_cookie(&codes_cookie(Some(&codes)));
    leptos_axum::redirect("/account/two-factor");
    Ok(())
}
