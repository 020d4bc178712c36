"""Where the semantic half loses its signal between an exact search and the
engine, on the doc-QA questions, with the static table on both sides.

    cargo run --release -p mcdewey --example qa_eval -- --dump DUMP_DIR
    python3 engine_loss.py DUMP_DIR MODEL.mcdm [--windows W,S] [--weights ...]
        [--page-weight P] [--extra-rows ROWS.npy --extra-weight B]

Each setting blends the engine's lexical results and scores (from the dump)
with one semantic side, as the engine's `fuse` does: (1 - w) * lexical /
best + w * normalised semantic score, plus the 100 best semantic chunks
that have no lexical match. The settings take the engine's steps one at a
time, from an exact search to what a site ships:

- exact:    float cosine over every chunk, min-max over every chunk;
- top:      float cosine, only the 2,048 nearest chunks scored (as many as
            4 probed partitions of 512 hold), min-max over them, the mean of
            them for a lexical match outside;
- kmeans:   the same with the engine's probing: k-means partitions of 512
            (10 rounds), the 4 whose centroids are nearest probed;
- binary:   kmeans with the engine's binary codes (the sign of the vector
            minus the corpus mean, scaled by its mean absolute value);
- windows:  binary, with a vector per window of W WordPieces (stride S) of
            each chunk's text besides its own, each window led by the
            chunk's title and headings; a chunk scores its best entry, and
            the partitions hold every entry (so 4 probes cover fewer chunks).
- exact-windows: exact, a chunk scoring its best entry;
- chunk-windows: windows, but partitioned by the chunks' own vectors, each
            chunk's windows stored in its partition (4 probes cover as many
            chunks as the engine's).

`--page-weight P` scores a chunk (1 - P) times its own cosine plus P
times its document's (the sum of its chunks' unit vectors, normalised): a
question about a topic finds the page, and the page lifts its chunks.

`--extra-rows` appends other rows (one per token of the table, as
domain_vectors.py writes them) to the table's, scaled to the same mean
norm times B, so the pooled vectors carry both.

Chunk vectors pool as search-core does (the sum over WordPieces of BM25
IDF x row, normalised). numpy only; about 3 minutes on 2 cores.
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "../train-retrieval"))
from docqa import lexical, load, tally  # noqa: E402
from train import WordPiece, read_mcdm  # noqa: E402

PROBED = 2048
PARTITION = 512
NPROBE = 4
CANDIDATES = 100
GROUPS = (
    ("dev", 0, None), ("test", 1, None), ("dev-u", 0, "users"), ("test-u", 1, "users"),
    ("dev-p", 0, "python"), ("test-p", 1, "python"),
)


def in_group(q, split, kind):
    """Whether question `q` belongs to the GROUPS entry (split, kind)."""
    return q["split"] == split and (
        kind is None or (kind == "users" and q["users"]) or q["product"] == kind)


def unit(v):
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def kmeans(v, k, rounds=10, seed=0):
    c = v[np.random.default_rng(seed).choice(len(v), k, replace=False)].copy()
    for _ in range(rounds):
        a = np.concatenate([np.argmax(v[s:s + 50000] @ c.T, 1) for s in range(0, len(v), 50000)])
        for j in range(k):
            m = v[a == j]
            if len(m):
                c[j] = m.mean(0) / max(np.linalg.norm(m.mean(0)), 1e-9)
    a = np.concatenate([np.argmax(v[s:s + 50000] @ c.T, 1) for s in range(0, len(v), 50000)])
    return c, a


class Side:
    """Semantic scores of every chunk for a query, normalised, and the
    scores that pick the semantic candidates (-inf where not scored)."""

    def __init__(self, entries, owner, n, probe, binary):
        self.v, self.owner, self.n, self.probe = entries, owner, n, probe
        if binary:
            r = entries - entries.mean(0)
            self.scale = np.abs(r).mean(1)
            self.signs = np.where(r > 0, 1.0, -1.0).astype(np.float32)
        self.binary = binary
        if probe == "kmeans":
            self.cent, self.part = kmeans(entries, -(-len(entries) // PARTITION))
        elif probe == "chunks":
            # Partitions of the chunks' own vectors; a chunk's windows are
            # stored beside it, in its partition.
            self.cent, part = kmeans(entries[:n], -(-n // PARTITION))
            self.part = part[owner]

    def __call__(self, q):
        raw = self.scale * (self.signs @ q) if self.binary else self.v @ q
        if self.probe == "all":
            inside = np.ones(len(raw), bool)
        elif self.probe == "top":
            inside = np.zeros(len(raw), bool)
            inside[np.argpartition(-raw, PROBED)[:PROBED]] = True
        else:
            inside = np.isin(self.part, np.argsort(-(self.cent @ q))[:NPROBE])
        best = np.full(self.n, -np.inf, np.float32)
        np.maximum.at(best, self.owner[inside], raw[inside])
        got = np.isfinite(best)
        lo, hi = best[got].min(), best[got].max()
        fill = best[got].mean() if self.probe != "all" else lo
        norm = (np.where(got, best, fill) - lo) / max(hi - lo, 1e-9)
        return norm, best


def ranks(questions, ids, id_of, side, qv, w):
    out = []
    for q, v in zip(questions, qv):
        lex, top = lexical(q)
        if w == 0.0:
            ranked = sorted(lex, key=lambda d: -lex[d])[:10]
        else:
            sem, pick = side(v)
            score = {d: (1 - w) * s / top + w * sem[ids[d]] for d, s in lex.items()}
            for i in np.argpartition(-pick, CANDIDATES)[:CANDIDATES]:
                if np.isfinite(pick[i]) and id_of[i] not in lex:
                    score[id_of[i]] = w * sem[i]
            ranked = sorted(score, key=lambda d: -score[d])[:10]
        ans = set(q["answers"])
        out.append(next((k + 1 for k, d in enumerate(ranked) if d in ans), None))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump")
    ap.add_argument("model")
    ap.add_argument("--windows", default="64,32")
    ap.add_argument("--weights", default="0,0.3,0.4,0.5,1")
    ap.add_argument(
        "--settings", default="exact,top,kmeans,binary,exact-windows,windows,chunk-windows")
    ap.add_argument("--extra-rows")
    ap.add_argument("--page-weight", type=float, default=0.0)
    ap.add_argument("--extra-weight", type=float, default=1.0)
    a = ap.parse_args()
    win, stride = (int(x) for x in a.windows.split(","))
    chunks, questions = load(a.dump)
    id_of = [c["id"] for c in chunks]
    ids = {d: i for i, d in enumerate(id_of)}
    _, tokens, rows = read_mcdm(a.model)
    if a.extra_rows:
        extra_rows = np.load(a.extra_rows)[:len(tokens)].astype(np.float32)
        size = np.linalg.norm(rows, axis=1).mean() / max(np.linalg.norm(extra_rows, axis=1).mean(), 1e-9)
        rows = np.concatenate([rows, a.extra_weight * size * extra_rows], 1)
    wp = WordPiece(tokens)
    heads, bodies = [], []
    for c in chunks:
        lines = c["text"].split("\n")
        k = 1 + len(c["breadcrumb"])
        heads.append(np.asarray(wp.ids("\n".join(lines[:k])), dtype=np.int64))
        bodies.append(np.asarray(wp.ids("\n".join(lines[k:])), dtype=np.int64))
    n = len(chunks)
    df = np.zeros(len(rows))
    for h, b in zip(heads, bodies):
        df[np.unique(np.concatenate([h, b]))] += 1
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    r = rows * idf[:, None]
    whole = unit(np.stack([r[h].sum(0) + r[b].sum(0) for h, b in zip(heads, bodies)]))
    if a.page_weight:
        # Each chunk's score mixed with its document's: q . ((1 - P) c + P d)
        # is (1 - P) cos(q, c) + P cos(q, d) for unit c and d.
        doc_of = [d.rsplit("::", 1)[0] for d in id_of]
        key = {k: j for j, k in enumerate(dict.fromkeys(doc_of))}
        owner_doc = np.asarray([key[k] for k in doc_of])
        docs = np.zeros((len(key), whole.shape[1]), np.float32)
        np.add.at(docs, owner_doc, whole)
        whole = (1 - a.page_weight) * whole + a.page_weight * unit(docs)[owner_doc]
    extra, owner = [], []
    for i, (h, b) in enumerate(zip(heads, bodies)):
        if len(b) <= win:
            continue
        head = r[h].sum(0)
        for s in range(0, len(b) - win // 2, stride):
            extra.append(head + r[b[s:s + win]].sum(0))
            owner.append(i)
    entries = np.concatenate([whole, unit(np.stack(extra))])
    owners = np.concatenate([np.arange(n), np.asarray(owner)])
    print(f"{n} chunks, {len(extra)} windows of {win} (stride {stride}), "
          f"{len(questions)} questions", file=sys.stderr)
    qv = unit(np.stack([r[np.asarray(wp.ids(q["text"]), dtype=np.int64)].sum(0) for q in questions]))
    just = np.arange(n)
    make = {
        "exact": lambda: Side(whole, just, n, "all", False),
        "top": lambda: Side(whole, just, n, "top", False),
        "kmeans": lambda: Side(whole, just, n, "kmeans", False),
        "binary": lambda: Side(whole, just, n, "kmeans", True),
        "exact-windows": lambda: Side(entries, owners, n, "all", False),
        "windows": lambda: Side(entries, owners, n, "kmeans", True),
        "chunk-windows": lambda: Side(entries, owners, n, "chunks", True),
    }
    weights = [float(x) for x in a.weights.split(",")]
    print("setting        split    n  " + " ".join(f"w={w:<11}" for w in weights))
    for name in a.settings.split(","):
        side = make[name]()
        for g, split, kind in GROUPS:
            sel = [i for i, q in enumerate(questions) if in_group(q, split, kind)]
            qs = [questions[i] for i in sel]
            cells = []
            for w in weights:
                _, r10, mrr = tally(ranks(qs, ids, id_of, side, qv[sel], w))
                cells.append(f"{r10:.3f}/{mrr:.3f}")
            print(f"{name:<14} {g:<6} {len(qs):>4}  " + " ".join(cells), flush=True)


if __name__ == "__main__":
    main()
