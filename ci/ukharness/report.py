"""Where a run's words go: console lines to stdout, the harness's messages
("xenrun: ...") and their indented detail lines to stderr. Tests give a
Report StringIO streams and read them back."""
import sys


class Report:
    def __init__(self, prog, out=None, err=None):
        self.prog = prog
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    def show(self, text):
        """One console line, flushed at once so output follows the guest."""
        self.out.write(text + "\n")
        self.out.flush()

    def say(self, text):
        print(f"{self.prog}: {text}", file=self.err, flush=True)

    def detail(self, lines):
        for line in lines:
            print("    " + line, file=self.err)
        self.err.flush()


def console_streams():
    """Makes stdout pass the guest's bytes through unchanged: console lines
    are decoded with surrogateescape (qemu.py), so bytes that are not UTF-8
    come out as they went in."""
    sys.stdout.reconfigure(errors="surrogateescape")
    sys.stderr.reconfigure(errors="backslashreplace")
