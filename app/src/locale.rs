//! The request's language. Pages render on the server in one language, chosen in this order: the
//! `lang` cookie (set by the language switch), then the browser's `Accept-Language`, then English.
//! Islands never carry the catalogue: they receive already-translated strings as props.
//! Switching language is a plain link to `/language/{code}`, so it works without JavaScript.

pub use crate::i18n::Locale;
use leptos::prelude::*;

/// Cookie remembering the chosen language. Not health data; readable by the server only.
pub const COOKIE: &str = "lang";

/// The language of the page being rendered.
pub fn use_locale() -> Locale {
    use_context::<Locale>().unwrap_or_default()
}

/// Parses a language code from a URL or cookie: exactly one of the portal's locales.
pub fn parse_code(code: &str) -> Option<Locale> {
    match code {
        "en" => Some(Locale::en),
        "es" => Some(Locale::es),
        _ => None,
    }
}

/// The other language, offered by the switch in the header.
pub fn other(locale: Locale) -> Locale {
    match locale {
        Locale::en => Locale::es,
        Locale::es => Locale::en,
    }
}

/// A language's own name, shown in that language whatever the page's language.
pub fn endonym(locale: Locale) -> &'static str {
    match locale {
        Locale::en => "English",
        Locale::es => "Español",
    }
}

/// The link that switches to `locale` and comes back to `path` (a local path from the router).
pub fn switch_href(locale: Locale, path: &str) -> String {
    let code = leptos_i18n::Locale::as_str(locale);
    format!("/language/{code}?return={}", encode_path(path))
}

/// Percent-encodes what a query value cannot hold literally.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Where the language switch may send the browser back to: only a path on this site.
/// `//evil.example` and `/\evil.example` are protocol-relative in browsers, so both are refused.
pub fn safe_return_path(candidate: Option<&str>) -> &str {
    match candidate {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.starts_with("/\\")
                && !p.chars().any(char::is_control) =>
        {
            p
        }
        _ => "/",
    }
}

/// Picks the language for a request from its `Cookie` and `Accept-Language` headers.
pub fn negotiate(cookie_header: Option<&str>, accept_language: Option<&str>) -> Locale {
    if let Some(locale) = cookie_header
        .and_then(|h| crate::cookies::find(h, COOKIE))
        .and_then(|value| parse_code(value.trim()))
    {
        return locale;
    }
    let Some(header) = accept_language else {
        return Locale::default();
    };
    // Highest quality first; ties keep the browser's order.
    let mut ranges: Vec<(&str, f32)> = header
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (!tag.is_empty() && q > 0.0).then_some((tag, q))
        })
        .collect();
    ranges.sort_by(|a, b| b.1.total_cmp(&a.1));
    ranges
        .iter()
        .find_map(|(tag, _)| {
            let primary = tag
                .split('-')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            parse_code(&primary)
        })
        .unwrap_or_default()
}

/// A month's short name in `language` ("Mar", "mar"), from its zero-based number; empty past 11.
pub fn short_month(language: &str, month0: u32) -> &'static str {
    const EN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    const ES: [&str; 12] = [
        "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic",
    ];
    let months = if language == "es" { ES } else { EN };
    months.get(month0 as usize).copied().unwrap_or_default()
}

/// Decides the request's language from its headers and provides it to every component.
#[cfg(feature = "ssr")]
pub fn provide_request_locale() -> Locale {
    let locale = use_context::<http::request::Parts>()
        .map(|parts| {
            let header = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
            negotiate(
                header(http::header::COOKIE),
                header(http::header::ACCEPT_LANGUAGE),
            )
        })
        .unwrap_or_default();
    provide_context(locale);
    locale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_wins_over_the_browser() {
        assert_eq!(
            negotiate(Some("a=1; lang=es"), Some("en-US,en")),
            Locale::es
        );
        assert_eq!(negotiate(Some("lang=en"), Some("es-MX")), Locale::en);
    }

    #[test]
    fn the_browser_preference_is_read_by_quality() {
        assert_eq!(negotiate(None, Some("es-MX,es;q=0.9,en;q=0.8")), Locale::es);
        assert_eq!(
            negotiate(None, Some("fr;q=0.9, en;q=0.5, es;q=0.7")),
            Locale::es
        );
        assert_eq!(negotiate(None, Some("es;q=0, en-GB")), Locale::en);
    }

    #[test]
    fn anything_unknown_falls_back_to_english() {
        assert_eq!(negotiate(Some("lang=xx"), Some("de, fr")), Locale::en);
        assert_eq!(negotiate(None, None), Locale::en);
        assert_eq!(negotiate(None, Some(";;;q=,")), Locale::en);
    }

    #[test]
    fn the_switch_only_returns_to_local_paths() {
        assert_eq!(safe_return_path(Some("/find-care?x=1")), "/find-care?x=1");
        assert_eq!(safe_return_path(Some("//evil.example/")), "/");
        assert_eq!(safe_return_path(Some("/\\evil.example")), "/");
        assert_eq!(safe_return_path(Some("https://evil.example")), "/");
        assert_eq!(safe_return_path(Some("/a\r\nSet-Cookie: x")), "/");
        assert_eq!(safe_return_path(None), "/");
    }

    #[test]
    fn switch_links_encode_the_return_path() {
        assert_eq!(
            switch_href(Locale::es, "/a b?c=d"),
            "/language/es?return=/a%20b%3Fc%3Dd"
        );
    }

    /// Every key must exist in every language, or a page would show a fallback to a patient.
    #[test]
    fn every_language_has_every_key() {
        let en: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(include_str!("../locales/en.json")).unwrap_or_default();
        let es: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(include_str!("../locales/es.json")).unwrap_or_default();
        assert!(en.len() > 10, "the English catalogue did not parse");
        let en_keys: Vec<_> = en.keys().collect();
        let es_keys: Vec<_> = es.keys().collect();
        assert_eq!(
            en_keys, es_keys,
            "en.json and es.json must have the same keys"
        );
        for (key, value) in es.iter() {
            assert!(
                value.as_str().is_some_and(|s| !s.trim().is_empty()),
                "es.json {key} is empty"
            );
        }
    }
}
