//! Searching the whole audit log, for administrators: by who acted, whose record, what action,
//! outcome and time, newest first, fifty at a time.
//!
//! Rules: only administrators with a second factor; every search is itself audited (who
//! searched, never what for: the filters can hold patient names); rows are read as stored and
//! never changed; paging follows the chain position, so rows written while someone pages through
//! never shift a page.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Rows per page.
pub const PAGE_SIZE: i64 = 50;

/// What an administrator searches by; every field is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Part of the actor's email or name.
    pub who: Option<String>,
    /// Part of the patient's name.
    pub patient: Option<String>,
    /// An action or the start of one, e.g. `session` or `record.read`.
    pub action: Option<String>,
    /// `success`, `failure` or `denied`.
    pub outcome: Option<String>,
    /// First and last day, `YYYY-MM-DD`, UTC.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Show rows older than this chain position (the next page).
    pub before: Option<i64>,
}

/// One row of the log as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub seq: i64,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub when: String,
    pub actor: Option<String>,
    pub patient: Option<String>,
    pub acting_for: Option<String>,
    pub action: String,
    pub object: Option<String>,
    pub outcome: String,
    pub ip: Option<String>,
}

/// A page of results, and where the next one starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub next_before: Option<i64>,
}

#[cfg(feature = "ssr")]
fn like_pattern(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| crate::db::contains_pattern(&t.chars().take(100).collect::<String>()))
}

#[cfg(feature = "ssr")]
fn day(
    field: &str,
    text: &Option<String>,
    errors: &mut std::collections::BTreeMap<String, String>,
) -> Option<chrono::NaiveDate> {
    let text = text.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
    match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.insert(field.into(), "date".into());
            None
        }
    }
}

/// Reads one page of the log matching `filter`.
#[cfg(feature = "ssr")]
pub async fn search(
    conn: impl sqlx::PgExecutor<'_>,
    filter: &AuditFilter,
) -> Result<AuditPage, AppError> {
    let mut errors = std::collections::BTreeMap::new();
    let from = day("from", &filter.from, &mut errors);
    let to = day("to", &filter.to, &mut errors);
    let outcome = filter
        .outcome
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty());
    if outcome.is_some_and(|o| !matches!(o, "success" | "failure" | "denied")) {
        errors.insert("outcome".into(), "unknown".into());
    }
    let action = filter
        .action
        .as_deref()
        .map(|a| a.trim().to_lowercase())
        .filter(|a| !a.is_empty());
    if action.as_deref().is_some_and(|a| {
        a.len() > 100
            || !a
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
    }) {
        errors.insert("action".into(), "unknown".into());
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let from = from
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc());
    let to = to
        .and_then(|d| d.succ_opt())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc());
    // `session` finds `session.sign_in` and `session.passkey`, not `sessions_other`.
    let action_exact = action.clone();
    let action_prefix = action.map(|a| format!("{}.%", a.replace('_', "\\_")));
    let rows = sqlx::query!(
        r#"select e.chain_seq, e.occurred_at, e.action, e.outcome, e.object_type, e.object_id,
                  host(e.ip) as ip,
                  a.display_name as "actor_name?", a.email as "actor_email?",
                  e.actor_account_id,
                  p.given_name || ' ' || p.family_name as patient_name,
                  e.patient_id,
                  f.given_name || ' ' || f.family_name as acting_for_name
           from audit_event e
           left join account a on a.account_id = e.actor_account_id
           left join patient p on p.patient_id = e.patient_id
           left join patient f on f.patient_id = e.acting_for_patient_id
           where ($1::text is null or a.email ilike $1 or a.display_name ilike $1)
             and ($2::text is null or (p.given_name || ' ' || p.family_name) ilike $2)
             and ($3::text is null or e.action = $3 or e.action like $4)
             and ($5::text is null or e.outcome = $5)
             and ($6::timestamptz is null or e.occurred_at >= $6)
             and ($7::timestamptz is null or e.occurred_at < $7)
             and ($8::bigint is null or e.chain_seq < $8)
           order by e.chain_seq desc
           limit $9"#,
        like_pattern(&filter.who),
        like_pattern(&filter.patient),
        action_exact,
        action_prefix,
        outcome,
        from,
        to,
        filter.before,
        PAGE_SIZE + 1
    )
    .fetch_all(conn)
    .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    let rows: Vec<AuditRow> = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|r| AuditRow {
            seq: r.chain_seq,
            when: r.occurred_at.format("%Y-%m-%d %H:%M:%S").to_string(),
            actor: match (r.actor_name, r.actor_email, r.actor_account_id) {
                (Some(name), Some(email), _) => Some(format!("{name} <{email}>")),
                // The account is gone; its id is what the record holds.
                (_, _, Some(id)) => Some(id.to_string()),
                _ => None,
            },
            patient: r
                .patient_name
                .or_else(|| r.patient_id.map(|id| id.to_string())),
            acting_for: r.acting_for_name,
            action: r.action,
            object: r.object_type.map(|t| match r.object_id {
                Some(id) => format!("{t} {id}"),
                None => t,
            }),
            outcome: r.outcome,
            ip: r.ip,
        })
        .collect();
    Ok(AuditPage {
        next_before: if more {
            rows.last().map(|r| r.seq)
        } else {
            None
        },
        rows,
    })
}

/// Searches the whole audit log. Administrators with a second factor only; the search itself is
/// audited.
#[server]
pub async fn search_audit_log(
    who: Option<String>,
    patient: Option<String>,
    action: Option<String>,
    outcome: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
) -> Result<AuditPage, AppError> {
    let filter = AuditFilter {
        who,
        patient,
        action,
        outcome,
        from,
        to,
        before,
    };
    crate::error::with_status(search_audit_log_inner(filter).await)
}

#[cfg(feature = "ssr")]
async fn search_audit_log_inner(filter: AuditFilter) -> Result<AuditPage, AppError> {
    use crate::audit::{self, AuditEvent, Outcome};
    use crate::auth::{account::Role, server};
    let caller = server::require_role(Role::Administrator).await?;
    let pool = crate::state::db()?;
    let client = server::current_client();
    let page = search(&pool, &filter).await?;
    let event = AuditEvent::new("admin.audit.search", Outcome::Success)
        .by(caller.account.account_id)
        .from_client(client.ip, client.user_agent.as_deref());
    audit::record(&pool, &event).await?;
    Ok(page)
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::audit::{self, AuditEvent, Outcome};
    use sqlx::PgPool;

    async fn patient(pool: &PgPool, given: &str, family: &str) -> sqlx::Result<uuid::Uuid> {
        let id = uuid::Uuid::new_v4();
        sqlx::query(
            "insert into patient (patient_id, given_name, family_name, birth_date, sex)
             values ($1, $2, $3, '1980-02-03', 'female')",
        )
        .bind(id)
        .bind(given)
        .bind(family)
        .execute(pool)
        .await?;
        Ok(id)
    }

    fn filter() -> AuditFilter {
        AuditFilter::default()
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn filters_combine_and_pages_do_not_overlap(pool: PgPool) -> Result<(), AppError> {
        let nurse = crate::auth::account::tests::make_account(&pool, "nurse.joy@example.org").await;
        let ana = patient(&pool, "Ana", "Lopez").await?;
        let ben = patient(&pool, "Ben", "Okafor").await?;
        for i in 0..60 {
            let who = if i % 2 == 0 { ana } else { ben };
            let event = AuditEvent::new("record.read", Outcome::Success)
                .by(nurse)
                .about_patient(who);
            audit::record(&pool, &event).await?;
        }
        audit::record(&pool, &AuditEvent::new("session.sign_in", Outcome::Failure)).await?;
        audit::record(
            &pool,
            &AuditEvent::new("sessions_elsewhere.read", Outcome::Success),
        )
        .await?;

        let all = search(&pool, &filter()).await?;
        assert_eq!(all.rows.len(), 50);
        assert!(
            all.rows.windows(2).all(|w| w[0].seq > w[1].seq),
            "newest first"
        );
        let rest = search(
            &pool,
            &AuditFilter {
                before: all.next_before,
                ..filter()
            },
        )
        .await?;
        assert_eq!(rest.rows.len(), 12);
        assert_eq!(rest.next_before, None);
        assert!(rest.rows.first().map(|r| r.seq) < all.rows.last().map(|r| r.seq));

        let anas = search(
            &pool,
            &AuditFilter {
                patient: Some("ana lo".into()),
                who: Some("JOY".into()),
                ..filter()
            },
        )
        .await?;
        assert_eq!(anas.rows.len(), 30);
        assert!(anas
            .rows
            .iter()
            .all(|r| r.patient.as_deref() == Some("Ana Lopez")));
        assert_eq!(
            anas.rows.first().and_then(|r| r.actor.as_deref()),
            Some("Test Person <nurse.joy@example.org>")
        );

        let sessions = search(
            &pool,
            &AuditFilter {
                action: Some("session".into()),
                ..filter()
            },
        )
        .await?;
        assert_eq!(sessions.rows.len(), 1, "a prefix ends at a dot");
        let failures = search(
            &pool,
            &AuditFilter {
                outcome: Some("failure".into()),
                ..filter()
            },
        )
        .await?;
        assert_eq!(failures.rows.len(), 1);
        let today = chrono::Utc::now().date_naive();
        let none = search(
            &pool,
            &AuditFilter {
                to: Some((today - chrono::Duration::days(1)).to_string()),
                ..filter()
            },
        )
        .await?;
        assert!(none.rows.is_empty());
        let wildcard = search(
            &pool,
            &AuditFilter {
                who: Some("%".into()),
                ..filter()
            },
        )
        .await?;
        assert!(wildcard.rows.is_empty(), "% is a character, not a wildcard");
        Ok(())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn bad_filters_are_named(pool: PgPool) {
        let bad = search(
            &pool,
            &AuditFilter {
                from: Some("yesterday".into()),
                outcome: Some("maybe".into()),
                action: Some("drop table;".into()),
                ..filter()
            },
        )
        .await;
        let named = match bad {
            Err(AppError::Validation(fields)) => fields.into_keys().collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        assert_eq!(named, ["action", "from", "outcome"]);
    }
}
