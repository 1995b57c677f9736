//! Administrators correct published figures in the portal: a charge's gross charge, discounted
//! cash price and lowest and highest negotiated amounts, and a payer plan's negotiated dollar
//! amount or percentage. The same rules as an import hold after every edit (CMS template v3.0):
//! a charge keeps a gross charge, a cash price or a payer's rate; the lowest and highest come
//! together, lowest first, and are required once any payer has a dollar amount; a rate keeps a
//! dollar amount, a percentage or an algorithm, and a percentage needs the claims count that
//! only an import carries. Each changed figure is kept with its value before and after in
//! `price_figure_edit` (which outlives imports), and the machine-readable file is dated today.
//! The next import replaces the figures with the file's: the hospital's chargemaster stays the
//! source, and the portal mends between files.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The cookie keeping a refused figure form's values for the page.
#[cfg(feature = "ssr")]
pub const KEPT_FIGURES: &str = "kept_price_figures";

/// A figure form as typed: the charge's or rate's id and each field's text.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FigureForm {
    pub id: String,
    pub values: BTreeMap<String, String>,
}

impl FigureForm {
    pub fn get(&self, field: &str) -> Option<String> {
        self.values.get(field).cloned()
    }
}

/// A charge's figures after a valid edit, in cents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChargeAmounts {
    pub gross: Option<i64>,
    pub cash: Option<i64>,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

type Problems = BTreeMap<String, String>;

/// An optional amount: empty is none; otherwise dollars and cents above zero.
fn amount(problems: &mut Problems, field: &str, text: &str) -> Option<i64> {
    if text.trim().is_empty() {
        return None;
    }
    match super::money::parse_cents(text) {
        Ok(c) => Some(c),
        Err(p) => {
            problems.insert(field.into(), p.as_str().into());
            None
        }
    }
}

/// Checks a charge's figures. `dollars` are its payers' dollar amounts, `rates` how many rates
/// it has in all.
pub fn check_charge(
    gross: &str,
    cash: &str,
    min: &str,
    max: &str,
    dollars: &[i64],
    rates: usize,
) -> Result<ChargeAmounts, Problems> {
    let mut problems = Problems::new();
    let a = ChargeAmounts {
        gross: amount(&mut problems, "gross", gross),
        cash: amount(&mut problems, "cash", cash),
        min: amount(&mut problems, "min", min),
        max: amount(&mut problems, "max", max),
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    match (a.min, a.max) {
        (Some(lo), Some(hi)) if lo > hi => {
            problems.insert("max".into(), "min_above_max".into());
        }
        (Some(_), None) => {
            problems.insert("max".into(), "min_max_both".into());
        }
        (None, Some(_)) => {
            problems.insert("min".into(), "min_max_both".into());
        }
        (None, None) if !dollars.is_empty() => {
            problems.insert("min".into(), "min_max_required".into());
        }
        _ => {}
    }
    if a.gross.is_none() && a.cash.is_none() && rates == 0 {
        problems.insert("gross".into(), "one_charge".into());
    }
    if problems.is_empty() {
        Ok(a)
    } else {
        Err(problems)
    }
}

/// Checks a rate's dollar amount and percentage (a number above 0 and at most 1,000, as
/// contracts write "80" or "125.5"). Returns the amount in cents and the percentage as typed,
/// normalised ("80.0" → "80").
pub fn check_rate(
    dollar: &str,
    percentage: &str,
    has_algorithm: bool,
    has_count: bool,
) -> Result<(Option<i64>, Option<String>), Problems> {
    let mut problems = Problems::new();
    let dollar = amount(&mut problems, "dollar", dollar);
    let p = percentage.trim().trim_end_matches('%').trim();
    let percentage = if p.is_empty() {
        None
    } else {
        match parse_percentage(p) {
            Some(p) => Some(p),
            None => {
                problems.insert("percentage".into(), "not_percentage".into());
                None
            }
        }
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    if dollar.is_none() && percentage.is_none() && !has_algorithm {
        problems.insert("dollar".into(), "no_rate".into());
    } else if percentage.is_some() && !has_count {
        problems.insert("percentage".into(), "count_required".into());
    }
    if problems.is_empty() {
        Ok((dollar, percentage))
    } else {
        Err(problems)
    }
}

/// "80", "62.5", "125.25": digits with at most four decimals, above 0 and at most 1,000.
fn parse_percentage(text: &str) -> Option<String> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
        || whole.len() > 4
    {
        return None;
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > 4 {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    let whole_n: u32 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let above_zero = whole_n > 0 || !fraction.is_empty();
    if !above_zero || whole_n > 1000 || whole_n == 1000 && !fraction.is_empty() {
        return None;
    }
    let whole = if whole.is_empty() { "0" } else { whole };
    Some(if fraction.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{fraction}")
    })
}

/// Corrects a charge's gross charge, cash price and lowest and highest negotiated amounts
/// (dollars; empty for none), keeping each changed figure in the item's history.
/// Administrators only. Audited.
#[server]
pub async fn save_price_charge(
    item_id: String,
    charge_id: String,
    gross: Option<String>,
    cash: Option<String>,
    min: Option<String>,
    max: Option<String>,
) -> Result<(), AppError> {
    let form = FigureForm {
        id: charge_id,
        values: [("gross", gross), ("cash", cash), ("min", min), ("max", max)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.unwrap_or_default()))
            .collect(),
    };
    crate::error::with_status(server::save_charge(item_id, form).await)
}

/// Corrects a payer plan's negotiated dollar amount and percentage for one charge (empty for
/// none), keeping each changed figure in the item's history. Administrators only. Audited.
#[server]
pub async fn save_price_rate(
    item_id: String,
    rate_id: String,
    dollar: Option<String>,
    percentage: Option<String>,
) -> Result<(), AppError> {
    let form = FigureForm {
        id: rate_id,
        values: [("dollar", dollar), ("percentage", percentage)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.unwrap_or_default()))
            .collect(),
    };
    crate::error::with_status(server::save_rate(item_id, form).await)
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::super::db;
    use super::*;
    use crate::audit::{AuditEvent, Outcome};
    use crate::auth::account::Role;
    use rust_decimal::Decimal;
    use std::str::FromStr;
    use uuid::Uuid;

    fn id(text: &str) -> Result<Uuid, AppError> {
        Uuid::parse_str(text.trim()).map_err(|_| AppError::NotFound)
    }

    /// The form's charge or rate is no longer the item's: an import replaced it meanwhile.
    fn gone() -> AppError {
        AppError::Validation([("form".to_string(), "gone".to_string())].into())
    }

    fn keep(item: Uuid, form: Option<&FigureForm>) {
        use crate::forms::{forget_cookie, remember_cookie};
        let path = format!("/admin/prices/items/{item}");
        crate::auth::server::set_cookie(&match form {
            Some(f) => remember_cookie(KEPT_FIGURES, &path, f),
            None => forget_cookie(KEPT_FIGURES, &path),
        });
    }

    fn cents(c: Option<i64>) -> Option<Decimal> {
        c.map(Decimal::from)
    }

    async fn audit(
        conn: &mut sqlx::PgConnection,
        action: &'static str,
        account: Uuid,
        item: Uuid,
    ) -> Result<(), AppError> {
        let client = crate::auth::server::current_client();
        crate::audit::record(
            conn,
            &AuditEvent::new(action, Outcome::Success)
                .by(account)
                .on("price_item", item)
                .from_client(client.ip, client.user_agent.as_deref()),
        )
        .await?;
        Ok(())
    }

    type Tx = sqlx::Transaction<'static, sqlx::Postgres>;

    /// Who edits (an administrator's account), the item, the charge or rate the form names, and
    /// a transaction holding the item's lock: two edits, or an edit and an import, take turns.
    async fn begin(item_id: &str, form: &FigureForm) -> Result<(Uuid, Uuid, Uuid, Tx), AppError> {
        let caller = crate::auth::server::require_role(Role::Administrator).await?;
        let item = id(item_id)?;
        let target = id(&form.id).map_err(|_| gone())?;
        let mut tx = crate::state::db()?.begin().await?;
        if !db::lock_item(&mut *tx, item).await? {
            return Err(AppError::NotFound);
        }
        Ok((caller.account.account_id, item, target, tx))
    }

    pub async fn save_charge(item_id: String, form: FigureForm) -> Result<(), AppError> {
        let (account, item, charge, mut tx) = begin(&item_id, &form).await?;
        let Some(before) = db::lock_charge(&mut tx, item, charge).await? else {
            return Err(gone());
        };
        let field = |k: &str| form.get(k).unwrap_or_default();
        let after = match check_charge(
            &field("gross"),
            &field("cash"),
            &field("min"),
            &field("max"),
            &before.dollars,
            before.rates as usize,
        ) {
            Ok(a) => a,
            Err(problems) => {
                keep(item, Some(&form));
                return Err(AppError::Validation(problems));
            }
        };
        db::update_charge(
            &mut *tx,
            charge,
            after.gross,
            after.cash,
            after.min,
            after.max,
        )
        .await?;
        db::insert_figure_edits(
            &mut tx,
            &db::FigureSubject {
                item,
                setting: &before.setting,
                modifiers: &before.modifiers,
                plan: None,
            },
            account,
            &[
                ("gross", cents(before.gross), cents(after.gross)),
                ("cash", cents(before.cash), cents(after.cash)),
                ("min", cents(before.min), cents(after.min)),
                ("max", cents(before.max), cents(after.max)),
            ],
        )
        .await?;
        audit(&mut tx, "prices.charge_edit", account, item).await?;
        tx.commit().await?;
        keep(item, None);
        leptos_axum::redirect(&format!("/admin/prices/items/{item}?figures=1#charges"));
        Ok(())
    }

    pub async fn save_rate(item_id: String, form: FigureForm) -> Result<(), AppError> {
        let (account, item, rate, mut tx) = begin(&item_id, &form).await?;
        let Some(before) = db::lock_rate(&mut tx, item, rate).await? else {
            return Err(gone());
        };
        let field = |k: &str| form.get(k).unwrap_or_default();
        let (dollar, percentage) = match check_rate(
            &field("dollar"),
            &field("percentage"),
            before.has_algorithm,
            before.has_count,
        ) {
            Ok(r) => r,
            Err(problems) => {
                keep(item, Some(&form));
                return Err(AppError::Validation(problems));
            }
        };
        let percentage = percentage
            .map(|p| Decimal::from_str(&p).map_err(|_| AppError::Internal))
            .transpose()?;
        let Some(charge) = db::lock_charge(&mut tx, item, before.charge).await? else {
            return Err(gone());
        };
        db::update_rate(&mut *tx, rate, dollar, percentage).await?;
        let subject = |plan| db::FigureSubject {
            item,
            setting: &charge.setting,
            modifiers: &charge.modifiers,
            plan,
        };
        db::insert_figure_edits(
            &mut tx,
            &subject(Some(before.plan)),
            account,
            &[
                ("dollar", cents(before.dollar), cents(dollar)),
                (
                    "percentage",
                    before.percentage.map(|p| p.normalize()),
                    percentage.map(|p| p.normalize()),
                ),
            ],
        )
        .await?;
        // The template requires the lowest and highest negotiated amounts once any payer has a
        // dollar amount; the first one sets both, as an import would.
        if let (Some(d), None, None) = (dollar, charge.min, charge.max) {
            db::update_charge(
                &mut *tx,
                before.charge,
                charge.gross,
                charge.cash,
                Some(d),
                Some(d),
            )
            .await?;
            db::insert_figure_edits(
                &mut tx,
                &subject(None),
                account,
                &[("min", None, cents(Some(d))), ("max", None, cents(Some(d)))],
            )
            .await?;
        }
        audit(&mut tx, "prices.rate_edit", account, item).await?;
        tx.commit().await?;
        keep(item, None);
        leptos_axum::redirect(&format!("/admin/prices/items/{item}?figures=1#charges"));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_charge_keeps_the_templates_rules() {
        let ok = check_charge("1,200", "$950.50", "800", "1100", &[90_000], 1).expect("valid");
        assert_eq!(
            ok,
            ChargeAmounts {
                gross: Some(120_000),
                cash: Some(95_050),
                min: Some(80_000),
                max: Some(110_000)
            }
        );
        // Everything blank but a payer's percentage rate: still a standard charge.
        assert_eq!(
            check_charge("", "", "", "", &[], 1),
            Ok(ChargeAmounts::default())
        );
        let p = |r: Result<ChargeAmounts, Problems>| r.expect_err("refused");
        let e = p(check_charge("12.5x", "0", "1.005", "", &[], 0));
        assert_eq!(e.get("gross").map(String::as_str), Some("not_money"));
        assert_eq!(e.get("cash").map(String::as_str), Some("not_positive"));
        assert_eq!(e.get("min").map(String::as_str), Some("sub_cent"));
        let e = p(check_charge("10", "", "900", "800", &[], 0));
        assert_eq!(e.get("max").map(String::as_str), Some("min_above_max"));
        let e = p(check_charge("10", "", "", "800", &[], 0));
        assert_eq!(e.get("min").map(String::as_str), Some("min_max_both"));
        let e = p(check_charge("10", "", "", "", &[500], 1));
        assert_eq!(e.get("min").map(String::as_str), Some("min_max_required"));
        let e = p(check_charge("", "", "", "", &[], 0));
        assert_eq!(e.get("gross").map(String::as_str), Some("one_charge"));
    }

    #[test]
    fn a_rate_keeps_an_amount_and_a_percentage_needs_its_count() {
        assert_eq!(
            check_rate("1,464", "", false, false),
            Ok((Some(146_400), None))
        );
        assert_eq!(
            check_rate("", "62.50%", false, true),
            Ok((None, Some("62.5".into())))
        );
        assert_eq!(check_rate("", "", true, true), Ok((None, None)));
        let e = check_rate("", "", false, true).expect_err("nothing left");
        assert_eq!(e.get("dollar").map(String::as_str), Some("no_rate"));
        let e = check_rate("100", "80", false, false).expect_err("no count");
        assert_eq!(
            e.get("percentage").map(String::as_str),
            Some("count_required")
        );
        for bad in ["0", "1000.5", "abc", "1e2", "12.34567", "-5", "."] {
            let e = check_rate("", bad, false, true).expect_err(bad);
            assert_eq!(
                e.get("percentage").map(String::as_str),
                Some("not_percentage"),
                "{bad}"
            );
        }
        assert_eq!(
            check_rate("", "1000", false, true),
            Ok((None, Some("1000".into())))
        );
        assert_eq!(
            check_rate("", "0.5", false, true),
            Ok((None, Some("0.5".into())))
        );
    }
}
