#!/usr/bin/env python3
"""Write cpio archives in the "newc" format that Linux unpacks as an
initramfs. The host has no cpio tool, and the harness builds one small
archive per run, so this is a module (for xlrun.py) and a command:

    cpio.py DIR [--node PATH:c:MAJOR:MINOR]... > out.cpio

archives the tree under DIR (files, folders, symbolic links; everything
owned by root, in a stable order) plus the given device nodes.
"""
import argparse
import os
import stat
import sys

MAGIC = b"070701"
TRAILER = "TRAILER!!!"


class Writer:
    """Appends entries to a binary stream; close() writes the trailer."""

    def __init__(self, out):
        self.out = out
        self.ino = 1
        self.offset = 0

    def _write(self, data):
        self.out.write(data)
        self.offset += len(data)

    def _pad(self):
        # Headers and file data are 4-byte aligned.
        self._write(b"\0" * (-self.offset % 4))

    def entry(self, name, mode, data=b"", rdev=(0, 0), mtime=0):
        name = name.lstrip("/") or "."
        fields = (self.ino, mode, 0, 0, 1, mtime, len(data), 0, 0,
                  rdev[0], rdev[1], len(name) + 1, 0)
        self.ino += 1
        self._write(MAGIC + b"".join(b"%08x" % f for f in fields))
        self._write(name.encode() + b"\0")
        self._pad()
        self._write(data)
        self._pad()

    def file(self, name, data, perm=0o644):
        self.entry(name, stat.S_IFREG | perm, data)

    def directory(self, name, perm=0o755):
        self.entry(name, stat.S_IFDIR | perm)

    def symlink(self, name, target):
        self.entry(name, stat.S_IFLNK | 0o777, target.encode())

    def char_device(self, name, major, minor, perm=0o600):
        self.entry(name, stat.S_IFCHR | perm, rdev=(major, minor))

    def tree(self, root):
        """Everything under the folder root, as paths relative to it."""
        for top, dirs, files in os.walk(root):
            dirs.sort()
            rel = os.path.relpath(top, root)
            if rel != ".":
                self.directory(rel, stat.S_IMODE(os.lstat(top).st_mode))
            for f in sorted(files) + [d for d in dirs if os.path.islink(os.path.join(top, d))]:
                path = os.path.join(top, f)
                name = os.path.normpath(os.path.join(rel, f))
                st = os.lstat(path)
                if stat.S_ISLNK(st.st_mode):
                    self.symlink(name, os.readlink(path))
                elif stat.S_ISREG(st.st_mode):
                    with open(path, "rb") as fh:
                        self.file(name, fh.read(), stat.S_IMODE(st.st_mode))
            # os.walk does not descend into linked folders; they were added above.

    def close(self):
        self.entry(TRAILER, 0)
        # Pad the archive to a whole block, as cpio does.
        self._write(b"\0" * (-self.offset % 512))


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("root", help="the folder to archive")
    p.add_argument("--node", action="append", default=[],
                   help="a character device to add, PATH:c:MAJOR:MINOR")
    a = p.parse_args(argv)
    w = Writer(sys.stdout.buffer)
    w.tree(a.root)
    for spec in a.node:
        path, kind, major, minor = spec.split(":")
        if kind != "c":
            p.error(f"--node {spec}: only character devices (c) are supported")
        w.char_device(path, int(major), int(minor))
    w.close()
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
