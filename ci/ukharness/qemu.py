"""A QEMU process whose serial console the harness reads, and the loop that
feeds the console to a state machine (firstdomain.FirstDomain, xl.Dom0).

Every wait is bounded: reads by the machine's deadline, the stop by
STOP_TIMEOUT. UKHARNESS_RECORD=FILE copies QEMU's raw output to FILE (how
the test fixtures in tests/logs were made)."""
import os
import selectors
import signal
import subprocess
import time

STOP_TIMEOUT = 5.0  # seconds between SIGTERM and SIGKILL

# follow()'s outcomes.
ENDED = "ended"            # the machine saw the end it waits for
TIMEOUT = "timeout"        # its deadline passed first
QEMU_EXIT = "qemu-exit"    # QEMU's output ended first
INTERRUPTED = "interrupted"


def split_lines(buf):
    """The complete lines in buf (decoded, without line ends) and the rest.
    surrogateescape keeps bytes that are not UTF-8, to be written back as is."""
    *lines, rest = buf.split(b"\n")
    return [raw.decode("utf-8", "surrogateescape").rstrip("\r\n") for raw in lines], rest


class Qemu:
    """QEMU in a process group of its own (so stop() ends its children too),
    its stdout and stderr on one pipe."""

    def __init__(self, cmd, stdin=False):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.proc.stdout, selectors.EVENT_READ)
        self.rest = b""
        self.input = None      # a stream whose bytes go to the serial line
        self.pending = b""     # read from it, not typed yet
        path = os.environ.get("UKHARNESS_RECORD")
        self.record = open(path, "wb") if path else None

    def forward(self, stream):
        """Passes what arrives on `stream` (the terminal's input) to the
        serial line, as type_pending() allows; its end stops the passing."""
        try:
            self.sel.register(stream, selectors.EVENT_READ)
        except PermissionError:
            # A regular file or /dev/null, which epoll refuses: never
            # blocks, so it is read whole now.
            self.pending += stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
            return
        self.input = stream

    def lines(self, timeout):
        """The lines that complete within timeout seconds ([] if none did);
        None once QEMU's output has ended."""
        out = []
        for key, _ in self.sel.select(timeout=max(timeout, 0)):
            if key.fileobj is self.input:
                data = os.read(self.input.fileno(), 4096)
                if data:
                    self.pending += data
                else:
                    self.sel.unregister(self.input)
                    self.input = None
                continue
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                return None
            if self.record:
                self.record.write(chunk)
            lines, self.rest = split_lines(self.rest + chunk)
            out += lines
        return out

    def type_pending(self):
        """Types what forward()'s stream has given so far."""
        if self.pending:
            self.type(self.pending)
            self.pending = b""

    def partial(self):
        """A last line without its newline, or None."""
        return self.rest.decode("utf-8", "surrogateescape").rstrip("\r") if self.rest else None

    def type(self, data):
        """Types bytes on the serial line."""
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    @property
    def returncode(self):
        return self.proc.returncode

    def stop(self):
        """Ends QEMU and its process group: SIGTERM, then SIGKILL after
        STOP_TIMEOUT. (After a poweroff Xen halts but QEMU keeps running.)"""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc.stdout.close()
        if self.proc.stdin:
            self.proc.stdin.close()
        if self.record:
            self.record.close()
            self.record = None


def follow(qemu, machine, clock=time.monotonic, forward=None):
    """Feeds qemu's console lines to machine.line() until one returns True
    (ENDED), clock() reaches machine.deadline() (TIMEOUT), or QEMU's output
    ends (QEMU_EXIT); Ctrl-C gives INTERRUPTED. Bytes the machine wants
    typed (machine.reply) are typed after the line that asked; what a
    forwarded stream (`forward`, passed to qemu.forward) gave is typed once
    machine.accepts_input is true. QEMU is stopped in every case; a last
    partial line is fed unless the run ended.

    qemu is a Qemu or anything with its lines/partial/type/stop methods (the
    tests replay recorded consoles that way)."""
    outcome = None
    try:
        if forward is not None:
            qemu.forward(forward)
        while outcome is None:
            left = machine.deadline() - clock()
            if left <= 0:
                outcome = TIMEOUT
                break
            lines = qemu.lines(left)
            if lines is None:
                outcome = QEMU_EXIT
                break
            for line in lines:
                if machine.line(line):
                    outcome = ENDED
                    break
                if machine.reply:
                    qemu.type(machine.reply)
                    machine.reply = None
            if getattr(machine, "accepts_input", False):
                qemu.type_pending()
    except KeyboardInterrupt:
        outcome = INTERRUPTED
    finally:
        qemu.stop()
    last = qemu.partial()
    if last is not None and outcome != ENDED:
        machine.line(last)
    return outcome
