"""An image as a domU under a Linux dom0 with the xl toolstack, on Xen under
QEMU: the QEMU command, the job's config, the state machine that reads the
console, and the verdict (what ci/xl/xlrun.py runs).

dom0's /init (ci/xl/init) runs the job and reports on the console in lines
of its own: "=== job start: ...", "=== domU console begin" ... "=== domU
console end" (the domU's console log), "=== domU end: HOW", blocks "=== xl
list (...)", "=== xl log ...", "=== xl dmesg ..." closed by "=== end",
"=== note: TEXT", "=== harness error: WHY" and "=== job end". A client
(a shell script run in dom0 once the guest printed the wait-for text) adds
"=== client start: ...", blocks "=== client stdout" and "=== client
stderr" whose lines are behind "| ", and "=== client end: status N after S
s" (or "timeout after S s").

The network (--net): the domU gets one vif, `ip=` its address in
198.18.0.0/24 (default GUEST_IP), and dom0's vif script (ci/xl/vif-ukrt)
routes it point to point from DOM0_IP. Nothing leaves the emulated machine:
QEMU itself has no network device.

Disks (--disk): each host image file becomes a virtio drive of QEMU
(/dev/vda, /dev/vdb, ... in dom0), and the domU's config a disk line
(xvda, xvdb, ...) on that device through dom0's block script
(ci/xl/block-ukrt); what the guest writes lands in the host's file.
"""
import collections
import ipaddress
import os
import re
import time
from typing import NamedTuple, Optional

from . import console, qemu
from .outcome import CRASHED, HARNESS_ERROR, INTERRUPTED, TIMED_OUT, Verdict

SCENARIOS = ("run", "shutdown", "destroy", "crash", "script")
TAIL = 25          # dom0's and Xen's last lines, shown when they explain the end
PANIC_GRACE = 2.0  # seconds after a Xen panic starts for its report to finish

NETWORK = ipaddress.ip_network("198.18.0.0/24")
DOM0_IP = "198.18.0.1"
GUEST_IP = "198.18.0.2"
VIF_SCRIPT = "/etc/xen/scripts/vif-ukrt"    # in dom0 (ci/xl/vif-ukrt)
BLOCK_SCRIPT = "/etc/xen/scripts/block-ukrt"  # in dom0 (ci/xl/block-ukrt)
MAX_DISKS = 16                              # xvda..xvdp: the short vdev form
CLIENT_PREFIX = "| "                        # before each line of the client's output
CLIENT_END_RE = re.compile(r"^(?:status (\d+)|(timeout)) after ([\d.]+) s$")
# The lines xlrun writes about the client (report_client), read back by client_from_report.
CLIENT_EXIT_RE = re.compile(r"^xlrun: client exited with status (\d+) after ([\d.]+) s"
                            r"( \(timed out, killed\))?$", re.M)


def check_ip(ip):
    """The guest address as a string; ValueError unless it is a host of
    198.18.0.0/24 other than dom0's."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        raise ValueError(f"{ip!r} is not an IPv4 address") from None
    if addr not in NETWORK or addr in (NETWORK.network_address, NETWORK.broadcast_address):
        raise ValueError(f"{ip} is not a host address in {NETWORK}, the harness's network")
    if str(addr) == DOM0_IP:
        raise ValueError(f"{ip} is dom0's own address")
    return str(addr)


def mac_for(ip):
    """A fixed MAC for the guest address: Xen's prefix 00:16:3e (the one xl
    picks its random ones from), then c6:12 (198.18) and the host byte."""
    return "00:16:3e:c6:12:%02x" % ipaddress.ip_address(ip).packed[3]


def disk_letters(i):
    """a, b, ... for the i-th disk (as dom0's vd* and the guest's xvd*)."""
    return "abcdefghijklmnop"[i]


def disk_setting(count, read_only=False):
    """The config's disk line (as a --set KEY=VALUE) for count disks: dom0's
    /dev/vdX (QEMU's drives) as the guest's xvdX, through the block script."""
    access = "ro" if read_only else "rw"
    specs = [f"'format=raw, vdev=xvd{disk_letters(i)}, access={access}, "
             f"script={BLOCK_SCRIPT}, target=/dev/vd{disk_letters(i)}'" for i in range(count)]
    return "disk=[" + ", ".join(specs) + "]"


def vif_setting(ip):
    """The config's vif line (as a --set KEY=VALUE) for a guest at ip."""
    return f"vif=['ip={ip},mac={mac_for(ip)},script={VIF_SCRIPT}']"


class Options:
    """What a run needs (xlrun.py's options, same names and defaults).
    linux_guest: a shell script for the harness's Linux domU to run instead
    of an image (image and cfg are then ignored: dom0's kernel and a config
    of the harness's own are used). Scenario "script" has no domU of the
    harness's own: the client is the job, run at once, and manages its own
    domUs with xl. files: (NAME, PATH) pairs, put in dom0 as /job/files/NAME.
    icount: QEMU's -icount value (say "shift=0,sleep=off": time is the
    instructions executed, so the host's load drops out of the guests'
    clocks), None for real time."""

    def __init__(self, image, cfg, xen, dom0="build/xl-dom0", scenario="run", wait_for="",
                 set=(), timeout=120.0, boot_timeout=60.0, guest_timeout=None, verbose=False,
                 net=False, ip=GUEST_IP, client=None, client_timeout=None, linux_guest=None,
                 files=(), disks=(), disk_ro=False, stdin=None, symbolizer=None, icount=None):
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
        self.net = net
        self.ip = check_ip(ip)
        self.client = client
        self.client_timeout = client_timeout if client_timeout is not None else self.guest_timeout
        self.linux_guest = linux_guest
        self.files = list(files)
        self.disks = list(disks)
        if len(self.disks) > MAX_DISKS:
            raise ValueError(f"{len(self.disks)} disks: at most {MAX_DISKS}")
        self.disk_ro = disk_ro
        # A stream passed to the guest's console (make xl-run's terminal):
        # dom0 then runs `xl create -c`, and the console is shown live.
        self.stdin = stdin
        # Adds file and line to crash reports' frames (symbolize.py).
        self.symbolizer = symbolizer
        self.icount = icount


class Client(NamedTuple):
    """How the client ran in dom0: its exit status (124 when it timed out
    and was killed), its output lines, and how long it took."""
    status: int
    timed_out: bool
    seconds: float
    stdout: list
    stderr: list


class Result(NamedTuple):
    """A run's verdict (status: the guest's, as xlrun exits) and its client
    (None when no client ran)."""
    status: int
    message: str
    client: Optional[Client] = None


CLIENT_BLOCK_RE = re.compile(r"^xlrun: client (stdout|stderr)(?:: empty| \((\d+) lines\):)$")


def client_from_report(err):
    """The Client that xlrun's stderr text reports (report_client's lines:
    the output blocks, counted, and the "client exited" line); None when no
    client ran."""
    m = CLIENT_EXIT_RE.search(err)
    if not m:
        return None
    out = {"stdout": [], "stderr": []}
    lines = err[:m.start()].splitlines()
    for i, line in enumerate(lines):
        b = CLIENT_BLOCK_RE.match(line)
        if b and b.group(2):
            n = int(b.group(2))
            out[b.group(1)] = [x[4:] for x in lines[i + 1:i + 1 + n]]
    return Client(int(m.group(1)), m.group(3) is not None, float(m.group(2)), out["stdout"],
                  out["stderr"])


CPU = "max,-xsave"


def qemu_command(o, initrd):
    # QEMU splits -initrd at commas; ",," is a literal comma.
    linux = os.path.join(o.dom0, "vmlinuz").replace(",", ",,")
    linux_cmdline = "console=hvc0 earlyprintk=xen rdinit=/init" + ("" if o.verbose else " quiet")
    # smap=0: the Linux dom0 dies early under TCG otherwise.
    xen_cmdline = ("console=com1 com1=115200,8n1 dom0_mem=384M,max:384M dom0_max_vcpus=1 "
                   "loglvl=all guest_loglvl=all smap=0")
    # -xsave: with it, Linux processes (dom0's and a Linux domU's) now and
    # then died of corrupted registers: 6 of 1,500 `echo | sha256sum` runs
    # segfaulted in a Linux domU, none of 1,500 without XSAVE, where
    # neither Linux nor glibc can use AVX and Xen saves the FPU with FXSAVE.
    # The disks: virtio drives on the host's files (dom0's /dev/vda, ...),
    # written through to them (QEMU's writes land in the host's page cache,
    # a guest's flush becomes an fdatasync).
    drives = []
    for path in o.disks:
        drives += ["-drive", f"file={path.replace(',', ',,')},format=raw,if=virtio,cache=writeback"
                   + (",readonly=on" if o.disk_ro else "")]
    return ["qemu-system-x86_64", "-accel", "tcg", "-cpu", CPU, "-m", "1024",
            "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
            "-kernel", o.xen, "-append", xen_cmdline,
            "-initrd", f"{linux} {linux_cmdline},{initrd.replace(',', ',,')}"] + drives + \
        (["-icount", o.icount] if getattr(o, "icount", None) else [])


LINUX_GUEST_NAME = "linux-guest"


def linux_guest_config():
    """The xl config of the harness's Linux domU (dom0's kernel with the
    guest initramfs; the kernel and ramdisk paths are where dom0's /init
    finds them in the job)."""
    return "\n".join([
        f'name = "{LINUX_GUEST_NAME}"',
        'type = "pv"',
        'kernel = "/job/image.xen"',
        'ramdisk = "/job/image.initrd"',
        "memory = 128",
        "vcpus = 1",
        'extra = "console=hvc0 quiet rdinit=/init"',
        'on_poweroff = "destroy"',
        'on_reboot = "destroy"',
        'on_crash = "preserve"',
    ]) + "\n"


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
        self.reply = None         # nothing is typed to dom0 but forwarded input
        self.live = False         # the guest's console was shown live (xl create -c)
        self.accepts_input = False  # while the live console runs
        self.client_out = {}      # "stdout"/"stderr": the client's lines
        self.client = None        # its Client once "=== client end" came

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
        if title == "domU console live" and text.endswith("=== domU console live end"):
            # The guest's last line may lack its newline: the marker ends it.
            if text != "=== domU console live end":
                self.guest(text[:-len("=== domU console live end")])
            self.block = None
            self.accepts_input = False
        elif text in ("=== end", "=== domU console end"):
            self.block = None
            if title in ("client stdout", "client stderr"):
                self.client_out[title[len("client "):]] = lines
            elif title != "domU console":
                self.blocks.append((title, lines))
            if title.startswith("xl list") and not self.o.verbose:
                self.print_block(title, lines)
        elif title == "domU console live":
            self.guest(text)
        elif title == "domU console":
            # After a live console, the log repeats what was shown.
            self.guest(text, show=not self.live)
        elif title.startswith("client "):
            # A line that lost its prefix (it cannot, unless dom0's console
            # mixed lines) is kept whole.
            lines.append(text[len(CLIENT_PREFIX):] if text.startswith(CLIENT_PREFIX) else text)
        else:
            lines.append(text)

    def mark(self, what):
        """One of dom0's "=== " lines outside a block; True at the job's end."""
        if what == "domU console begin":
            self.block = ("domU console", [])
            self.guest_lines = []
        elif what == "domU console live":
            self.block = ("domU console live", [])
            self.live = self.accepts_input = True
        elif what.startswith(("xl list", "xl log", "xl dmesg", "vif log", "block log")) or \
                what in ("client stdout", "client stderr"):
            self.block = (what, [])
        elif what.startswith("client end: "):
            self.client_end(what[len("client end: "):])
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

    def client_end(self, how):
        m = CLIENT_END_RE.match(how)
        if not m:
            self.report.say(f"dom0: client end not understood: {how!r}")
            return
        timed_out = m.group(2) is not None
        self.client = Client(124 if timed_out else int(m.group(1)), timed_out,
                             float(m.group(3)), self.client_out.get("stdout", []),
                             self.client_out.get("stderr", []))
        self.report_client()

    def report_client(self):
        """The client's output and status, on the report's stderr."""
        c = self.client
        for name, lines in (("stdout", c.stdout), ("stderr", c.stderr)):
            if lines:
                self.print_block(f"client {name} ({len(lines)} lines)", lines)
            else:
                self.report.say(f"client {name}: empty")
        self.report.say(f"client exited with status {c.status} after {c.seconds:.2f} s"
                        + (" (timed out, killed)" if c.timed_out else ""))

    def guest(self, text, show=True):
        if self.o.symbolizer:
            text = self.o.symbolizer.line(text)
        self.guest_lines.append(text)
        if show and not self.o.verbose:
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
        self.print_blocks(("xl log", "vif log", "block log", "xl dmesg"))

    def verdict(self, outcome, qemu_code):
        """The run's Verdict; its message, and what explains it, written to
        the report (and, when a client was asked for but did not run, that)."""
        v = self.job_outcome(outcome, qemu_code)
        if self.o.client is not None and self.client is None:
            self.report.say("the client did not run (or dom0 did not report its end)")
        return v

    def job_outcome(self, outcome, qemu_code):
        o = self.o
        if outcome == qemu.INTERRUPTED:
            return self.say(INTERRUPTED, "interrupted (Ctrl-C); dom0 and the guest were stopped")
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
        line and the guest's exit marker (scenario script: the script's)."""
        if self.o.scenario == "script":
            return self.script_verdict()
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

    def script_verdict(self):
        """Scenario script: the script's exit status is the run's."""
        c = self.client
        if c is None:
            return self.say(HARNESS_ERROR, "dom0 did not report the end of the script")
        if c.timed_out:
            return self.say(TIMED_OUT, f"the dom0 script did not end within its bound "
                            f"({c.seconds:.0f} s) and was killed")
        return self.say(c.status, f"the dom0 script exited with status {c.status}")

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
    """Boots dom0 with the job in initrd and returns the Result."""
    machine = Dom0(o, report)
    try:
        q = qemu.Qemu(qemu_command(o, initrd), stdin=o.stdin is not None)
    except OSError as e:
        report.say(f"cannot start QEMU: {e}")
        return Result(HARNESS_ERROR, f"cannot start QEMU: {e}")
    outcome = qemu.follow(q, machine, forward=o.stdin)
    v = machine.verdict(outcome, q.returncode)
    return Result(v.status, v.message, machine.client)
