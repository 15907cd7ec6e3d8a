"""make debug's gdb script (ci/ukharness/gdb.py): the runtime's object
lines and the add-symbol-file commands made from them."""
import os
import tempfile
import unittest

from ukharness import gdb


class Script(unittest.TestCase):
    def test_object_lines(self):
        self.assertEqual(gdb.parse_object("ukrt-gdb: object libukc.so app web base 0x10000600000"),
                         ("libukc.so", "web", 0x10000600000))
        self.assertIsNone(gdb.parse_object("ukrt-gdb: object libukc.so"))
        self.assertIsNone(gdb.parse_object("hello ukrt-gdb: object a app b base 0x1"))

    def test_symbols_come_from_the_first_folder_that_has_the_file(self):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            for d, name in ((a, "libukc.so"), (b, "libukc.so"), (b, "web.so")):
                open(os.path.join(d, name), "w").close()
            objects = [("web.so", "web", 0x10000000000), ("libukc.so", "web", 0x10000600000),
                       ("web.so", "web2", 0x10040000000), ("web.so", "web", 0x10000000000),
                       ("gone.so", "web", 0x10000800000)]
            text = gdb.script("/k/ukrt", objects, [a, b], 1234)
        self.assertEqual(text.splitlines(), [
            "set pagination off", "set confirm off",
            f"set substitute-path /ukrt {gdb.ROOT}", "file /k/ukrt",
            f"add-symbol-file {b}/web.so -o 0x10000000000",
            f"add-symbol-file {a}/libukc.so -o 0x10000600000",
            f"add-symbol-file {b}/web.so -o 0x10040000000",
            f"# gone.so (app web) at 0x10000800000: no file of that name in {[a, b]}",
            "target remote 127.0.0.1:1234"])


if __name__ == "__main__":
    unittest.main()
