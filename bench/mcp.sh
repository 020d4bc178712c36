#!/usr/bin/env bash
# MCP load benchmark: `search` tool calls against /mcp of `mcdewey serve` on
# the shared PowerShell reference (5 versions), from a separate process on
# 127.0.0.1. One connection first (latency without queueing), then several
# (throughput). Prints req/s, p50/p90/p99 latency, errors and the server's
# RSS before and after, and appends them to bench/results/mcp.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${MCDEWEY_SHARED:-../shared}"
if [ ! -d "$shared/corpora" ]; then
  echo "skipping: $shared/corpora not found (set MCDEWEY_SHARED)"; exit 0
fi
shared="$(cd "$shared" && pwd)"
seconds="${MCP_BENCH_SECONDS:-20}"
connections="${MCP_BENCH_CONNECTIONS:-8}"
port="${MCP_BENCH_PORT:-18793}"

cargo build --release -q -p mcdewey --bin mcdewey --example mcp_load --example search_cost
target="${CARGO_TARGET_DIR:-target}"
bin="$target/release/mcdewey"
load="$target/release/examples/mcp_load"
cost="$target/release/examples/search_cost"
work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

. bench/corpora.sh
link_powershell "$work/content"
corpora_config "$work/mcdewey.toml"
"$bin" build "$work/content" --config "$work/mcdewey.toml" --out "$work/site" --quiet 2>/dev/null || true
require_documents "$work/site"
summary=$(find "$work/site" -name document.json | wc -l)

rss() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$server/status"; }
url="http://127.0.0.1:$port/mcp"
results=bench/results/mcp.tsv
[ -f "$results" ] || printf 'date\tcorpus\tcores\tdocuments\tready_s\tconnections\trequests\tseconds\treq_per_s\tp50_ms\tp90_ms\tp99_ms\tmax_ms\terrors\trss_before_mb\trss_after_mb\tcache_entries\n' > "$results"

# In-process cost per search tool call (no HTTP), split from search-core's.
echo "in-process: $("$cost" "$work/site" 20 | tail -1)"

# Without the result cache every call runs the search; with it (the
# default), the repeated query mix is answered from memory after its first
# round, so both are measured and reported apart.
for cache in 0 1024; do
  start=$(date +%s.%N)
  "$bin" serve "$work/site" --port "$port" --quiet --mcp-cache "$cache" &
  server=$!
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.1
  done
  ready=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
  rss_before=$(rss)
  one=$("$load" --url "$url" --seconds 5 --connections 1 --warmup 1 || true)
  many=$("$load" --url "$url" --seconds "$seconds" --connections "$connections" || true)
  rss_after=$(rss)
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=""

  echo "PowerShell reference: $summary documents; server ready (index and documents loaded) in ${ready} s; result cache: $cache entries"
  echo "  1 connection:  $(head -1 <<<"$one")"
  echo "  $connections connections: $(head -1 <<<"$many")"
  echo "  server RSS: ${rss_before} MB before, ${rss_after} MB after"
  for run in "1:$one" "$connections:$many"; do
    conns="${run%%:*}"
    fields=$(grep '^TSV' <<<"${run#*:}" | cut -f2-)
    printf '%s\tpowershell\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%F)" "$(nproc)" "$summary" "$ready" \
      "$conns" "$fields" "$rss_before" "$rss_after" "$cache" >> "$results"
  done
done
echo "results appended to $results"
