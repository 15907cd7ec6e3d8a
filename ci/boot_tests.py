#!/usr/bin/env python3
"""Boot tests: run ukrt images on Xen under QEMU (through ci/xenrun.py, the
same path `make run` takes) and assert on what the guest printed and on the
exit status the harness reports. The tests run concurrently (--jobs, one per
core by default), each booting its own QEMU; ones that write files use
temporary names of their own."""
import argparse
import hashlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from ukharness import parallel, xl
from ukharness.console import apps as apps_of
from ukharness.console import fields, stats

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
KERNEL = None
SELFTEST = None
BUILD = None
XEN = None


def cargo_version():
    with open(os.path.join(ROOT, "Cargo.toml")) as f:
        return re.search(r'^version = "([^"]+)"', f.read(), re.M).group(1)


class Boot:
    """One finished run of an image."""

    def __init__(self, args="", memory=64, image=None, timeout=60, ramdisk=None):
        cmd = [sys.executable, os.path.join(HERE, "xenrun.py"), image or KERNEL,
               "--xen", XEN, "--memory", str(memory), "--timeout", str(timeout),
               "--args", args] + (["--ramdisk", ramdisk] if ramdisk else [])
        p = subprocess.run(cmd, capture_output=True, timeout=timeout + 30)
        self.status = p.returncode
        self.out = p.stdout.decode(errors="replace")
        self.err = p.stderr.decode(errors="replace")
        self.lines = self.out.splitlines()

    def __str__(self):
        return f"status {self.status}\n--- stdout\n{self.out}--- stderr\n{self.err}"


class FirstDomain(unittest.TestCase):
    def boot(self, *a, **kw):
        return Boot(*a, **kw)

    def test_hello_banner_and_status_0(self):
        b = self.boot()
        self.assertEqual(b.status, 0, b)
        banner = (f"ukrt {cargo_version()} on Xen 4.17.")
        self.assertTrue(b.lines[0].startswith(banner), b)
        self.assertRegex(b.lines[0], r"\(first domain\): 64 MiB, cmdline \"\"$")
        self.assertIn("Hello, world! (from the built-in hello app)", b.lines)
        self.assertEqual(b.lines[-1], "uk-exit: status=0")
        self.assertNotIn("(XEN)", b.out, "Xen's chatter is filtered without -v")

    def test_command_line_reaches_the_guest(self):
        b = self.boot('alpha beta,gamma "q" uk.unknown')
        self.assertEqual(b.status, 0, b)
        self.assertIn('cmdline "alpha beta,gamma \\"q\\" uk.unknown"', b.lines[0])
        self.assertEqual(
            [ln for ln in b.lines if ln.startswith("argv[")],
            ['argv[0] = "alpha"', 'argv[1] = "beta,gamma"', 'argv[2] = "\\"q\\""'])
        self.assertIn("ukrt: warning: unknown runtime option uk.unknown", b.out)

    def test_memory_size_is_reported(self):
        b = self.boot(memory=128)
        self.assertEqual(b.status, 0, b)
        self.assertIn("(first domain): 128 MiB", b.lines[0])

    def test_exit_status_is_carried_out(self):
        for n, expect in ((3, 3), (255, 255), (-1, 255)):
            with self.subTest(n=n):
                b = self.boot(f"exit={n}")
                self.assertEqual(b.status, expect, b)
                self.assertEqual(b.lines[-1], f"uk-exit: status={n}")
                self.assertIn(f"the guest exited with status {expect}", b.err)

    def test_bad_switch_is_an_error_not_a_crash(self):
        b = self.boot("exit=three")
        self.assertEqual(b.status, 2, b)
        self.assertIn('hello: bad argument "exit=three"', b.out)

    def test_panic_gives_crash_report_and_nonzero_status(self):
        b = self.boot("panic=boom")
        self.assertEqual(b.status, 134, b)
        self.assertRegex(b.out, r"\*\*\* ukrt panic at runtime/src/hello\.rs:\d+:\d+: hello: boom")
        self.assertEqual(b.lines[-1], "uk-exit: crashed")
        self.assertIn("the domain crashed", b.err)

    def test_no_output_is_lost(self):
        n = 3000
        b = self.boot(f"lines={n}")
        self.assertEqual(b.status, 0, b)
        got = [ln for ln in b.lines if ln.startswith("line ")]
        self.assertEqual(got, [f"line {i} of {n}: the quick brown fox jumps over the lazy dog"
                               for i in range(n)])


GIB = 1 << 30
MIB = 1 << 20


class Memory(unittest.TestCase):
    """The demand-mapped application region on real Xen (selftest kernel)."""

    def selftest(self, args, **kw):
        return Boot(args, image=SELFTEST, **kw)

    def test_faults_across_table_boundaries_map_and_count_exactly(self):
        import random
        rng = random.Random(7)
        offsets = [0, 0x1000, 2 * MIB - 0x1000, 2 * MIB, GIB, 512 * GIB,
                   512 * GIB + 5 * GIB + 7 * 2 * MIB + 9 * 0x1000]
        while len(offsets) < 28:
            offsets.append(rng.randrange(0, 1 << 40 - 12) << 12)
        offsets = sorted(set(offsets))
        b = self.selftest("uk.test=mm-touch " + " ".join(hex(o) for o in offsets))
        self.assertEqual(b.status, 0, b)
        got = fields(b.out, "mm-touch: ")
        pages = len(offsets)
        l1 = len({o >> 21 for o in offsets})
        l2 = len({o >> 30 for o in offsets})
        l3 = len({o >> 39 for o in offsets})
        with_tables = len({o >> 21 for o in offsets})  # faults that created an L1
        self.assertEqual(int(got["pages"]), pages, b)
        self.assertEqual(int(got["faults"]), pages, "one fault per page first touched")
        self.assertEqual(int(got["hypercalls"]), pages, "one transition to Xen per fault")
        self.assertEqual((int(got["tables_l1"]), int(got["tables_l2"]), int(got["tables_l3"])),
                         (l1, l2, l3))
        tables = l1 + l2 + l3
        # Each new table: protect + link; each page: its leaf entry.
        self.assertEqual(int(got["mmu_updates"]), pages + 2 * tables)
        # A fault that needs tables is one multicall of protect, pin, link+leaf.
        self.assertEqual(int(got["multicall_entries"]), 3 * with_tables)
        self.assertEqual(got["bad_patterns"], "0", "every page reads back what was written")
        self.assertEqual(int(got["frames_returned"]), pages + tables, "release returns it all")

    def test_copy_on_write_and_shared_frames(self):
        b = self.selftest("uk.test=mm-cow")
        self.assertEqual(b.status, 0, b)
        got = fields(b.out, "mm-cow: ")
        self.assertEqual(got["read"], "1001", "a read sees the source frame")
        self.assertEqual(got["shared_read"], "2002", "a shared frame maps read-only")
        self.assertEqual(got["mapped_source_before_write"], "true")
        self.assertEqual(got["after_write"], str(0xdead))
        self.assertEqual(got["source_word"], "1001", "the source never changes")
        self.assertEqual(got["copy_rest_intact"], "true")
        self.assertEqual(got["private_frame"], "true")

    def test_zero_fill_hides_old_frame_contents(self):
        b = self.selftest("uk.test=mm-zero")
        self.assertEqual(b.status, 0, b)
        got = fields(b.out, "mm-zero: ")
        self.assertEqual(got["reused_dirty_frame"], "true", "the test reuses a dirty frame")
        self.assertEqual(got["nonzero_words"], "0")

    def test_a_thousand_map_touch_release_cycles_leak_nothing(self):
        b = self.selftest("uk.test=mm-cycles 1000")
        self.assertEqual(b.status, 0, b)
        got = fields(b.out, "mm-cycles: ")
        self.assertEqual(got["free_before"], got["free_after"], b)
        self.assertEqual(got["cycles_with_drift"], "0")
        self.assertEqual(got["faults"], "4000")
        self.assertEqual(got["tables_allocated"], got["tables_freed"])
        self.assertEqual(got["tables_allocated"], "3000")

    def test_exhausting_memory_is_an_error_not_a_crash(self):
        b = self.selftest("uk.test=mm-oom")
        self.assertEqual(b.status, 0, b)
        got = fields(b.out, "mm-oom: ")
        self.assertEqual(got["error"], "OutOfMemory")
        # Apps may take everything but the reserve kept for the runtime.
        self.assertGreater(int(got["reserve"]), 0)
        self.assertEqual(got["free_at_error"], got["reserve"])
        self.assertEqual(got["free_before"], got["free_after"])

    def test_stats_line(self):
        b = self.selftest("uk.stats uk.test=mm-zero")
        self.assertEqual(b.status, 0, b)
        line = [ln for ln in b.lines if ln.startswith("uk-stats: ")]
        self.assertEqual(len(line), 1, b)
        self.assertRegex(line[0], r"^uk-stats: faults=\d+ tables=\d+ hypercalls=\d+ "
                         r"mmu_updates=\d+ frames_used=\d+ frames_free=\d+( \w+=\d+)*$")
        got = stats(b.out)
        self.assertEqual(got["faults"], "2")
        self.assertEqual(got["tables"], "3")
        # Everything is released: only the heap is in use.
        self.assertEqual(got["frames_used"], got["heap_frames"])

    def assert_crash_report(self, b, name, reason=None, address=None):
        self.assertEqual(b.status, 134, b)
        self.assertIn(f"*** ukrt: fatal {name}", b.out)
        self.assertRegex(b.out, r"rip 0x[0-9a-f]{16}  rsp 0x[0-9a-f]{16}")
        self.assertRegex(b.out, r"rax 0x[0-9a-f]{16} rbx")
        # Runtime frames: named `ukrt` by the guest, by function and line by
        # the harness (from the kernel's ELF file).
        self.assertRegex(b.out, r"backtrace:\n      #0 0x[0-9a-f]{16}.*\n      #1 0x[0-9a-f]{16} ukrt")
        self.assertRegex(b.out, re.compile(r"^      #\d+ 0x[0-9a-f]{16} ukrt \S.* at "
                                           r"\S*runtime/src/\S+\.rs:\d+", re.M))
        if reason:
            self.assertIn(f"    reason     {reason}", b.out)
        if address is not None:
            self.assertIn(f"    address    {address:#018x}", b.out)
        self.assertEqual(b.lines[-1], "uk-exit: crashed")
        self.assertNotIn("survived", b.out)

    def test_bad_accesses_give_crash_reports(self):
        base = 1 << 40
        cases = {
            "write-ro": ("page fault (#PF, vector 14)", 'write to read-only page of region "code"',
                         base + 16, "(not-present, write, kernel)"),
            "guard": ("page fault", 'guard page of region "guard"', base + 0x1008,
                      "(not-present, read, kernel)"),
            "outside": ("page fault", "address is outside every region", base + GIB, None),
            "exec": ("page fault", 'instruction fetch from non-executable region "data"',
                     base + 0x2000, "instruction-fetch"),
            "oom-fault": ("page fault", "out of memory", None, None),
            "in-mm": ("page fault", "fault inside the memory manager", base + 0x2000, None),
        }
        for kind, (name, reason, address, code) in cases.items():
            with self.subTest(kind=kind):
                b = self.selftest(f"uk.test=mm-bad {kind}")
                self.assert_crash_report(b, name, reason, address)
                if code:
                    self.assertIn(code, b.out)


class Traps(unittest.TestCase):
    def selftest(self, args, **kw):
        return Boot(args, image=SELFTEST, **kw)

    def test_handled_fault_preserves_every_register(self):
        b = self.selftest("uk.test=trap handled-fault-returns")
        self.assertEqual(b.status, 0, b)
        self.assertIn("trap: registers_preserved=true", b.lines)

    def test_exceptions_are_named_in_the_crash_report(self):
        for kind, name in (("ud2", "invalid opcode (#UD, vector 6)"),
                           ("div0", "divide error (#DE, vector 0)"),
                           ("int3", "breakpoint (#BP, vector 3)")):
            with self.subTest(kind=kind):
                b = self.selftest(f"uk.test=trap {kind}")
                Memory.assert_crash_report(self, b, name)

    def test_runtime_code_is_read_only_and_data_not_executable(self):
        b = self.selftest("uk.test=trap write-text")
        Memory.assert_crash_report(self, b, "page fault", "address outside the application region")
        self.assertIn("(present, write, kernel)", b.out)
        for kind in ("exec-data", "exec-rodata"):
            with self.subTest(kind=kind):
                b = self.selftest(f"uk.test=trap {kind}")
                Memory.assert_crash_report(self, b, "page fault",
                                           "address outside the application region")
                self.assertIn("(present, read, kernel, instruction-fetch)", b.out)

    def test_null_pointer(self):
        b = self.selftest("uk.test=trap null")
        Memory.assert_crash_report(self, b, "page fault", "address outside the application region", 0)

    def test_fault_inside_the_fault_handler_is_reported_not_looped(self):
        b = self.selftest("uk.test=trap nested")
        Memory.assert_crash_report(self, b, "page fault", "fault inside the fault handler", 8)
        self.assertEqual(b.out.count("*** ukrt: fatal"), 1)

    def test_stack_overflow_hits_the_guard_page(self):
        # Xen cannot deliver a fault on an overflowed stack: it ends the
        # domain itself, and the harness shows why.
        b = self.selftest("uk.test=trap stack-overflow")
        self.assertEqual(b.status, 134, b)
        self.assertIn("the domain crashed without a report from the guest", b.err)
        self.assertIn("Fault while accessing guest memory", b.err)


def app_out(folder):
    """The build folder `make image APP=folder` writes, keyed as the Makefile
    keys it: build/app/<path in this checkout>, or build/app/abs/<path>."""
    folder = os.path.abspath(os.path.join(ROOT, folder))
    rel = os.path.relpath(folder, ROOT)
    key = "abs" + folder if rel.startswith("..") else rel
    return os.path.join(BUILD, "app", key)


def built(app):
    """The build folder of an app of this checkout, by name: examples/<app>
    or ci/apps/<app>."""
    for parent in ("examples", "ci/apps"):
        if os.path.isdir(os.path.join(ROOT, parent, app)):
            return app_out(os.path.join(parent, app))
    raise FileNotFoundError(f"no app named {app!r} in examples/ or ci/apps/")


def example(name):
    """A file of a built example, by file name."""
    app = {"hello-c.xen": "hello-c", "hello-rust.xen": "hello-rust"}.get(name, "greet")
    return os.path.join(built(app), name)


def app_image(app):
    return os.path.join(built(app), app + ".xen")


def app_cfg(app):
    return os.path.join(built(app), app + ".cfg")


def code_pages(so):
    """Pages of read-only load segments of a shared object, per readelf."""
    out = subprocess.run(["readelf", "-lW", so], capture_output=True, text=True).stdout
    pages = 0
    for line in out.splitlines():
        w = line.split()
        if w and w[0] == "LOAD" and "W" not in w[6:-1] and "RW" not in w[6:-1]:
            vaddr, memsz = int(w[2], 16), int(w[5], 16)
            pages += ((vaddr + memsz + 4095) // 4096) - vaddr // 4096
    return pages


class Apps(unittest.TestCase):
    """Apps loaded from a bundle: C, Rust, shared libraries, failures."""

    def test_c_app_runs_from_an_embedded_bundle(self):
        b = Boot("one two", image=example("hello-c.xen"))
        self.assertEqual(b.status, 0, b)
        self.assertIn("ukrt: bundle (embedded): 2 files, 1 apps", b.lines)
        i = b.lines.index("Hello from C!")
        self.assertEqual(b.lines[i + 1:i + 4], ["arg: hello-c", "arg: one", "arg: two"])
        self.assertIn("uk-app: name=hello-c status=0", b.out)

    def test_app_exit_status_is_the_image_status(self):
        b = Boot("exit=5", image=example("hello-c.xen"))
        self.assertEqual(b.status, 5, b)
        self.assertIn("uk-app: name=hello-c status=5", b.out)

    def test_rust_app_runs(self):
        b = Boot("x", image=example("hello-rust.xen"))
        self.assertEqual(b.status, 0, b)
        i = b.lines.index("Hello from Rust!")
        self.assertEqual(b.lines[i + 1:i + 3], ["arg: hello-rust", "arg: x"])
        self.assertIn("float: 5.00", b.lines)
        self.assertIn("file: HELLO-RUST X", b.lines, "ukrt_app::fs wrote and read /tmp")
        self.assertIn("uk-app: name=hello-rust status=0", b.out)

    def check_greet_run(self, b):
        self.assertEqual(b.status, 127, b)  # the first non-zero status: broken's
        order = [ln.split(" faults=")[0] for ln in b.lines
                 if ln.startswith(("uk-app:", "greetings", "ukrt: app"))]
        # Every app is loaded before any runs, so the load failure comes first.
        self.assertEqual(order, [
            'ukrt: app "broken" cannot load: broken.so: undefined symbol "no_such_function" '
            "(not in the app, its libraries or the runtime)",
            "uk-app: name=broken status=127",
            "greetings, greet-a",
            "uk-app: name=greet-a status=0",
            "greetings, greet-b",
            "uk-app: name=greet-b status=0",
        ])
        return stats(b.out)

    def test_two_apps_share_a_librarys_code_frames_and_tables(self):
        b = Boot("uk.stats", image=example("greet.xen"))
        got = self.check_greet_run(b)
        lib = code_pages(example("libgreet.so"))
        apps = code_pages(example("greet-a.so")) + code_pages(example("greet-b.so"))
        self.assertGreater(lib, 256, "the library has over 1 MiB of code")
        # The library's code frames are mapped once, into one shared L1
        # table, which the second app links instead of faulting page by page.
        self.assertEqual(int(got["shared_code_pages"]), lib + apps)
        self.assertEqual(int(got["l1_shared_links"]), 1)
        self.assertEqual(int(got["faults"]), 4 + 2,
                         "one fault per 2 MiB of code per app, and the top page of each stack")
        self.assertEqual(got["frames_used"], got["heap_frames"], "all instances released")

    def test_switching_sharing_off_copies_the_code(self):
        shared = stats(Boot("uk.stats", image=example("greet.xen")).out)
        b = Boot("uk.stats uk.share=off", image=example("greet.xen"))
        got = self.check_greet_run(b)
        lib = code_pages(example("libgreet.so"))
        self.assertEqual(int(got["l1_shared_links"]), 0)
        self.assertEqual(int(got["shared_code_pages"]), 0)
        self.assertGreaterEqual(int(got["private_pages"]) - int(shared["private_pages"]), 2 * lib)

    def test_bundle_as_the_ramdisk_module(self):
        b = Boot("uk.stats", ramdisk=example("greet.ukb"))
        self.assertIn("ukrt: bundle (ramdisk module): 5 files, 3 apps", b.lines)
        self.check_greet_run(b)

    def test_a_corrupt_bundle_is_reported(self):
        import tempfile
        with open(example("greet.ukb"), "rb") as f:
            data = bytearray(f.read())
        data[5000] ^= 0xff
        with tempfile.NamedTemporaryFile(suffix=".ukb") as f:
            f.write(data)
            f.flush()
            b = Boot("", ramdisk=f.name)
        self.assertEqual(b.status, 127, b)
        self.assertRegex(b.out, r"ukrt: the app bundle is unusable: .*checksum")


class Files(unittest.TestCase):
    """Files under Xen: the POSIX and stdio calls on /tmp."""

    def test_the_file_calls_give_the_transcript_glibc_gives(self):
        # expected.txt is what the same program prints under glibc on Linux
        # (app-template/libukc/tests/files_check_native.rs checks that).
        with open(os.path.join(HERE, "apps/files-check/expected.txt")) as f:
            expected = f.read()
        b = Boot("uk.stats", image=app_image("files-check"))
        self.assertEqual(b.status, 0, b)
        start = b.out.index("=== files-check begin\n")
        end = b.out.index("uk-app: name=files-check")
        guest = b.out[start:end]
        if guest != expected:
            import difflib
            diff = difflib.unified_diff(expected.splitlines(), guest.splitlines(),
                                        "glibc", "ukrt", lineterm="", n=1)
            self.fail("ukrt's transcript differs:\n" + "\n".join(list(diff)[:80]))


class ImageFiles(unittest.TestCase):
    """Files packed in the image (ci/apps/image-files: two instances of one
    app, files/blob.bin of 1 MiB), read at / straight from the bundle."""

    def test_two_apps_read_one_packed_file_from_the_same_frames(self):
        b = Boot("uk.stats image /blob.bin", image=app_image("image-files"))
        self.assertEqual(b.status, 0, b)
        want = "%016x" % fnv1a(bytes((i * 7 + i // 251) & 0xFF for i in range(1 << 20)))
        lines = [ln for ln in b.lines if ln.startswith("disk-check: image ")]
        self.assertEqual(lines, [f"disk-check: image bytes=1048576 fnv={want} write=EROFS"] * 2, b)
        self.assertIn("ukrt: fs: / image, 2 files, 1025 KiB, read-only", b.out)
        # 2 MiB were read, but the file's 256 pages were touched once each:
        # no copy per app, no cache.
        self.assertEqual(stats(b.out)["image_pages_read"], "256")
        frames = [int(f) for f in re.findall(r"^uk-app: name=image-files\S* .* frames=(\d+)", b.out, re.M)]
        self.assertEqual(len(frames), 2)
        self.assertTrue(all(f < 128 for f in frames), f"no app took the file's 256 pages: {frames}")


class Storage(unittest.TestCase):
    """Files on a disk under the xl harness: ci/apps/disk-check on a FAT32
    image (ci/disk.sh) attached as xvda, checked again from the host
    afterwards (fsck.fat, mtools)."""

    def setUp(self):
        import tempfile
        self.tmp = tempfile.mkdtemp(prefix="ukrt-storage-")

    def tearDown(self):
        import shutil
        shutil.rmtree(self.tmp)

    def disk(self, size="64M", name="disk.img"):
        path = os.path.join(self.tmp, name)
        subprocess.run([os.path.join(HERE, "disk.sh"), "make", path, size], check=True,
                       capture_output=True)
        return path

    def fsck(self, disk):
        p = subprocess.run(["fsck.fat", "-n", disk], capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr

    def assert_fsck_clean(self, disk):
        code, out = self.fsck(disk)
        self.assertEqual(code, 0, "fsck.fat -n: " + out)

    def host_file(self, disk, name):
        return subprocess.run(["mtype", "-i", disk, "::" + name], capture_output=True,
                              check=True).stdout

    @staticmethod
    def big_sha256():
        """The sha256 of disk-check's 64 MiB pattern, (i * 7 + i / 251) & 0xff,
        which repeats every 251 * 256 bytes."""
        period = bytes((i * 7 + i // 251) & 0xFF for i in range(251 * 256))
        total = 64 << 20
        data = period * (total // len(period)) + period[:total % len(period)]
        return hashlib.sha256(data).hexdigest()

    def run_app(self, disks, args, *extra, timeout=240):
        cfg = os.path.join(self.tmp, "disk-check.cfg")
        with open(cfg, "w") as f:
            f.write('name = "disk-check"\ntype = "pv"\nkernel = "k"\nmemory = 64\nvcpus = 1\n'
                    f'extra = "uk.stats {args}"\non_poweroff = "destroy"\non_crash = "preserve"\n')
        p = subprocess.run([sys.executable, os.path.join(HERE, "xl/xlrun.py"), app_image("disk-check"),
                            "--cfg", cfg, "--disk", ",".join(disks), *extra, "--xen", XEN,
                            "--dom0", os.path.join(BUILD, "xl-dom0"), "--timeout", str(timeout),
                            "--guest-timeout", str(timeout - 40)],
                           capture_output=True, text=True, timeout=timeout + 60)
        return p

    def test_64_mib_a_thousand_files_and_data_kept_for_the_next_boot(self):
        d = self.disk("128M")
        p = self.run_app([d], "all /data")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"ukrt: fs: /data fat32 on xvda, 12\d MiB")
        big = fields(p.stdout, "disk-check: big ")
        self.assertEqual((big["bytes"], big["read"], big["size"]), (str(64 << 20),) * 3, p.stdout)
        self.assertEqual(big["written"], big["read_back"])
        tree = fields(p.stdout, "disk-check: tree ")
        self.assertEqual(tree, {"made": "1000", "listed": "1000", "renamed": "500", "content_ok": "1000",
                                "removed": "1000", "rmdirs": "21", "left": "1"}, p.stdout)
        self.assertIn("disk-check: put ok", p.stdout)
        self.assert_fsck_clean(d)
        # The host reads what the guest wrote.
        self.assertEqual(hashlib.sha256(self.host_file(d, "big.bin")).hexdigest(), self.big_sha256())
        self.assertEqual(self.host_file(d, "kept.txt"), b"written by the first boot, read by the next\n")
        # The next boot reads it, then fills the disk.
        p = self.run_app([d], "get+fill /data")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("disk-check: get ok", p.stdout)
        fill = fields(p.stdout, "disk-check: fill ")
        self.assertEqual((fill["error"], fill["before_kept"], fill["after_removing"]),
                         ("ENOSPC", "yes", "1"), p.stdout)
        self.assertGreater(int(fill["written_mib"]), 40)
        self.assert_fsck_clean(d)
        self.assertEqual(hashlib.sha256(self.host_file(d, "big.bin")).hexdigest(), self.big_sha256(),
                         "filling the disk lost nothing written before")

    def test_a_read_only_disk_refuses_changes_and_a_corrupt_one_is_refused_at_mount(self):
        d = self.disk("64M")
        subprocess.run(["mcopy", "-i", d, "-", "::kept.txt"], check=True,
                       input=b"written by the first boot, read by the next\n")
        bad = os.path.join(self.tmp, "bad.img")
        with open(bad, "wb") as f:
            f.write(bytes(range(256)) * (16 << 12))
        with open(d, "rb") as f:
            before = f.read()
        p = self.run_app([d, bad], "uk.mount=xvda:/data,xvdb:/bad readonly /data", "--disk-ro")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"ukrt: fs: xvdb: not a FAT filesystem: [^\n]*; nothing mounted at /bad")
        self.assertRegex(p.stdout, r"ukrt: fs: /data fat32 on xvda, \d+ MiB, \d+ MiB free, read-only")
        self.assertEqual(fields(p.stdout, "disk-check: readonly "),
                         {k: "EROFS" for k in ["create", "open_write", "mkdir", "unlink", "rename"]},
                         p.stdout)
        self.assertIn("disk-check: get ok", p.stdout)
        with open(d, "rb") as f:
            self.assertEqual(f.read(), before, "a read-only disk's file is unchanged")

    def test_a_power_cut_loses_no_fsynced_record(self):
        import random
        d = self.disk("64M")
        delay = random.uniform(0.5, 3.0)
        p = self.run_app([d], "append /data 1000000", "--scenario", "destroy",
                         "--wait-for", "disk-check: appending", "--client", f"sleep {delay:.2f}")
        synced = [int(n) for n in re.findall(r"^disk-check: synced (\d+)$", p.stdout, re.M)]
        self.assertTrue(synced, p.stdout + p.stderr)
        self.assertEqual(synced, list(range(len(synced))))
        self.assertNotIn("uk-exit:", p.stdout, "the domain was destroyed, not ended")
        # Every record the guest said was synced is on the disk, whole.
        log = self.host_file(d, "records.log").decode()
        lines = log.split("\n")
        self.assertGreaterEqual(len(lines) - 1, len(synced), f"cut after {delay:.2f} s")
        for i, line in enumerate(lines[:len(synced)]):
            self.assertTrue(line.startswith("record %08d " % i), line)
        # The next boot recovers what the cut interrupted (if it fell inside
        # a checkpoint, the host's fsck sees that now); then the host's fsck
        # finds nothing to fix.
        cut_in_checkpoint, _ = self.fsck(d)
        p = self.run_app([d], "records /data")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        if cut_in_checkpoint:
            self.assertIn("ukrt: fs: xvda: recovered from an interrupted checkpoint", p.stdout)
        got = fields(p.stdout, "disk-check: records ")
        self.assertEqual(got["bad"], "0", p.stdout)
        self.assertGreaterEqual(int(got["good"]), len(synced))
        self.assert_fsck_clean(d)


class LibC(unittest.TestCase):
    """The libc-like layer, under Xen, against glibc on the host."""

    # A POSIX zone with summer time, the same in the guest and natively.
    TZ = "CET-1CEST,M3.5.0,M10.5.0/3"

    def native(self, *args):
        exe = os.path.join(BUILD, "native", "libc-check")
        os.makedirs(os.path.dirname(exe), exist_ok=True)
        subprocess.run(["gcc", "-O2", "-o", exe, os.path.join(HERE, "apps/libc-check/libc_check.c"),
                        "-lm"], check=True)
        env = dict(os.environ, GREETING="hello", TZ=self.TZ)
        return subprocess.run([exe, *args], capture_output=True, env=env)

    def test_every_function_matches_glibc_byte_for_byte(self):
        native = self.native("one", "two")
        b = Boot(f"GREETING=hello TZ={self.TZ} one two", image=app_image("libc-check"))
        self.assertEqual(b.status, native.returncode, b)
        self.assertEqual(b.status, 3)
        out = b.out.encode()
        start = out.index(b"=== libc-check begin\n")
        end = out.index(b"uk-app: name=libc-check")
        guest = out[start:end]
        stderr_line = b"stderr: this line goes to stderr\n"
        self.assertIn(stderr_line, guest)
        self.assertEqual(native.stderr, stderr_line)
        guest = guest.replace(stderr_line, b"", 1)
        if guest != native.stdout:
            import difflib
            diff = difflib.unified_diff(native.stdout.decode().splitlines(),
                                        guest.decode(errors="replace").splitlines(),
                                        "glibc", "libukc", lineterm="", n=1)
            self.fail("libukc output differs from glibc:\n" + "\n".join(list(diff)[:80]))

    def test_a_failed_assert_reports_like_glibc_and_aborts(self):
        b = Boot("assert", image=app_image("libc-check"))
        self.assertIn("libc-check: libc_check.c:", b.out)
        self.assertRegex(b.out, r"libc-check: libc_check\.c:\d+: main: Assertion `argc == 100' failed\.\n"
                         r"Aborted\n")
        self.assertIn("uk-app: name=libc-check status=134", b.out)
        self.assertEqual(b.status, 134, b)
        # abort() is a clean exit with 134, not a crash of the domain.
        self.assertEqual(b.lines[-1], "uk-exit: status=134")
        self.assertIn("xenrun: the guest exited with status 134", b.err)
        self.assertNotIn("crashed", b.err)

    def test_malloc_stress_and_out_of_memory(self):
        b = Boot("uk.stats", image=app_image("malloc-stress"))
        self.assertEqual(b.status, 0, b)
        got = fields(b.out, "malloc-stress: ")
        self.assertEqual((got["bad_first"], got["bad_second"]), ("0", "0"), b)
        self.assertEqual(got["frames_after_first"], got["frames_after_second"],
                         "a second identical round needs no new frames")
        oom = fields(b.out, "malloc-oom: ")
        self.assertGreater(int(oom["blocks"]), 20, "most of the 64 MiB is usable")
        self.assertLess(int(oom["blocks"]), 64)
        self.assertEqual(oom["null_errno"], oom["enomem"], "malloc returns NULL with ENOMEM")
        self.assertEqual(oom["again"], "ok", "freed memory is reused")
        counters = stats(b.out)
        self.assertEqual(counters["frames_used"], counters["heap_frames"], "every frame came back")
        # 160k blocks live at once, half of them made again, some grown.
        many = fields(b.out, "malloc-many: ")
        self.assertEqual(many, {"bad": "0", "made": "240000", "freed": "240000"}, b)
        api = fields(b.out, "malloc-api: ")
        self.assertEqual({k for k, v in api.items() if v != "1"}, set(),
                         f"glibc's edge cases of the malloc calls: {api}")

    def test_heap_misuse_is_reported_and_ends_the_app_with_134(self):
        not_live = "double free or not a malloc'd pointer"
        # What the app does -> (the call, where it points from the block
        # malloc gave: an offset, or None for a stack address; the verdict).
        said = {
            "double-free": ("free", 0, not_live),
            "interior-free": ("free", 16, not_live),
            "bad-free": ("free", None, not_live),
            "overrun": ("free", 0, "heap corruption: the bytes after the block were overwritten"),
            "bad-realloc": ("realloc", 0, not_live),
        }
        for how, (call, offset, verdict) in said.items():
            with self.subTest(how):
                b = Boot(how, image=app_image("malloc-stress"))
                m = re.search(r"malloc-misuse: \S+ 0x([0-9a-f]+)", b.out)
                self.assertIsNotNone(m, b)
                where = "[0-9a-f]+" if offset is None else f"{int(m.group(1), 16) + offset:x}"
                self.assertRegex(b.out, rf"libukc: app 'malloc-stress': {call}\(0x{where}\): "
                                 + re.escape(verdict) + r"\nAborted\n", b)
                self.assertNotIn("malloc-misuse: not caught", b.out)
                self.assertIn("uk-app: name=malloc-stress status=134", b.out)
                self.assertEqual(b.status, 134, b)

    def test_libukc_imports_only_what_the_runtime_exports(self):
        # libukc imports the socket calls weakly (an older runtime lacks
        # them); a misspelt name would only show as ENOSYS, so check here.
        out = subprocess.run(["nm", "-D", os.path.join(BUILD, "lib", "libukc.so")],
                             capture_output=True, text=True, check=True).stdout
        imports = {w[-1] for w in (ln.split() for ln in out.splitlines())
                   if len(w) == 2 and w[0] in ("U", "w") and w[1].startswith("ukrt_")}
        with open(os.path.join(ROOT, "loader/src/lib.rs")) as f:
            block = f.read().split("pub const RUNTIME_EXPORTS")[1].split("];")[0]
        exports = set(re.findall(r'"(ukrt_\w+)"', block))
        self.assertIn("ukrt_socket", imports)
        self.assertEqual(imports - exports, set(), "libukc imports what the runtime lacks")

    def test_rust_app_uses_the_wrapper_crate(self):
        b = Boot("abc xyz", image=app_image("hello-rust"))
        self.assertEqual(b.status, 0, b)
        self.assertIn("upper: HELLO-RUST ABC XYZ", b.lines)
        self.assertIn("float: 5.00", b.lines)


def hello_bundle(apps, prefix):
    """A bundle of `apps` instances of the C hello app (its manifest passed
    as a file: 20,000 lines do not fit a command line), for --ramdisk."""
    import tempfile
    d = tempfile.mkdtemp(prefix=prefix)
    manifest = os.path.join(d, "manifest.txt")
    with open(manifest, "w") as f:
        f.writelines(f"app h{i} hello-c.so\n" for i in range(apps))
    out = os.path.join(d, "hellos.ukb")
    app = built("hello-c")
    subprocess.run([os.path.join(ROOT, "target/release/ukrt-pack"), "pack", "-o", out,
                    "--manifest", manifest, os.path.join(app, "hello-c.so"),
                    os.path.join(app, "libukc.so")], check=True, capture_output=True)
    return d, out


def load_failures(out):
    """How many apps could not load, by reason (app names left out)."""
    counts = {}
    for ln in out.splitlines():
        m = re.match(r'ukrt: app "[^"]*" cannot load: (.*)$', ln)
        if m:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return counts


class Gdb(unittest.TestCase):
    """make debug's path (ci/gdbrun.py): the runtime's gdb stub on COM2 and
    Debian's gdb, scripted with -batch, on ci/apps/gdb-check (built -O0)."""

    def debug(self, args, script, interrupt_after=None, timeout=120):
        """Runs gdb-check with `args` and gdb on `script`; returns (status,
        output). With interrupt_after, sends gdb a SIGINT (Ctrl-C) once the
        guest printed that line."""
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "session.gdb")
            with open(path, "w") as f:
                f.write(script)
            cmd = [sys.executable, os.path.join(HERE, "gdbrun.py"), app_image("gdb-check"),
                   "--xen", XEN, "--args", args, "--symbols", KERNEL, "--timeout", str(timeout),
                   "--symbols-dir", os.path.join(ROOT, "target/app/x86_64-ukrt-app/release"),
                   "--symbols-dir", built("gdb-check"), "--", "-batch", "-x", path]
            p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, text=True, start_new_session=True)
            out = []
            try:
                for line in p.stdout:
                    out.append(line)
                    if interrupt_after is not None and line.rstrip("\n") == interrupt_after:
                        os.killpg(p.pid, signal.SIGINT)  # gdbrun ignores it; gdb interrupts
                        interrupt_after = None
                status = p.wait(timeout=timeout + 30)
            finally:
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
                p.stdout.close()
            return status, "".join(out)

    def test_break_read_step_backtrace_and_write_a_variable(self):
        status, out = self.debug("uk.gdb=wait", "\n".join([
            "break scale", "continue",
            "printf \"n=%d counter=%d\\n\", n, counter",
            "step", "printf \"factor=%d\\n\", factor",
            "bt", "set var counter = 100", "detach", ""]))
        self.assertEqual(status, 0, out)
        self.assertRegex(out, r"Breakpoint 1, scale \(n=5\) at gdb_check\.c:\d+")
        # The source line: gdb found the file the debug information names
        # under /ukrt (the script's substitute-path).
        self.assertRegex(out, r"\n\d+\t    int factor = n \* 3;\n")
        self.assertIn("n=5 counter=7\n", out)
        self.assertIn("factor=15\n", out)
        self.assertRegex(out, r"#0 +scale \(n=5\) at gdb_check\.c:\d+\n#1 +0x[0-9a-f]+ in main ")
        # 100 + (5 * 3 + 1): the app saw gdb's write.
        self.assertIn("scale=16 counter=116\n", out)
        self.assertIn("uk-exit: status=0", out)

    def test_a_fatal_fault_stops_in_gdb_at_the_faulting_instruction(self):
        status, out = self.debug("uk.gdb=crash crash", "\n".join([
            "info program", "bt", "x/i $pc", "printf \"p=%p\\n\", p", ""]))
        self.assertRegex(out, r"ukrt-gdb: waiting for gdb on COM2 \(Signal\(11\) at (0x[0-9a-f]+)\)")
        rip = re.search(r"Signal\(11\) at (0x[0-9a-f]+)", out).group(1)
        self.assertIn("It stopped with signal SIGSEGV", out)
        self.assertRegex(out, r"#0 +0x0*%s in crash_here \(p=0x0\) at gdb_check\.c:\d+" % rip[2:])
        self.assertRegex(out, r"=> 0x0*%s <crash_here\+\d+>:\tmovl +\$0x1,\(%%rax\)" % rip[2:])
        self.assertIn("p=(nil)\n", out)
        # gdb detached on quitting: the fault then ends the app as usual.
        self.assertIn("ended by SIGSEGV (status 139)", out)
        self.assertEqual(status, 139, out)

    def test_ctrl_c_interrupts_a_spinning_app(self):
        status, out = self.debug("uk.gdb=wait spin", "\n".join([
            "continue", "printf \"spun=%d\\n\", spins > 0", "set var spinning = 0",
            "detach", ""]), interrupt_after="spinning")
        self.assertIn("Program received signal SIGINT", out)
        self.assertRegex(out, r"main \(argc=2, argv=0x[0-9a-f]+\) at gdb_check\.c:\d+")
        self.assertIn("spun=1\n", out)
        self.assertIn("\nspun\n", out)
        self.assertEqual(status, 0, out)


class Containment(unittest.TestCase):
    """A fault of an app's own code ends that app alone (ci/apps/crash)."""

    def test_each_kind_of_fault_ends_only_its_app_with_the_shells_status(self):
        b = Boot("uk.stats", image=app_image("crash"))
        statuses = dict(re.findall(r"^uk-app: name=(\S+) status=(\d+)", b.out, re.M))
        want = {"null": 139, "wild": 139, "write-code": 139, "ud2": 132, "div0": 136,
                "call-null": 139, "abort": 134, "raise-segv": 139, "overflow": 139,
                "deep": 0, "deep16": 0, "small-overflow": 139, "survivor": 0}
        self.assertEqual({k: int(v) for k, v in statuses.items()}, want, b)
        reports = {
            "null": ("SIGSEGV (status 139): page fault (#PF, vector 14)",
                     "address outside the application region"),
            "wild": ("SIGSEGV (status 139): page fault (#PF, vector 14)",
                     "address outside the application region"),
            "write-code": ("SIGSEGV (status 139): page fault (#PF, vector 14)",
                           "write to read-only page of region"),
            "ud2": ("SIGILL (status 132): invalid opcode (#UD, vector 6)", None),
            "div0": ("SIGFPE (status 136): divide error (#DE, vector 0)", None),
            "call-null": ("SIGSEGV (status 139): page fault (#PF, vector 14)",
                          "address outside the application region"),
            "overflow": ("SIGSEGV (status 139): page fault (#PF, vector 14)",
                         'guard page of region "stack guard"'),
            "small-overflow": ("SIGSEGV (status 139): page fault (#PF, vector 14)",
                               'guard page of region "stack guard"'),
        }
        for app, (title, reason) in reports.items():
            with self.subTest(app=app):
                at = b.out.index(f'*** ukrt: app "{app}" ended by {title}\n')
                report = b.out[at:b.out.index(f"uk-app: name={app} ", at)]
                self.assertRegex(report, r"rip 0x[0-9a-f]{16}  rsp 0x[0-9a-f]{16}")
                self.assertIn("backtrace:\n      #0 0x", report)
                if reason:
                    self.assertIn(f"    reason     {reason}", report)
        self.assertIn("    address    0x0000000000000000", b.out)
        # abort() and raise() end their apps as the shell shows them.
        self.assertIn("abort: crashing now\nAborted\n", b.out)
        self.assertIn("raise-segv: crashing now\nSegmentation fault\n", b.out)
        # The survivor printed on between the crashes and kept its memory.
        ticks = [int(t) for t in re.findall(r"^survivor: tick (\d+)$", b.out, re.M)]
        self.assertEqual(ticks, list(range(12)))
        self.assertLess(b.out.index("survivor: tick 0"), b.out.index("call-null: crashing now"))
        self.assertLess(b.out.index("call-null: crashing now"), b.out.index("survivor: tick 11"))
        self.assertIn("survivor: done, memory intact", b.out)
        # A crashed app's memory is freed at once; an app that ended by
        # abort() keeps its instance until all have run, like any other.
        frames = {k: int(v) for k, v in re.findall(r"^uk-app: name=(\S+) status=\d+ .* frames=(\d+)$",
                                                   b.out, re.M)}
        for app in reports:
            self.assertLess(frames[app], frames["abort"], (app, frames))
        # Stacks are 8 MiB and mapped as used: 6 MiB of recursion maps
        # about 1,500 pages; an app that uses little of its stack pays for
        # little (a 256 KiB stack mapped whole was 64 frames alone).
        self.assertIn("deep: 6144 KiB of stack, result -3072", b.out)
        # A manifest's stack=16M gives 12 MiB of recursion room; stack=1M
        # overflows far sooner than the default (fewer faults before it).
        self.assertIn("deep: 12288 KiB of stack, result -6144", b.out)
        faults = {k: int(v) for k, v in re.findall(r"^uk-app: name=(\S+) status=\d+ faults=(\d+)",
                                                   b.out, re.M)}
        self.assertLess(faults["small-overflow"], 300, faults)
        self.assertGreater(faults["overflow"], 2000, faults)
        self.assertGreater(frames["deep"], 1500, frames)
        self.assertLess(frames["abort"], 64, frames)
        # The image's status is the first non-zero (null's); the domain
        # exits, it does not crash.
        self.assertEqual(b.lines[-1], "uk-exit: status=139")
        self.assertEqual(b.status, 139, b)
        self.assertNotIn("crashed", b.err)


def report_of(out, app):
    """The crash report of `app` in a console: from its first line to the
    app's uk-app line."""
    at = out.index(f'*** ukrt: app "{app}" ended by ')
    return out[at:out.index(f"uk-app: name={app} ", at)]


def frames_of(report):
    """(object, function) of each frame of a crash report's backtrace,
    ("ukrt", None) for the runtime's."""
    frames = []
    for m in re.finditer(r"^      #(\d+) 0x[0-9a-f]{16}(?: (\S+?)(?:\+0x[0-9a-f]+ (\S+)\+0x[0-9a-f]+)?)?"
                         r"(?: .*)?$", report, re.M):
        frames.append((m[2], m[3]))
    return frames


class Backtraces(unittest.TestCase):
    """Crash reports list every caller, found by the objects' unwind tables
    (ci/apps/backtrace, -O2 without frame pointers, and ci/apps/backtrace-rust)
    and named in the guest; the harness adds file and line."""

    def test_an_o2_leaf_and_strlen_null_show_every_caller_up_to_main(self):
        b = Boot("", image=app_image("backtrace"))
        leaf = report_of(b.out, "leaf")
        self.assertEqual(frames_of(leaf), [
            ("backtrace.so", "bt_leaf"), ("backtrace.so", "bt_middle"),
            ("backtrace.so", "bt_outer"), ("backtrace.so", "main"), ("ukrt", None)], leaf)
        self.assertIn("    backtrace ends: return address outside the app's objects", leaf)
        # The harness's file and line, from the unstripped object.
        self.assertRegex(leaf, r"#0 0x[0-9a-f]{16} backtrace\.so\+0x[0-9a-f]+ bt_leaf\+0x0 "
                         r"at ci/apps/backtrace/backtrace\.c:12\n")
        self.assertRegex(leaf, r"bt_middle\+0x[0-9a-f]+ at ci/apps/backtrace/backtrace\.c:17\n")
        strlen = report_of(b.out, "strlen")
        self.assertEqual(frames_of(strlen), [
            ("libukc.so", "strlen"), ("backtrace.so", "bt_measure"),
            ("backtrace.so", "main"), ("ukrt", None)], strlen)
        # libukc's line comes from its unstripped build (the image's copy
        # has no debug information).
        self.assertRegex(strlen, r"strlen\+0x[0-9a-f]+ at \S+\.rs:\d+ \(inlined into strlen at "
                         r"app-template/libukc/src/abi/string\.rs:\d+\)\n")
        self.assertEqual(b.status, 139, b)

    def test_a_rust_apps_fault_shows_its_rust_callers(self):
        b = Boot("", image=app_image("backtrace-rust"))
        r = report_of(b.out, "backtrace-rust")
        so = "backtrace-rust.so"
        self.assertEqual(frames_of(r), [
            (so, "backtrace_rust::inner"), (so, "backtrace_rust::outer"),
            (so, "backtrace_rust::main"), (so, "main"), ("ukrt", None)], r)
        self.assertIn("backtrace_rust::outer+", r)
        self.assertRegex(r, r"outer\+0x[0-9a-f]+ at ci/apps/backtrace-rust/src/lib\.rs:22\n")

    def test_endless_recursion_and_a_call_through_null_stay_bounded(self):
        b = Boot("", image=app_image("crash"))
        overflow = report_of(b.out, "overflow")
        frames = frames_of(overflow)
        self.assertEqual(frames, [("crash.so", "deep")] * 32, overflow)
        self.assertIn("    backtrace ends: frame limit reached", overflow)
        # A call through NULL: rip 0, and the caller from the return
        # address the call pushed.
        null = report_of(b.out, "call-null")
        self.assertEqual(frames_of(null), [(None, None), ("crash.so", "main"), ("ukrt", None)], null)
        self.assertIn("(return address at rsp)", null)


def app_output(out):
    """The app's own lines of a console: without the runtime's banner and
    its ukrt:/uk- lines."""
    return "".join(ln + "\n" for ln in out.splitlines()
                   if not (ln.startswith("ukrt") or ln.startswith("uk-")))


class RealPrograms(unittest.TestCase):
    """Programs nobody here wrote, from their crates.io source crates
    (ci/sources.py), unmodified: built as ukrt apps and natively against
    glibc with the same main of ours, their outputs must be the same."""

    def native(self, app, cwd="."):
        """The app built natively, run on the arguments of its manifest line
        (after the TMPDIR argument, which gets a fresh folder) in `cwd`
        (relative to the app's folder, where the image has its files at
        /)."""
        folder = os.path.join(ROOT, "ci", "apps", app)
        out = os.path.abspath(os.path.join(BUILD, "native", app))
        subprocess.run(["make", "-s", "-C", folder, "native", f"UKRT={ROOT}", f"OUT={out}"],
                       check=True, capture_output=True)
        with open(os.path.join(folder, "manifest.txt")) as f:
            line = next(ln for ln in f if ln.startswith("app "))
        args = line.split()[4:]
        import tempfile
        with tempfile.TemporaryDirectory(prefix=f"ukrt-{app}-") as tmp:
            p = subprocess.run([os.path.join(out, app + "-native"), tmp, *args], capture_output=True,
                               text=True, timeout=300, cwd=os.path.join(folder, cwd))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return p.stdout

    def test_lua_runs_our_scripts_as_natively(self):
        want = self.native("lua", "scripts")
        b = Boot(image=app_image("lua"), memory=128, timeout=300)
        self.assertEqual(b.status, 0, b)
        self.assertIn("uk-app: name=lua status=0", b.out)
        self.assertEqual(app_output(b.out), want)
        # Every script ran to its end: none printed an error.
        self.assertEqual(want.count("== "), 9)
        self.assertNotIn("\nerror: ", want)
        self.assertIn("200000\t59701687\n", want)  # alloc.lua: 200k tables

    def test_sqlite_runs_our_sql_as_natively(self):
        want = self.native("sqlite", "sql")
        b = Boot(image=app_image("sqlite"), memory=128, timeout=300)
        self.assertEqual(b.status, 0, b)
        self.assertIn("uk-app: name=sqlite status=0", b.out)
        self.assertEqual(app_output(b.out), want)
        self.assertEqual(want.count("== "), 5)
        self.assertNotIn("error: ", want)
        self.assertIn("20000|10000900.0|", want)  # the 20,000-row table
        self.assertEqual(want.count("-- (re)opened the file database"), 3)
        self.assertIn("integrity_check\nok\n", want)

    def test_zlib_compresses_and_reads_gz_files_as_natively(self):
        want = self.native("zlib")
        b = Boot(image=app_image("zlib"), timeout=300)
        self.assertEqual(b.status, 0, b)
        self.assertIn("uk-app: name=zlib status=0", b.out)
        self.assertEqual(app_output(b.out), want)
        # The check compared every level and stream kind with the input.
        self.assertEqual(want.count(" same"), 11 + 7 + 3)
        self.assertNotIn("DIFFERENT", want)


class Limits(unittest.TestCase):
    """At the edges: many apps, big manifests and objects, full heaps, heap
    growth that fails, a bundle header that lies. Each loads, or fails with
    a named error for that app while the others run; none panics."""

    def hellos(self, apps, memory, timeout=120):
        import shutil
        d, bundle = hello_bundle(apps, "ukrt-hellos-")
        try:
            return Boot("uk.stats", ramdisk=bundle, memory=memory, timeout=timeout)
        finally:
            shutil.rmtree(d)

    def assert_all_released(self, b):
        got = stats(b.out)
        self.assertEqual(got["frames_used"], got["heap_frames"],
                         "every instance, stack and table came back")

    def test_sixty_hellos_fit_in_64_mib(self):
        b = self.hellos(60, 64)
        self.assertEqual(b.status, 0, b)
        self.assertEqual(b.out.count("Hello from C!"), 60)
        self.assertEqual(len(re.findall(r"^uk-app: name=h\d+ status=0 ", b.out, re.M)), 60)
        self.assert_all_released(b)

    def test_an_extra_hello_instance_costs_at_most_32_frames(self):
        b = self.hellos(9, 64)
        self.assertEqual(b.status, 0, b)
        apps = [f for f in apps_of(b.out) if f["name"] != "h0"]  # h0 makes the shared tables
        self.assertEqual(len(apps), 8, b)
        frames = [int(f["frames"]) for f in apps]
        # Each instance: its runtime stack (17 frames with the guard), the
        # data pages written, its stack and heap pages, its private tables
        # (the 9th slot also starts a new L3).
        self.assertLessEqual(max(frames), 32, frames)
        self.assertEqual(len(set(frames[:7])), 1, frames)
        loads = {int(f["load_hypercalls"]) for f in apps}
        self.assertEqual(len(loads), 1, "every instance loads with the same hypercalls")
        self.assertLessEqual(loads.pop(), 8, "the pages relocations write are mapped in batches")
        self.assert_all_released(b)

    def test_the_documented_1024_apps_run_and_the_1025th_is_refused_by_name(self):
        b = self.hellos(1025, 460)
        self.assertEqual(b.status, 127, b)
        self.assertEqual(len(re.findall(r"^uk-app: name=h\d+ status=0 ", b.out, re.M)), 1024)
        self.assertEqual(load_failures(b.out),
                         {"no free app slot (an image runs at most 1024 apps)": 1})
        self.assertIn("uk-app: name=h1024 status=127", b.out)
        self.assert_all_released(b)

    def test_a_20000_line_manifest_loads_what_fits_and_names_the_rest(self):
        b = self.hellos(20000, 64, timeout=180)
        self.assertEqual(b.status, 127, b)
        ran = len(re.findall(r"^uk-app: name=h\d+ status=0 ", b.out, re.M))
        failed = load_failures(b.out)
        self.assertGreater(ran, 100, "a 64 MiB domain runs over a hundred hellos")
        self.assertEqual(set(failed), {"out of memory",
                                       "no free app slot (an image runs at most 1024 apps)"})
        self.assertEqual(ran + failed["out of memory"], 1024, "every slot was tried")
        self.assertEqual(ran + sum(failed.values()), 20000)
        self.assertEqual(len(re.findall(r"^uk-app: ", b.out, re.M)), 20000, "a line per app")
        self.assert_all_released(b)

    def test_an_object_with_100000_relocations_loads(self):
        b = Boot("uk.stats relocs", image=app_image("limits"))
        self.assertEqual(b.status, 0, b)
        self.assertEqual(fields(b.out, "relocs: "), {"pointers": "100000", "relocated": "100000"})
        self.assert_all_released(b)

    def test_a_heap_growth_that_fails_leaves_nothing_behind_and_huge_ones_fail(self):
        b = Boot("heap-grow", image=app_image("limits"))
        self.assertEqual(b.status, 0, b)
        got = fields(b.out, "heap-grow: ")
        self.assertEqual(got, {"too_much": "null", "wraps": "null", "huge": "null",
                               "frames_kept_by_failure": "0", "frames_kept_by_huge": "0",
                               "small": "ok"}, b)

    def test_pointers_that_are_not_the_apps_get_efault(self):
        b = Boot("bad-pointers", image=app_image("limits"))
        self.assertEqual(b.status, 0, b)
        got = fields(b.out, "bad-pointers: ")
        efault = {k: "-14" for k in ["write_null", "write_runtime", "read_runtime", "open_null",
                                      "open_runtime", "open_past_end", "stat_out_runtime",
                                      "fstat_out_null", "getcwd_null"]}
        self.assertEqual(got, {"console_null": "-1", **efault, "stat_ok": "0"}, b)

    def test_an_app_fills_the_domain_and_teardown_returns_it(self):
        b = Boot("uk.stats fill-heap", image=app_image("limits"), memory=768, timeout=120)
        self.assertEqual(b.status, 0, b)
        blocks = int(fields(b.out, "fill-heap: ")["blocks"])
        # The heap is limited by memory alone: all of it but the runtime's
        # own (image, tables, reserve; about 17 MiB here).
        self.assertGreater(blocks, 768 - 32, "the app's heap took (nearly) all of the domain")
        self.assertLess(blocks, 768)
        self.assertNotIn("panic", b.out)
        self.assert_all_released(b)

    def test_a_manifest_heap_limit_caps_the_heap(self):
        bundle = app_bundle("limits", "app heap=64M limits limits.so fill-heap\n")
        try:
            b = Boot("uk.stats", ramdisk=bundle, memory=256)
        finally:
            os.unlink(bundle)
        self.assertEqual(b.status, 0, b)
        # 64 MiB of heap, less malloc's own books: 63 blocks of 1 MiB.
        self.assertEqual(fields(b.out, "fill-heap: "), {"blocks": "63"}, b)
        self.assert_all_released(b)

    def test_an_embedded_bundle_claiming_more_than_the_image_holds(self):
        import tempfile
        with open(app_image("hello-c"), "rb") as f:
            data = bytearray(f.read())
        at = next(o for o in range(0, len(data), 4096) if data[o:o + 8] == b"UKBUNDL\0")
        data[at + 16:at + 24] = (1 << 30).to_bytes(8, "little")  # the header's total size
        with tempfile.NamedTemporaryFile(suffix=".xen") as f:
            f.write(data)
            f.flush()
            b = Boot("", image=f.name)
        self.assertEqual(b.status, 127, b)
        self.assertRegex(b.out, r"ukrt: the app bundle is unusable: the embedded bundle claims "
                         r"1073741824 bytes but only \d+ bytes follow the kernel in the image")


class BigMemory(unittest.TestCase):
    """Domains of 64 MiB to 4 GiB: boot does the same work at each size
    (the physical map is mapped as frames are first used), and an app's
    heap can take nearly all of a 2 or 4 GiB domain."""

    def test_boot_work_is_the_same_at_64_mib_1_gib_and_4_gib(self):
        phases = {}
        for mib in (64, 1024, 4096):
            b = Boot("uk.stats", image=app_image("hello-c"), memory=mib)
            self.assertEqual(b.status, 0, b)
            self.assertNotIn("warning", b.out)
            self.assertIn(f"(first domain): {mib} MiB", b.lines[0])
            phase = fields(b.out, "uk-boot: ")
            phases[mib] = (phase["hypercalls"], phase["tables"])
        self.assertEqual(len(set(phases.values())), 1,
                         f"hypercalls and page-table pages at boot, by MiB: {phases}")

    def fill(self, mib):
        b = Boot("uk.stats fill-heap", image=app_image("limits"), memory=mib, timeout=300)
        self.assertEqual(b.status, 0, b)
        blocks = int(fields(b.out, "fill-heap: ")["blocks"])
        self.assertGreater(blocks, mib - 48, f"of {mib} MiB")
        self.assertLess(blocks, mib)
        self.assertEqual(stats(b.out)["frames_used"], stats(b.out)["heap_frames"], b)

    def test_an_app_gets_nearly_all_of_2_gib(self):
        self.fill(2048)

    def test_an_app_gets_nearly_all_of_4_gib(self):
        self.fill(4096)


def app_bundle(app, manifest):
    """A bundle of test app `app` (its .so and libukc) with `manifest`, for
    --ramdisk."""
    import tempfile
    out = tempfile.NamedTemporaryFile(suffix=".ukb", delete=False).name
    folder = built(app)
    subprocess.run([os.path.join(ROOT, "target/release/ukrt-pack"), "pack", "-o", out,
                    "--manifest-text", manifest, os.path.join(folder, f"{app}.so"),
                    os.path.join(folder, "libukc.so")], check=True, capture_output=True)
    return out


class Events(unittest.TestCase):
    """Time, timers, blocking, concurrent apps and console input."""

    def boot(self, manifest, args="uk.stats", **kw):
        bundle = app_bundle("timing", manifest)
        try:
            return Boot(args, ramdisk=bundle, **kw)
        finally:
            os.unlink(bundle)

    def test_a_sleep_takes_at_least_as_long_and_not_much_more(self):
        b = self.boot("app s timing.so sleep 10 50 200 3")
        self.assertEqual(b.status, 0, b)
        slept = [fields(ln, "slept ") for ln in b.lines if ln.startswith("slept ")]
        self.assertEqual([s["requested_ms"] for s in slept], ["10", "50", "200", "3"])
        for s in slept:
            want = int(s["requested_ms"]) * 1000
            self.assertGreaterEqual(int(s["measured_us"]), want, s)
            # "Not much more": within 50 ms, a bound loose enough for QEMU's
            # emulation on a busy machine (measured: 1 to 3 ms over).
            self.assertLess(int(s["measured_us"]), want + 50000, s)
        counters = stats(b.out)
        self.assertGreaterEqual(int(counters["blocks"]), 4, "the vCPU blocked while asleep")

    def test_two_apps_that_sleep_interleave(self):
        b = self.boot("app a timing.so tick A 100 100 2\napp b timing.so tick B 50 100 2")
        self.assertEqual(b.status, 0, b)
        ticks = [ln.split(" at_ms")[0] for ln in b.lines if ln[:2] in ("A ", "B ")]
        self.assertEqual(ticks, ["B 0", "A 0", "B 1", "A 1"])
        order = [ln.split()[1] for ln in b.lines if ln.startswith("uk-app:")]
        self.assertEqual(order, ["name=b", "name=a"], "b finishes first")

    def test_a_thousand_timers_fire_and_the_vcpu_blocks_between_them(self):
        b = self.boot("app t timing.so timers 1000")
        self.assertEqual(b.status, 0, b)
        self.assertIn("timers n=1000", b.out)
        counters = stats(b.out)
        # Each 1 ms sleep ends with a timer event after a block; a sleep
        # whose deadline has passed by the time the scheduler looks needs none.
        self.assertGreaterEqual(int(counters["timer_events"]), 990, counters)
        self.assertLessEqual(int(counters["timer_events"]), 1000, counters)
        self.assertGreaterEqual(int(counters["blocks"]), 990, counters)
        self.assertLessEqual(int(counters["blocks"]), 1000, counters)

    def test_clocks_and_yield(self):
        import time as host_time
        b = self.boot("app c timing.so clock")
        self.assertEqual(b.status, 0, b)
        got = fields(b.out, "clock ")
        self.assertLess(abs(int(got["time"]) - host_time.time()), 120, "the wall clock is the host's")
        self.assertEqual(got["same_second"], "1")
        self.assertIn("clock yielded", b.lines)

    def test_a_shutdown_request_stops_apps_in_order(self):
        # uk.shutdown-after asks for the poweroff the toolstack would ask for
        # through xenstore; the sleeping app ends through its own exit().
        b = self.boot("app f timing.so forever\napp g timing.so tick G 10 100 3",
                      args="uk.shutdown-after=500")
        self.assertEqual(b.status, 0, b)
        i = b.lines.index("ukrt: shutdown requested (poweroff): stopping the apps")
        self.assertEqual([ln.split(" at_ms")[0] for ln in b.lines[:i] if ln.startswith("G ")],
                         ["G 0", "G 1", "G 2"], "the other app finished first")
        self.assertEqual(b.lines[i + 1], "atexit handler ran")
        self.assertTrue(b.lines[i + 2].startswith("uk-app: name=f status=0"), b)

    def test_a_bad_shutdown_after_value_is_named_and_ignored(self):
        b = self.boot("app c timing.so clock", args="uk.shutdown-after=soon")
        self.assertEqual(b.status, 0, b)
        self.assertIn("ukrt: warning: uk.shutdown-after: not a number of milliseconds; ignored", b.lines)
        self.assertIn("clock yielded", b.lines)

    def test_console_input_reaches_the_app(self):
        bundle = app_bundle("timing", "app e timing.so echo")
        try:
            p = subprocess.run([sys.executable, os.path.join(HERE, "xenrun.py"), KERNEL, "--xen", XEN,
                                "--ramdisk", bundle, "--timeout", "60",
                                "--input", "hello there\\nquit\\n"], capture_output=True, text=True)
        finally:
            os.unlink(bundle)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("got: hello there\ngot: quit\n", p.stdout)


class XL(unittest.TestCase):
    """Images as real domUs: a Linux dom0 with the xl toolstack on Xen
    under QEMU (ci/xl/xlrun.py)."""

    def xl(self, image, cfg, *extra, timeout=150):
        p = subprocess.run([sys.executable, os.path.join(HERE, "xl/xlrun.py"), image, "--cfg", cfg,
                            "--xen", XEN, "--dom0", os.path.join(BUILD, "xl-dom0"), *extra],
                           capture_output=True, text=True, timeout=timeout + 60)
        return p

    def test_console_ring_xenstore_and_xl_list(self):
        p = self.xl(app_image("hello-c"), app_cfg("hello-c"),
                    "--set", 'extra="one exit=3"')
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        lines = p.stdout.splitlines()
        self.assertRegex(lines[0], r"^ukrt 0\.1\.0 on Xen 4\.17\.\d+ \(domU\): 32 MiB")
        self.assertRegex(p.stdout, r"ukrt: domain \d+ \(hello-c\)\n", "read from xenstore")
        self.assertIn("Hello from C!\narg: hello-c\narg: one\narg: exit=3\n", p.stdout)
        self.assertEqual(lines[-1], "uk-exit: status=3")
        self.assertRegex(p.stderr, r"hello-c +\d+ +32 +1 ", "xl list shows the domain")

    def test_uk_gdb_is_refused_in_a_domu_and_the_app_runs(self):
        # COM2's ports are the first domain's: an `in` would be a #GP here.
        p = self.xl(app_image("gdb-check"), app_cfg("gdb-check"),
                    "--set", 'extra="uk.gdb=crash"')
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("ukrt: warning: uk.gdb works in the first domain only (make debug; "
                      "docs/debugging.md); the gdb stub stays off\n", p.stdout)
        self.assertNotIn("ukrt-gdb:", p.stdout)
        self.assertIn("scale=16 counter=23\n", p.stdout)

    def test_shared_library_image_as_a_domu(self):
        p = self.xl(app_image("greet"), app_cfg("greet"),
                    "--set", 'extra="uk.stats"')
        self.assertEqual(p.returncode, 127, p.stdout + p.stderr)
        got = stats(p.stdout)
        self.assertEqual(got["l1_shared_links"], "1")
        self.assertIn("uk-app: name=greet-b status=0", p.stdout)

    def test_xl_shutdown_stops_the_apps_through_xenstore(self):
        p = self.xl(app_image("timing"), app_cfg("timing"),
                    "--set", 'extra="forever"', "--scenario", "shutdown",
                    "--wait-for", "sleeping until stopped")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("ukrt: shutdown requested (poweroff): stopping the apps\n"
                      "atexit handler ran\nuk-app: name=timing status=0", p.stdout)
        self.assertEqual(p.stdout.splitlines()[-1], "uk-exit: status=0")
        self.assertRegex(p.stderr, r"timing +\d+ +\d+ +1 +-b----", "blocked while asleep")

    def test_xl_destroy(self):
        p = self.xl(app_image("timing"), app_cfg("timing"),
                    "--set", 'extra="forever"', "--scenario", "destroy",
                    "--wait-for", "sleeping until stopped")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("sleeping until stopped", p.stdout)
        self.assertNotIn("uk-exit", p.stdout)
        self.assertIn("destroyed", p.stderr)

    def test_a_crash_leads_to_the_on_crash_action(self):
        p = self.xl(KERNEL, app_cfg("hello-c"),
                    "--set", 'extra="panic=boom"', "--scenario", "crash")
        self.assertEqual(p.returncode, 134, p.stdout + p.stderr)
        self.assertIn("*** ukrt panic at runtime/src/hello.rs", p.stdout)
        self.assertIn("uk-exit: crashed", p.stdout)
        self.assertRegex(p.stderr, r"hello-c +\d+ +\d+ +1 +-+sc-", "on_crash=preserve keeps it, crashed")


class XLNet(unittest.TestCase):
    """dom0's network to a domU (xlrun --net: a vif routed from 198.18.0.1 by
    dom0's vif script) and clients run in dom0 (--client), proven with the
    harness's Linux domU (--linux-guest), which is also the baseline of
    `make bench-net`."""

    def xlrun(self, *args, timeout=150):
        """xlrun.py with args; returns (the process, the client's report)."""
        p = subprocess.run([sys.executable, os.path.join(HERE, "xl/xlrun.py"), *args,
                            "--xen", XEN, "--dom0", os.path.join(BUILD, "xl-dom0"),
                            "--timeout", str(timeout)],
                           capture_output=True, text=True, timeout=timeout + 60)
        return p, xl.client_from_report(p.stderr)

    def linux(self, script, client, wait_for):
        """The Linux domU on the network running script; client once it
        printed wait_for; then xl shutdown."""
        p, c = self.xlrun("--linux-guest", script, "--net", "--client", client, "--wait-for",
                          wait_for, "--client-timeout", "40")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("linux-guest: eth0 198.18.0.2/24 up, mac 00:16:3e:c6:12:02\n", p.stdout)
        self.assertIn("linux-guest: shutdown requested: stopping the script\nuk-exit: status=0",
                      p.stdout, "xl shutdown ended it")
        self.assertIsNotNone(c, p.stderr)
        return p, c

    def test_the_linux_domu_answers_ping_from_dom0(self):
        p, c = self.linux("sleep 600", "ping -c 3 -W 5 $GUEST_IP", "linux-guest: running the script")
        self.assertEqual(c.status, 0, p.stderr)
        self.assertEqual([re.sub(r" time=.*", "", x) for x in c.stdout if x.startswith("64 bytes")],
                         [f"64 bytes from 198.18.0.2: seq={i} ttl=64" for i in range(3)])
        self.assertIn("3 packets transmitted, 3 packets received, 0% packet loss", c.stdout)
        self.assertIn("xlrun: dom0: network: vif-ukrt: vif1.0 online: 198.18.0.1 peer 198.18.0.2, up",
                      p.stderr)

    def test_tcp_echo_through_nc_in_the_linux_domu(self):
        # 20,000 numbered lines (108,894 bytes) and one short line, echoed by nc -e cat.
        sent = "".join(f"{i}\n" for i in range(1, 20001)).encode()
        p, c = self.linux("nc -ll -p 7 -e cat & listening 7; wait",
                          "seq 1 20000 >sent; nc $GUEST_IP 7 <sent >got; echo \"nc $?\"; "
                          "wc -c <got; sha256sum <got; echo 'hello through the guest' | nc $GUEST_IP 7",
                          "linux-guest: listening on tcp port 7")
        self.assertEqual(c.status, 0, p.stderr)
        self.assertEqual(c.stdout, ["nc 0", str(len(sent)), hashlib.sha256(sent).hexdigest() + "  -",
                                    "hello through the guest"])

    HTTPD = ("mkdir -p /www; seq 1 500 | sed 's/^/line /' >/www/index.html; "
             "httpd -f -p 80 -h /www & listening 80; wait")

    def test_http_get_with_wget_from_busybox_httpd(self):
        p, c = self.linux(self.HTTPD, "wget -q -O - http://$GUEST_IP/index.html",
                          "linux-guest: listening on tcp port 80")
        self.assertEqual(c.status, 0, p.stderr)
        self.assertEqual(c.stdout, [f"line {i}" for i in range(1, 501)])

    def test_wrk_loads_busybox_httpd(self):
        p, c = self.linux(self.HTTPD, "wrk -t1 -c2 -d2s http://$GUEST_IP/index.html",
                          "linux-guest: listening on tcp port 80")
        self.assertEqual(c.status, 0, p.stderr)
        done = [re.match(r"\s*(\d+) requests in ([\d.]+)s, ", x) for x in c.stdout]
        done = [m for m in done if m]
        self.assertEqual(len(done), 1, c.stdout)
        self.assertGreater(int(done[0].group(1)), 0)
        self.assertGreaterEqual(float(done[0].group(2)), 2.0)
        self.assertFalse([x for x in c.stdout if "errors" in x or "Non-2xx" in x], c.stdout)

    def test_a_ukrt_image_gets_a_vif_that_dom0_routes(self):
        # What the vif script set up in xenstore and in dom0's routes.
        p, c = self.xlrun(app_image("timing"), "--cfg", app_cfg("timing"),
                          "--set", 'extra="forever"', "--net", "--scenario", "destroy",
                          "--wait-for", "sleeping until stopped", "--client",
                          "d=$(xl domid timing); b=/local/domain/0/backend/vif/$d/0; "
                          "xenstore-read $b/ip $b/mac $b/hotplug-status "
                          "/local/domain/$d/device/vif/0/backend; "
                          "ip -4 -o addr show dev vif$d.0 | sed 's/^.*inet/inet/; s/ scope.*//'")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIsNotNone(c, p.stderr)
        self.assertEqual(c.status, 0, p.stderr)
        self.assertEqual(c.stdout, ["198.18.0.2", "00:16:3e:c6:12:02", "connected",
                                    "/local/domain/0/backend/vif/1/0",
                                    "inet 198.18.0.1 peer 198.18.0.2/32"])
        self.assertIn("destroyed", p.stderr)

    def test_a_failing_vif_script_fails_xl_create_with_its_reason(self):
        # A vif without ip=: the script refuses it, and libxl fails the create.
        p, c = self.xlrun(app_image("hello-c"), "--cfg", app_cfg("hello-c"),
                          "--net", "--set",
                          "vif=['mac=00:16:3e:c6:12:02,script=/etc/xen/scripts/vif-ukrt']")
        self.assertEqual(p.returncode, 125, p.stdout + p.stderr)
        self.assertIn("dom0 reported a harness error: xl create failed", p.stderr)
        self.assertIn("vif-ukrt: vif1.0 online: error: no ip in backend/vif/1/0", p.stderr)
        self.assertIsNone(c)


def pattern_bytes(n):
    """http-server's /bytes/N body: byte i is (i ^ i>>8 ^ i>>16 ^ i>>24) & 0xff."""
    return bytes((i ^ i >> 8 ^ i >> 16 ^ i >> 24) & 0xFF for i in range(n))


class Network(unittest.TestCase):
    """ukrt's own network (netfront, smoltcp, the socket exports) on Xen's
    netback, served to and from clients in dom0 (the xl harness with --net).
    Apps: ci/apps/net-services (http-server on 8080, tcp-echo and udp-echo
    on 7, three apps in one image), examples/http-server, ci/apps/net-client."""

    def run_client(self, app, client, wait_for, *extra, timeout=150, client_timeout=60,
                   expect_up="ukrt: net: vif/0 up mac=00:16:3e:c6:12:02 ip=198.18.0.2/24\n"):
        """The image of app with a vif; client in dom0 once the guest printed
        wait_for; then xl shutdown. Returns (the process, the client)."""
        p = subprocess.run([sys.executable, os.path.join(HERE, "xl/xlrun.py"), app_image(app),
                            "--cfg", app_cfg(app), "--net",
                            "--wait-for", wait_for, "--client", client,
                            "--client-timeout", str(client_timeout), *extra,
                            "--xen", XEN, "--dom0", os.path.join(BUILD, "xl-dom0"),
                            "--timeout", str(timeout)],
                           capture_output=True, text=True, timeout=timeout + 60)
        c = xl.client_from_report(p.stderr)
        self.assertIsNotNone(c, p.stdout + p.stderr)
        self.assertIn(expect_up, p.stdout)
        return p, c

    def assert_clean_end(self, p):
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("ukrt: shutdown requested (poweroff): stopping the apps", p.stdout)
        self.assertEqual(p.stdout.splitlines()[-1], "uk-exit: status=0")

    def test_services_of_one_image_answer_ping_http_tcp_and_udp(self):
        body = pattern_bytes(1 << 20)
        p, c = self.run_client(
            "net-services",
            "ping -c 3 -W 5 $GUEST_IP | grep -c '^64 bytes from 198.18.0.2'; "
            "wget -q -O got http://$GUEST_IP:8080/bytes/1048576; echo \"wget $?\"; "
            "wc -c <got; sha256sum <got; "
            # 16 connections at once, 64 KiB of random bytes each.
            "for i in $(seq 16); do head -c 65536 /dev/urandom >r$i; done; "
            "for i in $(seq 16); do nc $GUEST_IP 7 <r$i >g$i & done; wait; "
            "ok=0; for i in $(seq 16); do cmp -s r$i g$i && ok=$((ok+1)); done; "
            "echo \"tcp echo intact: $ok\"; "
            "udpcheck $GUEST_IP 7 50 1400; "
            # Nothing listens on 9: refused at once (RST), not a timeout.
            "timeout 10 nc $GUEST_IP 9 </dev/null 2>&1; echo \"port 9: $?\"",
            "udp-echo: listening on port 7", "--set", 'extra="uk.stats"')
        self.assert_clean_end(p)
        self.assertEqual(c.stdout, [
            "3", "wget 0", str(len(body)), hashlib.sha256(body).hexdigest() + "  -",
            "tcp echo intact: 16", "udpcheck: 50 of 50 echoed intact",
            "nc: can't connect to remote host (198.18.0.2): Connection refused", "port 9: 1"])
        for app in ("http", "tcp-echo", "udp-echo"):
            self.assertIn(f"uk-app: name={app} status=0", p.stdout)
        got = stats(p.stdout)
        self.assertEqual(got["rx_malformed"], "0", "a clean network has no malformed frames")
        self.assertEqual(got["net_protocol_errors"], "0")
        # Out: the 1 MiB body and the echo's 1 MiB, at most 1460 bytes of
        # TCP payload a segment on the wire. netback offers GSO, so most of
        # it goes as packets of up to 64 KiB that netback cuts into those
        # segments: the ring's packets (tx_packets) are fewer than the
        # segments they become (tx_segments). In: the echo's 1 MiB (the
        # ACKs for what the guest sent come on top, as many as the peer
        # chooses to send).
        self.assertGreater(int(got["tx_segments"]), 2 * (1 << 20) // 1460)
        self.assertGreater(int(got["tx_gso_packets"]), 0)
        self.assertLess(int(got["tx_packets"]), int(got["tx_segments"]))
        self.assertGreater(int(got["rx_packets"]), (1 << 20) // 1460)

    def test_without_transmit_offloads_the_guest_sends_frames_of_the_mtu(self):
        # uk.tx-offload=none: smoltcp computes every checksum and nothing
        # goes as GSO, so every packet on the ring is one frame on the wire
        # (the path a backend without feature-gso-tcpv4 gets, checksums too).
        body = pattern_bytes(1 << 20)
        p, c = self.run_client(
            "http-server",
            "wget -q -O got http://$GUEST_IP/bytes/1048576; echo \"wget $?\"; sha256sum <got",
            "http-server: listening on port 80", "--set", 'extra="uk.stats uk.tx-offload=none"')
        self.assert_clean_end(p)
        self.assertEqual(c.stdout, ["wget 0", hashlib.sha256(body).hexdigest() + "  -"])
        got = stats(p.stdout)
        self.assertEqual(got["tx_gso_packets"], "0")
        self.assertEqual(got["tx_packets"], got["tx_segments"])
        self.assertGreater(int(got["tx_packets"]), (1 << 20) // 1460)

    def test_a_hundred_concurrent_connections(self):
        p, c = self.run_client("http-server", "wrk -t2 -c100 -d4s http://$GUEST_IP/bytes/100",
                               "http-server: listening on port 80")
        self.assert_clean_end(p)
        self.assertEqual(c.status, 0, p.stderr)
        self.assertIn("  2 threads and 100 connections", c.stdout)
        done = [re.match(r"\s*(\d+) requests in ", x) for x in c.stdout]
        done = [int(m.group(1)) for m in done if m]
        self.assertEqual(len(done), 1, c.stdout)
        self.assertGreater(done[0], 100, c.stdout)
        # wrk reports connect, read, write and timeout errors, and non-2xx answers.
        self.assertFalse([x for x in c.stdout if "Socket errors" in x or "Non-2xx" in x], c.stdout)

    def test_the_guest_as_a_tcp_client_of_dom0(self):
        # dom0 echoes what the guest sends (nc -e cat) and keeps a copy.
        p, c = self.run_client("net-client",
                               "nc -l -p 9000 -e tee /tmp/got; wc -c </tmp/got; md5sum </tmp/got",
                               "net-client: connecting to 198.18.0.1:9000",
                               "--set", 'extra="198.18.0.1 9000 1000000"')
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("net-client: port 1: ECONNREFUSED\n", p.stdout)
        m = re.search(r"net-client: sent 1000000 bytes fnv (\w+), got 1000000 bytes fnv (\w+): match\n",
                      p.stdout)
        self.assertIsNotNone(m, p.stdout)
        self.assertEqual(m.group(1), m.group(2))
        sent = bytes((i * 7 + i // 251) & 0xFF for i in range(1000000))
        self.assertEqual(c.stdout, ["1000000", hashlib.md5(sent).hexdigest() + "  -"])
        self.assertIn("uk-app: name=net-client status=0", p.stdout)

    def test_xl_shutdown_with_connections_open_ends_cleanly(self):
        # Three idle connections and one that has had 30,000 bytes echoed are
        # open when the client ends and the harness runs xl shutdown: the
        # apps exit(0), their sockets close, the domain ends with status 0.
        p, c = self.run_client(
            "net-services",
            "for i in 1 2 3; do sleep 60 | nc $GUEST_IP 7 >/dev/null & done; "
            "(head -c 30000 /dev/zero; sleep 60) | nc $GUEST_IP 7 >echoed & "
            # Wait (at most 30 s) until all is echoed and the four are up.
            "for t in $(seq 300); do [ \"$(wc -c <echoed)\" -ge 30000 ] && "
            "[ \"$(netstat -tn | grep -c '198.18.0.2:7 *ESTABLISHED')\" -ge 4 ] && break; "
            "sleep 0.1; done; "
            "wc -c <echoed; netstat -tn | grep -c '198.18.0.2:7 *ESTABLISHED'",
            "udp-echo: listening on port 7")
        self.assert_clean_end(p)
        self.assertEqual(c.stdout, ["30000", "4"])
        for app in ("http", "tcp-echo", "udp-echo"):
            self.assertIn(f"uk-app: name={app} status=0", p.stdout)
        self.assertIn("xlrun: dom0: xl shutdown -w returned", p.stderr)
        # Each got its FIN across, acknowledged, before the vif closed.
        self.assertIn("ukrt: net: vif/0: 4 connections closing at shutdown: 4 finished, 0 cut off\n",
                      p.stdout)

    def test_malformed_frames_are_dropped_and_counted_while_serving(self):
        p, c = self.run_client(
            "http-server",
            "v=vif$(xl domid http-server).0; "
            "badframes $v 00:16:3e:c6:12:02 198.18.0.1 $GUEST_IP; "
            "wget -q -O - http://$GUEST_IP/bytes/1000 | wc -c; "
            "ping -c 1 -W 5 $GUEST_IP | grep -c '^64 bytes'",
            "http-server: listening on port 80", "--set", 'extra="uk.stats"')
        self.assert_clean_end(p)
        self.assertEqual(c.stdout, ["badframes: sent 11", "1000", "1"], p.stderr)
        got = stats(p.stdout)
        self.assertEqual(got["rx_malformed"], "11", p.stdout)

    def test_random_frames_do_not_stop_the_service(self):
        p, c = self.run_client(
            "http-server",
            "v=vif$(xl domid http-server).0; "
            "badframes $v 00:16:3e:c6:12:02 198.18.0.1 $GUEST_IP 2000; "
            "wget -q -O - http://$GUEST_IP/bytes/1000 | wc -c",
            "http-server: listening on port 80", "--set", 'extra="uk.stats"')
        self.assert_clean_end(p)
        self.assertEqual(c.stdout, ["badframes: sent 11", "1000"], p.stderr)
        self.assertGreaterEqual(int(stats(p.stdout)["rx_malformed"]), 11)

    def test_an_address_from_dhcp(self):
        # uk.ip=dhcp: DHCP though xl names the address (the vif script routes
        # it). udhcpd in dom0 starts only after the guest is up, so the lease
        # comes from a retried discover.
        conf = ["interface vif$(xl domid http-server).0", "start 198.18.0.2", "end 198.18.0.2",
                "option subnet 255.255.255.0", "option router 198.18.0.1",
                "lease_file /run/client/leases"]
        p, c = self.run_client(
            "http-server",
            "{ " + " ".join(f'echo "{x}";' for x in conf) + " } >udhcpd.conf; touch leases; "
            "udhcpd -f udhcpd.conf 2>/dev/null & "
            "for i in $(seq 40); do ping -c 1 -W 1 $GUEST_IP >/dev/null && break; done; "
            "wget -q -O - http://$GUEST_IP/bytes/500 | wc -c; kill %1",
            "http-server: listening on port 80", "--set", 'extra="uk.ip=dhcp"',
            expect_up="ukrt: net: vif/0 up mac=00:16:3e:c6:12:02, asking DHCP for an address\n")
        self.assert_clean_end(p)
        self.assertEqual(c.stdout, ["500"], p.stderr)
        self.assertIn("ukrt: net: vif/0 ip=198.18.0.2/24 (DHCP)\n", p.stdout)

    def test_network_detach_gives_the_app_errors_not_a_crash(self):
        # dom0's server never reads: the guest is blocked sending when its
        # vif goes away. Its send fails with ENETDOWN; the domain lives on
        # and ends with the app's status.
        p, c = self.run_client(
            "net-client",
            "nc -l -p 9000 -e sleep 60 & sleep 3; "
            "xl network-detach net-client 0; echo \"detach $?\"",
            "net-client: connecting to 198.18.0.1:9000",
            "--set", 'extra="198.18.0.1 9000 10000000"')
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("ukrt: net: vif/0: the backend went away; the network is down\n", p.stdout)
        self.assertRegex(p.stdout, r"net-client: (send|recv): Network is down\n")
        self.assertIn("uk-app: name=net-client status=1", p.stdout)
        self.assertEqual(p.stdout.splitlines()[-1], "uk-exit: status=1")
        self.assertIn("detach 0", c.stdout)


def fnv1a(data):
    """FNV-1a, 64 bits (the blk self-test's checksum)."""
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def blk_pattern(offset, n, seed=0x5A):
    """The blk self-test's pattern: byte at disk offset o is (o ^ o>>8 ^ o>>16 ^ seed) & 0xff."""
    return bytes((o ^ o >> 8 ^ o >> 16 ^ seed) & 0xFF for o in range(offset, offset + n))


class XLDisk(unittest.TestCase):
    """blkfront on Linux's blkback, without the file layer: the self-test
    kernel's uk.test=blk writes a pattern to the last 128 sectors of a disk,
    flushes, reads it back and prints a checksum (runtime/src/selftest.rs);
    the host's image files (xlrun --disk, QEMU's virtio drives in dom0) are
    read afterwards."""

    SECTORS = 128

    def setUp(self):
        import tempfile
        self.tmp = tempfile.mkdtemp(prefix="ukrt-disk-")

    def tearDown(self):
        import shutil
        shutil.rmtree(self.tmp)

    def image(self, name, size="64M"):
        path = os.path.join(self.tmp, name)
        subprocess.run([os.path.join(HERE, "disk.sh"), "make", path, size], check=True,
                       capture_output=True)
        with open(path, "rb") as f:
            return path, f.read()

    def run_blk(self, disks, args, *extra, timeout=150):
        cfg = os.path.join(self.tmp, "blk.cfg")
        with open(cfg, "w") as f:
            f.write('name = "blk"\ntype = "pv"\nkernel = "k"\nmemory = 32\nvcpus = 1\n'
                    f'extra = "uk.stats uk.test=blk {args}"\non_poweroff = "destroy"\n'
                    'on_crash = "preserve"\n')
        p = subprocess.run([sys.executable, os.path.join(HERE, "xl/xlrun.py"), SELFTEST, "--cfg", cfg,
                            "--disk", ",".join(disks), *extra, "--xen", XEN,
                            "--dom0", os.path.join(BUILD, "xl-dom0"), "--timeout", str(timeout)],
                           capture_output=True, text=True, timeout=timeout + 60)
        return p, fields(p.stdout, "blk:")

    def test_a_pattern_written_and_flushed_is_in_the_host_file_at_those_sectors(self):
        a, a_before = self.image("a.img")
        b, b_before = self.image("b.img", "32M")
        p, got = self.run_blk([a, b], "disk=xvdb")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("ukrt: blk: xvda 64 MiB (131072 sectors of 512 B) read-write flush=cache\n"
                      "ukrt: blk: xvdb 32 MiB (65536 sectors of 512 B) read-write flush=cache\n",
                      p.stdout)
        self.assertEqual(got["disks"], "xvda,xvdb")
        first = 65536 - self.SECTORS
        self.assertEqual((got["disk"], got["first"], got["count"]), ("xvdb", str(first), "128"))
        self.assertEqual((got["write"], got["flush"], got["read"], got["matches"]),
                         ("ok", "ok", "ok", "1"), p.stdout)
        want = blk_pattern(first * 512, self.SECTORS * 512)
        self.assertEqual(got["fnv1a"], "%#018x" % fnv1a(want))
        with open(b, "rb") as f:
            b_after = f.read()
        self.assertEqual(b_after[first * 512:], want, "the pattern is in the host's file")
        self.assertEqual(b_after[:first * 512], b_before[:first * 512], "nothing else changed")
        with open(a, "rb") as f:
            self.assertEqual(f.read(), a_before, "the other disk is untouched")
        st = stats(p.stdout)
        self.assertEqual((st["blk_sectors_written"], st["blk_sectors_read"], st["blk_flushes"],
                          st["blk_bad_responses"], st["blk_errors"]), ("128", "128", "1", "0", "0"))
        # 128 sectors are 2 requests of up to 88 each way, and a flush.
        self.assertEqual(st["blk_requests"], "5")
        self.assertEqual(st["grants"], "0", "every grant ended once the disks closed")
        self.assertIn('blk: closed; read after shutdown="the backend went away" errno=5', p.stdout)
        self.assertRegex(p.stderr, r"disk: block-ukrt: backend/vbd/\d+/51728 add: /dev/vdb \(fe:10\), mode w")

    def test_a_read_only_disk_refuses_writes_and_its_file_stays_as_it_was(self):
        a, before = self.image("a.img")
        p, got = self.run_blk([a], "", "--disk-ro")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertRegex(p.stdout,
                         r"ukrt: blk: xvda 64 MiB \(131072 sectors of 512 B\) read-only flush=\w+\n")
        self.assertEqual(got["read_only"], "1")
        self.assertIn('blk: write="the disk is read-only" errno=30\n', p.stdout)
        self.assertEqual((got["flush"], got["read"], got["matches"]), ("ok", "ok", "0"))
        first = 131072 - self.SECTORS
        self.assertEqual(got["fnv1a"], "%#018x" % fnv1a(before[first * 512:]), "what was there")
        with open(a, "rb") as f:
            self.assertEqual(f.read(), before)
        st = stats(p.stdout)
        self.assertEqual((st["blk_requests"], st["blk_sectors_written"], st["blk_flushes"]),
                         ("2", "0", "0"), "the reads only: no write or flush was sent")


    def test_a_disk_detached_while_in_use_gives_gone_not_a_crash(self):
        # The guest reads every 10 ms until a read fails; dom0 detaches the disk.
        a, _ = self.image("a.img")
        p, _ = self.run_blk([a], "until-gone=40", "--wait-for", "blk: reading until the disk goes",
                            "--client", 'sleep 1; xl block-detach blk xvda; echo "detach $?"')
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        c = xl.client_from_report(p.stderr)
        self.assertIsNotNone(c, p.stderr)
        self.assertEqual(c.stdout, ["detach 0"], p.stderr)
        self.assertIn("ukrt: blk: xvda: the backend went away; the disk is gone\n"
                      'blk: reads ended: "the backend went away" errno=5; good reads before it: some\n',
                      p.stdout)
        self.assertEqual(stats(p.stdout)["grants"], "0", "the grants ended after the detach")


class Templates(unittest.TestCase):
    """`make new-app` gives an app that builds into an image and runs."""

    def test_new_c_and_rust_apps_build_and_run(self):
        import shutil
        import tempfile
        apps = tempfile.mkdtemp(prefix="ukrt-new-app-")
        try:
            for lang in ("c", "rust"):
                with self.subTest(lang=lang):
                    name = f"t{lang}"
                    subprocess.run(["make", "-s", "new-app", f"NAME={name}", f"LANG={lang}",
                                    f"APPS_DIR={apps}"], cwd=ROOT, check=True,
                                   capture_output=True)
                    p = subprocess.run(["make", "-s", "image", f"APP={apps}/{name}"], cwd=ROOT,
                                       capture_output=True, text=True)
                    self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                    out = app_out(os.path.join(apps, name))
                    cfg = os.path.join(out, name + ".cfg")
                    c = subprocess.run([os.path.join(ROOT, "target/release/xen-config"), "check", cfg],
                                       cwd=ROOT, capture_output=True, text=True)
                    self.assertEqual(c.returncode, 0, c.stderr)
                    b = Boot("GREETING=hi one", image=os.path.join(out, name + ".xen"))
                    self.assertEqual(b.status, 0, b)
                    self.assertIn(f"Hello from {name}!", b.lines)
                    self.assertIn("GREETING is hi", b.lines)
        finally:
            shutil.rmtree(apps)


class Console(unittest.TestCase):
    """`make run` and `make xl-run` pass the terminal's lines to the guest's
    console (here a pipe standing in for the terminal), and the Rust
    wrappers read them: hello-rust's `read` mode echoes each line until
    `quit`. A copy of the app, so that its build folder is its own."""

    LINES = b"hello there\nsecond line\nquit\n"

    def setUp(self):
        import shutil
        import tempfile
        self.tmp = tempfile.mkdtemp(prefix="ukrt-console-")
        self.app = os.path.join(self.tmp, "hello-rust")
        shutil.copytree(os.path.join(ROOT, "examples", "hello-rust"), self.app,
                        ignore=shutil.ignore_patterns("target"))
        toml = os.path.join(self.app, "Cargo.toml")
        with open(toml) as f:
            text = f.read().replace('path = "../../app-template/ukrt-app"',
                                    f'path = "{ROOT}/app-template/ukrt-app"')
        with open(toml, "w") as f:
            f.write(text)

    def tearDown(self):
        import shutil
        shutil.rmtree(self.tmp, ignore_errors=True)
        shutil.rmtree(app_out(self.app), ignore_errors=True)

    def make(self, target, timeout):
        return subprocess.run(["make", "--no-print-directory", "-s", target, f"APP={self.app}",
                               "ARGS=read", f"XEN={os.path.abspath(XEN)}", "TIMEOUT=120"],
                              cwd=ROOT, input=self.LINES, capture_output=True, timeout=timeout)

    def check(self, p):
        out = p.stdout.decode(errors="replace")
        self.assertEqual(p.returncode, 0, out + p.stderr.decode(errors="replace"))
        lines = out.splitlines()
        i = lines.index("type lines; quit ends")
        self.assertEqual(lines[i + 1:i + 4], ["rust read: hello there (11 bytes)",
                                              "rust read: second line (11 bytes)", "done reading"])
        self.assertIn("env: GREETING: environment variable not found", lines)
        self.assertIn("time: slept at least 20 ms: true; the wall clock is past 2020: true", lines)

    def test_make_run_passes_input_lines(self):
        self.check(self.make("run", 300))

    def test_make_xl_run_passes_input_lines(self):
        self.check(self.make("xl-run", 400))


class Harness(unittest.TestCase):
    def test_missing_kernel_is_a_clear_error(self):
        b = Boot(image="/nonexistent/kernel")
        self.assertEqual(b.status, 125, b)
        self.assertIn("kernel image '/nonexistent/kernel' does not exist", b.err)

    def test_a_guest_that_never_exits_times_out(self):
        start = time.monotonic()
        b = Boot("hang", timeout=6)
        self.assertEqual(b.status, 124, b)
        self.assertLess(time.monotonic() - start, 20)
        self.assertIn("timed out after 6 s waiting for the guest to exit; "
                      "last guest line: 'hello: hanging as asked'", b.err)

    def test_ctrl_c_stops_the_run_with_130_and_leaves_no_qemu(self):
        # As the terminal does: SIGINT to the harness (QEMU runs in a session
        # of its own, so only the harness gets it) once the guest hangs.
        import signal
        p = subprocess.Popen([sys.executable, os.path.join(HERE, "xenrun.py"), KERNEL, "--xen", XEN,
                              "--timeout", "60", "--args", "hang"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            for line in p.stdout:
                if "hello: hanging as asked" in line:
                    break
            ps = subprocess.run(["ps", "-eo", "pid=,ppid=,comm="], capture_output=True,
                                text=True).stdout.split("\n")
            qemus = [int(f[0]) for f in (ln.split() for ln in ps)
                     if len(f) == 3 and f[1] == str(p.pid) and f[2].startswith("qemu")]
            self.assertEqual(len(qemus), 1, ps)
            p.send_signal(signal.SIGINT)
            _, err = p.communicate(timeout=30)
        finally:
            p.kill()
        self.assertEqual(p.returncode, 130, err)
        self.assertRegex(err, r"xenrun: interrupted \(Ctrl-C\) after [\d.]+ s; the guest was stopped")
        self.assertFalse(os.path.exists(f"/proc/{qemus[0]}"), "QEMU was stopped with the harness")

    def test_an_image_xen_refuses_is_reported_with_xens_reason(self):
        # Xen's own binary is no PV kernel: the domain builder refuses it.
        b = Boot(image=XEN, timeout=30)
        self.assertEqual(b.status, 125, b)
        self.assertIn("Xen panicked; its last lines:", b.err)
        self.assertIn("Will only load images built for the generic loader", b.err)


def load_tests(loader, tests, pattern):
    """The XL, XLNet, Network, XLDisk and Console tests first: each boots a dom0 (about 9 s, 20 s with
    the Linux domU); started last, they would leave the other workers idle
    at the end."""
    first = (XL, XLNet, Network, XLDisk, Console)
    return unittest.TestSuite(sorted(tests, key=lambda s: not any(isinstance(t, first) for t in s)))


def main():
    global KERNEL, SELFTEST, XEN, BUILD
    p = argparse.ArgumentParser()
    p.add_argument("--kernel", required=True)
    p.add_argument("--selftest-kernel", required=True)
    p.add_argument("--build", required=True, help="the build folder (images in build/app/<app folder>/)")
    p.add_argument("--xen", required=True)
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count(),
                   help="tests run at once, each booting its own QEMU (default: one per core)")
    a, rest = p.parse_known_args()
    KERNEL, SELFTEST, XEN, BUILD = a.kernel, a.selftest_kernel, a.xen, a.build
    prog = unittest.main(argv=[sys.argv[0], "-v"] + rest, exit=False,
                         testRunner=parallel.runner(a.jobs))
    r = prog.result
    failed = len(r.failures) + len(r.errors)
    print(f"{r.testsRun - failed - len(r.skipped)} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
