#!/bin/sh
# The dom0 side of `make bench-disk` (ci/bench_disk.py runs it as the job of
# `xlrun.py --scenario script --disk IMG`): the same C program
# (ci/apps/disk-bench) as a ukrt image and in the harness's Linux domU, on
# the same disk (dom0's /dev/vda, QEMU's drive on the host's FAT32 image,
# the guests' xvda), one guest after the other, never both at once. Each
# guest runs the benchmark once per round and ends by itself; this script
# waits for it to be gone and passes its console on. Figures only: it fails
# (exit 1) when a guest does not start or does not end within its bound.
#
# /job/files/bench.env   the parameters (ci/bench_disk.py writes them):
#   ROUNDS             how many times each guest runs (ukrt, Linux, ukrt, ...)
#   UKRT_NAME, LINUX_NAME   the configs' names
#   UKRT_BOUND, LINUX_BOUND seconds from xl create to the domain gone
# /job/files/ukrt.cfg, linux.cfg   their xl configs (kernels in /job/files),
#   each with the disk line for xvda
#
# Output, for ci/ukharness/benchdisk.py, lines starting "bench: ":
#   run KIND N begin ... (the guest's whole console) ... run end how=gone|timeout
#       create_ms=X total_ms=Y
#   error: WHAT, then console: LINE ... (a guest that did not start)
#   done: ...
set -u
F=/job/files
W=/run/bench
mkdir -p "$W"
. "$F/bench.env"

say() { echo "bench: $*"; }
progress() { echo "=== note: bench: $*" >/dev/console 2>/dev/null; }
# Milliseconds since boot (dom0's /proc/uptime, hundredths).
now_ms() {
    read -r up _ </proc/uptime
    echo $((${up%.*} * 1000 + (1${up#*.} - 100) * 10))
}

guest() {
    kind=$1
    case $kind in
    ukrt) name=$UKRT_NAME bound=$UKRT_BOUND ;;
    linux) name=$LINUX_NAME bound=$LINUX_BOUND ;;
    *) say "error: no guest kind '$kind'"; exit 1 ;;
    esac
    log=/var/log/xen/console/guest-$name.log
}
listed() { xl domid "$name" >/dev/null 2>&1; }
state() { xl list "$name" 2>/dev/null | awk 'NR == 2 { print $5 }'; }

failed=0
# run KIND N: create the guest, wait (bounded) until it is gone, print its console.
run() {
    guest "$1"
    rm -f "$log"
    t0=$(now_ms)
    if ! xl create -q "$F/$kind.cfg" >"$W/create.out" 2>&1; then
        say "error: $kind ($name) round $2: xl create failed"
        sed 's/^/bench: console: /' "$W/create.out"
        [ -f "$log" ] && tail -n 20 "$log" | sed 's/^/bench: console: /'
        failed=1
        return 1
    fi
    create_ms=$(($(now_ms) - t0))
    progress "$kind round $2: created in $create_ms ms; waiting (at most $bound s) for it to end"
    how=gone
    end=$((t0 + bound * 1000))
    while listed; do
        case "$(state)" in
        *c*) how=crashed; break ;;
        esac
        if [ "$(now_ms)" -ge "$end" ]; then
            how=timeout
            break
        fi
        sleep 0.5
    done
    total_ms=$(($(now_ms) - t0))
    if listed; then
        xl destroy "$name" 2>/dev/null
        i=0
        while listed && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
        listed && { say "error: $kind ($name) still listed 10 s after xl destroy"; failed=1; }
    fi
    # xenconsoled writes the last lines as the domain goes: give it a moment.
    sleep 0.5
    say "run $kind $2 begin"
    if [ -f "$log" ]; then
        cat "$log"
        [ -z "$(tail -c 1 "$log")" ] || echo
    else
        echo "(no console log $log)"
    fi
    say "run end how=$how create_ms=$create_ms total_ms=$total_ms"
    progress "$kind round $2: $how after $total_ms ms"
    [ "$how" = gone ] || failed=1
}

say "start: uptime $(cut -d' ' -f1 /proc/uptime) s"
round=1
while [ $round -le "$ROUNDS" ]; do
    for k in ukrt linux; do
        run "$k" "$round"
    done
    round=$((round + 1))
done
say "done: uptime $(cut -d' ' -f1 /proc/uptime) s"
exit $failed
