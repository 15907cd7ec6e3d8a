#!/usr/bin/env python3
"""Benchmarks (figures, never pass/fail): boots the self-test kernel on Xen
under QEMU and prints what each benchmark measured, then runs the host's
malloc benchmark (ci/bench_malloc.py).

Cycle counts are the guest's TSC under QEMU's TCG, so they say more about
relative cost than about real hardware; the per-fault counts of hypercalls
and mmu updates are exact."""
import argparse
import os
import subprocess
import sys

import bench_images
import bench_malloc
from ukharness import console

HERE = os.path.dirname(os.path.abspath(__file__))


def boot(kernel, xen, args, ramdisk=None, ok=(0,), memory=64):
    extra = ["--ramdisk", ramdisk] if ramdisk else []
    p = subprocess.run([sys.executable, os.path.join(HERE, "xenrun.py"), kernel, "--xen", xen,
                        "--timeout", "120", "--memory", str(memory), "--args", args] + extra,
                       capture_output=True, text=True)
    if p.returncode not in ok:
        sys.exit(f"bench: {args!r} failed with status {p.returncode}:\n{p.stdout}{p.stderr}")
    return p.stdout


def fields(text, prefix):
    """The first line's pairs; a benchmark without its line is no figure."""
    found = console.all_fields(text, prefix)
    if not found:
        sys.exit(f"bench: no {prefix!r} line in:\n{text}")
    return found[0]


def boot_phase(hello_image, xen, rounds=3):
    """The boot phase (Xen's hand-over to the app's main) of the hello
    image at 64 MiB, 1 GiB and 4 GiB: the median of `rounds` boots, and the
    hypercalls and page-table pages it took (exact)."""
    print("Boot phase of the hello image: Xen's hand-over to main (median of "
          f"{rounds} boots; goal: 1 GiB and 4 GiB within 1.2x of 64 MiB)")
    print(f"  {'memory':>8} {'ms':>8} {'x 64 MiB':>9} {'hypercalls':>11} {'tables':>7}")
    base = None
    for mib in (64, 1024, 4096):
        runs = []
        for _ in range(rounds):
            out = boot(hello_image, xen, "uk.stats", memory=mib)
            runs.append(fields(out, "uk-boot: "))
        ms = sorted(int(r["us"]) for r in runs)[rounds // 2] / 1000
        base = base or ms
        last = runs[-1]
        print(f"  {mib:>5} MiB {ms:>8.1f} {ms / base:>9.2f} {last['hypercalls']:>11} {last['tables']:>7}")
    print("  anchor (2026-12-01, the issue's measure): ukrt 69/208 ms at 64 MiB/1 GiB (2.85x), "
          "Mini-OS 94/335, Unikraft 89/474")
    print()


def demand_faults(kernel, xen):
    print("Demand faults (512 pages touched; TSC cycles under QEMU TCG)")
    cols = ["pattern", "faults", "tables", "hypercalls_per_fault", "mmu_updates_per_fault",
            "tsc_cycles_per_fault", "xen_cycles_per_fault", "guest_cycles_per_fault"]
    print("  " + "  ".join(f"{c:>22}" if i else f"{c:<10}" for i, c in enumerate(cols)))
    for pattern in ("sequential", "scattered"):
        f = fields(boot(kernel, xen, f"uk.test=mm-bench {pattern}"), "mm-bench: ")
        print("  " + "  ".join(f"{f[c]:>22}" if i else f"{f[c]:<10}" for i, c in enumerate(cols)))


def shared_library(kernel, xen, pack, examples):
    """Two apps linking libgreet.so (1.2 MiB of code), each touching all of
    the library's code, with the sharing of code pages and tables on and off."""
    print()
    print("Shared library code: faults and hypercalls per instance (libgreet.so, 1.2 MiB of code)")
    print(f"  {'sharing':<8} {'instance':<9} {'faults':>7} {'hypercalls':>11} {'new frames':>11}")
    for share in ("on", "off"):
        args = "" if share == "on" else "uk.share=off"
        out = boot(kernel, xen, args, ok=(127,))
        for f in console.apps(out):
            if f["name"] == "broken":
                continue
            print(f"  {share:<8} {f['name']:<9} {f['faults']:>7} {f['hypercalls']:>11} {f['frames']:>11}")


def hello_instances(kernel, xen, pack, hello_dir):
    """What an extra hello instance costs: nine instances in one image,
    each one's frames and hypercalls (load included) from its uk-app line."""
    print()
    print("An extra hello instance (9 in one image; its uk-app line: load and run; "
          "goal <= 32 frames; 2026-12-01: about 90 frames)")
    bundle = os.path.join("build", "bench", "hello-x9.ukb")
    os.makedirs(os.path.dirname(bundle), exist_ok=True)
    manifest = "".join(f"app h{i} hello-c.so\n" for i in range(9))
    subprocess.run([pack, "pack", "-o", bundle, "--manifest-text", manifest,
                    os.path.join(hello_dir, "hello-c.so"), os.path.join(hello_dir, "libukc.so")],
                   check=True, capture_output=True)
    apps = [f for f in console.apps(boot(kernel, xen, "", ramdisk=bundle)) if f["name"] != "h0"]
    frames = sorted(int(f["frames"]) for f in apps)
    loads = sorted(int(f["load_hypercalls"]) for f in apps)
    hypercalls = sorted(int(f["hypercalls"]) for f in apps)
    print(f"  frames {frames[0]}-{frames[-1]}  hypercalls {hypercalls[0]}-{hypercalls[-1]} "
          f"(of them loading {loads[0]}-{loads[-1]})")


def instances_memory(kernel, xen, pack, examples):
    """Frames in use with K instances of an app and its 1.2 MiB library."""
    print()
    print("Memory of K instances of greet-a (frames in use once all have run; 1 frame = 4 KiB)")
    print(f"  {'K':>3} {'shared':>10} {'not shared':>12} {'saved':>8}")
    out_dir = os.path.join("build", "bench")
    os.makedirs(out_dir, exist_ok=True)
    for k in (1, 2, 8):
        bundle = os.path.join(out_dir, f"greet-x{k}.ukb")
        manifest = "".join(f"app g{i} greet-a.so\n" for i in range(k))
        subprocess.run([pack, "pack", "-o", bundle, "--manifest-text", manifest,
                        os.path.join(examples, "greet-a.so"), os.path.join(examples, "libgreet.so")],
                       check=True, capture_output=True)
        used = {}
        for share in ("on", "off"):
            args = "" if share == "on" else "uk.share=off"
            used[share] = int(fields(boot(kernel, xen, args, ramdisk=bundle), console.APPS)["frames_used"])
        print(f"  {k:>3} {used['on']:>10} {used['off']:>12} {used['off'] - used['on']:>8}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--selftest-kernel", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--greet-image", required=True)
    p.add_argument("--hello-image", required=True)
    p.add_argument("--pack", required=True)
    p.add_argument("--examples", required=True)
    p.add_argument("--xen", required=True)
    a = p.parse_args()
    boot_phase(a.hello_image, a.xen)
    demand_faults(a.selftest_kernel, a.xen)
    shared_library(a.greet_image, a.xen, a.pack, a.examples)
    hello_instances(a.kernel, a.xen, a.pack, os.path.dirname(a.hello_image))
    instances_memory(a.kernel, a.xen, a.pack, a.examples)
    # The image sizes, against the goals, and what each crate costs.
    print()
    bench_images.main([])
    # On the host: libukc's malloc against glibc's on the same traces.
    bench_malloc.main([])


if __name__ == "__main__":
    main()
