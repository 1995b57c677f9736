-- Secure messaging: conversations between a patient (or someone acting for them) and the care
-- team, each a request with a status the patient can follow. Messages are append-only: a message
-- is never edited or deleted, so what the patient was told stays on record. Internal notes live
-- in the same table (internal = true) and are filtered out of every patient-side query.

-- A queue of conversations answered by one team (or at one location), with its reply target.
create table message_queue
(
    queue_id       uuid primary key,
    slug           text        not null unique check (slug ~ '^[a-z0-9-]{1,60}$'),
    name_en        text        not null check (length(name_en) between 1 and 80),
    name_es        text        not null check (length(name_es) between 1 and 80),
    location_id    uuid references care_location on delete set null,
    -- Topics routed here when the patient has no navigator, or theirs is away.
    topics         text[]      not null default '{}',
    -- The reply target shown to patients ("usually within 1 business day") and used to
    -- highlight overdue conversations in the staff inbox.
    response_hours integer     not null default 24 check (response_hours between 1 and 720),
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now()
);
select trigger_updated_at('message_queue');

-- Staff who answer a queue. A staff member sees the conversations of their queues and those
-- assigned to them, not every conversation in the organisation.
create table message_queue_member
(
    queue_id   uuid        not null references message_queue on delete cascade,
    account_id uuid        not null references account on delete cascade,
    created_at timestamptz not null default now(),
    primary key (queue_id, account_id)
);
create index message_queue_member_account_idx on message_queue_member (account_id);

-- A care navigator: the staff member a patient writes to first, shown by name and photo.
create table care_navigator
(
    account_id   uuid primary key references account on delete cascade,
    display_name text        not null check (length(display_name) between 1 and 120),
    title_en     text        not null default '' check (length(title_en) <= 120),
    title_es     text        not null default '' check (length(title_es) <= 120),
    -- Shown on the patient's home page; initials without one. A photo must be described.
    photo_image  text references media_image (media_hash) on delete set null,
    photo_alt    text check (length(photo_alt) between 1 and 200),
    -- The navigator's team: where their patients' conversations go while they are away.
    queue_id     uuid        not null references message_queue,
    away         boolean     not null default false,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),
    check (photo_image is null or photo_alt is not null)
);
select trigger_updated_at('care_navigator');

-- Each patient's designated primary contact.
create table patient_navigator
(
    patient_id uuid primary key references patient on delete cascade,
    account_id uuid        not null references care_navigator on delete cascade,
    created_at timestamptz not null default now()
);
create index patient_navigator_account_idx on patient_navigator (account_id);

create table conversation
(
    conversation_id   uuid primary key,
    patient_id        uuid        not null references patient on delete cascade,
    topic             text        not null check (topic in ('clinician', 'appointment', 'renewal',
                                                            'billing', 'records', 'other')),
    -- The patient's own words: health information, so never in emails, logs or URLs.
    subject           text        not null check (length(subject) between 1 and 120),
    status            text        not null default 'received'
        check (status in ('received', 'in_progress', 'waiting', 'done')),
    queue_id          uuid        not null references message_queue,
    assigned_to       uuid references account on delete set null,
    started_by        uuid        not null references account,
    -- The first staff reply (not an internal note): response-time figures come from here.
    first_response_at timestamptz,
    -- The patient's oldest message the care team has not answered yet (null when answered):
    -- what "overdue" is measured from, kept here so the inbox need not scan messages.
    awaiting_since    timestamptz,
    last_message_at   timestamptz not null default now(),
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now()
);
select trigger_updated_at('conversation');
create index conversation_patient_idx on conversation (patient_id, last_message_at desc);
create index conversation_queue_open_idx on conversation (queue_id, awaiting_since) where status <> 'done';
create index conversation_assigned_open_idx on conversation (assigned_to, awaiting_since) where status <> 'done';

create table message
(
    message_id      uuid primary key,
    conversation_id uuid        not null references conversation on delete cascade,
    author_id       uuid        not null references account,
    from_staff      boolean     not null,
    -- A note between staff; never shown or sent to the patient's side.
    internal        boolean     not null default false,
    body            text        not null check (length(body) between 1 and 5000),
    -- When the other side first opened the conversation after this message.
    read_at         timestamptz,
    created_at      timestamptz not null default now(),
    check (from_staff or not internal)
);
create index message_conversation_idx on message (conversation_id, created_at);

-- The timeline of a conversation: status changes, assignment and queue moves, in order.
create table conversation_event
(
    conversation_event_id bigint generated always as identity primary key,
    conversation_id       uuid        not null references conversation on delete cascade,
    kind                  text        not null check (kind in ('status', 'assigned', 'queue')),
    status                text,
    actor_id              uuid references account on delete set null,
    assigned_to           uuid references account on delete set null,
    queue_id              uuid references message_queue on delete set null,
    created_at            timestamptz not null default now()
);
create index conversation_event_conversation_idx on conversation_event (conversation_id, conversation_event_id);

-- What someone was writing, kept until sent: one new-conversation draft per writer and patient,
-- and one reply draft per writer and conversation. A failed send leaves its text here.
create table message_draft
(
    message_draft_id uuid primary key,
    account_id       uuid        not null references account on delete cascade,
    patient_id       uuid        not null references patient on delete cascade,
    conversation_id  uuid references conversation on delete cascade,
    topic            text        not null default '',
    subject          text        not null default '' check (length(subject) <= 120),
    body             text        not null default '' check (length(body) <= 5000),
    updated_at       timestamptz not null default now()
);
create unique index message_draft_new_key on message_draft (account_id, patient_id) where conversation_id is null;
create unique index message_draft_reply_key on message_draft (account_id, conversation_id) where conversation_id is not null;

-- Staff replies used often. Placeholders: {first_name} (the patient's), {clinician}.
create table canned_reply
(
    canned_reply_id uuid primary key,
    title           text        not null unique check (length(title) between 1 and 80),
    body_en         text        not null check (length(body_en) between 1 and 2000),
    body_es         text        not null check (length(body_es) between 1 and 2000),
    created_at      timestamptz not null default now()
);

-- The portal's notification centre: something for this account to look at. Says only what kind
-- of thing happened; the detail is behind the link, after signing in.
create table notification
(
    notification_id uuid primary key,
    account_id      uuid        not null references account on delete cascade,
    patient_id      uuid references patient on delete cascade,
    kind            text        not null check (kind in ('message_reply', 'request_status')),
    conversation_id uuid references conversation on delete cascade,
    read_at         timestamptz,
    created_at      timestamptz not null default now()
);
create index notification_account_idx on notification (account_id, created_at desc);
