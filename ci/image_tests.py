#!/usr/bin/env python3
"""`make image` and file trees (make image-test; make test runs it).

Each test runs the top Makefile's `make image` into a temporary APP_OUT
and reads the bundle it wrote: FILES=folder adds the folder as the bundle's
file tree, a manifest's `files DIR` line does too (DIR relative to the
manifest's folder) and FILES replaces it, and without either the bundle is
byte for byte what `ukrt-pack pack` makes of the .so files alone, as the
Makefile ran it before file trees existed. Needs the kernel, ukrt-pack and
libukc built (the make target's prerequisites)."""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACK = os.path.join(ROOT, "target", "release", "ukrt-pack")
KIND_SHARED_OBJECT, KIND_FILE_TREE = 1, 2


def entries(bundle):
    """(name, kind, offset, size) of each entry of a bundle's table."""
    count = struct.unpack_from("<I", bundle, 12)[0]
    out = []
    for i in range(count):
        at = 64 + 80 * i
        name = bundle[at:at + 56].split(b"\0")[0].decode()
        kind = struct.unpack_from("<I", bundle, at + 56)[0]
        offset, size = struct.unpack_from("<QQ", bundle, at + 64)
        out.append((name, kind, offset, size))
    return out


def make_tree(root, motd):
    os.makedirs(os.path.join(root, "etc"))
    os.makedirs(os.path.join(root, "var", "empty"))
    with open(os.path.join(root, "etc", "motd"), "w") as f:
        f.write(motd)
    with open(os.path.join(root, "etc", "blank"), "w"):
        pass
    with open(os.path.join(root, "big.bin"), "wb") as f:
        f.write(bytes(i % 251 for i in range(3 * 4096)))


class MakeImage(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ukrt-image-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def make_image(self, app, out, files=None):
        cmd = ["make", "--no-print-directory", "-C", ROOT, "image", f"APP={app}", f"APP_OUT={out}"]
        if files is not None:
            cmd.append(f"FILES={files}")
        p = subprocess.run(cmd, capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, f"{' '.join(cmd)}:\n{p.stdout}{p.stderr}")
        name = os.path.basename(os.path.abspath(app))
        with open(os.path.join(out, f"{name}.ukb"), "rb") as f:
            bundle = f.read()
        with open(os.path.join(out, f"{name}.xen"), "rb") as f:
            image = f.read()
        self.assertTrue(image.endswith(bundle), "the image embeds the bundle")
        return bundle

    def listing(self, bundle):
        path = os.path.join(self.tmp, "listed.ukb")
        with open(path, "wb") as f:
            f.write(bundle)
        p = subprocess.run([PACK, "list", path], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def test_files_adds_a_tree_and_without_it_the_bundle_is_unchanged(self):
        plain_out = os.path.join(self.tmp, "plain")
        plain = self.make_image("examples/hello-c", plain_out)
        self.assertEqual([e[1] for e in entries(plain)], [KIND_SHARED_OBJECT] * 2)
        # What the recipe ran before FILES existed (on the stripped copies
        # it packs, in packed/).
        again = os.path.join(self.tmp, "again.ukb")
        packed = os.path.join(plain_out, "packed")
        sos = sorted(os.path.join(packed, f) for f in os.listdir(packed) if f.endswith(".so"))
        subprocess.run([PACK, "pack", "-o", again, "--manifest-text", "app hello-c hello-c.so"] + sos,
                       check=True, capture_output=True)
        with open(again, "rb") as f:
            self.assertEqual(f.read(), plain, "make image without FILES changed its bundle")

        tree = os.path.join(self.tmp, "tree")
        make_tree(tree, "hello from FILES\n")
        withf = self.make_image("examples/hello-c", os.path.join(self.tmp, "with"), files=tree)
        ents = entries(withf)
        self.assertEqual([e[1] for e in ents], [KIND_SHARED_OBJECT] * 2 + [KIND_FILE_TREE])
        self.assertEqual(ents[2][0], ".files")
        # The shared objects keep their places; the tree comes after them.
        self.assertEqual(ents[:2], entries(plain)[:2])
        for name, _, offset, size in ents[:2]:
            self.assertEqual(withf[offset:offset + size], plain[offset:offset + size], name)
        text = self.listing(withf)
        self.assertIn("3 files, 3 folders, 12305 bytes of data", text)
        for line in ["/etc/", "0  /etc/blank", "17  /etc/motd", "12288  /big.bin", "/var/empty/"]:
            self.assertIn(line, text)
        # The 3-page file's bytes are in the bundle, page-aligned.
        big = next(ln for ln in text.splitlines() if ln.endswith("/big.bin"))
        offset = int(big.split()[0], 16)
        self.assertEqual(offset % 4096, 0)
        self.assertEqual(withf[offset:offset + 3 * 4096], bytes(i % 251 for i in range(3 * 4096)))

    def test_manifest_files_line_and_files_override(self):
        app = os.path.join(self.tmp, "hello-tree")
        shutil.copytree(os.path.join(ROOT, "examples", "hello-c"), app)
        with open(os.path.join(app, "manifest.txt"), "w") as f:
            f.write("app hello-tree hello-tree.so\nfiles data\n")
        make_tree(os.path.join(app, "data"), "from the manifest\n")
        bundle = self.make_image(app, os.path.join(self.tmp, "out1"))
        self.assertEqual(entries(bundle)[-1][1], KIND_FILE_TREE)
        self.assertIn("18  /etc/motd", self.listing(bundle))

        other = os.path.join(self.tmp, "other")
        make_tree(other, "FILES wins\n")
        bundle = self.make_image(app, os.path.join(self.tmp, "out2"), files=other)
        text = self.listing(bundle)
        self.assertIn("11  /etc/motd", text)
        self.assertNotIn("18  /etc/motd", text)


    def c_app(self, name, source):
        app = os.path.join(self.tmp, name)
        os.makedirs(app)
        shutil.copy(os.path.join(ROOT, "app-template", "c", "Makefile"), app)
        with open(os.path.join(app, "main.c"), "w") as f:
            f.write(source)
        return app

    def failed_make_image(self, app):
        out = os.path.join(self.tmp, os.path.basename(app) + "-out")
        cmd = ["make", "--no-print-directory", "-C", ROOT, "image", f"APP={app}", f"APP_OUT={out}"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        self.assertNotEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertFalse(os.path.exists(os.path.join(out, os.path.basename(app) + ".xen")))
        return p.stdout + p.stderr

    def test_every_undefined_symbol_of_every_app_fails_the_build(self):
        app = self.c_app("needs-three", "void one(void); void two(void); int three(int);\n"
                                       "int main(void) { one(); two(); return three(1) + three(2); }\n")
        with open(os.path.join(app, "manifest.txt"), "w") as f:
            f.write("app first needs-three.so\napp second needs-three.so\n")
        out = self.failed_make_image(app)
        for first in ("first", "second"):
            for sym in ("one", "two", "three"):
                line = (f'app "{first}": needs-three.so: undefined symbol "{sym}" '
                        "(not in the app, its libraries or the runtime)")
                self.assertEqual(out.count(line), 1, out)

    def test_a_call_of_an_undeclared_function_is_a_compile_error(self):
        app = self.c_app("undeclared", "int main(void) { return undeclared_function(3); }\n")
        out = self.failed_make_image(app)
        self.assertRegex(out, r"main\.c:1:\d+: error: implicit declaration of function "
                              r".undeclared_function.")


def make(*args, env=None):
    """`make ARGS` in the checkout: (status, stdout + stderr)."""
    p = subprocess.run(["make", "--no-print-directory", "-C", ROOT, *args], capture_output=True,
                       text=True, env=dict(os.environ, **(env or {})))
    return p.returncode, p.stdout + p.stderr


def config_value(cfg, key):
    with open(cfg) as f:
        for line in f:
            k, _, v = line.partition("=")
            if k.strip() == key:
                return v.strip().strip('"')
    return None


class Frictions(unittest.TestCase):
    """What tripped a new user up once, each checked where it happened."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ukrt-friction-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
        # Images of apps outside the checkout go to build/app/abs/<path>.
        shutil.rmtree(os.path.join(ROOT, "build", "app", "abs", self.tmp.lstrip("/")),
                      ignore_errors=True)

    def out_of(self, app):
        return os.path.join(ROOT, "build", "app", "abs", os.path.abspath(app).lstrip("/"))

    def hello_copy(self, parent, name):
        app = os.path.join(self.tmp, parent, name)
        shutil.copytree(os.path.join(ROOT, "examples", "hello-c"), app)
        return app

    def test_memory_and_vcpus_go_into_the_generated_config(self):
        out = os.path.join(self.tmp, "out")
        code, text = make("image", "APP=examples/hello-c", f"APP_OUT={out}", "MEMORY=200")
        self.assertEqual(code, 0, text)
        cfg = os.path.join(out, "hello-c.cfg")
        self.assertEqual((config_value(cfg, "memory"), config_value(cfg, "vcpus")), ("200", "1"))
        code, text = make("image", "APP=examples/hello-c", f"APP_OUT={out}")
        self.assertEqual(code, 0, text)
        self.assertEqual(config_value(cfg, "memory"), "32", "without MEMORY: what the image needs")
        code, text = make("image", "APP=examples/hello-c", f"APP_OUT={out}", "VCPUS=2")
        self.assertNotEqual(code, 0)
        self.assertIn("xen-config: --vcpus 2: the runtime uses one vCPU (give 1)", text)
        self.assertEqual(config_value(cfg, "memory"), "32", "a failed generate keeps the old config")

    def test_deploy_cfg_sends_the_edited_config_and_refuses_a_broken_one(self):
        out = os.path.join(self.tmp, "out")
        code, text = make("image", "APP=examples/hello-c", f"APP_OUT={out}")
        self.assertEqual(code, 0, text)
        edited = os.path.join(self.tmp, "prod.cfg")
        with open(os.path.join(out, "hello-c.cfg")) as f:
            cfg = f.read().replace('name = "hello-c"', 'name = "hello-prod"')
        cfg = cfg.replace("memory = 32", "memory = 96")
        with open(edited, "w") as f:
            f.write(cfg)
        code, text = make("deploy", f"CFG={edited}", "HOST=root@xenhost", env={"DRY_RUN": "1"})
        self.assertEqual(code, 0, text)
        self.assertIn(f"deploy: {out}/hello-c.xen as /var/lib/ukrt/hello-prod.xen", text)
        self.assertIn('kernel = "/var/lib/ukrt/hello-prod.xen"\nmemory = 96\n', text)
        self.assertIn("xl create '/var/lib/ukrt/hello-prod.cfg'", text.replace("\\", ""))
        with open(edited, "a") as f:
            f.write("memory = 128\nname = web\n")
        code, text = make("deploy", f"CFG={edited}", "HOST=root@xenhost", env={"DRY_RUN": "1"})
        self.assertNotEqual(code, 0)
        self.assertIn("memory is set again (first on line", text)
        self.assertIn('name = web: strings need quotes: name = "web"', text)
        self.assertIn("has errors (above); nothing was sent", text)
        self.assertNotIn("scp", text)

    def test_a_c_apps_objects_do_not_depend_on_where_the_checkout_is(self):
        # The debug information names the checkout /ukrt (c-app.mk), so an
        # object's size and build ID are the same in every clone (docs show
        # the sizes; CI's clone is elsewhere).
        out = os.path.join(self.tmp, "out")
        code, text = make("image", "APP=examples/greet", f"APP_OUT={out}", "LOAD_CHECK=0")
        self.assertEqual(code, 0, text)
        for name in ("greet-a.so", "libgreet.so"):
            with open(os.path.join(out, name), "rb") as f:
                data = f.read()
            self.assertNotIn(ROOT.encode(), data, name)
            self.assertIn(b"/ukrt/examples/greet", data, name)

    def test_build_folders_do_not_collide(self):
        xen_before = open(os.path.join(ROOT, "build", "xen"), "rb").read() \
            if os.path.exists(os.path.join(ROOT, "build", "xen")) else None
        apps = [self.hello_copy("a", "xen"), self.hello_copy("b", "lib"),
                self.hello_copy("c", "web"), self.hello_copy("d", "web")]
        for app in apps:
            code, text = make("image", f"APP={app}")
            self.assertEqual(code, 0, text)
        for app in apps:
            name = os.path.basename(app)
            image = os.path.join(self.out_of(app), name + ".xen")
            self.assertTrue(os.path.isfile(image), image)
            self.assertIn(f"image: {os.path.relpath(image, ROOT)}", make("image", f"APP={app}")[1])
        self.assertEqual(len({self.out_of(a) for a in apps}), 4)
        if xen_before is not None:
            with open(os.path.join(ROOT, "build", "xen"), "rb") as f:
                self.assertEqual(f.read(), xen_before, "an app named xen left Xen's binary alone")
        self.assertTrue(os.path.isfile(os.path.join(ROOT, "build", "lib", "libukc.so")))

    def test_only_what_the_build_made_is_packed(self):
        app = self.hello_copy("e", "fresh")
        self.assertEqual(make("image", f"APP={app}")[0], 0)
        stale = os.path.join(self.out_of(app), "old-app.so")
        shutil.copy(os.path.join(self.out_of(app), "fresh.so"), stale)
        code, text = make("image", f"APP={app}")
        self.assertEqual(code, 0, text)
        with open(os.path.join(self.out_of(app), "fresh.ukb"), "rb") as f:
            names = sorted(e[0] for e in entries(f.read()))
        self.assertEqual(names, ["fresh.so", "libukc.so"])

    def test_the_image_is_stripped_and_the_symbols_stay_beside_it(self):
        out = os.path.join(self.tmp, "stripped")
        code, text = make("image", "APP=examples/hello-c", f"APP_OUT={out}")
        self.assertEqual(code, 0, text)

        def sections(path):
            text = subprocess.run(["readelf", "-SW", path], capture_output=True, text=True,
                                  check=True).stdout
            return set(re.findall(r"\]\s+(\.\S+)", text))

        image = os.path.join(out, "hello-c.xen")
        self.assertFalse({".symtab", ".debug_info"} & sections(image), "the image's kernel")
        self.assertIn(".debug_info", sections(os.path.join(out, "ukrt")), "the kernel kept")
        for so in ("hello-c.so", "libukc.so"):
            self.assertFalse(any(s.startswith(".debug") for s in sections(
                os.path.join(out, "packed", so))), so)
        self.assertIn(".debug_info", sections(os.path.join(out, "hello-c.so")))
        # libukc's static functions keep their names, and nothing else does.
        syms = subprocess.run(["nm", os.path.join(out, "packed", "libukc.so")],
                              capture_output=True, text=True, check=True).stdout.split("\n")
        self.assertTrue(syms[0])
        self.assertEqual({line.split()[1] for line in syms if line}, {"t"})
        # COMPRESS=gzip: the same image gzip'ed; other formats are refused.
        code, text = make("image", "APP=examples/hello-c", f"APP_OUT={out}", "COMPRESS=gzip")
        self.assertEqual(code, 0, text)
        with open(image, "rb") as f:
            gz = f.read()
        self.assertEqual(gz[:2], b"\x1f\x8b")
        unpacked = subprocess.run(["gzip", "-dc"], input=gz, capture_output=True,
                                  check=True).stdout
        self.assertEqual(unpacked[:4], b"\x7fELF")
        code, text = make("image", "APP=examples/hello-c", f"APP_OUT={out}", "COMPRESS=xz")
        self.assertEqual(code, 2, text)
        self.assertIn("COMPRESS=xz is not a format both of Xen's PV domain builders load", text)

    def test_new_app_refuses_an_unknown_language_and_a_bad_name(self):
        cases = [(["NAME=web", "LANG=go"], "LANG=go is not a language of the templates (LANG=c or "
                  "LANG=rust)"),
                 (["NAME=1web"], "NAME=1web is not a valid app name"),
                 (["NAME=we b"], "NAME=we b is not a valid app name"),
                 (["NAME=../up"], "NAME=../up is not a valid app name")]
        for args, message in cases:
            code, text = make("new-app", *args, f"APPS_DIR={self.tmp}")
            self.assertEqual(code, 2, text)
            self.assertIn(message, text)
        self.assertEqual(os.listdir(self.tmp), [])
        # The environment's LANG is the locale, not the template's language.
        code, text = make("new-app", "NAME=web", f"APPS_DIR={self.tmp}", env={"LANG": "C.UTF-8"})
        self.assertEqual(code, 0, text)
        self.assertTrue(os.path.isfile(os.path.join(self.tmp, "web", "main.c")))

    def test_an_app_folder_without_a_build_file_is_named(self):
        app = os.path.join(self.tmp, "empty")
        os.makedirs(app)
        code, text = make("image", f"APP={app}")
        self.assertEqual(code, 2)
        self.assertIn(f"make: APP={app} has no build file: a C app needs a Makefile, a Rust app a "
                      "Cargo.toml", text)
        self.assertNotIn("Compiling", text, "refused before anything was built")

    def test_rust_apps_share_core_and_alloc(self):
        for name in ("rs-one", "rs-two"):
            code, text = make("new-app", f"NAME={name}", "LANG=rust", f"APPS_DIR={self.tmp}")
            self.assertEqual(code, 0, text)
        code, text = make("image", f"APP={self.tmp}/rs-one")
        self.assertEqual(code, 0, text)
        code, text = make("image", f"APP={self.tmp}/rs-two")
        self.assertEqual(code, 0, text)
        self.assertIn("Compiling rs-two", text)
        for crate in ("core", "alloc", "compiler_builtins", "ukrt-app"):
            self.assertNotIn(f"Compiling {crate} ", text, "built once, for every Rust app")
        with open(os.path.join(self.out_of(f"{self.tmp}/rs-two"), "rs-two.ukb"), "rb") as f:
            self.assertEqual(sorted(e[0] for e in entries(f.read())), ["libukc.so", "rs-two.so"])

    def test_make_help_names_every_target_and_variable(self):
        with open(os.path.join(ROOT, "Makefile")) as f:
            text = f.read()
        phony = re.search(r"^\.PHONY:(.*)$", text, re.M).group(1).split()
        settable = set(re.findall(r"^([A-Z_]+)\s*\?=", text, re.M))
        # Read with $(if ...) or $(filter ...) but never given a default.
        settable |= {"LOAD_CHECK", "V", "NET", "IP", "DISK", "DISK_RO", "CLIENT", "WAIT_FOR",
                     "LINUX_GUEST", "HOST", "REMOTE_DIR", "CFG", "NAME", "LANG", "OUT", "DIR",
                     "IMG", "FILE"}
        code, help_text = make("help")
        self.assertEqual(code, 0)
        missing = [t for t in phony if not re.search(rf"(make |\| ){re.escape(t)}\b", help_text)]
        self.assertEqual(missing, [], "targets make help does not show")
        missing = sorted(v for v in settable if f"{v}=" not in help_text)
        self.assertEqual(missing, [], "variables make help does not show")


if __name__ == "__main__":
    if not os.path.exists(PACK):
        sys.exit(f"image_tests: {PACK} is missing (make pack)")
    unittest.main()
