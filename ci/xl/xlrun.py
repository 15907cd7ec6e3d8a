#!/usr/bin/env python3
"""Boot a ukrt image as a domU with the xl toolstack: Xen under QEMU (TCG)
with a Linux dom0 (ci/xl/build-dom0.sh), which runs `xl create` on the image
and its config and reports how the domain ended.

    xlrun.py IMAGE.xen --cfg IMAGE.cfg [--scenario NAME] [--timeout S] [-v]
             [--net [--ip 198.18.0.N]] [--client CMD --wait-for TEXT]
    xlrun.py --linux-guest SCRIPT [--net] [--client CMD --wait-for TEXT] ...
    xlrun.py --scenario script --client CMD [--file NAME=PATH]... [--net] ...
    xlrun.py IMAGE.xen --cfg IMAGE.cfg --disk a.img[,b.img] [--disk-ro] ...

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
    script    no image: the --client command is the job, run at once; it
              manages its own domUs with xl (configs, kernels and anything
              else it needs come as --file NAME=PATH, in dom0 as
              /job/files/NAME); domUs it leaves are destroyed after it, and
              its exit status is the run's (ci/bench_net.py runs one)

--net gives the domU one vif with the address --ip (default 198.18.0.2),
routed from dom0's 198.18.0.1 by the vif script ci/xl/vif-ukrt; that
network exists only inside the emulated machine. --client CMD runs the
shell command CMD in dom0 once the guest printed a line containing the
--wait-for text (a plain substring, not a regex), with GUEST_IP and DOM0_IP
in its environment; its output goes to stderr between "xlrun: client
stdout/stderr" lines, then "xlrun: client exited with status N after S s"
(124 and "(timed out, killed)" past --client-timeout), and the scenario
goes on (default with a client: shutdown). --linux-guest SCRIPT boots
dom0's own Linux kernel as the domU instead of an image, with a busybox
initramfs whose /init (ci/xl/guest-init) brings up eth0 (with --net), runs
SCRIPT with sh and prints `uk-exit: status=N` like a ukrt image (0 after a
shutdown request); `listening PORT` in SCRIPT waits for a server's socket
and prints "linux-guest: listening on tcp port PORT".

--disk FILE (repeatable, or FILE,FILE) attaches each host image file as
the domU's xvda, xvdb, ...: a virtio drive of QEMU that dom0 sees as
/dev/vda, /dev/vdb, ..., served by blkback through dom0's block script
ci/xl/block-ukrt. What the guest writes is in the file afterwards.
--disk-ro makes them read-only (QEMU's drive and the disk line's access).

Exit status, as ci/xenrun.py (the client's status does not change it):

    N    the guest's exit status from its `uk-exit: status=N` line
         (destroy: 0 once the domain is gone)
    134  the domain crashed (`uk-exit: crashed`, or Xen/xl saw a crash)
    124  a time limit ran out (the message says which)
    125  the harness could not run the image (missing files, Xen panic, dom0
         not coming up, the domain ending without a uk-exit line)

The console is read by the ukharness package (ci/ukharness/xl.py). From
Python, execute(xl.Options(...)) returns an xl.Result with the client's
status and output.
"""
import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # ci/, for ukharness

import cpio  # noqa: E402  (ci/xl/cpio.py)
from ukharness import symbolize, xl  # noqa: E402
from ukharness.outcome import HARNESS_ERROR  # noqa: E402
from ukharness.report import Report, console_streams  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("image", nargs="?", help="the domU kernel image (IMAGE.xen)")
    p.add_argument("--cfg", help="its xl config (IMAGE.cfg); kernel= is replaced")
    p.add_argument("--linux-guest", metavar="SCRIPT",
                   help="boot the harness's Linux domU instead of an image; its /init runs "
                   "SCRIPT (shell text) once eth0 is up")
    p.add_argument("--file", action="append", default=[], metavar="NAME=PATH",
                   help="put the file PATH in dom0 as /job/files/NAME (for a client or a "
                   "script)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="replace or add a config line, verbatim: --set 'extra=\"forever\"'")
    p.add_argument("--scenario", choices=xl.SCENARIOS,
                   help="default: run, or shutdown with --client")
    p.add_argument("--wait-for", default="",
                   help="(shutdown, destroy, --client) the text to wait for in the guest's "
                   "console first: a plain substring of a line")
    p.add_argument("--net", action="store_true",
                   help="give the domU a vif on dom0's network 198.18.0.0/24")
    p.add_argument("--ip", help="the guest's address with --net (default 198.18.0.2); implies --net")
    p.add_argument("--disk", action="append", default=[], metavar="FILE[,FILE]",
                   help="attach a raw image file as xvda (then xvdb, ...); repeatable")
    p.add_argument("--disk-ro", action="store_true", help="attach the disks read-only")
    p.add_argument("--client", metavar="CMD",
                   help="a shell command to run in dom0 once the guest printed --wait-for")
    p.add_argument("--client-timeout", type=int,
                   help="the bound, in seconds, of the client's run (default: --guest-timeout)")
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
    p.add_argument("--stdin", action="store_true",
                   help="(scenario run, no --client) show the guest's console live and pass "
                   "this program's input to it (make xl-run does, from a terminal); Ctrl-C "
                   "ends the run with status 130")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also show Xen's and dom0's own console lines")
    a = p.parse_args(argv)
    scenario = a.scenario or ("shutdown" if a.client is not None else "run")
    if scenario == "script":
        if a.image or a.cfg or a.linux_guest is not None:
            p.error("--scenario script runs no image and no --linux-guest: its --client "
                    "creates the domUs")
        if a.client is None:
            p.error("--scenario script needs --client CMD (the job)")
        if a.set or a.wait_for:
            p.error("--scenario script takes no --set or --wait-for: its --client writes "
                    "its own configs and waits itself")
    elif a.linux_guest is not None:
        if a.image or a.cfg:
            p.error("give an image (with --cfg) or --linux-guest, not both")
    elif not a.image or not a.cfg:
        p.error("give an image and its --cfg, or --linux-guest SCRIPT")
    if a.client is not None and scenario != "script":
        if scenario == "crash":
            p.error("--client does not go with --scenario crash")
        if not a.wait_for:
            p.error("--client needs --wait-for TEXT (the guest's line to wait for)")
    if scenario in ("shutdown", "destroy") and not a.wait_for:
        p.error(f"--scenario {scenario} needs --wait-for TEXT")
    if a.stdin and (scenario != "run" or a.client is not None or a.linux_guest is not None):
        p.error("--stdin goes with scenario run, an image and no --client")
    for s in a.set:
        if "=" not in s:
            p.error(f"--set {s!r}: give KEY=VALUE")
    files = []
    for f in a.file:
        name, _, path = f.partition("=")
        if not path or not name or "/" in name or name in (".", ".."):
            p.error(f"--file {f!r}: give NAME=PATH (NAME a plain file name)")
        files.append((name, path))
    # FILE,FILE (make's DISK=a.img,b.img), unless the name itself has a comma.
    disks = [d for arg in a.disk for d in ([arg] if os.path.isfile(arg) else arg.split(",")) if d]
    for d in disks:
        if not os.path.isfile(d):
            p.error(f"--disk {d}: no such file")
    if a.disk_ro and not disks:
        p.error("--disk-ro needs --disk FILE")
    if len(disks) > xl.MAX_DISKS:
        p.error(f"--disk: {len(disks)} disks, at most {xl.MAX_DISKS}")
    try:
        return xl.Options(a.image, a.cfg, a.xen, dom0=a.dom0, scenario=scenario,
                          wait_for=a.wait_for, set=a.set, timeout=a.timeout,
                          boot_timeout=a.boot_timeout, guest_timeout=a.guest_timeout,
                          verbose=a.verbose, net=a.net or a.ip is not None,
                          ip=a.ip or xl.GUEST_IP, client=a.client,
                          client_timeout=a.client_timeout, linux_guest=a.linux_guest,
                          files=files, disks=[os.path.abspath(d) for d in disks], disk_ro=a.disk_ro,
                          stdin=sys.stdin if a.stdin else None,
                          symbolizer=symbolize.for_image(a.image) if a.image else None)
    except ValueError as e:
        p.error(f"--ip {a.ip}: {e}")


def linux_guest_initrd(dom0, script, ip=None, programs=()):
    """The Linux domU's initramfs as bytes: dom0's guest kit (built by
    build-dom0.sh in the folder dom0) plus an archive with the script, the
    address (None: no network) and programs, (NAME, BYTES) pairs put in
    /bin as NAME (executable)."""
    with open(os.path.join(dom0, "guest", "initrd.cpio"), "rb") as f:
        base = f.read()
    extra = io.BytesIO()
    w = cpio.Writer(extra)
    w.directory("etc")
    w.file("etc/guest.env", f"IP={ip or ''}\nPREFIX=24\n".encode())
    w.file("guest.sh", script.encode() + b"\n", 0o755)
    for name, data in programs:
        w.file("bin/" + name, data, 0o755)
    w.close()
    # Linux reads archives one after the other (the first ends in a whole block).
    return base + extra.getvalue()


def guest_files(o):
    """The Linux domU's kernel and initramfs (with the script and the address) as bytes."""
    with open(os.path.join(o.dom0, "guest", "vmlinuz"), "rb") as f:
        kernel = f.read()
    return kernel, linux_guest_initrd(o.dom0, o.linux_guest, o.ip if o.net else None)


def config(o):
    """The job's xl config: the image's (or the Linux domU's), then the vif
    line for --net, the disk line for --disk, then each --set."""
    if o.linux_guest is not None:
        text = xl.linux_guest_config()
    else:
        with open(o.cfg) as f:
            text = f.read()
    return xl.job_config(text, ([xl.vif_setting(o.ip)] if o.net else []) +
                         ([xl.disk_setting(len(o.disks), o.disk_ro)] if o.disks else []) + o.set)


def build_initrd(o, tmp):
    """dom0's initrd.gz followed by the job archive; returns its path."""
    image = initrd = cfg = None
    if o.linux_guest is not None:
        image, initrd = guest_files(o)
    elif o.scenario != "script":
        with open(o.image, "rb") as f:
            image = f.read()
    if image is not None:
        cfg = config(o)
    path = os.path.join(tmp, "initrd")
    with open(os.path.join(o.dom0, "initrd.gz"), "rb") as src, open(path, "wb") as out:
        shutil.copyfileobj(src, out)
        # Linux looks for an uncompressed archive after a compressed one
        # only at a 4-byte boundary; pad to a block.
        out.write(b"\0" * (-out.tell() % 512))
        w = cpio.Writer(out)
        w.directory("job")
        if image is not None:
            w.file("job/image.xen", image, 0o755)
            w.file("job/image.cfg", cfg.encode())
        if initrd is not None:
            w.file("job/image.initrd", initrd)
        if o.files:
            w.directory("job/files")
        for name, src in o.files:
            with open(src, "rb") as f:
                w.file("job/files/" + name, f.read(), 0o755)
        w.file("job/scenario", o.scenario.encode() + b"\n")
        if o.stdin is not None:
            w.file("job/interactive", b"")
        w.file("job/timeout", b"%d\n" % o.guest_timeout)
        if o.wait_for:
            w.file("job/wait-for", o.wait_for.encode() + b"\n")
        if o.net:
            w.file("job/net", b"")
            w.file("job/guest-ip", o.ip.encode() + b"\n")
        if o.disks:
            w.file("job/disks", "".join(f"vd{xl.disk_letters(i)}\n"
                                        for i in range(len(o.disks))).encode())
        if o.client is not None:
            w.file("job/client", o.client.encode() + b"\n")
            w.file("job/client-timeout", b"%d\n" % o.client_timeout)
        w.close()
    return path


def execute(o, report=None):
    """Builds dom0 when needed and runs the job; returns the xl.Result."""
    report = report or Report("xlrun")
    files = [(o.xen, "Xen binary")] + [(path, f"file {name}") for name, path in o.files]
    if o.linux_guest is None and o.scenario != "script":
        files += [(o.image, "image"), (o.cfg, "config")]
    for path, what in files:
        if not os.path.isfile(path):
            report.say(f"{what} {path!r} does not exist")
            return xl.Result(HARNESS_ERROR, f"{what} {path!r} does not exist")
    try:
        subprocess.run(["bash", os.path.join(HERE, "build-dom0.sh"), o.dom0], check=True,
                       stdout=sys.stderr)
    except subprocess.CalledProcessError as e:
        report.say(f"building the dom0 failed (build-dom0.sh exited {e.returncode})")
        return xl.Result(HARNESS_ERROR, "building the dom0 failed")
    with tempfile.TemporaryDirectory(prefix="xlrun-") as tmp:
        return xl.run(o, build_initrd(o, tmp), report)


def main(argv):
    o = parse_args(argv)
    console_streams()
    return execute(o).status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
