//! Messaging's shared types (for the pages and the server functions) and its pure rules:
//! checking what was typed, how a status moves when someone writes, which conversations are
//! overdue, and filling in a canned reply.

use serde::{Deserialize, Serialize};

/// What a conversation is about, in the order the form offers them.
pub const TOPICS: [&str; 6] = [
    "clinician",
    "appointment",
    "renewal",
    "billing",
    "records",
    "other",
];
/// A request's statuses, in the order it usually moves through them.
pub const STATUSES: [&str; 4] = ["received", "in_progress", "waiting", "done"];
pub const SUBJECT_MAX: usize = 120;
pub const BODY_MAX: usize = 5000;
/// Messages one account may send in a minute (patients and staff alike): enough for anyone
/// writing by hand, and a ceiling for a script.
pub const SENDS_PER_MINUTE: i32 = 10;

pub fn is_topic(topic: &str) -> bool {
    TOPICS.contains(&topic)
}

pub fn is_status(status: &str) -> bool {
    STATUSES.contains(&status)
}

/// The trimmed text of a field, or why it cannot be sent: `"required"` or `"too_long"`.
pub fn check_text(text: &str, max: usize) -> Result<String, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        Err("required")
    } else if text.chars().count() > max {
        Err("too_long")
    } else {
        Ok(text.to_string())
    }
}

/// The status after someone writes. The patient writing reopens a finished request and answers
/// one that was waiting for them; the care team's first reply starts the work. Staff can then
/// set any status themselves; an internal note changes nothing.
pub fn status_after_message(current: &str, from_staff: bool, internal: bool) -> &'static str {
    let current = STATUSES
        .iter()
        .copied()
        .find(|s| *s == current)
        .unwrap_or("received");
    match (from_staff, internal, current) {
        (_, true, s) => s,
        (false, _, "done") => "received",
        (false, _, "waiting") => "in_progress",
        (false, _, s) => s,
        (true, _, "received") => "in_progress",
        (true, _, s) => s,
    }
}

/// Whether a request has waited for the care team longer than its queue's target: it is not
/// done, and the patient's oldest unanswered message (`awaiting_since`) is older than
/// `response_hours`.
#[cfg(feature = "ssr")]
pub fn is_overdue(
    status: &str,
    awaiting_since: Option<chrono::DateTime<chrono::Utc>>,
    response_hours: i32,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    status != "done"
        && awaiting_since
            .is_some_and(|t| now - t > chrono::Duration::hours(i64::from(response_hours)))
}

/// A canned reply with its placeholders filled in. Unknown placeholders stay as typed, so a
/// typo is visible in the reply box rather than silently dropped.
pub fn fill_placeholders(template: &str, first_name: &str, clinician: &str) -> String {
    template
        .replace("{first_name}", first_name)
        .replace("{clinician}", clinician)
}

/// The placeholders a canned reply may use.
pub const PLACEHOLDERS: [&str; 2] = ["{first_name}", "{clinician}"];

/// The first `{…}` in `template` that is not one of [`PLACEHOLDERS`] (a typo such as
/// `{firstname}` would otherwise reach a patient as written).
pub fn unknown_placeholder(template: &str) -> Option<String> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = rest.get(open..).unwrap_or_default();
        let Some(close) = after.find('}') else {
            return Some(after.chars().take(30).collect());
        };
        let candidate = after.get(..=close).unwrap_or_default();
        if !PLACEHOLDERS.contains(&candidate) {
            return Some(candidate.chars().take(30).collect());
        }
        rest = after.get(close + 1..).unwrap_or_default();
    }
    None
}

/// Initials for a name without a photo.
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphabetic())
        .take(2)
        .collect::<String>()
        .to_uppercase()
}

/// A patient's care navigator, as the home and messages pages show them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Navigator {
    pub name: String,
    pub title: String,
    pub initials: String,
    /// The photo's URL and its description.
    pub photo: Option<(String, String)>,
    pub away: bool,
}

/// One conversation in a patient's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationCard {
    pub id: String,
    pub subject: String,
    pub topic: String,
    pub status: String,
    /// When the last message was written, in words ("3 Dec, 10:04").
    pub updated: String,
    /// A reply from the care team the patient has not opened yet.
    pub unread: bool,
    pub queue_name: String,
    pub response_hours: i32,
}

/// The patient's messages page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientInbox {
    pub patient_id: String,
    pub patient_name: String,
    pub navigator: Option<Navigator>,
    pub open: Vec<ConversationCard>,
    pub done: Vec<ConversationCard>,
    /// A new message being written and not sent yet.
    pub has_draft: bool,
}

/// What the new-message form shows: the draft, and whom it will reach.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMessageDraft {
    pub patient_id: String,
    pub patient_name: String,
    pub navigator: Option<Navigator>,
    pub topic: String,
    pub subject: String,
    pub body: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: String,
    pub from_staff: bool,
    pub internal: bool,
    pub author: String,
    pub body: String,
    pub at: String,
    /// When the other side read it, in words.
    pub read: Option<String>,
    pub attachments: Vec<AttachmentView>,
}

/// A file attached to a message, as its download link names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentView {
    pub id: String,
    pub name: String,
    /// `image` or `pdf`.
    pub kind: String,
    pub bytes: i64,
}

/// One step of a request's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: String,
    /// `status`, `assigned` or `queue`.
    pub kind: String,
    /// The status reached (its code), the colleague assigned (staff only) or the queue's name.
    pub value: String,
}

/// A canned reply, filled in for this conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedChoice {
    pub id: String,
    pub title: String,
}

/// A colleague or queue to pick.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pick {
    pub id: String,
    pub name: String,
}

/// What staff see beside a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffSide {
    pub patient_name: String,
    pub birth_date: String,
    pub language: String,
    pub upcoming_visits: Vec<String>,
    pub assigned_to: Option<String>,
    pub assigned_id: String,
    pub colleagues: Vec<Pick>,
    pub canned: Vec<CannedChoice>,
    pub overdue: bool,
    /// The reply box's starting text: a chosen canned reply, filled in, or the saved draft.
    pub reply: String,
}

/// One conversation, as the patient's side or staff see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationView {
    pub id: String,
    pub patient_id: String,
    pub subject: String,
    pub topic: String,
    pub status: String,
    pub queue_name: String,
    pub response_hours: i32,
    pub started: String,
    pub messages: Vec<MessageView>,
    pub timeline: Vec<TimelineEntry>,
    /// The caller's unsent reply.
    pub draft: String,
    /// Present only for staff.
    pub staff: Option<StaffSide>,
}

/// One row of the staff inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxRow {
    pub id: String,
    pub patient_name: String,
    pub subject: String,
    pub topic: String,
    pub status: String,
    pub queue_name: String,
    pub assigned_to: Option<String>,
    pub updated: String,
    pub overdue: bool,
}

/// A queue tab in the staff inbox, with how many open conversations it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueTab {
    /// A queue's slug, or `mine`.
    pub slug: String,
    /// The queue's name in the caller's language; empty for `mine`, which the page names.
    pub name: String,
    pub open: i64,
    pub overdue: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxView {
    pub tabs: Vec<QueueTab>,
    pub queue: String,
    pub status: String,
    pub search: String,
    pub rows: Vec<InboxRow>,
    /// The signed-in staff member is a navigator and marked away.
    pub away: Option<bool>,
}

/// An entry of the notification centre.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationView {
    pub kind: String,
    pub href: String,
    pub at: String,
    pub unread: bool,
    /// Whose care it is about, when the account acts for several people.
    pub patient_name: String,
}

/// A queue's response times (first staff reply after the request was received), for analytics.
#[derive(Clone, Debug, PartialEq)]
pub struct ResponseTimes {
    pub queue_slug: String,
    pub answered: i64,
    pub median_minutes: f64,
    pub p90_minutes: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_known_placeholders_are_accepted() {
        assert_eq!(
            unknown_placeholder("Hi {first_name}, {clinician} says hi."),
            None
        );
        assert_eq!(unknown_placeholder("No placeholders at all."), None);
        assert_eq!(
            unknown_placeholder("Hi {first_name}, {firstname}"),
            Some("{firstname}".to_string())
        );
        assert_eq!(
            unknown_placeholder("Hi {first_name"),
            Some("{first_name".to_string())
        );
        assert_eq!(unknown_placeholder("{}"), Some("{}".to_string()));
    }

    #[test]
    fn text_is_trimmed_and_refused_when_empty_or_too_long() {
        assert_eq!(check_text("  Hello \n", 10), Ok("Hello".to_string()));
        assert_eq!(check_text(" \n\t", 10), Err("required"));
        assert_eq!(check_text(&"é".repeat(10), 10), Ok("é".repeat(10)));
        assert_eq!(check_text(&"é".repeat(11), 10), Err("too_long"));
    }

    #[test]
    fn writing_moves_the_status_the_way_a_patient_would_expect() {
        assert_eq!(status_after_message("received", true, false), "in_progress");
        assert_eq!(status_after_message("received", true, true), "received");
        assert_eq!(status_after_message("waiting", false, false), "in_progress");
        assert_eq!(status_after_message("done", false, false), "received");
        assert_eq!(
            status_after_message("in_progress", false, false),
            "in_progress"
        );
        assert_eq!(status_after_message("waiting", true, false), "waiting");
        assert_eq!(status_after_message("done", true, true), "done");
        assert_eq!(status_after_message("nonsense", false, false), "received");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_request_is_overdue_only_while_open_and_past_its_queues_target() {
        use chrono::{Duration, TimeZone, Utc};
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap();
        let old = Some(now - Duration::hours(25));
        let recent = Some(now - Duration::hours(23));
        assert!(is_overdue("received", old, 24, now));
        assert!(!is_overdue("received", recent, 24, now));
        assert!(!is_overdue("done", old, 24, now));
        assert!(!is_overdue("in_progress", None, 24, now));
    }

    #[test]
    fn canned_replies_fill_known_placeholders_and_keep_unknown_ones() {
        assert_eq!(
            fill_placeholders(
                "Hi {first_name}, {clinician} will call. {oops}",
                "Ana",
                "Dr. Ruiz"
            ),
            "Hi Ana, Dr. Ruiz will call. {oops}"
        );
    }

    #[test]
    fn initials_take_the_first_letters_of_two_words() {
        assert_eq!(initials("maría José López"), "MJ");
        assert_eq!(initials("Sam"), "S");
        assert_eq!(initials(""), "");
    }

    #[test]
    fn topics_and_statuses_are_closed_lists() {
        assert!(is_topic("renewal") && !is_topic("Renewal") && !is_topic(""));
        assert!(is_status("waiting") && !is_status("closed"));
    }
}
