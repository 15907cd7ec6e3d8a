//! Builds the loader tests' kernel-like executable (loader/tests/fixtures/
//! kernel.{c,ld}) so the targets have a real ukrt-style kernel to embed
//! bundles into.
use std::path::PathBuf;
use std::process::Command;

fn main() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../loader/tests/fixtures");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("kernel.elf");
    for f in ["kernel.c", "kernel.ld"] {
        println!("cargo:rerun-if-changed={}", fixtures.join(f).display());
    }
    // The flags of loader/tests/image.rs.
    let st = Command::new("gcc")
        .args(["-O2", "-static", "-nostdlib", "-no-pie", "-fno-pic"])
        .args(["-mcmodel=kernel", "-Wl,--build-id=none", "-Wl,-T"])
        .arg(fixtures.join("kernel.ld"))
        .arg("-o")
        .arg(&out)
        .arg(fixtures.join("kernel.c"))
        .status()
        .expect("gcc runs");
    assert!(st.success(), "gcc failed for the kernel fixture");
}
