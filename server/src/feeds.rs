//! What search engines and feed readers fetch: `/robots.txt`, `/sitemap.xml` (every public page
//! of the library with its other-language alternate) and an Atom feed of the health library per
//! language. Plain routes, public, built only from published articles whose time has come.

use app::state::AppState;
use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use std::fmt::Write;

/// Escapes text for XML content and attribute values.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot hold at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn reply(content_type: &'static str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

/// `/robots.txt`: everything public may be crawled; signed-in areas and the API may not.
pub async fn robots(State(state): State<AppState>) -> Response {
    let origin = state.config.link_origin();
    reply(
        "text/plain; charset=utf-8",
        format!(
            "User-agent: *\nDisallow: /api/\nDisallow: /editor\nDisallow: /admin\nDisallow: /staff\n\
             Disallow: /me\nDisallow: /account\nDisallow: /library/search\nAllow: /\n\n\
             Sitemap: {origin}/sitemap.xml\n"
        ),
    )
}

/// `/sitemap.xml`: the home page, the library, its topics and every published article, each
/// article with its other-language version as an alternate.
pub async fn sitemap(State(state): State<AppState>) -> Response {
    let origin = state.config.link_origin();
    let articles = sqlx::query!(
        r#"select p.slug, p.language, p.updated_at, o.slug as "other_slug?", o.language as "other_language?"
           from published_article p
           left join published_article o
                  on o.visible_from <= now()
                 and o.article_id = article_counterpart(p.article_id)
           where p.visible_from <= now()
           order by p.language, p.slug
           limit 50000"#
    )
    .fetch_all(&state.db)
    .await;
    let topics = sqlx::query_scalar!("select slug from library_category order by slug")
        .fetch_all(&state.db)
        .await;
    let (Ok(articles), Ok(topics)) = (articles, topics) else {
        return (StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response();
    };
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    for path in ["/", "/library"] {
        let _ = writeln!(
            out,
            "<url><loc>{}</loc></url>",
            xml(&format!("{origin}{path}"))
        );
    }
    for slug in topics {
        let _ = writeln!(
            out,
            "<url><loc>{}</loc></url>",
            xml(&format!("{origin}/library/topics/{slug}"))
        );
    }
    for a in articles {
        let loc = xml(&format!("{origin}/library/{}", a.slug));
        let _ = write!(
            out,
            "<url><loc>{loc}</loc><lastmod>{}</lastmod>",
            a.updated_at.date_naive()
        );
        if let (Some(slug), Some(language)) = (a.other_slug, a.other_language) {
            let _ = write!(
                out,
                "<xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{loc}\"/>\
                 <xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                xml(&a.language),
                xml(&language),
                xml(&format!("{origin}/library/{slug}"))
            );
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    reply("application/xml; charset=utf-8", out)
}

/// `/library/feed/{en|es}.atom`: the 30 newest published articles in that language.
pub async fn atom(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let language = match file.as_str() {
        "en.atom" => "en",
        "es.atom" => "es",
        _ => return (StatusCode::NOT_FOUND, "not found").into_response(),
    };
    let origin = state.config.link_origin();
    let rows = sqlx::query!(
        r#"select slug, title, summary, author_name, visible_from, updated_at
           from published_article
           where language = $1 and visible_from <= now()
           order by visible_from desc, article_id
           limit 30"#,
        language
    )
    .fetch_all(&state.db)
    .await;
    let Ok(rows) = rows else {
        return (StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response();
    };
    let title = if language == "es" {
        "Biblioteca de salud"
    } else {
        "Health library"
    };
    let updated = rows
        .iter()
        .map(|r| r.updated_at.max(r.visible_from))
        .max()
        .unwrap_or_default();
    let self_url = format!("{origin}/library/feed/{language}.atom");
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{language}\">\n\
         <title>{}</title>\n<id>{}</id>\n<link rel=\"self\" href=\"{}\"/>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n<updated>{}</updated>\n",
        xml(title),
        xml(&self_url),
        xml(&self_url),
        xml(&format!("{origin}/library")),
        updated.to_rfc3339()
    );
    for r in rows {
        let url = xml(&format!("{origin}/library/{}", r.slug));
        let _ = write!(
            out,
            "<entry>\n<title>{}</title>\n<id>{url}</id>\n<link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/>\n\
             <published>{}</published>\n<updated>{}</updated>\n<author><name>{}</name></author>\n\
             <summary>{}</summary>\n</entry>\n",
            xml(&r.title),
            r.visible_from.to_rfc3339(),
            r.updated_at.max(r.visible_from).to_rfc3339(),
            xml(&r.author_name),
            xml(&r.summary)
        );
    }
    out.push_str("</feed>\n");
    reply("application/atom+xml; charset=utf-8", out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn xml_text_is_escaped_and_forbidden_characters_dropped() {
        assert_eq!(
            super::xml("a<b & \"c\" 'd'\u{1}>"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
    }
}
