-- A medication renewal request is a conversation with the care team (topic 'renewal'), so it
-- moves through messaging's statuses and the staff inbox's queues; this row ties it to the
-- medication it is about, for the medication list to show where the request stands.
create table renewal_request
(
    conversation_id uuid primary key references conversation on delete cascade,
    patient_id      uuid        not null references patient on delete cascade,
    item_id         uuid        not null references record_item on delete cascade,
    -- Where the patient wants it sent, as they typed it (optional).
    pharmacy        text        not null default '' check (length(pharmacy) <= 120),
    created_at      timestamptz not null default now()
);
create index renewal_request_item_idx on renewal_request (patient_id, item_id, created_at desc);
