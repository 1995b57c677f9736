//! The frame around every page: skip link, header with navigation and the language switch,
//! footer, the not-found and error views, and the marker that tells tests and scripts when the
//! page's islands have hydrated. Navigation lists only what exists.

mod hydration;
mod idle;
mod island_data;

pub use hydration::HydrationMarker;
pub use idle::IdleWarning;
pub use island_data::IslandData;
#[cfg(feature = "hydrate")]
pub use island_data::{hide, read};

use crate::error::AppError;
use crate::i18n::{td, td_string};
use crate::locale::{self, use_locale};
use crate::organisation::{Organisation, PRODUCT_NAME};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

/// The organisation, loaded once per request and shared by the header, footer and pages.
#[derive(Clone, Copy)]
pub struct OrganisationResource(pub Resource<Result<Organisation, AppError>>);

pub fn provide_organisation() {
    let resource = Resource::new(|| (), |_| crate::organisation::get_organisation());
    provide_context(OrganisationResource(resource));
}

/// The organisation for this request, awaited from the resource `App` provides.
pub async fn load_organisation() -> Result<Organisation, AppError> {
    match use_context::<OrganisationResource>() {
        Some(OrganisationResource(resource)) => resource.await,
        None => Err(AppError::Internal),
    }
}

/// Who is signed in, loaded once per request (it also marks the session as active).
#[derive(Clone, Copy)]
pub struct SignedInResource(pub Resource<Result<Option<crate::auth::SignedIn>, AppError>>);

pub fn provide_signed_in() {
    let resource = Resource::new(|| (), |_| crate::auth::current_account());
    provide_context(SignedInResource(resource));
}

/// The signed-in person for this request, awaited from the resource `App` provides.
pub async fn load_signed_in() -> Result<Option<crate::auth::SignedIn>, AppError> {
    match use_context::<SignedInResource>() {
        Some(SignedInResource(resource)) => resource.await,
        None => Err(AppError::Internal),
    }
}

/// "Call us: …" as a `tel:` link, when the organisation has a phone number.
#[component]
pub fn CallUs(org: Organisation, #[prop(optional)] class: Option<&'static str>) -> impl IntoView {
    let l = use_locale();
    org.phone
        .clone()
        .zip(org.phone_href())
        .map(|(phone, href)| {
            view! {
                <p>
                    <a class=class href=href>
                        {td!(l, call_us, phone = move || phone.clone())}
                    </a>
                </p>
            }
        })
}

#[component]
pub fn SkipLink() -> impl IntoView {
    let l = use_locale();
    view! { <a class="skip-link" href="#main">{td_string!(l, skip_link)}</a> }
}

#[component]
pub fn SiteHeader() -> impl IntoView {
    let l = use_locale();
    let location = use_location();
    let here = {
        let path = location.pathname.get_untracked();
        let query = location.search.get_untracked();
        if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        }
    };
    let target = locale::other(l);
    let target_code = leptos_i18n::Locale::as_str(target);
    view! {
        <header class="site-header">
            <div class="site-header__inner">
                <a class="brand" href="/">
                    <span class="brand__mark" aria-hidden="true"></span>
                    <span class="brand__name">{PRODUCT_NAME}</span>
                </a>
                <nav class="site-nav" aria-label=td_string!(l, nav_label)>
                    <ul>
                        <li>
                            <a href="/" aria-current=move || (location.pathname.get() == "/").then_some("page")>
                                {td_string!(l, nav_home)}
                            </a>
                        </li>
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                // Unknown (database away) reads as signed out: the link still helps.
                                let me = load_signed_in().await.ok().flatten();
                                let admin = me
                                    .as_ref()
                                    .is_some_and(|m| m.roles.iter().any(|r| r == "administrator"));
                                let mut links = vec![
                                    ("/library", td_string!(l, nav_library)),
                                    ("/find-care", td_string!(l, nav_find_care)),
                                ];
                                if me.as_ref().is_some_and(|m| m.roles.iter().any(|r| r == "editor" || r == "medical_reviewer")) {
                                    links.push(("/editor", td_string!(l, nav_editor)));
                                }
                                let staff = me.as_ref().is_some_and(|m| m.roles.iter().any(|r| r == "staff"));
                                if me.is_some() {
                                    links.push(("/me", td_string!(l, nav_record)));
                                }
                                if me.is_some() && !staff {
                                    links.push(("/appointments", td_string!(l, nav_visits)));
                                    links.push(("/messages", td_string!(l, nav_messages)));
                                }
                                if staff {
                                    links.push(("/staff/patients", td_string!(l, nav_patients)));
                                    links.push(("/staff/schedule", td_string!(l, nav_schedule)));
                                    links.push(("/staff/messages", td_string!(l, nav_inbox)));
                                }
                                if admin {
                                    links.push(("/admin/accounts", td_string!(l, nav_accounts)));
                                    links.push(("/admin/directory", td_string!(l, nav_directory)));
                                    links.push(("/admin/visit-types", td_string!(l, nav_visit_types)));
                                    links.push(("/admin/prices", td_string!(l, nav_prices_admin)));
                                    links.push(("/admin/records/release", td_string!(l, nav_release_rules)));
                                    links.push(("/admin/canned-replies", td_string!(l, nav_canned_replies)));
                                    links.push(("/admin/audit", td_string!(l, nav_audit)));
                                    links.push(("/admin/emails", td_string!(l, nav_emails)));
                                }
                                links.push(if me.is_some() {
                                    ("/account", td_string!(l, nav_account))
                                } else {
                                    ("/sign-in", td_string!(l, nav_sign_in))
                                });
                                links
                                    .into_iter()
                                    .map(|(href, label)| view! {
                                        <li>
                                            <a
                                                href=href
                                                aria-current=move || (location.pathname.get() == href).then_some("page")
                                            >
                                                {label}
                                            </a>
                                        </li>
                                    })
                                    .collect_view()
                            })}
                        </Suspense>
                    </ul>
                </nav>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        load_signed_in().await.ok().flatten().map(|me| {
                            let idle = view! {
                                <IslandData id=idle::DATA_ID pairs=vec![
                                    ("seconds", me.idle_seconds_left.to_string()),
                                    ("before", td_string!(l, idle_before).to_string()),
                                    ("after", td_string!(l, idle_after).to_string()),
                                    ("stay", td_string!(l, idle_stay).to_string()),
                                ] />
                                <IdleWarning />
                            };
                            let acting = me.acting_for.clone().map(|name| view! {
                                <p class="acting-for">
                                    {td!(l, acting_for_banner, name = move || name.clone())}
                                    {(me.people > 1).then(|| view! {
                                        " · " <a href="/me">{td_string!(l, switch_person)}</a>
                                    })}
                                </p>
                            });
                            view! { {acting} {idle} }
                        })
                    })}
                </Suspense>
                <a
                    class="language-switch"
                    href=locale::switch_href(target, &here)
                    hreflang=target_code
                    lang=target_code
                    title=td_string!(l, switch_language_hint)
                >
                    {locale::endonym(target)}
                </a>
            </div>
        </header>
    }
}

#[component]
pub fn SiteFooter() -> impl IntoView {
    let l = use_locale();
    view! {
        <footer class="site-footer">
            <div class="site-footer__inner">
                <p class="emergency" role="note">
                    <strong>{td_string!(l, emergency)}</strong>
                </p>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        // The footer still names the portal when the database is away.
                        let org = load_organisation().await.unwrap_or_else(|_| Organisation::unconfigured());
                        let name = org.name.clone();
                        view! {
                            <p>{td!(l, footer_portal, organisation = move || name.clone())}</p>
                            <CallUs org />
                        }
                    })}
                </Suspense>
                <nav class="footer-links" aria-label=td_string!(l, footer_links)>
                    <a href="/prices">{td_string!(l, footer_prices)}</a>
                </nav>
                <p class="muted">{td_string!(l, footer_privacy)}</p>
            </div>
        </footer>
    }
}

/// Shown for any address the portal does not have. Sets the 404 status.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    let l = use_locale();
    #[cfg(feature = "ssr")]
    AppError::NotFound.set_response_status();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, not_found_title)) />
        <section class="page page--narrow" aria-labelledby="page-title">
            <h1 id="page-title">{td_string!(l, not_found_title)}</h1>
            <p>{td_string!(l, not_found_body)}</p>
            <p>
                <a class="button" href="/">{td_string!(l, back_home)}</a>
            </p>
        </section>
    }
}

/// A page-level failure: says what happened in plain words and what to do next. It never shows
/// the error's details, which stay in the server log.
#[component]
#[cfg_attr(not(feature = "ssr"), allow(unused_variables))]
pub fn ErrorView(error: AppError) -> impl IntoView {
    let l = use_locale();
    #[cfg(feature = "ssr")]
    error.set_response_status();
    let here = use_location().pathname.get_untracked();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, error_title)) />
        <section class="page page--narrow" role="alert" aria-labelledby="page-title">
            <h1 id="page-title">{td_string!(l, error_title)}</h1>
            <p>{td_string!(l, error_body)}</p>
            <p class="actions">
                <a class="button" href=here>{td_string!(l, try_again)}</a>
                <a href="/">{td_string!(l, back_home)}</a>
            </p>
        </section>
    }
}

/// Shown while a page's data loads (only visible when a page streams).
#[component]
pub fn Loading() -> impl IntoView {
    let l = use_locale();
    view! { <p class="loading" role="status">{td_string!(l, loading)}</p> }
}

/// schema.org structured data as the text of a `<script type="application/ld+json">`: `<`, `>`
/// and `&` are escaped so no value can close the script element.
pub fn json_ld(data: &serde_json::Value) -> String {
    data.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The error the last post of server function `S`'s form came back with, when the page was
/// reached by a post without JavaScript (the error travels in the redirect's address).
pub fn action_error<S>() -> Option<AppError>
where
    S: server_fn::ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    ServerAction::<S>::new()
        .value()
        .get_untracked()
        .and_then(Result::err)
}

/// As [`action_error`], for a server function whose input is not `Clone` (a file upload): the
/// error the last post to `path` came back with.
pub fn posted_error(path: &str) -> Option<AppError> {
    use_context::<leptos::server::ServerActionError>()
        .filter(|e| e.path() == path)
        .map(|e| server_fn::error::ServerFnUrlError::<AppError>::decode_err(e.err()))
}

/// The page instead of a patient-side page's content when it cannot be shown: nobody to act
/// for yet (link a record), signed out (sign in, with a 401), or not allowed.
#[component]
pub fn PatientPageProblem(
    error: AppError,
    title: &'static str,
    no_patient: &'static str,
    sign_in: &'static str,
) -> impl IntoView {
    let l = use_locale();
    match error {
        AppError::Conflict(c) if c == "no_patient" => view! {
            <section class="page page--narrow" aria-labelledby="page-title">
                <h1 id="page-title">{title}</h1>
                <p>{no_patient}</p>
                <p><a class="button" href="/me/link">{td_string!(l, link_start)}</a></p>
            </section>
        }
        .into_any(),
        AppError::Unauthenticated => {
            #[cfg(feature = "ssr")]
            error.set_response_status();
            view! {
                <section class="page page--narrow" aria-labelledby="page-title">
                    <h1 id="page-title">{title}</h1>
                    <p>{sign_in}</p>
                    <p><a class="button" href="/sign-in">{td_string!(l, nav_sign_in)}</a></p>
                </section>
            }
            .into_any()
        }
        error => view! { <crate::admin::AccessProblem error /> }.into_any(),
    }
}
