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
        # What the recipe ran before FILES existed.
        again = os.path.join(self.tmp, "again.ukb")
        sos = sorted(os.path.join(plain_out, f) for f in os.listdir(plain_out) if f.endswith(".so"))
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


if __name__ == "__main__":
    if not os.path.exists(PACK):
        sys.exit(f"image_tests: {PACK} is missing (make pack)")
    unittest.main()
