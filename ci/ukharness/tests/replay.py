"""Replays a recorded console (logs/NAME.log) through a harness state
machine, the way qemu.follow feeds it from a live QEMU."""
import io
import os
from typing import NamedTuple

from ukharness import firstdomain, qemu, xl
from ukharness.report import Report

from .cases import FIRST_DOMAIN, XL, options

LOGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "logs")


def log(name):
    with open(os.path.join(LOGS, name + ".log"), "rb") as f:
        return f.read()


def cut(data, text, keep=True):
    """data up to the first line containing text (with it when keep)."""
    i = data.index(text.encode())
    end = data.index(b"\n", i) + 1 if keep else data.rindex(b"\n", 0, i) + 1
    return data[:end]


class Clock:
    """Time that moves only when the replay says: a console replays in no time."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class RecordedQemu:
    """Serves a recorded console a line per read, like Qemu.lines. When the
    recording ends, QEMU exits (exits=True) or stays silent: each read then
    lets the whole wait pass on the clock, as a silent QEMU would."""

    def __init__(self, data, clock, exits=False):
        self.lines_left, self.rest = qemu.split_lines(data)
        self.lines_left.reverse()
        self.clock = clock
        self.exits = exits
        self.returncode = None
        self.typed = []      # (the line before, the bytes typed after it)
        self.last = None

    def lines(self, timeout):
        if self.lines_left:
            self.last = self.lines_left.pop()
            return [self.last]
        if self.exits:
            return None
        self.clock.now += timeout
        return []

    def partial(self):
        return self.rest.decode("utf-8", "surrogateescape") if self.rest else None

    def type(self, data):
        self.typed.append((self.last, data))

    def type_pending(self):
        pass  # no forwarded input in a replay

    def stop(self):
        self.returncode = 1 if self.exits else -15


class Replayed(NamedTuple):
    outcome: str        # qemu.follow's
    status: int
    message: str        # the verdict's closing message
    out: str            # what the harness wrote to stdout
    err: str            # and to stderr
    qemu: RecordedQemu
    clock: Clock
    machine: object     # the state machine, as the replay left it


def run(machine_class, prog, o, data, exits):
    clock = Clock()
    out, err = io.StringIO(), io.StringIO()
    machine = machine_class(o, Report(prog, out, err), clock)
    q = RecordedQemu(data, clock, exits)
    outcome = qemu.follow(q, machine, clock)
    v = machine.verdict(outcome, q.returncode)
    return Replayed(outcome, v.status, v.message, out.getvalue(), err.getvalue(), q, clock,
                    machine)


def first_domain(name, data=None, exits=False, **changes):
    """Replays logs/NAME.log (or data) as xenrun would read it, with the
    options it was recorded with (changes overriding them)."""
    o = firstdomain.Options("kernel", "xen", **{**options(FIRST_DOMAIN[name]), **changes})
    return run(firstdomain.FirstDomain, "xenrun", o, log(name) if data is None else data, exits)


def dom0(name, data=None, exits=False, **changes):
    """The same as xlrun would read it."""
    o = xl.Options("image.xen", "image.cfg", "xen", **{**options(XL.get(name, {})), **changes})
    return run(xl.Dom0, "xlrun", o, log(name) if data is None else data, exits)
