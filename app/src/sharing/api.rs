//! The sharing server functions, and the manifest the links point at.
// The new-link form posts each section as its own checkbox field.
#![allow(clippy::too_many_arguments)]

use super::domain::*;
use crate::error::AppError;
use leptos::prelude::*;

/// The cookie keeping a refused new link's fields (never its passcode) for the page.
pub const KEPT_LINK: &str = "kept_share_link";

/// The patient's share links with every attempt to open them. The patient, or a parent or proxy
/// with the records scope; not staff. Audited.
#[server]
pub async fn share_links(patient_id: Option<String>) -> Result<SharePageData, AppError> {
    crate::error::with_status(server::page(patient_id).await)
}

/// Makes a link to the chosen parts of the record (each checked part posts as `on`), for
/// `days` days, with an optional passcode. As [`share_links`]. Audited.
#[server]
pub async fn create_share_link(
    patient_id: String,
    label: String,
    days: Option<u32>,
    passcode: Option<String>,
    conditions: Option<String>,
    allergies: Option<String>,
    medications: Option<String>,
    immunizations: Option<String>,
    results: Option<String>,
    vitals: Option<String>,
) -> Result<(), AppError> {
    let chosen = [
        conditions,
        allergies,
        medications,
        immunizations,
        results,
        vitals,
    ];
    let sections = SECTIONS
        .iter()
        .zip(chosen)
        .filter(|(_, on)| on.is_some())
        .map(|(s, _)| s.to_string())
        .collect();
    let link = NewLink {
        label,
        sections,
        days: days.unwrap_or_default(),
    };
    crate::error::with_status(server::create(patient_id, link, passcode).await)
}

/// Withdraws link `link_id` at once: it answers as if it never existed from then on. As
/// [`share_links`]. Audited.
#[server]
pub async fn revoke_share_link(patient_id: String, link_id: String) -> Result<(), AppError> {
    crate::error::with_status(server::revoke(patient_id, link_id).await)
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::super::{db, shl};
    use super::*;
    use crate::records::db::ItemRow;
    use crate::records::server::patient_side_access as access;
    use chrono::{Duration, Utc};
    use secrecy::SecretString;
    use sqlx::PgPool;
    use std::collections::BTreeMap;
    use uuid::Uuid;

    /// The patient asked about, if the caller may share their record: sharing is the patient's
    /// own choice (or their parent's or proxy's with the records scope), never staff's.
    /// Which stored items a section shares.
    fn in_sections(sections: &[String], row: &ItemRow) -> bool {
        sections.iter().any(|s| match s.as_str() {
            "conditions" => row.resource_type == "Condition",
            "allergies" => row.resource_type == "AllergyIntolerance",
            "medications" => row.resource_type == "MedicationRequest",
            "immunizations" => row.resource_type == "Immunization",
            "results" => {
                row.resource_type == "DiagnosticReport"
                    || (row.resource_type == "Observation"
                        && !matches!(row.category.as_str(), "vital-signs" | "patient-reported"))
            }
            // With the clinic's vital signs go the readings the patient took at home.
            "vitals" => {
                row.resource_type == "Observation"
                    && matches!(row.category.as_str(), "vital-signs" | "patient-reported")
            }
            _ => false,
        })
    }

    const TYPES: [&str; 6] = [
        "Condition",
        "AllergyIntolerance",
        "MedicationRequest",
        "Immunization",
        "Observation",
        "DiagnosticReport",
    ];

    fn state(row: &db::LinkRow, now: chrono::DateTime<Utc>) -> &'static str {
        if row.revoked_at.is_some() {
            "revoked"
        } else if row.expires_at <= now {
            "expired"
        } else if row.has_passcode && row.attempts_left == 0 {
            "locked"
        } else {
            "active"
        }
    }

    /// The viewer address of a link: the portal's `/share` page with the link in the fragment,
    /// which browsers never send to a server.
    pub fn viewer_url(origin: &str, row: &db::LinkRow) -> String {
        let manifest_url = format!("{origin}/shl/{}", row.manifest_token);
        let link = shl::shlink(&shl::Link {
            manifest_url: &manifest_url,
            key: &row.key,
            expires: row.expires_at.timestamp(),
            passcode: row.has_passcode,
            label: &row.label,
        });
        format!("{origin}/share#{link}")
    }

    pub async fn page(patient_id: Option<String>) -> Result<SharePageData, AppError> {
        let access = access(patient_id).await?;
        let patient = access.patient_id;
        let language = crate::scheduling::server::language();
        let origin = crate::state::config()?.link_origin();
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let who = crate::records::server::identity(&mut conn, patient).await?;
        let rows = db::select_links(&mut conn, patient).await?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.link_id).collect();
        let mut opens: BTreeMap<Uuid, Vec<OpenView>> = BTreeMap::new();
        let zone = crate::messaging::server::zone(&mut conn).await?;
        for o in db::select_opens(&mut conn, &ids).await? {
            opens.entry(o.link_id).or_default().push(OpenView {
                at: crate::messaging::server::stamp(language, zone, o.opened_at),
                recipient: o.recipient,
                outcome: o.outcome,
            });
        }
        let now = Utc::now();
        let day = |at| crate::records::server::day(language, Some(at));
        let links = rows
            .iter()
            .map(|row| {
                let state = state(row, now);
                let url = (state == "active").then(|| viewer_url(&origin, row));
                ShareLinkView {
                    id: row.link_id.to_string(),
                    label: row.label.clone(),
                    sections: row.sections.clone(),
                    made_on: day(row.created_at),
                    made_by: row.made_by.clone(),
                    ends_on: day(row.expires_at),
                    state: state.to_string(),
                    passcode: row.has_passcode,
                    qr_svg: url.as_deref().map(crate::auth::two_factor::qr_svg),
                    url,
                    opens: opens.remove(&row.link_id).unwrap_or_default(),
                }
            })
            .collect();
        crate::audit::record(
            &mut *conn,
            &access.audit("records.share_links").on("patient", patient),
        )
        .await?;
        Ok(SharePageData {
            patient_id: patient.to_string(),
            patient_name: crate::records::server::name(&who),
            links,
        })
    }

    fn keep_form(link: Option<&NewLink>) {
        use crate::forms::{forget_cookie, remember_cookie};
        crate::auth::server::set_cookie(&match link {
            Some(link) => remember_cookie(KEPT_LINK, "/records/share", link),
            None => forget_cookie(KEPT_LINK, "/records/share"),
        });
    }

    pub async fn create(
        patient_id: String,
        mut link: NewLink,
        passcode: Option<String>,
    ) -> Result<(), AppError> {
        let access = access(Some(patient_id)).await?;
        let patient = access.patient_id;
        let passcode = passcode.filter(|p| !p.is_empty());
        let problems = check_new_link(&link, passcode.as_deref());
        if !problems.is_empty() {
            keep_form(Some(&link));
            return Err(AppError::Validation(problems));
        }
        link.label = link.label.trim().to_string();
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let bundle = crate::records::server::bundle(&mut conn, &access, &TYPES, |row| {
            in_sections(&link.sections, row)
        })
        .await?;
        let key = shl::new_key();
        let payload =
            shl::encrypt(&key, bundle.to_string().as_bytes()).ok_or(AppError::Internal)?;
        let passcode_hash = match passcode {
            Some(p) => Some(
                crate::auth::password::hash_password(SecretString::from(p))
                    .await?
                    .as_str()
                    .to_string(),
            ),
            None => None,
        };
        let link_id = Uuid::new_v4();
        let token = shl::random_token();
        let mut tx = pool.begin().await?;
        db::insert_link(
            &mut tx,
            &db::NewLinkRow {
                link_id,
                patient_id: patient,
                created_by: access.caller.account.account_id,
                label: &link.label,
                sections: &link.sections,
                manifest_token: &token,
                key: &key,
                payload: &payload,
                passcode_hash: passcode_hash.as_deref(),
                expires_at: Utc::now() + Duration::days(i64::from(link.days)),
            },
        )
        .await?;
        crate::audit::record(
            &mut *tx,
            &access
                .audit("records.share_create")
                .on("share_link", link_id),
        )
        .await?;
        tx.commit().await?;
        keep_form(None);
        leptos_axum::redirect(&format!(
            "/records/share?patient={patient}&made={link_id}#link-{link_id}"
        ));
        Ok(())
    }

    pub async fn revoke(patient_id: String, link_id: String) -> Result<(), AppError> {
        let access = access(Some(patient_id)).await?;
        let patient = access.patient_id;
        let link = Uuid::parse_str(link_id.trim()).map_err(|_| AppError::NotFound)?;
        let pool = crate::state::db()?;
        let mut tx = pool.begin().await?;
        // Withdrawing twice is fine (a double click, two tabs); another patient's link is not.
        if !db::revoke(&mut tx, patient, link).await?
            && !db::link_exists(&mut tx, patient, link).await?
        {
            return Err(AppError::NotFound);
        }
        crate::audit::record(
            &mut *tx,
            &access.audit("records.share_revoke").on("share_link", link),
        )
        .await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!("/records/share?patient={patient}#link-{link}"));
        Ok(())
    }

    /// A manifest request as the specification defines its JSON body.
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct ManifestRequest {
        recipient: String,
        passcode: Option<String>,
        embedded_length_max: Option<usize>,
    }

    /// What a manifest request gets.
    #[derive(Debug, PartialEq)]
    pub enum ManifestAnswer {
        /// 200 with the manifest's JSON.
        Files(serde_json::Value),
        /// 401: no passcode or a wrong one; attempts left.
        Passcode(i32),
        /// 400: the body is not a manifest request.
        BadRequest,
        /// 404: no such link, withdrawn, ended, or locked.
        NotFound,
    }

    /// Answers a request for the manifest behind `token` (`POST /shl/{token}`), by anyone: the
    /// token and the passcode are the only credentials. Every request for an existing link is
    /// recorded for its patient, and audited.
    pub async fn manifest(
        pool: &PgPool,
        origin: &str,
        token: &str,
        body: &[u8],
    ) -> Result<ManifestAnswer, AppError> {
        let Ok(request) = serde_json::from_slice::<ManifestRequest>(body) else {
            return Ok(ManifestAnswer::BadRequest);
        };
        let recipient = request.recipient.trim();
        if recipient.is_empty() || recipient.chars().count() > 200 {
            return Ok(ManifestAnswer::BadRequest);
        }
        if token.len() != 43 {
            return Ok(ManifestAnswer::NotFound);
        }
        let mut tx = pool.begin().await?;
        let Some(link) = db::lock_by_token(&mut tx, token).await? else {
            return Ok(ManifestAnswer::NotFound);
        };
        let locked = link.passcode_hash.is_some() && link.attempts_left == 0;
        let (answer, outcome) = if !link.current || locked {
            (ManifestAnswer::NotFound, "refused")
        } else if let Some(hash) = &link.passcode_hash {
            let given = request.passcode.unwrap_or_default();
            let right = !given.is_empty()
                && crate::auth::password::verify_password(
                    SecretString::from(given),
                    Some(crate::auth::password::PasswordHash::from_stored(
                        hash.clone(),
                    )),
                )
                .await?;
            if right {
                (
                    files(&mut tx, origin, &link, request.embedded_length_max).await?,
                    "opened",
                )
            } else {
                let left = db::spend_attempt(&mut tx, link.link_id).await?;
                (ManifestAnswer::Passcode(left), "wrong_passcode")
            }
        } else {
            (
                files(&mut tx, origin, &link, request.embedded_length_max).await?,
                "opened",
            )
        };
        db::record_open(&mut tx, link.link_id, recipient, outcome).await?;
        let client = crate::auth::server::current_client();
        let result = match outcome {
            "opened" => crate::audit::Outcome::Success,
            "wrong_passcode" => crate::audit::Outcome::Failure,
            _ => crate::audit::Outcome::Denied,
        };
        crate::audit::record(
            &mut *tx,
            &crate::audit::AuditEvent::new("records.share_open", result)
                .about_patient(link.patient_id)
                .on("share_link", link.link_id)
                .from_client(client.ip, client.user_agent.as_deref()),
        )
        .await?;
        tx.commit().await?;
        Ok(answer)
    }

    /// The manifest: the encrypted record in the answer itself, or — when the viewer asked
    /// for less than its length — at a ticket address that works for an hour.
    async fn files(
        conn: &mut sqlx::PgConnection,
        origin: &str,
        link: &db::ManifestRow,
        embedded_length_max: Option<usize>,
    ) -> Result<ManifestAnswer, AppError> {
        const TYPE: &str = "application/fhir+json";
        if embedded_length_max.is_none_or(|max| link.payload.len() <= max) {
            return Ok(ManifestAnswer::Files(serde_json::json!({
                "files": [{ "contentType": TYPE, "embedded": link.payload }]
            })));
        }
        let ticket = shl::random_token();
        db::insert_ticket(conn, &ticket, link.link_id).await?;
        Ok(ManifestAnswer::Files(serde_json::json!({
            "files": [{ "contentType": TYPE, "location": format!("{origin}/shl/file/{ticket}") }]
        })))
    }

    /// The encrypted file behind a ticket from [`manifest`] (`GET /shl/file/{ticket}`).
    pub async fn file(pool: &PgPool, ticket: &str) -> Result<Option<String>, AppError> {
        if ticket.len() != 43 {
            return Ok(None);
        }
        let mut conn = pool.acquire().await?;
        Ok(db::file_by_ticket(&mut conn, ticket).await?)
    }
}
