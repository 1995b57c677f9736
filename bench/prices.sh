#!/usr/bin/env bash
# Price transparency at benchmark scale, run on demand (never in CI): a catalogue of 10,000
# services with a rate for each of 50 payers × 3 plans (1.5 million rates) imported and searched
# (server bench-prices), then the machine-readable file downloaded from a release server with
# the server's peak memory before and after, and the file validated against CMS's schema.
#   SERVICES=10000 PAYERS=50 bash bench/prices.sh
source "$(dirname "$0")/../scripts/common.sh"
ensure_postgres
export DATABASE_URL="${DATABASE_URL:-$(ensure_database portal_bench_prices)}"

step "Release build of the portal"
cargo leptos build --release 2>&1 | { grep -v '^\s*Compiling ' || true; }
target/release/server migrate >/dev/null

step "Load and search (server bench-prices)"
RUST_LOG=warn target/release/server bench-prices --services "${SERVICES:-10000}" --payers "${PAYERS:-50}"

step "The machine-readable file over HTTP (release server)"
PORT=3320
LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="127.0.0.1:$PORT" RUST_LOG=warn \
  target/release/server >"target/bench-prices-server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
rss() { awk -v k="$1" '$1 == k":" {printf "%.0f", $2 / 1024}' "/proc/$PID/status"; }
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/prices"
echo "server before: resident $(rss VmRSS) MB, peak $(rss VmHWM) MB"
for format in json csv; do
  curl -fsS -o "target/bench-standard-charges.$format" \
    -w "$format: %{size_download} bytes in %{time_total} s\n" \
    "http://127.0.0.1:$PORT/prices/standard-charges.$format"
  echo "server after the $format file: resident $(rss VmRSS) MB, peak $(rss VmHWM) MB"
done
kill $PID

step "CMS's schema (server check-mrf)"
target/release/server check-mrf target/bench-standard-charges.json app/src/pricing/cms-v3/schema.json
