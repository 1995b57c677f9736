//! Administrators manage accounts: find one, create a staff account with roles, change roles,
//! disable (every session ends at once) and enable again. Every change is audited. An
//! administrator cannot disable their own account or take away their own administrator role,
//! so the portal is never left without one by accident.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One account as the administrators' list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRow {
    pub account_id: String,
    pub email: String,
    pub name: String,
    pub roles: Vec<String>,
    pub disabled: bool,
    pub email_verified: bool,
    pub second_factor: bool,
    /// The caller's own account (no disable or self-demotion offered).
    pub you: bool,
}

/// The role names an administrator can tick, in display order.
pub const ROLE_NAMES: [&str; 5] = [
    "staff",
    "editor",
    "medical_reviewer",
    "engagement_manager",
    "administrator",
];

/// Accounts matching `query` by email or name (the first 100; staff first). Administrators only.
#[server]
pub async fn list_accounts(query: Option<String>) -> Result<Vec<AccountRow>, AppError> {
    crate::error::with_status(list_accounts_inner(query.unwrap_or_default()).await)
}

#[cfg(feature = "ssr")]
async fn list_accounts_inner(query: String) -> Result<Vec<AccountRow>, AppError> {
    use crate::auth::{account, account::Role, server};
    let caller = server::require_role(Role::Administrator).await?;
    let pool = crate::state::db()?;
    let rows = account::search_accounts(&pool, &query, 100).await?;
    audit(&pool, &caller, "admin.accounts.list", None).await?;
    Ok(rows
        .into_iter()
        .map(|a| AccountRow {
            you: a.account_id == caller.account.account_id,
            account_id: a.account_id.to_string(),
            email: a.email,
            name: a.display_name,
            roles: a.roles,
            disabled: a.disabled,
            email_verified: a.email_verified,
            second_factor: a.second_factor,
        })
        .collect())
}

#[cfg(feature = "ssr")]
async fn audit(
    conn: impl sqlx::PgExecutor<'_>,
    caller: &crate::auth::server::Caller,
    action: &'static str,
    account: Option<uuid::Uuid>,
) -> Result<(), AppError> {
    let client = crate::auth::server::current_client();
    let mut event = crate::audit::AuditEvent::new(action, crate::audit::Outcome::Success)
        .by(caller.account.account_id)
        .from_client(client.ip, client.user_agent.as_deref());
    if let Some(id) = account {
        event = event.on("account", id);
    }
    crate::audit::record(conn, &event).await?;
    Ok(())
}

#[cfg(feature = "ssr")]
fn ticked_roles(ticked: [Option<String>; 5]) -> Vec<crate::auth::account::Role> {
    ROLE_NAMES
        .iter()
        .zip(ticked)
        .filter_map(|(name, t)| t.and(crate::auth::account::Role::parse(name)))
        .collect()
}

/// Creates a staff account with the roles ticked and emails its owner a link to choose a
/// password (72 hours). Administrators only.
#[server]
#[allow(clippy::too_many_arguments, reason = "one argument per form field")]
pub async fn create_staff_account(
    email: String,
    name: String,
    staff: Option<String>,
    editor: Option<String>,
    medical_reviewer: Option<String>,
    engagement_manager: Option<String>,
    administrator: Option<String>,
) -> Result<(), AppError> {
    crate::error::with_status(
        create_staff_account_inner(
            email,
            name,
            [
                staff,
                editor,
                medical_reviewer,
                engagement_manager,
                administrator,
            ],
        )
        .await,
    )
}

#[cfg(feature = "ssr")]
async fn create_staff_account_inner(
    email: String,
    name: String,
    ticked: [Option<String>; 5],
) -> Result<(), AppError> {
    use crate::auth::{account, account::Role, link_token, password, server};
    use crate::email::{outbox, Template};
    use std::collections::BTreeMap;

    let caller = server::require_role(Role::Administrator).await?;
    let pool = crate::state::db()?;
    let now = chrono::Utc::now();
    let roles = ticked_roles(ticked);
    let mut problems = BTreeMap::new();
    let email = crate::auth::check_email(&email)
        .map_err(|c| problems.insert("email".to_string(), c.to_string()))
        .ok()
        .map(str::to_string);
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        problems.insert(
            "name".to_string(),
            if name.is_empty() {
                "required"
            } else {
                "too_long"
            }
            .to_string(),
        );
    }
    if roles.is_empty() {
        problems.insert("roles".to_string(), "required".to_string());
    }
    let Some(email) = email.filter(|_| problems.is_empty()) else {
        return Err(AppError::Validation(problems));
    };
    // Nobody knows this password: the owner sets their own from the emailed link.
    let unusable = {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        secrecy::SecretString::from(base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            bytes,
        ))
    };
    let hash = password::hash_password(unusable).await?;
    let mut tx = pool.begin().await?;
    let id = match account::insert_account(
        &mut *tx,
        &account::NewAccount {
            email: &email,
            display_name: &name,
            preferred_language: "en",
            password_hash: &hash,
        },
    )
    .await
    {
        Ok(id) => id,
        Err(sqlx::Error::Database(e)) if e.constraint() == Some(account::EMAIL_TAKEN) => {
            return Err(AppError::Validation(BTreeMap::from([(
                "email".to_string(),
                "taken".to_string(),
            )])));
        }
        Err(e) => return Err(e.into()),
    };
    account::set_roles(&mut tx, id, &roles, caller.account.account_id).await?;
    let token =
        link_token::issue(&mut tx, id, link_token::Purpose::SetPassword, &email, now).await?;
    outbox::queue(
        &mut *tx,
        &email,
        "en",
        &Template::AccountCreated {
            link: format!(
                "{}/reset-password?token={token}",
                crate::state::config()?.link_origin()
            ),
        },
    )
    .await?;
    audit(&mut *tx, &caller, "admin.account.create", Some(id)).await?;
    tx.commit().await?;
    leptos_axum::redirect("/admin/accounts?created=1");
    Ok(())
}

#[cfg(feature = "ssr")]
fn parse_account(id: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)
}

/// Replaces an account's roles with those ticked and ends its sessions, so its next sign-in
/// starts a new session with the new roles. Administrators only; not their own administrator
/// role.
#[server]
#[allow(clippy::too_many_arguments, reason = "one argument per form field")]
pub async fn set_account_roles(
    account_id: String,
    staff: Option<String>,
    editor: Option<String>,
    medical_reviewer: Option<String>,
    engagement_manager: Option<String>,
    administrator: Option<String>,
) -> Result<(), AppError> {
    crate::error::with_status(
        set_account_roles_inner(
            account_id,
            [
                staff,
                editor,
                medical_reviewer,
                engagement_manager,
                administrator,
            ],
        )
        .await,
    )
}

#[cfg(feature = "ssr")]
async fn set_account_roles_inner(
    account_id: String,
    ticked: [Option<String>; 5],
) -> Result<(), AppError> {
    use crate::auth::{account, account::Role, server, session};
    let caller = server::require_role(Role::Administrator).await?;
    let target = parse_account(&account_id)?;
    let roles = ticked_roles(ticked);
    if target == caller.account.account_id && !roles.contains(&Role::Administrator) {
        return Err(AppError::Conflict("own_admin_role".into()));
    }
    let pool = crate::state::db()?;
    let mut tx = pool.begin().await?;
    if account::find_account(&mut *tx, target).await?.is_none() {
        return Err(AppError::NotFound);
    }
    account::set_roles(&mut tx, target, &roles, caller.account.account_id).await?;
    let keep = (target == caller.account.account_id).then_some(caller.session.session_id);
    session::end_all_sessions(&mut *tx, target, keep).await?;
    audit(&mut *tx, &caller, "admin.account.roles", Some(target)).await?;
    tx.commit().await?;
    leptos_axum::redirect("/admin/accounts?saved=1");
    Ok(())
}

/// Disables an account (every session ends at once) or enables it again. Administrators only;
/// not their own account.
#[server]
pub async fn set_account_disabled(account_id: String, disabled: bool) -> Result<(), AppError> {
    crate::error::with_status(set_account_disabled_inner(account_id, disabled).await)
}

#[cfg(feature = "ssr")]
async fn set_account_disabled_inner(account_id: String, disabled: bool) -> Result<(), AppError> {
    use crate::auth::{account, account::Role, server};
    let caller = server::require_role(Role::Administrator).await?;
    let target = parse_account(&account_id)?;
    if target == caller.account.account_id {
        return Err(AppError::Conflict("own_account".into()));
    }
    let pool = crate::state::db()?;
    let mut tx = pool.begin().await?;
    if account::find_account(&mut *tx, target).await?.is_none() {
        return Err(AppError::NotFound);
    }
    if disabled {
        account::disable_account(&mut tx, target).await?;
    } else {
        account::enable_account(&mut *tx, target).await?;
    }
    let action = if disabled {
        "admin.account.disable"
    } else {
        "admin.account.enable"
    };
    audit(&mut *tx, &caller, action, Some(target)).await?;
    tx.commit().await?;
    leptos_axum::redirect("/admin/accounts?saved=1");
    Ok(())
}
