"""Hybrid nDCG@10 with reference vectors in place of McDewey's semantic side.

    cargo run --release -p mcdewey-search-core --example ir_eval -- --dump DUMP_DIR
    python3 ceiling.py DUMP_DIR VECTOR_DIR

Uses McDewey's own lexical scores (from the dump) and the same blend as the
engine: (1 - w) * lexical / max + w * min-max(cosine), over every document
(exact float search, no partitions, no quantisation), plus the 100 best
semantic documents. Prints nDCG@10 per weight and hybrid/lexical ratios.
"""
import json
import math
import os
import sys

import numpy as np

WEIGHTS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 1.0)
CANDIDATES = 100


def ndcg(ranked, rel, k=10):
    dcg = sum(rel.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted((g for g in rel.values() if g > 0), reverse=True)[:k]
    best = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / best if best else 0.0


def evaluate(dump, vectors):
    z = np.load(vectors)
    dids = [str(d) for d in z["dids"]]
    qrow = {str(q): i for i, q in enumerate(z["qids"])}
    scores = {w: [] for w in WEIGHTS}
    for line in open(dump):
        r = json.loads(line)
        rel = {d: g for d, g in r["rel"]}
        if not any(g > 0 for g in rel.values()):
            continue
        lex = {}
        for d, s in r["lex"]:
            lex.setdefault(d, s)
        top = max(lex.values(), default=1.0)
        cos = z["dv"] @ z["qv"][qrow[r["q"]]]
        sem = (cos - cos.min()) / max(cos.max() - cos.min(), 1e-9)
        near = set(np.argsort(-cos)[:CANDIDATES])
        pool = [i for i, d in enumerate(dids) if d in lex or i in near]
        for w in WEIGHTS:
            s = {dids[i]: (1 - w) * lex.get(dids[i], 0.0) / top + w * sem[i] for i in pool}
            scores[w].append(ndcg(sorted(s, key=lambda d: -s[d]), rel))
    return {w: float(np.mean(v)) for w, v in scores.items()}


def main():
    dump_dir, vector_dir = sys.argv[1:3]
    ratios = {w: [] for w in WEIGHTS}
    print("collection " + " ".join(f"w={w:<11}" for w in WEIGHTS))
    for name in ("cranfield", "cacm", "cisi", "medline", "adi"):
        r = evaluate(os.path.join(dump_dir, name + ".jsonl"), os.path.join(vector_dir, name + ".npz"))
        print(f"{name:<10} " + " ".join(f"{r[w]:.3f} ({r[w] / r[0.0]:.3f})" for w in WEIGHTS))
        for w in WEIGHTS:
            ratios[w].append(r[w] / r[0.0])
    print(f"{'mean':<10} " + " ".join(f"      {np.mean(ratios[w]):.3f} " for w in WEIGHTS))


if __name__ == "__main__":
    main()
