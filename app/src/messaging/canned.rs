//! Canned replies, kept by administrators: a title staff pick it by, and the text in English
//! and Spanish (the patient's language decides which one fills the reply box). The only
//! placeholders are `{first_name}` and `{clinician}`; any other `{…}` is refused when saved, so
//! a typo never reaches a patient. Titles are unique. Changes are audited; a form that fails
//! comes back with what was typed (a short-lived cookie, as `crate::forms` does).

use super::domain::PLACEHOLDERS;
use crate::error::AppError;
use crate::i18n::td_string;
use crate::locale::{use_locale, Locale};
use crate::organisation::PRODUCT_NAME;
use crate::shell::{posted_error, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use server_fn::ServerFn;

/// The page's address (and the remembered form's cookie path).
pub const CANNED_PAGE: &str = "/admin/canned-replies";
#[cfg(feature = "ssr")]
const KEPT_FORM: &str = "canned_form";
const TITLE_MAX: usize = 80;
const BODY_MAX: usize = 2000;

/// One canned reply as the administration page shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedReplyRow {
    /// Empty for a new one.
    pub id: String,
    pub title: String,
    pub body_en: String,
    pub body_es: String,
}

/// Every canned reply, by title. Administrators with a second factor.
#[server]
pub async fn canned_replies_admin() -> Result<Vec<CannedReplyRow>, AppError> {
    crate::error::with_status(server::list().await)
}

/// Adds a canned reply (without `canned_reply_id`) or changes one. Administrators with a second
/// factor. Refused: an empty or too long field, a placeholder other than `{first_name}` and
/// `{clinician}`, a title another reply has. Audited.
#[server]
pub async fn save_canned_reply(
    canned_reply_id: Option<String>,
    title: String,
    body_en: String,
    body_es: String,
) -> Result<(), AppError> {
    crate::error::with_status(
        server::save(CannedReplyRow {
            id: canned_reply_id.unwrap_or_default(),
            title,
            body_en,
            body_es,
        })
        .await,
    )
}

/// Deletes a canned reply (messages already sent with it keep their text). Administrators with a
/// second factor. Audited.
#[server]
pub async fn delete_canned_reply(canned_reply_id: String) -> Result<(), AppError> {
    crate::error::with_status(server::delete(canned_reply_id).await)
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::*;
    use crate::audit::{AuditEvent, Outcome};
    use crate::auth::account::Role;
    use crate::db::ResultExt;
    use std::collections::BTreeMap;
    use uuid::Uuid;

    pub async fn list() -> Result<Vec<CannedReplyRow>, AppError> {
        crate::auth::server::require_role(Role::Administrator).await?;
        let mut conn = crate::state::db()?.acquire().await?;
        Ok(super::super::db::select_canned(&mut conn)
            .await?
            .into_iter()
            .map(|r| CannedReplyRow {
                id: r.canned_reply_id.to_string(),
                title: r.title,
                body_en: r.body_en,
                body_es: r.body_es,
            })
            .collect())
    }

    /// The problems with a reply as typed, by field.
    pub fn check(row: &CannedReplyRow) -> BTreeMap<String, String> {
        let mut problems = BTreeMap::new();
        for (field, text, max) in [
            ("title", &row.title, TITLE_MAX),
            ("body_en", &row.body_en, BODY_MAX),
            ("body_es", &row.body_es, BODY_MAX),
        ] {
            let problem = match super::super::domain::check_text(text, max) {
                Err(problem) => problem,
                Ok(_)
                    if field != "title"
                        && super::super::domain::unknown_placeholder(text).is_some() =>
                {
                    "placeholder"
                }
                Ok(_) => continue,
            };
            problems.insert(field.to_string(), problem.to_string());
        }
        problems
    }

    fn audit(caller: &crate::auth::server::Caller, action: &'static str, id: Uuid) -> AuditEvent {
        let client = crate::auth::server::current_client();
        AuditEvent::new(action, Outcome::Success)
            .by(caller.account.account_id)
            .on("canned_reply", id)
            .from_client(client.ip, client.user_agent.as_deref())
    }

    fn remember(row: Option<&CannedReplyRow>) {
        crate::auth::server::set_cookie(&match row {
            Some(row) => crate::forms::remember_cookie(KEPT_FORM, CANNED_PAGE, row),
            None => crate::forms::forget_cookie(KEPT_FORM, CANNED_PAGE),
        });
    }

    pub async fn save(row: CannedReplyRow) -> Result<(), AppError> {
        let caller = crate::auth::server::require_role(Role::Administrator).await?;
        let result = store(&caller, &row).await;
        remember(result.is_err().then_some(&row));
        result
    }

    async fn store(
        caller: &crate::auth::server::Caller,
        row: &CannedReplyRow,
    ) -> Result<(), AppError> {
        let problems = check(row);
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        let existing = if row.id.is_empty() {
            None
        } else {
            Some(Uuid::parse_str(&row.id).map_err(|_| AppError::NotFound)?)
        };
        let id = existing.unwrap_or_else(Uuid::new_v4);
        let mut tx = crate::state::db()?.begin().await?;
        let written = sqlx::query!(
            "insert into canned_reply (canned_reply_id, title, body_en, body_es)
             select $1, $2, $3, $4 where $5
             on conflict (canned_reply_id) do nothing",
            id,
            row.title.trim(),
            row.body_en.trim(),
            row.body_es.trim(),
            existing.is_none()
        )
        .execute(&mut *tx)
        .await
        .on_constraint("canned_reply_title_key", |_| taken())?
        .rows_affected()
            + sqlx::query!(
                "update canned_reply set title = $2, body_en = $3, body_es = $4
                  where canned_reply_id = $1 and $5",
                id,
                row.title.trim(),
                row.body_en.trim(),
                row.body_es.trim(),
                existing.is_some()
            )
            .execute(&mut *tx)
            .await
            .on_constraint("canned_reply_title_key", |_| taken())?
            .rows_affected();
        if written == 0 {
            return Err(AppError::NotFound);
        }
        crate::audit::record(&mut *tx, &audit(caller, "canned_reply.save", id)).await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!("{CANNED_PAGE}?saved=1"));
        Ok(())
    }

    fn taken() -> AppError {
        AppError::Validation(BTreeMap::from([("title".into(), "taken".into())]))
    }

    pub async fn delete(id: String) -> Result<(), AppError> {
        let caller = crate::auth::server::require_role(Role::Administrator).await?;
        let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
        let mut tx = crate::state::db()?.begin().await?;
        let gone = sqlx::query!("delete from canned_reply where canned_reply_id = $1", id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if gone == 0 {
            return Err(AppError::NotFound);
        }
        crate::audit::record(&mut *tx, &audit(&caller, "canned_reply.delete", id)).await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!("{CANNED_PAGE}?deleted=1"));
        Ok(())
    }
}

/// What went wrong with a save, in words.
fn problem_text(l: Locale, error: &AppError) -> String {
    match error {
        AppError::Validation(fields) => fields
            .iter()
            .map(|(field, problem)| {
                let name = match field.as_str() {
                    "title" => td_string!(l, cr_title_label),
                    "body_en" => td_string!(l, cr_body_en_label),
                    _ => td_string!(l, cr_body_es_label),
                };
                let what = match problem.as_str() {
                    "too_long" => td_string!(l, cr_too_long),
                    "placeholder" => td_string!(l, cr_placeholder),
                    "taken" => td_string!(l, cr_taken),
                    _ => td_string!(l, cr_required),
                };
                format!("{name}: {what}")
            })
            .collect::<Vec<_>>()
            .join(" "),
        AppError::NotFound => td_string!(l, cr_gone).to_string(),
        _ => td_string!(l, cr_not_saved).to_string(),
    }
}

/// `/admin/canned-replies`: every canned reply as a form to change or delete, and one to add.
#[component]
pub fn CannedRepliesPage() -> impl IntoView {
    let l = use_locale();
    let query = use_query_map().get_untracked();
    let notice = if query.get("saved").is_some() {
        Some(td_string!(l, cr_saved))
    } else if query.get("deleted").is_some() {
        Some(td_string!(l, cr_deleted))
    } else {
        None
    };
    let error = posted_error(<SaveCannedReply as ServerFn>::PATH)
        .or_else(|| posted_error(<DeleteCannedReply as ServerFn>::PATH));
    // What was typed into the form that failed, to put back where it was.
    #[cfg(feature = "ssr")]
    let kept: Option<CannedReplyRow> = error.as_ref().and_then(|_| crate::forms::recall(KEPT_FORM));
    #[cfg(not(feature = "ssr"))]
    let kept: Option<CannedReplyRow> = None;
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, cr_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (error, kept) = (error.clone(), kept.clone());
                Suspend::new(async move {
                    let rows = match canned_replies_admin().await {
                        Ok(rows) => rows,
                        Err(error) => return view! { <crate::admin::AccessProblem error /> }.into_any(),
                    };
                    let kept_new = kept.clone().filter(|k| k.id.is_empty());
                    view! {
                        <section class="page" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, cr_title)}</h1>
                            <p class="muted">{td_string!(l, cr_intro).replace("%placeholders%", &PLACEHOLDERS.join(", "))}</p>
                            {notice.map(|t| view! { <p class="notice notice--ok" role="status">{t}</p> })}
                            {error.as_ref().map(|e| view! { <p class="notice notice--error" role="alert">{problem_text(l, e)}</p> })}
                            {if rows.is_empty() {
                                view! { <p class="empty">{td_string!(l, cr_none)}</p> }.into_any()
                            } else {
                                rows.into_iter().map(|row| {
                                    let shown = kept.clone().filter(|k| k.id == row.id).unwrap_or(row);
                                    view! { <CannedForm row=shown /> }
                                }).collect_view().into_any()
                            }}
                            <h2>{td_string!(l, cr_new)}</h2>
                            <CannedForm row=kept_new.unwrap_or_default() />
                        </section>
                    }.into_any()
                })
            }}
        </Suspense>
    }
}

#[component]
fn CannedForm(row: CannedReplyRow) -> impl IntoView {
    let l = use_locale();
    let existing = !row.id.is_empty();
    let key = if existing {
        row.id.clone()
    } else {
        "new".to_string()
    };
    let field = move |f: &str| format!("cr-{key}-{f}");
    let label = if existing {
        row.title.clone()
    } else {
        td_string!(l, cr_new).to_string()
    };
    let delete_label = format!("{} {}", td_string!(l, cr_delete), row.title);
    view! {
        <div class="canned">
            {existing.then(|| view! { <h2 class="canned__title">{row.title.clone()}</h2> })}
            <form method="post" action={<SaveCannedReply as ServerFn>::PATH} class="form canned-form" aria-label=label>
                {existing.then(|| view! { <input type="hidden" name="canned_reply_id" value=row.id.clone() /> })}
                <div class="field">
                    <label for=field("title")>{td_string!(l, cr_title_label)}</label>
                    <input id=field("title") type="text" name="title" value=row.title.clone() maxlength=TITLE_MAX.to_string() required />
                </div>
                <div class="field">
                    <label for=field("en")>{td_string!(l, cr_body_en_label)}</label>
                    <textarea id=field("en") name="body_en" rows="4" maxlength=BODY_MAX.to_string() required>{row.body_en.clone()}</textarea>
                </div>
                <div class="field">
                    <label for=field("es")>{td_string!(l, cr_body_es_label)}</label>
                    <textarea id=field("es") name="body_es" rows="4" maxlength=BODY_MAX.to_string() required>{row.body_es.clone()}</textarea>
                </div>
                <div class="form__actions">
                    <button class="button" type="submit">{if existing { td_string!(l, cr_save) } else { td_string!(l, cr_add) }}</button>
                </div>
            </form>
            {existing.then(|| view! {
                <form method="post" action={<DeleteCannedReply as ServerFn>::PATH} class="inline-form">
                    <input type="hidden" name="canned_reply_id" value=row.id.clone() />
                    <button class="button button--secondary" type="submit" aria-label=delete_label.clone()>{td_string!(l, cr_delete)}</button>
                </form>
            })}
        </div>
    }
}
