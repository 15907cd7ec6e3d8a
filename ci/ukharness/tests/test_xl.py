"""xlrun's reading of recorded consoles of a dom0 running an image with xl
(logs/xl-*.log, see cases.py)."""
import unittest

from ukharness import qemu, xl

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


class Client(unittest.TestCase):
    """A client run in dom0 once the guest printed the wait-for text."""

    def test_ping_from_dom0_to_the_linux_domu(self):
        r = replay.dom0("xl-net-ping")
        self.assertEqual((r.outcome, r.status), (qemu.ENDED, 0))
        self.assertEqual(r.message, "the guest exited with status 0: gone (shutdown reason poweroff)")
        c = r.machine.client
        self.assertEqual((c.status, c.timed_out, c.stderr), (0, False, []))
        self.assertEqual(c.stdout[0], "PING 198.18.0.2 (198.18.0.2): 56 data bytes")
        self.assertEqual(len([x for x in c.stdout if x.startswith("64 bytes from 198.18.0.2: ")]), 3)
        self.assertIn("3 packets transmitted, 3 packets received, 0% packet loss", c.stdout)
        self.assertIn("xlrun: dom0: network: vif-ukrt: vif1.0 online: 198.18.0.1 peer 198.18.0.2, up",
                      r.err)
        self.assertIn("linux-guest: eth0 198.18.0.2/24 up, mac 00:16:3e:c6:12:02", r.out)
        # The report's lines, and what scripts read back from them.
        self.assertIn("xlrun: client stdout (8 lines):\n    PING 198.18.0.2", r.err)
        self.assertIn("xlrun: client stderr: empty\n", r.err)
        self.assertEqual(xl.client_from_report(r.err), c)
        self.assertGreater(c.seconds, 0)

    def test_client_output_and_status_are_the_clients_own(self):
        r = replay.dom0("xl-client-status")
        # xlrun's status is the guest's (shut down after the client), not the client's 3.
        self.assertEqual((r.outcome, r.status), (qemu.ENDED, 0))
        c = r.machine.client
        self.assertEqual((c.status, c.timed_out), (3, False))
        # Lines that look like dom0's markers or the prefix stay the client's.
        self.assertEqual(c.stdout, ["=== end", "| piped", "no newline"])
        self.assertEqual(c.stderr, ["err"])
        self.assertIn("xlrun: client exited with status 3 after ", r.err)
        self.assertEqual(xl.client_from_report(r.err), c, "read back whole from the report")
        # The client ran before the shutdown, whose effect the guest shows.
        self.assertLess(r.err.index("client exited"), r.err.index("xl list (before xl shutdown)"))
        self.assertIn("ukrt: shutdown requested (poweroff): stopping the apps", r.out)

    def test_a_client_past_its_bound_is_killed_and_reported(self):
        r = replay.dom0("xl-client-timeout")
        self.assertEqual((r.outcome, r.status), (qemu.ENDED, 0))
        self.assertEqual(r.message, "the domain was destroyed (gone from xl list)")
        c = r.machine.client
        self.assertEqual((c.status, c.timed_out, c.stdout), (124, True, ["started"]))
        self.assertGreaterEqual(c.seconds, 3.0)
        self.assertRegex(r.err, r"xlrun: client exited with status 124 after [\d.]+ s "
                         r"\(timed out, killed\)\n")
        self.assertIn("xlrun: dom0: gave up waiting for the client to finish", r.err)
        self.assertEqual(xl.client_from_report(r.err), c)

    def test_a_guest_crashing_while_the_client_runs_is_not_shut_down(self):
        r = replay.dom0("xl-crash-during-client")
        self.assertEqual((r.outcome, r.status), (qemu.ENDED, 134))
        self.assertEqual(r.message, "the domain crashed: crashed (kept, xl list state ---sc-, "
                         "shutdown reason crash), before xl shutdown")
        self.assertEqual((r.machine.client.status, r.machine.client.stdout), (0, ["slept"]))
        self.assertIn("Kernel panic - not syncing: sysrq triggered crash", r.out)
        self.assertNotIn("xl shutdown -w", r.err)

    def test_no_client_line_when_the_wait_for_text_never_came(self):
        data = replay.cut(replay.log("xl-client-status"), "=== client start", keep=False)
        r = replay.dom0("xl-client-status", data=data)
        self.assertEqual((r.outcome, r.status), (qemu.TIMEOUT, 124))
        self.assertIsNone(r.machine.client)
        self.assertIsNone(xl.client_from_report(r.err))
        self.assertIn("xlrun: the client did not run (or dom0 did not report its end)", r.err)

    def test_a_client_end_dom0_garbled_is_named(self):
        data = replay.log("xl-client-status").replace(b"=== client end: status 3",
                                                      b"=== client end: stat 3")
        r = replay.dom0("xl-client-status", data=data)
        self.assertIsNone(r.machine.client)
        self.assertIn("xlrun: dom0: client end not understood: 'stat 3 after", r.err)


class Network(unittest.TestCase):
    def test_guest_addresses_stay_in_the_harness_network(self):
        self.assertEqual(xl.check_ip("198.18.0.7"), "198.18.0.7")
        for bad in ("198.18.0.1", "198.18.0.0", "198.18.0.255", "198.18.1.2", "10.0.0.2",
                    "198.18.0", "fe80::1"):
            with self.subTest(ip=bad), self.assertRaises(ValueError):
                xl.check_ip(bad)
        with self.assertRaises(ValueError):
            xl.Options("i", "c", "x", net=True, ip="198.18.0.1")

    def test_the_vif_line(self):
        self.assertEqual(xl.mac_for("198.18.0.2"), "00:16:3e:c6:12:02")
        self.assertEqual(xl.mac_for("198.18.0.200"), "00:16:3e:c6:12:c8")
        self.assertEqual(xl.vif_setting("198.18.0.9"),
                         "vif=['ip=198.18.0.9,mac=00:16:3e:c6:12:09,script=/etc/xen/scripts/vif-ukrt']")
        cfg = xl.job_config('name = "a"\nvif = []\n', [xl.vif_setting("198.18.0.2")])
        self.assertEqual(cfg, 'name = "a"\nvif = [\'ip=198.18.0.2,mac=00:16:3e:c6:12:02,'
                         'script=/etc/xen/scripts/vif-ukrt\']\n')

    def test_the_linux_guest_config(self):
        cfg = xl.linux_guest_config()
        self.assertIn('kernel = "/job/image.xen"\nramdisk = "/job/image.initrd"\n', cfg)
        self.assertIn('name = "linux-guest"\n', cfg)
        self.assertIn('on_crash = "preserve"\n', cfg)


class EndsEarly(unittest.TestCase):
    def test_a_crash_before_the_line_waited_for_ends_the_wait(self):
        r = replay.dom0("xl-crash-before-line")
        self.assertEqual((r.outcome, r.status), (qemu.ENDED, 134))
        self.assertEqual(r.message, "the domain crashed: crashed (kept, xl list state ---sc-, "
                         "shutdown reason crash), before it printed 'a line never printed'")
        self.assertEqual(r.out.splitlines()[-1], "uk-exit: crashed")
        self.assertIn("xlrun: xl log /var/log/xen/xl-hello-c.log:", r.err, "xl's log explains it")


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
