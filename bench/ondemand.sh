#!/usr/bin/env bash
# /mcp reading the site on demand versus loading everything at start, on the
# shared PowerShell reference (5 versions). Three servers, one after the
# other, each with the tool-result cache off:
#   preload  `mcdewey serve SITE --preload` (every index file and document
#            read at start, as the server always did before)
#   local    `mcdewey serve --site SITE` (files read from disk on demand)
#   http     `mcdewey serve --site http://127.0.0.1:PORT/` with the site on
#            a static file server (a second `mcdewey serve`) standing in for
#            a bucket or CDN
# For each: start-up time (until /mcp accepts connections), RSS after start,
# search latency of N distinct queries in a row (cold: their files are read
# as they come), RSS after them, then the fixed query mix of bench/mcp.sh
# (warm) on 1 connection (p50/p99) and on several (requests/s), errors, and
# RSS at the end. Prints a table and appends it to bench/results/ondemand.tsv.
#
#   ONDEMAND_SITE=DIR      a site built beforehand (e.g. the 1M-chunk library
#                          of bench/scale.sh with SCALE_WORK) instead of the
#                          PowerShell build; its name goes in the corpus column
#   ONDEMAND_MODES="local http"   the servers to run (default: all three)
#   ONDEMAND_COLD_SECONDS=600     stop the distinct queries after this long
#                          (RSS after 10 minutes of distinct queries)
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${MCDEWEY_SHARED:-../shared}"
if [ ! -d "$shared/corpora" ]; then
  echo "skipping: $shared/corpora not found (set MCDEWEY_SHARED)"; exit 0
fi
shared="$(cd "$shared" && pwd)"
cold_queries="${ONDEMAND_COLD_QUERIES:-300}"
seconds="${ONDEMAND_SECONDS:-10}"
connections="${ONDEMAND_CONNECTIONS:-8}"
index_mb="${ONDEMAND_INDEX_MB:-24}"
doc_mb="${ONDEMAND_DOC_MB:-16}"
port="${ONDEMAND_PORT:-18795}"
origin_port="${ONDEMAND_ORIGIN_PORT:-18796}"

cargo build --release -q -p mcdewey --bin mcdewey --example mcp_load
target="${CARGO_TARGET_DIR:-target}"
bin="$target/release/mcdewey"
load="$target/release/examples/mcp_load"
work="$(mktemp -d)"
server=""
origin=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  [ -n "$origin" ] && kill "$origin" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

corpus=powershell
if [ -n "${ONDEMAND_SITE:-}" ]; then
  site="$(cd "$ONDEMAND_SITE" && pwd)"
  corpus="$(basename "$(dirname "$site")")"
  [ -f "$site/library.json" ] || { echo "$site is not a McDewey site" >&2; exit 1; }
else
  site="$work/site"
  . bench/corpora.sh
  link_powershell "$work/content"
  corpora_config "$work/mcdewey.toml"
  "$bin" build "$work/content" --out "$site" --config "$work/mcdewey.toml" --quiet 2>/dev/null || true
  require_documents "$site"
fi
documents=$(find "$site" -name document.json | wc -l)
index_size=$(du -sm "$site/_search" | cut -f1)
docs_size=$(find "$site" -name document.json -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s / 1048576 }')

# Distinct two-word queries from the corpus's own words (fixed seed).
words_root="$work/content"
[ -n "${ONDEMAND_SITE:-}" ] && words_root="$site"
python3 - "$words_root" "$cold_queries" > "$work/cold.txt" <<'EOF'
import os, random, re, sys
root, n = sys.argv[1], int(sys.argv[2])
words = set()
for d, _, files in os.walk(root, followlinks=True):
    for f in sorted(files):
        if f.endswith(".md") and len(words) < 400000:
            with open(os.path.join(d, f), encoding="utf-8", errors="replace") as fh:
                words.update(w.lower() for w in re.findall(r"[A-Za-z][A-Za-z-]{3,}", fh.read()))
words = sorted(words)
random.Random(17).shuffle(words)
# Pairs cycle through the shuffled words with a growing stride, so a long
# run (ONDEMAND_COLD_SECONDS) stays distinct past len(words) / 2 queries.
m = len(words)
for i in range(n):
    a = (2 * i) % m
    print(words[a], words[(a + 1 + i // m * 7) % m])
EOF

# The origin: mcdewey's own static server (keep-alive, ETags); python3 -m
# http.server's listen backlog of 5 drops parallel connections and adds
# one-second SYN retries to the figures.
"$bin" serve "$site" --port "$origin_port" --quiet --mcp-cache 0 &
origin=$!

rss() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$server/status"; }
url="http://127.0.0.1:$port/mcp"
results=bench/results/ondemand.tsv
[ -f "$results" ] || printf 'date\tcorpus\tcores\tdocuments\tindex_mb\tdocs_mb\tmode\tindex_cache_mb\tdoc_cache_mb\tstartup_s\trss_start_mb\tcold_queries\tcold_p50_ms\tcold_p99_ms\tcold_errors\trss_cold_mb\twarm_p50_ms\twarm_p99_ms\treq_per_s\twarm_errors\trss_end_mb\n' > "$results"

# Cold: the distinct queries in a row on one keep-alive connection.
cold() {
  python3 - "$port" "$work/cold.txt" "${ONDEMAND_COLD_SECONDS:-0}" <<'EOF'
import http.client, json, sys, time
port, path, limit = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
start = time.perf_counter()
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
lat, errors = [], 0
for i, q in enumerate(open(path, encoding="utf-8").read().splitlines()):
    body = json.dumps({"jsonrpc": "2.0", "id": i, "method": "tools/call",
                       "params": {"name": "search", "arguments": {"query": q}}})
    t = time.perf_counter()
    c.request("POST", "/mcp", body, {"Content-Type": "application/json",
                                     "Accept": "application/json, text/event-stream"})
    r = c.getresponse()
    text = r.read().decode()
    lat.append((time.perf_counter() - t) * 1000)
    if r.status != 200 or '"isError":true' in text or '"result"' not in text:
        errors += 1
    if limit and time.perf_counter() - start > limit:
        break
lat.sort()
pick = lambda p: lat[min(len(lat) - 1, round((len(lat) - 1) * p))]
print(f"{pick(0.5):.3f}\t{pick(0.99):.3f}\t{errors}\t{len(lat)}")
EOF
}

# Waits for the port; prints seconds since $1.
ready() {
  for _ in $(seq 1 1200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.05
  done
  awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }'
}

printf '\n%s: %s documents, index %s MB, document.json %s MB; caches %s MB index, %s MB documents\n' \
  "$corpus" "$documents" "$index_size" "$docs_size" "$index_mb" "$doc_mb"
printf '%-8s %9s %9s %10s %10s %7s %9s %10s %10s %8s %7s %8s\n' mode start_s rss_start cold_p50 cold_p99 errors rss_cold warm_p50 warm_p99 req/s errors rss_end
for mode in ${ONDEMAND_MODES:-preload local http}; do
  case $mode in
    preload) args=("$site" --preload) ;;
    local) args=(--site "$site" --index-cache-mb "$index_mb" --doc-cache-mb "$doc_mb") ;;
    http) args=(--site "http://127.0.0.1:$origin_port/" --index-cache-mb "$index_mb" --doc-cache-mb "$doc_mb") ;;
  esac
  start=$(date +%s.%N)
  "$bin" serve "${args[@]}" --port "$port" --quiet --mcp-cache 0 &
  server=$!
  startup=$(ready "$start")
  rss_start=$(rss)
  IFS=$'\t' read -r cold_p50 cold_p99 cold_errors cold_done < <(cold)
  rss_cold=$(rss)
  one=$("$load" --url "$url" --seconds "$seconds" --connections 1 --warmup 2 | grep '^TSV' | cut -f2-)
  many=$("$load" --url "$url" --seconds "$seconds" --connections "$connections" --warmup 1 | grep '^TSV' | cut -f2-)
  rss_end=$(rss)
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=""
  # mcp_load's TSV: requests seconds req_per_s p50 p90 p99 max errors
  warm_p50=$(cut -f4 <<<"$one")
  warm_p99=$(cut -f6 <<<"$one")
  rps=$(cut -f3 <<<"$many")
  warm_errors=$(($(cut -f8 <<<"$one") + $(cut -f8 <<<"$many")))
  cache_i=$([ "$mode" = preload ] && echo all || echo "$index_mb")
  cache_d=$([ "$mode" = preload ] && echo all || echo "$doc_mb")
  printf '%-8s %9s %9s %10s %10s %7s %9s %10s %10s %8s %7s %8s\n' "$mode" "$startup" "$rss_start" "$cold_p50" "$cold_p99" \
    "$cold_errors" "$rss_cold" "$warm_p50" "$warm_p99" "$rps" "$warm_errors" "$rss_end"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$(date -u +%F)" "$corpus" "$(nproc)" "$documents" "$index_size" "$docs_size" "$mode" "$cache_i" "$cache_d" "$startup" \
    "$rss_start" "$cold_done" "$cold_p50" "$cold_p99" "$cold_errors" "$rss_cold" "$warm_p50" "$warm_p99" "$rps" \
    "$warm_errors" "$rss_end" >> "$results"
done
echo "results appended to $results"
