#!/usr/bin/env bash
# Bytes benchmark against Pagefind 1.6 on one large site: PowerShell (5
# versions) + etcd (9 versions) from ../shared. Both indexes are built from the
# same generated HTML, served by `mcdewey serve` on 127.0.0.1, and queried cold
# in headless Chromium. Writes bench/results/search-bytes.json and .tsv.
# With a model name (`bash bench/search-bytes.sh wordllama-l2-128`) our site is
# built with that embedding model and the results go to search-bytes-MODEL.*.
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${MCDEWEY_SHARED:-../shared}"
[ -d "$shared/corpora" ] || { echo "skipping: $shared/corpora not found"; exit 0; }
shared="$(cd "$shared" && pwd)"
cargo build --release -q -p mcdewey
bin="$PWD/target/release/mcdewey"
(cd browser-tests && npm install --no-audit --no-fund --silent)
work="$(mktemp -d)"
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
. bench/corpora.sh
link_powershell "$work/content"
link_etcd "$work/content"

model="${1:-}"
suffix="${model:+-$model}"
printf '[search]\n%s\n' "${model:+model = \"$model\"}" > "$work/mcdewey.toml"
corpora_config "$work/mcdewey.toml"
MCDEWEY_LOG=info "$bin" build "$work/content" --out "$work/site" --config "$work/mcdewey.toml" 2> "$work/build.log" || true
grep '^Built' "$work/build.log" || true
require_documents "$work/site"
ours_index_s=$(grep 'search index built' "$work/build.log" | sed 's/\x1b\[[0-9;]*m//g' | sed -E 's/.*elapsed=([0-9.]+)(m?s).*/\1 \2/' | awk '{ print ($2 == "ms") ? $1 / 1000 : $1 }')
start=$(date +%s.%N)
# Pagefind indexes the page views (every chunk's text once); chunk views repeat them.
browser-tests/node_modules/.bin/pagefind --site "$work/site" --glob "**/p/*.html" --output-subdir pagefind > "$work/pagefind.log" 2>&1
pf_index_s=$(echo "$(date +%s.%N) - $start" | bc)
tail -3 "$work/pagefind.log"
ours_kb=$(du -sk "$work/site/_search" | cut -f1)
ours_engine_kb=$(du -sk "$work/site/_static/engine" | cut -f1)
pf_kb=$(du -sk "$work/site/pagefind" | cut -f1)
ours_files=$(find "$work/site/_search" -type f | wc -l)
pf_files=$(find "$work/site/pagefind" -type f | wc -l)

"$bin" serve "$work/site" --port 0 2> "$work/serve.log" &
server=$!
for _ in $(seq 50); do grep -q 'http://' "$work/serve.log" && break; sleep 0.2; done
url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/serve.log" | head -1)
(cd browser-tests && node bench/bytes.mjs "$url" ../bench/queries.txt "../bench/results/search-bytes$suffix.json")
printf 'index on disk: mcdewey %s KB in %s files (+ engine %s KB), pagefind %s KB in %s files\n' "$ours_kb" "$ours_files" "$ours_engine_kb" "$pf_kb" "$pf_files"
printf 'indexing time: mcdewey %.1f s (index only, alongside HTML rendering), pagefind %.1f s (reading the HTML)\n' "$ours_index_s" "$pf_index_s"
mkdir -p bench/results
python3 - "$ours_kb" "$pf_kb" "$ours_index_s" "$pf_index_s" "$suffix" <<'PY'
import json, sys, datetime
suffix = sys.argv[5]
r = json.load(open(f"bench/results/search-bytes{suffix}.json"))
ours_kb, pf_kb, ours_s, pf_s = map(float, sys.argv[1:5])
row = [datetime.date.today().isoformat(), str(r["queries"])]
for e in ("mcdewey", "pagefind"):
    x = r["engines"][e]
    row += [f'{x["bytes"]["median"]/1024:.1f}', f'{x["bytes"]["p90"]/1024:.1f}', str(x["requests"]["median"]), str(x["ms"]["median"])]
row += [f"{ours_kb:.0f}", f"{pf_kb:.0f}", f"{ours_s:.1f}", f"{pf_s:.1f}", f'{r["ratios"]["bytes_median"]:.2f}']
path = f"bench/results/search-bytes{suffix}.tsv"
try:
    open(path).close()
except FileNotFoundError:
    open(path, "w").write("date\tqueries\tours_median_kb\tours_p90_kb\tours_requests\tours_ms\tpf_median_kb\tpf_p90_kb\tpf_requests\tpf_ms\tours_index_kb\tpf_index_kb\tours_index_s\tpf_index_s\tbytes_ratio\n")
open(path, "a").write("\t".join(row) + "\n")
PY
