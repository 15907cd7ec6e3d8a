"""make debug: the image as Xen's first domain with the runtime's gdb stub
on COM2 (QEMU serves it on a loopback TCP port), and Debian's gdb attached
to it once the guest says it waits (ci/gdbrun.py).

The runtime announces every loaded object ("ukrt-gdb: object FILE app APP
base 0x..."); the gdb script loads the kernel's symbols and each object's
at its base (`add-symbol-file PATH -o BASE`), found by name in the symbol
folders (unstripped build outputs first), then connects."""
import os
import re
import signal
import socket
import subprocess

from . import firstdomain, qemu
from .outcome import HARNESS_ERROR, Verdict
from .symbolize import ROOT, SOURCE_ROOT

OBJECT = re.compile(r"^ukrt-gdb: object (\S+) app (\S+) base (0x[0-9a-f]+)$")
WAITING = "ukrt-gdb: waiting for gdb"


def parse_object(line):
    """(file, app, base) from an object line, or None."""
    m = OBJECT.match(line)
    return (m.group(1), m.group(2), int(m.group(3), 16)) if m else None


def find_symbols(name, dirs):
    """The first dirs/name that exists, or None."""
    for d in dirs:
        path = os.path.join(d, name)
        if os.path.isfile(path):
            return path
    return None


def script(kernel, objects, dirs, port):
    """The gdb commands: symbols, then the connection. objects are
    (file, app, base) in load order; missing files get a comment."""
    out = ["set pagination off", "set confirm off",
           f"set substitute-path {SOURCE_ROOT} {ROOT}",
           f"file {os.path.abspath(kernel)}"]
    seen = set()
    for name, app, base in objects:
        if (name, base) in seen:
            continue
        seen.add((name, base))
        path = find_symbols(name, dirs)
        if path is None:
            out.append(f"# {name} (app {app}) at {base:#x}: no file of that name in {dirs}")
        else:
            out.append(f"add-symbol-file {os.path.abspath(path)} -o {base:#x}")
    out.append(f"target remote 127.0.0.1:{port}")
    return "\n".join(out) + "\n"


def free_port():
    """A loopback TCP port that is free now (QEMU binds it just after)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DebugDomain(firstdomain.FirstDomain):
    """The first domain's console, and gdb started at the first wait."""

    def __init__(self, o, report, gdb):
        super().__init__(o, report)
        self.gdb = gdb
        self.objects = []
        self.proc = None

    def guest_line(self, text):
        super().guest_line(text)
        found = parse_object(text)
        if found:
            self.objects.append(found)
        elif text.startswith(WAITING) and self.proc is None:
            self.proc = self.gdb.start(self.objects)


class Gdb:
    """How to start gdb: the command, the symbol sources, the script's path."""

    def __init__(self, kernel_symbols, dirs, port, script_path, extra_args=(), command="gdb"):
        self.kernel_symbols = kernel_symbols
        self.dirs = dirs
        self.port = port
        self.script_path = script_path
        self.extra_args = list(extra_args)
        self.command = command

    def start(self, objects):
        with open(self.script_path, "w") as f:
            f.write(script(self.kernel_symbols, objects, self.dirs, self.port))
        # Ctrl-C is gdb's (it interrupts the guest); the harness ignores it
        # while gdb runs, and QEMU is in a session of its own.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        return subprocess.Popen([self.command, "-q", "-nx", "-x", self.script_path,
                                 *self.extra_args])


def run(o, report, gdb):
    """Boots the image with COM2 on gdb.port, runs gdb when the guest
    waits, and returns (the run's Verdict, gdb's exit status or None if it
    never started). Waits for gdb to end after the guest did."""
    problem = firstdomain.missing_file(o)
    if problem:
        report.say(problem)
        return Verdict(HARNESS_ERROR, problem), None
    machine = DebugDomain(o, report, gdb)
    try:
        q = qemu.Qemu(firstdomain.qemu_command(o), stdin=False)
    except OSError as e:
        report.say(f"cannot start QEMU: {e}")
        return Verdict(HARNESS_ERROR, f"cannot start QEMU: {e}"), None
    outcome = qemu.follow(q, machine)
    verdict = machine.verdict(outcome, q.returncode)
    status = None
    if machine.proc is not None:
        status = machine.proc.wait()
        signal.signal(signal.SIGINT, signal.default_int_handler)
    else:
        report.say("the guest never waited for gdb (no uk.gdb=wait, and no fatal fault with "
                   "uk.gdb=crash): gdb was not started")
    return verdict, status
