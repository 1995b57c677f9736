//! Messaging's server functions. Each names who may call it. Patient-side calls go through
//! `auth::access::require_access` with the messages scope (the patient, a parent of a minor, a
//! proxy granted messages); staff calls need the staff role with a second factor and membership
//! of the conversation's queue (or being assigned to it). Reads and changes are audited in the
//! same transaction; no message text is ever logged, emailed or put in a URL.
#![allow(
    clippy::too_many_arguments,
    reason = "one server-function argument per form field"
)]

use super::attachment::{message_form_fn, MessageForm};
use super::domain::*;
use crate::error::AppError;
use leptos::prelude::*;

/// The messages page: the caller's conversations about the patient, open ones first, and their
/// navigator. The patient, a parent of a minor or a proxy with the messages scope; without
/// `patient_id`, the person the caller is acting for. Audited.
#[server]
pub async fn list_conversations(patient_id: Option<String>) -> Result<PatientInbox, AppError> {
    crate::error::with_status(server::list(patient_id).await)
}

/// The new-message form with the caller's saved draft. The same callers as
/// [`list_conversations`].
#[server]
pub async fn new_message_form(patient_id: Option<String>) -> Result<NewMessageDraft, AppError> {
    crate::error::with_status(server::new_form(patient_id).await)
}

/// Starts a conversation (or, with `save`, only keeps the draft) from the form fields
/// `patient_id`, `topic`, `subject`, `body`, `save` and up to four files in `attachment`. The
/// same callers as [`list_conversations`]; the body is read only once the caller is signed in,
/// and nothing is stored before their access to the patient is checked. A refused message is
/// kept as the caller's draft, so nothing typed is lost (files must be chosen again).
#[server(input = crate::media::UploadForm, input_derive = ())]
pub async fn start_conversation(form: MessageForm) -> Result<(), AppError> {
    crate::error::with_status(server::start(form).await)
}
message_form_fn!(StartConversation);

/// One conversation with its messages and timeline; opening it marks the other side's messages
/// read. The patient's side (as [`list_conversations`]) never sees internal notes; staff see
/// them, with the patient's context, when they answer the conversation's queue or it is
/// assigned to them. `canned` fills the staff reply box with that canned reply. Audited.
#[server]
pub async fn get_conversation(
    conversation_id: String,
    canned: Option<String>,
) -> Result<ConversationView, AppError> {
    crate::error::with_status(server::get(conversation_id, canned).await)
}

/// Adds a message (or, with `save`, keeps the draft) from the form fields `conversation_id`,
/// `body`, `status`, `internal`, `save` and up to four files in `attachment`. The patient's side
/// or staff, as [`get_conversation`] (checked before anything is stored); staff may make it an
/// internal note and set the status at the same time. Limited to [`SENDS_PER_MINUTE`] per
/// account; text that cannot be sent stays as the caller's draft.
#[server(input = crate::media::UploadForm, input_derive = ())]
pub async fn send_message(form: MessageForm) -> Result<(), AppError> {
    crate::error::with_status(server::send(form).await)
}
message_form_fn!(SendMessage);

/// The staff inbox: `queue` (a queue's slug, `mine`, or all of the caller's), `status` (`open`
/// by default, `all`, or one status) and a search in subjects and patient names. Staff with a
/// second factor; only conversations of their queues and their assignments.
#[server]
pub async fn staff_inbox(
    queue: Option<String>,
    status: Option<String>,
    q: Option<String>,
) -> Result<InboxView, AppError> {
    crate::error::with_status(server::inbox(queue, status, q).await)
}

/// Sets a conversation's status. Staff who may see it (as [`get_conversation`]).
#[server]
pub async fn set_conversation_status(
    conversation_id: String,
    status: String,
) -> Result<(), AppError> {
    crate::error::with_status(server::set_status(conversation_id, status).await)
}

/// Assigns a conversation to a member of its queue (`assignee` an account id, `me`, or empty
/// for nobody). Staff who may see it (as [`get_conversation`]).
#[server]
pub async fn assign_conversation(
    conversation_id: String,
    assignee: String,
) -> Result<(), AppError> {
    crate::error::with_status(server::assign(conversation_id, assignee).await)
}

/// Marks the signed-in navigator away (their patients' new conversations go to the team queue)
/// or back. Staff with a second factor who are navigators.
#[server]
pub async fn set_away(away: String) -> Result<(), AppError> {
    crate::error::with_status(server::set_away(away == "true").await)
}

/// The caller's notification centre (latest first); viewing it marks them read. Any signed-in
/// account, for itself only.
#[server]
pub async fn list_notifications() -> Result<Vec<NotificationView>, AppError> {
    crate::error::with_status(server::notifications().await)
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::super::attachment::{check_files, CheckedFile, PostedFields};
    use super::super::db::{self, ConversationRow, DraftRow};
    use super::super::routing::route;
    use super::*;
    use crate::auth::access::{require_access, Access, ActingAs, Scope};
    use crate::auth::account::Role;
    use crate::email::templates::Template;
    use chrono::{DateTime, Datelike, Timelike, Utc};
    use chrono_tz::Tz;
    use sqlx::PgConnection;
    use std::collections::BTreeMap;
    use uuid::Uuid;

    /// Conversations listed on the messages page.
    const LISTED: i64 = 100;
    /// Rows in one view of the staff inbox.
    const INBOX_ROWS: i64 = 200;

    fn invalid(field: &str, problem: &str) -> AppError {
        AppError::Validation(BTreeMap::from([(field.to_string(), problem.to_string())]))
    }

    fn parse_id(id: &str) -> Result<Uuid, AppError> {
        crate::household::parse_private_id(id)
    }

    fn language() -> &'static str {
        crate::scheduling::server::language()
    }

    fn is_staff(access: &Access) -> bool {
        access.allowed.acting_as == ActingAs::Staff
    }

    async fn patient_for(patient_id: Option<String>) -> Result<Uuid, AppError> {
        crate::household::acting_patient(patient_id).await
    }

    /// The time zone message times are shown in: the organisation's first location's.
    pub async fn zone(conn: &mut PgConnection) -> Result<Tz, AppError> {
        let zone = sqlx::query_scalar!(
            "select time_zone from care_location order by listed desc, created_at limit 1"
        )
        .fetch_optional(conn)
        .await?;
        Ok(zone.and_then(|z| z.parse().ok()).unwrap_or(chrono_tz::UTC))
    }

    /// "Dec 3, 10:04 AM" / "3 dic, 10:04" in `tz`.
    pub fn stamp(language: &str, tz: Tz, at: DateTime<Utc>) -> String {
        let local = at.with_timezone(&tz);
        let month = crate::locale::short_month(language, local.month0());
        if language == "es" {
            format!(
                "{} {month}, {}:{:02}",
                local.day(),
                local.hour(),
                local.minute()
            )
        } else {
            let (pm, hour) = local.hour12();
            let half = if pm { "PM" } else { "AM" };
            format!(
                "{month} {}, {hour}:{:02} {half}",
                local.day(),
                local.minute()
            )
        }
    }

    pub fn navigator_view(row: db::NavigatorRow, language: &str) -> Navigator {
        let title = if language == "es" && !row.title_es.is_empty() {
            row.title_es
        } else {
            row.title_en
        };
        Navigator {
            initials: initials(&row.display_name),
            name: row.display_name,
            title,
            photo: row
                .photo_image
                .zip(row.photo_alt)
                .map(|(hash, alt)| (crate::media::image_url(&hash, 400), alt)),
            away: row.away,
        }
    }

    async fn patient_name(conn: &mut PgConnection, patient: Uuid) -> Result<String, AppError> {
        Ok(crate::scheduling::db::patient_name(conn, patient).await?)
    }

    pub async fn list(patient_id: Option<String>) -> Result<PatientInbox, AppError> {
        let patient = patient_for(patient_id).await?;
        let access = require_access(patient, Scope::Messages).await?;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let language = language();
        let tz = zone(&mut conn).await?;
        let rows = db::select_patient_conversations(&mut conn, patient, LISTED).await?;
        crate::audit::record(
            &mut *conn,
            &access.audit("conversation.list").on("patient", patient),
        )
        .await?;
        let navigator = db::find_navigator(&mut conn, patient)
            .await?
            .map(|n| navigator_view(n, language));
        let has_draft = db::find_draft(&mut conn, access.caller.account.account_id, patient, None)
            .await?
            .is_some();
        let (done, open): (Vec<_>, Vec<_>) = rows
            .into_iter()
            .map(|r| ConversationCard {
                id: r.conversation_id.to_string(),
                subject: r.subject,
                topic: r.topic,
                status: r.status,
                updated: stamp(language, tz, r.last_message_at),
                unread: r.unread,
                queue_name: if language == "es" {
                    r.queue_name_es
                } else {
                    r.queue_name_en
                },
                response_hours: r.response_hours,
            })
            .partition(|c| c.status == "done");
        Ok(PatientInbox {
            patient_id: patient.to_string(),
            patient_name: patient_name(&mut conn, patient).await?,
            navigator,
            open,
            done,
            has_draft,
        })
    }

    pub async fn new_form(patient_id: Option<String>) -> Result<NewMessageDraft, AppError> {
        let patient = patient_for(patient_id).await?;
        let access = require_access(patient, Scope::Messages).await?;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let draft =
            db::find_draft(&mut conn, access.caller.account.account_id, patient, None).await?;
        let navigator = db::find_navigator(&mut conn, patient)
            .await?
            .map(|n| navigator_view(n, language()));
        let (topic, subject, body) = draft
            .map(|d| (d.topic, d.subject, d.body))
            .unwrap_or_default();
        Ok(NewMessageDraft {
            patient_id: patient.to_string(),
            patient_name: patient_name(&mut conn, patient).await?,
            navigator,
            topic,
            subject,
            body,
        })
    }

    /// Counts one message from `account` and refuses it beyond the per-minute limit.
    pub(crate) async fn limit_sending(
        conn: &mut PgConnection,
        account: Uuid,
    ) -> Result<(), AppError> {
        let key = format!("message.send:{account}");
        if crate::auth::server::within_rate_limit(&mut *conn, &key, SENDS_PER_MINUTE, Utc::now())
            .await?
        {
            Ok(())
        } else {
            Err(AppError::RateLimited)
        }
    }

    /// Cuts text to what the draft table keeps (a draft is never refused for its length; the
    /// send is, with the whole text still on screen up to the limit).
    fn clip(text: &str, max: usize) -> String {
        text.chars().take(max).collect()
    }

    pub async fn start(form: MessageForm) -> Result<(), AppError> {
        let (fields, files) = read_form(form).await?;
        let (topic, subject, body) = (
            fields.text("topic"),
            fields.text("subject"),
            fields.text("body"),
        );
        let save_only = fields.0.contains_key("save");
        let patient = patient_for(fields.optional("patient_id")).await?;
        let access = require_access(patient, Scope::Messages).await?;
        let account = access.caller.account.account_id;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        // Kept first, on its own: whatever happens next, what was typed survives.
        let draft = DraftRow {
            topic: if is_topic(&topic) {
                topic.clone()
            } else {
                String::new()
            },
            subject: clip(&subject, SUBJECT_MAX),
            body: clip(&body, BODY_MAX),
        };
        db::save_draft(&mut conn, account, patient, None, &draft).await?;
        if save_only {
            leptos_axum::redirect("/messages?saved=1");
            return Ok(());
        }
        let mut problems = BTreeMap::new();
        if !is_topic(&topic) {
            problems.insert("topic".to_string(), "required".to_string());
        }
        let subject = check_text(&subject, SUBJECT_MAX)
            .map_err(|p| problems.insert("subject".into(), p.into()))
            .ok();
        let body = check_text(&body, BODY_MAX)
            .map_err(|p| problems.insert("body".into(), p.into()))
            .ok();
        let files = files
            .map_err(|code| problems.insert("attachment".into(), code.into()))
            .ok();
        let (Some(subject), Some(body), Some(files), true) =
            (subject, body, files, problems.is_empty())
        else {
            return Err(AppError::Validation(problems));
        };
        limit_sending(&mut conn, account).await?;
        let mut tx = pool.begin().await?;
        let id = open(&mut tx, &access, &topic, &subject, &body, &files).await?;
        db::delete_draft(&mut tx, account, patient, None).await?;
        tx.commit().await?;
        let staff = is_staff(&access);
        tracing::info!(conversation_id = %id, "conversation started");
        leptos_axum::redirect(&if staff {
            format!("/staff/messages/{id}?sent=1")
        } else {
            format!("/messages/{id}?sent=1")
        });
        Ok(())
    }

    /// Opens a conversation for `access`'s patient with its first message, inside the caller's
    /// transaction: routed to the patient's navigator or the topic's queue, audited, announced
    /// to the care team's live views, and (when staff start it) the patient told one is
    /// waiting. The caller has checked what was typed and the sending limit. Used by `start`
    /// and by the records' renewal request.
    pub(crate) async fn open(
        tx: &mut PgConnection,
        access: &Access,
        topic: &str,
        subject: &str,
        body: &str,
        files: &[CheckedFile],
    ) -> Result<Uuid, AppError> {
        let patient = access.patient_id;
        let account = access.caller.account.account_id;
        let navigator = db::find_navigator_route(&mut *tx, patient).await?;
        let queues = db::select_queue_routes(&mut *tx).await?;
        let Some((queue_id, assigned_to)) = route(navigator, topic, &queues) else {
            tracing::error!("no message queue is set up");
            return Err(AppError::Internal);
        };
        // Whoever on staff starts a conversation keeps it, so they see the answer.
        let staff = is_staff(access);
        let assigned_to = if staff { Some(account) } else { assigned_to };
        let id = Uuid::new_v4();
        db::insert_conversation(
            &mut *tx,
            &db::NewConversation {
                id,
                patient_id: patient,
                topic,
                subject,
                queue_id,
                assigned_to,
                started_by: account,
            },
        )
        .await?;
        let row = db::find_conversation(&mut *tx, id)
            .await?
            .ok_or(AppError::Internal)?;
        // Staff may start one too (to reach out to a patient): then it is the care team's
        // message, and the patient is told one is waiting.
        db::insert_message_with_files(&mut *tx, &row, account, staff, false, body, files).await?;
        crate::audit::record(
            &mut *tx,
            &access.audit("conversation.start").on("conversation", id),
        )
        .await?;
        if staff {
            tell_patient(&mut *tx, patient, id).await?;
        }
        db::announce(&mut *tx, id, false).await?;
        Ok(id)
    }

    /// The conversation and the caller's right to it: the patient's side through
    /// `require_access`; staff also need its queue or its assignment.
    async fn open_conversation(
        conn: &mut PgConnection,
        conversation_id: &str,
    ) -> Result<(Access, ConversationRow), AppError> {
        let caller = crate::auth::server::require_user().await?;
        let id = parse_id(conversation_id)?;
        let Some(row) = db::find_conversation(conn, id).await? else {
            return Err(AppError::Forbidden);
        };
        let access = require_access(row.patient_id, Scope::Messages).await?;
        if is_staff(&access)
            && row.assigned_to != Some(caller.account.account_id)
            && !db::is_member(conn, caller.account.account_id, row.queue_id).await?
        {
            let client = crate::auth::server::current_client();
            let event =
                crate::audit::AuditEvent::new("conversation.read", crate::audit::Outcome::Denied)
                    .by(caller.account.account_id)
                    .about_patient(row.patient_id)
                    .on("conversation", id)
                    .from_client(client.ip, client.user_agent.as_deref());
            crate::audit::record(&mut *conn, &event).await?;
            return Err(AppError::Forbidden);
        }
        Ok((access, row))
    }

    /// A file attached to a message, for `GET /messages/attachments/{id}`: whoever may read the
    /// conversation (as [`get_conversation`]), and for an internal note's file only staff. An
    /// unknown file and one the caller may not have get the same answer. Audited.
    pub async fn attachment(attachment_id: &str) -> Result<db::AttachmentFile, AppError> {
        crate::auth::server::require_user().await?;
        let id = parse_id(attachment_id)?;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let Some(owner) = db::find_attachment_owner(&mut conn, id).await? else {
            return Err(AppError::Forbidden);
        };
        let (access, _) = open_conversation(&mut conn, &owner.conversation_id.to_string()).await?;
        if owner.internal && !is_staff(&access) {
            return Err(AppError::Forbidden);
        }
        let file = db::select_attachment_file(&mut conn, id).await?;
        crate::audit::record(
            &mut *conn,
            &access
                .audit("message_attachment.read")
                .on("message_attachment", id),
        )
        .await?;
        Ok(file)
    }

    /// Who may open a live stream, and what it may pass on: `conversation` — whoever may read
    /// it (as [`get_conversation`]); else with `staff` — staff with a second factor, for their
    /// queues and assignments; else the acting patient's list (`patient`, as
    /// [`list_conversations`]). Streams run this again as they go, so a signed-out session or a
    /// withdrawn grant ends them.
    pub async fn live_filter(
        conversation: Option<String>,
        patient: Option<String>,
        staff: bool,
    ) -> Result<super::super::live::hub::LiveFilter, AppError> {
        use super::super::live::hub::LiveFilter;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        if let Some(conversation) = conversation {
            let (access, row) = open_conversation(&mut conn, &conversation).await?;
            return Ok(LiveFilter::Conversation {
                id: row.conversation_id,
                staff: is_staff(&access),
            });
        }
        if staff {
            let caller = crate::auth::server::require_role(Role::Staff).await?;
            let account = caller.account.account_id;
            return Ok(LiveFilter::Staff {
                account,
                queues: db::select_member_queue_ids(&mut conn, account).await?,
            });
        }
        let patient = patient_for(patient).await?;
        require_access(patient, Scope::Messages).await?;
        Ok(LiveFilter::Patient(patient))
    }

    pub async fn get(
        conversation_id: String,
        canned: Option<String>,
    ) -> Result<ConversationView, AppError> {
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let (access, row) = open_conversation(&mut conn, &conversation_id).await?;
        let staff = is_staff(&access);
        let account = access.caller.account.account_id;
        let language = language();
        let tz = zone(&mut conn).await?;
        let id = row.conversation_id;
        let mut tx = pool.begin().await?;
        if db::mark_read(&mut tx, id, staff).await? > 0 {
            // Read receipts show on the writer's side: staff reading tells the patient's side
            // (and colleagues); a patient reading tells only staff.
            db::announce(&mut tx, id, !staff).await?;
        }
        db::mark_notifications_read(&mut tx, account, Some(id)).await?;
        crate::audit::record(
            &mut *tx,
            &access.audit("conversation.read").on("conversation", id),
        )
        .await?;
        tx.commit().await?;
        let mut files = db::select_attachments(&mut conn, id, staff).await?;
        let messages = db::select_messages(&mut conn, id, staff)
            .await?
            .into_iter()
            .map(|m| MessageView {
                id: m.message_id.to_string(),
                from_staff: m.from_staff,
                internal: m.internal,
                author: m.author,
                body: m.body,
                at: stamp(language, tz, m.created_at),
                read: m.read_at.map(|t| stamp(language, tz, t)),
                attachments: files
                    .extract_if(.., |f| f.message_id == m.message_id)
                    .map(|f| AttachmentView {
                        id: f.attachment_id.to_string(),
                        name: f.file_name,
                        kind: if f.content_type == "application/pdf" {
                            "pdf".into()
                        } else {
                            "image".into()
                        },
                        bytes: i64::from(f.byte_size),
                    })
                    .collect(),
            })
            .collect();
        let timeline = db::select_timeline(&mut conn, id)
            .await?
            .into_iter()
            .filter(|e| staff || e.kind != "assigned")
            .map(|e| TimelineEntry {
                at: stamp(language, tz, e.created_at),
                value: match e.kind.as_str() {
                    // A status code: the page names it in its own language.
                    "status" => e.status.unwrap_or_default(),
                    "assigned" => e.assigned_name.unwrap_or_default(),
                    _ => if language == "es" {
                        e.queue_name_es
                    } else {
                        e.queue_name_en
                    }
                    .unwrap_or_default(),
                },
                kind: e.kind,
            })
            .collect();
        let draft = db::find_draft(&mut conn, account, row.patient_id, Some(id))
            .await?
            .map(|d| d.body)
            .unwrap_or_default();
        let staff_side = if staff {
            Some(staff_side(&mut conn, &row, language, canned, &draft).await?)
        } else {
            None
        };
        Ok(ConversationView {
            id: id.to_string(),
            patient_id: row.patient_id.to_string(),
            subject: row.subject,
            topic: row.topic,
            status: row.status,
            queue_name: if language == "es" {
                row.queue_name_es
            } else {
                row.queue_name_en
            },
            response_hours: row.response_hours,
            started: stamp(language, tz, row.created_at),
            messages,
            timeline,
            draft,
            staff: staff_side,
        })
    }

    async fn staff_side(
        conn: &mut PgConnection,
        row: &ConversationRow,
        language: &str,
        canned: Option<String>,
        draft: &str,
    ) -> Result<StaffSide, AppError> {
        let context = db::find_patient_context(conn, row.patient_id).await?;
        let visits = crate::scheduling::db::select_patient_appointment_ids(
            conn,
            row.patient_id,
            Utc::now(),
            0,
        )
        .await?;
        let upcoming = crate::scheduling::db::select_appointments(conn, &visits).await?;
        let upcoming_visits = upcoming
            .iter()
            .filter(|a| a.status == "booked" && a.start > Utc::now())
            .take(3)
            .map(|a| {
                let card = crate::scheduling::notify::card(a, language, Utc::now());
                format!("{}, {} · {}", card.date, card.time, card.clinician_name)
            })
            .collect();
        let colleagues = db::select_colleagues(conn, row.queue_id).await?;
        let canned_rows = db::select_canned(conn).await?;
        // The patient's language decides the canned reply's, not the staff member's.
        let reply = canned
            .and_then(|c| Uuid::parse_str(&c).ok())
            .and_then(|c| canned_rows.iter().find(|r| r.canned_reply_id == c))
            .map(|r| {
                let template = if context.preferred_language == "es" {
                    &r.body_es
                } else {
                    &r.body_en
                };
                fill_placeholders(
                    template,
                    &context.given_name,
                    context
                        .clinician
                        .as_deref()
                        .unwrap_or(if context.preferred_language == "es" {
                            "su médico"
                        } else {
                            "your clinician"
                        }),
                )
            })
            .unwrap_or_else(|| draft.to_string());
        Ok(StaffSide {
            patient_name: format!("{} {}", context.given_name, context.family_name),
            birth_date: context.birth_date.format("%Y-%m-%d").to_string(),
            language: context.preferred_language,
            upcoming_visits,
            assigned_to: row.assigned_name.clone(),
            assigned_id: row.assigned_to.map(|a| a.to_string()).unwrap_or_default(),
            colleagues: colleagues
                .into_iter()
                .map(|(id, name)| Pick {
                    id: id.to_string(),
                    name,
                })
                .collect(),
            canned: canned_rows
                .into_iter()
                .map(|r| CannedChoice {
                    id: r.canned_reply_id.to_string(),
                    title: r.title,
                })
                .collect(),
            overdue: is_overdue(
                &row.status,
                row.awaiting_since,
                row.response_hours,
                Utc::now(),
            ),
            reply,
        })
    }

    /// Reads a message form once the caller is known to be signed in: its text fields, and its
    /// files checked (or the code of the first problem with them).
    async fn read_form(form: MessageForm) -> Result<(PostedFields, Checked), AppError> {
        crate::auth::server::require_user().await?;
        Ok(check_files(form.read().await?))
    }

    type Checked = Result<Vec<CheckedFile>, &'static str>;

    pub async fn send(form: MessageForm) -> Result<(), AppError> {
        let (fields, files) = read_form(form).await?;
        let body = fields.text("body");
        let status = fields.optional("status");
        let internal = fields.optional("internal").is_some();
        let save_only = fields.0.contains_key("save");
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let (access, row) = open_conversation(&mut conn, &fields.text("conversation_id")).await?;
        let staff = is_staff(&access);
        let account = access.caller.account.account_id;
        let id = row.conversation_id;
        let back = if staff {
            format!("/staff/messages/{id}")
        } else {
            format!("/messages/{id}")
        };
        let draft = DraftRow {
            topic: String::new(),
            subject: String::new(),
            body: clip(&body, BODY_MAX),
        };
        db::save_draft(&mut conn, account, row.patient_id, Some(id), &draft).await?;
        if save_only {
            leptos_axum::redirect(&format!("{back}?saved=1"));
            return Ok(());
        }
        let body = check_text(&body, BODY_MAX).map_err(|p| invalid("body", p))?;
        let files = files.map_err(|code| invalid("attachment", code))?;
        let status = match status {
            Some(s) if staff && is_status(&s) => Some(s),
            Some(_) if staff => return Err(invalid("status", "unknown")),
            _ => None,
        };
        let internal = internal && staff;
        limit_sending(&mut conn, account).await?;
        let mut tx = pool.begin().await?;
        let reached =
            db::insert_message_with_files(&mut tx, &row, account, staff, internal, &body, &files)
                .await?;
        if let Some(status) = status.filter(|s| *s != reached) {
            db::update_status(&mut tx, id, &status, account).await?;
        }
        db::delete_draft(&mut tx, account, row.patient_id, Some(id)).await?;
        crate::audit::record(
            &mut *tx,
            &access
                .audit(if internal {
                    "message.note"
                } else {
                    "message.send"
                })
                .on("conversation", id),
        )
        .await?;
        if staff && !internal {
            tell_patient(&mut tx, row.patient_id, id).await?;
        }
        db::announce(&mut tx, id, internal).await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!("{back}?sent=1"));
        Ok(())
    }

    /// Tells the patient's side a reply is waiting: a notification for each account that may
    /// read it, and an email to each verified address that says only that.
    async fn tell_patient(
        conn: &mut PgConnection,
        patient: Uuid,
        conversation: Uuid,
    ) -> Result<(), AppError> {
        let origin = crate::state::config()?.link_origin();
        for r in db::select_recipients(conn, patient).await? {
            db::insert_notification(conn, r.account_id, patient, "message_reply", conversation)
                .await?;
            if r.verified {
                crate::email::outbox::queue(
                    &mut *conn,
                    &r.email,
                    &r.language,
                    &Template::MessageWaiting {
                        link: format!("{origin}/messages/{conversation}"),
                    },
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Staff access to a conversation for a change: staff, and allowed to see it.
    async fn staff_conversation(
        conn: &mut PgConnection,
        conversation_id: &str,
    ) -> Result<(Access, ConversationRow), AppError> {
        crate::auth::server::require_role(Role::Staff).await?;
        let (access, row) = open_conversation(conn, conversation_id).await?;
        if !is_staff(&access) {
            return Err(AppError::Forbidden);
        }
        Ok((access, row))
    }

    pub async fn set_status(conversation_id: String, status: String) -> Result<(), AppError> {
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let (access, row) = staff_conversation(&mut conn, &conversation_id).await?;
        if !is_status(&status) {
            return Err(invalid("status", "unknown"));
        }
        let account = access.caller.account.account_id;
        let mut tx = pool.begin().await?;
        if db::update_status(&mut tx, row.conversation_id, &status, account).await? {
            crate::audit::record(
                &mut *tx,
                &access
                    .audit("conversation.status")
                    .on("conversation", row.conversation_id),
            )
            .await?;
            db::announce(&mut tx, row.conversation_id, false).await?;
            if matches!(status.as_str(), "waiting" | "done") {
                for r in db::select_recipients(&mut tx, row.patient_id).await? {
                    db::insert_notification(
                        &mut tx,
                        r.account_id,
                        row.patient_id,
                        "request_status",
                        row.conversation_id,
                    )
                    .await?;
                }
            }
        }
        tx.commit().await?;
        leptos_axum::redirect(&format!(
            "/staff/messages/{}?updated=1",
            row.conversation_id
        ));
        Ok(())
    }

    pub async fn assign(conversation_id: String, assignee: String) -> Result<(), AppError> {
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let (access, row) = staff_conversation(&mut conn, &conversation_id).await?;
        let account = access.caller.account.account_id;
        let assignee = match assignee.trim() {
            "" => None,
            "me" => Some(account),
            other => Some(Uuid::parse_str(other).map_err(|_| invalid("assignee", "unknown"))?),
        };
        if let Some(a) = assignee {
            // Only someone who answers the queue can be given its conversations.
            if !db::is_member(&mut conn, a, row.queue_id).await? && a != account {
                return Err(invalid("assignee", "unknown"));
            }
        }
        let mut tx = pool.begin().await?;
        if db::update_assignee(&mut tx, row.conversation_id, assignee, account).await? {
            crate::audit::record(
                &mut *tx,
                &access
                    .audit("conversation.assign")
                    .on("conversation", row.conversation_id),
            )
            .await?;
            db::announce(&mut tx, row.conversation_id, true).await?;
        }
        tx.commit().await?;
        leptos_axum::redirect(&format!(
            "/staff/messages/{}?updated=1",
            row.conversation_id
        ));
        Ok(())
    }

    pub async fn inbox(
        queue: Option<String>,
        status: Option<String>,
        q: Option<String>,
    ) -> Result<InboxView, AppError> {
        let caller = crate::auth::server::require_role(Role::Staff).await?;
        let account = caller.account.account_id;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let language = language();
        let tz = zone(&mut conn).await?;
        let queues = db::select_member_queues(&mut conn, account).await?;
        let queue = queue.unwrap_or_default();
        let status = match status.as_deref().unwrap_or("open") {
            "all" => "all".to_string(),
            s if is_status(s) => s.to_string(),
            _ => "open".to_string(),
        };
        let search: String = q.unwrap_or_default().trim().chars().take(100).collect();
        let queue_id = queues.iter().find(|q| q.slug == queue).map(|q| q.queue_id);
        let mine = queue == "mine";
        let queue = if mine || queue_id.is_some() {
            queue
        } else {
            String::new()
        };
        let rows = db::select_inbox(
            &mut conn,
            account,
            queue_id,
            mine,
            if status == "all" { "" } else { &status },
            &search,
            INBOX_ROWS,
        )
        .await?;
        let now = Utc::now();
        let mut event =
            crate::audit::AuditEvent::new("conversation.inbox", crate::audit::Outcome::Success)
                .by(account);
        let client = crate::auth::server::current_client();
        event = event.from_client(client.ip, client.user_agent.as_deref());
        crate::audit::record(&mut *conn, &event).await?;
        let (open, overdue) = db::count_assigned(&mut conn, account).await?;
        // The page names this tab in its own language.
        let mut tabs = vec![QueueTab {
            slug: "mine".into(),
            name: String::new(),
            open,
            overdue,
        }];
        tabs.extend(queues.into_iter().map(|q| QueueTab {
            slug: q.slug,
            name: if language == "es" {
                q.name_es
            } else {
                q.name_en
            },
            open: q.open,
            overdue: q.overdue,
        }));
        Ok(InboxView {
            tabs,
            queue,
            status,
            search,
            rows: rows
                .into_iter()
                .map(|r| InboxRow {
                    id: r.conversation_id.to_string(),
                    patient_name: format!("{} {}", r.given_name, r.family_name),
                    overdue: is_overdue(&r.status, r.awaiting_since, r.response_hours, now),
                    subject: r.subject,
                    topic: r.topic,
                    status: r.status,
                    queue_name: if language == "es" {
                        r.queue_name_es
                    } else {
                        r.queue_name_en
                    },
                    assigned_to: r.assigned_name,
                    updated: stamp(language, tz, r.last_message_at),
                })
                .collect(),
            away: db::find_away(&mut conn, account).await?,
        })
    }

    pub async fn set_away(away: bool) -> Result<(), AppError> {
        let caller = crate::auth::server::require_role(Role::Staff).await?;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        if !db::update_away(&mut conn, caller.account.account_id, away).await? {
            return Err(AppError::Forbidden);
        }
        let client = crate::auth::server::current_client();
        let event = crate::audit::AuditEvent::new("navigator.away", crate::audit::Outcome::Success)
            .by(caller.account.account_id)
            .from_client(client.ip, client.user_agent.as_deref());
        crate::audit::record(&mut *conn, &event).await?;
        leptos_axum::redirect("/staff/messages");
        Ok(())
    }

    pub async fn notifications() -> Result<Vec<NotificationView>, AppError> {
        let caller = crate::auth::server::require_user().await?;
        let account = caller.account.account_id;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let language = language();
        let tz = zone(&mut conn).await?;
        let rows = db::select_notifications(&mut conn, account, 50).await?;
        db::mark_notifications_read(&mut conn, account, None).await?;
        Ok(rows
            .into_iter()
            .map(|n| NotificationView {
                href: n
                    .conversation_id
                    .map(|c| format!("/messages/{c}"))
                    .unwrap_or_else(|| "/messages".into()),
                at: stamp(language, tz, n.created_at),
                unread: n.read_at.is_none(),
                patient_name: n.patient_name.unwrap_or_default(),
                kind: n.kind,
            })
            .collect())
    }

    /// How many unread notifications the caller has (for the header), 0 when signed out.
    pub async fn unread_count(account: Uuid) -> Result<i64, AppError> {
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        Ok(db::count_unread_notifications(&mut conn, account).await?)
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use chrono::TimeZone;

        #[test]
        fn stamps_are_local_and_in_the_readers_language() {
            let at = Utc.with_ymd_and_hms(2026, 12, 3, 16, 4, 0).unwrap();
            let chicago: Tz = "America/Chicago".parse().unwrap();
            assert_eq!(stamp("en", chicago, at), "Dec 3, 10:04 AM");
            assert_eq!(stamp("es", chicago, at), "3 dic, 10:04");
        }
    }
}
