-- Coverage on file: the patient's insurance as the organisation has it, which personal price
-- estimates read. Staff keep it; the patient (or a proxy with the billing scope) sees it and asks
-- for a correction. Money is integer cents; coinsurance is in basis points (20% = 2000) so the
-- arithmetic stays exact.
create table coverage
(
    patient_id           uuid primary key references patient on delete cascade,
    -- The payer's plan (rates come from the price catalogue); null means self-pay.
    price_plan_id        uuid references price_plan,
    member_id            text        not null default '' check (length(member_id) <= 40),
    deductible_cents     bigint      not null default 0 check (deductible_cents >= 0),
    deductible_met_cents bigint      not null default 0
        check (deductible_met_cents between 0 and deductible_cents),
    -- The patient's share of what is left after the deductible.
    coinsurance_bp       integer     not null default 0 check (coinsurance_bp between 0 and 10000),
    -- A fixed amount for an office visit, in place of coinsurance (0 = none).
    copay_cents          bigint      not null default 0 check (copay_cents >= 0),
    oop_max_cents        bigint      not null default 0 check (oop_max_cents >= 0),
    oop_met_cents        bigint      not null default 0 check (oop_met_cents between 0 and oop_max_cents),
    updated_by           uuid        not null references account,
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now(),
    -- Self-pay carries no plan figures; a plan has an out-of-pocket maximum (the ACA requires one).
    check ((price_plan_id is null and deductible_cents = 0 and coinsurance_bp = 0 and copay_cents = 0
            and oop_max_cents = 0)
        or (price_plan_id is not null and oop_max_cents > 0 and deductible_cents <= oop_max_cents))
);
select trigger_updated_at('coverage');

-- Every change, as it was after the change: corrections never erase what was on file before.
create table coverage_event
(
    coverage_event_id    uuid primary key default gen_random_uuid(),
    patient_id           uuid        not null references patient on delete cascade,
    price_plan_id        uuid references price_plan,
    member_id            text        not null,
    deductible_cents     bigint      not null,
    deductible_met_cents bigint      not null,
    coinsurance_bp       integer     not null,
    copay_cents          bigint      not null,
    oop_max_cents        bigint      not null,
    oop_met_cents        bigint      not null,
    account_id           uuid        not null references account,
    created_at           timestamptz not null default now()
);
create index coverage_event_patient_idx on coverage_event (patient_id, created_at desc);

-- A patient's request to correct their coverage is a billing conversation with the care team
-- (so it reaches the staff inbox and moves through its statuses); this row says what it is about.
create table coverage_correction
(
    conversation_id uuid primary key references conversation on delete cascade,
    patient_id      uuid        not null references patient on delete cascade,
    created_at      timestamptz not null default now()
);
create index coverage_correction_patient_idx on coverage_correction (patient_id, created_at desc);

-- The billing code a visit type is billed under, so booking can show what the visit will cost.
alter table visit_type add column billing_code text check (length(billing_code) between 1 and 20);
update visit_type set billing_code = '99203' where slug = 'new-patient';
update visit_type set billing_code = '99213' where slug in ('follow-up', 'video-visit', 'same-day');
update visit_type set billing_code = '99385' where slug = 'annual-physical';
