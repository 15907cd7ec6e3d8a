"""xlrun's reading of recorded consoles of a dom0 running an image with xl
(logs/xl-*.log, see cases.py)."""
import unittest

from ukharness import qemu

from . import replay


class Recorded(unittest.TestCase):
    def test_a_domu_exit_status(self):
        r = replay.dom0("xl-exit-3")
        self.assertEqual((r.outcome, r.status), (qemu.ENDED, 3))
        self.assertEqual(r.message, "the guest exited with status 3: gone (shutdown reason poweroff)")
        # stdout is the domU's console log, nothing of dom0's or Xen's.
        lines = r.out.splitlines()
        self.assertRegex(lines[0], r"^ukrt 0\.1\.0 on Xen 4\.17\.\d+ \(domU\): 32 MiB")
        self.assertEqual(lines[-1], "uk-exit: status=3")
        err = r.err.splitlines()
        self.assertTrue(err[0].startswith("xlrun: dom0 up, 0.0 s after QEMU start "
                                          "(job start: scenario=run name=hello-c"), err)
        self.assertIn("xlrun: xl list (created paused, before xl unpause):", err)
        self.assertRegex(r.err, r"\n    hello-c +\d+ +32 +1 ")
        self.assertEqual(err[-2], "xlrun: " + r.message)
        self.assertRegex(err[-1], r"^xlrun: timings: dom0 boot 0\.0 s, scenario run 0\.0 s")

    def test_a_clean_134_is_an_exit_not_a_crash(self):
        r = replay.dom0("xl-abort-134")
        self.assertEqual((r.outcome, r.status), (qemu.ENDED, 134))
        self.assertEqual(r.message, "the guest exited with status 134: gone (shutdown reason "
                         "poweroff)")
        self.assertNotIn("crashed", r.err)
        self.assertNotIn("xl log", r.err, "no crash to explain")

    def test_a_crash_kept_by_on_crash_preserve(self):
        r = replay.dom0("xl-crash")
        self.assertEqual((r.outcome, r.status), (qemu.ENDED, 134))
        self.assertRegex(r.message, r"^the domain crashed: crashed \(kept, xl list state -+sc-")
        self.assertIn("uk-exit: crashed", r.out)
        self.assertIn("xlrun: dom0: xl destroy of the kept domain: gone from xl list", r.err)
        self.assertNotIn("xl log", r.err, "the crash was asked for")

    def test_a_crash_not_asked_for_shows_xls_log(self):
        r = replay.dom0("xl-crash", scenario="run")
        self.assertEqual(r.status, 134)
        self.assertIn("xlrun: xl log /var/log/xen/xl-hello-c.log:\n", r.err)
        self.assertIn("\n    Domain 1 has shut down, reason code 3 ", r.err)

    def test_a_xen_panic_ends_the_run_with_its_report(self):
        # The first-domain recording: the same Xen panic, read by the xl harness.
        r = replay.dom0("xen-panic")
        self.assertEqual((r.outcome, r.status), (qemu.ENDED, 125))
        self.assertEqual(r.message, "Xen panicked; the last lines:")
        self.assertIn("\n    (XEN) Could not construct domain 0\n", r.err)


class Cut(unittest.TestCase):
    def test_qemu_exiting_before_the_job_starts(self):
        data = replay.cut(replay.log("xl-exit-3"), "=== job start", keep=False)
        r = replay.dom0("xl-exit-3", data=data, exits=True)
        self.assertEqual((r.outcome, r.status), (qemu.QEMU_EXIT, 125))
        self.assertEqual(r.message, "QEMU exited (code 1) before dom0 started the job")
        self.assertIn("xlrun: the last dom0 and Xen lines:\n", r.err)
        self.assertIn("\n    Done setting up Dom0\n", r.err)

    def test_dom0_not_starting_the_job_in_time(self):
        data = replay.cut(replay.log("xl-exit-3"), "=== job start", keep=False)
        r = replay.dom0("xl-exit-3", data=data)
        self.assertEqual((r.outcome, r.status), (qemu.TIMEOUT, 125))
        self.assertEqual(r.message, "dom0 did not start the job within 60 s")
        self.assertEqual(r.clock.now, 60.0, "the bound is --boot-timeout")

    def test_a_job_that_never_ends_times_out(self):
        data = replay.cut(replay.log("xl-exit-3"), "=== domU end", keep=False)
        r = replay.dom0("xl-exit-3", data=data)
        self.assertEqual((r.outcome, r.status), (qemu.TIMEOUT, 124))
        self.assertEqual(r.message, "timed out after 120 s waiting for the job (run) to end in dom0")
        self.assertEqual(r.clock.now, 120.0)

    def test_a_domain_ending_without_a_marker_is_a_harness_error(self):
        data = replay.log("xl-exit-3").replace(b"uk-exit: status=3", b"no marker here")
        r = replay.dom0("xl-exit-3", data=data)
        self.assertEqual((r.outcome, r.status), (qemu.ENDED, 125))
        self.assertEqual(r.message, "the domain ended (gone (shutdown reason poweroff)) without a "
                         "uk-exit line in its console log (10 lines)")
        self.assertIn("xlrun: xl log /var/log/xen/xl-hello-c.log:", r.err, "xl's log explains it")


if __name__ == "__main__":
    unittest.main()
