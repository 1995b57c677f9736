//! A patient's own estimate: what their plan pays for a service and what they pay, from the
//! plan's negotiated rate and the coverage on file. Pure arithmetic on integer cents, so it is
//! exact and property-tested; the pages turn its steps into plain words.
//!
//! The order is the one the issue (and most plan documents) give: the deductible is paid first;
//! what is left is shared by a copay (an office visit, when the plan has one) or by
//! coinsurance; and the patient never pays beyond what is left of the out-of-pocket maximum.

use serde::{Deserialize, Serialize};

/// Coverage figures the arithmetic needs, in cents (coinsurance in basis points: 20% = 2000).
/// The default, all zero, is self-pay's (nothing shared).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostShare {
    pub deductible: i64,
    pub deductible_met: i64,
    pub coinsurance_bp: i32,
    pub copay: i64,
    pub oop_max: i64,
    pub oop_met: i64,
}

impl CostShare {
    pub fn deductible_left(&self) -> i64 {
        (self.deductible - self.deductible_met).max(0)
    }

    pub fn oop_left(&self) -> i64 {
        (self.oop_max - self.oop_met).max(0)
    }
}

/// The estimate, step by step. `patient + plan == allowed` always.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    /// The plan's rate for the service: what the visit costs in all.
    pub allowed: i64,
    /// Paid toward the deductible.
    pub deductible: i64,
    /// The copay, when one applies instead of coinsurance.
    pub copay: i64,
    /// The coinsurance share of what is left after the deductible.
    pub coinsurance: i64,
    /// How much the out-of-pocket maximum took off the sum of the three above.
    pub capped: i64,
    /// What the patient pays.
    pub patient: i64,
    /// What the plan pays.
    pub plan: i64,
}

/// `amount × bp / 10,000`, rounded to the nearest cent (half a cent up).
pub fn share_of(amount: i64, bp: i32) -> i64 {
    let bp = i128::from(bp.clamp(0, 10_000));
    let product = i128::from(amount.max(0)) * bp;
    let cents = (product + 5_000) / 10_000;
    i64::try_from(cents).unwrap_or(i64::MAX)
}

/// Splits `allowed` between patient and plan. `copay_applies` says the service is one the plan
/// charges a copay for (an office visit) and the plan has one.
pub fn split(allowed: i64, share: &CostShare, copay_applies: bool) -> Split {
    let allowed = allowed.max(0);
    let deductible = allowed.min(share.deductible_left());
    let rest = allowed - deductible;
    let (copay, coinsurance) = if copay_applies && share.copay > 0 {
        (rest.min(share.copay), 0)
    } else {
        (0, share_of(rest, share.coinsurance_bp).min(rest))
    };
    let owed = deductible + copay + coinsurance;
    let patient = owed.min(share.oop_left());
    Split {
        allowed,
        deductible,
        copay,
        coinsurance,
        capped: owed - patient,
        patient,
        plan: allowed - patient,
    }
}

/// Office visits (CPT evaluation and management, office and preventive) take the plan's copay;
/// everything else takes coinsurance.
pub fn is_office_visit(code: &str) -> bool {
    match code.trim().parse::<u32>() {
        Ok(n) => (99202..=99215).contains(&n) || (99381..=99397).contains(&n),
        Err(_) => false,
    }
}

/// Coinsurance as people type it ("20", "20%", "12.5") in basis points.
pub fn parse_percent_bp(text: &str) -> Option<i32> {
    let t = text.trim().trim_end_matches('%').trim().replace(',', ".");
    if t.is_empty() {
        return Some(0);
    }
    let (whole, fraction) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
        || whole.len() > 3
    {
        return None;
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > 2 {
        return None;
    }
    let whole: i32 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let fraction: i32 = format!("{fraction:0<2}").parse().ok()?;
    let bp = whole * 100 + fraction;
    (0..=10_000).contains(&bp).then_some(bp)
}

/// Basis points as a percentage for a form or a page: 2000 → "20", 1250 → "12.5".
pub fn percent_text(bp: i32) -> String {
    let whole = bp / 100;
    let fraction = bp % 100;
    if fraction == 0 {
        whole.to_string()
    } else if fraction % 10 == 0 {
        format!("{whole}.{}", fraction / 10)
    } else {
        format!("{whole}.{fraction:02}")
    }
}

/// An amount as the coverage form takes it: empty or "0" is zero; otherwise as the catalogue's
/// money ("1,500", "$30.00"), never negative, never a fraction of a cent.
pub fn parse_amount(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() {
        return Some(0);
    }
    match super::money::parse_cents(t) {
        Ok(cents) => Some(cents),
        Err(super::money::MoneyProblem::NotPositive) if !t.contains('-') => Some(0),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn share(deductible: i64, met: i64, bp: i32, copay: i64, oop: i64, oop_met: i64) -> CostShare {
        CostShare {
            deductible,
            deductible_met: met,
            coinsurance_bp: bp,
            copay,
            oop_max: oop,
            oop_met,
        }
    }

    #[test]
    fn the_deductible_comes_first_then_coinsurance() {
        // $1,500 deductible with $400 met, 20% after: a $1,800 MRI is $1,100 toward the
        // deductible and 20% of the remaining $700.
        let s = split(
            180_000,
            &share(150_000, 40_000, 2000, 3_000, 500_000, 65_000),
            false,
        );
        assert_eq!((s.deductible, s.coinsurance, s.copay), (110_000, 14_000, 0));
        assert_eq!((s.patient, s.plan), (124_000, 56_000));
    }

    #[test]
    fn an_office_visit_takes_the_copay_after_the_deductible() {
        let met = share(150_000, 150_000, 2000, 3_000, 500_000, 65_000);
        let s = split(14_500, &met, true);
        assert_eq!(
            (s.deductible, s.copay, s.coinsurance, s.patient),
            (0, 3_000, 0, 3_000)
        );
        // A copay larger than what is left is only what is left.
        let s = split(2_000, &met, true);
        assert_eq!((s.copay, s.patient, s.plan), (2_000, 2_000, 0));
    }

    #[test]
    fn the_out_of_pocket_maximum_caps_what_the_patient_pays() {
        let s = split(
            900_000,
            &share(150_000, 0, 3000, 0, 200_000, 180_000),
            false,
        );
        assert_eq!(s.patient, 20_000);
        assert_eq!(s.capped, 150_000 + 225_000 - 20_000);
        assert_eq!(s.plan, 880_000);
    }

    #[test]
    fn coinsurance_is_rounded_to_the_nearest_cent() {
        assert_eq!(share_of(1_001, 1250), 125); // 125.125 cents
        assert_eq!(share_of(1_004, 1250), 126); // 125.5 cents, half up
        assert_eq!(share_of(0, 2000), 0);
    }

    #[test]
    fn office_visits_are_told_by_their_codes() {
        assert!(is_office_visit("99213"));
        assert!(is_office_visit("99385"));
        assert!(!is_office_visit("99283"));
        assert!(!is_office_visit("70551"));
        assert!(!is_office_visit("J1100"));
    }

    #[test]
    fn percentages_and_amounts_are_read_as_people_type_them() {
        assert_eq!(parse_percent_bp("20"), Some(2000));
        assert_eq!(parse_percent_bp("20 %"), Some(2000));
        assert_eq!(parse_percent_bp("12,5"), Some(1250));
        assert_eq!(parse_percent_bp(""), Some(0));
        assert_eq!(parse_percent_bp("100"), Some(10_000));
        assert_eq!(parse_percent_bp("101"), None);
        assert_eq!(parse_percent_bp("12.345"), None);
        assert_eq!(parse_percent_bp("-5"), None);
        assert_eq!(percent_text(2000), "20");
        assert_eq!(percent_text(1250), "12.5");
        assert_eq!(percent_text(1205), "12.05");
        assert_eq!(parse_amount("1,500"), Some(150_000));
        assert_eq!(parse_amount("$0"), Some(0));
        assert_eq!(parse_amount(""), Some(0));
        assert_eq!(parse_amount("-5"), None);
        assert_eq!(parse_amount("1.005"), None);
        assert_eq!(parse_amount("ten"), None);
    }

    fn any_share() -> impl Strategy<Value = CostShare> {
        (
            0i64..1_000_000,
            0i64..1_000_000,
            0i32..=10_000,
            0i64..20_000,
            0i64..2_000_000,
        )
            .prop_flat_map(|(deductible, met, bp, copay, oop)| {
                (
                    Just((deductible, met.min(deductible), bp, copay, oop)),
                    0..=oop.max(0),
                )
            })
            .prop_map(|((deductible, met, bp, copay, oop), oop_met)| CostShare {
                deductible,
                deductible_met: met,
                coinsurance_bp: bp,
                copay,
                oop_max: oop,
                oop_met,
            })
    }

    proptest! {
        #[test]
        fn an_estimate_is_never_negative_nor_more_than_the_rate_nor_the_out_of_pocket_left(
            allowed in 0i64..5_000_000, share in any_share(), office in any::<bool>()
        ) {
            let s = split(allowed, &share, office);
            prop_assert!(s.patient >= 0 && s.plan >= 0);
            prop_assert!(s.patient <= allowed);
            prop_assert!(s.patient <= share.oop_left());
            // Exact to the cent: the two halves add up to the rate.
            prop_assert_eq!(s.patient + s.plan, allowed);
            prop_assert_eq!(s.deductible + s.copay + s.coinsurance - s.capped, s.patient);
        }

        #[test]
        fn the_deductible_is_applied_before_any_coinsurance_or_copay(
            allowed in 0i64..5_000_000, share in any_share(), office in any::<bool>()
        ) {
            let s = split(allowed, &share, office);
            // Nothing is shared until the deductible is used up.
            if s.copay > 0 || s.coinsurance > 0 {
                prop_assert_eq!(s.deductible, share.deductible_left());
            }
            prop_assert_eq!(s.deductible, allowed.min(share.deductible_left()));
        }

        #[test]
        fn paying_more_toward_the_deductible_never_raises_the_estimate(
            allowed in 0i64..5_000_000, share in any_share(), more in 0i64..1_000_000
        ) {
            let before = split(allowed, &share, false);
            let later = CostShare {
                deductible_met: (share.deductible_met + more).min(share.deductible),
                ..share
            };
            prop_assert!(split(allowed, &later, false).patient <= before.patient);
        }
    }
}
