"""make bench-cpu's reading of its dom0 script's output (ci/bench_cpu.py):
the lines as ci/apps/cpu-bench prints them, in both sections."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import bench_cpu  # noqa: E402  (ci/bench_cpu.py)

OUTPUT = """bench: linux
cpu-bench: matrix 48558 58535952
cpu-bench-rounds: matrix 50100 48558 49000
cpu-bench-cpu: matrix 50000 48000 48900
bench: ukrt
ukrt 0.1.0 on Xen 4.17.7 (domU): 32 MiB, cmdline "3"
cpu-bench: matrix 47000 58535952
cpu-bench-rounds: matrix 47000 52000 47100
cpu-bench-cpu: matrix 46900 51900 47000
uk-exit: status=0
bench: done""".splitlines()


class Figures(unittest.TestCase):
    def test_each_side_has_its_best_checksum_runs_and_cpu_times(self):
        got = bench_cpu.figures(OUTPUT)
        self.assertEqual(got["linux"]["matrix"], {"best": 48558, "sum": 58535952,
                                                  "rounds": [50100, 48558, 49000],
                                                  "cpu": [50000, 48000, 48900]})
        self.assertEqual(got["ukrt"]["matrix"]["rounds"], [47000, 52000, 47100])
        self.assertEqual(got["ukrt"]["matrix"]["cpu"], [46900, 51900, 47000])

    def test_lines_before_a_section_are_ignored(self):
        self.assertEqual(bench_cpu.figures(["cpu-bench: matrix 1 2", "bench: linux"]), {"linux": {}})

    def test_median(self):
        self.assertEqual(bench_cpu.median([5, 1, 3]), 3)
        self.assertEqual(bench_cpu.median([4, 1, 3, 2]), 2)


if __name__ == "__main__":
    unittest.main()
