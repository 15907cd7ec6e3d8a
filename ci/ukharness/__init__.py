"""The run and test harness for ukrt images on Xen under QEMU, shared by
ci/xenrun.py, ci/xl/xlrun.py, ci/boot_tests.py and ci/bench.py.

    outcome      exit statuses (N, 124, 125, 130, 134) and Verdict
    console      the console's grammar: uk-exit, uk-app, uk-apps, uk-stats
                 lines, key=value words, Xen's end-of-domain and panic lines
    report       where a run's words go (stdout, "prog: ..." on stderr)
    qemu         a QEMU process: start, read its console with a bound, stop
    firstdomain  an image as Xen's first domain (what xenrun.py runs)
    xl           an image as a domU under a dom0 with xl (what xlrun.py runs)
    parallel     a unittest runner that runs test cases concurrently

The state machines in firstdomain and xl read console lines and a clock,
nothing else, so tests replay recorded consoles through them (tests/).
"""
