"""File and line for the frames of ukrt crash reports (docs/backtraces.md).

The guest names each frame of an app's backtrace by object and offset
(`#2 0x... libukc.so+0x238b80 strlen+0x20`) and each runtime frame `ukrt`;
this adds ` at FILE:LINE` from the unstripped build outputs with binutils'
addr2line. An object is looked up by name in the given folders; where the
first one found (the file the image packed) has no debug information, a
later one with the same loadable bytes (the unstripped build of the same
code) is used instead, and a file whose bytes differ is never used: a
stale build gives no line rather than a wrong one.
"""
import functools
import hashlib
import os
import re
import struct
import subprocess

# "      #N 0x<pc> <object>[+0x<offset>][ the rest]"
FRAME = re.compile(r"^(?P<head>\s+#(?P<n>\d+) 0x(?P<pc>[0-9a-f]{16}) (?P<obj>[^\s+]+)"
                   r"(?:\+0x(?P<off>[0-9a-f]+))?)(?P<rest>.*)$")
KERNEL = "ukrt"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# Where `make libukc` leaves libukc with its debug information (the copy
# packed into images is stripped of it).
# What C apps' debug information calls the checkout (c-app.mk's
# -ffile-prefix-map), so that objects do not depend on where it is.
SOURCE_ROOT = "/ukrt"
LIBUKC_BUILD = os.path.join(ROOT, "target", "app", "x86_64-ukrt-app", "release")
# The kernel as built, with its symbols and debug information.
KERNEL_BUILD = os.path.join(ROOT, "target", "x86_64-unknown-none", "release", "ukrt")


def elf_info(path, kernel=False):
    """(digest of the PT_LOAD bytes, has .debug_info) of an ELF64 file, or
    None if it is not one. `kernel`: leave out the last segment in memory,
    the kernel's .bundle (an image's app bundle, a page of zeros in the
    kernel as built), so an image and its kernel have the same digest."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if len(data) < 64 or data[:4] != b"\x7fELF" or data[4] != 2:
        return None
    phoff, shoff = struct.unpack_from("<QQ", data, 0x20)
    phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from("<HHHHH", data, 0x36)
    # strip rewrites where the section headers are (e_shoff, e_shnum,
    # e_shstrndx), in the ELF header that the first segment holds.
    image = bytearray(data)
    image[0x28:0x30] = bytes(8)
    image[0x3a:0x40] = bytes(6)
    h = hashlib.sha256()
    loads = []
    for i in range(phnum):
        off = phoff + i * phentsize
        if off + 56 > len(data):
            return None
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from("<IIQQQQ", data, off)
        if p_type == 1:  # PT_LOAD
            loads.append((p_vaddr, p_offset, p_filesz))
    if kernel and loads:
        loads.remove(max(loads))
    for _, p_offset, p_filesz in loads:
        h.update(image[p_offset:p_offset + p_filesz])
    names = []
    if shoff and shstrndx < shnum and shoff + shnum * shentsize <= len(data):
        sh = lambda i: struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)  # noqa: E731
        str_off = sh(shstrndx)[4]
        for i in range(shnum):
            name = sh(i)[0]
            end = data.find(b"\0", str_off + name)
            names.append(data[str_off + name:end])
    return h.hexdigest(), b".debug_info" in names


def short(file):
    """A source path as the report shows it: relative to the checkout (C
    apps name it SOURCE_ROOT, see app-template/mk/c-app.mk), and the
    toolchain's library sources from `library/`."""
    for root in (ROOT, SOURCE_ROOT):
        if file.startswith(root + os.sep):
            return os.path.relpath(file, root)
    at = file.find("/lib/rustlib/src/rust/library/")
    return file[at + len("/lib/rustlib/src/rust/"):] if at >= 0 else file


@functools.lru_cache(maxsize=4096)
def line_of(path, addr):
    """(function, where) for `addr` of `path` by addr2line: the function
    that holds it (None if unknown) and `FILE:LINE`, with, when the code
    there was inlined, the function it was inlined into and its line (None
    if no line is known)."""
    try:
        out = subprocess.run(["addr2line", "-f", "-i", "-C", "-e", path, f"{addr:#x}"],
                             capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None, None
    lines = out.splitlines()
    pairs = []  # innermost first: (function, FILE:LINE or None)
    for func, where in zip(lines[0::2], lines[1::2], strict=False):
        where = where.split(" (discriminator")[0]
        file, _, line = where.rpartition(":")
        known = file and not file.startswith("??") and line not in ("?", "0")
        pairs.append((func, f"{short(file)}:{line}" if known else None))
    func = pairs[-1][0] if pairs and pairs[-1][0] != "??" else None
    placed = [(f, w) for f, w in pairs if w]
    if not placed:
        return func, None
    text = placed[0][1]
    if len(placed) > 1 and placed[-1][1] != text:
        text += f" (inlined into {placed[-1][0]} at {placed[-1][1]})"
    return func, text


class Symbolizer:
    def __init__(self, dirs, kernel=None):
        self.dirs = [d for d in dirs if d]
        self.kernel = kernel
        self.chosen = {}

    def object_file(self, name):
        """The file to ask about object `name` (see the module's doc)."""
        if name in self.chosen:
            return self.chosen[name]
        candidates = [os.path.join(d, name) for d in self.dirs]
        if name == KERNEL:
            # The booted image first (make image's is stripped), then the
            # kernel make image keeps beside it (<folder>/ukrt), then the
            # build's.
            candidates = [self.kernel, *candidates, KERNEL_BUILD]
        found = None
        infos = [(p, elf_info(p, kernel=name == KERNEL))
                 for p in candidates if p and os.path.isfile(p)]
        infos = [(p, i) for p, i in infos if i]
        if infos:
            ref_path, (ref_digest, ref_debug) = infos[0]
            found = ref_path if ref_debug else None
            if not ref_debug:
                found = next((p for p, (dg, dbg) in infos[1:] if dbg and dg == ref_digest),
                             None)
        self.chosen[name] = found
        return found

    def line(self, text):
        """`text` with ` at FILE:LINE` added if it is a frame line we can place."""
        m = FRAME.match(text)
        if not m:
            return text
        path = self.object_file(m["obj"])
        if path is None:
            return text
        if m["obj"] == KERNEL:
            addr = int(m["pc"], 16)
        elif m["off"]:
            addr = int(m["off"], 16)
        else:
            return text
        # A return address is one past its call: ask about the call.
        if int(m["n"]) > 0 and addr > 0:
            addr -= 1
        func, where = line_of(path, addr)
        if m["obj"] == KERNEL and func:
            # The guest has no names for the runtime's own code.
            text += f" {func}"
        return f"{text} at {where}" if where else text


def for_image(image, extra_dirs=()):
    """The symbolizer for a run of `image` (build/app/<app folder>/<app>.xen): its
    folder's objects and kernel (`ukrt`, which make image keeps there with its
    debug information), libukc's unstripped build, the kernel's build."""
    folder = os.path.dirname(os.path.abspath(image))
    return Symbolizer([folder, *extra_dirs, LIBUKC_BUILD], kernel=image)
