//! The library's types (shared by pages and server functions) and its pure rules: the workflow,
//! what an editor's form must hold, slugs and reading time.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where an article's newest revision is in the editorial workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArticleStatus {
    Draft,
    InReview,
    Approved,
    Published,
}

impl ArticleStatus {
    pub const ALL: [ArticleStatus; 4] = [
        ArticleStatus::Draft,
        ArticleStatus::InReview,
        ArticleStatus::Approved,
        ArticleStatus::Published,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ArticleStatus::Draft => "draft",
            ArticleStatus::InReview => "in_review",
            ArticleStatus::Approved => "approved",
            ArticleStatus::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Why a workflow step is refused; the UI words each one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkflowRefusal {
    /// The step does not apply in the article's current status.
    WrongStatus,
    /// A reviewer may not approve what they wrote or last changed.
    OwnWork,
}

impl WorkflowRefusal {
    /// The code carried in [`crate::error::AppError::Conflict`].
    pub fn code(self) -> &'static str {
        match self {
            WorkflowRefusal::WrongStatus => "wrong_status",
            WorkflowRefusal::OwnWork => "own_work",
        }
    }
}

/// An editor sends a draft for medical review.
pub fn check_submit(status: ArticleStatus) -> Result<(), WorkflowRefusal> {
    match status {
        ArticleStatus::Draft => Ok(()),
        _ => Err(WorkflowRefusal::WrongStatus),
    }
}

/// A medical reviewer approves the revision under review. They must be neither the article's
/// author nor the person who saved that revision: a second pair of eyes is the point.
pub fn check_approve<Id: PartialEq>(
    status: ArticleStatus,
    reviewer: &Id,
    author: &Id,
    saved_by: &Id,
) -> Result<(), WorkflowRefusal> {
    if status != ArticleStatus::InReview {
        return Err(WorkflowRefusal::WrongStatus);
    }
    if reviewer == author || reviewer == saved_by {
        return Err(WorkflowRefusal::OwnWork);
    }
    Ok(())
}

/// A reviewer sends an article under review back to its editors.
pub fn check_send_back(status: ArticleStatus) -> Result<(), WorkflowRefusal> {
    match status {
        ArticleStatus::InReview => Ok(()),
        _ => Err(WorkflowRefusal::WrongStatus),
    }
}

/// An editor publishes (now or later) only what a reviewer approved.
pub fn check_publish(status: ArticleStatus) -> Result<(), WorkflowRefusal> {
    match status {
        ArticleStatus::Approved => Ok(()),
        _ => Err(WorkflowRefusal::WrongStatus),
    }
}

/// When a reviewed article is due for review again.
#[cfg(feature = "ssr")]
pub fn review_due(
    reviewed_at: chrono::DateTime<chrono::Utc>,
    interval_months: u32,
) -> chrono::DateTime<chrono::Utc> {
    reviewed_at
        .checked_add_months(chrono::Months::new(interval_months))
        .unwrap_or(reviewed_at)
}

/// A code the article is about, kept as the editor gave it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionCode {
    pub system: String,
    pub code: String,
    pub display: String,
}

pub const ICD10_SYSTEM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
pub const SNOMED_SYSTEM: &str = "http://snomed.info/sct";

/// A citation under the article.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub title: String,
    pub url: String,
}

/// What an editor's form holds, as typed: kept whole when the form comes back with problems.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleForm {
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub body: String,
    pub kind: String,
    pub category: String,
    /// Comma-separated.
    pub tags: String,
    /// One per line: `CODE | display` (ICD-10-CM like `E11.9`, or a SNOMED CT number).
    pub conditions: String,
    /// One per line: `title | https://…`.
    pub sources: String,
    pub review_interval_months: String,
    /// The hero image's key (see [`crate::media`]); empty for none.
    #[serde(default)]
    pub hero_image: String,
    /// What the hero image shows, for people who cannot see it.
    #[serde(default)]
    pub hero_alt: String,
}

/// An [`ArticleForm`] that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedArticle {
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub body: String,
    pub kind: &'static str,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub conditions: Vec<ConditionCode>,
    pub sources: Vec<Source>,
    pub review_interval_months: i32,
    /// The hero image's key and its description: both or neither.
    pub hero_image: Option<String>,
    pub hero_alt: Option<String>,
}

pub const MAX_TITLE: usize = 200;
pub const MAX_SUMMARY: usize = 500;
pub const MAX_BODY: usize = 100_000;

/// A URL path segment made from a title: lowercase ASCII letters and digits joined by single
/// hyphens, accents folded (`Diabetes en niños` → `diabetes-en-ninos`).
pub fn slugify(title: &str) -> String {
    let mut out = String::new();
    let mut hyphen = false;
    for c in title.chars().flat_map(fold_accent) {
        if c.is_ascii_alphanumeric() {
            if hyphen && !out.is_empty() {
                out.push('-');
            }
            hyphen = false;
            out.push(c.to_ascii_lowercase());
        } else {
            hyphen = true;
        }
        if out.len() >= 100 {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}

fn fold_accent(c: char) -> std::iter::Once<char> {
    let folded = match c {
        'á' | 'à' | 'ä' | 'â' | 'Á' | 'À' | 'Ä' | 'Â' => 'a',
        'é' | 'è' | 'ë' | 'ê' | 'É' | 'È' | 'Ë' | 'Ê' => 'e',
        'í' | 'ì' | 'ï' | 'î' | 'Í' | 'Ì' | 'Ï' | 'Î' => 'i',
        'ó' | 'ò' | 'ö' | 'ô' | 'Ó' | 'Ò' | 'Ö' | 'Ô' => 'o',
        'ú' | 'ù' | 'ü' | 'û' | 'Ú' | 'Ù' | 'Ü' | 'Û' => 'u',
        'ñ' | 'Ñ' => 'n',
        'ç' | 'Ç' => 'c',
        c => c,
    };
    std::iter::once(folded)
}

/// Whether `slug` is a well-formed path segment (what the database's check also requires).
pub fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 120
        && slug.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Minutes to read `text` at 200 words a minute, at least one.
pub fn reading_minutes(text: &str) -> i32 {
    let words = text.split_whitespace().count();
    i32::try_from(words.div_ceil(200))
        .unwrap_or(i32::MAX)
        .max(1)
}

fn parse_condition(line: &str) -> Option<ConditionCode> {
    let (code, display) = line.split_once('|')?;
    let (code, display) = (code.trim(), display.trim());
    if display.is_empty() || display.chars().count() > 200 {
        return None;
    }
    let system = if !code.is_empty() && code.len() <= 18 && code.bytes().all(|b| b.is_ascii_digit())
    {
        SNOMED_SYSTEM
    } else if is_icd10(code) {
        ICD10_SYSTEM
    } else {
        return None;
    };
    Some(ConditionCode {
        system: system.to_string(),
        code: code.to_ascii_uppercase(),
        display: display.to_string(),
    })
}

/// ICD-10-CM's shape: a letter, two characters, then an optional dot and up to four more.
fn is_icd10(code: &str) -> bool {
    let b = code.as_bytes();
    let (head, rest) = b.split_at(b.len().min(3));
    if head.len() != 3 || !head.first().is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    if !head.iter().skip(1).all(u8::is_ascii_alphanumeric) {
        return false;
    }
    match rest.split_first() {
        None => true,
        Some((b'.', tail)) => {
            (1..=4).contains(&tail.len()) && tail.iter().all(u8::is_ascii_alphanumeric)
        }
        Some(_) => false,
    }
}

fn parse_source(line: &str) -> Option<Source> {
    let (title, url) = line.rsplit_once('|')?;
    let (title, url) = (title.trim(), url.trim());
    let https = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    if title.is_empty() || title.chars().count() > 300 || https.is_empty() || url.len() > 2000 {
        return None;
    }
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<')
    {
        return None;
    }
    Some(Source {
        title: title.to_string(),
        url: url.to_string(),
    })
}

/// Checks an editor's form: the article to save, or field name → problem code.
pub fn check_article(form: &ArticleForm) -> Result<CheckedArticle, BTreeMap<String, String>> {
    let mut problems = BTreeMap::new();
    let mut problem = |field: &str, code: &str| {
        problems.insert(field.to_string(), code.to_string());
    };
    let title = form.title.trim().to_string();
    if title.is_empty() {
        problem("title", "required");
    } else if title.chars().count() > MAX_TITLE {
        problem("title", "too_long");
    }
    let slug = match form.slug.trim() {
        "" => slugify(&title),
        typed => typed.to_string(),
    };
    if !title.is_empty() && !is_slug(&slug) {
        problem("slug", "invalid");
    }
    let summary = form.summary.trim().to_string();
    if summary.is_empty() {
        problem("summary", "required");
    } else if summary.chars().count() > MAX_SUMMARY {
        problem("summary", "too_long");
    }
    let body = form.body.replace("\r\n", "\n");
    if body.trim().is_empty() {
        problem("body", "required");
    } else if body.len() > MAX_BODY {
        problem("body", "too_long");
    }
    let kind = match form.kind.as_str() {
        "condition_guide" => "condition_guide",
        "article" | "" => "article",
        _ => {
            problem("kind", "invalid");
            "article"
        }
    };
    let category = Some(form.category.trim().to_string()).filter(|c| !c.is_empty());
    let tags: Vec<String> = form
        .tags
        .split(',')
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    if tags.len() > 12 || tags.iter().any(|t| t.chars().count() > 40) {
        problem("tags", "too_many");
    }
    let mut conditions = Vec::new();
    for line in form.conditions.lines().filter(|l| !l.trim().is_empty()) {
        match parse_condition(line) {
            Some(c) => conditions.push(c),
            None => {
                problem("conditions", "invalid");
                break;
            }
        }
    }
    let mut sources = Vec::new();
    for line in form.sources.lines().filter(|l| !l.trim().is_empty()) {
        match parse_source(line) {
            Some(s) => sources.push(s),
            None => {
                problem("sources", "invalid");
                break;
            }
        }
    }
    let review_interval_months = match form.review_interval_months.trim() {
        "" => 12,
        n => match n.parse::<i32>() {
            Ok(n) if (1..=60).contains(&n) => n,
            _ => {
                problem("review_interval_months", "invalid");
                12
            }
        },
    };
    let (hero_image, hero_alt) = match form.hero_image.trim() {
        "" => (None, None),
        key if !crate::media::is_media_hash(key) => {
            problem("hero_image", "invalid");
            (None, None)
        }
        key => {
            // One line: the description is read out as a single phrase.
            let alt = form
                .hero_alt
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if alt.is_empty() {
                problem("hero_alt", "required");
            } else if alt.chars().count() > crate::media::MAX_ALT {
                problem("hero_alt", "too_long");
            }
            (Some(key.to_string()), Some(alt))
        }
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(CheckedArticle {
        title,
        slug,
        summary,
        body,
        kind,
        category,
        tags,
        conditions,
        sources,
        review_interval_months,
        hero_image,
        hero_alt,
    })
}

/// The lines an editor's form shows for stored conditions and sources (the inverse of parsing).
pub fn conditions_text(conditions: &[ConditionCode]) -> String {
    conditions
        .iter()
        .map(|c| format!("{} | {}", c.code, c.display))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn sources_text(sources: &[Source]) -> String {
    sources
        .iter()
        .map(|s| format!("{} | {}", s.title, s.url))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A category as the public and editors see it, named in the request's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub slug: String,
    pub name: String,
}

/// One article in a list (home, category, tag and search pages).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleCard {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub kind: String,
    pub category: Option<Category>,
    /// `YYYY-MM-DD`.
    pub last_reviewed: String,
    pub reading_minutes: i32,
    /// The hero image, shown small (its description is the title beside it).
    pub image: Option<crate::media::ImageRef>,
}

/// A search result: the card plus a snippet whose matches are marked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub card: ArticleCard,
    /// The snippet in pieces; odd-numbered pieces are the matched words.
    pub snippet: Vec<String>,
}

/// A page of results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
}

pub const PAGE_SIZE: i64 = 12;
/// The most matches a search ranks and counts; a search finding more says "more than" this.
pub const SEARCH_CAP: i64 = 1000;

/// The number of pages `total` items fill, at least one.
pub fn page_count(total: i64) -> i64 {
    ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1)
}

/// An image at the top of an article, with its description.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeroImage {
    pub image: crate::media::ImageRef,
    pub alt: String,
}

/// The public article page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicArticle {
    pub article_id: String,
    pub language: String,
    pub slug: String,
    pub kind: String,
    pub title: String,
    pub summary: String,
    /// Rendered and sanitised at publication.
    pub body_html: String,
    pub reading_minutes: i32,
    pub category: Option<Category>,
    pub tags: Vec<String>,
    pub conditions: Vec<ConditionCode>,
    pub sources: Vec<Source>,
    pub author_name: String,
    pub reviewer_name: String,
    /// RFC 3339.
    pub published_at: String,
    pub last_reviewed_at: String,
    /// The other language's published version: (language, slug).
    pub other_language: Option<(String, String)>,
    pub related: Vec<ArticleCard>,
    pub hero: Option<HeroImage>,
}

/// The library's front page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryFront {
    pub featured: Vec<ArticleCard>,
    pub latest: Vec<ArticleCard>,
    pub categories: Vec<Category>,
}

/// One article in the editors' list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorListing {
    pub article_id: String,
    pub title: String,
    pub language: String,
    pub status: ArticleStatus,
    pub author_name: String,
    /// RFC 3339.
    pub updated_at: String,
    /// Live on the public site now, or scheduled (RFC 3339 of when).
    pub live: bool,
    pub scheduled_for: Option<String>,
    pub review_due: bool,
}

/// One saved revision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionInfo {
    pub number: i32,
    pub saved_by: String,
    pub saved_at: String,
    pub note: Option<String>,
}

/// Everything the editor page shows of one article.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorArticle {
    pub article_id: String,
    pub language: String,
    pub status: ArticleStatus,
    pub version: i32,
    pub author_name: String,
    /// Whether the caller wrote it or saved its newest revision (so may not approve it).
    pub caller_wrote_it: bool,
    pub form: ArticleForm,
    /// The newest revision rendered, as the public would see it.
    pub preview_html: String,
    pub revisions: Vec<RevisionInfo>,
    pub review_note: Option<String>,
    pub reviewed_by: Option<String>,
    pub approved_revision: Option<i32>,
    pub live_slug: Option<String>,
    pub visible_from: Option<String>,
    pub review_due_at: Option<String>,
    /// The Spanish version's id (for an English article) or the English original's.
    pub translation: Option<String>,
    pub categories: Vec<Category>,
}

/// One line of a revision comparison.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiffLine {
    Same(String),
    Added(String),
    Removed(String),
}

/// What changed between two revisions, field by field (unchanged fields are left out).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionDiff {
    pub from: i32,
    pub to: i32,
    pub fields: Vec<(String, Vec<DiffLine>)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ArticleForm {
        ArticleForm {
            title: "Living with type 2 diabetes".into(),
            summary: "What to expect.".into(),
            body: "## Eating well\n\nSome text.".into(),
            kind: "condition_guide".into(),
            tags: "Diabetes, blood sugar ,".into(),
            conditions: "E11.9 | Type 2 diabetes mellitus without complications\n44054006 | Diabetes mellitus type 2".into(),
            sources: "Diabetes — MedlinePlus | https://medlineplus.gov/diabetes.html".into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_author_can_never_approve_their_own_article() {
        let (author, other) = (1, 2);
        assert_eq!(
            check_approve(ArticleStatus::InReview, &author, &author, &other),
            Err(WorkflowRefusal::OwnWork)
        );
        // Nor whoever saved the revision under review.
        assert_eq!(
            check_approve(ArticleStatus::InReview, &other, &author, &other),
            Err(WorkflowRefusal::OwnWork)
        );
        assert_eq!(
            check_approve(ArticleStatus::InReview, &3, &author, &other),
            Ok(())
        );
    }

    #[test]
    fn each_step_applies_only_in_its_status() {
        use ArticleStatus::*;
        for s in ArticleStatus::ALL {
            assert_eq!(check_submit(s).is_ok(), s == Draft, "{s:?}");
            assert_eq!(check_send_back(s).is_ok(), s == InReview, "{s:?}");
            assert_eq!(check_publish(s).is_ok(), s == Approved, "{s:?}");
            assert_eq!(check_approve(s, &3, &1, &2).is_ok(), s == InReview, "{s:?}");
            assert_eq!(ArticleStatus::parse(s.as_str()), Some(s));
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn re_review_falls_due_after_the_interval() {
        use chrono::TimeZone;
        let reviewed = chrono::Utc
            .with_ymd_and_hms(2026, 1, 31, 12, 0, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(
            review_due(reviewed, 12).to_rfc3339(),
            "2027-01-31T12:00:00+00:00"
        );
        // Month ends clamp rather than overflow.
        assert_eq!(
            review_due(reviewed, 1).to_rfc3339(),
            "2026-02-28T12:00:00+00:00"
        );
    }

    #[test]
    fn slugs_are_lowercase_ascii_words_joined_by_hyphens() {
        assert_eq!(
            slugify("Diabetes en niños: ¿qué hacer?"),
            "diabetes-en-ninos-que-hacer"
        );
        assert_eq!(slugify("  COVID-19 -- vaccines  "), "covid-19-vaccines");
        assert!(is_slug("covid-19-vaccines"));
        for bad in ["", "-a", "a-", "a--b", "Á", "a b", "a/b"] {
            assert!(!is_slug(bad), "{bad}");
        }
    }

    #[test]
    fn a_good_form_is_parsed_into_codes_sources_and_tags() {
        let checked = check_article(&form()).unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(checked.slug, "living-with-type-2-diabetes");
        assert_eq!(checked.tags, ["diabetes", "blood sugar"]);
        assert_eq!(checked.conditions.len(), 2);
        assert_eq!(
            checked.conditions.first().map(|c| c.system.as_str()),
            Some(ICD10_SYSTEM)
        );
        assert_eq!(
            checked.conditions.get(1).map(|c| c.system.as_str()),
            Some(SNOMED_SYSTEM)
        );
        assert_eq!(
            checked.sources.first().map(|s| s.url.as_str()),
            Some("https://medlineplus.gov/diabetes.html")
        );
        assert_eq!(checked.review_interval_months, 12);
        // The form's own text comes back the same way it is parsed.
        let again = ArticleForm {
            conditions: conditions_text(&checked.conditions),
            sources: sources_text(&checked.sources),
            ..form()
        };
        assert_eq!(
            check_article(&again).map(|c| c.conditions),
            Ok(checked.conditions)
        );
    }

    #[test]
    fn every_problem_in_a_bad_form_is_named() {
        let bad = ArticleForm {
            title: " ".into(),
            summary: "x".repeat(501),
            body: "\n".into(),
            kind: "advert".into(),
            conditions: "not a code | x".into(),
            sources: "A page | javascript:alert(1)".into(),
            review_interval_months: "99".into(),
            ..Default::default()
        };
        let problems = check_article(&bad).err().unwrap_or_default();
        let fields: Vec<&str> = problems.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "body",
                "conditions",
                "kind",
                "review_interval_months",
                "sources",
                "summary",
                "title"
            ]
        );
        let slug = ArticleForm {
            slug: "Not A Slug".into(),
            ..form()
        };
        assert_eq!(
            check_article(&slug)
                .err()
                .and_then(|p| p.get("slug").cloned())
                .as_deref(),
            Some("invalid")
        );
    }

    #[test]
    fn a_hero_image_needs_a_description_of_at_most_250_characters() {
        let key = "ab".repeat(32);
        let with = |image: &str, alt: &str| ArticleForm {
            hero_image: image.into(),
            hero_alt: alt.into(),
            ..form()
        };
        let checked = check_article(&with(&key, "  A nurse  taking\na blood pressure ")).ok();
        assert_eq!(
            checked.as_ref().and_then(|c| c.hero_image.as_deref()),
            Some(key.as_str())
        );
        assert_eq!(
            checked.and_then(|c| c.hero_alt),
            Some("A nurse taking a blood pressure".to_string())
        );
        let problem = |f: &ArticleForm, field: &str| {
            check_article(f)
                .err()
                .and_then(|p| p.get(field).cloned())
                .unwrap_or_default()
        };
        assert_eq!(problem(&with(&key, "  "), "hero_alt"), "required");
        assert_eq!(
            problem(&with(&key, &"x".repeat(251)), "hero_alt"),
            "too_long"
        );
        assert_eq!(
            problem(&with("../etc/passwd", "x"), "hero_image"),
            "invalid"
        );
        // No image: a leftover description is dropped, not stored.
        let none = check_article(&with("", "A description")).ok();
        assert_eq!(none.map(|c| (c.hero_image, c.hero_alt)), Some((None, None)));
    }

    #[test]
    fn reading_time_rounds_up_at_two_hundred_words_a_minute() {
        assert_eq!(reading_minutes(""), 1);
        assert_eq!(reading_minutes(&"word ".repeat(200)), 1);
        assert_eq!(reading_minutes(&"word ".repeat(201)), 2);
        assert_eq!(page_count(0), 1);
        assert_eq!(page_count(13), 2);
    }
}
