-- Reminders before each visit, and the links in them that confirm or cancel without signing in.
alter table appointment add column confirmed_at timestamptz;
-- The reminder sweep reads booked visits by start time.
create index appointment_booked_start_idx on appointment (lower(during)) where status = 'booked';

-- One row per visit and reminder offset: sent, or skipped (a closer reminder went instead, or the
-- visit was booked after this one was due). Its existence is what stops a second send.
create table appointment_reminder
(
    appointment_id uuid        not null references appointment on delete cascade,
    offset_hours   integer     not null check (offset_hours between 1 and 336),
    sent_at        timestamptz,
    skipped_at     timestamptz,
    created_at     timestamptz not null default now(),
    primary key (appointment_id, offset_hours),
    check (num_nonnulls(sent_at, skipped_at) = 1)
);

-- A reminder's link: 256 random bits in the email, their SHA-256 here. It works once, for
-- confirming or cancelling that one visit, until the visit starts.
create table visit_link_token
(
    token_hash     bytea primary key check (length(token_hash) = 32),
    appointment_id uuid        not null references appointment on delete cascade,
    expires_at     timestamptz not null,
    used_at        timestamptz,
    created_at     timestamptz not null default now()
);
create index visit_link_token_appointment_idx on visit_link_token (appointment_id);
