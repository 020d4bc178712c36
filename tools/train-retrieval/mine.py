"""Mine (query, passage) pairs for training the static table for retrieval.

Sources (see README.md):
  --man DIR     extracted Debian packages: every man page under DIR
                (NAME line -> DESCRIPTION; .SS/extra .SH headings -> section)
                and every POD file (=head headings -> section; the perlfaq
                questions are =head2 headings)
  --html DIR    a Sphinx/DocBook HTML tree: h2-h4 headings -> section

A passage is embedded like a McDewey chunk: title, breadcrumb, text. The
query's heading is left out of its passage (otherwise the pair teaches
nothing a lexical match does not already do). Output: one JSON object per
line {"q", "p", "src"} on stdout, deduplicated, in a fixed order.
"""
import argparse
import gzip
import html.parser
import json
import os
import re
import sys
import zlib

MAX_WORDS = 160
# Every section long enough, for inverse-cloze pairs (one sentence -> the
# rest of its section): (title, breadcrumb, body).
SECTIONS = []
ICT_MIN_BODY = 40
MIN_BODY_WORDS = 20
MIN_Q_WORDS = 3

# Man page sections whose heading says nothing about the content.
BORING = {
    "name", "synopsis", "description", "options", "see also", "author", "authors",
    "bugs", "copyright", "reporting bugs", "exit status", "return value", "errors",
    "files", "environment", "examples", "example", "notes", "history", "versions",
    "standards", "conforming to", "attributes", "colophon", "library", "availability",
    "overview", "diagnostics", "caveats", "license", "acknowledgements", "thanks",
}

ESCAPES = [
    (re.compile(r"\\f(\[[^\]]*\]|\(..|.)"), ""),
    (re.compile(r"\\\*(\[[^\]]*\]|\(..|.)"), ""),
    (re.compile(r"\\\((em|en|hy|aq|dq|oq|cq|lq|rq|bu)"), " "),
    (re.compile(r"\\\[[^\]]*\]"), " "),
    (re.compile(r"\\[-e]"), "-"),
    (re.compile(r"\\[&|^%:/,]"), ""),
    (re.compile(r"\\s[-+]?\d"), ""),
    (re.compile(r"\\(.)"), r"\1"),
]


def roff_text(s):
    for pat, rep in ESCAPES:
        s = pat.sub(rep, s)
    return s.replace('"', " ").strip()


def words(s):
    return s.split()


def clip(s):
    w = words(s)
    return " ".join(w[:MAX_WORDS])


def passage(title, crumbs, body):
    return "\n".join([title] + crumbs + [clip(body)])


def man_page(path):
    """(title, [(heading, level, body)]) of a roff man page."""
    with gzip.open(path, "rt", errors="replace") as f:
        lines = f.read().splitlines()
    title = os.path.basename(path).rsplit(".", 2)[0]
    secs = []
    head, level, body = None, 0, []
    for line in lines:
        if line.startswith(".\\\"") or line.startswith("'\\\""):
            continue
        if line.startswith((".SH", ".SS", ".Sh", ".Ss")):
            if head is not None:
                secs.append((head, level, " ".join(body)))
            head = roff_text(line[3:])
            level = 1 if line[2] in "Hh" else 2
            body = []
        elif line.startswith("."):
            m = re.match(r"\.(B|I|BR|RB|IR|RI|BI|IB|SM|SB|Nm|Nd|Ar|Fl|Pa|Xr|Op|Cm|Dv|Em|Li|Sy|Va|Fn|Fa|Ft|Vt|Ev|Ql|Dq|Sq)\s+(.*)", line)
            if m and head is not None:
                body.append(roff_text(m.group(2)))
        elif head is not None:
            body.append(roff_text(line))
    if head is not None:
        secs.append((head, level, " ".join(body)))
    return title, secs


def man_pairs(path, out):
    try:
        title, secs = man_page(path)
    except (OSError, EOFError, UnicodeDecodeError):
        return
    if any(h.startswith(".so") for h, _, _ in secs):
        return
    desc = next((b for h, _, b in secs if h.lower() == "description"), "")
    name = next((b for h, _, b in secs if h.lower() == "name"), "")
    if " - " in name and len(words(desc)) >= MIN_BODY_WORDS:
        q = name.split(" - ", 1)[1].strip()
        if len(words(q)) >= MIN_Q_WORDS:
            out.append((q, passage(title, [], desc), "man-name"))
    top = None
    for h, level, b in secs:
        if level == 1:
            top = h
        crumbs = [top.title()] if level == 2 and top else []
        if len(words(b)) >= ICT_MIN_BODY and h.lower() not in ("name", "synopsis"):
            SECTIONS.append((title, crumbs, b))
        if h.lower() in BORING or len(words(b)) < MIN_BODY_WORDS:
            continue
        if len(words(h)) >= MIN_Q_WORDS:
            out.append((h, passage(title, crumbs, b), "man-heading"))


def pod_pairs(path, out):
    title = os.path.basename(path)[:-4]
    if "delta" in title:
        return
    with open(path, errors="replace") as f:
        text = f.read()
    secs = []
    head, level, body = None, 0, []
    for line in text.splitlines():
        m = re.match(r"=head(\d)\s+(.*)", line)
        if m:
            if head is not None:
                secs.append((head, level, " ".join(body)))
            head, level, body = m.group(2).strip(), int(m.group(1)), []
        elif line.startswith("="):
            continue
        elif head is not None:
            body.append(re.sub(r"[A-Z]<+\s*([^>]*?)\s*>+", r"\1", line))
    if head is not None:
        secs.append((head, level, " ".join(body)))
    top = None
    for h, level, b in secs:
        h = re.sub(r"[A-Z]<+\s*([^>]*?)\s*>+", r"\1", h)
        if level == 1:
            top = h
        crumbs = [top.title()] if level > 1 and top else []
        if len(words(b)) >= ICT_MIN_BODY and h.lower() not in ("name", "synopsis"):
            SECTIONS.append((title, crumbs, b))
        if h.lower() in BORING or len(words(b)) < MIN_BODY_WORDS or len(words(h)) < MIN_Q_WORDS:
            continue
        src = "perlfaq" if title.startswith("perlfaq") else "pod-heading"
        out.append((h, passage(title, crumbs, b), src))


class Sections(html.parser.HTMLParser):
    """Text of an HTML page cut at h1-h4, skipping scripts, styles and navigation."""

    SKIP = {"script", "style", "nav", "header", "footer"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.secs = []  # [level, heading, [text]]
        self.title = ""
        self.skip = 0
        self.in_h = None
        self.in_title = False

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        if tag in self.SKIP or "sphinxsidebar" in cls or "navheader" in cls or "navfooter" in cls or "related" in cls:
            self.skip += 1
            self.skip_tag = tag
        elif tag == "title":
            self.in_title = True
        elif re.fullmatch(r"h[1-4]", tag) and not self.skip:
            self.in_h = int(tag[1])
            self.secs.append([self.in_h, "", []])

    def handle_endtag(self, tag):
        if self.skip and tag in self.SKIP | {"div"}:
            if tag == getattr(self, "skip_tag", None):
                self.skip -= 1
        elif tag == "title":
            self.in_title = False
        elif re.fullmatch(r"h[1-4]", tag):
            self.in_h = None

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        if self.skip or not self.secs:
            return
        if self.in_h is not None:
            self.secs[-1][1] += data
        else:
            self.secs[-1][2].append(data)


def clean_heading(h):
    """A heading without its section number and permalink sign."""
    h = " ".join(h.replace("\u00b6", " ").split()).rstrip("#").strip()
    return re.sub(r"^(?:[0-9]+(?:\.[0-9]+)*\.?|[A-Z](?:\.[0-9]+)*\.)\s+", "", h)


def html_pairs(path, out):
    p = Sections()
    try:
        with open(path, errors="replace") as f:
            p.feed(f.read())
    except Exception:  # a malformed page is skipped, the set goes on
        return
    title = " ".join(p.title.split())
    stack = []
    for level, h, body in p.secs:
        h = clean_heading(h)
        b = " ".join(" ".join(body).split())
        stack = [(l, t) for l, t in stack if l < level]
        if len(words(b)) >= ICT_MIN_BODY:
            SECTIONS.append((title, [t for l, t in stack if l > 1] + [h], b))
        if level >= 2 and len(words(h)) >= MIN_Q_WORDS and len(words(b)) >= MIN_BODY_WORDS:
            crumbs = [t for l, t in stack if l > 1]
            out.append((h, passage(title, crumbs, b), "html-heading"))
        stack.append((level, h))


SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def ict_pairs(out, per_section):
    """Inverse cloze: up to `per_section` sentences of a section (chosen by
    a hash of the section, so reruns agree), each -> the section without it."""
    for title, crumbs, body in SECTIONS:
        sents = SENTENCE.split(body)
        cands = [k for k, x in enumerate(sents) if 6 <= len(words(x)) <= 30 and re.search(r"[a-z]{3}", x)]
        if len(sents) < 3 or not cands:
            continue
        first = zlib.crc32(body.encode()) % len(cands)
        step = max(1, len(cands) // per_section)
        for j in range(min(per_section, len(cands))):
            k = cands[(first + j * step) % len(cands)]
            rest = " ".join(sents[:k] + sents[k + 1:])
            out.append((sents[k], passage(title, crumbs, rest), "ict"))


def walk(root, suffixes):
    for d, subdirs, files in os.walk(root):
        subdirs.sort()
        for f in sorted(files):
            if f.endswith(suffixes):
                yield os.path.join(d, f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--man", action="append", default=[])
    ap.add_argument("--html", action="append", default=[])
    ap.add_argument("--ict", type=int, default=0, metavar="N",
                    help="add up to N inverse-cloze pairs per section")
    ap.add_argument("--sections", metavar="FILE",
                    help="also write every section long enough as a passage, one JSON string a line "
                         "(texts for tools/train-regression)")
    a = ap.parse_args()
    out = []
    for root in a.man:
        for f in walk(root, (".gz", ".pod")):
            if f.endswith(".pod"):
                pod_pairs(f, out)
            elif "/man/" in f and "/man/man" in f:
                man_pairs(f, out)
    for root in a.html:
        for f in walk(root, (".html", ".htm")):
            if not f.endswith("-all.html"):  # a page that concatenates the others
                html_pairs(f, out)
    if a.ict:
        ict_pairs(out, a.ict)
    if a.sections:
        with open(a.sections, "w") as f:
            for title, crumbs, body in SECTIONS:
                f.write(json.dumps(passage(title, crumbs, body)) + "\n")
    seen = set()
    counts = {}
    for q, p, src in out:
        key = q.lower()
        if key in seen:
            continue  # a heading that repeats (e.g. "Return value") is not a query for one section
        seen.add(key)
        counts[src] = counts.get(src, 0) + 1
        print(json.dumps({"q": q, "p": p, "src": src}))
    print(json.dumps(counts), file=sys.stderr)


if __name__ == "__main__":
    main()
