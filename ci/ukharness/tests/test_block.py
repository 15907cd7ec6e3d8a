"""dom0's block script (ci/xl/block-ukrt) as libxl calls it, on the host,
with stand-ins for xenstore-read/-write first on the PATH: the device
numbers it hands blkback, and how it reports success and failure to
libxl (the backend's hotplug-status and hotplug-error, its exit status)."""
import os
import subprocess
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                      "xl", "block-ukrt")
BACKEND = "backend/vbd/3/51712"

# xenstore keys are files under $STORE; xenstore-write takes PATH VALUE pairs.
FAKES = {
    "xenstore-read": 'cat "$STORE/$1" 2>/dev/null || { echo "xenstore-read: $1: no key" >&2; exit 1; }\n',
    "xenstore-write": 'while [ $# -ge 2 ]; do mkdir -p "$(dirname "$STORE/$1")" && '
                      'printf %s "$2" >"$STORE/$1"; shift 2; done\n',
}


class BlockScript(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="test-block-")
        t = self.tmp.name
        self.store = os.path.join(t, "store")
        bindir = os.path.join(t, "bin")
        os.makedirs(bindir)
        for name, body in FAKES.items():
            path = os.path.join(bindir, name)
            with open(path, "w") as f:
                f.write("#!/bin/sh\n" + body)
            os.chmod(path, 0o755)
        self.log = os.path.join(t, "block-ukrt.log")
        self.env = {"PATH": bindir + os.pathsep + os.environ["PATH"], "STORE": self.store,
                    "BLOCK_UKRT_LOG": self.log,
                    # What libxl puts in the environment (libxl_linux.c).
                    "script": "/etc/xen/scripts/block-ukrt", "XENBUS_TYPE": "vbd",
                    "XENBUS_PATH": BACKEND, "XENBUS_BASE_PATH": "backend"}

    def tearDown(self):
        self.tmp.cleanup()

    def key(self, name, value=None):
        path = os.path.join(self.store, BACKEND, name)
        if value is not None:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(value)
            return value
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return f.read()

    def run_script(self, *args):
        return subprocess.run(["sh", SCRIPT, *args], env=self.env, capture_output=True, text=True)

    def test_add_hands_blkback_the_devices_numbers(self):
        # /dev/null is a character device, not a block device: find a real
        # block device on the host if there is one, else skip.
        dev = next((f"/dev/{d}" for d in sorted(os.listdir("/dev"))
                    if d.startswith(("vd", "sd", "loop", "nvme")) and
                    os.path.exists(f"/dev/{d}") and
                    __import__("stat").S_ISBLK(os.stat(f"/dev/{d}").st_mode)), None)
        if dev is None:
            self.skipTest("no block device on this host")
        self.key("params", dev)
        self.key("mode", "w")
        p = self.run_script("add")
        self.assertEqual(p.returncode, 0, p.stderr)
        st = os.stat(dev)
        self.assertEqual(self.key("physical-device"), "%x:%x" % (os.major(st.st_rdev),
                                                                 os.minor(st.st_rdev)))
        self.assertEqual(self.key("physical-device-path"), dev)
        self.assertEqual(self.key("hotplug-status"), "connected")
        with open(self.log) as f:
            self.assertIn(f"add: {dev} (", f.read())

    def test_a_target_that_is_no_block_device_fails_with_its_reason(self):
        self.key("params", "/dev/null")
        p = self.run_script("add")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(self.key("hotplug-status"), "error")
        self.assertEqual(self.key("hotplug-error"), "block-ukrt: /dev/null is not a block device in dom0")
        self.assertIsNone(self.key("physical-device"))
        p = self.run_script("add")
        self.key("params", "")
        os.remove(os.path.join(self.store, BACKEND, "params"))
        p = self.run_script("add")
        self.assertIn(f"no params in {BACKEND}", p.stderr)

    def test_remove_and_unknown_actions(self):
        self.assertEqual(self.run_script("remove").returncode, 0)
        p = self.run_script("frobnicate")
        self.assertEqual(p.returncode, 1)
        self.assertIn("unknown action 'frobnicate'", p.stderr)
        env = dict(self.env)
        del env["XENBUS_PATH"]
        p = subprocess.run(["sh", SCRIPT, "add"], env=env, capture_output=True, text=True)
        self.assertIn("no XENBUS_PATH", p.stderr)


if __name__ == "__main__":
    unittest.main()
