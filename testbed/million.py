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

Usage: million.py BRICK N
"""
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
        p = os.path.join(self.root, rel)
        os.mkdir(p)
        g = self.gfid()
        self.tag(p, g, EPOCH)
        os.symlink(f"../../{parent.hex()[0:2]}/{parent.hex()[2:4]}/{uuid_str(parent)}/{os.path.basename(rel)}", self.handle(g))
        return g

    def file(self, rel: str, data: bytes, sec: int) -> None:
        p = os.path.join(self.root, rel)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            if data:
                os.write(fd, data)
        finally:
            os.close(fd)
        g = self.gfid()
        self.tag(p, g, sec)
        os.utime(p, (sec, sec))
        os.link(p, self.handle(g))


def main() -> None:
    root, n = sys.argv[1], int(sys.argv[2])
    if not os.path.isdir(root) or os.listdir(root) not in ([], [".glusterfs"]):
        sys.exit(f"million.py: {root} must be an empty brick")
    if n < 1000 or n % 1000:
        sys.exit("million.py: N must be a multiple of 1000")
    brick = Brick(root, seed=n)
    if "trusted.gfid" not in os.listxattr(root):
        os.setxattr(root, "trusted.gfid", ROOT_GFID)
    pool = bytes(random.Random(1).getrandbits(8) for _ in range(4096))
    per_leaf = n // 1000
    i = 0
    # 10 top directories of 100 each: 1000 leaves of N/1000 files, 0 to 1 KiB each.
    for t in range(10):
        top = f"t{t}"
        tg = brick.mkdir(top, ROOT_GFID)
        for m in range(100):
            leaf = f"{top}/m{m:02d}"
            brick.mkdir(leaf, tg)
            for f in range(per_leaf):
                size = (i * 7919) % 1025
                brick.file(f"{leaf}/f{f:05d}.dat", pool[i % 3072 : i % 3072 + size], EPOCH + i % 86400)
                i += 1
            os.utime(os.path.join(root, leaf), (EPOCH, EPOCH))
        os.utime(os.path.join(root, top), (EPOCH, EPOCH))
    print(f"million.py: {i} files in 1000 directories under {root}")


if __name__ == "__main__":
    main()
