#!/usr/bin/env bash
# Warm hybrid query latency in headless Chromium on the large site (PowerShell
# 5 versions + etcd 9 versions from ../shared, as in search-bytes.sh): one
# page runs every query of bench/queries.txt once to load its files, then
# each query REPS more times with semantic search on. Prints p50/p90 of the
# engine's time in the worker and of the UI's time, writes
# bench/results/search-warm.json and appends a line to search-warm.tsv.
#
# Usage: bash bench/search-warm.sh [SITE [REPS]]
# SITE: a built large site to reuse, or where to build it when it does not
# exist yet (a tmpfs path such as /dev/shm/mcdewey-large saves rebuilding).
set -euo pipefail
cd "$(dirname "$0")/.."
site="${1:-}"
reps="${2:-5}"
cargo build --release -q -p mcdewey
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/mcdewey"
(cd browser-tests && npm install --no-audit --no-fund --silent)
work="$(mktemp -d)"
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

if [ -z "$site" ] || [ ! -f "$site/_search/manifest.bin" ]; then
  shared="${MCDEWEY_SHARED:-../shared}"
  [ -d "$shared/corpora" ] || { echo "skipping: $shared/corpora not found"; exit 0; }
  shared="$(cd "$shared" && pwd)"
  . bench/corpora.sh
  link_powershell "$work/content"
  link_etcd "$work/content"
  corpora_config "$work/mcdewey.toml"
  site="${site:-$work/site}"
  # Exit code 1 means some input files had errors; the site is written.
  "$bin" build "$work/content" --config "$work/mcdewey.toml" --out "$site" 2> "$work/build.log" || [ $? -eq 1 ]
  grep '^Built' "$work/build.log" || true
  require_documents "$site"
else
  . bench/corpora.sh
  require_documents "$site"
  echo "reusing $site (rebuild it if the theme or the engine changed)"
fi

"$bin" serve "$site" --port 0 2> "$work/serve.log" &
server=$!
for _ in $(seq 50); do grep -q 'http://' "$work/serve.log" && break; sleep 0.2; done
url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/serve.log" | head -1)
mkdir -p bench/results
(cd browser-tests && node bench/warm.mjs "$url" ../bench/queries.txt ../bench/results/search-warm.json "$reps")
python3 - <<'PY'
import json, datetime, os
r = json.load(open("bench/results/search-warm.json"))
cols = ["engine_ms", "search_ms", "display_ms", "ui_ms", "lexical_ui_ms"]
row = [datetime.date.today().isoformat(), str(r["queries"]), str(r["reps"]), str(os.cpu_count())]
for c in cols:
    s = r["stats"][c]
    row += [f'{s["p50"]:.1f}', f'{s["p90"]:.1f}'] if s else ["", ""]
path = "bench/results/search-warm.tsv"
if not os.path.exists(path):
    head = ["date", "queries", "reps", "cores"] + [f"{c[:-3]}_{p}_ms" for c in cols for p in ("p50", "p90")]
    open(path, "w").write("\t".join(head) + "\n")
open(path, "a").write("\t".join(row) + "\n")
PY
