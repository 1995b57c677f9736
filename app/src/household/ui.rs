//! Pages: "your health record" with the household switcher, who can see it (proxies), who
//! viewed it (access log), linking an account to its record, and accepting an invitation.

use super::{
    AcceptProxyInvitation, ActFor, InviteProxy, LinkWithEmailedCode, LinkWithInvitation,
    PersonCard, RequestLinkCode, RevokeAccess, ShareConfidential,
};
use crate::admin::AccessProblem;
use crate::error::AppError;
use crate::i18n::{td, td_string, Locale};
use crate::locale::use_locale;
use crate::organisation::PRODUCT_NAME;
use crate::shell::Loading;
use leptos::prelude::*;
use leptos_meta::Title;
use server_fn::ServerFn;

fn query(name: &str) -> Option<String> {
    leptos_router::hooks::use_query_map()
        .get_untracked()
        .get(name)
}

fn scope_name(l: Locale, scope: &str) -> &'static str {
    match scope {
        "records" => td_string!(l, scope_records),
        "messages" => td_string!(l, scope_messages),
        "scheduling" => td_string!(l, scope_scheduling),
        _ => td_string!(l, scope_billing),
    }
}

fn relationship_name(l: Locale, relationship: &str) -> &'static str {
    match relationship {
        "self" => td_string!(l, relationship_self),
        "parent" => td_string!(l, relationship_parent),
        _ => td_string!(l, relationship_proxy),
    }
}

fn problem_text(l: Locale, error: &AppError) -> &'static str {
    match error {
        AppError::Validation(_) => td_string!(l, check_fields),
        AppError::RateLimited => td_string!(l, too_many_attempts),
        AppError::Conflict(c) if c == "already_linked" => td_string!(l, already_linked),
        AppError::Conflict(c) if c == "already_granted" => td_string!(l, already_granted),
        AppError::Conflict(_) => td_string!(l, link_invalid),
        AppError::Forbidden => td_string!(l, forbidden_body),
        _ => td_string!(l, try_later),
    }
}

/// The person being acted for, or the error to show instead.
async fn acting_for() -> Result<Option<PersonCard>, AppError> {
    let people = super::my_people().await?;
    Ok(people.into_iter().find(|p| p.acting_for))
}

#[component]
pub fn MePage() -> impl IntoView {
    let l = use_locale();
    let linked = query("linked").is_some();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, me_title)) />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                let people = match super::my_people().await {
                    Ok(p) => p,
                    Err(error) => return view! { <AccessProblem error /> }.into_any(),
                };
                let current = people.iter().find(|p| p.acting_for).cloned();
                let overview = match &current {
                    Some(p) => super::patient_overview(p.patient_id.clone()).await.ok(),
                    None => None,
                };
                let has_self = people.iter().any(|p| p.relationship == "self");
                view! {
                    <section class="page page--narrow" aria-labelledby="page-title">
                        <h1 id="page-title">{td_string!(l, me_title)}</h1>
                        {linked.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, linked_notice)}</p> })}
                        {if people.is_empty() {
                            view! {
                                <p class="empty">{td_string!(l, me_empty)}</p>
                                <p><a class="button" href="/me/link">{td_string!(l, link_start)}</a></p>
                            }.into_any()
                        } else {
                            view! {
                                <h2>{td_string!(l, people_heading)}</h2>
                                <ul class="people">
                                    {people.iter().cloned().map(|p| view! { <PersonItem person=p /> }).collect_view()}
                                </ul>
                                {overview.map(|o| {
                                    let name = o.name.clone();
                                    view! {
                                        <h2>{td!(l, record_of, name = move || name.clone())}</h2>
                                        <dl class="facts">
                                            <dt>{td_string!(l, birth_date_label)}</dt>
                                            <dd>{o.birth_date.clone()}</dd>
                                            <dt>{td_string!(l, preferred_language_label)}</dt>
                                            <dd>{if o.preferred_language == "es" { "Español" } else { "English" }}</dd>
                                        </dl>
                                        {(!o.show_confidential).then(|| view! {
                                            <p class="muted">{td_string!(l, confidential_hidden)}</p>
                                        })}
                                        {o.manages_access.then(|| view! {
                                            <ul class="links">
                                                <li><a href="/me/people">{td_string!(l, people_manage_link)}</a></li>
                                                <li><a href="/me/access-log">{td_string!(l, access_log_link)}</a></li>
                                            </ul>
                                        })}
                                    }
                                })}
                                {current.as_ref().filter(|p| p.scopes.iter().any(|s| s == "records")).map(|p| {
                                    let q = format!("?patient={}", p.patient_id);
                                    view! {
                                        <h2>{td_string!(l, rec_nav_label)}</h2>
                                        <ul class="links">
                                            <li><a href=format!("/records{q}")>{td_string!(l, rec_title)}</a></li>
                                            <li><a href=format!("/records/results{q}")>{td_string!(l, rec_results)}</a></li>
                                            <li><a href=format!("/records/visits{q}")>{td_string!(l, rec_visits)}</a></li>
                                            <li><a href=format!("/records/care-plan{q}")>{td_string!(l, rec_care_plan)}</a></li>
                                            <li><a href=format!("/records/documents{q}")>{td_string!(l, rec_documents)}</a></li>
                                            <li><a href=format!("/records/import{q}")>{td_string!(l, rec_import)}</a></li>
                                        </ul>
                                    }
                                })}
                                {current.as_ref().filter(|p| p.scopes.iter().any(|s| s == "billing")).map(|p| view! {
                                    <h2>{td_string!(l, cv_nav_label)}</h2>
                                    <ul class="links">
                                        <li><a href=format!("/billing/coverage?patient={}", p.patient_id)>{td_string!(l, cv_title)}</a></li>
                                        <li><a href="/prices">{td_string!(l, cv_find_prices)}</a></li>
                                    </ul>
                                })}
                                {current.as_ref().filter(|p| p.scopes.iter().any(|s| s == "scheduling")).map(|p| view! {
                                    <crate::scheduling::UpcomingVisits patient_id=p.patient_id.clone() />
                                })}
                                {current.as_ref().filter(|p| p.scopes.iter().any(|s| s == "messages")).map(|p| view! {
                                    <crate::messaging::OpenRequests patient_id=p.patient_id.clone() />
                                })}
                                {(!has_self).then(|| view! {
                                    <p><a href="/me/link">{td_string!(l, link_start)}</a></p>
                                })}
                            }.into_any()
                        }}
                    </section>
                }
                .into_any()
            })}
        </Suspense>
    }
}

#[component]
fn PersonItem(person: PersonCard) -> impl IntoView {
    let l = use_locale();
    let scopes = person
        .scopes
        .iter()
        .map(|s| scope_name(l, s))
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <li class="person" class:person--current=person.acting_for>
            <strong>{person.name.clone()}</strong>
            " · " {relationship_name(l, &person.relationship)}
            {(person.relationship != "self").then(|| view! { <br /><span class="muted">{scopes}</span> })}
            {if person.acting_for {
                view! { <p class="badge">{td_string!(l, acting_for_now)}</p> }.into_any()
            } else {
                view! {
                    <form method="post" action={<ActFor as ServerFn>::PATH}>
                        <input type="hidden" name="patient_id" value=person.patient_id.clone() />
                        <button class="button button--quiet" type="submit">
                            {td!(l, act_for_button, name = { let n = person.name.clone(); move || n.clone() })}
                        </button>
                    </form>
                }.into_any()
            }}
        </li>
    }
}

#[component]
pub fn AccessLogPage() -> impl IntoView {
    let l = use_locale();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, access_log_title)) />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                let person = match acting_for().await {
                    Ok(Some(p)) => p,
                    Ok(None) => return view! { <AccessProblem error=AppError::Forbidden /> }.into_any(),
                    Err(error) => return view! { <AccessProblem error /> }.into_any(),
                };
                match super::patient_access_log(person.patient_id.clone()).await {
                    Ok(lines) => {
                        let name = person.name.clone();
                        view! {
                            <section class="page" aria-labelledby="page-title">
                                <h1 id="page-title">{td_string!(l, access_log_title)}</h1>
                                <p>{td!(l, access_log_intro, name = move || name.clone())}</p>
                                <table class="table">
                                    <caption class="visually-hidden">{td_string!(l, access_log_title)}</caption>
                                    <thead><tr>
                                        <th scope="col">{td_string!(l, log_when)}</th>
                                        <th scope="col">{td_string!(l, log_who)}</th>
                                        <th scope="col">{td_string!(l, log_what)}</th>
                                    </tr></thead>
                                    <tbody>
                                        {lines.into_iter().map(|line| {
                                            let who = if line.you {
                                                td_string!(l, log_you).to_string()
                                            } else if line.roles.is_empty() {
                                                line.who.clone()
                                            } else {
                                                format!("{} ({})", line.who, line.roles.join(", ").replace('_', " "))
                                            };
                                            view! {
                                                <tr>
                                                    <td>{line.when.clone()}</td>
                                                    <td>{who}</td>
                                                    <td>{action_name(l, &line.action)}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <p><a href="/me">{td_string!(l, back_to_record)}</a></p>
                            </section>
                        }.into_any()
                    }
                    Err(error) => view! { <AccessProblem error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn action_name(l: Locale, action: &str) -> &'static str {
    match action {
        "patient.read" => td_string!(l, action_patient_read),
        "patient.access_log.read" => td_string!(l, action_access_log_read),
        "patient.link" => td_string!(l, action_patient_link),
        "proxy.invite" => td_string!(l, action_proxy_invite),
        "proxy.accept" => td_string!(l, action_proxy_accept),
        "proxy.revoke" => td_string!(l, action_proxy_revoke),
        "proxy.list" => td_string!(l, action_proxy_list),
        "records.summary" => td_string!(l, action_records_summary),
        "records.results" => td_string!(l, action_records_results),
        "records.trend" => td_string!(l, action_records_trend),
        "records.import" => td_string!(l, action_records_import),
        "records.sources" => td_string!(l, action_records_sources),
        "records.visits" => td_string!(l, action_records_visits),
        "records.visit_summary" => td_string!(l, action_records_visit_summary),
        "records.care_plan" => td_string!(l, action_records_care_plan),
        "records.care_task" => td_string!(l, action_records_care_task),
        "records.documents" => td_string!(l, action_records_documents),
        "records.document" => td_string!(l, action_records_document),
        "records.export" => td_string!(l, action_records_export),
        "records.export_summary" => td_string!(l, action_records_export_summary),
        "records.export_pdf" => td_string!(l, action_records_export_pdf),
        "records.entry_form" => td_string!(l, action_records_entry_form),
        "records.entry_add" => td_string!(l, action_records_entry_add),
        "records.entry_correct" => td_string!(l, action_records_entry_correct),
        "records.entry_error" => td_string!(l, action_records_entry_error),
        "records.release" => td_string!(l, action_records_release),
        "records.primary_contact" => td_string!(l, action_records_primary_contact),
        "records.document_add" => td_string!(l, action_records_document_add),
        "records.readings" => td_string!(l, action_records_readings),
        "records.reading_add" => td_string!(l, action_records_reading_add),
        "records.reading_remove" => td_string!(l, action_records_reading_remove),
        "records.renewal_form" => td_string!(l, action_records_renewal_form),
        "records.renewal_request" => td_string!(l, action_records_renewal_request),
        "records.share_links" => td_string!(l, action_records_share_links),
        "records.share_create" => td_string!(l, action_records_share_create),
        "records.share_revoke" => td_string!(l, action_records_share_revoke),
        "records.share_open" => td_string!(l, action_records_share_open),
        "pricing.coverage" => td_string!(l, action_pricing_coverage),
        "pricing.coverage_save" => td_string!(l, action_pricing_coverage_save),
        "pricing.coverage_correction" => td_string!(l, action_pricing_coverage_correction),
        "pricing.estimate" | "pricing.estimate_visit" => td_string!(l, action_pricing_estimate),
        "pricing.good_faith" => td_string!(l, action_pricing_good_faith),
        _ => td_string!(l, action_other),
    }
}

#[component]
pub fn PeoplePage() -> impl IntoView {
    let l = use_locale();
    let invite_error = ServerAction::<InviteProxy>::new()
        .value()
        .get_untracked()
        .and_then(Result::err);
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, people_title)) />
        <Suspense fallback=Loading>
            {move || {
                let invite_error = invite_error.clone();
                Suspend::new(async move {
                let person = match acting_for().await {
                    Ok(Some(p)) => p,
                    Ok(None) => return view! { <AccessProblem error=AppError::Forbidden /> }.into_any(),
                    Err(error) => return view! { <AccessProblem error /> }.into_any(),
                };
                let grants = match super::patient_grants(person.patient_id.clone()).await {
                    Ok(g) => g,
                    Err(error) => return view! { <AccessProblem error /> }.into_any(),
                };
                let name = person.name.clone();
                view! {
                    <section class="page page--narrow" aria-labelledby="page-title">
                        <h1 id="page-title">{td_string!(l, people_title)}</h1>
                        <p>{td!(l, people_intro, name = move || name.clone())}</p>
                        <AccessManager patient_id=person.patient_id.clone() grants invite_error />
                        <p><a href="/me">{td_string!(l, back_to_record)}</a></p>
                    </section>
                }
                .into_any()
            })}}
        </Suspense>
    }
}

/// Who can see a patient's record, removing them, and inviting a helper by email: on the
/// patient's own pages and on staff's page for the patient alike. The server functions it posts
/// to decide who may do this and send each back to the page they came from.
#[component]
pub fn AccessManager(
    patient_id: String,
    grants: Vec<super::GrantView>,
    invite_error: Option<AppError>,
) -> impl IntoView {
    let l = use_locale();
    let invited = query("invited").is_some();
    let revoked = query("revoked").is_some();
    let shared = query("shared").is_some();
    let unshared = query("unshared").is_some();
    let field_error = |field: &str| match &invite_error {
        Some(AppError::Validation(f)) => f.get(field).map(|code| match (field, code.as_str()) {
            ("email", "required") => td_string!(l, email_required),
            ("email", _) => td_string!(l, email_invalid),
            ("scopes", _) => td_string!(l, scopes_required),
            ("expires_on", "past") => td_string!(l, expires_past),
            _ => td_string!(l, expires_invalid),
        }),
        _ => None,
    };
    #[cfg(feature = "ssr")]
    let typed: super::InviteForm = if invite_error.is_some() {
        crate::forms::recall(super::INVITE_FORM_COOKIE).unwrap_or_default()
    } else {
        Default::default()
    };
    #[cfg(not(feature = "ssr"))]
    let typed = super::InviteForm::default();
    let email_error = field_error("email");
    let scopes_error = field_error("scopes");
    let expires_error = field_error("expires_on");
    view! {
        {invited.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, invited_notice)}</p> })}
        {revoked.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, revoked_notice)}</p> })}
        {shared.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, confidential_shared_notice)}</p> })}
        {unshared.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, confidential_unshared_notice)}</p> })}
        {if grants.is_empty() {
            view! { <p class="empty">{td_string!(l, people_empty)}</p> }.into_any()
        } else {
            view! {
                <ul class="people">
                    {grants.into_iter().map(|g| {
                        let scopes = g.scopes.iter().map(|s| scope_name(l, s)).collect::<Vec<_>>().join(", ");
                        let until = g.expires_on.clone();
                        view! {
                            <li class="person">
                                <strong>{g.who.clone()}</strong>
                                " · " {relationship_name(l, &g.relationship)}
                                {(!g.accepted).then(|| view! { " · " <span class="badge">{td_string!(l, invitation_open)}</span> })}
                                <br /><span class="muted">{scopes}</span>
                                {until.map(|u| view! { <br /><span class="muted">{td!(l, access_until, date = move || u.clone())}</span> })}
                                {g.can_share_confidential.then(|| {
                                    let on = g.confidential_shared;
                                    view! {
                                        <p class="muted">{if on { td_string!(l, confidential_shared_yes) } else { td_string!(l, confidential_shared_no) }}</p>
                                        <form method="post" action={<ShareConfidential as ServerFn>::PATH}>
                                            <input type="hidden" name="patient_id" value=patient_id.clone() />
                                            <input type="hidden" name="access_id" value=g.access_id.clone() />
                                            <input type="hidden" name="share" value=(!on).to_string() />
                                            <button class="button button--quiet" type="submit">
                                                {if on { td_string!(l, confidential_stop_button) } else { td_string!(l, confidential_share_button) }}
                                            </button>
                                        </form>
                                    }
                                })}
                                <form method="post" action={<RevokeAccess as ServerFn>::PATH}>
                                    <input type="hidden" name="patient_id" value=patient_id.clone() />
                                    <input type="hidden" name="access_id" value=g.access_id.clone() />
                                    <button class="button button--quiet" type="submit">
                                        {td!(l, revoke_button, name = { let n = g.who.clone(); move || n.clone() })}
                                    </button>
                                </form>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        <h2 id="invite-heading">{td_string!(l, invite_heading)}</h2>
        <p>{td_string!(l, invite_intro)}</p>
        {invite_error.as_ref().map(|e| view! { <p class="notice notice--error" role="alert">{problem_text(l, e)}</p> })}
        <form class="form" method="post" action={<InviteProxy as ServerFn>::PATH} novalidate aria-labelledby="invite-heading">
            <input type="hidden" name="patient_id" value=patient_id.clone() />
            <div class="field" class:field--invalid=email_error.is_some()>
                <label for="email">{td_string!(l, invite_email_label)}</label>
                {email_error.map(|e| view! { <p class="field__error" id="email-error">{e}</p> })}
                <input id="email" name="email" type="email" autocomplete="off" required
                    value=typed.email.clone()
                    aria-invalid=email_error.map(|_| "true")
                    aria-describedby=email_error.map(|_| "email-error") />
            </div>
            <fieldset class="field" class:field--invalid=scopes_error.is_some()
                aria-describedby=scopes_error.map(|_| "scopes-error")>
                <legend>{td_string!(l, invite_scopes_label)}</legend>
                {scopes_error.map(|e| view! { <p class="field__error" id="scopes-error">{e}</p> })}
                {["records", "messages", "scheduling", "billing"].into_iter().map(|s| view! {
                    <label class="choice">
                        <input type="checkbox" name=s value="on"
                            checked=typed.scopes.iter().any(|t| t == s) />
                        " " {scope_name(l, s)}
                    </label>
                }).collect_view()}
            </fieldset>
            <div class="field" class:field--invalid=expires_error.is_some()>
                <label for="expires_on">{td_string!(l, invite_expires_label)}</label>
                {expires_error.map(|e| view! { <p class="field__error" id="expires-error">{e}</p> })}
                <input id="expires_on" name="expires_on" type="date"
                    value=typed.expires_on.clone()
                    aria-invalid=expires_error.map(|_| "true")
                    aria-describedby=if expires_error.is_some() { "expires-error expires-hint" } else { "expires-hint" } />
                <p class="muted field__hint" id="expires-hint">{td_string!(l, invite_expires_hint)}</p>
            </div>
            <button class="button" type="submit">{td_string!(l, invite_button)}</button>
        </form>
    }
}

#[component]
pub fn LinkPage() -> impl IntoView {
    let l = use_locale();
    let by_invitation = ServerAction::<LinkWithInvitation>::new();
    let by_code = ServerAction::<LinkWithEmailedCode>::new();
    let request = ServerAction::<RequestLinkCode>::new();
    let error = by_invitation
        .value()
        .get_untracked()
        .and_then(Result::err)
        .or_else(|| by_code.value().get_untracked().and_then(Result::err))
        .or_else(|| request.value().get_untracked().and_then(Result::err));
    let sent = query("sent").is_some();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, link_title)) />
        <section class="page page--narrow" aria-labelledby="page-title">
            <h1 id="page-title">{td_string!(l, link_title)}</h1>
            <p>{td_string!(l, link_intro)}</p>
            {error.as_ref().map(|e| view! {
                <p class="notice notice--error" role="alert">{
                    match e {
                        AppError::Validation(f) if f.contains_key("code") => td_string!(l, link_code_wrong),
                        AppError::Unauthenticated => td_string!(l, signed_out_body),
                        e => problem_text(l, e),
                    }
                }</p>
            })}
            {sent.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, link_code_sent)}</p> })}
            <h2>{td_string!(l, link_invitation_heading)}</h2>
            <form class="form" method="post" action={<LinkWithInvitation as ServerFn>::PATH}>
                <div class="field">
                    <label for="invitation_code">{td_string!(l, link_invitation_label)}</label>
                    <input id="invitation_code" name="code" type="text" autocomplete="off"
                        autocapitalize="characters" spellcheck="false" required />
                </div>
                <button class="button" type="submit">{td_string!(l, link_button)}</button>
            </form>
            <h2>{td_string!(l, link_match_heading)}</h2>
            <p>{td_string!(l, link_match_intro)}</p>
            <form class="form" method="post" action={<RequestLinkCode as ServerFn>::PATH}>
                <div class="field">
                    <label for="family_name">{td_string!(l, family_name_label)}</label>
                    <input id="family_name" name="family_name" type="text" autocomplete="family-name" required />
                </div>
                <div class="field">
                    <label for="birth_date">{td_string!(l, birth_date_label)}</label>
                    <input id="birth_date" name="birth_date" type="date" autocomplete="bday" required />
                </div>
                <button class="button button--quiet" type="submit">{td_string!(l, link_send_code)}</button>
            </form>
            <form class="form" method="post" action={<LinkWithEmailedCode as ServerFn>::PATH}>
                <div class="field">
                    <label for="emailed_code">{td_string!(l, link_emailed_label)}</label>
                    <input id="emailed_code" name="code" type="text" autocomplete="one-time-code"
                        autocapitalize="characters" spellcheck="false" required />
                </div>
                <button class="button" type="submit">{td_string!(l, link_button)}</button>
            </form>
        </section>
    }
}

#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let l = use_locale();
    let action = ServerAction::<AcceptProxyInvitation>::new();
    let error = action.value().get_untracked().and_then(Result::err);
    let token = query("token").unwrap_or_default();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, accept_title)) />
        <section class="page page--narrow" aria-labelledby="page-title">
            <h1 id="page-title">{td_string!(l, accept_title)}</h1>
            {error.as_ref().map(|e| view! {
                <p class="notice notice--error" role="alert">{
                    match e {
                        AppError::Unauthenticated => td_string!(l, accept_sign_in_first),
                        e => problem_text(l, e),
                    }
                }</p>
            })}
            <p>{td_string!(l, accept_intro)}</p>
            <form method="post" action={<AcceptProxyInvitation as ServerFn>::PATH}>
                <input type="hidden" name="token" value=token />
                <button class="button" type="submit">{td_string!(l, accept_button)}</button>
            </form>
            <p class="muted">{td_string!(l, accept_account_hint)} " "
                <a href="/sign-in">{td_string!(l, nav_sign_in)}</a> " · "
                <a href="/sign-up">{td_string!(l, sign_up_link)}</a>
            </p>
        </section>
    }
}
