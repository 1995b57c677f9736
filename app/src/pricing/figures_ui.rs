//! The item editor's "Charges and negotiated rates" section: one plain form per charge, and a
//! payer's rate opened for correction with `?rate=<id>` (so it works without JavaScript and a
//! long list of payers stays a table, not a hundred forms).

use super::domain::{ChargeView, RateView};
#[cfg(feature = "ssr")]
use super::figures::KEPT_FIGURES;
use super::figures::{FigureForm, SavePriceCharge, SavePriceRate};
use super::money::format_usd;
use super::ui::{methodology_name, rate_text, setting_name};
use crate::error::AppError;
use crate::i18n::td_string;
use crate::locale::Locale;
use leptos::prelude::*;
use server_fn::ServerFn;
use std::collections::BTreeMap;

pub(super) fn figure_name(l: Locale, figure: &str) -> &'static str {
    match figure {
        "gross" => td_string!(l, fig_gross),
        "cash" => td_string!(l, fig_cash),
        "min" => td_string!(l, fig_min),
        "max" => td_string!(l, fig_max),
        "dollar" => td_string!(l, fig_dollar),
        _ => td_string!(l, fig_percentage),
    }
}

fn problem(l: Locale, code: &str) -> &'static str {
    match code {
        "not_money" => td_string!(l, cv_err_money),
        "sub_cent" => td_string!(l, fig_err_sub_cent),
        "not_positive" => td_string!(l, fig_err_not_positive),
        "too_large" => td_string!(l, fig_err_too_large),
        "min_above_max" => td_string!(l, fig_err_min_above_max),
        "min_max_both" => td_string!(l, fig_err_min_max_both),
        "min_max_required" => td_string!(l, fig_err_min_max_required),
        "one_charge" => td_string!(l, fig_err_one_charge),
        "no_rate" => td_string!(l, fig_err_no_rate),
        "count_required" => td_string!(l, fig_err_count_required),
        "not_percentage" => td_string!(l, fig_err_not_percentage),
        _ => td_string!(l, fig_err_gone),
    }
}

/// An amount as the form shows it: "1,200.00" (the form reads it back exactly).
fn amount(cents: Option<i64>) -> String {
    cents
        .map(|c| format_usd(c).trim_start_matches('$').to_string())
        .unwrap_or_default()
}

/// A setting with its modifiers: "Outpatient (modifiers 50)".
fn charge_title(l: Locale, setting: &str, modifiers: &str) -> String {
    let name = setting_name(l, setting);
    if modifiers.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({} {modifiers})", td_string!(l, fig_modifiers))
    }
}

/// What a figure form shows: the typed values after a refusal, or the stored ones.
struct Shown {
    values: BTreeMap<String, String>,
    problems: BTreeMap<String, String>,
}

impl Shown {
    fn new(
        kept: Option<&(FigureForm, BTreeMap<String, String>)>,
        id: &str,
        stored: &[(&str, String)],
    ) -> Self {
        match kept.filter(|(f, _)| f.id == id) {
            Some((f, problems)) => Shown {
                values: f.values.clone(),
                problems: problems.clone(),
            },
            None => Shown {
                values: stored
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
                problems: BTreeMap::new(),
            },
        }
    }
}

/// One amount field of a figure form, with its error.
#[component]
fn FigureField(
    prefix: String,
    name: &'static str,
    shown: &'static str,
    value: String,
    error: Option<&'static str>,
) -> impl IntoView {
    let id = format!("{prefix}-{name}");
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:field--invalid=error.is_some()>
            <label for=id.clone()>{shown}</label>
            {error.map(|e| view! { <p class="field__error" id=error_id.clone()>{e}</p> })}
            <input id=id name=name type="text" inputmode="decimal" autocomplete="off" maxlength="24" value=value
                aria-invalid=error.map(|_| "true")
                aria-describedby=error.map(|_| error_id.clone()) />
        </div>
    }
}

/// The rate opened for correction, below its charge's table.
#[component]
fn RateForm(
    l: Locale,
    item_id: String,
    rate: RateView,
    shown: Shown,
    anchor: String,
) -> impl IntoView {
    let label = format!("{} · {}", rate.payer, rate.plan);
    let err = |k: &str| shown.problems.get(k).map(|c| problem(l, c));
    let value = |k: &str| shown.values.get(k).cloned().unwrap_or_default();
    let prefix = format!("rate-{}", rate.id);
    view! {
        <form class="form figure-form" id="rate-form" method="post" action={<SavePriceRate as ServerFn>::PATH}
            aria-labelledby="rate-form-title">
            <h4 id="rate-form-title">{td_string!(l, fig_rate_form)} " " {label}</h4>
            <input type="hidden" name="item_id" value=item_id />
            <input type="hidden" name="rate_id" value=rate.id.clone() />
            <div class="figure-form__fields">
                <FigureField prefix=prefix.clone() name="dollar" shown=td_string!(l, fig_dollar) value=value("dollar") error=err("dollar") />
                <FigureField prefix=prefix.clone() name="percentage" shown=td_string!(l, fig_percentage) value=value("percentage") error=err("percentage") />
            </div>
            {rate.algorithm.clone().map(|a| view! {
                <p class="muted">{td_string!(l, fig_algorithm)} " " {a}</p>
            })}
            <p class="muted">{td_string!(l, pr_method)} ": " {methodology_name(l, &rate.methodology)}</p>
            <div class="actions">
                <button class="button" type="submit">{td_string!(l, fig_save_rate)}</button>
                <a href=anchor>{td_string!(l, fig_cancel)}</a>
            </div>
        </form>
    }
}

/// The editor's charges and rates.
#[component]
pub fn ChargeFigures(item_id: String, charges: Vec<ChargeView>, l: Locale) -> impl IntoView {
    let query = leptos_router::hooks::use_query_map().get_untracked();
    let saved = query.get("figures").is_some();
    let opened = query.get("rate");
    let error = crate::shell::action_error::<SavePriceCharge>()
        .or_else(crate::shell::action_error::<SavePriceRate>);
    let problems = match &error {
        Some(AppError::Validation(p)) => p.clone(),
        _ => BTreeMap::new(),
    };
    let gone = problems.contains_key("form");
    let other_error = error
        .as_ref()
        .is_some_and(|e| !matches!(e, AppError::Validation(_)));
    #[cfg(feature = "ssr")]
    let kept: Option<(FigureForm, BTreeMap<String, String>)> = (!problems.is_empty() && !gone)
        .then(|| crate::forms::recall::<FigureForm>(KEPT_FIGURES))
        .flatten()
        .map(|f| (f, problems.clone()));
    #[cfg(not(feature = "ssr"))]
    let kept: Option<(FigureForm, BTreeMap<String, String>)> = None;
    let base = format!("/admin/prices/items/{item_id}");
    view! {
        <section class="record-section" id="charges" aria-labelledby="fig-title">
            <h2 id="fig-title">{td_string!(l, fig_title)}</h2>
            <p class="muted">{td_string!(l, fig_hint)}</p>
            {saved.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, fig_saved)}</p> })}
            {gone.then(|| view! { <p class="notice notice--error" role="alert">{td_string!(l, fig_err_gone)}</p> })}
            {(!problems.is_empty() && !gone).then(|| view! { <p class="notice notice--error" role="alert">{td_string!(l, cv_check)}</p> })}
            {other_error.then(|| view! { <p class="notice notice--error" role="alert">{td_string!(l, try_later)}</p> })}
            {charges.is_empty().then(|| view! { <p class="empty">{td_string!(l, fig_no_charges)}</p> })}
            {charges.into_iter().enumerate().map(|(n, c)| {
                let title_id = format!("charge-{n}");
                let shown = Shown::new(kept.as_ref(), &c.id, &[
                    ("gross", amount(c.gross)), ("cash", amount(c.cash)),
                    ("min", amount(c.min)), ("max", amount(c.max)),
                ]);
                let err = |k: &str| shown.problems.get(k).map(|code| problem(l, code));
                let value = |k: &str| shown.values.get(k).cloned().unwrap_or_default();
                let prefix = format!("charge-{n}");
                let open = c.rates.iter()
                    .find(|r| opened.as_deref() == Some(r.id.as_str()) || kept.as_ref().is_some_and(|(f, _)| f.id == r.id))
                    .cloned();
                let anchor = format!("{base}#{title_id}");
                view! {
                    <section class="figure-charge" aria-labelledby=title_id.clone()>
                        <h3 id=title_id.clone()>{charge_title(l, &c.setting, &c.modifiers)}</h3>
                        <form class="form figure-form" method="post" action={<SavePriceCharge as ServerFn>::PATH}>
                            <input type="hidden" name="item_id" value=item_id.clone() />
                            <input type="hidden" name="charge_id" value=c.id.clone() />
                            <div class="figure-form__fields">
                                <FigureField prefix=prefix.clone() name="gross" shown=td_string!(l, fig_gross) value=value("gross") error=err("gross") />
                                <FigureField prefix=prefix.clone() name="cash" shown=td_string!(l, fig_cash) value=value("cash") error=err("cash") />
                                <FigureField prefix=prefix.clone() name="min" shown=td_string!(l, fig_min) value=value("min") error=err("min") />
                                <FigureField prefix=prefix.clone() name="max" shown=td_string!(l, fig_max) value=value("max") error=err("max") />
                            </div>
                            <button class="button" type="submit">{td_string!(l, fig_save_charge)}</button>
                        </form>
                        {if c.rates.is_empty() {
                            view! { <p class="empty">{td_string!(l, fig_no_rates)}</p> }.into_any()
                        } else {
                            view! {
                                <div class="table-scroll" role="region" tabindex="0" aria-labelledby=format!("{title_id}-rates")>
                                    <table class="data-table">
                                        <caption id=format!("{title_id}-rates")>{td_string!(l, fig_rates)}</caption>
                                        <thead><tr>
                                            <th scope="col">{td_string!(l, pr_payer)}</th>
                                            <th scope="col">{td_string!(l, fig_rate)}</th>
                                            <th scope="col"><span class="visually-hidden">{td_string!(l, fig_change)}</span></th>
                                        </tr></thead>
                                        <tbody>
                                            {c.rates.iter().map(|r| {
                                                let label = format!("{} · {}", r.payer, r.plan);
                                                view! {
                                                    <tr>
                                                        <th scope="row">{label.clone()}</th>
                                                        <td>{rate_text(l, r)}</td>
                                                        <td><a href=format!("{base}?rate={}#rate-form", r.id)
                                                            aria-label=format!("{} {label}", td_string!(l, fig_change_for))>{td_string!(l, fig_change)}</a></td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }.into_any()
                        }}
                        {open.map(|r| {
                            let shown = Shown::new(kept.as_ref(), &r.id, &[
                                ("dollar", amount(r.dollar)),
                                ("percentage", r.percentage.clone().unwrap_or_default()),
                            ]);
                            view! { <RateForm l item_id=item_id.clone() rate=r shown anchor=anchor.clone() /> }
                        })}
                    </section>
                }
            }).collect_view()}
        </section>
    }
}
