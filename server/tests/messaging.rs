//! Secure messaging through the real router: routing to the navigator or the team queue, internal
//! notes that never reach the patient's side, who may read and write (another patient, a proxy
//! without the messages scope, staff of another queue), the email that says only that a message
//! is waiting, drafts that keep refused text, and the per-account sending limit.
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]

use app::auth::account::Role;
use app::messaging::{
    AssignConversation, ConversationView, GetConversation, InboxView, ListConversations,
    NewMessageDraft, NewMessageForm, PatientInbox, SendMessage, SetAway, SetConversationStatus,
    StaffInbox, StartConversation, SENDS_PER_MINUTE,
};
use axum::{http::StatusCode, response::Response, Router};
use server_fn::ServerFn;
use sqlx::PgPool;
use tower::ServiceExt;
use uuid::Uuid;

mod common;
use common::{
    config, options, post, router_with, seed_account, signed_in, text, with_authenticator,
};

const PASSWORD: &str = "harbour lilac quartz seven";
const KEY: &[u8] = b"messaging-test-key!!";
const SUBJECT: &str = "Dizziness after the new pills";
const BODY: &str = "Since Monday I feel dizzy in the mornings.";
const NOTE: &str = "Check the dose she was given";

struct Team {
    app: Router,
    pool: PgPool,
    maria: Uuid,
    navigator: Uuid,
    maria_cookie: String,
    ben_cookie: String,
    proxy_cookie: String,
    navigator_cookie: String,
    colleague: Uuid,
    colleague_cookie: String,
    outsider_cookie: String,
}

/// Two queues: primary care (navigator Nora and colleague Carl) and billing (Otto, the
/// outsider). Maria (Nora's patient), Ben (another patient), and Maria's son as her proxy for
/// scheduling only.
async fn team(pool: &PgPool) -> Team {
    let app = router_with(pool.clone(), config(&[]), options());
    let (maria, ben) = (Uuid::new_v4(), Uuid::new_v4());
    sqlx::query(
        "insert into patient (patient_id, given_name, family_name, birth_date, sex, preferred_language)
         values ($1, 'Maria', 'Garcia', '1970-01-01', 'female', 'es'), ($2, 'Ben', 'Ortiz', '1980-01-01', 'male', 'en')",
    )
    .bind(maria)
    .bind(ben)
    .execute(pool)
    .await
    .expect("patients");
    let grant = |account: Uuid, patient: Uuid, relationship: &'static str, scopes: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query(
                "insert into patient_access (access_id, account_id, patient_id, relationship, scopes, accepted_at)
                 values (gen_random_uuid(), $1, $2, $3, $4::text[], now())",
            )
            .bind(account)
            .bind(patient)
            .bind(relationship)
            .bind(scopes)
            .execute(&pool)
            .await
            .expect("grant");
        }
    };
    let a = seed_account(pool, "maria@example.org", &[], PASSWORD).await;
    grant(a, maria, "self", "{}").await;
    sqlx::query("update account set preferred_language = 'es' where account_id = $1")
        .bind(a)
        .execute(pool)
        .await
        .expect("language");
    let b = seed_account(pool, "ben@example.org", &[], PASSWORD).await;
    grant(b, ben, "self", "{}").await;
    let p = seed_account(pool, "son@example.org", &[], PASSWORD).await;
    grant(p, maria, "proxy", "{scheduling}").await;
    let mut staff = Vec::new();
    for email in ["nora@example.org", "carl@example.org", "otto@example.org"] {
        let id = seed_account(pool, email, &[Role::Staff], PASSWORD).await;
        with_authenticator(pool, id, KEY).await;
        staff.push(id);
    }
    let [navigator, colleague, outsider] = staff[..] else {
        panic!("three staff")
    };
    // One statement at a time: the extended protocol takes one per query.
    for (sql, binds) in [
        (
            "insert into message_queue (queue_id, slug, name_en, name_es, topics, response_hours)
             values ('00000000-0000-0000-0000-0000000000a1', 'primary-care', 'Primary care', 'Atención primaria', '{clinician,renewal,other}', 24),
                    ('00000000-0000-0000-0000-0000000000a2', 'billing', 'Billing', 'Facturación', '{billing}', 48)
",
            vec![],
        ),
        (
            "insert into message_queue_member (queue_id, account_id)
             values ('00000000-0000-0000-0000-0000000000a1', $1), ('00000000-0000-0000-0000-0000000000a1', $2),
                    ('00000000-0000-0000-0000-0000000000a2', $3)",
            vec![navigator, colleague, outsider],
        ),
        (
            "insert into care_navigator (account_id, display_name, title_en, title_es, queue_id)
             values ($1, 'Nora Navarro', 'Care navigator', 'Coordinadora de atención', '00000000-0000-0000-0000-0000000000a1')",
            vec![navigator],
        ),
        (
            "insert into patient_navigator (patient_id, account_id) values ($1, $2)",
            vec![maria, navigator],
        ),
        (
            "insert into canned_reply (canned_reply_id, title, body_en, body_es)
             values (gen_random_uuid(), 'Call us', 'Hi {first_name}, {clinician} asks you to call us.', 'Hola, {first_name}: {clinician} le pide que nos llame.')",
            vec![],
        ),
    ] {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(b);
        }
        q.execute(pool).await.expect(sql);
    }
    Team {
        maria_cookie: signed_in(&app, "maria@example.org", PASSWORD, None).await,
        ben_cookie: signed_in(&app, "ben@example.org", PASSWORD, None).await,
        proxy_cookie: signed_in(&app, "son@example.org", PASSWORD, None).await,
        navigator_cookie: signed_in(&app, "nora@example.org", PASSWORD, Some(KEY)).await,
        colleague_cookie: signed_in(&app, "carl@example.org", PASSWORD, Some(KEY)).await,
        outsider_cookie: signed_in(&app, "otto@example.org", PASSWORD, Some(KEY)).await,
        app,
        pool: pool.clone(),
        maria,
        navigator,
        colleague,
    }
}

/// The call went through: answered, or redirected back to the page as a form post is.
#[track_caller]
fn accepted(r: &Response) {
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
}

async fn call(app: &Router, path: &str, form: &[(&str, &str)], cookie: &str) -> Response {
    app.clone()
        .oneshot(post(path, form, Some(cookie)))
        .await
        .expect("response")
}

/// Maria writes to her care team; returns the conversation's id.
async fn maria_writes(t: &Team, topic: &str) -> Uuid {
    let r = call(
        &t.app,
        <StartConversation as ServerFn>::PATH,
        &[("topic", topic), ("subject", SUBJECT), ("body", BODY)],
        &t.maria_cookie,
    )
    .await;
    accepted(&r);
    sqlx::query_scalar("select conversation_id from conversation order by created_at desc limit 1")
        .fetch_one(&t.pool)
        .await
        .expect("conversation")
}

async fn view(t: &Team, id: Uuid, cookie: &str) -> (StatusCode, Option<ConversationView>) {
    let r = call(
        &t.app,
        <GetConversation as ServerFn>::PATH,
        &[("conversation_id", &id.to_string())],
        cookie,
    )
    .await;
    let status = r.status();
    let body = text(r).await;
    (status, serde_json::from_str(&body).ok())
}

/// The navigator writes an internal note, then `reply` setting the status to "waiting for you".
async fn note_then_reply(t: &Team, conversation: &str, reply: &str) {
    for form in [
        vec![
            ("conversation_id", conversation),
            ("body", NOTE),
            ("internal", "1"),
        ],
        vec![
            ("conversation_id", conversation),
            ("body", reply),
            ("status", "waiting"),
        ],
    ] {
        let r = call(
            &t.app,
            <SendMessage as ServerFn>::PATH,
            &form,
            &t.navigator_cookie,
        )
        .await;
        accepted(&r);
    }
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_message_reaches_the_navigator_and_the_reply_reaches_the_patient_without_the_note(
    pool: PgPool,
) {
    let t = team(&pool).await;
    let id = maria_writes(&t, "clinician").await;
    let (queue, assigned): (String, Option<Uuid>) = sqlx::query_as(
        "select q.slug, c.assigned_to from conversation c join message_queue q using (queue_id)
          where conversation_id = $1",
    )
    .bind(id)
    .fetch_one(&pool)
    .await
    .expect("routing");
    assert_eq!(
        (queue.as_str(), assigned),
        ("primary-care", Some(t.navigator))
    );

    // The navigator finds it in their own list, and answers: a note, then a reply.
    let r = call(
        &t.app,
        <StaffInbox as ServerFn>::PATH,
        &[("queue", "mine")],
        &t.navigator_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let inbox: InboxView = serde_json::from_str(&text(r).await).expect("inbox");
    assert_eq!(inbox.rows.len(), 1);
    assert_eq!(
        inbox.rows.first().map(|r| r.subject.as_str()),
        Some(SUBJECT)
    );
    assert_eq!(
        inbox
            .tabs
            .first()
            .map(|t| (t.slug.as_str(), t.open, t.overdue)),
        Some(("mine", 1, 0))
    );
    let (status, staff_view) = view(&t, id, &t.navigator_cookie).await;
    assert_eq!(status, StatusCode::OK);
    let side = staff_view.and_then(|v| v.staff).expect("staff side");
    assert_eq!(side.patient_name, "Maria Garcia");
    assert_eq!(side.language, "es");
    let sid = id.to_string();
    note_then_reply(&t, &sid, "Please lower the dose to half a tablet.").await;

    // Maria sees the reply, read receipts and the status, never the note.
    let (status, seen) = view(&t, id, &t.maria_cookie).await;
    assert_eq!(status, StatusCode::OK);
    let seen = seen.expect("conversation");
    assert_eq!(seen.status, "waiting");
    assert!(seen.staff.is_none());
    assert_eq!(seen.messages.len(), 2);
    assert!(seen
        .messages
        .iter()
        .all(|m| !m.internal && !m.body.contains(NOTE)));
    assert!(
        seen.messages.first().is_some_and(|m| m.read.is_some()),
        "the navigator read it"
    );
    let raw = text(
        call(
            &t.app,
            <GetConversation as ServerFn>::PATH,
            &[("conversation_id", &sid)],
            &t.maria_cookie,
        )
        .await,
    )
    .await;
    assert!(
        !raw.contains(NOTE),
        "the note is not anywhere in the patient's answer"
    );
    let statuses: Vec<&str> = seen
        .timeline
        .iter()
        .filter(|e| e.kind == "status")
        .map(|e| e.value.as_str())
        .collect();
    assert_eq!(statuses, ["received", "in_progress", "waiting"]);
    assert!(
        seen.timeline.iter().all(|e| e.kind != "assigned"),
        "assignments are staff business"
    );

    // One email, in Spanish, saying only that a message is waiting.
    let emails: Vec<(String, String, String, String)> = sqlx::query_as(
        "select to_address, template, subject, body_text from email_outbox order by created_at",
    )
    .fetch_all(&pool)
    .await
    .expect("outbox");
    assert_eq!(emails.len(), 1, "{emails:?}");
    let (to, template, subject, body) = emails.first().cloned().expect("email");
    assert_eq!(
        (to.as_str(), template.as_str()),
        ("maria@example.org", "message_waiting")
    );
    assert!(subject.contains("mensaje"), "{subject}");
    for secret in [SUBJECT, BODY, "dose", "Maria", "Garcia", "dizzy"] {
        assert!(
            !subject.contains(secret) && !body.contains(secret),
            "{secret} in the email"
        );
    }
    let notifications: i64 =
        sqlx::query_scalar("select count(*) from notification where kind = 'message_reply'")
            .fetch_one(&pool)
            .await
            .expect("notifications");
    assert_eq!(notifications, 1);

    // Her answer puts it back in progress.
    let r = call(
        &t.app,
        <SendMessage as ServerFn>::PATH,
        &[("conversation_id", &sid), ("body", "Thank you, I will.")],
        &t.maria_cookie,
    )
    .await;
    accepted(&r);
    let (_, seen) = view(&t, id, &t.maria_cookie).await;
    assert_eq!(seen.map(|s| s.status), Some("in_progress".to_string()));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn while_the_navigator_is_away_new_conversations_go_to_the_team_queue(pool: PgPool) {
    let t = team(&pool).await;
    let r = call(
        &t.app,
        <SetAway as ServerFn>::PATH,
        &[("away", "true")],
        &t.navigator_cookie,
    )
    .await;
    accepted(&r);
    let id = maria_writes(&t, "renewal").await;
    let assigned: Option<Uuid> =
        sqlx::query_scalar("select assigned_to from conversation where conversation_id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .expect("conversation");
    assert_eq!(assigned, None);
    // Carl, in the same queue, sees it and takes it.
    let r = call(
        &t.app,
        <StaffInbox as ServerFn>::PATH,
        &[("queue", "primary-care")],
        &t.colleague_cookie,
    )
    .await;
    let inbox: InboxView = serde_json::from_str(&text(r).await).expect("inbox");
    assert_eq!(inbox.rows.len(), 1);
    let r = call(
        &t.app,
        <AssignConversation as ServerFn>::PATH,
        &[("conversation_id", &id.to_string()), ("assignee", "me")],
        &t.colleague_cookie,
    )
    .await;
    accepted(&r);
    let assigned: Option<Uuid> =
        sqlx::query_scalar("select assigned_to from conversation where conversation_id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .expect("conversation");
    assert_eq!(assigned, Some(t.colleague));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn nobody_else_reads_or_writes_in_a_patients_conversation(pool: PgPool) {
    let t = team(&pool).await;
    let id = maria_writes(&t, "clinician").await;
    let sid = id.to_string();
    for (who, cookie) in [
        ("another patient", &t.ben_cookie),
        ("a proxy without the messages scope", &t.proxy_cookie),
        ("staff of another queue", &t.outsider_cookie),
    ] {
        let (status, _) = view(&t, id, cookie).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who} read it");
        let r = call(
            &t.app,
            <SendMessage as ServerFn>::PATH,
            &[("conversation_id", &sid), ("body", "intruding")],
            cookie,
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{who} wrote in it");
        let body = text(r).await;
        assert!(!body.contains(SUBJECT) && !body.contains("Maria"));
    }
    for path in [
        <SetConversationStatus as ServerFn>::PATH,
        <AssignConversation as ServerFn>::PATH,
    ] {
        let r = call(
            &t.app,
            path,
            &[
                ("conversation_id", &sid),
                ("status", "done"),
                ("assignee", "me"),
            ],
            &t.outsider_cookie,
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        let r = call(
            &t.app,
            path,
            &[
                ("conversation_id", &sid),
                ("status", "done"),
                ("assignee", "me"),
            ],
            &t.maria_cookie,
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "the patient used {path}");
    }
    let r = call(
        &t.app,
        <ListConversations as ServerFn>::PATH,
        &[("patient_id", &t.maria.to_string())],
        &t.ben_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = call(
        &t.app,
        <StaffInbox as ServerFn>::PATH,
        &[],
        &t.outsider_cookie,
    )
    .await;
    let inbox: InboxView = serde_json::from_str(&text(r).await).expect("inbox");
    assert!(
        inbox.rows.is_empty(),
        "billing staff do not see primary care's conversations"
    );
    let messages: i64 = sqlx::query_scalar("select count(*) from message")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(messages, 1, "no refused message was stored");
    let denied: i64 = sqlx::query_scalar(
        "select count(*) from audit_event where action = 'conversation.read' and outcome = 'denied'",
    )
    .fetch_one(&pool)
    .await
    .expect("audit");
    assert!(denied >= 2, "staff refusals are audited ({denied})");
    let reads: i64 = sqlx::query_scalar(
        "select count(*) from audit_event where action = 'conversation.read' and outcome = 'success'",
    )
    .fetch_one(&pool)
    .await
    .expect("audit");
    assert_eq!(reads, 0, "nobody read it yet");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn refused_text_is_kept_as_a_draft_and_sending_is_limited_per_minute(pool: PgPool) {
    let t = team(&pool).await;
    // No subject: refused, and what was typed comes back in the form.
    let r = call(
        &t.app,
        <StartConversation as ServerFn>::PATH,
        &[("topic", "billing"), ("subject", "  "), ("body", BODY)],
        &t.maria_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = call(
        &t.app,
        <NewMessageForm as ServerFn>::PATH,
        &[],
        &t.maria_cookie,
    )
    .await;
    let form: NewMessageDraft = serde_json::from_str(&text(r).await).expect("form");
    assert_eq!((form.topic.as_str(), form.body.as_str()), ("billing", BODY));

    // The limit counts per clock minute: start well inside one, so the count below is exact.
    while std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() % 60)
        .unwrap_or(0)
        > 45
    {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    // Sent, it leaves no draft, and goes to billing (no navigator for that topic? Maria has one:
    // it goes to her navigator's team all the same).
    let id = maria_writes(&t, "billing").await;
    let r = call(
        &t.app,
        <NewMessageForm as ServerFn>::PATH,
        &[],
        &t.maria_cookie,
    )
    .await;
    let form: NewMessageDraft = serde_json::from_str(&text(r).await).expect("form");
    assert!(form.body.is_empty());

    // The limit: one message was sent this minute; the rest up to the limit pass, the next is
    // refused and its text kept.
    let sid = id.to_string();
    for n in 1..SENDS_PER_MINUTE {
        let r = call(
            &t.app,
            <SendMessage as ServerFn>::PATH,
            &[("conversation_id", &sid), ("body", &format!("message {n}"))],
            &t.maria_cookie,
        )
        .await;
        assert!(
            r.status().is_success() || r.status().is_redirection(),
            "message {n}: {}",
            r.status()
        );
    }
    let r = call(
        &t.app,
        <SendMessage as ServerFn>::PATH,
        &[("conversation_id", &sid), ("body", "one too many")],
        &t.maria_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let (_, seen) = view(&t, id, &t.maria_cookie).await;
    assert_eq!(seen.map(|s| s.draft), Some("one too many".to_string()));

    // The patient's list shows the request with its queue's reply target.
    let r = call(
        &t.app,
        <ListConversations as ServerFn>::PATH,
        &[],
        &t.maria_cookie,
    )
    .await;
    let inbox: PatientInbox = serde_json::from_str(&text(r).await).expect("list");
    assert_eq!(inbox.open.len(), 1);
    assert_eq!(
        inbox.navigator.map(|n| n.name),
        Some("Nora Navarro".to_string())
    );
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_canned_reply_is_filled_in_for_the_patient_in_their_language(pool: PgPool) {
    let t = team(&pool).await;
    let id = maria_writes(&t, "clinician").await;
    let canned: Uuid = sqlx::query_scalar("select canned_reply_id from canned_reply")
        .fetch_one(&pool)
        .await
        .expect("canned");
    let r = call(
        &t.app,
        <GetConversation as ServerFn>::PATH,
        &[
            ("conversation_id", &id.to_string()),
            ("canned", &canned.to_string()),
        ],
        &t.navigator_cookie,
    )
    .await;
    let v: ConversationView = serde_json::from_str(&text(r).await).expect("view");
    assert_eq!(
        v.staff.map(|s| s.reply),
        Some("Hola, Maria: su médico le pide que nos llame.".to_string())
    );
}

/// A page's event stream (`/live/messages?…`) read as it arrives.
struct Events {
    body: axum::body::Body,
    seen: String,
}

impl Events {
    /// Opens `query` on `app` as `cookie`'s caller; the status when refused.
    async fn open(app: &Router, query: &str, cookie: Option<&str>) -> Result<Events, StatusCode> {
        let mut request = axum::http::Request::get(format!("/live/messages?{query}"))
            .header(axum::http::header::HOST, "127.0.0.1:3000")
            .header(axum::http::header::USER_AGENT, "Mozilla/5.0 (test)")
            .header("x-forwarded-for", "203.0.113.50");
        if let Some(cookie) = cookie {
            request = request.header(axum::http::header::COOKIE, cookie);
        }
        let r = app
            .clone()
            .oneshot(request.body(axum::body::Body::empty()).expect("request"))
            .await
            .expect("response");
        if r.status() != StatusCode::OK {
            return Err(r.status());
        }
        assert_eq!(
            r.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("text/event-stream")
        );
        let mut events = Events {
            body: r.into_body(),
            seen: String::new(),
        };
        assert_eq!(events.next().await, "ready");
        Ok(events)
    }

    /// Fails if an event is waiting. Only meaningful once another stream of the same process
    /// has received a later change: by then this one's changes are queued too, and one it
    /// should not pass on would arrive at once.
    async fn nothing_more(&mut self) {
        use http_body_util::BodyExt;
        assert!(!self.seen.contains("data:"), "unexpected: {}", self.seen);
        let got =
            tokio::time::timeout(std::time::Duration::from_millis(500), self.body.frame()).await;
        if let Ok(Some(Ok(frame))) = got {
            let text = frame
                .into_data()
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            panic!("unexpected event: {text:?}");
        }
    }

    /// The next event's data (keep-alive comments skipped); fails after 10 s.
    async fn next(&mut self) -> String {
        use http_body_util::BodyExt;
        loop {
            if let Some(end) = self.seen.find("\n\n") {
                let block: String = self.seen.drain(..end + 2).collect();
                let data: Vec<&str> = block
                    .lines()
                    .filter_map(|line| line.strip_prefix("data:"))
                    .map(str::trim)
                    .collect();
                if !data.is_empty() {
                    return data.join("\n");
                }
                continue;
            }
            let frame = tokio::time::timeout(std::time::Duration::from_secs(10), self.body.frame())
                .await
                .expect("an event within 10 s")
                .expect("the stream is open")
                .expect("a frame");
            if let Ok(bytes) = frame.into_data() {
                self.seen.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_reply_sent_through_one_process_reaches_the_patient_live_through_another(pool: PgPool) {
    let t = team(&pool).await;
    // A second router with its own state: its own listener, as a second server process has.
    let other = router_with(pool.clone(), config(&[]), options());
    let id = maria_writes(&t, "clinician").await;
    let sid = id.to_string();
    let maria = t.maria.to_string();

    // Who may listen: the patient; not another patient, a proxy without the messages scope,
    // staff of another queue, or nobody signed in.
    let mut page = Events::open(
        &other,
        &format!("conversation={sid}"),
        Some(&t.maria_cookie),
    )
    .await
    .expect("Maria's conversation page");
    let mut list = Events::open(&other, &format!("patient={maria}"), Some(&t.maria_cookie))
        .await
        .expect("Maria's messages list");
    let mut inbox = Events::open(&other, "staff=1", Some(&t.navigator_cookie))
        .await
        .expect("the navigator's inbox");
    let mut billing = Events::open(&other, "staff=1", Some(&t.outsider_cookie))
        .await
        .expect("the billing inbox");
    for (query, cookie, refused) in [
        (
            format!("conversation={sid}"),
            Some(&t.ben_cookie),
            StatusCode::FORBIDDEN,
        ),
        (
            format!("patient={maria}"),
            Some(&t.ben_cookie),
            StatusCode::FORBIDDEN,
        ),
        (
            format!("conversation={sid}"),
            Some(&t.proxy_cookie),
            StatusCode::FORBIDDEN,
        ),
        (
            format!("patient={maria}"),
            Some(&t.proxy_cookie),
            StatusCode::FORBIDDEN,
        ),
        (
            format!("conversation={sid}"),
            Some(&t.outsider_cookie),
            StatusCode::FORBIDDEN,
        ),
        (
            "staff=1".to_string(),
            Some(&t.maria_cookie),
            StatusCode::FORBIDDEN,
        ),
        (
            format!("conversation={sid}"),
            None,
            StatusCode::UNAUTHORIZED,
        ),
        (format!("patient={maria}"), None, StatusCode::UNAUTHORIZED),
    ] {
        let got = Events::open(&other, &query, cookie.map(String::as_str))
            .await
            .err();
        assert_eq!(got, Some(refused), "{query}");
    }

    // Through the first process: an internal note, then a reply that also sets the status.
    note_then_reply(&t, &sid, "Please come in.").await;
    // Staff hear of both; the patient's pages only of the reply (announcements arrive in order,
    // so the first one they get is the reply's). Events carry the conversation id, no words.
    assert_eq!(inbox.next().await, sid.clone());
    assert_eq!(inbox.next().await, sid.clone());
    assert_eq!(page.next().await, sid.clone());
    assert_eq!(list.next().await, sid.clone());
    page.nothing_more().await;
    list.nothing_more().await;
    let (_, seen) = view(&t, id, &t.maria_cookie).await;
    assert_eq!(seen.map(|v| v.status), Some("waiting".to_string()));

    // Maria reading it sends a read receipt to staff only (her own pages do not hear it).
    // Billing hears nothing of primary care: the first thing it hears is Ben's billing question.
    let r = call(
        &t.app,
        <StartConversation as ServerFn>::PATH,
        &[
            ("topic", "billing"),
            ("subject", "A bill"),
            ("body", "Why this charge?"),
        ],
        &t.ben_cookie,
    )
    .await;
    accepted(&r);
    let ben_conversation: Uuid =
        sqlx::query_scalar("select conversation_id from conversation where subject = 'A bill'")
            .fetch_one(&pool)
            .await
            .expect("Ben's conversation");
    assert_eq!(billing.next().await, ben_conversation.to_string());
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn live_streams_and_refreshes_do_not_keep_an_idle_session_alive(pool: PgPool) {
    let t = team(&pool).await;
    let seen = || async {
        sqlx::query_scalar::<_, chrono::DateTime<chrono::Utc>>(
            "update session s set last_seen_at = last_seen_at from account a
              where a.account_id = s.account_id and a.email = 'maria@example.org' and s.ended_at is null
              returning s.last_seen_at",
        )
        .fetch_one(&pool)
        .await
        .expect("session")
    };
    sqlx::query(
        "update session s set last_seen_at = now() - interval '5 minutes' from account a
          where a.account_id = s.account_id and a.email = 'maria@example.org'",
    )
    .execute(&pool)
    .await
    .expect("idle for five minutes");
    let before = seen().await;
    let _stream = Events::open(
        &t.app,
        &format!("patient={}", t.maria),
        Some(&t.maria_cookie),
    )
    .await
    .expect("stream");
    let refresh = axum::http::Request::get("/messages")
        .header(axum::http::header::HOST, "127.0.0.1:3000")
        .header(axum::http::header::COOKIE, &t.maria_cookie)
        .header("x-background-refresh", "1")
        .body(axum::body::Body::empty())
        .expect("request");
    let r = t.app.clone().oneshot(refresh).await.expect("refresh");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        seen().await,
        before,
        "a background request counted as activity"
    );

    // What she does herself does count.
    let r = call(
        &t.app,
        <ListConversations as ServerFn>::PATH,
        &[],
        &t.maria_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(seen().await > before);
}

/// A small PNG, as a phone's photo would be (smaller).
fn photo() -> Vec<u8> {
    use image::{ImageEncoder, Rgb, RgbImage};
    let picture = RgbImage::from_fn(64, 48, |x, y| Rgb([x as u8 * 3, y as u8 * 5, 90]));
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(picture.as_raw(), 64, 48, image::ExtendedColorType::Rgb8)
        .expect("png");
    out
}

const LETTER: &[u8] =
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

async fn send_files(
    t: &Team,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
    cookie: &str,
) -> Response {
    t.app
        .clone()
        .oneshot(common::multipart(path, fields, files, Some(cookie), false))
        .await
        .expect("response")
}

async fn download(t: &Team, id: &str, cookie: Option<&str>) -> Response {
    let mut request = axum::http::Request::get(format!("/messages/attachments/{id}"))
        .header(axum::http::header::HOST, "127.0.0.1:3000");
    if let Some(cookie) = cookie {
        request = request.header(axum::http::header::COOKIE, cookie);
    }
    t.app
        .clone()
        .oneshot(request.body(axum::body::Body::empty()).expect("request"))
        .await
        .expect("response")
}

async fn messages(t: &Team) -> i64 {
    sqlx::query_scalar("select count(*) from message")
        .fetch_one(&t.pool)
        .await
        .expect("count")
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn attachments_are_checked_by_content_and_downloaded_only_by_those_who_may_read_them(
    pool: PgPool,
) {
    let t = team(&pool).await;
    let photo = photo();
    // Maria starts a conversation with a photo (named as a JPEG: the content decides) and a PDF.
    let r = send_files(
        &t,
        <StartConversation as ServerFn>::PATH,
        &[("topic", "clinician"), ("subject", SUBJECT), ("body", BODY)],
        &[
            ("attachment", "rash.jpg", &photo),
            ("attachment", "../../lab letter.pdf", LETTER),
        ],
        &t.maria_cookie,
    )
    .await;
    accepted(&r);
    let id: Uuid = sqlx::query_scalar("select conversation_id from conversation")
        .fetch_one(&pool)
        .await
        .expect("conversation");
    let (_, seen) = view(&t, id, &t.maria_cookie).await;
    let files = seen.expect("view").messages[0].attachments.clone();
    let listed: Vec<(&str, &str, i64)> = files
        .iter()
        .map(|f| (f.name.as_str(), f.kind.as_str(), f.bytes))
        .collect();
    assert_eq!(
        listed,
        vec![
            ("rash.jpg.png", "image", photo.len() as i64),
            ("lab letter.pdf", "pdf", LETTER.len() as i64)
        ]
    );

    // Maria and her navigator download it: the bytes as sent, as a download, never sniffed,
    // never cached, sandboxed.
    for cookie in [&t.maria_cookie, &t.navigator_cookie] {
        let r = download(&t, &files[0].id, Some(cookie)).await;
        assert_eq!(r.status(), StatusCode::OK);
        let header = |name: axum::http::HeaderName| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(header(axum::http::header::CONTENT_TYPE), "image/png");
        assert_eq!(
            header(axum::http::header::CONTENT_DISPOSITION),
            "attachment; filename=\"rash.jpg.png\"; filename*=UTF-8''rash.jpg.png"
        );
        assert_eq!(
            header(axum::http::header::X_CONTENT_TYPE_OPTIONS),
            "nosniff"
        );
        assert_eq!(
            header(axum::http::header::CACHE_CONTROL),
            "private, no-store"
        );
        assert!(header(axum::http::header::CONTENT_SECURITY_POLICY).starts_with("sandbox"));
        let body = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .expect("body");
        assert_eq!(body.as_ref(), photo.as_slice());
    }
    // Nobody else: another patient, a proxy without the messages scope, staff of another queue
    // get what an unknown file gets; signed out, sign in.
    for cookie in [&t.ben_cookie, &t.proxy_cookie, &t.outsider_cookie] {
        assert_eq!(
            download(&t, &files[1].id, Some(cookie)).await.status(),
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        download(&t, &Uuid::new_v4().to_string(), Some(&t.maria_cookie))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        download(&t, &files[1].id, None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let reads: i64 = sqlx::query_scalar(
        "select count(*) from audit_event where action = 'message_attachment.read' and outcome = 'success'",
    )
    .fetch_one(&pool)
    .await
    .expect("audit");
    assert_eq!(reads, 2);

    // A file on an internal note reaches staff of the queue, never the patient's side.
    let sid = id.to_string();
    let r = send_files(
        &t,
        <SendMessage as ServerFn>::PATH,
        &[("conversation_id", &sid), ("body", NOTE), ("internal", "1")],
        &[("attachment", "chart.pdf", LETTER)],
        &t.navigator_cookie,
    )
    .await;
    accepted(&r);
    let note_file: Uuid = sqlx::query_scalar(
        "select attachment_id from message_attachment where file_name = 'chart.pdf'",
    )
    .fetch_one(&pool)
    .await
    .expect("note file");
    let (_, seen) = view(&t, id, &t.maria_cookie).await;
    let seen = seen.expect("view");
    assert!(seen
        .messages
        .iter()
        .all(|m| m.attachments.iter().all(|f| f.name != "chart.pdf")));
    assert_eq!(
        download(&t, &note_file.to_string(), Some(&t.maria_cookie))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        download(&t, &note_file.to_string(), Some(&t.colleague_cookie))
            .await
            .status(),
        StatusCode::OK
    );

    // Refused by content, by number and by size: nothing is sent, the text is kept.
    let before = messages(&t).await;
    let big = {
        let mut big = photo.clone();
        big.resize(app::messaging::attachment::MAX_ATTACHMENT_BYTES + 1, 0);
        big
    };
    let page: &[u8] = b"<html><script>alert(1)</script></html>";
    let many: Vec<(&str, &str, &[u8])> = (0..5)
        .map(|_| ("attachment", "p.png", photo.as_slice()))
        .collect();
    for (files, code, typed) in [
        (
            vec![("attachment", "photo.png", page)],
            "type",
            "with a page",
        ),
        (many, "too_many", "with five photos"),
        (
            vec![("attachment", "big.png", big.as_slice())],
            "too_large",
            "with a big photo",
        ),
    ] {
        let r = send_files(
            &t,
            <SendMessage as ServerFn>::PATH,
            &[("conversation_id", &sid), ("body", typed)],
            &files,
            &t.maria_cookie,
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{code}");
        let body = text(r).await;
        assert!(
            body.contains("attachment") && body.contains(code),
            "{code}: {body}"
        );
        let (_, seen) = view(&t, id, &t.maria_cookie).await;
        assert_eq!(seen.map(|s| s.draft), Some(typed.to_string()));
    }
    assert_eq!(messages(&t).await, before);
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn administrators_keep_the_canned_replies_staff_answer_with(pool: PgPool) {
    use app::messaging::{CannedRepliesAdmin, CannedReplyRow, DeleteCannedReply, SaveCannedReply};
    let t = team(&pool).await;
    let admin = seed_account(&pool, "ada@example.org", &[Role::Administrator], PASSWORD).await;
    with_authenticator(&pool, admin, KEY).await;
    let ada = signed_in(&t.app, "ada@example.org", PASSWORD, Some(KEY)).await;
    let list = |cookie: String| {
        let app = t.app.clone();
        async move {
            let r = call(&app, <CannedRepliesAdmin as ServerFn>::PATH, &[], &cookie).await;
            let status = r.status();
            (
                status,
                serde_json::from_str::<Vec<CannedReplyRow>>(&text(r).await).ok(),
            )
        }
    };
    // Staff answer with them but do not keep them.
    assert_eq!(
        list(t.navigator_cookie.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    let r = call(
        &t.app,
        <SaveCannedReply as ServerFn>::PATH,
        &[
            ("title", "Results ready"),
            ("body_en", "Hi"),
            ("body_es", "Hola"),
        ],
        &t.navigator_cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // A typo in a placeholder, and a title another reply has, are refused.
    let r = call(
        &t.app,
        <SaveCannedReply as ServerFn>::PATH,
        &[
            ("title", "Results ready"),
            ("body_en", "Hi {firstname}, your results are ready."),
            (
                "body_es",
                "Hola, {first_name}: sus resultados están listos.",
            ),
        ],
        &ada,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(r).await.contains("placeholder"));
    let r = call(
        &t.app,
        <SaveCannedReply as ServerFn>::PATH,
        &[("title", "Call us"), ("body_en", "Hi"), ("body_es", "Hola")],
        &ada,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(r).await.contains("taken"));

    // Added, it is offered beside a conversation and fills in for Maria in Spanish.
    let r = call(
        &t.app,
        <SaveCannedReply as ServerFn>::PATH,
        &[
            ("title", "Results ready"),
            ("body_en", "Hi {first_name}, your results are ready."),
            (
                "body_es",
                "Hola, {first_name}: sus resultados están listos.",
            ),
        ],
        &ada,
    )
    .await;
    accepted(&r);
    let (_, rows) = list(ada.clone()).await;
    let rows = rows.expect("list");
    let added = rows
        .iter()
        .find(|r| r.title == "Results ready")
        .expect("added")
        .clone();
    let id = maria_writes(&t, "clinician").await;
    let r = call(
        &t.app,
        <GetConversation as ServerFn>::PATH,
        &[("conversation_id", &id.to_string()), ("canned", &added.id)],
        &t.navigator_cookie,
    )
    .await;
    let seen: ConversationView = serde_json::from_str(&text(r).await).expect("view");
    let side = seen.staff.expect("staff side");
    assert!(side.canned.iter().any(|c| c.title == "Results ready"));
    assert_eq!(side.reply, "Hola, Maria: sus resultados están listos.");

    // Changed, then deleted; both audited.
    let r = call(
        &t.app,
        <SaveCannedReply as ServerFn>::PATH,
        &[
            ("canned_reply_id", &added.id),
            ("title", "Results are ready"),
            (
                "body_en",
                "Hi {first_name}, your results are in your record.",
            ),
            (
                "body_es",
                "Hola, {first_name}: sus resultados están en su expediente.",
            ),
        ],
        &ada,
    )
    .await;
    accepted(&r);
    let titles: Vec<String> = list(ada.clone())
        .await
        .1
        .expect("list")
        .into_iter()
        .map(|r| r.title)
        .collect();
    assert_eq!(titles, ["Call us", "Results are ready"]);
    let r = call(
        &t.app,
        <DeleteCannedReply as ServerFn>::PATH,
        &[("canned_reply_id", &added.id)],
        &ada,
    )
    .await;
    accepted(&r);
    assert_eq!(list(ada.clone()).await.1.expect("list").len(), 1);
    let r = call(
        &t.app,
        <DeleteCannedReply as ServerFn>::PATH,
        &[("canned_reply_id", &added.id)],
        &ada,
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_event where action in ('canned_reply.save', 'canned_reply.delete')",
    )
    .fetch_one(&pool)
    .await
    .expect("audit");
    assert_eq!(audited, 3);
}
