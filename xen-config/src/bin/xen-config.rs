//! xen-config: the xl config of a ukrt image, generated or checked.
//!
//! usage: xen-config generate --image PATH [--name NAME] [--memory MIB] [--vcpus N] [--extra CMDLINE] [--libvirt]
//!        xen-config check CONFIG
//!        xen-config get CONFIG KEY   (prints one value, for scripts)
use std::path::Path;
use std::process::ExitCode;
use xen_config::DomainConfig;

const USAGE: &str = "usage: xen-config generate --image PATH [--name NAME] [--memory MIB] [--vcpus N] [--extra CMDLINE] [--libvirt]
       xen-config check CONFIG
       xen-config get CONFIG KEY";

fn generate(args: &[String]) -> Result<String, String> {
    let (mut image, mut name, mut memory, mut extra) = (None, None, None, String::new());
    let mut vcpus = None;
    let mut libvirt = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--libvirt" {
            libvirt = true;
            continue;
        }
        let v = it.next().ok_or(format!("{a} needs a value"))?;
        // These go into the config's strings (the image path as `kernel`):
        // refuse what would break out of one, naming the option.
        if matches!(a.as_str(), "--image" | "--name" | "--extra") {
            xen_config::check_xl_text(a, v)?;
        }
        match a.as_str() {
            "--image" => image = Some(v.clone()),
            "--name" => name = Some(v.clone()),
            "--extra" => extra = v.clone(),
            "--memory" => {
                memory = Some(
                    v.parse::<u32>()
                        .map_err(|_| format!("--memory: {v:?} is not a number of MiB"))?,
                )
            }
            "--vcpus" => {
                vcpus = Some(
                    v.parse::<u32>()
                        .map_err(|_| format!("--vcpus: {v:?} is not a number"))?,
                )
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let image = image.ok_or("--image is required")?;
    let bytes = std::fs::read(&image).map_err(|e| format!("{image}: cannot read: {e}"))?;
    let name = name.unwrap_or_else(|| {
        Path::new(&image)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or("ukrt".into())
    });
    let mut c = DomainConfig::for_image(&name, &image, &bytes, &extra)
        .map_err(|e| format!("{image}: {e}"))?;
    if let Some(m) = memory {
        if m < c.memory_mib {
            return Err(format!(
                "--memory {m} is below the {} MiB {image} needs",
                c.memory_mib
            ));
        }
        c.memory_mib = m;
    }
    match vcpus {
        None | Some(1) => {}
        Some(n) => return Err(format!("--vcpus {n}: the runtime uses one vCPU (give 1)")),
    }
    Ok(if libvirt {
        c.to_libvirt_xml()
    } else {
        c.to_xl()
    })
}

fn read_config(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}

/// The value of `key` in the config at `path`, as a script wants it
/// (strings without their quotes).
fn get(path: &Path, key: &str) -> Result<String, String> {
    let text = read_config(path)?;
    let entries = xen_config::parse(&text).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        format!("{}: {}", path.display(), lines.join("; "))
    })?;
    match entries.into_iter().find(|(_, k, _)| k == key) {
        Some((_, _, xen_config::Value::Str(s))) => Ok(s),
        Some((_, _, xen_config::Value::Int(n))) => Ok(n.to_string()),
        None => Err(format!("{}: no {key} setting", path.display())),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("generate") => match generate(&args[1..]) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("xen-config: {e}");
                ExitCode::from(1)
            }
        },
        Some("get") if args.len() == 3 => match get(Path::new(&args[1]), &args[2]) {
            Ok(v) => {
                println!("{v}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("xen-config: {e}");
                ExitCode::from(1)
            }
        },
        Some("check") if args.len() == 2 => {
            let path = Path::new(&args[1]);
            let text = match read_config(path) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("xen-config: {e}");
                    return ExitCode::from(1);
                }
            };
            let dir = path.parent().unwrap_or(Path::new("."));
            // As given (xl reads it from its working directory), else next to
            // the config.
            let errors = xen_config::check(&text, |k| {
                std::fs::read(k).or_else(|_| std::fs::read(dir.join(k)))
            });
            for e in &errors {
                eprintln!("xen-config: {}: {e}", path.display());
            }
            if errors.is_empty() {
                println!("{}: ok", path.display());
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
