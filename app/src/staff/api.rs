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
        .map(|w| crate::db::contains_pattern(&w.chars().take(50).collect::<String>()))
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
    use super::*;

    #[test]
    fn a_new_patient_needs_names_a_past_birth_date_sex_and_language() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default();
        let good = NewPatientForm {
            given_name: " Rosa ".into(),
            family_name: "Delgado".into(),
            birth_date: "1975-04-09".into(),
            sex: "female".into(),
            preferred_language: "es".into(),
            email: String::new(),
        };
        assert!(matches!(check_new_patient(&good, today), Ok((_, None))));
        let bad = NewPatientForm {
            given_name: "  ".into(),
            family_name: "x".repeat(101),
            birth_date: "2027-01-01".into(),
            sex: "robot".into(),
            preferred_language: "fr".into(),
            email: "not an email".into(),
        };
        let problems = check_new_patient(&bad, today).err().unwrap_or_default();
        assert_eq!(
            problems,
            std::collections::BTreeMap::from([
                ("birth_date".to_string(), "future".to_string()),
                ("email".to_string(), "invalid".to_string()),
                ("family_name".to_string(), "too_long".to_string()),
                ("given_name".to_string(), "required".to_string()),
                ("preferred_language".to_string(), "required".to_string()),
                ("sex".to_string(), "required".to_string()),
            ])
        );
    }

    #[test]
    fn the_code_cookie_is_short_lived_and_only_for_staff_pages() {
        let c = code_cookie(Some("ABCD-EFGH"));
        assert!(c.starts_with(
            "new_link_code=ABCD-EFGH; Path=/staff; Max-Age=120; HttpOnly; SameSite=Strict"
        ));
        assert!(code_cookie(None).contains("Max-Age=0"));
    }
}

/// What the add-a-patient form held, brought back after a failed post without JavaScript.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPatientForm {
    pub given_name: String,
    pub family_name: String,
    pub birth_date: String,
    pub sex: String,
    pub preferred_language: String,
    pub email: String,
}

#[cfg(feature = "ssr")]
pub const NEW_PATIENT_COOKIE: &str = "new_patient_form";

/// Checks the add-a-patient form: field name → problem code.
#[cfg(feature = "ssr")]
pub fn check_new_patient(
    form: &NewPatientForm,
    today: chrono::NaiveDate,
) -> Result<(chrono::NaiveDate, Option<String>), std::collections::BTreeMap<String, String>> {
    let mut problems = std::collections::BTreeMap::new();
    for (field, value) in [
        ("given_name", &form.given_name),
        ("family_name", &form.family_name),
    ] {
        let n = value.trim().chars().count();
        if n == 0 {
            problems.insert(field.to_string(), "required".to_string());
        } else if n > 100 {
            problems.insert(field.to_string(), "too_long".to_string());
        }
    }
    let birth = match chrono::NaiveDate::parse_from_str(form.birth_date.trim(), "%Y-%m-%d") {
        Ok(d) if d > today => {
            problems.insert("birth_date".into(), "future".into());
            None
        }
        Ok(d) if d <= chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(d) => {
            problems.insert("birth_date".into(), "invalid".into());
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            let code = if form.birth_date.trim().is_empty() {
                "required"
            } else {
                "invalid"
            };
            problems.insert("birth_date".into(), code.into());
            None
        }
    };
    if !matches!(form.sex.as_str(), "female" | "male" | "other" | "unknown") {
        problems.insert("sex".into(), "required".into());
    }
    if !matches!(form.preferred_language.as_str(), "en" | "es") {
        problems.insert("preferred_language".into(), "required".into());
    }
    let email = match form.email.trim() {
        "" => None,
        typed => match crate::auth::check_email(typed) {
            Ok(e) => Some(e.to_string()),
            Err(code) => {
                problems.insert("email".into(), code.into());
                None
            }
        },
    };
    match birth {
        Some(birth) if problems.is_empty() => Ok((birth, email)),
        _ => Err(problems),
    }
}

/// Creates a patient record (no account yet) and opens its staff page. Staff with a second
/// factor only; refuses a second record with the same name and date of birth; audited.
#[server]
pub async fn create_patient(
    given_name: String,
    family_name: String,
    birth_date: String,
    sex: Option<String>,
    preferred_language: Option<String>,
    email: Option<String>,
) -> Result<String, AppError> {
    let form = NewPatientForm {
        given_name,
        family_name,
        birth_date,
        sex: sex.unwrap_or_default(),
        preferred_language: preferred_language.unwrap_or_default(),
        email: email.unwrap_or_default(),
    };
    crate::error::with_status(create_patient_inner(form).await)
}

#[cfg(feature = "ssr")]
async fn create_patient_inner(form: NewPatientForm) -> Result<String, AppError> {
    use crate::audit::{self, AuditEvent, Outcome};
    use crate::auth::{account::Role, server};
    use crate::forms::{forget_cookie, remember_cookie};
    let caller = server::require_role(Role::Staff).await?;
    let remember = |form: &NewPatientForm| {
        server::set_cookie(&remember_cookie(
            NEW_PATIENT_COOKIE,
            "/staff/patients",
            form,
        ));
    };
    let (birth, email) = match check_new_patient(&form, chrono::Utc::now().date_naive()) {
        Ok(ok) => ok,
        Err(problems) => {
            remember(&form);
            return Err(AppError::Validation(problems));
        }
    };
    let pool = crate::state::db()?;
    let mut tx = pool.begin().await?;
    let (given, family) = (form.given_name.trim(), form.family_name.trim());
    let duplicate = sqlx::query_scalar!(
        r#"select exists(select 1 from patient where lower(given_name) = lower($1)
                         and lower(family_name) = lower($2) and birth_date = $3) as "e!""#,
        given,
        family,
        birth
    )
    .fetch_one(&mut *tx)
    .await?;
    if duplicate {
        remember(&form);
        return Err(AppError::Conflict("duplicate".into()));
    }
    let id = uuid::Uuid::new_v4();
    sqlx::query!(
        "insert into patient (patient_id, given_name, family_name, birth_date, sex,
                              preferred_language, email)
         values ($1, $2, $3, $4, $5, $6, $7)",
        id,
        given,
        family,
        birth,
        form.sex,
        form.preferred_language,
        email
    )
    .execute(&mut *tx)
    .await?;
    let client = server::current_client();
    let event = AuditEvent::new("patient.create", Outcome::Success)
        .by(caller.account.account_id)
        .about_patient(id)
        .from_client(client.ip, client.user_agent.as_deref());
    audit::record(&mut *tx, &event).await?;
    tx.commit().await?;
    server::set_cookie(&forget_cookie(NEW_PATIENT_COOKIE, "/staff/patients"));
    leptos_axum::redirect(&format!("/staff/patients/{id}?created=1"));
    Ok(id.to_string())
}
