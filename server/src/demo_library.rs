//! The demo health library: 64 English articles and condition guides over 8 topics, 24 of them
//! with a Spanish version (`demo/library.json`), written by the demo editor and approved by the
//! demo medical reviewer, published on dates spread over the last two years. The two newest are
//! left in review so the editorial pages have work on them. Loading again changes nothing.
//! `--articles N` adds synthetic published articles (copies of the real ones under new slugs)
//! up to N in all, for benchmarks.

use anyhow::Context;
use app::library::{markdown, reading_minutes, ConditionCode, Source};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::Deserialize;
use sqlx::types::Json;
use sqlx::PgPool;
use uuid::Uuid;

const LIBRARY: &str = include_str!("../demo/library.json");

#[derive(Deserialize)]
struct Library {
    categories: Vec<DemoCategory>,
    articles: Vec<DemoArticle>,
}

#[derive(Deserialize)]
struct DemoCategory {
    slug: String,
    name_en: String,
    name_es: String,
}

#[derive(Deserialize, Clone)]
struct DemoArticle {
    slug: String,
    kind: String,
    category: String,
    tags: Vec<String>,
    title: String,
    summary: String,
    body: String,
    conditions: Vec<ConditionCode>,
    sources: Vec<Source>,
    #[serde(default)]
    featured: bool,
    es: Option<DemoTranslation>,
}

#[derive(Deserialize, Clone)]
struct DemoTranslation {
    slug: String,
    title: String,
    summary: String,
    body: String,
    tags: Vec<String>,
}

/// The day the demo library's dates count back from, so every run gives the same dates.
fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 14, 0, 0)
        .single()
        .unwrap_or_default()
}

/// How many articles in review (not published) the demo keeps, from the end of the file.
const IN_REVIEW: usize = 2;

/// One article to write, in one language.
struct Entry<'a> {
    language: &'static str,
    translation_of: Option<Uuid>,
    slug: &'a str,
    kind: &'a str,
    category: Uuid,
    title: &'a str,
    summary: &'a str,
    body: &'a str,
    tags: &'a [String],
    conditions: &'a [ConditionCode],
    sources: &'a [Source],
    featured: bool,
    published: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Loads the library once; `articles` beyond the real ones adds synthetic copies.
pub async fn load(pool: &PgPool, articles: u64) -> anyhow::Result<u64> {
    let library: Library = serde_json::from_str(LIBRARY).context("reading demo/library.json")?;
    let editor = account(pool, "editor@example.org").await?;
    let reviewer = account(pool, "reviewer@example.org").await?;
    let mut added = 0;
    let mut categories = std::collections::HashMap::new();
    for c in &library.categories {
        let id = sqlx::query_scalar!(
            "insert into library_category (slug, name_en, name_es) values ($1, $2, $3)
             on conflict (slug) do update set slug = excluded.slug
             returning category_id",
            c.slug,
            c.name_en,
            c.name_es
        )
        .fetch_one(pool)
        .await?;
        categories.insert(c.slug.clone(), id);
    }
    let count = library.articles.len();
    for (i, a) in library.articles.iter().enumerate() {
        let category = *categories
            .get(&a.category)
            .with_context(|| format!("article {} names unknown category {}", a.slug, a.category))?;
        // Newest first in the file's order; the last IN_REVIEW stay in review.
        let published = (i + IN_REVIEW < count).then(|| dates(i));
        let en = Entry {
            language: "en",
            translation_of: None,
            slug: &a.slug,
            kind: &a.kind,
            category,
            title: &a.title,
            summary: &a.summary,
            body: &a.body,
            tags: &a.tags,
            conditions: &a.conditions,
            sources: &a.sources,
            featured: a.featured,
            published,
        };
        let (en_id, new) = write(pool, &en, editor, reviewer).await?;
        added += u64::from(new);
        if let Some(es) = &a.es {
            let entry = Entry {
                language: "es",
                translation_of: Some(en_id),
                slug: &es.slug,
                title: &es.title,
                summary: &es.summary,
                body: &es.body,
                tags: &es.tags,
                ..en
            };
            added += u64::from(write(pool, &entry, editor, reviewer).await?.1);
        }
    }
    let mut k = 0u64;
    let real = u64::try_from(count).unwrap_or(0);
    while real + k < articles {
        let a = library
            .articles
            .get(usize::try_from(k).unwrap_or(0) % count.max(1))
            .context("no demo articles")?;
        let n = k / real.max(1) + 2;
        let slug = format!("{}-{n}", a.slug);
        let title = format!("{} ({n})", a.title);
        let category = categories.get(&a.category).copied().unwrap_or_default();
        let entry = Entry {
            language: "en",
            translation_of: None,
            slug: &slug,
            kind: &a.kind,
            category,
            title: &title,
            summary: &a.summary,
            body: &a.body,
            tags: &a.tags,
            conditions: &a.conditions,
            sources: &a.sources,
            featured: false,
            published: Some(dates(usize::try_from(k).unwrap_or(0) + count)),
        };
        added += u64::from(write(pool, &entry, editor, reviewer).await?.1);
        k += 1;
        if k.is_multiple_of(5_000) {
            tracing::info!(done = k, "synthetic demo articles");
        }
    }
    Ok(added)
}

/// Published and last-reviewed times for the `i`th article: spread back over two years, most
/// reviewed within the last year, a few due for re-review.
fn dates(i: usize) -> (DateTime<Utc>, DateTime<Utc>) {
    let i = i64::try_from(i).unwrap_or(0);
    let published = base() - Duration::days((i * 11) % 730) - Duration::minutes(i % 1440);
    let reviewed = (base() - Duration::days((i * 37) % 400)).max(published);
    (published, reviewed)
}

async fn account(pool: &PgPool, email: &str) -> anyhow::Result<Uuid> {
    sqlx::query_scalar!(
        "select account_id from account where lower(email) = $1",
        email
    )
    .fetch_optional(pool)
    .await?
    .with_context(|| format!("the demo account {email} is missing"))
}

/// Writes one article (revision 1, approved; published when it has dates) unless its slug is
/// already taken in its language. Returns its id and whether it was new.
async fn write(
    pool: &PgPool,
    e: &Entry<'_>,
    editor: Uuid,
    reviewer: Uuid,
) -> anyhow::Result<(Uuid, bool)> {
    if let Some(id) = sqlx::query_scalar!(
        "select article_id from article where language = $1 and slug = $2",
        e.language,
        e.slug
    )
    .fetch_optional(pool)
    .await?
    {
        return Ok((id, false));
    }
    let id = Uuid::new_v4();
    let status = if e.published.is_some() {
        "published"
    } else {
        "in_review"
    };
    let reviewed_at = e.published.map(|(_, r)| r);
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "insert into article (article_id, language, translation_of, kind, slug, author_id, status,
                              version, approved_revision, reviewed_by, reviewed_at, featured)
         values ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $10, $11)",
        id,
        e.language,
        e.translation_of,
        e.kind,
        e.slug,
        editor,
        status,
        reviewed_at.map(|_| 1),
        reviewed_at.map(|_| reviewer),
        reviewed_at,
        e.featured
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "insert into article_revision (article_id, number, title, summary, body, category_id, tags,
                                       conditions, sources, saved_by, saved_at)
         values ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        id,
        e.title,
        e.summary,
        e.body,
        e.category,
        e.tags,
        Json(e.conditions) as _,
        Json(e.sources) as _,
        editor,
        e.published
            .map_or_else(base, |(p, _)| p - Duration::days(3))
    )
    .execute(&mut *tx)
    .await?;
    if let Some((published, reviewed)) = e.published {
        let text = markdown::plain_text(e.body);
        sqlx::query!(
            "insert into published_article
                 (article_id, language, slug, kind, revision, title, summary, body_html, body_text,
                  reading_minutes, category_id, tags, conditions, sources, author_name,
                  reviewer_name, featured, visible_from, last_reviewed_at, review_due_at)
             values ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $10, $11, $12, $13,
                     (select display_name from account where account_id = $14),
                     (select display_name from account where account_id = $15),
                     $16, $17, $18, $19)",
            id,
            e.language,
            e.slug,
            e.kind,
            e.title,
            e.summary,
            markdown::render(e.body),
            text,
            reading_minutes(&text),
            e.category,
            e.tags,
            Json(e.conditions) as _,
            Json(e.sources) as _,
            editor,
            reviewer,
            e.featured,
            published,
            reviewed,
            app::library::review_due(reviewed, 12)
        )
        .execute(&mut *tx)
        .await?;
        app::library::db::insert_words(
            &mut tx,
            e.language,
            &format!("{} {} {}", e.title, e.summary, text),
        )
        .await?;
    }
    tx.commit().await?;
    Ok((id, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_library_is_large_enough_and_well_formed() {
        let library: Library = serde_json::from_str(LIBRARY).expect("valid JSON");
        assert!(library.articles.len() >= 60);
        assert!(library.articles.iter().filter(|a| a.es.is_some()).count() >= 20);
        let slugs: std::collections::HashSet<&str> = library
            .articles
            .iter()
            .flat_map(|a| {
                std::iter::once(a.slug.as_str()).chain(a.es.as_ref().map(|e| e.slug.as_str()))
            })
            .collect();
        assert_eq!(
            slugs.len(),
            library.articles.len() + library.articles.iter().filter(|a| a.es.is_some()).count()
        );
        for a in &library.articles {
            assert!(app::library::is_slug(&a.slug), "{}", a.slug);
            assert!(
                library.categories.iter().any(|c| c.slug == a.category),
                "{}",
                a.slug
            );
        }
    }
}
