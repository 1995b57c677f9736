-- Passkeys (WebAuthn discoverable credentials) registered to an account. A passkey both names
-- the account and proves it, with user verification (a PIN or biometric on the device), so it
-- signs in on its own and counts as a second factor. `credential` is webauthn-rs's record of the
-- public key and signature counter; the private key never leaves the person's device.
create table passkey
(
    passkey_id    uuid primary key default gen_random_uuid(),
    account_id    uuid        not null references account on delete cascade,
    credential_id bytea       not null unique check (length(credential_id) between 16 and 1023),
    name          text        not null check (length(name) between 1 and 60),
    credential    jsonb       not null,
    last_used_at  timestamptz,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now()
);
select trigger_updated_at('passkey');
create index passkey_account on passkey (account_id);

-- A WebAuthn ceremony in progress: the challenge sent to the browser and what the server needs
-- to check the answer. Used once (deleted when answered) and only for a few minutes. A
-- registration belongs to the signed-in account that started it; a sign-in belongs to nobody
-- until the passkey names its account.
create table webauthn_ceremony
(
    ceremony_id uuid primary key default gen_random_uuid(),
    purpose     text        not null check (purpose in ('register', 'sign_in')),
    account_id  uuid references account on delete cascade,
    state       jsonb       not null,
    expires_at  timestamptz not null,
    created_at  timestamptz not null default now(),
    check ((purpose = 'register') = (account_id is not null))
);
create index webauthn_ceremony_expiry on webauthn_ceremony (expires_at);
