"""A unittest runner that runs a suite's test cases concurrently, on a pool
of threads: a boot test spends its time waiting for its own QEMU, so one
test per core keeps the machine busy.

Each test's result lines are held until it finishes and then written whole,
so concurrent tests never mix their output; failures are printed in full at
the end, as unittest does. Tests must not share files they write. Class and
module fixtures (setUpClass, setUpModule) are not run, and --buffer is
ignored (capturing sys.stdout cannot work per thread)."""
import concurrent.futures
import io
import os
import sys
import time
import unittest
import warnings


def cases(suite):
    """The test cases of a suite, nested suites flattened, in order."""
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from cases(test)
        else:
            yield test


def runner(jobs):
    """A ParallelRunner class with `jobs` workers, for unittest.main's
    testRunner (which wants a class to give the command line's options to)."""
    return type("ParallelRunner", (ParallelRunner,), {"jobs": jobs or os.cpu_count() or 1})


class ParallelRunner:
    jobs = os.cpu_count() or 1

    def __init__(self, stream=None, descriptions=True, verbosity=1, failfast=False,
                 buffer=False, warnings=None, **_):
        self.stream = unittest.runner._WritelnDecorator(stream or sys.stderr)
        self.descriptions = descriptions
        self.verbosity = verbosity
        self.failfast = failfast
        self.warnings = warnings

    def run_one(self, test):
        """Runs one test into a result of its own; returns it and its lines."""
        buf = io.StringIO()
        result = unittest.TextTestResult(unittest.runner._WritelnDecorator(buf),
                                         self.descriptions, self.verbosity)
        test(result)
        return result, buf.getvalue()

    def run(self, suite):
        total = unittest.TextTestResult(self.stream, self.descriptions, self.verbosity)
        start = time.perf_counter()
        pool = concurrent.futures.ThreadPoolExecutor(self.jobs)
        with warnings.catch_warnings():
            if self.warnings:
                warnings.simplefilter(self.warnings)
            try:
                futures = [pool.submit(self.run_one, t) for t in cases(suite)]
                for done in concurrent.futures.as_completed(futures):
                    result, text = done.result()
                    self.stream.write(text)
                    self.stream.flush()
                    merge(total, result)
                    if self.failfast and not result.wasSuccessful():
                        break
            finally:
                # Ctrl-C or --failfast: start no more tests, let the running
                # ones end (each is bounded by its own timeouts).
                pool.shutdown(cancel_futures=True)
        total.printErrors()
        self.summary(total, time.perf_counter() - start)
        return total

    def summary(self, result, seconds):
        """unittest's closing lines: "Ran N tests in Xs", then OK or FAILED (...)."""
        w = self.stream
        w.writeln(result.separator2)
        w.writeln(f"Ran {result.testsRun} test{'s' if result.testsRun != 1 else ''} in {seconds:.3f}s")
        w.writeln()
        counts = [(name, len(getattr(result, attr))) for name, attr in (
            ("failures", "failures"), ("errors", "errors"), ("skipped", "skipped"),
            ("expected failures", "expectedFailures"),
            ("unexpected successes", "unexpectedSuccesses"))]
        infos = [f"{name}={n}" for name, n in counts if n]
        w.write("OK" if result.wasSuccessful() else "FAILED")
        w.writeln(f" ({', '.join(infos)})" if infos else "")
        w.flush()


def merge(total, result):
    total.testsRun += result.testsRun
    total.failures += result.failures
    total.errors += result.errors
    total.skipped += result.skipped
    total.expectedFailures += result.expectedFailures
    total.unexpectedSuccesses += result.unexpectedSuccesses
