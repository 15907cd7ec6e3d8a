#!/bin/sh
# The dom0 side of `make bench-cpu` (ci/bench_cpu.py runs it as the job of
# `xlrun.py --scenario script`): the CPU benchmark as a Linux process in
# this dom0, then as a ukrt domU, one after the other on the same Xen.
#   /job/files/cpu-bench-native   the static Linux build
#   /job/files/ukrt.cfg           the image's xl config (kernel in /job/files;
#                                 its extra line has the rounds)
#   /job/files/bench.env          UKRT_NAME, BOUND (seconds for the domU),
#                                 ROUNDS (each kernel's runs)
# Output: "bench: linux" or "bench: ukrt" before each one's lines, then the
# domU's console; "bench: error ..." when something does not run.
#
# Nothing here polls while a benchmark runs: dom0 shares the one emulated
# CPU with the domU, and under TCG each fork costs dom0 about 0.1 s of it
# (a once-a-second grep took a tenth of the CPU from the domU's figures).
# The end of the domU is awaited with a xenstore watch on @releaseDomain
# (it fires once when set, then when a domain is gone), bounded by
# timeout(1).
set -u
F=/job/files
. "$F/bench.env"
chmod +x "$F/cpu-bench-native"
echo "bench: linux"
"$F/cpu-bench-native" "$ROUNDS" || echo "bench: error: the Linux program failed ($?)"
echo "bench: ukrt"
log=/var/log/xen/console/guest-$UKRT_NAME.log
rm -f "$log"
timeout "$BOUND" xenstore-watch -n 2 @releaseDomain >/dev/null 2>&1 &
watch=$!
if xl create -q "$F/ukrt.cfg"; then
    wait "$watch"
else
    echo "bench: error: xl create failed"
    kill "$watch" 2>/dev/null
fi
if ! grep -q '^uk-exit:' "$log" 2>/dev/null; then
    echo "bench: error: the domU did not end within $BOUND s"
    xl destroy "$UKRT_NAME" 2>/dev/null
fi
cat "$log"
echo "bench: done"
