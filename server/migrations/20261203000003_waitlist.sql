-- The waitlist: a patient with a booked visit asks for an earlier time. When a time frees up
-- (a cancellation, a visit moved away), the worker offers it to the waitlisted patients one at a
-- time, in the order they asked; each offer lasts a short while; accepting moves the patient's
-- visit there through the same no-overlap rule as any booking.
create table waitlist_entry
(
    waitlist_entry_id uuid primary key,
    appointment_id    uuid        not null references appointment on delete cascade,
    patient_id        uuid        not null references patient on delete cascade,
    -- Any clinician who offers the visit type, or only the one booked.
    any_clinician     boolean     not null default false,
    created_by        uuid references account (account_id) on delete set null,
    created_at        timestamptz not null default now(),
    -- Left the list, took an offer, or the visit was cancelled or has passed.
    ended_at          timestamptz
);
create unique index waitlist_entry_one_per_visit on waitlist_entry (appointment_id) where ended_at is null;
create index waitlist_entry_waiting_idx on waitlist_entry (created_at) where ended_at is null;

create table waitlist_offer
(
    waitlist_offer_id uuid primary key,
    waitlist_entry_id uuid        not null references waitlist_entry on delete cascade,
    clinician_id      uuid        not null references clinician on delete cascade,
    location_id       uuid        not null references care_location on delete cascade,
    during            tstzrange   not null check (not isempty(during)),
    status            text        not null default 'open'
        check (status in ('open', 'accepted', 'declined', 'expired', 'withdrawn')),
    expires_at        timestamptz not null,
    created_at        timestamptz not null default now(),
    decided_at        timestamptz,
    check ((status = 'open') = (decided_at is null)),
    -- One open offer per time: the next person is asked only when this one declines or lapses.
    constraint waitlist_offer_one_open
        exclude using gist (clinician_id with =, during with &&) where (status = 'open')
);
create index waitlist_offer_entry_idx on waitlist_offer (waitlist_entry_id);
