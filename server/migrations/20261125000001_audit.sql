-- The audit log: who did what, acting for whom, to which patient's data, and how it ended.
-- Append-only and tamper-evident: each row's hash covers its content and the previous row's
-- hash, so an edited, inserted or deleted row breaks the chain from that point on
-- (`server verify-audit` names the first such row). Actors and patients are plain ids, not
-- foreign keys: the record of an access must outlive the account or record it names.
create table audit_event
(
    audit_event_id        uuid primary key     default gen_random_uuid(),
    -- Position in the chain, assigned under a lock by the insert trigger: ids and commit order
    -- can disagree, the chain cannot.
    chain_seq             bigint      not null
        constraint audit_event_chain_seq_key unique,
    occurred_at           timestamptz not null default now(),
    -- Null for anonymous callers and for the system itself.
    actor_account_id      uuid,
    -- The patient a proxy or staff member was acting for, when not themself.
    acting_for_patient_id uuid,
    -- Whose data was read or changed, when any.
    patient_id            uuid,
    -- Dotted verb, e.g. `session.sign_in`, `record.read`. Never free text: no health data here.
    action                text        not null check (action ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$' and length(action) <= 100),
    object_type           text check (object_type ~ '^[a-z][a-z0-9_]*$' and length(object_type) <= 50),
    object_id             text check (length(object_id) <= 100),
    outcome               text        not null check (outcome in ('success', 'failure', 'denied')),
    ip                    inet,
    user_agent            text check (length(user_agent) <= 512),
    prev_hash             bytea       not null check (length(prev_hash) = 32),
    row_hash              bytea       not null check (length(row_hash) = 32)
);
create index audit_event_patient_idx on audit_event (patient_id, occurred_at desc) where patient_id is not null;
create index audit_event_actor_idx on audit_event (actor_account_id, occurred_at desc) where actor_account_id is not null;

-- The one definition of a row's hash, used by the insert trigger and by verification. It names
-- its columns, so a column added later is outside the hash until a new version says otherwise.
-- Times enter as epoch seconds, which do not depend on the session's time zone.
create function audit_event_hash(e audit_event) returns bytea
    language sql
    stable
as
$$
select sha256(e.prev_hash || convert_to(jsonb_build_array(
        e.chain_seq,
        e.audit_event_id,
        extract(epoch from e.occurred_at)::text,
        e.actor_account_id,
        e.acting_for_patient_id,
        e.patient_id,
        e.action,
        e.object_type,
        e.object_id,
        e.outcome,
        host(e.ip),
        e.user_agent
    )::text, 'UTF8'))
$$;

create function audit_event_chain() returns trigger
    language plpgsql
as
$$
declare
    last audit_event%rowtype;
begin
    -- One transaction at a time extends the chain; the lock is held until it commits, and this
    -- (volatile) function's next query sees the previous writer's row. Audit writes therefore
    -- belong in READ COMMITTED transactions, the default; under a stricter isolation level two
    -- writers would pick the same position and the unique constraint refuses the second.
    perform pg_advisory_xact_lock(hashtext('audit_event_chain'));
    select * into last from audit_event order by chain_seq desc limit 1;
    new.chain_seq := coalesce(last.chain_seq, 0) + 1;
    new.prev_hash := coalesce(last.row_hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
    -- The database's clock, not the caller's: an event cannot be backdated.
    new.occurred_at := now();
    new.row_hash := audit_event_hash(new);
    return new;
end;
$$;

create trigger audit_event_chain
    before insert
    on audit_event
    for each row
execute function audit_event_chain();

-- Append-only: refused for every role, the table's owner included. Only a role that may alter the
-- table could switch this off, and an edit made that way still breaks the hash chain.
create function audit_event_refuse_change() returns trigger
    language plpgsql
as
$$
begin
    raise exception 'the audit log is append-only' using errcode = 'insufficient_privilege';
end;
$$;

create trigger audit_event_append_only
    before update or delete
    on audit_event
    for each row
execute function audit_event_refuse_change();

create trigger audit_event_no_truncate
    before truncate
    on audit_event
    for each statement
execute function audit_event_refuse_change();
