//! `/records/share`: make a link to part of the record, see every attempt to open each link, and
//! withdraw it. Complete without JavaScript.

#[cfg(feature = "ssr")]
use super::api::KEPT_LINK;
use super::api::{share_links, CreateShareLink, RevokeShareLink};
use super::domain::*;
use crate::error::AppError;
use crate::i18n::{td, td_string};
use crate::locale::{use_locale, Locale};
use crate::organisation::PRODUCT_NAME;
use crate::records::{RecordsNav, RecordsProblem};
use crate::shell::Loading;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use server_fn::ServerFn;

pub fn section_name(l: Locale, section: &str) -> &'static str {
    match section {
        "conditions" => td_string!(l, rec_conditions),
        "allergies" => td_string!(l, rec_allergies),
        "medications" => td_string!(l, rec_medications),
        "immunizations" => td_string!(l, rec_immunizations),
        "results" => td_string!(l, rec_results),
        _ => td_string!(l, shr_vitals),
    }
}

fn state_word(l: Locale, state: &str) -> &'static str {
    match state {
        "active" => td_string!(l, shr_state_active),
        "expired" => td_string!(l, shr_state_expired),
        "locked" => td_string!(l, shr_state_locked),
        _ => td_string!(l, shr_state_revoked),
    }
}

fn outcome_word(l: Locale, outcome: &str) -> &'static str {
    match outcome {
        "opened" => td_string!(l, shr_outcome_opened),
        "wrong_passcode" => td_string!(l, shr_outcome_wrong),
        _ => td_string!(l, shr_outcome_refused),
    }
}

fn days_word(l: Locale, days: u32) -> String {
    match days {
        1 => td_string!(l, shr_days_1).to_string(),
        d => td_string!(l, shr_days_n).replace("%n%", &d.to_string()),
    }
}

/// The problem with field `field` of a refused form, in words.
fn field_problem(l: Locale, error: &Option<AppError>, field: &str) -> Option<String> {
    let Some(AppError::Validation(fields)) = error else {
        return None;
    };
    let code = fields.get(field)?;
    Some(match (field, code.as_str()) {
        ("label", "required") => td_string!(l, shr_label_required).to_string(),
        ("label", _) => {
            td_string!(l, shr_label_too_long).replace("%n%", &MAX_LABEL_CHARS.to_string())
        }
        ("sections", _) => td_string!(l, shr_sections_required).to_string(),
        ("days", _) => td_string!(l, shr_days_unknown).to_string(),
        ("passcode", "too_short") => {
            td_string!(l, shr_passcode_short).replace("%n%", &MIN_PASSCODE_CHARS.to_string())
        }
        _ => td_string!(l, shr_passcode_long).replace("%n%", &MAX_PASSCODE_CHARS.to_string()),
    })
}

#[component]
fn NewLinkForm(patient_id: String, error: Option<AppError>) -> impl IntoView {
    let l = use_locale();
    let fresh = || NewLink {
        label: String::new(),
        sections: SECTIONS.iter().take(4).map(|s| s.to_string()).collect(),
        days: 7,
    };
    #[cfg(feature = "ssr")]
    let typed: NewLink = error
        .as_ref()
        .and_then(|_| crate::forms::recall(KEPT_LINK))
        .unwrap_or_else(fresh);
    #[cfg(not(feature = "ssr"))]
    let typed = fresh();
    let label_error = field_problem(l, &error, "label");
    let sections_error = field_problem(l, &error, "sections");
    let days_error = field_problem(l, &error, "days");
    let passcode_error = field_problem(l, &error, "passcode");
    let other_error = error
        .as_ref()
        .filter(|e| !matches!(e, AppError::Validation(_)))
        .map(|_| td_string!(l, try_later));
    let described = |error: bool, id: &'static str, hint: &'static str| {
        if error {
            format!("{id} {hint}")
        } else {
            hint.to_string()
        }
    };
    view! {
        <form class="form" method="post" action={<CreateShareLink as ServerFn>::PATH} aria-labelledby="new-link">
            <h2 id="new-link">{td_string!(l, shr_new)}</h2>
            {other_error.map(|e| view! { <p class="notice notice--error" role="alert">{e}</p> })}
            {(label_error.is_some() || sections_error.is_some() || days_error.is_some() || passcode_error.is_some()).then(|| view! {
                <p class="notice notice--error" role="alert">{td_string!(l, shr_check_fields)}</p>
            })}
            <input type="hidden" name="patient_id" value=patient_id />
            <div class="field" class:field--invalid=label_error.is_some()>
                <label for="share-label">{td_string!(l, shr_label)}</label>
                <p class="field__hint" id="share-label-hint">{td_string!(l, shr_label_hint)}</p>
                {label_error.clone().map(|e| view! { <p class="field__error" id="share-label-error">{e}</p> })}
                <input id="share-label" name="label" type="text" required maxlength=MAX_LABEL_CHARS.to_string()
                    autocomplete="off" value=typed.label.clone()
                    aria-invalid=label_error.as_ref().map(|_| "true")
                    aria-describedby=described(label_error.is_some(), "share-label-error", "share-label-hint") />
            </div>
            <fieldset class="field" class:field--invalid=sections_error.is_some()
                aria-describedby=sections_error.as_ref().map(|_| "share-sections-error")>
                <legend>{td_string!(l, shr_sections)}</legend>
                {sections_error.clone().map(|e| view! { <p class="field__error" id="share-sections-error">{e}</p> })}
                {SECTIONS.into_iter().map(|s| view! {
                    <label class="choice">
                        <input type="checkbox" name=s value="on" checked=typed.sections.iter().any(|t| t == s) />
                        " " {section_name(l, s)}
                    </label>
                }).collect_view()}
            </fieldset>
            <div class="field" class:field--invalid=days_error.is_some()>
                <label for="share-days">{td_string!(l, shr_days)}</label>
                {days_error.clone().map(|e| view! { <p class="field__error" id="share-days-error">{e}</p> })}
                <select id="share-days" name="days" aria-invalid=days_error.as_ref().map(|_| "true")
                    aria-describedby=days_error.as_ref().map(|_| "share-days-error")>
                    {EXPIRY_DAYS.into_iter().map(|d| view! {
                        <option value=d.to_string() selected=typed.days == d>{days_word(l, d)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field" class:field--invalid=passcode_error.is_some()>
                <label for="share-passcode">{td_string!(l, shr_passcode)}</label>
                <p class="field__hint" id="share-passcode-hint">
                    {td_string!(l, shr_passcode_hint).replace("%n%", &MIN_PASSCODE_CHARS.to_string())}
                </p>
                {passcode_error.clone().map(|e| view! { <p class="field__error" id="share-passcode-error">{e}</p> })}
                <input id="share-passcode" name="passcode" type="text" autocomplete="off" spellcheck="false"
                    maxlength=MAX_PASSCODE_CHARS.to_string()
                    aria-invalid=passcode_error.as_ref().map(|_| "true")
                    aria-describedby=described(passcode_error.is_some(), "share-passcode-error", "share-passcode-hint") />
            </div>
            <button class="button" type="submit">{td_string!(l, shr_make)}</button>
        </form>
    }
}

#[component]
fn LinkCard(patient_id: String, link: ShareLinkView, just_made: bool) -> impl IntoView {
    let l = use_locale();
    let anchor = format!("link-{}", link.id);
    let heading = format!("link-{}-title", link.id);
    let url_id = format!("link-{}-url", link.id);
    let shares = link
        .sections
        .iter()
        .map(|s| section_name(l, s))
        .collect::<Vec<_>>()
        .join(", ");
    let active = link.state == "active";
    let label = link.label.clone();
    view! {
        <li class="share-link" id=anchor aria-labelledby=heading.clone()>
            <h3 id=heading.clone() class="share-link__label">{link.label.clone()}</h3>
            <p>
                <span class="status" class:status--done=!active>{state_word(l, &link.state)}</span>
                {" · "}
                {if active {
                    td_string!(l, shr_ends).replace("%date%", &link.ends_on)
                } else {
                    td_string!(l, shr_ended_or_not).replace("%date%", &link.ends_on)
                }}
            </p>
            <p>{td_string!(l, shr_shares).replace("%parts%", &shares)}</p>
            <p class="muted">
                {td_string!(l, shr_made).replace("%date%", &link.made_on).replace("%name%", &link.made_by)}
                {" · "}
                {if link.passcode { td_string!(l, shr_with_passcode) } else { td_string!(l, shr_without_passcode) }}
            </p>
            {link.url.clone().map(|url| view! {
                <details class="disclosure" open=just_made>
                    <summary>{td_string!(l, shr_show)}</summary>
                    <div class="share-link__code">
                        <div class="share-link__qr" role="img"
                            aria-label=td_string!(l, shr_qr_label).replace("%label%", &label)
                            inner_html=link.qr_svg.clone().unwrap_or_default()></div>
                        <div class="field">
                            <label for=url_id.clone()>{td_string!(l, shr_address)}</label>
                            <p class="field__hint" id=format!("{url_id}-hint")>{td_string!(l, shr_address_hint)}</p>
                            <textarea id=url_id.clone() class="share-link__url" readonly rows="4"
                                aria-describedby=format!("{url_id}-hint")>{url}</textarea>
                        </div>
                    </div>
                </details>
            })}
            <h4>{td_string!(l, shr_opens)}</h4>
            {if link.opens.is_empty() {
                view! { <p class="empty">{td_string!(l, shr_no_opens)}</p> }.into_any()
            } else {
                view! {
                    <ul class="share-link__opens">
                        {link.opens.iter().map(|o| view! {
                            <li>{format!("{} · {} · {}", o.at, o.recipient, outcome_word(l, &o.outcome))}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {active.then(|| view! {
                <form method="post" action={<RevokeShareLink as ServerFn>::PATH}>
                    <input type="hidden" name="patient_id" value=patient_id.clone() />
                    <input type="hidden" name="link_id" value=link.id.clone() />
                    <button class="button button--secondary" type="submit"
                        aria-label=format!("{}: {}", td_string!(l, shr_revoke), link.label)>
                        {td_string!(l, shr_revoke)}
                    </button>
                </form>
            })}
        </li>
    }
}

/// `/records/share`.
#[component]
pub fn SharePage() -> impl IntoView {
    let l = use_locale();
    let query = use_query_map().get_untracked();
    let patient = query.get("patient").unwrap_or_default();
    let made = query.get("made").unwrap_or_default();
    let error = crate::shell::action_error::<CreateShareLink>();
    let revoke_error = crate::shell::action_error::<RevokeShareLink>();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, shr_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (patient, made, error, revoke_error) =
                    (patient.clone(), made.clone(), error.clone(), revoke_error.clone());
                Suspend::new(async move {
                    let page = match share_links(Some(patient).filter(|p| !p.is_empty())).await {
                        Ok(p) => p,
                        Err(error) => return view! { <RecordsProblem error /> }.into_any(),
                    };
                    let name = page.patient_name.clone();
                    let made_label = page.links.iter().find(|k| k.id == made).map(|k| k.label.clone());
                    view! {
                        <section class="page" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, shr_title)}</h1>
                            <p class="muted">{td!(l, ms_for, name = move || name.clone())}</p>
                            <RecordsNav patient_id=page.patient_id.clone() current="share" />
                            <p>{td_string!(l, shr_intro)}</p>
                            {made_label.map(|label| view! {
                                <p class="notice notice--ok" role="status">{td_string!(l, shr_made_notice).replace("%label%", &label)}</p>
                            })}
                            {revoke_error.map(|_| view! {
                                <p class="notice notice--error" role="alert">{td_string!(l, shr_revoke_failed)}</p>
                            })}
                            <div class="record-grid">
                                <NewLinkForm patient_id=page.patient_id.clone() error />
                                <section class="record-section" aria-labelledby="links">
                                    <h2 id="links">{td_string!(l, shr_links)}</h2>
                                    {if page.links.is_empty() {
                                        view! { <p class="empty">{td_string!(l, shr_no_links)}</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="share-links">
                                                {page.links.iter().map(|link| view! {
                                                    <LinkCard patient_id=page.patient_id.clone() just_made=link.id == made link=link.clone() />
                                                }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                </section>
                            </div>
                        </section>
                    }.into_any()
                })
            }}
        </Suspense>
    }
}
