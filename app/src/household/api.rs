//! Server functions for the people an account acts for: the household switcher, linking an
//! account to its patient record, proxies, and the patient's access log. Each says who may call
//! it; those that touch a patient's data go through `auth::access::require_access` first.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One person the caller can act for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonCard {
    pub patient_id: String,
    pub name: String,
    /// `self`, `parent` or `proxy`.
    pub relationship: String,
    pub scopes: Vec<String>,
    pub acting_for: bool,
}

/// Cookie naming the patient the caller is acting for (a choice, never an authorization: every
/// read checks access again).
#[cfg(feature = "ssr")]
pub const ACTING_FOR_COOKIE: &str = "acting_for";

/// The people the signed-in caller can act for (themself first), and which one they are acting
/// for now. Only a signed-in caller, about themself.
#[server]
pub async fn my_people() -> Result<Vec<PersonCard>, AppError> {
    crate::error::with_status(my_people_inner().await)
}

#[cfg(feature = "ssr")]
async fn my_people_inner() -> Result<Vec<PersonCard>, AppError> {
    let caller = crate::auth::server::require_user().await?;
    people_of(caller.account.account_id).await
}

/// The id of something private (a patient, a visit, a conversation) from a form or an address.
/// A malformed id and someone else's id look the same to the caller: both are `Forbidden`.
#[cfg(feature = "ssr")]
pub fn parse_private_id(id: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::Forbidden)
}

/// The patient a patient-side server function acts on: the one named, or else the one the
/// caller is acting for (`Conflict("no_patient")` when there is nobody). A choice, never an
/// authorization: the caller still goes through `require_access`.
#[cfg(feature = "ssr")]
pub async fn acting_patient(patient_id: Option<String>) -> Result<uuid::Uuid, AppError> {
    if let Some(id) = patient_id.filter(|p| !p.trim().is_empty()) {
        return parse_private_id(&id);
    }
    let caller = crate::auth::server::require_user().await?;
    people_of(caller.account.account_id)
        .await?
        .into_iter()
        .find(|p| p.acting_for)
        .and_then(|p| uuid::Uuid::parse_str(&p.patient_id).ok())
        .ok_or_else(|| AppError::Conflict("no_patient".into()))
}

#[cfg(feature = "ssr")]
pub async fn people_of(account: uuid::Uuid) -> Result<Vec<PersonCard>, AppError> {
    let pool = crate::state::db()?;
    let reachable =
        crate::auth::access::reachable_patients(&pool, account, chrono::Utc::now()).await?;
    let chosen = crate::cookies::from_request(ACTING_FOR_COOKIE)
        .and_then(|v| uuid::Uuid::parse_str(&v).ok())
        .filter(|id| reachable.iter().any(|r| r.patient_id == *id))
        .or_else(|| reachable.first().map(|r| r.patient_id));
    Ok(reachable
        .into_iter()
        .map(|r| PersonCard {
            patient_id: r.patient_id.to_string(),
            name: format!("{} {}", r.given_name, r.family_name),
            relationship: r.relationship.as_str().to_string(),
            scopes: r.scopes.iter().map(|s| s.as_str().to_string()).collect(),
            acting_for: Some(r.patient_id) == chosen,
        })
        .collect())
}

/// Chooses whom the caller acts for on every page. Only a signed-in caller, and only a person
/// they can act for.
#[server]
pub async fn act_for(patient_id: String) -> Result<(), AppError> {
    crate::error::with_status(act_for_inner(patient_id).await)
}

#[cfg(feature = "ssr")]
async fn act_for_inner(patient_id: String) -> Result<(), AppError> {
    let caller = crate::auth::server::require_user().await?;
    let people = people_of(caller.account.account_id).await?;
    let Some(person) = people.iter().find(|p| p.patient_id == patient_id.trim()) else {
        return Err(AppError::Forbidden);
    };
    let secure = crate::state::config()?.secure_cookies;
    crate::auth::server::set_cookie(&format!(
        "{ACTING_FOR_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax{}",
        person.patient_id,
        if secure { "; Secure" } else { "" }
    ));
    leptos_axum::redirect("/me");
    Ok(())
}

/// What the "your health record" page shows about one patient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientSummary {
    pub patient_id: String,
    pub name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    pub preferred_language: String,
    /// `patient`, `parent`, `proxy` or `staff`.
    pub acting_as: String,
    /// Whether this caller may see items marked confidential (a teen's, from a parent).
    pub show_confidential: bool,
    /// Whether this caller may see the access log and manage who has access.
    pub manages_access: bool,
}

#[cfg(feature = "ssr")]
fn parse_patient(id: &str) -> Result<uuid::Uuid, AppError> {
    // Not a real id and no such patient look the same.
    uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::Forbidden)
}

/// The page that manages who can see this record, for whoever is managing it: staff work from
/// the patient's staff page, everyone else from their own household pages.
#[cfg(feature = "ssr")]
fn access_page(access: &crate::auth::access::Access, notice: &str) -> String {
    match access.allowed.acting_as {
        crate::auth::access::ActingAs::Staff => {
            format!("/staff/patients/{}?{notice}=1", access.patient_id)
        }
        _ => format!("/me/people?{notice}=1"),
    }
}

#[cfg(feature = "ssr")]
fn manages_access(acting_as: crate::auth::access::ActingAs) -> bool {
    use crate::auth::access::ActingAs;
    matches!(
        acting_as,
        ActingAs::Patient | ActingAs::Parent | ActingAs::Staff
    )
}

/// A patient's name, date of birth and language. The patient, a parent, a proxy with the
/// records scope, or staff; every read is audited.
#[server]
pub async fn patient_overview(patient_id: String) -> Result<PatientSummary, AppError> {
    crate::error::with_status(patient_overview_inner(patient_id).await)
}

#[cfg(feature = "ssr")]
async fn patient_overview_inner(patient_id: String) -> Result<PatientSummary, AppError> {
    use crate::auth::access::{require_access, ActingAs, Scope};
    let access = require_access(parse_patient(&patient_id)?, Scope::Records).await?;
    let pool = crate::state::db()?;
    let mut tx = pool.begin().await?;
    let patient = super::db::find_patient(&mut *tx, access.patient_id)
        .await?
        .ok_or(AppError::Forbidden)?;
    crate::audit::record(&mut *tx, &access.audit("patient.read")).await?;
    tx.commit().await?;
    Ok(PatientSummary {
        patient_id: patient.patient_id.to_string(),
        name: format!("{} {}", patient.given_name, patient.family_name),
        birth_date: patient.birth_date.to_string(),
        preferred_language: patient.preferred_language,
        acting_as: match access.allowed.acting_as {
            ActingAs::Patient => "patient",
            ActingAs::Parent => "parent",
            ActingAs::Proxy => "proxy",
            ActingAs::Staff => "staff",
        }
        .into(),
        show_confidential: access.allowed.show_confidential,
        manages_access: manages_access(access.allowed.acting_as),
    })
}

/// One line of "who viewed my record".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessLogView {
    /// UTC, `YYYY-MM-DD HH:MM`.
    pub when: String,
    /// `you`, a person's name, or `system`.
    pub who: String,
    pub you: bool,
    /// Staff roles of whoever it was (empty for patients and proxies).
    pub roles: Vec<String>,
    /// The dotted action, e.g. `patient.read`.
    pub action: String,
}

/// Who read or changed a patient's data, newest first (200 lines). The patient, a parent, or
/// staff — not other proxies.
#[server]
pub async fn patient_access_log(patient_id: String) -> Result<Vec<AccessLogView>, AppError> {
    crate::error::with_status(patient_access_log_inner(patient_id).await)
}

#[cfg(feature = "ssr")]
async fn patient_access_log_inner(patient_id: String) -> Result<Vec<AccessLogView>, AppError> {
    use crate::auth::access::{require_access, Scope};
    let access = require_access(parse_patient(&patient_id)?, Scope::Records).await?;
    if !manages_access(access.allowed.acting_as) {
        return Err(AppError::Forbidden);
    }
    let pool = crate::state::db()?;
    let lines = super::db::access_log(&pool, access.patient_id, 200).await?;
    crate::audit::record(&pool, &access.audit("patient.access_log.read")).await?;
    let me = access.caller.account.account_id;
    Ok(lines
        .into_iter()
        .map(|l| {
            let you = l.actor_account_id == Some(me);
            AccessLogView {
                when: l.occurred_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                who: l.actor_name.unwrap_or_else(|| "system".into()),
                you,
                roles: l.actor_roles,
                action: l.action,
            }
        })
        .collect())
}

/// Someone with access to a patient, as the patient manages it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantView {
    pub access_id: String,
    pub who: String,
    pub relationship: String,
    pub scopes: Vec<String>,
    /// `YYYY-MM-DD`, when the access ends by itself.
    pub expires_on: Option<String>,
    pub accepted: bool,
    /// A parent's grant that includes the teen's confidential items.
    pub confidential_shared: bool,
    /// The caller is the teen (12 to 17) and this is a parent's grant they can widen or narrow.
    pub can_share_confidential: bool,
}

/// Everyone (but the patient) who can act for a patient or is invited to. The patient, a
/// parent, or staff.
#[server]
pub async fn patient_grants(patient_id: String) -> Result<Vec<GrantView>, AppError> {
    crate::error::with_status(patient_grants_inner(patient_id).await)
}

#[cfg(feature = "ssr")]
async fn patient_grants_inner(patient_id: String) -> Result<Vec<GrantView>, AppError> {
    use crate::auth::access::{require_access, Scope};
    let access = require_access(parse_patient(&patient_id)?, Scope::Records).await?;
    if !manages_access(access.allowed.acting_as) {
        return Err(AppError::Forbidden);
    }
    let pool = crate::state::db()?;
    let grants = super::db::list_grants(&pool, access.patient_id).await?;
    let teen_self = access.allowed.acting_as == crate::auth::access::ActingAs::Patient
        && is_teen(&pool, access.patient_id).await?;
    crate::audit::record(&pool, &access.audit("proxy.list")).await?;
    Ok(grants
        .into_iter()
        .map(|g| GrantView {
            access_id: g.access_id.to_string(),
            can_share_confidential: teen_self && g.relationship == "parent",
            who: g.who,
            relationship: g.relationship,
            scopes: g.scopes,
            expires_on: g.expires_at.map(|t| t.date_naive().to_string()),
            accepted: g.accepted,
            confidential_shared: g.confidential_granted,
        })
        .collect())
}

/// Whether the patient is between the ages at which confidential items are theirs to share.
#[cfg(feature = "ssr")]
async fn is_teen(pool: &sqlx::PgPool, patient: uuid::Uuid) -> Result<bool, AppError> {
    use crate::auth::access::{age_on, ADULT_AGE, TEEN_AGE};
    let born = sqlx::query_scalar!(
        "select birth_date from patient where patient_id = $1",
        patient
    )
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let age = age_on(born, chrono::Utc::now().date_naive());
    Ok((TEEN_AGE..ADULT_AGE).contains(&age))
}

/// Lets a parent see (`share` true) or no longer see the items a teen marked confidential.
/// Only the teen themself (12 to 17), about their own record: not the parent, not staff.
#[server]
pub async fn share_confidential(
    patient_id: String,
    access_id: String,
    share: bool,
) -> Result<(), AppError> {
    crate::error::with_status(share_confidential_inner(patient_id, access_id, share).await)
}

#[cfg(feature = "ssr")]
async fn share_confidential_inner(
    patient_id: String,
    access_id: String,
    share: bool,
) -> Result<(), AppError> {
    use crate::auth::access::{require_access, ActingAs, Scope};
    let access = require_access(parse_patient(&patient_id)?, Scope::Records).await?;
    if access.allowed.acting_as != ActingAs::Patient {
        return Err(AppError::Forbidden);
    }
    let pool = crate::state::db()?;
    if !is_teen(&pool, access.patient_id).await? {
        return Err(AppError::Conflict("not_teen".into()));
    }
    let grant = uuid::Uuid::parse_str(access_id.trim()).map_err(|_| AppError::NotFound)?;
    let mut tx = pool.begin().await?;
    if !super::db::set_confidential_sharing(&mut *tx, access.patient_id, grant, share).await? {
        return Err(AppError::NotFound);
    }
    let action = if share {
        "proxy.confidential_share"
    } else {
        "proxy.confidential_unshare"
    };
    crate::audit::record(&mut *tx, &access.audit(action).on("patient_access", grant)).await?;
    tx.commit().await?;
    leptos_axum::redirect(if share {
        "/me/people?shared=1"
    } else {
        "/me/people?unshared=1"
    });
    Ok(())
}

/// What the invitation form held, brought back after a failed post without JavaScript.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteForm {
    pub email: String,
    pub scopes: Vec<String>,
    pub expires_on: String,
}

#[cfg(feature = "ssr")]
pub const INVITE_FORM_COOKIE: &str = "invite_form";

/// Invites someone by email to act for a patient with the scopes ticked, until an optional
/// date. The patient, a parent, or staff; the invitation must be accepted.
#[server]
#[allow(clippy::too_many_arguments, reason = "one argument per form field")]
pub async fn invite_proxy(
    patient_id: String,
    email: String,
    records: Option<String>,
    messages: Option<String>,
    scheduling: Option<String>,
    billing: Option<String>,
    expires_on: Option<String>,
) -> Result<(), AppError> {
    let scopes = [
        (records, crate::auth::access::Scope::Records),
        (messages, crate::auth::access::Scope::Messages),
        (scheduling, crate::auth::access::Scope::Scheduling),
        (billing, crate::auth::access::Scope::Billing),
    ]
    .into_iter()
    .filter_map(|(ticked, scope)| ticked.map(|_| scope))
    .collect();
    crate::error::with_status(invite_proxy_inner(patient_id, email, scopes, expires_on).await)
}

#[cfg(feature = "ssr")]
async fn invite_proxy_inner(
    patient_id: String,
    email: String,
    scopes: Vec<crate::auth::access::Scope>,
    expires_on: Option<String>,
) -> Result<(), AppError> {
    use crate::auth::access::{require_access, Scope};
    use crate::email::{outbox, Template};
    use std::collections::BTreeMap;

    let access = require_access(parse_patient(&patient_id)?, Scope::Records).await?;
    if !manages_access(access.allowed.acting_as) {
        return Err(AppError::Forbidden);
    }
    let now = chrono::Utc::now();
    let pool = crate::state::db()?;
    let me = access.caller.account.account_id;
    if !crate::auth::server::within_rate_limit(&pool, &format!("invite_proxy:{me}"), 10, now)
        .await?
    {
        return Err(AppError::RateLimited);
    }
    let mut problems = BTreeMap::new();
    let typed_email = email.trim().to_string();
    let email = match crate::auth::check_email(&email) {
        Ok(e) => Some(e.to_string()),
        Err(code) => {
            problems.insert("email".to_string(), code.to_string());
            None
        }
    };
    if scopes.is_empty() {
        problems.insert("scopes".to_string(), "required".to_string());
    }
    let expires_at = match expires_on
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(day) => match chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d") {
            Ok(d) if d > now.date_naive() => d
                .succ_opt()
                .and_then(|next| next.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc()),
            Ok(_) => {
                problems.insert("expires_on".to_string(), "past".to_string());
                None
            }
            Err(_) => {
                problems.insert("expires_on".to_string(), "invalid".to_string());
                None
            }
        },
    };
    let Some(email) = email.filter(|_| problems.is_empty()) else {
        let typed = InviteForm {
            email: typed_email.clone(),
            scopes: scopes.iter().map(|s| s.as_str().to_string()).collect(),
            expires_on: expires_on.clone().unwrap_or_default(),
        };
        crate::auth::server::set_cookie(&crate::forms::remember_cookie(
            INVITE_FORM_COOKIE,
            "/me/people",
            &typed,
        ));
        return Err(AppError::Validation(problems));
    };
    crate::auth::server::set_cookie(&crate::forms::forget_cookie(
        INVITE_FORM_COOKIE,
        "/me/people",
    ));
    let mut tx = pool.begin().await?;
    let (access_id, token) = super::db::invite_proxy(
        &mut tx,
        access.patient_id,
        &email,
        &scopes,
        expires_at,
        me,
        now,
    )
    .await?;
    let language = super::db::find_patient(&mut *tx, access.patient_id)
        .await?
        .map(|p| p.preferred_language)
        .unwrap_or_else(|| "en".into());
    outbox::queue(
        &mut *tx,
        &email,
        &language,
        &Template::ProxyInvitation {
            link: format!(
                "{}/proxy/accept?token={token}",
                crate::state::config()?.link_origin()
            ),
        },
    )
    .await?;
    crate::audit::record(
        &mut *tx,
        &access.audit("proxy.invite").on("patient_access", access_id),
    )
    .await?;
    tx.commit().await?;
    leptos_axum::redirect(&access_page(&access, "invited"));
    Ok(())
}

/// Ends someone's access to a patient at once (one click). The patient, a parent, or staff.
#[server]
pub async fn revoke_access(patient_id: String, access_id: String) -> Result<(), AppError> {
    crate::error::with_status(revoke_access_inner(patient_id, access_id).await)
}

#[cfg(feature = "ssr")]
async fn revoke_access_inner(patient_id: String, access_id: String) -> Result<(), AppError> {
    use crate::auth::access::{require_access, Scope};
    let access = require_access(parse_patient(&patient_id)?, Scope::Records).await?;
    if !manages_access(access.allowed.acting_as) {
        return Err(AppError::Forbidden);
    }
    let grant = uuid::Uuid::parse_str(access_id.trim()).map_err(|_| AppError::NotFound)?;
    let pool = crate::state::db()?;
    let mut tx = pool.begin().await?;
    if !super::db::revoke(&mut *tx, access.patient_id, grant, chrono::Utc::now()).await? {
        return Err(AppError::NotFound);
    }
    crate::audit::record(
        &mut *tx,
        &access.audit("proxy.revoke").on("patient_access", grant),
    )
    .await?;
    tx.commit().await?;
    leptos_axum::redirect(&access_page(&access, "revoked"));
    Ok(())
}

/// Accepts an emailed invitation to act for someone: the signed-in caller's account gets the
/// access. Any signed-in caller holding the link; a used, revoked or expired link is refused.
#[server]
pub async fn accept_proxy_invitation(token: String) -> Result<(), AppError> {
    crate::error::with_status(accept_proxy_invitation_inner(token).await)
}

#[cfg(feature = "ssr")]
async fn accept_proxy_invitation_inner(token: String) -> Result<(), AppError> {
    use crate::audit::{AuditEvent, Outcome};
    let caller = crate::auth::server::require_user().await?;
    let pool = crate::state::db()?;
    let now = chrono::Utc::now();
    let mut tx = pool.begin().await?;
    let accepted =
        super::db::accept_invitation(&mut *tx, &token, caller.account.account_id, now).await;
    let patient = match accepted {
        Ok(Some(p)) => p,
        Ok(None) => return Err(AppError::Conflict("link_invalid".into())),
        Err(sqlx::Error::Database(e)) if e.constraint() == Some(super::db::ALREADY_GRANTED) => {
            return Err(AppError::Conflict("already_granted".into()))
        }
        Err(e) => return Err(e.into()),
    };
    let client = crate::auth::server::current_client();
    let event = AuditEvent::new("proxy.accept", Outcome::Success)
        .by(caller.account.account_id)
        .about_patient(patient)
        .from_client(client.ip, client.user_agent.as_deref());
    crate::audit::record(&mut *tx, &event).await?;
    tx.commit().await?;
    leptos_axum::redirect("/me");
    Ok(())
}

/// Links the caller's account to their patient record with an invitation code from staff.
/// Only a signed-in caller, for their own account; limited per account.
#[server]
pub async fn link_with_invitation(code: String) -> Result<(), AppError> {
    crate::error::with_status(link_inner(code, super::db::CodeKind::Invitation).await)
}

/// Links the caller's account to their patient record with the code emailed to the address on
/// that record. Only the signed-in caller who asked for the code; limited per account.
#[server]
pub async fn link_with_emailed_code(code: String) -> Result<(), AppError> {
    crate::error::with_status(link_inner(code, super::db::CodeKind::Emailed).await)
}

#[cfg(feature = "ssr")]
async fn link_inner(code: String, kind: super::db::CodeKind) -> Result<(), AppError> {
    use crate::audit::{AuditEvent, Outcome};
    let caller = crate::auth::server::require_user().await?;
    let me = caller.account.account_id;
    let pool = crate::state::db()?;
    let now = chrono::Utc::now();
    let since = now - chrono::Duration::minutes(15);
    if crate::auth::server::recent_failures(&pool, me, "patient.link", since).await? >= 10 {
        return Err(AppError::RateLimited);
    }
    let client = crate::auth::server::current_client();
    let mut tx = pool.begin().await?;
    let Some(patient) = super::db::use_link_code(&mut *tx, &code, kind, me, now).await? else {
        tx.rollback().await?;
        let event = AuditEvent::new("patient.link", Outcome::Failure)
            .by(me)
            .from_client(client.ip, client.user_agent.as_deref());
        crate::audit::record(&pool, &event).await?;
        return Err(AppError::Validation(std::collections::BTreeMap::from([(
            "code".to_string(),
            "wrong".to_string(),
        )])));
    };
    match super::db::link_self(&mut *tx, me, patient, now).await {
        Ok(_) => {}
        Err(sqlx::Error::Database(e))
            if e.constraint() == Some(super::db::ALREADY_LINKED)
                || e.constraint() == Some(super::db::ALREADY_GRANTED) =>
        {
            return Err(AppError::Conflict("already_linked".into()));
        }
        Err(e) => return Err(e.into()),
    }
    let event = AuditEvent::new("patient.link", Outcome::Success)
        .by(me)
        .about_patient(patient)
        .from_client(client.ip, client.user_agent.as_deref());
    crate::audit::record(&mut *tx, &event).await?;
    tx.commit().await?;
    leptos_axum::redirect("/me?linked=1");
    Ok(())
}

/// Sends a linking code to the email on the patient record matching this family name and date
/// of birth, if exactly one matches and it has an email. The answer is the same either way.
/// Only a signed-in caller; at most three codes per 15 minutes.
#[server]
pub async fn request_link_code(family_name: String, birth_date: String) -> Result<(), AppError> {
    crate::error::with_status(request_link_code_inner(family_name, birth_date).await)
}

#[cfg(feature = "ssr")]
async fn request_link_code_inner(family_name: String, birth_date: String) -> Result<(), AppError> {
    use crate::audit::{AuditEvent, Outcome};
    use crate::email::{outbox, Template};
    use std::collections::BTreeMap;
    let caller = crate::auth::server::require_user().await?;
    let me = caller.account.account_id;
    let pool = crate::state::db()?;
    let now = chrono::Utc::now();
    let mut problems = BTreeMap::new();
    let family = family_name.trim();
    if family.is_empty() {
        problems.insert("family_name".to_string(), "required".to_string());
    }
    let birth = match chrono::NaiveDate::parse_from_str(birth_date.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            problems.insert(
                "birth_date".to_string(),
                if birth_date.trim().is_empty() {
                    "required"
                } else {
                    "invalid"
                }
                .to_string(),
            );
            None
        }
    };
    let Some(birth) = birth.filter(|_| problems.is_empty()) else {
        return Err(AppError::Validation(problems));
    };
    let since = now - chrono::Duration::minutes(15);
    if super::db::emailed_codes_since(&pool, me, since).await? < 3 {
        let matches = super::db::match_patients(&pool, family, birth).await?;
        if let [(patient, Some(email))] = matches.as_slice() {
            let mut tx = pool.begin().await?;
            let code = super::db::create_link_code(
                &mut *tx,
                *patient,
                super::db::CodeKind::Emailed,
                Some(me),
                None,
                now,
            )
            .await?;
            let language = super::db::find_patient(&mut *tx, *patient)
                .await?
                .map(|p| p.preferred_language)
                .unwrap_or_else(|| "en".into());
            outbox::queue(
                &mut *tx,
                email,
                &language,
                &Template::LinkCode {
                    code,
                    link: format!("{}/me/link", crate::state::config()?.link_origin()),
                },
            )
            .await?;
            let client = crate::auth::server::current_client();
            let event = AuditEvent::new("patient.link_code", Outcome::Success)
                .by(me)
                .about_patient(*patient)
                .from_client(client.ip, client.user_agent.as_deref());
            crate::audit::record(&mut *tx, &event).await?;
            tx.commit().await?;
        }
    }
    leptos_axum::redirect("/me/link?sent=1");
    Ok(())
}

/// Makes an invitation code that links an account to this patient's record, to hand to the
/// patient (valid 30 days), and returns it; a form post goes back to the patient's staff page,
/// which shows it once. Staff with a second factor only.
#[server]
pub async fn create_link_invitation(patient_id: String) -> Result<String, AppError> {
    crate::error::with_status(create_link_invitation_inner(patient_id).await)
}

#[cfg(feature = "ssr")]
async fn create_link_invitation_inner(patient_id: String) -> Result<String, AppError> {
    use crate::auth::{account::Role, server};
    let caller = server::require_role(Role::Staff).await?;
    let patient = uuid::Uuid::parse_str(patient_id.trim()).map_err(|_| AppError::NotFound)?;
    let pool = crate::state::db()?;
    let mut tx = pool.begin().await?;
    if super::db::find_patient(&mut *tx, patient).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let code = super::db::create_link_code(
        &mut *tx,
        patient,
        super::db::CodeKind::Invitation,
        None,
        Some(caller.account.account_id),
        chrono::Utc::now(),
    )
    .await?;
    let client = server::current_client();
    let event =
        crate::audit::AuditEvent::new("patient.invitation.create", crate::audit::Outcome::Success)
            .by(caller.account.account_id)
            .about_patient(patient)
            .from_client(client.ip, client.user_agent.as_deref());
    crate::audit::record(&mut *tx, &event).await?;
    tx.commit().await?;
    server::set_cookie(&crate::staff::code_cookie(Some(&code)));
    leptos_axum::redirect(&format!("/staff/patients/{patient}?code=1"));
    Ok(code)
}
