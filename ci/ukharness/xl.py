"""An image as a domU under a Linux dom0 with the xl toolstack, on Xen under
QEMU: the QEMU command, the job's config, the state machine that reads the
console, and the verdict (what ci/xl/xlrun.py runs).

dom0's /init (ci/xl/init) runs the job and reports on the console in lines
of its own: "=== job start: ...", "=== domU console begin" ... "=== domU
console end" (the domU's console log), "=== domU end: HOW", blocks "=== xl
list (...)", "=== xl log ...", "=== xl dmesg ..." closed by "=== end",
"=== note: TEXT", "=== harness error: WHY" and "=== job end".
"""
import collections
import os
import re
import time

from . import console, qemu
from .outcome import CRASHED, HARNESS_ERROR, INTERRUPTED, TIMED_OUT, Verdict

SCENARIOS = ("run", "shutdown", "destroy", "crash")
TAIL = 25          # dom0's and Xen's last lines, shown when they explain the end
PANIC_GRACE = 2.0  # seconds after a Xen panic starts for its report to finish


class Options:
    """What a run needs (xlrun.py's options, same names and defaults)."""

    def __init__(self, image, cfg, xen, dom0="build/xl-dom0", scenario="run", wait_for="",
                 set=(), timeout=120.0, boot_timeout=60.0, guest_timeout=None, verbose=False):
        self.image = image
        self.cfg = cfg
        self.xen = xen
        self.dom0 = dom0
        self.scenario = scenario
        self.wait_for = wait_for
        self.set = list(set)
        self.timeout = timeout
        self.boot_timeout = boot_timeout
        # Each wait in dom0: half of what the time limit leaves after 30 s of boot.
        self.guest_timeout = guest_timeout if guest_timeout is not None else \
            max(5, int((timeout - 30) / 2))
        self.verbose = verbose


def qemu_command(o, initrd):
    # QEMU splits -initrd at commas; ",," is a literal comma.
    linux = os.path.join(o.dom0, "vmlinuz").replace(",", ",,")
    linux_cmdline = "console=hvc0 earlyprintk=xen rdinit=/init" + ("" if o.verbose else " quiet")
    # smap=0: the Linux dom0 dies early under TCG otherwise.
    xen_cmdline = ("console=com1 com1=115200,8n1 dom0_mem=384M,max:384M dom0_max_vcpus=1 "
                   "loglvl=all guest_loglvl=all smap=0")
    return ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", "1024",
            "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
            "-kernel", o.xen, "-append", xen_cmdline,
            "-initrd", f"{linux} {linux_cmdline},{initrd.replace(',', ',,')}"]


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


class Dom0:
    """Reads the serial console: Xen's lines, dom0's marker lines and blocks."""

    def __init__(self, o, report, clock=time.monotonic):
        self.o = o
        self.report = report
        self.clock = clock
        self.start = clock()
        self.job_started = None   # clock() at "=== job start"
        self.job_ended = None     # clock() at "=== job end"
        self.ended = None         # the text after "=== domU end: "
        self.harness_error = None
        self.panic = console.XenPanic()
        self.panic_at = None
        self.exit = None          # the guest's GuestExit, from its console log
        self.guest_lines = []
        self.block = None         # (title, lines) of the block being read
        self.blocks = []          # the finished ones but the console: xl list, log, dmesg
        self.tail = collections.deque(maxlen=TAIL)
        self.reply = None         # nothing is typed to dom0

    def deadline(self):
        """--boot-timeout until dom0 starts the job, --timeout in all; a Xen
        panic gets PANIC_GRACE for its report."""
        d = self.start + (self.o.timeout if self.job_started is not None else
                          min(self.o.timeout, self.o.boot_timeout))
        if self.panic_at is not None:
            d = min(d, self.panic_at + PANIC_GRACE)
        return d

    def line(self, text):
        """Handle one console line; return True when the job is over."""
        if self.o.verbose:
            self.report.show(text)
        in_dmesg = self.block is not None and self.block[0].startswith("xl dmesg")
        if console.is_xen(text) and not in_dmesg:
            self.tail.append(text)
            done = self.panic.line(text)
            if self.panic.seen and self.panic_at is None:
                self.panic_at = self.clock()
            return done
        if self.block is not None:
            self.block_line(text)
            return False
        if not text.startswith("=== "):
            self.tail.append(text)
            return False
        return self.mark(text[4:])

    def block_line(self, text):
        title, lines = self.block
        if text in ("=== end", "=== domU console end"):
            self.block = None
            if title != "domU console":
                self.blocks.append((title, lines))
            if title.startswith("xl list") and not self.o.verbose:
                self.print_block(title, lines)
        elif title == "domU console":
            self.guest(text)
        else:
            lines.append(text)

    def mark(self, what):
        """One of dom0's "=== " lines outside a block; True at the job's end."""
        if what == "domU console begin":
            self.block = ("domU console", [])
        elif what.startswith(("xl list", "xl log", "xl dmesg")):
            self.block = (what, [])
        elif what.startswith("job start"):
            self.job_started = self.clock()
            self.report.say(f"dom0 up, {self.job_started - self.start:.1f} s after QEMU start ({what})")
        elif what.startswith("domU end: "):
            self.ended = what[len("domU end: "):]
        elif what.startswith("note: "):
            if not self.o.verbose:
                self.report.say("dom0: " + what[len("note: "):])
        elif what.startswith("harness error: "):
            self.harness_error = what[len("harness error: "):]
        elif what == "job end":
            self.job_ended = self.clock()
            return True
        return False

    def guest(self, text):
        self.guest_lines.append(text)
        if not self.o.verbose:
            self.report.show(text)
        found = console.guest_exit(text)
        if found and self.exit is None:
            self.exit = found

    def print_block(self, title, lines):
        self.report.say(f"{title}:")
        self.report.detail(lines)

    def print_blocks(self, titles):
        if self.o.verbose:
            return  # shown as they came
        for title, lines in self.blocks:
            if title.startswith(titles):
                self.print_block(title, lines)

    def print_tail(self, what):
        if self.o.verbose:
            self.report.say(what + ": shown above")
        else:
            self.report.say(f"{what}:")
            self.report.detail(self.tail)

    def logs(self):
        self.print_blocks(("xl log", "xl dmesg"))

    def verdict(self, outcome, qemu_code):
        """The run's Verdict; its message, and what explains it, written to
        the report."""
        o = self.o
        if outcome == qemu.INTERRUPTED:
            return self.say(INTERRUPTED, "interrupted")
        if self.panic.seen:
            self.print_tail("Xen panicked; the last lines")
            return Verdict(HARNESS_ERROR, "Xen panicked; the last lines:")
        if self.harness_error:
            self.logs()
            self.print_tail("the last dom0 and Xen lines")
            return self.say(HARNESS_ERROR, f"dom0 reported a harness error: {self.harness_error}")
        if self.job_started is None:
            self.print_tail("the last dom0 and Xen lines")
            if outcome == qemu.TIMEOUT and o.timeout <= o.boot_timeout:
                return self.say(TIMED_OUT, f"timed out after {o.timeout:.0f} s before dom0 "
                                "started the job")
            if outcome == qemu.TIMEOUT:
                return self.say(HARNESS_ERROR, f"dom0 did not start the job within "
                                f"{o.boot_timeout:.0f} s")
            return self.say(HARNESS_ERROR, f"QEMU exited (code {qemu_code}) before dom0 started "
                            "the job")
        if outcome != qemu.ENDED:
            self.logs()
            self.print_tail("the last dom0 and Xen lines")
            if outcome == qemu.TIMEOUT:
                return self.say(TIMED_OUT, f"timed out after {o.timeout:.0f} s waiting for the "
                                f"job ({o.scenario}) to end in dom0")
            return self.say(HARNESS_ERROR, f"QEMU exited (code {qemu_code}) before the job ended")
        v = self.job_verdict()
        # xl's log says why the domain ended, unless that is what was asked for.
        if v.status in (HARNESS_ERROR, TIMED_OUT) or (self.crashed() and o.scenario != "crash"):
            self.logs()
        self.report.say(f"timings: dom0 boot {self.job_started - self.start:.1f} s, scenario "
                        f"{o.scenario} {self.job_ended - self.job_started:.1f} s, total "
                        f"{self.clock() - self.start:.1f} s")
        return v

    def job_verdict(self):
        """The verdict of a job that ran to its end, from dom0's "domU end"
        line and the guest's exit marker."""
        ended = self.ended or "unknown (no 'domU end' line)"
        if ended.startswith("timeout"):
            return self.say(TIMED_OUT, f"time limit in dom0: {ended}")
        if self.o.scenario == "destroy" and ended.startswith("destroyed"):
            return self.say(0, f"the domain was {ended}")
        if self.crashed():
            return self.say(CRASHED, f"the domain crashed: {ended}")
        if self.exit is not None:
            return self.say(self.exit.status, f"the guest exited with status {self.exit.status}: "
                            f"{ended}")
        return self.say(HARNESS_ERROR, f"the domain ended ({ended}) without a uk-exit line in its "
                        f"console log ({len(self.guest_lines)} lines)")

    def crashed(self):
        """The guest printed `uk-exit: crashed`, or dom0 saw the domain crash
        (a clean `uk-exit: status=134` is no crash)."""
        ended = self.ended or ""
        return ended.startswith("crashed") or "reason crash" in ended or \
            (self.exit is not None and self.exit.crashed)

    def say(self, status, message):
        self.report.say(message)
        return Verdict(status, message)


def run(o, initrd, report):
    """Boots dom0 with the job in initrd and returns the Verdict."""
    machine = Dom0(o, report)
    try:
        q = qemu.Qemu(qemu_command(o, initrd))
    except OSError as e:
        report.say(f"cannot start QEMU: {e}")
        return Verdict(HARNESS_ERROR, f"cannot start QEMU: {e}")
    outcome = qemu.follow(q, machine)
    return machine.verdict(outcome, q.returncode)
