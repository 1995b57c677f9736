//! What changed between two revisions, field by field and line by line, for editors deciding
//! whether to restore one.

use super::db::Revision;
use super::domain::{conditions_text, sources_text, DiffLine, RevisionDiff};

/// The fields that differ between `a` and `b`, each as a line diff.
pub(super) fn between(a: &Revision, b: &Revision) -> RevisionDiff {
    let fields = [
        ("title", a.title.clone(), b.title.clone()),
        ("summary", a.summary.clone(), b.summary.clone()),
        ("body", a.body.clone(), b.body.clone()),
        (
            "category",
            a.category_slug.clone().unwrap_or_default(),
            b.category_slug.clone().unwrap_or_default(),
        ),
        ("tags", a.tags.join(", "), b.tags.join(", ")),
        (
            "conditions",
            conditions_text(&a.conditions),
            conditions_text(&b.conditions),
        ),
        (
            "sources",
            sources_text(&a.sources),
            sources_text(&b.sources),
        ),
        (
            "hero_image",
            a.hero_image.clone().unwrap_or_default(),
            b.hero_image.clone().unwrap_or_default(),
        ),
        (
            "hero_alt",
            a.hero_alt.clone().unwrap_or_default(),
            b.hero_alt.clone().unwrap_or_default(),
        ),
    ];
    RevisionDiff {
        from: a.number,
        to: b.number,
        fields: fields
            .into_iter()
            .filter(|(_, old, new)| old != new)
            .map(|(name, old, new)| (name.to_string(), lines(&old, &new)))
            .collect(),
    }
}

fn lines(old: &str, new: &str) -> Vec<DiffLine> {
    use similar::{ChangeTag, TextDiff};
    TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|change| {
            let text = change.value().trim_end_matches('\n').to_string();
            match change.tag() {
                ChangeTag::Equal => DiffLine::Same(text),
                ChangeTag::Insert => DiffLine::Added(text),
                ChangeTag::Delete => DiffLine::Removed(text),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revision(number: i32, title: &str, body: &str) -> Revision {
        Revision {
            number,
            title: title.into(),
            summary: "Same summary".into(),
            body: body.into(),
            category_id: None,
            category_slug: None,
            tags: vec!["heart".into()],
            conditions: vec![],
            sources: vec![],
            hero_image: None,
            hero_alt: None,
        }
    }

    #[test]
    fn only_changed_fields_are_listed_with_their_changed_lines() {
        let a = revision(1, "Old title", "one\ntwo\nthree\n");
        let b = revision(2, "New title", "one\n2\nthree\n");
        let diff = between(&a, &b);
        assert_eq!((diff.from, diff.to), (1, 2));
        let names: Vec<&str> = diff.fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["title", "body"]);
        assert_eq!(
            diff.fields[1].1,
            vec![
                DiffLine::Same("one".into()),
                DiffLine::Removed("two".into()),
                DiffLine::Added("2".into()),
                DiffLine::Same("three".into()),
            ]
        );
    }
}
