#!/usr/bin/env python3
"""Boot a ukrt image as Xen's first domain under QEMU with the runtime's gdb
stub on COM2 (served by QEMU on a loopback TCP port), and start gdb attached
to it when the guest waits for it (`uk.gdb=wait` before the first app's
main, or a fatal fault with `uk.gdb=crash`). gdb gets the kernel's symbols
and every loaded object's at its load address. What `make debug` runs; see
docs/debugging.md.

The exit status is the guest's, as for ci/xenrun.py; with --gdb-status,
gdb's when the guest's is 0 (for scripted sessions)."""
import argparse
import os
import sys
import tempfile

from ukharness import firstdomain, gdb
from ukharness.report import Report, console_streams


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("image", help="the PV kernel image to boot (make image's .xen)")
    p.add_argument("--args", default="uk.gdb=wait",
                   help="the guest's command line (should have uk.gdb=wait or uk.gdb=crash)")
    p.add_argument("--symbols", default="target/x86_64-unknown-none/release/ukrt",
                   help="the kernel ELF with its symbols")
    p.add_argument("--symbols-dir", action="append", default=[],
                   help="a folder of the apps' unstripped objects (repeatable; first match wins)")
    p.add_argument("--xen", default=os.environ.get("XEN", "build/xen"))
    p.add_argument("--memory", type=int, default=64)
    p.add_argument("--timeout", type=float, default=86400.0,
                   help="seconds from QEMU start to the guest's exit")
    p.add_argument("--port", type=int, help="COM2's TCP port (default: a free one)")
    p.add_argument("--gdb", default="gdb", help="the gdb to run")
    p.add_argument("--script", help="where to write the generated gdb script "
                   "(default: a temporary file)")
    p.add_argument("--gdb-status", action="store_true",
                   help="exit with gdb's status when the guest's is 0")
    p.add_argument("-v", "--verbose", action="store_true")
    p.epilog = "Arguments after -- go to gdb (e.g. -- -batch -x script)."
    argv = list(argv)
    cut = argv.index("--") if "--" in argv else len(argv)
    a = p.parse_args(argv[:cut])
    a.gdb_args = argv[cut + 1:]
    return a


def main(argv):
    a = parse_args(argv)
    console_streams()
    report = Report("gdbrun")
    extra = a.gdb_args
    port = a.port or gdb.free_port()
    with tempfile.TemporaryDirectory(prefix="ukrt-gdb-") as tmp:
        script = a.script or os.path.join(tmp, "attach.gdb")
        g = gdb.Gdb(a.symbols, a.symbols_dir, port, script, extra, command=a.gdb)
        o = firstdomain.Options(a.image, a.xen, args=a.args, memory=a.memory,
                                timeout=a.timeout, verbose=a.verbose, gdb_port=port)
        verdict, gdb_status = gdb.run(o, report, g)
    if gdb_status is not None:
        report.say(f"gdb exited with status {gdb_status}")
    if a.gdb_status and verdict.status == 0 and gdb_status:
        return gdb_status
    return verdict.status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
