use super::{list_outbox, OutboxView};
use crate::error::AppError;
use crate::i18n::{td, td_string};
use crate::locale::use_locale;
use crate::organisation::PRODUCT_NAME;
use crate::shell::Loading;
use leptos::prelude::*;
use leptos_meta::Title;

/// What the page shows instead of its content when the caller may not see it.
#[component]
pub fn AccessProblem(error: AppError) -> impl IntoView {
    let l = use_locale();
    #[cfg(feature = "ssr")]
    error.set_response_status();
    match error {
        AppError::Unauthenticated => view! {
            <section class="page page--narrow" aria-labelledby="page-title">
                <h1 id="page-title">{td_string!(l, signed_out_title)}</h1>
                <p>{td_string!(l, staff_sign_in_needed)}</p>
                <p><a class="button" href="/sign-in">{td_string!(l, nav_sign_in)}</a></p>
            </section>
        }
        .into_any(),
        AppError::Forbidden => view! {
            <section class="page page--narrow" aria-labelledby="page-title">
                <h1 id="page-title">{td_string!(l, forbidden_title)}</h1>
                <p>{td_string!(l, forbidden_body)}</p>
                <p><a href="/">{td_string!(l, back_home)}</a></p>
            </section>
        }
        .into_any(),
        AppError::SecondFactorRequired => view! {
            <section class="page page--narrow" aria-labelledby="page-title">
                <h1 id="page-title">{td_string!(l, two_factor_title)}</h1>
                <p>{td_string!(l, two_factor_required)}</p>
                <p><a class="button" href="/account/two-factor">{td_string!(l, two_factor_start)}</a></p>
            </section>
        }
        .into_any(),
        error => view! { <crate::shell::ErrorView error /> }.into_any(),
    }
}

/// Splits plain text into runs of text and http(s) links, so a body's links can be followed.
fn linkify(text: &str) -> Vec<(String, bool)> {
    let mut parts: Vec<(String, bool)> = Vec::new();
    let mut plain = String::new();
    for piece in text.split_inclusive(char::is_whitespace) {
        let word = piece.trim_end_matches(char::is_whitespace);
        let link = word.trim_end_matches(['.', ',']);
        if link.starts_with("https://") || link.starts_with("http://") {
            if !plain.is_empty() {
                parts.push((std::mem::take(&mut plain), false));
            }
            parts.push((link.to_string(), true));
            plain.push_str(piece.get(link.len()..).unwrap_or_default());
        } else {
            plain.push_str(piece);
        }
    }
    if !plain.is_empty() {
        parts.push((plain, false));
    }
    parts
}

#[component]
pub fn AdminEmailsPage() -> impl IntoView {
    let l = use_locale();
    let to = leptos_router::hooks::use_query_map()
        .get_untracked()
        .get("to")
        .unwrap_or_default();
    let filter = to.clone();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, outbox_title)) />
        <Suspense fallback=Loading>
            {move || {
                let to = to.clone();
                let filter = filter.clone();
                Suspend::new(async move {
                    let wanted = (!to.is_empty()).then_some(to);
                    match list_outbox(wanted).await {
                        Ok(emails) => view! {
                            <section class="page" aria-labelledby="page-title">
                                <h1 id="page-title">{td_string!(l, outbox_title)}</h1>
                                <p>{td_string!(l, outbox_intro)}</p>
                                <form class="form form--inline" method="get" action="/admin/emails" role="search">
                                    <div class="field">
                                        <label for="to">{td_string!(l, outbox_filter_label)}</label>
                                        <input id="to" name="to" type="email" autocomplete="off" value=filter />
                                    </div>
                                    <button class="button" type="submit">{td_string!(l, outbox_filter_button)}</button>
                                </form>
                                {if emails.is_empty() {
                                    view! { <p class="empty" role="status">{td_string!(l, outbox_empty)}</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="outbox">
                                            {emails.into_iter().map(|e| view! { <OutboxItem email=e /> }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                        }
                        .into_any(),
                        Err(error) => view! { <AccessProblem error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn OutboxItem(email: OutboxView) -> impl IntoView {
    let l = use_locale();
    let status = match email.status.as_str() {
        "sent" => td_string!(l, outbox_sent),
        "kept" => td_string!(l, outbox_kept),
        "failed" => td_string!(l, outbox_failed),
        _ => td_string!(l, outbox_queued),
    };
    let to = email.to_address.clone();
    let created = email.created.clone();
    view! {
        <li class="outbox__item">
            <p class="outbox__subject"><strong>{email.subject.clone()}</strong></p>
            <p class="muted">
                {td!(l, outbox_to, to = move || to.clone())} " · " {created} " · "
                <span class=format!("badge badge--{}", email.status)>{status}</span>
                {email.last_error.clone().map(|e| view! { " · " <span>{e}</span> })}
            </p>
            {email.body.clone().map(|body| view! {
                <details>
                    <summary>{td_string!(l, outbox_read)}</summary>
                    <pre class="outbox__body">
                        {linkify(&body).into_iter().map(|(part, is_link)| if is_link {
                            view! { <a href=part.clone()>{part.clone()}</a> }.into_any()
                        } else {
                            part.into_any()
                        }).collect_view()}
                    </pre>
                </details>
            })}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::linkify;

    #[test]
    fn only_web_links_become_links() {
        let parts = linkify("Open:\nhttps://p.example/verify?token=a1. Or javascript:alert(1)");
        let links: Vec<&str> = parts
            .iter()
            .filter(|(_, link)| *link)
            .map(|(p, _)| p.as_str())
            .collect();
        assert_eq!(links, ["https://p.example/verify?token=a1"]);
        let joined: String = parts.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            joined,
            "Open:\nhttps://p.example/verify?token=a1. Or javascript:alert(1)"
        );
        assert_eq!(parts.len(), 3, "text, link, text");
    }
}
