-- Open-time searches read a clinician's booked visits over two weeks. The exclusion
-- constraint's GiST index finds them but then visits the table once per visit; this btree
-- index holds all the search needs, so an index-only scan answers it (measured 4.8 → 3.3 ms per
-- search at 16 at once on 2 cores, a million appointments).
create index appointment_clinician_start_idx on appointment (clinician_id, lower(during))
    include (during, appointment_id) where status <> 'cancelled';

-- Searches look for visits starting up to a day before the times they show; a longer visit
-- would be missed, so none may exist.
alter table appointment
    add constraint appointment_at_most_a_day check (upper(during) - lower(during) <= interval '1 day');
