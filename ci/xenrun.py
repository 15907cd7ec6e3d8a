#!/usr/bin/env python3
"""Boot a ukrt image as the first domain of Xen under QEMU (TCG) and report
how it ended.

The guest's console is streamed to stdout; Xen's own lines ("(XEN) ...") are
shown only with -v. The guest ends with a marker line the runtime prints
("uk-exit: status=N" or "uk-exit: crashed"), then shuts the domain down; the
harness waits for Xen to confirm that, stops QEMU, and exits with:

    N    the guest's exit status (0..255, taken modulo 256 like a shell)
    134  the domain crashed (panic, fatal fault, or Xen killed it)
    124  a time limit ran out (the message says which)
    125  the harness could not run the image (QEMU or Xen failed)
    130  interrupted by Ctrl-C

Every wait has a bound; the message says what was being waited for.
The work is done by the ukharness package (ci/ukharness/firstdomain.py).
"""
import argparse
import os
import sys

from ukharness import firstdomain, symbolize
from ukharness.report import Report, console_streams


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("kernel", help="the PV kernel image (ELF) to boot")
    p.add_argument("--args", default="", help="the guest's command line")
    p.add_argument("--ramdisk", help="a file Xen hands the guest as its module (an app bundle)")
    p.add_argument("--xen", default=os.environ.get("XEN", "build/xen"),
                   help="the Xen hypervisor binary (ELF, not gzipped)")
    p.add_argument("--memory", type=int, default=64, help="guest memory in MiB")
    p.add_argument("--timeout", type=float, default=120.0,
                   help="seconds from QEMU start to the guest's exit")
    p.add_argument("--shutdown-timeout", type=float, default=15.0,
                   help="seconds from the exit marker to Xen's confirmation")
    p.add_argument("--input", help="text to type on the guest console (\\n for Enter), "
                   "once the guest prints a line containing --input-after")
    p.add_argument("--input-after", default="ready for input",
                   help="the guest line to wait for before typing --input")
    p.add_argument("--stdin", action="store_true",
                   help="pass this program's input to the guest's console, as it comes (make run "
                        "does: the terminal's lines, echoed by the terminal); Ctrl-C ends the run "
                        "with status 130")
    p.add_argument("--objects", action="append", default=[], metavar="DIR",
                   help="also look for the app's unstripped objects here when adding file "
                   "and line to crash reports (the image's folder and libukc's build are "
                   "searched anyway)")
    p.add_argument("--no-symbolize", action="store_true",
                   help="print crash reports' frames as the guest wrote them")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also show Xen's own console lines")
    return p.parse_args(argv)


def main(argv):
    a = parse_args(argv)
    console_streams()
    o = firstdomain.Options(a.kernel, a.xen, args=a.args, ramdisk=a.ramdisk, memory=a.memory,
                            timeout=a.timeout, shutdown_timeout=a.shutdown_timeout,
                            input=a.input, input_after=a.input_after, verbose=a.verbose,
                            stdin=sys.stdin if a.stdin else None,
                            symbolizer=None if a.no_symbolize
                            else symbolize.for_image(a.kernel, a.objects))
    return firstdomain.run(o, Report("xenrun")).status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
