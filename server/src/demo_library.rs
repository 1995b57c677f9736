//! The demo health library: 64 English articles and condition guides over 8 topics, 24 of them
//! with a Spanish version (`demo/library.json`), written by the demo editor and approved by the
//! demo medical reviewer, published on dates spread over the last two years. The two newest are
//! left in review so the editorial pages have work on them. Every fourth article (16 in all) has
//! a hero image drawn here (a soft gradient with circles and a wave in its topic's colour) and
//! stored through the same path as an upload. Loading again changes nothing.
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
    category_slug: &'a str,
    title: &'a str,
    summary: &'a str,
    body: &'a str,
    tags: &'a [String],
    conditions: &'a [ConditionCode],
    sources: &'a [Source],
    featured: bool,
    published: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// The key of the hero image (see [`hero_images`]).
    hero: Option<&'a str>,
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
    let heroes = hero_images(pool, editor, &library).await?;
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
            category_slug: &a.category,
            title: &a.title,
            summary: &a.summary,
            body: &a.body,
            tags: &a.tags,
            conditions: &a.conditions,
            sources: &a.sources,
            featured: a.featured,
            published,
            hero: heroes.get(&i).map(String::as_str),
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
            category_slug: &a.category,
            title: &title,
            summary: &a.summary,
            body: &a.body,
            tags: &a.tags,
            conditions: &a.conditions,
            sources: &a.sources,
            featured: false,
            published: Some(dates(usize::try_from(k).unwrap_or(0) + count)),
            hero: None,
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
    let hero_alt = e.hero.map(|_| describe_hero(e.category_slug, e.language));
    let hero_image = e.hero;
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
                                       conditions, sources, saved_by, saved_at, hero_image,
                                       hero_alt)
         values ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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
            .map_or_else(base, |(p, _)| p - Duration::days(3)),
        hero_image,
        hero_alt
    )
    .execute(&mut *tx)
    .await?;
    if let Some((published, reviewed)) = e.published {
        let text = markdown::plain_text(e.body);
        sqlx::query!(
            "insert into published_article
                 (article_id, language, slug, kind, revision, title, summary, body_html, body_text,
                  reading_minutes, category_id, tags, conditions, sources, author_name,
                  reviewer_name, featured, visible_from, last_reviewed_at, review_due_at,
                  hero_image, hero_alt)
             values ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $10, $11, $12, $13,
                     (select display_name from account where account_id = $14),
                     (select display_name from account where account_id = $15),
                     $16, $17, $18, $19, $20, $21)",
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
            app::library::review_due(reviewed, 12),
            hero_image,
            hero_alt
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

/// A topic's colour and how its images are described in English and Spanish.
struct TopicLook {
    slug: &'static str,
    rgb: [u8; 3],
    /// (colour, background) in English, then in Spanish.
    en: (&'static str, &'static str),
    es: (&'static str, &'static str),
}

const fn look(
    slug: &'static str,
    rgb: [u8; 3],
    en: (&'static str, &'static str),
    es: (&'static str, &'static str),
) -> TopicLook {
    TopicLook { slug, rgb, en, es }
}

const TOPIC_LOOKS: [TopicLook; 8] = [
    look(
        "heart-health",
        [192, 57, 43],
        ("red", "pale pink"),
        ("rojos", "rosa pálido"),
    ),
    look(
        "diabetes-metabolism",
        [46, 111, 186],
        ("blue", "pale blue"),
        ("azules", "azul pálido"),
    ),
    look(
        "lungs-breathing",
        [23, 138, 132],
        ("teal", "pale aqua"),
        ("verde azulado", "aguamarina pálido"),
    ),
    look(
        "mental-health",
        [123, 79, 160],
        ("purple", "lavender"),
        ("morados", "lavanda"),
    ),
    look(
        "childrens-health",
        [224, 123, 36],
        ("orange", "pale peach"),
        ("naranjas", "melocotón pálido"),
    ),
    look(
        "womens-health",
        [184, 59, 119],
        ("rose", "pale pink"),
        ("rosas", "rosa pálido"),
    ),
    look(
        "healthy-living",
        [63, 143, 58],
        ("green", "pale green"),
        ("verdes", "verde pálido"),
    ),
    look(
        "vaccines-prevention",
        [43, 76, 126],
        ("dark blue", "pale grey-blue"),
        ("azul oscuro", "gris azulado pálido"),
    ),
];

/// Draws and stores the hero images of every fourth article not loaded yet, several at once
/// (each through [`app::media::store_image`], as an upload would be). Returns article index →
/// image key.
async fn hero_images(
    pool: &PgPool,
    editor: Uuid,
    library: &Library,
) -> anyhow::Result<std::collections::HashMap<usize, String>> {
    let loaded: std::collections::HashSet<String> =
        sqlx::query_scalar!("select slug from article where language = 'en'")
            .fetch_all(pool)
            .await?
            .into_iter()
            .collect();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, a) in library.articles.iter().enumerate() {
        if !i.is_multiple_of(4) || loaded.contains(&a.slug) {
            continue;
        }
        let (pool, category, seed) = (pool.clone(), a.category.clone(), u32::try_from(i)?);
        tasks.spawn(async move {
            let picture =
                tokio::task::spawn_blocking(move || hero_picture(&category, seed)).await??;
            let image = app::media::store_image(&pool, editor, picture)
                .await
                .map_err(|error| anyhow::anyhow!("storing a demo image: {error:?}"))?;
            anyhow::Ok((i, image.hash))
        });
    }
    let mut keys = std::collections::HashMap::new();
    while let Some(done) = tasks.join_next().await {
        let (i, key) = done??;
        keys.insert(i, key);
    }
    Ok(keys)
}

fn topic_look(category: &str) -> &'static TopicLook {
    TOPIC_LOOKS
        .iter()
        .find(|t| t.slug == category)
        .unwrap_or(&TOPIC_LOOKS[6])
}

/// What a demo hero image shows, in `language`.
fn describe_hero(category: &str, language: &str) -> String {
    let look = topic_look(category);
    let ((colour, background), template) = if language == "es" {
        (
            look.es,
            "Ilustración abstracta: círculos {c} suaves y una onda sobre un fondo {b}",
        )
    } else {
        (
            look.en,
            "Abstract illustration: soft {c} circles and a gentle wave on a {b} background",
        )
    };
    template.replace("{c}", colour).replace("{b}", background)
}

/// A 1600 × 900 JPEG for an article in topic `category`: a soft gradient from a pale tint of
/// the topic's colour, circles of it placed by `seed`, and a wave across the lower part. Drawn
/// at a quarter of the size and enlarged (the shapes are soft anyway), which keeps demo loading
/// quick in debug builds.
fn hero_picture(category: &str, seed: u32) -> anyhow::Result<Vec<u8>> {
    use image::{codecs::jpeg::JpegEncoder, imageops::FilterType, DynamicImage, RgbImage};
    const W: u32 = 400;
    const H: u32 = 225;
    let colour = topic_look(category).rgb;
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(12_345);
    let mut next = move |range: u32| {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        ((state >> 8) % range.max(1)) as f32
    };
    // (x, y, radius, strength): larger, fainter circles first.
    let circles: Vec<(f32, f32, f32, f32)> = (0..5u8)
        .map(|k| {
            let k = f32::from(k);
            let r = 65.0 - 10.0 * k + next(15);
            (next(W), next(H), r, 0.18 + 0.07 * k)
        })
        .collect();
    let phase = next(628) / 100.0;
    let tint = |c: u8, t: f32| 255.0 - (255.0 - f32::from(c)) * t;
    let small = RgbImage::from_fn(W, H, |x, y| {
        let (x, y) = (x as f32, y as f32);
        // Background: 12 % of the colour at the top left to 30 % at the bottom right.
        let t = 0.12 + 0.18 * (x + y) / (W + H) as f32;
        let mut a = 0.0f32;
        for (cx, cy, r, strength) in &circles {
            let d = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
            // A soft edge, so the circles stay smooth when enlarged.
            a += (1.0 - a) * (r - d).clamp(0.0, 1.0) * strength;
        }
        let wave = 160.0 + 15.0 * (y / 225.0 * 3.0 + phase).sin() + 0.02 * x;
        a += (1.0 - a) * (y - wave).clamp(0.0, 1.0) * 0.22;
        image::Rgb(colour.map(|c| {
            let back = tint(c, t);
            (back + (f32::from(c) - back) * a) as u8
        }))
    });
    let picture = DynamicImage::ImageRgb8(small).resize_exact(W * 4, H * 4, FilterType::CatmullRom);
    let mut jpeg = Vec::new();
    picture
        .write_with_encoder(JpegEncoder::new_with_quality(&mut jpeg, 92))
        .context("encoding a demo image")?;
    Ok(jpeg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_topic_has_a_look_and_its_pictures_are_valid_images() {
        let library: Library = serde_json::from_str(LIBRARY).expect("valid JSON");
        for c in &library.categories {
            assert!(TOPIC_LOOKS.iter().any(|t| t.slug == c.slug), "{}", c.slug);
        }
        let jpeg = hero_picture("heart-health", 4).expect("picture");
        let image = app::media::process::process_image(&jpeg).expect("accepted as an upload");
        assert_eq!((image.width, image.height), (1600, 900));
        assert!(describe_hero("heart-health", "es").contains("rojos"));
        assert!(describe_hero("heart-health", "en").contains("red"));
    }

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
