use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One email as the outbox page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxView {
    pub email_id: String,
    pub to_address: String,
    pub subject: String,
    pub template: String,
    /// `queued`, `sent`, `kept` (in the portal's mailbox) or `failed`.
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// UTC, `YYYY-MM-DD HH:MM`.
    pub created: String,
    /// Plain-text body: development only.
    pub body: Option<String>,
}

/// The newest 50 emails, optionally only those to one address. Administrators only.
#[server]
pub async fn list_outbox(to: Option<String>) -> Result<Vec<OutboxView>, AppError> {
    crate::error::with_status(list_outbox_inner(to).await)
}

#[cfg(feature = "ssr")]
async fn list_outbox_inner(to: Option<String>) -> Result<Vec<OutboxView>, AppError> {
    use crate::audit::{self, AuditEvent, Outcome};
    use crate::auth::{account::Role, server};

    let caller = server::require_role(Role::Administrator).await?;
    let pool = crate::state::db()?;
    let config = crate::state::config()?;
    let to = to.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    let entries = crate::email::outbox::recent(&pool, to.as_deref(), 50).await?;
    let client = server::current_client();
    let event = AuditEvent::new("admin.outbox.read", Outcome::Success)
        .by(caller.account.account_id)
        .from_client(client.ip, client.user_agent.as_deref());
    audit::record(&pool, &event).await?;
    let show_bodies = !config.is_production();
    Ok(entries
        .into_iter()
        .map(|e| OutboxView {
            email_id: e.email_id.to_string(),
            to_address: e.to_address,
            subject: e.subject,
            template: e.template,
            status: e.status,
            attempts: e.attempts,
            last_error: e.last_error,
            created: e.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            body: e.body_text.filter(|_| show_bodies),
        })
        .collect())
}
