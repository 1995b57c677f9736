//! Email delivery against a real SMTP server (aiosmtpd on loopback): what arrives, that a killed
//! worker neither loses nor duplicates a message, and that several workers share the outbox.
#![expect(clippy::expect_used, reason = "test helpers should fail loudly")]

use app::email::{delivery, delivery::Mailer, outbox, Template};
use sqlx::PgPool;
use std::collections::HashMap;
use std::time::Duration;

mod smtp_sink;
use smtp_sink::SmtpSink;

fn smtp_mailer(url: &str) -> Mailer {
    let config = app::config::Config::from_lookup(|name| match name {
        "DATABASE_URL" => Some("postgres://postgres@127.0.0.1/unused".into()),
        "SMTP_URL" => Some(url.to_string()),
        "EMAIL_FROM" => Some("Openwell <no-reply@portal.example.org>".into()),
        _ => None,
    })
    .expect("valid configuration");
    Mailer::from_config(&config).expect("mailer")
}

async fn queue_resets(pool: &PgPool, n: usize, tag: &str) -> Vec<uuid::Uuid> {
    let mut ids = Vec::new();
    for i in 0..n {
        let language = if i % 2 == 0 { "en" } else { "es" };
        let id = outbox::queue(
            pool,
            &format!("{tag}-{i}@example.org"),
            language,
            &Template::ResetPassword {
                link: format!("http://127.0.0.1:3000/reset-password?token=t{i}"),
            },
        )
        .await
        .expect("queued");
        ids.push(id);
    }
    ids
}

/// Decodes the `=?utf-8?b?…?=` words lettre writes for non-ASCII header text.
fn decode_rfc2047(header: &str) -> String {
    use base64::Engine;
    header
        .split(' ')
        .map(|word| {
            word.strip_prefix("=?utf-8?b?")
                .and_then(|w| w.strip_suffix("?="))
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .unwrap_or_else(|| word.to_string())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Message-ID → how many times it arrived.
fn arrivals(sink: &SmtpSink) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for m in sink.messages() {
        let id = m
            .header("message-id")
            .expect("every message has an id")
            .to_string();
        *seen.entry(id).or_insert(0) += 1;
    }
    seen
}

async fn status_counts(pool: &PgPool) -> (i64, i64, i64) {
    sqlx::query_as(
        "select count(*) filter (where sent_at is not null),
                count(*) filter (where failed_at is not null),
                count(*) filter (where sent_at is null and failed_at is null and kept_at is null)
         from email_outbox",
    )
    .fetch_one(pool)
    .await
    .expect("counts")
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_queued_email_arrives_once_with_text_and_html_parts(pool: PgPool) {
    let sink = SmtpSink::start().await;
    let ids = queue_resets(&pool, 2, "arrives").await;
    let delivered = delivery::deliver_due(&pool, &smtp_mailer(&sink.url()))
        .await
        .expect("delivery");
    let errors: Vec<Option<String>> = sqlx::query_scalar("select last_error from email_outbox")
        .fetch_all(&pool)
        .await
        .expect("errors");
    assert_eq!(delivered, 2, "errors: {errors:?}");

    let messages = sink.wait_for(2).await;
    assert_eq!(messages.len(), 2);
    let english = messages
        .iter()
        .find(|m| m.header("to") == Some("arrives-0@example.org"))
        .expect("the English email");
    assert_eq!(
        english.header("message-id"),
        Some(format!("<{}@portal.example.org>", ids[0]).as_str()),
        "the outbox row is the message's identity"
    );
    assert_eq!(
        english.header("subject"),
        Some("Reset your Openwell password")
    );
    assert!(english
        .header("content-type")
        .is_some_and(|c| c.starts_with("multipart/alternative")));
    assert!(english.raw.contains("text/plain") && english.raw.contains("text/html"));
    assert_eq!(
        smtp_sink::link_in(&english.raw, "/reset-password").as_deref(),
        Some("http://127.0.0.1:3000/reset-password?token=t0")
    );
    let spanish = messages
        .iter()
        .find(|m| m.header("to") == Some("arrives-1@example.org"))
        .expect("the Spanish email");
    assert_eq!(
        spanish.header("subject").map(decode_rfc2047).as_deref(),
        Some("Restablezca su contraseña de Openwell"),
        "a Spanish subject arrives intact (RFC 2047 encoded words)"
    );
    assert_eq!(status_counts(&pool).await, (2, 0, 0));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn a_worker_killed_mid_send_loses_and_duplicates_nothing(pool: PgPool) {
    let sink = SmtpSink::start().await;
    let ids = queue_resets(&pool, 10, "killed").await;

    // The first worker talks to a server that accepts the connection and never answers, so it
    // is stuck holding a claim when it is killed, like a process that died mid-send.
    let black_hole = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listener");
    let hole_url = format!(
        "smtp://127.0.0.1:{}",
        black_hole.local_addr().expect("address").port()
    );
    let stuck = tokio::spawn(server::worker::run(
        pool.clone(),
        smtp_mailer(&hole_url),
        std::sync::Arc::new(
            app::config::Config::from_lookup(|k| {
                (k == "DATABASE_URL").then(|| "postgres://postgres@127.0.0.1/unused".to_string())
            })
            .expect("config"),
        ),
        std::future::pending(),
    ));
    let mut claimed = 0;
    for _ in 0..200 {
        claimed = sqlx::query_scalar::<_, i64>(
            "select count(*) from email_outbox where locked_until > now()",
        )
        .fetch_one(&pool)
        .await
        .expect("count");
        if claimed > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(claimed, 1, "the stuck worker holds one email");
    stuck.abort();
    let _ = stuck.await;

    // A second worker delivers everything else at once; the held email waits for its lease.
    let mailer = smtp_mailer(&sink.url());
    assert_eq!(
        delivery::deliver_due(&pool, &mailer)
            .await
            .expect("delivery"),
        9
    );
    // The lease runs out (made to pass here rather than waited for).
    sqlx::query(
        "update email_outbox set locked_until = now() - interval '1 second' where sent_at is null",
    )
    .execute(&pool)
    .await
    .expect("lease lapses");
    assert_eq!(
        delivery::deliver_due(&pool, &mailer)
            .await
            .expect("delivery"),
        1
    );

    sink.wait_for(10).await;
    let seen = arrivals(&sink);
    assert_eq!(seen.len(), 10, "every message arrived");
    assert!(seen.values().all(|&n| n == 1), "none twice: {seen:?}");
    for id in ids {
        assert!(seen.contains_key(&format!("<{id}@portal.example.org>")));
    }
    assert_eq!(status_counts(&pool).await, (10, 0, 0));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn workers_running_side_by_side_send_each_email_once(pool: PgPool) {
    let sink = SmtpSink::start().await;
    queue_resets(&pool, 24, "shared").await;
    let mailer = smtp_mailer(&sink.url());
    let (a, b, c) = tokio::join!(
        delivery::deliver_due(&pool, &mailer),
        delivery::deliver_due(&pool, &mailer),
        delivery::deliver_due(&pool, &mailer),
    );
    let total = a.expect("a") + b.expect("b") + c.expect("c");
    assert_eq!(total, 24);
    sink.wait_for(24).await;
    let seen = arrivals(&sink);
    assert_eq!(seen.len(), 24);
    assert!(seen.values().all(|&n| n == 1), "none twice: {seen:?}");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_unreachable_server_means_a_later_retry_not_a_lost_email(pool: PgPool) {
    // Nothing listens on this port once the listener is dropped.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
        l.local_addr().expect("address").port()
    };
    queue_resets(&pool, 1, "retry").await;
    let mailer = smtp_mailer(&format!("smtp://127.0.0.1:{port}"));
    assert_eq!(
        delivery::deliver_due(&pool, &mailer).await.expect("runs"),
        0
    );
    let (attempts, error, waits): (i32, Option<String>, bool) = sqlx::query_as(
        "select attempts, last_error, next_attempt_at > now() + interval '50 seconds'
         from email_outbox",
    )
    .fetch_one(&pool)
    .await
    .expect("row");
    assert_eq!(attempts, 1);
    assert_eq!(error.as_deref(), Some("connection"));
    assert!(waits, "the retry is scheduled about a minute later");
    assert_eq!(status_counts(&pool).await, (0, 0, 1), "still queued");
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_address_no_server_would_accept_fails_at_once(pool: PgPool) {
    sqlx::query(
        "insert into email_outbox (email_id, to_address, language, template, subject, body_text, body_html)
         values (gen_random_uuid(), 'two@@example.org', 'en', 'reset_password', 's', 't', 'h')",
    )
    .execute(&pool)
    .await
    .expect("row");
    let mailer = smtp_mailer("smtp://127.0.0.1:9");
    delivery::deliver_due(&pool, &mailer).await.expect("runs");
    let error: Option<String> = sqlx::query_scalar("select last_error from email_outbox")
        .fetch_one(&pool)
        .await
        .expect("row");
    assert_eq!(error.as_deref(), Some("invalid recipient"));
    assert_eq!(status_counts(&pool).await, (0, 1, 0));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn without_smtp_emails_are_kept_for_the_administrators_page(pool: PgPool) {
    queue_resets(&pool, 1, "kept").await;
    assert_eq!(
        delivery::deliver_due(&pool, &Mailer::Mailbox)
            .await
            .expect("runs"),
        1
    );
    let entries = outbox::recent(&pool, Some("KEPT-0@example.org"), 10)
        .await
        .expect("recent");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].status, "kept");
    assert!(entries[0]
        .body_text
        .as_deref()
        .is_some_and(|b| b.contains("/reset-password?token=t0")));
}

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn an_email_queued_in_a_rolled_back_transaction_never_exists(pool: PgPool) {
    let mut tx = pool.begin().await.expect("tx");
    outbox::queue(
        &mut *tx,
        "rollback@example.org",
        "en",
        &Template::PasswordChanged {
            reset: "http://127.0.0.1:3000/forgot-password".into(),
        },
    )
    .await
    .expect("queued");
    tx.rollback().await.expect("rollback");
    assert_eq!(status_counts(&pool).await, (0, 0, 0));
}
