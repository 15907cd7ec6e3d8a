"""The QEMU process handling, on stand-in processes (a Python child, not
QEMU): bounded reads, partial lines, stopping by process group."""
import signal
import sys
import unittest

from ukharness import qemu


def child(code):
    return [sys.executable, "-c", code]


class Lines:
    """A machine that keeps every line and ends at "end"."""

    def __init__(self, clock, bound):
        self.got = []
        self.until = clock() + bound
        self.reply = None

    def deadline(self):
        return self.until

    def line(self, text):
        self.got.append(text)
        return text == "end"


class Process(unittest.TestCase):
    def test_lines_end_and_the_process_is_stopped(self):
        q = qemu.Qemu(child("import time; print('a\\r\\nb', flush=True); print('end', flush=True);"
                            " time.sleep(60)"))
        m = Lines(qemu.time.monotonic, 20)
        self.assertEqual(qemu.follow(q, m), qemu.ENDED)
        self.assertEqual(m.got, ["a", "b", "end"])
        self.assertEqual(q.returncode, -signal.SIGTERM)

    def test_a_partial_last_line_is_fed_when_qemu_exits(self):
        q = qemu.Qemu(child("import sys; sys.stdout.write('one\\ntwo')"))
        m = Lines(qemu.time.monotonic, 20)
        self.assertEqual(qemu.follow(q, m), qemu.QEMU_EXIT)
        self.assertEqual(m.got, ["one", "two"])
        self.assertEqual(q.returncode, 0)

    def test_forwarded_input_is_typed_once_the_machine_accepts_it(self):
        import os
        r, w = os.pipe()
        os.write(w, b"first line\nsecond\n")
        os.close(w)
        q = qemu.Qemu(child("import sys; print('up', flush=True)\n"
                            "for n in range(2): print('got ' + sys.stdin.readline().strip(), flush=True)\n"
                            "print('end', flush=True)"), stdin=True)
        m = Lines(qemu.time.monotonic, 20)
        m.accepts_input = False
        m_line = m.line

        def line(text):
            m.accepts_input = True  # after the first line, as FirstDomain does
            return m_line(text)
        m.line = line
        with os.fdopen(r, "rb", buffering=0) as stream:
            self.assertEqual(qemu.follow(q, m, forward=stream), qemu.ENDED)
        self.assertEqual(m.got, ["up", "got first line", "got second", "end"])

    def test_silence_runs_into_the_deadline(self):
        q = qemu.Qemu(child("import time; print('hi', flush=True); time.sleep(60)"))
        m = Lines(qemu.time.monotonic, 0.5)
        self.assertEqual(qemu.follow(q, m), qemu.TIMEOUT)
        self.assertEqual(m.got, ["hi"])

    def test_a_process_ignoring_sigterm_is_killed(self):
        saved, qemu.STOP_TIMEOUT = qemu.STOP_TIMEOUT, 0.2
        try:
            q = qemu.Qemu(child("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
                                " print('end', flush=True); time.sleep(60)"))
            self.assertEqual(qemu.follow(q, Lines(qemu.time.monotonic, 20)), qemu.ENDED)
        finally:
            qemu.STOP_TIMEOUT = saved
        self.assertEqual(q.returncode, -signal.SIGKILL)

    def test_bytes_that_are_not_utf8_survive(self):
        lines, rest = qemu.split_lines(b"caf\xe9\nx")
        self.assertEqual(lines[0].encode("utf-8", "surrogateescape"), b"caf\xe9")
        self.assertEqual(rest, b"x")


if __name__ == "__main__":
    unittest.main()
