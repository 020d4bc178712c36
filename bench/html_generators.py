"""Import fidelity per HTML generator: the sample library's Markdown is
rendered by real documentation generators, imported back with
`mcdewey import html`, and compared with the source it came from.

    python3 bench/html_generators.py SRC_DIR IMPORTED_DIR... > table

SRC_DIR holds the flattened source documents (`<name>.md`); each
IMPORTED_DIR holds one generator's import, where a document is `<name>.md`,
`<name>/index.md`, or a folder `<name>/` of pages (split manuals such as
texinfo's, read in file-name order). Counted per generator, over words
(lowercase letters and digits; front matter, HTML comments and link
targets left out on both sides):

- recall: the share of the source's words found in the import (as a
  multiset), so lost text shows;
- extra: the share of the import's words that are not in the source:
  navigation, labels and other chrome that leaked into the text;
- fences, table rows, list items: how many of the source's survive.

Headings are not compared: a split manual's node headings become titles.
"""
import collections
import os
import re
import sys

WORD = re.compile(r"[a-z0-9]+")
FRONT = re.compile(r"(?s)\A(?:---|\+\+\+)\n.*?\n(?:---|\+\+\+)\n")
STRUCT = (
    ("fences", re.compile(r"(?m)^```")),
    ("rows", re.compile(r"(?m)^\|")),
    ("items", re.compile(r"(?m)^\s*(?:[-*]|\d+\.) ")),
)


def clean(text):
    text = FRONT.sub("", text)
    text = re.sub(r"(?s)<!--.*?-->", "", text)
    return re.sub(r"\]\([^)]*\)", "]", text)


def imported(root, name):
    single = [os.path.join(root, name + ".md"), os.path.join(root, name, "index.md")]
    folder = os.path.join(root, name)
    if os.path.isdir(folder) and len(os.listdir(folder)) > 1:
        parts = []
        for dirpath, _, files in sorted(os.walk(folder)):
            parts += [
                FRONT.sub("", open(os.path.join(dirpath, f)).read())
                for f in sorted(files)
                if f.endswith(".md")
            ]
        return "\n".join(parts)
    for p in single:
        if os.path.exists(p):
            return open(p).read()
    return ""


def score(src, root):
    got = want = both = 0
    found = collections.Counter()
    expected = collections.Counter()
    missing = 0
    leaked = collections.Counter()
    for f in sorted(os.listdir(src)):
        if not f.endswith(".md") or f == "index.md":
            continue
        name = f[:-3]
        s_text = clean(open(os.path.join(src, f)).read())
        o_raw = imported(root, name)
        if not o_raw:
            missing += 1
        o_text = clean(o_raw)
        s = collections.Counter(WORD.findall(s_text.lower()))
        o = collections.Counter(WORD.findall(o_text.lower()))
        want += sum(s.values())
        got += sum(o.values())
        both += sum((s & o).values())
        leaked.update(o - s)
        for key, rx in STRUCT:
            expected[key] += len(rx.findall(s_text))
            found[key] += len(rx.findall(o_text))
    cells = [
        os.path.basename(root.rstrip("/")),
        f"{both / max(want, 1):.4f}",
        f"{(got - both) / max(got, 1):.4f}",
    ]
    cells += [f"{found[k]}/{expected[k]}" for k, _ in STRUCT]
    cells.append(str(missing))
    cells.append(", ".join(f"{w} {n}" for w, n in leaked.most_common(6)) or "-")
    return cells


def main():
    src, roots = sys.argv[1], sys.argv[2:]
    print("| generator | recall | extra | fences | table rows | list items | documents missing | most frequent extra words |")
    print("|---|---|---|---|---|---|---|---|")
    for root in roots:
        print("| " + " | ".join(score(src, root)) + " |")


if __name__ == "__main__":
    main()
