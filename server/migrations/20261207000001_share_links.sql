-- SMART Health Links: a patient shares a chosen part of their record as an encrypted snapshot
-- behind an unguessable manifest address. The link itself carries the key; the portal keeps it
-- too so the patient can show the same QR code again, and keeps every attempt to open it.
create table share_link
(
    link_id        uuid primary key,
    patient_id     uuid        not null references patient on delete cascade,
    created_by     uuid        not null references account (account_id),
    -- Shown to whoever opens the link (the specification allows 80 characters).
    label          text        not null check (length(label) between 1 and 80),
    -- Which parts of the record: conditions, allergies, medications, immunizations, results, vitals.
    sections       text[]      not null check (cardinality(sections) between 1 and 6),
    -- The manifest's address: 32 random bytes, base64url (the specification asks for 256 bits).
    manifest_token text        not null unique check (length(manifest_token) = 43),
    key            bytea       not null check (length(key) = 32),
    -- The record as a FHIR Bundle, encrypted as a compact JWE (dir, A256GCM).
    payload        text        not null,
    -- An Argon2 hash; a link with a passcode is refused for good after its attempts run out.
    passcode_hash  text,
    attempts_left  integer     not null default 5 check (attempts_left >= 0),
    expires_at     timestamptz not null,
    revoked_at     timestamptz,
    created_at     timestamptz not null default now()
);
create index share_link_patient_idx on share_link (patient_id, created_at desc);

-- Every request for the link's manifest, whatever its outcome, for the patient to see.
create table share_link_open
(
    link_id   uuid        not null references share_link on delete cascade,
    opened_at timestamptz not null default now(),
    -- Who the opener said they are (the specification's `recipient`).
    recipient text        not null check (length(recipient) between 1 and 200),
    outcome   text        not null check (outcome in ('opened', 'wrong_passcode', 'refused'))
);
create index share_link_open_link_idx on share_link_open (link_id, opened_at desc);

-- A short-lived address for the encrypted file when a viewer asks for it by location.
create table share_link_ticket
(
    ticket     text primary key check (length(ticket) = 43),
    link_id    uuid        not null references share_link on delete cascade,
    expires_at timestamptz not null
);
