//! `/admin/audit`: the audit-log search page. A GET form, so a search is a link an
//! administrator can keep, and it works the same without JavaScript.

use super::audit_log::{search_audit_log, AuditPage, AuditRow};
use super::AccessProblem;
use crate::error::AppError;
use crate::i18n::{td_string, Locale};
use crate::locale::use_locale;
use crate::organisation::PRODUCT_NAME;
use crate::shell::Loading;
use leptos::prelude::*;
use leptos_meta::Title;

/// The search as the address holds it.
#[derive(Clone, Default)]
struct Query {
    who: String,
    patient: String,
    action: String,
    outcome: String,
    from: String,
    to: String,
    before: Option<i64>,
}

impl Query {
    fn opt(text: &str) -> Option<String> {
        let t = text.trim();
        (!t.is_empty()).then(|| t.to_string())
    }

    /// The address of the next page: the same search, older rows.
    fn next_href(&self, before: i64) -> String {
        let pairs = [
            ("who", &self.who),
            ("patient", &self.patient),
            ("action", &self.action),
            ("outcome", &self.outcome),
            ("from", &self.from),
            ("to", &self.to),
        ];
        let mut out = String::from("/admin/audit?");
        for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
            out.push_str(k);
            out.push('=');
            out.extend(v.bytes().map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            }));
            out.push('&');
        }
        out.push_str(&format!("before={before}"));
        out
    }
}

fn outcome_label(l: Locale, outcome: &str) -> &'static str {
    match outcome {
        "success" => td_string!(l, audit_outcome_success),
        "failure" => td_string!(l, audit_outcome_failure),
        "denied" => td_string!(l, audit_outcome_denied),
        _ => td_string!(l, audit_outcome_any),
    }
}

#[component]
pub fn AdminAuditPage() -> impl IntoView {
    let l = use_locale();
    let params = leptos_router::hooks::use_query_map().get_untracked();
    let get = |k: &str| params.get(k).unwrap_or_default();
    let query = Query {
        who: get("who"),
        patient: get("patient"),
        action: get("action"),
        outcome: get("outcome"),
        from: get("from"),
        to: get("to"),
        before: params.get("before").and_then(|b| b.parse().ok()),
    };
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, audit_title)) />
        <Suspense fallback=Loading>
            {move || {
                let q = query.clone();
                Suspend::new(async move {
                    let result = search_audit_log(
                        Query::opt(&q.who),
                        Query::opt(&q.patient),
                        Query::opt(&q.action),
                        Query::opt(&q.outcome),
                        Query::opt(&q.from),
                        Query::opt(&q.to),
                        q.before,
                    )
                    .await;
                    match result {
                        Err(error @ (AppError::Unauthenticated
                        | AppError::Forbidden
                        | AppError::SecondFactorRequired)) => {
                            view! { <AccessProblem error /> }.into_any()
                        }
                        other => view! { <AuditSearch query=q result=other /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn AuditSearch(query: Query, result: Result<AuditPage, AppError>) -> impl IntoView {
    let l = use_locale();
    let errors = match &result {
        Err(AppError::Validation(fields)) => fields.clone(),
        _ => Default::default(),
    };
    let bad = |field: &str| errors.contains_key(field).then_some("true");
    let problem = match &result {
        Ok(_) => None,
        Err(AppError::Validation(_)) => Some(td_string!(l, audit_bad_filter)),
        Err(_) => Some(td_string!(l, try_later)),
    };
    let outcome_options = ["", "success", "failure", "denied"].map(|o| {
        let selected = query.outcome == o;
        view! { <option value=o selected=selected>{outcome_label(l, o)}</option> }
    });
    let searched = query.before.is_some()
        || [
            &query.who,
            &query.patient,
            &query.action,
            &query.outcome,
            &query.from,
            &query.to,
        ]
        .iter()
        .any(|v| !v.is_empty());
    let q = query.clone();
    view! {
        <section class="page" aria-labelledby="page-title">
            <h1 id="page-title">{td_string!(l, audit_title)}</h1>
            <p>{td_string!(l, audit_intro)}</p>
            <form class="form form--grid" method="get" action="/admin/audit" role="search"
                aria-label=td_string!(l, audit_search_label)>
                <div class="field">
                    <label for="audit-who">{td_string!(l, audit_who)}</label>
                    <input id="audit-who" name="who" type="search" autocomplete="off" value=query.who.clone() />
                </div>
                <div class="field">
                    <label for="audit-patient">{td_string!(l, audit_patient)}</label>
                    <input id="audit-patient" name="patient" type="search" autocomplete="off" value=query.patient.clone() />
                </div>
                <div class="field">
                    <label for="audit-action">{td_string!(l, audit_action)}</label>
                    <input id="audit-action" name="action" type="search" autocomplete="off"
                        aria-describedby="audit-action-hint" aria-invalid=bad("action") value=query.action.clone() />
                    <p id="audit-action-hint" class="field__hint muted">{td_string!(l, audit_action_hint)}</p>
                </div>
                <div class="field">
                    <label for="audit-outcome">{td_string!(l, audit_outcome)}</label>
                    <select id="audit-outcome" name="outcome" aria-invalid=bad("outcome")>{outcome_options}</select>
                </div>
                <div class="field">
                    <label for="audit-from">{td_string!(l, audit_from)}</label>
                    <input id="audit-from" name="from" type="date" aria-invalid=bad("from") value=query.from.clone() />
                </div>
                <div class="field">
                    <label for="audit-to">{td_string!(l, audit_to)}</label>
                    <input id="audit-to" name="to" type="date" aria-invalid=bad("to") value=query.to.clone() />
                </div>
                <div class="form__actions">
                    <button class="button" type="submit">{td_string!(l, audit_search_button)}</button>
                    {searched.then(|| view! { <a href="/admin/audit">{td_string!(l, audit_clear)}</a> })}
                </div>
            </form>
            {problem.map(|p| view! { <p class="notice notice--error" role="alert">{p}</p> })}
            {result.ok().map(|page| view! { <AuditResults page query=q /> })}
        </section>
    }
}

#[component]
fn AuditResults(page: AuditPage, query: Query) -> impl IntoView {
    let l = use_locale();
    if page.rows.is_empty() {
        return view! { <p class="empty" role="status">{td_string!(l, audit_empty)}</p> }
            .into_any();
    }
    let next = page.next_before.map(|b| query.next_href(b));
    view! {
        <div class="table-scroll" role="region" aria-labelledby="audit-caption" tabindex="0">
            <table class="table">
                <caption id="audit-caption">{td_string!(l, audit_caption)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{td_string!(l, audit_col_when)}</th>
                        <th scope="col">{td_string!(l, audit_col_who)}</th>
                        <th scope="col">{td_string!(l, audit_col_patient)}</th>
                        <th scope="col">{td_string!(l, audit_col_action)}</th>
                        <th scope="col">{td_string!(l, audit_col_outcome)}</th>
                        <th scope="col">{td_string!(l, audit_col_from)}</th>
                    </tr>
                </thead>
                <tbody>
                    {page.rows.into_iter().map(|row| view! { <AuditRowView row /> }).collect_view()}
                </tbody>
            </table>
        </div>
        {next.map(|href| view! { <p><a class="button button--quiet" href=href>{td_string!(l, audit_older)}</a></p> })}
    }
    .into_any()
}

#[component]
fn AuditRowView(row: AuditRow) -> impl IntoView {
    let l = use_locale();
    let anonymous = td_string!(l, audit_anonymous);
    view! {
        <tr>
            <td><time>{row.when}</time></td>
            <td>{row.actor.unwrap_or_else(|| anonymous.to_string())}</td>
            <td>
                {row.patient.unwrap_or_default()}
                {row.acting_for.map(|name| view! { <br /><span class="muted">{td_string!(l, audit_acting_for)} " " {name}</span> })}
            </td>
            <td><code>{row.action}</code>{row.object.map(|o| view! { <br /><span class="muted">{o}</span> })}</td>
            <td>{outcome_label(l, &row.outcome)}</td>
            <td>{row.ip.unwrap_or_default()}</td>
        </tr>
    }
}
