#!/bin/sh
# The dom0 side of `make bench-cpu` (ci/bench_cpu.py runs it as the job of
# `xlrun.py --scenario script`): the CPU benchmark as a Linux process in
# this dom0, then as a ukrt domU, one after the other on the same Xen.
#   /job/files/cpu-bench-native   the static Linux build
#   /job/files/ukrt.cfg           the image's xl config (kernel in /job/files)
#   /job/files/bench.env          UKRT_NAME, BOUND (seconds for the domU)
# Output: "bench: linux" or "bench: ukrt" before each one's lines, then the
# domU's console; "bench: error ..." when something does not run.
set -u
F=/job/files
. "$F/bench.env"
chmod +x "$F/cpu-bench-native"
echo "bench: linux"
"$F/cpu-bench-native" || echo "bench: error: the Linux program failed ($?)"
echo "bench: ukrt"
log=/var/log/xen/console/guest-$UKRT_NAME.log
rm -f "$log"
xl create -q "$F/ukrt.cfg" || { echo "bench: error: xl create failed"; exit 1; }
# Wait for the guest's last line, looking once a second: dom0 shares the
# one vCPU with the guest, so anything busier (xl every 0.1 s) would take
# CPU time from the figures.
i=0
until grep -q '^uk-exit:' "$log" 2>/dev/null; do
    if [ $i -ge "$BOUND" ]; then
        echo "bench: error: the domU did not end within $BOUND s"
        xl destroy "$UKRT_NAME"
        break
    fi
    sleep 1
    i=$((i + 1))
done
cat "$log"
echo "bench: done"
