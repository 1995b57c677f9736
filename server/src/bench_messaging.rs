//! The messaging benchmark (`server bench-messaging`, run by `bench/messaging.sh`, never in
//! CI): loads benchmark-scale conversations (10,000 open in one queue the demo staff member
//! answers, a million messages among them), then measures the inbox's queries and the live
//! path between two processes, printing a Markdown table.
//!
//! The inbox figures call the functions the inbox server function calls (the queue tabs with
//! their counts, then the rows), without HTTP. The live figure uses two pools and two
//! [`Hub`]s, as two server processes have: a message is written and announced through one,
//! and the time runs until the other's listener hands the change to its streams. What a
//! browser adds (the event, the page's refetch and swap) is measured by
//! `bench/messaging-live.mjs` against two real server processes.

use crate::bench_schedule::{row, timed};
use anyhow::Context;
use app::messaging::db;
use app::messaging::live::hub::{Hub, Signal};
use sqlx::PgPool;
use std::time::{Duration, Instant};
use uuid::Uuid;

const QUEUE: &str = "00000000-0000-4000-8000-0000000be9c0";

/// Loads `conversations` open conversations and `messages` messages (idempotent: ids are
/// derived from their numbers) in the bench queue, answered by the demo staff member.
pub async fn load(pool: &PgPool, conversations: i64, messages: i64) -> anyhow::Result<Uuid> {
    let started = Instant::now();
    let staff: Uuid =
        sqlx::query_scalar("select account_id from account where email = 'staff@example.org'")
            .fetch_one(pool)
            .await
            .context("the demo staff member (load the demo data first)")?;
    let queue = Uuid::parse_str(QUEUE)?;
    sqlx::query(
        "insert into message_queue (queue_id, slug, name_en, name_es, topics, response_hours)
         values ($1, 'bench', 'Bench queue', 'Cola de prueba', '{}', 24) on conflict do nothing",
    )
    .bind(queue)
    .execute(pool)
    .await?;
    sqlx::query("insert into message_queue_member (queue_id, account_id) values ($1, $2) on conflict do nothing")
        .bind(queue)
        .bind(staff)
        .execute(pool)
        .await?;
    sqlx::query(
        "with people as (select patient_id, row_number() over (order by patient_id) - 1 as i,
                                count(*) over () as k from patient)
         insert into conversation (conversation_id, patient_id, topic, subject, status, queue_id,
                                   started_by, awaiting_since, last_message_at, created_at)
         select md5('bench-conversation-' || n)::uuid, p.patient_id, 'other', 'Bench question ' || n,
                (array['received','in_progress','waiting'])[1 + n % 3], $2, $3,
                case when n % 3 = 2 then null else now() - make_interval(mins => (n % 4000)::int) end,
                now() - make_interval(mins => (n % 4000)::int), now() - make_interval(days => 30)
           from generate_series(1, $1) n join people p on p.i = n % p.k
         on conflict do nothing",
    )
    .bind(conversations)
    .bind(queue)
    .bind(staff)
    .execute(pool)
    .await
    .context("bench conversations")?;
    // In batches, so one statement never holds a million rows in memory.
    let per = (messages / conversations.max(1)).max(1);
    let batch = 100_000;
    let mut from = 1;
    while from <= messages {
        let to = (from + batch - 1).min(messages);
        sqlx::query(
            "insert into message (message_id, conversation_id, author_id, from_staff, body, created_at, read_at)
             select md5('bench-message-' || n)::uuid,
                    md5('bench-conversation-' || (1 + (n - 1) / $3))::uuid, $4, n % 2 = 0,
                    'A benchmark message of an ordinary length, about a question a patient might ask ' || n,
                    now() - make_interval(mins => (n % 40000)::int), now()
               from generate_series($1::bigint, $2::bigint) n
              where (n - 1) / $3 < $5
             on conflict do nothing",
        )
        .bind(from)
        .bind(to)
        .bind(per)
        .bind(staff)
        .bind(conversations)
        .execute(pool)
        .await
        .context("bench messages")?;
        from = to + 1;
    }
    sqlx::query("analyze conversation").execute(pool).await?;
    sqlx::query("analyze message").execute(pool).await?;
    let (open, total): (i64, i64) = sqlx::query_as(
        "select (select count(*) from conversation where status <> 'done'),
                (select count(*) from message)",
    )
    .fetch_one(pool)
    .await?;
    tracing::info!(
        open,
        messages = total,
        seconds = started.elapsed().as_secs(),
        "bench messaging data loaded"
    );
    Ok(staff)
}

pub async fn run(pool: &PgPool, staff: Uuid) -> anyhow::Result<()> {
    let queue = Uuid::parse_str(QUEUE)?;
    println!("| what | runs | p50 ms | p95 ms | p99 ms | notes |\n|---|---:|---:|---:|---:|---|");
    for concurrency in [1, 16] {
        let pool2 = pool.clone();
        let ms = timed(400, concurrency, move |i| {
            let pool = pool2.clone();
            async move {
                let mut conn = pool.acquire().await?;
                let tabs = db::select_member_queues(&mut conn, staff).await?;
                let rows = db::select_inbox(
                    &mut conn,
                    staff,
                    (i % 2 == 0).then_some(queue),
                    false,
                    "open",
                    "",
                    200,
                )
                .await?;
                std::hint::black_box((tabs.len(), rows.len()));
                Ok(())
            }
        })
        .await?;
        row(
            &format!("inbox: queue tabs + first 200 open rows ({concurrency} at once)"),
            ms,
            "the inbox server function's two queries",
        );
    }
    let pool2 = pool.clone();
    let ms = timed(100, 4, move |i| {
        let pool = pool2.clone();
        async move {
            let mut conn = pool.acquire().await?;
            let words = ["question 77", "garcia", "zz-no-match"];
            let rows = db::select_inbox(
                &mut conn,
                staff,
                Some(queue),
                false,
                "open",
                words.get(i % words.len()).copied().unwrap_or_default(),
                200,
            )
            .await?;
            std::hint::black_box(rows.len());
            Ok(())
        }
    })
    .await?;
    row("inbox search (4 at once)", ms, "subject or patient name");

    // Two processes: a second pool and hub, as another server has.
    let other = PgPool::connect_with(pool.connect_options().as_ref().clone()).await?;
    let hub = Hub::default();
    let mut changes = hub.subscribe(&other).await?;
    let conversations: Vec<Uuid> = sqlx::query_scalar(
        "select conversation_id from conversation where queue_id = $1 and status <> 'done' limit 200",
    )
    .bind(queue)
    .fetch_all(pool)
    .await?;
    let mut ms = Vec::new();
    for id in &conversations {
        let started = Instant::now();
        let mut tx = pool.begin().await?;
        let row = db::find_conversation(&mut tx, *id)
            .await?
            .context("conversation")?;
        db::insert_message(&mut tx, &row, staff, true, false, "A live benchmark reply.").await?;
        db::announce(&mut tx, *id, false).await?;
        tx.commit().await?;
        loop {
            match tokio::time::timeout(Duration::from_secs(5), changes.recv()).await {
                Ok(Ok(Signal::Changed(c))) if c.conversation == *id => break,
                Ok(Ok(_)) => continue,
                Ok(Err(e)) => anyhow::bail!("listener: {e}"),
                Err(_) => anyhow::bail!("no announcement within 5 s"),
            }
        }
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    row(
        "send → other process's listener (1 at a time)",
        ms,
        "message written, announced, committed, heard",
    );
    other.close().await;
    Ok(())
}
