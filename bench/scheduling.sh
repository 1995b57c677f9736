#!/usr/bin/env bash
# Scheduling at benchmark scale, run on demand (never in CI): 500 clinicians with a year of
# weekday hours (about 3 million slots) and a million appointments, then open-time searches,
# bookings by 16 concurrent bookers and the reminder sweep (server bench-scheduling), beside
# the bare SQL of one clinician's search (the same four queries, prepared as sqlx prepares them)
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
select h.clinician_id, h.location_id, l.time_zone, h.weekday, h.starts, h.ends, h.slot_minutes, h.valid_from, h.valid_until
  from schedule_hours h join care_location l using (location_id)
 where h.clinician_id = any(array[md5('bench-clinician-' || (:n)::text)::uuid])
   and h.valid_from <= current_date + (:d)::int + 13
   and (h.valid_until is null or h.valid_until >= current_date + (:d)::int);
select clinician_id, location_id, day, starts, ends from schedule_exception
 where clinician_id = any(array[md5('bench-clinician-' || (:n)::text)::uuid])
   and day between current_date + (:d)::int and current_date + (:d)::int + 13;
select location_id, day from location_holiday
 where location_id = any(array(select location_id from clinician_location
                               where clinician_id = md5('bench-clinician-' || (:n)::text)::uuid))
   and day between current_date + (:d)::int and current_date + (:d)::int + 13;
select clinician_id, lower(during), upper(during) from appointment
 where clinician_id = any(array[md5('bench-clinician-' || (:n)::text)::uuid]) and status <> 'cancelled'
   and lower(during) >= (current_date + (:d)::int - 1)::timestamptz
   and lower(during) < (current_date + (:d)::int + 14)::timestamptz
   and during && tstzrange((current_date + (:d)::int)::timestamptz, (current_date + (:d)::int + 14)::timestamptz)
   and appointment_id is distinct from null::uuid
 union all
select clinician_id, lower(during), upper(during) from clinician_block
 where clinician_id = any(array[md5('bench-clinician-' || (:n)::text)::uuid])
   and during && tstzrange((current_date + (:d)::int)::timestamptz, (current_date + (:d)::int + 14)::timestamptz);
SQL
pgbench -n -M prepared -c 16 -j 2 -T 10 -f "$SQL" "$DATABASE_URL" 2>/dev/null |
  grep -E 'tps|latency average' || true
rm -f "$SQL"
