"""ci/xl/xlrun.py's options and the job it packs for dom0 (read back from
the archive it appends to dom0's initrd)."""
import contextlib
import io
import os
import sys
import tempfile
import unittest

XL_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                      "xl")
sys.path.insert(0, XL_DIR)

import cpio  # noqa: E402  (ci/xl/cpio.py)
import xlrun  # noqa: E402

from ukharness import xl  # noqa: E402

BASE_INITRD = b"\x1f\x8b not really gzip"


def read_cpio(data):
    """{name: bytes} of every newc archive in data, one after the other
    (zero padding between them skipped); later names win."""
    files, at = {}, 0
    while True:
        at = data.find(b"070701", at)
        if at < 0:
            return files
        fields = [int(data[at + 6 + 8 * i:at + 14 + 8 * i], 16) for i in range(13)]
        size, namesize = fields[6], fields[11]
        name_at = at + 110
        name = data[name_at:name_at + namesize - 1].decode()
        data_at = name_at + namesize + (-(110 + namesize) % 4)
        if name != "TRAILER!!!":
            files[name] = data[data_at:data_at + size]
        at = data_at + size + (-size % 4)


def archive(files):
    out = io.BytesIO()
    w = cpio.Writer(out)
    for name, data in files.items():
        w.file(name, data)
    w.close()
    return out.getvalue()


class Options(unittest.TestCase):
    def parse(self, *argv):
        return xlrun.parse_args(list(argv))

    def refused(self, *argv):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), self.assertRaises(SystemExit):
            self.parse(*argv)
        return err.getvalue()

    def test_an_image_needs_its_config_and_not_a_linux_guest_too(self):
        self.assertIn("give an image and its --cfg", self.refused("a.xen"))
        self.assertIn("not both", self.refused("a.xen", "--cfg", "a.cfg", "--linux-guest", "true"))
        o = self.parse("--linux-guest", "echo hi")
        self.assertEqual((o.linux_guest, o.image, o.scenario, o.net), ("echo hi", None, "run", False))

    def test_a_client_needs_a_line_to_wait_for_and_defaults_to_shutdown(self):
        self.assertIn("--client needs --wait-for", self.refused("a.xen", "--cfg", "c", "--client", "x"))
        self.assertIn("does not go with --scenario crash",
                      self.refused("a.xen", "--cfg", "c", "--client", "x", "--wait-for", "w",
                                   "--scenario", "crash"))
        o = self.parse("a.xen", "--cfg", "c", "--client", "ping $GUEST_IP", "--wait-for", "up")
        self.assertEqual((o.scenario, o.client, o.wait_for), ("shutdown", "ping $GUEST_IP", "up"))
        self.assertEqual(o.client_timeout, o.guest_timeout)
        o = self.parse("a.xen", "--cfg", "c", "--client", "x", "--wait-for", "w", "--scenario", "run",
                       "--client-timeout", "7")
        self.assertEqual((o.scenario, o.client_timeout), ("run", 7))

    def test_ip_implies_net_and_stays_in_the_harness_network(self):
        o = self.parse("--linux-guest", "true", "--ip", "198.18.0.9")
        self.assertEqual((o.net, o.ip), (True, "198.18.0.9"))
        self.assertEqual(self.parse("--linux-guest", "true", "--net").ip, "198.18.0.2")
        self.assertIn("not a host address in 198.18.0.0/24",
                      self.refused("--linux-guest", "true", "--ip", "198.18.1.9"))
        self.assertIn("dom0's own address", self.refused("--linux-guest", "true", "--ip", "198.18.0.1"))

    def test_scenario_script_is_a_client_without_an_image(self):
        self.assertIn("needs --client", self.refused("--scenario", "script"))
        self.assertIn("runs no image", self.refused("a.xen", "--cfg", "c", "--scenario", "script",
                                                    "--client", "x"))
        self.assertIn("no --set or --wait-for",
                      self.refused("--scenario", "script", "--client", "x", "--wait-for", "w"))
        self.assertIn("NAME a plain file name",
                      self.refused("--scenario", "script", "--client", "x", "--file", "a/b=c"))
        o = self.parse("--scenario", "script", "--client", "sh /job/files/s", "--file", "s=x.sh")
        self.assertEqual((o.scenario, o.image, o.files), ("script", None, [("s", "x.sh")]))


class Job(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="test-xlrun-")
        t = self.tmp.name
        self.dom0 = os.path.join(t, "dom0")
        os.makedirs(os.path.join(self.dom0, "guest"))
        self.guest_base = archive({"init": b"#!/bin/sh\n"})
        for name, data in (("initrd.gz", BASE_INITRD), ("guest/vmlinuz", b"KERNEL"),
                           ("guest/initrd.cpio", self.guest_base)):
            with open(os.path.join(self.dom0, name), "wb") as f:
                f.write(data)
        self.image = os.path.join(t, "app.xen")
        self.cfg = os.path.join(t, "app.cfg")
        with open(self.image, "wb") as f:
            f.write(b"UKRT IMAGE")
        with open(self.cfg, "w") as f:
            f.write('name = "app"\nkernel = "/somewhere/app.xen"\nmemory = 32\n')

    def tearDown(self):
        self.tmp.cleanup()

    def job(self, *argv):
        o = xlrun.parse_args(list(argv) + ["--dom0", self.dom0])
        with open(xlrun.build_initrd(o, self.tmp.name), "rb") as f:
            data = f.read()
        self.assertTrue(data.startswith(BASE_INITRD))
        self.assertEqual(data.index(b"070701"), 512, "the job archive starts at a block")
        return read_cpio(data)

    def test_a_linux_guest_with_a_network_and_a_client(self):
        job = self.job("--linux-guest", "nc -ll -p 7 -e cat & listening 7", "--net",
                       "--client", "echo hi | nc $GUEST_IP 7", "--wait-for", "listening on tcp port 7")
        self.assertEqual(job["job/image.xen"], b"KERNEL")
        initrd = job["job/image.initrd"]
        self.assertTrue(initrd.startswith(self.guest_base), "the guest kit's archive comes first")
        guest = read_cpio(initrd)
        self.assertEqual(guest["init"], b"#!/bin/sh\n")
        self.assertEqual(guest["etc/guest.env"], b"IP=198.18.0.2\nPREFIX=24\n")
        self.assertEqual(guest["guest.sh"], b"nc -ll -p 7 -e cat & listening 7\n")
        cfg = job["job/image.cfg"].decode()
        self.assertIn('ramdisk = "/job/image.initrd"\n', cfg)
        self.assertIn("vif = ['ip=198.18.0.2,mac=00:16:3e:c6:12:02,script=/etc/xen/scripts/vif-ukrt']\n",
                      cfg)
        self.assertEqual(job["job/net"], b"")
        self.assertEqual(job["job/guest-ip"], b"198.18.0.2\n")
        self.assertEqual(job["job/client"], b"echo hi | nc $GUEST_IP 7\n")
        self.assertEqual(job["job/scenario"], b"shutdown\n")
        self.assertEqual(job["job/wait-for"], b"listening on tcp port 7\n")
        self.assertEqual(job["job/client-timeout"], job["job/timeout"])

    def test_a_linux_guest_without_a_network(self):
        job = self.job("--linux-guest", "exit 3", "--set", "memory=256")
        self.assertEqual(read_cpio(job["job/image.initrd"])["etc/guest.env"], b"IP=\nPREFIX=24\n")
        self.assertNotIn("job/net", job)
        self.assertNotIn("job/client", job)
        cfg = job["job/image.cfg"].decode()
        self.assertNotIn("vif", cfg)
        self.assertIn("memory = 256\n", cfg)

    def test_an_image_with_a_network_at_another_address(self):
        job = self.job(self.image, "--cfg", self.cfg, "--ip", "198.18.0.40",
                       "--set", "vif=['ip=198.18.0.41']")
        self.assertEqual(job["job/image.xen"], b"UKRT IMAGE")
        self.assertNotIn("job/image.initrd", job)
        self.assertEqual(job["job/guest-ip"], b"198.18.0.40\n")
        # --set comes after --net's line, so it wins.
        self.assertEqual(job["job/image.cfg"].decode(),
                         'name = "app"\nkernel = "/somewhere/app.xen"\nmemory = 32\n'
                         "vif = ['ip=198.18.0.41']\n")

    def test_a_script_job_carries_its_files_and_no_image(self):
        script = os.path.join(self.tmp.name, "bench.sh")
        with open(script, "w") as f:
            f.write("echo measuring\n")
        job = self.job("--scenario", "script", "--client", "sh /job/files/bench.sh",
                       "--file", f"bench.sh={script}", "--net")
        self.assertNotIn("job/image.xen", job)
        self.assertNotIn("job/image.cfg", job)
        self.assertEqual(job["job/files/bench.sh"], b"echo measuring\n")
        self.assertEqual(job["job/scenario"], b"script\n")
        self.assertEqual(job["job/client"], b"sh /job/files/bench.sh\n")

    def test_a_linux_guest_initrd_with_programs(self):
        initrd = xlrun.linux_guest_initrd(self.dom0, "srv & listening 80; wait", "198.18.0.3",
                                          [("srv", b"\x7fELF")])
        self.assertTrue(initrd.startswith(self.guest_base))
        guest = read_cpio(initrd)
        self.assertEqual(guest["bin/srv"], b"\x7fELF")
        self.assertEqual(guest["etc/guest.env"], b"IP=198.18.0.3\nPREFIX=24\n")
        self.assertEqual(guest["guest.sh"], b"srv & listening 80; wait\n")
    def test_disks_become_qemu_drives_and_the_configs_disk_line(self):
        a, b = os.path.join(self.tmp.name, "a,1.img"), os.path.join(self.tmp.name, "b.img")
        for path in (a, b):
            with open(path, "wb") as f:
                f.write(b"\0" * 4096)
        o = xlrun.parse_args([self.image, "--cfg", self.cfg, "--disk", a, "--disk", b,
                              "--dom0", self.dom0])
        self.assertEqual(o.disks, [a, b])
        job = self.job(self.image, "--cfg", self.cfg, "--disk", a, "--disk", b)
        self.assertEqual(job["job/disks"], b"vda\nvdb\n")
        self.assertIn("disk = ['format=raw, vdev=xvda, access=rw, script=/etc/xen/scripts/block-ukrt, "
                      "target=/dev/vda', 'format=raw, vdev=xvdb, access=rw, "
                      "script=/etc/xen/scripts/block-ukrt, target=/dev/vdb']\n",
                      job["job/image.cfg"].decode())
        cmd = xl.qemu_command(o, "/tmp/initrd")
        drives = [cmd[i + 1] for i, x in enumerate(cmd) if x == "-drive"]
        self.assertEqual(drives, [f"file={a.replace(',', ',,')},format=raw,if=virtio,cache=writeback",
                                  f"file={b},format=raw,if=virtio,cache=writeback"])
        c = os.path.join(self.tmp.name, "c.img")
        with open(c, "wb") as f:
            f.write(b"\0" * 4096)
        o = xlrun.parse_args([self.image, "--cfg", self.cfg, "--disk", f"{b},{c}", "--disk-ro"])
        self.assertEqual(o.disks, [b, c], "a comma list, as make's DISK=b,c")
        self.assertTrue(all(d.endswith(",readonly=on") for d in
                            [x for x in xl.qemu_command(o, "i") if x.startswith("file=")]))
        self.assertIn("access=ro", xlrun.config(o))

    def test_disk_options_are_checked(self):
        err = io.StringIO()
        for argv, says in (([self.image, "--cfg", self.cfg, "--disk", "/nonexistent.img"],
                            "--disk /nonexistent.img: no such file"),
                           ([self.image, "--cfg", self.cfg, "--disk-ro"], "--disk-ro needs --disk")):
            with contextlib.redirect_stderr(err), self.assertRaises(SystemExit):
                xlrun.parse_args(argv)
            self.assertIn(says, err.getvalue())
        self.assertNotIn("job/disks", self.job(self.image, "--cfg", self.cfg))


if __name__ == "__main__":
    unittest.main()
