//! CMS's hospital price transparency template, version 3.0: the catalogue read from its tall CSV
//! or its JSON, and written back out as either.
//!
//! Reading checks every row (or entry) against the template's rules and returns every problem
//! at once, each with where it is, so an administrator fixes a file in one pass; a file with any
//! problem yields no catalogue at all. What is read is what is written: the same structure
//! comes back out of [`json_item`] and [`csv_rows`], which the tests check against CMS's schema.

use super::money::{decimal_text, parse_cents};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::str::FromStr;

/// The attestation text the template requires, word for word.
pub const ATTESTATION: &str = "To the best of its knowledge and belief, this hospital has included all applicable standard charge information in accordance with the requirements of 45 CFR 180.50, and the information encoded is true, accurate, and complete as of the date in the file. This hospital has included all payer-specific negotiated charges in dollars that can be expressed as a dollar amount. For payer-specific negotiated charges that cannot be expressed as a dollar amount in the machine-readable file or not knowable in advance, the hospital attests that the payer-specific negotiated charge is based on a contractual algorithm, percentage or formula that precludes the provision of a dollar amount and has provided all necessary information available to the hospital for the public to be able to derive the dollar amount, including, but not limited to, the specific fee schedule or components referenced in such percentage, algorithm or formula.";

pub const CODE_TYPES: [&str; 21] = [
    "CPT",
    "HCPCS",
    "ICD",
    "DRG",
    "MS-DRG",
    "R-DRG",
    "S-DRG",
    "APS-DRG",
    "AP-DRG",
    "APR-DRG",
    "TRIS-DRG",
    "APC",
    "NDC",
    "HIPPS",
    "LOCAL",
    "EAPG",
    "CDT",
    "RC",
    "CDM",
    "CMG",
    "MS-LTC-DRG",
];
pub const SETTINGS: [&str; 3] = ["inpatient", "outpatient", "both"];
pub const DRUG_UNITS: [&str; 7] = ["GR", "ML", "ME", "UN", "F2", "GM", "EA"];
pub const METHODOLOGIES: [&str; 5] = [
    "case rate",
    "fee schedule",
    "percent of total billed charges",
    "per diem",
    "other",
];
const STATES: [&str; 59] = [
    "AL", "AK", "AS", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FM", "FL", "GA", "GU", "HI", "ID",
    "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MH", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE",
    "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "MP", "OH", "OK", "OR", "PW", "PA", "PR", "RI", "SC",
    "SD", "TN", "TX", "UT", "VT", "VI", "VA", "WA", "WV", "WI", "WY",
];

/// What the file says about the hospital.
#[derive(Clone, Debug, PartialEq)]
pub struct FileInfo {
    pub hospital_name: String,
    pub last_updated_on: NaiveDate,
    pub version: String,
    pub location_names: Vec<String>,
    pub addresses: Vec<String>,
    pub license_number: Option<String>,
    pub license_state: String,
    pub npis: Vec<String>,
    pub attester_name: String,
    pub provisions: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Code {
    pub code: String,
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rate {
    pub payer: String,
    pub plan: String,
    pub dollar: Option<i64>,
    pub percentage: Option<Decimal>,
    pub algorithm: Option<String>,
    pub methodology: String,
    pub median: Option<i64>,
    pub p10: Option<i64>,
    pub p90: Option<i64>,
    pub count: Option<String>,
    pub notes: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Charge {
    pub setting: String,
    pub gross: Option<i64>,
    pub cash: Option<i64>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub modifiers: Vec<String>,
    pub notes: String,
    pub rates: Vec<Rate>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub description: String,
    pub codes: Vec<Code>,
    pub drug: Option<(Decimal, String)>,
    pub charges: Vec<Charge>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ModifierRate {
    pub payer: String,
    pub plan: String,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Modifier {
    pub code: String,
    pub description: String,
    pub setting: Option<String>,
    pub rates: Vec<ModifierRate>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Catalogue {
    pub file: FileInfo,
    pub items: Vec<Item>,
    pub modifiers: Vec<Modifier>,
}

impl Catalogue {
    pub fn rate_count(&self) -> usize {
        self.items
            .iter()
            .flat_map(|i| &i.charges)
            .map(|c| c.rates.len())
            .sum()
    }
}

/// One thing wrong with a file: where (a CSV line, or a JSON entry's number; 0 for the
/// hospital's own information), which column or field, why (a short key the page words), and
/// the value found (catalogue data, never anything about a patient).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub row: u64,
    pub column: String,
    pub problem: String,
    pub value: String,
}

/// Files with more problems than this report the first ones only.
pub const MAX_PROBLEMS: usize = 200;

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, row: u64, column: &str, problem: &str, value: &str) {
        if self.0.len() < MAX_PROBLEMS {
            let value: String = value.chars().take(120).collect();
            self.0.push(Problem {
                row,
                column: column.to_string(),
                problem: problem.to_string(),
                value,
            });
        }
    }
}

fn split_multi(value: &str) -> Vec<String> {
    value
        .split('|')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

fn parse_date(value: &str) -> Option<NaiveDate> {
    let v = value.trim();
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%m/%d/%Y"))
        .ok()
}

/// A positive decimal (a percentage or a drug unit).
fn parse_positive(value: &str) -> Result<Decimal, &'static str> {
    match Decimal::from_str(value.trim()) {
        Ok(d) if d > Decimal::ZERO => Ok(d.normalize()),
        Ok(_) => Err("not_positive"),
        Err(_) => Err("not_a_number"),
    }
}

fn count_ok(count: &str) -> bool {
    let c = count.trim();
    if c == "0" || c == "1 through 10" {
        return true;
    }
    c.parse::<u64>().is_ok_and(|n| n >= 11) && !c.starts_with('0')
}

/// The checks a payer's rate must pass, in either format. `at` names the field a problem is
/// about (a CSV column, or a JSON path).
#[allow(clippy::too_many_arguments)]
fn check_rate(
    problems: &mut Problems,
    row: u64,
    at: &dyn Fn(&str) -> String,
    payer: &str,
    plan: &str,
    dollar: Option<i64>,
    percentage: Option<Decimal>,
    algorithm: Option<&str>,
    methodology: &str,
    median: Option<i64>,
    p10: Option<i64>,
    p90: Option<i64>,
    count: Option<&str>,
    notes: &str,
) {
    if payer.is_empty() {
        problems.add(row, &at("payer_name"), "required", "");
    }
    if plan.is_empty() {
        problems.add(row, &at("plan_name"), "required", "");
    }
    if dollar.is_none() && percentage.is_none() && algorithm.is_none() {
        problems.add(row, &at("standard_charge|negotiated_dollar"), "no_rate", "");
    }
    if !METHODOLOGIES.contains(&methodology) {
        problems.add(
            row,
            &at("standard_charge|methodology"),
            "methodology",
            methodology,
        );
    } else if methodology == "other" && notes.is_empty() {
        problems.add(
            row,
            &at("additional_generic_notes"),
            "other_needs_notes",
            "",
        );
    }
    if percentage.is_some() || algorithm.is_some() {
        match count {
            None => problems.add(row, &at("count"), "count_required", ""),
            Some(c) if !count_ok(c) => problems.add(row, &at("count"), "count", c),
            Some("0") => {}
            Some(_) => {
                if median.is_none() || p10.is_none() || p90.is_none() {
                    problems.add(row, &at("median_amount"), "percentiles_required", "");
                }
            }
        }
    } else if let Some(c) = count {
        if !count_ok(c) {
            problems.add(row, &at("count"), "count", c);
        }
    }
    if count == Some("0") && notes.is_empty() {
        problems.add(
            row,
            &at("additional_generic_notes"),
            "zero_count_needs_notes",
            "",
        );
    }
}

/// Fills in the lowest and highest negotiated dollar amounts where the file left them out
/// (the template requires them whenever a dollar amount is given), and checks any given.
fn settle_min_max(charge: &mut Charge) -> Option<&'static str> {
    let dollars = charge.rates.iter().filter_map(|r| r.dollar);
    let (lo, hi) = dollars.fold((None, None), |(lo, hi): (Option<i64>, Option<i64>), d| {
        (
            Some(lo.map_or(d, |l| l.min(d))),
            Some(hi.map_or(d, |h| h.max(d))),
        )
    });
    if lo.is_some() {
        charge.min = charge.min.or(lo);
        charge.max = charge.max.or(hi);
    }
    match (charge.min, charge.max) {
        (Some(a), Some(b)) if a > b => Some("min_above_max"),
        (Some(_), None) | (None, Some(_)) => Some("min_max_both"),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// The tall CSV.

/// "Standard_Charge | Gross " → "standard_charge|gross": CMS's own examples space the pipes.
fn header_key(h: &str) -> String {
    h.split('|')
        .map(|p| p.trim().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("|")
}

struct Columns(BTreeMap<String, usize>);

impl Columns {
    fn get<'r>(&self, record: &'r csv::StringRecord, key: &str) -> &'r str {
        self.0
            .get(key)
            .and_then(|i| record.get(*i))
            .map(str::trim)
            .unwrap_or("")
    }
}

/// Reads a catalogue from CMS's tall CSV: the hospital's information in the first two lines,
/// the column names in the third, one payer's charge (or a charge without payer) per line after.
pub fn read_tall_csv(bytes: &[u8]) -> Result<Catalogue, Vec<Problem>> {
    let mut problems = Problems::default();
    let text = match std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)) {
        Ok(t) => t,
        Err(_) => {
            problems.add(0, "", "not_utf8", "");
            return Err(problems.0);
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    // Line numbers are counted here from byte offsets: the csv crate's own count misses the
    // end of a line ended by CRLF, as RFC 4180 files (ours included) are, and its offset of a
    // record after a CRLF is that line feed's, so the byte at the offset is counted too.
    let bytes = text.as_bytes();
    let mut counted = (0usize, 1u64);
    let mut line_at = move |byte: u64| -> u64 {
        let byte = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .saturating_add(1)
            .min(bytes.len());
        let (from, line) = counted;
        let start = from.min(byte);
        let newlines = bytes
            .get(start..byte)
            .map_or(0, |b| b.iter().filter(|c| **c == b'\n').count());
        counted = (byte, line + newlines as u64);
        counted.1
    };
    let mut next = |problems: &mut Problems| -> Option<(u64, csv::StringRecord)> {
        match records.next() {
            Some(Ok(r)) => Some((r.position().map_or(0, |p| line_at(p.byte())), r)),
            Some(Err(e)) => {
                let line = e.position().map_or(0, |p| line_at(p.byte()));
                problems.add(line, "", "unreadable", "");
                None
            }
            None => None,
        }
    };
    let (Some((_, general_names)), Some((general_line, general))) =
        (next(&mut problems), next(&mut problems))
    else {
        problems.add(1, "", "no_header", "");
        return Err(problems.0);
    };
    let file = read_general(&mut problems, general_line, &general_names, &general);
    let Some((_, names)) = next(&mut problems) else {
        problems.add(3, "", "no_columns", "");
        return Err(problems.0);
    };
    let columns = Columns(
        names
            .iter()
            .enumerate()
            .map(|(i, n)| (header_key(n), i))
            .collect(),
    );
    for required in [
        "description",
        "setting",
        "standard_charge|gross",
        "standard_charge|discounted_cash",
        "payer_name",
        "plan_name",
        "standard_charge|negotiated_dollar",
        "standard_charge|methodology",
    ] {
        if !columns.0.contains_key(required) {
            problems.add(3, required, "column_missing", "");
        }
    }
    // Code columns come numbered: code|1 with code|1|type, code|2 …
    let mut code_numbers: Vec<String> = columns
        .0
        .keys()
        .filter_map(|k| k.strip_prefix("code|"))
        .filter(|k| !k.contains('|'))
        .map(str::to_string)
        .collect();
    code_numbers.sort_by_key(|n| n.parse::<u32>().unwrap_or(u32::MAX));
    if !problems.0.is_empty() {
        return Err(problems.0);
    }

    let mut items: Vec<Item> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut modifiers: Vec<Modifier> = Vec::new();
    while let Some((line, record)) = next(&mut problems) {
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let get = |k: &str| columns.get(&record, k);
        let column = |k: &str| k.to_string();
        let description = get("description");
        if description.is_empty() {
            problems.add(line, "description", "required", "");
        }
        let mut codes = Vec::new();
        for n in &code_numbers {
            let code = get(&format!("code|{n}"));
            let kind = get(&format!("code|{n}|type")).to_ascii_uppercase();
            match (code.is_empty(), kind.is_empty()) {
                (true, true) => {}
                (false, false) if CODE_TYPES.contains(&kind.as_str()) => codes.push(Code {
                    code: code.to_string(),
                    kind,
                }),
                (false, false) => problems.add(line, &format!("code|{n}|type"), "code_type", &kind),
                (false, true) => problems.add(line, &format!("code|{n}|type"), "required", ""),
                (true, false) => problems.add(line, &format!("code|{n}"), "required", ""),
            }
        }
        let setting = get("setting").to_ascii_lowercase();
        if !SETTINGS.contains(&setting.as_str()) {
            problems.add(line, "setting", "setting", &setting);
        }
        let mut money = |k: &str| -> Option<i64> {
            let v = get(k);
            if v.is_empty() {
                return None;
            }
            parse_cents(v)
                .map_err(|p| problems.add(line, k, p.as_str(), v))
                .ok()
        };
        let gross = money("standard_charge|gross");
        let cash = money("standard_charge|discounted_cash");
        let dollar = money("standard_charge|negotiated_dollar");
        let median = money("median_amount");
        let p10 = money("10th_percentile");
        let p90 = money("90th_percentile");
        let min = money("standard_charge|min");
        let max = money("standard_charge|max");
        let percentage = match get("standard_charge|negotiated_percentage") {
            "" => None,
            v => parse_positive(v)
                .map_err(|p| problems.add(line, "standard_charge|negotiated_percentage", p, v))
                .ok(),
        };
        let algorithm = Some(get("standard_charge|negotiated_algorithm")).filter(|a| !a.is_empty());
        let methodology = get("standard_charge|methodology").to_ascii_lowercase();
        let count = Some(get("count")).filter(|c| !c.is_empty());
        let notes = get("additional_generic_notes");
        let payer = get("payer_name");
        let plan = get("plan_name");
        let modifier_codes = split_multi(get("modifiers"));
        let drug = match (
            get("drug_unit_of_measurement"),
            get("drug_type_of_measurement").to_ascii_uppercase(),
        ) {
            ("", t) if t.is_empty() => None,
            (u, t) => {
                let unit = parse_positive(u)
                    .map_err(|p| problems.add(line, "drug_unit_of_measurement", p, u))
                    .ok();
                if !DRUG_UNITS.contains(&t.as_str()) {
                    problems.add(line, "drug_type_of_measurement", "drug_unit_type", &t);
                }
                unit.map(|u| (u, t))
            }
        };

        // A line without codes that names modifiers says how those modifiers change a payer's
        // rate (the template's modifier lines).
        if codes.is_empty() && !modifier_codes.is_empty() {
            if payer.is_empty() || plan.is_empty() {
                problems.add(line, "payer_name", "required", "");
            }
            let describes = if !notes.is_empty() {
                notes.to_string()
            } else if let Some(p) = percentage {
                format!("{p}% of the amount for the item or service")
            } else {
                problems.add(line, "additional_generic_notes", "required", "");
                String::new()
            };
            let code = modifier_codes.join("|");
            let rate = ModifierRate {
                payer: payer.to_string(),
                plan: plan.to_string(),
                description: describes,
            };
            match modifiers.iter_mut().find(|m| m.code == code) {
                Some(m) => m.rates.push(rate),
                None => modifiers.push(Modifier {
                    code,
                    description: description.to_string(),
                    setting: Some(setting.clone()),
                    rates: vec![rate],
                }),
            }
            continue;
        }
        if codes.is_empty() {
            problems.add(line, "code|1", "required", "");
        }
        if codes.iter().any(|c| c.kind == "NDC") && drug.is_none() {
            problems.add(line, "drug_unit_of_measurement", "drug_unit_required", "");
        }
        let has_payer = !payer.is_empty() || !plan.is_empty();
        if has_payer {
            check_rate(
                &mut problems,
                line,
                &column,
                payer,
                plan,
                dollar,
                percentage,
                algorithm,
                &methodology,
                median,
                p10,
                p90,
                count,
                notes,
            );
        } else if gross.is_none() && cash.is_none() {
            problems.add(line, "standard_charge|gross", "no_charge", "");
        }
        if !problems.0.is_empty() {
            // Keep checking the other lines, but build nothing more.
            continue;
        }
        let item_key = format!(
            "{description}\u{1f}{}\u{1f}{:?}",
            codes
                .iter()
                .map(|c| format!("{}:{}", c.kind, c.code))
                .collect::<Vec<_>>()
                .join(","),
            drug
        );
        let at = *index.entry(item_key).or_insert_with(|| {
            items.push(Item {
                description: description.to_string(),
                codes: codes.clone(),
                drug: drug.clone(),
                charges: Vec::new(),
            });
            items.len() - 1
        });
        let Some(item) = items.get_mut(at) else {
            continue;
        };
        let same = |c: &Charge| {
            c.setting == setting
                && c.gross == gross
                && c.cash == cash
                && c.modifiers == modifier_codes
        };
        let charge = match item.charges.iter().position(same) {
            // Each row repeats the charge's de-identified minimum and maximum, and files
            // disagree between rows (CMS's own example does); the envelope of what the rows
            // say is what the JSON form of the same file carries.
            Some(i) => match item.charges.get_mut(i) {
                Some(c) => {
                    c.min = c.min.into_iter().chain(min).min();
                    c.max = c.max.into_iter().chain(max).max();
                    Some(c)
                }
                None => None,
            },
            None => {
                item.charges.push(Charge {
                    setting: setting.clone(),
                    gross,
                    cash,
                    min,
                    max,
                    modifiers: modifier_codes.clone(),
                    notes: String::new(),
                    rates: Vec::new(),
                });
                item.charges.last_mut()
            }
        };
        let Some(charge) = charge else { continue };
        if has_payer {
            charge.rates.push(Rate {
                payer: payer.to_string(),
                plan: plan.to_string(),
                dollar,
                percentage,
                algorithm: algorithm.map(str::to_string),
                methodology,
                median,
                p10,
                p90,
                count: count.map(str::to_string),
                notes: notes.to_string(),
            });
        } else if !notes.is_empty() {
            charge.notes = notes.to_string();
        }
    }
    finish(problems, file, items, modifiers)
}

fn finish(
    mut problems: Problems,
    file: Option<FileInfo>,
    mut items: Vec<Item>,
    modifiers: Vec<Modifier>,
) -> Result<Catalogue, Vec<Problem>> {
    for (n, item) in items.iter_mut().enumerate() {
        for charge in &mut item.charges {
            // A tall CSV lists a payer's rates wherever its rows fall; JSON groups them. A
            // stable sort by payer and plan makes both readings of one file the same.
            charge
                .rates
                .sort_by(|a, b| (&a.payer, &a.plan).cmp(&(&b.payer, &b.plan)));
            if let Some(p) = settle_min_max(charge) {
                problems.add(n as u64 + 1, "standard_charge|min", p, &item.description);
            }
        }
    }
    if items.is_empty() && problems.0.is_empty() {
        problems.add(0, "", "no_items", "");
    }
    match file {
        Some(file) if problems.0.is_empty() => Ok(Catalogue {
            file,
            items,
            modifiers,
        }),
        _ => Err(problems.0),
    }
}

fn read_general(
    problems: &mut Problems,
    line: u64,
    names: &csv::StringRecord,
    values: &csv::StringRecord,
) -> Option<FileInfo> {
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    let mut license_state = String::new();
    let mut attested = None;
    for (i, name) in names.iter().enumerate() {
        let value = values.get(i).unwrap_or("").trim().to_string();
        let key = header_key(name);
        if let Some(state) = key.strip_prefix("license_number|") {
            license_state = state.to_ascii_uppercase();
            fields.insert("license_number".into(), value);
        } else if key.starts_with("to the best of its knowledge") {
            attested = Some(value.eq_ignore_ascii_case("true"));
        } else if !key.is_empty() {
            fields.insert(key, value);
        }
    }
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let before = problems.0.len();
    for required in [
        "hospital_name",
        "last_updated_on",
        "location_name",
        "hospital_address",
        "type_2_npi",
        "attester_name",
    ] {
        if get(required).is_empty() {
            problems.add(line, required, "required", "");
        }
    }
    let date = parse_date(&get("last_updated_on"));
    if date.is_none() && !get("last_updated_on").is_empty() {
        problems.add(
            line,
            "last_updated_on",
            "not_a_date",
            &get("last_updated_on"),
        );
    }
    if !STATES.contains(&license_state.as_str()) {
        problems.add(
            line,
            "license_number|[state]",
            "license_state",
            &license_state,
        );
    }
    match attested {
        Some(true) => {}
        Some(false) => problems.add(line, "attestation", "not_attested", ""),
        None => problems.add(line, "attestation", "column_missing", ""),
    }
    if problems.0.len() > before {
        return None;
    }
    Some(FileInfo {
        hospital_name: get("hospital_name"),
        last_updated_on: date?,
        version: Some(get("version"))
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "3.0.0".into()),
        location_names: split_multi(&get("location_name")),
        addresses: split_multi(&get("hospital_address")),
        license_number: Some(get("license_number")).filter(|v| !v.is_empty()),
        license_state,
        npis: split_multi(&get("type_2_npi")),
        attester_name: get("attester_name"),
        provisions: get("general_contract_provisions"),
    })
}

// ---------------------------------------------------------------------------------------------
// The JSON.

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads a catalogue from CMS's JSON. Problems name the entry of `standard_charge_information`
/// (counted from 1) and the field's path within it.
pub fn read_json(bytes: &[u8]) -> Result<Catalogue, Vec<Problem>> {
    let mut problems = Problems::default();
    let doc: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            problems.add(e.line() as u64, "", "not_json", "");
            return Err(problems.0);
        }
    };
    let s = |v: &Value, k: &str| v.get(k).and_then(text_of).unwrap_or_default();
    let list = |v: &Value, k: &str| -> Vec<String> {
        v.get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(text_of).collect())
            .unwrap_or_default()
    };
    let before = problems.0.len();
    for required in ["hospital_name", "last_updated_on", "version"] {
        if s(&doc, required).is_empty() {
            problems.add(0, required, "required", "");
        }
    }
    for required in ["location_name", "hospital_address", "type_2_npi"] {
        if list(&doc, required).is_empty() {
            problems.add(0, required, "required", "");
        }
    }
    let date = parse_date(&s(&doc, "last_updated_on"));
    if date.is_none() && !s(&doc, "last_updated_on").is_empty() {
        problems.add(
            0,
            "last_updated_on",
            "not_a_date",
            &s(&doc, "last_updated_on"),
        );
    }
    let license = doc.get("license_information").cloned().unwrap_or_default();
    let state = s(&license, "state").to_ascii_uppercase();
    if !STATES.contains(&state.as_str()) {
        problems.add(0, "license_information.state", "license_state", &state);
    }
    let attestation = doc.get("attestation").cloned().unwrap_or_default();
    if attestation
        .get("confirm_attestation")
        .and_then(Value::as_bool)
        != Some(true)
    {
        problems.add(0, "attestation.confirm_attestation", "not_attested", "");
    }
    if s(&attestation, "attester_name").is_empty() {
        problems.add(0, "attestation.attester_name", "required", "");
    }
    let provisions = match doc.get("general_contract_provisions") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|p| {
                let payer = s(p, "payer_name");
                let text = s(p, "provisions");
                if payer.is_empty() {
                    text
                } else {
                    format!("{payer}: {text}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Some(v) => text_of(v).unwrap_or_default(),
        None => String::new(),
    };
    let file = (problems.0.len() == before)
        .then(|| {
            Some(FileInfo {
                hospital_name: s(&doc, "hospital_name"),
                last_updated_on: date?,
                version: s(&doc, "version"),
                location_names: list(&doc, "location_name"),
                addresses: list(&doc, "hospital_address"),
                license_number: Some(s(&license, "license_number")).filter(|v| !v.is_empty()),
                license_state: state.clone(),
                npis: list(&doc, "type_2_npi"),
                attester_name: s(&attestation, "attester_name"),
                provisions,
            })
        })
        .flatten();

    let mut items = Vec::new();
    let entries = doc
        .get("standard_charge_information")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (n, entry) in entries.iter().enumerate() {
        let row = n as u64 + 1;
        if let Some(item) = read_json_item(&mut problems, row, entry) {
            items.push(item);
        }
    }
    let mut modifiers = Vec::new();
    let listed = doc
        .get("modifier_information")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (n, m) in listed.iter().enumerate() {
        let at = format!("modifier_information[{n}]");
        let code = s(m, "code");
        let description = s(m, "description");
        if code.is_empty() || description.is_empty() {
            problems.add(0, &at, "required", "");
        }
        let rates: Vec<ModifierRate> = m
            .get("modifier_payer_information")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|p| ModifierRate {
                        payer: s(p, "payer_name"),
                        plan: s(p, "plan_name"),
                        description: s(p, "description"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        if rates.is_empty()
            || rates
                .iter()
                .any(|r| r.payer.is_empty() || r.plan.is_empty() || r.description.is_empty())
        {
            problems.add(
                0,
                &format!("{at}.modifier_payer_information"),
                "required",
                "",
            );
        }
        let setting = Some(s(m, "setting")).filter(|v| !v.is_empty());
        if setting.as_deref().is_some_and(|v| !SETTINGS.contains(&v)) {
            problems.add(0, &format!("{at}.setting"), "setting", &s(m, "setting"));
        }
        modifiers.push(Modifier {
            code,
            description,
            setting,
            rates,
        });
    }
    finish(problems, file, items, modifiers)
}

fn read_json_item(problems: &mut Problems, row: u64, entry: &Value) -> Option<Item> {
    let before = problems.0.len();
    let s = |v: &Value, k: &str| v.get(k).and_then(text_of).unwrap_or_default();
    let description = s(entry, "description");
    if description.is_empty() {
        problems.add(row, "description", "required", "");
    }
    let mut codes = Vec::new();
    for (i, c) in entry
        .get("code_information")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let kind = s(c, "type").to_ascii_uppercase();
        let code = s(c, "code");
        if code.is_empty() {
            problems.add(row, &format!("code_information[{i}].code"), "required", "");
        }
        if !CODE_TYPES.contains(&kind.as_str()) {
            problems.add(
                row,
                &format!("code_information[{i}].type"),
                "code_type",
                &kind,
            );
        }
        codes.push(Code { code, kind });
    }
    if codes.is_empty() {
        problems.add(row, "code_information", "required", "");
    }
    let drug = match entry.get("drug_information") {
        None | Some(Value::Null) => None,
        Some(d) => {
            let unit = s(d, "unit");
            let kind = s(d, "type").to_ascii_uppercase();
            let unit = parse_positive(&unit)
                .map_err(|p| problems.add(row, "drug_information.unit", p, &unit))
                .ok();
            if !DRUG_UNITS.contains(&kind.as_str()) {
                problems.add(row, "drug_information.type", "drug_unit_type", &kind);
            }
            unit.map(|u| (u, kind))
        }
    };
    if codes.iter().any(|c| c.kind == "NDC") && drug.is_none() {
        problems.add(row, "drug_information", "drug_unit_required", "");
    }
    let mut charges = Vec::new();
    let listed = entry
        .get("standard_charges")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if listed.is_empty() {
        problems.add(row, "standard_charges", "required", "");
    }
    for (ci, c) in listed.iter().enumerate() {
        let at = |k: &str| format!("standard_charges[{ci}].{k}");
        let mut money = |v: &Value, k: &str, path: &str| -> Option<i64> {
            let t = v.get(k).and_then(text_of)?;
            parse_cents(&t)
                .map_err(|p| problems.add(row, path, p.as_str(), &t))
                .ok()
        };
        let gross = money(c, "gross_charge", &at("gross_charge"));
        let cash = money(c, "discounted_cash", &at("discounted_cash"));
        let min = money(c, "minimum", &at("minimum"));
        let max = money(c, "maximum", &at("maximum"));
        let setting = s(c, "setting").to_ascii_lowercase();
        if !SETTINGS.contains(&setting.as_str()) {
            problems.add(row, &at("setting"), "setting", &setting);
        }
        let modifiers: Vec<String> = c
            .get("modifier_code")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(text_of).collect())
            .unwrap_or_default();
        let mut rates = Vec::new();
        let payers = c
            .get("payers_information")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (pi, p) in payers.iter().enumerate() {
            let path = |k: &str| format!("standard_charges[{ci}].payers_information[{pi}].{k}");
            let mut money = |k: &str| -> Option<i64> {
                let t = p.get(k).and_then(text_of)?;
                parse_cents(&t)
                    .map_err(|e| problems.add(row, &path(k), e.as_str(), &t))
                    .ok()
            };
            let dollar = money("standard_charge_dollar");
            let median = money("median_amount");
            let p10 = money("10th_percentile");
            let p90 = money("90th_percentile");
            let percentage = p
                .get("standard_charge_percentage")
                .and_then(text_of)
                .and_then(|t| {
                    parse_positive(&t)
                        .map_err(|e| problems.add(row, &path("standard_charge_percentage"), e, &t))
                        .ok()
                });
            let algorithm = Some(s(p, "standard_charge_algorithm")).filter(|a| !a.is_empty());
            let count = Some(s(p, "count")).filter(|c| !c.is_empty());
            let rate = Rate {
                payer: s(p, "payer_name"),
                plan: s(p, "plan_name"),
                dollar,
                percentage,
                algorithm,
                methodology: s(p, "methodology").to_ascii_lowercase(),
                median,
                p10,
                p90,
                count,
                notes: s(p, "additional_payer_notes"),
            };
            let json_path = |k: &str| {
                let k = match k {
                    "standard_charge|negotiated_dollar" => "standard_charge_dollar",
                    "standard_charge|methodology" => "methodology",
                    "additional_generic_notes" => "additional_payer_notes",
                    k => k,
                };
                path(k)
            };
            check_rate(
                problems,
                row,
                &json_path,
                &rate.payer,
                &rate.plan,
                rate.dollar,
                rate.percentage,
                rate.algorithm.as_deref(),
                &rate.methodology,
                rate.median,
                rate.p10,
                rate.p90,
                rate.count.as_deref(),
                &rate.notes,
            );
            rates.push(rate);
        }
        if gross.is_none() && cash.is_none() && rates.is_empty() {
            problems.add(row, &at("gross_charge"), "no_charge", "");
        }
        charges.push(Charge {
            setting,
            gross,
            cash,
            min,
            max,
            modifiers,
            notes: s(c, "additional_generic_notes"),
            rates,
        });
    }
    (problems.0.len() == before).then_some(Item {
        description,
        codes,
        drug,
        charges,
    })
}

// ---------------------------------------------------------------------------------------------
// Writing.

/// A JSON number for cents: 1200, 0.75, 23123.46. (Written through `f64`, which holds every
/// two-decimal amount below 2^53 cents as the decimal it came from.)
fn number(cents: i64) -> Value {
    let text = decimal_text(cents);
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn decimal_number(d: Decimal) -> Value {
    serde_json::from_str(&d.normalize().to_string()).unwrap_or(Value::Null)
}

/// The file's opening: everything before the first item of `standard_charge_information`,
/// ending with `"standard_charge_information":[`.
pub fn json_head(file: &FileInfo) -> String {
    let mut doc = Map::new();
    doc.insert("hospital_name".into(), json!(file.hospital_name));
    doc.insert(
        "last_updated_on".into(),
        json!(file.last_updated_on.format("%Y-%m-%d").to_string()),
    );
    doc.insert("version".into(), json!(file.version));
    doc.insert("location_name".into(), json!(file.location_names));
    doc.insert("hospital_address".into(), json!(file.addresses));
    let mut license = Map::new();
    if let Some(n) = &file.license_number {
        license.insert("license_number".into(), json!(n));
    }
    license.insert("state".into(), json!(file.license_state));
    doc.insert("license_information".into(), Value::Object(license));
    doc.insert("type_2_npi".into(), json!(file.npis));
    doc.insert(
        "attestation".into(),
        json!({ "attestation": ATTESTATION, "confirm_attestation": true, "attester_name": file.attester_name }),
    );
    if !file.provisions.is_empty() {
        doc.insert("general_contract_provisions".into(), json!(file.provisions));
    }
    let text = Value::Object(doc).to_string();
    // Reopen the object to append the item list.
    format!(
        "{},\"standard_charge_information\":[",
        text.strip_suffix('}').unwrap_or(&text)
    )
}

/// One entry of `standard_charge_information`.
pub fn json_item(item: &Item) -> Value {
    let mut out = Map::new();
    out.insert("description".into(), json!(item.description));
    if let Some((unit, kind)) = &item.drug {
        out.insert(
            "drug_information".into(),
            json!({ "unit": decimal_number(*unit), "type": kind }),
        );
    }
    out.insert(
        "code_information".into(),
        Value::Array(
            item.codes
                .iter()
                .map(|c| json!({ "code": c.code, "type": c.kind }))
                .collect(),
        ),
    );
    let charges = item
        .charges
        .iter()
        .map(|c| {
            let mut m = Map::new();
            m.insert("setting".into(), json!(c.setting));
            for (k, v) in [
                ("minimum", c.min),
                ("maximum", c.max),
                ("gross_charge", c.gross),
                ("discounted_cash", c.cash),
            ] {
                if let Some(v) = v {
                    m.insert(k.into(), number(v));
                }
            }
            if !c.modifiers.is_empty() {
                m.insert("modifier_code".into(), json!(c.modifiers));
            }
            if !c.notes.is_empty() {
                m.insert("additional_generic_notes".into(), json!(c.notes));
            }
            if !c.rates.is_empty() {
                m.insert(
                    "payers_information".into(),
                    Value::Array(c.rates.iter().map(json_rate).collect()),
                );
            }
            Value::Object(m)
        })
        .collect();
    out.insert("standard_charges".into(), Value::Array(charges));
    Value::Object(out)
}

fn json_rate(r: &Rate) -> Value {
    let mut m = Map::new();
    m.insert("payer_name".into(), json!(r.payer));
    m.insert("plan_name".into(), json!(r.plan));
    m.insert("methodology".into(), json!(r.methodology));
    if !r.notes.is_empty() {
        m.insert("additional_payer_notes".into(), json!(r.notes));
    }
    if let Some(d) = r.dollar {
        m.insert("standard_charge_dollar".into(), number(d));
    }
    if let Some(p) = r.percentage {
        m.insert("standard_charge_percentage".into(), decimal_number(p));
    }
    if let Some(a) = &r.algorithm {
        m.insert("standard_charge_algorithm".into(), json!(a));
    }
    for (k, v) in [
        ("median_amount", r.median),
        ("10th_percentile", r.p10),
        ("90th_percentile", r.p90),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), number(v));
        }
    }
    if let Some(c) = &r.count {
        m.insert("count".into(), json!(c));
    }
    Value::Object(m)
}

/// The file's closing after the last item: the modifiers, if any, and the end of the object.
pub fn json_tail(modifiers: &[Modifier]) -> String {
    if modifiers.is_empty() {
        return "]}".into();
    }
    let list: Vec<Value> = modifiers
        .iter()
        .map(|m| {
            let mut o = Map::new();
            o.insert("description".into(), json!(m.description));
            o.insert("code".into(), json!(m.code));
            if let Some(s) = &m.setting {
                o.insert("setting".into(), json!(s));
            }
            o.insert(
                "modifier_payer_information".into(),
                Value::Array(
                    m.rates
                        .iter()
                        .map(|r| json!({ "payer_name": r.payer, "plan_name": r.plan, "description": r.description }))
                        .collect(),
                ),
            );
            Value::Object(o)
        })
        .collect();
    format!("],\"modifier_information\":{}}}", Value::Array(list))
}

/// The tall CSV's data columns, in CMS's order (two codes per line, as CMS's example).
pub const CSV_CODE_COLUMNS: usize = 4;

fn csv_line(fields: Vec<String>) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(&fields);
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The tall CSV's first three lines.
pub fn csv_head(file: &FileInfo, code_columns: usize) -> String {
    let mut out = csv_line(vec![
        "hospital_name".into(),
        "last_updated_on".into(),
        "version".into(),
        "location_name".into(),
        "hospital_address".into(),
        format!("license_number|{}", file.license_state),
        "type_2_npi".into(),
        ATTESTATION.into(),
        "attester_name".into(),
        "general_contract_provisions".into(),
    ]);
    out.push_str(&csv_line(vec![
        file.hospital_name.clone(),
        file.last_updated_on.format("%Y-%m-%d").to_string(),
        file.version.clone(),
        file.location_names.join("|"),
        file.addresses.join("|"),
        file.license_number.clone().unwrap_or_default(),
        file.npis.join("|"),
        "true".into(),
        file.attester_name.clone(),
        file.provisions.clone(),
    ]));
    let mut names = vec!["description".to_string()];
    for n in 1..=code_columns {
        names.push(format!("code|{n}"));
        names.push(format!("code|{n}|type"));
    }
    for n in [
        "setting",
        "drug_unit_of_measurement",
        "drug_type_of_measurement",
        "standard_charge|gross",
        "standard_charge|discounted_cash",
        "payer_name",
        "plan_name",
        "modifiers",
        "standard_charge|negotiated_dollar",
        "standard_charge|negotiated_percentage",
        "standard_charge|negotiated_algorithm",
        "median_amount",
        "10th_percentile",
        "90th_percentile",
        "count",
        "standard_charge|min",
        "standard_charge|max",
        "standard_charge|methodology",
        "additional_generic_notes",
    ] {
        names.push(n.into());
    }
    out.push_str(&csv_line(names));
    out
}

/// An item's lines of the tall CSV: one per payer rate, or one for a charge without payers.
pub fn csv_rows(item: &Item, code_columns: usize) -> String {
    let opt = |v: Option<i64>| v.map(decimal_text).unwrap_or_default();
    let mut out = String::new();
    for charge in &item.charges {
        let base = |notes: &str, rate: Option<&Rate>| {
            let mut f = vec![item.description.clone()];
            for n in 0..code_columns {
                let c = item.codes.get(n);
                f.push(c.map(|c| c.code.clone()).unwrap_or_default());
                f.push(c.map(|c| c.kind.clone()).unwrap_or_default());
            }
            f.push(charge.setting.clone());
            f.push(
                item.drug
                    .as_ref()
                    .map(|(u, _)| u.normalize().to_string())
                    .unwrap_or_default(),
            );
            f.push(
                item.drug
                    .as_ref()
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default(),
            );
            f.push(opt(charge.gross));
            f.push(opt(charge.cash));
            f.push(rate.map(|r| r.payer.clone()).unwrap_or_default());
            f.push(rate.map(|r| r.plan.clone()).unwrap_or_default());
            f.push(charge.modifiers.join("|"));
            f.push(opt(rate.and_then(|r| r.dollar)));
            f.push(
                rate.and_then(|r| r.percentage)
                    .map(|p| p.normalize().to_string())
                    .unwrap_or_default(),
            );
            f.push(rate.and_then(|r| r.algorithm.clone()).unwrap_or_default());
            f.push(opt(rate.and_then(|r| r.median)));
            f.push(opt(rate.and_then(|r| r.p10)));
            f.push(opt(rate.and_then(|r| r.p90)));
            f.push(rate.and_then(|r| r.count.clone()).unwrap_or_default());
            f.push(opt(charge.min));
            f.push(opt(charge.max));
            f.push(rate.map(|r| r.methodology.clone()).unwrap_or_default());
            f.push(notes.to_string());
            csv_line(f)
        };
        if charge.rates.is_empty() {
            out.push_str(&base(&charge.notes, None));
        }
        for rate in &charge.rates {
            out.push_str(&base(&rate.notes, Some(rate)));
        }
    }
    out
}

/// The modifier lines of the tall CSV.
pub fn csv_modifier_rows(modifiers: &[Modifier], code_columns: usize) -> String {
    let mut out = String::new();
    for m in modifiers {
        for r in &m.rates {
            let mut f = vec![m.description.clone()];
            f.extend(std::iter::repeat_n(String::new(), code_columns * 2));
            f.push(m.setting.clone().unwrap_or_else(|| "both".into()));
            f.extend(std::iter::repeat_n(String::new(), 4));
            f.push(r.payer.clone());
            f.push(r.plan.clone());
            f.push(m.code.clone());
            f.extend(std::iter::repeat_n(String::new(), 10));
            f.push(r.description.clone());
            out.push_str(&csv_line(f));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CMS_CSV: &[u8] = include_bytes!("cms-v3/example-tall.csv");
    const CMS_JSON: &[u8] = include_bytes!("cms-v3/example.json");

    #[test]
    fn cms_examples_read_to_the_same_catalogue() {
        let from_csv = read_tall_csv(CMS_CSV).expect("the CSV example reads");
        let from_json = read_json(CMS_JSON).expect("the JSON example reads");
        assert_eq!(from_csv.items.len(), 22);
        assert_eq!(from_json.items.len(), 22);
        assert_eq!(from_csv.items, from_json.items);
        assert_eq!(from_csv.modifiers, from_json.modifiers);
        assert_eq!(from_csv.file.hospital_name, "West Mercy Hospital");
        assert_eq!(from_csv.file.license_state, "CA");
        assert_eq!(from_csv.file.npis.len(), 3);
        assert_eq!(
            from_csv.file.last_updated_on,
            NaiveDate::from_ymd_opt(2026, 4, 1).expect("date")
        );
        let mri = from_csv.items.first().expect("MRI");
        let charge = mri.charges.first().expect("a charge");
        assert_eq!((charge.gross, charge.cash), (Some(120_000), Some(108_000)));
        assert_eq!((charge.min, charge.max), (Some(25_000), Some(40_000)));
        let pacemaker = from_csv
            .items
            .iter()
            .find(|i| i.description == "Pacemaker")
            .expect("pacemaker");
        let rate = pacemaker
            .charges
            .first()
            .and_then(|c| c.rates.first())
            .expect("a rate");
        assert_eq!(rate.median, Some(2_312_346));
        assert_eq!(rate.count.as_deref(), Some("18"));
    }

    #[test]
    fn what_is_written_reads_back_the_same() {
        let catalogue = read_tall_csv(CMS_CSV).expect("reads");
        let mut json = json_head(&catalogue.file);
        let items: Vec<String> = catalogue
            .items
            .iter()
            .map(|i| json_item(i).to_string())
            .collect();
        json.push_str(&items.join(","));
        json.push_str(&json_tail(&catalogue.modifiers));
        let again = read_json(json.as_bytes()).expect("our JSON reads");
        assert_eq!(again, catalogue);

        let mut csv = csv_head(&catalogue.file, CSV_CODE_COLUMNS);
        for item in &catalogue.items {
            csv.push_str(&csv_rows(item, CSV_CODE_COLUMNS));
        }
        csv.push_str(&csv_modifier_rows(&catalogue.modifiers, CSV_CODE_COLUMNS));
        let again = read_tall_csv(csv.as_bytes()).expect("our CSV reads");
        assert_eq!(again, catalogue);
    }

    #[test]
    fn every_problem_is_named_by_line_and_column() {
        let text = String::from_utf8(CMS_CSV.to_vec()).expect("utf-8");
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        // Line 4: a gross charge that is not money; line 5: a setting that does not exist;
        // line 6: a payer with no rate at all.
        lines[3] = lines[3].replace(",1200,1080,", ",12O0,1080,");
        lines[4] = lines[4].replace(",outpatient,", ",clinic,");
        lines[5] = lines[5].replace(",8000,,,,,,,360,", ",,,,,,,,360,");
        let problems = read_tall_csv(lines.join("\n").as_bytes()).expect_err("refused");
        let found: Vec<(u64, &str, &str)> = problems
            .iter()
            .map(|p| (p.row, p.column.as_str(), p.problem.as_str()))
            .collect();
        assert!(
            found.contains(&(4, "standard_charge|gross", "not_money")),
            "{found:?}"
        );
        assert!(found.contains(&(5, "setting", "setting")), "{found:?}");
        assert!(
            found.contains(&(6, "standard_charge|negotiated_dollar", "no_rate")),
            "{found:?}"
        );
        assert_eq!(problems.len(), 3, "{found:?}");
    }

    #[test]
    fn lines_ended_by_crlf_are_numbered_as_an_editor_numbers_them() {
        let text = String::from_utf8(CMS_CSV.to_vec()).expect("utf-8");
        let crlf = text
            .lines()
            .enumerate()
            .map(|(n, l)| {
                if n == 5 {
                    l.replace(",outpatient,", ",clinic,")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\r\n");
        let problems = read_tall_csv(crlf.as_bytes()).expect_err("refused");
        let rows: Vec<u64> = problems.iter().map(|p| p.row).collect();
        assert_eq!(rows, vec![6]);
    }

    #[test]
    fn a_file_without_the_attestation_or_the_hospitals_details_is_refused() {
        let text = String::from_utf8(CMS_CSV.to_vec()).expect("utf-8");
        let refused = text.replacen(",TRUE,", ",FALSE,", 1);
        let problems = read_tall_csv(refused.as_bytes()).expect_err("refused");
        assert!(problems.iter().any(|p| p.problem == "not_attested"));
        let problems = read_tall_csv(b"a,b\n1,2\n").expect_err("refused");
        assert!(problems.iter().any(|p| p.column == "hospital_name"));
        let problems = read_json(b"{\"hospital_name\": 3").expect_err("refused");
        assert_eq!(
            problems.first().map(|p| p.problem.as_str()),
            Some("not_json")
        );
    }

    #[test]
    fn json_rules_of_the_template_are_checked() {
        let mut doc: Value = serde_json::from_slice(CMS_JSON).expect("json");
        // A percentage without the count of allowed amounts, and an NDC without its unit.
        doc["standard_charge_information"][9]["standard_charges"][0]["payers_information"][0]
            .as_object_mut()
            .expect("object")
            .remove("count");
        doc["standard_charge_information"][15]
            .as_object_mut()
            .expect("object")
            .remove("drug_information");
        let problems = read_json(doc.to_string().as_bytes()).expect_err("refused");
        let found: Vec<(u64, &str)> = problems
            .iter()
            .map(|p| (p.row, p.problem.as_str()))
            .collect();
        assert!(found.contains(&(10, "count_required")), "{found:?}");
        assert!(found.contains(&(16, "drug_unit_required")), "{found:?}");
    }
}
