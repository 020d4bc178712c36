"""Doc-QA recall with other semantic sides in McDewey's blend.

    cargo run --release -p mcdewey --example qa_eval -- --dump DUMP_DIR
    python3 docqa.py DUMP_DIR TEACHER_DIR MODEL.mcdm [--max-len N]

Uses the engine's lexical results and scores (from the dump) and the
engine's fusion: (1 - w) * lexical / best + w * min-max(cosine) over every
chunk, plus the 100 best semantic chunks (exact float search: no
partitions, no quantisation, so the figures are upper bounds). A question
is answered at rank k when the k-th result holds its answer, as in qa_eval.

Semantic sides compared:
- static: the table MODEL.mcdm on both sides (the shipped setup, unquantised);
- teacher: the full all-MiniLM-L6-v2 transformer on both sides (a ceiling:
  a browser cannot run it per query);
- aligned: chunk vectors from the transformer (a build-time option) and
  query vectors from the table's rows mapped by one linear map W into the
  transformer's space, W fitted by least squares on the chunks (static
  vector -> transformer vector). Pooling is linear before normalising, so
  W folds into the table: a shippable query side.
- aligned<d>: the same at the table's width d, as the `search.teacher`
  build option makes it (search-core's embed::align): chunk vectors on
  the transformer vectors' top d uncentred principal directions.

Teacher vectors are cached in DUMP_DIR (teacher-<max_len>.npz).
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "../train-retrieval"))
from encode import MiniLM, unit  # noqa: E402
from train import WordPiece, read_mcdm  # noqa: E402

WEIGHTS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)
CANDIDATES = 100
GROUPS = (("dev", 0, False), ("test", 1, False), ("dev-u", 0, True), ("test-u", 1, True))


def load(dump):
    read = lambda f: [json.loads(line) for line in open(os.path.join(dump, f))]
    return read("chunks.jsonl"), read("questions.jsonl")


def static_vectors(rows, wp, texts, weights=None):
    ids = [wp.ids(t) for t in texts]
    if weights is None:
        df = np.zeros(len(rows))
        for x in ids:
            df[np.unique(np.asarray(x, dtype=np.int64))] += 1
        n = len(ids)
        weights = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    v = np.zeros((len(texts), rows.shape[1]), dtype=np.float32)
    for i, x in enumerate(ids):
        if x:
            x = np.asarray(x, dtype=np.int64)
            v[i] = (weights[x, None] * rows[x]).sum(0)
    return v, weights


def lexical(q):
    """The engine's lexical scores of question `q` (its first score per
    chunk) and the best of them, which the blend divides by."""
    lex = {}
    for d, s in q["lex"]:
        lex.setdefault(d, s)
    return lex, max(lex.values(), default=1.0) or 1.0


def ranks(questions, ids, dv, qv, w):
    """1-based rank of the first answer in the top 10, per question."""
    out = []
    for q, v in zip(questions, qv):
        ans = set(q["answers"])
        lex, top = lexical(q)
        if w == 0.0:
            ranked = sorted(lex, key=lambda d: -lex[d])[:10]
        else:
            cos = dv @ v
            lo, hi = cos.min(), cos.max()
            sem = (cos - lo) / max(hi - lo, 1e-9)
            near = np.argpartition(-cos, CANDIDATES)[:CANDIDATES]
            score = {d: (1 - w) * s / top for d, s in lex.items()}
            for d in score:
                score[d] += w * sem[ids[d]]
            for i in near:
                d = ID_OF[i]
                if d not in lex:
                    score[d] = w * sem[i]
            ranked = sorted(score, key=lambda d: -score[d])[:10]
        out.append(next((k + 1 for k, d in enumerate(ranked) if d in ans), None))
    return out


def tally(rs):
    n = len(rs)
    r1 = sum(1 for r in rs if r == 1) / n
    r10 = sum(1 for r in rs if r) / n
    mrr = sum(1 / r for r in rs if r) / n
    return r1, r10, mrr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump")
    ap.add_argument("teacher")
    ap.add_argument("model")
    ap.add_argument("--max-len", type=int, default=256)
    a = ap.parse_args()
    chunks, questions = load(a.dump)
    global ID_OF
    ID_OF = [c["id"] for c in chunks]
    ids = {d: i for i, d in enumerate(ID_OF)}
    texts = [c["text"] for c in chunks]
    qtexts = [q["text"] for q in questions]
    print(f"{len(chunks)} chunks, {len(questions)} questions", file=sys.stderr)

    _, tokens, rows = read_mcdm(a.model)
    wp = WordPiece(tokens)
    sd, weights = static_vectors(rows, wp, texts)
    sq, _ = static_vectors(rows, wp, qtexts, weights)

    cache = os.path.join(a.dump, f"teacher-{a.max_len}.npz")
    if os.path.exists(cache):
        z = np.load(cache)
        td, tq = z["dv"], z["qv"]
    else:
        m = MiniLM(a.teacher)
        tq = m.encode(qtexts, max_len=a.max_len)
        td = np.zeros((len(texts), 384), dtype=np.float32)
        step = 2000
        for s in range(0, len(texts), step):
            td[s:s + step] = m.encode(texts[s:s + step], max_len=a.max_len)
            print(f"  encoded {min(s + step, len(texts))}/{len(texts)}", file=sys.stderr, flush=True)
        np.savez(cache, dv=td, qv=tq)

    # W: static (unnormalised sums, as the pooling makes them) -> teacher.
    # Fitted on the chunks only; the questions are never seen.
    W, *_ = np.linalg.lstsq(unit(sd), td, rcond=None)
    sides = {
        "static": (unit(sd), unit(sq)),
        "teacher": (td, tq),
        "aligned": (td, unit(unit(sq) @ W)),
    }
    # The same at the table's width: the chunks' transformer vectors on
    # their top principal directions (uncentred, fitted on the chunks), and
    # the static side mapped into that space.
    dims = rows.shape[1]
    _, _, vt = np.linalg.svd(td, full_matrices=False)
    P = vt[:dims].T
    tdp = unit(td @ P)
    Wp, *_ = np.linalg.lstsq(unit(sd), tdp, rcond=None)
    sides[f"aligned{dims}"] = (tdp, unit(unit(sq) @ Wp))
    print("side     split   n   " + " ".join(f"w={w:<17}" for w in WEIGHTS))
    for name, (dv, qv) in sides.items():
        for g, split, users in GROUPS:
            sel = [i for i, q in enumerate(questions) if q["split"] == split and (q["users"] or not users)]
            qs = [questions[i] for i in sel]
            cells = []
            for w in WEIGHTS:
                r1, r10, mrr = tally(ranks(qs, ids, dv, qv[sel], w))
                cells.append(f"{r1:.3f}/{r10:.3f}/{mrr:.3f}")
            print(f"{name:<8} {g:<6} {len(qs):>3}   " + " ".join(f"{c:<19}" for c in cells), flush=True)


if __name__ == "__main__":
    main()
