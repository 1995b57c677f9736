-- Helpers every table uses: `updated_at` is maintained by a trigger so no code path can forget it.
create or replace function set_updated_at()
    returns trigger as
$$
begin
    new.updated_at = now();
    return new;
end;
$$ language plpgsql;

create or replace function trigger_updated_at(tablename regclass)
    returns void as
$$
begin
    execute format('create trigger set_updated_at
        before update
        on %s
        for each row
        when (old is distinct from new)
    execute function set_updated_at();', tablename);
end;
$$ language plpgsql;

-- The health system running this portal. One row at most: the id is fixed at 1.
create table organisation
(
    organisation_id smallint primary key default 1
        constraint organisation_singleton check (organisation_id = 1),
    name            text        not null check (length(name) between 1 and 200),
    phone           text check (length(phone) <= 40),
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);
select trigger_updated_at('organisation');

-- A person the organisation cares for. A patient record can exist without a portal account.
create table patient
(
    patient_id         uuid primary key,
    given_name         text        not null check (length(given_name) between 1 and 100),
    family_name        text        not null check (length(family_name) between 1 and 100),
    birth_date         date        not null check (birth_date > '1900-01-01'),
    -- Administrative sex as recorded (FHIR AdministrativeGender).
    sex                text        not null check (sex in ('female', 'male', 'other', 'unknown')),
    preferred_language text        not null default 'en' check (preferred_language in ('en', 'es')),
    email              text check (position('@' in email) > 1),
    postal_code        text check (length(postal_code) <= 10),
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now()
);
select trigger_updated_at('patient');
create index patient_family_name_birth_date_idx on patient (lower(family_name), birth_date);

-- Background work shared by every server process. Workers claim rows with
-- `for update skip locked`, so each job runs on one process at a time; a claim expires
-- (`locked_until`) so a crashed worker's jobs are picked up again.
create table job
(
    job_id       uuid primary key     default gen_random_uuid(),
    kind         text        not null check (length(kind) between 1 and 100),
    payload      jsonb       not null default '{}',
    run_at       timestamptz not null default now(),
    attempts     integer     not null default 0,
    max_attempts integer     not null default 5 check (max_attempts > 0),
    locked_until timestamptz,
    -- Error kind only; never payload contents.
    last_error   text,
    finished_at  timestamptz,
    failed_at    timestamptz,
    -- Jobs scheduled with a key (e.g. the daily clean-up) are queued at most once at a time.
    dedupe_key   text,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now()
);
select trigger_updated_at('job');
create index job_ready_idx on job (run_at) where finished_at is null and failed_at is null;
create unique index job_pending_dedupe_key on job (kind, dedupe_key)
    where dedupe_key is not null and finished_at is null and failed_at is null;
