//! The library's queries. Public reads all go through `published_article` and compare
//! `visible_from` with now(), so nothing unpublished or not yet due is ever returned to the
//! public.

use super::domain::{
    ArticleCard, ArticleStatus, Category, CheckedArticle, ConditionCode, EditorListing,
    RevisionInfo, SearchHit, Source,
};
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// The working copy's workflow facts, read under a row lock before any change.
pub struct ArticleRow {
    pub article_id: Uuid,
    pub language: String,
    pub kind: String,
    pub slug: String,
    pub author_id: Uuid,
    pub status: ArticleStatus,
    pub version: i32,
    pub approved_revision: Option<i32>,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_interval_months: i32,
    pub featured: bool,
    /// Who saved the newest revision.
    pub last_saved_by: Uuid,
}

pub(super) async fn lock_article(
    conn: &mut PgConnection,
    id: Uuid,
) -> sqlx::Result<Option<ArticleRow>> {
    let row = sqlx::query!(
        r#"select a.article_id, a.language, a.kind, a.slug, a.author_id,
                  a.status, a.version, a.approved_revision, a.reviewed_by, a.reviewed_at,
                  a.review_interval_months, a.featured, r.saved_by
           from article a
           join article_revision r on r.article_id = a.article_id and r.number = a.version
           where a.article_id = $1
           for update of a"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| ArticleRow {
        article_id: r.article_id,
        language: r.language,
        kind: r.kind,
        slug: r.slug,
        author_id: r.author_id,
        status: ArticleStatus::parse(&r.status).unwrap_or(ArticleStatus::Draft),
        version: r.version,
        approved_revision: r.approved_revision,
        reviewed_by: r.reviewed_by,
        reviewed_at: r.reviewed_at,
        review_interval_months: r.review_interval_months,
        featured: r.featured,
        last_saved_by: r.saved_by,
    }))
}

pub(super) async fn find_category(
    conn: impl PgExecutor<'_>,
    slug: &str,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        "select category_id from library_category where slug = $1",
        slug
    )
    .fetch_optional(conn)
    .await
}

pub(super) async fn select_categories(
    conn: impl PgExecutor<'_>,
    language: &str,
) -> sqlx::Result<Vec<Category>> {
    sqlx::query_as!(
        Category,
        r#"select slug, case when $1 = 'es' then name_es else name_en end as "name!"
           from library_category order by 2"#,
        language
    )
    .fetch_all(conn)
    .await
}

pub(super) async fn insert_article(
    conn: &mut PgConnection,
    id: Uuid,
    language: &str,
    translation_of: Option<Uuid>,
    article: &CheckedArticle,
    author: Uuid,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into article (article_id, language, translation_of, kind, slug, author_id,
                              review_interval_months)
         values ($1, $2, $3, $4, $5, $6, $7)",
        id,
        language,
        translation_of,
        article.kind,
        article.slug,
        author,
        article.review_interval_months
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A save makes the article a draft again: an approval covers the revision it was given for.
pub(super) async fn update_after_save(
    conn: &mut PgConnection,
    id: Uuid,
    article: &CheckedArticle,
    version: i32,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update article set kind = $2, slug = $3, review_interval_months = $4, version = $5,
                status = 'draft', approved_revision = null, reviewed_by = null,
                reviewed_at = null
         where article_id = $1",
        id,
        article.kind,
        article.slug,
        article.review_interval_months,
        version
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) async fn insert_revision(
    conn: &mut PgConnection,
    id: Uuid,
    number: i32,
    article: &CheckedArticle,
    category: Option<Uuid>,
    saved_by: Uuid,
    note: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into article_revision (article_id, number, title, summary, body, category_id,
                                       tags, conditions, sources, saved_by, note, hero_image,
                                       hero_alt)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        id,
        number,
        article.title,
        article.summary,
        article.body,
        category,
        &article.tags,
        Json(&article.conditions) as _,
        Json(&article.sources) as _,
        saved_by,
        note,
        article.hero_image,
        article.hero_alt
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) async fn set_status(
    conn: &mut PgConnection,
    id: Uuid,
    status: ArticleStatus,
    note: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update article set status = $2, review_note = $3 where article_id = $1",
        id,
        status.as_str(),
        note
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) async fn approve(
    conn: &mut PgConnection,
    id: Uuid,
    revision: i32,
    reviewer: Uuid,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update article set status = 'approved', approved_revision = $2, reviewed_by = $3,
                reviewed_at = now(), review_note = null
         where article_id = $1",
        id,
        revision,
        reviewer
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// One saved revision, whole.
pub struct Revision {
    pub number: i32,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub category_id: Option<Uuid>,
    pub category_slug: Option<String>,
    pub tags: Vec<String>,
    pub conditions: Vec<ConditionCode>,
    pub sources: Vec<Source>,
    pub hero_image: Option<String>,
    pub hero_alt: Option<String>,
}

pub(super) async fn select_revision(
    conn: impl PgExecutor<'_>,
    id: Uuid,
    number: i32,
) -> sqlx::Result<Option<Revision>> {
    let row = sqlx::query!(
        r#"select r.number, r.title, r.summary, r.body, r.category_id, c.slug as "category_slug?",
                  r.tags, r.conditions as "conditions: Json<Vec<ConditionCode>>",
                  r.sources as "sources: Json<Vec<Source>>", r.hero_image, r.hero_alt
           from article_revision r left join library_category c using (category_id)
           where r.article_id = $1 and r.number = $2"#,
        id,
        number
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Revision {
        number: r.number,
        title: r.title,
        summary: r.summary,
        body: r.body,
        category_id: r.category_id,
        category_slug: r.category_slug,
        tags: r.tags,
        conditions: r.conditions.0,
        sources: r.sources.0,
        hero_image: r.hero_image,
        hero_alt: r.hero_alt,
    }))
}

pub(super) async fn select_revisions(
    conn: impl PgExecutor<'_>,
    id: Uuid,
) -> sqlx::Result<Vec<RevisionInfo>> {
    let rows = sqlx::query!(
        r#"select r.number, a.display_name, r.saved_at, r.note
           from article_revision r join account a on a.account_id = r.saved_by
           where r.article_id = $1 order by r.number desc"#,
        id
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| RevisionInfo {
            number: r.number,
            saved_by: r.display_name,
            saved_at: r.saved_at.to_rfc3339(),
            note: r.note,
        })
        .collect())
}

/// Publishes `revision` (already rendered) from `visible_from`; replaces what was published.
#[allow(clippy::too_many_arguments, reason = "one column each")]
pub(super) async fn upsert_published(
    conn: &mut PgConnection,
    article: &ArticleRow,
    revision: &Revision,
    body_html: &str,
    body_text: &str,
    visible_from: DateTime<Utc>,
    reviewed_at: DateTime<Utc>,
    review_due_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into published_article
               (article_id, language, slug, kind, revision, title, summary, body_html, body_text,
                reading_minutes, category_id, tags, conditions, sources, author_name,
                reviewer_name, featured, visible_from, last_reviewed_at, review_due_at,
                hero_image, hero_alt)
           select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                  (select display_name from account where account_id = $15),
                  (select display_name from account where account_id = $16),
                  $17, $18, $19, $20, $21, $22
           on conflict (article_id) do update set
               language = excluded.language, slug = excluded.slug, kind = excluded.kind,
               revision = excluded.revision, title = excluded.title, summary = excluded.summary,
               body_html = excluded.body_html, body_text = excluded.body_text,
               reading_minutes = excluded.reading_minutes, category_id = excluded.category_id,
               tags = excluded.tags, conditions = excluded.conditions, sources = excluded.sources,
               author_name = excluded.author_name, reviewer_name = excluded.reviewer_name,
               featured = excluded.featured, visible_from = excluded.visible_from,
               last_reviewed_at = excluded.last_reviewed_at, review_due_at = excluded.review_due_at,
               hero_image = excluded.hero_image, hero_alt = excluded.hero_alt,
               updated_at = now()"#,
        article.article_id,
        article.language,
        article.slug,
        article.kind,
        revision.number,
        revision.title,
        revision.summary,
        body_html,
        body_text,
        super::domain::reading_minutes(body_text),
        revision.category_id,
        &revision.tags,
        Json(&revision.conditions) as _,
        Json(&revision.sources) as _,
        article.author_id,
        article.reviewed_by,
        article.featured,
        visible_from,
        reviewed_at,
        review_due_at,
        revision.hero_image,
        revision.hero_alt
    )
    .execute(&mut *conn)
    .await?;
    insert_words(
        conn,
        &article.language,
        &format!("{} {} {}", revision.title, revision.summary, body_text),
    )
    .await
}

/// Adds the words of `text` to the ones typo correction chooses from.
pub async fn insert_words(conn: &mut PgConnection, language: &str, text: &str) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into library_word (language, word)
           select distinct $1, w from regexp_split_to_table(lower($2), '[^[:alpha:]]+') w
           where length(w) between 3 and 40
           on conflict do nothing"#,
        language,
        text
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) async fn delete_published(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<u64> {
    Ok(
        sqlx::query!("delete from published_article where article_id = $1", id)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// A reviewer confirms a published article is still right: its review clock starts again.
pub(super) async fn confirm_review(
    conn: &mut PgConnection,
    id: Uuid,
    reviewer: Uuid,
    due: DateTime<Utc>,
) -> sqlx::Result<u64> {
    sqlx::query!(
        "update article set reviewed_by = $2, reviewed_at = now() where article_id = $1",
        id,
        reviewer
    )
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query!(
        "update published_article set last_reviewed_at = now(), review_due_at = $2, updated_at = now(),
                reviewer_name = (select display_name from account where account_id = $3)
         where article_id = $1",
        id,
        due,
        reviewer
    )
    .execute(conn)
    .await?
    .rows_affected())
}

pub(super) async fn select_editor_listing(
    conn: impl PgExecutor<'_>,
    status: Option<&str>,
    due_only: bool,
) -> sqlx::Result<Vec<EditorListing>> {
    let rows = sqlx::query!(
        r#"select a.article_id, r.title, a.language, a.status, u.display_name, a.updated_at,
                  p.visible_from as "visible_from?", p.review_due_at as "review_due_at?"
           from article a
           join article_revision r on r.article_id = a.article_id and r.number = a.version
           join account u on u.account_id = a.author_id
           left join published_article p on p.article_id = a.article_id
           where ($1::text is null or a.status = $1)
             and (not $2 or p.review_due_at <= now())
           order by a.updated_at desc
           limit 500"#,
        status,
        due_only
    )
    .fetch_all(conn)
    .await?;
    let now = Utc::now();
    Ok(rows
        .into_iter()
        .map(|r| EditorListing {
            article_id: r.article_id.to_string(),
            title: r.title,
            language: r.language,
            status: ArticleStatus::parse(&r.status).unwrap_or(ArticleStatus::Draft),
            author_name: r.display_name,
            updated_at: r.updated_at.to_rfc3339(),
            live: r.visible_from.is_some_and(|v| v <= now),
            scheduled_for: r.visible_from.filter(|v| *v > now).map(|v| v.to_rfc3339()),
            review_due: r.review_due_at.is_some_and(|d| d <= now),
        })
        .collect())
}

#[expect(clippy::too_many_arguments, reason = "one column each")]
fn card(
    slug: String,
    title: String,
    summary: String,
    kind: String,
    category: Option<(String, String)>,
    last_reviewed_at: DateTime<Utc>,
    reading_minutes: i32,
    image: Option<(String, i32, i32)>,
) -> ArticleCard {
    ArticleCard {
        slug,
        title,
        summary,
        kind,
        category: category.map(|(slug, name)| Category { slug, name }),
        last_reviewed: last_reviewed_at.date_naive().to_string(),
        reading_minutes,
        image: image.map(|(hash, width, height)| image_ref(hash, width, height)),
    }
}

fn image_ref(hash: String, width: i32, height: i32) -> crate::media::ImageRef {
    crate::media::ImageRef {
        hash,
        width: u32::try_from(width).unwrap_or(0),
        height: u32::try_from(height).unwrap_or(0),
    }
}

/// The hero image's key and full size, when the row has one.
fn hero(
    hash: Option<String>,
    width: Option<i32>,
    height: Option<i32>,
) -> Option<(String, i32, i32)> {
    Some((hash?, width?, height?))
}

/// Published cards in `language`, newest first: featured ones only, or those in a category or
/// with a tag. Returns the page and the total.
pub(super) async fn select_cards(
    conn: impl PgExecutor<'_>,
    language: &str,
    featured_only: bool,
    category: Option<&str>,
    tag: Option<&str>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<ArticleCard>, i64)> {
    let rows = sqlx::query!(
        r#"select p.slug, p.title, p.summary, p.kind, c.slug as "category_slug?",
                  case when $1 = 'es' then c.name_es else c.name_en end as "category_name?",
                  p.last_reviewed_at, p.reading_minutes, count(*) over () as "total!",
                  m.media_hash as "hero_hash?", m.width as "hero_width?", m.height as "hero_height?"
           from published_article p left join library_category c using (category_id)
           left join media_image m on m.media_hash = p.hero_image
           where p.language = $1 and p.visible_from <= now()
             and (not $2 or p.featured)
             and ($3::text is null or c.slug = $3)
             and ($4::text is null or p.tags @> array[$4])
           order by p.visible_from desc, p.article_id
           limit $5 offset $6"#,
        language,
        featured_only,
        category,
        tag,
        limit,
        offset
    )
    .fetch_all(conn)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    Ok((
        rows.into_iter()
            .map(|r| {
                card(
                    r.slug,
                    r.title,
                    r.summary,
                    r.kind,
                    r.category_slug.zip(r.category_name),
                    r.last_reviewed_at,
                    r.reading_minutes,
                    hero(r.hero_hash, r.hero_width, r.hero_height),
                )
            })
            .collect(),
        total,
    ))
}

/// Snippet markers: control characters no article contains, replaced by `<mark>` in the UI.
const START: &str = "\u{1}";
const STOP: &str = "\u{2}";

/// Full-text search in `language`, best match first, with a snippet around the matched words.
/// Matches are ranked by the title, summary and tags (`rank_document`), so a title match comes
/// first; at most [`super::domain::SEARCH_CAP`] + 1 matches are ranked, so the cost is bounded whatever the
/// library's size, and a total above the cap means "more than" it.
pub(super) async fn search(
    conn: impl PgExecutor<'_>,
    language: &str,
    query: &str,
    category: Option<&str>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<SearchHit>, i64)> {
    let rows = sqlx::query!(
        r#"with q as (
               select websearch_to_tsquery(cfg, $2) as query, cfg
               from (select case when $1 = 'es' then 'spanish'::regconfig
                                 else 'english'::regconfig end as cfg) c
           ),
           matches as (
               select p.article_id, p.rank_document, p.visible_from
               from published_article p cross join q
               left join library_category c using (category_id)
               where p.language = $1 and p.visible_from <= now()
                 and p.search_document @@ q.query
                 and ($3::text is null or c.slug = $3)
               limit $6
           ),
           hits as (
               select m.article_id, ts_rank_cd(m.rank_document, q.query) as rank,
                      count(*) over () as total
               from matches m cross join q
               order by rank desc, m.visible_from desc, m.article_id
               limit $4 offset $5
           )
           select p.slug, p.title, p.summary, p.kind, c.slug as "category_slug?",
                  case when $1 = 'es' then c.name_es else c.name_en end as "category_name?",
                  p.last_reviewed_at, p.reading_minutes, h.total as "total!",
                  ts_headline(q.cfg, p.body_text, q.query,
                              'StartSel=' || chr(1) || ', StopSel=' || chr(2) ||
                              ', MaxWords=30, MinWords=12, MaxFragments=1') as "snippet!",
                  m.media_hash as "hero_hash?", m.width as "hero_width?", m.height as "hero_height?"
           from hits h join published_article p using (article_id) cross join q
           left join library_category c on c.category_id = p.category_id
           left join media_image m on m.media_hash = p.hero_image
           order by h.rank desc, p.visible_from desc, p.article_id"#,
        language,
        query,
        category,
        limit,
        offset,
        super::domain::SEARCH_CAP + 1
    )
    .fetch_all(conn)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    Ok((
        rows.into_iter()
            .map(|r| SearchHit {
                snippet: split_snippet(&r.snippet),
                card: card(
                    r.slug,
                    r.title,
                    r.summary,
                    r.kind,
                    r.category_slug.zip(r.category_name),
                    r.last_reviewed_at,
                    r.reading_minutes,
                    hero(r.hero_hash, r.hero_width, r.hero_height),
                ),
            })
            .collect(),
        total,
    ))
}

/// Splits a marked snippet into plain and matched pieces (odd indexes are matches).
pub(super) fn split_snippet(snippet: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest = snippet;
    while let Some((before, after)) = rest.split_once(START) {
        pieces.push(before.to_string());
        let (matched, tail) = after.split_once(STOP).unwrap_or((after, ""));
        pieces.push(matched.to_string());
        rest = tail;
    }
    pieces.push(rest.to_string());
    pieces
}

/// The known word closest to `word` in `language`, if `word` itself is not one.
pub(super) async fn correct_word(
    conn: impl PgExecutor<'_>,
    language: &str,
    word: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        r#"select w.word as "word!" from library_word w
           where w.language = $1 and w.word % $2
             and not exists (select 1 from library_word k where k.language = $1 and k.word = $2)
           order by similarity(w.word, $2) desc, length(w.word), w.word
           limit 1"#,
        language,
        word
    )
    .fetch_optional(conn)
    .await
}

/// The published article at `slug`, preferring `language` when both languages use the slug.
pub(super) struct PublishedRow {
    pub article_id: Uuid,
    pub language: String,
    pub slug: String,
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub reading_minutes: i32,
    pub category_id: Option<Uuid>,
    pub category_slug: Option<String>,
    pub category_name: Option<String>,
    pub tags: Vec<String>,
    pub conditions: Json<Vec<ConditionCode>>,
    pub sources: Json<Vec<Source>>,
    pub author_name: String,
    pub reviewer_name: String,
    pub visible_from: DateTime<Utc>,
    pub last_reviewed_at: DateTime<Utc>,
    pub other_language: Option<String>,
    pub other_slug: Option<String>,
    pub hero_hash: Option<String>,
    pub hero_width: Option<i32>,
    pub hero_height: Option<i32>,
    pub hero_alt: Option<String>,
}

impl PublishedRow {
    /// The hero image with its description, when the article has one.
    pub fn hero(&self) -> Option<super::domain::HeroImage> {
        let (hash, width, height) =
            hero(self.hero_hash.clone(), self.hero_width, self.hero_height)?;
        Some(super::domain::HeroImage {
            image: image_ref(hash, width, height),
            alt: self.hero_alt.clone()?,
        })
    }
}

pub(super) async fn select_published(
    conn: impl PgExecutor<'_>,
    slug: &str,
    language: &str,
) -> sqlx::Result<Option<PublishedRow>> {
    sqlx::query_as!(
        PublishedRow,
        r#"select p.article_id, p.language, p.slug, p.kind, p.title, p.summary, p.body_html,
                  p.reading_minutes, p.category_id, c.slug as "category_slug?",
                  case when p.language = 'es' then c.name_es else c.name_en end as "category_name?",
                  p.tags, p.conditions as "conditions: Json<Vec<ConditionCode>>",
                  p.sources as "sources: Json<Vec<Source>>", p.author_name, p.reviewer_name,
                  p.visible_from, p.last_reviewed_at,
                  o.language as "other_language?", o.slug as "other_slug?",
                  m.media_hash as "hero_hash?", m.width as "hero_width?",
                  m.height as "hero_height?", p.hero_alt
           from published_article p
           left join library_category c on c.category_id = p.category_id
           left join media_image m on m.media_hash = p.hero_image
           left join published_article o
                  on o.visible_from <= now()
                 and o.article_id = article_counterpart(p.article_id)
           where p.slug = $1 and p.visible_from <= now()
           order by (p.language = $2) desc
           limit 1"#,
        slug,
        language
    )
    .fetch_optional(conn)
    .await
}

/// Up to four published articles sharing the most tags or the category with `article`. Only a
/// bounded set of candidates is ranked — the 100 newest in its category (by index) and up to 100
/// sharing a tag — so the page costs the same with 60 articles or 50,000 (158 ms → 3 ms there).
pub(super) async fn select_related(
    conn: impl PgExecutor<'_>,
    article: &PublishedRow,
) -> sqlx::Result<Vec<ArticleCard>> {
    let rows = sqlx::query!(
        r#"with candidate as (
               (select p.article_id from published_article p
                where p.category_id = $3 and p.language = $1 and p.article_id <> $2
                  and p.visible_from <= now()
                order by p.visible_from desc limit 100)
               union
               (select p.article_id from published_article p
                where p.tags && $4 and p.language = $1 and p.article_id <> $2
                  and p.visible_from <= now()
                limit 100)
           )
           select p.slug, p.title, p.summary, p.kind, c.slug as "category_slug?",
                  case when p.language = 'es' then c.name_es else c.name_en end as "category_name?",
                  p.last_reviewed_at, p.reading_minutes,
                  m.media_hash as "hero_hash?", m.width as "hero_width?", m.height as "hero_height?"
           from candidate
           join published_article p using (article_id)
           left join library_category c on c.category_id = p.category_id
           left join media_image m on m.media_hash = p.hero_image
           order by cardinality(array(select unnest(p.tags) intersect select unnest($4::text[]))) desc,
                    (p.category_id is not distinct from $3) desc, p.visible_from desc
           limit 4"#,
        article.language,
        article.article_id,
        article.category_id,
        &article.tags
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            card(
                r.slug,
                r.title,
                r.summary,
                r.kind,
                r.category_slug.zip(r.category_name),
                r.last_reviewed_at,
                r.reading_minutes,
                hero(r.hero_hash, r.hero_width, r.hero_height),
            )
        })
        .collect())
}

/// Counts one view today (UTC). No cookie, address or person: a number per article per day.
pub(super) async fn count_view(conn: impl PgExecutor<'_>, article: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into article_view_day (article_id, day, views)
         values ($1, (now() at time zone 'utc')::date, 1)
         on conflict (article_id, day) do update set views = article_view_day.views + 1",
        article
    )
    .execute(conn)
    .await?;
    Ok(())
}
