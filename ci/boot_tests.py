#!/usr/bin/env python3
"""Boot tests: run ukrt images on Xen under QEMU (through ci/xenrun.py, the
same path `make run` takes) and assert on what the guest printed and on the
exit status the harness reports."""
import argparse
import os
import re
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
KERNEL = None
XEN = None


def cargo_version():
    with open(os.path.join(ROOT, "Cargo.toml")) as f:
        return re.search(r'^version = "([^"]+)"', f.read(), re.M).group(1)


class Boot:
    """One finished run of an image."""

    def __init__(self, args="", memory=64, image=None, timeout=60):
        cmd = [sys.executable, os.path.join(HERE, "xenrun.py"), image or KERNEL,
               "--xen", XEN, "--memory", str(memory), "--timeout", str(timeout),
               "--args", args]
        p = subprocess.run(cmd, capture_output=True, timeout=timeout + 30)
        self.status = p.returncode
        self.out = p.stdout.decode(errors="replace")
        self.err = p.stderr.decode(errors="replace")
        self.lines = self.out.splitlines()

    def __str__(self):
        return f"status {self.status}\n--- stdout\n{self.out}--- stderr\n{self.err}"


class FirstDomain(unittest.TestCase):
    def boot(self, *a, **kw):
        return Boot(*a, **kw)

    def test_hello_banner_and_status_0(self):
        b = self.boot()
        self.assertEqual(b.status, 0, b)
        banner = (f"ukrt {cargo_version()} on Xen 4.17.")
        self.assertTrue(b.lines[0].startswith(banner), b)
        self.assertRegex(b.lines[0], r"\(first domain\): 64 MiB, cmdline \"\"$")
        self.assertIn("Hello, world! (from the built-in hello app)", b.lines)
        self.assertEqual(b.lines[-1], "uk-exit: status=0")
        self.assertNotIn("(XEN)", b.out, "Xen's chatter is filtered without -v")

    def test_command_line_reaches_the_guest(self):
        b = self.boot('alpha beta,gamma "q" uk.unknown')
        self.assertEqual(b.status, 0, b)
        self.assertIn('cmdline "alpha beta,gamma \\"q\\" uk.unknown"', b.lines[0])
        self.assertEqual(
            [l for l in b.lines if l.startswith("argv[")],
            ['argv[0] = "alpha"', 'argv[1] = "beta,gamma"', 'argv[2] = "\\"q\\""'])
        self.assertIn("ukrt: warning: unknown runtime option uk.unknown", b.out)

    def test_memory_size_is_reported(self):
        b = self.boot(memory=128)
        self.assertEqual(b.status, 0, b)
        self.assertIn("(first domain): 128 MiB", b.lines[0])

    def test_exit_status_is_carried_out(self):
        for n, expect in ((3, 3), (255, 255), (-1, 255)):
            with self.subTest(n=n):
                b = self.boot(f"exit={n}")
                self.assertEqual(b.status, expect, b)
                self.assertEqual(b.lines[-1], f"uk-exit: status={n}")
                self.assertIn(f"the guest exited with status {expect}", b.err)

    def test_bad_switch_is_an_error_not_a_crash(self):
        b = self.boot("exit=three")
        self.assertEqual(b.status, 2, b)
        self.assertIn('hello: bad argument "exit=three"', b.out)

    def test_panic_gives_crash_report_and_nonzero_status(self):
        b = self.boot("panic=boom")
        self.assertEqual(b.status, 134, b)
        self.assertRegex(b.out, r"\*\*\* ukrt panic at runtime/src/hello\.rs:\d+:\d+: hello: boom")
        self.assertEqual(b.lines[-1], "uk-exit: crashed")
        self.assertIn("the domain crashed", b.err)

    def test_no_output_is_lost(self):
        n = 3000
        b = self.boot(f"lines={n}")
        self.assertEqual(b.status, 0, b)
        got = [l for l in b.lines if l.startswith("line ")]
        self.assertEqual(got, [f"line {i} of {n}: the quick brown fox jumps over the lazy dog"
                               for i in range(n)])


class Harness(unittest.TestCase):
    def test_missing_kernel_is_a_clear_error(self):
        b = Boot(image="/nonexistent/kernel")
        self.assertEqual(b.status, 125, b)
        self.assertIn("kernel image '/nonexistent/kernel' does not exist", b.err)

    def test_a_guest_that_never_exits_times_out(self):
        start = time.monotonic()
        b = Boot("hang", timeout=6)
        self.assertEqual(b.status, 124, b)
        self.assertLess(time.monotonic() - start, 20)
        self.assertIn("timed out after 6 s waiting for the guest to exit; "
                      "last guest line: 'hello: hanging as asked'", b.err)

    def test_an_image_xen_refuses_is_reported_with_xens_reason(self):
        # Xen's own binary is no PV kernel: the domain builder refuses it.
        b = Boot(image=XEN, timeout=30)
        self.assertEqual(b.status, 125, b)
        self.assertIn("Xen panicked; its last lines:", b.err)
        self.assertIn("Will only load images built for the generic loader", b.err)


def main():
    global KERNEL, XEN
    p = argparse.ArgumentParser()
    p.add_argument("--kernel", required=True)
    p.add_argument("--xen", required=True)
    a, rest = p.parse_known_args()
    KERNEL, XEN = a.kernel, a.xen
    prog = unittest.main(argv=[sys.argv[0], "-v"] + rest, exit=False)
    r = prog.result
    failed = len(r.failures) + len(r.errors)
    print(f"{r.testsRun - failed - len(r.skipped)} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
