"""Train McDewey's static token table for retrieval.

Starts from a .mcdm model (the distilled table) and fine-tunes its rows
contrastively on (query, passage) pairs from mine.py, with in-batch
negatives, through exactly the pooling search-core uses: a text's vector
is the sum over its WordPieces (repeats included) of idf(token) * row,
normalised to unit length, where idf is BM25's IDF over the chunk corpus
(here the passages). Scores are cosine similarities times a fixed scale;
the loss is the cross-entropy of each query against the batch's passages
and of each passage against the batch's queries. numpy only, one thread.

Writes OUT/table.safetensors (f32 rows), OUT/vocab.txt (row order) and
OUT/notes.txt for search-core's import_static example.
"""
import argparse
import json
import os
import random
import struct
import time
import unicodedata

import numpy as np
from safetensors.numpy import save_file

MAX_WORD_CHARS = 100


def varint(b, i):
    v, shift = 0, 0
    while True:
        x = b[i]
        i += 1
        v |= (x & 0x7F) << shift
        if x < 0x80:
            return v, i
        shift += 7


def read_mcdm(path):
    """(info dict, tokens, f32 rows) of a .mcdm file (int8 rows)."""
    b = open(path, "rb").read()
    assert b[:4] == b"MCDM", f"{path}: not a McDewey model"
    (n,) = struct.unpack_from("<I", b, 8)
    p, i = b[12:12 + n], 0
    info = {}
    for k in ("name", "teacher", "licence", "notes"):
        ln, i = varint(p, i)
        info[k] = p[i:i + ln].decode()
        i += ln
    dims, i = varint(p, i)
    quant = p[i]
    i += 1
    assert quant == 1, f"{path}: only int8 rows are read"
    count, i = varint(p, i)
    tokens, prev = [], b""
    for _ in range(count):
        shared, i = varint(p, i)
        ln, i = varint(p, i)
        prev = prev[:shared] + p[i:i + ln]
        i += ln
        tokens.append(prev.decode())
    rows = np.frombuffer(p[i:], dtype=np.uint8).reshape(count, 4 + dims)
    scale = rows[:, :4].copy().view("<f4")[:, 0]
    q = rows[:, 4:].view(np.int8).astype(np.float32)
    return info, tokens, q * scale[:, None]


def is_punct(c):
    return (c.isascii() and not c.isalnum() and not c.isspace()) or unicodedata.category(c).startswith("P")


class WordPiece:
    """BERT-uncased analysis as in search-core's embed::wordpiece (a word
    with an unknown piece is dropped)."""

    def __init__(self, tokens):
        self.id = {t: i for i, t in enumerate(tokens)}
        self.cache = {}

    def words(self, text):
        text = unicodedata.normalize("NFD", text.lower())
        text = "".join(c for c in text if not unicodedata.combining(c))
        out, w = [], []
        for c in text:
            if c.isspace() or unicodedata.category(c) == "Cc":
                if w:
                    out.append("".join(w))
                    w = []
            elif is_punct(c) or 0x4E00 <= ord(c) <= 0x9FFF:
                if w:
                    out.append("".join(w))
                    w = []
                out.append(c)
            else:
                w.append(c)
        if w:
            out.append("".join(w))
        return out

    def pieces(self, word):
        if word in self.cache:
            return self.cache[word]
        ids = []
        if len(word) <= MAX_WORD_CHARS:
            start = 0
            while start < len(word):
                end = len(word)
                found = None
                while end > start:
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    if piece in self.id:
                        found = self.id[piece]
                        break
                    end -= 1
                if found is None:
                    ids = []
                    break
                ids.append(found)
                start = end
        self.cache[word] = ids
        return ids

    def ids(self, text):
        return [i for w in self.words(text) for i in self.pieces(w)]


class Texts:
    """Token ids of many texts, flattened (CSR)."""

    def __init__(self, id_lists):
        self.start = np.cumsum([0] + [len(x) for x in id_lists])
        self.ids = np.concatenate([np.asarray(x, dtype=np.int64) for x in id_lists])

    def batch(self, rows):
        parts = [self.ids[self.start[r]:self.start[r + 1]] for r in rows]
        owner = np.concatenate([np.full(len(p), k) for k, p in enumerate(parts)])
        return owner, np.concatenate(parts)


def idf(texts, vocab):
    df = np.zeros(vocab)
    for k in range(len(texts.start) - 1):
        df[np.unique(texts.ids[texts.start[k]:texts.start[k + 1]])] += 1
    n = len(texts.start) - 1
    return np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)


def embed(E, w, owner, tok, n):
    v = np.zeros((n, E.shape[1]), dtype=np.float32)
    np.add.at(v, owner, w[tok, None] * E[tok])
    norm = np.linalg.norm(v, axis=1, keepdims=True) + 1e-9
    return v / norm, norm


def grad_through(u, norm, du):
    """Gradient of the unnormalised sum from that of its unit vector."""
    return (du - u * np.sum(u * du, axis=1, keepdims=True)) / norm


def softmax(s):
    s = s - s.max(axis=1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=1, keepdims=True)


def recall(E, w, qs, ps, rows, k=10):
    """Recall@k and MRR of queries against the passages of `rows` (held out)."""
    uq, _ = embed(E, w, *qs.batch(rows), len(rows))
    up, _ = embed(E, w, *ps.batch(rows), len(rows))
    s = uq @ up.T
    rank = (s > np.diag(s)[:, None]).sum(axis=1) + 1
    return float(np.mean(rank <= k)), float(np.mean(1.0 / rank))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="starting .mcdm")
    ap.add_argument("--pairs", required=True, help="JSONL from mine.py")
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=0.002)
    ap.add_argument("--scale", type=float, default=20.0)
    ap.add_argument("--anchor", type=float, default=0.0,
                    help="L2 pull of each row toward its starting value")
    ap.add_argument("--heldout", type=int, default=500)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--hard", action="store_true",
                    help="add each pair's hard negative (\"n\", from hardneg.py) to its batch")
    a = ap.parse_args()
    t0 = time.time()
    info, tokens, E0 = read_mcdm(a.model)
    wp = WordPiece(tokens)
    pairs = [json.loads(l) for l in open(a.pairs)]
    rnd = random.Random(a.seed)
    rnd.shuffle(pairs)
    qs = Texts([wp.ids(p["q"]) for p in pairs])
    ps = Texts([wp.ids(p["p"]) for p in pairs])
    ns = Texts([wp.ids(p.get("n", "")) for p in pairs]) if a.hard else None
    keep = [k for k in range(len(pairs))
            if qs.start[k + 1] > qs.start[k] and ps.start[k + 1] > ps.start[k]
            and (ns is None or ns.start[k + 1] > ns.start[k])]
    w = idf(ps, len(tokens))
    held, train = keep[:a.heldout], keep[a.heldout:]
    print(f"{len(pairs)} pairs ({len(train)} train, {len(held)} held out), "
          f"{len(ps.ids)} passage WordPieces; tokenised in {time.time() - t0:.0f} s", flush=True)
    E = E0.copy()
    m, v = np.zeros_like(E), np.zeros_like(E)
    b1, b2, step = 0.9, 0.999, 0
    # Adam's step is relative to the rows' own size: the SIF weighting
    # leaves frequent tokens with much smaller rows than rare ones.
    row_size = np.abs(E0).mean(axis=1, keepdims=True) + 1e-6
    print(f"epoch 0: held-out recall@10 {recall(E, w, qs, ps, held)[0]:.3f} "
          f"MRR {recall(E, w, qs, ps, held)[1]:.3f}", flush=True)
    log = []
    for ep in range(1, a.epochs + 1):
        rnd.shuffle(train)
        total = 0.0
        for s in range(0, len(train) - a.batch + 1, a.batch):
            rows = train[s:s + a.batch]
            n = len(rows)
            qo, qt = qs.batch(rows)
            po, pt = ps.batch(rows)
            uq, nq = embed(E, w, qo, qt, n)
            up, np_ = embed(E, w, po, pt, n)
            if ns is not None:
                # Queries choose among the batch's passages and its hard
                # negatives; passages choose among the queries as before.
                no, nt = ns.batch(rows)
                un, nn_ = embed(E, w, no, nt, n)
                cand = np.concatenate([up, un])
            else:
                cand = up
            S = a.scale * (uq @ cand.T)
            P1, P2 = softmax(S), softmax(S[:, :n].T)
            eye = np.eye(n, dtype=np.float32)
            total += -np.mean(np.log(np.diag(P1) + 1e-12)) - np.mean(np.log(np.diag(P2) + 1e-12))
            if ns is None:
                dS = ((P1 - eye) + (P2 - eye).T) * (a.scale / n)
            else:
                dS = P1 * (a.scale / n)
                dS[:, :n] += ((P2 - eye).T - eye) * (a.scale / n)
            dq = grad_through(uq, nq, dS @ cand)
            dc = dS.T @ uq
            dp = grad_through(up, np_, dc[:n])
            G = np.zeros_like(E)
            np.add.at(G, qt, w[qt, None] * dq[qo])
            np.add.at(G, pt, w[pt, None] * dp[po])
            if ns is not None:
                dn = grad_through(un, nn_, dc[n:])
                np.add.at(G, nt, w[nt, None] * dn[no])
            if a.anchor:
                G += a.anchor * (E - E0) / row_size
            step += 1
            m = b1 * m + (1 - b1) * G
            v = b2 * v + (1 - b2) * G * G
            mh, vh = m / (1 - b1 ** step), v / (1 - b2 ** step)
            E -= a.lr * row_size * mh / (np.sqrt(vh) + 1e-8)
        r, mrr = recall(E, w, qs, ps, held)
        log.append((ep, r, mrr))
        print(f"epoch {ep}: loss {total / max(1, len(train) // a.batch):.3f} "
              f"held-out recall@10 {r:.3f} MRR {mrr:.3f} ({time.time() - t0:.0f} s)", flush=True)
    os.makedirs(a.out, exist_ok=True)
    save_file({"embeddings": E.astype(np.float32)}, os.path.join(a.out, "table.safetensors"))
    with open(os.path.join(a.out, "vocab.txt"), "w") as f:
        f.write("\n".join(tokens) + "\n")
    srcs = {}
    for k in train:
        srcs[pairs[k]["src"]] = srcs.get(pairs[k]["src"], 0) + 1
    notes = (f"tools/train-retrieval: {info['name']} fine-tuned for retrieval on {len(train)} "
             f"(query, passage) pairs ({', '.join(f'{k} {v}' for k, v in sorted(srcs.items()))}; "
             f"Debian man pages, perl-doc, Apache HTTP Server 2.4 and FFmpeg 5.1 manuals, "
             f"CMake 3.31, Flask 3.1 and PostgreSQL 17 docs), "
             f"in-batch negatives{' and one BM25 hard negative per pair (hardneg.py)' if a.hard else ''}, IDF-weighted mean pooling, {a.epochs} epochs, batch {a.batch}, "
             f"lr {a.lr}, scale {a.scale}, anchor {a.anchor}, seed {a.seed}; int8 rows. "
             f"Started from: {info['notes']}")
    with open(os.path.join(a.out, "notes.txt"), "w") as f:
        f.write(notes)
    print(f"wrote {a.out} in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
