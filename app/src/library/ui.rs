//! The library's public pages, rendered on the server for phones and search engines: the front
//! page, search (a GET form, so it works without JavaScript), topic and tag pages, and the
//! article page with its trust signals, structured data and links to the other language.

use super::api::{
    get_library_front, library_categories, list_articles, read_article, search_library, Listing,
    SearchResults,
};
use super::domain::{ArticleCard, Category, PublicArticle, SEARCH_CAP};
use crate::error::AppError;
use crate::i18n::{td, td_string};
use crate::locale::{use_locale, Locale};
use crate::media::ResponsiveImage;
use crate::organisation::PRODUCT_NAME;
use crate::shell::{ErrorView, Loading, NotFoundPage};
use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

fn code(l: Locale) -> String {
    leptos_i18n::Locale::as_str(l).to_string()
}

/// The site's origin for absolute links (canonical, Open Graph, structured data): the same as
/// emails use, never a request's Host header, which a client chooses.
pub fn site_origin() -> String {
    #[cfg(feature = "ssr")]
    {
        crate::state::config()
            .map(|c| c.link_origin())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    String::new()
}

/// The search box, on the front page and the search page.
#[component]
pub fn SearchForm(
    #[prop(optional)] q: String,
    #[prop(optional)] category: String,
    #[prop(optional)] categories: Vec<Category>,
) -> impl IntoView {
    let l = use_locale();
    let with_categories = !categories.is_empty();
    view! {
        <form class="search" method="get" action="/library/search" role="search">
            <div class="field search__field">
                <label for="library-q">{td_string!(l, lib_search_label)}</label>
                <input id="library-q" name="q" type="search" value=q autocomplete="off"
                    enterkeyhint="search" spellcheck="true" />
            </div>
            {with_categories.then(|| view! {
                <CategorySelect id="library-category" none=td_string!(l, lib_all_topics)
                    categories selected=category />
            })}
            <button class="button" type="submit">{td_string!(l, lib_search_button)}</button>
        </form>
    }
}

/// One article in a list. Its title is an `h3` under a section's `h2`, or an `h2` when the list
/// sits right under the page's `h1` (`top`), so headings never skip a level.
/// The topic picker (`name="category"`), with `none` as the empty choice.
#[component]
pub(super) fn CategorySelect(
    id: &'static str,
    none: &'static str,
    categories: Vec<Category>,
    selected: String,
) -> impl IntoView {
    let l = use_locale();
    view! {
        <div class="field">
            <label for=id>{td_string!(l, lib_category_label)}</label>
            <select id=id name="category">
                <option value="">{none}</option>
                {categories.into_iter().map(|c| {
                    let chosen = c.slug == selected;
                    view! { <option value=c.slug selected=chosen>{c.name}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

#[component]
fn Card(
    card: ArticleCard,
    #[prop(optional)] snippet: Option<Vec<String>>,
    #[prop(optional)] top: bool,
) -> impl IntoView {
    let l = use_locale();
    let href = format!("/library/{}", card.slug);
    let kind = if card.kind == "condition_guide" {
        td_string!(l, lib_kind_guide)
    } else {
        td_string!(l, lib_kind_article)
    };
    let reviewed = card.last_reviewed.clone();
    let minutes = card.reading_minutes.to_string();
    // Decorative beside the title (empty alt), and lazy: cards are rarely what is seen first.
    let with_image = card.image.is_some();
    let image = card.image.map(|image| {
        view! {
            <ResponsiveImage image alt=String::new() class="article-card__image"
                sizes="(min-width: 64rem) 21rem, (min-width: 48rem) 50vw, 100vw" />
        }
    });
    view! {
        <li class="article-card" class:article-card--with-image=with_image>
            {image}
            {if top {
                view! { <h2 class="article-card__title"><a href=href>{card.title}</a></h2> }.into_any()
            } else {
                view! { <h3 class="article-card__title"><a href=href>{card.title}</a></h3> }.into_any()
            }}
            <p class="article-card__meta muted">
                {kind}
                {card.category.map(|c| view! { " · " {c.name} })}
                " · " {td!(l, lib_minutes, n = move || minutes.clone())}
            </p>
            {match snippet {
                Some(pieces) => view! {
                    <p class="article-card__snippet">
                        {pieces.into_iter().enumerate().map(|(i, p)| {
                            if i % 2 == 1 { view! { <mark>{p}</mark> }.into_any() } else { p.into_any() }
                        }).collect_view()}
                    </p>
                }.into_any(),
                None => view! { <p>{card.summary}</p> }.into_any(),
            }}
            <p class="article-card__reviewed muted">
                {td!(l, lib_reviewed_on, date = move || reviewed.clone())}
            </p>
        </li>
    }
}

#[component]
pub fn Cards(cards: Vec<ArticleCard>, label: String, #[prop(optional)] top: bool) -> impl IntoView {
    view! {
        <ul class="article-cards" aria-label=label>
            {cards.into_iter().map(|card| view! { <Card card top /> }).collect_view()}
        </ul>
    }
}

/// Previous / next links that keep the rest of the query.
#[component]
pub fn Pager(page: i64, pages: i64, base: String) -> impl IntoView {
    let l = use_locale();
    let sep = if base.contains('?') { '&' } else { '?' };
    let prev = (page > 1).then(|| format!("{base}{sep}page={}", page - 1));
    let next = (page < pages).then(|| format!("{base}{sep}page={}", page + 1));
    let (p, n) = (page.to_string(), pages.to_string());
    (pages > 1).then(|| {
        view! {
            <nav class="pager" aria-label=td_string!(l, lib_pages)>
                {prev.map(|href| view! { <a href=href rel="prev">{td_string!(l, lib_previous)}</a> })}
                <span>{td!(l, lib_page_of, page = move || p.clone(), pages = move || n.clone())}</span>
                {next.map(|href| view! { <a href=href rel="next">{td_string!(l, lib_next)}</a> })}
            </nav>
        }
    })
}

#[component]
fn TopicLinks(categories: Vec<Category>) -> impl IntoView {
    let l = use_locale();
    view! {
        <nav class="topics" aria-label=td_string!(l, lib_topics)>
            <ul>
                {categories.into_iter().map(|c| {
                    let href = format!("/library/topics/{}", c.slug);
                    view! { <li><a href=href>{c.name}</a></li> }
                }).collect_view()}
            </ul>
        </nav>
    }
}

/// `/library`: featured and latest articles, topics and the search box.
#[component]
pub fn LibraryPage() -> impl IntoView {
    let l = use_locale();
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match get_library_front(code(l)).await {
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                    Ok(front) => {
                        let canonical = format!("{}/library", site_origin());
                        view! {
                            <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, lib_title)) />
                            <Meta name="description" content=td_string!(l, lib_description) />
                            <Link rel="canonical" href=canonical />
                            <Link rel="alternate" type_="application/atom+xml"
                                href=format!("/library/feed/{}.atom", code(l)) title=td_string!(l, lib_feed) />
                            <section class="page library" aria-labelledby="page-title">
                                <h1 id="page-title">{td_string!(l, lib_title)}</h1>
                                <p class="lead">{td_string!(l, lib_intro)}</p>
                                <SearchForm />
                                <super::live::LiveSearch />
                                <TopicLinks categories=front.categories />
                                {(!front.featured.is_empty()).then(|| view! {
                                    <h2>{td_string!(l, lib_featured)}</h2>
                                    <Cards cards=front.featured label=td_string!(l, lib_featured).to_string() />
                                })}
                                <h2>{td_string!(l, lib_latest)}</h2>
                                {if front.latest.is_empty() {
                                    view! { <p class="empty" role="status">{td_string!(l, lib_empty)}</p> }.into_any()
                                } else {
                                    view! { <Cards cards=front.latest label=td_string!(l, lib_latest).to_string() /> }.into_any()
                                }}
                            </section>
                        }
                        .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// `/library/search?q=…&category=…&page=…`.
#[component]
pub fn SearchPage() -> impl IntoView {
    let l = use_locale();
    let query = use_query_map().get_untracked();
    let q = query.get("q").unwrap_or_default();
    let category = query.get("category").unwrap_or_default();
    let page = query.get("page").and_then(|p| p.parse().ok());
    view! {
        <Suspense fallback=Loading>
            {move || {
                let (q, category) = (q.clone(), category.clone());
                Suspend::new(async move {
                    let categories = match library_categories(code(l)).await {
                        Ok(categories) => categories,
                        Err(error) => return view! { <ErrorView error /> }.into_any(),
                    };
                    let results = if q.trim().is_empty() {
                        None
                    } else {
                        Some(search_library(code(l), q.clone(), Some(category.clone()), page).await)
                    };
                    if let Some(Err(error @ (AppError::Unavailable | AppError::Internal))) = results {
                        return view! { <ErrorView error /> }.into_any();
                    }
                    let base = format!(
                        "/library/search?q={}&category={}",
                        urlencode(&q),
                        urlencode(&category)
                    );
                    view! {
                        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, lib_search_title)) />
                        <Meta name="description" content=td_string!(l, lib_description) />
                        // Result pages are thin copies of the articles: search engines should
                        // index the articles, not every query (Lighthouse's SEO score says so).
                        <Meta name="robots" content="noindex, follow" />
                        <section class="page library" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, lib_search_title)}</h1>
                            <SearchForm q=q.clone() category=category.clone() categories=categories />
                            <super::live::LiveSearch />
                            <div id=super::live::RESULTS_ID>
                                {results.map(|r| view! { <Results results=r base=base.clone() /> })}
                            </div>
                        </section>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

#[component]
fn Results(results: Result<SearchResults, AppError>, base: String) -> impl IntoView {
    let l = use_locale();
    match results {
        Err(_) => view! {
            <p class="notice notice--error" role="alert">{td_string!(l, lib_search_needed)}</p>
        }
        .into_any(),
        Ok(found) if found.hits.total == 0 => view! {
            <p class="empty" role="status">{td_string!(l, lib_search_empty)}</p>
        }
        .into_any(),
        Ok(SearchResults { hits, corrected }) => {
            let many = hits.total > SEARCH_CAP;
            let total = hits.total.to_string();
            let (page, pages, items) = (hits.page, hits.pages, hits.items);
            view! {
                <p role="status">
                    {if many {
                        td_string!(l, lib_results_many).into_any()
                    } else {
                        td!(l, lib_results_count, n = move || total.clone()).into_any()
                    }}
                    {corrected.map(|c| view! {
                        " " {td!(l, lib_showing_for, words = move || c.clone())}
                    })}
                </p>
                <ul class="article-cards" aria-label=td_string!(l, lib_results)>
                    {items.into_iter().map(|hit| view! { <Card card=hit.card snippet=hit.snippet top=true /> }).collect_view()}
                </ul>
                <Pager page pages base />
            }
            .into_any()
        }
    }
}

pub(crate) fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One listing page (topic or tag) with paging.
#[component]
fn ListingPage(listing: Listing, heading: String, base: String) -> impl IntoView {
    let l = use_locale();
    let canonical = format!("{}{base}", site_origin());
    view! {
        <Title text=format!("{heading} · {}", td_string!(l, lib_title)) />
        <Link rel="canonical" href=canonical />
        <section class="page library" aria-labelledby="page-title">
            <p class="breadcrumb"><a href="/library">{td_string!(l, lib_title)}</a></p>
            <h1 id="page-title">{heading.clone()}</h1>
            {if listing.cards.items.is_empty() {
                view! { <p class="empty" role="status">{td_string!(l, lib_empty)}</p> }.into_any()
            } else {
                view! { <Cards cards=listing.cards.items label=heading.clone() top=true /> }.into_any()
            }}
            <Pager page=listing.cards.page pages=listing.cards.pages base />
            <TopicLinks categories=listing.categories />
        </section>
    }
}

/// `/library/topics/:slug`.
#[component]
pub fn TopicPage() -> impl IntoView {
    view! { <ListingRoute by_tag=false /> }
}

/// `/library/tags/:tag`.
#[component]
pub fn TagPage() -> impl IntoView {
    view! { <ListingRoute by_tag=true /> }
}

/// A topic's or a tag's articles, named by the route's last segment.
#[component]
fn ListingRoute(by_tag: bool) -> impl IntoView {
    let l = use_locale();
    let key = use_params_map()
        .get_untracked()
        .get(if by_tag { "tag" } else { "slug" })
        .unwrap_or_default();
    let page = use_query_map()
        .get_untracked()
        .get("page")
        .and_then(|p| p.parse().ok());
    view! {
        <Suspense fallback=Loading>
            {move || {
                let key = key.clone();
                Suspend::new(async move {
                    let (category, tag) = if by_tag { (None, Some(key.clone())) } else { (Some(key.clone()), None) };
                    match list_articles(code(l), category, tag, page).await {
                        Err(AppError::NotFound) => view! { <NotFoundPage /> }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                        Ok(listing) => {
                            let (heading, base) = if by_tag {
                                (format!("{} “{key}”", td_string!(l, lib_tagged)), format!("/library/tags/{}", urlencode(&key)))
                            } else {
                                let name = listing.category.as_ref().map(|c| c.name.clone()).unwrap_or_default();
                                (name, format!("/library/topics/{key}"))
                            };
                            view! { <ListingPage listing heading base /> }.into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

/// schema.org structured data for an article: a MedicalWebPage with its author, reviewer and
/// last review date. `<` is escaped so the text can never close the script element.
fn structured_data(a: &PublicArticle, url: &str, image: Option<&str>) -> String {
    let mut data = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "url": url,
        "name": a.title,
        "headline": a.title,
        "description": a.summary,
        "inLanguage": a.language,
        "datePublished": a.published_at,
        "lastReviewed": a.last_reviewed_at,
        "author": { "@type": "Person", "name": a.author_name },
        "reviewedBy": { "@type": "Person", "name": a.reviewer_name },
        "about": a.conditions.iter().map(|c| serde_json::json!({
            "@type": "MedicalCondition",
            "name": c.display,
            "code": { "@type": "MedicalCode", "codeValue": c.code, "codingSystem":
                if c.system.contains("snomed") { "SNOMED-CT" } else { "ICD-10-CM" } }
        })).collect::<Vec<_>>(),
        "citation": a.sources.iter().map(|s| serde_json::json!({
            "@type": "CreativeWork", "name": s.title, "url": s.url
        })).collect::<Vec<_>>(),
    });
    if let (Some(image), Some(object)) = (image, data.as_object_mut()) {
        object.insert("image".into(), image.into());
    }
    data.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// `/library/:slug`: one article.
#[component]
pub fn ArticlePage() -> impl IntoView {
    let l = use_locale();
    let slug = use_params_map()
        .get_untracked()
        .get("slug")
        .unwrap_or_default();
    view! {
        <Suspense fallback=Loading>
            {move || {
                let slug = slug.clone();
                Suspend::new(async move {
                    match read_article(code(l), slug).await {
                        Err(AppError::NotFound) => view! { <NotFoundPage /> }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                        Ok(article) => view! { <ArticleView article /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn ArticleView(article: PublicArticle) -> impl IntoView {
    let l = use_locale();
    let origin = site_origin();
    let url = format!("{origin}/library/{}", article.slug);
    // Shared links and search results show the full-size image: an absolute address.
    let hero_url = article
        .hero
        .as_ref()
        .map(|h| format!("{origin}{}", h.image.full_url()));
    let json_ld = structured_data(&article, &url, hero_url.as_deref());
    let hero_meta = article.hero.clone().zip(hero_url).map(|(h, src)| {
        view! {
            <Meta property="og:image" content=src.clone() />
            <Meta property="og:image:width" content=h.image.width.min(1600).to_string() />
            <Meta property="og:image:height" content=h.image.height.to_string() />
            <Meta property="og:image:alt" content=h.alt.clone() />
            <Meta name="twitter:image" content=src />
            <Meta name="twitter:image:alt" content=h.alt />
        }
    });
    let twitter_card = if article.hero.is_some() {
        "summary_large_image"
    } else {
        "summary"
    };
    let lang = article.language.clone();
    let reviewed = article
        .last_reviewed_at
        .get(..10)
        .unwrap_or_default()
        .to_string();
    let reviewer = article.reviewer_name.clone();
    let author = article.author_name.clone();
    let minutes = article.reading_minutes.to_string();
    let other = article.other_language.clone();
    let alternates = other.clone().map(|(other_lang, other_slug)| {
        let other_url = format!("{origin}/library/{other_slug}");
        view! {
            <Link rel="alternate" hreflang=lang.clone() href=url.clone() />
            <Link rel="alternate" hreflang=other_lang href=other_url />
        }
    });
    let og_locale = if lang == "es" { "es_ES" } else { "en_US" };
    let kind = if article.kind == "condition_guide" {
        td_string!(l, lib_kind_guide)
    } else {
        td_string!(l, lib_kind_article)
    };
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", article.title) />
        <Meta name="description" content=article.summary.clone() />
        <Link rel="canonical" href=url.clone() />
        {alternates}
        <Meta property="og:type" content="article" />
        <Meta property="og:title" content=article.title.clone() />
        <Meta property="og:description" content=article.summary.clone() />
        <Meta property="og:url" content=url.clone() />
        <Meta property="og:locale" content=og_locale />
        <Meta property="og:site_name" content=PRODUCT_NAME />
        <Meta name="twitter:card" content=twitter_card />
        {hero_meta}
        <Meta name="twitter:title" content=article.title.clone() />
        <Meta name="twitter:description" content=article.summary.clone() />
        <article class="page article" lang=lang.clone() aria-labelledby="page-title">
            <p class="breadcrumb">
                <a href="/library">{td_string!(l, lib_title)}</a>
                {article.category.clone().map(|c| view! {
                    " › " <a href=format!("/library/topics/{}", c.slug)>{c.name}</a>
                })}
            </p>
            <p class="article__kind muted">{kind}</p>
            <h1 id="page-title">{article.title.clone()}</h1>
            <p class="lead">{article.summary.clone()}</p>
            // The page's largest element: loaded at once, at high priority.
            {article.hero.clone().map(|h| view! {
                <div class="article__hero">
                    <ResponsiveImage image=h.image alt=h.alt eager=true
                        sizes="(min-width: 46rem) 42rem, calc(100vw - 2rem)" />
                </div>
            })}
            <div class="trust" role="note">
                <p>
                    <strong>{td!(l, lib_reviewed_by, name = move || reviewer.clone(), date = move || reviewed.clone())}</strong>
                </p>
                <p class="muted">
                    {td!(l, lib_written_by, name = move || author.clone())}
                    " · " {td!(l, lib_minutes, n = move || minutes.clone())}
                </p>
                {other.map(|(other_lang, other_slug)| {
                    let label = if other_lang == "es" { "Leer en español" } else { "Read in English" };
                    view! {
                        <p><a href=format!("/library/{other_slug}") hreflang=other_lang.clone() lang=other_lang>{label}</a></p>
                    }
                })}
            </div>
            <div class="article__body" inner_html=article.body_html.clone()></div>
            {(!article.sources.is_empty()).then(|| view! {
                <section class="sources" aria-labelledby="sources-title">
                    <h2 id="sources-title">{td_string!(l, lib_sources)}</h2>
                    <ol>
                        {article.sources.clone().into_iter().map(|s| view! {
                            <li><a href=s.url rel="noopener noreferrer">{s.title}</a></li>
                        }).collect_view()}
                    </ol>
                </section>
            })}
            {(!article.tags.is_empty()).then(|| view! {
                <ul class="tags" aria-label=td_string!(l, lib_tags)>
                    {article.tags.clone().into_iter().map(|t| {
                        let href = format!("/library/tags/{}", urlencode(&t));
                        view! { <li><a href=href>{t}</a></li> }
                    }).collect_view()}
                </ul>
            })}
            <p class="notice" role="note">{td_string!(l, lib_not_advice)}</p>
            <script type="application/ld+json" inner_html=json_ld></script>
        </article>
        {(!article.related.is_empty()).then(|| view! {
            <section class="page related" aria-labelledby="related-title">
                <h2 id="related-title">{td_string!(l, lib_related)}</h2>
                <Cards cards=article.related.clone() label=td_string!(l, lib_related).to_string() />
            </section>
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structured_data_cannot_close_its_script_element() {
        let a = PublicArticle {
            article_id: "x".into(),
            language: "en".into(),
            slug: "s".into(),
            kind: "article".into(),
            title: "</script><script>alert(1)</script>".into(),
            summary: "a & b".into(),
            body_html: String::new(),
            reading_minutes: 1,
            category: None,
            tags: vec![],
            conditions: vec![],
            sources: vec![],
            author_name: "A".into(),
            reviewer_name: "R".into(),
            published_at: "2026-01-01T00:00:00+00:00".into(),
            last_reviewed_at: "2026-01-01T00:00:00+00:00".into(),
            other_language: None,
            related: vec![],
            hero: None,
        };
        let json = structured_data(
            &a,
            "https://example.org/library/s",
            Some("https://example.org/media/x-1600.jpg"),
        );
        assert!(!json.contains('<') && !json.contains('>'));
        let back: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back["headline"], "</script><script>alert(1)</script>");
        assert_eq!(back["@type"], "MedicalWebPage");
        assert_eq!(back["image"], "https://example.org/media/x-1600.jpg");
        assert_eq!(urlencode("blood pressure"), "blood%20pressure");
    }
}
