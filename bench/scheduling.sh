#!/usr/bin/env bash
# Scheduling at benchmark scale, run on demand (never in CI): 500 clinicians with a year of
# weekday hours (about 3 million slots) and a million appointments, then open-time searches,
# bookings by 16 concurrent bookers and the reminder sweep (server bench-scheduling), beside
# the bare SQL of one clinician's search (the same single statement, prepared as sqlx prepares it)
# in pgbench in the same run.
#   CLINICIANS=500 APPOINTMENTS=1000000 bash bench/scheduling.sh
source "$(dirname "$0")/../scripts/common.sh"
ensure_postgres
command -v pgbench >/dev/null || apt_install postgresql-client
export DATABASE_URL="${DATABASE_URL:-$(ensure_database portal_bench_schedule)}"

step "Release build of the server"
LEPTOS_OUTPUT_NAME=portal cargo build --release -p server --bin server --no-default-features --features ssr 2>&1 |
  { grep -v '^\s*Compiling ' || true; }
target/release/server migrate >/dev/null
target/release/server demo-data --patients 2000 >/dev/null

step "Load and measure (server bench-scheduling)"
RUST_LOG=info target/release/server bench-scheduling \
  --clinicians "${CLINICIANS:-500}" --appointments "${APPOINTMENTS:-1000000}"

step "Bare SQL of one clinician's 14-day search (pgbench, 16 clients, 10 s, prepared like the app)"
SQL=$(mktemp --suffix .sql)
cat > "$SQL" <<'SQL'
\set n random(1, 500)
\set d random(0, 59)
with place as (
  select h.clinician_id, h.location_id, l.time_zone, min(h.slot_minutes) as step,
         array_agg(h.weekday) as weekdays, array_agg(h.starts) as starts, array_agg(h.ends) as ends,
         array_agg(h.valid_from) as valid_from, array_agg(h.valid_until) as valid_until
    from schedule_hours h join care_location l using (location_id)
   where h.clinician_id = any(array[md5('bench-clinician-' || (:n)::text)::uuid])
     and h.valid_from <= current_date + (:d)::int + 13
     and (h.valid_until is null or h.valid_until >= current_date + (:d)::int)
   group by h.clinician_id, h.location_id, l.time_zone)
select p.*, coalesce(x.days, '{}'), coalesce(x.starts, '{}'), coalesce(x.ends, '{}'),
       coalesce(hol.days, '{}'), coalesce(b.starts, '{}'), coalesce(b.ends, '{}')
  from place p
  left join lateral (
       select array_agg(e.day) as days, array_agg(e.starts) as starts, array_agg(e.ends) as ends
         from schedule_exception e
        where e.clinician_id = p.clinician_id and e.location_id = p.location_id
          and e.day between current_date + (:d)::int and current_date + (:d)::int + 13) x on true
  left join lateral (
       select array_agg(d.day) as days from location_holiday d
        where d.location_id = p.location_id
          and d.day between current_date + (:d)::int and current_date + (:d)::int + 13) hol on true
  left join lateral (
       select array_agg(t.s) as starts, array_agg(t.e) as ends
         from (select lower(a.during) as s, upper(a.during) as e from appointment a
                where a.clinician_id = p.clinician_id and a.status <> 'cancelled'
                  and lower(a.during) >= (current_date + (:d)::int)::timestamptz - interval '38 hours'
                  and lower(a.during) < (current_date + (:d)::int + 14)::timestamptz + interval '12 hours'
                  and a.during && tstzrange((current_date + (:d)::int)::timestamptz - interval '14 hours',
                                            (current_date + (:d)::int + 14)::timestamptz + interval '12 hours')
                  and a.appointment_id is distinct from null::uuid
               union all
               select lower(k.during), upper(k.during) from clinician_block k
                where k.clinician_id = p.clinician_id
                  and k.during && tstzrange((current_date + (:d)::int)::timestamptz - interval '14 hours',
                                            (current_date + (:d)::int + 14)::timestamptz + interval '12 hours')) t) b on true
 order by p.clinician_id, p.location_id;
SQL
pgbench -n -M prepared -c 16 -j 2 -T 10 -f "$SQL" "$DATABASE_URL" 2>/dev/null |
  grep -E 'tps|latency average' || true
rm -f "$SQL"
