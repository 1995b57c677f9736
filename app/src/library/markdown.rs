//! The one way editors' Markdown becomes HTML. Every path (publication, the editor's preview)
//! goes through [`render`], which ends in an allow-list sanitiser: whatever an editor types, no
//! script, event handler, style, frame, form or `javascript:` URL reaches a page. Raw HTML in
//! the Markdown is shown as text, never interpreted.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;
use std::sync::OnceLock;

/// Markdown → sanitised HTML. Level-one headings become level two: the page's title is its
/// only `h1`.
pub fn render(markdown: &str) -> String {
    let parser = Parser::new_ext(markdown, options()).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Heading {
            level: HeadingLevel::H1,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: HeadingLevel::H2,
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(HeadingLevel::H1)) => {
            Event::End(TagEnd::Heading(HeadingLevel::H2))
        }
        other => other,
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, parser);
    sanitiser().clean(&html).to_string()
}

/// The words of the Markdown without its markup, for search and reading time.
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                out.push_str(&t);
            }
            Event::SoftBreak | Event::HardBreak | Event::End(_) if !out.ends_with(' ') => {
                out.push(' ');
            }
            _ => {}
        }
    }
    out.trim().to_string()
}

/// The only elements a rendered article may contain.
const ALLOWED_TAGS: [&str; 24] = [
    "p",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "a",
    "hr",
    "br",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
];

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

fn sanitiser() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let tags: HashSet<&str> = ALLOWED_TAGS.into_iter().collect();
        // `Builder::empty` empties only the tags: its default attributes (`title` and `lang` on
        // every element, more per tag) stay unless cleared, and only the ones named here are meant.
        let mut builder = ammonia::Builder::empty();
        builder
            .tags(tags)
            .generic_attributes(HashSet::new())
            .tag_attributes(std::collections::HashMap::new())
            .add_tag_attributes("a", ["href"])
            .add_tag_attributes("ol", ["start"])
            .add_tag_attributes("th", ["align"])
            .add_tag_attributes("td", ["align"])
            .url_schemes(["http", "https", "mailto"].into_iter().collect())
            // Relative links stay on this site; nothing else is allowed to resolve elsewhere.
            .url_relative(ammonia::UrlRelative::PassThrough)
            .link_rel(Some("noopener noreferrer"))
            .strip_comments(true);
        builder
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reads every real tag of sanitised HTML (text has its `<` escaped, so each `<` opens a
    /// tag) and fails on any tag, attribute or link scheme outside the allow-list.
    fn assert_safe(html: &str) {
        let mut rest = html;
        while let Some(open) = rest.find('<') {
            let after = &rest[open + 1..];
            let close = after
                .find('>')
                .unwrap_or_else(|| panic!("unclosed tag in {html}"));
            let tag = after[..close].trim_start_matches('/');
            rest = &after[close + 1..];
            let name: String = tag
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            assert!(
                ALLOWED_TAGS.contains(&name.as_str()),
                "tag <{name}> in {html}"
            );
            let mut attrs = &tag[name.len()..];
            loop {
                attrs = attrs.trim_start();
                if attrs.is_empty() || attrs == "/" {
                    break;
                }
                let (attr, value) = attrs
                    .split_once("=\"")
                    .unwrap_or_else(|| panic!("bare attribute in {html}"));
                let end = value
                    .find('"')
                    .unwrap_or_else(|| panic!("unquoted value in {html}"));
                let (value, after_value) = (&value[..end], &value[end + 1..]);
                attrs = after_value;
                assert!(
                    ["href", "rel", "start", "align"].contains(&attr),
                    "attribute {attr} in {html}"
                );
                if attr == "href" {
                    let v = value.trim().to_ascii_lowercase();
                    let scheme_end = v.find([':', '/', '?', '#']);
                    // Only a run of scheme characters before ':' is a scheme (URL spec);
                    // anything else (`%5ba%5d()javascript:`) is a relative path on this site.
                    if let Some(i) = scheme_end.filter(|&i| v.as_bytes()[i] == b':') {
                        let scheme = &v[..i];
                        let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                            && scheme
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
                        if is_scheme {
                            assert!(
                                ["http", "https", "mailto"].contains(&scheme),
                                "link {v} in {html}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn ordinary_markdown_renders_with_headings_lists_and_safe_links() {
        let html = render("# Big\n\n## Eating well\n\n- one\n- **two**\n\n[MedlinePlus](https://medlineplus.gov/)");
        assert!(html.contains("<h2>Big</h2>"), "{html}");
        assert!(html.contains("<h2>Eating well</h2>"));
        assert!(html.contains("<li><strong>two</strong></li>"));
        assert!(
            html.contains(
                r#"<a href="https://medlineplus.gov/" rel="noopener noreferrer">MedlinePlus</a>"#
            ),
            "{html}"
        );
        assert_eq!(
            plain_text("## Eating well\n\nSome *text*."),
            "Eating well Some text ."
        );
    }

    #[test]
    fn known_attacks_come_out_harmless() {
        let attacks = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "[click](JaVaScRiPt:alert(1))",
            "[click](  javascript:alert(1))",
            "[x](java\tscript:alert(1))",
            "[x](&#106;avascript:alert(1))",
            "![x](javascript:alert(1))",
            "![x](https://example.org/a.png\" onerror=\"alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<svg onload=alert(1)>",
            "<iframe src=https://evil.example></iframe>",
            "<div style=\"background:url(javascript:alert(1))\">x</div>",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "<!-- <script>alert(1)</script> -->",
            "```html\n<script>alert(1)</script>\n```",
            "<details open ontoggle=alert(1)>",
            "[x](vbscript:msgbox(1))",
            "<a href=\"https://ok.example\" onclick=\"alert(1)\">x</a>",
            "<form action=https://evil.example><input name=p></form>",
            // Found by the property test below: a link title came through as an attribute.
            "data:text/html,[[a](l' \"<=/<a href=\")m)JAVASCRIPT:[a]()",
            "[a](https://example.org \"a title\")",
        ];
        for attack in attacks {
            assert_safe(&render(attack));
        }
        // Raw HTML is shown, escaped, rather than dropped: the editor sees what they typed.
        assert!(render("<b>hi</b>").contains("&lt;b&gt;hi&lt;/b&gt;"));
    }

    fn hostile_piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("<script>".to_string()),
            Just("</script>".to_string()),
            Just("<img src=x onerror=alert(1)>".to_string()),
            Just("javascript:".to_string()),
            Just("JAVASCRIPT:".to_string()),
            Just("[a](".to_string()),
            Just("](".to_string()),
            Just(")".to_string()),
            Just("![".to_string()),
            Just("<a href=\"".to_string()),
            Just("\" onmouseover=\"x".to_string()),
            Just(" onload=".to_string()),
            Just("<svg/onload=alert(1)>".to_string()),
            Just("<style>".to_string()),
            Just("data:text/html,".to_string()),
            Just("&#x6A;".to_string()),
            Just("`".to_string()),
            Just("```\n".to_string()),
            Just("\n".to_string()),
            Just("<".to_string()),
            Just(">".to_string()),
            Just("<iframe srcdoc=".to_string()),
            Just("style=\"x\"".to_string()),
            "[a-z <>\"'=:/()\\[\\]!&#;]{0,12}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

        #[test]
        fn no_hostile_markdown_yields_a_script_handler_or_scripted_url(
            pieces in proptest::collection::vec(hostile_piece(), 0..24)
        ) {
            assert_safe(&render(&pieces.concat()));
        }

        #[test]
        fn rendering_never_panics_on_any_text(text in "\\PC{0,400}") {
            let _ = render(&text);
            let _ = plain_text(&text);
        }
    }
}
