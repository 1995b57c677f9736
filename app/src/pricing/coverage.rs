//! Coverage on file and personal estimates. Staff keep a patient's coverage (plan, member id,
//! deductible and how much is met, coinsurance, office-visit copay, out-of-pocket maximum and how
//! much is met); the patient, or a parent or proxy with the billing scope, sees it and asks for a
//! correction (a billing conversation with the care team). Estimates read the plan's rate from
//! the catalogue and split it with [`super::estimate::split`]. Every server function here goes
//! through `require_access` with the billing scope: one patient's coverage and estimates are
//! never another's.
#![allow(
    clippy::too_many_arguments,
    reason = "one server-function argument per form field"
)]

use super::domain::*;
use crate::error::AppError;
use leptos::prelude::*;

/// The cookie keeping a refused coverage form's fields for the page.
#[cfg(feature = "ssr")]
pub const KEPT_COVERAGE: &str = "kept_coverage";
/// The longest correction note.
pub const NOTE_MAX: usize = 1000;

/// The coverage on file for `patient_id` (or the patient the caller acts for). The patient, a
/// parent or a proxy with the billing scope, or staff. Audited.
#[server]
pub async fn patient_coverage(patient_id: Option<String>) -> Result<CoverageView, AppError> {
    crate::error::with_status(server::coverage(patient_id).await)
}

/// Puts a patient's coverage on file, or corrects it (the earlier figures stay in its history).
/// `plan` is a plan's id, or empty for self-pay. Staff only. Audited.
#[server]
pub async fn save_coverage(
    patient_id: String,
    plan: String,
    member_id: Option<String>,
    deductible: Option<String>,
    deductible_met: Option<String>,
    coinsurance: Option<String>,
    copay: Option<String>,
    oop_max: Option<String>,
    oop_met: Option<String>,
) -> Result<(), AppError> {
    let form = CoverageForm {
        plan,
        member_id: member_id.unwrap_or_default(),
        deductible: deductible.unwrap_or_default(),
        deductible_met: deductible_met.unwrap_or_default(),
        coinsurance: coinsurance.unwrap_or_default(),
        copay: copay.unwrap_or_default(),
        oop_max: oop_max.unwrap_or_default(),
        oop_met: oop_met.unwrap_or_default(),
    };
    crate::error::with_status(server::save(patient_id, form).await)
}

/// Asks the care team to correct the coverage on file, in the patient's words (a billing
/// conversation). The patient, or a parent or proxy with the billing scope; not staff. One open
/// request at a time. Audited.
#[server]
pub async fn ask_coverage_correction(patient_id: String, note: String) -> Result<(), AppError> {
    crate::error::with_status(server::ask_correction(patient_id, note).await)
}

/// What the patient would pay for one catalogue item under the coverage on file, and why.
/// As [`patient_coverage`]. Audited.
#[server]
pub async fn estimate_price(
    item_id: String,
    patient_id: Option<String>,
) -> Result<PersonalEstimate, AppError> {
    crate::error::with_status(server::estimate(item_id, patient_id).await)
}

/// The estimate for a visit type (the item it is billed as), or nothing when the visit type has
/// no price in the catalogue. As [`patient_coverage`]. Audited.
#[server]
pub async fn estimate_visit(
    visit_type: String,
    patient_id: Option<String>,
) -> Result<Option<PersonalEstimate>, AppError> {
    crate::error::with_status(server::estimate_visit(visit_type, patient_id).await)
}

/// A printable good-faith estimate of the self-pay charges for an item and those usually billed
/// with it. As [`patient_coverage`]. Audited.
#[server]
pub async fn good_faith_estimate(
    item_id: String,
    patient_id: Option<String>,
) -> Result<GoodFaithView, AppError> {
    crate::error::with_status(server::good_faith(item_id, patient_id).await)
}

/// For a page showing a price: the estimate for the patient the caller acts for, `None` when
/// the caller acts for nobody or may not see their billing (asked quietly: no refusal is
/// audited and no error status is set on the page), `Unauthenticated` for a visitor.
pub async fn page_estimate(item_id: String) -> Result<Option<PersonalEstimate>, AppError> {
    #[cfg(feature = "ssr")]
    {
        let Some(access) = server::quiet_access(None).await? else {
            return Ok(None);
        };
        let Ok(item) = uuid::Uuid::parse_str(item_id.trim()) else {
            return Ok(None);
        };
        server::estimate_for(&access, item, "pricing.estimate")
            .await
            .map(Some)
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = item_id;
        Ok(None)
    }
}

/// For the booking pages: the estimate of a visit type for `patient_id`, or `None` (as
/// [`page_estimate`]).
pub async fn page_visit_estimate(
    patient_id: String,
    visit_type: String,
) -> Result<Option<PersonalEstimate>, AppError> {
    #[cfg(feature = "ssr")]
    {
        let patient = Some(patient_id).filter(|p| !p.trim().is_empty());
        let Some(access) = server::quiet_access(patient).await? else {
            return Ok(None);
        };
        server::visit_estimate_for(&access, &visit_type).await
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = (patient_id, visit_type);
        Ok(None)
    }
}

/// Checks a coverage form: the plan (an id among `plans`, or empty for self-pay), and for a
/// plan its figures. Problems by field otherwise.
pub fn check_coverage(
    form: &CoverageForm,
    plan_known: bool,
) -> Result<(String, super::estimate::CostShare), std::collections::BTreeMap<String, String>> {
    use super::estimate::{parse_amount, parse_percent_bp, CostShare};
    let mut problems = std::collections::BTreeMap::new();
    let member_id = form.member_id.trim().to_string();
    if member_id.chars().count() > 40 {
        problems.insert("member_id".into(), "too_long".into());
    }
    let self_pay = form.plan.trim().is_empty();
    if !self_pay && !plan_known {
        problems.insert("plan".into(), "unknown".into());
    }
    if self_pay {
        return if problems.is_empty() {
            Ok((member_id, CostShare::default()))
        } else {
            Err(problems)
        };
    }
    let mut amount = |field: &str, text: &str| match parse_amount(text) {
        Some(v) => v,
        None => {
            problems.insert(field.to_string(), "not_money".into());
            0
        }
    };
    let deductible = amount("deductible", &form.deductible);
    let deductible_met = amount("deductible_met", &form.deductible_met);
    let copay = amount("copay", &form.copay);
    let oop_max = amount("oop_max", &form.oop_max);
    let oop_met = amount("oop_met", &form.oop_met);
    let coinsurance_bp = parse_percent_bp(&form.coinsurance).unwrap_or_else(|| {
        problems.insert("coinsurance".into(), "not_percent".into());
        0
    });
    if deductible_met > deductible && !problems.contains_key("deductible_met") {
        problems.insert("deductible_met".into(), "more_than_deductible".into());
    }
    if oop_max == 0 && !problems.contains_key("oop_max") {
        problems.insert("oop_max".into(), "required".into());
    }
    if oop_met > oop_max && !problems.contains_key("oop_met") {
        problems.insert("oop_met".into(), "more_than_max".into());
    }
    if deductible > oop_max && oop_max > 0 && !problems.contains_key("deductible") {
        problems.insert("deductible".into(), "more_than_max".into());
    }
    if problems.is_empty() {
        Ok((
            member_id,
            CostShare {
                deductible,
                deductible_met,
                coinsurance_bp,
                copay,
                oop_max,
                oop_met,
            },
        ))
    } else {
        Err(problems)
    }
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::super::db;
    use super::super::estimate::{is_office_visit, split};
    use super::*;
    use crate::auth::access::{require_access, Access, ActingAs, Scope};
    use rust_decimal::prelude::ToPrimitive;
    use rust_decimal::Decimal;
    use std::collections::BTreeMap;
    use std::str::FromStr;
    use uuid::Uuid;

    fn language() -> &'static str {
        crate::scheduling::server::language()
    }

    async fn access(patient_id: Option<String>) -> Result<Access, AppError> {
        let patient = crate::household::acting_patient(patient_id).await?;
        require_access(patient, Scope::Billing).await
    }

    fn is_staff(access: &Access) -> bool {
        access.allowed.acting_as == ActingAs::Staff
    }

    fn plan_label(
        payer: Option<String>,
        plan: Option<String>,
        id: Option<Uuid>,
    ) -> Option<PlanChoice> {
        Some(PlanChoice {
            id: id?.to_string(),
            payer: payer?,
            plan: plan?,
        })
    }

    pub async fn coverage(patient_id: Option<String>) -> Result<CoverageView, AppError> {
        let access = access(patient_id).await?;
        let patient = access.patient_id;
        let staff = is_staff(&access);
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let who = crate::records::server::identity(&mut conn, patient).await?;
        let language = language();
        let row = db::select_coverage(&mut *conn, patient).await?;
        let correction =
            db::select_correction(&mut *conn, patient)
                .await?
                .map(|(id, at, status)| CorrectionView {
                    conversation_id: id.to_string(),
                    asked: crate::records::server::day(language, Some(at)),
                    status,
                });
        let (plans, history) = if staff {
            let history = db::select_coverage_history(&mut *conn, patient, 20)
                .await?
                .into_iter()
                .map(|(at, by, plan)| CoverageChange {
                    at: crate::records::server::day(language, Some(at)),
                    by,
                    plan,
                })
                .collect();
            (db::select_plans(&mut *conn).await?, history)
        } else {
            (Vec::new(), Vec::new())
        };
        crate::audit::record(
            &mut *conn,
            &access.audit("pricing.coverage").on("patient", patient),
        )
        .await?;
        let on_file = row.is_some();
        let (plan, member_id, share, updated) = match row {
            Some(r) => (
                plan_label(r.payer, r.plan, r.plan_id),
                r.member_id,
                r.share,
                crate::records::server::day(language, Some(r.updated_at)),
            ),
            None => (None, String::new(), Default::default(), String::new()),
        };
        // The staff form lists plans that have rates; the plan on file stays offered even when
        // an import has dropped all its rates, so saving the form never switches the patient to
        // self-pay unasked.
        let mut plans = plans;
        if let Some(p) = plan.as_ref().filter(|p| staff && !plans.contains(p)) {
            plans.push(p.clone());
            plans.sort_by(|a, b| (&a.payer, &a.plan).cmp(&(&b.payer, &b.plan)));
        }
        Ok(CoverageView {
            patient_id: patient.to_string(),
            patient_name: crate::records::server::name(&who),
            on_file,
            plan,
            member_id,
            share,
            updated,
            staff,
            plans,
            correction,
            history,
        })
    }

    fn keep(form: Option<&CoverageForm>) {
        use crate::forms::{forget_cookie, remember_cookie};
        crate::auth::server::set_cookie(&match form {
            Some(f) => remember_cookie(KEPT_COVERAGE, "/billing/coverage", f),
            None => forget_cookie(KEPT_COVERAGE, "/billing/coverage"),
        });
    }

    pub async fn save(patient_id: String, form: CoverageForm) -> Result<(), AppError> {
        let access = access(Some(patient_id)).await?;
        if !is_staff(&access) {
            return Err(AppError::Forbidden);
        }
        let patient = access.patient_id;
        let pool = crate::state::db()?;
        let plan = match form.plan.trim() {
            "" => None,
            id => Uuid::parse_str(id).ok(),
        };
        let plan_known = match plan {
            Some(id) => db::select_plan(&pool, id).await?.is_some(),
            None => false,
        };
        let (member_id, share) = match check_coverage(&form, plan_known) {
            Ok(v) => v,
            Err(problems) => {
                keep(Some(&form));
                return Err(AppError::Validation(problems));
            }
        };
        let mut tx = pool.begin().await?;
        db::upsert_coverage(
            &mut tx,
            patient,
            plan,
            &member_id,
            &share,
            access.caller.account.account_id,
        )
        .await?;
        crate::audit::record(
            &mut *tx,
            &access.audit("pricing.coverage_save").on("patient", patient),
        )
        .await?;
        tx.commit().await?;
        keep(None);
        leptos_axum::redirect(&format!("/billing/coverage?patient={patient}&saved=1"));
        Ok(())
    }

    fn correction_subject(language: &str) -> &'static str {
        if language == "es" {
            "Corregir mi seguro registrado"
        } else {
            "Please correct my insurance on file"
        }
    }

    pub async fn ask_correction(patient_id: String, note: String) -> Result<(), AppError> {
        let access = access(Some(patient_id)).await?;
        if is_staff(&access) {
            return Err(AppError::Forbidden);
        }
        let patient = access.patient_id;
        let note = note.trim().to_string();
        let problem = if note.is_empty() {
            Some("required")
        } else if note.chars().count() > NOTE_MAX {
            Some("too_long")
        } else {
            None
        };
        if let Some(p) = problem {
            return Err(AppError::Validation(BTreeMap::from([(
                "note".to_string(),
                p.to_string(),
            )])));
        }
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        crate::messaging::server::limit_sending(&mut conn, access.caller.account.account_id)
            .await?;
        let mut tx = pool.begin().await?;
        // Two requests sent at once: the second waits for the first, then finds it open.
        db::lock_patient(&mut *tx, patient).await?;
        if db::select_correction(&mut *tx, patient)
            .await?
            .is_some_and(|(_, _, status)| status != "done")
        {
            return Err(AppError::Validation(BTreeMap::from([(
                "note".to_string(),
                "already_asked".to_string(),
            )])));
        }
        let language = language();
        let body = if language == "es" {
            format!("Por favor, corrijan el seguro que tienen registrado:\n\n{note}")
        } else {
            format!("Please correct the insurance you have on file:\n\n{note}")
        };
        let conversation = crate::messaging::server::open(
            &mut tx,
            &access,
            "billing",
            correction_subject(language),
            &body,
            &[],
        )
        .await?;
        db::insert_correction(&mut *tx, conversation, patient).await?;
        crate::audit::record(
            &mut *tx,
            &access
                .audit("pricing.coverage_correction")
                .on("conversation", conversation),
        )
        .await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!("/billing/coverage?patient={patient}&asked=1"));
        Ok(())
    }

    /// The setting a clinic visit is priced in: outpatient first, then both, then inpatient.
    fn setting_rank(setting: &str) -> u8 {
        match setting {
            "outpatient" => 0,
            "both" => 1,
            _ => 2,
        }
    }

    /// `percent` of `gross` to the nearest cent (half up), with exact decimals.
    fn percent_of(gross: i64, percent: &str) -> Option<i64> {
        let p = Decimal::from_str(percent).ok()?;
        let cents = (Decimal::from(gross) * p / Decimal::from(100))
            .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        cents.to_i64().filter(|c| *c >= 0)
    }

    /// Billing access to the patient named (or acted for), if the caller has it; asked without
    /// auditing a "no".
    pub async fn quiet_access(patient_id: Option<String>) -> Result<Option<Access>, AppError> {
        crate::auth::server::require_user().await?;
        let Ok(patient) = crate::household::acting_patient(patient_id).await else {
            return Ok(None);
        };
        crate::auth::access::access_if_allowed(patient, Scope::Billing).await
    }

    /// What both estimates start from: the patient's identity, the item, and its charges in
    /// the order a clinic visit is priced (outpatient first).
    async fn load_priced(
        conn: &mut sqlx::PgConnection,
        patient: Uuid,
        item: Uuid,
    ) -> Result<
        (
            crate::records::fhir::PatientIdentity,
            db::ItemDetail,
            Vec<ChargeView>,
        ),
        AppError,
    > {
        let who = crate::records::server::identity(conn, patient).await?;
        let detail = db::select_item(conn, language(), item)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut charges = detail.charges.clone();
        charges.sort_by_key(|c| setting_rank(&c.setting));
        Ok((who, detail, charges))
    }

    pub async fn estimate_for(
        access: &Access,
        item: Uuid,
        action: &'static str,
    ) -> Result<PersonalEstimate, AppError> {
        let patient = access.patient_id;
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let (who, detail, charges) = load_priced(&mut conn, patient, item).await?;
        let coverage = db::select_coverage(&mut *conn, patient).await?;
        let cash = charges.iter().find_map(|c| c.cash);
        let office = detail
            .codes
            .split(", ")
            .filter_map(|c| c.strip_prefix("CPT "))
            .any(is_office_visit);
        let kind = match coverage {
            Some(c) if c.plan_id.is_some() => {
                let plan = plan_label(c.payer, c.plan, c.plan_id).ok_or(AppError::Internal)?;
                // The plan's dollar rate, or its percentage of the same charge's gross.
                let rate = charges.iter().find_map(|charge| {
                    charge
                        .rates
                        .iter()
                        .filter(|r| r.plan_id == plan.id)
                        .find_map(|r| match (r.dollar, &r.percentage, charge.gross) {
                            (Some(d), _, _) => Some((d, None)),
                            (None, Some(p), Some(g)) => {
                                percent_of(g, p).map(|d| (d, Some(p.clone())))
                            }
                            _ => None,
                        })
                });
                match rate {
                    Some((allowed, percent_of_charges)) => EstimateKind::Plan {
                        split: split(allowed, &c.share, office),
                        share: c.share,
                        office,
                        percent_of_charges,
                        plan,
                    },
                    None => EstimateKind::NoRate { plan, cash },
                }
            }
            Some(_) => EstimateKind::SelfPay {
                cash,
                on_file: true,
            },
            None => EstimateKind::SelfPay {
                cash,
                on_file: false,
            },
        };
        crate::audit::record(&mut *conn, &access.audit(action).on("price_item", item)).await?;
        Ok(PersonalEstimate {
            patient_id: patient.to_string(),
            patient_name: crate::records::server::name(&who),
            item_id: item.to_string(),
            item_name: detail.name,
            codes: detail.codes,
            kind,
        })
    }

    pub async fn estimate(
        item_id: String,
        patient_id: Option<String>,
    ) -> Result<PersonalEstimate, AppError> {
        let access = access(patient_id).await?;
        let item = Uuid::parse_str(item_id.trim()).map_err(|_| AppError::NotFound)?;
        estimate_for(&access, item, "pricing.estimate").await
    }

    pub async fn estimate_visit(
        visit_type: String,
        patient_id: Option<String>,
    ) -> Result<Option<PersonalEstimate>, AppError> {
        let access = access(patient_id).await?;
        visit_estimate_for(&access, &visit_type).await
    }

    pub async fn visit_estimate_for(
        access: &Access,
        visit_type: &str,
    ) -> Result<Option<PersonalEstimate>, AppError> {
        let pool = crate::state::db()?;
        let Some(item) = db::select_visit_item(&pool, visit_type.trim()).await? else {
            return Ok(None);
        };
        estimate_for(access, item, "pricing.estimate_visit")
            .await
            .map(Some)
    }

    pub async fn good_faith(
        item_id: String,
        patient_id: Option<String>,
    ) -> Result<GoodFaithView, AppError> {
        let access = access(patient_id).await?;
        let patient = access.patient_id;
        let item = Uuid::parse_str(item_id.trim()).map_err(|_| AppError::NotFound)?;
        let language = language();
        let pool = crate::state::db()?;
        let mut conn = pool.acquire().await?;
        let (who, detail, charges) = load_priced(&mut conn, patient, item).await?;
        let file = db::select_file(&mut *conn)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut lines = vec![GoodFaithLine {
            name: detail.name.clone(),
            codes: detail.codes.clone(),
            cash: charges.iter().find_map(|c| c.cash),
        }];
        if detail.shoppable {
            for a in db::select_ancillaries(&mut conn, language, item).await? {
                lines.push(GoodFaithLine {
                    name: a.name,
                    codes: a.codes,
                    cash: a.cash,
                });
            }
        }
        let total = lines.iter().filter_map(|l| l.cash).sum();
        let unpriced = lines.iter().filter(|l| l.cash.is_none()).count();
        crate::audit::record(
            &mut *conn,
            &access.audit("pricing.good_faith").on("price_item", item),
        )
        .await?;
        let born = who.birth_date;
        Ok(GoodFaithView {
            patient_id: patient.to_string(),
            patient_name: crate::records::server::name(&who),
            birth_date: crate::records::server::day(
                language,
                born.and_hms_opt(12, 0, 0).map(|t| t.and_utc()),
            ),
            item_id: item.to_string(),
            lines,
            total,
            unpriced,
            hospital: file.hospital_name,
            addresses: file.addresses,
            issued: crate::records::server::day(language, Some(chrono::Utc::now())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(plan: &str, deductible: &str, met: &str, oop: &str, oop_met: &str) -> CoverageForm {
        CoverageForm {
            plan: plan.into(),
            member_id: "XJ-1".into(),
            deductible: deductible.into(),
            deductible_met: met.into(),
            coinsurance: "20".into(),
            copay: "30".into(),
            oop_max: oop.into(),
            oop_met: oop_met.into(),
        }
    }

    #[test]
    fn a_plan_needs_consistent_figures() {
        let (_, share) =
            check_coverage(&form("p", "1,500", "400", "5000", "650"), true).expect("valid");
        assert_eq!(
            (share.deductible, share.coinsurance_bp, share.copay),
            (150_000, 2000, 3_000)
        );
        let problems =
            check_coverage(&form("p", "1500", "1600", "1000", "2000"), true).expect_err("invalid");
        assert_eq!(
            problems.get("deductible_met").map(String::as_str),
            Some("more_than_deductible")
        );
        assert_eq!(
            problems.get("oop_met").map(String::as_str),
            Some("more_than_max")
        );
        assert_eq!(
            problems.get("deductible").map(String::as_str),
            Some("more_than_max")
        );
        let problems = check_coverage(&form("p", "abc", "", "", ""), false).expect_err("invalid");
        assert_eq!(problems.get("plan").map(String::as_str), Some("unknown"));
        assert_eq!(
            problems.get("deductible").map(String::as_str),
            Some("not_money")
        );
        assert_eq!(
            problems.get("oop_max").map(String::as_str),
            Some("required")
        );
    }

    #[test]
    fn self_pay_ignores_the_plan_figures() {
        let (_, share) = check_coverage(&form("", "abc", "", "", ""), false).expect("valid");
        assert_eq!(share.oop_max, 0);
    }
}
