//! What the records pages show, for both builds, and the pure rules behind it: how a result
//! compares with its reference range, in plain words; how a trend chart is drawn (server-side
//! SVG geometry, with the same numbers as the table under it).

use serde::{Deserialize, Serialize};

/// The largest bundle accepted (bytes). A 5,000-resource export is about 5 MB.
pub const MAX_BUNDLE_BYTES: usize = 20 * 1024 * 1024;

/// Where an item came from: this organisation (`None`) or an outside record, by name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemView {
    pub id: String,
    pub display: String,
    pub code_system: Option<String>,
    pub code: Option<String>,
    /// "Mar 12, 2024" in the reader's language; empty when the record has no date.
    pub date: String,
    pub status: String,
    pub source: Option<String>,
    /// Lines under the name: an allergy's reaction and severity, a medication's dose,
    /// instructions and prescriber, a vital sign's value.
    pub details: Vec<(String, String)>,
    /// A library article about this, by code: (title, address).
    pub learn: Option<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SummaryView {
    pub patient_id: String,
    pub patient_name: String,
    pub conditions: Vec<ItemView>,
    pub allergies: Vec<ItemView>,
    pub medications: Vec<ItemView>,
    pub immunizations: Vec<ItemView>,
    pub vitals: Vec<ItemView>,
    pub new_results: i64,
    /// Outside records kept for this patient: (name, imported on).
    pub sources: Vec<(String, String)>,
    /// Some items are confidential and hidden from this caller.
    pub hidden_confidential: bool,
    /// The caller may ask for a medication's renewal (the patient's side, with the messages
    /// scope), and the newest request of each medication that has one.
    pub may_renew: bool,
    pub renewals: Vec<super::renewal::RenewalStatus>,
    /// The caller is staff: the page offers adding and correcting this organisation's items,
    /// and lists stopped medications and resolved allergies too.
    pub can_write: bool,
}

/// How a value compares with its range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flag {
    Normal,
    High,
    Low,
    CriticalHigh,
    CriticalLow,
    /// Abnormal without a direction (a positive screen, an "A" interpretation).
    Abnormal,
    /// Nothing to compare with.
    Unknown,
}

impl Flag {
    pub fn is_abnormal(self) -> bool {
        !matches!(self, Flag::Normal | Flag::Unknown)
    }
}

/// The flag for a value: the lab's own interpretation code when there is one (it knows the
/// patient), else the value against the reference range.
pub fn flag(
    interpretation: Option<&str>,
    value: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
) -> Flag {
    match interpretation {
        Some("HH" | "H>" | "HU") => return Flag::CriticalHigh,
        Some("LL" | "L<" | "LU") => return Flag::CriticalLow,
        Some("H" | ">") => return Flag::High,
        Some("L" | "<") => return Flag::Low,
        Some("A" | "AA" | "POS" | "DET" | "R") => return Flag::Abnormal,
        Some("N" | "NEG" | "ND" | "S") => return Flag::Normal,
        _ => {}
    }
    match (value, low, high) {
        (Some(v), _, Some(h)) if v > h => Flag::High,
        (Some(v), Some(l), _) if v < l => Flag::Low,
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Flag::Normal,
        _ => Flag::Unknown,
    }
}

/// A number as people write it: no trailing zeros, no exponent.
pub fn number(v: f64) -> String {
    let s = format!("{v}");
    if s.contains('e') {
        format!("{v:.4}")
    } else {
        s
    }
}

/// "4.0–5.6", "< 100", "> 40", or empty.
pub fn range_text(low: Option<f64>, high: Option<f64>) -> String {
    match (low, high) {
        (Some(l), Some(h)) => format!("{}–{}", number(l), number(h)),
        (None, Some(h)) => format!("< {}", number(h)),
        (Some(l), None) => format!("> {}", number(l)),
        (None, None) => String::new(),
    }
}

/// One result value as the results page lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultRow {
    pub id: String,
    pub display: String,
    pub code: Option<String>,
    /// "5.9 %", "128/82 mmHg", or the words of a coded or text result.
    pub value: String,
    pub range: String,
    pub flag: Flag,
    pub date: String,
    pub new: bool,
    /// How many values of this test the patient has (a trend link from 2).
    pub count: i64,
    pub learn: Option<(String, String)>,
    pub source: Option<String>,
    /// For staff: not yet released to the portal, and the day it will be.
    pub held: Option<String>,
    /// For staff: a value the correction form can show (one number, this organisation's).
    pub correctable: bool,
}

/// A report and its values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportView {
    pub id: String,
    pub display: String,
    pub date: String,
    pub status: String,
    pub source: Option<String>,
    pub conclusion: Option<String>,
    pub rows: Vec<ResultRow>,
    /// For staff: not yet released to the portal, and the day it will be.
    pub held: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultsView {
    pub patient_id: String,
    pub patient_name: String,
    /// Newest first; results outside any report are grouped by day at the end of their date.
    pub reports: Vec<ReportView>,
    /// Older reports not shown (the page offers to show them all).
    pub more: usize,
    pub hidden_confidential: bool,
    /// The caller is staff: entering, correcting and releasing results is offered.
    pub can_write: bool,
}

/// One point of a trend: when, the value (and a second one for a pair such as blood pressure).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub at_unix: i64,
    pub date: String,
    pub value: f64,
    pub second: Option<f64>,
    pub flag: Flag,
    pub patient_reported: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrendView {
    pub patient_id: String,
    pub patient_name: String,
    pub code: String,
    pub display: String,
    pub unit: String,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Oldest first.
    pub points: Vec<TrendPoint>,
    pub learn: Option<(String, String)>,
}

/// The chart's drawing, in a 320 × 180 box: lines, dots, the shaded reference band and labels.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartGeometry {
    pub line: String,
    pub second_line: String,
    /// (x, y, abnormal) per point, in the points' order.
    pub dots: Vec<(f64, f64, bool)>,
    pub second_dots: Vec<(f64, f64)>,
    /// Top and bottom y of the reference range, clipped to the plot.
    pub band: Option<(f64, f64)>,
    /// (y, label) for the lowest and highest value shown on the axis.
    pub y_labels: Vec<(f64, String)>,
    /// (x, label) for the first and last dates.
    pub x_labels: Vec<(f64, String)>,
}

/// The longest after-visit summary staff may write (characters).
pub const MAX_SUMMARY_CHARS: usize = 20_000;

/// A past visit, with its after-visit summary when one has been written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisitView {
    pub id: String,
    /// What kind of visit ("Follow-up encounter").
    pub display: String,
    pub date: String,
    /// Who the patient saw, as the record names them.
    pub clinicians: Vec<String>,
    /// Why, in the record's words.
    pub reasons: Vec<String>,
    pub source: Option<String>,
    pub summary: Option<VisitSummary>,
}

/// An after-visit summary: its text, when it was last written and how many versions it has.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisitSummary {
    pub text: String,
    pub written: String,
    pub versions: i32,
}

/// The visits page: past visits newest first; `can_write` when the caller is staff.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisitsView {
    pub patient_id: String,
    pub patient_name: String,
    pub visits: Vec<VisitView>,
    pub can_write: bool,
}

/// A document in the record: a letter, a report, an after-visit summary…
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocumentView {
    pub id: String,
    pub title: String,
    /// What kind of document, in the record's words ("XR Chest 2 Views").
    pub kind: String,
    pub date: String,
    pub source: Option<String>,
    /// "PDF", "Text", "Image"… and the size in kB; `None` when the file is not in the record
    /// (a reference to a file elsewhere), which cannot be downloaded here.
    pub file: Option<(String, usize)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocumentsView {
    pub patient_id: String,
    pub patient_name: String,
    pub documents: Vec<DocumentView>,
    /// The caller is staff: the page offers uploading a document.
    pub can_write: bool,
}

/// One task of a care plan (a plan activity), by its place in the plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskView {
    pub index: usize,
    pub description: String,
    /// Due date in the reader's words; empty when the task has none.
    pub due: String,
    pub overdue: bool,
    pub done: bool,
    /// When it was last marked done or not done, and by whom ("Maria Garcia").
    pub changed: Option<(String, String)>,
}

/// A care plan and its tasks. `own` plans (this organisation's) can be marked; outside
/// records are shown as received.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanView {
    pub id: String,
    pub title: String,
    pub source: Option<String>,
    pub own: bool,
    pub tasks: Vec<TaskView>,
}

/// A goal: what, by when, and how it is going.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoalView {
    pub id: String,
    pub description: String,
    /// FHIR lifecycle status (proposed, active, completed…).
    pub status: String,
    /// FHIR achievement status (in-progress, improving, achieved…), when recorded.
    pub achievement: Option<String>,
    pub target: Option<String>,
    pub due: String,
    pub source: Option<String>,
}

/// The care plan page: the primary contact, goals, plans with their tasks, the care team.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CarePlanView {
    pub patient_id: String,
    pub patient_name: String,
    pub contact: Option<crate::messaging::Navigator>,
    pub goals: Vec<GoalView>,
    pub plans: Vec<PlanView>,
    /// (name, role) of each member of the patient's care teams.
    pub team: Vec<(String, String)>,
    /// The caller is staff: the page offers adding and changing goals, plans and teams, and
    /// choosing the primary contact.
    pub can_write: bool,
    /// For staff: this organisation's care teams (id, name), to change.
    pub own_teams: Vec<(String, String)>,
    /// For staff: the care navigators (account id, name) and which one is the contact.
    pub navigators: Vec<(String, String)>,
    pub contact_id: Option<String>,
}

/// A task is overdue when it is not done and its due date has passed (the due day itself is
/// still on time).
#[cfg(feature = "ssr")]
pub fn task_overdue(done: bool, due: Option<chrono::NaiveDate>, today: chrono::NaiveDate) -> bool {
    !done && due.is_some_and(|d| d < today)
}

pub const CHART_W: f64 = 320.0;
pub const CHART_H: f64 = 180.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// Lays the points out: time along x (evenly by date, not by index), values up y with a margin,
/// the range included so the band is always visible.
pub fn chart(points: &[TrendPoint], low: Option<f64>, high: Option<f64>) -> ChartGeometry {
    let values = points
        .iter()
        .flat_map(|p| std::iter::once(p.value).chain(p.second))
        .chain(low)
        .chain(high);
    let (mut min, mut max) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !min.is_finite() || !max.is_finite() {
        (min, max) = (0.0, 1.0);
    }
    let pad = ((max - min) * 0.1).max(max.abs() * 0.02).max(0.5);
    let (min, max) = (min - pad, max + pad);
    let first = points.first().map_or(0, |p| p.at_unix);
    let last = points.last().map_or(1, |p| p.at_unix);
    let span = (last - first).max(1) as f64;
    let plot_w = CHART_W - LEFT - RIGHT;
    let plot_h = CHART_H - TOP - BOTTOM;
    let x = |t: i64| {
        if points.len() == 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + (t - first) as f64 / span * plot_w
        }
    };
    let y = |v: f64| TOP + (max - v) / (max - min) * plot_h;
    let round = |v: f64| (v * 10.0).round() / 10.0;
    let dots: Vec<(f64, f64, bool)> = points
        .iter()
        .map(|p| (round(x(p.at_unix)), round(y(p.value)), p.flag.is_abnormal()))
        .collect();
    let second_dots: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|p| p.second.map(|s| (round(x(p.at_unix)), round(y(s)))))
        .collect();
    let path = |pts: &mut dyn Iterator<Item = (f64, f64)>| {
        pts.map(|(x, y)| format!("{x},{y}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let band = match (low, high) {
        (None, None) => None,
        (l, h) => Some((
            round(h.map_or(TOP, y).max(TOP)),
            round(l.map_or(CHART_H - BOTTOM, y).min(CHART_H - BOTTOM)),
        )),
    };
    let shown_min = points
        .iter()
        .flat_map(|p| std::iter::once(p.value).chain(p.second))
        .fold(f64::INFINITY, f64::min);
    let shown_max = points
        .iter()
        .flat_map(|p| std::iter::once(p.value).chain(p.second))
        .fold(f64::NEG_INFINITY, f64::max);
    let mut y_labels = Vec::new();
    if shown_max.is_finite() {
        y_labels.push((round(y(shown_max)), number(shown_max)));
    }
    if shown_min.is_finite() && shown_min != shown_max {
        y_labels.push((round(y(shown_min)), number(shown_min)));
    }
    let mut x_labels = Vec::new();
    if let Some(p) = points.first() {
        x_labels.push((round(x(p.at_unix)), p.date.clone()));
    }
    if let Some(p) = points.last().filter(|_| points.len() > 1) {
        x_labels.push((round(x(p.at_unix)), p.date.clone()));
    }
    ChartGeometry {
        line: path(&mut dots.iter().map(|&(x, y, _)| (x, y))),
        second_line: path(&mut second_dots.iter().copied()),
        dots,
        second_dots,
        band,
        y_labels,
        x_labels,
    }
}

/// The two numbers of a blood-pressure-like value: "128/82".
pub fn pair_text(value: f64, second: Option<f64>) -> String {
    match second {
        Some(s) => format!("{}/{}", number(value), number(s)),
        None => number(value),
    }
}

/// What a bundle import found, for the page that reports it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Stored now.
    pub added: usize,
    /// Already in the record from an earlier import.
    pub already_here: usize,
    /// (entry, resource type, field, problem code)
    pub problems: Vec<(usize, String, String, String)>,
    /// Entries that could be kept if the patient chooses to.
    pub valid_entries: usize,
    /// Set when the problems were kept aside for "keep the valid entries".
    pub pending_id: Option<String>,
    pub source: Option<String>,
}

#[cfg(all(test, feature = "ssr"))]
mod care_tests {
    use super::task_overdue;
    use chrono::NaiveDate;

    #[test]
    fn a_task_is_overdue_only_after_its_day_and_never_once_done() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        assert!(!task_overdue(false, Some(day(4)), day(4)));
        assert!(task_overdue(false, Some(day(3)), day(4)));
        assert!(!task_overdue(true, Some(day(3)), day(4)));
        assert!(!task_overdue(false, None, day(4)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(day: i64, value: f64) -> TrendPoint {
        TrendPoint {
            at_unix: day * 86_400,
            date: format!("day {day}"),
            value,
            second: None,
            flag: Flag::Normal,
            patient_reported: false,
        }
    }

    #[test]
    fn the_labs_interpretation_wins_over_the_range() {
        assert_eq!(flag(Some("H"), Some(5.0), Some(4.0), Some(6.0)), Flag::High);
        assert_eq!(flag(Some("LL"), None, None, None), Flag::CriticalLow);
        assert_eq!(
            flag(Some("N"), Some(9.0), Some(4.0), Some(6.0)),
            Flag::Normal
        );
        assert_eq!(flag(Some("POS"), None, None, None), Flag::Abnormal);
    }

    #[test]
    fn without_an_interpretation_the_range_decides() {
        assert_eq!(flag(None, Some(6.1), Some(4.0), Some(5.6)), Flag::High);
        assert_eq!(flag(None, Some(3.9), Some(4.0), Some(5.6)), Flag::Low);
        assert_eq!(flag(None, Some(5.6), Some(4.0), Some(5.6)), Flag::Normal);
        assert_eq!(flag(None, Some(120.0), None, Some(100.0)), Flag::High);
        assert_eq!(flag(None, Some(5.0), None, None), Flag::Unknown);
        assert_eq!(flag(None, None, Some(1.0), Some(2.0)), Flag::Unknown);
    }

    #[test]
    fn numbers_and_ranges_read_as_people_write_them() {
        assert_eq!(number(5.70), "5.7");
        assert_eq!(number(140.0), "140");
        assert_eq!(number(0.001), "0.001");
        assert_eq!(range_text(Some(4.0), Some(5.6)), "4–5.6");
        assert_eq!(range_text(None, Some(100.0)), "< 100");
        assert_eq!(range_text(Some(40.0), None), "> 40");
        assert_eq!(range_text(None, None), "");
        assert_eq!(pair_text(128.0, Some(82.0)), "128/82");
    }

    #[test]
    fn the_chart_spaces_points_by_date_and_keeps_them_inside_the_box() {
        let points = [point(0, 5.0), point(1, 7.0), point(10, 6.0)];
        let g = chart(&points, Some(4.0), Some(5.6));
        let xs: Vec<f64> = g.dots.iter().map(|d| d.0).collect();
        assert_eq!(xs.first(), Some(&LEFT));
        assert_eq!(xs.last(), Some(&(CHART_W - RIGHT)));
        // Day 1 is a tenth of the way along, not a half (spacing by time, not by index).
        let second = xs.get(1).copied().unwrap_or_default();
        assert!(
            (second - (LEFT + (CHART_W - LEFT - RIGHT) / 10.0)).abs() < 0.2,
            "{second}"
        );
        for &(x, y, _) in &g.dots {
            assert!((0.0..=CHART_W).contains(&x) && (TOP..=CHART_H - BOTTOM).contains(&y));
        }
        // Higher values are drawn higher up (smaller y).
        let ys: Vec<f64> = g.dots.iter().map(|d| d.1).collect();
        assert!(ys.get(1) < ys.first());
        let (top, bottom) = g.band.unwrap_or_default();
        assert!(top < bottom);
        assert_eq!(
            g.y_labels.iter().map(|l| l.1.as_str()).collect::<Vec<_>>(),
            ["7", "5"]
        );
        assert_eq!(g.x_labels.len(), 2);
        assert_eq!(g.line.split(' ').count(), 3);
    }

    #[test]
    fn one_point_sits_in_the_middle_and_a_pair_draws_two_lines() {
        let mut p = point(3, 128.0);
        p.second = Some(82.0);
        let g = chart(&[p], None, None);
        assert_eq!(
            g.dots.first().map(|d| d.0),
            Some(LEFT + (CHART_W - LEFT - RIGHT) / 2.0)
        );
        assert_eq!(g.second_dots.len(), 1);
        assert!(g.band.is_none());
        assert_eq!(g.x_labels.len(), 1);
    }
}
