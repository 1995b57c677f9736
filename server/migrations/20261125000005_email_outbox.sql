-- Transactional email, written in the same transaction as the change that causes it and
-- delivered afterwards by a worker. A row is the idempotency key: its id is the message's
-- Message-ID, the same on every attempt, and a row marked sent is never claimed again. Bodies
-- carry single-use links (never health information) and are cleared a week after delivery.
create table email_outbox
(
    email_id        uuid primary key,
    to_address      text        not null check (position('@' in to_address) > 1 and length(to_address) <= 254),
    language        text        not null check (language in ('en', 'es')),
    -- Which template made it (e.g. verify_email), for the operator's view; never the content.
    template        text        not null check (length(template) <= 64),
    subject         text        not null check (length(subject) <= 200),
    body_text       text,
    body_html       text,
    attempts        integer     not null default 0,
    max_attempts    integer     not null default 8 check (max_attempts between 1 and 50),
    next_attempt_at timestamptz not null default now(),
    -- A worker's claim; it lapses so a crashed worker's message is retried by another.
    locked_until    timestamptz,
    sent_at         timestamptz,
    -- Kept in the portal's own mailbox instead of sent (development without SMTP_URL).
    kept_at         timestamptz,
    failed_at       timestamptz,
    -- An error kind (e.g. "connection refused"), never the message or the server's reply text.
    last_error      text check (length(last_error) <= 200),
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    check (num_nonnulls(sent_at, kept_at, failed_at) <= 1)
);
select trigger_updated_at('email_outbox');
create index email_outbox_due_idx on email_outbox (next_attempt_at)
    where sent_at is null and kept_at is null and failed_at is null;
create index email_outbox_created_idx on email_outbox (created_at desc);
