#!/usr/bin/env python3
"""Every shell command shown in README.md and docs/ is run (make docs-test;
make test runs it after the boot tests, whose images and Xen it uses).

The commands are the lines of ```sh, ```shell, ```bash and ```console
blocks (a trailing backslash continues a line; `# ...` after two spaces is
a comment). In a block with `$ ` prompts, the lines after a command are its
output as shown, and the command's real output must match them: `...` in a
line stands for any text, and a line that is only `...` for any number of
lines. A command's status must be the one its plan names (0 unless it
says otherwise).

Each command must appear in PLAN below, which says how it runs: in the
checkout, in a scratch folder with the greet example's objects (for
ukrt-pack's transcripts), with DRY_RUN=1 (deploy, which would need a Xen
host), or not at all, with the reason (make test itself; the benchmarks,
which run for minutes and are their own targets). A command the plan does
not know fails the test, so a new one gets a plan, and a changed one is
run again. The blocks of one file run in order, so a command can use what
an earlier one made; what they make in the checkout is removed after."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DOCS = ["README.md"] + sorted(os.path.join("docs", f) for f in os.listdir(os.path.join(ROOT, "docs"))
                              if f.endswith(".md"))
SHELLS = ("sh", "shell", "bash", "console")
GREET = os.path.join("build", "app", "examples", "greet")

# How each shown command runs: ("run", where, timeout[, status[, setup[,
# extra]]]) with where "root" (the checkout) or "scratch" (a folder with
# greet's objects, ukrt-pack on PATH), the status it must end with, a shell
# line that prepares its input, and words added to it (a longer time limit
# for the xl harness, whose dom0 boots slowly on a busy machine); ("dry",
# ...) the same with DRY_RUN=1; ("skip", reason). Make runs get TIMEOUT=300
# for the same reason.
ROOT_RUN = ("run", "root", 600)
# make's status when the crashing app ends (139) after gdb let it go.
DEBUG_CRASH = 2
SCRATCH = ("run", "scratch", 60)
XLRUN = ("run", "root", 600, 0, None, " --timeout 300")
PLAN = {
    # README.md
    "make run": ROOT_RUN,
    'make run ARGS="exit=3"': ("run", "root", 600, 2),  # make says Error 3: status 2
    "make run APP=examples/hello-rust V=1": ROOT_RUN,
    "make test": ("skip", "it is the test that runs this one"),
    # benchmarks: minutes each, figures not checks; `make bench-*` runs them
    "make bench-cpu": ("skip", "a benchmark (minutes); run by make bench-cpu itself"),
    "make bench-cpu BENCH_CPU_ROUNDS=15": ("skip", "a benchmark (minutes)"),
    "make bench-cpu BENCH_CPU_ARGS=--icount": ("skip", "a benchmark (minutes)"),
    "make bench-disk": ("skip", "a benchmark (5 minutes)"),
    "make bench-disk BENCH_MIB=64": ("skip", "a benchmark (7 minutes)"),
    "make bench-disk BENCH_ROUNDS=3": ("skip", "a benchmark (15 minutes)"),
    'make bench-disk BENCH_DISK_ARGS="--random 500 --fsyncs 100 --phase-bound 20 --disk-size 256M"':
        ("skip", "a benchmark (minutes)"),
    "make bench-net": ("skip", "a benchmark (10 minutes)"),
    "make bench-net BENCH_DURATION=10 BENCH_BOOTS=5": ("skip", "a benchmark (20 minutes)"),
    # deploy.md
    "make image APP=examples/hello-c": ROOT_RUN,
    "make deploy APP=examples/hello-c HOST=root@xenhost REMOTE_DIR=/var/lib/ukrt":
        ("dry", "root", 600),
    "make disk OUT=/tmp/data.img SIZE=64M DIR=files/": ("run", "root", 120, 0, "mkdir -p files"),
    "make xl-run APP=examples/hello-c DISK=/tmp/data.img": ROOT_RUN,
    "python3 ci/xl/xlrun.py target/selftest/x86_64-unknown-none/release/ukrt --cfg blk.cfg "
    "--disk a.img,b.img --set 'extra=\"uk.stats uk.test=blk disk=xvdb\"'":
        ("run", "root", 600, 0,
         "cp build/app/examples/hello-c/hello-c.cfg blk.cfg && truncate -s 8M a.img b.img",
         " --timeout 300"),
    "make xl-run LINUX_GUEST='sleep 600' NET=1 WAIT_FOR='running the script' "
    "CLIENT='ping -c 3 $GUEST_IP'": ROOT_RUN,
    "python3 ci/xl/xlrun.py --linux-guest 'nc -ll -p 7 -e cat & listening 7; wait' --net "
    "--wait-for 'listening on tcp port 7' --client 'echo hi | nc $GUEST_IP 7'": XLRUN,
    "python3 ci/xl/xlrun.py --linux-guest 'mkdir -p /www; echo hello >/www/index.html; httpd -f "
    "-p 80 -h /www & listening 80; wait' --net --wait-for 'listening on tcp port 80' --client "
    "'wrk -t1 -c2 -d2s http://$GUEST_IP/'": XLRUN,
    # loader.md: ukrt-pack's transcripts, on greet's objects
    "ukrt-pack pack -o greet.ukb --manifest examples/greet/manifest.txt greet-a.so greet-b.so "
    "broken.so libgreet.so": ("run", "scratch", 60, 1),  # the point: it refuses broken
    "ukrt-pack pack --no-check -o greet.ukb --manifest examples/greet/manifest.txt greet-a.so "
    "greet-b.so broken.so libgreet.so": SCRATCH,
    "ukrt-pack list greet.ukb": SCRATCH,
    "ukrt-pack pack -o web.ukb --manifest-text 'app web greet-a.so --port 8080 "
    "\"--motd=hello there\"' greet-a.so libgreet.so": SCRATCH,
    "ukrt-pack check corrupt.ukb; echo $?":
        ("run", "scratch", 60, 0,
         "cp greet.ukb corrupt.ukb && printf X | dd of=corrupt.ukb bs=1 seek=9000 conv=notrunc "
         "2>/dev/null"),
    "ukrt-pack image --kernel target/x86_64-unknown-none/release/ukrt --bundle greet.ukb -o "
    "greet.xen": SCRATCH,
    "ukrt-pack check greet.ukb; echo $?": SCRATCH,
    "ukrt-pack pack -o t.ukb --manifest-text 'app a a.so' --files tree a.so libukc.so":
        ("run", "scratch", 60, 0,
         f"cp {ROOT}/build/app/examples/hello-c/hello-c.so a.so && "
         f"cp {ROOT}/build/lib/libukc.so . && mkdir -p tree/a/b tree/empty-dir tree/etc && "
         "head -c 12000 /dev/zero >tree/a/b/big && : >tree/etc/empty && printf 'hello\\n' "
         ">tree/etc/motd"),
    "ukrt-pack list t.ukb": SCRATCH,
    "readelf -lW greet.xen | grep LOAD": SCRATCH,
    # running.md
    'make run ARGS="exit=3 uk.foo a,b" MEMORY=128 V=1': ("run", "root", 600, 2),
    'python3 ci/xenrun.py build/app/examples/hello-c/hello-c.xen --xen build/xen --args "exit=3"; '
    "echo $?": ROOT_RUN,
    "python3 ci/xenrun.py target/x86_64-unknown-none/release/ukrt --xen build/xen --ramdisk "
    'build/app/examples/greet/greet.ukb --args "uk.stats"': ("run", "root", 600, 127),  # broken's
    "python3 ci/boot_tests.py --kernel target/x86_64-unknown-none/release/ukrt --selftest-kernel "
    "target/selftest/x86_64-unknown-none/release/ukrt --build build --xen build/xen "
    "Apps.test_bundle_as_the_ramdisk_module": ROOT_RUN,
    # debugging.md: gdb reads the end of its input (or its script) and detaches; the app runs on
    "make debug APP=examples/hello-c": ROOT_RUN,
    'make debug APP=ci/apps/gdb-check ARGS="uk.gdb=crash crash"': ("run", "root", 600, DEBUG_CRASH),
    "make debug APP=ci/apps/gdb-check GDB_ARGS='-batch -x session.gdb'":
        ("run", "root", 600, 0, "printf 'break main\\ncontinue\\nbt\\n' >session.gdb"),
    # backtraces.md: the image's first app ends by SIGSEGV (139)
    "python3 ci/xenrun.py build/app/ci/apps/backtrace/backtrace.xen --xen build/xen --no-symbolize "
    ">crash.log": ("run", "root", 600, 139),
    "ci/ukrt-symbolize crash.log --objects build/app/ci/apps/backtrace --kernel "
    "build/app/ci/apps/backtrace/backtrace.xen": ROOT_RUN,
    # storage.md
    "make disk OUT=data.img SIZE=64M DIR=files/": ("run", "root", 120, 0, "mkdir -p files"),
    "make disk-ls IMG=data.img DIR=/": ROOT_RUN,
    "make disk-get IMG=data.img FILE=out.txt OUT=out.txt":
        ("run", "root", 120, 0, "echo written >files/out.txt && make -s disk OUT=data.img "
         "SIZE=64M DIR=files/ >/dev/null"),
    "make xl-run APP=examples/hello-c DISK=data.img": ROOT_RUN,
    # toolchain.md: run in the Rust template, where it builds the app
    "cargo build --release --target app-template/targets/x86_64-ukrt-app.json -Z "
    "build-std=core,compiler_builtins,alloc -Z build-std-features=compiler-builtins-mem -Z "
    "json-target-spec": ("skip", "shown as what make image runs for a Rust app, in the app's "
                         "folder with the shared --target-dir; Templates and the image tests "
                         "build Rust apps that way"),
    # writing-apps.md
    "make new-app NAME=hello": ROOT_RUN,
    "make new-app NAME=hello LANG=rust": ("run", "root", 60, 0, "rm -rf apps/hello"),
    'make run APP=apps/hello ARGS="GREETING=hi one two"': ROOT_RUN,
    "make image APP=apps/hello": ROOT_RUN,
    "make image APP=apps/web FILES=apps/web/www":
        ("run", "root", 600, 0, "rm -rf apps/web && make -s new-app NAME=web >/dev/null && "
         "mkdir -p apps/web/www && echo hi >apps/web/www/index.html"),
    "make run APP=examples/hello-c FILES=/tmp/some-folder":
        ("run", "root", 600, 0, "mkdir -p /tmp/some-folder && echo hi >/tmp/some-folder/motd"),
    "make image APP=examples/http-server": ROOT_RUN,
    'make run APP=examples/http-server ARGS="8080"':
        ("skip", "serves until it is stopped; the Network boot tests run it with clients"),
}
# What the commands leave in the checkout, removed after each file's blocks
# (they must not exist before: the test refuses to touch a user's own).
LEFTOVERS = ["apps/hello", "apps/web", "session.gdb", "build/app/apps/hello", "build/app/apps/web", "files",
             "data.img", "out.txt", "blk.cfg", "a.img", "b.img", "crash.log"]


class Command:
    def __init__(self, doc, line, text, shown):
        self.doc, self.line, self.text, self.shown = doc, line, text, shown

    def where(self):
        return f"{self.doc}:{self.line}: {self.text!r}"


def commands(doc):
    """The shell commands of a Markdown file, in order."""
    out = []
    with open(os.path.join(ROOT, doc)) as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\w+)", lines[i])
        if not m:
            i += 1
            continue
        start = i + 1
        j = start
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        if m.group(1) in SHELLS:
            out += block_commands(doc, start, lines[start:j])
        i = j + 1
    return out


def join_continued(lines, k):
    """The logical line at k (backslash continuations joined) and the next index."""
    text = lines[k]
    while text.endswith("\\") and k + 1 < len(lines):
        k += 1
        text = text[:-1].rstrip() + " " + lines[k].strip()
    return text, k + 1


def strip_comment(text):
    # A comment starts at "  #" (the docs align them); "#" inside a word stays.
    return re.split(r"\s{2,}#", text, maxsplit=1)[0].rstrip()


def block_commands(doc, first_line, lines):
    transcript = any(ln.startswith("$ ") for ln in lines)
    out = []
    k = 0
    while k < len(lines):
        if transcript and not lines[k].startswith("$ "):
            k += 1
            continue
        text, nxt = join_continued(lines, k)
        cmd = strip_comment(text[2:] if transcript else text).strip()
        shown = None
        if transcript:
            shown = []
            while nxt < len(lines) and not lines[nxt].startswith("$ "):
                shown.append(lines[nxt])
                nxt += 1
        # Optional parts shown in brackets ([DIR=/sub]) run with their example value.
        cmd = re.sub(r"\[([A-Z_]+=[^\]]*)\]", r"\1", cmd)
        if cmd:
            out.append(Command(doc, first_line + k + 1, cmd, shown))
        k = nxt
    return out


def matches(shown, real):
    """Whether real output lines match the shown ones (`...` wildcards)."""
    if not shown:
        return not real
    head = shown[0]
    if head.strip() == "...":
        return any(matches(shown[1:], real[i:]) for i in range(len(real) + 1))
    if not real:
        return False
    pattern = ".*".join(re.escape(part) for part in head.split("..."))
    return re.fullmatch(pattern, real[0].rstrip()) is not None and matches(shown[1:], real[1:])


class Docs(unittest.TestCase):
    def test_every_shown_command_has_a_plan(self):
        unknown = [c.where() for doc in DOCS for c in commands(doc) if c.text not in PLAN]
        self.assertEqual(unknown, [], "commands in the docs that ci/docs_tests.py does not run "
                         "(add each to PLAN)")

    def test_the_plan_names_only_shown_commands(self):
        shown = {c.text for doc in DOCS for c in commands(doc)}
        self.assertEqual(sorted(set(PLAN) - shown), [], "PLAN entries no doc shows any more")


def scratch_folder():
    d = tempfile.mkdtemp(prefix="ukrt-docs-")
    for name in os.listdir(os.path.join(ROOT, GREET)):
        if name.endswith(".so"):
            shutil.copy(os.path.join(ROOT, GREET, name), d)
    os.symlink(os.path.join(ROOT, "examples"), os.path.join(d, "examples"))
    os.symlink(os.path.join(ROOT, "target"), os.path.join(d, "target"))
    return d


def make_file_test(doc):
    def test(self):
        there = [p for p in LEFTOVERS if os.path.lexists(os.path.join(ROOT, p))]
        self.assertEqual(there, [], "the docs' commands make these; move yours away first")
        apps_existed = os.path.isdir(os.path.join(ROOT, "apps"))
        scratch = scratch_folder()
        env = dict(os.environ, PATH=os.path.join(ROOT, "target", "release") + os.pathsep
                   + os.environ["PATH"], TIMEOUT="300")
        # Each command runs as a user types it, not as a sub-make of `make
        # test` (which would add "Entering directory" lines to its output).
        for var in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES"):
            env.pop(var, None)
        try:
            for c in commands(doc):
                plan = PLAN.get(c.text)
                if plan is None or plan[0] == "skip":
                    continue
                kind, where, timeout = plan[:3]
                status = plan[3] if len(plan) > 3 else 0
                setup = plan[4] if len(plan) > 4 else None
                extra = plan[5] if len(plan) > 5 else ""
                cwd = ROOT if where == "root" else scratch
                run_env = dict(env, DRY_RUN="1") if kind == "dry" else env
                if setup:
                    subprocess.run(["bash", "-c", setup], cwd=cwd, env=run_env, check=True)
                p = subprocess.run(["bash", "-c", c.text + extra], cwd=cwd, env=run_env, timeout=timeout,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
                self.assertEqual(p.returncode, status, f"{c.where()} exited {p.returncode}:\n"
                                 f"{p.stdout[-3000:]}")
                if c.shown is not None:
                    real = p.stdout.splitlines()
                    self.assertTrue(matches(c.shown, real), f"{c.where()}: the output shown is "
                                    "not what it prints now.\nShown:\n" + "\n".join(c.shown)
                                    + "\nNow:\n" + "\n".join(real))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
            for name in LEFTOVERS:
                path = os.path.join(ROOT, name)
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                elif os.path.lexists(path):
                    os.remove(path)
            if not apps_existed and os.path.isdir(os.path.join(ROOT, "apps")) \
                    and not os.listdir(os.path.join(ROOT, "apps")):
                os.rmdir(os.path.join(ROOT, "apps"))
    return test


for _doc in DOCS:
    if any(c.text in PLAN and PLAN[c.text][0] != "skip" for c in commands(_doc)):
        setattr(Docs, "test_commands_of_" + re.sub(r"\W", "_", _doc), make_file_test(_doc))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    a, rest = p.parse_known_args()
    sys.exit(0 if unittest.main(argv=[sys.argv[0], "-v"] + rest, exit=False).result
             .wasSuccessful() else 1)
