#!/usr/bin/env python3
"""malloc on the host (figures, never pass/fail): libukc's allocator and
glibc's on the same generated traces, with the other candidates measured
when the allocator was chosen (docs/writing-apps.md, "malloc").

The traces and allocators are in app-template/libukc/benches/malloc.rs;
each run is a fresh process. Time per op is the process's CPU time (page
faults included), the best of --runs runs (other work on the machine only
ever adds to it); the peak heap (bytes taken from
the system) over the peak of requested bytes live is the fragmentation."""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRACES = {
    "mixed": "160k live blocks, 8 B-64 KiB, churned",
    "lua": "Lua-like GC churn of small objects",
    "realloc": "buffers grown by realloc to 256 KiB",
    "large": "64 KiB-4 MiB blocks, 64 live",
}
ALLOCATORS = ["glibc", "ukc"]
CANDIDATES = ["dlmalloc", "talc", "rlsf"]
NOTES = {
    "ukc": "libukc: dlmalloc + check words",
    "dlmalloc": "the dlmalloc crate alone",
    "talc": "talc 4.4 (given each block's size)",
    "rlsf": "rlsf TLSF",
}


def build():
    out = subprocess.run(["cargo", "bench", "-p", "ukc", "--bench", "malloc", "--no-run",
                          "--message-format=json"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench-malloc: the benchmark did not build:\n{out.stderr}")
    for line in out.stdout.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "malloc" \
                and msg.get("executable"):
            return msg["executable"]
    sys.exit("bench-malloc: cargo named no benchmark executable")


def run(exe, alloc, trace, footprint=False):
    args = [exe, "run", alloc, trace] + (["footprint"] if footprint else [])
    p = subprocess.run(args, capture_output=True, text=True)
    line = next((ln for ln in p.stdout.splitlines() if ln.startswith("malloc-bench: ")), None)
    if p.returncode != 0 or line is None:
        sys.exit(f"bench-malloc: {' '.join(args[1:])} failed ({p.returncode}):\n{p.stdout}{p.stderr}")
    f = dict(w.split("=", 1) for w in line.split()[1:])
    if f["bad"] != "0" or f["oom"] != "0":
        sys.exit(f"bench-malloc: {alloc} broke blocks or ran out on {trace}: {line}")
    return f


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=3, help="timed runs per allocator and trace")
    p.add_argument("--allocators", default=",".join(ALLOCATORS),
                   help=f"comma-separated, from {','.join(ALLOCATORS + CANDIDATES)}")
    p.add_argument("--candidates", action="store_true",
                   help="also the allocators measured when choosing (" + ", ".join(CANDIDATES) + ")")
    p.add_argument("--traces", default=",".join(TRACES))
    p.add_argument("--json", default=os.path.join(ROOT, "build", "bench-malloc", "figures.json"))
    a = p.parse_args(argv)
    allocators = a.allocators.split(",") + (CANDIDATES if a.candidates else [])
    if "glibc" not in allocators:
        allocators.insert(0, "glibc")
    exe = build()
    load = os.getloadavg()[0]
    print()
    print(f"malloc on the host: the same traces through each allocator (ns/op: CPU time, best of "
          f"{a.runs} runs; load average {load:.2f} at the start)")
    cols = f"  {'trace':<8} {'allocator':<10} {'ns/op':>8} {'x glibc':>8} {'peak heap MiB':>14} " \
           f"{'peak live MiB':>14} {'heap/live':>10}"
    print(cols)
    figures = {"load_average": load, "runs": a.runs, "traces": {}}
    for trace in a.traces.split(","):
        rows = {}
        for alloc in allocators:
            ns = min(float(run(exe, alloc, trace)["ns_per_op"]) for _ in range(a.runs))
            fp = run(exe, alloc, trace, footprint=True)
            rows[alloc] = {"ns_per_op": ns, "ops": int(fp["ops"]),
                           "peak_heap": int(fp["peak_heap"]), "peak_live": int(fp["peak_live"])}
        base = rows["glibc"]["ns_per_op"]
        for alloc, r in rows.items():
            r["ratio"] = r["ns_per_op"] / base
            r["heap_over_live"] = r["peak_heap"] / r["peak_live"]
            name = trace if alloc == allocators[0] else ""
            print(f"  {name:<8} {alloc:<10} {r['ns_per_op']:>8.1f} {r['ratio']:>8.2f} "
                  f"{r['peak_heap'] / 2**20:>14.1f} {r['peak_live'] / 2**20:>14.1f} "
                  f"{r['heap_over_live']:>10.2f}")
        figures["traces"][trace] = {"what": TRACES[trace], "ops": rows["glibc"]["ops"], "allocators": rows}
    print("  traces: " + "; ".join(f"{k}: {v}" for k, v in TRACES.items()))
    print("  allocators: " + "; ".join(f"{k}: {v}" for k, v in NOTES.items() if k in allocators))
    os.makedirs(os.path.dirname(a.json), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump(figures, f, indent=1)
    print(f"  figures: {os.path.relpath(a.json, ROOT)}")


if __name__ == "__main__":
    main()
