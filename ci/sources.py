#!/usr/bin/env python3
"""Sources of the real programs the acceptance tests build (Lua, SQLite,
zlib), from their crates.io source crates, fetched with cargo into its
registry (nothing of theirs is kept in this repository).

    python3 ci/sources.py lua|sqlite|zlib    prints the folder of the C sources

The crate versions are pinned here; cargo downloads each once."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "build", "sources")
CRATES = {
    # name: (crate, version, features, folder of the C sources in the crate)
    "lua": ("lua-src", "547.1.0", [], "lua-5.4.7"),
    "sqlite": ("libsqlite3-sys", "0.30.1", ["bundled"], "sqlite3"),
    "zlib": ("libz-sys", "1.1.33", ["static"], "src/zlib"),
}


def manifest():
    deps = "".join(f'{crate} = {{ version = "={version}", default-features = false'
                   f'{", features = " + json.dumps(feats) if feats else ""} }}\n'
                   for crate, version, feats, _ in CRATES.values())
    return ('[package]\nname = "ukrt-sources"\nversion = "0.0.0"\nedition = "2021"\n'
            "publish = false\n\n[dependencies]\n" + deps + "\n[workspace]\n")


def source_dir(name):
    crate, version, _, sub = CRATES[name]
    os.makedirs(os.path.join(WORK, "src"), exist_ok=True)
    text = manifest()
    path = os.path.join(WORK, "Cargo.toml")
    if not os.path.exists(path) or open(path).read() != text:
        with open(path, "w") as f:
            f.write(text)
        with open(os.path.join(WORK, "src", "lib.rs"), "w"):
            pass
    fetch = subprocess.run(["cargo", "fetch", "--manifest-path", path], capture_output=True, text=True)
    if fetch.returncode != 0:
        sys.exit(f"ci/sources.py: cargo fetch of {crate} {version} failed:\n{fetch.stderr}")
    meta = subprocess.run(["cargo", "metadata", "--format-version", "1", "--manifest-path", path],
                          capture_output=True, text=True, check=True)
    for p in json.loads(meta.stdout)["packages"]:
        if p["name"] == crate and p["version"] == version:
            d = os.path.join(os.path.dirname(p["manifest_path"]), sub)
            if not os.path.isdir(d):
                sys.exit(f"ci/sources.py: {crate} {version} has no {sub}/ folder")
            return d
    sys.exit(f"ci/sources.py: cargo metadata does not list {crate} {version}")


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CRATES:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(CRATES)}")
    print(source_dir(sys.argv[1]))
