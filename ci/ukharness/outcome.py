"""Exit statuses and the verdict of a run.

The statuses follow shell conventions (timeout(1)'s 124 and 125, a SIGABRT
death's 134, Ctrl-C's 130). An app can exit with any of them too; the
harness's message tells the two apart (docs/running.md)."""
from typing import NamedTuple

TIMED_OUT = 124      # a time limit ran out
HARNESS_ERROR = 125  # the harness could not run the image
INTERRUPTED = 130    # Ctrl-C
CRASHED = 134        # the domain crashed


def shell_status(n):
    """A guest's 32-bit status as a shell sees it: modulo 256 (-1 gives 255)."""
    return n % 256


class Verdict(NamedTuple):
    """How a run ended: the harness's exit status and its closing message
    (the stderr line after the program name)."""
    status: int
    message: str
