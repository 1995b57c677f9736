#!/usr/bin/env bash
# Benchmarks, run on demand (never in CI): what the home page ships to a browser, and how fast
# the release server answers it next to the ceiling of the same bytes served as a static file.
#   bash bench/run.sh            builds release, measures, prints a Markdown table
#   DURATION=20s CONNECTIONS=32  load-test settings (defaults 10s, 16)
source "$(dirname "$0")/../scripts/common.sh"
ensure_rust_tools
ensure_node_packages
ensure_postgres
command -v wrk >/dev/null || apt_install wrk
command -v brotli >/dev/null || apt_install brotli
export DATABASE_URL="${DATABASE_URL:-$(ensure_database portal_bench)}"

step "Release build"
cargo leptos build --release --precompress 2>&1 | { grep -v '^\s*Compiling ' || true; }
export LEPTOS_SITE_ROOT=target/site
target/release/server demo-data --patients "${DEMO_PATIENTS:-1000}" >/dev/null

PORT="${BENCH_PORT:-3200}"
LEPTOS_SITE_ADDR="127.0.0.1:$PORT" RUN_WORKER=false RUST_LOG=error target/release/server &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

step "Bytes shipped to the browser for the home page"
html=$(curl -fsS "http://127.0.0.1:$PORT/")
printf '| file | raw | gzip -9 | brotli -q 11 |\n|---|---:|---:|---:|\n'
for f in $(printf '%s' "$html" | grep -oE '/pkg/[^"]+\.(js|wasm|css)' | sort -u); do
  path="target/site$f"
  raw=$(stat -c %s "$path")
  gz=$(gzip -9 -c "$path" | wc -c)
  br=$(brotli -q 11 -c "$path" | wc -c)
  printf '| %s | %s | %s | %s |\n' "${f#/pkg/}" "$raw" "$gz" "$br"
done

step "Home page vs. the same bytes as a static file (wrk, loopback, ${DURATION:-10s}, ${CONNECTIONS:-16} connections)"
printf '%s' "$html" > target/site/bench-home.html
load() {
  wrk -t2 -c"${CONNECTIONS:-16}" -d"${DURATION:-10s}" --latency "http://127.0.0.1:$PORT$1" |
    awk -v name="$2" '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
         END {printf "| %s | %s | %s | %s |\n", name, rps, p50, p99}'
}
printf '| what | requests/s | p50 | p99 |\n|---|---:|---:|---:|\n'
page=$(load / "home page (SSR, database read)")
ceiling=$(load /bench-home.html "same bytes, static file")
echo "$page"; echo "$ceiling"
rm -f target/site/bench-home.html
awk -F'|' 'NR==1 {a=$3} NR==2 {b=$3} END {printf "\nratio page/ceiling: %.2f\n", a/b}' <(echo "$page"; echo "$ceiling")

step "Sign-in and authorized reads (wrk, loopback, ${DURATION:-10s}, ${CONNECTIONS:-16} connections)"
kill $PID 2>/dev/null || true
wait $PID 2>/dev/null || true
# One client address sends everything here, so its per-address limit is lifted for this server.
LEPTOS_SITE_ADDR="127.0.0.1:$PORT" RUN_WORKER=false RUST_LOG=error RATE_LIMIT_PER_IP_PER_MINUTE=100000 \
  target/release/server &
PID=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
api() { target/release/server api-paths | awk -v n="/api/$1" 'index($2, n) == 1 {print $2}'; }
SIGN_IN=$(api sign_in)
LUA=$(mktemp --suffix .lua)
post() { # path, body, [cookie] -> prints a wrk row
  {
    echo 'wrk.method = "POST"'
    echo "wrk.body = \"$2\""
    echo 'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"'
    [ -n "${4:-}" ] && echo "wrk.headers[\"Cookie\"] = \"$4\""
  } > "$LUA"
  wrk -t2 -c"${CONNECTIONS:-16}" -d"${DURATION:-10s}" --latency -s "$LUA" "http://127.0.0.1:$PORT$1" |
    awk -v name="$3" '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
         END {printf "| %s | %s | %s | %s |\n", name, rps, p50, p99}'
}
COOKIE=$(curl -fsS -o /dev/null -c - -X POST "http://127.0.0.1:$PORT$SIGN_IN" \
  --data-urlencode email=patient@example.org --data-urlencode "password=openwell demo passphrase" |
  awk '$6 == "session" {print "session=" $7}')
PEOPLE=$(api my_people)
OVERVIEW=$(api patient_overview)
printf '| what | requests/s | p50 | p99 |\n|---|---:|---:|---:|\n'
post "$SIGN_IN" "email=patient%40example.org&password=openwell+demo+passphrase" \
  "sign-in (argon2id m=19456 KiB t=2 p=1, two hashes at a time)"
post "$PEOPLE" "" "authorized read, no audit write (my_people)" "$COOKIE"
post "$OVERVIEW" "patient_id=00000000-0000-4000-8000-00000000a001" \
  "authorized read of a record + its audit row (patient_overview)" "$COOKIE"
rm -f "$LUA"
