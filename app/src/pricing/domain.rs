//! What the price pages show, built on the server (money as integer cents).

use serde::{Deserialize, Serialize};

/// Results of the estimator a page at a time.
pub const PRICE_PAGE: i64 = 20;

/// A payer's plan the visitor may pick.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanChoice {
    pub id: String,
    pub payer: String,
    pub plan: String,
}

impl PlanChoice {
    pub fn label(&self) -> String {
        format!("{} · {}", self.payer, self.plan)
    }
}

/// One item in the estimator's results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PriceCard {
    pub id: String,
    pub name: String,
    /// "CPT 70551, RC 611".
    pub codes: String,
    pub cash: Option<i64>,
    pub gross: Option<i64>,
    /// The lowest and highest negotiated dollar amounts across payers.
    pub low: Option<i64>,
    pub high: Option<i64>,
    /// The chosen plan's lowest dollar rate, when it has one.
    pub plan_dollar: Option<i64>,
    /// Whether the chosen plan has any rate for the item (a percentage or an algorithm counts).
    pub plan_listed: bool,
    /// For a drug, what its prices are for: "each", "per 5 mL".
    pub per: Option<String>,
}

/// The estimator's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PriceSearch {
    pub items: Vec<PriceCard>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub plans: Vec<PlanChoice>,
    pub plan: Option<PlanChoice>,
    /// Whether any catalogue has been loaded at all.
    pub published: bool,
    /// Only prescription drugs were asked for.
    pub drugs_only: bool,
}

/// A payer's negotiated rate, as shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RateView {
    /// The rate's own id (its editor's form names it).
    pub id: String,
    pub plan_id: String,
    pub payer: String,
    pub plan: String,
    pub dollar: Option<i64>,
    /// "80" (percent), as the contract writes it.
    pub percentage: Option<String>,
    pub algorithm: Option<String>,
    pub methodology: String,
    pub median: Option<i64>,
    pub p10: Option<i64>,
    pub p90: Option<i64>,
    pub notes: String,
}

/// An item's standard charges in one setting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChargeView {
    pub id: String,
    pub setting: String,
    pub gross: Option<i64>,
    pub cash: Option<i64>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub modifiers: String,
    pub notes: String,
    pub rates: Vec<RateView>,
}

/// An item's page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PriceDetail {
    pub id: String,
    pub name: String,
    pub summary: String,
    /// CMS's description, when it says more than the name.
    pub description: String,
    pub codes: String,
    /// "per 100 ML".
    pub drug_unit: Option<String>,
    pub shoppable: bool,
    /// The shoppable service this one is usually billed with: (id, name).
    pub part_of: Option<(String, String)>,
    pub charges: Vec<ChargeView>,
    pub ancillaries: Vec<PriceCard>,
    pub plans: Vec<PlanChoice>,
    pub plan: Option<PlanChoice>,
}

/// One import in the catalogue's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub id: String,
    pub file_name: String,
    pub format: String,
    pub applied: bool,
    pub items: i32,
    pub rates: i32,
    pub problem_count: usize,
    pub by: String,
    /// "Dec 5, 2026 14:03 UTC".
    pub at: String,
}

/// A refused (or applied) import with its problems, for the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    pub summary: ImportSummary,
    pub problems: Vec<ImportProblem>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportProblem {
    pub row: u64,
    pub column: String,
    pub problem: String,
    pub value: String,
}

/// The administrators' catalogue page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogueAdmin {
    pub items: i64,
    pub rates: i64,
    pub hospital: Option<String>,
    pub imports: Vec<ImportSummary>,
}

/// A correction the patient asked for, and where its conversation stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CorrectionView {
    pub conversation_id: String,
    /// "Dec 5, 2026".
    pub asked: String,
    /// Messaging's status: received, in_progress, waiting or done.
    pub status: String,
}

/// One change to the coverage on file, for staff.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoverageChange {
    pub at: String,
    pub by: String,
    /// The plan after the change ("Self-pay" when none).
    pub plan: Option<String>,
}

/// The coverage page: what is on file, and what the caller may do with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoverageView {
    pub patient_id: String,
    pub patient_name: String,
    /// Whether anything is on file at all.
    pub on_file: bool,
    /// The plan, or none for self-pay.
    pub plan: Option<PlanChoice>,
    pub member_id: String,
    pub share: super::estimate::CostShare,
    /// When the figures were last changed: "Dec 5, 2026".
    pub updated: String,
    /// The caller is staff, who keep the coverage (the patient's side asks for corrections).
    pub staff: bool,
    /// Plans a staff member may pick.
    pub plans: Vec<PlanChoice>,
    /// The newest correction asked for, if any.
    pub correction: Option<CorrectionView>,
    /// Changes, newest first (staff only).
    pub history: Vec<CoverageChange>,
}

/// The coverage form as typed, kept when refused.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CoverageForm {
    pub plan: String,
    pub member_id: String,
    pub deductible: String,
    pub deductible_met: String,
    pub coinsurance: String,
    pub copay: String,
    pub oop_max: String,
    pub oop_met: String,
}

/// What a personal estimate found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum EstimateKind {
    /// No plan on file (self-pay, or nothing on file): the discounted cash price.
    SelfPay { cash: Option<i64>, on_file: bool },
    /// The plan's rate, split between plan and patient.
    Plan {
        plan: PlanChoice,
        split: super::estimate::Split,
        share: super::estimate::CostShare,
        /// An office visit, where the plan's copay applies.
        office: bool,
        /// The rate is this percentage of the gross charge ("80").
        percent_of_charges: Option<String>,
    },
    /// The plan has no dollar figure for this service (no rate listed, or only an algorithm).
    NoRate { plan: PlanChoice, cash: Option<i64> },
}

/// A patient's own estimate for one service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonalEstimate {
    pub patient_id: String,
    pub patient_name: String,
    pub item_id: String,
    pub item_name: String,
    pub codes: String,
    pub kind: EstimateKind,
}

/// One line of a good-faith estimate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoodFaithLine {
    pub name: String,
    pub codes: String,
    pub cash: Option<i64>,
}

/// A good-faith estimate for a self-pay patient (No Surprises Act): the expected charges for a
/// service and those usually billed with it, to print and keep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoodFaithView {
    pub patient_id: String,
    pub patient_name: String,
    pub birth_date: String,
    pub item_id: String,
    pub lines: Vec<GoodFaithLine>,
    /// The sum of the lines with a cash price.
    pub total: i64,
    /// Lines without a cash price (the total leaves them out, and the page says so).
    pub unpriced: usize,
    pub hospital: String,
    pub addresses: Vec<String>,
    pub issued: String,
}
