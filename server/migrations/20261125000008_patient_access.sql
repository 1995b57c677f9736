-- Who may act for which patient, and for what. The one table `auth::access` reads to decide.
--   self      the account is the patient (linked by invitation or by a code sent to the email on
--             file); every scope.
--   parent    a parent or guardian of a minor: everything under 12; from 12 to 17, items marked
--             confidential stay hidden unless the teen grants them; ends at 18.
--   proxy     another adult (family member, caregiver) the patient or staff invited by email,
--             with the scopes named, until expires_at; counts only once accepted.
create table patient_access
(
    access_id              uuid primary key,
    account_id             uuid references account on delete cascade,
    patient_id             uuid        not null references patient on delete cascade,
    relationship           text        not null check (relationship in ('self', 'parent', 'proxy')),
    scopes                 text[]      not null default '{}'
        check (scopes <@ array ['records', 'messages', 'scheduling', 'billing']::text[]),
    -- A teen's grant to a parent: confidential items are shown too.
    confidential_granted   boolean     not null default false,
    expires_at             timestamptz,
    -- An invitation not yet accepted has no account; its link carries a token (SHA-256 here).
    invite_email           text check (length(invite_email) <= 254),
    invite_token_hash      bytea unique check (length(invite_token_hash) = 32),
    invite_expires_at      timestamptz,
    accepted_at            timestamptz,
    granted_by             uuid references account on delete set null,
    revoked_at             timestamptz,
    created_at             timestamptz not null default now(),
    updated_at             timestamptz not null default now(),
    check (relationship <> 'self' or account_id is not null),
    check (account_id is not null or invite_token_hash is not null)
);
select trigger_updated_at('patient_access');
-- One live grant per account and patient.
create unique index patient_access_live_key on patient_access (account_id, patient_id)
    where revoked_at is null and account_id is not null;
-- A patient record belongs to at most one account.
create unique index patient_access_self_key on patient_access (patient_id)
    where relationship = 'self' and revoked_at is null;
create index patient_access_patient_idx on patient_access (patient_id) where revoked_at is null;

-- Codes that link an account to a patient record: an invitation code staff hand to the patient
-- (valid 30 days), or a code emailed to the address on the patient's record after a match on
-- family name and date of birth (valid 30 minutes). Stored hashed; each works once.
create table patient_link_code
(
    code_hash   bytea primary key check (length(code_hash) = 32),
    patient_id  uuid        not null references patient on delete cascade,
    kind        text        not null check (kind in ('invitation', 'emailed')),
    -- For an emailed code: the account that asked, the only one that may use it.
    account_id  uuid references account on delete cascade,
    created_by  uuid references account on delete set null,
    expires_at  timestamptz not null,
    used_at     timestamptz,
    created_at  timestamptz not null default now()
);
create index patient_link_code_patient_idx on patient_link_code (patient_id);
