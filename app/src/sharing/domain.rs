//! What the sharing pages show, and the rules a new link must meet.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The parts of the record a link can share, in the order the pages list them.
pub const SECTIONS: [&str; 6] = [
    "conditions",
    "allergies",
    "medications",
    "immunizations",
    "results",
    "vitals",
];

/// How long a link may last, in days (the form offers these).
pub const EXPIRY_DAYS: [u32; 4] = [1, 7, 30, 90];

/// The specification's limit for a link's label.
pub const MAX_LABEL_CHARS: usize = 80;
pub const MIN_PASSCODE_CHARS: usize = 6;
pub const MAX_PASSCODE_CHARS: usize = 64;
/// Wrong passcodes a link survives; then it is refused for good.
pub const PASSCODE_ATTEMPTS: i32 = 5;

/// A new link as the form posts it (the passcode is never kept in a cookie).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NewLink {
    pub label: String,
    pub sections: Vec<String>,
    pub days: u32,
}

/// Checks a new link; the problems by field (`label`, `sections`, `days`, `passcode`), each a
/// code the page words.
pub fn check_new_link(link: &NewLink, passcode: Option<&str>) -> BTreeMap<String, String> {
    let mut problems = BTreeMap::new();
    let label = link.label.trim();
    if label.is_empty() {
        problems.insert("label".into(), "required".into());
    } else if label.chars().count() > MAX_LABEL_CHARS || label.chars().any(char::is_control) {
        problems.insert("label".into(), "too_long".into());
    }
    if link.sections.is_empty() {
        problems.insert("sections".into(), "required".into());
    } else if link
        .sections
        .iter()
        .any(|s| !SECTIONS.contains(&s.as_str()))
    {
        problems.insert("sections".into(), "unknown".into());
    }
    if !EXPIRY_DAYS.contains(&link.days) {
        problems.insert("days".into(), "unknown".into());
    }
    if let Some(p) = passcode {
        let n = p.chars().count();
        if n < MIN_PASSCODE_CHARS {
            problems.insert("passcode".into(), "too_short".into());
        } else if n > MAX_PASSCODE_CHARS {
            problems.insert("passcode".into(), "too_long".into());
        }
    }
    problems
}

/// One attempt to open a link, as its maker sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpenView {
    /// "Dec 3, 10:04 AM" in the organisation's time zone.
    pub at: String,
    pub recipient: String,
    /// `opened`, `wrong_passcode` or `refused` (after it ended).
    pub outcome: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShareLinkView {
    pub id: String,
    pub label: String,
    pub sections: Vec<String>,
    pub made_on: String,
    pub made_by: String,
    pub ends_on: String,
    /// `active`, `expired`, `revoked` or `locked` (its passcode attempts ran out).
    pub state: String,
    pub passcode: bool,
    /// The viewer address with the key in its fragment, and its QR code (inline SVG); only
    /// while the link works.
    pub url: Option<String>,
    pub qr_svg: Option<String>,
    pub opens: Vec<OpenView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SharePageData {
    pub patient_id: String,
    pub patient_name: String,
    pub links: Vec<ShareLinkView>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(label: &str, sections: &[&str], days: u32) -> NewLink {
        NewLink {
            label: label.into(),
            sections: sections.iter().map(|s| s.to_string()).collect(),
            days,
        }
    }

    #[test]
    fn a_new_link_needs_a_label_a_known_section_and_an_offered_length() {
        assert!(check_new_link(&link("For Dr. Lee", &["conditions"], 7), None).is_empty());
        let p = check_new_link(&link("  ", &[], 5), Some("12345"));
        assert_eq!(p.get("label").map(String::as_str), Some("required"));
        assert_eq!(p.get("sections").map(String::as_str), Some("required"));
        assert_eq!(p.get("days").map(String::as_str), Some("unknown"));
        assert_eq!(p.get("passcode").map(String::as_str), Some("too_short"));
        let p = check_new_link(
            &link(&"é".repeat(81), &["notes"], 90),
            Some(&"x".repeat(65)),
        );
        assert_eq!(p.get("label").map(String::as_str), Some("too_long"));
        assert_eq!(p.get("sections").map(String::as_str), Some("unknown"));
        assert_eq!(p.get("passcode").map(String::as_str), Some("too_long"));
        // 80 characters, not bytes.
        assert!(check_new_link(&link(&"é".repeat(80), &["vitals"], 1), Some("123456")).is_empty());
    }
}
