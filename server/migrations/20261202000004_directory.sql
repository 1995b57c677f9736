-- Find care: the locations patients visit and the clinicians who see them there. Everything here
-- is public once `listed`; administrators manage it. Specialties and visit types are small
-- vocabularies with their names in both portal languages, so filters and pages never show a
-- raw code.

create table specialty (
    slug text primary key check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name_en text not null check (length(name_en) between 1 and 80),
    name_es text not null check (length(name_es) between 1 and 80),
    -- schema.org MedicalSpecialty member, when one fits (structured data on clinician pages).
    schema_org text
);

insert into specialty (slug, name_en, name_es, schema_org) values
    ('family-medicine', 'Family medicine', 'Medicina familiar', 'PrimaryCare'),
    ('internal-medicine', 'Internal medicine', 'Medicina interna', 'PrimaryCare'),
    ('pediatrics', 'Pediatrics', 'Pediatría', 'Pediatric'),
    ('obstetrics-gynecology', 'Obstetrics and gynecology', 'Obstetricia y ginecología', 'Obstetric'),
    ('cardiology', 'Cardiology', 'Cardiología', 'Cardiovascular'),
    ('dermatology', 'Dermatology', 'Dermatología', 'Dermatology'),
    ('endocrinology', 'Endocrinology and diabetes', 'Endocrinología y diabetes', 'Endocrine'),
    ('gastroenterology', 'Gastroenterology', 'Gastroenterología', 'Gastroenterologic'),
    ('neurology', 'Neurology', 'Neurología', 'Neurologic'),
    ('orthopedics', 'Orthopedics', 'Ortopedia', 'Musculoskeletal'),
    ('psychiatry', 'Psychiatry', 'Psiquiatría', 'Psychiatric'),
    ('behavioral-health', 'Behavioral health and counseling', 'Salud conductual y consejería', 'Psychiatric'),
    ('pulmonology', 'Pulmonology', 'Neumología', 'Pulmonary'),
    ('nephrology', 'Nephrology', 'Nefrología', 'Renal'),
    ('oncology', 'Oncology', 'Oncología', 'Oncologic'),
    ('rheumatology', 'Rheumatology', 'Reumatología', 'Rheumatologic'),
    ('urology', 'Urology', 'Urología', 'Urologic'),
    ('physical-therapy', 'Physical therapy', 'Fisioterapia', 'PhysicalTherapy'),
    ('nutrition', 'Nutrition and dietetics', 'Nutrición y dietética', 'DietNutrition'),
    ('geriatrics', 'Geriatrics', 'Geriatría', 'Geriatric');

-- What a clinician can be booked for. Scheduling (a later feature) adds its own rules on top;
-- the directory only needs the name, length, setting and who may book it.
create table visit_type (
    slug text primary key check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name_en text not null check (length(name_en) between 1 and 80),
    name_es text not null check (length(name_es) between 1 and 80),
    duration_minutes integer not null check (duration_minutes between 5 and 480),
    mode text not null check (mode in ('in_person', 'video')),
    new_patients boolean not null,
    established_patients boolean not null,
    check (new_patients or established_patients)
);

insert into visit_type (slug, name_en, name_es, duration_minutes, mode, new_patients, established_patients) values
    ('new-patient', 'New patient visit', 'Consulta de paciente nuevo', 40, 'in_person', true, false),
    ('follow-up', 'Follow-up visit', 'Consulta de seguimiento', 20, 'in_person', false, true),
    ('annual-physical', 'Annual physical', 'Examen físico anual', 40, 'in_person', true, true),
    ('video-visit', 'Video visit', 'Consulta por video', 20, 'video', true, true),
    ('same-day', 'Same-day sick visit', 'Consulta por enfermedad el mismo día', 20, 'in_person', false, true);

create table care_location (
    location_id uuid primary key,
    slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name text not null check (length(name) between 1 and 120),
    street text not null check (length(street) between 1 and 200),
    city text not null check (length(city) between 1 and 100),
    region text not null check (length(region) between 1 and 100),
    postal_code text not null check (length(postal_code) between 1 and 20),
    phone text not null check (length(phone) between 1 and 40),
    -- An IANA zone name (checked by the application against its zone database): opening hours
    -- and, later, appointment times are wall-clock times there.
    time_zone text not null check (length(time_zone) between 1 and 64),
    note_en text not null default '' check (length(note_en) <= 600),
    note_es text not null default '' check (length(note_es) <= 600),
    listed boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

-- Opening hours as wall-clock intervals per ISO weekday (1 = Monday); a day with no row is
-- closed. Several rows a day allow a lunch break.
create table location_hours (
    location_id uuid not null references care_location on delete cascade,
    weekday smallint not null check (weekday between 1 and 7),
    opens time not null,
    closes time not null,
    check (opens < closes),
    primary key (location_id, weekday, opens)
);

create table clinician (
    clinician_id uuid primary key,
    slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name text not null check (length(name) between 1 and 120),
    -- As the clinician signs: "MD", "DO, FACP", "FNP-C".
    credentials text not null default '' check (length(credentials) <= 60),
    bio_en text not null default '' check (length(bio_en) <= 1200),
    bio_es text not null default '' check (length(bio_es) <= 1200),
    -- ISO 639-1 codes, checked by the application against the languages it can name.
    languages text[] not null default '{en}' check (cardinality(languages) between 1 and 12),
    accepting_new_patients boolean not null default true,
    -- A portrait is described for people who cannot see it, always.
    photo_image text references media_image (media_hash),
    photo_alt text check (length(photo_alt) between 1 and 200),
    check ((photo_image is null) = (photo_alt is null)),
    listed boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create index clinician_languages on clinician using gin (languages);

create table clinician_specialty (
    clinician_id uuid not null references clinician on delete cascade,
    specialty text not null references specialty on update cascade,
    -- The first specialty is the one shown beside the name.
    position smallint not null,
    primary key (clinician_id, specialty)
);
create index clinician_specialty_by_specialty on clinician_specialty (specialty);

create table clinician_location (
    clinician_id uuid not null references clinician on delete cascade,
    location_id uuid not null references care_location on delete cascade,
    primary key (clinician_id, location_id)
);
create index clinician_location_by_location on clinician_location (location_id);

create table clinician_visit_type (
    clinician_id uuid not null references clinician on delete cascade,
    visit_type text not null references visit_type on update cascade,
    primary key (clinician_id, visit_type)
);
create index clinician_visit_type_by_type on clinician_visit_type (visit_type);

-- What an administrator typed when a save was refused, so the page can show it again without
-- JavaScript; kept a day at most (the purge job removes older ones).
create table directory_form_draft (
    draft_id uuid primary key,
    account_id uuid not null references account on delete cascade,
    kind text not null check (kind in ('location', 'clinician')),
    target_id uuid,
    form jsonb not null,
    created_at timestamptz not null default now()
);
create index directory_form_draft_by_account on directory_form_draft (account_id, kind);

select trigger_updated_at('care_location');
select trigger_updated_at('clinician');
