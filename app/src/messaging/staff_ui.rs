//! The staff side of messaging: the inbox (queue tabs, status filter, search, overdue rows
//! first) and one conversation with the patient's context, internal notes, canned replies,
//! status and assignment. Every control is a plain form, so it works without JavaScript.

use super::api::{
    get_conversation, staff_inbox, AssignConversation, SendMessage, SetAway, SetConversationStatus,
};
use super::domain::*;
use super::live::LiveUpdates;
use super::ui::{
    problem_text, query, status_name, topic_name, AttachField, MessagingProblem, Thread, Timeline,
};
use crate::i18n::{td, td_string};
use crate::locale::use_locale;
use crate::organisation::PRODUCT_NAME;
use crate::shell::{action_error, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use server_fn::ServerFn;

/// `/staff/messages`: the inbox.
#[component]
pub fn StaffInboxPage() -> impl IntoView {
    let l = use_locale();
    let (queue, status, q) = (query("queue"), query("status"), query("q"));
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, ms_inbox_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (queue, status, q) = (queue.clone(), status.clone(), q.clone());
                Suspend::new(async move {
                    let inbox = match staff_inbox(Some(queue), Some(status).filter(|s| !s.is_empty()), Some(q)).await {
                        Ok(i) => i,
                        Err(error) => return view! { <MessagingProblem error /> }.into_any(),
                    };
                    let chosen = inbox.queue.clone();
                    let status = inbox.status.clone();
                    view! {
                        <section class="page" aria-labelledby="page-title">
                            <h1 id="page-title">{td_string!(l, ms_inbox_title)}</h1>
                            {inbox.away.map(|away| view! {
                                <form method="post" action={<SetAway as ServerFn>::PATH} class="inline-form">
                                    <input type="hidden" name="away" value=if away { "false" } else { "true" } />
                                    <span>{if away { td_string!(l, ms_you_are_away) } else { td_string!(l, ms_you_are_in) }}</span>
                                    " "
                                    <button class="button button--secondary" type="submit">
                                        {if away { td_string!(l, ms_mark_back) } else { td_string!(l, ms_mark_away) }}
                                    </button>
                                </form>
                            })}
                            <nav class="tabs" aria-label=td_string!(l, ms_queues_label)>
                                <ul id="live-tabs" data-live>
                                    <li>
                                        <a href="/staff/messages" aria-current=chosen.is_empty().then_some("page")>
                                            {td_string!(l, ms_all_queues)}
                                        </a>
                                    </li>
                                    {inbox.tabs.iter().map(|t| {
                                        let current = t.slug == chosen;
                                        let overdue = t.overdue;
                                        view! {
                                            <li>
                                                <a href=format!("/staff/messages?queue={}", t.slug) aria-current=current.then_some("page")>
                                                    {if t.slug == "mine" { td_string!(l, ms_assigned_to_me).to_string() } else { t.name.clone() }}
                                                    " (" {t.open} ")"
                                                    {(overdue > 0).then(|| view! {
                                                        " " <span class="badge badge--late">{td!(l, ms_overdue_count, n = move || overdue.to_string())}</span>
                                                    })}
                                                </a>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            </nav>
                            <form method="get" action="/staff/messages" class="filters" role="search">
                                <input type="hidden" name="queue" value=chosen.clone() />
                                <div class="field">
                                    <label for="inbox-status">{td_string!(l, ms_status_label)}</label>
                                    <select id="inbox-status" name="status">
                                        <option value="open" selected=status == "open">{td_string!(l, ms_filter_open)}</option>
                                        {STATUSES.iter().map(|s| view! {
                                            <option value=*s selected=status == *s>{status_name(l, s)}</option>
                                        }).collect_view()}
                                        <option value="all" selected=status == "all">{td_string!(l, ms_filter_all)}</option>
                                    </select>
                                </div>
                                <div class="field">
                                    <label for="inbox-q">{td_string!(l, ms_search_label)}</label>
                                    <input id="inbox-q" name="q" type="search" value=inbox.search.clone() />
                                </div>
                                <button class="button button--secondary" type="submit">{td_string!(l, ms_filter_button)}</button>
                            </form>
                            <div id="live-list" data-live>
                            {if inbox.rows.is_empty() {
                                view! { <p class="empty">{td_string!(l, ms_inbox_empty)}</p> }.into_any()
                            } else {
                                view! {
                                    <div class="table-scroll">
                                        <table class="table inbox">
                                            <caption class="visually-hidden">{td_string!(l, ms_inbox_title)}</caption>
                                            <thead>
                                                <tr>
                                                    <th scope="col">{td_string!(l, ms_col_patient)}</th>
                                                    <th scope="col">{td_string!(l, ms_subject_label)}</th>
                                                    <th scope="col">{td_string!(l, ms_status_label)}</th>
                                                    <th scope="col">{td_string!(l, ms_col_queue)}</th>
                                                    <th scope="col">{td_string!(l, ms_col_assigned)}</th>
                                                    <th scope="col">{td_string!(l, ms_col_updated)}</th>
                                                </tr>
                                            </thead>
                                            <tbody>
                                                {inbox.rows.iter().map(|r| view! {
                                                    <tr class:inbox__late=r.overdue>
                                                        <td>{r.patient_name.clone()}</td>
                                                        <td>
                                                            <a href=format!("/staff/messages/{}", r.id)>{r.subject.clone()}</a>
                                                            <br /><span class="muted">{topic_name(l, &r.topic)}</span>
                                                        </td>
                                                        <td>
                                                            {status_name(l, &r.status)}
                                                            {r.overdue.then(|| view! { " " <span class="badge badge--late">{td_string!(l, ms_overdue)}</span> })}
                                                        </td>
                                                        <td>{r.queue_name.clone()}</td>
                                                        <td>{r.assigned_to.clone().unwrap_or_else(|| td_string!(l, ms_nobody).to_string())}</td>
                                                        <td>{r.updated.clone()}</td>
                                                    </tr>
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                }.into_any()
                            }}
                            </div>
                            <LiveUpdates stream="/live/messages?staff=1".to_string() />
                        </section>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

/// `/staff/messages/:id`: the conversation, the patient's context, and the controls.
#[component]
pub fn StaffConversationPage() -> impl IntoView {
    let l = use_locale();
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let canned = query("canned");
    let notice = ["sent", "saved", "updated"]
        .into_iter()
        .find(|k| !query(k).is_empty());
    let error = crate::shell::posted_error(<SendMessage as ServerFn>::PATH)
        .or_else(action_error::<SetConversationStatus>)
        .or_else(action_error::<AssignConversation>);
    view! {
        <Title text=format!("{} · {PRODUCT_NAME}", td_string!(l, ms_conversation_title)) />
        <Suspense fallback=Loading>
            {move || {
                let (id, canned, error) = (id.clone(), canned.clone(), error.clone());
                Suspend::new(async move {
                    let c = match get_conversation(id, Some(canned).filter(|c| !c.is_empty())).await {
                        Ok(c) => c,
                        Err(error) => return view! { <MessagingProblem error /> }.into_any(),
                    };
                    let Some(side) = c.staff.clone() else {
                        return view! { <MessagingProblem error=crate::error::AppError::Forbidden /> }.into_any();
                    };
                    let here = format!("/staff/messages/{}", c.id);
                    let notice_text = notice.map(|n| match n {
                        "sent" => td_string!(l, ms_sent),
                        "saved" => td_string!(l, ms_draft_saved),
                        _ => td_string!(l, ms_updated),
                    });
                    view! {
                        <section class="page conversation-staff" aria-labelledby="page-title">
                            <p><a href="/staff/messages">{td_string!(l, ms_back_to_inbox)}</a></p>
                            <h1 id="page-title">{c.subject.clone()}</h1>
                            <p id="live-head" data-live>
                                <span class=format!("status status--{}", c.status)>{status_name(l, &c.status)}</span>
                                " · " {topic_name(l, &c.topic)} " · " {c.queue_name.clone()}
                                {side.overdue.then(|| view! { " " <span class="badge badge--late">{td_string!(l, ms_overdue)}</span> })}
                            </p>
                            {notice_text.map(|t| view! { <p class="notice notice--ok" role="status">{t}</p> })}
                            {error.as_ref().map(|e| view! { <p class="notice notice--error" role="alert">{problem_text(l, e)}</p> })}
                            <div class="split">
                                <div class="split__main">
                                    <div id="live-thread" data-live>
                                        <Thread messages=c.messages.clone() staff_view=true />
                                    </div>
                                    <form method="post" action={<SendMessage as ServerFn>::PATH} enctype="multipart/form-data" class="form reply">
                                        <input type="hidden" name="conversation_id" value=c.id.clone() />
                                        <div class="field">
                                            <label for="reply-body">{td_string!(l, ms_reply_label)}</label>
                                            <textarea id="reply-body" name="body" rows="6" maxlength=BODY_MAX.to_string() required>
                                                {side.reply.clone()}
                                            </textarea>
                                        </div>
                                        <AttachField error=error.clone() />
                                        <label class="choice">
                                            <input type="checkbox" name="internal" value="1" />
                                            {td_string!(l, ms_internal_label)}
                                        </label>
                                        <div class="field">
                                            <label for="reply-status">{td_string!(l, ms_then_status)}</label>
                                            <select id="reply-status" name="status">
                                                <option value="">{td_string!(l, ms_status_unchanged)}</option>
                                                {STATUSES.iter().map(|s| view! { <option value=*s>{status_name(l, s)}</option> }).collect_view()}
                                            </select>
                                        </div>
                                        <div class="form__actions">
                                            <button class="button" type="submit">{td_string!(l, ms_send)}</button>
                                            <button class="button button--secondary" type="submit" name="save" value="1" formnovalidate>
                                                {td_string!(l, ms_save_draft)}
                                            </button>
                                        </div>
                                    </form>
                                    {(!side.canned.is_empty()).then(|| view! {
                                        <section aria-labelledby="canned-title">
                                            <h2 id="canned-title">{td_string!(l, ms_canned_title)}</h2>
                                            <ul class="links">
                                                {side.canned.iter().map(|r| view! {
                                                    <li><a href=format!("{here}?canned={}#reply-body", r.id)>{r.title.clone()}</a></li>
                                                }).collect_view()}
                                            </ul>
                                        </section>
                                    })}
                                    <div id="live-timeline" data-live>
                                        <Timeline status=c.status.clone() entries=c.timeline.clone() />
                                    </div>
                                </div>
                                <aside class="split__side" aria-labelledby="patient-title">
                                    <h2 id="patient-title">{td_string!(l, ms_patient_title)}</h2>
                                    <dl class="facts">
                                        <dt>{td_string!(l, ms_col_patient)}</dt>
                                        <dd><a href=format!("/staff/patients/{}", c.patient_id)>{side.patient_name.clone()}</a></dd>
                                        <dt>{td_string!(l, birth_date_label)}</dt>
                                        <dd>{side.birth_date.clone()}</dd>
                                        <dt>{td_string!(l, preferred_language_label)}</dt>
                                        <dd>{if side.language == "es" { "Español" } else { "English" }}</dd>
                                        <dt>{td_string!(l, ms_upcoming_visits)}</dt>
                                        <dd>
                                            {if side.upcoming_visits.is_empty() {
                                                td_string!(l, ms_no_visits).into_any()
                                            } else {
                                                view! { <ul>{side.upcoming_visits.iter().map(|v| view! { <li>{v.clone()}</li> }).collect_view()}</ul> }.into_any()
                                            }}
                                        </dd>
                                    </dl>
                                    <form method="post" action={<SetConversationStatus as ServerFn>::PATH} class="form">
                                        <input type="hidden" name="conversation_id" value=c.id.clone() />
                                        <div class="field">
                                            <label for="set-status">{td_string!(l, ms_status_label)}</label>
                                            <select id="set-status" name="status">
                                                {STATUSES.iter().map(|s| view! {
                                                    <option value=*s selected=c.status == *s>{status_name(l, s)}</option>
                                                }).collect_view()}
                                            </select>
                                        </div>
                                        <button class="button button--secondary" type="submit">{td_string!(l, ms_set_status)}</button>
                                    </form>
                                    <form method="post" action={<AssignConversation as ServerFn>::PATH} class="form">
                                        <input type="hidden" name="conversation_id" value=c.id.clone() />
                                        <div class="field">
                                            <label for="assignee">{td_string!(l, ms_col_assigned)}</label>
                                            <select id="assignee" name="assignee">
                                                <option value="" selected=side.assigned_id.is_empty()>{td_string!(l, ms_nobody)}</option>
                                                {side.colleagues.iter().map(|p| view! {
                                                    <option value=p.id.clone() selected=p.id == side.assigned_id>{p.name.clone()}</option>
                                                }).collect_view()}
                                            </select>
                                        </div>
                                        <button class="button button--secondary" type="submit">{td_string!(l, ms_assign)}</button>
                                    </form>
                                    <p class="muted">{td!(l, ms_started, at = move || c.started.clone())}</p>
                                </aside>
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
