#!/bin/sh
# The dom0 side of `make bench-net` (ci/bench_net.py runs it as the job of
# `xlrun.py --scenario script`): the same HTTP server as a ukrt image and in
# the harness's Linux domU, each created, measured and destroyed here with
# xl, in one dom0 boot. Figures only; it fails (exit 1, with the guest's
# console tail) only when something breaks: a guest that does not start or
# answer at its configured memory, a wrong body, a guest gone after the load.
#
# /job/files/bench.env   the parameters (ci/bench_net.py writes them):
#   DURATION  seconds of each wrk run     BOOTS   create-to-answer samples
#   LOADS     wrk runs, LABEL:THREADS:CONNECTIONS:PATH, each against both
#   SHA_1M    sha256 of /bytes/1048576 (the server's pattern)
#   UKRT_* and LINUX_*: NAME (the config's), IP, MEMORY (the config's, known
#   to serve), TRY (smaller sizes to search, ascending), BOUND (seconds to
#   wait for a first answer)
# /job/files/ukrt.cfg, linux.cfg   their xl configs (kernels in /job/files)
#
# Output, for ci/ukharness/benchnet.py, lines starting "bench: ":
#   boot KIND N memory=M create_ms=X answer_ms=Y   (xl create's share, and
#                                 xl create to the first 200 answer)
#   wrk KIND LABEL begin ... (wrk's report) ... wrk end status=N
#   memory KIND M serves=yes|no [why="..."]
#   memory-min KIND M
#   error: WHAT, then console: LINE ... (the guest's last lines)
set -u
F=/job/files
W=/run/bench
mkdir -p "$W"
. "$F/bench.env"

say() { echo "bench: $*"; }
# A progress line on dom0's console, which xlrun.py passes on as it comes
# (the script's own output is reported when it ends).
progress() { echo "=== note: bench: $*" >/dev/console 2>/dev/null; }
now() { firstreply now; }

# guest KIND: that guest's settings in name, ip, memory, try, bound, log.
guest() {
    kind=$1
    case $kind in
    ukrt) name=$UKRT_NAME ip=$UKRT_IP memory=$UKRT_MEMORY try=$UKRT_TRY bound=$UKRT_BOUND ;;
    linux) name=$LINUX_NAME ip=$LINUX_IP memory=$LINUX_MEMORY try=$LINUX_TRY bound=$LINUX_BOUND ;;
    *) say "error: no guest kind '$kind'"; exit 1 ;;
    esac
    log=/var/log/xen/console/guest-$name.log
}

# The domain's state letters (r b p s c d), empty once gone.
state() { xl list "$name" 2>/dev/null | awk 'NR == 2 { print $5 }'; }
down() {
    case "$(state)" in
    "" | *s* | *c*) return 0 ;;
    esac
    return 1
}
# The last console line, quotes made single, for a probe's report.
last_line() { grep -v '^[[:space:]]*$' "$log" 2>/dev/null | tail -n 1 | tr '"' "'"; }

# broke WHY: the end of the run, with the current guest's console tail and
# xl's log of it.
broke() {
    say "error: $kind ($name, memory $memory MiB at $ip): $*"
    if [ -f "$log" ]; then
        tail -n 20 "$log" | sed 's/^/bench: console: /'
    else
        say "console: (no console log $log)"
    fi
    [ -f "/var/log/xen/xl-$name.log" ] && tail -n 5 "/var/log/xen/xl-$name.log" | sed 's/^/bench: xl log: /'
    exit 1
}

# start KIND [MEMORY]: xl create of the guest's config with that memory
# (default its own); t0 is the clock before, create_ms what xl create took.
start() {
    guest "$1"
    [ -n "${2:-}" ] && memory=$2
    sed "s/^[[:space:]]*memory[[:space:]]*=.*/memory = $memory/" "$F/$kind.cfg" >"$W/$kind.cfg"
    rm -f "$log"
    t0=$(now)
    xl create -q "$W/$kind.cfg" >"$W/create.out" 2>&1 || return 1
    create_ms=$((($(now) - t0) / 1000000))
}

# answer: the first 200 answer to GET / within the guest's bound; answer_ms
# is the time since t0 (before xl create).
answer() {
    answer_ms=$(firstreply -s "$t0" -t "$bound" "$ip" 80 / 2>"$W/answer.err")
}

# answer_watched: the same, but also ends when the domain goes down (a
# guest too small for its memory crashes): checked every 0.5 s, so not
# for the timed boots, where xl list would compete with the guest for dom0.
answer_watched() {
    firstreply -s "$t0" -t "$bound" "$ip" 80 / >"$W/answer.out" 2>"$W/answer.err" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        if down; then
            kill "$pid" 2>/dev/null
            wait "$pid"
            echo "the domain went down (xl list state '$(state)')" >"$W/answer.err"
            return 1
        fi
        sleep 0.5
    done
    wait "$pid" || return 1
    answer_ms=$(cat "$W/answer.out")
}

# fetch URL FILE BOUND: busybox wget into FILE, bounded by timeout(1):
# busybox 1.35's wget -T (its own timeout) dies of SIGSEGV on any answer.
fetch() {
    timeout "$3" wget -q -O "$2" "$1" 2>"$W/wget.err"
    rc=$?
    case $rc in
    0 | 1) ;;
    124 | 143) echo "no whole answer within $3 s" >>"$W/wget.err" ;;
    *) [ $rc -gt 128 ] && echo "wget killed by signal $((rc - 128))" >>"$W/wget.err" ;;
    esac
    return $rc
}

# serves: / is the index page and /bytes/1048576 the right MiB; else why.
serves() {
    why=
    if ! fetch "http://$ip/" "$W/page" 10; then
        why="wget of / failed: $(tail -n 1 "$W/wget.err")"
    elif ! grep -q "</html>" "$W/page"; then
        why="/ answered something else than the index page"
    elif ! fetch "http://$ip/bytes/1048576" "$W/mib" 20; then
        why="wget of /bytes/1048576 failed: $(tail -n 1 "$W/wget.err")"
    else
        sum=$(sha256sum "$W/mib" | cut -d' ' -f1)
        rm -f "$W/mib"
        [ "$sum" = "$SHA_1M" ] || why="the sha256 of /bytes/1048576 is $sum, not $SHA_1M"
    fi
    [ -z "$why" ]
}

# stop KIND: xl destroy, and wait (10 s at most) until it is gone.
stop() {
    guest "$1"
    xl destroy "$name" 2>/dev/null
    waited=0
    while xl domid "$name" >/dev/null 2>&1; do
        [ $waited -lt 50 ] || broke "still listed 10 s after xl destroy"
        sleep 0.2
        waited=$((waited + 1))
    done
}

# probe KIND M: does the guest serve with M MiB? One "memory" line.
probe() {
    if ! start "$1" "$2"; then
        why="xl create failed: $(grep -v '^[[:space:]]*$' "$W/create.out" | tail -n 1 | tr '"' "'")"
    elif ! answer_watched; then
        why="no answer: $(tail -n 1 "$W/answer.err" | tr '"' "'")"
    elif ! serves; then
        :
    fi
    ok=yes
    if [ -n "$why" ]; then
        ok=no
        line=$(last_line)
        [ -n "$line" ] && why="$why; the console's last line: $line"
    fi
    stop "$1"
    say "memory $1 $2 serves=$ok${why:+ why=\"$why\"}"
    progress "$1 with $2 MiB: serves=$ok"
    [ $ok = yes ]
}

# smallest KIND: the smallest of TRY (then MEMORY, known to serve) that
# serves, by bisection (a guest that serves with M MiB serves with more).
smallest() {
    guest "$1"
    k=$1
    set -- $try $memory
    lo=1
    hi=$#
    while [ $lo -lt $hi ]; do
        mid=$(((lo + hi) / 2))
        eval "m=\${$mid}"
        if probe "$k" "$m"; then hi=$mid; else lo=$((mid + 1)); fi
    done
    eval "m=\${$hi}"
    say "memory-min $k $m"
    progress "$k: the smallest memory that serves is $m MiB"
}

# A lost ARP probe would otherwise cost a whole second (the default
# retransmission time) of the first answer: ask every 10 ms (new vifs take
# the default).
echo 10 >/proc/sys/net/ipv4/neigh/default/retrans_time_ms
say "start: uptime $(cut -d' ' -f1 /proc/uptime) s"

# --- xl create to the first answer, at the configured memory --------------------
# (boot: the functions above use other names.)
progress "$BOOTS create-to-answer samples per guest"
boot=1
while [ $boot -le "$BOOTS" ]; do
    for k in ukrt linux; do
        start "$k" || broke "xl create failed: $(cat "$W/create.out")"
        answer || broke "no answer: $(cat "$W/answer.err")"
        say "boot $k $boot memory=$memory create_ms=$create_ms answer_ms=$answer_ms"
        progress "$k boot $boot: xl create ${create_ms} ms, first answer ${answer_ms} ms"
        stop "$k"
    done
    boot=$((boot + 1))
done

# --- Throughput and latency: both guests up, the runs interleaved -----------------
for k in ukrt linux; do
    start "$k" || broke "xl create failed: $(cat "$W/create.out")"
    answer || broke "no answer: $(cat "$W/answer.err")"
    serves || broke "$why"
done
progress "both guests up; wrk runs of $DURATION s: $LOADS"
for load in $LOADS; do
    set -- $(echo "$load" | tr : ' ')
    for k in ukrt linux; do
        guest "$k"
        progress "wrk $k $1"
        say "wrk $k $1 begin"
        timeout $((DURATION + 30)) wrk -t"$2" -c"$3" -d"${DURATION}s" --timeout 10s --latency \
            "http://$ip$4" 2>&1
        say "wrk end status=$?"
    done
done
for k in ukrt linux; do
    guest "$k"
    down && broke "the domain went down during the wrk runs (xl list state '$(state)')"
    serves || broke "after the wrk runs: $why"
    stop "$k"
done

# --- The smallest memory that serves ----------------------------------------------
progress "the smallest memory that serves: ukrt from {$UKRT_TRY $UKRT_MEMORY}, Linux from {$LINUX_TRY $LINUX_MEMORY} MiB"
for k in ukrt linux; do
    smallest "$k"
done
say "done: uptime $(cut -d' ' -f1 /proc/uptime) s"
