//! Runs the `xen-config` binary: `generate` then `check` on an image built
//! here (the loader's kernel-like test executable with a bundle embedded).
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh folder for one test (tests run in parallel).
fn temp_dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("xen-config-cli-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A ukrt image: the loader's kernel fixture with a one-app bundle.
fn image(dir: &Path) -> PathBuf {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../loader/tests/fixtures");
    let kernel = dir.join("kernel.elf");
    let st = Command::new("gcc")
        .args(["-O2", "-static", "-nostdlib", "-no-pie", "-fno-pic"])
        .args(["-mcmodel=kernel", "-Wl,--build-id=none", "-Wl,-T"])
        .arg(fixtures.join("kernel.ld"))
        .arg("-o")
        .arg(&kernel)
        .arg(fixtures.join("kernel.c"))
        .status()
        .expect("gcc runs");
    assert!(st.success());
    let mut b = ukrt_loader::bundle::BundleBuilder::new();
    b.add_file("a.so", vec![1; 100]).unwrap();
    b.set_manifest("app a a.so\n");
    let img = ukrt_loader::image::embed(&std::fs::read(&kernel).unwrap(), &b.build()).unwrap();
    let path = dir.join("img.xen");
    std::fs::write(&path, img).unwrap();
    path
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xen-config"))
        .args(args)
        .output()
        .expect("xen-config runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn generated_configs_pass_check_and_keep_their_strings() {
    let dir = temp_dir("round-trip");
    let img = image(&dir);
    let nasty = [
        "a#b",
        "x=\"y\"",
        "back\\slash",
        "trailing\\",
        "it's",
        "# \" ' \\ #",
        "ünïcödé → ✓",
        "",
    ];
    for (i, extra) in nasty.iter().enumerate() {
        let name = format!("n{i}#{extra}");
        let o = run(&[
            "generate".as_ref(),
            "--image".as_ref(),
            img.as_os_str(),
            "--name".as_ref(),
            name.as_ref(),
            "--extra".as_ref(),
            extra.as_ref(),
        ]);
        assert!(o.status.success(), "{extra:?}: {}", text(&o.stderr));
        let cfg = dir.join(format!("{i}.cfg"));
        std::fs::write(&cfg, &o.stdout).unwrap();
        let c = run(&["check".as_ref(), cfg.as_os_str()]);
        assert_eq!(
            (c.status.code(), text(&c.stdout), text(&c.stderr)),
            (Some(0), format!("{}: ok\n", cfg.display()), String::new()),
            "{extra:?}:\n{}",
            text(&o.stdout)
        );
        let parsed = xen_config::parse(&text(&o.stdout)).unwrap();
        let get = |k: &str| {
            parsed
                .iter()
                .find(|(_, key, _)| key == k)
                .unwrap()
                .2
                .clone()
        };
        assert_eq!(get("extra"), xen_config::Value::Str(extra.to_string()));
        assert_eq!(get("name"), xen_config::Value::Str(name));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn control_characters_in_options_are_refused_by_name() {
    let dir = temp_dir("control");
    let img = image(&dir);
    let cases = [
        ("--extra", "a\nkernel = \"/tmp/evil\"", "'\\n' (U+000A)"),
        ("--extra", "a\rb", "'\\r' (U+000D)"),
        ("--name", "x\ty", "'\\t' (U+0009)"),
        ("--name", "x\u{1b}[2J", "'\\u{1b}' (U+001B)"),
    ];
    for (option, value, shown) in cases {
        // With a real image and with a missing one: the option is refused
        // first, and nothing is written to stdout.
        for image in [img.as_path(), &dir.join("missing.xen")] {
            let o = run(&[
                "generate".as_ref(),
                "--image".as_ref(),
                image.as_os_str(),
                option.as_ref(),
                value.as_ref(),
            ]);
            assert_eq!(o.status.code(), Some(1), "{option} {value:?}");
            assert_eq!(
                text(&o.stderr),
                format!(
                    "xen-config: {option}: the control character {shown} cannot go into an xl config string\n"
                )
            );
            assert!(o.stdout.is_empty());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn memory_and_vcpus_options_reach_the_config_and_get_reads_it_back() {
    let dir = temp_dir("memory");
    let img = image(&dir);
    let gen = |extra: &[&str]| {
        let mut args: Vec<&std::ffi::OsStr> = vec!["generate".as_ref(), "--image".as_ref()];
        args.push(img.as_os_str());
        args.extend(extra.iter().map(std::ffi::OsStr::new));
        run(&args)
    };
    let o = gen(&["--memory", "256", "--vcpus", "1", "--name", "web"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let cfg = dir.join("web.cfg");
    std::fs::write(&cfg, &o.stdout).unwrap();
    for (key, want) in [("memory", "256\n"), ("vcpus", "1\n"), ("name", "web\n")] {
        let g = run(&["get".as_ref(), cfg.as_os_str(), key.as_ref()]);
        assert_eq!(
            (g.status.code(), text(&g.stdout)),
            (Some(0), want.to_string())
        );
    }
    let g = run(&["get".as_ref(), cfg.as_os_str(), "ramdisk".as_ref()]);
    assert_eq!(g.status.code(), Some(1));
    assert_eq!(
        text(&g.stderr),
        format!("xen-config: {}: no ramdisk setting\n", cfg.display())
    );
    let o = gen(&["--vcpus", "2"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stderr),
        "xen-config: --vcpus 2: the runtime uses one vCPU (give 1)\n"
    );
    let o = gen(&["--memory", "1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("--memory 1 is below the"));
    let _ = std::fs::remove_dir_all(&dir);
}
