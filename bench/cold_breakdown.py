#!/usr/bin/env python3
"""Where the cold first-query bytes go, by file kind.

Reads the JSON of browser-tests/bench/bytes.mjs (McDewey rows) and prints,
per kind of file, the mean bytes a query fetched before its first results
showed and the share of the total; with --tsv DATE SIZE LABEL OUT it also
appends one row per kind to OUT.

    python3 bench/cold_breakdown.py bytes.json
    python3 bench/cold_breakdown.py bytes.json --tsv 2026-12-03 60k format3 bench/results/cold-breakdown.tsv
"""
import json
import os
import sys
from urllib.parse import urlparse

KINDS = [
    ("engine (wasm + js glue)", lambda p: p.startswith("/_static/engine/") or p.endswith("search-worker.js")),
    ("page, css, other js", lambda p: not p.startswith("/_search/")),
    ("manifest.bin", lambda p: p == "/_search/manifest.bin"),
    ("shard directory s/", lambda p: p.startswith("/_search/s/")),
    ("term shards t/", lambda p: p.startswith("/_search/t/")),
    ("position shards p/", lambda p: p.startswith("/_search/p/")),
    ("twin blocks w/", lambda p: p.startswith("/_search/w/")),
    ("document blocks d/", lambda p: p.startswith("/_search/d/")),
    ("fragments f/", lambda p: p.startswith("/_search/f/")),
    ("copy fragments c/", lambda p: p.startswith("/_search/c/")),
    ("semantic e/ (vocab, centroids, token rows)", lambda p: p.startswith("/_search/e/")),
    ("vector partitions v/", lambda p: p.startswith("/_search/v/")),
    ("other index files", lambda p: True),
]


def kind_of(url):
    path = urlparse(url).path
    for name, test in KINDS:
        if test(path):
            return name
    return "other"


def breakdown(rows, key):
    per_kind = {name: 0 for name, _ in KINDS}
    largest = {name: (0, "") for name, _ in KINDS}
    for r in rows:
        for entry in r.get(key, []):
            url, n = entry.rsplit(" ", 1)
            k = kind_of(url)
            per_kind[k] += int(n)
            if int(n) > largest[k][0]:
                largest[k] = (int(n), urlparse(url).path)
    q = max(len(rows), 1)
    return {k: v / q for k, v in per_kind.items()}, largest


def main():
    args = sys.argv[1:]
    data = json.load(open(args[0]))
    rows = data["engines"]["mcdewey"]["rows"]
    key = "first_urls" if all("first_urls" in r for r in rows) else "urls"
    mean, largest = breakdown(rows, key)
    total = sum(mean.values())
    print(f"{len(rows)} queries, mean bytes per query by kind ({'until first results' if key == 'first_urls' else 'all requests'}):")
    for k, v in mean.items():
        if v:
            print(f"  {k:45s} {v / 1024:8.1f} KB  {100 * v / total:5.1f}%   largest {largest[k][0] / 1024:.1f} KB {largest[k][1]}")
    print(f"  {'total':45s} {total / 1024:8.1f} KB")
    if len(args) >= 6 and args[1] == "--tsv":
        date, size, label, out = args[2:6]
        new = not os.path.exists(out)
        with open(out, "a") as f:
            if new:
                f.write("date\tsize\tlabel\tkind\tmean_kb\tshare\tlargest_kb\tlargest\n")
            for k, v in mean.items():
                if v:
                    f.write(f"{date}\t{size}\t{label}\t{k}\t{v / 1024:.1f}\t{v / total:.3f}\t{largest[k][0] / 1024:.1f}\t{largest[k][1]}\n")


if __name__ == "__main__":
    main()
