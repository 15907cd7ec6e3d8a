#!/usr/bin/env python3
"""Boot a ukrt image as a domU with the xl toolstack: Xen under QEMU (TCG)
with a Linux dom0 (ci/xl/build-dom0.sh), which runs `xl create` on the image
and its config and reports how the domain ended.

    xlrun.py IMAGE.xen --cfg IMAGE.cfg [--scenario NAME] [--timeout S] [-v]

The image and config travel to dom0 in a small cpio archive appended to the
dom0 initramfs; dom0's /init (ci/xl/init) prints the domU's console log
(xenconsoled's guest-<name>.log) between marker lines, which this script
shows on stdout. Dom0's and Xen's own lines are shown only with -v. The
scenarios:

    run       create, wait until the domain is gone or kept as crashed/shut down
    shutdown  create, wait for the --wait-for line, `xl shutdown -w`
    destroy   create, wait for the --wait-for line, `xl destroy`
    crash     create, wait for the crash, show `xl list` (on_crash=preserve
              keeps the domain in state c, destroy removes it), then clean up

Exit status, as ci/xenrun.py:

    N    the guest's exit status from its `uk-exit: status=N` line
         (destroy: 0 once the domain is gone)
    134  the domain crashed (`uk-exit: crashed`, or Xen/xl saw a crash)
    124  a time limit ran out (the message says which)
    125  the harness could not run the image (missing files, Xen panic, dom0
         not coming up, the domain ending without a uk-exit line)

The console is read by the ukharness package (ci/ukharness/xl.py).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # ci/, for ukharness

import cpio  # noqa: E402  (ci/xl/cpio.py)
from ukharness import xl  # noqa: E402
from ukharness.outcome import HARNESS_ERROR  # noqa: E402
from ukharness.report import Report, console_streams  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("image", help="the domU kernel image (IMAGE.xen)")
    p.add_argument("--cfg", required=True, help="its xl config (IMAGE.cfg); kernel= is replaced")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="replace or add a config line, verbatim: --set 'extra=\"forever\"'")
    p.add_argument("--scenario", choices=xl.SCENARIOS, default="run")
    p.add_argument("--wait-for", default="",
                   help="(shutdown, destroy) the guest console text to wait for first")
    p.add_argument("--xen", default=os.environ.get("XEN", "build/xen"),
                   help="the Xen hypervisor binary (ELF, not gzipped)")
    p.add_argument("--dom0", default="build/xl-dom0",
                   help="the folder build-dom0.sh builds the dom0 kernel and initrd in")
    p.add_argument("--timeout", type=float, default=120.0,
                   help="seconds from QEMU start to the end of the job")
    p.add_argument("--boot-timeout", type=float, default=60.0,
                   help="seconds from QEMU start until dom0 starts the job")
    p.add_argument("--guest-timeout", type=int,
                   help="the bound, in seconds, of each wait in dom0 (for a line, for the "
                   "end); default: half of what --timeout leaves after 30 s for dom0's boot")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also show Xen's and dom0's own console lines")
    a = p.parse_args(argv)
    if a.scenario in ("shutdown", "destroy") and not a.wait_for:
        p.error(f"--scenario {a.scenario} needs --wait-for TEXT")
    for s in a.set:
        if "=" not in s:
            p.error(f"--set {s!r}: give KEY=VALUE")
    return xl.Options(a.image, a.cfg, a.xen, dom0=a.dom0, scenario=a.scenario,
                      wait_for=a.wait_for, set=a.set, timeout=a.timeout,
                      boot_timeout=a.boot_timeout, guest_timeout=a.guest_timeout,
                      verbose=a.verbose)


def build_initrd(o, tmp):
    """dom0's initrd.gz followed by the job archive; returns its path."""
    with open(o.image, "rb") as f:
        image = f.read()
    with open(o.cfg) as f:
        cfg = xl.job_config(f.read(), o.set)
    path = os.path.join(tmp, "initrd")
    with open(os.path.join(o.dom0, "initrd.gz"), "rb") as src, open(path, "wb") as out:
        shutil.copyfileobj(src, out)
        # Linux looks for an uncompressed archive after a compressed one
        # only at a 4-byte boundary; pad to a block.
        out.write(b"\0" * (-out.tell() % 512))
        w = cpio.Writer(out)
        w.directory("job")
        w.file("job/image.xen", image, 0o755)
        w.file("job/image.cfg", cfg.encode())
        w.file("job/scenario", o.scenario.encode() + b"\n")
        w.file("job/timeout", b"%d\n" % o.guest_timeout)
        if o.wait_for:
            w.file("job/wait-for", o.wait_for.encode() + b"\n")
        w.close()
    return path


def main(argv):
    o = parse_args(argv)
    console_streams()
    report = Report("xlrun")
    for path, what in ((o.image, "image"), (o.cfg, "config"), (o.xen, "Xen binary")):
        if not os.path.isfile(path):
            report.say(f"{what} {path!r} does not exist")
            return HARNESS_ERROR
    try:
        subprocess.run(["bash", os.path.join(HERE, "build-dom0.sh"), o.dom0], check=True,
                       stdout=sys.stderr)
    except subprocess.CalledProcessError as e:
        report.say(f"building the dom0 failed (build-dom0.sh exited {e.returncode})")
        return HARNESS_ERROR
    with tempfile.TemporaryDirectory(prefix="xlrun-") as tmp:
        return xl.run(o, build_initrd(o, tmp), report).status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
