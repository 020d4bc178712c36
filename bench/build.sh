#!/usr/bin/env bash
# Build benchmark: `mcdewey build` on the shared PowerShell (5 versions) and
# etcd (9 versions) documentation. Prints documents/s, pages/s, chunks/s, peak
# RSS and output size, and appends them to bench/results/build.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${MCDEWEY_SHARED:-../shared}"
if [ ! -d "$shared/corpora" ]; then
  echo "skipping: $shared/corpora not found (set MCDEWEY_SHARED)"; exit 0
fi
shared="$(cd "$shared" && pwd)"
cargo build --release -q -p mcdewey
bin="$PWD/target/release/mcdewey"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

. bench/corpora.sh
link_powershell "$work/powershell/content"
link_etcd "$work/etcd/content"
corpora_config "$work/corpora.toml"

results=bench/results/build.tsv
[ -f "$results" ] || printf 'date\tcorpus (output)\tcores\tdocuments\tpages\tchunks\tseconds\tdocs_per_s\tpages_per_s\tchunks_per_s\tpeak_rss_mb\toutput_mb\tfiles\n' > "$results"
# Each run writes a fresh directory: on ext4, creating files right after a large
# tree was deleted is many times slower, which would measure the file system.
# Runs on tmpfs (/dev/shm) show the generator's own speed.
run=0
for target in disk tmpfs; do
for corpus in powershell etcd; do
  run=$((run + 1))
  if [ "$target" = tmpfs ] && [ -d /dev/shm ]; then dest=$(mktemp -d /dev/shm/mcdewey-bench.XXXXXX); else dest="$work/out$run"; mkdir -p "$dest"; fi
  # One warm-up run so the sources are in the page cache.
  [ $run -eq 1 ] && "$bin" build "$work/$corpus/content" --config "$work/corpora.toml" --out "$dest/warm" --quiet 2>/dev/null || true
  /usr/bin/time -f '%M %e' -o "$work/time" "$bin" build "$work/$corpus/content" --config "$work/corpora.toml" --out "$dest/site" 2> "$work/log" || true
  require_documents "$dest/site"
  summary=$(grep '^Built' "$work/log")
  read -r rss_kb secs < "$work/time"
  docs=$(sed -E 's/Built ([0-9]+) documents.*/\1/' <<<"$summary")
  pages=$(sed -E 's/.* ([0-9]+) pages,.*/\1/' <<<"$summary")
  chunks=$(sed -E 's/.* ([0-9]+) chunks in.*/\1/' <<<"$summary")
  files=$(sed -E 's/.*\(([0-9]+) files.*/\1/' <<<"$summary")
  out_mb=$(du -sm "$dest/site" | cut -f1)
  line=$(awk -v d="$docs" -v p="$pages" -v c="$chunks" -v s="$secs" -v r="$rss_kb" \
    'BEGIN { printf "%d\t%d\t%d\t%.2f\t%.0f\t%.0f\t%.0f\t%.0f", d, p, c, s, d/s, p/s, c/s, r/1024 }')
  row="$(date -u +%F)\t$corpus ($target)\t$(nproc)\t$line\t$out_mb\t$files"
  printf "$row\n" >> "$results"
  printf "%-11s %s\n" "$corpus" "$summary" | head -1
  awk -F'\t' -v c="$corpus ($target)" 'END { printf "%-18s %s docs/s, %s pages/s, %s chunks/s, peak RSS %s MB, output %s MB\n", c, $8, $9, $10, $11, $12 }' "$results"
  case "$dest" in /dev/shm/*) rm -rf "$dest" ;; esac
done
done

# Share of the build that semantic search costs: the same PowerShell build on
# tmpfs with and without vectors, alternated, best of three each.
if [ -d /dev/shm ]; then
  cp "$work/corpora.toml" "$work/lexical.toml"
  printf '[search]\nsemantic = false\n' >> "$work/lexical.toml"
  best_on=999999; best_off=999999
  for _ in 1 2 3; do
    for mode in on off; do
      dest=$(mktemp -d /dev/shm/mcdewey-bench.XXXXXX)
      cfg=(--config "$work/corpora.toml"); [ "$mode" = off ] && cfg=(--config "$work/lexical.toml")
      /usr/bin/time -f '%e' -o "$work/time" "$bin" build "$work/powershell/content" --out "$dest/site" "${cfg[@]}" --quiet 2>/dev/null || true
      require_documents "$dest/site"
      secs=$(cat "$work/time")
      if [ "$mode" = on ]; then best_on=$(awk -v a="$best_on" -v b="$secs" 'BEGIN { print (b < a) ? b : a }')
      else best_off=$(awk -v a="$best_off" -v b="$secs" 'BEGIN { print (b < a) ? b : a }'); fi
      rm -rf "$dest"
    done
  done
  share=$(awk -v on="$best_on" -v off="$best_off" 'BEGIN { printf "%.1f", 100 * (on - off) / on }')
  echo "semantic share of the PowerShell build (tmpfs, best of 3): ${best_on} s with vectors, ${best_off} s without: ${share}%"
  shares=bench/results/semantic-share.tsv
  [ -f "$shares" ] || printf 'date\tcorpus\tcores\tseconds_with_vectors\tseconds_without\tshare_pct\n' > "$shares"
  printf '%s\tpowershell (tmpfs)\t%s\t%s\t%s\t%s\n' "$(date -u +%F)" "$(nproc)" "$best_on" "$best_off" "$share" >> "$shares"
fi
echo "results appended to $results"
