//! Asking the care team to renew a medication, from the medication list. A renewal request is a
//! conversation with the care team (topic "renewal"): it reaches the renewal queue of the staff
//! inbox, moves through messaging's statuses (received, in progress, waiting for you, done), and
//! the patient answers questions in it. `renewal_request` ties the conversation to the
//! medication, so the summary shows beside each medication where its newest request stands.
//!
//! Invariants: only this organisation's active prescriptions can be asked for (an outside
//! record's medication is renewed by whoever prescribed it); one open request per medication
//! (a second is refused until the first is done); the caller needs the records scope to see
//! the medication and the messages scope to write, and is never staff.

use super::domain::ItemView;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The cookie keeping a refused request's fields for the page.
pub const KEPT_RENEWAL: &str = "kept_renewal";
pub const PHARMACY_MAX: usize = 120;
pub const NOTE_MAX: usize = 1000;

/// Medication statuses a renewal can be asked for.
pub fn renewable(status: &str) -> bool {
    matches!(status, "active" | "on-hold")
}

/// What the form posts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RenewalFields {
    pub pharmacy: String,
    pub note: String,
}

/// Where a medication's newest renewal request stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RenewalStatus {
    pub medication_id: String,
    pub conversation_id: String,
    /// Messaging's status code: received, in_progress, waiting or done.
    pub status: String,
    /// When it was asked for, in the reader's language.
    pub date: String,
}

impl RenewalStatus {
    pub fn open(&self) -> bool {
        self.status != "done"
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RenewalFormView {
    pub patient_id: String,
    pub patient_name: String,
    pub medication: ItemView,
    /// The request still open for this medication: the page points to it instead of the form.
    pub open: Option<RenewalStatus>,
}

/// The form's fields, trimmed, or the problems by field (`too_long`).
pub fn check_fields(fields: &RenewalFields) -> Result<RenewalFields, BTreeMap<String, String>> {
    let mut problems = BTreeMap::new();
    let pharmacy = fields.pharmacy.trim();
    let note = fields.note.trim();
    if pharmacy.chars().count() > PHARMACY_MAX {
        problems.insert("pharmacy".to_string(), "too_long".to_string());
    }
    if note.chars().count() > NOTE_MAX {
        problems.insert("note".to_string(), "too_long".to_string());
    }
    if problems.is_empty() {
        Ok(RenewalFields {
            pharmacy: pharmacy.to_string(),
            note: note.to_string(),
        })
    } else {
        Err(problems)
    }
}

/// The message the care team reads, in the language the patient wrote in: what to renew, the
/// dose and prescriber as recorded, the pharmacy and the patient's note.
pub fn message_body(language: &str, medication: &ItemView, fields: &RenewalFields) -> String {
    let es = language == "es";
    let mut lines = vec![if es {
        format!("Solicito la renovación de: {}", medication.display)
    } else {
        format!("Please renew: {}", medication.display)
    }];
    for (key, value) in &medication.details {
        let label = match (key.as_str(), es) {
            ("dose", false) => "Dose",
            ("dose", true) => "Dosis",
            ("instructions", false) => "Instructions",
            ("instructions", true) => "Indicaciones",
            ("prescriber", false) => "Prescribed by",
            ("prescriber", true) => "Recetado por",
            _ => continue,
        };
        lines.push(format!("{label}: {value}"));
    }
    if !fields.pharmacy.is_empty() {
        lines.push(format!(
            "{}: {}",
            if es { "Farmacia" } else { "Pharmacy" },
            fields.pharmacy
        ));
    }
    if !fields.note.is_empty() {
        lines.push(String::new());
        lines.push(fields.note.clone());
    }
    lines.join("\n")
}

/// The conversation's subject: "Renewal: Metformin 500 mg", cut to messaging's limit.
pub fn subject(language: &str, medication: &str) -> String {
    let prefix = if language == "es" {
        "Renovación"
    } else {
        "Renewal"
    };
    format!("{prefix}: {medication}")
        .chars()
        .take(crate::messaging::SUBJECT_MAX)
        .collect()
}

/// One medication and whether a renewal is already on its way. The patient, or a parent or
/// proxy holding both the records and the messages scope; not staff. Audited.
#[server]
pub async fn renewal_form(
    patient_id: Option<String>,
    medication: String,
) -> Result<RenewalFormView, AppError> {
    crate::error::with_status(server::form(patient_id, medication).await)
}

/// Sends the renewal request to the care team. As [`renewal_form`]. Audited (the request and
/// the conversation it opens).
#[server]
pub async fn request_renewal(
    patient_id: String,
    medication: String,
    pharmacy: Option<String>,
    note: Option<String>,
) -> Result<(), AppError> {
    let fields = RenewalFields {
        pharmacy: pharmacy.unwrap_or_default(),
        note: note.unwrap_or_default(),
    };
    crate::error::with_status(server::request(patient_id, medication, fields).await)
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::super::api::server::{day, item_view, patient_side_access};
    use super::super::db::{self, ItemRow};
    use super::*;
    use crate::auth::access::{require_access, Access, Scope};
    use sqlx::PgConnection;
    use uuid::Uuid;

    /// Records access on the patient's side, and the messages scope too (the request is a
    /// message). A refusal of either is audited by `require_access`.
    async fn access(patient_id: Option<String>) -> Result<Access, AppError> {
        let access = patient_side_access(patient_id).await?;
        require_access(access.patient_id, Scope::Messages).await?;
        Ok(access)
    }

    /// The medication, if it is this organisation's and still renewable; "not found" for
    /// anything else, so ids of other patients' items cannot be told apart.
    async fn medication(
        conn: &mut PgConnection,
        access: &Access,
        id: &str,
    ) -> Result<ItemRow, AppError> {
        let id = Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
        db::select_item(
            conn,
            access.patient_id,
            id,
            "MedicationRequest",
            true,
            access.allowed.show_confidential,
        )
        .await?
        .filter(|row| row.source_id.is_none() && renewable(&row.status))
        .ok_or(AppError::NotFound)
    }

    async fn open_request(
        conn: &mut PgConnection,
        patient: Uuid,
        item: Uuid,
    ) -> Result<Option<RenewalStatus>, AppError> {
        let language = crate::scheduling::server::language();
        Ok(db::latest_renewals(conn, patient)
            .await?
            .into_iter()
            .find(|r| r.item_id == item)
            .map(|r| status_view(language, r))
            .filter(RenewalStatus::open))
    }

    pub fn status_view(language: &str, r: db::RenewalRow) -> RenewalStatus {
        RenewalStatus {
            medication_id: r.item_id.to_string(),
            conversation_id: r.conversation_id.to_string(),
            status: r.status,
            date: day(language, Some(r.created_at)),
        }
    }

    pub async fn form(
        patient_id: Option<String>,
        medication_id: String,
    ) -> Result<RenewalFormView, AppError> {
        let access = access(patient_id).await?;
        let patient = access.patient_id;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let row = medication(&mut conn, &access, &medication_id).await?;
        let who = crate::records::server::identity(&mut conn, patient).await?;
        let open = open_request(&mut conn, patient, row.item_id).await?;
        crate::audit::record(
            &mut *conn,
            &access
                .audit("records.renewal_form")
                .on("record_item", row.item_id),
        )
        .await?;
        let language = crate::scheduling::server::language();
        Ok(RenewalFormView {
            patient_id: patient.to_string(),
            patient_name: crate::records::server::name(&who),
            medication: item_view(&row, language, &Default::default()),
            open,
        })
    }

    fn keep(fields: Option<&RenewalFields>) {
        use crate::forms::{forget_cookie, remember_cookie};
        crate::auth::server::set_cookie(&match fields {
            Some(f) => remember_cookie(KEPT_RENEWAL, "/records/renewal", f),
            None => forget_cookie(KEPT_RENEWAL, "/records/renewal"),
        });
    }

    pub async fn request(
        patient_id: String,
        medication_id: String,
        fields: RenewalFields,
    ) -> Result<(), AppError> {
        let access = access(Some(patient_id)).await?;
        let patient = access.patient_id;
        let account = access.caller.account.account_id;
        let fields = match check_fields(&fields) {
            Ok(f) => f,
            Err(problems) => {
                keep(Some(&fields));
                return Err(AppError::Validation(problems));
            }
        };
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        crate::messaging::server::limit_sending(&mut conn, account).await?;
        let mut tx = pool.begin().await?;
        let row = medication(&mut tx, &access, &medication_id).await?;
        // Two requests sent at once for one medication: the second waits here for the first
        // to commit, then finds it open.
        db::lock_item(
            &mut tx,
            patient,
            row.item_id,
            "MedicationRequest",
            true,
            access.allowed.show_confidential,
        )
        .await?;
        if open_request(&mut tx, patient, row.item_id).await?.is_some() {
            return Err(AppError::Validation(BTreeMap::from([(
                "form".to_string(),
                "already_requested".to_string(),
            )])));
        }
        let language = crate::scheduling::server::language();
        let view = item_view(&row, language, &Default::default());
        let conversation = crate::messaging::server::open(
            &mut tx,
            &access,
            "renewal",
            &subject(language, &view.display),
            &message_body(language, &view, &fields),
            &[],
        )
        .await?;
        db::insert_renewal(
            &mut tx,
            conversation,
            patient,
            row.item_id,
            &fields.pharmacy,
        )
        .await?;
        crate::audit::record(
            &mut *tx,
            &access
                .audit("records.renewal_request")
                .on("record_item", row.item_id),
        )
        .await?;
        tx.commit().await?;
        keep(None);
        tracing::info!(conversation_id = %conversation, "renewal requested");
        leptos_axum::redirect(&format!("/messages/{conversation}?sent=1"));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metformin() -> ItemView {
        ItemView {
            id: "m".into(),
            display: "Metformin 500 mg tablet".into(),
            code_system: None,
            code: None,
            date: String::new(),
            status: "active".into(),
            source: None,
            details: vec![
                ("dose".into(), "1 tablet".into()),
                ("prescriber".into(), "Dr. Ana Ortiz".into()),
                ("value".into(), "ignored".into()),
            ],
            learn: None,
        }
    }

    #[test]
    fn the_care_team_reads_what_to_renew_and_where_to_send_it() {
        let fields = RenewalFields {
            pharmacy: "Main St Pharmacy".into(),
            note: "Running out on Friday.".into(),
        };
        assert_eq!(
            message_body("en", &metformin(), &fields),
            "Please renew: Metformin 500 mg tablet\nDose: 1 tablet\nPrescribed by: Dr. Ana Ortiz\n\
             Pharmacy: Main St Pharmacy\n\nRunning out on Friday."
        );
        assert_eq!(
            message_body("es", &metformin(), &RenewalFields::default()),
            "Solicito la renovación de: Metformin 500 mg tablet\nDosis: 1 tablet\n\
             Recetado por: Dr. Ana Ortiz"
        );
    }

    #[test]
    fn fields_are_trimmed_and_limited() {
        let ok = check_fields(&RenewalFields {
            pharmacy: "  CVS  ".into(),
            note: " ".into(),
        });
        assert_eq!(
            ok,
            Ok(RenewalFields {
                pharmacy: "CVS".into(),
                note: String::new()
            })
        );
        let long = check_fields(&RenewalFields {
            pharmacy: "x".repeat(PHARMACY_MAX + 1),
            note: "y".repeat(NOTE_MAX + 1),
        })
        .err()
        .unwrap_or_default();
        assert_eq!(long.get("pharmacy").map(String::as_str), Some("too_long"));
        assert_eq!(long.get("note").map(String::as_str), Some("too_long"));
        // A multi-byte character counts once.
        assert!(check_fields(&RenewalFields {
            pharmacy: "ñ".repeat(PHARMACY_MAX),
            note: String::new()
        })
        .is_ok());
    }

    #[test]
    fn a_subject_fits_messaging_and_only_current_prescriptions_renew() {
        let long = "M".repeat(200);
        assert_eq!(
            subject("en", &long).chars().count(),
            crate::messaging::SUBJECT_MAX
        );
        assert_eq!(subject("es", "Lisinopril"), "Renovación: Lisinopril");
        assert!(renewable("active") && renewable("on-hold"));
        assert!(!renewable("stopped") && !renewable("completed") && !renewable("draft"));
    }
}
