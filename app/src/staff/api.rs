use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One patient in a staff search.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientListing {
    pub patient_id: String,
    pub name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// Whether an account is linked to the record (the patient signs in themself).
    pub has_account: bool,
}

/// Most results a search returns; narrow it down with a date of birth.
pub const SEARCH_LIMIT: i64 = 25;

/// Patients whose name contains `name` (all words, any order) and, when given, born on
/// `birth_date`. Staff with a second factor only; the search is audited.
#[server]
pub async fn find_patients(
    name: String,
    birth_date: Option<String>,
) -> Result<Vec<PatientListing>, AppError> {
    crate::error::with_status(find_patients_inner(name, birth_date).await)
}

#[cfg(feature = "ssr")]
async fn find_patients_inner(
    name: String,
    birth_date: Option<String>,
) -> Result<Vec<PatientListing>, AppError> {
    use crate::audit::{self, AuditEvent, Outcome};
    use crate::auth::{account::Role, server};
    let caller = server::require_role(Role::Staff).await?;
    let birth = match birth_date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(d) => Some(
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                AppError::Validation([("birth_date".to_string(), "invalid".to_string())].into())
            })?,
        ),
        None => None,
    };
    let words: Vec<String> = name
        .split_whitespace()
        .take(5)
        .map(|w| {
            format!(
                "%{}%",
                w.chars()
                    .take(50)
                    .collect::<String>()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        })
        .collect();
    if words.is_empty() && birth.is_none() {
        return Err(AppError::Validation(
            [("name".to_string(), "required".to_string())].into(),
        ));
    }
    let pool = crate::state::db()?;
    let rows = sqlx::query!(
        r#"select p.patient_id, p.given_name || ' ' || p.family_name as "name!", p.birth_date,
                  exists(select 1 from patient_access s where s.patient_id = p.patient_id
                         and s.relationship = 'self' and s.revoked_at is null) as "has_account!"
           from patient p
           where (select bool_and(p.given_name || ' ' || p.family_name ilike w)
                  from unnest($1::text[]) w) is not false
             and ($2::date is null or p.birth_date = $2)
           order by p.family_name, p.given_name, p.birth_date
           limit $3"#,
        &words,
        birth,
        SEARCH_LIMIT
    )
    .fetch_all(&pool)
    .await?;
    let client = server::current_client();
    let event = AuditEvent::new("patient.search", Outcome::Success)
        .by(caller.account.account_id)
        .from_client(client.ip, client.user_agent.as_deref());
    audit::record(&pool, &event).await?;
    Ok(rows
        .into_iter()
        .map(|r| PatientListing {
            patient_id: r.patient_id.to_string(),
            name: r.name,
            birth_date: r.birth_date.to_string(),
            has_account: r.has_account,
        })
        .collect())
}

/// The cookie that carries a new invitation code to the next view of the patient's page.
#[cfg(feature = "ssr")]
pub const NEW_CODE_COOKIE: &str = "new_link_code";

/// `Set-Cookie` for a new invitation code (two minutes, staff pages only); `None` clears it.
#[cfg(feature = "ssr")]
pub fn code_cookie(code: Option<&str>) -> String {
    let secure = crate::state::config()
        .map(|c| c.secure_cookies)
        .unwrap_or(true);
    let secure = if secure { "; Secure" } else { "" };
    match code {
        Some(code) => format!(
            "{NEW_CODE_COOKIE}={code}; Path=/staff; Max-Age=120; HttpOnly; SameSite=Strict{secure}"
        ),
        None => {
            format!("{NEW_CODE_COOKIE}=; Path=/staff; Max-Age=0; HttpOnly; SameSite=Strict{secure}")
        }
    }
}

/// The invitation code the previous request made, shown once (the cookie is cleared).
#[cfg(feature = "ssr")]
pub fn take_new_code() -> Option<String> {
    let code = crate::cookies::from_request(NEW_CODE_COOKIE)
        .filter(|c| c.len() <= 20 && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-'))?;
    crate::auth::server::set_cookie(&code_cookie(None));
    Some(code)
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    #[test]
    fn the_code_cookie_is_short_lived_and_only_for_staff_pages() {
        let c = super::code_cookie(Some("ABCD-EFGH"));
        assert!(c.starts_with(
            "new_link_code=ABCD-EFGH; Path=/staff; Max-Age=120; HttpOnly; SameSite=Strict"
        ));
        assert!(super::code_cookie(None).contains("Max-Age=0"));
    }
}
