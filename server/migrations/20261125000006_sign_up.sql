-- What a patient gives at sign-up, kept on the account until it is linked to a patient record
-- (matching by family name and date of birth). Staff accounts have none of it.
alter table account
    add column given_name  text check (length(given_name) between 1 and 100),
    add column family_name text check (length(family_name) between 1 and 100),
    add column birth_date  date check (birth_date > date '1880-01-01');

-- Single-use links sent by email (confirm an address, reset a password). The link carries a
-- random token; only its SHA-256 is stored. A token works once, before it expires, and only for
-- its purpose; a verify token confirms the address it was sent to, not whatever the account
-- holds by the time it is used.
create table account_token
(
    token_hash bytea primary key check (length(token_hash) = 32),
    account_id uuid        not null references account on delete cascade,
    purpose    text        not null check (purpose in ('verify_email', 'reset_password')),
    email      text        not null check (length(email) <= 254),
    expires_at timestamptz not null,
    used_at    timestamptz,
    created_at timestamptz not null default now()
);
create index account_token_account_idx on account_token (account_id, purpose, created_at desc);
