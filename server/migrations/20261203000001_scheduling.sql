-- Scheduling: when each clinician works where, what is booked, and the rule that keeps two
-- bookings of one clinician apart. Hours are wall-clock times in the location's time zone
-- (care_location.time_zone); bookings are instants. Open times are computed from these tables
-- (app/src/scheduling/slots.rs), never stored, so a change of hours cannot leave stale slots.

-- For the exclusion constraint below: "=" on a uuid inside a GiST index.
create extension if not exists btree_gist;

-- Weekly hours, e.g. Mondays 9:00–12:00 at one location, from one date until another.
create table schedule_hours
(
    schedule_hours_id uuid primary key,
    clinician_id      uuid        not null references clinician on delete cascade,
    location_id       uuid        not null references care_location on delete cascade,
    weekday           smallint    not null check (weekday between 1 and 7),
    starts            time        not null,
    ends              time        not null,
    -- Visits start every slot_minutes from `starts` (a 40-minute visit on a 20-minute grid
    -- takes two steps).
    slot_minutes      integer     not null default 20 check (slot_minutes between 5 and 240),
    valid_from        date        not null,
    valid_until       date,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    check (starts < ends),
    check (valid_until is null or valid_until >= valid_from)
);
create index schedule_hours_clinician_idx on schedule_hours (clinician_id, location_id);
create index schedule_hours_location_idx on schedule_hours (location_id);
select trigger_updated_at('schedule_hours');

-- A date on which a clinician's weekly hours at a location do not apply: closed that day (a row
-- without times), or these hours instead (one row per span).
create table schedule_exception
(
    schedule_exception_id uuid primary key,
    clinician_id          uuid        not null references clinician on delete cascade,
    location_id           uuid        not null references care_location on delete cascade,
    day                   date        not null,
    starts                time,
    ends                  time,
    created_at            timestamptz not null default now(),
    check ((starts is null) = (ends is null)),
    check (starts < ends)
);
create index schedule_exception_day_idx on schedule_exception (clinician_id, location_id, day);

-- A day a location is closed (nobody works there, whatever the hours say).
create table location_holiday
(
    location_id uuid        not null references care_location on delete cascade,
    day         date        not null,
    name_en     text        not null check (length(name_en) between 1 and 80),
    name_es     text        not null check (length(name_es) between 1 and 80),
    created_at  timestamptz not null default now(),
    primary key (location_id, day)
);

-- A clinician away (leave, a conference, a meeting), anywhere.
create table clinician_block
(
    clinician_block_id uuid primary key,
    clinician_id       uuid        not null references clinician on delete cascade,
    during             tstzrange   not null check (not isempty(during) and lower_inc(during) and not upper_inc(during)),
    -- For staff only ("Conference"); never shown to patients.
    note               text        not null default '' check (length(note) <= 200),
    created_by         uuid references account (account_id) on delete set null,
    created_at         timestamptz not null default now()
);
create index clinician_block_during_idx on clinician_block using gist (clinician_id, during);

create table appointment
(
    appointment_id uuid primary key,
    patient_id     uuid        not null references patient on delete restrict,
    clinician_id   uuid        not null references clinician on delete restrict,
    location_id    uuid        not null references care_location on delete restrict,
    visit_type     text        not null references visit_type (slug),
    during         tstzrange   not null check (not isempty(during) and lower_inc(during) and not upper_inc(during)),
    status         text        not null default 'booked'
        check (status in ('booked', 'arrived', 'completed', 'no_show', 'cancelled')),
    -- The patient's reason for the visit: health information, shown only to the patient, those
    -- acting for them and staff, never put in an email, a calendar file or a log.
    reason         text        not null default '' check (length(reason) <= 500),
    booked_by      uuid references account (account_id) on delete set null,
    -- iCalendar SEQUENCE: raised on every change the patient's calendar must follow.
    ical_sequence  integer     not null default 0 check (ical_sequence >= 0),
    cancelled_at   timestamptz,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    check ((status = 'cancelled') = (cancelled_at is not null)),
    -- The rule: one clinician is never booked twice at once. Checked by PostgreSQL, so two
    -- people booking the same time at the same moment get one booking and one refusal.
    constraint appointment_no_overlap
        exclude using gist (clinician_id with =, during with &&) where (status <> 'cancelled')
);
create index appointment_patient_idx on appointment (patient_id, lower(during));
create index appointment_location_idx on appointment using gist (location_id, during);
select trigger_updated_at('appointment');
