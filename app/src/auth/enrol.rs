//! Creating an account and getting back into one: patient sign-up, confirming the address by an
//! emailed single-use link, and resetting a forgotten password the same way. Server functions
//! (public HTTP endpoints) with their rules.
//!
//! None of these endpoints says whether an address has an account: sign-up with a taken address
//! and a reset for an unknown one give the same answer as the real thing, and the owner of the
//! address learns of the attempt by email. A reset ends every session and never signs anyone
//! in, so a second factor, where there is one, is still asked for at the next sign-in.

use crate::error::AppError;
use leptos::prelude::*;

/// Youngest age for an account of one's own; younger children use the portal through a parent.
#[cfg(feature = "ssr")]
pub const MINIMUM_AGE: u32 = 12;
/// Emails of one kind to one account per 15 minutes; more requests succeed silently.
#[cfg(feature = "ssr")]
const EMAILS_PER_ACCOUNT: i64 = 3;

/// The fields a failed no-JavaScript sign-up brings back (never the password).
#[cfg(feature = "ssr")]
pub const REMEMBERED_SIGN_UP: &str = "sign_up_form";

/// Creates a patient account and emails a link to confirm the address. Anyone may call it;
/// limited per client address. Field problems come back as codes per field; a taken address
/// gets the same answer as a new one (its owner is emailed instead).
#[server]
pub async fn sign_up(
    given_name: String,
    family_name: String,
    birth_date: String,
    email: String,
    password: String,
    language: String,
) -> Result<(), AppError> {
    crate::error::with_status(
        sign_up_inner(
            SignUpForm {
                given_name,
                family_name,
                birth_date,
                email,
                language,
            },
            password,
        )
        .await,
    )
}

/// What the sign-up form holds, apart from the password.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignUpForm {
    pub given_name: String,
    pub family_name: String,
    pub birth_date: String,
    pub email: String,
    pub language: String,
}

#[cfg(feature = "ssr")]
impl SignUpForm {
    /// The cookie that brings the form back after a failed no-JavaScript post; `None` clears it.
    pub fn cookie(form: Option<&SignUpForm>) -> String {
        match form {
            Some(form) => crate::forms::remember_cookie(REMEMBERED_SIGN_UP, "/sign-up", form),
            None => crate::forms::forget_cookie(REMEMBERED_SIGN_UP, "/sign-up"),
        }
    }

    /// The form the last failed post left in this request's cookie, if any.
    pub fn remembered() -> Option<SignUpForm> {
        crate::forms::recall(REMEMBERED_SIGN_UP)
    }
}

/// Checks a date of birth typed as `YYYY-MM-DD` against `today`.
#[cfg(feature = "ssr")]
pub fn check_birth_date(
    value: &str,
    today: chrono::NaiveDate,
) -> Result<chrono::NaiveDate, &'static str> {
    use chrono::Datelike;
    let value = value.trim();
    if value.is_empty() {
        return Err("required");
    }
    let date = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| "invalid")?;
    if date > today {
        return Err("future");
    }
    if date.year() < today.year() - 130 {
        return Err("invalid");
    }
    let age = today.years_since(date).unwrap_or(0);
    if age < MINIMUM_AGE {
        return Err("too_young");
    }
    Ok(date)
}

#[cfg(feature = "ssr")]
fn check_name(value: &str) -> Result<&str, &'static str> {
    let value = value.trim();
    match value.chars().count() {
        0 => Err("required"),
        1..=100 => Ok(value),
        _ => Err("too_long"),
    }
}

#[cfg(feature = "ssr")]
pub fn check_email(value: &str) -> Result<&str, &'static str> {
    let value = value.trim();
    if value.is_empty() {
        return Err("required");
    }
    if value.len() > 254 || value.parse::<lettre::Address>().is_err() {
        return Err("invalid");
    }
    Ok(value)
}

#[cfg(feature = "ssr")]
fn link(path: &str, token: &str) -> Result<String, AppError> {
    Ok(format!(
        "{}{path}?token={token}",
        crate::state::config()?.link_origin()
    ))
}

#[cfg(feature = "ssr")]
fn page(path: &str) -> Result<String, AppError> {
    Ok(format!("{}{path}", crate::state::config()?.link_origin()))
}

#[cfg(feature = "ssr")]
async fn sign_up_inner(form: SignUpForm, password: String) -> Result<(), AppError> {
    use super::{account, link_token, password as pw, server};
    use crate::audit::{self, AuditEvent, Outcome};
    use crate::email::{outbox, Template};
    use secrecy::SecretString;
    use std::collections::BTreeMap;

    let now = chrono::Utc::now();
    let pool = crate::state::db()?;
    let client = server::current_client();
    // Creating accounts is rarer than signing in: a third of the per-address limit.
    let limit = (crate::state::config()?.rate_limit_per_ip_per_minute / 3).max(1);
    server::limit_client("sign_up", Some(limit)).await?;
    let language = if form.language == "es" { "es" } else { "en" };

    let mut problems = BTreeMap::new();
    let given = check_name(&form.given_name)
        .map_err(|c| problems.insert("given_name".to_string(), c.to_string()))
        .ok();
    let family = check_name(&form.family_name)
        .map_err(|c| problems.insert("family_name".to_string(), c.to_string()))
        .ok();
    let birth_date = check_birth_date(&form.birth_date, now.date_naive())
        .map_err(|c| problems.insert("birth_date".to_string(), c.to_string()))
        .ok();
    let email = check_email(&form.email)
        .map_err(|c| problems.insert("email".to_string(), c.to_string()))
        .ok();
    let context: Vec<&str> = [given, family, email].into_iter().flatten().collect();
    if let Err(problem) = pw::check_policy(&password, &context) {
        problems.insert("password".into(), problem.code().into());
    }
    let (Some(given), Some(family), Some(birth_date), Some(email), true) =
        (given, family, birth_date, email, problems.is_empty())
    else {
        set_cookie(&SignUpForm::cookie(Some(&form)));
        return Err(AppError::Validation(problems));
    };

    // Hashed whether or not the address is taken, so both answers take as long.
    let hash = pw::hash_password(SecretString::from(password)).await?;
    let display_name = format!("{given} {family}");
    let mut tx = pool.begin().await?;
    let inserted = account::insert_account(
        &mut *tx,
        &account::NewAccount {
            email,
            display_name: &display_name,
            preferred_language: language,
            password_hash: &hash,
        },
    )
    .await;
    match inserted {
        Ok(id) => {
            account::set_personal_details(
                &mut *tx,
                id,
                &account::PersonalDetails {
                    given_name: given,
                    family_name: family,
                    birth_date,
                },
            )
            .await?;
            let token =
                link_token::issue(&mut tx, id, link_token::Purpose::VerifyEmail, email, now)
                    .await?;
            outbox::queue(
                &mut *tx,
                email,
                language,
                &Template::VerifyEmail {
                    name: given.to_string(),
                    link: link("/verify-email", &token)?,
                },
            )
            .await?;
            let event = AuditEvent::new("account.sign_up", Outcome::Success)
                .by(id)
                .from_client(client.ip, client.user_agent.as_deref());
            audit::record(&mut *tx, &event).await?;
            tx.commit().await?;
            tracing::info!(account_id = %id, "account created");
        }
        Err(sqlx::Error::Database(e)) if e.constraint() == Some(account::EMAIL_TAKEN) => {
            tx.rollback().await?;
            let existing = account::find_account_by_email(&pool, email)
                .await?
                .ok_or(AppError::Internal)?;
            let mut tx = pool.begin().await?;
            let since = now - chrono::Duration::minutes(15);
            let recent =
                outbox::count_recent(&mut *tx, &existing.email, "already_registered", since)
                    .await?;
            if recent < EMAILS_PER_ACCOUNT {
                outbox::queue(
                    &mut *tx,
                    &existing.email,
                    &existing.preferred_language,
                    &Template::AlreadyRegistered {
                        sign_in: page("/sign-in")?,
                        reset: page("/forgot-password")?,
                    },
                )
                .await?;
            }
            let event = AuditEvent::new("account.sign_up", Outcome::Failure)
                .by(existing.account_id)
                .from_client(client.ip, client.user_agent.as_deref());
            audit::record(&mut *tx, &event).await?;
            tx.commit().await?;
        }
        Err(e) => return Err(e.into()),
    }
    set_cookie(&SignUpForm::cookie(None));
    leptos_axum::redirect("/sign-up/check-email");
    Ok(())
}

/// Sends a fresh confirmation link to an account that has not confirmed its address (when it
/// tries to sign in), at most [`EMAILS_PER_ACCOUNT`] per 15 minutes.
#[cfg(feature = "ssr")]
pub async fn resend_verification(
    pool: &sqlx::PgPool,
    acc: &super::account::Account,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    use super::link_token;
    use crate::email::{outbox, Template};
    let since = now - chrono::Duration::minutes(15);
    if link_token::issued_since(
        pool,
        acc.account_id,
        link_token::Purpose::VerifyEmail,
        since,
    )
    .await?
        >= EMAILS_PER_ACCOUNT
    {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    let token = link_token::issue(
        &mut tx,
        acc.account_id,
        link_token::Purpose::VerifyEmail,
        &acc.email,
        now,
    )
    .await?;
    let name = acc
        .display_name
        .split_whitespace()
        .next()
        .unwrap_or(&acc.display_name)
        .to_string();
    outbox::queue(
        &mut *tx,
        &acc.email,
        &acc.preferred_language,
        &Template::VerifyEmail {
            name,
            link: link("/verify-email", &token)?,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Confirms an email address with the token from the emailed link. Anyone holding the link may
/// call it (that is the proof); limited per client address. A used, expired or unknown link
/// gets `Conflict("link_invalid")`.
#[server]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    crate::error::with_status(verify_email_inner(token).await)
}

#[cfg(feature = "ssr")]
async fn verify_email_inner(token: String) -> Result<(), AppError> {
    use super::{account, link_token, server};
    use crate::audit::{self, AuditEvent, Outcome};

    let now = chrono::Utc::now();
    let pool = crate::state::db()?;
    let client = server::current_client();
    server::limit_client("links", None).await?;
    let mut tx = pool.begin().await?;
    if let Some(found) =
        link_token::consume(&mut *tx, &token, link_token::Purpose::VerifyEmail, now).await?
    {
        if !account::mark_email_verified(&mut *tx, found.account_id, &found.email).await? {
            // The account's address changed after this link was sent.
            return Err(AppError::Conflict("link_invalid".into()));
        }
        let event = AuditEvent::new("account.verify_email", Outcome::Success)
            .by(found.account_id)
            .from_client(client.ip, client.user_agent.as_deref());
        audit::record(&mut *tx, &event).await?;
        tx.commit().await?;
        leptos_axum::redirect("/sign-in?verified=1");
        return Ok(());
    }
    // Not a sign-up confirmation: perhaps a new address for an existing account.
    let Some(found) =
        link_token::consume(&mut *tx, &token, link_token::Purpose::ChangeEmail, now).await?
    else {
        return Err(AppError::Conflict("link_invalid".into()));
    };
    let old = account::find_account(&mut *tx, found.account_id)
        .await?
        .ok_or(AppError::Conflict("link_invalid".into()))?;
    match account::change_email(&mut *tx, found.account_id, &found.email).await {
        Ok(()) => {}
        Err(sqlx::Error::Database(e)) if e.constraint() == Some(account::EMAIL_TAKEN) => {
            return Err(AppError::Conflict("link_invalid".into()));
        }
        Err(e) => return Err(e.into()),
    }
    crate::email::outbox::queue(
        &mut *tx,
        &old.email,
        &old.preferred_language,
        &crate::email::Template::EmailChanged {
            reset: page("/forgot-password")?,
        },
    )
    .await?;
    let event = AuditEvent::new("account.change_email", Outcome::Success)
        .by(found.account_id)
        .from_client(client.ip, client.user_agent.as_deref());
    audit::record(&mut *tx, &event).await?;
    tx.commit().await?;
    leptos_axum::redirect("/account?email=changed");
    Ok(())
}

/// Starts moving the caller's account to a new email address: checks the current password and
/// emails a confirmation link to the new address; the account keeps signing in with the old
/// one until the link is followed. Only a signed-in caller, for their own account; limited.
/// A taken address gets the same answer (its owner is told instead).
#[server]
pub async fn change_email(new_email: String, current_password: String) -> Result<(), AppError> {
    crate::error::with_status(change_email_inner(new_email, current_password).await)
}

#[cfg(feature = "ssr")]
async fn change_email_inner(new_email: String, current_password: String) -> Result<(), AppError> {
    use super::{account, link_token, password as pw, server};
    use crate::audit::{self, AuditEvent, Outcome};
    use crate::email::{outbox, Template};
    use std::collections::BTreeMap;

    let caller = server::require_user().await?;
    let me = caller.account.account_id;
    let pool = crate::state::db()?;
    let now = chrono::Utc::now();
    if !server::within_rate_limit(&pool, &format!("change_email:{me}"), 5, now).await? {
        return Err(AppError::RateLimited);
    }
    let field = |name: &str, code: &str| {
        AppError::Validation(BTreeMap::from([(name.to_string(), code.to_string())]))
    };
    let new_email = check_email(&new_email)
        .map_err(|c| field("new_email", c))?
        .to_string();
    if new_email.eq_ignore_ascii_case(&caller.account.email) {
        return Err(field("new_email", "same"));
    }
    let client = server::current_client();
    if !pw::verify_password(
        secrecy::SecretString::from(current_password),
        Some(caller.account.password_hash.clone()),
    )
    .await?
    {
        let event = AuditEvent::new("account.change_email", Outcome::Failure)
            .by(me)
            .from_client(client.ip, client.user_agent.as_deref());
        audit::record(&pool, &event).await?;
        return Err(field("current_password", "wrong"));
    }
    let mut tx = pool.begin().await?;
    match account::find_account_by_email(&mut *tx, &new_email).await? {
        Some(owner) => {
            outbox::queue(
                &mut *tx,
                &owner.email,
                &owner.preferred_language,
                &Template::AlreadyRegistered {
                    sign_in: page("/sign-in")?,
                    reset: page("/forgot-password")?,
                },
            )
            .await?;
        }
        None => {
            let token = link_token::issue(
                &mut tx,
                me,
                link_token::Purpose::ChangeEmail,
                &new_email,
                now,
            )
            .await?;
            outbox::queue(
                &mut *tx,
                &new_email,
                &caller.account.preferred_language,
                &Template::ConfirmNewEmail {
                    link: link("/verify-email", &token)?,
                },
            )
            .await?;
        }
    }
    let event = AuditEvent::new("account.request_email_change", Outcome::Success)
        .by(me)
        .from_client(client.ip, client.user_agent.as_deref());
    audit::record(&mut *tx, &event).await?;
    tx.commit().await?;
    leptos_axum::redirect("/account?email=sent");
    Ok(())
}

/// Emails a password-reset link if an account uses `email`. Anyone may call it; limited per
/// client address and (silently) per account; the answer is the same whether or not the address
/// has an account.
#[server]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    crate::error::with_status(request_password_reset_inner(email).await)
}

#[cfg(feature = "ssr")]
async fn request_password_reset_inner(email: String) -> Result<(), AppError> {
    use super::{account, link_token, server};
    use crate::audit::{self, AuditEvent, Outcome};
    use crate::email::{outbox, Template};
    use std::collections::BTreeMap;

    let now = chrono::Utc::now();
    let pool = crate::state::db()?;
    let client = server::current_client();
    server::limit_client("links", None).await?;
    let email = check_email(&email).map_err(|code| {
        AppError::Validation(BTreeMap::from([("email".to_string(), code.to_string())]))
    })?;
    if let Some(acc) = account::find_account_by_email(&pool, email).await? {
        let since = now - chrono::Duration::minutes(15);
        let recent = link_token::issued_since(
            &pool,
            acc.account_id,
            link_token::Purpose::ResetPassword,
            since,
        )
        .await?;
        if !acc.disabled && recent < EMAILS_PER_ACCOUNT {
            let mut tx = pool.begin().await?;
            let token = link_token::issue(
                &mut tx,
                acc.account_id,
                link_token::Purpose::ResetPassword,
                &acc.email,
                now,
            )
            .await?;
            outbox::queue(
                &mut *tx,
                &acc.email,
                &acc.preferred_language,
                &Template::ResetPassword {
                    link: link("/reset-password", &token)?,
                },
            )
            .await?;
            let event = AuditEvent::new("account.request_reset", Outcome::Success)
                .by(acc.account_id)
                .from_client(client.ip, client.user_agent.as_deref());
            audit::record(&mut *tx, &event).await?;
            tx.commit().await?;
        }
    }
    leptos_axum::redirect("/forgot-password?sent=1");
    Ok(())
}

/// Sets a new password with the token from a reset link, ends every session of the account and
/// emails the owner. Anyone holding the link may call it; limited per client address. It does
/// not sign in: the next sign-in asks for the second factor as usual.
#[server]
pub async fn reset_password(token: String, new_password: String) -> Result<(), AppError> {
    crate::error::with_status(reset_password_inner(token, new_password).await)
}

#[cfg(feature = "ssr")]
async fn reset_password_inner(token: String, new_password: String) -> Result<(), AppError> {
    use super::{account, link_token, password as pw, server, session};
    use crate::audit::{self, AuditEvent, Outcome};
    use crate::email::{outbox, Template};
    use secrecy::SecretString;
    use std::collections::BTreeMap;

    let now = chrono::Utc::now();
    let pool = crate::state::db()?;
    let client = server::current_client();
    server::limit_client("links", None).await?;
    let invalid = || AppError::Conflict("link_invalid".into());
    // A reset link, or the first-password link of an account an administrator created.
    let mut found = None;
    let mut purpose = link_token::Purpose::ResetPassword;
    for candidate in [
        link_token::Purpose::ResetPassword,
        link_token::Purpose::SetPassword,
    ] {
        if let Some(f) = link_token::peek(&pool, &token, candidate, now).await? {
            found = Some(f);
            purpose = candidate;
            break;
        }
    }
    let found = found.ok_or_else(invalid)?;
    let acc = account::find_account(&pool, found.account_id)
        .await?
        .filter(|a| !a.disabled)
        .ok_or_else(invalid)?;
    let context: Vec<&str> = acc
        .display_name
        .split_whitespace()
        .chain([acc.email.as_str()])
        .collect();
    if let Err(problem) = pw::check_policy(&new_password, &context) {
        return Err(AppError::Validation(BTreeMap::from([(
            "new_password".to_string(),
            problem.code().to_string(),
        )])));
    }
    let hash = pw::hash_password(SecretString::from(new_password)).await?;

    let mut tx = pool.begin().await?;
    // Used up inside the transaction: of two concurrent resets with one link, one wins.
    link_token::consume(&mut *tx, &token, purpose, now)
        .await?
        .ok_or_else(invalid)?;
    account::update_password(&mut *tx, acc.account_id, &hash).await?;
    // Following the link proved the mailbox is theirs.
    account::mark_email_verified(&mut *tx, acc.account_id, &found.email).await?;
    let ended = session::end_all_sessions(&mut *tx, acc.account_id, None).await?;
    outbox::queue(
        &mut *tx,
        &acc.email,
        &acc.preferred_language,
        &Template::PasswordChanged {
            reset: page("/forgot-password")?,
        },
    )
    .await?;
    let event = AuditEvent::new("account.reset_password", Outcome::Success)
        .by(acc.account_id)
        .from_client(client.ip, client.user_agent.as_deref());
    audit::record(&mut *tx, &event).await?;
    tx.commit().await?;
    tracing::info!(account_id = %acc.account_id, sessions_ended = ended, "password reset");
    leptos_axum::redirect("/sign-in?reset=1");
    Ok(())
}

#[cfg(feature = "ssr")]
use super::server::set_cookie;

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_birth_date_must_be_a_real_past_date_of_someone_old_enough() {
        let today = day("2026-11-25");
        assert_eq!(check_birth_date("1981-02-29", today), Err("invalid"));
        assert_eq!(check_birth_date("1984-02-29", today), Ok(day("1984-02-29")));
        assert_eq!(check_birth_date("", today), Err("required"));
        assert_eq!(check_birth_date("25/11/1990", today), Err("invalid"));
        assert_eq!(check_birth_date("2027-01-01", today), Err("future"));
        assert_eq!(check_birth_date("1880-01-01", today), Err("invalid"));
        assert_eq!(check_birth_date("2014-11-26", today), Err("too_young"));
        assert_eq!(check_birth_date("2014-11-25", today), Ok(day("2014-11-25")));
    }

    #[test]
    fn an_email_needs_one_at_and_a_domain() {
        assert_eq!(check_email(" ana@example.org "), Ok("ana@example.org"));
        assert_eq!(check_email("ana"), Err("invalid"));
        assert_eq!(check_email("ana@@example.org"), Err("invalid"));
        assert_eq!(check_email(""), Err("required"));
    }
}
