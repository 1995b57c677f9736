#!/usr/bin/env bash
# Runs every check and test: formatting, lints (server and WASM builds), unit, database and
# router tests, then browser tests in headless Chromium with JavaScript on and off against two
# server processes sharing one database. Installs what is missing; safe to run again.
#   DATABASE_URL   a PostgreSQL server to create test databases on (default: find or start one)
#   E2E_PORT       first port for the browser-test servers (default 3100; the second is +2)
source "$(dirname "$0")/common.sh"
LOG="$ROOT/target/test-output.log"
mkdir -p "$ROOT/target"
: > "$LOG"

ensure_rust_tools
ensure_node_packages
ensure_chromium
ensure_smtp_sink
command -v curl >/dev/null || apt_install curl
ensure_postgres
export DATABASE_URL="${DATABASE_URL:-$(ensure_database portal_test)}"

step "Formatting (cargo fmt --check)"
cargo fmt --all --check

step "Lints: server build (clippy -D warnings)"
t=$(date +%s)
cargo clippy --workspace --all-targets -- -D warnings
took "$t"

step "Lints: WASM build (clippy -D warnings, wasm32)"
t=$(date +%s)
cargo clippy -p app --no-default-features --features hydrate --target wasm32-unknown-unknown -- -D warnings
took "$t"

step "Building the portal (debug: server and WASM)"
t=$(date +%s)
cargo leptos build 2>&1 | { grep -v '^\s*Compiling ' || true; }
took "$t"

step "Browser tests (Chromium, JavaScript on and off, two server processes)"
E2E_PORT="${E2E_PORT:-3100}"
# A database of this run's own: any other portal process on the machine pointed at a shared one
# (a developer's server, another run) would claim the outbox's jobs and swallow the test emails.
E2E_DB="portal_e2e_$$"
psql "$PG_SERVER_URL/postgres" -qc "drop database if exists $E2E_DB with (force)" >/dev/null
E2E_URL="$(ensure_database "$E2E_DB")"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$PG_SERVER_URL/postgres" -qc "drop database if exists $E2E_DB with (force)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
export LEPTOS_SITE_ROOT=target/site
DATABASE_URL="$E2E_URL" target/debug/server demo-data --patients 200
# A real SMTP server for the emails the portal sends; the tests read its Maildir.
E2E_MAILDIR="$ROOT/target/e2e-mail"
SMTP_PORT="$((E2E_PORT + 25))"
rm -rf "$E2E_MAILDIR"
"$SMTP_SINK_PYTHON" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$E2E_MAILDIR" \
  >"$ROOT/target/e2e-smtp.log" 2>&1 &
PIDS+=("$!")
for port in "$E2E_PORT" "$((E2E_PORT + 2))"; do
  # Every browser test comes from 127.0.0.1: the per-address limits would throttle the suite.
  DATABASE_URL="$E2E_URL" LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG=warn RATE_LIMIT_PER_IP_PER_MINUTE=5000 \
    SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" EMAIL_FROM="Openwell <no-reply@openwell.test>" \
    target/debug/server >"$ROOT/target/e2e-server-$port.log" 2>&1 &
  PIDS+=("$!")
done
for _ in $(seq 1 100); do pg_answers "$SMTP_PORT" && break; sleep 0.1; done
for port in "$E2E_PORT" "$((E2E_PORT + 2))"; do
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$ROOT/target/e2e-server-$port.log"; exit 1; }
done
(cd end2end && E2E_MAILDIR="$E2E_MAILDIR" PORTAL_URL="http://127.0.0.1:$E2E_PORT" PORTAL_SECOND_URL="http://127.0.0.1:$((E2E_PORT + 2))" \
  npx playwright test) 2>&1 | tee -a "$LOG"
cleanup
trap - EXIT

step "Unit, database and router tests"
t=$(date +%s)
# Same cfg and output name as cargo-leptos's debug build, so dependencies are compiled once and
# the server binary it rebuilds stays usable.
# nextest runs each test in its own process and stops a hung one (.config/nextest.toml).
if ! cargo nextest --version >/dev/null 2>&1; then
  step "Installing cargo-nextest (once per machine)"
  cargo install cargo-nextest --locked
fi
RUSTFLAGS="--cfg erase_components" LEPTOS_OUTPUT_NAME=portal cargo nextest run --workspace 2>&1 | tee -a "$LOG"
took "$t"

passed=$(grep -oE 'tests run: [0-9]+ passed' "$LOG" | awk '{s += $3} END {print s + 0}')
browser=$(grep -oE '^\s*[0-9]+ passed' "$LOG" | awk '{s += $1} END {print s + 0}')
echo
echo "tests: $((passed + browser)) passed, 0 failed"
