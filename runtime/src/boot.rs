//! From `_start` to the app: check start_info, bring up shared info and the
//! console, print the banner, run the app, exit with its status.
use crate::cmdline::Cmdline;

/// Called by `_start` on the runtime's own stack, with the `start_info`
/// page Xen passed (see `arch::entry`).
#[cfg(target_os = "none")]
pub extern "C" fn kernel_main(raw: &'static crate::xen::abi::start_info) -> ! {
    use crate::xen::{console_ring::ConsoleRing, hypercall, shared_info, start_info::ConsoleKind};
    crate::stats::boot_started(crate::arch::rdtsc());

    // Until start_info is checked, assume the first domain: console_io is
    // then the only output there is (a domU's write just fails).
    crate::console::use_hypervisor();
    let info = match crate::xen::start_info::parse(raw) {
        Ok(info) => info,
        Err(e) => panic!("start_info rejected: {e}"),
    };
    if let Err(e) = shared_info::map(info.shared_info_ma) {
        panic!("cannot map shared info at {:#x}: {e}", info.shared_info_ma);
    }
    if let ConsoleKind::Ring { mfn, evtchn } = info.console {
        let ring = ConsoleRing::new(crate::xen::p2m::builder_shared_page(mfn));
        crate::console::use_ring(ring, evtchn);
    }

    let (major, minor) = hypercall::xen_version();
    let banner = Banner {
        version: crate::VERSION,
        xen_version: (major, minor),
        xen_extra: &hypercall::xen_extraversion(),
        first_domain: info.is_initial_domain(),
        memory_bytes: info.memory_bytes(),
        cmdline: &info.cmdline,
    };
    crate::println!("{banner}");
    let cmdline = Cmdline::new(&info.cmdline);
    check_runtime_options(&cmdline);
    if cmdline.has_option("stats") {
        crate::exit::PRINT_STATS.store(true, core::sync::atomic::Ordering::Relaxed);
    }
    if let Err(e) = crate::arch::traps::install() {
        panic!("set_trap_table refused: {e}");
    }
    crate::mm::init(&info, raw as *const _ as u64);
    if let Err(e) = crate::arch::user::init(crate::mm::root_mfn()) {
        panic!("MMUEXT_NEW_USER_BASEPTR refused: {e}");
    }
    start_events();
    if let Some(o) = cmdline.runtime_options().find(|o| o.key == "gdb") {
        crate::gdb::init(o.value, info.is_initial_domain());
    }
    let after = cmdline
        .runtime_options()
        .find(|o| o.key == "shutdown-after")
        .map(|o| crate::control::parse_after_ms(o.value));
    // A bad value is said and ignored, like an unknown option.
    let after = match after {
        Some(Err(e)) => {
            crate::println!("ukrt: warning: {e}; ignored");
            None
        }
        Some(Ok(ms)) => Some(ms),
        None => None,
    };
    crate::control::init(&info, after);
    let option = |key| {
        cmdline
            .runtime_options()
            .find(|o| o.key == key)
            .and_then(|o| o.value)
    };
    crate::net::init(option("ip"), option("gw"), option("tx-offload"));
    crate::blk::init();

    #[cfg(feature = "selftest")]
    if let Some(test) = cmdline.runtime_options().find(|o| o.key == "test") {
        crate::exit::exit(crate::selftest::run(test.value.unwrap_or(""), &cmdline));
    }
    let env: heapless::Vec<&str, 64> = cmdline.environment().take(64).collect();
    let args: heapless::Vec<&str, 64> = cmdline.arguments().take(64).collect();
    let share = !cmdline
        .runtime_options()
        .any(|o| o.key == "share" && o.value == Some("off"));
    let bundle = crate::apps::source::find(&info);
    let tree = bundle.as_ref().ok().and_then(|b| b.as_ref()?.bundle.tree());
    crate::fs::init(option("tmp"), option("mount"), tree);
    let status = match bundle {
        Ok(Some(bundle)) => crate::apps::run_all(&bundle, &env, &args, share),
        Ok(None) => {
            finished();
            crate::hello::main(&cmdline)
        }
        Err(e) => {
            crate::println!("ukrt: the app bundle is unusable: {e}");
            crate::apps::LOAD_FAILED
        }
    };
    crate::fs::shutdown();
    crate::net::shutdown();
    crate::blk::shutdown();
    match crate::control::requested() {
        Some(crate::control::REBOOT) => crate::exit::reboot(status),
        _ => crate::exit::exit(status),
    }
}

/// The boot phase ends: the first app's `main` (or the built-in hello) is
/// about to run.
#[cfg(target_os = "none")]
pub fn finished() {
    crate::stats::boot_finished(crate::time::ns_since_tsc, crate::mm::tables_made());
}

/// Events and time: callbacks registered, the periodic tick stopped (timers
/// are one-shot), the timer VIRQ bound, console input enabled.
#[cfg(target_os = "none")]
fn start_events() {
    use crate::xen::hypercall;
    if let Err(e) = crate::arch::traps::install_callbacks() {
        panic!("set_callbacks refused: {e}");
    }
    if let Err(e) = hypercall::stop_periodic_timer() {
        panic!("VCPUOP_stop_periodic_timer refused: {e}");
    }
    fn timer(_port: u32) {
        crate::stats::TIMER_EVENTS.inc();
    }
    match hypercall::bind_virq(crate::xen::abi::VIRQ_TIMER) {
        Ok(port) => crate::xen::events::bind(port, timer),
        Err(e) => panic!("binding VIRQ_TIMER failed: {e}"),
    }
    crate::console::enable_input();
}

/// The runtime options (`uk.<key>` words) this version understands.
pub const KNOWN_OPTIONS: &[&str] = &[
    "stats",          // print the uk-stats line at exit
    "share",          // uk.share=off: private copies of code (for comparison)
    "shutdown-after", // uk.shutdown-after=<ms>: stop the apps and power off then
    "ip",             // uk.ip=ADDR/LEN: the network address (else xl's, else DHCP)
    "gw",             // uk.gw=ADDR: the default gateway (with uk.ip)
    "tx-offload",     // uk.tx-offload=none|csum|tso: what the vif's backend does for us
    "mount",          // uk.mount=DISK:PATH,...: where disks are mounted (or none)
    "tmp",            // uk.tmp=SIZE: how much /tmp may hold
    "gdb",            // uk.gdb[=crash|wait]: the gdb stub on COM2 (docs/debugging.md)
    #[cfg(feature = "selftest")]
    "test", // run a built-in self-test instead of the app
];

/// Warns about `uk.` words the runtime does not know, so a misspelt option
/// is not silently ignored.
fn check_runtime_options(cmdline: &Cmdline) {
    for opt in cmdline.runtime_options() {
        if !KNOWN_OPTIONS.contains(&opt.key) {
            crate::println!(
                "ukrt: warning: unknown runtime option uk.{} (known: {:?})",
                opt.key,
                KNOWN_OPTIONS
            );
        }
    }
}

/// The boot banner line.
pub struct Banner<'a> {
    pub version: &'a str,
    pub xen_version: (u32, u32),
    pub xen_extra: &'a str,
    pub first_domain: bool,
    pub memory_bytes: u64,
    pub cmdline: &'a str,
}

impl core::fmt::Display for Banner<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (major, minor) = self.xen_version;
        let role = if self.first_domain {
            "first domain"
        } else {
            "domU"
        };
        write!(
            f,
            "ukrt {} on Xen {major}.{minor}{} ({role}): {} MiB, cmdline {:?}",
            self.version,
            self.xen_extra,
            self.memory_bytes >> 20,
            self.cmdline
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Banner;

    #[test]
    fn banner_names_versions_memory_and_cmdline() {
        let b = Banner {
            version: "0.1.0",
            xen_version: (4, 17),
            xen_extra: ".7",
            first_domain: true,
            memory_bytes: 64 << 20,
            cmdline: "exit=3 a\"b",
        };
        assert_eq!(
            b.to_string(),
            r#"ukrt 0.1.0 on Xen 4.17.7 (first domain): 64 MiB, cmdline "exit=3 a\"b""#
        );
    }

    /// docs/running.md's table of runtime options lists exactly these.
    #[test]
    fn the_option_table_in_the_docs_lists_the_known_options() {
        let doc = include_str!("../../docs/running.md");
        let mut documented: Vec<&str> = doc
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("| `uk."))
            .map(|rest| rest.split(['`', '=', ' ']).next().unwrap_or(""))
            .collect();
        documented.sort_unstable();
        documented.dedup();
        let mut known: Vec<&str> = super::KNOWN_OPTIONS.to_vec();
        known.push("test"); // the self-test kernel's, documented too
        known.sort_unstable();
        known.dedup();
        assert_eq!(documented, known);
    }
}
