//! The public home page: who runs the portal, a search of the health library, the ways in (the
//! library, Find care, the patient's own record), featured and latest articles, what is still
//! to come, how to reach a person now, and the emergency notice. It reads the organisation from
//! the database, so a database outage shows the error view with status 503 rather than a
//! half-empty page.

use crate::i18n::{td, td_string};
use crate::library::{get_library_front, Cards, SearchForm};
use crate::locale::use_locale;
use crate::shell::{load_organisation, CallUs, ErrorView, Loading};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};

#[component]
pub fn HomePage() -> impl IntoView {
    let l = use_locale();
    let language = leptos_i18n::Locale::as_str(l).to_string();
    view! {
        <Suspense fallback=Loading>
            {move || {
                let language = language.clone();
                Suspend::new(async move {
                    let org = match load_organisation().await {
                        Err(error) => return view! { <ErrorView error /> }.into_any(),
                        Ok(org) => org,
                    };
                    // The library's articles are a bonus on this page: without them it still
                    // offers every way in.
                    let front = get_library_front(language).await.ok();
                    let (featured, latest) = front
                        .map(|f| {
                            let featured: Vec<_> = f.featured.into_iter().take(3).collect();
                            let latest: Vec<_> = f
                                .latest
                                .into_iter()
                                .filter(|a| !featured.iter().any(|x| x.slug == a.slug))
                                .take(3)
                                .collect();
                            (featured, latest)
                        })
                        .unwrap_or_default();
                    view! {
                        <Title text=format!("{} · {}", td_string!(l, home_title), org.name) />
                        <Meta name="description" content=td_string!(l, home_description) />
                        <section class="hero" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, home_heading)}</h1>
                            <p class="lead">
                                {
                                    let name = org.name.clone();
                                    td!(l, home_intro, organisation = move || name.clone())
                                }
                            </p>
                            <SearchForm />
                        </section>
                        <nav class="entry-points" aria-label=td_string!(l, home_entry_label)>
                            <ul>
                                <li>
                                    <a class="entry" href="/library">
                                        <strong>{td_string!(l, nav_library)}</strong>
                                        <span>{td_string!(l, offer_library)}</span>
                                    </a>
                                </li>
                                <li>
                                    <a class="entry" href="/find-care">
                                        <strong>{td_string!(l, nav_find_care)}</strong>
                                        <span>{td_string!(l, offer_care)}</span>
                                    </a>
                                </li>
                                <li>
                                    <a class="entry" href="/me">
                                        <strong>{td_string!(l, home_your_record)}</strong>
                                        <span>{td_string!(l, home_your_record_hint)}</span>
                                    </a>
                                </li>
                            </ul>
                        </nav>
                        {(!featured.is_empty()).then(|| view! {
                            <section class="home-articles" aria-labelledby="featured-title">
                                <h2 id="featured-title">{td_string!(l, lib_featured)}</h2>
                                <Cards cards=featured label=td_string!(l, lib_featured).to_string() />
                            </section>
                        })}
                        {(!latest.is_empty()).then(|| view! {
                            <section class="home-articles" aria-labelledby="latest-title">
                                <h2 id="latest-title">{td_string!(l, lib_latest)}</h2>
                                <Cards cards=latest label=td_string!(l, lib_latest).to_string() />
                                <p><a class="more-link" href="/library">{td_string!(l, home_all_articles)}</a></p>
                            </section>
                        })}
                        <section class="card card--notice" aria-labelledby="status-title">
                            <h2 id="status-title">{td_string!(l, home_status_heading)}</h2>
                            <p>{td_string!(l, home_status)}</p>
                            <ul class="offers">
                                <li>{td_string!(l, offer_booking)}</li>
                                <li>{td_string!(l, offer_records)}</li>
                                <li>{td_string!(l, offer_prices)}</li>
                            </ul>
                            <CallUs org=org.clone() class="button" />
                        </section>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}
