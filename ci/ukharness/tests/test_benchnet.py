"""make bench-net's reading of its dom0 script's output (ci/ukharness/benchnet.py),
on output written for these tests in the script's and wrk's formats."""
import unittest

from ukharness import benchnet

WRK = """Running 2s test @ http://198.18.0.2/bytes/100
  1 threads and 1 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.10ms  500.00us   9.80ms   90.00%
    Req/Sec   480.00     20.00   500.00     80.00%
  Latency Distribution
     50%    2.00ms
     75%    2.20ms
     90%    2.50ms
     99%    4.75ms
  960 requests in 2.00s, 200.00KB read
  Socket errors: connect 0, read 1, write 0, timeout 2
Requests/sec:    480.00
Transfer/sec:    100.00KB"""

LOADS = [("c1", 1, "/bytes/100"), ("1mib", 1, "/bytes/1048576")]


def script_output(linux_rps="240.00"):
    out = ["bench: start: uptime 7.40 s",
           "bench: boot ukrt 1 memory=32 create_ms=900 answer_ms=1200.5",
           "bench: boot linux 1 memory=128 create_ms=3000 answer_ms=9000.0",
           "bench: boot ukrt 2 memory=32 create_ms=800 answer_ms=1000.0",
           "bench: boot linux 2 memory=128 create_ms=2800 answer_ms=8000.0"]
    for kind, rps in (("ukrt", "480.00"), ("linux", linux_rps)):
        out += [f"bench: wrk {kind} c1 begin"] + WRK.replace("480.00", rps).splitlines() + \
            ["bench: wrk end status=0"]
    out += ["bench: wrk ukrt 1mib begin", "  3 requests in 1.00s, 3.00MB read",
            "Requests/sec:      3.00", "Transfer/sec:      3.00MB", "bench: wrk end status=0",
            "bench: wrk linux 1mib begin", "unable to connect to 198.18.0.3:80 Connection refused",
            "bench: wrk end status=1",
            'bench: memory ukrt 16 serves=no why="xl create failed: out of memory"',
            "bench: memory ukrt 24 serves=yes", "bench: memory-min ukrt 24",
            "bench: memory linux 64 serves=yes", "bench: memory-min linux 64",
            "bench: done: uptime 200.00 s"]
    return out


class Wrk(unittest.TestCase):
    def test_units(self):
        self.assertEqual(benchnet.time_ms("722.00us"), 0.722)
        self.assertEqual(benchnet.time_ms("1.20s"), 1200.0)
        self.assertEqual(benchnet.size_bytes("3.00MB"), 3 << 20)
        with self.assertRaises(ValueError):
            benchnet.time_ms("12 ms")

    def test_a_report(self):
        w = benchnet.parse_wrk(WRK.splitlines())
        self.assertEqual((w.requests, w.seconds, w.rps), (960, 2.0, 480.0))
        self.assertEqual((w.p50_ms, w.p99_ms), (2.0, 4.75))
        self.assertEqual((w.socket_errors, w.non_2xx), (3, 0))
        self.assertEqual(w.bytes_per_s, 100 * 1024)

    def test_no_report(self):
        with self.assertRaises(ValueError):
            benchnet.parse_wrk(["unable to connect to 198.18.0.2:80 Connection refused"])


class Script(unittest.TestCase):
    def test_figures_ratios_and_goals(self):
        run = benchnet.parse(script_output())
        self.assertTrue(run.done)
        self.assertEqual(run.boots["ukrt"], [(900.0, 1200.5, 32), (800.0, 1000.0, 32)])
        self.assertEqual(run.memory_min, {"ukrt": 24, "linux": 64})
        self.assertEqual(run.probes["ukrt"][0], (16, False, "xl create failed: out of memory"))
        rows = {r.key: r for r in benchnet.rows(run, LOADS)}
        rps = rows["requests_per_s_c1"]
        self.assertEqual((rps.ukrt, rps.linux, rps.ratio, rps.met), (480.0, 240.0, 2.0, True))
        self.assertEqual((rows["p99_ms_c1"].ukrt, rows["p99_ms_c1"].goal), (4.75, None))
        self.assertEqual(rows["mib_per_s_1mib"].ukrt, 3.0)
        self.assertIsNone(rows["mib_per_s_1mib"].linux, "wrk failed: no figure")
        boot = rows["create_to_first_answer_ms"]
        self.assertEqual((boot.ukrt, boot.linux), (1100.25, 8500.0))
        self.assertTrue(boot.met, "7.7x faster")
        self.assertFalse(rows["smallest_memory_mib"].met, "24 of 64 MiB is more than a quarter")
        self.assertEqual(benchnet.problems(run, LOADS),
                         ["linux, 1mib: wrk exited with status 1: no 'N requests in T' and "
                          "Requests/sec and Transfer/sec lines: unable to connect to 198.18.0.3:80 "
                          "Connection refused"])

    def test_json_and_table(self):
        run = benchnet.parse(script_output(linux_rps="960.00"))
        rows = benchnet.rows(run, LOADS)
        doc = benchnet.as_json(run, LOADS, rows)
        self.assertEqual(doc["figures"]["requests_per_s_c1"]["ratio"], 0.5)
        self.assertFalse(doc["figures"]["requests_per_s_c1"]["met"])
        self.assertEqual(doc["wrk"]["ukrt"]["c1"]["requests"], 960)
        self.assertIn("error", doc["wrk"]["linux"]["1mib"])
        self.assertEqual(doc["smallest_memory_mib"], {"ukrt": 24, "linux": 64})
        text = benchnet.table(rows)
        self.assertTrue(text[0].startswith("figure"))
        self.assertEqual(len(text), len(rows) + 1)
        md = benchnet.table(rows, markdown=True)
        self.assertEqual(md[1], "|---|---|---|---|---|---|---|---|")
        self.assertIn("| requests/s, /bytes/100, 1 connection | req/s | higher | 480 | 960 | 0.50 |", md[2])

    def test_a_broken_run_says_what_is_missing(self):
        run = benchnet.parse(["bench: error: ukrt (http-server, memory 32 MiB at 198.18.0.2): no answer",
                              "bench: console: ukrt: net: vif/0: backend stayed in InitWait"])
        self.assertFalse(run.done)
        p = benchnet.problems(run, LOADS)
        self.assertEqual(p[:2], run.errors)
        self.assertIn("ukrt: no smallest memory", p)


if __name__ == "__main__":
    unittest.main()
