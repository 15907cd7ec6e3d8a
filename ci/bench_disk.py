#!/usr/bin/env python3
"""make bench-disk: the same C program (ci/apps/disk-bench) as a ukrt image
and as a static Linux program in the harness's Linux PV domU, on the same
FAT32 disk image, one guest after the other in one dom0 boot under the xl
harness (Xen under QEMU). Prints figures (docs/bench-disk.md), never
pass/fail on them: exits 1 only when something breaks (a guest that does
not start or end in time, a failed call, a block read back wrong), 2 on
bad arguments.

    bench_disk.py --image build/app/ci/apps/disk-bench/disk-bench.xen
                  --cfg build/app/ci/apps/disk-bench/disk-bench.cfg [--mib N] [--rounds N] ...

The disk is made here (ci/disk.sh make, FAT32) and attached with --disk:
dom0's /dev/vda, each guest's xvda. ukrt mounts it at /data itself; the
Linux guest's script loads xen-blkfront and vfat and mounts it at /mnt.
Everything in dom0 runs from ci/xl/bench-disk.sh (xlrun.py's scenario
"script"); this side builds the Linux program (gcc -O2 -static), reads the
script's output (ci/ukharness/benchdisk.py) and prints the table. The run's
files are kept in --out (default build/bench-disk).
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
from ukharness import benchdisk, xl  # noqa: E402
from ukharness.report import Report  # noqa: E402

PROGRAM_SRC = os.path.join(HERE, "apps", "disk-bench", "disk_bench.c")
DOM0_SCRIPT = os.path.join(HERE, "xl", "bench-disk.sh")
DISK_SH = os.path.join(HERE, "disk.sh")
BOOT_BOUND = 60   # dom0's boot

# The Linux guest's script: the disk modules from the guest kit, xvda (bounded
# wait), vfat at /mnt, the program, its block counters, unmount.
LINUX_SCRIPT = r"""
err() { echo "disk-bench: error what=\"$1\" reason=\"$2\""; exit 125; }
for m in $(cat /lib/modules/disk-order); do
    insmod /lib/modules/$m.ko || err "insmod $m" "insmod failed"
done
i=0
until [ -b /dev/xvda ]; do
    [ $i -lt 100 ] || err xvda "no /dev/xvda within 10 s of loading xen-blkfront"
    sleep 0.1
    i=$((i + 1))
done
mkdir -p /mnt
mount -t vfat /dev/xvda /mnt || err "mount -t vfat /dev/xvda /mnt" "mount failed"
echo "disk-bench: mount fs=vfat options=$(awk '$2 == "/mnt" { print $4 }' /proc/mounts)"
disk-bench /mnt ARGS
rc=$?
umount /mnt || { echo 'disk-bench: error what="umount /mnt" reason="umount failed"'; rc=1; }
set -- $(cat /sys/block/xvda/stat)
echo "disk-bench: blockstat reads=$1 read_sectors=$3 writes=$5 write_sectors=$7 flushes=${16:-0}"
exit $rc
"""


def prepare(a, tmp):
    """The files for dom0 as (NAME, PATH) pairs, written under tmp, and the disk's path."""
    def write(name, data):
        path = os.path.join(tmp, name)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        return name, path

    program = os.path.join(a.out, "disk-bench-linux")
    cmd = ["gcc", "-O2", "-static", "-Wall", "-o", program, PROGRAM_SRC]
    if subprocess.run(cmd).returncode != 0:
        raise SystemExit(f"bench-disk: building the Linux program failed: {' '.join(cmd)}")
    disk = os.path.join(a.out, "disk.img")
    if subprocess.run([DISK_SH, "make", disk, a.disk_size], stdout=sys.stderr).returncode != 0:
        raise SystemExit(f"bench-disk: making the disk failed: {DISK_SH} make {disk} {a.disk_size}")
    args = f"{a.mib} {a.random} {a.fsyncs} {a.phase_bound}"
    with open(program, "rb") as f:
        initrd = xlrun.linux_guest_initrd(a.dom0, LINUX_SCRIPT.replace("ARGS", args), None,
                                          [("disk-bench", f.read())])
    disk_line = xl.disk_setting(1)
    with open(a.cfg) as f:
        ukrt_cfg = xl.job_config(f.read(), ['kernel = "/job/files/ukrt.xen"', disk_line,
                                            f'extra = "uk.stats /data {args}"',
                                            'on_poweroff = "destroy"', 'on_crash = "preserve"'])
    linux_cfg = xl.job_config(xl.linux_guest_config(), [
        'kernel = "/job/files/linux.kernel"', 'ramdisk = "/job/files/linux.initrd"', disk_line])
    name = re.search(r'^\s*name\s*=\s*"([^"]+)"', ukrt_cfg, re.M)
    if not name:
        raise SystemExit(f"bench-disk: {a.cfg} has no name = \"...\" line")
    env = {"ROUNDS": a.rounds, "UKRT_NAME": name.group(1), "UKRT_BOUND": a.guest_bound,
           "LINUX_NAME": xl.LINUX_GUEST_NAME, "LINUX_BOUND": a.guest_bound}
    files = [write("bench.env", "".join(f"{k}='{v}'\n" for k, v in env.items())),
             ("bench-disk.sh", DOM0_SCRIPT), ("ukrt.xen", a.image), write("ukrt.cfg", ukrt_cfg),
             ("linux.kernel", os.path.join(a.dom0, "guest", "vmlinuz")),
             write("linux.initrd", initrd), write("linux.cfg", linux_cfg)]
    return files, disk


class Progress(Report):
    """xlrun's report into a log file; its own sentences on stderr too."""

    def __init__(self, log):
        super().__init__("xlrun", log, log)

    def say(self, text):
        super().say(text)
        print(f"bench-disk: {text}", file=sys.stderr, flush=True)


def loadavg():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def disk_facts(disk):
    """The image's FAT geometry from fsck.fat -v, and whether fsck.fat -n
    calls the volume clean after both guests, as note lines."""
    out = []
    try:
        p = subprocess.run(["fsck.fat", "-n", "-v", disk], capture_output=True, text=True,
                           timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return [f"fsck.fat -n -v {disk} did not run: {e}"]
    text = p.stdout + p.stderr
    m = re.search(r"(\d+) bytes per cluster", text)
    if m:
        out.append(f"the disk: FAT32 image of {os.path.getsize(disk) >> 20} MiB, "
                   f"{m.group(1)}-byte clusters")
    msgs = [x for x in text.splitlines() if x.strip() and not re.match(
        r"^(fsck\.fat|Checking|Boot sector|Media byte|\s|\d|Data area|Volume|FAT|Checking|"
        r"Starting|Reclaiming|/).*", x)]
    out.append(f"fsck.fat -n after both guests: exit {p.returncode}" +
               (f" ({'; '.join(msgs[:3])})" if p.returncode and msgs else ""))
    return out


def report(a, run, before, after, seconds, extra_notes):
    rows = benchdisk.rows(run)
    head = [f"Disk benchmark: ukrt image vs the same C program in a Linux PV domU, "
            f"{time.strftime('%Y-%m-%d %H:%M')}",
            f"host: {os.cpu_count()} CPUs, load average (1/5/15 min) {before} before, {after} "
            f"after; the run took {seconds:.0f} s",
            f"{a.mib} MiB file in 64 KiB calls, {a.random} random 4 KiB reads and {a.fsyncs} "
            f"fsyncs (each phase at most {a.phase_bound} s), {a.rounds} round(s); Xen under "
            "QEMU TCG, one emulated CPU for dom0 and the guest"]
    tail = ["ratio = ukrt/Linux; MB/s = 10^6 bytes/s; ukrt has no page cache (only the FAT "
            "layer's 256 KiB sector cache), Linux's was dropped before each read phase"] + \
        extra_notes + benchdisk.notes(run)
    text = head + [""] + benchdisk.table(rows) + [""] + tail
    md = [f"- {x}" for x in head] + [""] + benchdisk.table(rows, markdown=True) + [""] + \
        [f"- {x}" for x in tail]
    return rows, text, md


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--image", required=True, help="the ukrt disk-bench image (.xen)")
    p.add_argument("--cfg", required=True, help="its xl config (.cfg)")
    p.add_argument("--xen", default="build/xen")
    p.add_argument("--dom0", default="build/xl-dom0")
    p.add_argument("--out", default="build/bench-disk", help="where the run's files are kept")
    p.add_argument("--mib", type=int, default=16,
                   help="the sequential file's size (ukrt writes about 0.1 MB/s today)")
    p.add_argument("--random", type=int, default=2000, help="random 4 KiB reads (at most)")
    p.add_argument("--fsyncs", type=int, default=200, help="write+fsync pairs (at most)")
    p.add_argument("--phase-bound", type=int, default=30,
                   help="seconds the random and fsync phases may take each")
    p.add_argument("--rounds", type=int, default=1, help="runs of each guest")
    p.add_argument("--disk-size", default="128M", help="the FAT32 image's size (truncate's units)")
    p.add_argument("--guest-bound", type=int, default=1200,
                   help="seconds from xl create to the guest gone, each run")
    a = p.parse_args(argv)
    if not 1 <= a.mib <= 1024 or not 1 <= a.rounds <= 5 or not 1 <= a.fsyncs <= 100000 \
            or a.random < 1 or not 1 <= a.phase_bound <= 600 or not 60 <= a.guest_bound <= 3600:
        p.error("--mib 1..1024, --rounds 1..5, --fsyncs 1..100000, --random >= 1, "
                "--phase-bound 1..600, --guest-bound 60..3600")
    for path in (a.image, a.cfg, a.xen, PROGRAM_SRC):
        if not os.path.isfile(path):
            p.error(f"{path} does not exist")
    os.makedirs(a.out, exist_ok=True)
    log_path = os.path.join(a.out, "xlrun.log")
    script_bound = a.rounds * 2 * (a.guest_bound + 20) + 30
    before = loadavg()
    t0 = time.monotonic()
    with open(log_path, "w") as log:
        progress = Progress(log)
        # build-dom0.sh first (xlrun would too): prepare() needs the guest kit.
        if subprocess.run(["bash", os.path.join(HERE, "xl", "build-dom0.sh"), a.dom0],
                          stdout=sys.stderr).returncode != 0:
            print("bench-disk: building the dom0 failed (ci/xl/build-dom0.sh)", file=sys.stderr)
            return 1
        tmp = os.path.join(a.out, "files")
        os.makedirs(tmp, exist_ok=True)
        files, disk = prepare(a, tmp)
        print(f"bench-disk: one dom0 boot runs it all (at most {script_bound} s; the whole "
              f"report goes to {log_path})", file=sys.stderr, flush=True)
        o = xl.Options(None, None, a.xen, dom0=a.dom0, scenario="script",
                       client="sh /job/files/bench-disk.sh", files=files, disks=[disk],
                       timeout=BOOT_BOUND + script_bound + 30, boot_timeout=BOOT_BOUND,
                       client_timeout=script_bound)
        result = xlrun.execute(o, progress)
    seconds = time.monotonic() - t0
    out = result.client.stdout if result.client else []
    with open(os.path.join(a.out, "dom0-script.txt"), "w") as f:
        f.write("".join(x + "\n" for x in out))
    run = benchdisk.parse(out)
    rows, text, md = report(a, run, before, loadavg(), seconds, disk_facts(disk))
    print("\n".join(text))
    with open(os.path.join(a.out, "figures.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    doc = {"date": time.strftime("%Y-%m-%d %H:%M"), "host_cpus": os.cpu_count(),
           "load_average_before": before, "load_average_after": loadavg(),
           "seconds": round(seconds, 1), "mib": a.mib, "random_reads": a.random,
           "fsyncs": a.fsyncs, "phase_bound_s": a.phase_bound, "rounds": a.rounds,
           "disk_size": a.disk_size, "status": result.status, "message": result.message,
           **benchdisk.as_json(run, rows)}
    with open(os.path.join(a.out, "figures.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    trouble = benchdisk.problems(run)
    if result.status != 0:
        trouble.append(f"the run ended with status {result.status}: {result.message}")
    if trouble:
        print("\nbench-disk: something broke:", file=sys.stderr)
        for t in trouble:
            print("    " + t, file=sys.stderr)
        for g in run.guests:
            if g.errors or g.how != "gone" or g.exit_status:
                print(f"bench-disk: {g.kind} round {g.round}'s last console lines:",
                      file=sys.stderr)
                for line in g.tail:
                    print("    " + line, file=sys.stderr)
        if result.client and result.client.stderr:
            print("bench-disk: the dom0 script's stderr (last 15 lines):", file=sys.stderr)
            for line in result.client.stderr[-15:]:
                print("    " + line, file=sys.stderr)
        print(f"bench-disk: the whole report: {log_path}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
