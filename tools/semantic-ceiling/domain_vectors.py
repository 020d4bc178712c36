"""Word vectors learnt from programming documentation alone, in the table's
WordPieces, to measure beside (or inside) the shipped table.

    python3 domain_vectors.py MODEL.mcdm OUT.npy [--dims 64] [--epochs 5]
    python3 engine_loss.py DUMP_DIR MODEL.mcdm --settings exact \\
        --extra-rows OUT.npy --extra-weight 0.5

The table learnt its rows from a general-English teacher, so a word's
neighbours are often its everyday senses (`heap`: memory, piled, landfill).
This trains skip-gram vectors (gensim's Word2Vec, PyPI gensim) on the
corpus of tools/train-regression's regress.py (docstrings, descriptions and
text files of the interpreter's site-packages; never the standard library)
cut into the table's WordPieces, so row i is the table's token i (zero
where the token is rarer than 5 times). engine_loss.py --extra-rows
appends them to the table's rows, which is what one table of both would
pool.
"""
import argparse
import os
import sys
import time

import numpy as np
from gensim.models import Word2Vec

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../train-regression"))
sys.path.insert(0, os.path.join(HERE, "../train-retrieval"))
import regress  # noqa: E402
from train import WordPiece, read_mcdm  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("out")
    ap.add_argument("--dims", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=5)
    a = ap.parse_args()
    t0 = time.time()
    roots = sorted({p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p)})
    files, texts = regress.corpus(roots, 10**7, b"domain", True)
    _, tokens, _ = read_mcdm(a.model)
    wp = WordPiece(tokens)
    seqs = [[str(i) for i in wp.ids(t)] for t in texts]
    print(f"{len(texts)} passages from {files} files, "
          f"{sum(map(len, seqs))} WordPieces ({time.time() - t0:.0f} s)", file=sys.stderr)
    m = Word2Vec(seqs, vector_size=a.dims, window=8, min_count=5, sg=1, negative=10,
                 sample=1e-4, epochs=a.epochs, workers=os.cpu_count(), seed=1)
    rows = np.zeros((len(tokens), a.dims), np.float32)
    for w in m.wv.index_to_key:
        rows[int(w)] = m.wv[w]
    np.save(a.out, rows)
    print(f"{len(m.wv.index_to_key)} of {len(tokens)} tokens have a row "
          f"({time.time() - t0:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
