//! Helpers the loader's integration tests share: building shared objects
//! with gcc the way apps are built, in a folder of the calling test's own.
#![allow(dead_code)] // each test file uses a different part
use std::path::{Path, PathBuf};
use std::process::Command;
use ukrt_loader::elf::SharedObject;

/// A build folder of the calling test's own (tests run in parallel).
pub fn out_dir() -> PathBuf {
    let test = std::thread::current()
        .name()
        .unwrap_or("main")
        .replace("::", "-");
    let d = std::env::temp_dir().join(format!("ukrt-loader-tests-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Builds a shared object with the flags apps use (docs/writing-apps.md).
pub fn gcc(out: &str, src: &str, extra: &[&str]) -> PathBuf {
    let dir = out_dir();
    let path = dir.join(out);
    let mut cmd = Command::new("gcc");
    cmd.args(["-O2", "-shared", "-nostdlib", "-fno-stack-protector"])
        .args([
            "-Wl,-z,max-page-size=0x200000",
            "-Wl,-z,noseparate-code",
            "-Wl,-z,norelro",
        ])
        .arg("-o")
        .arg(&path)
        .arg(fixture(src))
        .arg(format!("-L{}", dir.display()))
        .args(extra); // after the source, or --as-needed drops -l libraries
    let st = cmd.status().expect("gcc runs");
    assert!(st.success(), "gcc failed for {src}");
    path
}

pub fn pic(out: &str, src: &str, extra: &[&str]) -> PathBuf {
    let mut flags = vec!["-fPIC", "-mno-red-zone"];
    flags.extend_from_slice(extra);
    gcc(out, src, &flags)
}

pub fn load(path: &Path) -> SharedObject {
    let data = std::fs::read(path).unwrap();
    SharedObject::parse(path.file_name().unwrap().to_str().unwrap(), &data).unwrap()
}
