#!/usr/bin/env python3
"""The term-shard table of a built site: how many shards, what the manifest
holds of the table and what the directory blocks `s/` hold, and what the
whole table (format 2 kept it all in the manifest) would weigh.

    python3 bench/shard_table.py SITE
"""
import glob
import gzip
import os
import sys


def varint(b, i):
    v = s = 0
    while True:
        x = b[i]
        i += 1
        v |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return v, i


def put_varint(v):
    out = bytearray()
    while True:
        x = v & 0x7F
        v >>= 7
        if v:
            out.append(x | 0x80)
        else:
            out.append(x)
            return bytes(out)


def terms(payload, i=0):
    n, i = varint(payload, i)
    out, prev = [], b""
    for _ in range(n):
        shared, i = varint(payload, i)
        ln, i = varint(payload, i)
        t = prev[:shared] + payload[i:i + ln]
        i += ln
        out.append(t)
        prev = t
    return out, i


def encode(ts):
    out, prev = bytearray(put_varint(len(ts))), b""
    for t in ts:
        shared = 0
        while shared < min(len(prev), len(t)) and prev[shared] == t[shared]:
            shared += 1
        out += put_varint(shared) + put_varint(len(t) - shared) + t[shared:]
        prev = t
    return bytes(out)


def payload(path):
    b = open(path, "rb").read()
    return b[16:-4]


def main():
    idx = os.path.join(sys.argv[1], "_search")
    m = open(os.path.join(idx, "manifest.bin"), "rb").read()
    p = m[16:-4]
    n, i = varint(p, 0)
    dirs = []
    for _ in range(n):
        kind, i = varint(p, i)
        i += 1
        ln, i = varint(p, i)
        dirs.append((kind, ln))
    body = None
    for kind, ln in dirs:
        if kind == 2:
            body = p[i:i + ln]
        i += ln
    count, j = varint(body, 0)
    fanout, j = varint(body, j)
    inline = body[j]
    sample, _ = terms(body, j + 1)
    files = sorted(glob.glob(os.path.join(idx, "s", "*.bin")), key=lambda f: int(os.path.basename(f)[:-4]))
    full = sample if inline else [t for f in files for t in terms(payload(f))[0]]
    gz = lambda b: len(gzip.compress(b, 9))
    sizes = [os.path.getsize(f) for f in files]
    print(f"term shards: {count}; fan-out {fanout}; {'inline' if inline else 'two levels'}")
    print(f"manifest.bin: {len(m)} B raw, {gz(m)} B gzip -9; its SHARDS section {len(body)} B raw, {gz(body)} B gzip")
    print(f"whole table (format 2 section): {len(encode(full))} B raw, {gz(encode(full))} B gzip")
    if files:
        print(f"directory blocks: {len(files)} files, {sum(sizes)} B raw in all; mean {sum(sizes) / len(files):.0f} B, "
              f"largest {max(sizes)} B; gzip mean {sum(gz(open(f, 'rb').read()) for f in files) / len(files):.0f} B")


if __name__ == "__main__":
    main()
