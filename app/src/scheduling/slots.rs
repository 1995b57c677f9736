//! Open times, computed from a clinician's schedule at one location.
//!
//! A schedule is wall-clock hours in the location's time zone: weekly hours ("Mondays 9:00 to
//! 12:00", valid between two dates), date exceptions for the clinician (closed that day, or other
//! hours instead), the location's holidays (closed). [`working_windows`] turns it into instants
//! for a range of dates; [`open_slots`] cuts those windows into slots on the schedule's grid and
//! leaves out every slot that touches a booking or a block.
//!
//! Daylight saving: a window is placed by its wall-clock start and end on that date, so a clinic
//! open 9:00 to 17:00 opens at 9:00 local time on both sides of a change. A wall-clock time that
//! does not exist (the hour skipped in spring) becomes the instant the clocks jump; a time that
//! happens twice (the hour repeated in autumn) is taken at its first occurrence for a start and
//! its second for an end, so a window over the change holds every hour that was actually worked.
//! Slots are cut in real time (UTC), never in wall-clock arithmetic, so no slot is ever shorter,
//! longer or doubled across a change.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
    Weekday,
};
pub use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet};

/// Weekly hours: every `weekday` from `valid_from` to `valid_until` (inclusive; open-ended when
/// `None`), `starts` to `ends` wall-clock time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeeklyHours {
    pub weekday: Weekday,
    pub starts: NaiveTime,
    pub ends: NaiveTime,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
}

/// What a date exception does to the clinician's day at the location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DayChange {
    /// Not working that day.
    Closed,
    /// Working these wall-clock hours instead of the weekly ones.
    Hours(Vec<(NaiveTime, NaiveTime)>),
}

/// A span of real time, `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Span {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self { start, end }
    }

    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn duration(&self) -> Duration {
        self.end - self.start
    }
}

/// One clinician's schedule at one location.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// The location's time zone: every wall-clock time here is in it.
    pub tz: Tz,
    pub weekly: Vec<WeeklyHours>,
    pub exceptions: BTreeMap<NaiveDate, DayChange>,
    /// The location's holidays: nobody works there those days, whatever else is set.
    pub holidays: BTreeSet<NaiveDate>,
}

/// The instant a wall-clock time on `date` names in `tz`: see the module's note on daylight
/// saving. `is_end` picks the later of two occurrences.
pub fn instant(tz: Tz, date: NaiveDate, time: NaiveTime, is_end: bool) -> DateTime<Utc> {
    let local = NaiveDateTime::new(date, time);
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, second) => {
            if is_end { second } else { first }.with_timezone(&Utc)
        }
        LocalResult::None => {
            // Skipped by a jump forward: the first wall-clock minute that exists after it is
            // the instant of the jump. Gaps are at most a few hours in the zone database.
            (1..=24 * 60)
                .filter_map(|m| local.checked_add_signed(Duration::minutes(m)))
                .find_map(|later| tz.from_local_datetime(&later).earliest())
                .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
        }
    }
}

/// The wall-clock hours worked on `date`, before holidays are considered.
fn hours_on(schedule: &Schedule, date: NaiveDate) -> Vec<(NaiveTime, NaiveTime)> {
    match schedule.exceptions.get(&date) {
        Some(DayChange::Closed) => Vec::new(),
        Some(DayChange::Hours(hours)) => hours.clone(),
        None => schedule
            .weekly
            .iter()
            .filter(|w| {
                w.weekday == date.weekday()
                    && w.valid_from <= date
                    && w.valid_until.is_none_or(|until| date <= until)
            })
            .map(|w| (w.starts, w.ends))
            .collect(),
    }
}

/// The spans worked from `from` to `to` (inclusive, dates in the location's zone), in order,
/// overlapping and touching hours merged into one span.
pub fn working_windows(schedule: &Schedule, from: NaiveDate, to: NaiveDate) -> Vec<Span> {
    let mut spans: Vec<Span> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| !schedule.holidays.contains(d))
        .flat_map(|date| {
            hours_on(schedule, date)
                .into_iter()
                .filter(|(starts, ends)| starts < ends)
                .map(move |(starts, ends)| {
                    Span::new(
                        instant(schedule.tz, date, starts, false),
                        instant(schedule.tz, date, ends, true),
                    )
                })
        })
        .filter(|s| s.start < s.end)
        .collect();
    spans.sort();
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    merged
}

/// Slots of `length` in `windows`, starting every `step` from each window's start, that end
/// within their window, start no earlier than `not_before`, and overlap none of `taken`
/// (bookings and blocks, in any order). In order of start.
pub fn open_slots(
    windows: &[Span],
    taken: &[Span],
    length: Duration,
    step: Duration,
    not_before: DateTime<Utc>,
) -> Vec<Span> {
    if length <= Duration::zero() || step <= Duration::zero() {
        return Vec::new();
    }
    let mut taken = taken.to_vec();
    taken.sort();
    let mut out = Vec::new();
    for window in windows {
        // Only the taken spans that reach into this window matter; they are sorted by start.
        let near: Vec<&Span> = taken.iter().filter(|t| t.overlaps(window)).collect();
        let mut start = window.start;
        while start + length <= window.end {
            let slot = Span::new(start, start + length);
            if slot.start >= not_before && !near.iter().any(|t| t.overlaps(&slot)) {
                out.push(slot);
            }
            start += step;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::Chicago;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("time")
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("rfc3339")
            .with_timezone(&Utc)
    }

    fn weekly(weekday: Weekday, starts: NaiveTime, ends: NaiveTime) -> WeeklyHours {
        WeeklyHours {
            weekday,
            starts,
            ends,
            valid_from: d(2026, 1, 1),
            valid_until: None,
        }
    }

    fn schedule(weekly: Vec<WeeklyHours>) -> Schedule {
        Schedule {
            tz: Chicago,
            weekly,
            exceptions: BTreeMap::new(),
            holidays: BTreeSet::new(),
        }
    }

    fn minutes(m: i64) -> Duration {
        Duration::minutes(m)
    }

    #[test]
    fn weekly_hours_become_windows_in_the_locations_zone() {
        // Monday 2026-03-02: Chicago is UTC−6 in winter.
        let s = schedule(vec![weekly(Weekday::Mon, t(9, 0), t(12, 0))]);
        let windows = working_windows(&s, d(2026, 3, 1), d(2026, 3, 8));
        assert_eq!(
            windows,
            vec![Span::new(
                utc("2026-03-02T15:00:00Z"),
                utc("2026-03-02T18:00:00Z")
            )]
        );
    }

    #[test]
    fn nine_oclock_stays_nine_oclock_across_both_changes() {
        // Clocks go forward on Sunday 2026-03-08 and back on Sunday 2026-11-01.
        let s = schedule(vec![weekly(Weekday::Mon, t(9, 0), t(17, 0))]);
        let spring = working_windows(&s, d(2026, 3, 2), d(2026, 3, 9));
        assert_eq!(spring.len(), 2);
        assert_eq!(spring[0].start, utc("2026-03-02T15:00:00Z"));
        assert_eq!(spring[1].start, utc("2026-03-09T14:00:00Z"));
        let autumn = working_windows(&s, d(2026, 10, 26), d(2026, 11, 2));
        assert_eq!(autumn[0].start, utc("2026-10-26T14:00:00Z"));
        assert_eq!(autumn[1].start, utc("2026-11-02T15:00:00Z"));
        for w in spring.iter().chain(&autumn) {
            assert_eq!(w.duration(), Duration::hours(8));
        }
    }

    #[test]
    fn a_night_window_over_the_spring_jump_holds_the_hours_that_exist() {
        // 1:00–4:00 on the night of the jump: 2:00–3:00 never happens, so two hours are worked.
        let mut s = schedule(Vec::new());
        s.exceptions.insert(
            d(2026, 3, 8),
            DayChange::Hours(vec![(t(1, 0), t(4, 0)), (t(2, 30), t(2, 45))]),
        );
        let windows = working_windows(&s, d(2026, 3, 8), d(2026, 3, 8));
        assert_eq!(
            windows,
            vec![Span::new(
                utc("2026-03-08T07:00:00Z"),
                utc("2026-03-08T09:00:00Z")
            )]
        );
        let slots = open_slots(
            &windows,
            &[],
            minutes(30),
            minutes(30),
            utc("2026-01-01T00:00:00Z"),
        );
        assert_eq!(slots.len(), 4);
    }

    #[test]
    fn a_night_window_over_the_autumn_change_holds_the_repeated_hour_once_each_time() {
        // 0:00–3:00 on the night clocks go back: 1:00–2:00 happens twice, four hours are worked.
        let mut s = schedule(Vec::new());
        s.exceptions
            .insert(d(2026, 11, 1), DayChange::Hours(vec![(t(0, 0), t(3, 0))]));
        let windows = working_windows(&s, d(2026, 11, 1), d(2026, 11, 1));
        assert_eq!(windows.len(), 1);
        assert_eq!(windows[0].duration(), Duration::hours(4));
        let slots = open_slots(
            &windows,
            &[],
            minutes(60),
            minutes(60),
            utc("2026-01-01T00:00:00Z"),
        );
        let local: Vec<String> = slots
            .iter()
            .map(|s| {
                s.start
                    .with_timezone(&Chicago)
                    .format("%H:%M %Z")
                    .to_string()
            })
            .collect();
        assert_eq!(local, ["00:00 CDT", "01:00 CDT", "01:00 CST", "02:00 CST"]);
    }

    #[test]
    fn a_start_in_the_skipped_hour_begins_at_the_jump() {
        assert_eq!(
            instant(Chicago, d(2026, 3, 8), t(2, 30), false),
            utc("2026-03-08T08:00:00Z")
        );
        // The repeated hour: first occurrence for a start, second for an end.
        assert_eq!(
            instant(Chicago, d(2026, 11, 1), t(1, 30), false),
            utc("2026-11-01T06:30:00Z")
        );
        assert_eq!(
            instant(Chicago, d(2026, 11, 1), t(1, 30), true),
            utc("2026-11-01T07:30:00Z")
        );
    }

    #[test]
    fn exceptions_replace_the_day_and_holidays_close_it() {
        let mut s = schedule(vec![
            weekly(Weekday::Tue, t(9, 0), t(12, 0)),
            weekly(Weekday::Tue, t(13, 0), t(17, 0)),
        ]);
        // Tuesday 2026-06-02 closed, 2026-06-09 afternoon only, 2026-06-16 a holiday (the
        // exception that day does not reopen it), 2026-06-23 as usual.
        s.exceptions.insert(d(2026, 6, 2), DayChange::Closed);
        s.exceptions
            .insert(d(2026, 6, 9), DayChange::Hours(vec![(t(14, 0), t(16, 0))]));
        s.exceptions
            .insert(d(2026, 6, 16), DayChange::Hours(vec![(t(9, 0), t(10, 0))]));
        s.holidays.insert(d(2026, 6, 16));
        let windows = working_windows(&s, d(2026, 6, 1), d(2026, 6, 30));
        let local: Vec<String> = windows
            .iter()
            .map(|w| {
                format!(
                    "{}–{}",
                    w.start.with_timezone(&Chicago).format("%m-%d %H:%M"),
                    w.end.with_timezone(&Chicago).format("%H:%M")
                )
            })
            .collect();
        assert_eq!(
            local,
            [
                "06-09 14:00–16:00",
                "06-23 09:00–12:00",
                "06-23 13:00–17:00",
                "06-30 09:00–12:00",
                "06-30 13:00–17:00"
            ]
        );
    }

    #[test]
    fn weekly_hours_apply_only_between_their_dates() {
        let mut hours = weekly(Weekday::Wed, t(8, 0), t(10, 0));
        hours.valid_from = d(2026, 4, 8);
        hours.valid_until = Some(d(2026, 4, 22));
        let s = schedule(vec![hours]);
        let windows = working_windows(&s, d(2026, 4, 1), d(2026, 4, 30));
        let days: Vec<u32> = windows
            .iter()
            .map(|w| w.start.with_timezone(&Chicago).day())
            .collect();
        assert_eq!(days, [8, 15, 22]);
    }

    #[test]
    fn touching_and_overlapping_hours_merge_into_one_window() {
        let s = schedule(vec![
            weekly(Weekday::Thu, t(9, 0), t(11, 0)),
            weekly(Weekday::Thu, t(11, 0), t(12, 0)),
            weekly(Weekday::Thu, t(10, 30), t(11, 30)),
        ]);
        let windows = working_windows(&s, d(2026, 5, 7), d(2026, 5, 7));
        assert_eq!(windows.len(), 1);
        assert_eq!(windows[0].duration(), Duration::hours(3));
    }

    #[test]
    fn slots_leave_out_bookings_blocks_and_the_past() {
        let window = Span::new(utc("2026-05-04T14:00:00Z"), utc("2026-05-04T16:00:00Z"));
        let booked = Span::new(utc("2026-05-04T14:40:00Z"), utc("2026-05-04T15:00:00Z"));
        let block = Span::new(utc("2026-05-04T15:30:00Z"), utc("2026-05-04T15:35:00Z"));
        let slots = open_slots(
            &[window],
            &[block, booked],
            minutes(20),
            minutes(20),
            utc("2026-05-04T14:10:00Z"),
        );
        let starts: Vec<String> = slots
            .iter()
            .map(|s| s.start.format("%H:%M").to_string())
            .collect();
        // 14:00 is past, 14:40 booked, 15:20 touches the block; 15:40 ends at 16:00 exactly.
        assert_eq!(starts, ["14:20", "15:00", "15:40"]);
        // A 40-minute visit on the same 20-minute grid needs two free steps in a row.
        let long = open_slots(&[window], &[booked], minutes(40), minutes(20), window.start);
        let starts: Vec<String> = long
            .iter()
            .map(|s| s.start.format("%H:%M").to_string())
            .collect();
        assert_eq!(starts, ["14:00", "15:00", "15:20"]);
    }

    #[test]
    fn a_zero_length_or_step_gives_no_slots() {
        let window = Span::new(utc("2026-05-04T14:00:00Z"), utc("2026-05-04T16:00:00Z"));
        assert!(open_slots(&[window], &[], minutes(0), minutes(20), window.start).is_empty());
        assert!(open_slots(&[window], &[], minutes(20), minutes(0), window.start).is_empty());
    }

    fn arb_spans(max: usize) -> impl Strategy<Value = Vec<Span>> {
        let base = utc("2026-03-07T00:00:00Z");
        proptest::collection::vec((0i64..4 * 24 * 12, 1i64..48), 0..max).prop_map(move |v| {
            v.into_iter()
                .map(|(start, len)| {
                    let s = base + minutes(start * 5);
                    Span::new(s, s + minutes(len * 5))
                })
                .collect()
        })
    }

    fn arb_hours() -> impl Strategy<Value = Vec<(NaiveTime, NaiveTime)>> {
        proptest::collection::vec((0u32..24 * 4, 1u32..12 * 4), 1..3).prop_map(|v| {
            v.into_iter()
                .filter_map(|(start, len)| {
                    let s = NaiveTime::from_hms_opt(start / 4, (start % 4) * 15, 0)?;
                    let end = (start + len).min(24 * 4 - 1);
                    let e = NaiveTime::from_hms_opt(end / 4, (end % 4) * 15, 0)?;
                    (s < e).then_some((s, e))
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Over the spring and autumn changes, with any hours, bookings and blocks: no open slot
        /// overlaps anything taken or another slot, each is exactly its length, starts on the grid
        /// and lies inside a worked window.
        #[test]
        fn open_slots_never_overlap_what_is_taken(
            hours in arb_hours(),
            taken in arb_spans(12),
            length in prop_oneof![Just(20i64), Just(30), Just(40), Just(60)],
            step in prop_oneof![Just(10i64), Just(20), Just(30)],
            autumn in any::<bool>(),
        ) {
            let mut s = schedule(Vec::new());
            let first = if autumn { d(2026, 10, 31) } else { d(2026, 3, 7) };
            for day in first.iter_days().take(3) {
                s.exceptions.insert(day, DayChange::Hours(hours.clone()));
            }
            let base = if autumn { utc("2026-10-31T00:00:00Z") } else { utc("2026-03-07T00:00:00Z") };
            let shift = base - utc("2026-03-07T00:00:00Z");
            let taken: Vec<Span> = taken.iter().map(|t| Span::new(t.start + shift, t.end + shift)).collect();
            let windows = working_windows(&s, first, first + Duration::days(2));
            let slots = open_slots(&windows, &taken, minutes(length), minutes(step), base);
            for (i, slot) in slots.iter().enumerate() {
                prop_assert_eq!(slot.duration(), minutes(length));
                prop_assert!(taken.iter().all(|t| !t.overlaps(slot)), "{slot:?} overlaps");
                let window = windows.iter().find(|w| w.start <= slot.start && slot.end <= w.end);
                prop_assert!(window.is_some(), "{slot:?} outside every window");
                if let Some(w) = window {
                    prop_assert_eq!((slot.start - w.start).num_minutes() % step, 0);
                }
                if let Some(next) = slots.get(i + 1) {
                    prop_assert!(slot.start < next.start);
                }
            }
            for pair in windows.windows(2) {
                if let [a, b] = pair {
                    prop_assert!(a.end < b.start, "windows {a:?} {b:?} not merged");
                }
            }
        }
    }
}
