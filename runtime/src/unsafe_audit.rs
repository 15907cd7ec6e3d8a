//! Host test: where `unsafe` is, and what docs/architecture.md says.
//!
//! Every source file of the workspace's crates that uses `unsafe` must be in
//! the document's unsafe table, and every file in the table must use it, so
//! the table stays true. A `// SAFETY:` comment must say why its block
//! holds: pointing at another comment ("as above") is refused (clippy's
//! `undocumented_unsafe_blocks` checks that each block has one).
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const CRATES: &[&str] = &[
    "runtime/src",
    "loader/src",
    "xen-config/src",
    "app-template/libukc/src",
    "app-template/ukrt-app/src",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .into()
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.ends_with("unsafe_audit.rs") {
            continue; // this file names the keywords it looks for
        }
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code part of a line (before a `//` comment).
fn code(line: &str) -> &str {
    line.split("//").next().unwrap_or("")
}

fn uses_unsafe(text: &str) -> bool {
    text.lines().any(|l| {
        let c = code(l);
        [
            "unsafe {",
            "unsafe fn",
            "unsafe impl",
            "unsafe trait",
            "unsafe extern",
            "global_asm!",
        ]
        .iter()
        .any(|k| c.contains(k))
    })
}

/// The files the document's unsafe table lists.
fn documented() -> BTreeSet<String> {
    let doc = std::fs::read_to_string(root().join("docs/architecture.md")).unwrap();
    let section = doc
        .split("## Where `unsafe` lives")
        .nth(1)
        .expect("docs/architecture.md has a section on unsafe");
    let section = section.split("\n## ").next().unwrap();
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(String::from)
        .collect()
}

#[test]
fn the_unsafe_table_lists_exactly_the_files_that_use_unsafe() {
    let mut files = Vec::new();
    for c in CRATES {
        sources(&root().join(c), &mut files);
    }
    let using: BTreeSet<String> = files
        .iter()
        .filter(|f| uses_unsafe(&std::fs::read_to_string(f).unwrap()))
        .map(|f| f.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    let listed = documented();
    let missing: Vec<_> = using.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&using).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "docs/architecture.md's unsafe table is out of date:\n  use unsafe but are not \
         listed: {missing:?}\n  listed but use none: {stale:?}"
    );
    assert!(using.len() > 10, "the audit found the sources");
}

#[test]
fn safety_comments_say_why_rather_than_point_elsewhere() {
    let mut files = Vec::new();
    for c in CRATES {
        sources(&root().join(c), &mut files);
    }
    let mut vague = Vec::new();
    for f in &files {
        for (i, line) in std::fs::read_to_string(f).unwrap().lines().enumerate() {
            let Some(reason) = line.split("SAFETY").nth(1) else {
                continue;
            };
            let reason = reason.trim_start_matches([':', ' ', '(']).to_lowercase();
            if ["as above", "as for ", "see above", "same as", "as in "]
                .iter()
                .any(|p| reason.starts_with(p))
            {
                vague.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        vague.is_empty(),
        "SAFETY comments that do not say why:\n{}",
        vague.join("\n")
    );
}
