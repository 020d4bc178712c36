#!/usr/bin/env python3
"""Where a built site's bytes go: bytes and files by kind, per chunk.

usage: site_bytes.py SITE [LABEL] [--tsv FILE]

Prints a table and, with --tsv, appends one row per kind (date, label, kind,
files, bytes, bytes per chunk) to FILE. The chunk count is the number of
chunk views (`c/N.html`). Also prints the largest HTML page and the largest
file a browser may fetch.
"""
import datetime
import os
import sys

KINDS = [
    ("chunk pages", "c/N.html: one HTML page per chunk"),
    ("page views", "p/N.html: one HTML page per page"),
    ("raw markdown", "p/N.md and index.md per document"),
    ("document.json", "per-document data for /mcp and agents"),
    ("document pages", "index.html of each document"),
    ("navigation pages", "home, product, version, doc set pages"),
    ("index fragments", "_search/f/ and _search/c/: display data of results"),
    ("index vectors", "_search/v/ and _search/e/: semantic search"),
    ("index terms", "_search/ manifest, docs, t/, p/ and the rest"),
    ("static", "_static/: theme, scripts, WASM engine"),
    ("other", "library.json, llms.txt, sitemaps, 404"),
]


def kind_of(rel, doc_dirs):
    parts = rel.split("/")
    name = parts[-1]
    if parts[0] == "_search":
        if len(parts) > 1 and parts[1] in ("f", "c"):
            return "index fragments"
        if len(parts) > 1 and parts[1] in ("v", "e"):
            return "index vectors"
        return "index terms"
    if parts[0] == "_static":
        return "static"
    if len(parts) >= 2 and parts[-2] == "c" and name.endswith(".html"):
        return "chunk pages"
    if len(parts) >= 2 and parts[-2] == "p" and name.endswith(".html"):
        return "page views"
    if name.endswith(".md"):
        return "raw markdown"
    if name == "document.json":
        return "document.json"
    if name.endswith(".html") and name != "404.html":
        # A directory with a document.json is a document's; anything else
        # (home, product, version, doc set, paginated lists) is navigation.
        if name == "index.html" and "/".join(parts[:-1]) in doc_dirs:
            return "document pages"
        return "navigation pages"
    return "other"


def measure(site):
    """Bytes and files by kind, the largest HTML page and the largest file a
    browser fetches, each as (bytes, path)."""
    files = {k: 0 for k, _ in KINDS}
    size = {k: 0 for k, _ in KINDS}
    largest_html = (0, "")
    largest_fetch = (0, "")
    doc_dirs = set()
    for root, _dirs, names in os.walk(site):
        if "document.json" in names:
            doc_dirs.add(os.path.relpath(root, site))
    for root, _dirs, names in os.walk(site):
        for n in names:
            path = os.path.join(root, n)
            rel = os.path.relpath(path, site)
            if rel.startswith(".") or rel.startswith("pagefind"):
                continue
            b = os.path.getsize(path)
            k = kind_of(rel, doc_dirs)
            files[k] += 1
            size[k] += b
            if rel.endswith(".html") and b > largest_html[0]:
                largest_html = (b, rel)
            # What the site's pages and search fetch (sitemaps, llms.txt and
            # the JSON for agents are not fetched by a browser).
            browser = rel.endswith(".html") or rel.startswith(("_search/", "_static/"))
            if browser and b > largest_fetch[0]:
                largest_fetch = (b, rel)
    return files, size, largest_html, largest_fetch


def main():
    args = sys.argv[1:]
    tsv = None
    if "--tsv" in args:
        i = args.index("--tsv")
        tsv = args[i + 1]
        del args[i : i + 2]
    site = args[0]
    label = args[1] if len(args) > 1 else os.path.basename(os.path.abspath(site))
    files, size, largest_html, largest_fetch = measure(site)
    chunks = max(files["chunk pages"], 1)
    total_b = sum(size.values())
    total_f = sum(files.values())
    print(f"{label}: {files['chunk pages']} chunks, {total_f} files, {total_b / 1e6:.1f} MB")
    print(f"{'kind':<18}{'files':>9}{'MB':>9}{'B/chunk':>9}{'files/chunk':>12}  share")
    rows = []
    for k, _ in KINDS:
        rows.append((k, files[k], size[k]))
        print(
            f"{k:<18}{files[k]:>9}{size[k] / 1e6:>9.1f}{size[k] / chunks:>9.0f}"
            f"{files[k] / chunks:>12.3f}  {100 * size[k] / max(total_b, 1):5.1f}%"
        )
    rows.append(("total", total_f, total_b))
    print(f"{'total':<18}{total_f:>9}{total_b / 1e6:>9.1f}{total_b / chunks:>9.0f}{total_f / chunks:>12.3f}")
    print(f"largest HTML page: {largest_html[1]} ({largest_html[0] / 1024:.0f} KB)")
    print(f"largest file a browser fetches: {largest_fetch[1]} ({largest_fetch[0] / 1024:.0f} KB)")
    if tsv:
        new = not os.path.exists(tsv)
        with open(tsv, "a") as f:
            if new:
                f.write("date\tsite\tchunks\tkind\tfiles\tbytes\tbytes_per_chunk\tfiles_per_chunk\n")
            day = datetime.date.today().isoformat()
            for k, nf, nb in rows:
                f.write(f"{day}\t{label}\t{chunks}\t{k}\t{nf}\t{nb}\t{nb / chunks:.0f}\t{nf / chunks:.3f}\n")
            f.write(f"{day}\t{label}\t{chunks}\tlargest html ({largest_html[1]})\t1\t{largest_html[0]}\t\t\n")


if __name__ == "__main__":
    main()
