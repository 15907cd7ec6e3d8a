//! Runs the `ukrt-pack` binary on temporary files.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use ukrt_loader::bundle::Bundle;

/// A fresh, empty folder for one test (tests run in parallel); removed when
/// the test passes, kept for a look when it fails.
struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn temp_dir(test: &str) -> TempDir {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("ukrt-pack-cli-{}-{test}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    TempDir(d)
}

fn pack_cmd(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ukrt-pack"));
    for a in args {
        cmd.arg(a);
    }
    cmd.output().expect("ukrt-pack runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed))
        .collect()
}

#[test]
fn pack_list_check() {
    let d = temp_dir("plc");
    let hello = write(&d, "hello.so", &bytes(5000, 1));
    std::fs::create_dir_all(d.join("lib")).unwrap();
    let libc = write(&d, "lib/libc.so", &bytes(100, 2));
    let manifest = write(
        &d,
        "apps.txt",
        b"# test\napp hello hello.so --greet \"big world\"\napp two libc.so\n",
    );
    let out = d.join("out.ukb");
    let o = pack_cmd(&[
        &"pack",
        &"--no-check",
        &"-o",
        &out,
        &"--manifest",
        &manifest,
        &hello,
        &libc,
    ]);
    assert!(o.status.success(), "pack failed: {}", stderr(&o));
    assert!(
        stdout(&o).contains("2 files, 2 apps, 20480 bytes"),
        "{}",
        stdout(&o)
    );

    let data = std::fs::read(&out).unwrap();
    let b = Bundle::parse(&data).unwrap();
    let files: Vec<_> = b.files().collect();
    assert_eq!(files[0].name, "hello.so");
    assert_eq!(files[0].data, &bytes(5000, 1)[..]);
    assert_eq!(files[1].name, "libc.so"); // stored under its base name
    assert_eq!((files[0].offset, files[1].offset), (0x1000, 0x3000));
    assert!(b.manifest_text().contains("app two libc.so"));

    let o = pack_cmd(&[&"list", &out]);
    assert!(o.status.success(), "list failed: {}", stderr(&o));
    let text = stdout(&o);
    for want in [
        "format version 1",
        "total size: 20480 bytes (5 pages)",
        &format!("checksum:   {:#010x}", b.checksum()),
        "0x1000           5000  hello.so",
        "0x3000            100  libc.so",
        "hello  hello.so  \"--greet\" \"big world\"",
        "two    libc.so\n",
    ] {
        assert!(text.contains(want), "list output lacks {want:?}:\n{text}");
    }

    // The container is sound, but these files are no shared objects.
    let o = pack_cmd(&[&"check", &out]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("hello.so: malformed ELF: no ELF magic"),
        "{}",
        stderr(&o)
    );
}

/// A real shared object, built by gcc like an app's library.
fn gcc_so(dir: &Path, name: &str, src: &str, extra: &[&str]) -> PathBuf {
    let c = write(dir, &format!("{name}.c"), src.as_bytes());
    let out = dir.join(name);
    let st = Command::new("gcc")
        .args(["-shared", "-fPIC", "-nostdlib", "-o"])
        .arg(&out)
        .arg(&c)
        .arg(format!("-L{}", dir.display()))
        .args(extra)
        .status()
        .expect("gcc runs");
    assert!(st.success());
    out
}

#[test]
fn check_follows_elf_and_needed_libraries() {
    let d = temp_dir("elf");
    let lib = gcc_so(&d, "libx.so", "int x(void) { return 1; }", &[]);
    let app = gcc_so(
        &d,
        "app.so",
        "int x(void); int main(void) { return x(); }",
        &["-lx"],
    );
    let full = d.join("full.ukb");
    let o = pack_cmd(&[
        &"pack",
        &"-o",
        &full,
        &"--manifest-text",
        &"app a app.so",
        &app,
        &lib,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = pack_cmd(&[&"check", &full]);
    assert_eq!(
        stdout(&o),
        format!("{}: ok (2 files, 1 apps)\n", full.display()),
        "{}",
        stderr(&o)
    );
    let partial = d.join("partial.ukb");
    let args: [&dyn AsRef<std::ffi::OsStr>; 6] = [
        &"pack",
        &"-o",
        &partial,
        &"--manifest-text",
        &"app a app.so",
        &app,
    ];
    // pack refuses a bundle whose app would not load, and writes nothing.
    let o = pack_cmd(&args);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("app \"a\": app.so needs libx.so, which is not in the bundle"),
        "{}",
        stderr(&o)
    );
    assert!(!partial.exists());
    let o = pack_cmd(&[&args[..1], &[&"--no-check"], &args[1..]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let o = pack_cmd(&[&"check", &partial]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("app \"a\": app.so needs libx.so, which is not in the bundle"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn check_plans_each_app_as_the_runtime_would_and_lists_every_missing_symbol() {
    let d = temp_dir("plan");
    let app = gcc_so(
        &d,
        "app.so",
        "int nope1(void); int nope2(void); long ukrt_heap_grow(long);\n\
         int main(void) { return nope1() + nope2() + (int)ukrt_heap_grow(0); }",
        &[],
    );
    let good = gcc_so(&d, "good.so", "int main(void) { return 0; }", &[]);
    let bundle = d.join("b.ukb");
    let args: [&dyn AsRef<std::ffi::OsStr>; 7] = [
        &"pack",
        &"-o",
        &bundle,
        &"--manifest-text",
        &"app bad app.so\napp fine good.so\napp bad2 app.so",
        &app,
        &good,
    ];
    let missing = |sym: &str, app: &str| {
        format!(
            "app \"{app}\": app.so: undefined symbol \"{sym}\" (not in the app, its libraries or the runtime)"
        )
    };
    let lists_every_missing_symbol_once = |err: &str| {
        for (sym, app) in [("nope1", "bad"), ("nope2", "bad"), ("nope1", "bad2")] {
            assert_eq!(err.matches(&missing(sym, app)).count(), 1, "{err}");
        }
        assert!(
            !err.contains("ukrt_heap_grow"),
            "a runtime export resolves: {err}"
        );
        assert!(!err.contains("\"fine\""), "{err}");
    };
    // pack (as `make image` runs it) fails and names every one.
    let o = pack_cmd(&args);
    assert_eq!(o.status.code(), Some(1));
    lists_every_missing_symbol_once(&stderr(&o));
    assert!(!bundle.exists());
    // check says the same of a bundle packed without the check.
    let o = pack_cmd(&[&args[..1], &[&"--no-check"], &args[1..]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let o = pack_cmd(&[&"check", &bundle]);
    assert_eq!(o.status.code(), Some(1));
    lists_every_missing_symbol_once(&stderr(&o));
}

#[test]
fn manifest_text_option() {
    let d = temp_dir("text");
    let so = write(&d, "hello.so", b"not really an ELF file");
    let out = d.join("t.ukb");
    let o = pack_cmd(&[
        &"pack",
        &"--no-check",
        &"--manifest-text",
        &"app hello hello.so",
        &"-o",
        &out,
        &so,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = pack_cmd(&[&"list", &out]);
    assert!(stdout(&o).contains("hello  hello.so"), "{}", stdout(&o));
}

#[test]
fn corrupt_bundle_fails_check() {
    let d = temp_dir("corrupt");
    let so = write(&d, "hello.so", &bytes(3000, 3));
    let out = d.join("c.ukb");
    let o = pack_cmd(&[
        &"pack",
        &"--no-check",
        &"-o",
        &out,
        &"--manifest-text",
        &"app hello hello.so",
        &so,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut data = std::fs::read(&out).unwrap();
    data[0x1000 + 10] ^= 0x40;
    std::fs::write(&out, &data).unwrap();

    for cmd in ["check", "list"] {
        let o = pack_cmd(&[&cmd, &out]);
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        let err = stderr(&o);
        assert!(
            err.starts_with(&format!("ukrt-pack: {}: checksum mismatch", out.display())),
            "{err}"
        );
        assert!(stdout(&o).is_empty());
    }

    // Truncated in the middle of the data.
    std::fs::write(&out, &data[..5000]).unwrap();
    let o = pack_cmd(&[&"check", &out]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("bundle is truncated: it needs 12288 bytes but only 5000"),
        "{}",
        stderr(&o)
    );

    // Not a bundle at all.
    let o = pack_cmd(&[&"check", &so]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not a ukrt bundle"), "{}", stderr(&o));

    // Missing.
    let o = pack_cmd(&[&"check", &d.join("nope.ukb")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("nope.ukb: cannot read"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn manifest_naming_a_missing_file() {
    let d = temp_dir("missing");
    let so = write(&d, "hello.so", b"x");
    let out = d.join("m.ukb");
    let manifest = write(&d, "apps.txt", b"app hello hello.so\napp web httpd.so\n");
    let o = pack_cmd(&[&"pack", &"-o", &out, &"--manifest", &manifest, &so]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("app \"web\" needs file \"httpd.so\", which is not in the bundle"),
        "{err}"
    );
    assert!(err.contains("apps.txt"), "{err}");
    assert!(!out.exists(), "a failed pack left {}", out.display());
}

#[test]
fn bad_manifest_and_inputs() {
    let d = temp_dir("bad");
    let so = write(&d, "hello.so", b"x");
    let out = d.join("b.ukb");

    let o = pack_cmd(&[
        &"pack",
        &"-o",
        &out,
        &"--manifest-text",
        &"app hello hello.so\nap x y",
        &so,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("--manifest-text: manifest line 2: unknown directive \"ap\""),
        "{}",
        stderr(&o)
    );

    let o = pack_cmd(&[
        &"pack",
        &"-o",
        &out,
        &"--manifest",
        &d.join("none.txt"),
        &so,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("none.txt: cannot read"),
        "{}",
        stderr(&o)
    );

    let o = pack_cmd(&[
        &"pack",
        &"-o",
        &out,
        &"--manifest-text",
        &"app a hello.so",
        &so,
        &d.join("gone.so"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("gone.so: cannot read"),
        "{}",
        stderr(&o)
    );

    std::fs::create_dir_all(d.join("sub")).unwrap();
    let dup = write(&d, "sub/hello.so", b"y");
    let o = pack_cmd(&[
        &"pack",
        &"-o",
        &out,
        &"--manifest-text",
        &"app a hello.so",
        &so,
        &dup,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("has the same base name \"hello.so\""),
        "{}",
        stderr(&o)
    );

    let spaced = write(&d, "a b.so", b"z");
    let o = pack_cmd(&[
        &"pack",
        &"-o",
        &out,
        &"--manifest-text",
        &"app a hello.so",
        &so,
        &spaced,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("a b.so: entry #1 has a bad name \"a b.so\": it contains whitespace"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

#[test]
fn usage_errors_exit_2() {
    let d = temp_dir("usage");
    let so = write(&d, "hello.so", b"x");
    let cases: Vec<Vec<&dyn AsRef<std::ffi::OsStr>>> = vec![
        vec![],
        vec![&"frobnicate"],
        vec![&"pack", &"--manifest-text", &"app a hello.so", &so],
        vec![&"pack", &"-o", &"x.ukb", &so],
        vec![
            &"pack",
            &"-o",
            &"x.ukb",
            &"--manifest-text",
            &"app a hello.so",
        ],
        vec![
            &"pack",
            &"-o",
            &"x.ukb",
            &"--manifest-text",
            &"t",
            &"--manifest",
            &"m",
            &so,
        ],
        vec![&"pack", &"-o"],
        vec![&"pack", &"--bogus"],
        vec![&"list"],
        vec![&"check", &"a", &"b"],
    ];
    for args in cases {
        let o = pack_cmd(&args);
        assert_eq!(o.status.code(), Some(2), "{:?}", stderr(&o));
        assert!(stderr(&o).starts_with("ukrt-pack: "), "{}", stderr(&o));
        assert!(stderr(&o).contains("--help"));
    }
}

#[test]
fn help_and_image() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["pack", "--help"],
        &["check", "--help"],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_ukrt-pack"))
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success());
        assert!(
            stdout(&o).starts_with("usage: ukrt-pack pack"),
            "{}",
            stdout(&o)
        );
    }
    let o = pack_cmd(&[&"image"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("image: needs --kernel KERNEL --bundle BUNDLE.ukb -o IMAGE"));
}

#[test]
fn image_refuses_a_kernel_that_is_not_ukrt() {
    // Boot tests embed bundles in the real kernel; here, any other ELF (this
    // very tool) must be refused by name.
    let dir = std::env::temp_dir().join(format!("ukrt-pack-image-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bundle = dir.join("b.ukb");
    let mut b = ukrt_loader::bundle::BundleBuilder::new();
    b.add_file("a.so", vec![1, 2, 3]).unwrap();
    b.set_manifest("app a a.so\n");
    std::fs::write(&bundle, b.build()).unwrap();
    let tool = env!("CARGO_BIN_EXE_ukrt-pack");
    let out = dir.join("x.xen");
    let o = Command::new(tool)
        .args(["image", "--kernel", tool, "--bundle"])
        .arg(&bundle)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no .bundle section: not a ukrt kernel"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A host folder for a file tree: nested folders, an empty folder, an empty
/// file, a 3-page file and a 255-byte name.
fn make_tree(root: &Path) {
    for d in ["etc", "a/b/c", "empty-dir", "bin"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    write(root, "etc/motd", b"hello from the image\n");
    write(root, "etc/empty", b"");
    write(root, "a/b/c/big.bin", &bytes(3 * 4096, 9));
    write(root, &"n".repeat(255), b"x");
    write(root, ".hidden", b"dot files are packed too");
}

#[test]
fn pack_a_files_tree() {
    let d = temp_dir("tree");
    let app = gcc_so(&d, "app.so", "int main(void) { return 0; }", &[]);
    std::fs::create_dir_all(d.join("m")).unwrap();
    make_tree(&d.join("m/data"));
    // The files line is relative to the manifest's folder, not the cwd.
    let manifest = write(&d, "m/manifest.txt", b"app a app.so\nfiles data\n");
    let out = d.join("t.ukb");
    let o = Command::new(env!("CARGO_BIN_EXE_ukrt-pack"))
        .current_dir("/")
        .args(["pack", "-o"])
        .arg(&out)
        .arg("--manifest")
        .arg(&manifest)
        .arg(&app)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(", tree of ")
            && stdout(&o).contains("(5 files, 6 folders, 12334 bytes)"),
        "{}",
        stdout(&o)
    );
    let data = std::fs::read(&out).unwrap();
    let b = Bundle::parse(&data).unwrap();
    assert_eq!(b.file_count(), 1);
    let t = b.tree().expect("a tree");
    let file = |path: &[&str]| match t.lookup(path) {
        Some(ukrt_loader::tree::Node::File { data, .. }) => data.to_vec(),
        other => panic!("{path:?}: {other:?}"),
    };
    assert_eq!(file(&["etc", "motd"]), b"hello from the image\n");
    assert_eq!(file(&["etc", "empty"]), b"");
    assert_eq!(file(&["a", "b", "c", "big.bin"]), bytes(3 * 4096, 9));
    assert_eq!(file(&[&"n".repeat(255)]), b"x");
    assert_eq!(file(&[".hidden"]), b"dot files are packed too");
    assert!(t.lookup(&["empty-dir"]).unwrap().is_dir());
    assert_eq!(t.children(t.lookup(&["bin"]).unwrap().id()).len(), 0);

    // list shows every path with its size; check accepts it.
    let o = pack_cmd(&[&"list", &out]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for want in [
        "5 files, 6 folders, 12334 bytes of data",
        "-                   -  /a/\n",
        "-                   -  /a/b/c/\n",
        "      12288  /a/b/c/big.bin\n",
        "-                   0  /etc/empty\n",
        "         21  /etc/motd\n",
        "-                   -  /empty-dir/\n",
        &format!("          1  /{}\n", "n".repeat(255)),
    ] {
        assert!(text.contains(want), "list lacks {want:?}:\n{text}");
    }
    // Depth first, by name.
    let order: Vec<&str> = text.lines().filter_map(|l| l.split("  /").nth(1)).collect();
    assert_eq!(
        &order[..6],
        [".hidden", "a/", "a/b/", "a/b/c/", "a/b/c/big.bin", "bin/"]
    );
    let o = pack_cmd(&[&"check", &out]);
    assert_eq!(
        stdout(&o),
        format!(
            "{}: ok (1 files, 1 apps, a file tree of 5 files)\n",
            out.display()
        ),
        "{}",
        stderr(&o)
    );

    // Reproducible: the same tree made in another order packs the same
    // bytes; --files replaces the manifest's line.
    make_tree(&d.join("other"));
    let again = d.join("again.ukb");
    let o = pack_cmd(&[
        &"pack",
        &"-o",
        &again,
        &"--manifest",
        &manifest,
        &"--files",
        &d.join("other"),
        &app,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(&again).unwrap() == data);
    write(&d, "other/etc/motd", b"changed");
    let o = pack_cmd(&[
        &"pack",
        &"-o",
        &again,
        &"--manifest",
        &manifest,
        &"--files",
        &d.join("other"),
        &app,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(&again).unwrap() != data);

    // Without a files line or --files there is no tree, and the bundle is
    // what it was before trees existed.
    let plain = d.join("plain.ukb");
    let o = pack_cmd(&[
        &"pack",
        &"-o",
        &plain,
        &"--manifest-text",
        &"app a app.so",
        &app,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stdout(&o).contains(", tree of"), "{}", stdout(&o));
    assert_eq!(
        Bundle::parse(&std::fs::read(&plain).unwrap())
            .unwrap()
            .tree(),
        None
    );
    let o = pack_cmd(&[&"list", &plain]);
    assert!(!stdout(&o).contains("file tree"), "{}", stdout(&o));
}

#[test]
fn a_files_tree_refuses_what_it_cannot_hold() {
    let d = temp_dir("tree-bad");
    let app = write(&d, "app.so", b"not elf");
    let pack = |dir: &Path| {
        pack_cmd(&[
            &"pack",
            &"--no-check",
            &"-o",
            &d.join("x.ukb"),
            &"--manifest-text",
            &"app a app.so",
            &"--files",
            &dir,
            &app,
        ])
    };
    let fails = |dir: &Path, want: &str| {
        let o = pack(dir);
        assert_eq!(o.status.code(), Some(1), "{dir:?}: {}", stdout(&o));
        assert!(
            stderr(&o).contains(want),
            "{dir:?}: want {want:?}, got {}",
            stderr(&o)
        );
        assert!(!d.join("x.ukb").exists(), "a failed pack leaves nothing");
    };
    // A symbolic link inside the tree, to a file or a folder.
    let t = d.join("link");
    make_tree(&t);
    std::os::unix::fs::symlink("motd", t.join("etc/alias")).unwrap();
    fails(
        &t,
        &format!(
            "{}: is a symbolic link (the tree takes only folders and regular files: copy its \
             target in instead)",
            t.join("etc/alias").display()
        ),
    );
    std::fs::remove_file(t.join("etc/alias")).unwrap();
    std::os::unix::fs::symlink("/etc", t.join("a/sys")).unwrap();
    fails(&t, "a/sys: is a symbolic link");
    std::fs::remove_file(t.join("a/sys")).unwrap();
    // The top folder may itself be a link: it is followed.
    std::os::unix::fs::symlink(&t, d.join("top-link")).unwrap();
    let o = pack(&d.join("top-link"));
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::remove_file(d.join("x.ukb")).unwrap();
    // A FIFO and a socket.
    let st = Command::new("mkfifo").arg(t.join("fifo")).status().unwrap();
    assert!(st.success());
    fails(
        &t,
        &format!(
            "{}: is not a regular file or a folder (a device, FIFO or socket)",
            t.join("fifo").display()
        ),
    );
    std::fs::remove_file(t.join("fifo")).unwrap();
    let sock = std::os::unix::net::UnixListener::bind(t.join("sock")).unwrap();
    fails(&t, "sock: is not a regular file or a folder");
    drop(sock);
    std::fs::remove_file(t.join("sock")).unwrap();
    // A name that is not UTF-8.
    use std::os::unix::ffi::OsStrExt;
    let bad = t.join(std::ffi::OsStr::from_bytes(b"caf\xe9"));
    std::fs::write(&bad, b"").unwrap();
    fails(&t, "the name is not valid UTF-8");
    std::fs::remove_file(&bad).unwrap();
    // (A path longer than the guest's PATH_MAX, 4095 bytes, cannot be made
    // here: the host's own PATH_MAX stops it first. The tree's unit tests
    // check that limit.)
    // An unreadable file (root reads everything, so only as another user).
    let secret = t.join("etc/secret");
    std::fs::write(&secret, b"s").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&secret).is_err() {
        fails(&t, "etc/secret: cannot read: Permission denied");
    }
    std::fs::remove_file(&secret).unwrap();
    // Not a folder, or missing.
    fails(&app, "app.so: is not a folder (files DIR packs a folder)");
    fails(
        &d.join("nope"),
        "nope: cannot read the folder: No such file or directory",
    );
    // What is left packs.
    let o = pack(&t);
    assert!(o.status.success(), "{}", stderr(&o));
    // A bad files line names the manifest line.
    let o = pack_cmd(&[
        &"pack",
        &"--no-check",
        &"-o",
        &d.join("y.ukb"),
        &"--manifest-text",
        &"app a app.so\nfiles a b",
        &app,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o)
            .contains("--manifest-text: manifest line 2: files takes one folder, not 2 words"),
        "{}",
        stderr(&o)
    );
}
