#!/usr/bin/env python3
"""Benchmarks (figures, never pass/fail): boots the self-test kernel on Xen
under QEMU and prints what each benchmark measured.

Cycle counts are the guest's TSC under QEMU's TCG, so they say more about
relative cost than about real hardware; the per-fault counts of hypercalls
and mmu updates are exact."""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def boot(kernel, xen, args):
    p = subprocess.run([sys.executable, os.path.join(HERE, "xenrun.py"), kernel, "--xen", xen,
                        "--timeout", "120", "--args", args], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"bench: {args!r} failed with status {p.returncode}:\n{p.stdout}{p.stderr}")
    return p.stdout


def fields(text, prefix):
    for line in text.splitlines():
        if line.startswith(prefix):
            return dict(w.split("=", 1) for w in line[len(prefix):].split() if "=" in w)
    sys.exit(f"bench: no {prefix!r} line in:\n{text}")


def demand_faults(kernel, xen):
    print("Demand faults (512 pages touched; TSC cycles under QEMU TCG)")
    cols = ["pattern", "faults", "tables", "hypercalls_per_fault", "mmu_updates_per_fault",
            "tsc_cycles_per_fault", "xen_cycles_per_fault", "guest_cycles_per_fault"]
    print("  " + "  ".join(f"{c:>22}" if i else f"{c:<10}" for i, c in enumerate(cols)))
    for pattern in ("sequential", "scattered"):
        f = fields(boot(kernel, xen, f"uk.test=mm-bench {pattern}"), "mm-bench: ")
        print("  " + "  ".join(f"{f[c]:>22}" if i else f"{f[c]:<10}" for i, c in enumerate(cols)))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--selftest-kernel", required=True)
    p.add_argument("--xen", required=True)
    a = p.parse_args()
    demand_faults(a.selftest_kernel, a.xen)


if __name__ == "__main__":
    main()
