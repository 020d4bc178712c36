#!/usr/bin/env bash
# Soak benchmark of `mcdewey serve` from 127.0.0.1 with wrk: static pages and
# assets, distinct (never cached) `/mcp` search calls, both at once for the
# long middle part, then a flood of maximum-size queries while a static page
# is fetched every 0.2 s. Prints requests/s, p50/p99 latency, non-2xx
# responses (must be 0) and tool errors per phase, the server's RSS sampled
# every 10 s (flat within 10% after warm-up), and the slowest static fetch
# during the flood (target: under 100 ms). Appends to bench/results/soak.tsv
# and writes the RSS samples to bench/results/soak-rss.tsv.
#
# Usage: bash bench/soak.sh [--seconds N | --short] [--site DIR]
#   --seconds N  total length (default 600); --short is --seconds 60
#   --site DIR   a built site to serve; by default the PowerShell reference
#                (5 versions) from ../shared is built, or content/ without it
# Needs wrk (Debian: apt-get install wrk) and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=600
site=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --short) seconds=60; shift ;;
    --site) site="$2"; shift 2 ;;
    *) echo "usage: $0 [--seconds N | --short] [--site DIR]" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk not found (Debian: apt-get install wrk)" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl not found" >&2; exit 2; }
port="${SOAK_PORT:-18794}"
cargo build --release -q -p mcdewey --bin mcdewey
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/mcdewey"
work="$(mktemp -d)"
server=""
sampler=""
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

corpus=custom
if [ -z "$site" ]; then
  shared="${MCDEWEY_SHARED:-../shared}"
  if [ -d "$shared/corpora/markdown/powershell/reference" ]; then
    corpus=powershell
    mkdir -p "$work/content/powershell"
    for v in 5.1 7.4 7.5 7.6 7.7; do
      cp -r "$shared/corpora/markdown/powershell/reference/$v" "$work/content/powershell/$v"
    done
  else
    corpus=sample
    cp -r content "$work/content"
  fi
  "$bin" build "$work/content" --out "$work/site" --quiet 2>/dev/null || true
  site="$work/site"
fi
documents=$(find "$site" -name document.json | wc -l)

# Static paths: up to 5,000 spread evenly over the site's pages and assets;
# query words from its pages.
(cd "$site" && find . -type f \( -name '*.html' -o -name '*.md' -o -name '*.css' -o -name '*.js' \) \
  -size -512k | sed 's|^\.||' | sort) > "$work/all-paths.txt"
awk -v n="$(wc -l < "$work/all-paths.txt")" 'NR % int(n / 5000 + 1) == 0' "$work/all-paths.txt" > "$work/paths.txt"
tr -cs 'A-Za-z' '\n' < <(find "$site" -name '*.md' | head -300 | xargs cat) \
  | awk 'length($0) >= 4 && length($0) <= 12 { print tolower($0) }' | sort -u | head -2000 > "$work/words.txt"
export SOAK_PATHS="$work/paths.txt" SOAK_WORDS="$work/words.txt"

"$bin" serve "$site" --port "$port" --quiet &
server=$!
for _ in $(seq 1 600); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 0.1
done
rss() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$server/status"; }
rss_file=bench/results/soak-rss.tsv
mkdir -p bench/results
printf 'date\tseconds\trss_mb\n' > "$rss_file"
(
  t=0
  while kill -0 "$server" 2>/dev/null; do
    printf '%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$(rss)" >> "$rss_file"
    sleep 10
    t=$((t + 10))
  done
) &
sampler=$!

url="http://127.0.0.1:$port"
results=bench/results/soak.tsv
[ -f "$results" ] || printf 'date\tcorpus\tdocuments\tcores\tphase\tconnections\tseconds\trequests\treq_per_s\tp50_ms\tp99_ms\tnon_2xx\ttool_errors\tsocket_errors\n' > "$results"
declare -A line
# run PHASE SCRIPT CONNECTIONS SECONDS [env...]: one wrk run, one result row.
run() {
  local phase="$1" script="$2" conns="$3" secs="$4"
  shift 4
  local out
  out=$(env "$@" wrk -t1 -c"$conns" -d"${secs}s" --timeout 10s -s "bench/soak/$script" "$url" | grep '^RESULT' | tail -1)
  local req dur p50 p99 bad errs sock
  IFS=$'\t' read -r _ req dur p50 p99 bad errs sock <<<"$out"
  local rate
  rate=$(awk -v r="$req" -v d="$dur" 'BEGIN { printf "%.0f", r / d }')
  line[$phase]="$rate req/s, p50 $p50 ms, p99 $p99 ms, non-2xx $bad, tool errors $errs, socket errors $sock"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%F)" "$corpus" "$documents" "$(nproc)" \
    "$phase" "$conns" "$dur" "$req" "$rate" "$p50" "$p99" "$bad" "$errs" "$sock" >> "$results"
  echo "  $phase ($conns connections, ${secs}s): ${line[$phase]}"
}

echo "soak: $corpus, $documents documents, $(nproc) cores, ${seconds}s"
short=$((seconds / 6)); [ "$short" -lt 5 ] && short=5
flood=$((seconds / 6)); [ "$flood" -lt 10 ] && flood=10
long=$((seconds - 2 * short - flood)); [ "$long" -lt 10 ] && long=10
run static static.lua 32 "$short"
run search search.lua 16 "$short"
# Both at once for most of the run: memory must stay flat.
run search-mixed search.lua 8 "$long" &
mixed=$!
run static-mixed static.lua 16 "$long"
wait "$mixed"

# Flood of maximum-size queries; a static page fetched every 0.2 s meanwhile.
run flood search.lua 32 "$flood" SOAK_MAX_WORDS=64 SOAK_MAX_CHARS=1000 &
flooding=$!
sleep 1
probes="$work/probes.txt"
end=$((SECONDS + flood - 2))
while [ "$SECONDS" -lt "$end" ]; do
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$url/index.html" >> "$probes"
  sleep 0.2
done
wait "$flooding"
probe=$(sort -k2 -g "$probes" | awk '{ n++; t[n] = $2 * 1000; if ($1 != 200) bad++ }
  END { printf "%d fetches, median %.1f ms, slowest %.1f ms, non-200 %d", n, t[int((n + 1) / 2)], t[n], bad + 0 }')
echo "  static page during the flood: $probe"

kill "$sampler" 2>/dev/null || true
sampler=""
printf '%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "end" "$(rss)" >> "$rss_file"
# Flat: after the first minute (or the first third of a shorter run), the
# largest sample within 10% of the smallest.
warm=$((seconds / 3)); [ "$warm" -gt 60 ] && warm=60
drift=$(awk -v w="$warm" 'NR > 1 && ($2 == "end" || $2 >= w) { if (min == "" || $3 < min) min = $3; if ($3 > max) max = $3 }
  END { printf "min %.1f MB, max %.1f MB, spread %.1f%%", min, max, (max - min) / min * 100 }' "$rss_file")
echo "  server RSS every 10 s (after ${warm}s): $drift"
printf '%s\t%s\t%s\t%s\tflood-probe\t1\t%s\t\t\t\t\t\t\t%s\n' "$(date -u +%F)" "$corpus" "$documents" "$(nproc)" "$flood" "$probe" >> "$results"
printf '%s\t%s\t%s\t%s\trss\t\t%s\t\t\t\t\t\t\t%s\n' "$(date -u +%F)" "$corpus" "$documents" "$(nproc)" "$seconds" "$drift" >> "$results"
echo "results appended to $results; RSS samples in $rss_file"
