#!/usr/bin/env bash
# Incremental rebuild benchmark: `mcdewey serve --watch` on a copy of the
# shared PowerShell documentation (5 versions). The watch process's first
# build is a full build; then one page is edited a few times and each rebuild
# is timed (from the build summaries the server prints). Runs with the default
# config (semantic search on) and with `semantic = false`, checks that the
# last incremental site equals a fresh full build (`diff -r`), prints the
# times and their ratio and appends them to bench/results/incremental.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${MCDEWEY_SHARED:-../shared}"
if [ ! -d "$shared/corpora" ]; then
  echo "skipping: $shared/corpora not found (set MCDEWEY_SHARED)"; exit 0
fi
shared="$(cd "$shared" && pwd)"
rounds="${ROUNDS:-3}"
cargo build --release -q -p mcdewey
bin="$PWD/target/release/mcdewey"
base=/tmp
[ -d /dev/shm ] && base=/dev/shm
work="$(mktemp -d "$base/mcdewey-incremental.XXXXXX")"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The versions are linked as the build benchmark links them; the edited
# version is a writable copy, so the edit does not touch the shared tree.
. bench/corpora.sh
link_powershell "$work/content"
rm "$work/content/powershell/7.5"
cp -rL "$shared/corpora/markdown/powershell/reference/7.5" "$work/content/powershell/7.5"
page="$work/content/powershell/7.5/Microsoft.PowerShell.Core/About/about_Arrays.md"
[ -f "$page" ] || page="$(find "$work/content/powershell/7.5" -name '*.md' | sort | head -1)"

results=bench/results/incremental.tsv
[ -f "$results" ] || printf 'date\tcorpus\tsemantic\tcores\tdocuments\tpages\tfull_s\tedit_s\tratio\tparsed\trendered\tsame_as_full\tchunks\tanalysed\tembedded\n' > "$results"

seconds() { sed -E 's/.* chunks in ([0-9.]+) s.*/\1/'; }

for semantic in true false; do
  printf '[search]\nsemantic = %s\n' "$semantic" > "$work/mcdewey.toml"
  corpora_config "$work/mcdewey.toml"
  rm -rf "$work/site"
  log="$work/serve-$semantic.log"
  "$bin" serve "$work/content" --out "$work/site" --config "$work/mcdewey.toml" --port 0 --watch 2> "$log" &
  server=$!
  until grep -q '^Serving' "$log"; do
    kill -0 "$server" 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.5
  done
  require_documents "$work/site"
  first=$(grep -m1 '^Built' "$log")
  full=$(seconds <<<"$first")
  docs=$(sed -E 's/Built ([0-9]+) documents.*/\1/' <<<"$first")
  pages=$(sed -E 's/.* ([0-9]+) pages,.*/\1/' <<<"$first")
  best=999999
  for r in $(seq "$rounds"); do
    before=$(grep -c '^Built' "$log")
    printf '\nEdited for the incremental benchmark, round %s.\n' "$r" >> "$page"
    until [ "$(grep -c '^Built' "$log")" -gt "$before" ]; do sleep 0.2; done
    # The summary's second line follows the first.
    sleep 0.5
    secs=$(grep '^Built' "$log" | tail -1 | seconds)
    best=$(awk -v a="$best" -v b="$secs" 'BEGIN { print (b < a) ? b : a }')
  done
  kept=$(grep '^Parsed' "$log" | tail -1)
  parsed=$(sed -E 's/Parsed ([0-9]+) and.*/\1/' <<<"$kept")
  rendered=$(sed -E 's/.* rendered ([0-9]+) documents.*/\1/' <<<"$kept")
  chunks=$(sed -E 's/.* ([0-9]+) chunks in.*/\1/' <<<"$first")
  index=$(grep '^Search index: analysed' "$log" | tail -1 || true)
  analysed=$(sed -E 's/Search index: analysed ([0-9]+) .*/\1/' <<<"$index")
  embedded=$(sed -E 's/.*; ([0-9]+) vectors.*/\1/' <<<"$index")
  [ "$semantic" = true ] || embedded=0
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
  "$bin" build "$work/content" --out "$work/full" --config "$work/mcdewey.toml" --quiet 2>/dev/null || true
  same=no
  diff -r -q "$work/site" "$work/full" > /dev/null && same=yes
  rm -rf "$work/full"
  ratio=$(awk -v f="$full" -v e="$best" 'BEGIN { printf "%.3f", e / f }')
  printf '%s\tpowershell\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%F)" "$semantic" "$(nproc)" \
    "$docs" "$pages" "$full" "$best" "$ratio" "$parsed" "$rendered" "$same" "$chunks" "$analysed" "$embedded" >> "$results"
  printf 'semantic=%-5s full build %6.2f s, one page edited %6.2f s (best of %s), ratio %s; parsed %s, rendered %s of %s documents; index: analysed %s of %s chunks, %s vectors made; same bytes as a full build: %s\n' \
    "$semantic" "$full" "$best" "$rounds" "$ratio" "$parsed" "$rendered" "$docs" "$analysed" "$chunks" "$embedded" "$same"
done
