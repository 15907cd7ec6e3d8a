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

Every wait has a bound; the message says what was being waited for.
"""
import argparse
import collections
import os
import re
import selectors
import signal
import subprocess
import sys
import time

CRASHED = 134
TIMED_OUT = 124
HARNESS_ERROR = 125

EXIT_RE = re.compile(rb"^uk-exit: status=(-?\d+)\s*$")
CRASH_MARKER = b"uk-exit: crashed"
# What Xen prints when the first domain ends (xen/common/shutdown.c).
XEN_DOM0_END_RE = re.compile(rb"\(XEN\) Hardware Dom0 (halted|shutdown|crashed)")
XEN_PANIC_RE = re.compile(rb"\(XEN\) (Panic on CPU|\*\*\*\* PANIC)")


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
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also show Xen's own console lines")
    return p.parse_args(argv)


def qemu_command(a):
    # QEMU splits -initrd at commas; ",," is a literal comma.
    module = " ".join(x for x in (a.kernel, a.args) if x).replace(",", ",,")
    if a.ramdisk:
        module += "," + a.ramdisk.replace(",", ",,")
    xen_cmdline = (f"console=com1 com1=115200,8n1 dom0_mem={a.memory}M,max:{a.memory}M "
                   "dom0_max_vcpus=1 loglvl=all guest_loglvl=all")
    return ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", "512",
            "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
            "-kernel", a.xen, "-append", xen_cmdline, "-initrd", module]


class Run:
    def __init__(self, a):
        self.a = a
        self.status = None      # the guest's status, once known
        self.guest_reported = False  # the guest printed its exit marker
        self.confirmed = False  # Xen said the domain ended
        self.xen_panic = False   # Xen panicked; its report follows
        self.panic_done = False  # the report's closing line was seen
        self.xen_tail = collections.deque(maxlen=12)
        self.last_guest_line = b""

    def line(self, raw):
        """Handle one console line; return True when the run is over."""
        text = raw.rstrip(b"\r\n")
        is_xen = text.startswith(b"(XEN)")
        if not is_xen or self.a.verbose:
            sys.stdout.buffer.write(text + b"\n")
            sys.stdout.buffer.flush()
        if not is_xen:
            self.last_guest_line = text
            m = EXIT_RE.match(text)
            if m and self.status is None:
                self.status = int(m.group(1)) % 256
                self.guest_reported = True
            elif text.startswith(CRASH_MARKER) and self.status is None:
                self.status = CRASHED
                self.guest_reported = True
            return False
        self.xen_tail.append(text)
        if self.xen_panic:
            # The report ends with a line of stars after the message.
            self.panic_done = re.fullmatch(rb"\(XEN\) \*+", text) is not None and \
                not self.xen_tail[-2].endswith(b"****")
            return self.panic_done
        m = XEN_DOM0_END_RE.search(text)
        if m:
            self.confirmed = True
            if m.group(1) == b"crashed":
                self.status = CRASHED  # also when Xen itself killed the domain
            return True
        if XEN_PANIC_RE.search(text):
            self.xen_panic = True
        return False


def stop_qemu(qemu):
    """Ends QEMU (and its process group): politely, then after 5 s not."""
    if qemu.poll() is None:
        os.killpg(qemu.pid, signal.SIGTERM)
        try:
            qemu.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(qemu.pid, signal.SIGKILL)
            qemu.wait()


def err(msg):
    print(f"xenrun: {msg}", file=sys.stderr, flush=True)


def main(argv):
    a = parse_args(argv)
    for path, what in ((a.kernel, "kernel image"), (a.xen, "Xen binary"),
                       (a.ramdisk, "ramdisk")):
        if path is None:
            continue
        if not os.path.isfile(path):
            err(f"{what} {path!r} does not exist")
            return HARNESS_ERROR
    start = time.monotonic()
    try:
        qemu = subprocess.Popen(qemu_command(a),
                                stdin=subprocess.PIPE if a.input else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
    except OSError as e:
        err(f"cannot start QEMU: {e}")
        return HARNESS_ERROR
    run = Run(a)
    sel = selectors.DefaultSelector()
    sel.register(qemu.stdout, selectors.EVENT_READ)
    buf = b""
    deadline = start + a.timeout
    marker_at = None
    outcome = None
    try:
        while outcome is None:
            now = time.monotonic()
            if (run.status is not None or run.xen_panic) and marker_at is None:
                # Bound the wait for Xen's last words.
                marker_at = now
                deadline = min(deadline, now + a.shutdown_timeout)
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
                if a.input and a.input_after.encode() in raw:
                    # Typed on the serial line; Xen passes it to the first domain.
                    qemu.stdin.write(a.input.encode().decode("unicode_escape").encode())
                    qemu.stdin.flush()
                    a.input = None
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
        err("Xen panicked; its last lines:")
        for line in run.xen_tail:
            print("    " + line.decode(errors="replace"), file=sys.stderr)
        return HARNESS_ERROR
    if run.status is None:
        if outcome == "timeout":
            err(f"timed out after {a.timeout:.0f} s waiting for the guest to exit; "
                f"last guest line: {run.last_guest_line.decode(errors='replace')!r}")
            return TIMED_OUT
        err(f"QEMU exited (code {qemu.returncode}) before the guest reported an exit status")
        return HARNESS_ERROR
    if not run.confirmed:
        err(f"the guest reported its exit but Xen did not confirm the domain ended "
            f"within {a.shutdown_timeout:.0f} s")
        return TIMED_OUT
    if run.status == CRASHED and not run.guest_reported:
        # Xen ended the domain itself (e.g. it could not deliver a fault on
        # an overflowed stack): its console says why.
        err(f"the domain crashed without a report from the guest ({elapsed:.1f} s); "
            "Xen's last lines:")
        for line in run.xen_tail:
            print("    " + line.decode(errors="replace"), file=sys.stderr)
    elif run.status == CRASHED:
        err(f"the domain crashed ({elapsed:.1f} s)")
    else:
        err(f"the guest exited with status {run.status} ({elapsed:.1f} s)")
    return run.status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
