#!/usr/bin/env bash
# tinysearch (crates.io) on the same pages as McDewey: builds the shared
# PowerShell docs (or takes a built SITE), feeds tinysearch one post per page
# view, and records its storage and WASM bytes, build time, and what it finds
# for identifiers with digits, phrases, a prefix and a typo next to McDewey's
# top 10. Needs `cargo install tinysearch --features bin` (TINYSEARCH=path to
# use another binary). Appends to bench/results/tinysearch.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."
ts="${TINYSEARCH:-$(command -v tinysearch || true)}"
[ -n "$ts" ] || { echo "tinysearch not found: cargo install tinysearch --features bin"; exit 1; }
cargo build --release -q -p mcdewey
bin="$PWD/target/release/mcdewey"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
site="${1:-}"
if [ -z "$site" ]; then
  shared="${MCDEWEY_SHARED:-../shared}"
  [ -d "$shared/corpora" ] || { echo "skipping: $shared/corpora not found (set MCDEWEY_SHARED)"; exit 0; }
  shared="$(cd "$shared" && pwd)"
  mkdir -p "$work/content/powershell"
  for v in 5.1 7.4 7.5 7.6 7.7; do
    ln -s "$shared/corpora/markdown/powershell/reference/$v" "$work/content/powershell/$v"
  done
  printf '[content]\nsymlink_roots = ["%s"]\n' "$shared/corpora" > "$work/mcdewey.toml"
  "$bin" build "$work/content" --config "$work/mcdewey.toml" --out "$work/site" --quiet || true
  site="$work/site"
fi
python3 bench/tinysearch_eval.py "$site" "$ts" "$bin" "$work/tinysearch" bench/results/tinysearch.tsv
