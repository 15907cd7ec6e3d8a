//! ci/apps/files-check built natively and run on the host, in a fresh
//! directory under the temp dir: its transcript must be
//! ci/apps/files-check/expected.txt, the transcript the ukrt build must
//! give too (one line per check, all "ok"). It is built twice, as the
//! network examples are (tests/examples_native.rs): against glibc's
//! headers, and against libukc's headers (-ffreestanding -nostdinc)
//! linked with glibc, which checks that our headers' layouts and numbers
//! (struct stat, struct dirent, O_*, S_*, SEEK_*, _IO*BF) work with a real
//! kernel and C library. The file it leaves open must be flushed at exit.
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn build(dir: &Path, tag: &str, flags: &[String]) -> PathBuf {
    let exe = dir.join(format!("files-check-{tag}"));
    let out = Command::new("gcc")
        .args(["-O2", "-g", "-Wall", "-Wextra", "-Werror"])
        .args(flags)
        .arg("-o")
        .arg(&exe)
        .arg(root().join("ci/apps/files-check/files_check.c"))
        .output()
        .expect("gcc runs");
    assert!(
        out.status.success(),
        "building files-check ({tag}) failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

#[test]
fn files_check_transcript_matches_both_ways() {
    let dir = std::env::temp_dir().join(format!("ukc-files-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let gcc_inc = String::from_utf8(
        Command::new("gcc")
            .arg("-print-file-name=include")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let shim = dir.join("errno-shim.h");
    std::fs::write(
        &shim,
        "int *__errno_location(void);\n#define errno (*__errno_location())\n",
    )
    .unwrap();
    let ukc_flags: Vec<String> = vec![
        "-ffreestanding".into(),
        "-nostdinc".into(),
        "-isystem".into(),
        gcc_inc.trim().into(),
        "-I".into(),
        root().join("app-template/include").to_str().unwrap().into(),
        "-include".into(),
        shim.to_str().unwrap().into(),
    ];
    let expected =
        std::fs::read_to_string(root().join("ci/apps/files-check/expected.txt")).unwrap();
    assert!(
        expected.lines().count() > 150,
        "the transcript covers the checks"
    );
    for (tag, flags) in [("glibc", vec![]), ("ukc-headers", ukc_flags)] {
        let exe = build(&dir, tag, &flags);
        let work = dir.join(format!("run-{tag}"));
        let out = Command::new(&exe).arg(&work).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let bad: Vec<&str> = text.lines().filter(|l| l.contains("FAIL")).collect();
        assert!(bad.is_empty(), "{tag}: failed checks:\n{}", bad.join("\n"));
        assert!(out.status.success(), "{tag}: exit status {:?}", out.status);
        assert_eq!(
            text, expected,
            "{tag}: the transcript differs from expected.txt"
        );
        assert_eq!(
            std::fs::read_to_string(work.join("left-open.txt")).unwrap(),
            "flushed at exit\n",
            "{tag}: exit flushes open streams"
        );
        // Everything else was cleaned up by the app.
        let left: Vec<_> = std::fs::read_dir(&work)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["left-open.txt"], "{tag}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
