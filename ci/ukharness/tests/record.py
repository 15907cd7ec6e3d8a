#!/usr/bin/env python3
"""Records the consoles that the replay tests read (logs/NAME.log): boots
each case of cases.py through the real entry points, ci/xenrun.py and
ci/xl/xlrun.py, with UKHARNESS_RECORD set. After `make test-images`:

    python3 ci/ukharness/tests/record.py --kernel target/x86_64-unknown-none/release/ukrt \\
        --selftest-kernel target/selftest/x86_64-unknown-none/release/ukrt \\
        --build build --xen build/xen [NAME...]

A changed runtime can change the logs; the tests assert on the harness's
reading of them, so re-record when the console grammar changes."""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CI = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, CI)  # for ukharness

from ukharness.tests.cases import FIRST_DOMAIN, XL  # noqa: E402

FLAGS = {"args": "--args", "timeout": "--timeout", "input": "--input", "scenario": "--scenario",
         "wait_for": "--wait-for", "client": "--client", "client_timeout": "--client-timeout",
         "linux_guest": "--linux-guest", "ip": "--ip"}


def image(a, name):
    return {"kernel": a.kernel, "selftest": a.selftest_kernel, "xen": a.xen}.get(
        name) or os.path.join(a.build, name, name + ".xen")


def flags(case):
    out = []
    for key, value in case.items():
        if key in FLAGS:
            out += [FLAGS[key], str(value)]
        elif key == "set":
            for s in value:
                out += ["--set", s]
        elif key == "net" and value:
            out.append("--net")
    return out


def bundle(a, manifest, tmp):
    path = os.path.join(tmp, "bundle.ukb")
    app = os.path.join(a.build, "timing")
    subprocess.run([os.path.join(os.path.dirname(CI), "target/release/ukrt-pack"), "pack", "-o",
                    path, "--manifest-text", manifest, os.path.join(app, "timing.so"),
                    os.path.join(app, "libukc.so")], check=True, capture_output=True)
    return path


def record(a, name, case, tmp):
    if name in XL:
        cmd = [os.path.join(CI, "xl", "xlrun.py"), "--dom0", os.path.join(a.build, "xl-dom0")]
        if "image" in case:
            cfg = case.get("cfg", case["image"])
            cmd += [image(a, case["image"]), "--cfg", os.path.join(a.build, cfg, cfg + ".cfg")]
    else:
        cmd = [os.path.join(CI, "xenrun.py"), image(a, case["image"])]
        if "bundle" in case:
            cmd += ["--ramdisk", bundle(a, case["bundle"], tmp)]
    log = os.path.join(HERE, "logs", name + ".log")
    p = subprocess.run([sys.executable, *cmd, "--xen", a.xen, *flags(case)],
                       env=dict(os.environ, UKHARNESS_RECORD=log), capture_output=True, text=True)
    last = p.stderr.strip().splitlines()[-1:] or [""]
    print(f"{name}: status {p.returncode}, {os.path.getsize(log)} bytes; {last[0]}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kernel", required=True)
    p.add_argument("--selftest-kernel", required=True)
    p.add_argument("--build", required=True)
    p.add_argument("--xen", required=True)
    p.add_argument("names", nargs="*", help="the cases to record (default: all)")
    a = p.parse_args()
    cases = {**FIRST_DOMAIN, **XL}
    for name in a.names or cases:
        with tempfile.TemporaryDirectory(prefix="ukharness-record-") as tmp:
            record(a, name, cases[name], tmp)


if __name__ == "__main__":
    main()
