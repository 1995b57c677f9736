#!/usr/bin/env bash
# Messaging at benchmark scale, run on demand (never in CI): 10,000 open conversations in one
# queue and a million messages, then the inbox's queries (1 and 16 at once), inbox search, and
# the time from a message's commit to another process's listener (server bench-messaging);
# then send-to-display between two real server processes in Chromium (messaging-live.mjs).
#   CONVERSATIONS=10000 MESSAGES=1000000 SENDS=60 bash bench/messaging.sh
source "$(dirname "$0")/../scripts/common.sh"
ensure_postgres
ensure_node_packages
ensure_chromium
export DATABASE_URL="${DATABASE_URL:-$(ensure_database portal_bench_messaging)}"

step "Release build of the portal"
cargo leptos build --release 2>&1 | { grep -v '^\s*Compiling ' || true; }
target/release/server migrate >/dev/null
target/release/server demo-data --patients 2000 >/dev/null

step "Load and measure (server bench-messaging)"
RUST_LOG=info target/release/server bench-messaging \
  --conversations "${CONVERSATIONS:-10000}" --messages "${MESSAGES:-1000000}"

step "Send to display between two server processes (Chromium)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
for port in 3300 3302; do
  LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG=warn RATE_LIMIT_PER_IP_PER_MINUTE=100000 \
    target/release/server >"target/bench-server-$port.log" 2>&1 &
  PIDS+=("$!")
done
for port in 3300 3302; do
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
done
(cd end2end && NODE_PATH="$ROOT/end2end/node_modules" node "$ROOT/bench/messaging-live.mjs" \
  http://127.0.0.1:3300 http://127.0.0.1:3302 "${SENDS:-60}")
