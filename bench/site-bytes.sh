#!/usr/bin/env bash
# Where a site's bytes go: builds the shared PowerShell documentation (5
# versions) and prints bytes and files by kind (chunk pages, page views, raw
# Markdown, document.json, index fragments, vectors, navigation pages...) per
# chunk, with the largest HTML page. Appends to bench/results/site-bytes.tsv.
# `bash bench/site-bytes.sh SITE [LABEL]` measures an already built site.
set -euo pipefail
cd "$(dirname "$0")/.."
results=bench/results/site-bytes.tsv
if [ $# -ge 1 ]; then
  python3 bench/site_bytes.py "$1" "${2:-$(basename "$1")}" --tsv "$results"
  exit 0
fi
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
link_powershell "$work/content"
corpora_config "$work/mcdewey.toml"
"$bin" build "$work/content" --config "$work/mcdewey.toml" --out "$work/site" --quiet || true
require_documents "$work/site"
python3 bench/site_bytes.py "$work/site" "powershell ($(git rev-parse --short HEAD))" --tsv "$results"
