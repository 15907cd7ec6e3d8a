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
"""
import argparse
import collections
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import cpio  # noqa: E402  (ci/xl/cpio.py)
# The exit statuses and QEMU handling of the first-domain harness.
from xenrun import CRASHED, HARNESS_ERROR, TIMED_OUT, stop_qemu  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EXIT_RE = re.compile(r"^uk-exit: status=(-?\d+)\s*$")
CRASH_MARKER = "uk-exit: crashed"
XEN_PANIC_RE = re.compile(r"\(XEN\) (Panic on CPU|\*\*\*\* PANIC)")
SCENARIOS = ("run", "shutdown", "destroy", "crash")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("image", help="the domU kernel image (IMAGE.xen)")
    p.add_argument("--cfg", required=True, help="its xl config (IMAGE.cfg); kernel= is replaced")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="replace or add a config line, verbatim: --set 'extra=\"forever\"'")
    p.add_argument("--scenario", choices=SCENARIOS, default="run")
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
    if a.guest_timeout is None:
        a.guest_timeout = max(5, int((a.timeout - 30) / 2))
    for s in a.set:
        if "=" not in s:
            p.error(f"--set {s!r}: give KEY=VALUE")
    return a


def err(msg):
    print(f"xlrun: {msg}", file=sys.stderr, flush=True)


def job_config(text, overrides):
    """The config with each KEY=VALUE of overrides replacing its line (or added)."""
    lines = text.splitlines()
    for item in overrides:
        key, value = (x.strip() for x in item.split("=", 1))
        line = f"{key} = {value}"
        pat = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for i, old in enumerate(lines):
            if pat.match(old):
                lines[i] = line
                break
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def build_initrd(a, tmp):
    """dom0's initrd.gz followed by the job archive; returns its path."""
    with open(a.image, "rb") as f:
        image = f.read()
    with open(a.cfg) as f:
        cfg = job_config(f.read(), a.set)
    path = os.path.join(tmp, "initrd")
    with open(os.path.join(a.dom0, "initrd.gz"), "rb") as src, open(path, "wb") as out:
        shutil.copyfileobj(src, out)
        # Linux looks for an uncompressed archive after a compressed one
        # only at a 4-byte boundary; pad to a block.
        out.write(b"\0" * (-out.tell() % 512))
        w = cpio.Writer(out)
        w.directory("job")
        w.file("job/image.xen", image, 0o755)
        w.file("job/image.cfg", cfg.encode())
        w.file("job/scenario", a.scenario.encode() + b"\n")
        w.file("job/timeout", b"%d\n" % a.guest_timeout)
        if a.wait_for:
            w.file("job/wait-for", a.wait_for.encode() + b"\n")
        w.close()
    return path


def qemu_command(a, initrd):
    # QEMU splits -initrd at commas; ",," is a literal comma.
    linux = os.path.join(a.dom0, "vmlinuz").replace(",", ",,")
    linux_cmdline = "console=hvc0 earlyprintk=xen rdinit=/init" + ("" if a.verbose else " quiet")
    xen_cmdline = ("console=com1 com1=115200,8n1 dom0_mem=384M,max:384M dom0_max_vcpus=1 "
                   "loglvl=all guest_loglvl=all smap=0")
    return ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", "1024",
            "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
            "-kernel", a.xen, "-append", xen_cmdline,
            "-initrd", f"{linux} {linux_cmdline},{initrd.replace(',', ',,')}"]


class Run:
    """Follows the serial console: dom0's marker lines and blocks, Xen's lines."""

    def __init__(self, a, start):
        self.a = a
        self.start = start
        self.job_started = None   # host time of "=== job start"
        self.job_ended = None     # host time of "=== job end"
        self.job_line = ""
        self.ended = None         # the text after "=== domU end: "
        self.harness_error = None
        self.xen_panic = False
        self.status = None        # from the guest's uk-exit line
        self.guest_lines = []
        self.block = None         # (title, lines) of the block being read
        self.blocks = []          # the other blocks: xl list, xl log, xl dmesg
        self.tail = collections.deque(maxlen=25)  # dom0's and Xen's last lines

    def show(self, text):
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def line(self, raw):
        """Handle one console line; return True when the job is over."""
        text = raw.decode(errors="replace").rstrip("\r\n").rstrip("\r")
        if self.a.verbose:
            self.show(text)
        if text.startswith("(XEN)") and not (self.block and self.block[0].startswith("xl dmesg")):
            self.tail.append(text)
            if XEN_PANIC_RE.search(text):
                self.xen_panic = True
            return False
        if self.block is not None:
            title, lines = self.block
            if text in ("=== end", "=== domU console end"):
                self.block = None
                if title != "domU console":
                    self.blocks.append((title, lines))
                if title.startswith("xl list") and not self.a.verbose:
                    self.print_block(title, lines)
            elif title == "domU console":
                self.guest(text)
            else:
                lines.append(text)
            return False
        if not text.startswith("=== "):
            self.tail.append(text)
            return False
        what = text[4:]
        if what == "domU console begin":
            self.block = ("domU console", [])
        elif what.startswith(("xl list", "xl log", "xl dmesg")):
            self.block = (what, [])
        elif what.startswith("job start"):
            self.job_started = time.monotonic()
            self.job_line = what
            err(f"dom0 up, {self.job_started - self.start:.1f} s after QEMU start ({what})")
        elif what.startswith("domU end: "):
            self.ended = what[len("domU end: "):]
        elif what.startswith("note: "):
            if not self.a.verbose:
                err("dom0: " + what[len("note: "):])
        elif what.startswith("harness error: "):
            self.harness_error = what[len("harness error: "):]
        elif what == "job end":
            self.job_ended = time.monotonic()
            return True
        return False

    def guest(self, text):
        self.guest_lines.append(text)
        if not self.a.verbose:
            self.show(text)
        m = EXIT_RE.match(text)
        if m and self.status is None:
            self.status = int(m.group(1)) % 256
        elif text.startswith(CRASH_MARKER) and self.status is None:
            self.status = CRASHED

    def print_block(self, title, lines):
        err(f"{title}:")
        for line in lines:
            print("    " + line, file=sys.stderr)
        sys.stderr.flush()

    def print_blocks(self, titles):
        if self.a.verbose:
            return  # shown as they came
        for title, lines in self.blocks:
            if title.startswith(titles):
                self.print_block(title, lines)

    def print_tail(self, what):
        if self.a.verbose:
            err(what + ": shown above")
            return
        err(f"{what}:")
        for line in self.tail:
            print("    " + line, file=sys.stderr)


def verdict(a, run):
    """The exit status for a job that ran to its end, with a message."""
    ended = run.ended or "unknown (no 'domU end' line)"
    crashed = ended.startswith("crashed") or "reason crash" in ended
    if ended.startswith("timeout"):
        err(f"time limit in dom0: {ended}")
        return TIMED_OUT
    if a.scenario == "destroy" and ended.startswith("destroyed"):
        err(f"the domain was {ended}")
        return 0
    if run.status == CRASHED or crashed:
        err(f"the domain crashed: {ended}")
        return CRASHED
    if run.status is not None:
        err(f"the guest exited with status {run.status}: {ended}")
        return run.status
    err(f"the domain ended ({ended}) without a uk-exit line in its console log "
        f"({len(run.guest_lines)} lines)")
    return HARNESS_ERROR


def main(argv):
    a = parse_args(argv)
    for path, what in ((a.image, "image"), (a.cfg, "config"), (a.xen, "Xen binary")):
        if not os.path.isfile(path):
            err(f"{what} {path!r} does not exist")
            return HARNESS_ERROR
    try:
        subprocess.run(["bash", os.path.join(HERE, "build-dom0.sh"), a.dom0], check=True,
                       stdout=sys.stderr)
    except subprocess.CalledProcessError as e:
        err(f"building the dom0 failed (build-dom0.sh exited {e.returncode})")
        return HARNESS_ERROR
    with tempfile.TemporaryDirectory(prefix="xlrun-") as tmp:
        return boot(a, build_initrd(a, tmp))


def boot(a, initrd):
    start = time.monotonic()
    try:
        qemu = subprocess.Popen(qemu_command(a, initrd), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
    except OSError as e:
        err(f"cannot start QEMU: {e}")
        return HARNESS_ERROR
    run = Run(a, start)
    sel = selectors.DefaultSelector()
    sel.register(qemu.stdout, selectors.EVENT_READ)
    buf = b""
    outcome = None
    try:
        while outcome is None:
            now = time.monotonic()
            deadline = start + (a.timeout if run.job_started else min(a.timeout, a.boot_timeout))
            if run.xen_panic:
                deadline = min(deadline, now + 2)  # let the report finish
            if now >= deadline:
                outcome = "timeout"
                break
            if not sel.select(timeout=deadline - now):
                continue
            chunk = os.read(qemu.stdout.fileno(), 65536)
            if not chunk:
                outcome = "qemu-exit"
                break
            buf += chunk
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                if run.line(raw):
                    outcome = "ended"
                    break
    except KeyboardInterrupt:
        err("interrupted")
        outcome = "interrupted"
    finally:
        stop_qemu(qemu)
    if buf and outcome != "ended":
        run.line(buf)
    elapsed = time.monotonic() - start

    if outcome == "interrupted":
        return 130
    if run.xen_panic:
        run.print_tail("Xen panicked; the last lines")
        return HARNESS_ERROR
    if run.harness_error:
        run.print_blocks(("xl log", "xl dmesg"))
        run.print_tail("the last dom0 and Xen lines")
        err(f"dom0 reported a harness error: {run.harness_error}")
        return HARNESS_ERROR
    if run.job_started is None:
        run.print_tail("the last dom0 and Xen lines")
        if outcome == "timeout" and a.timeout <= a.boot_timeout:
            err(f"timed out after {a.timeout:.0f} s before dom0 started the job")
            return TIMED_OUT
        if outcome == "timeout":
            err(f"dom0 did not start the job within {a.boot_timeout:.0f} s")
        else:
            err(f"QEMU exited (code {qemu.returncode}) before dom0 started the job")
        return HARNESS_ERROR
    if outcome != "ended":
        run.print_blocks(("xl log", "xl dmesg"))
        run.print_tail("the last dom0 and Xen lines")
        if outcome == "timeout":
            err(f"timed out after {a.timeout:.0f} s waiting for the job "
                f"({a.scenario}) to end in dom0")
            return TIMED_OUT
        err(f"QEMU exited (code {qemu.returncode}) before the job ended")
        return HARNESS_ERROR

    status = verdict(a, run)
    if status in (HARNESS_ERROR, TIMED_OUT) or (status == CRASHED and a.scenario != "crash"):
        run.print_blocks(("xl log", "xl dmesg"))
    err(f"timings: dom0 boot {run.job_started - start:.1f} s, scenario {a.scenario} "
        f"{run.job_ended - run.job_started:.1f} s, total {elapsed:.1f} s")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
