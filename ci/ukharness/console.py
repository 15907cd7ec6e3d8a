"""The grammar of the console lines the harness reads.

The guest (runtime/src/exit.rs, runtime/src/apps/mod.rs) prints:

    uk-exit: status=N                  the image's exit status, last line
    uk-exit: crashed                   after a crash report, last line
    uk-app: name=NAME status=N k=v...  one per app, as it ends
    uk-apps: k=v...                    once all apps have ended
    uk-stats: k=v...                   with uk.stats, before uk-exit

Xen (xen/common/shutdown.c, xen/drivers/char/console.c) prints:

    (XEN) Hardware Dom0 halted|shutdown|crashed ...   the first domain ended
    (XEN) Panic on CPU N: / **** PANIC ...            a panic report follows
"""
import re
from typing import NamedTuple

from .outcome import CRASHED, shell_status

EXIT_RE = re.compile(r"^uk-exit: status=(-?\d+)\s*$")
CRASH_MARKER = "uk-exit: crashed"
APP = "uk-app: "
APPS = "uk-apps: "
STATS = "uk-stats: "
XEN_PREFIX = "(XEN)"
XEN_DOM0_END_RE = re.compile(r"\(XEN\) Hardware Dom0 (halted|shutdown|crashed)")
XEN_PANIC_RE = re.compile(r"\(XEN\) (Panic on CPU|\*\*\*\* PANIC)")
XEN_STARS_RE = re.compile(r"\(XEN\) \*+")


class GuestExit(NamedTuple):
    """The guest's exit marker. A clean `uk-exit: status=134` (an app that
    called abort()) has status 134 but did not crash."""
    status: int
    crashed: bool


def guest_exit(line):
    """The GuestExit a `uk-exit:` line reports, or None for other lines."""
    m = EXIT_RE.match(line)
    if m:
        return GuestExit(shell_status(int(m.group(1))), False)
    if line.startswith(CRASH_MARKER):
        return GuestExit(CRASHED, True)
    return None


def is_xen(line):
    return line.startswith(XEN_PREFIX)


def xen_dom0_end(line):
    """"halted", "shutdown" or "crashed" when Xen says the first domain
    ended, else None."""
    m = XEN_DOM0_END_RE.search(line)
    return m.group(1) if m else None


class XenPanic:
    """Follows Xen's panic report through the (XEN) lines fed to it: `seen`
    from its first line, `done` at the line of stars closing the message."""

    def __init__(self):
        self.seen = False
        self.done = False
        self.prev = ""

    def line(self, text):
        """Feed one (XEN) line; returns True when the report is complete."""
        if self.seen and not self.done:
            # The opening stars come before the "Panic on CPU" line; the
            # closing ones follow the message, not another line of stars.
            self.done = XEN_STARS_RE.fullmatch(text) is not None and not self.prev.endswith("****")
        elif XEN_PANIC_RE.search(text):
            self.seen = True
        self.prev = text
        return self.done


def pairs(words):
    """The key=value words of a list of words, as a dict (others skipped)."""
    return dict(w.split("=", 1) for w in words if "=" in w)


def all_fields(text, prefix):
    """One dict of key=value pairs per line of text starting with prefix."""
    return [pairs(line[len(prefix):].split()) for line in text.splitlines()
            if line.startswith(prefix)]


def fields(text, prefix):
    """The key=value pairs of every line starting with prefix, merged (a
    later line's value wins); {} when there is no such line."""
    out = {}
    for found in all_fields(text, prefix):
        out.update(found)
    return out


def apps(text):
    """The `uk-app:` lines' pairs, in the order the apps ended."""
    return all_fields(text, APP)


def stats(text):
    """The `uk-stats:` line's counters (strings)."""
    return fields(text, STATS)
