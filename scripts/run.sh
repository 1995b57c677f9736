#!/usr/bin/env bash
# Builds the portal in release mode, loads demo data and serves it at http://127.0.0.1:3000.
# Safe to run again: tools already installed are kept, demo data is only added where missing.
#   DATABASE_URL   use this database instead of finding or starting one
#   DEMO_PATIENTS  how many demo patients to load (default 1000)
source "$(dirname "$0")/common.sh"

ensure_rust_tools
ensure_node_packages   # wasm-opt comes from npm's binaryen
ensure_postgres
export DATABASE_URL="${DATABASE_URL:-$(ensure_database portal)}"

step "Building the portal (release; first time about 20 minutes on 2 cores)"
t=$(date +%s)
cargo leptos build --release --precompress
took "$t"

export LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
step "Loading demo data (${DEMO_PATIENTS:-1000} patients)"
target/release/server demo-data --patients "${DEMO_PATIENTS:-1000}"

step "Serving the portal at http://$LEPTOS_SITE_ADDR (Ctrl-C to stop)"
exec target/release/server
