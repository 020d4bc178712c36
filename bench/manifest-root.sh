#!/usr/bin/env bash
# Manifest benchmark: the file every cold query fetches, on the PowerShell
# docs from ../shared (5 versions). Builds the site, prints the manifest's
# bytes (raw and gzip -9) per section and the block files that left it, then
# measures cold first-query bytes in headless Chromium (bench/queries.txt, a
# fresh browser profile per query; Pagefind too with PAGEFIND=1).
# Appends a row to bench/results/manifest-root.tsv.
# Usage: bash bench/manifest-root.sh [LABEL]   (MCDEWEY_BIN picks the binary;
# SITE=DIR measures an already built site instead of building one.)
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${MCDEWEY_SHARED:-../shared}"
[ -d "$shared/corpora" ] || { echo "skipping: $shared/corpora not found"; exit 0; }
shared="$(cd "$shared" && pwd)"
label="${1:-$(git rev-parse --short HEAD)}"
if [ -z "${MCDEWEY_BIN:-}" ]; then
  cargo build --release -q -p mcdewey
  MCDEWEY_BIN="$PWD/target/release/mcdewey"
fi
work="$(mktemp -d)"
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
server=""
site="${SITE:-}"
if [ -z "$site" ]; then
  mkdir -p "$work/content/powershell"
  for v in 5.1 7.4 7.5 7.6 7.7; do
    ln -s "$shared/corpora/markdown/powershell/reference/$v" "$work/content/powershell/$v"
  done
  # The content is symlinked in from ../shared: allow it, or nothing is built.
  printf '[content]\nsymlink_roots = ["%s"]\n' "$shared/corpora" > "$work/mcdewey.toml"
  "$MCDEWEY_BIN" build "$work/content" --out "$work/site" --config "$work/mcdewey.toml" 2> "$work/build.log"
  grep '^Built' "$work/build.log"
  site="$work/site"
fi

# Manifest sections and the block files, from the envelope and section
# directory described in search-core/README.md.
python3 - "$site/_search" "$label" > "$work/sizes.tsv" <<'PY'
import gzip, os, struct, sys
d, label = sys.argv[1], sys.argv[2]
def varint(b, i):
    v = s = 0
    while True:
        x = b[i]; i += 1; v |= (x & 0x7F) << s; s += 7
        if x < 0x80: return v, i
b = open(os.path.join(d, "manifest.bin"), "rb").read()
version = struct.unpack("<H", b[4:6])[0]
p = b[16:-4]
n, i = varint(p, 0)
dirs = []
for _ in range(n):
    k, i = varint(p, i); i += 1; l, i = varint(p, i); dirs.append((k, l))
names = {1: "settings", 2: "shard table", 3: "facets", 4: "fragments", 5: "blocks", 16: "semantic", 17: "twins", 18: "changes"}
for k, l in dirs:
    body = p[i:i + l]; i += l
    print(f"  section {k} {names.get(k, '?')}: {l} B raw, {len(gzip.compress(body, 9))} B gzip", file=sys.stderr)
gz = len(gzip.compress(b, 9))
print(f"manifest.bin (format {version}): {len(b)} B raw, {gz} B gzip -9", file=sys.stderr)
for sub, what in (("d", "document blocks"), ("w", "twin blocks")):
    path = os.path.join(d, sub)
    if os.path.isdir(path):
        fs = [open(os.path.join(path, f), "rb").read() for f in os.listdir(path)]
        print(f"{what} {sub}/: {len(fs)} files, {sum(map(len, fs))} B raw, largest {max(map(len, fs))} B", file=sys.stderr)
print(f"{label}\t{version}\t{len(b)}\t{gz}")
PY
read -r _ version raw gz < "$work/sizes.tsv"

(cd browser-tests && npm install --no-audit --no-fund --silent)
engines=mcdewey
if [ "${PAGEFIND:-0}" = 1 ]; then
  browser-tests/node_modules/.bin/pagefind --site "$site" --glob "**/p/*.html" --output-subdir pagefind > "$work/pagefind.log" 2>&1
  engines=mcdewey,pagefind
fi
"$MCDEWEY_BIN" serve "$site" --port 0 2> "$work/serve.log" &
server=$!
for _ in $(seq 100); do grep -q 'http://' "$work/serve.log" && break; sleep 0.2; done
url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/serve.log" | head -1)
mkdir -p bench/results
json="bench/results/manifest-root-$label.json"
(cd browser-tests && ENGINES=$engines node bench/bytes.mjs "$url" ../bench/queries.txt "../$json")
python3 - "$json" "$label" "$version" "$raw" "$gz" <<'PY'
import datetime, json, sys
path, label, version, raw, gz = sys.argv[1:6]
r = json.load(open(path))
m = r["engines"]["mcdewey"]
pf = r["engines"].get("pagefind")
row = [datetime.date.today().isoformat(), label, version, raw, gz, str(r["queries"]),
       f'{m["bytes"]["median"] / 1024:.1f}', f'{m["bytes"]["p90"] / 1024:.1f}', str(m["requests"]["median"]), str(m["rounds"]["median"]),
       f'{pf["bytes"]["median"] / 1024:.1f}' if pf else "", f'{r["ratios"]["bytes_median"]:.2f}' if pf else ""]
out = "bench/results/manifest-root.tsv"
try:
    open(out).close()
except FileNotFoundError:
    open(out, "w").write("date\tlabel\tformat\tmanifest_raw_b\tmanifest_gzip_b\tqueries\tcold_median_kb\tcold_p90_kb\trequests_median\trounds_median\tpagefind_median_kb\tratio\n")
open(out, "a").write("\t".join(row) + "\n")
print("\t".join(row))
PY
