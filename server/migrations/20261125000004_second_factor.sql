-- An authenticator app (TOTP, RFC 6238) registered to an account. Unconfirmed until the person
-- enters one code from it, so a half-finished set-up never locks anyone out. A code's time step,
-- once accepted, is recorded and no code from that step or an earlier one is accepted again.
-- The secret is stored as the app holds it; encrypting it at rest with a key outside the
-- database is a separate change.
create table totp_credential
(
    account_id     uuid primary key references account on delete cascade,
    secret         bytea       not null check (length(secret) >= 20),
    confirmed_at   timestamptz,
    last_used_step bigint,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now()
);
select trigger_updated_at('totp_credential');

-- One-time recovery codes for when the authenticator is lost. Only a SHA-256 of each is kept
-- (the codes are random, 50 bits each, so a slow hash adds nothing); each works once.
create table recovery_code
(
    account_id uuid        not null references account on delete cascade,
    code_hash  bytea       not null check (length(code_hash) = 32),
    used_at    timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (account_id, code_hash)
);
select trigger_updated_at('recovery_code');
