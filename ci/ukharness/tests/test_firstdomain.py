"""xenrun's reading of recorded first-domain consoles (logs/, see cases.py):
the outcome, the exit status and the closing message."""
import unittest

from ukharness import qemu

from . import replay


class Recorded(unittest.TestCase):
    def test_a_clean_exit_gives_the_guests_status(self):
        r = replay.first_domain("exit-3")
        self.assertEqual((r.outcome, r.status), (qemu.ENDED, 3))
        self.assertEqual(r.message, "the guest exited with status 3 (0.0 s)")
        self.assertEqual(r.err, "xenrun: the guest exited with status 3 (0.0 s)\n")
        self.assertEqual(r.out.splitlines()[-1], "uk-exit: status=3")
        self.assertNotIn("(XEN)", r.out, "Xen's lines are shown only with -v")

    def test_verbose_shows_xens_lines_too(self):
        r = replay.first_domain("exit-3", verbose=True)
        self.assertEqual(r.status, 3)
        self.assertIn("(XEN) Hardware Dom0 halted", r.out)

    def test_a_clean_134_is_an_exit_not_a_crash(self):
        # An app that called abort(): status 134, reported cleanly.
        r = replay.first_domain("abort-134")
        self.assertEqual((r.outcome, r.status), (qemu.ENDED, 134))
        self.assertEqual(r.message, "the guest exited with status 134 (0.0 s)")
        self.assertIn("Aborted\nuk-app: name=libc-check status=134", r.out)
        self.assertNotIn("crashed", r.err)

    def test_a_crash_report(self):
        r = replay.first_domain("crash-report")
        self.assertEqual((r.outcome, r.status), (qemu.ENDED, 134))
        self.assertEqual(r.message, "the domain crashed (0.0 s)")
        self.assertIn("*** ukrt: fatal page fault", r.out)
        self.assertEqual(r.out.splitlines()[-1], "uk-exit: crashed")

    def test_a_panic(self):
        r = replay.first_domain("panic")
        self.assertEqual((r.outcome, r.status), (qemu.ENDED, 134))
        self.assertEqual(r.message, "the domain crashed (0.0 s)")
        self.assertIn("*** ukrt panic at runtime/src/hello.rs", r.out)

    def test_a_crash_xen_reports_alone_shows_xens_lines(self):
        # A stack overflow: Xen cannot deliver the fault and ends the domain.
        r = replay.first_domain("stack-overflow")
        self.assertEqual((r.outcome, r.status), (qemu.ENDED, 134))
        self.assertEqual(r.message, "the domain crashed without a report from the guest (0.0 s); "
                         "Xen's last lines:")
        self.assertIn("\n    (XEN) Hardware Dom0 crashed", r.err)
        self.assertIn("Fault while accessing guest memory", r.err)

    def test_a_xen_panic_is_a_harness_error_with_xens_reason(self):
        r = replay.first_domain("xen-panic")
        # The run ends with the panic report, not with a time limit.
        self.assertEqual((r.outcome, r.status), (qemu.ENDED, 125))
        self.assertEqual(r.message, "Xen panicked; its last lines:")
        self.assertIn("\n    (XEN) Panic on CPU 0:\n    (XEN) Could not construct domain 0\n", r.err)
        self.assertIn("Will only load images built for the generic loader", r.err)
        self.assertEqual(r.clock.now, 0.0)

    def test_a_guest_that_never_exits_times_out(self):
        r = replay.first_domain("timeout")
        self.assertEqual((r.outcome, r.status), (qemu.TIMEOUT, 124))
        self.assertEqual(r.message, "timed out after 6 s waiting for the guest to exit; "
                         "last guest line: 'hello: hanging as asked'")
        self.assertEqual(r.clock.now, 6.0, "the bound is --timeout")

    def test_input_is_typed_once_after_the_line_that_asks(self):
        r = replay.first_domain("input")
        self.assertEqual(r.status, 0)
        self.assertEqual(len(r.qemu.typed), 1)
        after, data = r.qemu.typed[0]
        self.assertIn("ready for input", after)
        self.assertEqual(data, b"hello there\nquit\n")
        self.assertIn("got: hello there\ngot: quit\n", r.out)


class Cut(unittest.TestCase):
    """Recorded consoles cut short: what the harness says when the end it
    waits for never comes."""

    def test_a_marker_without_xens_confirmation_times_out_after_the_shutdown_bound(self):
        data = replay.cut(replay.log("exit-3"), "uk-exit: status=3")
        r = replay.first_domain("exit-3", data=data)
        self.assertEqual((r.outcome, r.status), (qemu.TIMEOUT, 124))
        self.assertEqual(r.message, "the guest reported its exit but Xen did not confirm the "
                         "domain ended within 15 s")
        self.assertEqual(r.clock.now, 15.0, "the bound is --shutdown-timeout after the marker")

    def test_qemu_exiting_before_a_marker_is_a_harness_error(self):
        data = replay.cut(replay.log("exit-3"), "uk-exit: status=3", keep=False)
        r = replay.first_domain("exit-3", data=data, exits=True)
        self.assertEqual((r.outcome, r.status), (qemu.QEMU_EXIT, 125))
        self.assertEqual(r.message, "QEMU exited (code 1) before the guest reported an exit status")

    def test_a_last_line_without_newline_still_counts(self):
        data = replay.cut(replay.log("exit-3"), "uk-exit: status=3").rstrip(b"\r\n")
        r = replay.first_domain("exit-3", data=data, exits=True)
        self.assertEqual(r.out.splitlines()[-1], "uk-exit: status=3")
        self.assertEqual(r.status, 124, "a marker, but QEMU exited before Xen confirmed")

    def test_xen_ending_the_domain_without_a_marker_is_a_harness_error(self):
        data = replay.log("exit-3").replace(b"uk-exit: status=3", b"no marker here")
        r = replay.first_domain("exit-3", data=data)
        self.assertEqual((r.outcome, r.status), (qemu.ENDED, 125))
        self.assertTrue(r.message.startswith("Xen says the domain ended (halted) but the guest "
                                             "printed no uk-exit line"), r.message)


if __name__ == "__main__":
    unittest.main()


class Command(unittest.TestCase):
    def test_the_machine_has_room_for_xen_beside_the_guest(self):
        from ukharness import firstdomain
        opts = firstdomain.Options(kernel="k", xen="x", memory=768)
        cmd = firstdomain.qemu_command(opts)
        self.assertEqual(cmd[cmd.index("-m") + 1], "1024")
        self.assertIn("dom0_mem=768M,max:768M", cmd[cmd.index("-append") + 1])
        small = firstdomain.qemu_command(firstdomain.Options(kernel="k", xen="x", memory=64))
        self.assertEqual(small[small.index("-m") + 1], "512")
