#!/usr/bin/env python3
"""Image sizes (figures, not pass/fail; docs/image-size.md): the stripped
kernel and the hello image against their goals and anchors, how well they
compress in each format Xen's domain builders take, and what each crate
costs in the kernel and in libukc.

The per-crate table comes from the unstripped files' symbols (their loaded
bytes are the stripped files' bytes): `nm -S -C` sizes, each symbol given to
the crate its demangled path starts with (the first `name::`, so a generic
of `alloc` instantiated for a runtime type is `alloc`'s, as cargo-bloat
counts it); an unmangled symbol (C ABI, assembly) to the crate of its source
file (addr2line); what no symbol covers (string literals, anonymous
constants, padding, the dynamic tables of a shared object) is its own row.
Code inlined into a caller counts for the caller's crate."""
import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
KIB = 1024
# The goals (issue 15) and anchors the figures are printed beside.
KERNEL_GOAL = 160 * KIB
HELLO_GOAL = 256 * KIB
UNIKRAFT_HELLO = 117_000  # Unikraft's hello image, bytes
BASELINE = {  # measured before images were stripped and the kernel cut
    "kernel": 1_155_640,  # 2026-12-02, strip --strip-all of the release kernel
    "hello": 476_000,  # 2026-12-01, the hello image stripped
    "hello_debug": 7_200_000,  # 2026-12-01, with debug information
}
# Our crates' folders, for unmangled symbols' source files.
OWN = {"runtime": "ukrt", "loader": "ukrt_loader", "app-template/libukc": "ukc",
       "xen-config": "xen_config"}
NO_SYMBOL = "(no symbol)"
# The formats Xen 4.17's PV builders both take (Xen's own dom0 builder and
# Debian's libxenguest: gzip, xz, lzma, lz4, zstd; libxenguest has no bzip2
# or lzo), with the settings of the best compression each offers.
COMPRESSORS = {
    "gzip": ["gzip", "-9", "-n", "-c"],
    "xz": ["xz", "--check=crc32", "--x86", "--lzma2=preset=9e", "-c"],
    "zstd": ["zstd", "-19", "-q", "-c"],
    "lz4": ["lz4", "-9", "-q", "-c"],
}
FIRST_IDENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)::")
# readelf -SW: [Nr] Name Type Address Off Size ES Flg ...
SECTION = re.compile(r"^\s*\[\s*\d+\]\s+(?P<name>\S+)\s+(?P<type>\S+)\s+(?P<addr>[0-9a-f]+)"
                     r"\s+[0-9a-f]+\s+(?P<size>[0-9a-f]+)\s+[0-9a-f]+\s+(?P<flags>[A-Z]*)")


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, check=True, **kw).stdout


def crate_of_path(path):
    """The crate a source file belongs to, or None."""
    m = re.search(r"/library/([^/]+)/src/", path)
    if m:
        return m.group(1).replace("-", "_")
    m = re.search(r"/registry/src/[^/]+/([^/]+)-\d[^/]*/", path)
    if m:
        return m.group(1).replace("-", "_")
    for folder, crate in OWN.items():
        if f"/{folder}/" in path or path.startswith(folder + "/"):
            return crate
    return None


def crate_of_name(name):
    """The crate a demangled Rust name belongs to: its path's first crate.
    `<[u8]>::f`, `<u64 as core::fmt::Debug>::fmt`: a primitive's inherent
    method is core's, a trait's method its trait's crate."""
    if name.startswith("<"):
        depth, end = 0, len(name)
        for i, ch in enumerate(name):
            depth += {"<": 1, ">": -1}.get(ch, 0)
            if depth == 0:
                end = i
                break
        inner = name[1:end]
        self_type, _, trait = inner.partition(" as ")
        if "::" not in self_type:
            if trait.startswith("<"):  # a trait inside a primitive's method
                return crate_of_name(trait)
            m = FIRST_IDENT.search(trait)
            return m.group(1) if m else "core"
    m = FIRST_IDENT.search(name)
    crate = m.group(1) if m else NO_SYMBOL
    # The allocator shims rustc generates (__rustc::__rust_alloc & co.).
    return "alloc" if crate == "__rustc" else crate


def classify(flags, kind):
    """The column of an allocated section: code, rodata, data or bss."""
    if "X" in flags:
        return "code"
    if "W" in flags:
        return "bss" if kind == "NOBITS" else "data"
    return "rodata"


def sections(path):
    """(name, address, size, column) of each loaded section."""
    out = []
    for line in run(["readelf", "-SW", path], text=True).splitlines():
        m = SECTION.match(line)
        if m and "A" in m["flags"]:
            out.append((m["name"], int(m["addr"], 16), int(m["size"], 16),
                        classify(m["flags"], m["type"])))
    return out


def no_symbol_row(section):
    """The row for the bytes of a section no symbol covers."""
    if section.startswith(".eh_frame"):
        return "(unwind tables)"
    if section.startswith((".dyn", ".rela", ".hash", ".gnu.hash", ".got", ".plt", ".gnu.version")):
        return "(dynamic linking)"
    return NO_SYMBOL


def symbol_sizes(path):
    """{crate: Counter(column: bytes)} of the symbols of ELF `path`, and
    the bytes of each column no symbol covers."""
    kinds = {"t": "code", "w": "code", "r": "rodata", "d": "data", "b": "bss"}
    by_addr = {}
    out = run(["nm", "-S", "-C", "--defined-only", path], text=True, errors="replace")
    for line in out.splitlines():
        parts = line.split(" ", 3)
        if len(parts) < 4 or parts[2].lower() not in kinds:
            continue
        addr, size, kind, name = int(parts[0], 16), int(parts[1], 16), parts[2].lower(), parts[3]
        if size and size > by_addr.get(addr, (0,))[0]:
            by_addr[addr] = (size, kinds[kind], name)
    unmangled = sorted(a for a, (_, _, n) in by_addr.items()
                       if "::" not in n and not n.startswith("anon."))
    files = {}
    if unmangled:
        lines = run(["addr2line", "-e", path, *(f"{a:#x}" for a in unmangled)],
                    text=True, errors="replace").splitlines()
        files = dict(zip(unmangled, lines, strict=False))
    crates = collections.defaultdict(collections.Counter)
    for addr, (size, col, name) in by_addr.items():
        if "::" in name:
            crate = crate_of_name(name)
        elif name.startswith("anon."):
            crate = NO_SYMBOL
        else:
            crate = crate_of_path(files.get(addr, "")) or "(unmangled, no source)"
        crates[crate][col] += size
    secs = sections(path)
    covered = collections.Counter()
    for addr, (size, _, _) in by_addr.items():
        for name, start, length, _ in secs:
            if start <= addr < start + length:
                covered[name] += min(size, start + length - addr)
                break
    for name, _, length, col in secs:
        if length > covered[name]:
            crates[no_symbol_row(name)][col] += length - covered[name]
    return crates


def module_sizes(path, crate):
    """{module: code bytes} of `crate`'s functions in ELF `path`, by the
    first module of their path (`ukrt::fs::fat::mount` is `fs`); a generic
    of another crate instantiated for the crate's types is not counted."""
    out = run(["nm", "-S", "-C", "--defined-only", path], text=True, errors="replace")
    sizes = collections.Counter()
    seen = set()
    for line in out.splitlines():
        parts = line.split(" ", 3)
        if len(parts) < 4 or parts[2].lower() not in "tw" or parts[0] in seen:
            continue
        seen.add(parts[0])
        name = parts[3]
        if "::" not in name or crate_of_name(name) != crate:
            continue
        m = re.search(rf"\b{crate}::([A-Za-z_][A-Za-z0-9_]*)", name)
        sizes[m.group(1) if m else "(top level)"] += int(parts[1], 16)
    return sizes


def stripped_size(path, args):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "stripped")
        if args[0] == "strip-for-image":
            subprocess.run([os.path.join(HERE, "strip-for-image"), d, path], check=True)
            out = os.path.join(d, os.path.basename(path))
        else:
            subprocess.run(["strip", *args, "-o", out, path], check=True)
        return os.path.getsize(out)


def compressed(path):
    """{format: bytes} of `path` compressed by each tool found."""
    sizes = {}
    for name, cmd in COMPRESSORS.items():
        if shutil.which(cmd[0]):
            with open(path, "rb") as f:
                sizes[name] = len(subprocess.run(cmd, stdin=f, capture_output=True,
                                                 check=True).stdout)
    return sizes


def kib(n):
    return f"{n / KIB:,.1f} KiB"


def vs(n, goal, what):
    verdict = "met" if n <= goal else f"{n / goal:.2f}x it, {kib(n - goal)} over"
    return f"{what} {kib(goal)}: {verdict}"


def table(title, crates, top):
    cols = ["code", "rodata", "data", "bss"]
    total = collections.Counter()
    for c in crates.values():
        total.update(c)
    loaded = sum(total[c] for c in cols[:3])
    print(f"  {title}: bytes by crate (loaded; bss takes memory only)")
    print(f"    {'crate':<22}" + "".join(f"{c:>10}" for c in cols) + f"{'share':>8}")
    rows = sorted(crates.items(), key=lambda kv: -sum(kv[1][c] for c in cols[:3]))
    shown, other = rows[:top], rows[top:]
    if other:
        rest = collections.Counter()
        for _, c in other:
            rest.update(c)
        shown.append((f"({len(other)} others)", rest))
    for name, c in shown:
        mine = sum(c[x] for x in cols[:3])
        print(f"    {name:<22}" + "".join(f"{c[x]:>10}" for x in cols)
              + f"{100 * mine / max(loaded, 1):>7.1f}%")
    print(f"    {'total':<22}" + "".join(f"{total[x]:>10}" for x in cols) + f"{100:>7.1f}%")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kernel", default=os.path.join(ROOT, "target", "x86_64-unknown-none",
                                                    "release", "ukrt"),
                   help="the kernel as built (with its symbols)")
    p.add_argument("--libukc", default=os.path.join(ROOT, "target", "app", "x86_64-ukrt-app",
                                                    "release", "libukc.so"),
                   help="libukc as built (with its symbols)")
    p.add_argument("--image", default=os.path.join(ROOT, "build", "app", "examples", "hello-c",
                                                   "hello-c.xen"),
                   help="the hello image make image wrote")
    p.add_argument("--top", type=int, default=12, help="crates shown per table")
    a = p.parse_args(argv)
    for path in (a.kernel, a.libukc, a.image):
        if not os.path.isfile(path):
            sys.exit(f"bench_images: {path}: no such file (make kernel libukc test-images)")
    kernel = stripped_size(a.kernel, ["--strip-all"])
    libukc = stripped_size(a.libukc, ["strip-for-image"])
    image = os.path.getsize(a.image)
    print()
    print("Image sizes (bytes; docs/image-size.md)")
    print(f"  kernel stripped     {kernel:>9}  {kib(kernel):>11}   "
          f"{vs(kernel, KERNEL_GOAL, 'goal')}; before: {kib(BASELINE['kernel'])}")
    print(f"  libukc packed       {libukc:>9}  {kib(libukc):>11}   "
          f"(ci/strip-for-image; as built {kib(os.path.getsize(a.libukc))})")
    print(f"  hello image         {image:>9}  {kib(image):>11}   "
          f"{vs(image, HELLO_GOAL, 'goal')}; Unikraft's hello {UNIKRAFT_HELLO / 1e3:.0f} KB; "
          f"2026-12-01 (before net, disks and files): {BASELINE['hello'] / 1e3:.0f} KB stripped, "
          f"{BASELINE['hello_debug'] / 1e6:.1f} MB with debug info")
    for name, n in compressed(a.image).items():
        print(f"  hello image {name:<7} {n:>9}  {kib(n):>11}   {100 * n / image:.0f}% of it; "
              f"{vs(n, HELLO_GOAL, 'goal')}")
    table(f"kernel ({os.path.relpath(a.kernel, ROOT)})", symbol_sizes(a.kernel), a.top)
    modules = module_sizes(a.kernel, "ukrt")
    print("  the kernel's own code (ukrt) by module: "
          + ", ".join(f"{m} {n}" for m, n in modules.most_common()))
    table(f"libukc ({os.path.relpath(a.libukc, ROOT)})", symbol_sizes(a.libukc), a.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
