//! The library's server functions. Public reads take the language explicitly and only ever see
//! published articles whose time has come; every editorial step checks the caller's role (with
//! a second factor) before touching anything, and runs in one transaction under a row lock.
// `save_article` takes one argument per form field (so a plain HTML form posts to it), and the
// client function `#[server]` generates for the browser build does not carry an item attribute.
#![allow(
    clippy::too_many_arguments,
    reason = "one server-function argument per form field"
)]

use super::domain::*;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Search results, with the corrected query when a typo was fixed to find them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub hits: Paged<SearchHit>,
    pub corrected: Option<String>,
}

/// A category or tag page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    pub category: Option<Category>,
    pub cards: Paged<ArticleCard>,
    pub categories: Vec<Category>,
}

#[cfg(feature = "ssr")]
fn language(code: &str) -> Result<&'static str, AppError> {
    match code {
        "en" => Ok("en"),
        "es" => Ok("es"),
        _ => Err(AppError::Validation(
            [("language".to_string(), "invalid".to_string())].into(),
        )),
    }
}

#[cfg(feature = "ssr")]
fn page_offset(page: Option<i64>) -> (i64, i64) {
    let page = page.unwrap_or(1).clamp(1, 10_000);
    (page, (page - 1) * PAGE_SIZE)
}

/// The library's front page in `language`: featured and latest articles and the categories.
/// Anyone may call it.
#[server]
pub async fn get_library_front(language: String) -> Result<LibraryFront, AppError> {
    crate::error::with_status(
        async move {
            let language = self::language(&language)?;
            let pool = crate::state::db()?;
            let (featured, _) =
                super::db::select_cards(&pool, language, true, None, None, 6, 0).await?;
            let (latest, _) =
                super::db::select_cards(&pool, language, false, None, None, 9, 0).await?;
            let categories = super::db::select_categories(&pool, language).await?;
            Ok(LibraryFront {
                featured,
                latest,
                categories,
            })
        }
        .await,
    )
}

/// The library's topics, named in `language`. Anyone may call it.
#[server]
pub async fn library_categories(language: String) -> Result<Vec<Category>, AppError> {
    crate::error::with_status(
        async move {
            let language = self::language(&language)?;
            let pool = crate::state::db()?;
            Ok(super::db::select_categories(&pool, language).await?)
        }
        .await,
    )
}

/// Published articles in `language`, in a category or with a tag, a page at a time. Anyone may
/// call it.
#[server]
pub async fn list_articles(
    language: String,
    category: Option<String>,
    tag: Option<String>,
    page: Option<i64>,
) -> Result<Listing, AppError> {
    crate::error::with_status(
        async move {
            let language = self::language(&language)?;
            let pool = crate::state::db()?;
            let categories = super::db::select_categories(&pool, language).await?;
            let category = match category.filter(|c| !c.is_empty()) {
                Some(slug) => Some(
                    categories
                        .iter()
                        .find(|c| c.slug == slug)
                        .cloned()
                        .ok_or(AppError::NotFound)?,
                ),
                None => None,
            };
            let tag = tag
                .map(|t| t.trim().to_lowercase())
                .filter(|t| !t.is_empty());
            let (page, offset) = page_offset(page);
            let (items, total) = super::db::select_cards(
                &pool,
                language,
                false,
                category.as_ref().map(|c| c.slug.as_str()),
                tag.as_deref(),
                PAGE_SIZE,
                offset,
            )
            .await?;
            if tag.is_some() && total == 0 {
                return Err(AppError::NotFound);
            }
            Ok(Listing {
                category,
                cards: Paged {
                    items,
                    page,
                    pages: page_count(total),
                    total,
                },
                categories,
            })
        }
        .await,
    )
}

/// Full-text search of published articles in `language`, ranked, with highlighted snippets; a
/// search that finds nothing is tried again with misspelt words corrected. Anyone may call it.
#[server]
pub async fn search_library(
    language: String,
    q: String,
    category: Option<String>,
    page: Option<i64>,
) -> Result<SearchResults, AppError> {
    crate::error::with_status(search_inner(language, q, category, page).await)
}

#[cfg(feature = "ssr")]
async fn search_inner(
    language: String,
    q: String,
    category: Option<String>,
    page: Option<i64>,
) -> Result<SearchResults, AppError> {
    let language = self::language(&language)?;
    let q: String = q.trim().chars().take(200).collect();
    if q.is_empty() {
        return Err(AppError::Validation(
            [("q".to_string(), "required".to_string())].into(),
        ));
    }
    let category = category.filter(|c| !c.is_empty());
    let pool = crate::state::db()?;
    let (page, offset) = page_offset(page);
    let (mut items, mut total) =
        super::db::search(&pool, language, &q, category.as_deref(), PAGE_SIZE, offset).await?;
    let mut corrected = None;
    if total == 0 {
        let mut changed = false;
        let mut words = Vec::new();
        for word in q.split_whitespace().take(8) {
            let lower = word.to_lowercase();
            let letters = lower.chars().all(char::is_alphabetic) && lower.chars().count() >= 3;
            let better = if letters {
                super::db::correct_word(&pool, language, &lower).await?
            } else {
                None
            };
            changed |= better.is_some();
            words.push(better.unwrap_or(lower));
        }
        if changed {
            let fixed = words.join(" ");
            (items, total) = super::db::search(
                &pool,
                language,
                &fixed,
                category.as_deref(),
                PAGE_SIZE,
                offset,
            )
            .await?;
            if total > 0 {
                corrected = Some(fixed);
            }
        }
    }
    Ok(SearchResults {
        hits: Paged {
            items,
            page,
            pages: page_count(total),
            total,
        },
        corrected,
    })
}

/// The published article at `slug` (either language; `language` wins when both use it), with
/// related articles. Counts one view for the day. Anyone may call it.
#[server]
pub async fn read_article(language: String, slug: String) -> Result<PublicArticle, AppError> {
    crate::error::with_status(
        async move {
            let language = self::language(&language)?;
            if !is_slug(&slug) {
                return Err(AppError::NotFound);
            }
            let pool = crate::state::db()?;
            let row = super::db::select_published(&pool, &slug, language)
                .await?
                .ok_or(AppError::NotFound)?;
            let related = super::db::select_related(&pool, &row).await?;
            super::db::count_view(&pool, row.article_id).await?;
            let hero = row.hero();
            Ok(PublicArticle {
                article_id: row.article_id.to_string(),
                language: row.language,
                slug: row.slug,
                kind: row.kind,
                title: row.title,
                summary: row.summary,
                body_html: row.body_html,
                reading_minutes: row.reading_minutes,
                category: row
                    .category_slug
                    .zip(row.category_name)
                    .map(|(slug, name)| Category { slug, name }),
                tags: row.tags,
                conditions: row.conditions.0,
                sources: row.sources.0,
                author_name: row.author_name,
                reviewer_name: row.reviewer_name,
                published_at: row.visible_from.to_rfc3339(),
                last_reviewed_at: row.last_reviewed_at.to_rfc3339(),
                hero,
                other_language: row.other_language.zip(row.other_slug),
                related,
            })
        }
        .await,
    )
}

// ---------------------------------------------------------------------------------------------
// Editors and reviewers

#[cfg(feature = "ssr")]
use crate::auth::server::Caller;

/// An editor or a medical reviewer, with a second factor.
#[cfg(feature = "ssr")]
async fn require_library_staff() -> Result<Caller, AppError> {
    use crate::auth::{account::Role, server};
    match server::require_role(Role::Editor).await {
        Err(AppError::Forbidden) => server::require_role(Role::MedicalReviewer).await,
        other => other,
    }
}

#[cfg(feature = "ssr")]
fn parse_id(id: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)
}

#[cfg(feature = "ssr")]
fn refused(r: WorkflowRefusal) -> AppError {
    AppError::Conflict(r.code().to_string())
}

#[cfg(feature = "ssr")]
async fn audit_step(
    conn: &mut sqlx::PgConnection,
    action: &'static str,
    caller: &Caller,
    article: uuid::Uuid,
) -> Result<(), AppError> {
    use crate::audit::{self, AuditEvent, Outcome};
    let client = crate::auth::server::current_client();
    let event = AuditEvent::new(action, Outcome::Success)
        .by(caller.account.account_id)
        .on("article", article)
        .from_client(client.ip, client.user_agent.as_deref());
    audit::record(conn, &event).await?;
    Ok(())
}

/// Every article with its workflow status, newest change first; `status` filters, and
/// `due=true` lists only published articles due for re-review. Editors and medical reviewers.
#[server]
pub async fn editor_articles(
    status: Option<String>,
    due: Option<bool>,
) -> Result<Vec<EditorListing>, AppError> {
    crate::error::with_status(
        async move {
            require_library_staff().await?;
            let status = status
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| ArticleStatus::parse(s).ok_or(AppError::NotFound))
                .transpose()?;
            let pool = crate::state::db()?;
            Ok(super::db::select_editor_listing(
                &pool,
                status.map(ArticleStatus::as_str),
                due.unwrap_or(false),
            )
            .await?)
        }
        .await,
    )
}

/// One article as editors see it: the newest revision, its preview, its revisions and where it
/// is in the workflow. Editors and medical reviewers.
#[server]
pub async fn get_editor_article(article_id: String) -> Result<EditorArticle, AppError> {
    crate::error::with_status(editor_article_inner(article_id).await)
}

#[cfg(feature = "ssr")]
async fn editor_article_inner(article_id: String) -> Result<EditorArticle, AppError> {
    let caller = require_library_staff().await?;
    let id = parse_id(&article_id)?;
    let pool = crate::state::db()?;
    let a = sqlx::query!(
        r#"select a.language, a.status, a.version, a.author_id, u.display_name as author_name,
                  a.kind, a.slug, a.review_note, a.approved_revision, a.review_interval_months,
                  rv.display_name as "reviewer_name?", r.saved_by, p.slug as "live_slug?",
                  p.visible_from as "visible_from?", p.review_due_at as "review_due_at?",
                  article_counterpart(a.article_id) as translation
           from article a
           join account u on u.account_id = a.author_id
           join article_revision r on r.article_id = a.article_id and r.number = a.version
           left join account rv on rv.account_id = a.reviewed_by
           left join published_article p on p.article_id = a.article_id
           where a.article_id = $1"#,
        id
    )
    .fetch_optional(&pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let rev = super::db::select_revision(&pool, id, a.version)
        .await?
        .ok_or(AppError::NotFound)?;
    let revisions = super::db::select_revisions(&pool, id).await?;
    let categories = super::db::select_categories(&pool, "en").await?;
    let me = caller.account.account_id;
    Ok(EditorArticle {
        article_id: id.to_string(),
        language: a.language,
        status: ArticleStatus::parse(&a.status).unwrap_or(ArticleStatus::Draft),
        version: a.version,
        author_name: a.author_name,
        caller_wrote_it: a.author_id == me || a.saved_by == me,
        preview_html: super::markdown::render(&rev.body),
        form: ArticleForm {
            title: rev.title,
            slug: a.slug,
            summary: rev.summary,
            body: rev.body,
            kind: a.kind,
            category: rev.category_slug.unwrap_or_default(),
            tags: rev.tags.join(", "),
            conditions: conditions_text(&rev.conditions),
            sources: sources_text(&rev.sources),
            review_interval_months: a.review_interval_months.to_string(),
            hero_image: rev.hero_image.unwrap_or_default(),
            hero_alt: rev.hero_alt.unwrap_or_default(),
        },
        revisions,
        review_note: a.review_note,
        reviewed_by: a.reviewer_name,
        approved_revision: a.approved_revision,
        live_slug: a.live_slug,
        visible_from: a.visible_from.map(|v| v.to_rfc3339()),
        review_due_at: a.review_due_at.map(|v| v.to_rfc3339()),
        translation: a.translation.map(|t| t.to_string()),
        categories,
    })
}

/// The form an editor's refused save kept, if the caller has one for this article (or for a
/// new article when `article_id` is empty). Editors only, and only their own.
#[cfg(feature = "ssr")]
pub async fn kept_form(article_id: Option<uuid::Uuid>) -> Option<ArticleForm> {
    let caller = require_library_staff().await.ok()?;
    let draft: uuid::Uuid = crate::forms::recall(KEPT_FORM_COOKIE)?;
    let pool = crate::state::db().ok()?;
    let form = sqlx::query_scalar!(
        r#"select form as "form: sqlx::types::Json<ArticleForm>" from article_form_draft
           where draft_id = $1 and account_id = $2 and article_id is not distinct from $3
             and created_at > now() - interval '1 day'"#,
        draft,
        caller.account.account_id,
        article_id
    )
    .fetch_optional(&pool)
    .await
    .ok()??;
    Some(form.0)
}

#[cfg(feature = "ssr")]
pub const KEPT_FORM_COOKIE: &str = "kept_article_form";

/// Saves a new revision of an article (or creates the article, in `language`, when `article_id`
/// is empty). `version` is the revision the editor started from: when someone saved since, the
/// save is refused with `Conflict("stale")` and what was typed is kept. Any save makes the
/// article a draft again. `hero_image` is the key of an uploaded image (see
/// [`crate::media::upload_image`]) and needs `hero_alt`. Editors only.
#[server]
pub async fn save_article(
    article_id: Option<String>,
    version: Option<i32>,
    language: Option<String>,
    title: String,
    slug: Option<String>,
    summary: String,
    body: String,
    kind: Option<String>,
    category: Option<String>,
    tags: Option<String>,
    conditions: Option<String>,
    sources: Option<String>,
    review_interval_months: Option<String>,
    hero_image: Option<String>,
    hero_alt: Option<String>,
) -> Result<String, AppError> {
    let form = ArticleForm {
        title,
        slug: slug.unwrap_or_default(),
        summary,
        body,
        kind: kind.unwrap_or_default(),
        category: category.unwrap_or_default(),
        tags: tags.unwrap_or_default(),
        conditions: conditions.unwrap_or_default(),
        sources: sources.unwrap_or_default(),
        review_interval_months: review_interval_months.unwrap_or_default(),
        hero_image: hero_image.unwrap_or_default(),
        hero_alt: hero_alt.unwrap_or_default(),
    };
    crate::error::with_status(save_inner(article_id, version, language, form).await)
}

#[cfg(feature = "ssr")]
async fn save_inner(
    article_id: Option<String>,
    version: Option<i32>,
    language: Option<String>,
    form: ArticleForm,
) -> Result<String, AppError> {
    use crate::auth::{account::Role, server};
    let caller = server::require_role(Role::Editor).await?;
    let existing = article_id
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(parse_id)
        .transpose()?;
    let language = self::language(language.as_deref().unwrap_or("en"))?;
    let pool = crate::state::db()?;
    match save_revision(&pool, &caller, existing, version, language, &form).await {
        Ok(id) => {
            server::set_cookie(&crate::forms::forget_cookie(KEPT_FORM_COOKIE, "/editor"));
            leptos_axum::redirect(&format!("/editor/articles/{id}?saved=1"));
            Ok(id.to_string())
        }
        // A refused save keeps what was typed, for the page to fill the form with again.
        Err(error @ (AppError::Validation(_) | AppError::Conflict(_))) => {
            keep_form(&pool, &caller, existing, &form).await?;
            Err(error)
        }
        Err(error) => Err(error),
    }
}

/// Keeps `form` for the caller's next visit to the article's page (see [`kept_form`]).
#[cfg(feature = "ssr")]
async fn keep_form(
    pool: &sqlx::PgPool,
    caller: &Caller,
    existing: Option<uuid::Uuid>,
    form: &ArticleForm,
) -> Result<(), AppError> {
    let draft = uuid::Uuid::new_v4();
    sqlx::query!(
        "insert into article_form_draft (draft_id, account_id, article_id, form)
         values ($1, $2, $3, $4)",
        draft,
        caller.account.account_id,
        existing,
        sqlx::types::Json(form) as _
    )
    .execute(pool)
    .await?;
    crate::auth::server::set_cookie(&crate::forms::remember_cookie(
        KEPT_FORM_COOKIE,
        "/editor",
        &draft,
    ));
    Ok(())
}

/// Uploads the article form's hero image (the file field `image`, checked and stored as
/// [`crate::media::upload_image`] does) and sends the editor back to the form with the new image
/// chosen and everything else they typed kept, not yet saved. A refused image keeps what was
/// typed too. Editors only, with a second factor; the role is checked before the body is read.
#[server(input = crate::media::UploadForm, input_derive = ())]
pub async fn upload_hero_image(upload: crate::media::ImageUpload) -> Result<String, AppError> {
    crate::error::with_status(upload_hero_inner(upload).await)
}

/// The largest article form with an image: the image, the longest body and the other fields.
pub const HERO_UPLOAD_LIMIT: usize = crate::media::MAX_UPLOAD_BYTES + MAX_BODY + 64 * 1024;

/// The body limit for a request to `path`, when it is the hero upload's.
pub fn upload_body_limit(path: &str) -> Option<usize> {
    (path == <UploadHeroImage as server_fn::ServerFn>::PATH).then_some(HERO_UPLOAD_LIMIT)
}

impl<E, R> server_fn::codec::FromReq<crate::media::UploadForm, R, E> for UploadHeroImage
where
    R: server_fn::request::Req<E> + Send + 'static,
    E: server_fn::error::FromServerFnError + Send + Sync,
{
    async fn from_req(req: R) -> Result<Self, E> {
        crate::media::ImageUpload::from_req(req, HERO_UPLOAD_LIMIT).map(Into::into)
    }
}

impl<E, R> server_fn::codec::IntoReq<crate::media::UploadForm, R, E> for UploadHeroImage
where
    R: server_fn::request::ClientReq<E>,
    E: server_fn::error::FromServerFnError,
{
    fn into_req(self, _path: &str, _accepts: &str) -> Result<R, E> {
        Err(crate::media::posted_only())
    }
}

#[cfg(feature = "ssr")]
async fn upload_hero_inner(upload: crate::media::ImageUpload) -> Result<String, AppError> {
    use crate::auth::{account::Role, server};
    let caller = server::require_role(Role::Editor).await?;
    let mut posted = crate::media::read_upload(upload).await?;
    let mut field = |name: &str| posted.fields.remove(name).unwrap_or_default();
    let existing = Some(field("article_id"))
        .filter(|s| !s.trim().is_empty())
        .as_deref()
        .map(parse_id)
        .transpose()?;
    let language = self::language(
        Some(field("language"))
            .filter(|l| !l.is_empty())
            .as_deref()
            .unwrap_or("en"),
    )?;
    let mut form = ArticleForm {
        title: field("title"),
        slug: field("slug"),
        summary: field("summary"),
        body: field("body"),
        kind: field("kind"),
        category: field("category"),
        tags: field("tags"),
        conditions: field("conditions"),
        sources: field("sources"),
        review_interval_months: field("review_interval_months"),
        hero_image: field("hero_image"),
        hero_alt: field("hero_alt"),
    };
    let pool = crate::state::db()?;
    if let Some(id) = existing {
        // The draft belongs to an article; a made-up id is not found rather than a failure.
        let found = sqlx::query_scalar!(
            "select 1 as \"one!\" from article where article_id = $1",
            id
        )
        .fetch_optional(&pool)
        .await?;
        if found.is_none() {
            return Err(AppError::NotFound);
        }
    }
    let stored = crate::media::store_upload(&caller, posted.image).await;
    if let Ok(image) = &stored {
        form.hero_image = image.hash.clone();
    }
    keep_form(&pool, &caller, existing, &form).await?;
    let image = stored?;
    let back = match existing {
        Some(id) => format!("/editor/articles/{id}"),
        None if language == "es" => "/editor/articles/new?language=es".to_string(),
        None => "/editor/articles/new".to_string(),
    };
    leptos_axum::redirect(&crate::media::with_uploaded(&back, &image.hash));
    Ok(image.hash)
}

/// Checks the form and saves it as the article's next revision (or creates the article), in
/// one transaction; any error rolls all of it back.
#[cfg(feature = "ssr")]
async fn save_revision(
    pool: &sqlx::PgPool,
    caller: &Caller,
    existing: Option<uuid::Uuid>,
    version: Option<i32>,
    language: &str,
    form: &ArticleForm,
) -> Result<uuid::Uuid, AppError> {
    use crate::db::ResultExt;
    let slug_taken = || AppError::Validation([("slug".to_string(), "taken".to_string())].into());
    // The key names no stored image (made up, or from another installation).
    let no_such_image =
        |_| AppError::Validation([("hero_image".to_string(), "invalid".to_string())].into());
    let checked = check_article(form).map_err(AppError::Validation)?;
    if checked.slug == "search" {
        return Err(slug_taken());
    }
    let me = caller.account.account_id;
    let mut tx = pool.begin().await?;
    let category =
        match &checked.category {
            Some(slug) => Some(super::db::find_category(&mut *tx, slug).await?.ok_or_else(
                || AppError::Validation([("category".to_string(), "invalid".to_string())].into()),
            )?),
            None => None,
        };
    let id = match existing {
        None => {
            let id = uuid::Uuid::new_v4();
            super::db::insert_article(&mut tx, id, language, None, &checked, me)
                .await
                .on_constraint("article_language_slug_key", |_| slug_taken())?;
            super::db::insert_revision(&mut tx, id, 1, &checked, category, me, None)
                .await
                .on_constraint("article_revision_hero_image_fkey", no_such_image)?;
            audit_step(&mut tx, "article.create", caller, id).await?;
            id
        }
        Some(id) => {
            let row = super::db::lock_article(&mut tx, id)
                .await?
                .ok_or(AppError::NotFound)?;
            if version != Some(row.version) {
                return Err(AppError::Conflict("stale".into()));
            }
            let next = row.version + 1;
            super::db::update_after_save(&mut tx, id, &checked, next)
                .await
                .on_constraint("article_language_slug_key", |_| slug_taken())?;
            super::db::insert_revision(&mut tx, id, next, &checked, category, me, None)
                .await
                .on_constraint("article_revision_hero_image_fkey", no_such_image)?;
            id
        }
    };
    sqlx::query!(
        "delete from article_form_draft where account_id = $1 and article_id is not distinct from $2",
        me,
        existing
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// An editorial step under way: who asked, on which article, in the transaction that holds the
/// article's row lock.
#[cfg(feature = "ssr")]
struct Step {
    caller: Caller,
    id: uuid::Uuid,
    row: super::db::ArticleRow,
    tx: sqlx::Transaction<'static, sqlx::Postgres>,
}

/// Checks the caller's role (with a second factor) first, then locks the article.
#[cfg(feature = "ssr")]
async fn begin_step(role: crate::auth::account::Role, article_id: &str) -> Result<Step, AppError> {
    let caller = crate::auth::server::require_role(role).await?;
    let id = parse_id(article_id)?;
    let mut tx = crate::state::db()?.begin().await?;
    let row = super::db::lock_article(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Step {
        caller,
        id,
        row,
        tx,
    })
}

/// Audits the step, commits it, and sends a form post back to the article with `notice`.
#[cfg(feature = "ssr")]
async fn finish_step(mut step: Step, action: &'static str, notice: &str) -> Result<(), AppError> {
    audit_step(&mut step.tx, action, &step.caller, step.id).await?;
    step.tx.commit().await?;
    leptos_axum::redirect(&format!("/editor/articles/{}?{notice}", step.id));
    Ok(())
}

/// Sends a draft for medical review. Editors only.
#[server]
pub async fn submit_for_review(article_id: String) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            let mut step = begin_step(crate::auth::account::Role::Editor, &article_id).await?;
            check_submit(step.row.status).map_err(refused)?;
            super::db::set_status(&mut step.tx, step.id, ArticleStatus::InReview, None).await?;
            finish_step(step, "article.submit", "submitted=1").await
        }
        .await,
    )
}

/// Approves `revision` of an article under review. Medical reviewers only, never for an article
/// they wrote or last saved; `revision` must still be the newest (what the reviewer read).
#[server]
pub async fn approve_article(article_id: String, revision: i32) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            let mut step =
                begin_step(crate::auth::account::Role::MedicalReviewer, &article_id).await?;
            let me = step.caller.account.account_id;
            let row = &step.row;
            check_approve(row.status, &me, &row.author_id, &row.last_saved_by).map_err(refused)?;
            if revision != row.version {
                return Err(AppError::Conflict("stale".into()));
            }
            super::db::approve(&mut step.tx, step.id, revision, me).await?;
            finish_step(step, "article.approve", "approved=1").await
        }
        .await,
    )
}

/// Sends an article under review back to its editors with a note. Medical reviewers only.
#[server]
pub async fn send_back(article_id: String, note: String) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            let mut step =
                begin_step(crate::auth::account::Role::MedicalReviewer, &article_id).await?;
            let note = note.trim();
            if note.is_empty() || note.chars().count() > 2000 {
                return Err(AppError::Validation(
                    [("note".to_string(), "required".to_string())].into(),
                ));
            }
            check_send_back(step.row.status).map_err(refused)?;
            super::db::set_status(&mut step.tx, step.id, ArticleStatus::Draft, Some(note)).await?;
            finish_step(step, "article.send_back", "sent_back=1").await
        }
        .await,
    )
}

/// Publishes the approved revision now, or from `at` (`YYYY-MM-DDTHH:MM`, UTC). The public sees
/// it from then on; re-review falls due after the article's interval. Editors only.
#[server]
pub async fn publish_article(article_id: String, at: Option<String>) -> Result<(), AppError> {
    crate::error::with_status(publish_inner(article_id, at).await)
}

#[cfg(feature = "ssr")]
async fn publish_inner(article_id: String, at: Option<String>) -> Result<(), AppError> {
    use crate::db::ResultExt;
    let mut step = begin_step(crate::auth::account::Role::Editor, &article_id).await?;
    let now = chrono::Utc::now();
    let visible_from = match at.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        None => now,
        Some(at) => chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M")
            .map(|t| t.and_utc().max(now))
            .map_err(|_| {
                AppError::Validation([("at".to_string(), "invalid".to_string())].into())
            })?,
    };
    check_publish(step.row.status).map_err(refused)?;
    let (Some(number), Some(reviewed_at)) = (step.row.approved_revision, step.row.reviewed_at)
    else {
        return Err(refused(WorkflowRefusal::WrongStatus));
    };
    let revision = super::db::select_revision(&mut *step.tx, step.id, number)
        .await?
        .ok_or(AppError::NotFound)?;
    let html = super::markdown::render(&revision.body);
    let text = super::markdown::plain_text(&revision.body);
    let months = u32::try_from(step.row.review_interval_months).unwrap_or(12);
    super::db::upsert_published(
        &mut step.tx,
        &step.row,
        &revision,
        &html,
        &text,
        visible_from,
        reviewed_at,
        review_due(reviewed_at, months),
    )
    .await
    .on_constraint("published_article_language_slug_key", |_| {
        AppError::Conflict("slug_taken".into())
    })?;
    super::db::set_status(&mut step.tx, step.id, ArticleStatus::Published, None).await?;
    finish_step(step, "article.publish", "published=1").await
}

/// Takes an article off the public site at once (its revisions stay). Editors only.
#[server]
pub async fn unpublish_article(article_id: String) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            let mut step = begin_step(crate::auth::account::Role::Editor, &article_id).await?;
            if super::db::delete_published(&mut step.tx, step.id).await? == 0 {
                return Err(refused(WorkflowRefusal::WrongStatus));
            }
            if step.row.status == ArticleStatus::Published {
                super::db::set_status(&mut step.tx, step.id, ArticleStatus::Approved, None).await?;
            }
            finish_step(step, "article.unpublish", "unpublished=1").await
        }
        .await,
    )
}

/// Confirms a published article is still right, restarting its re-review clock. Medical
/// reviewers only, not for an article they wrote.
#[server]
pub async fn confirm_review(article_id: String) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            let mut step =
                begin_step(crate::auth::account::Role::MedicalReviewer, &article_id).await?;
            let me = step.caller.account.account_id;
            if step.row.author_id == me {
                return Err(refused(WorkflowRefusal::OwnWork));
            }
            let months = u32::try_from(step.row.review_interval_months).unwrap_or(12);
            let due = review_due(chrono::Utc::now(), months);
            if super::db::confirm_review(&mut step.tx, step.id, me, due).await? == 0 {
                return Err(refused(WorkflowRefusal::WrongStatus));
            }
            finish_step(step, "article.confirm_review", "confirmed=1").await
        }
        .await,
    )
}

/// An old revision as the article to save again (under the article's own slug and interval).
#[cfg(feature = "ssr")]
fn checked_from(
    old: super::db::Revision,
    slug: String,
    row: &super::db::ArticleRow,
) -> CheckedArticle {
    CheckedArticle {
        title: old.title,
        slug,
        summary: old.summary,
        body: old.body,
        kind: if row.kind == "condition_guide" {
            "condition_guide"
        } else {
            "article"
        },
        category: old.category_slug,
        tags: old.tags,
        conditions: old.conditions,
        sources: old.sources,
        review_interval_months: row.review_interval_months,
        hero_image: old.hero_image,
        hero_alt: old.hero_alt,
    }
}

/// Saves an old revision again as the newest (nothing is lost: it is one more revision).
/// `version` guards against someone saving meanwhile, as in [`save_article`]. Editors only.
#[server]
pub async fn restore_revision(
    article_id: String,
    number: i32,
    version: i32,
) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            let mut step = begin_step(crate::auth::account::Role::Editor, &article_id).await?;
            if step.row.version != version {
                return Err(AppError::Conflict("stale".into()));
            }
            let old = super::db::select_revision(&mut *step.tx, step.id, number)
                .await?
                .ok_or(AppError::NotFound)?;
            let category_id = old.category_id;
            let checked = checked_from(old, step.row.slug.clone(), &step.row);
            let next = step.row.version + 1;
            super::db::update_after_save(&mut step.tx, step.id, &checked, next).await?;
            let note = format!("restored from revision {number}");
            super::db::insert_revision(
                &mut step.tx,
                step.id,
                next,
                &checked,
                category_id,
                step.caller.account.account_id,
                Some(&note),
            )
            .await?;
            finish_step(step, "article.restore", &format!("restored={number}")).await
        }
        .await,
    )
}

/// What changed between two revisions of an article. Editors and medical reviewers.
#[server]
pub async fn compare_revisions(
    article_id: String,
    from: i32,
    to: i32,
) -> Result<RevisionDiff, AppError> {
    crate::error::with_status(
        async move {
            require_library_staff().await?;
            let id = parse_id(&article_id)?;
            let pool = crate::state::db()?;
            let a = super::db::select_revision(&pool, id, from)
                .await?
                .ok_or(AppError::NotFound)?;
            let b = super::db::select_revision(&pool, id, to)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok(super::diff::between(&a, &b))
        }
        .await,
    )
}

/// `body` (Markdown) rendered through the one sanitiser, exactly as it would be published, for
/// the editor's live preview. Nothing is stored. Editors and medical reviewers.
#[server]
pub async fn preview_markdown(body: String) -> Result<String, AppError> {
    crate::error::with_status(
        async move {
            require_library_staff().await?;
            if body.len() > MAX_BODY {
                return Err(AppError::Validation(
                    [("body".to_string(), "too_long".to_string())].into(),
                ));
            }
            Ok(super::markdown::render(&body))
        }
        .await,
    )
}

/// Starts the Spanish version of an English article: a new draft (its own review) beginning as a
/// copy of the English text. Editors only; one Spanish version per article.
#[server]
pub async fn start_translation(article_id: String) -> Result<String, AppError> {
    crate::error::with_status(
        async move {
            use crate::db::ResultExt;
            let Step {
                caller,
                id,
                row,
                mut tx,
            } = begin_step(crate::auth::account::Role::Editor, &article_id).await?;
            if row.language != "en" {
                return Err(refused(WorkflowRefusal::WrongStatus));
            }
            let rev = super::db::select_revision(&mut *tx, id, row.version)
                .await?
                .ok_or(AppError::NotFound)?;
            let category_id = rev.category_id;
            let slug = format!("{}-es", row.slug.chars().take(110).collect::<String>())
                .trim_matches('-')
                .to_string();
            let checked = checked_from(rev, slug, &row);
            let es = uuid::Uuid::new_v4();
            let me = caller.account.account_id;
            super::db::insert_article(&mut tx, es, "es", Some(id), &checked, me)
                .await
                .on_constraint("article_translation_key", |_| {
                    AppError::Conflict("translation_exists".into())
                })?;
            super::db::insert_revision(
                &mut tx,
                es,
                1,
                &checked,
                category_id,
                me,
                Some("started from the English version"),
            )
            .await?;
            audit_step(&mut tx, "article.create", &caller, es).await?;
            tx.commit().await?;
            leptos_axum::redirect(&format!("/editor/articles/{es}?translation=1"));
            Ok(es.to_string())
        }
        .await,
    )
}
