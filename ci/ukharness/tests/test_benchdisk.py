"""make bench-disk's reading of its dom0 script's output (ci/ukharness/benchdisk.py):
logs/bench-disk-script.txt is a real one, recorded on 2026-12-01 from
`ci/bench_disk.py --mib 2 --random 100 --fsyncs 10 --phase-bound 10` (both
guests, one round); the broken runs are written for these tests in the
script's format."""
import os
import unittest

from ukharness import benchdisk

LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "logs", "bench-disk-script.txt")


def recorded():
    with open(LOG) as f:
        return f.read().splitlines()


class Recorded(unittest.TestCase):
    def test_both_guests_and_their_phases(self):
        run = benchdisk.parse(recorded())
        self.assertTrue(run.done)
        self.assertEqual([(g.kind, g.round, g.how, g.exit_status) for g in run.guests],
                         [("ukrt", 1, "gone", 0), ("linux", 1, "gone", 0)])
        ukrt, linux = run.guests
        self.assertEqual((ukrt.create_ms, ukrt.total_ms), (1570.0, 55900.0))
        self.assertEqual(ukrt.phases["write"]["mb_per_s"], "0.119")
        self.assertEqual(ukrt.phases["random"]["ended_by"], "time")
        self.assertEqual(ukrt.drops["read"], (False, "Read-only file system"))
        self.assertEqual(linux.drops, {"read": (True, ""), "random": (True, "")})
        self.assertEqual(linux.phases["mount"]["fs"], "vfat")
        self.assertEqual(benchdisk.block_requests(ukrt), (10530, 8231, 4376))
        self.assertEqual(benchdisk.block_requests(linux), (144 + 82 + 11, 4868, 4343))
        self.assertEqual(benchdisk.problems(run), [])

    def test_rows_ratios_and_goals(self):
        rows = {r.key: r for r in benchdisk.rows(benchdisk.parse(recorded()))}
        w = rows["write_mb_per_s"]
        self.assertEqual((w.ukrt, w.linux, w.goal, w.better), (0.119, 2.415, 1.0, "higher"))
        self.assertAlmostEqual(w.ratio, 0.119 / 2.415)
        self.assertFalse(w.met)
        self.assertEqual((rows["random_iops"].ukrt, rows["random_iops"].linux), (0.9, 148.0))
        p99 = rows["fsync_p99_ms"]
        self.assertEqual((p99.ukrt, p99.linux, p99.goal, p99.met), (110.939, 49.948, None, None))

    def test_table_json_and_notes(self):
        run = benchdisk.parse(recorded())
        rows = benchdisk.rows(run)
        text = benchdisk.table(rows)
        self.assertTrue(text[0].startswith("figure"))
        self.assertEqual(len(text), len(rows) + 1)
        md = benchdisk.table(rows, markdown=True)
        self.assertIn("| sequential write + fsync | MB/s | higher | 0.12 | 2.42 | 0.05 |", md[2])
        doc = benchdisk.as_json(run, rows)
        self.assertEqual(doc["figures"]["read_mb_per_s"]["linux"], 6.562)
        self.assertEqual(doc["runs"][0]["uk_stats"]["blk_flushes"], "36")
        notes = benchdisk.notes(run)
        self.assertIn("ukrt round 1: caches before read: not dropped (Read-only file system)",
                      notes)
        self.assertIn("ukrt round 1: 10530 block requests for 6 MiB (0.6 KiB a request on "
                      "average)", notes)

    def test_rounds_give_medians(self):
        lines = recorded()
        start = lines.index("bench: run ukrt 1 begin")
        end = lines.index("bench: done: uptime 87.24 s")
        again = [x.replace(" 1 begin", " 2 begin").replace("mb_per_s=0.119", "mb_per_s=0.301")
                 for x in lines[start:end]]
        run = benchdisk.parse(lines[:end] + again + lines[end:])
        self.assertEqual(len(run.of("ukrt")), 2)
        rows = {r.key: r for r in benchdisk.rows(run)}
        self.assertEqual(rows["write_mb_per_s"].ukrt, (0.119 + 0.301) / 2)
        self.assertIn("(median of 2)", rows["write_mb_per_s"].name)


class Broken(unittest.TestCase):
    def test_a_guest_that_did_not_end(self):
        run = benchdisk.parse([
            "bench: start: uptime 8.00 s",
            "bench: run ukrt 1 begin",
            "disk-bench: start dir=/data mib=64 chunk=65536 random_reads=2000 fsyncs=200 bound_s=30",
            "disk-bench: write bytes=67108864 seconds=500.000 write_s=480.0 fsync_s=20.0 "
            "mb_per_s=0.134",
            "bench: run end how=timeout create_ms=1500 total_ms=900000",
            "bench: run linux 1 begin",
            'disk-bench: error what="mount -t vfat /dev/xvda /mnt" reason="mount failed"',
            "uk-exit: status=125",
            "bench: run end how=gone create_ms=6000 total_ms=20000",
            "bench: done: uptime 950.00 s"])
        p = benchdisk.problems(run)
        self.assertIn("ukrt round 1: the domain ended as 'timeout' after 900000.0 ms", p)
        self.assertIn("ukrt round 1: no read, random, fsync, done line", p)
        self.assertIn("linux round 1: mount -t vfat /dev/xvda /mnt: mount failed", p)
        self.assertIn("linux round 1: exit status 125", p)
        rows = {r.key: r for r in benchdisk.rows(run)}
        self.assertEqual((rows["write_mb_per_s"].ukrt, rows["write_mb_per_s"].linux), (0.134, None))
        self.assertIsNone(rows["write_mb_per_s"].ratio)

    def test_a_script_that_broke_early(self):
        run = benchdisk.parse(["bench: error: ukrt (disk-bench) round 1: xl create failed",
                               "bench: console: libxl: error: ..."])
        self.assertFalse(run.done)
        p = benchdisk.problems(run)
        self.assertEqual(p[:2], run.errors)
        self.assertIn("linux: no run", p)

    def test_a_console_cut_short(self):
        run = benchdisk.parse(["bench: run linux 1 begin", "disk-bench: start dir=/mnt"])
        self.assertEqual(run.errors, ["error: linux round 1: its console has no end line"])


if __name__ == "__main__":
    unittest.main()
