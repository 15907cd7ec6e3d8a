"""The console grammar: exit markers, key=value lines, Xen's lines."""
import unittest

from ukharness import console, qemu
from ukharness.console import GuestExit

from . import replay


class ExitMarker(unittest.TestCase):
    def test_statuses_are_taken_modulo_256(self):
        self.assertEqual(console.guest_exit("uk-exit: status=3"), GuestExit(3, False))
        self.assertEqual(console.guest_exit("uk-exit: status=-1"), GuestExit(255, False))
        self.assertEqual(console.guest_exit("uk-exit: status=256"), GuestExit(0, False))

    def test_a_clean_134_is_not_a_crash(self):
        self.assertEqual(console.guest_exit("uk-exit: status=134"), GuestExit(134, False))
        self.assertEqual(console.guest_exit("uk-exit: crashed"), GuestExit(134, True))

    def test_other_lines_are_not_markers(self):
        for line in ("uk-exit: status=3 and more", "say uk-exit: status=3", "uk-exit: status=",
                     "uk-app: name=a status=3", ""):
            with self.subTest(line=line):
                self.assertIsNone(console.guest_exit(line))


class KeyValue(unittest.TestCase):
    TEXT = ("uk-app: name=greet-a status=0 faults=3\n"
            "noise x=1\n"
            "uk-app: name=greet-b status=7 faults=5 word\n"
            "uk-apps: instances=2 frames_used=608\n"
            "uk-stats: faults=8 tables=3 odd=a=b\n")

    def test_fields_merges_the_lines_with_a_prefix(self):
        self.assertEqual(console.fields(self.TEXT, "uk-app: "),
                         {"name": "greet-b", "status": "7", "faults": "5"})
        self.assertEqual(console.fields(self.TEXT, "missing: "), {})

    def test_apps_keeps_one_dict_per_line_in_order(self):
        self.assertEqual([a["name"] for a in console.apps(self.TEXT)], ["greet-a", "greet-b"])

    def test_apps_and_apps_summary_are_told_apart(self):
        self.assertEqual(console.fields(self.TEXT, console.APPS), {"instances": "2",
                                                                   "frames_used": "608"})

    def test_a_value_may_hold_an_equals_sign(self):
        self.assertEqual(console.stats(self.TEXT), {"faults": "8", "tables": "3", "odd": "a=b"})

    def test_a_recorded_app_line(self):
        text = replay.first_domain("abort-134").out
        (app,) = console.apps(text)
        self.assertEqual((app["name"], app["status"]), ("libc-check", "134"))


class XenLines(unittest.TestCase):
    def test_dom0_end(self):
        self.assertEqual(console.xen_dom0_end("(XEN) Hardware Dom0 halted: halting machine"), "halted")
        self.assertEqual(console.xen_dom0_end("(XEN) Hardware Dom0 crashed: rebooting machine in "
                                              "5 seconds."), "crashed")
        self.assertIsNone(console.xen_dom0_end("(XEN) Freed 656kB init memory"))

    def test_a_panic_report_is_followed_to_its_closing_stars(self):
        lines, _ = qemu.split_lines(replay.log("xen-panic"))
        panic = console.XenPanic()
        ends = [line for line in lines if panic.line(line)]
        self.assertTrue(panic.seen)
        self.assertEqual(len(ends), 1)
        self.assertEqual(ends[0], "(XEN) ****************************************")
        # Reached after the message, not at the opening stars.
        self.assertEqual(lines.index(ends[0], lines.index("(XEN) Panic on CPU 0:")), len(lines) - 1)

    def test_no_panic_in_a_normal_run(self):
        lines, _ = qemu.split_lines(replay.log("exit-3"))
        panic = console.XenPanic()
        self.assertFalse(any(panic.line(line) for line in lines if console.is_xen(line)))
        self.assertFalse(panic.seen)


if __name__ == "__main__":
    unittest.main()
