//! The public home page: who runs the portal, what it is for, how to reach a person now, and the
//! emergency notice. It reads the organisation from the database, so a database outage shows the
//! error view with status 503 rather than a half-empty page.

use crate::i18n::{td, td_string};
use crate::locale::use_locale;
use crate::shell::{load_organisation, CallUs, ErrorView, Loading};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};

#[component]
pub fn HomePage() -> impl IntoView {
    let l = use_locale();
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match load_organisation().await {
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                    Ok(org) => {
                        view! {
                            <Title text=format!("{} · {}", td_string!(l, home_title), org.name) />
                            <Meta
                                name="description"
                                content=td_string!(l, home_description)
                            />
                            <section class="hero" aria-labelledby="page-title">
                                <h1 id="page-title">{td_string!(l, home_heading)}</h1>
                                <p class="lead">
                                    {
                                        let name = org.name.clone();
                                        td!(l, home_intro, organisation = move || name.clone())
                                    }
                                </p>
                            </section>
                            <section class="card" aria-labelledby="offers-title">
                                <h2 id="offers-title">{td_string!(l, home_offers_heading)}</h2>
                                <ul class="offers">
                                    <li>{td_string!(l, offer_library)}</li>
                                    <li>{td_string!(l, offer_care)}</li>
                                    <li>{td_string!(l, offer_booking)}</li>
                                    <li>{td_string!(l, offer_records)}</li>
                                    <li>{td_string!(l, offer_prices)}</li>
                                </ul>
                            </section>
                            <section class="card card--notice" aria-labelledby="status-title">
                                <h2 id="status-title">{td_string!(l, home_status_heading)}</h2>
                                <p>{td_string!(l, home_status)}</p>
                                <CallUs org=org.clone() class="button" />
                            </section>
                        }
                        .into_any()
                    }
                }
            })}
        </Suspense>
    }
}
