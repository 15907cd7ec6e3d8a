//! From `_start` to the app: check start_info, bring up shared info and the
//! console, print the banner, run the app, exit with its status.
use crate::cmdline::Cmdline;

/// Called by `_start` on the runtime's own stack.
#[cfg(target_os = "none")]
pub extern "C" fn kernel_main(start_info: *const xen_sys::start_info) -> ! {
    use crate::console::{Backend, CONSOLE};
    use crate::xen::{console_ring::ConsoleRing, hypercall, shared_info, start_info::ConsoleKind};

    // Until start_info is checked, assume the first domain: console_io is
    // then the only output there is (a domU's write just fails).
    CONSOLE.lock().set_backend(Backend::Hypervisor);
    // SAFETY: Xen passes a pointer to a mapped start_info page in rsi.
    let raw = unsafe { &*start_info };
    let info = match crate::xen::start_info::parse(raw) {
        Ok(info) => info,
        Err(e) => panic!("start_info rejected: {e}"),
    };
    if let Err(e) = shared_info::map(info.shared_info_ma) {
        panic!("cannot map shared info at {:#x}: {e}", info.shared_info_ma);
    }
    if let ConsoleKind::Ring { mfn, evtchn } = info.console {
        let page = crate::xen::p2m::mfn_to_initial_va(mfn);
        // SAFETY: the domain builder maps the console page inside the initial
        // mapping, at the address its pfn gives; it stays mapped.
        let ring = unsafe { ConsoleRing::new(page) };
        CONSOLE.lock().set_backend(Backend::Ring { ring, evtchn });
    }

    let (major, minor) = hypercall::xen_version();
    let extra = hypercall::xen_extraversion();
    crate::println!(
        "{}",
        banner(
            crate::VERSION,
            major,
            minor,
            &extra,
            info.memory_bytes(),
            &info.cmdline
        )
    );
    let cmdline = Cmdline::new(&info.cmdline);
    let status = crate::hello::main(&cmdline);
    crate::exit::exit(status)
}

/// The boot banner line.
pub fn banner(
    version: &str,
    xen_major: u32,
    xen_minor: u32,
    xen_extra: &str,
    memory_bytes: u64,
    cmdline: &str,
) -> heapless::String<1200> {
    use core::fmt::Write;
    let mut s = heapless::String::new();
    let _ = write!(
        s,
        "ukrt {version} on Xen {xen_major}.{xen_minor}{xen_extra}: {} MiB, cmdline {cmdline:?}",
        memory_bytes >> 20
    );
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn banner_names_versions_memory_and_cmdline() {
        let b = super::banner("0.1.0", 4, 17, ".7", 64 << 20, "exit=3 a\"b");
        assert_eq!(
            b.as_str(),
            r#"ukrt 0.1.0 on Xen 4.17.7: 64 MiB, cmdline "exit=3 a\"b""#
        );
    }
}
