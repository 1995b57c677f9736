//! Release rules: how long after a result is taken it reaches the patient's portal, per kind
//! of result (laboratory, vital signs, imaging, pathology), so a clinician can speak to the
//! patient first. Administrators set each delay in whole hours, from 0 (at once) to a year.
//! A change applies to the results still waiting, counted from when each was taken, as well as
//! to new ones; a result already released is never withdrawn. Staff can still release a held
//! result early (`entry::release_result`). Outside records arrive released: their source
//! already released them.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The kinds of result a rule can hold, in the order the page lists them.
pub const RELEASE_CATEGORIES: [&str; 4] = ["laboratory", "vital-signs", "imaging", "pathology"];
/// A year, the longest delay.
pub const MAX_DELAY_HOURS: i32 = 8_760;
/// The cookie keeping a refused delay as typed: (category, text).
#[cfg(feature = "ssr")]
pub const KEPT_RELEASE: &str = "kept_release_rule";

/// One kind of result and its delay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseRule {
    pub category: String,
    pub delay_hours: i32,
    /// Results of this kind waiting now, across all patients (no names: a count).
    pub waiting: i64,
}

/// Checks a delay as typed: whole hours from 0 to a year.
pub fn check_delay(text: &str) -> Result<i32, &'static str> {
    match text.trim().parse::<i32>() {
        Ok(h) if (0..=MAX_DELAY_HOURS).contains(&h) => Ok(h),
        Ok(_) => Err("range"),
        Err(_) => Err("not_hours"),
    }
}

/// Every kind of result with its delay. Administrators only.
#[server]
pub async fn release_rules() -> Result<Vec<ReleaseRule>, AppError> {
    crate::error::with_status(server::rules().await)
}

/// Sets how many hours after it is taken a `category` of result reaches the portal (0: at
/// once); results still waiting follow the new delay. Administrators only. Audited.
#[server]
pub async fn save_release_rule(category: String, delay_hours: String) -> Result<(), AppError> {
    crate::error::with_status(server::save(category, delay_hours).await)
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::*;
    use crate::audit::{AuditEvent, Outcome};
    use crate::auth::account::Role;
    use std::collections::BTreeMap;

    pub async fn rules() -> Result<Vec<ReleaseRule>, AppError> {
        crate::auth::server::require_role(Role::Administrator).await?;
        let pool = crate::state::db()?;
        let rows = sqlx::query!(
            r#"select c.category as "category!", coalesce(r.delay_hours, 0) as "delay_hours!",
                      (select count(*) from record_item i
                       where i.category = c.category and i.released_at > now()) as "waiting!"
               from unnest($1::text[]) with ordinality as c(category, n)
               left join record_release_rule r using (category)
               order by c.n"#,
            &RELEASE_CATEGORIES.map(String::from)
        )
        .fetch_all(&pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| ReleaseRule {
                category: r.category,
                delay_hours: r.delay_hours,
                waiting: r.waiting,
            })
            .collect())
    }

    pub async fn save(category: String, delay_hours: String) -> Result<(), AppError> {
        let caller = crate::auth::server::require_role(Role::Administrator).await?;
        let category = category.trim();
        if !RELEASE_CATEGORIES.contains(&category) {
            return Err(AppError::NotFound);
        }
        use crate::forms::{forget_cookie, remember_cookie};
        let path = "/admin/records/release";
        let hours = check_delay(&delay_hours).map_err(|p| {
            let kept = (category.to_string(), delay_hours.clone());
            crate::auth::server::set_cookie(&remember_cookie(KEPT_RELEASE, path, &kept));
            AppError::Validation(BTreeMap::from([(category.to_string(), p.to_string())]))
        })?;
        let mut tx = crate::state::db()?.begin().await?;
        sqlx::query!(
            "insert into record_release_rule (category, delay_hours) values ($1, $2)
             on conflict (category) do update set delay_hours = excluded.delay_hours",
            category,
            hours
        )
        .execute(&mut *tx)
        .await?;
        // What still waits follows the new rule, counted from when it was taken; nothing
        // already released is withdrawn.
        sqlx::query!(
            "update record_item
             set released_at = greatest(now(), coalesce(effective_at, created_at)
                                                + make_interval(hours => $2))
             where category = $1 and released_at > now()",
            category,
            hours
        )
        .execute(&mut *tx)
        .await?;
        let client = crate::auth::server::current_client();
        crate::audit::record(
            &mut *tx,
            &AuditEvent::new("records.release_rule", Outcome::Success)
                .by(caller.account.account_id)
                .on("release_rule", category)
                .from_client(client.ip, client.user_agent.as_deref()),
        )
        .await?;
        tx.commit().await?;
        crate::auth::server::set_cookie(&forget_cookie(KEPT_RELEASE, path));
        leptos_axum::redirect(&format!("{path}?saved={category}"));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delay_is_whole_hours_up_to_a_year() {
        assert_eq!(check_delay(" 72 "), Ok(72));
        assert_eq!(check_delay("0"), Ok(0));
        assert_eq!(check_delay("8760"), Ok(8_760));
        assert_eq!(check_delay("8761"), Err("range"));
        assert_eq!(check_delay("-1"), Err("range"));
        assert_eq!(check_delay("1.5"), Err("not_hours"));
        assert_eq!(check_delay(""), Err("not_hours"));
    }
}
