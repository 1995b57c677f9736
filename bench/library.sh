#!/usr/bin/env bash
# Health library benchmark, run on demand (never in CI): with ARTICLES published articles
# (default 50,000), the article page and search, each beside its ceiling measured in the same run
# (the same article HTML as a static file from the same server; the bare search SQL in pgbench).
#   bash bench/library.sh        builds release, loads the library, prints Markdown tables
#   ARTICLES=50000 DURATION=10s CONNECTIONS=16
source "$(dirname "$0")/../scripts/common.sh"
ensure_rust_tools
ensure_node_packages
ensure_postgres
command -v wrk >/dev/null || apt_install wrk
command -v pgbench >/dev/null || apt_install postgresql-client
export DATABASE_URL="${DATABASE_URL:-$(ensure_database portal_bench_library)}"
ARTICLES="${ARTICLES:-50000}"

step "Release build"
cargo leptos build --release --precompress 2>&1 | { grep -v '^\s*Compiling ' || true; }
export LEPTOS_SITE_ROOT=target/site
target/release/server migrate >/dev/null
t=$(date +%s)
target/release/server demo-data --patients 100 --articles "$ARTICLES" >/dev/null
echo "library loaded: $(psql "$DATABASE_URL" -tAc 'select count(*) from published_article') published articles ($(( $(date +%s) - t ))s)"

PORT="${BENCH_PORT:-3210}"
LEPTOS_SITE_ADDR="127.0.0.1:$PORT" RUN_WORKER=false RUST_LOG=error RATE_LIMIT_PER_IP_PER_MINUTE=100000 \
  target/release/server &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -f "${LUA:-}" "${SQL:-}" target/site/bench-article.html' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

LUA=$(mktemp --suffix .lua)
# Prints requests/s and p50/p95/p99 in ms; PATHS (space-separated) are requested in turn.
run() { # name, paths...
  local name="$1"; shift
  {
    printf 'local paths = {'
    for p in "$@"; do printf '"%s",' "$p"; done
    printf '}\nlocal i = 0\n'
    echo 'request = function() i = i + 1; return wrk.format("GET", paths[(i % #paths) + 1]) end'
    echo 'done = function(s, l, r) io.write(string.format("%.0f %.2f %.2f %.2f\n", s.requests / (s.duration / 1e6), l:percentile(50) / 1000, l:percentile(95) / 1000, l:percentile(99) / 1000)) end'
  } > "$LUA"
  wrk -t2 -c"${CONNECTIONS:-16}" -d"${DURATION:-10s}" -s "$LUA" "http://127.0.0.1:$PORT" | tail -1 |
    awk -v name="$name" '{printf "| %s | %s | %s ms | %s ms | %s ms |\n", name, $1, $2, $3, $4}'
}

step "Article page and search at $ARTICLES articles (wrk, loopback, ${DURATION:-10s}, ${CONNECTIONS:-16} connections)"
ARTICLE=/library/understanding-high-blood-pressure
curl -fsS "http://127.0.0.1:$PORT$ARTICLE" > target/site/bench-article.html
printf '| what | requests/s | p50 | p95 | p99 |\n|---|---:|---:|---:|---:|\n'
run "article page (SSR: article, related, view count)" "$ARTICLE" /library/type-2-diabetes /library/asthma-in-adults
run "same article HTML, static file" /bench-article.html
run "search page (8 queries in turn, one a typo)" \
  "/library/search?q=blood+pressure" "/library/search?q=diabetes" "/library/search?q=asthma+inhaler" \
  "/library/search?q=vaccine" "/library/search?q=sleep" "/library/search?q=diabetis" \
  "/library/search?q=heart+failure" "/library/search?q=screening"

step "Bare search SQL (pgbench, ${CONNECTIONS:-16} clients, 10 s): the ceiling for the search page"
SQL=$(mktemp --suffix .sql)
cat > "$SQL" <<'EOF'
with q as (select websearch_to_tsquery('english', 'blood pressure') as query, 'english'::regconfig as cfg),
matches as (
  select p.article_id, p.rank_document, p.visible_from
  from published_article p cross join q
  where p.language = 'en' and p.visible_from <= now() and p.search_document @@ q.query
  limit 1001),
hits as (
  select m.article_id, ts_rank_cd(m.rank_document, q.query) as rank, count(*) over () as total
  from matches m cross join q
  order by rank desc, m.visible_from desc, m.article_id limit 12)
select p.slug, ts_headline(q.cfg, p.body_text, q.query, 'MaxWords=30, MinWords=12, MaxFragments=1')
from hits h join published_article p using (article_id) cross join q order by h.rank desc;
EOF
pgbench -n -c "${CONNECTIONS:-16}" -j 2 -T 10 -f "$SQL" "$DATABASE_URL" 2>/dev/null |
  awk '/latency average/ {lat=$4} /^tps/ {tps=$3} END {printf "| bare search SQL | %.0f | avg %s ms |\n", tps, lat}'
