"""Add a BM25 hard negative to each mined pair.

For each query, the passage of another document (another title) that BM25
ranks highest among all passages of the pairs file: a passage that shares
the query's words but does not answer it, which in-batch negatives (random
passages) almost never are. Passages of the query's own document are
skipped, since another section of it may answer the query as well.

    python3 hardneg.py < pairs.jsonl > pairs-hard.jsonl

Reads and writes the JSONL of mine.py; adds "n" (the negative passage) and
drops pairs whose query matches nothing else. Deterministic.
"""
import json
import re
import sys

import numpy as np
import scipy.sparse as sp

K1, B = 1.2, 0.75
WORD = re.compile(r"[a-z0-9]+")


def terms(text):
    return WORD.findall(text.lower())


def main():
    pairs = [json.loads(l) for l in sys.stdin]
    passages = sorted({p["p"] for p in pairs})
    at = {p: i for i, p in enumerate(passages)}
    title = [p.split("\n", 1)[0] for p in passages]
    vocab = {}
    rows, cols, vals = [], [], []
    lengths = np.zeros(len(passages), dtype=np.float32)
    for i, p in enumerate(passages):
        tf = {}
        for t in terms(p):
            j = vocab.setdefault(t, len(vocab))
            tf[j] = tf.get(j, 0) + 1
        lengths[i] = sum(tf.values())
        for t, c in tf.items():
            rows.append(i)
            cols.append(t)
            vals.append(c)
    n, v = len(passages), len(vocab)
    tf = sp.csr_matrix((np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(n, v))
    df = np.bincount(cols, minlength=v).astype(np.float32)
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    norm = K1 * (1 - B + B * lengths / lengths.mean())
    # BM25 weight of each (passage, term): idf * tf (k1 + 1) / (tf + norm).
    w = tf.tocoo()
    data = idf[w.col] * w.data * (K1 + 1) / (w.data + norm[w.row])
    bm25 = sp.csr_matrix((data, (w.row, w.col)), shape=(n, v)).T.tocsr()
    out = 0
    step = 1024
    for s in range(0, len(pairs), step):
        batch = pairs[s:s + step]
        qr, qc = [], []
        for k, p in enumerate(batch):
            for t in set(terms(p["q"])):
                if t in vocab:
                    qr.append(k)
                    qc.append(vocab[t])
        q = sp.csr_matrix((np.ones(len(qr), dtype=np.float32), (qr, qc)), shape=(len(batch), v))
        scores = (q @ bm25).toarray()
        for k, p in enumerate(batch):
            own = title[at[p["p"]]]
            row = scores[k]
            for j in np.argsort(-row, kind="stable")[:50]:
                if row[j] <= 0:
                    break
                if title[j] != own:
                    p["n"] = passages[j]
                    print(json.dumps(p, ensure_ascii=False))
                    out += 1
                    break
    print(f"{out} of {len(pairs)} pairs with a hard negative", file=sys.stderr)


if __name__ == "__main__":
    main()
