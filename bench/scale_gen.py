#!/usr/bin/env python3
"""Generates a library of about N chunks from the shared Markdown corpora.

usage: scale_gen.py SHARED OUT_CONTENT TARGET_CHUNKS

Every source tree (PowerShell 5 versions, etcd's versions, Prometheus,
Node.js 18 and 20) is copied as many times as needed, each copy a distinct
product (`powershell-c002`, vendor "Copy 2"), and every paragraph of a copy
gets a per-copy word so that identical passages of different copies are not
merged into one search result. The number of chunks is estimated from the
words (calibrated on the PowerShell build: 71 words a chunk); the
build reports the real count.
"""
import os
import sys

WORDS_PER_CHUNK = 71


def sources(shared):
    md = os.path.join(shared, "corpora", "markdown")
    out = []
    ps = os.path.join(md, "powershell", "reference")
    out.append(("powershell", [(v, os.path.join(ps, v)) for v in ("5.1", "7.4", "7.5", "7.6", "7.7")]))
    etcd = os.path.join(md, "etcd", "content", "en", "docs")
    out.append(("etcd", [(v, os.path.join(etcd, v)) for v in sorted(os.listdir(etcd)) if v.startswith("v")]))
    out.append(("prometheus", [("current", os.path.join(md, "prometheus", "docs"))]))
    out.append(("nodejs", [(v, os.path.join(md, "nodejs", v)) for v in ("18", "20")]))
    return [(name, [(v, p) for v, p in versions if os.path.isdir(p)]) for name, versions in out]


def markdown_files(root):
    for dirpath, dirs, names in os.walk(root):
        dirs.sort()
        for n in sorted(names):
            if n.endswith(".md"):
                yield os.path.join(dirpath, n)


def mark(text, tag):
    """Appends `tag` to the last line of every paragraph, list and heading;
    front matter, fenced code, tables and HTML lines stay as they are."""
    lines = text.split("\n")
    out = []
    fence = None
    front = bool(lines) and lines[0].strip() in ("---", "+++")
    for i, line in enumerate(lines):
        s = line.strip()
        if front:
            out.append(line)
            if i > 0 and s in ("---", "+++"):
                front = False
            continue
        if fence:
            out.append(line)
            if s.startswith(fence):
                fence = None
            continue
        if s.startswith("```") or s.startswith("~~~"):
            fence = s[:3]
            out.append(line)
            continue
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        ends_block = s and not nxt
        plain = not s.startswith(("|", "<", "[", "{", "---", "***", "===", "+++"))
        out.append(f"{line} {tag}" if ends_block and plain else line)
    return "\n".join(out)


def words_of(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return len(f.read().split())


def main():
    shared, out, target = sys.argv[1], sys.argv[2], int(sys.argv[3])
    srcs = sources(shared)
    sizes = {}
    for name, versions in srcs:
        sizes[name] = sum(words_of(p) for _, root in versions for p in markdown_files(root)) / WORDS_PER_CHUNK
    estimate = 0
    copy = 0
    made = []
    while estimate < target:
        copy += 1
        for name, versions in srcs:
            if estimate >= target:
                break
            product = f"{name}-c{copy:03d}"
            pdir = os.path.join(out, product)
            os.makedirs(pdir, exist_ok=True)
            order = ", ".join(f'"{v}"' for v, _ in reversed(versions))
            with open(os.path.join(pdir, "product.toml"), "w") as f:
                f.write(f'vendor = "Copy {copy}"\nname = "{name} (copy {copy})"\nversions = [{order}]\n')
            tag = f"k{copy}x"
            for v, root in versions:
                for src in markdown_files(root):
                    rel = os.path.relpath(src, root)
                    dst = os.path.join(pdir, v, rel)
                    os.makedirs(os.path.dirname(dst), exist_ok=True)
                    with open(src, encoding="utf-8", errors="replace") as f:
                        text = f.read()
                    with open(dst, "w", encoding="utf-8") as f:
                        f.write(mark(text, tag))
            estimate += sizes[name]
            made.append(product)
    print(f"{len(made)} products, about {estimate:.0f} chunks estimated: {' '.join(made)}")


if __name__ == "__main__":
    main()
