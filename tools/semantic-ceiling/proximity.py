"""What term proximity would add to the engine's lexical ranking, on the
doc-QA questions.

    cargo run --release -p mcdewey --example qa_eval -- --dump DUMP_DIR
    python3 proximity.py DUMP_DIR [--depth 100] [--write OUT_DIR --window W --weight A]

Re-ranks the engine's `depth` best lexical results of each question by
    score / best + a * cover_W
where cover_W is the share of the question's content-word IDF that the
densest window of W words of the chunk holds (each distinct word once), for
questions of two or more content words. A buried answer (a short passage
inside a long chunk about something else) has its words together; a chunk
that mentions them far apart does not.

An approximation of the engine's analysis: words are runs of letters,
digits and underscores, lowercased and stemmed by Snowball's English
stemmer (PyPI snowballstemmer), without the engine's stop words and the
usual question phrasing; IDF over the dump's chunks. With --write, the
dump is copied to OUT_DIR with each question's lexical scores re-ranked so
(best x (score / best + a x cover)), for engine_loss.py to blend.
"""
import argparse
import json
import math
import os
import re
import sys
from collections import defaultdict

import snowballstemmer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from docqa import lexical, load, tally  # noqa: E402
from engine_loss import GROUPS, in_group  # noqa: E402

STOP = set(
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with".split())
PHRASING = set(
    "how do does did can could i what which when where why who is are should would my me we "
    "you your way get use using want need make".split())
WORD = re.compile(r"[A-Za-z0-9_]+")
WINDOWS = (8, 16, 32, 64)
WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 1.0)


def densest(positions, weight, width):
    """Most weight of distinct terms inside any window of `width` words."""
    events = sorted((p, t) for t, ps in positions.items() for p in ps)
    count, mass, best, j = defaultdict(int), 0.0, 0.0, 0
    for p, t in events:
        if count[t] == 0:
            mass += weight[t]
        count[t] += 1
        while events[j][0] <= p - width:
            u = events[j][1]
            count[u] -= 1
            if count[u] == 0:
                mass -= weight[u]
            j += 1
        best = max(best, mass)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump")
    ap.add_argument("--depth", type=int, default=100)
    ap.add_argument("--write")
    ap.add_argument("--window", type=int, default=16)
    ap.add_argument("--weight", type=float, default=0.2)
    a = ap.parse_args()
    chunks, questions = load(a.dump)
    stem = snowballstemmer.stemmer("english").stemWord
    words = {c["id"]: [stem(w.lower()) for w in WORD.findall(c["text"])] for c in chunks}
    df = defaultdict(int)
    for ws in words.values():
        for w in set(ws):
            df[w] += 1
    n = len(chunks)
    idf = {w: math.log(1 + (n - k + 0.5) / (k + 0.5)) for w, k in df.items()}
    # Per question: (chunk, score / best, {width: cover}) for its depth best.
    feats = []
    for q in questions:
        weight = {}
        for w in WORD.findall(q["text"]):
            if w.lower() not in STOP and w.lower() not in PHRASING:
                s = stem(w.lower())
                weight[s] = idf.get(s, math.log(n))
        total = sum(weight.values()) or 1.0
        lex, top = lexical(q)
        rows = []
        for d in sorted(lex, key=lambda d: -lex[d])[:a.depth]:
            pos = defaultdict(list)
            for i, w in enumerate(words[d]):
                if w in weight:
                    pos[w].append(i)
            cover = {k: densest(pos, weight, k) / total if len(weight) > 1 else 0.0
                     for k in WINDOWS}
            rows.append((d, lex[d] / top, cover))
        feats.append(rows)
    if a.write:
        os.makedirs(a.write, exist_ok=True)
        link = os.path.join(a.write, "chunks.jsonl")
        if not os.path.exists(link):
            os.symlink(os.path.abspath(os.path.join(a.dump, "chunks.jsonl")), link)
        with open(os.path.join(a.write, "questions.jsonl"), "w") as f:
            for q, rows in zip(questions, feats):
                _, top = lexical(q)
                new = {d: top * (r + a.weight * c[a.window]) for d, r, c in rows}
                lex = [[d, new.get(d, s)] for d, s in q["lex"]]
                lex.sort(key=lambda x: -x[1])
                f.write(json.dumps(dict(q, lex=lex)) + "\n")
        return
    print("window weight " + " ".join(f"{g:>12}" for g, _, _ in GROUPS))
    for width in WINDOWS:
        for wt in WEIGHTS:
            cells = []
            for _, split, kind in GROUPS:
                rs = []
                for q, rows in zip(questions, feats):
                    if not in_group(q, split, kind):
                        continue
                    ranked = sorted(rows, key=lambda r: -(r[1] + wt * r[2][width]))[:10]
                    ans = set(q["answers"])
                    rs.append(next((k + 1 for k, r in enumerate(ranked) if r[0] in ans), None))
                _, r10, mrr = tally(rs)
                cells.append(f"{r10:.3f}/{mrr:.3f}")
            print(f"{width:>6} {wt:>6} " + " ".join(f"{c:>12}" for c in cells), flush=True)


if __name__ == "__main__":
    main()
