#!/usr/bin/env python3
"""make bench-net: the same C HTTP server (examples/http-server) as a ukrt
image and as a static Linux program in the harness's Linux PV domU, both
driven from dom0 by wrk in one dom0 boot under the xl harness (Xen under
QEMU). Prints figures (docs/bench-net.md), never pass/fail on them: exits 1
only when something breaks (a server that does not start or answer, a
wrong body), 2 on bad arguments.

    bench_net.py --image build/app/examples/http-server/http-server.xen
                 --cfg build/app/examples/http-server/http-server.cfg [--duration S] [--boots N]

Everything runs in dom0 from ci/xl/bench-net.sh (xlrun.py's scenario
"script"); this side builds the Linux server (gcc -O2 -static), packs the
files, reads the script's output (ci/ukharness/benchnet.py) and prints the
table. The run's output is kept in --out (default build/bench-net): the
figures as figures.json and figures.md, the dom0 script's output, xlrun's log.
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "xl"))

import xlrun  # noqa: E402  (ci/xl/xlrun.py)
from ukharness import benchnet, xl  # noqa: E402
from ukharness.report import Report  # noqa: E402

SERVER_SRC = os.path.join(os.path.dirname(HERE), "examples", "http-server", "http_server.c")
DOM0_SCRIPT = os.path.join(HERE, "xl", "bench-net.sh")
UKRT_IP, LINUX_IP = "198.18.0.2", "198.18.0.3"
# The wrk runs: label, threads, connections, path; each against both guests.
LOADS = [("c1", 1, 1, "/bytes/100"), ("c16", 2, 16, "/bytes/100"), ("c64", 2, 64, "/bytes/100"),
         ("1mib", 1, 1, "/bytes/1048576")]
# The memory sizes (MiB) the smallest-memory search bisects, the same
# ladder for both: each side tries the steps below its config's own memory
# (which must serve: the throughput runs use it).
MEMORY_STEPS = (8, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112, 128)
# Seconds to wait for a first answer after xl create.
# (The Linux domU took 17 to 51 s with other QEMUs on the machine.)
UKRT_BOUND, LINUX_BOUND = 60, 120
SCRIPT_BOUND = 900     # the whole dom0 script
BOOT_BOUND = 60        # dom0's boot


def pattern_sha256(n):
    """sha256 of the server's /bytes/N body: byte i is (i ^ i>>8 ^ i>>16 ^ i>>24) & 0xff."""
    return hashlib.sha256(bytes((i ^ i >> 8 ^ i >> 16 ^ i >> 24) & 0xFF
                                for i in range(n))).hexdigest()


def memory_of(cfg_text, what):
    m = re.search(r"^\s*memory\s*=\s*(\d+)\s*$", cfg_text, re.M)
    if not m:
        raise SystemExit(f"bench-net: {what} has no memory = N line")
    return int(m.group(1))


def steps_below(memory):
    """The ladder's steps below memory, as the dom0 script's word list."""
    return " ".join(str(m) for m in MEMORY_STEPS if m < memory)


def prepare(a, tmp):
    """The files for dom0 as (NAME, PATH) pairs, written under tmp."""
    def write(name, data):
        path = os.path.join(tmp, name)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        return name, path

    server = os.path.join(a.out, "http-server-linux")
    cmd = ["gcc", "-O2", "-static", "-Wall", "-o", server, SERVER_SRC]
    if subprocess.run(cmd).returncode != 0:
        raise SystemExit(f"bench-net: building the Linux server failed: {' '.join(cmd)}")
    with open(server, "rb") as f:
        initrd = xlrun.linux_guest_initrd(a.dom0, "http-server 80 & listening 80; wait", LINUX_IP,
                                          [("http-server", f.read())])
    with open(a.cfg) as f:
        ukrt_cfg = xl.job_config(f.read(), ['kernel = "/job/files/ukrt.xen"',
                                            xl.vif_setting(UKRT_IP)])
    linux_cfg = xl.job_config(xl.linux_guest_config(), [
        'kernel = "/job/files/linux.kernel"', 'ramdisk = "/job/files/linux.initrd"',
        xl.vif_setting(LINUX_IP)])
    ukrt_name = re.search(r'^\s*name\s*=\s*"([^"]+)"', ukrt_cfg, re.M)
    if not ukrt_name:
        raise SystemExit(f"bench-net: {a.cfg} has no name = \"...\" line")
    ukrt_memory = memory_of(ukrt_cfg, a.cfg)
    linux_memory = memory_of(linux_cfg, "the Linux domU's config")
    env = {
        "DURATION": a.duration, "BOOTS": a.boots, "SHA_1M": pattern_sha256(1 << 20),
        "LOADS": " ".join(f"{lb}:{t}:{c}:{p}" for lb, t, c, p in LOADS),
        "UKRT_NAME": ukrt_name.group(1), "UKRT_IP": UKRT_IP, "UKRT_BOUND": UKRT_BOUND,
        "UKRT_MEMORY": ukrt_memory, "UKRT_TRY": steps_below(ukrt_memory),
        "LINUX_NAME": xl.LINUX_GUEST_NAME, "LINUX_IP": LINUX_IP, "LINUX_BOUND": LINUX_BOUND,
        "LINUX_MEMORY": linux_memory, "LINUX_TRY": steps_below(linux_memory),
    }
    return [write("bench.env", "".join(f"{k}='{v}'\n" for k, v in env.items())),
            ("bench-net.sh", DOM0_SCRIPT), ("ukrt.xen", a.image), write("ukrt.cfg", ukrt_cfg),
            ("linux.kernel", os.path.join(a.dom0, "guest", "vmlinuz")),
            write("linux.initrd", initrd), write("linux.cfg", linux_cfg)]


class Progress(Report):
    """xlrun's report into a log file; its own sentences on stderr too."""

    def __init__(self, log):
        super().__init__("xlrun", log, log)

    def say(self, text):
        super().say(text)
        print(f"bench-net: {text}", file=sys.stderr, flush=True)


def loadavg():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def report(a, run, loads, before, after, seconds):
    """The figures as text lines (and the Markdown file's lines)."""
    rows = benchnet.rows(run, loads)
    head = [f"HTTP server benchmark: ukrt image vs the same C server in a Linux PV domU, "
            f"{time.strftime('%Y-%m-%d %H:%M')}",
            f"host: {os.cpu_count()} CPUs, load average (1/5/15 min) {before} before, {after} "
            f"after; the run took {seconds:.0f} s",
            f"wrk from dom0, {a.duration} s per run; Xen under QEMU TCG, one emulated CPU for "
            "dom0, wrk and the guests"]
    tail = ["ratio = ukrt/Linux; 'better' says which way a figure is better"] + \
        benchnet.notes(run, loads)
    text = head + [""] + benchnet.table(rows) + [""] + tail
    md = [f"- {x}" for x in head] + [""] + benchnet.table(rows, markdown=True) + [""] + \
        [f"- {x}" for x in tail]
    return text, md


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--image", required=True, help="the ukrt http-server image (.xen)")
    p.add_argument("--cfg", required=True, help="its xl config (.cfg)")
    p.add_argument("--xen", default="build/xen")
    p.add_argument("--dom0", default="build/xl-dom0")
    p.add_argument("--out", default="build/bench-net", help="where the run's files are kept")
    p.add_argument("--duration", type=int, default=5, help="seconds of each wrk run")
    p.add_argument("--boots", type=int, default=3, help="create-to-answer samples per guest")
    a = p.parse_args(argv)
    if not 1 <= a.duration <= 60 or not 1 <= a.boots <= 10:
        p.error("--duration is 1 to 60 s, --boots 1 to 10")
    for path in (a.image, a.cfg, a.xen, SERVER_SRC):
        if not os.path.isfile(path):
            p.error(f"{path} does not exist")
    os.makedirs(a.out, exist_ok=True)
    log_path = os.path.join(a.out, "xlrun.log")
    loads = [(lb, c, path) for lb, _, c, path in LOADS]
    before = loadavg()
    t0 = time.monotonic()
    with open(log_path, "w") as log:
        progress = Progress(log)
        # build-dom0.sh first (xlrun would too): prepare() needs the guest kit.
        if subprocess.run(["bash", os.path.join(HERE, "xl", "build-dom0.sh"), a.dom0],
                          stdout=sys.stderr).returncode != 0:
            print("bench-net: building the dom0 failed (ci/xl/build-dom0.sh)", file=sys.stderr)
            return 1
        tmp = os.path.join(a.out, "files")
        os.makedirs(tmp, exist_ok=True)
        files = prepare(a, tmp)
        print(f"bench-net: one dom0 boot runs it all (5 to 12 minutes; the whole report "
              f"goes to {log_path})", file=sys.stderr, flush=True)
        o = xl.Options(None, None, a.xen, dom0=a.dom0, scenario="script",
                       client="sh /job/files/bench-net.sh", net=True, files=files,
                       timeout=BOOT_BOUND + SCRIPT_BOUND + 30, boot_timeout=BOOT_BOUND,
                       client_timeout=SCRIPT_BOUND)
        result = xlrun.execute(o, progress)
    seconds = time.monotonic() - t0
    out = result.client.stdout if result.client else []
    with open(os.path.join(a.out, "dom0-script.txt"), "w") as f:
        f.write("".join(x + "\n" for x in out))
    run = benchnet.parse(out)
    text, md = report(a, run, loads, before, loadavg(), seconds)
    print("\n".join(text))
    with open(os.path.join(a.out, "figures.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    doc = {"date": time.strftime("%Y-%m-%d %H:%M"), "host_cpus": os.cpu_count(),
           "load_average_before": before, "load_average_after": loadavg(),
           "seconds": round(seconds, 1), "wrk_duration_s": a.duration, "boots": a.boots,
           "status": result.status, "message": result.message,
           **benchnet.as_json(run, loads, benchnet.rows(run, loads))}
    with open(os.path.join(a.out, "figures.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    trouble = benchnet.problems(run, loads)
    if result.status != 0:
        trouble.append(f"the run ended with status {result.status}: {result.message}")
    if trouble:
        print("\nbench-net: something broke:", file=sys.stderr)
        for t in trouble:
            print("    " + t, file=sys.stderr)
        if result.client and result.client.stderr:
            print("bench-net: the dom0 script's stderr (last 15 lines):", file=sys.stderr)
            for line in result.client.stderr[-15:]:
                print("    " + line, file=sys.stderr)
        print(f"bench-net: the whole report: {log_path}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
