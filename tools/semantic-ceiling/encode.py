"""Embed the shared IR collections with a reference model, for ceiling.py.

    python3 encode.py minilm    TEACHER_DIR   OUT_DIR   # all-MiniLM-L6-v2, full transformer
    python3 encode.py wordllama WORDLLAMA_DIR OUT_DIR   # WordLlama l2_supercat, float, 256 dims

Writes OUT_DIR/<collection>.npz with unit document and query vectors. The
transformer is a plain numpy forward pass (BERT, mean pooling, as the
sentence-transformers model card describes), so no torch is needed; it is
slow (about 10 minutes for the five collections on 2 cores).
"""
import json
import math
import os
import sys

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf
from tokenizers import Tokenizer

IR = os.environ.get("MCDEWEY_IR", os.path.join(os.path.dirname(__file__), "../../../shared/ir"))
COLLECTIONS = ["cranfield", "cacm", "cisi", "medline", "adi"]


def unit(v):
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


class MiniLM:
    """BERT encoder (6 layers, 384 wide, 12 heads) from model.safetensors."""

    def __init__(self, d):
        self.w = load_file(os.path.join(d, "model.safetensors"))
        self.t = {}
        self.tok = Tokenizer.from_file(os.path.join(d, "tokenizer.json"))
        self.tok.no_truncation()
        self.tok.no_padding()

    def norm(self, x, p):
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(v + np.float32(1e-12)) * self.w[p + ".weight"] + self.w[p + ".bias"]

    def dense(self, x, p):
        # One 2-D product with a contiguous transposed weight: numpy would
        # loop over the batch for a 3-D one.
        if p not in self.t:
            self.t[p] = np.ascontiguousarray(self.w[p + ".weight"].T)
        w = self.t[p]
        return (x.reshape(-1, x.shape[-1]) @ w).reshape(*x.shape[:-1], w.shape[1]) + self.w[p + ".bias"]

    def batch(self, seqs):
        x, mask = self.forward(seqs)
        return unit((x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True))

    def forward(self, seqs):
        """Output vector of every position of the padded `seqs`, and the mask."""
        n, b, heads, width = max(map(len, seqs)), len(seqs), 12, 384
        ids = np.zeros((b, n), dtype=np.int64)
        mask = np.zeros((b, n), dtype=np.float32)
        for i, s in enumerate(seqs):
            ids[i, : len(s)], mask[i, : len(s)] = s, 1
        w = self.w
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n][None]
        x = self.norm(x + w["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
        blocked = (1.0 - mask)[:, None, None, :] * -1e9
        split = lambda t: t.reshape(b, n, heads, width // heads).transpose(0, 2, 1, 3)
        for layer in range(6):
            p = f"encoder.layer.{layer}."
            q, k, v = (split(self.dense(x, p + "attention.self." + m)) for m in ("query", "key", "value"))
            a = q @ k.transpose(0, 1, 3, 2) / math.sqrt(width // heads) + blocked
            a = np.exp(a - a.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            c = (a @ v).transpose(0, 2, 1, 3).reshape(b, n, width)
            x = self.norm(self.dense(c, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            h = self.dense(x, p + "intermediate.dense")
            h = 0.5 * h * (1.0 + erf(h / math.sqrt(2.0)))
            x = self.norm(self.dense(h, p + "output.dense") + x, p + "output.LayerNorm")
        return x, mask

    def encode(self, texts, max_len=256, size=32):
        # [CLS] ... [SEP], cut to the model's 256 positions.
        seqs = [e.ids[: max_len - 1] + [102] if len(e.ids) > max_len else e.ids for e in self.tok.encode_batch(texts)]
        out = np.zeros((len(texts), 384), dtype=np.float32)
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
        for s in range(0, len(order), size):
            idx = order[s : s + size]
            out[idx] = self.batch([seqs[i] for i in idx])
        return out


class WordLlama:
    """Mean of the l2_supercat token rows (its published pooling)."""

    def __init__(self, d):
        self.rows = load_file(os.path.join(d, "weights/l2_supercat_256.safetensors"))["embedding.weight"].astype(np.float32)
        self.tok = Tokenizer.from_file(os.path.join(d, "tokenizers/l2_supercat_tokenizer_config.json"))
        self.tok.no_truncation()
        self.tok.no_padding()

    def encode(self, texts):
        encs = self.tok.encode_batch(texts, add_special_tokens=False)
        return unit(np.array([self.rows[e.ids].mean(0) if e.ids else np.zeros(256, np.float32) for e in encs]))


def texts(name):
    read = lambda f: [json.loads(line) for line in open(os.path.join(IR, name, f))]
    docs, queries = read("corpus.jsonl"), read("queries.jsonl")
    # Title and text, as the evaluation indexes them (some texts repeat the title).
    body = [d["text"] if not d.get("title") or d["text"].startswith(d["title"][:20]) else d["title"] + ". " + d["text"] for d in docs]
    return docs, queries, body


def main():
    kind, src, out = sys.argv[1:4]
    model = {"minilm": MiniLM, "wordllama": WordLlama}[kind](src)
    os.makedirs(out, exist_ok=True)
    for name in COLLECTIONS:
        docs, queries, body = texts(name)
        np.savez(
            os.path.join(out, name + ".npz"),
            dv=model.encode(body),
            qv=model.encode([q["text"] for q in queries]),
            dids=np.array([d["id"] for d in docs]),
            qids=np.array([q["id"] for q in queries]),
        )
        print(name, "encoded", file=sys.stderr)


if __name__ == "__main__":
    main()
