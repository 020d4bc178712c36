"""Distil a static embedding table from all-MiniLM-L6-v2 by averaging each
WordPiece token's *contextual* output vectors over a corpus.

The teacher's sentence vector is the mean of its token outputs, so the best
context-free stand-in for a token is the mean of that token's outputs over
many real contexts (rather than its output alone in "[CLS] t [SEP]", which
tools/distill computes). Tokens seen fewer times lean on that
single-token vector; unseen ones keep it.

    python3 distill.py --teacher DIR --corpus FILE [FILE ...] --out DIR [--dims 128]

FILE: text, one passage per line. Writes DIR/table.safetensors (f32, one
row per line of DIR/vocab.txt) for `import_static --vocab`, and
DIR/stats.json. Needs numpy, scipy, safetensors, tokenizers (no torch).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import scipy.sparse as sp
from safetensors.numpy import save_file

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../semantic-ceiling"))
from encode import MiniLM  # noqa: E402

CLS, SEP, PAD = 101, 102, 0


def teacher_passes(m, a, n_vocab):
    # 1. Single-token vectors: mean of the outputs of [CLS] t [SEP].
    single = np.zeros((n_vocab, 384), np.float64)
    for s in range(0, n_vocab, 1024):
        ids = list(range(s, min(s + 1024, n_vocab)))
        x, _ = m.forward([[CLS, t, SEP] for t in ids])
        single[ids] = x.mean(1)

    # 2. Contextual sums over the corpus (special tokens excluded).
    passages = [line.strip() for f in a.corpus for line in open(f, encoding="utf-8") if line.strip()]
    seqs = [e.ids[: a.max_tokens - 1] + [SEP] if len(e.ids) > a.max_tokens else e.ids for e in m.tok.encode_batch(passages)]
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    sums = np.zeros((n_vocab, 384), np.float64)
    counts = np.zeros(n_vocab, np.int64)
    start, done, i = time.time(), 0, 0
    while i < len(order):
        # Batches of about `batch_tokens` padded positions.
        j = i
        while j < len(order) and (j - i + 1) * len(seqs[order[j]]) <= a.batch_tokens:
            j += 1
        j = max(j, i + 1)
        batch = [seqs[k] for k in order[i:j]]
        x, mask = m.forward(batch)
        ids = np.zeros(mask.shape, np.int64)
        for r, s in enumerate(batch):
            ids[r, : len(s)] = s
        keep = mask.astype(bool) & (ids != CLS) & (ids != SEP)
        rows, vecs = ids[keep], x[keep]
        scatter = sp.csr_matrix((np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(n_vocab, len(rows)))
        sums += scatter @ vecs.astype(np.float64)
        counts += np.bincount(rows, minlength=n_vocab)
        done += j - i
        i = j
        if done % 5000 < len(batch):
            print(f"{done}/{len(order)} passages, {counts.sum()} tokens, {time.time() - start:.0f} s", file=sys.stderr, flush=True)

    return single, sums, counts, len(passages), start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--teacher", required=True)
    ap.add_argument("--corpus", nargs="+", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--dims", type=int, default=128)
    ap.add_argument("--sif", type=float, default=1e-4)
    ap.add_argument("--prior", type=float, default=2.0, help="weight of the single-token vector, in occurrences")
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--batch-tokens", type=int, default=16384)
    ap.add_argument("--sums", help="cache of the teacher passes (.npz): written once, then read, so the "
                    "blend, PCA and SIF settings can be tried in seconds")
    a = ap.parse_args()

    m = MiniLM(a.teacher)
    vocab = [line.rstrip("\n") for line in open(os.path.join(a.teacher, "vocab.txt"), encoding="utf-8")]
    n_vocab = len(vocab)

    if a.sums and os.path.exists(a.sums):
        z = np.load(a.sums)
        single, sums, counts, passages = z["single"], z["sums"], z["counts"], int(z["passages"])
        start = time.time()
    else:
        single, sums, counts, passages, start = teacher_passes(m, a, n_vocab)
        if a.sums:
            np.savez(a.sums, single=single, sums=sums, counts=counts, passages=passages)

    # 3. Blend: contextual mean, shrunk toward the (rescaled) single-token vector.
    seen = counts > 0
    mean = sums[seen] / counts[seen][:, None]
    scale = float((mean * single[seen]).sum() / (single[seen] ** 2).sum())
    table = scale * single
    table[seen] = (sums[seen] + a.prior * scale * single[seen]) / (counts[seen] + a.prior)[:, None]

    # 4. Drop special and [unused] tokens; PCA to --dims; SIF weight by Zipf rank.
    keep = [t for t, w in enumerate(vocab) if not (w.startswith("[") and w.endswith("]"))]
    t = table[keep]
    centred = t - t.mean(0)
    vals, vecs = np.linalg.eigh(centred.T @ centred / len(t))
    top = vecs[:, np.argsort(-vals)[: a.dims]]
    top *= np.sign(top[np.abs(top).argmax(0), np.arange(a.dims)])  # reproducible signs
    reduced = centred @ top
    harmonic = sum(1.0 / (r + 2.0) for r in range(n_vocab))
    p = 1.0 / (np.array(keep, np.float64) + 2.0) / harmonic
    reduced *= (a.sif / (a.sif + p))[:, None]

    os.makedirs(a.out, exist_ok=True)
    save_file({"table": reduced.astype(np.float32)}, os.path.join(a.out, "table.safetensors"))
    with open(os.path.join(a.out, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("".join(vocab[k] + "\n" for k in keep))
    stats = {
        "passages": passages,
        "tokens": int(counts.sum()),
        "tokens_seen": int(seen.sum()),
        "kept": len(keep),
        "variance_kept": float(vals[np.argsort(-vals)[: a.dims]].sum() / vals.sum()),
        "scale": scale,
        "prior": a.prior,
        "seconds": round(time.time() - start),
    }
    json.dump(stats, open(os.path.join(a.out, "stats.json"), "w"), indent=1)
    notes = (
        f"tools/distill-contextual: mean contextual output of each WordPiece over {stats['passages']} passages "
        f"({stats['tokens']} tokens; WordNet 3.0 glosses, Node.js and Prometheus docs), shrunk toward the "
        f"[CLS] t [SEP] output with weight {a.prior}; special and [unused] tokens dropped; PCA 384 -> {a.dims} "
        f"({100 * stats['variance_kept']:.1f}% variance); Zipf SIF weight a/(a+p) with a = {a.sif}; int8 rows."
    )
    open(os.path.join(a.out, "notes.txt"), "w").write(notes)
    print(stats, file=sys.stderr)


if __name__ == "__main__":
    main()
