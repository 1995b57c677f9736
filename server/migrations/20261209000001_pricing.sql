-- Price transparency: the hospital's standard charges as 45 CFR 180.50 and CMS's template v3.0
-- define them. One catalogue, replaced whole by an import (or changed by an administrator), from
-- which the public estimator, patients' estimates and the machine-readable file are all read.
-- Money is integer cents: never floating point, and exact to the cent.

-- What the machine-readable file says about the hospital itself (one row).
create table price_file
(
    price_file_id        boolean primary key default true check (price_file_id),
    hospital_name        text        not null check (length(hospital_name) between 1 and 300),
    last_updated_on      date        not null,
    version              text        not null default '3.0.0',
    location_names       text[]      not null check (cardinality(location_names) >= 1),
    hospital_addresses   text[]      not null check (cardinality(hospital_addresses) >= 1),
    license_number       text,
    license_state        text        not null check (length(license_state) = 2),
    type_2_npis          text[]      not null check (cardinality(type_2_npis) >= 1),
    attester_name        text        not null check (length(attester_name) >= 1),
    -- Provisions that apply to every service for a payer (CMS: general_contract_provisions).
    general_provisions   text        not null default '',
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now()
);
select trigger_updated_at('price_file');

-- A payer's plan, named as the contract names it. Rates and coverage point here.
create table price_plan
(
    price_plan_id uuid primary key default gen_random_uuid(),
    payer_name    text        not null check (length(payer_name) between 1 and 300),
    plan_name     text        not null check (length(plan_name) between 1 and 300),
    created_at    timestamptz not null default now(),
    constraint price_plan_name_key unique (payer_name, plan_name)
);

-- An item or service: CMS's description and codes, and the plain-language name patients search.
create table price_item
(
    price_item_id  uuid primary key default gen_random_uuid(),
    -- The order of the file it came from, so the machine-readable file keeps it.
    position       integer     not null,
    description    text        not null check (length(description) between 1 and 2000),
    name_en        text        not null check (length(name_en) between 1 and 300),
    name_es        text        not null check (length(name_es) between 1 and 300),
    -- What a patient gets, in plain words (optional).
    summary_en     text        not null default '',
    summary_es     text        not null default '',
    -- Drugs are priced per this many units of this measure (CMS drug_information).
    drug_unit      numeric check (drug_unit > 0),
    drug_unit_type text check (drug_unit_type in ('GR', 'ML', 'ME', 'UN', 'F2', 'GM', 'EA')),
    -- A shoppable service (45 CFR 180.60) heads a group; its usual ancillaries point at it.
    shoppable      boolean     not null default false,
    ancillary_of   uuid references price_item on delete set null,
    search         tsvector generated always as (
        to_tsvector('english'::regconfig, name_en || ' ' || description || ' ' || summary_en)
            || to_tsvector('spanish'::regconfig, name_es || ' ' || summary_es)
    ) stored,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    check ((drug_unit is null) = (drug_unit_type is null))
);
-- No updated_at trigger: its whole-row check cannot see a generated column; updates set it.
create index price_item_position_idx on price_item (position);
create index price_item_search_idx on price_item using gin (search);
create index price_item_ancillary_idx on price_item (ancillary_of) where ancillary_of is not null;

create table price_code
(
    price_item_id uuid     not null references price_item on delete cascade,
    position      smallint not null,
    code          text     not null check (length(code) between 1 and 100),
    code_type     text     not null check (code_type in ('CPT', 'HCPCS', 'ICD', 'DRG', 'MS-DRG', 'R-DRG',
        'S-DRG', 'APS-DRG', 'AP-DRG', 'APR-DRG', 'TRIS-DRG', 'APC', 'NDC', 'HIPPS', 'LOCAL', 'EAPG', 'CDT',
        'RC', 'CDM', 'CMG', 'MS-LTC-DRG')),
    primary key (price_item_id, position)
);
-- Searching by code ignores case ("c1785" finds C1785).
create index price_code_code_idx on price_code (upper(code));

-- The item's standard charges in one setting (and with one set of modifiers, if any).
create table price_charge
(
    price_charge_id uuid primary key default gen_random_uuid(),
    price_item_id   uuid        not null references price_item on delete cascade,
    position        smallint    not null,
    setting         text        not null check (setting in ('inpatient', 'outpatient', 'both')),
    gross_cents     bigint check (gross_cents > 0),
    cash_cents      bigint check (cash_cents > 0),
    -- The lowest and highest payer-specific negotiated dollar amounts, as the hospital states them.
    min_cents       bigint check (min_cents > 0),
    max_cents       bigint check (max_cents >= min_cents),
    modifiers       text[]      not null default '{}',
    notes           text        not null default '',
    unique (price_item_id, position)
);

-- A payer-specific negotiated charge: a dollar amount, a percentage or an algorithm (or more).
create table price_rate
(
    price_rate_id   uuid primary key default gen_random_uuid(),
    price_charge_id uuid     not null references price_charge on delete cascade,
    price_plan_id   uuid     not null references price_plan,
    position        integer  not null,
    dollar_cents    bigint check (dollar_cents > 0),
    percentage      numeric check (percentage > 0),
    algorithm       text check (length(algorithm) >= 1),
    methodology     text     not null check (methodology in ('case rate', 'fee schedule',
        'percent of total billed charges', 'per diem', 'other')),
    median_cents    bigint check (median_cents > 0),
    p10_cents       bigint check (p10_cents > 0),
    p90_cents       bigint check (p90_cents > 0),
    -- CMS's count of allowed amounts: "0", "1 through 10" or a number from 11.
    claims_count    text check (claims_count ~ '^(0|1 through 10|1[1-9]|[2-9]\d+|[1-9]\d{2,})$'),
    notes           text     not null default '',
    check (dollar_cents is not null or percentage is not null or algorithm is not null),
    unique (price_charge_id, position)
);
create index price_rate_plan_idx on price_rate (price_plan_id, price_charge_id);

-- How a modifier changes what a payer pays (CMS modifier_information).
create table price_modifier
(
    price_modifier_id uuid primary key default gen_random_uuid(),
    position          integer not null,
    -- One modifier ("50") or a combination ("50|62").
    code              text    not null check (length(code) >= 1),
    description       text    not null check (length(description) >= 1),
    setting           text check (setting in ('inpatient', 'outpatient', 'both'))
);
create table price_modifier_rate
(
    price_modifier_id uuid    not null references price_modifier on delete cascade,
    price_plan_id     uuid    not null references price_plan,
    description       text    not null check (length(description) >= 1),
    primary key (price_modifier_id, price_plan_id)
);

-- Every import, applied or refused, with who posted it and what was wrong: the catalogue's
-- history, and the report an administrator reads after a refused file. Catalogue data only.
create table price_import
(
    price_import_id uuid primary key default gen_random_uuid(),
    account_id      uuid        not null references account,
    file_name       text        not null default '',
    format          text        not null check (format in ('csv', 'json')),
    applied         boolean     not null,
    items           integer     not null default 0,
    rates           integer     not null default 0,
    -- [{"row": 14, "column": "standard_charge | gross", "problem": "not_money", "value": "12,00x"}]
    problems        jsonb       not null default '[]',
    created_at      timestamptz not null default now()
);
create index price_import_created_idx on price_import (created_at desc);
