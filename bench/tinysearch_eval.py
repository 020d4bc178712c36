#!/usr/bin/env python3
"""tinysearch next to McDewey on one built site.

usage: tinysearch_eval.py SITE TINYSEARCH MCDEWEY WORKDIR RESULTS_TSV

Feeds tinysearch one post per page view (the text of the page's chunks, from
document.json), builds its storage and, when it can, its WASM module (what a
browser downloads before the first query), and asks both engines the same
queries: identifiers with digits, hyphenated names, phrases, a prefix and a
typo. The truth for a query is the set of pages whose text holds it (case
insensitive, not inside a longer word). For each engine: pages among its top
10 that hold the query, and (tinysearch, which returns every match) recall.
"""
import datetime
import glob
import json
import os
import re
import subprocess
import sys
import time

QUERIES = [
    ("identifier with digits", "Win32_Process"),
    ("identifier with digits", "UTF8NoBOM"),
    ("identifier with digits", "Tls12"),
    ("identifier with digits", "SHA256"),
    ("identifier with digits", "x64"),
    ("identifier with digits", "IPv6"),
    ("hyphenated name", "ConvertTo-Json"),
    ("hyphenated name", "Get-CimInstance"),
    ("phrase", "execution policy"),
    ("phrase", "pipeline input"),
    ("phrase", "script block logging"),
    ("phrase", "remote session"),
    ("prefix (typing)", "ConvertTo-Js"),
    ("typo", "Get-Procss"),
]


def chunks_of(base, d):
    """(page, Markdown) of each chunk of a document.json (site format 3:
    columns; Markdown as [gap, length, ...] byte ranges of the page's p/N.md
    joined by a blank line, or the chunk's own text in `text`)."""
    cols = d["chunks"]
    pages = cols.get("page") or [
        p["number"] for p in d["pages"] for _ in range(p.get("chunks", 0))
    ]
    texts = dict((i, t) for i, t in cols.get("text", []))
    out, files, prev, cursor = [], {}, None, 0
    for i, md in enumerate(cols["md"]):
        page = pages[i]
        if page != prev:
            prev, cursor = page, 0
        if page not in files:
            files[page] = open(os.path.join(base, "p", f"{page}.md"), "rb").read()
        parts = []
        for gap, length in zip(md[::2], md[1::2]):
            a = cursor + gap
            cursor = a + length
            parts.append(files[page][a:cursor].decode())
        out.append((page, texts.get(i, "\n\n".join(parts))))
    return out


def posts_of(site):
    posts = []
    for f in sorted(glob.glob(os.path.join(site, "**", "document.json"), recursive=True)):
        d = json.load(open(f))
        base = os.path.dirname(f)
        by_page = {}
        for page, md in chunks_of(base, d):
            by_page.setdefault(page, []).append(md)
        for p in d["pages"]:
            body = "\n\n".join(by_page.get(p["number"], []))
            title = f"{d['title']} · {p.get('title') or p['number']}"
            url = os.path.relpath(os.path.join(base, "p", f"{p['number']}.html"), site)
            posts.append({"title": title, "url": url, "body": body})
    return posts


def holds(text, q):
    return re.search(r"(?<![\w-])" + re.escape(q) + r"(?![\w])", text, re.I) is not None


def run(cmd, **kw):
    t = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    return r, time.time() - t


def main():
    site, ts, mcd, work, results = sys.argv[1:6]
    os.makedirs(work, exist_ok=True)
    posts = posts_of(site)
    posts_path = os.path.join(work, "posts.json")
    json.dump(posts, open(posts_path, "w"))
    text = {p["url"]: p["title"] + "\n" + p["body"] for p in posts}
    print(f"{len(posts)} pages, {os.path.getsize(posts_path) / 1e6:.1f} MB of posts")

    storage_dir = os.path.join(work, "storage")
    os.makedirs(storage_dir, exist_ok=True)
    r, storage_s = run([ts, "-m", "storage", "-p", storage_dir, posts_path])
    if r.returncode != 0:
        sys.exit(f"tinysearch storage failed: {r.stderr[-2000:]}")
    storage = os.path.join(storage_dir, "storage")
    storage_b = os.path.getsize(storage)
    print(f"tinysearch storage: {storage_b / 1e6:.2f} MB in {storage_s:.1f} s")

    wasm_dir = os.path.join(work, "wasm")
    wasm_note = ""
    wasm_b = js_b = 0
    r, wasm_s = run([ts, "-m", "wasm", "--release", "-p", wasm_dir, posts_path])
    if r.returncode == 0:
        for f in os.listdir(wasm_dir):
            b = os.path.getsize(os.path.join(wasm_dir, f))
            if f.endswith(".wasm"):
                wasm_b += b
            elif f.endswith(".js"):
                js_b += b
        print(f"tinysearch wasm: {wasm_b / 1e6:.2f} MB module + {js_b / 1e3:.1f} KB JS, built in {wasm_s:.0f} s")
    else:
        wasm_note = (r.stderr or r.stdout).strip().splitlines()[-1][:300] if (r.stderr or r.stdout).strip() else "failed"
        print(f"tinysearch wasm mode failed after {wasm_s:.0f} s: {wasm_note}")

    rows = []
    print(f"{'kind':<24}{'query':<22}{'truth':>6}{'ts hits':>8}{'ts recall':>10}{'ts top10':>9}{'ours top10':>11}")
    for kind, q in QUERIES:
        truth = {u for u, t in text.items() if holds(t, q)}
        r, _ = run([ts, "-m", "search", "-S", q, "-N", "100000", storage])
        hits = re.findall(r"Url: ([^,]+),", r.stdout)
        hit_set = set(hits)
        recall = len(hit_set & truth) / len(truth) if truth else float("nan")
        ts_top = sum(1 for u in hits[:10] if u in truth)
        query = f'"{q}"' if kind == "phrase" else q
        args = [mcd, "search", site, query, "--json", "-n", "10"]
        if kind.startswith("prefix"):
            args.append("--prefix")
        r, _ = run(args)
        ours = [h["url"].split("#")[0] for h in json.loads(r.stdout)["hits"]] if r.returncode == 0 else []
        # A typo or a prefix is not in the text: count results holding the intended word.
        target = {"ConvertTo-Js": "ConvertTo-Json", "Get-Procss": "Get-Process"}.get(q, q)
        good = lambda u: holds(text.get(u, ""), target)
        ts_top = sum(1 for u in hits[:10] if good(u))
        our_top = sum(1 for u in ours[:10] if good(u))
        print(f"{kind:<24}{q:<22}{len(truth):>6}{len(hits):>8}{recall:>10.2f}{ts_top:>6}/{min(10, len(hits)):<2}{our_top:>8}/{min(10, len(ours))}")
        rows.append((kind, q, len(truth), len(hits), recall, ts_top, min(10, len(hits)), our_top, min(10, len(ours))))

    new = not os.path.exists(results)
    with open(results, "a") as f:
        if new:
            f.write("date\tpages\tstorage_bytes\tstorage_s\twasm_bytes\tjs_bytes\twasm_s\tkind\tquery\ttruth_pages\tts_hits\tts_recall\tts_top10_good\tts_top10\tours_top10_good\tours_top10\n")
        day = datetime.date.today().isoformat()
        for row in rows:
            f.write("\t".join(map(str, (day, len(posts), storage_b, f"{storage_s:.1f}", wasm_b, js_b, f"{wasm_s:.0f}") + row[:4] + (f"{row[4]:.2f}",) + row[5:])) + "\n")
    if wasm_note:
        print(f"note: wasm mode: {wasm_note}")


if __name__ == "__main__":
    main()
