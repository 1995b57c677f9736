-- Health records. Each item is one FHIR R4 resource kept as received or written (`resource`),
-- with the few fields the portal's pages sort, filter and chart by copied out beside it when it
-- is stored. Codes stay as received (LOINC, SNOMED CT, RxNorm, CVX, ICD-10).

-- An outside record: one imported bundle. Records with no source are this organisation's own.
create table record_source
(
    source_id     uuid primary key,
    patient_id    uuid        not null references patient on delete cascade,
    -- Who the records came from, as the bundle names them (or "Outside record").
    name          text        not null check (length(name) between 1 and 200),
    -- The uploaded bytes' SHA-256: the same file imported again changes nothing.
    bundle_sha256 bytea       not null check (length(bundle_sha256) = 32),
    items         integer     not null check (items >= 0),
    imported_by   uuid        not null references account (account_id),
    imported_at   timestamptz not null default now(),
    constraint record_source_patient_bundle_key unique (patient_id, bundle_sha256)
);

create table record_item
(
    item_id        uuid primary key,
    patient_id     uuid             not null references patient on delete cascade,
    resource_type  text             not null check (resource_type in
        ('Condition', 'AllergyIntolerance', 'MedicationRequest', 'Immunization', 'Observation',
         'DiagnosticReport', 'Encounter')),
    -- Observation: vital-signs, laboratory, patient-reported…; DiagnosticReport: its service.
    category       text             not null default '' check (length(category) <= 100),
    code_system    text check (length(code_system) <= 300),
    code           text check (length(code) <= 100),
    display        text             not null check (length(display) between 1 and 500),
    -- When it happened (onset, effective, occurrence, authored, period start), when known.
    effective_at   timestamptz,
    status         text             not null check (length(status) between 1 and 50),
    -- An Observation's number, unit, reference range and interpretation code (H, L, A…).
    value          double precision,
    unit           text check (length(unit) <= 50),
    ref_low        double precision,
    ref_high       double precision,
    interpretation text check (length(interpretation) <= 10),
    -- The report an Observation belongs to.
    report_id      uuid references record_item (item_id) on delete cascade,
    -- Hidden from proxies of 12–17-year-olds unless the teen shares it.
    confidential   boolean          not null default false,
    -- Shown to the patient's side from this instant (release rules may delay results).
    released_at    timestamptz      not null,
    source_id      uuid references record_source on delete cascade,
    -- Imported items: the resource's canonical SHA-256, so an entry already here is not added twice.
    content_sha256 bytea check (length(content_sha256) = 32),
    resource       jsonb            not null,
    -- Corrections add a version (record_item_version keeps every one); nothing is erased.
    version        integer          not null default 1 check (version > 0),
    recorded_by    uuid references account (account_id),
    created_at     timestamptz      not null default now(),
    updated_at     timestamptz      not null default now(),
    constraint record_item_own_or_imported check ((source_id is null) = (content_sha256 is null))
);
select trigger_updated_at('record_item');
create index record_item_patient_type_idx on record_item (patient_id, resource_type, effective_at desc);
create index record_item_patient_code_idx on record_item (patient_id, code, effective_at)
    where resource_type = 'Observation';
create index record_item_report_idx on record_item (report_id) where report_id is not null;
create unique index record_item_patient_content_key on record_item (patient_id, content_sha256)
    where content_sha256 is not null;

-- Every version of every item, the first included: who changed it, when and why.
create table record_item_version
(
    item_id    uuid        not null references record_item on delete cascade,
    version    integer     not null check (version > 0),
    resource   jsonb       not null,
    changed_by uuid references account (account_id),
    changed_at timestamptz not null default now(),
    reason     text check (length(reason) <= 500),
    primary key (item_id, version)
);

-- How long after it is recorded a result of a category reaches the portal (0: at once).
create table record_release_rule
(
    category    text primary key check (length(category) between 1 and 100),
    delay_hours integer not null check (delay_hours between 0 and 8760)
);
insert into record_release_rule (category, delay_hours)
values ('laboratory', 0),
       ('vital-signs', 0),
       ('imaging', 72),
       ('pathology', 72);

-- A result is "new" for an account until that account has seen it.
create table record_seen
(
    account_id uuid        not null references account (account_id) on delete cascade,
    item_id    uuid        not null references record_item on delete cascade,
    seen_at    timestamptz not null default now(),
    primary key (account_id, item_id)
);

-- An import that found problems, kept for an hour so the patient can keep its valid entries
-- without choosing the file again.
create table record_import_pending
(
    pending_id uuid primary key,
    patient_id uuid        not null references patient on delete cascade,
    account_id uuid        not null references account (account_id) on delete cascade,
    bundle     bytea       not null,
    -- What was wrong, by entry and field: [[entry, resource type, field, problem], …].
    problems   jsonb       not null,
    -- Entries that could be kept.
    valid      integer     not null check (valid >= 0),
    expires_at timestamptz not null default now() + interval '1 hour'
);
