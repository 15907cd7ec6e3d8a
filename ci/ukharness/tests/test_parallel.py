"""The concurrent unittest runner: tests overlap, each one's output is
written whole, the counts and closing line are unittest's."""
import io
import threading
import unittest

from ukharness import parallel

BIG = "\n".join(f"line {i} of a long failure message" for i in range(2000))


def suite(cls, *names):
    return unittest.TestSuite(cls(n) for n in names)


class Samples:
    """Tests for the runner to run, out of the loader's sight (not at module
    level)."""

    class Meet(unittest.TestCase):
        # Both tests pass only when they run at the same time (bounded wait).
        barrier = None

        def test_one(self):
            self.barrier.wait()

        def test_two(self):
            self.barrier.wait()

    class Mixed(unittest.TestCase):
        def test_passes(self):
            pass

        def test_fails_with_a_long_message(self):
            self.fail(BIG)

        def test_errors(self):
            raise RuntimeError("broken")

        @unittest.skip("not today")
        def test_skipped(self):
            pass


def run(tests, jobs):
    out = io.StringIO()
    result = parallel.runner(jobs)(stream=out, verbosity=2).run(tests)
    return result, out.getvalue()


class Runner(unittest.TestCase):
    def test_tests_run_concurrently(self):
        Samples.Meet.barrier = threading.Barrier(2, timeout=10)
        result, out = run(suite(Samples.Meet, "test_one", "test_two"), jobs=2)
        self.assertTrue(result.wasSuccessful(), out)
        self.assertEqual(out.count(" ... ok\n"), 2)
        self.assertRegex(out, r"\nRan 2 tests in \d+\.\d{3}s\n\nOK\n$")

    def test_results_counts_and_whole_failures(self):
        result, out = run(suite(Samples.Mixed, "test_passes", "test_fails_with_a_long_message",
                                "test_errors", "test_skipped"), jobs=2)
        self.assertEqual((result.testsRun, len(result.failures), len(result.errors),
                          len(result.skipped)), (4, 1, 1, 1))
        self.assertIn("test_passes (", out)
        self.assertIn(") ... ok\n", out)
        self.assertIn(") ... FAIL\n", out)
        self.assertIn(") ... ERROR\n", out)
        self.assertIn(") ... skipped 'not today'\n", out)
        self.assertIn(BIG, out, "a failure's message is shown whole")
        self.assertIn("RuntimeError: broken", out)
        self.assertRegex(out, r"\nRan 4 tests in .*\n\nFAILED \(failures=1, errors=1, skipped=1\)\n$")


if __name__ == "__main__":
    unittest.main()
