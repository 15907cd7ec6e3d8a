"""symbolize.py and ci/ukrt-symbolize: file and line for crash-report
frames, from an object gcc builds here with and without debug information."""
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

from ukharness import symbolize

SOURCE = textwrap.dedent("""\
    int sink;
    __attribute__((noinline)) void inner(int *p) {
        *p = 1;
    }
    __attribute__((noinline)) int outer(int *p) {
        inner(p);
        return sink + 1;
    }
    """)
TOOL = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                    "ukrt-symbolize")


def symbol(path, name):
    out = subprocess.run(["nm", path], capture_output=True, text=True, check=True).stdout
    return next(int(w[0], 16) for w in map(str.split, out.splitlines()) if w[-1] == name)


class Symbolize(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ukrt-symbolize-")
        src = os.path.join(cls.tmp, "app.c")
        with open(src, "w") as f:
            f.write(SOURCE)
        # "packed": stripped of debug information, as libukc is in an image;
        # "build": the same object with it; "stale": other code.
        for d in ("packed", "build", "stale"):
            os.mkdir(os.path.join(cls.tmp, d))
        cls.so = os.path.join(cls.tmp, "build", "app.so")
        subprocess.run(["gcc", "-O2", "-g", "-fPIC", "-shared", "-nostdlib", "-o", cls.so, src],
                       check=True)
        subprocess.run(["strip", "--strip-debug", "-o", os.path.join(cls.tmp, "packed", "app.so"),
                        cls.so], check=True)
        with open(src, "a") as f:
            f.write("int more(void) { return sink * 7; }\n")
        subprocess.run(["gcc", "-O2", "-g", "-fPIC", "-shared", "-nostdlib", "-o",
                        os.path.join(cls.tmp, "stale", "app.so"), src], check=True)
        cls.inner = symbol(cls.so, "inner")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def frame(self, n=0, obj="app.so", off=None):
        off = self.inner if off is None else off
        return f"      #{n} 0x{0x4000_0000 + off:016x} {obj}+{off:#x} inner+0x0"

    def test_a_frame_gets_the_line_of_its_source(self):
        s = symbolize.Symbolizer([os.path.join(self.tmp, "build")])
        self.assertRegex(s.line(self.frame()), r" inner\+0x0 at \S*app\.c:3$")

    def test_a_stripped_object_is_placed_by_its_unstripped_twin_and_never_by_a_stale_one(self):
        packed, build, stale = (os.path.join(self.tmp, d) for d in ("packed", "build", "stale"))
        s = symbolize.Symbolizer([packed, stale, build])
        self.assertRegex(s.line(self.frame()), r"app\.c:3$")
        self.assertEqual(s.object_file("app.so"), os.path.join(build, "app.so"))
        only_stale = symbolize.Symbolizer([packed, stale])
        self.assertEqual(only_stale.line(self.frame()), self.frame())

    def test_other_lines_and_unknown_objects_pass_unchanged(self):
        s = symbolize.Symbolizer([os.path.join(self.tmp, "build")])
        for line in ("hello", "    backtrace:", "      #1 0x0000000000000000",
                     self.frame(obj="other.so"), "    backtrace ends: outermost frame"):
            self.assertEqual(s.line(line), line)

    def test_runtime_frames_get_function_and_line_from_the_kernel(self):
        s = symbolize.Symbolizer([], kernel=self.so)
        line = f"      #1 0x{self.inner + 1:016x} ukrt"
        # A return address: the call before it is what is placed.
        self.assertRegex(s.line(line), r"^      #1 0x[0-9a-f]{16} ukrt inner at \S*app\.c:\d+$")

    def test_runtime_frames_of_a_stripped_image_use_the_kernel_kept_beside_it(self):
        # make image: the .xen's kernel has no symbols, <folder>/ukrt has.
        folder, stale = (os.path.join(self.tmp, d) for d in ("image", "stale-kernel"))
        os.makedirs(folder, exist_ok=True)
        os.makedirs(stale, exist_ok=True)
        image = os.path.join(folder, "app.xen")
        subprocess.run(["strip", "--strip-all", "-o", image, self.so], check=True)
        shutil.copyfile(self.so, os.path.join(folder, "ukrt"))
        shutil.copyfile(os.path.join(self.tmp, "stale", "app.so"), os.path.join(stale, "ukrt"))
        line = f"      #1 0x{self.inner + 1:016x} ukrt"
        s = symbolize.for_image(image)
        self.assertRegex(s.line(line), r" ukrt inner at \S*app\.c:\d+$")
        self.assertEqual(s.object_file("ukrt"), os.path.join(folder, "ukrt"))
        # Another kernel's symbols are never used for it.
        only_stale = symbolize.Symbolizer([stale], kernel=image)
        self.assertIsNone(only_stale.object_file("ukrt"))
        self.assertEqual(only_stale.line(line), line)

    def test_the_tool_symbolizes_a_saved_log(self):
        log = os.path.join(self.tmp, "console.log")
        with open(log, "w") as f:
            f.write("leaf: crashing now\n    backtrace:\n" + self.frame() + "\n")
        out = subprocess.run([sys.executable, TOOL, log, "--objects",
                              os.path.join(self.tmp, "packed"), os.path.join(self.tmp, "build")],
                             capture_output=True, text=True, check=True).stdout.splitlines()
        self.assertEqual(out[:2], ["leaf: crashing now", "    backtrace:"])
        self.assertRegex(out[2], r"inner\+0x0 at \S*app\.c:3$")
        bad = subprocess.run([sys.executable, TOOL, log, "--objects", "/nonexistent"],
                             capture_output=True, text=True)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("is not a folder", bad.stderr)


if __name__ == "__main__":
    unittest.main()
