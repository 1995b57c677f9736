# Shared by run.sh and test.sh: installs what is missing, idempotently, and finds a database.
# Every step says what it does; the slow ones say how long they take.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# Builds read the committed query data in .sqlx; no database is needed to compile.
export SQLX_OFFLINE=true

CARGO_LEPTOS_VERSION=0.3.10
step() { printf '\n==> %s\n' "$*"; }
took() { printf '    (%ss)\n' "$(( $(date +%s) - $1 ))"; }

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then
    apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_rust_tools() {
  step "Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown

  if [ "$(cargo leptos --version 2>/dev/null || true)" != "cargo-leptos $CARGO_LEPTOS_VERSION" ]; then
    step "Installing cargo-leptos $CARGO_LEPTOS_VERSION (once per machine; about 15 minutes on 2 cores)"
    local t; t=$(date +%s)
    # A debug build of the tool compiles in half the time of a release one and only
    # orchestrates the build, so its own speed does not matter. 0.3.11+ needs a newer rustc.
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --debug
    took "$t"
  fi

  local wb
  wb=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
  if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $wb" ]; then
    step "Installing wasm-bindgen CLI $wb, matching Cargo.lock (once per machine; about 4 minutes)"
    local t; t=$(date +%s)
    # Not --locked: its lock file names a yanked webpki-roots (TOOLCHAIN.md).
    cargo install wasm-bindgen-cli --version "$wb" --debug
    took "$t"
  fi
}

ensure_node_packages() {
  if ! command -v npm >/dev/null; then
    step "Installing Node.js and npm from Debian"
    apt_install nodejs npm
  fi
  if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ ! -x end2end/node_modules/.bin/playwright ] \
     || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    step "Installing Node packages (Playwright, axe-core, binaryen's wasm-opt)"
    (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

ensure_chromium() {
  if ! command -v chromium >/dev/null; then
    step "Installing Chromium from Debian (for browser tests)"
    apt_install chromium
  fi
}

# Sets SMTP_SINK_PYTHON to a Python that has aiosmtpd, the SMTP server tests deliver to.
ensure_smtp_sink() {
  local py
  for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null && "$py" -c 'import aiosmtpd' 2>/dev/null; then
      export SMTP_SINK_PYTHON="$(command -v "$py")"
      return
    fi
  done
  step "Installing aiosmtpd (the SMTP server email tests deliver to)"
  if command -v python3 >/dev/null && python3 -m pip install --quiet --disable-pip-version-check aiosmtpd 2>/dev/null \
     && python3 -c 'import aiosmtpd' 2>/dev/null; then
    export SMTP_SINK_PYTHON="$(command -v python3)"
  else
    apt_install python3-aiosmtpd
    export SMTP_SINK_PYTHON=/usr/bin/python3
  fi
}

pg_answers() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

ensure_psql() {
  command -v psql >/dev/null || { step "Installing the PostgreSQL client"; apt_install postgresql-client; }
}

# Sets PG_SERVER_URL (a URL without a database name) for a server that answers.
ensure_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then
    PG_SERVER_URL="${DATABASE_URL%/*}"
    return
  fi
  if [ -z "${PORTAL_PRIVATE_PG:-}" ] && pg_answers 5432; then
    PG_SERVER_URL="postgres://${PGUSER:-postgres}@127.0.0.1:5432"
    ensure_psql
    return
  fi
  # No server answers: run a private cluster inside the checkout (ignored by git).
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$bin" ]; then
    step "Installing PostgreSQL from Debian"
    apt_install postgresql
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  ensure_psql
  local data="$ROOT/.pgdata" port=5433
  if [ ! -f "$data/PG_VERSION" ]; then
    step "Creating a private PostgreSQL cluster in .pgdata"
    mkdir -p "$data"
    if [ "$(id -u)" = 0 ]; then chown postgres "$data"; fi
    as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  if ! pg_answers "$port"; then
    step "Starting the private PostgreSQL on port $port"
    as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
      -o "-p $port -k $data -c listen_addresses=127.0.0.1" start >/dev/null
  fi
  PG_SERVER_URL="postgres://postgres@127.0.0.1:$port"
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Creates database $1 on the server if it does not exist; prints its URL.
ensure_database() {
  local name="$1"
  if ! psql "$PG_SERVER_URL/postgres" -tAc "select 1 from pg_database where datname = '$name'" | grep -q 1; then
    psql "$PG_SERVER_URL/postgres" -qc "create database \"$name\"" >/dev/null
  fi
  echo "$PG_SERVER_URL/$name"
}
