#!/usr/bin/env python3
"""Lay a tree of N small files straight onto an unstarted single-brick GlusterFS brick.

Made through FUSE, a million files cost 45 min or more on a 2-core machine (2-3 ms a create),
and letting the brick adopt files on first lookup still costs about 1 ms each. Written here,
with what the brick's own posix layer would have written beside each entry, it takes about a
minute: the gfid, the ctime feature's times (`trusted.glusterfs.mdata`), and the handle under
`.glusterfs` (a hard link for a file, a symlink to parent-handle/name for a directory).
Directory layouts are left to DHT, which writes them on the first lookup of each directory.

Everything is a function of N: names, sizes, contents, mtimes and gfids, so two builds give the
same tree, and a benchmark can say exactly what it read.

Usage: million.py BRICK N                (one brick: the whole tree)
       million.py --dirs BRICK N         (a brick of a distribute volume: the directories)
       million.py --files BRICK N        (the same brick, once DHT has laid out the directories:
                                          the files whose name hashes into its range)

A distribute volume over several bricks is made in two steps, since which brick holds a file is
DHT's choice: the directories on every brick (same gfids everywhere), then one lookup of each
through the mount, which writes each directory's layout (a hash range per brick), then on each
brick the files whose name hashes into that brick's range. Each brick's own layout is all its
step needs, so each node writes its own brick and no brick is reached across nodes.
"""
import hashlib
import os
import random
import struct
import sys

ROOT_GFID = bytes(15) + b"\x01"
# Pinned times, never "now": 2023-11-14T22:13:20Z plus one second per file within a day.
EPOCH = 1_700_000_000


def uuid_str(g: bytes) -> str:
    h = g.hex()
    return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def mdata(sec: int) -> bytes:
    # version 1, flags, then ctime, mtime, atime as big-endian (sec, nsec) pairs.
    return struct.pack(">BQ6Q", 1, 0, sec, 0, sec, 0, sec, 0)


class Brick:
    def __init__(self, root: str, seed: int):
        self.root = root
        self.rand = random.Random(seed)
        self.handle_dirs: set[str] = set()

    def gfid(self) -> bytes:
        b = bytearray(self.rand.getrandbits(128).to_bytes(16, "big"))
        b[6] = (b[6] & 0x0F) | 0x40  # version 4, as gluster's own uuid_generate gives
        b[8] = (b[8] & 0x3F) | 0x80
        return bytes(b)

    def handle(self, g: bytes) -> str:
        h = g.hex()
        d = os.path.join(self.root, ".glusterfs", h[0:2], h[2:4])
        if d not in self.handle_dirs:
            os.makedirs(d, exist_ok=True)
            self.handle_dirs.add(d)
        return os.path.join(d, uuid_str(g))

    def tag(self, p: str, g: bytes, sec: int) -> None:
        os.setxattr(p, "trusted.gfid", g)
        os.setxattr(p, "trusted.glusterfs.mdata", mdata(sec))

    def mkdir(self, rel: str, parent: bytes) -> bytes:
        g = self.gfid()
        self.make_dir(rel, g, parent)
        return g

    def make_dir(self, rel: str, g: bytes, parent: bytes) -> None:
        p = os.path.join(self.root, rel)
        os.mkdir(p)
        self.tag(p, g, EPOCH)
        os.symlink(f"../../{parent.hex()[0:2]}/{parent.hex()[2:4]}/{uuid_str(parent)}/{os.path.basename(rel)}", self.handle(g))
        os.utime(p, (EPOCH, EPOCH))

    def make_file(self, rel: str, g: bytes, data: bytes, sec: int) -> None:
        p = os.path.join(self.root, rel)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            if data:
                os.write(fd, data)
        finally:
            os.close(fd)
        self.tag(p, g, sec)
        os.utime(p, (sec, sec))
        os.link(p, self.handle(g))

    def file(self, rel: str, data: bytes, sec: int) -> None:
        self.make_file(rel, self.gfid(), data, sec)

# --------------------------------------------------------------- a brick of a distribute volume

MASK = 0xFFFFFFFF


def _dm_round(rounds: int, a: list, h0: int, h1: int) -> tuple:
    s = 0
    b0, b1 = h0, h1
    for _ in range(rounds):
        s = (s + 0x9E3779B9) & MASK
        b0 = (b0 + ((((b1 << 4) & MASK) + a[0]) ^ (b1 + s) ^ ((b1 >> 5) + a[1]))) & MASK
        b1 = (b1 + ((((b0 << 4) & MASK) + a[2]) ^ (b0 + s) ^ ((b0 >> 5) + a[3]))) & MASK
    return (h0 + b0) & MASK, (h1 + b1) & MASK


def dm_hash(name: bytes) -> int:
    """DHT's hash of a file name (GlusterFS's Davies-Meyer hash, gf_dm_hashfn), for ASCII names."""
    n = len(name)
    h0, h1 = 0x9464A485, 0x542E1A94
    pad = (n | (n << 8)) & MASK
    pad = (pad | (pad << 16)) & MASK
    words = [int.from_bytes(name[i : i + 4], "little") for i in range(0, n - n % 4, 4)]
    quads = n // 16
    for q in range(quads):
        h0, h1 = _dm_round(6, words[q * 4 : q * 4 + 4], h0, h1)
    rest = words[quads * 4 :]
    tail = name[len(words) * 4 :]
    a = []
    for j in range(4):
        if j < len(rest):
            a.append(rest[j])
        else:
            v = pad
            for c in tail:
                v = ((v << 8) | c) & MASK
            tail = b""
            a.append(v)
    h0, h1 = _dm_round(10, a, h0, h1)
    return h0 ^ h1


def fixed_gfid(seed: int, rel: str) -> bytes:
    """The same on every brick and every build: a function of N and the path."""
    b = bytearray(hashlib.sha256(f"{seed}:{rel}".encode()).digest()[:16])
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    return bytes(b)


POOL = bytes(random.Random(1).getrandbits(8) for _ in range(4096))


def content(i: int) -> bytes:
    """File i's bytes: 0 to 1 KiB, a slice of a fixed pool."""
    return POOL[i % 3072 : i % 3072 + (i * 7919) % 1025]


def root_gfid(root: str) -> None:
    if "trusted.gfid" not in os.listxattr(root):
        os.setxattr(root, "trusted.gfid", ROOT_GFID)


def tree(n: int):
    """(top, leaf, [(name, index)]) for every leaf: 10 top directories of 100 leaves each, N/1000
    files in a leaf, indexed in writing order."""
    per_leaf = n // 1000
    i = 0
    for t in range(10):
        for m in range(100):
            yield f"t{t}", f"t{t}/m{m:02d}", [(f"f{f:05d}.dat", i + f) for f in range(per_leaf)]
            i += per_leaf


def distribute_dirs(root: str, n: int) -> None:
    brick = Brick(root, seed=n)
    root_gfid(root)
    tops: dict = {}
    for top, leaf, _ in tree(n):
        if top not in tops:
            tops[top] = g = fixed_gfid(n, top)
            brick.make_dir(top, g, ROOT_GFID)
        brick.make_dir(leaf, fixed_gfid(n, leaf), tops[top])
    print(f"million.py: 1010 directories under {root}")


def distribute_files(root: str, n: int) -> None:
    brick = Brick(root, seed=n)
    written = 0
    for top, leaf, files in tree(n):
        d = os.path.join(root, leaf)
        try:
            layout = os.getxattr(d, "trusted.glusterfs.dht")
        except OSError:
            sys.exit(f"million.py: {d} has no DHT layout (look each directory up through the mount first)")
        if len(layout) != 16:
            sys.exit(f"million.py: {d}: a layout of {len(layout)} bytes")
        _commit, _type, start, stop = struct.unpack(">4I", layout)
        for name, i in files:
            if start <= dm_hash(name.encode()) <= stop:
                brick.make_file(f"{leaf}/{name}", fixed_gfid(n, f"{leaf}/{name}"), content(i), EPOCH + i % 86400)
                written += 1
        os.utime(d, (EPOCH, EPOCH))
    for t in range(10):
        os.utime(os.path.join(root, f"t{t}"), (EPOCH, EPOCH))
    print(f"million.py: {written} of {n} files hash into {root}'s ranges")


def main() -> None:
    mode = sys.argv[1] if sys.argv[1] in ("--dirs", "--files") else None
    args = sys.argv[2:] if mode else sys.argv[1:]
    root, n = args[0], int(args[1])
    if n < 1000 or n % 1000:
        sys.exit("million.py: N must be a multiple of 1000")
    if mode == "--files":
        return distribute_files(root, n)
    if not os.path.isdir(root) or os.listdir(root) not in ([], [".glusterfs"]):
        sys.exit(f"million.py: {root} must be an empty brick")
    if mode == "--dirs":
        return distribute_dirs(root, n)
    brick = Brick(root, seed=n)
    root_gfid(root)
    tops: dict = {}
    i = 0
    for top, leaf, files in tree(n):
        if top not in tops:
            tops[top] = brick.mkdir(top, ROOT_GFID)
        brick.mkdir(leaf, tops[top])
        for name, i in files:
            brick.file(f"{leaf}/{name}", content(i), EPOCH + i % 86400)
        os.utime(os.path.join(root, leaf), (EPOCH, EPOCH))
    for t in range(10):
        os.utime(os.path.join(root, f"t{t}"), (EPOCH, EPOCH))
    print(f"million.py: {i + 1} files in 1000 directories under {root}")

if __name__ == "__main__":
    main()
