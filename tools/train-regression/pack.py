"""Tables of a regress.py run as float16 .npz files (two epochs a file), logs in one archive: small enough to copy back from a lent GPU machine."""
import os, sys, tarfile, numpy as np
from safetensors.numpy import load_file
src, out = sys.argv[1], sys.argv[2]
with tarfile.open(os.path.join(out, "logs.tgz"), "w:gz") as tar:
    for v in sorted(os.listdir(src)):
        d = os.path.join(src, v)
        arrs = {}
        for sub, key in (("e20", "e20"), ("", "e30")):
            f = os.path.join(d, sub, "table.safetensors")
            if os.path.exists(f):
                arrs[key] = load_file(f)["embeddings"].astype(np.float16)
        np.savez(os.path.join(out, f"{v}.npz"), **arrs)
        for f in ("log.json", "notes.txt", "vocab.txt", "e20/notes.txt"):
            p = os.path.join(d, f)
            if os.path.exists(p):
                tar.add(p, arcname=f"{v}/{f}")
print(sorted(os.listdir(out)), [os.path.getsize(os.path.join(out, f)) for f in sorted(os.listdir(out))])
