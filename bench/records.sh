#!/usr/bin/env bash
# Health records at benchmark scale, run on demand (never in CI): a patient with ten years of
# results (about 2,000 lab values), the records queries, a 5,000-resource bundle imported and
# exported with peak memory (server bench-records), then the summary and results pages over HTTP
# from a release server, signed in as that patient.
#   OBSERVATIONS=2000 RESOURCES=5000 RUNS=100 bash bench/records.sh
source "$(dirname "$0")/../scripts/common.sh"
ensure_postgres
export DATABASE_URL="${DATABASE_URL:-$(ensure_database portal_bench_records)}"

step "Release build of the portal"
cargo leptos build --release 2>&1 | { grep -v '^\s*Compiling ' || true; }
target/release/server migrate >/dev/null
target/release/server demo-data --patients 200 >/dev/null

step "Load and measure (server bench-records)"
RUST_LOG=warn target/release/server bench-records \
  --observations "${OBSERVATIONS:-2000}" --resources "${RESOURCES:-5000}"

# Fresh bulk loads leave the planner without statistics until autovacuum gets to them (a
# minute or more); production tables have them. Without this the new-results count picks a
# nested loop over 2,730 × 150 rows and the summary page measures 40 ms instead of 10.
psql "$DATABASE_URL" -qc "analyze"

step "The pages over HTTP (one at a time, release server, signed in)"
PORT=3310
LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="127.0.0.1:$PORT" RUST_LOG=warn RATE_LIMIT_PER_IP_PER_MINUTE=100000 \
  target/release/server >"target/bench-records-server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
SIGN_IN="$(target/release/server api-paths | awk '$2 ~ /^\/api\/sign_in[0-9]/ {print $2}')"
JAR="$(mktemp)"
curl -fsS -c "$JAR" -o /dev/null -H "Origin: http://127.0.0.1:$PORT" \
  --data-urlencode "email=bench-records@example.org" --data-urlencode "password=openwell demo passphrase" \
  "http://127.0.0.1:$PORT$SIGN_IN"
echo "| page | runs | p50 ms | p95 ms | p99 ms | bytes |"
echo "|---|---:|---:|---:|---:|---:|"
# A trend's address names one of its values by id: take the first trend link on the results page.
# (A bash match, not `grep | head`: head closing the pipe early is a failure under pipefail.)
RESULTS_PAGE="$(curl -fsS -b "$JAR" "http://127.0.0.1:$PORT/records/results")"
[[ $RESULTS_PAGE =~ (/records/results/[0-9a-f-]{36}) ]] && TREND="${BASH_REMATCH[1]}"
for page in /records /records/results "$TREND" /records/visits /records/care-plan /records/summary.pdf; do
  for _ in 1 2 3; do curl -fsS -b "$JAR" -o /dev/null "http://127.0.0.1:$PORT$page"; done
  for _ in $(seq 1 "${RUNS:-100}"); do
    curl -fsS -b "$JAR" -o /dev/null -w '%{time_total} %{size_download}\n' "http://127.0.0.1:$PORT$page"
  done | python3 -c "
import sys
rows = [l.split() for l in sys.stdin]
ms = sorted(float(t) * 1000 for t, _ in rows)
p = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]
print(f'| $page | {len(ms)} | {p(.5):.1f} | {p(.95):.1f} | {p(.99):.1f} | {rows[-1][1]} |')"
done
rm -f "$JAR"
