#!/usr/bin/env bash
# Regenerates the committed query data in .sqlx/ after a query or migration changes, without
# sqlx-cli: the sqlx macros write it themselves when SQLX_OFFLINE_DIR is set. Needs PostgreSQL.
source "$(dirname "$0")/common.sh"
ensure_postgres
DB=portal_sqlx_prepare
psql "$PG_SERVER_URL/postgres" -qc "drop database if exists $DB with (force)" >/dev/null
URL="$(ensure_database "$DB")"
for f in server/migrations/*.sql; do psql "$URL" -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null; done
rm -rf .sqlx && mkdir .sqlx
# Touch every crate that holds queries so the macros run again.
touch app/src/lib.rs server/src/lib.rs server/src/main.rs
SQLX_OFFLINE=false DATABASE_URL="$URL" SQLX_OFFLINE_DIR="$ROOT/.sqlx" \
  cargo check --workspace --all-targets --quiet
psql "$PG_SERVER_URL/postgres" -qc "drop database $DB" >/dev/null
echo "query data: $(ls .sqlx | wc -l) files in .sqlx/"
