//! ukrt-pack: builds, lists and checks ukrt image bundles (host tool).
//!
//! Exit status: 0 success, 1 bad input (unreadable or invalid files),
//! 2 usage error. Every error names the file it is about.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::{env, fs, io};

use ukrt_loader::bundle::{Bundle, BundleBuilder, BundleError, PAGE};
use ukrt_loader::manifest::{self, AppSpec};

const USAGE: &str = "\
usage: ukrt-pack pack -o OUT.ukb (--manifest MANIFEST.txt | --manifest-text TEXT) FILE.so...
       ukrt-pack list BUNDLE
       ukrt-pack check BUNDLE
       ukrt-pack image --kernel KERNEL --bundle BUNDLE.ukb -o IMAGE
       ukrt-pack --help

  pack    build a bundle of the FILEs (each stored under its base name) and the
          manifest; fails if the manifest names a file that is not given
  list    print a bundle's header, files and apps
  check   validate a bundle and its manifest

Manifest lines: `app NAME FILE [ARGS...]`; `#` starts a comment.

Exit status: 0 ok, 1 bad input, 2 usage error.
";

enum Failure {
    /// Bad command line: exit 2.
    Usage(String),
    /// Bad or unreadable input: exit 1. The message names the file.
    Input(String),
}

type Result<T = ()> = std::result::Result<T, Failure>;

fn usage<T>(msg: impl Into<String>) -> Result<T> {
    Err(Failure::Usage(msg.into()))
}

fn input<T>(file: impl std::fmt::Display, msg: impl std::fmt::Display) -> Result<T> {
    Err(Failure::Input(format!("{file}: {msg}")))
}

fn main() -> ExitCode {
    let args: Vec<OsString> = env::args_os().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("ukrt-pack: {msg}");
            eprintln!("try 'ukrt-pack --help' for usage");
            ExitCode::from(2)
        }
        Err(Failure::Input(msg)) => {
            eprintln!("ukrt-pack: {msg}");
            ExitCode::from(1)
        }
    }
}

fn is_help(arg: &OsStr) -> bool {
    arg == "-h" || arg == "--help"
}

/// Prints to stdout; a closed pipe (`ukrt-pack list x | head`) is not an error.
fn print(text: &str) {
    let _ = io::stdout().lock().write_all(text.as_bytes());
}

fn run(args: &[OsString]) -> Result {
    let Some(cmd) = args.first() else {
        return usage("missing subcommand (pack, list or check)");
    };
    let rest = &args[1..];
    match cmd.to_str() {
        Some("-h" | "--help" | "help") => {
            print(USAGE);
            Ok(())
        }
        Some("pack") => pack(rest),
        Some("list") => list(rest),
        Some("check") => check(rest),
        Some("image") => image(rest),
        _ => usage(format!("unknown subcommand {:?}", cmd.to_string_lossy())),
    }
}

/// The argument after option `opt`.
fn value<'a>(it: &mut impl Iterator<Item = &'a OsString>, opt: &str) -> Result<&'a OsString> {
    match it.next() {
        Some(v) => Ok(v),
        None => usage(format!("option {opt} needs a value")),
    }
}

fn set_once<T>(slot: &mut Option<T>, v: T, opt: &str) -> Result {
    if slot.is_some() {
        return usage(format!("option {opt} given twice"));
    }
    *slot = Some(v);
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).or_else(|e| input(path.display(), format_args!("cannot read: {e}")))
}

fn pack(args: &[OsString]) -> Result {
    let mut out: Option<PathBuf> = None;
    let mut manifest_path: Option<PathBuf> = None;
    let mut manifest_text: Option<String> = None;
    let mut files: Vec<PathBuf> = Vec::new();
    let mut only_files = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if only_files {
            files.push(arg.into());
            continue;
        }
        match arg.to_str() {
            Some("-o" | "--output") => set_once(&mut out, value(&mut it, "-o")?.into(), "-o")?,
            Some("--manifest") => {
                let v = value(&mut it, "--manifest")?;
                set_once(&mut manifest_path, v.into(), "--manifest")?;
            }
            Some("--manifest-text") => {
                let Some(v) = value(&mut it, "--manifest-text")?.to_str() else {
                    return usage("--manifest-text: the text is not valid UTF-8");
                };
                set_once(&mut manifest_text, v.to_owned(), "--manifest-text")?;
            }
            Some("-h" | "--help") => {
                print(USAGE);
                return Ok(());
            }
            Some("--") => only_files = true,
            Some(s) if s.starts_with('-') && s != "-" => {
                return usage(format!("pack: unknown option {s:?}"))
            }
            _ => files.push(arg.into()),
        }
    }
    let Some(out) = out else {
        return usage("pack: missing -o OUT.ukb");
    };
    let (label, text) = match (manifest_path, manifest_text) {
        (Some(_), Some(_)) => return usage("pack: give --manifest or --manifest-text, not both"),
        (None, None) => return usage("pack: missing --manifest MANIFEST.txt (or --manifest-text)"),
        (Some(p), None) => {
            let text = fs::read_to_string(&p)
                .or_else(|e| input(p.display(), format_args!("cannot read: {e}")))?;
            (p.display().to_string(), text)
        }
        (None, Some(t)) => ("--manifest-text".to_owned(), t),
    };
    if files.is_empty() {
        return usage("pack: no input files");
    }

    let apps = manifest::parse(&text).or_else(|e| input(&label, e))?;

    let mut builder = BundleBuilder::new();
    for path in &files {
        let Some(name) = path.file_name().and_then(OsStr::to_str) else {
            return input(path.display(), "has no file name, or it is not valid UTF-8");
        };
        let data = read(path)?;
        match builder.add_file(name, data) {
            Ok(()) => {}
            Err(BundleError::DuplicateName { first, .. }) => {
                return input(
                    path.display(),
                    format_args!(
                        "has the same base name {name:?} as {} (bundle files are stored by base name)",
                        files[first].display()
                    ),
                );
            }
            Err(e) => return input(path.display(), e),
        }
    }
    builder.set_manifest(&text);
    let bytes = builder.build();
    let bundle = Bundle::parse(&bytes).or_else(|e| {
        input(
            out.display(),
            format_args!("internal error: the built bundle is invalid: {e}"),
        )
    })?;
    manifest::check_files(&apps, &bundle).or_else(|e| input(&label, e))?;

    // Write next to the target, then rename, so a failed run leaves no
    // half-written bundle behind.
    let mut tmp = out.clone().into_os_string();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    if let Err(e) = fs::write(&tmp, &bytes).and_then(|()| fs::rename(&tmp, &out)) {
        let _ = fs::remove_file(&tmp);
        return input(out.display(), format_args!("cannot write: {e}"));
    }
    print(&format!(
        "{}: {} files, {} apps, {} bytes\n",
        out.display(),
        bundle.file_count(),
        apps.len(),
        bundle.total_size()
    ));
    Ok(())
}

/// The single BUNDLE argument of `list` and `check`.
fn bundle_arg<'a>(cmd: &str, args: &'a [OsString]) -> Result<Option<&'a Path>> {
    match args {
        [a] if is_help(a) => {
            print(USAGE);
            Ok(None)
        }
        [a] if a.to_str().is_some_and(|s| s.starts_with('-') && s != "-") => {
            usage(format!("{cmd}: unknown option {:?}", a.to_string_lossy()))
        }
        [a] => Ok(Some(Path::new(a))),
        [] => usage(format!("{cmd}: missing BUNDLE")),
        _ => usage(format!("{cmd}: expected one BUNDLE, got {}", args.len())),
    }
}

fn format_args_list(args: &[String]) -> String {
    args.iter()
        .map(|a| format!("{a:?}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn list(args: &[OsString]) -> Result {
    let Some(path) = bundle_arg("list", args)? else {
        return Ok(());
    };
    let bytes = read(path)?;
    let bundle = Bundle::parse(&bytes).or_else(|e| input(path.display(), e))?;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: ukrt bundle, format version {}",
        path.display(),
        bundle.version()
    );
    let _ = writeln!(
        s,
        "total size: {} bytes ({} pages)",
        bundle.total_size(),
        bundle.total_size() / PAGE
    );
    let _ = writeln!(s, "checksum:   {:#010x}", bundle.checksum());
    let _ = writeln!(s, "files ({}):", bundle.file_count());
    let _ = writeln!(s, "  {:<10} {:>10}  name", "offset", "size");
    for f in bundle.files() {
        let _ = writeln!(
            s,
            "  {:<10} {:>10}  {}",
            format!("{:#x}", f.offset),
            f.data.len(),
            f.name
        );
    }
    let apps = manifest::parse(bundle.manifest_text());
    if let Ok(apps) = &apps {
        let _ = writeln!(s, "apps ({}):", apps.len());
        let width = apps.iter().map(|a| a.name.len()).max().unwrap_or(0);
        for AppSpec { name, file, args } in apps {
            let _ = write!(s, "  {name:<width$}  {file}");
            if !args.is_empty() {
                let _ = write!(s, "  {}", format_args_list(args));
            }
            s.push('\n');
        }
    }
    print(&s);
    apps.map(drop).or_else(|e| input(path.display(), e))
}

fn check(args: &[OsString]) -> Result {
    let Some(path) = bundle_arg("check", args)? else {
        return Ok(());
    };
    let bytes = read(path)?;
    let bundle = Bundle::parse(&bytes).or_else(|e| input(path.display(), e))?;
    let apps = manifest::parse(bundle.manifest_text()).or_else(|e| input(path.display(), e))?;
    manifest::check_files(&apps, &bundle).or_else(|e| input(path.display(), e))?;
    // Every file must be a loadable shared object, and every app must load
    // as the runtime would load it: the same plan, so the tool and the
    // guest agree (libraries present, objects fit, `main`, every symbol).
    let mut objects = Vec::new();
    for f in bundle.files() {
        let o = ukrt_loader::elf::SharedObject::parse(f.name, f.data)
            .or_else(|e| input(path.display(), e))?;
        objects.push((o, f.data));
    }
    let mut problems = Vec::new();
    for app in &apps {
        if let Err(e) = check_app(app, &objects) {
            problems.extend(e.into_iter().map(|e| format!("app {:?}: {e}", app.name)));
        }
    }
    if !problems.is_empty() {
        return input(
            path.display(),
            problems.join(&format!("\n{}: ", path.display())),
        );
    }
    print(&format!(
        "{}: ok ({} files, {} apps)\n",
        path.display(),
        bundle.file_count(),
        apps.len()
    ));
    Ok(())
}

/// Plans loading `app` as the runtime would (in the first slot, without
/// command-line arguments); every problem found, named.
fn check_app(
    app: &AppSpec,
    objects: &[(ukrt_loader::elf::SharedObject, &[u8])],
) -> std::result::Result<(), Vec<String>> {
    use ukrt_loader::plan;
    let find = |name: &str| objects.iter().position(|(o, _)| o.file == name);
    let names = plan::dependencies(&app.file, |name| {
        let needed = &objects[find(name).expect("listed objects are present")]
            .0
            .needed;
        match needed.iter().find(|dep| find(dep).is_none()) {
            Some(dep) => Err(vec![format!(
                "{name} needs {dep}, which is not in the bundle"
            )]),
            None => Ok(needed.clone()),
        }
    })?;
    let scope: Vec<plan::Object> = names
        .iter()
        .map(|n| {
            let i = find(n).expect("dependencies found it");
            plan::Object {
                object: &objects[i].0,
                file: objects[i].1,
                id: i as u32,
            }
        })
        .collect();
    let runtime = |name: &str| ukrt_loader::RUNTIME_EXPORTS.contains(&name).then_some(0);
    let plan =
        plan::plan(app, &scope, &[], &[], FIRST_SLOT, &runtime).map_err(|e| vec![e.to_string()])?;
    let missing: Vec<String> = plan
        .relocations(&scope, &runtime)
        .filter_map(|w| w.err().map(|e| e.to_string()))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing)
    }
}

/// Where the runtime puts the first app (the start of its application
/// region); every slot has the same layout.
const FIRST_SLOT: u64 = 0x100_0000_0000;

/// `image`: the runtime kernel with a bundle embedded (a bootable image).
fn image(args: &[OsString]) -> Result {
    let (mut kernel, mut bundle, mut out): (Option<PathBuf>, Option<PathBuf>, Option<PathBuf>) =
        (None, None, None);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.to_str() {
            Some("--kernel") => {
                set_once(&mut kernel, value(&mut it, "--kernel")?.into(), "--kernel")?
            }
            Some("--bundle") => {
                set_once(&mut bundle, value(&mut it, "--bundle")?.into(), "--bundle")?
            }
            Some("-o" | "--output") => set_once(&mut out, value(&mut it, "-o")?.into(), "-o")?,
            Some("-h" | "--help") => {
                print(USAGE);
                return Ok(());
            }
            _ => return usage(format!("image: unexpected argument {arg:?}")),
        }
    }
    let (Some(kernel), Some(bundle), Some(out)) = (kernel, bundle, out) else {
        return usage("image: needs --kernel KERNEL --bundle BUNDLE.ukb -o IMAGE");
    };
    let kernel_bytes = read(&kernel)?;
    let bundle_bytes = read(&bundle)?;
    Bundle::parse(&bundle_bytes).or_else(|e| input(bundle.display(), e))?;
    let image = ukrt_loader::image::embed(&kernel_bytes, &bundle_bytes)
        .or_else(|e| input(kernel.display(), e))?;
    fs::write(&out, &image).or_else(|e| input(out.display(), format_args!("cannot write: {e}")))?;
    print(&format!(
        "{}: {} bytes (kernel {} + bundle {})\n",
        out.display(),
        image.len(),
        kernel_bytes.len(),
        bundle_bytes.len()
    ));
    Ok(())
}
