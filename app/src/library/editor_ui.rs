//! Editors' and medical reviewers' pages: the list of articles by status, one article's form
//! beside its rendered preview with the workflow steps open to the caller, its revisions, and a
//! comparison of two revisions. Every form is a plain post, so all of it works without
//! JavaScript; a refused save brings back exactly what was typed.

use super::api::*;
use super::domain::*;
use crate::admin::AccessProblem;
use crate::error::AppError;
use crate::i18n::{td, td_string};
use crate::locale::use_locale;
use crate::media::{ImageRef, ResponsiveImage};
use crate::organisation::PRODUCT_NAME;
use crate::shell::{action_error, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use server_fn::ServerFn;

/// The caller's library roles, or why they may not use these pages.
async fn library_roles() -> Result<(bool, bool), AppError> {
    match crate::shell::load_signed_in().await? {
        None => Err(AppError::Unauthenticated),
        Some(me) => {
            let editor = me.roles.iter().any(|r| r == "editor");
            let reviewer = me.roles.iter().any(|r| r == "medical_reviewer");
            if editor || reviewer {
                Ok((editor, reviewer))
            } else {
                Err(AppError::Forbidden)
            }
        }
    }
}

fn status_label(l: crate::locale::Locale, s: ArticleStatus) -> &'static str {
    match s {
        ArticleStatus::Draft => td_string!(l, ed_status_draft),
        ArticleStatus::InReview => td_string!(l, ed_status_in_review),
        ArticleStatus::Approved => td_string!(l, ed_status_approved),
        ArticleStatus::Published => td_string!(l, ed_status_published),
    }
}

fn day(rfc3339: &str) -> String {
    rfc3339.get(..16).unwrap_or(rfc3339).replace('T', " ")
}

/// `/editor`: every article, filtered by status or by "due for re-review".
#[component]
pub fn EditorPage() -> impl IntoView {
    let l = use_locale();
    let query = use_query_map().get_untracked();
    let status = query.get("status").unwrap_or_default();
    let due = query.get("due").is_some_and(|d| d == "1");
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, ed_title)) />
        <Suspense fallback=Loading>
            {move || {
                let status = status.clone();
                Suspend::new(async move {
                    let (editor, _) = match library_roles().await {
                        Ok(roles) => roles,
                        Err(error) => return view! { <AccessProblem error /> }.into_any(),
                    };
                    let list = match editor_articles(Some(status.clone()), Some(due)).await {
                        Ok(list) => list,
                        Err(error) => return view! { <AccessProblem error /> }.into_any(),
                    };
                    let filters = [
                        ("", td_string!(l, ed_filter_all)),
                        ("draft", td_string!(l, ed_status_draft)),
                        ("in_review", td_string!(l, ed_status_in_review)),
                        ("approved", td_string!(l, ed_status_approved)),
                        ("published", td_string!(l, ed_status_published)),
                    ];
                    view! {
                        <section class="page" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, ed_title)}</h1>
                            {editor.then(|| view! {
                                <p class="actions">
                                    <a class="button" href="/editor/articles/new">{td_string!(l, ed_new)}</a>
                                    <a href="/editor/articles/new?language=es">{td_string!(l, ed_new_es)}</a>
                                </p>
                            })}
                            <nav class="filters" aria-label=td_string!(l, ed_filters)>
                                <ul>
                                    {filters.into_iter().map(|(value, label)| {
                                        let current = !due && value == status;
                                        let href = if value.is_empty() { "/editor".to_string() } else { format!("/editor?status={value}") };
                                        view! { <li><a href=href aria-current=current.then_some("page")>{label}</a></li> }
                                    }).collect_view()}
                                    <li><a href="/editor?due=1" aria-current=due.then_some("page")>{td_string!(l, ed_filter_due)}</a></li>
                                </ul>
                            </nav>
                            {if list.is_empty() {
                                view! { <p class="empty" role="status">{td_string!(l, ed_list_empty)}</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="editor-list" aria-label=td_string!(l, ed_articles)>
                                        {list.into_iter().map(|a| {
                                            let href = format!("/editor/articles/{}", a.article_id);
                                            let updated = day(&a.updated_at);
                                            view! {
                                                <li class="editor-list__item">
                                                    <a href=href>{a.title}</a>
                                                    <span class="badge">{status_label(l, a.status)}</span>
                                                    {(a.language == "es").then(|| view! { <span class="badge" lang="es">"Español"</span> })}
                                                    {a.live.then(|| view! { <span class="badge badge--live">{td_string!(l, ed_live)}</span> })}
                                                    {a.scheduled_for.map(|s| view! { <span class="badge">{td_string!(l, ed_scheduled)} " " {day(&s)} " UTC"</span> })}
                                                    {a.review_due.then(|| view! { <span class="badge badge--due">{td_string!(l, ed_due)}</span> })}
                                                    <span class="muted">" · " {a.author_name} " · " {updated} " UTC"</span>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        </section>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

/// The first error any of this page's forms came back with.
fn page_error() -> Option<AppError> {
    action_error::<SaveArticle>()
        .or_else(action_error::<SubmitForReview>)
        .or_else(action_error::<ApproveArticle>)
        .or_else(action_error::<SendBack>)
        .or_else(action_error::<PublishArticle>)
        .or_else(action_error::<UnpublishArticle>)
        .or_else(action_error::<ConfirmReview>)
        .or_else(action_error::<RestoreRevision>)
        .or_else(action_error::<StartTranslation>)
        .or_else(|| crate::shell::posted_error(<UploadHeroImage as ServerFn>::PATH))
}

fn error_message(l: crate::locale::Locale, error: &AppError) -> &'static str {
    match error {
        AppError::Validation(_) => td_string!(l, check_fields),
        AppError::Conflict(c) => match c.as_str() {
            "stale" => td_string!(l, ed_stale),
            "own_work" => td_string!(l, ed_own_work),
            "slug_taken" => td_string!(l, ed_slug_taken),
            "translation_exists" => td_string!(l, ed_translation_exists),
            _ => td_string!(l, ed_wrong_status),
        },
        _ => td_string!(l, try_later),
    }
}

/// The stored image a form names, for its preview (`None` for an empty or unknown key).
async fn chosen_image(key: String) -> Option<ImageRef> {
    #[cfg(feature = "ssr")]
    {
        let pool = crate::state::db().ok()?;
        crate::media::find_image(&pool, &key).await.ok().flatten()
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = key;
        None
    }
}

/// `/editor/articles/:id` (`new` for a new article).
#[component]
pub fn EditorArticlePage() -> impl IntoView {
    let l = use_locale();
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let query = use_query_map().get_untracked();
    let new_language = query
        .get("language")
        .filter(|l| l == "es")
        .unwrap_or_else(|| "en".into());
    let notice = [
        ("saved", td_string!(l, ed_saved)),
        ("submitted", td_string!(l, ed_submitted)),
        ("approved", td_string!(l, ed_approved)),
        ("sent_back", td_string!(l, ed_sent_back)),
        ("published", td_string!(l, ed_published)),
        ("unpublished", td_string!(l, ed_unpublished)),
        ("confirmed", td_string!(l, ed_confirmed)),
        ("restored", td_string!(l, ed_restored)),
        ("translation", td_string!(l, ed_translation_started)),
        ("uploaded", td_string!(l, ed_hero_uploaded)),
    ]
    .into_iter()
    .find(|(key, _)| query.get(key).is_some())
    .map(|(_, text)| text);
    let error = page_error();
    // An image just uploaded for this article: chosen in the form until it is saved.
    let uploaded = query
        .get("uploaded")
        .filter(|key| crate::media::is_media_hash(key));
    view! {
        <Suspense fallback=Loading>
            {move || {
                let (id, new_language, error) = (id.clone(), new_language.clone(), error.clone());
                let uploaded = uploaded.clone();
                Suspend::new(async move {
                    let (editor, reviewer) = match library_roles().await {
                        Ok(roles) => roles,
                        Err(error) => return view! { <AccessProblem error /> }.into_any(),
                    };
                    if let Some(error @ (AppError::Unauthenticated | AppError::Forbidden | AppError::SecondFactorRequired)) = error {
                        return view! { <AccessProblem error /> }.into_any();
                    }
                    let fields = match &error {
                        Some(AppError::Validation(f)) => f.clone(),
                        _ => Default::default(),
                    };
                    let banner = error.as_ref().map(|e| view! {
                        <p class="notice notice--error" role="alert">{error_message(l, e)}</p>
                    });
                    let notice = notice.filter(|_| error.is_none()).map(|n| view! {
                        <p class="notice" role="status">{n}</p>
                    });
                    if id == "new" {
                        if !editor {
                            return view! { <AccessProblem error=AppError::Forbidden /> }.into_any();
                        }
                        #[cfg(feature = "ssr")]
                        let form = match error.is_some() || uploaded.is_some() {
                            true => super::api::kept_form(None).await.unwrap_or_default(),
                            false => ArticleForm::default(),
                        };
                        #[cfg(not(feature = "ssr"))]
                        let form = ArticleForm::default();
                        let form = with_upload(form, uploaded);
                        let hero = chosen_image(form.hero_image.clone()).await;
                        let categories = library_categories("en".into()).await.unwrap_or_default();
                        let lead = form.summary.clone();
                        // A kept body (after an upload or a refused save) is previewed at once.
                        #[cfg(feature = "ssr")]
                        let body_html = (!form.body.trim().is_empty()).then(|| super::markdown::render(&form.body));
                        #[cfg(not(feature = "ssr"))]
                        let body_html: Option<String> = None;
                        return view! {
                            <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, ed_new)) />
                            <section class="page" aria-labelledby="page-title">
                                <p class="breadcrumb"><a href="/editor">{td_string!(l, ed_title)}</a></p>
                                <h1 id="page-title">{td_string!(l, ed_new)}</h1>
                                {banner}
                                {notice}
                                <div class="editor-columns">
                                    <ArticleFormView form fields categories hero article_id=String::new() version=0 language=new_language.clone() />
                                    <section class="preview" aria-labelledby="preview-title" lang=new_language>
                                        <h2 id="preview-title">{td_string!(l, ed_preview_new)}</h2>
                                        <p class="lead" id=super::live::PREVIEW_LEAD_ID>{lead}</p>
                                        <super::live::LivePreview />
                                        {match body_html {
                                            Some(html) => view! { <div class="article__body" id=super::live::PREVIEW_ID inner_html=html></div> }.into_any(),
                                            None => view! {
                                                <div class="article__body" id=super::live::PREVIEW_ID>
                                                    <p class="muted">{td_string!(l, ed_preview_empty)}</p>
                                                </div>
                                            }.into_any(),
                                        }}
                                    </section>
                                </div>
                            </section>
                        }.into_any();
                    }
                    let article = match get_editor_article(id.clone()).await {
                        Ok(a) => a,
                        Err(AppError::NotFound) => return view! { <crate::shell::NotFoundPage /> }.into_any(),
                        Err(error) => return view! { <AccessProblem error /> }.into_any(),
                    };
                    #[cfg(feature = "ssr")]
                    // What a refused save or an image upload kept of what was typed.
                    let kept = match (error.is_some() || uploaded.is_some(), uuid::Uuid::parse_str(&article.article_id)) {
                        (true, Ok(uid)) => super::api::kept_form(Some(uid)).await,
                        _ => None,
                    };
                    #[cfg(feature = "ssr")]
                    let form = kept.unwrap_or_else(|| article.form.clone());
                    #[cfg(not(feature = "ssr"))]
                    let form = article.form.clone();
                    let form = with_upload(form, uploaded);
                    let hero = chosen_image(form.hero_image.clone()).await;
                    view! {
                        <Title text=format!("{} · {PRODUCT_NAME}", article.form.title) />
                        <section class="page" aria-labelledby="page-title">
                            <p class="breadcrumb"><a href="/editor">{td_string!(l, ed_title)}</a></p>
                            <h1 id="page-title">{article.form.title.clone()}</h1>
                            {banner}
                            {notice}
                            <Workflow article=article.clone() editor reviewer />
                            <div class="editor-columns" class:editor-columns--single=!editor>
                                {editor.then(|| view! {
                                    <ArticleFormView form fields hero categories=article.categories.clone()
                                        article_id=article.article_id.clone() version=article.version
                                        language=article.language.clone() />
                                })}
                                <section class="preview" aria-labelledby="preview-title" lang=article.language.clone()>
                                    <h2 id="preview-title">{td!(l, ed_preview, n = {let v = article.version.to_string(); move || v.clone()})}</h2>
                                    <p class="lead" id=super::live::PREVIEW_LEAD_ID>{article.form.summary.clone()}</p>
                                    {editor.then(|| view! { <super::live::LivePreview /> })}
                                    <div class="article__body" id=super::live::PREVIEW_ID inner_html=article.preview_html.clone()></div>
                                </section>
                            </div>
                            <Revisions article=article.clone() editor />
                        </section>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

/// `form` with the image just uploaded chosen as its hero image.
fn with_upload(form: ArticleForm, uploaded: Option<String>) -> ArticleForm {
    match uploaded {
        Some(key) => ArticleForm {
            hero_image: key,
            ..form
        },
        None => form,
    }
}

/// Where the article is, and the steps open to this caller.
#[component]
fn Workflow(article: EditorArticle, editor: bool, reviewer: bool) -> impl IntoView {
    let l = use_locale();
    let id = article.article_id.clone();
    let status = article.status;
    let live = article.live_slug.clone();
    let hidden = move || view! { <input type="hidden" name="article_id" value=id.clone() /> };
    let version = article.version;
    view! {
        <section class="card workflow" aria-labelledby="workflow-title">
            <h2 id="workflow-title">{td_string!(l, ed_workflow)}</h2>
            <p>
                <strong>{status_label(l, status)}</strong>
                " · " {td_string!(l, ed_author)} " " {article.author_name.clone()}
                " · " {td_string!(l, ed_revision)} " " {version}
                {article.reviewed_by.clone().map(|r| view! { " · " {td_string!(l, ed_reviewed_by)} " " {r} })}
            </p>
            {article.review_note.clone().map(|note| view! {
                <div class="notice" role="note"><strong>{td_string!(l, ed_review_note)}</strong> " " {note}</div>
            })}
            {live.clone().map(|slug| view! {
                <p>{td_string!(l, ed_live_at)} " " <a href=format!("/library/{slug}")>{format!("/library/{slug}")}</a>
                    {article.visible_from.clone().map(|v| view! { " · " {td_string!(l, ed_visible_from)} " " {day(&v)} " UTC" })}
                    {article.review_due_at.clone().map(|v| view! { " · " {td_string!(l, ed_review_due)} " " {day(&v)} })}
                </p>
            })}
            <div class="actions">
                {(editor && status == ArticleStatus::Draft).then(|| view! {
                    <form method="post" action={<SubmitForReview as ServerFn>::PATH}>
                        {hidden()}
                        <button class="button" type="submit">{td_string!(l, ed_submit)}</button>
                    </form>
                })}
                {(reviewer && status == ArticleStatus::InReview).then(|| if article.caller_wrote_it {
                    view! { <p class="muted">{td_string!(l, ed_own_work)}</p> }.into_any()
                } else {
                    view! {
                        <form method="post" action={<ApproveArticle as ServerFn>::PATH}>
                            {hidden()}
                            <input type="hidden" name="revision" value=version />
                            <button class="button" type="submit">{td!(l, ed_approve, n = move || version.to_string())}</button>
                        </form>
                        <form class="form" method="post" action={<SendBack as ServerFn>::PATH}>
                            {hidden()}
                            <div class="field">
                                <label for="send-back-note">{td_string!(l, ed_send_back_note)}</label>
                                <textarea id="send-back-note" name="note" rows="3" required></textarea>
                            </div>
                            <button class="button button--secondary" type="submit">{td_string!(l, ed_send_back)}</button>
                        </form>
                    }.into_any()
                })}
                {(editor && status == ArticleStatus::Approved).then(|| view! {
                    <form class="form" method="post" action={<PublishArticle as ServerFn>::PATH}>
                        {hidden()}
                        <div class="field">
                            <label for="publish-at">{td_string!(l, ed_publish_at)}</label>
                            <p class="field__hint" id="publish-at-hint">{td_string!(l, ed_publish_at_hint)}</p>
                            <input id="publish-at" name="at" type="datetime-local" aria-describedby="publish-at-hint" />
                        </div>
                        <button class="button" type="submit">{td_string!(l, ed_publish)}</button>
                    </form>
                })}
                {(editor && live.is_some()).then(|| view! {
                    <form method="post" action={<UnpublishArticle as ServerFn>::PATH}>
                        {hidden()}
                        <button class="button button--secondary" type="submit">{td_string!(l, ed_unpublish)}</button>
                    </form>
                })}
                {(reviewer && live.is_some() && !article.caller_wrote_it).then(|| view! {
                    <form method="post" action={<ConfirmReview as ServerFn>::PATH}>
                        {hidden()}
                        <button class="button button--secondary" type="submit">{td_string!(l, ed_confirm_review)}</button>
                    </form>
                })}
                {match (&article.translation, article.language.as_str()) {
                    (Some(t), lang) => {
                        let label = if lang == "en" { td_string!(l, ed_open_spanish) } else { td_string!(l, ed_open_english) };
                        Some(view! { <p><a href=format!("/editor/articles/{t}")>{label}</a></p> }.into_any())
                    }
                    (None, "en") if editor => Some(view! {
                        <form method="post" action={<StartTranslation as ServerFn>::PATH}>
                            {hidden()}
                            <button class="button button--secondary" type="submit">{td_string!(l, ed_start_spanish)}</button>
                        </form>
                    }.into_any()),
                    _ => None,
                }}
            </div>
        </section>
    }
}

/// The article form. Field problems are shown beside each field.
#[component]
fn ArticleFormView(
    form: ArticleForm,
    fields: std::collections::BTreeMap<String, String>,
    categories: Vec<Category>,
    /// The stored image `form.hero_image` names, if it names one.
    hero: Option<ImageRef>,
    article_id: String,
    version: i32,
    language: String,
) -> impl IntoView {
    let l = use_locale();
    let image_gone =
        fields.contains_key("hero_image") || (hero.is_none() && !form.hero_image.is_empty());
    // A refused upload's reason, beside the file field.
    let image_problem = fields
        .get(crate::media::UploadRefusal::FIELD)
        .map(|code| crate::media::refusal_message(l, code));
    let problem = move |field: &str| {
        fields.get(field).map(|code| match (field, code.as_str()) {
            (_, "required") => td_string!(l, ed_required),
            (_, "too_long") => td_string!(l, ed_too_long),
            ("slug", "taken") => td_string!(l, ed_slug_taken),
            ("slug", _) => td_string!(l, ed_slug_invalid),
            ("conditions", _) => td_string!(l, ed_conditions_invalid),
            ("sources", _) => td_string!(l, ed_sources_invalid),
            ("tags", _) => td_string!(l, ed_tags_invalid),
            _ => td_string!(l, ed_invalid),
        })
    };
    let text = move |id: &'static str,
                     label: &'static str,
                     hint: Option<&'static str>,
                     value: String,
                     rows: Option<u32>| {
        let p = problem(id);
        let input_id = format!("article-{id}");
        let error_id = format!("article-{id}-error");
        let hint_id = format!("article-{id}-hint");
        let described = [p.map(|_| error_id.clone()), hint.map(|_| hint_id.clone())]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let described = (!described.is_empty()).then_some(described);
        view! {
            <div class="field" class:field--invalid=p.is_some()>
                <label for=input_id.clone()>{label}</label>
                {hint.map(|h| view! { <p class="field__hint" id=hint_id.clone()>{h}</p> })}
                {p.map(|e| view! { <p class="field__error" id=error_id.clone()>{e}</p> })}
                {match rows {
                    Some(rows) => view! {
                        <textarea id=input_id name=id rows=rows aria-invalid=p.map(|_| "true")
                            aria-describedby=described>{value}</textarea>
                    }.into_any(),
                    None => view! {
                        <input id=input_id name=id type="text" value=value aria-invalid=p.map(|_| "true")
                            aria-describedby=described />
                    }.into_any(),
                }}
            </div>
        }
    };
    let kind = form.kind.clone();
    let category = form.category.clone();
    let hero_alt = form.hero_alt.clone();
    let chosen = match hero {
        Some(image) => view! {
            // The description is typed just below; the preview adds nothing to it.
            <ResponsiveImage image=image.clone() alt=String::new() sizes="20rem" class="hero-field__preview" />
            <label class="choice">
                <input type="checkbox" name="hero_image" value=image.hash checked=true />
                " " {td_string!(l, ed_hero_use)}
            </label>
            {text("hero_alt", td_string!(l, ed_hero_alt), Some(td_string!(l, ed_hero_alt_hint)), hero_alt, None)}
        }
        .into_any(),
        None if image_gone => view! {
            <p class="field__error" role="alert">{td_string!(l, ed_hero_invalid)}</p>
        }
        .into_any(),
        None => view! { <p class="muted">{td_string!(l, ed_hero_none)}</p> }.into_any(),
    };
    let image_described = match image_problem {
        Some(_) => "article-image-error article-image-hint",
        None => "article-image-hint",
    };
    // The upload posts this same form (as multipart, to the upload function) so that nothing
    // typed is lost; it skips the form's checks, as an unfinished article may be uploaded for.
    let hero_field = view! {
        <fieldset class="field hero-field">
            <legend>{td_string!(l, ed_hero_title)}</legend>
            {chosen}
            <div class="field" class:field--invalid=image_problem.is_some()>
                <label for="article-image">{td_string!(l, ed_hero_upload_label)}</label>
                <p class="field__hint" id="article-image-hint">{td_string!(l, ed_hero_upload_hint)}</p>
                {image_problem.map(|p| view! { <p class="field__error" id="article-image-error" role="alert">{p}</p> })}
                <input id="article-image" name="image" type="file" accept="image/jpeg,image/png,image/webp"
                    aria-invalid=image_problem.map(|_| "true") aria-describedby=image_described />
            </div>
            <button class="button button--secondary" type="submit" formnovalidate
                formaction={<UploadHeroImage as ServerFn>::PATH} formenctype="multipart/form-data">
                {td_string!(l, ed_hero_upload_button)}
            </button>
        </fieldset>
    }
    // Type-erased: the whole form as one type is deeper than the compiler's query limit in a
    // release build.
    .into_any();
    view! {
        <form class="form article-form" method="post" action={<SaveArticle as ServerFn>::PATH} novalidate>
            <input type="hidden" name="article_id" value=article_id />
            <input type="hidden" name="version" value=version />
            <input type="hidden" name="language" value=language />
            // First in the form, so that Enter in a field saves rather than uploads.
            <div class="article-form__bar">
                <button class="button" type="submit">{td_string!(l, ed_save)}</button>
            </div>
            {text("title", td_string!(l, ed_field_title), None, form.title.clone(), None)}
            {text("slug", td_string!(l, ed_field_slug), Some(td_string!(l, ed_field_slug_hint)), form.slug.clone(), None)}
            {text("summary", td_string!(l, ed_field_summary), None, form.summary.clone(), Some(3))}
            {text("body", td_string!(l, ed_field_body), Some(td_string!(l, ed_field_body_hint)), form.body.clone(), Some(18))}
            <fieldset class="field">
                <legend>{td_string!(l, ed_field_kind)}</legend>
                <label class="choice"><input type="radio" name="kind" value="article" checked=kind != "condition_guide" /> " " {td_string!(l, lib_kind_article)}</label>
                <label class="choice"><input type="radio" name="kind" value="condition_guide" checked=kind == "condition_guide" /> " " {td_string!(l, lib_kind_guide)}</label>
            </fieldset>
            <super::ui::CategorySelect id="article-category" none=td_string!(l, ed_no_category)
                categories selected=category />
            {text("tags", td_string!(l, ed_field_tags), Some(td_string!(l, ed_field_tags_hint)), form.tags.clone(), None)}
            {text("conditions", td_string!(l, ed_field_conditions), Some(td_string!(l, ed_field_conditions_hint)), form.conditions.clone(), Some(3))}
            {text("sources", td_string!(l, ed_field_sources), Some(td_string!(l, ed_field_sources_hint)), form.sources.clone(), Some(3))}
            {text("review_interval_months", td_string!(l, ed_field_interval), None, form.review_interval_months.clone(), None)}
            {hero_field}
            <button class="button" type="submit">{td_string!(l, ed_save)}</button>
        </form>
    }
}

#[component]
fn Revisions(article: EditorArticle, editor: bool) -> impl IntoView {
    let l = use_locale();
    let newest = article.version;
    let id = article.article_id.clone();
    view! {
        <section class="revisions" aria-labelledby="revisions-title">
            <h2 id="revisions-title">{td_string!(l, ed_revisions)}</h2>
            <ol class="revision-list" reversed>
                {article.revisions.into_iter().map(|r| {
                    let compare = format!("/editor/articles/{id}/compare?from={}&to={newest}", r.number);
                    let id = id.clone();
                    view! {
                        <li>
                            <strong>{td_string!(l, ed_revision)} " " {r.number}</strong>
                            " · " {r.saved_by} " · " {day(&r.saved_at)} " UTC"
                            {r.note.map(|n| view! { " · " <em>{n}</em> })}
                            {(r.number != newest).then(|| view! {
                                " · " <a href=compare>{td_string!(l, ed_compare)}</a>
                                {editor.then(|| view! {
                                    <form class="inline-form" method="post" action={<RestoreRevision as ServerFn>::PATH}>
                                        <input type="hidden" name="article_id" value=id.clone() />
                                        <input type="hidden" name="number" value=r.number />
                                        <input type="hidden" name="version" value=newest />
                                        <button class="link-button" type="submit">{td!(l, ed_restore, n = move || r.number.to_string())}</button>
                                    </form>
                                })}
                            })}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
}

/// `/editor/articles/:id/compare?from=…&to=…`.
#[component]
pub fn EditorComparePage() -> impl IntoView {
    let l = use_locale();
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let query = use_query_map().get_untracked();
    let from = query.get("from").and_then(|v| v.parse().ok()).unwrap_or(1);
    let to = query.get("to").and_then(|v| v.parse().ok()).unwrap_or(1);
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, ed_compare_title)) />
        <Suspense fallback=Loading>
            {move || {
                let id = id.clone();
                Suspend::new(async move {
                    match compare_revisions(id.clone(), from, to).await {
                        Err(AppError::NotFound) => view! { <crate::shell::NotFoundPage /> }.into_any(),
                        Err(error) => view! { <AccessProblem error /> }.into_any(),
                        Ok(diff) => view! {
                            <section class="page" aria-labelledby="page-title">
                                <p class="breadcrumb"><a href=format!("/editor/articles/{id}")>{td_string!(l, ed_back_to_article)}</a></p>
                                <h1 id="page-title">{td!(l, ed_compare_heading, from = move || from.to_string(), to = move || to.to_string())}</h1>
                                {if diff.fields.is_empty() {
                                    view! { <p class="empty" role="status">{td_string!(l, ed_no_changes)}</p> }.into_any()
                                } else {
                                    diff.fields.into_iter().map(|(field, lines)| view! {
                                        <h2>{field}</h2>
                                        <div class="diff" role="list">
                                            {lines.into_iter().map(|line| match line {
                                                DiffLine::Same(t) => view! { <p class="diff__same" role="listitem">{t}</p> }.into_any(),
                                                DiffLine::Added(t) => view! { <p class="diff__added" role="listitem"><ins><span class="visually-hidden">{td_string!(l, ed_added)} " "</span>{t}</ins></p> }.into_any(),
                                                DiffLine::Removed(t) => view! { <p class="diff__removed" role="listitem"><del><span class="visually-hidden">{td_string!(l, ed_removed)} " "</span>{t}</del></p> }.into_any(),
                                            }).collect_view()}
                                        </div>
                                    }).collect_view().into_any()
                                }}
                            </section>
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}
