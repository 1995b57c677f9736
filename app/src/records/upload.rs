//! Staff adding a document to a patient's record — a letter, an imaging or laboratory report, a
//! note — as a file the patient (and whoever may read their record) can download from
//! `/records/documents`.
//!
//! Invariants: only staff upload; the file's type is read from its first bytes, never from what
//! the browser says, and only PDF, PNG, JPEG and plain text are kept (what the download serves
//! as itself); a file over [`MAX_DOCUMENT_BYTES`] is refused before it is stored; nothing is
//! stored when anything is wrong; the document is a DocumentReference like an imported one,
//! released at once, and audited.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use std::collections::BTreeMap;

/// The largest file a document may carry.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;
pub const TITLE_MAX: usize = 200;
/// The cookie keeping a refused upload's title, kind and date for the page.
pub const KEPT_DOCUMENT: &str = "kept_document";

/// The kinds of document staff upload, with the LOINC document type each is filed as.
pub const DOCUMENT_KINDS: [(&str, &str, &str); 4] = [
    ("letter", "51852-2", "Letter"),
    ("imaging", "18748-4", "Diagnostic imaging study"),
    ("laboratory", "11502-2", "Laboratory report"),
    ("note", "34109-9", "Note"),
];

/// What the form posts besides the file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DocumentFields {
    pub title: String,
    pub kind: String,
    /// YYYY-MM-DD, the document's own date; empty for today.
    pub date: String,
    pub confidential: bool,
}

/// The file's type from its first bytes: PDF, PNG, JPEG or UTF-8 text; `None` for anything
/// else (an executable renamed `.pdf` included).
#[cfg(feature = "ssr")]
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if std::str::from_utf8(bytes).is_ok_and(|t| !t.contains('\0')) {
        Some("text/plain")
    } else {
        None
    }
}

/// The fields and file checked: (title, kind, date, content type), or the problems by field
/// (`title`: required/too_long; `kind`: not_allowed; `date`: not_a_date/in_future; `file`:
/// missing/too_large/not_supported).
#[cfg(feature = "ssr")]
pub fn check_document(
    fields: &DocumentFields,
    file: &Result<Vec<u8>, &'static str>,
    today: NaiveDate,
) -> Result<(String, &'static str, NaiveDate, &'static str), BTreeMap<String, String>> {
    let mut problems = BTreeMap::new();
    let title = fields.title.trim();
    if title.is_empty() {
        problems.insert("title".into(), "required".into());
    } else if title.chars().count() > TITLE_MAX {
        problems.insert("title".into(), "too_long".into());
    }
    let kind = DOCUMENT_KINDS
        .iter()
        .find(|(k, _, _)| *k == fields.kind.trim())
        .map(|(k, _, _)| *k);
    if kind.is_none() {
        problems.insert("kind".into(), "not_allowed".into());
    }
    let date = match fields.date.trim() {
        "" => Some(today),
        d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) if d > today => {
                problems.insert("date".into(), "in_future".into());
                None
            }
            Ok(d) if chrono::Datelike::year(&d) >= 1900 => Some(d),
            _ => {
                problems.insert("date".into(), "not_a_date".into());
                None
            }
        },
    };
    let content_type = match file {
        Ok(bytes) if bytes.is_empty() => {
            problems.insert("file".into(), "missing".into());
            None
        }
        Ok(bytes) => {
            let t = sniff(bytes);
            if t.is_none() {
                problems.insert("file".into(), "not_supported".into());
            }
            t
        }
        Err(problem) => {
            problems.insert("file".into(), (*problem).into());
            None
        }
    };
    match (kind, date, content_type) {
        (Some(k), Some(d), Some(t)) if problems.is_empty() => Ok((title.to_string(), k, d, t)),
        _ => Err(problems),
    }
}

/// Adds a document to the patient's record. A `multipart/form-data` post: `patient_id`,
/// `title`, `kind`, `date`, `confidential` and the file as `document`. Staff only (the
/// patient's side gets 403 before the file is read). Audited.
#[server(input = crate::media::UploadForm, input_derive = ())]
pub async fn upload_record_document(form: super::form::BundleForm) -> Result<(), AppError> {
    crate::error::with_status(server::upload(form).await)
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::super::api::server::insert_own;
    use super::super::fhir;
    use super::*;
    use base64::Engine;
    use chrono::{DateTime, Utc};
    use serde_json::{json, Value};
    use uuid::Uuid;

    /// The DocumentReference for an uploaded file.
    #[allow(clippy::too_many_arguments)]
    pub fn resource(
        id: Uuid,
        patient: Uuid,
        title: &str,
        kind: &str,
        date: NaiveDate,
        content_type: &str,
        bytes: &[u8],
        author: &str,
        confidential: bool,
        now: DateTime<Utc>,
    ) -> Value {
        let (_, code, display) = DOCUMENT_KINDS
            .iter()
            .find(|(k, _, _)| *k == kind)
            .copied()
            .unwrap_or(("note", "34109-9", "Note"));
        let extension = match content_type {
            "application/pdf" => "pdf",
            "image/png" => "png",
            "image/jpeg" => "jpg",
            _ => "txt",
        };
        let when = if date >= now.date_naive() {
            now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        } else {
            date.to_string()
        };
        let mut r = json!({
            "resourceType": "DocumentReference",
            "id": id.to_string(),
            "status": "current",
            "type": { "coding": [{ "system": fhir::LOINC, "code": code, "display": display }], "text": display },
            "category": [{ "coding": [{
                "system": "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category",
                "code": "clinical-note", "display": "Clinical Note" }] }],
            "subject": { "reference": format!("urn:uuid:{patient}") },
            "date": when,
            "author": [{ "display": author }],
            "description": title,
            "content": [{ "attachment": {
                "contentType": content_type,
                "title": format!("{title}.{extension}"),
                "size": bytes.len(),
                "data": base64::engine::general_purpose::STANDARD.encode(bytes),
            } }],
        });
        if confidential {
            if let Some(map) = r.as_object_mut() {
                map.insert(
                    "meta".into(),
                    json!({ "security": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R", "display": "restricted" }] }),
                );
            }
        }
        r
    }

    fn keep(fields: Option<&DocumentFields>) {
        use crate::forms::{forget_cookie, remember_cookie};
        crate::auth::server::set_cookie(&match fields {
            Some(f) => remember_cookie(KEPT_DOCUMENT, "/records/documents", f),
            None => forget_cookie(KEPT_DOCUMENT, "/records/documents"),
        });
    }

    pub async fn upload(form: super::super::form::BundleForm) -> Result<(), AppError> {
        // Signed in before the body is read; nothing of it is kept before the access check.
        crate::auth::server::require_user().await?;
        let posted = form.read().await;
        let patient_id = posted.fields.get("patient_id").cloned().unwrap_or_default();
        let access = super::super::entry::server::staff_access(&patient_id).await?;
        let patient = access.patient_id;
        let field = |k: &str| posted.fields.get(k).cloned().unwrap_or_default();
        let fields = DocumentFields {
            title: field("title"),
            kind: field("kind"),
            date: field("date"),
            confidential: !field("confidential").is_empty(),
        };
        let file = posted.file.map_err(|kind| match kind {
            fhir::ProblemKind::TooLarge => "too_large",
            _ => "missing",
        });
        let pool = crate::state::db()?;
        let today = super::super::entry::server::today(&mut *pool.acquire().await?).await?;
        let (title, kind, date, content_type) = match check_document(&fields, &file, today) {
            Ok(checked) => checked,
            Err(problems) => {
                keep(Some(&fields));
                return Err(AppError::Validation(problems));
            }
        };
        let bytes = file.unwrap_or_default();
        let id = Uuid::new_v4();
        let resource = resource(
            id,
            patient,
            &title,
            kind,
            date,
            content_type,
            &bytes,
            &access.caller.account.display_name,
            fields.confidential,
            Utc::now(),
        );
        let mut tx = pool.begin().await?;
        insert_own(
            &mut tx,
            patient,
            id,
            resource,
            access.caller.account.account_id,
        )
        .await?;
        crate::audit::record(
            &mut *tx,
            &access.audit("records.document_add").on("record_item", id),
        )
        .await?;
        tx.commit().await?;
        keep(None);
        tracing::info!(bytes = bytes.len(), "record document added");
        leptos_axum::redirect(&format!("/records/documents?patient={patient}&added={id}"));
        Ok(())
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 4).unwrap_or_default()
    }

    fn fields(title: &str, kind: &str, date: &str) -> DocumentFields {
        DocumentFields {
            title: title.into(),
            kind: kind.into(),
            date: date.into(),
            confidential: false,
        }
    }

    #[test]
    fn a_file_is_known_by_its_first_bytes_not_its_name() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(
            sniff("Carta de alta: reposo.".as_bytes()),
            Some("text/plain")
        );
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0"), None);
        assert_eq!(sniff(&[0xFF, 0xFE, 0x00]), None);
    }

    #[test]
    fn a_document_needs_a_title_a_kind_a_past_date_and_a_file_it_can_serve() {
        let pdf: Result<Vec<u8>, &'static str> = Ok(b"%PDF-1.4 x".to_vec());
        assert_eq!(
            check_document(&fields(" Referral letter ", "letter", ""), &pdf, today()),
            Ok((
                "Referral letter".to_string(),
                "letter",
                today(),
                "application/pdf"
            ))
        );
        let problems = check_document(
            &fields("", "poem", "2030-01-01"),
            &Ok(b"MZ\x90\0".to_vec()),
            today(),
        )
        .err()
        .unwrap_or_default();
        assert_eq!(
            problems,
            BTreeMap::from([
                ("title".to_string(), "required".to_string()),
                ("kind".to_string(), "not_allowed".to_string()),
                ("date".to_string(), "in_future".to_string()),
                ("file".to_string(), "not_supported".to_string()),
            ])
        );
        let problems = check_document(
            &fields("Scan", "imaging", "2026-11-02"),
            &Err("too_large"),
            today(),
        )
        .err()
        .unwrap_or_default();
        assert_eq!(problems.get("file").map(String::as_str), Some("too_large"));
    }
}
