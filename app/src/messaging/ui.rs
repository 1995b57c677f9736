//! The patient's messaging pages, rendered on the server and working without JavaScript: the
//! messages list with the navigator, the new-message form (its draft kept on the server), one
//! conversation with its status timeline and the reply form, and the notification centre. Message
//! text is always rendered as text (Leptos escapes it); nothing here builds HTML from it.

use super::api::{
    get_conversation, list_conversations, list_notifications, new_message_form, SendMessage,
    StartConversation,
};
use super::domain::*;
use super::live::LiveUpdates;
use crate::error::AppError;
use crate::i18n::{td, td_string};
use crate::locale::{use_locale, Locale};
use crate::organisation::PRODUCT_NAME;
use crate::shell::Loading;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use server_fn::ServerFn;

pub(super) fn query(name: &str) -> String {
    use_query_map()
        .get_untracked()
        .get(name)
        .unwrap_or_default()
}

pub(crate) fn status_name(l: Locale, status: &str) -> &'static str {
    match status {
        "in_progress" => td_string!(l, ms_status_in_progress),
        "waiting" => td_string!(l, ms_status_waiting),
        "done" => td_string!(l, ms_status_done),
        _ => td_string!(l, ms_status_received),
    }
}

pub(super) fn topic_name(l: Locale, topic: &str) -> &'static str {
    match topic {
        "clinician" => td_string!(l, ms_topic_clinician),
        "appointment" => td_string!(l, ms_topic_appointment),
        "renewal" => td_string!(l, ms_topic_renewal),
        "billing" => td_string!(l, ms_topic_billing),
        "records" => td_string!(l, ms_topic_records),
        _ => td_string!(l, ms_topic_other),
    }
}

/// "Usually within 1 day" / "within 4 hours": the queue's reply target in words.
pub(super) fn reply_target(l: Locale, hours: i32) -> String {
    if hours == 24 {
        td_string!(l, ms_reply_one_day).to_string()
    } else if hours > 24 && hours % 24 == 0 {
        let days = (hours / 24).to_string();
        td_string!(l, ms_reply_days).replace("%days%", &days)
    } else {
        td_string!(l, ms_reply_hours).replace("%hours%", &hours.to_string())
    }
}

/// What went wrong, in words that say what to do next.
pub(super) fn problem_text(l: Locale, error: &AppError) -> &'static str {
    match error {
        AppError::RateLimited => td_string!(l, ms_too_many),
        AppError::Validation(f) if f.get("topic").is_some() => td_string!(l, ms_topic_needed),
        AppError::Validation(f) if f.get("subject").is_some_and(|p| p == "too_long") => {
            td_string!(l, ms_subject_too_long)
        }
        AppError::Validation(f) if f.get("subject").is_some() => td_string!(l, ms_subject_needed),
        AppError::Validation(f) if f.get("body").is_some_and(|p| p == "too_long") => {
            td_string!(l, ms_body_too_long)
        }
        AppError::Validation(f) if f.get("body").is_some() => td_string!(l, ms_body_needed),
        AppError::Validation(f) => match f.get("attachment").map(String::as_str) {
            Some("too_large") => td_string!(l, ms_attachment_too_large),
            Some("too_many") => td_string!(l, ms_attachment_too_many),
            Some(_) => td_string!(l, ms_attachment_type),
            None => td_string!(l, ms_choice_invalid),
        },
        AppError::Forbidden => td_string!(l, forbidden_body),
        _ => td_string!(l, ms_not_sent),
    }
}

/// The page instead of its content when the caller cannot write for anyone.
#[component]
pub(super) fn MessagingProblem(error: AppError) -> impl IntoView {
    let l = use_locale();
    view! {
        <crate::shell::PatientPageProblem
            error
            title=td_string!(l, ms_title)
            no_patient=td_string!(l, ms_no_patient)
            sign_in=td_string!(l, ms_sign_in_needed)
        />
    }
}

/// The patient's navigator: photo (or initials), name, role, and the way to write to them.
#[component]
pub fn NavigatorCard(navigator: Navigator, write_href: String) -> impl IntoView {
    let l = use_locale();
    let away = navigator.away;
    view! {
        <aside class="navigator" aria-labelledby="navigator-title">
            {match navigator.photo.clone() {
                Some((src, alt)) => view! { <img class="navigator__photo" src=src alt=alt width="72" height="72" /> }.into_any(),
                None => view! { <span class="navigator__initials" aria-hidden="true">{navigator.initials.clone()}</span> }.into_any(),
            }}
            <div>
                <h2 id="navigator-title" class="navigator__label">{td_string!(l, ms_navigator_label)}</h2>
                <p class="navigator__name">{navigator.name.clone()}</p>
                {(!navigator.title.is_empty()).then(|| view! { <p class="muted">{navigator.title.clone()}</p> })}
                {away.then(|| view! { <p class="muted">{td_string!(l, ms_navigator_away)}</p> })}
                <p><a class="button" href=write_href>{td_string!(l, ms_write_to_team)}</a></p>
            </div>
        </aside>
    }
}

#[component]
fn ConversationItem(card: ConversationCard) -> impl IntoView {
    let l = use_locale();
    let href = format!("/messages/{}", card.id);
    let status = card.status.clone();
    view! {
        <li class="conversation-item" class:conversation-item--unread=card.unread>
            <p>
                <a href=href><strong>{card.subject.clone()}</strong></a>
                {card.unread.then(|| view! { " " <span class="badge badge--new">{td_string!(l, ms_new_reply)}</span> })}
            </p>
            <p>
                <span class=format!("status status--{status}")>{status_name(l, &status)}</span>
                " · " {topic_name(l, &card.topic)} " · " {card.updated.clone()}
            </p>
            {(card.status == "received" || card.status == "in_progress").then(|| view! {
                <p class="muted">{card.queue_name.clone()} " — " {reply_target(l, card.response_hours)}</p>
            })}
        </li>
    }
}

/// `/messages`: the navigator, open requests with their status, and finished ones.
#[component]
pub fn MessagesPage() -> impl IntoView {
    let l = use_locale();
    let patient = query("patient");
    let saved = !query("saved").is_empty();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, ms_title)) />
        <Suspense fallback=Loading>
            {move || {
                let patient = patient.clone();
                Suspend::new(async move {
                    let inbox = match list_conversations(Some(patient).filter(|p| !p.is_empty())).await {
                        Ok(i) => i,
                        Err(error) => return view! { <MessagingProblem error /> }.into_any(),
                    };
                    let write = format!("/messages/new?patient={}", inbox.patient_id);
                    let name = inbox.patient_name.clone();
                    view! {
                        <section class="page" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, ms_title)}</h1>
                            <p class="muted">{td!(l, ms_for, name = move || name.clone())}</p>
                            {saved.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, ms_draft_saved)}</p> })}
                            {match inbox.navigator.clone() {
                                Some(navigator) => view! { <NavigatorCard navigator write_href=write.clone() /> }.into_any(),
                                None => view! {
                                    <p><a class="button" href=write.clone()>{td_string!(l, ms_write_to_team)}</a></p>
                                }.into_any(),
                            }}
                            {inbox.has_draft.then(|| view! {
                                <p class="notice" role="note">
                                    {td_string!(l, ms_have_draft)} " " <a href=write.clone()>{td_string!(l, ms_continue_draft)}</a>
                                </p>
                            })}
                            <p><a href="/notifications">{td_string!(l, nav_notifications)}</a></p>
                            <div id="live-list" data-live>
                            <h2>{td_string!(l, ms_open_requests)}</h2>
                            {if inbox.open.is_empty() {
                                view! { <p class="empty">{td_string!(l, ms_no_open)}</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="conversations">
                                        {inbox.open.clone().into_iter().map(|card| view! { <ConversationItem card /> }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                            {(!inbox.done.is_empty()).then(|| view! {
                                <h2>{td_string!(l, ms_done_requests)}</h2>
                                <ul class="conversations">
                                    {inbox.done.clone().into_iter().map(|card| view! { <ConversationItem card /> }).collect_view()}
                                </ul>
                            })}
                            </div>
                            <LiveUpdates stream=format!("/live/messages?patient={}", inbox.patient_id) />
                        </section>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

/// `/messages/new`: topic, subject and message, with "Send" and "Save draft".
#[component]
pub fn NewMessagePage() -> impl IntoView {
    let l = use_locale();
    let patient = query("patient");
    let error = crate::shell::posted_error(<StartConversation as ServerFn>::PATH);
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, ms_new_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (patient, error) = (patient.clone(), error.clone());
                Suspend::new(async move {
                    let form = match new_message_form(Some(patient).filter(|p| !p.is_empty())).await {
                        Ok(f) => f,
                        Err(error) => return view! { <MessagingProblem error /> }.into_any(),
                    };
                    let field_error = |field: &str| match &error {
                        Some(AppError::Validation(f)) => f.contains_key(field),
                        _ => false,
                    };
                    let (topic_bad, subject_bad, body_bad) = (field_error("topic"), field_error("subject"), field_error("body"));
                    let name = form.patient_name.clone();
                    let to = form
                        .navigator
                        .as_ref()
                        .filter(|n| !n.away)
                        .map(|n| n.name.clone());
                    view! {
                        <section class="page page--narrow" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, ms_new_title)}</h1>
                            <p class="muted">{td!(l, ms_for, name = move || name.clone())}</p>
                            {to.map(|to| view! { <p>{td!(l, ms_goes_to, name = move || to.clone())}</p> })}
                            {error.as_ref().map(|e| view! { <p class="notice notice--error" role="alert">{problem_text(l, e)}</p> })}
                            <form method="post" action={<StartConversation as ServerFn>::PATH} enctype="multipart/form-data" class="form">
                                <input type="hidden" name="patient_id" value=form.patient_id.clone() />
                                <fieldset>
                                    <legend>{td_string!(l, ms_topic_label)}</legend>
                                    {TOPICS.iter().map(|t| {
                                        let checked = form.topic == *t;
                                        view! {
                                            <label class="choice">
                                                <input type="radio" name="topic" value=*t checked=checked required />
                                                {topic_name(l, t)}
                                            </label>
                                        }
                                    }).collect_view()}
                                    {topic_bad.then(|| view! { <p id="topic-error" class="field__error">{td_string!(l, ms_topic_needed)}</p> })}
                                </fieldset>
                                <div class="field">
                                    <label for="subject">{td_string!(l, ms_subject_label)}</label>
                                    <input id="subject" name="subject" type="text" maxlength=SUBJECT_MAX.to_string()
                                        value=form.subject.clone() required
                                        aria-invalid=subject_bad.then_some("true")
                                        aria-describedby=if subject_bad { "subject-error" } else { "subject-hint" } />
                                    <p id="subject-hint" class="field__hint">{td_string!(l, ms_subject_hint)}</p>
                                    {subject_bad.then(|| view! { <p id="subject-error" class="field__error">{td_string!(l, ms_subject_needed)}</p> })}
                                </div>
                                <div class="field">
                                    <label for="body">{td_string!(l, ms_body_label)}</label>
                                    <textarea id="body" name="body" rows="8" maxlength=BODY_MAX.to_string() required
                                        aria-invalid=body_bad.then_some("true")
                                        aria-describedby=if body_bad { "body-error" } else { "body-hint" }>
                                        {form.body.clone()}
                                    </textarea>
                                    <p id="body-hint" class="field__hint">{td_string!(l, ms_body_hint)}</p>
                                    {body_bad.then(|| view! { <p id="body-error" class="field__error">{td_string!(l, ms_body_needed)}</p> })}
                                </div>
                                <AttachField error=error.clone() />
                                <p class="notice" role="note">{td_string!(l, ms_emergency)}</p>
                                <div class="form__actions">
                                    <button class="button" type="submit">{td_string!(l, ms_send)}</button>
                                    <button class="button button--secondary" type="submit" name="save" value="1" formnovalidate>
                                        {td_string!(l, ms_save_draft)}
                                    </button>
                                    <a href="/messages">{td_string!(l, ms_back_to_messages)}</a>
                                </div>
                            </form>
                        </section>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

/// The messages of a conversation, oldest first, each with its author, time and read receipt.
#[component]
pub(super) fn Thread(messages: Vec<MessageView>, staff_view: bool) -> impl IntoView {
    let l = use_locale();
    view! {
        <ol class="thread" aria-label=td_string!(l, ms_thread_label)>
            {messages.into_iter().map(|m| {
                let mine_side = if staff_view { m.from_staff } else { !m.from_staff };
                view! {
                    <li class="message" class:message--ours=mine_side class:message--note=m.internal>
                        <p class="message__meta">
                            <strong>{m.author.clone()}</strong>
                            {m.internal.then(|| view! { " " <span class="badge">{td_string!(l, ms_internal_badge)}</span> })}
                            " · " <span>{m.at.clone()}</span>
                        </p>
                        <p class="message__body">{m.body.clone()}</p>
                        {(!m.attachments.is_empty()).then(|| view! { <AttachmentList files=m.attachments.clone() /> })}
                        {(mine_side && !m.internal).then(|| view! {
                            <p class="message__read muted">
                                {match m.read.clone() {
                                    Some(at) => td!(l, ms_read_at, at = move || at.clone()).into_any(),
                                    None => td_string!(l, ms_not_read).into_any(),
                                }}
                            </p>
                        })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

/// A message's files, each a download link with its kind and size.
#[component]
fn AttachmentList(files: Vec<AttachmentView>) -> impl IntoView {
    let l = use_locale();
    view! {
        <ul class="attachments" aria-label=td_string!(l, ms_attachments_label)>
            {files.into_iter().map(|f| {
                let kind = if f.kind == "pdf" { td_string!(l, ms_kind_pdf) } else { td_string!(l, ms_kind_image) };
                view! {
                    <li>
                        <a href=format!("/messages/attachments/{}", f.id) download=f.name.clone()>
                            <span class="visually-hidden">{td_string!(l, ms_download)} " "</span>
                            {f.name.clone()}
                        </a>
                        " " <span class="muted">{kind} " · " {file_size(l, f.bytes)}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// A file's size in kilobytes or megabytes, with the locale's decimal mark.
pub(super) fn file_size(l: Locale, bytes: i64) -> String {
    let text = if bytes < 1024 * 1024 {
        format!("{} KB", (bytes + 1023) / 1024)
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    };
    if matches!(l, Locale::es) {
        text.replace('.', ",")
    } else {
        text
    }
}

/// The file picker of a message form: any number of files up to the limit, checked on the
/// server by content whatever the picker offered.
#[component]
pub(super) fn AttachField(error: Option<AppError>) -> impl IntoView {
    use super::attachment::{ACCEPTED_TYPES, FILE_FIELD};
    let l = use_locale();
    let bad = matches!(&error, Some(AppError::Validation(f)) if f.contains_key("attachment"));
    view! {
        <div class="field">
            <label for="attachment">{td_string!(l, ms_attach_label)}</label>
            <input id="attachment" name=FILE_FIELD type="file" multiple accept=ACCEPTED_TYPES
                aria-invalid=bad.then_some("true") aria-describedby="attachment-hint" />
            <p id="attachment-hint" class="field__hint">{td_string!(l, ms_attach_hint)}</p>
        </div>
    }
}

/// The request's status and what happened to it, in order.
#[component]
pub(super) fn Timeline(status: String, entries: Vec<TimelineEntry>) -> impl IntoView {
    let l = use_locale();
    view! {
        <section class="timeline" aria-labelledby="timeline-title">
            <h2 id="timeline-title">{td_string!(l, ms_timeline_title)}</h2>
            <ol class="progress">
                {STATUSES.iter().map(|s| {
                    let reached = STATUSES.iter().position(|x| *x == status.as_str())
                        .zip(STATUSES.iter().position(|x| x == s))
                        .is_some_and(|(now, this)| this <= now);
                    let current = *s == status.as_str();
                    view! {
                        <li class="progress__step" class:progress__step--done=reached aria-current=current.then_some("step")>
                            {status_name(l, s)}
                        </li>
                    }
                }).collect_view()}
            </ol>
            <ul class="timeline__events">
                {entries.into_iter().map(|e| {
                    let what = match e.kind.as_str() {
                        "status" => td_string!(l, ms_event_status).replace("%status%", status_name(l, &e.value)),
                        "assigned" if e.value.is_empty() => td_string!(l, ms_event_unassigned).to_string(),
                        "assigned" => td_string!(l, ms_event_assigned).replace("%name%", &e.value),
                        _ => td_string!(l, ms_event_queue).replace("%queue%", &e.value),
                    };
                    view! { <li><span class="muted">{e.at.clone()}</span> " — " {what}</li> }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// `/messages/:id`: the conversation, its status, and the reply form.
#[component]
pub fn ConversationPage() -> impl IntoView {
    let l = use_locale();
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let sent = !query("sent").is_empty();
    let saved = !query("saved").is_empty();
    let error = crate::shell::posted_error(<SendMessage as ServerFn>::PATH);
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, ms_conversation_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (id, error) = (id.clone(), error.clone());
                Suspend::new(async move {
                    let c = match get_conversation(id, None).await {
                        Ok(c) => c,
                        Err(error) => return view! { <MessagingProblem error /> }.into_any(),
                    };
                    let waiting_for_team = c.status == "received" || c.status == "in_progress";
                    let target = reply_target(l, c.response_hours);
                    view! {
                        <section class="page page--narrow" aria-labelledby="page-title">
                            <p><a href="/messages">{td_string!(l, ms_back_to_messages)}</a></p>
                            <h1 id="page-title">{c.subject.clone()}</h1>
                            <div id="live-head" data-live>
                                <p>
                                    <span class=format!("status status--{}", c.status)>{status_name(l, &c.status)}</span>
                                    " · " {topic_name(l, &c.topic)} " · " {c.queue_name.clone()}
                                </p>
                                {waiting_for_team.then(|| view! { <p class="muted">{target.clone()}</p> })}
                                {(c.status == "waiting").then(|| view! { <p class="notice" role="note">{td_string!(l, ms_waiting_for_you)}</p> })}
                            </div>
                            {sent.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, ms_sent)}</p> })}
                            {saved.then(|| view! { <p class="notice notice--ok" role="status">{td_string!(l, ms_draft_saved)}</p> })}
                            <div id="live-thread" data-live>
                                <Thread messages=c.messages.clone() staff_view=false />
                            </div>
                            <ReplyForm conversation_id=c.id.clone() draft=c.draft.clone() error=error.clone() />
                            <div id="live-timeline" data-live>
                                <Timeline status=c.status.clone() entries=c.timeline.clone() />
                            </div>
                            <LiveUpdates stream=format!("/live/messages?conversation={}", c.id) />
                        </section>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

/// The patient's reply box; a failed send comes back with the text still in it (kept as a
/// draft on the server).
#[component]
fn ReplyForm(conversation_id: String, draft: String, error: Option<AppError>) -> impl IntoView {
    let l = use_locale();
    let bad = matches!(&error, Some(AppError::Validation(f)) if f.contains_key("body"));
    view! {
        <form method="post" action={<SendMessage as ServerFn>::PATH} enctype="multipart/form-data" class="form reply">
            <input type="hidden" name="conversation_id" value=conversation_id />
            {error.as_ref().map(|e| view! { <p class="notice notice--error" role="alert">{problem_text(l, e)}</p> })}
            <div class="field">
                <label for="reply-body">{td_string!(l, ms_reply_label)}</label>
                <textarea id="reply-body" name="body" rows="5" maxlength=BODY_MAX.to_string() required
                    aria-invalid=bad.then_some("true")>{draft}</textarea>
            </div>
            <AttachField error=error.clone() />
            <div class="form__actions">
                <button class="button" type="submit">{td_string!(l, ms_send)}</button>
                <button class="button button--secondary" type="submit" name="save" value="1" formnovalidate>
                    {td_string!(l, ms_save_draft)}
                </button>
            </div>
        </form>
    }
}

/// The open requests on the patient's home page, with the navigator: nothing at all when the
/// caller may not message for this person.
#[component]
pub fn OpenRequests(patient_id: String) -> impl IntoView {
    let l = use_locale();
    view! {
        <Suspense fallback=Loading>
            {move || {
                let patient_id = patient_id.clone();
                Suspend::new(async move {
                    let Ok(inbox) = list_conversations(Some(patient_id.clone())).await else {
                        return ().into_any();
                    };
                    let write = format!("/messages/new?patient={patient_id}");
                    let all = format!("/messages?patient={patient_id}");
                    view! {
                        {inbox.navigator.clone().map(|navigator| view! { <NavigatorCard navigator write_href=write.clone() /> })}
                        <h2>{td_string!(l, ms_open_requests)}</h2>
                        {if inbox.open.is_empty() {
                            view! { <p class="empty">{td_string!(l, ms_no_open)}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="conversations">
                                    {inbox.open.into_iter().take(5).map(|card| view! { <ConversationItem card /> }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                        <ul class="links">
                            <li><a href=write>{td_string!(l, ms_write_to_team)}</a></li>
                            <li><a href=all>{td_string!(l, ms_all_messages)}</a></li>
                            <li><a href="/notifications">{td_string!(l, nav_notifications)}</a></li>
                        </ul>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

/// `/notifications`: what happened lately, each linking to where to look.
#[component]
pub fn NotificationsPage() -> impl IntoView {
    let l = use_locale();
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, ms_notifications_title)) />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                let items = match list_notifications().await {
                    Ok(i) => i,
                    Err(error) => return view! { <MessagingProblem error /> }.into_any(),
                };
                view! {
                    <section class="page page--narrow" aria-labelledby="page-title">
                        <h1 id="page-title">{td_string!(l, ms_notifications_title)}</h1>
                        {if items.is_empty() {
                            view! { <p class="empty">{td_string!(l, ms_no_notifications)}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="notifications">
                                    {items.into_iter().map(|n| {
                                        let what = if n.kind == "request_status" {
                                            td_string!(l, ms_notice_status)
                                        } else {
                                            td_string!(l, ms_notice_reply)
                                        };
                                        let who = n.patient_name.clone();
                                        view! {
                                            <li class:notifications__unread=n.unread>
                                                <a href=n.href.clone()>{what}</a>
                                                {(!who.is_empty()).then(|| view! { " · " {who.clone()} })}
                                                " · " <span class="muted">{n.at.clone()}</span>
                                                {n.unread.then(|| view! { " " <span class="badge badge--new">{td_string!(l, ms_new_badge)}</span> })}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                }
                .into_any()
            })}
        </Suspense>
    }
}
