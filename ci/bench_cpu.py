#!/usr/bin/env python3
"""`make bench-cpu`: CPU-bound code as a ukrt app and as a Linux process.

One C program of ours, ci/apps/cpu-bench (compiled kernels: matrix
multiply, quicksort, CRC-32, a sieve; and libc-heavy ones: qsort, string
functions, malloc, printf), runs as a Linux process in the xl harness's
dom0 (a static glibc build) and then as a ukrt domU built by `make image`,
one after the other under the same Xen in one dom0 boot. Each kernel's
best of three runs is compared; the checksums must agree (the same work
was done). Beside each run's time (the monotonic clock) the program reads
its CPU time (CLOCK_PROCESS_CPUTIME_ID: the Linux process's, the ukrt
domain's vCPU time from Xen), which leaves out what else ran on the one
emulated CPU meanwhile. Figures, not pass/fail: the target fails only when
something does not run or a checksum differs. See docs/bench-cpu.md.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "xl"))

import xlrun  # noqa: E402  (ci/xl/xlrun.py)
from ukharness import xl  # noqa: E402
from ukharness.report import Report  # noqa: E402

APP = os.path.join(HERE, "apps", "cpu-bench")
GOAL = 0.98  # ukrt's speed as a fraction of Linux's, at least
LINE = re.compile(r"^cpu-bench: (\S+) (\d+) (\d+)$")
RUNS = re.compile(r"^cpu-bench-(rounds|cpu): (\S+)((?: \d+)+)$")


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) // 2


def figures(lines):
    """{section: {kernel: {"best", "sum", "rounds", "cpu"}}} from the dom0
    script's output (rounds and cpu: every run's µs, wall and CPU time)."""
    out, section = {}, None
    for ln in lines:
        if ln in ("bench: linux", "bench: ukrt"):
            section = out.setdefault(ln.split()[1], {})
        if section is None:
            continue
        m = LINE.match(ln)
        if m:
            section.setdefault(m.group(1), {})
            section[m.group(1)].update(best=int(m.group(2)), sum=int(m.group(3)))
        m = RUNS.match(ln)
        if m:
            section.setdefault(m.group(2), {})[m.group(1)] = [int(x) for x in m.group(3).split()]
    return out


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--image", required=True, help="the cpu-bench image (.xen)")
    p.add_argument("--cfg", required=True, help="its xl config (.cfg)")
    p.add_argument("--xen", default="build/xen")
    p.add_argument("--dom0", default="build/xl-dom0")
    p.add_argument("--out", default="build/bench-cpu")
    p.add_argument("--bound", type=int, default=600, help="seconds the domU may take")
    p.add_argument("--rounds", type=int, default=5, help="runs of each kernel (1..64)")
    p.add_argument("--icount", action="store_true",
                   help="QEMU counts time in instructions (-icount shift=0,sleep=off): figures "
                        "that do not depend on the host's load, but leave out what TCG's "
                        "emulation costs beyond the instructions")
    a = p.parse_args(argv)
    if not 1 <= a.rounds <= 64:
        p.error("--rounds must be 1..64")
    os.makedirs(a.out, exist_ok=True)
    native = os.path.abspath(a.out)
    if subprocess.run(["make", "-s", "-C", APP, "native", f"OUT={native}",
                       f"UKRT={os.path.dirname(HERE)}"]).returncode != 0:
        print("bench-cpu: building the Linux program failed", file=sys.stderr)
        return 1
    with open(a.cfg) as f:
        cfg = xl.job_config(f.read(), ['kernel = "/job/files/ukrt.xen"', 'on_poweroff = "destroy"',
                                       'on_crash = "destroy"', f'extra = "{a.rounds}"'])
    name = re.search(r'^\s*name\s*=\s*"([^"]+)"', cfg, re.M).group(1)
    cfg_path = os.path.join(a.out, "ukrt.cfg")
    env_path = os.path.join(a.out, "bench.env")
    with open(cfg_path, "w") as f:
        f.write(cfg)
    with open(env_path, "w") as f:
        f.write(f"UKRT_NAME='{name}'\nBOUND='{a.bound}'\nROUNDS='{a.rounds}'\n")
    files = [("bench-cpu.sh", os.path.join(HERE, "xl", "bench-cpu.sh")), ("ukrt.xen", a.image),
             ("ukrt.cfg", cfg_path), ("bench.env", env_path),
             ("cpu-bench-native", os.path.join(native, "cpu-bench-native"))]
    before = os.getloadavg()[0]
    t0 = time.monotonic()
    with open(os.path.join(a.out, "xlrun.log"), "w") as log:
        o = xl.Options(None, None, a.xen, dom0=a.dom0, scenario="script",
                       client="sh /job/files/bench-cpu.sh", files=files,
                       timeout=a.bound + 300, boot_timeout=400 if a.icount else 60,
                       client_timeout=a.bound + 200,
                       icount="shift=0,sleep=off" if a.icount else None)
        result = xlrun.execute(o, Report("bench-cpu", log, log))
    out = result.client.stdout if result.client else []
    with open(os.path.join(a.out, "dom0-script.txt"), "w") as f:
        f.write("".join(x + "\n" for x in out))
    got = figures(out)
    linux, ukrt = got.get("linux", {}), got.get("ukrt", {})
    trouble = [ln for ln in out if ln.startswith("bench: error")]
    rows = []
    clock = "instruction-counted µs (-icount)" if a.icount else "µs"
    print(f"CPU-bound code: ukrt app vs Linux process in dom0, same Xen, same run "
          f"({a.rounds} runs each, {clock}; load average {before:.1f})")
    print("  wall: best run by the monotonic clock (the goal's measure); median: its median run;")
    print("  cpu: best run by CPU time (leaves out dom0's and Xen's other work); speed = Linux / ukrt")
    print(f"{'kernel':<13} {'Linux':>8} {'ukrt':>8} {'speed':>5}   {'median':>5}   "
          f"{'Linux cpu':>9} {'ukrt cpu':>9} {'speed':>5}   goal >= {GOAL}")
    for kernel, lk in linux.items():
        uk = ukrt.get(kernel)
        if not uk or "best" not in uk or "best" not in lk:
            trouble.append(f"{kernel}: no ukrt figure")
            continue
        if uk["sum"] != lk["sum"]:
            trouble.append(f"{kernel}: checksums differ (Linux {lk['sum']}, ukrt {uk['sum']})")
        lt, ut = lk["best"], uk["best"]
        speed = lt / ut if ut else 0.0
        lmed, umed = median(lk.get("rounds") or [lt]), median(uk.get("rounds") or [ut])
        lcpu, ucpu = min(lk.get("cpu") or [0]), min(uk.get("cpu") or [0])
        mspeed = lmed / umed if umed else 0.0
        cspeed = lcpu / ucpu if ucpu else 0.0
        rows.append({"kernel": kernel, "linux_us": lt, "ukrt_us": ut, "speed": round(speed, 3),
                     "goal_met": speed >= GOAL, "linux_median_us": lmed, "ukrt_median_us": umed,
                     "median_speed": round(mspeed, 3), "linux_cpu_us": lcpu, "ukrt_cpu_us": ucpu,
                     "cpu_speed": round(cspeed, 3), "linux_runs_us": lk.get("rounds"),
                     "ukrt_runs_us": uk.get("rounds"), "linux_cpu_runs_us": lk.get("cpu"),
                     "ukrt_cpu_runs_us": uk.get("cpu")})
        print(f"{kernel:<13} {lt:>8} {ut:>8} {speed:>5.2f}   {mspeed:>5.2f}   {lcpu:>9} {ucpu:>9} "
              f"{cspeed:>5.2f}   {'met' if speed >= GOAL else 'NOT met'}")
    if not linux or not ukrt:
        trouble.append("a guest printed no figures")
    with open(os.path.join(a.out, "figures.json"), "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%d %H:%M"), "rounds": a.rounds, "icount": a.icount,
                   "load_average_before": before,
                   "load_average_after": os.getloadavg()[0],
                   "seconds": round(time.monotonic() - t0, 1), "rows": rows}, f, indent=2)
        f.write("\n")
    if result.status != 0:
        trouble.append(f"the run ended with status {result.status}: {result.message}")
    if trouble:
        print("bench-cpu: something broke:\n    " + "\n    ".join(trouble), file=sys.stderr)
        print(f"bench-cpu: the dom0 script's output: {a.out}/dom0-script.txt", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
