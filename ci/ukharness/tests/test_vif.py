"""dom0's vif script (ci/xl/vif-ukrt) as libxl calls it, on the host, with
stand-ins for ip and xenstore-read/-write first on the PATH: what it does
to the interface, and how it reports success and failure to libxl (the
backend's hotplug-status and hotplug-error, its exit status)."""
import os
import subprocess
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                      "xl", "vif-ukrt")
BACKEND = "backend/vif/3/0"

# The stand-ins: xenstore keys are files under $STORE; ip logs its arguments
# and exits with $IP_STATUS.
FAKES = {
    "xenstore-read": 'cat "$STORE/$1" 2>/dev/null || { echo "xenstore-read: $1: no key" >&2; exit 1; }\n',
    "xenstore-write": 'mkdir -p "$(dirname "$STORE/$1")" && printf %s "$2" >"$STORE/$1"\n',
    "ip": 'echo "$*" >>"$IPLOG"; exit "${IP_STATUS:-0}"\n',
}


def text(path):
    with open(path) as f:
        return f.read()


class VifScript(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="test-vif-")
        t = self.tmp.name
        self.store = os.path.join(t, "store")
        bindir = os.path.join(t, "bin")
        os.makedirs(bindir)
        for name, body in FAKES.items():
            path = os.path.join(bindir, name)
            with open(path, "w") as f:
                f.write("#!/bin/sh\n" + body)
            os.chmod(path, 0o755)
        self.iplog = os.path.join(t, "ip.log")
        self.log = os.path.join(t, "vif-ukrt.log")
        self.env = {"PATH": bindir + os.pathsep + os.environ["PATH"], "STORE": self.store,
                    "IPLOG": self.iplog, "VIF_UKRT_LOG": self.log,
                    # What libxl puts in the environment (libxl_linux.c).
                    "script": "/etc/xen/scripts/vif-ukrt", "XENBUS_TYPE": "vif",
                    "XENBUS_PATH": BACKEND, "XENBUS_BASE_PATH": "backend", "netdev": "",
                    "vif": "vif3.0"}

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

    def call(self, action, **env):
        p = subprocess.run(["sh", SCRIPT, action, "type_if=vif"], env={**self.env, **env},
                           capture_output=True, text=True, timeout=10)
        ip = text(self.iplog).splitlines() if os.path.exists(self.iplog) else []
        return p, ip

    def test_online_routes_the_guest_and_reports_connected(self):
        self.key("ip", "198.18.0.2")
        p, ip = self.call("online")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(ip, ["link set dev vif3.0 up",
                              "addr add 198.18.0.1/32 peer 198.18.0.2/32 dev vif3.0"])
        self.assertEqual(self.key("hotplug-status"), "connected")
        self.assertIsNone(self.key("hotplug-error"))
        self.assertEqual(text(self.log),
                         "vif-ukrt: vif3.0 online: 198.18.0.1 peer 198.18.0.2, up\n")

    def failed(self, reason, **env):
        p, ip = self.call("online", **env)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(self.key("hotplug-status"), "error")
        self.assertEqual(self.key("hotplug-error"), "vif-ukrt: " + reason)
        self.assertIn(reason, p.stderr)
        self.assertIn("error: " + reason, text(self.log))
        return ip

    def test_an_address_outside_the_harness_network_is_refused(self):
        # Only a string in the stand-in store: it never reaches an interface.
        self.key("ip", "198.18.1.2")
        ip = self.failed("ip=198.18.1.2 is not in 198.18.0.0/24, the harness's network")
        self.assertEqual(ip, [], "the interface is left alone")

    def test_dom0s_own_address_is_refused(self):
        self.key("ip", "198.18.0.1")
        self.failed("ip=198.18.0.1 is dom0's own address")

    def test_a_vif_without_ip_is_refused(self):
        self.failed("no ip in backend/vif/3/0 (give the vif ip=198.18.0.N)")

    def test_a_failing_ip_command_is_reported(self):
        self.key("ip", "198.18.0.2")
        self.failed("ip link set vif3.0 up failed", IP_STATUS="2")

    def test_offline_takes_the_link_down_and_reports_nothing(self):
        p, ip = self.call("offline", IP_STATUS="1")   # the interface may be gone: no failure
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(ip, ["link set dev vif3.0 down"])
        self.assertIsNone(self.key("hotplug-status"))

    def test_without_libxls_environment_it_fails(self):
        p, _ = self.call("online", vif="")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no vif in the environment", p.stderr)
        p, _ = self.call("reboot")
        self.assertEqual(p.returncode, 1)
        self.assertIn("unknown action 'reboot'", p.stderr)


if __name__ == "__main__":
    unittest.main()
