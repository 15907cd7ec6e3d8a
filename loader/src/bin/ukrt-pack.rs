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
use ukrt_loader::tree::{Node, TreeBuilder};

const USAGE: &str = "\
usage: ukrt-pack pack -o OUT.ukb (--manifest MANIFEST.txt | --manifest-text TEXT) [--files DIR] [--no-check] FILE.so...
       ukrt-pack list BUNDLE
       ukrt-pack check BUNDLE
       ukrt-pack image --kernel KERNEL --bundle BUNDLE.ukb -o IMAGE
       ukrt-pack --help

  pack    build a bundle of the FILEs (each stored under its base name) and the
          manifest; fails if the manifest names a file that is not given, or
          if an app would not load (every missing library and undefined
          symbol of every object is listed); --no-check skips the load check
          (to make bundles that test the runtime's own checks).
          --files DIR (or the manifest's `files DIR` line, which --files
          replaces) packs DIR's tree, read-only at / in the guest
  list    print a bundle's header, files, apps and file tree
  check   validate a bundle and its manifest

Manifest lines: `app NAME FILE [ARGS...]`, `files DIR` (relative to the
manifest's folder); `#` starts a comment.

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
    let mut tree_dir: Option<PathBuf> = None;
    let mut files: Vec<PathBuf> = Vec::new();
    let mut only_files = false;
    let mut load_check = true;
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
            Some("--no-check") => load_check = false,
            Some("--files") => {
                let v = value(&mut it, "--files")?;
                set_once(&mut tree_dir, v.into(), "--files")?;
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
    // A manifest's `files` folder is relative to the manifest's folder.
    let (label, text, manifest_dir) = match (manifest_path, manifest_text) {
        (Some(_), Some(_)) => return usage("pack: give --manifest or --manifest-text, not both"),
        (None, None) => return usage("pack: missing --manifest MANIFEST.txt (or --manifest-text)"),
        (Some(p), None) => {
            let text = fs::read_to_string(&p)
                .or_else(|e| input(p.display(), format_args!("cannot read: {e}")))?;
            let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
            (p.display().to_string(), text, dir)
        }
        (None, Some(t)) => ("--manifest-text".to_owned(), t, PathBuf::new()),
    };
    if files.is_empty() {
        return usage("pack: no input files");
    }

    let parsed = manifest::parse_manifest(&text).or_else(|e| input(&label, e))?;
    let apps = parsed.apps;
    // --files replaces the manifest's files line.
    let tree_dir = tree_dir.or_else(|| parsed.files.map(|f| manifest_dir.join(f.dir)));
    let tree = match &tree_dir {
        Some(dir) => Some(read_tree(dir)?),
        None => None,
    };

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
    if let Some(tree) = tree {
        builder
            .set_tree(tree)
            .or_else(|e| input(out.display(), e))?;
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
    // Every app must load: a missing library or symbol fails the build,
    // all of them named, rather than the boot naming the first.
    if load_check {
        check_apps(&bundle, &apps, out.display())?;
    }

    // Write next to the target, then rename, so a failed run leaves no
    // half-written bundle behind.
    let mut tmp = out.clone().into_os_string();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    if let Err(e) = fs::write(&tmp, &bytes).and_then(|()| fs::rename(&tmp, &out)) {
        let _ = fs::remove_file(&tmp);
        return input(out.display(), format_args!("cannot write: {e}"));
    }
    let tree_note = match (bundle.tree(), &tree_dir) {
        (Some(t), Some(dir)) => {
            let (n, size) = t.file_stats();
            format!(
                ", tree of {} ({n} files, {} folders, {size} bytes)",
                dir.display(),
                t.node_count() - n - 1
            )
        }
        _ => String::new(),
    };
    print(&format!(
        "{}: {} files, {} apps, {} bytes{tree_note}\n",
        out.display(),
        bundle.file_count(),
        apps.len(),
        bundle.total_size()
    ));
    Ok(())
}

/// The tree of host folder `dir` (followed if it is a symbolic link).
/// Inside it only folders and regular files are taken: a symbolic link, a
/// device, a FIFO or a socket is refused, naming its path.
fn read_tree(dir: &Path) -> Result<TreeBuilder> {
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return input(dir.display(), "is not a folder (files DIR packs a folder)"),
        Err(e) => return input(dir.display(), format_args!("cannot read the folder: {e}")),
    }
    let mut tree = TreeBuilder::new();
    let mut components = Vec::new();
    add_folder(&mut tree, dir, &mut components)?;
    Ok(tree)
}

fn add_folder(tree: &mut TreeBuilder, dir: &Path, components: &mut Vec<String>) -> Result {
    let entries = fs::read_dir(dir)
        .and_then(|it| it.collect::<io::Result<Vec<_>>>())
        .or_else(|e| input(dir.display(), format_args!("cannot read the folder: {e}")))?;
    let mut entries: Vec<(OsString, PathBuf)> = entries
        .into_iter()
        .map(|e| (e.file_name(), e.path()))
        .collect();
    // Sorted, so errors come in a fixed order (the tree sorts anyway).
    entries.sort();
    for (name, path) in entries {
        let Some(name) = name.to_str() else {
            return input(path.display(), "the name is not valid UTF-8");
        };
        let meta = fs::symlink_metadata(&path)
            .or_else(|e| input(path.display(), format_args!("cannot read: {e}")))?;
        let ft = meta.file_type();
        components.push(name.to_owned());
        let parts: Vec<&str> = components.iter().map(String::as_str).collect();
        let added = if ft.is_dir() {
            tree.add_dir(&parts)
        } else if ft.is_file() {
            let data = read(&path)?;
            tree.add_file(&parts, data)
        } else {
            let what = if ft.is_symlink() {
                "is a symbolic link (the tree takes only folders and regular files: copy \
                 its target in instead)"
            } else {
                "is not a regular file or a folder (a device, FIFO or socket)"
            };
            return input(path.display(), what);
        };
        added.or_else(|e| input(path.display(), e.kind))?;
        if ft.is_dir() {
            add_folder(tree, &path, components)?;
        }
        components.pop();
    }
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
    if let (Some(entry), Some(tree)) = (bundle.tree_entry(), bundle.tree()) {
        let (n, size) = tree.file_stats();
        let _ = writeln!(
            s,
            "file tree ({:?} at {:#x}, {} bytes): {n} files, {} folders, {size} bytes of data",
            entry.name,
            entry.offset,
            entry.data.len(),
            tree.node_count() - n - 1
        );
        let _ = writeln!(s, "  {:<10} {:>10}  path", "offset", "size");
        for (path, node) in tree.walk().into_iter().skip(1) {
            match node {
                Node::Dir(_) => {
                    let _ = writeln!(s, "  {:<10} {:>10}  {path}/", "-", "-");
                }
                Node::File {
                    data,
                    offset_in_bundle,
                    ..
                } => {
                    let off = if data.is_empty() {
                        "-".to_owned()
                    } else {
                        format!("{offset_in_bundle:#x}")
                    };
                    let _ = writeln!(s, "  {off:<10} {:>10}  {path}", data.len());
                }
            }
        }
    }
    let apps = manifest::parse(bundle.manifest_text());
    if let Ok(apps) = &apps {
        let _ = writeln!(s, "apps ({}):", apps.len());
        let width = apps.iter().map(|a| a.name.len()).max().unwrap_or(0);
        for AppSpec {
            name,
            file,
            args,
            stack,
            heap,
        } in apps
        {
            let _ = write!(s, "  {name:<width$}  {file}");
            if let Some(bytes) = stack {
                let _ = write!(s, "  stack={}K", bytes >> 10);
            }
            if let Some(bytes) = heap {
                let _ = write!(s, "  heap={}K", bytes >> 10);
            }
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
    check_apps(&bundle, &apps, path.display())?;
    let tree_note = match bundle.tree() {
        Some(t) => format!(", a file tree of {} files", t.file_stats().0),
        None => String::new(),
    };
    print(&format!(
        "{}: ok ({} files, {} apps{tree_note})\n",
        path.display(),
        bundle.file_count(),
        apps.len()
    ));
    Ok(())
}

/// Checks that every app of `bundle` loads as the runtime would load it;
/// else an error that lists every problem of every app, each once.
fn check_apps(bundle: &Bundle, apps: &[AppSpec], label: impl std::fmt::Display) -> Result {
    let mut objects = Vec::new();
    for f in bundle.files() {
        let o =
            ukrt_loader::elf::SharedObject::parse(f.name, f.data).or_else(|e| input(&label, e))?;
        objects.push((o, f.data));
    }
    let mut problems: Vec<String> = Vec::new();
    for app in apps {
        if let Err(e) = check_app(app, &objects) {
            for e in e {
                let line = format!("app {:?}: {e}", app.name);
                if !problems.contains(&line) {
                    problems.push(line);
                }
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    input(&label, problems.join(&format!("\n{label}: ")))
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
