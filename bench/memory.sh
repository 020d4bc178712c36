#!/usr/bin/env bash
# Memory benchmark: peak RSS and wall time of `mcdewey build` on the shared
# PowerShell documentation (5 versions) under several memory budgets
# (`--memory-budget`), and whether every budget wrote the same site bytes.
# Prints one line per budget and appends them to bench/results/memory.tsv.
#
#   BUDGETS="default 64MB 16MB"  budgets to run ("default" = no flag)
#   MCDEWEY_BIN=path             measure another binary (e.g. an older build;
#                                it gets no --memory-budget flag)
#   LABEL=text                   what the rows are labelled with
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${MCDEWEY_SHARED:-../shared}"
if [ ! -d "$shared/corpora" ]; then
  echo "skipping: $shared/corpora not found (set MCDEWEY_SHARED)"; exit 0
fi
shared="$(cd "$shared" && pwd)"
if [ -n "${MCDEWEY_BIN:-}" ]; then
  bin="$MCDEWEY_BIN"
  budgets="${BUDGETS:-default}"
else
  cargo build --release -q -p mcdewey
  bin="$PWD/target/release/mcdewey"
  budgets="${BUDGETS:-default 64MB 16MB}"
fi
label="${LABEL:-$(git rev-parse --short HEAD)}"
work="$(mktemp -d "${TMPDIR:-/tmp}/mcdewey-memory.XXXXXX")"
trap 'rm -rf "$work"' EXIT

. bench/corpora.sh
link_powershell "$work/content"
corpora_config "$work/mcdewey.toml"

results=bench/results/memory.tsv
[ -f "$results" ] || printf 'date\tlabel\tcorpus\tcores\tbudget\tchunks\tseconds\tpeak_rss_mb\tspilled_mb\tsame_site\n' > "$results"
# One warm-up run so the sources are in the page cache.
"$bin" build "$work/content" --out "$work/warm" --config "$work/mcdewey.toml" --quiet 2>/dev/null || true
require_documents "$work/warm"
rm -rf "$work/warm"
first=""
for budget in $budgets; do
  flag=()
  [ "$budget" != default ] && flag=(--memory-budget "$budget")
  out="$work/site-$budget"
  /usr/bin/time -f '%M %e' -o "$work/time" \
    "$bin" build "$work/content" --out "$out" --config "$work/mcdewey.toml" "${flag[@]}" 2> "$work/log" || { cat "$work/log"; exit 1; }
  read -r rss_kb secs < "$work/time"
  chunks=$(sed -nE 's/^Built .* ([0-9]+) chunks in.*/\1/p' "$work/log")
  spilled=$(sed -nE 's/^Search index: ([0-9.]+) MB kept on disk.*/\1/p' "$work/log")
  same=first
  if [ -z "$first" ]; then
    first="$out"
  else
    if diff -rq "$first" "$out" > /dev/null; then same=yes; else same=NO; fi
    rm -rf "$out"
  fi
  rss_mb=$((rss_kb / 1024))
  printf '%s\t%s\tpowershell\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%F)" "$label" "$(nproc)" \
    "$budget" "$chunks" "$secs" "$rss_mb" "${spilled:-0}" "$same" >> "$results"
  printf '%-8s budget %-8s %s chunks in %6s s, peak RSS %5s MB, spilled %s MB, same site: %s\n' \
    "$label" "$budget" "$chunks" "$secs" "$rss_mb" "${spilled:-0}" "$same"
done
echo "results appended to $results"
