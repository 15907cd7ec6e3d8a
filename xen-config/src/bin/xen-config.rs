//! xen-config: prints the xl config for a ukrt image.
//!
//! usage: xen-config --name NAME --kernel PATH [--memory MIB] [--extra CMDLINE]
use std::process::ExitCode;
use xen_config::DomainConfig;

fn main() -> ExitCode {
    let mut c = DomainConfig {
        name: String::new(),
        kernel: String::new(),
        memory_mib: 64,
        vcpus: 1,
        cmdline: String::new(),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{a} needs a value"));
        let r = match a.as_str() {
            "--name" => value().map(|v| c.name = v),
            "--kernel" => value().map(|v| c.kernel = v),
            "--extra" => value().map(|v| c.cmdline = v),
            "--memory" => value().and_then(|v| {
                v.parse()
                    .map(|m| c.memory_mib = m)
                    .map_err(|_| format!("--memory: {v:?} is not a number of MiB"))
            }),
            other => Err(format!("unknown argument {other:?}")),
        };
        if let Err(e) = r {
            eprintln!("xen-config: {e}\nusage: xen-config --name NAME --kernel PATH [--memory MIB] [--extra CMDLINE]");
            return ExitCode::from(2);
        }
    }
    if c.name.is_empty() || c.kernel.is_empty() {
        eprintln!("xen-config: --name and --kernel are required");
        return ExitCode::from(2);
    }
    print!("{}", c.to_xl());
    ExitCode::SUCCESS
}
