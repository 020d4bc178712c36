#!/usr/bin/env bash
# Scale benchmark: libraries of about 60k, 250k and 1M chunks generated from
# the shared corpora (copies as distinct products, a per-copy word in every
# paragraph; bench/scale_gen.py), each built with `mcdewey build` and indexed
# by Pagefind 1.6 (page views only, as in search-bytes.sh). Reports build time,
# peak RSS, site bytes and files per chunk, index bytes and files, the largest
# HTML page, the largest file a browser fetches, and the cold first-query
# bytes of both engines in headless Chromium (bench/queries.txt, one fresh
# browser per query; browser-tests/bench/bytes.mjs); appends to
# bench/results/scale.tsv.
#
#   bash bench/scale.sh                 # 60k
#   bash bench/scale.sh 60k 250k        # sizes to run, in order
#   bash bench/scale.sh 1m              # about 1M chunks: ~11 GB RSS today, a
#                                       # 24 GB machine of its own
# SCALE_WORK=DIR keeps the generated libraries there (default: a temp dir on
# disk, removed at the end); PAGEFIND=0 skips Pagefind; COLD=0 skips the
# cold-query measurement; BIN=PATH measures another build of mcdewey; LABEL
# names the run in bench/results/cold-breakdown.tsv (cold bytes by file kind);
# CONTENT=DIR takes an already generated library instead of generating one.
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${MCDEWEY_SHARED:-../shared}"
[ -d "$shared/corpora" ] || { echo "skipping: $shared/corpora not found (set MCDEWEY_SHARED)"; exit 0; }
shared="$(cd "$shared" && pwd)"
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(60k)
if [ -n "${BIN:-}" ]; then bin="$(realpath "$BIN")"; else
  cargo build --release -q -p mcdewey; bin="$PWD/target/release/mcdewey"; fi
pagefind=browser-tests/node_modules/.bin/pagefind
if [ "${PAGEFIND:-1}${COLD:-1}" != 00 ] && [ ! -x "$pagefind" ]; then
  (cd browser-tests && npm install --no-audit --no-fund --silent)
fi
server=""; tmpwork=""
if [ -n "${SCALE_WORK:-}" ]; then work="$SCALE_WORK"; mkdir -p "$work"; else
  work="$(mktemp -d "${TMPDIR:-/tmp}/mcdewey-scale.XXXXXX")"; tmpwork="$work"; fi
# Nothing is deleted before a timed build. On ext4 without a journal, each
# file created in the minutes after many were deleted costs a scan past
# every recently deleted inode (the kernel's `recently_deleted` check): the
# same 60k build took 9.9 s into a fresh directory and 18.7 s right after
# the previous site was removed, most of it system time. So old libraries
# are moved aside and deleted when the run ends, after every timing; leave
# a few minutes between runs that delete large sites.
trash="$work/.trash"
retire() { if [ -e "$1" ]; then mkdir -p "$trash"; mv "$1" "$trash/$(basename "$1").$$.$RANDOM"; fi; }
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$trash"
  if [ -n "$tmpwork" ]; then rm -rf "$tmpwork"; fi
}
trap cleanup EXIT
header='date\tsize\tdocuments\tchunks\tbuild_s\tpeak_rss_mb\tsite_mb\tsite_files\tsite_kb_per_chunk\tsite_files_per_chunk\tindex_mb\tindex_files\tindex_files_per_chunk\tlargest_html_kb\tlargest_fetch_kb\tlargest_fetch\tpagefind_s\tpagefind_rss_mb\tpagefind_mb\tpagefind_files\tcold_kb_median\tcold_kb_p90\tpagefind_cold_kb_median\tpagefind_cold_kb_p90\n'
results=bench/results/scale.tsv
[ -f "$results" ] || printf "$header" > "$results"

for size in "${sizes[@]}"; do
  case "$size" in
    60k) target=60000 ;; 250k) target=250000 ;; 1m|1M) target=1000000 ;;
    *) echo "unknown size $size (60k, 250k, 1m)"; exit 2 ;;
  esac
  lib="$work/$size"
  retire "$lib"; mkdir -p "$lib"
  if [ -n "${CONTENT:-}" ]; then ln -s "$(realpath "$CONTENT")" "$lib/content"
  else python3 bench/scale_gen.py "$shared" "$lib/content" "$target"; fi
  /usr/bin/time -v -o "$lib/time" "$bin" build "$lib/content" --out "$lib/site" --quiet 2> "$lib/build.log" || true
  grep -q 'Exit status: [01]$' "$lib/time" || { echo "build failed:"; tail -5 "$lib/build.log"; exit 1; }
  rss_kb=$(awk -F': ' '/Maximum resident/ { print $2 }' "$lib/time")
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$lib/time")
  pf_s=""; pf_rss=""; pf_mb=""; pf_files=""
  if [ "${PAGEFIND:-1}" = 1 ]; then
    if /usr/bin/time -v -o "$lib/pf-time" "$pagefind" --site "$lib/site" --glob "**/p/*.html" --output-subdir pagefind > "$lib/pagefind.log" 2>&1; then
      pf_rss=$(awk -F': ' '/Maximum resident/ { printf "%.0f", $2 / 1024 }' "$lib/pf-time")
      pf_s=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$lib/pf-time")
      pf_mb=$(du -sk "$lib/site/pagefind" | awk '{ printf "%.1f", $1 / 1024 }')
      pf_files=$(find "$lib/site/pagefind" -type f | wc -l)
    else
      echo "pagefind did not finish:"; tail -3 "$lib/pagefind.log"
    fi
  fi
  if [ "${COLD:-1}" = 1 ]; then
    "$bin" serve "$lib/site" --port 0 2> "$lib/serve.log" &
    server=$!
    for _ in $(seq 100); do grep -q 'http://' "$lib/serve.log" && break; sleep 0.2; done
    url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$lib/serve.log" | head -1)
    engines=mcdewey; [ -n "$pf_s" ] && engines=mcdewey,pagefind
    (cd browser-tests && ENGINES=$engines node bench/bytes.mjs "$url" ../bench/queries.txt "$lib/bytes.json")
    kill "$server"; wait "$server" 2>/dev/null || true; server=""
    # Where the cold bytes go, by file kind (LABEL names the run).
    python3 bench/cold_breakdown.py "$lib/bytes.json" --tsv "$(date +%F)" "$size" "${LABEL:-}" bench/results/cold-breakdown.tsv
  fi
  python3 - "$lib/site" "$size" "$secs" "$rss_kb" "$pf_s" "$pf_rss" "$pf_mb" "$pf_files" "$results" "$lib/bytes.json" <<'PY'
import datetime, json, sys
sys.path.insert(0, "bench")
from site_bytes import measure
import os
site, size, secs, rss_kb, pf_s, pf_rss, pf_mb, pf_files, results, cold_json = sys.argv[1:]
cold = json.load(open(cold_json))["engines"] if os.path.exists(cold_json) else {}
def cold_kb(engine, stat):
    return f"{cold[engine]['bytes'][stat] / 1024:.1f}" if engine in cold else ""
files, nbytes, largest_html, largest_fetch = measure(site)
chunks = files["chunk pages"]
lib = json.load(open(f"{site}/library.json"))
docs = lib["counts"]["documents"]
index_b = sum(nbytes[k] for k in ("index fragments", "index vectors", "index terms"))
index_f = sum(files[k] for k in ("index fragments", "index vectors", "index terms"))
total_b, total_f = sum(nbytes.values()), sum(files.values())
row = [datetime.date.today().isoformat(), size, docs, chunks, secs, f"{int(rss_kb) / 1024:.0f}",
       f"{total_b / 1e6:.1f}", total_f, f"{total_b / chunks / 1024:.2f}", f"{total_f / chunks:.2f}",
       f"{index_b / 1e6:.1f}", index_f, f"{index_f / chunks:.3f}",
       f"{largest_html[0] / 1024:.0f}", f"{largest_fetch[0] / 1024:.0f}", largest_fetch[1],
       pf_s, pf_rss, pf_mb, pf_files,
       cold_kb("mcdewey", "median"), cold_kb("mcdewey", "p90"), cold_kb("pagefind", "median"), cold_kb("pagefind", "p90")]
open(results, "a").write("\t".join(map(str, row)) + "\n")
print(f"{size}: {docs} documents, {chunks} chunks; build {secs} s, peak RSS {int(rss_kb) / 1024:.0f} MB; "
      f"site {total_b / 1e6:.0f} MB in {total_f} files ({total_b / chunks / 1024:.2f} KB and {total_f / chunks:.2f} files a chunk); "
      f"index {index_b / 1e6:.0f} MB in {index_f} files; largest HTML {largest_html[0] / 1024:.0f} KB ({largest_html[1]}), "
      f"largest fetched file {largest_fetch[0] / 1024:.0f} KB ({largest_fetch[1]})")
if pf_s:
    print(f"pagefind: {pf_s} s, peak RSS {pf_rss} MB, {pf_mb} MB in {pf_files} files")
if cold:
    print("cold first-query KB (median / p90): " + ", ".join(f"{e} {cold_kb(e, 'median')} / {cold_kb(e, 'p90')}" for e in cold))
PY
  [ -n "${SCALE_WORK:-}" ] || retire "$lib"
done
echo "results appended to $results"
