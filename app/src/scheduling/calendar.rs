//! iCalendar files (RFC 5545) for a visit: attached to booking emails as an invitation
//! (`METHOD:REQUEST`, or `CANCEL` when called off) and downloaded from the portal (`PUBLISH`).
//!
//! Invariants: the UID is the appointment's id, so a calendar replaces the event when the visit
//! moves; SEQUENCE is the appointment's `ical_sequence`, raised by every change; the text says
//! when, where, with whom and how to manage the visit, never the reason for it.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};
use uuid::Uuid;

/// What the calendar file is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// A download: the event as it stands.
    Publish,
    /// An emailed invitation or update.
    Request,
    /// An emailed cancellation.
    Cancel,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Publish => "PUBLISH",
            Self::Request => "REQUEST",
            Self::Cancel => "CANCEL",
        }
    }
}

/// One visit as a calendar event.
#[derive(Clone, Debug)]
pub struct VisitEvent<'a> {
    pub appointment_id: Uuid,
    /// Where UIDs are made unique (the portal's host name).
    pub domain: &'a str,
    pub sequence: i32,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// e.g. "Visit with Dr. Ana Ruiz" — no reason, no diagnosis.
    pub summary: &'a str,
    /// The location's name and address, or "Video visit".
    pub location: &'a str,
    /// How to manage the visit (a link to the portal).
    pub description: &'a str,
    pub url: &'a str,
    pub cancelled: bool,
    /// For invitations: the sender (organizer) and the recipient (attendee) addresses.
    pub organizer: Option<&'a str>,
    pub attendee: Option<&'a str>,
    pub stamp: DateTime<Utc>,
}

/// The stable UID of a visit's event.
pub fn uid(appointment_id: Uuid, domain: &str) -> String {
    format!("appointment-{appointment_id}@{domain}")
}

/// The iCalendar text for `event` sent as `method`.
pub fn render(event: &VisitEvent<'_>, method: Method) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//Openwell//Patient portal//EN"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", method.as_str()));
    let mut vevent = Event::new();
    vevent
        .uid(&uid(event.appointment_id, event.domain))
        .sequence(u32::try_from(event.sequence).unwrap_or(0))
        .timestamp(event.stamp)
        .starts(event.start)
        .ends(event.end)
        .summary(event.summary)
        .location(event.location)
        .description(event.description)
        .url(event.url)
        .status(if event.cancelled || method == Method::Cancel {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        });
    if let Some(organizer) = event.organizer {
        vevent.append_property(Property::new("ORGANIZER", format!("mailto:{organizer}")));
    }
    if let Some(attendee) = event.attendee {
        let mut property = Property::new("ATTENDEE", format!("mailto:{attendee}"));
        property
            .add_parameter("ROLE", "REQ-PARTICIPANT")
            .add_parameter("PARTSTAT", "ACCEPTED");
        vevent.append_multi_property(property);
    }
    calendar.push(vevent.done());
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use icalendar::{Calendar, CalendarComponent, DatePerhapsTime};

    fn event(sequence: i32) -> VisitEvent<'static> {
        VisitEvent {
            appointment_id: Uuid::from_u128(7),
            domain: "portal.example.org",
            sequence,
            start: Utc.with_ymd_and_hms(2026, 12, 7, 15, 20, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 12, 7, 15, 40, 0).unwrap(),
            summary: "Visit with Dr. Ana Ruiz, MD",
            location: "Riverside Clinic, 100 River Rd, Springfield, IL 62701",
            description: "Manage this visit: https://portal.example.org/appointments/x",
            url: "https://portal.example.org/appointments/x",
            cancelled: false,
            organizer: Some("no-reply@portal.example.org"),
            attendee: Some("maria@example.org"),
            stamp: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
        }
    }

    fn parse(text: &str) -> Calendar {
        text.parse::<Calendar>()
            .unwrap_or_else(|e| panic!("not valid iCalendar: {e}\n{text}"))
    }

    #[test]
    fn an_invitation_parses_with_uid_sequence_method_and_times() {
        let text = render(&event(0), Method::Request);
        assert!(text.contains("\r\n"), "lines end in CRLF");
        let calendar = parse(&text);
        assert_eq!(calendar.property_value("METHOD"), Some("REQUEST"));
        let events: Vec<_> = calendar
            .components
            .iter()
            .filter_map(|c| match c {
                CalendarComponent::Event(e) => Some(e),
                _ => None,
            })
            .collect();
        assert_eq!(events.len(), 1);
        let e = events[0];
        assert_eq!(
            e.get_uid(),
            Some("appointment-00000000-0000-0000-0000-000000000007@portal.example.org")
        );
        assert_eq!(e.get_sequence(), Some(0));
        assert_eq!(
            e.get_start(),
            Some(DatePerhapsTime::DateTime(
                Utc.with_ymd_and_hms(2026, 12, 7, 15, 20, 0).unwrap().into()
            ))
        );
        assert_eq!(e.get_status(), Some(EventStatus::Confirmed));
        assert_eq!(
            e.property_value("ORGANIZER"),
            Some("mailto:no-reply@portal.example.org")
        );
    }

    #[test]
    fn a_change_keeps_the_uid_and_raises_the_sequence_and_a_cancellation_says_so() {
        let first = parse(&render(&event(0), Method::Request));
        let moved = parse(&render(&event(1), Method::Request));
        let cancelled = parse(&render(&event(2), Method::Cancel));
        let uid_of = |c: &Calendar| {
            c.events()
                .next()
                .and_then(|e| e.get_uid())
                .map(str::to_owned)
        };
        assert_eq!(uid_of(&first), uid_of(&moved));
        assert_eq!(uid_of(&first), uid_of(&cancelled));
        assert_eq!(
            moved.events().next().and_then(|e| e.get_sequence()),
            Some(1)
        );
        assert_eq!(cancelled.property_value("METHOD"), Some("CANCEL"));
        assert_eq!(
            cancelled.events().next().and_then(|e| e.get_status()),
            Some(EventStatus::Cancelled)
        );
    }

    #[test]
    fn commas_and_semicolons_in_text_are_escaped() {
        let mut e = event(0);
        e.location = "Clinic; Suite 2, Floor 3";
        let text = render(&e, Method::Publish);
        assert!(
            text.contains("LOCATION:Clinic\\; Suite 2\\, Floor 3"),
            "{text}"
        );
        let parsed = parse(&text);
        assert_eq!(parsed.property_value("METHOD"), Some("PUBLISH"));
    }
}
