-- A person who signs in: a patient, a proxy, or a member of staff. Patients create their own;
-- staff accounts are created by an administrator. The email is the sign-in name, unique without
-- regard to case.
create table account
(
    account_id         uuid primary key,
    email              text        not null check (position('@' in email) > 1 and length(email) <= 254),
    email_verified_at  timestamptz,
    -- PHC string (argon2id); never leaves the server.
    password_hash      text        not null check (password_hash like '$argon2id$%'),
    display_name       text        not null check (length(display_name) between 1 and 200),
    preferred_language text        not null default 'en' check (preferred_language in ('en', 'es')),
    -- A disabled account cannot sign in and its sessions end at once.
    disabled_at        timestamptz,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now()
);
select trigger_updated_at('account');
create unique index account_email_key on account (lower(email));

-- Roles beyond "patient" (which is a link to a patient record, not a role). An account may hold
-- several.
create table account_role
(
    account_id uuid        not null references account on delete cascade,
    role       text        not null check (role in ('staff', 'editor', 'medical_reviewer',
                                                    'engagement_manager', 'administrator')),
    granted_by uuid references account,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (account_id, role)
);
select trigger_updated_at('account_role');

-- A signed-in browser. The cookie carries a random token; only its SHA-256 is stored, so a copy
-- of this table signs nobody in. A session ends at the first of: sign-out (ended_at), idle for
-- longer than idle_seconds since last_seen_at, or expires_at (the absolute lifetime).
create table session
(
    session_id   uuid primary key,
    token_hash   bytea       not null
        constraint session_token_hash_key unique check (length(token_hash) = 32),
    account_id   uuid        not null references account on delete cascade,
    idle_seconds integer     not null check (idle_seconds between 60 and 86400),
    last_seen_at timestamptz not null,
    expires_at   timestamptz not null,
    ended_at     timestamptz,
    -- Shown on the "your sessions" page so a person can recognise a device.
    user_agent   text check (length(user_agent) <= 512),
    ip           inet,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now()
);
select trigger_updated_at('session');
create index session_account_open_idx on session (account_id) where ended_at is null;
