"""An image as Xen's first domain: the QEMU command, the state machine that
reads the console, and the verdict (what ci/xenrun.py runs).

The guest ends with its exit marker (console.guest_exit) and shuts down;
Xen confirms with `(XEN) Hardware Dom0 halted|shutdown|crashed`. The
verdict's status is the guest's (modulo 256), or CRASHED when the guest
printed `uk-exit: crashed` or Xen says the domain crashed, TIMED_OUT when a
bound ran out, HARNESS_ERROR when QEMU or Xen failed (a Xen panic included).
"""
import collections
import os
import time

from . import console, qemu
from .outcome import CRASHED, HARNESS_ERROR, INTERRUPTED, TIMED_OUT, Verdict

XEN_TAIL = 12  # Xen's last lines, shown when Xen explains the end


class Options:
    """What a run needs (xenrun.py's options, same names and defaults)."""

    def __init__(self, kernel, xen, args="", ramdisk=None, memory=64, timeout=120.0,
                 shutdown_timeout=15.0, input=None, input_after="ready for input",
                 verbose=False, stdin=None, gdb_port=None, symbolizer=None):
        self.kernel = kernel
        self.xen = xen
        self.args = args
        self.ramdisk = ramdisk
        self.memory = memory
        self.timeout = timeout
        self.shutdown_timeout = shutdown_timeout
        self.input = input
        self.input_after = input_after
        self.verbose = verbose
        self.stdin = stdin   # a stream passed to the guest's console (make run's terminal)
        # COM2 as a TCP server on this loopback port (the gdb stub's channel).
        self.gdb_port = gdb_port
        # Adds file and line to crash reports' frames (symbolize.py).
        self.symbolizer = symbolizer


def machine_memory(guest_mib):
    """MiB for QEMU: the guest's, plus room for Xen itself (at least 512)."""
    return max(512, guest_mib + 256)


def qemu_command(o):
    # QEMU splits -initrd at commas; ",," is a literal comma.
    module = " ".join(x for x in (o.kernel, o.args) if x).replace(",", ",,")
    if o.ramdisk:
        module += "," + o.ramdisk.replace(",", ",,")
    xen_cmdline = (f"console=com1 com1=115200,8n1 dom0_mem={o.memory}M,max:{o.memory}M "
                   "dom0_max_vcpus=1 loglvl=all guest_loglvl=all")
    com2 = ["-serial", f"tcp:127.0.0.1:{o.gdb_port},server=on,wait=off"] if o.gdb_port else []
    return ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", str(machine_memory(o.memory)),
            "-nodefaults", "-display", "none", "-serial", "stdio", *com2, "-no-reboot",
            "-kernel", o.xen, "-append", xen_cmdline, "-initrd", module]


class FirstDomain:
    """Reads the serial console of Xen with the image as its first domain."""

    def __init__(self, o, report, clock=time.monotonic):
        self.o = o
        self.report = report
        self.clock = clock
        self.start = clock()
        self.exit = None           # the guest's GuestExit, once printed
        self.xen_end = None        # "halted", "shutdown" or "crashed"
        self.panic = console.XenPanic()
        self.ending_at = None      # when the marker (or a Xen panic) came
        self.xen_tail = collections.deque(maxlen=XEN_TAIL)
        self.last_guest_line = ""
        self.reply = None          # bytes for qemu.follow to type
        # Forwarded input waits for the guest's first line: typed while Xen
        # boots, it would go to Xen's own console.
        self.accepts_input = False
        # --input is typed as written, with \n for Enter.
        self.to_type = o.input.encode().decode("unicode_escape").encode() if o.input else None

    def deadline(self):
        """--timeout from the start; once the guest (or Xen's panic) says
        the end is near, at most --shutdown-timeout more for Xen's last words."""
        d = self.start + self.o.timeout
        if self.ending_at is not None:
            d = min(d, self.ending_at + self.o.shutdown_timeout)
        return d

    def line(self, text):
        """Handle one console line; return True when the run is over."""
        xen = console.is_xen(text)
        if not xen and self.o.symbolizer:
            text = self.o.symbolizer.line(text)
        if not xen or self.o.verbose:
            self.report.show(text)
        if not xen:
            self.guest_line(text)
            return False
        self.xen_tail.append(text)
        if not self.panic.seen:
            self.xen_end = console.xen_dom0_end(text)
            if self.xen_end:
                return True
        done = self.panic.line(text)
        if self.panic.seen:
            self.ending()
        return done

    def guest_line(self, text):
        self.last_guest_line = text
        self.accepts_input = True
        found = console.guest_exit(text)
        if found and self.exit is None:
            self.exit = found
            self.ending()
        if self.to_type and self.o.input_after in text:
            # Typed on the serial line; Xen passes it to the first domain.
            self.reply, self.to_type = self.to_type, None

    def ending(self):
        if self.ending_at is None:
            self.ending_at = self.clock()

    def verdict(self, outcome, qemu_code):
        """The run's Verdict, its message (and Xen's lines when they explain
        it) written to the report."""
        elapsed = self.clock() - self.start
        crashed = self.xen_end == "crashed" or (self.exit is not None and self.exit.crashed)
        if outcome == qemu.INTERRUPTED:
            return self.say(INTERRUPTED, f"interrupted (Ctrl-C) after {elapsed:.1f} s; the guest "
                            "was stopped")
        if self.panic.seen:
            return self.say(HARNESS_ERROR, "Xen panicked; its last lines:", self.xen_tail)
        if self.exit is None and not crashed:
            if outcome == qemu.TIMEOUT:
                return self.say(TIMED_OUT, f"timed out after {self.o.timeout:.0f} s waiting for the "
                                f"guest to exit; last guest line: {self.last_guest_line!r}")
            if outcome == qemu.ENDED:
                return self.say(HARNESS_ERROR, f"Xen says the domain ended ({self.xen_end}) but the "
                                "guest printed no uk-exit line; Xen's last lines:", self.xen_tail)
            return self.say(HARNESS_ERROR, f"QEMU exited (code {qemu_code}) before the guest "
                            "reported an exit status")
        if self.xen_end is None:
            return self.say(TIMED_OUT, "the guest reported its exit but Xen did not confirm the "
                            f"domain ended within {self.o.shutdown_timeout:.0f} s")
        if crashed and self.exit is None:
            # Xen ended the domain itself (e.g. it could not deliver a fault
            # on an overflowed stack): its console says why.
            return self.say(CRASHED, f"the domain crashed without a report from the guest "
                            f"({elapsed:.1f} s); Xen's last lines:", self.xen_tail)
        if crashed:
            return self.say(CRASHED, f"the domain crashed ({elapsed:.1f} s)")
        return self.say(self.exit.status,
                        f"the guest exited with status {self.exit.status} ({elapsed:.1f} s)")

    def say(self, status, message, details=()):
        self.report.say(message)
        self.report.detail(details)
        return Verdict(status, message)


def missing_file(o):
    """The message for the first input file that does not exist, or None."""
    for path, what in ((o.kernel, "kernel image"), (o.xen, "Xen binary"), (o.ramdisk, "ramdisk")):
        if path is not None and not os.path.isfile(path):
            return f"{what} {path!r} does not exist"
    return None


def run(o, report):
    """Boots the image and returns the Verdict."""
    problem = missing_file(o)
    if problem:
        report.say(problem)
        return Verdict(HARNESS_ERROR, problem)
    machine = FirstDomain(o, report)
    try:
        q = qemu.Qemu(qemu_command(o), stdin=o.input is not None or o.stdin is not None)
    except OSError as e:
        report.say(f"cannot start QEMU: {e}")
        return Verdict(HARNESS_ERROR, f"cannot start QEMU: {e}")
    outcome = qemu.follow(q, machine, forward=o.stdin)
    return machine.verdict(outcome, q.returncode)
