#!/usr/bin/env python3
"""Builds a ukrt Rust app (a no_std cdylib) and copies its library to
OUT/NAME.so: what `make image APP=dir` runs for a folder with a Cargo.toml.

  rust-app.py APP_DIR OUT NAME TARGET_JSON TARGET_DIR [cargo flags...]

Every Rust app builds into one target folder per toolchain (TARGET_DIR,
build/rust/<toolchain>), so core, alloc and compiler_builtins, which
-Z build-std compiles from source, are built once and shared: a second app
builds in seconds. Only the library this app's package produced is copied
(cargo says which), never another app's from the shared folder."""
import json
import os
import shutil
import subprocess
import sys


def main(argv):
    app, out, name, target, target_dir, *flags = argv
    cmd = ["cargo", "build", "--release", "--target", target, "--target-dir", target_dir,
           "--message-format=json-render-diagnostics", *flags]
    manifest = os.path.realpath(os.path.join(app, "Cargo.toml"))
    p = subprocess.Popen(cmd, cwd=app, stdout=subprocess.PIPE, text=True)
    libs = []
    for line in p.stdout:
        msg = json.loads(line)
        if (msg.get("reason") == "compiler-artifact"
                and os.path.realpath(msg.get("manifest_path", "")) == manifest
                and "cdylib" in msg["target"]["crate_types"]):
            libs += [f for f in msg["filenames"] if f.endswith(".so")]
    if p.wait() != 0:
        return p.returncode
    if len(libs) != 1:
        print(f"rust-app: {app}: expected one cdylib from its package, cargo built {libs or 'none'} "
              "(its Cargo.toml needs [lib] crate-type = [\"cdylib\"])", file=sys.stderr)
        return 1
    shutil.copyfile(libs[0], os.path.join(out, name + ".so"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
