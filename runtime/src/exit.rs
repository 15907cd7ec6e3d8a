//! Leaving the domain. The exit status travels in a final console line that
//! the harness reads (`uk-exit: status=N`, or `uk-exit: crashed`), because a
//! PV domain's shutdown carries only a reason, not a status.

/// The marker line's prefix; ci/xenrun.py parses it.
pub const MARKER: &str = "uk-exit:";

/// Whether to print the `uk-stats:` line at exit (`uk.stats`).
pub static PRINT_STATS: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

#[cfg(target_os = "none")]
mod imp {
    use super::MARKER;
    use crate::xen::hypercall::{shutdown, ShutdownReason};

    /// Prints the stats (if asked) and the marker, flushes, shuts down.
    fn end(reason: ShutdownReason, marker: core::fmt::Arguments) -> ! {
        if super::PRINT_STATS.load(core::sync::atomic::Ordering::Relaxed) {
            print_stats();
        }
        crate::println!("{marker}");
        crate::console::flush();
        let err = shutdown(reason);
        // Xen refused to end us: say so and stop here rather than return.
        crate::println!("ukrt: SCHEDOP_shutdown failed: {err}");
        loop {
            crate::xen::hypercall::sched_yield();
        }
    }

    /// One line of counters, `uk-stats: key=N ...`, for scripts.
    fn print_stats() {
        // The memory manager may be what crashed: never wait for it.
        if let Some(memory) = crate::mm::stats() {
            let events = crate::stats::EventStats::now();
            let devices = crate::net::device_stats();
            crate::println!(
                "{}",
                crate::stats::StatsLine {
                    memory,
                    events,
                    devices,
                    disks: crate::stats::DiskStats::now(),
                }
            );
        }
        if let Some(boot) = crate::stats::boot_phase() {
            crate::println!("{boot}");
        }
    }

    /// Ends the domain normally with `status`.
    pub fn exit(status: i32) -> ! {
        end(
            ShutdownReason::Poweroff,
            format_args!("{MARKER} status={status}"),
        )
    }

    /// Ends the domain with a reboot (as the toolstack asked).
    pub fn reboot(status: i32) -> ! {
        end(
            ShutdownReason::Reboot,
            format_args!("{MARKER} status={status}"),
        )
    }

    /// Ends the domain as crashed (after a crash report was printed).
    pub fn crash() -> ! {
        end(ShutdownReason::Crash, format_args!("{MARKER} crashed"))
    }

    /// Ends the domain as crashed without printing: for when printing itself
    /// failed (a fault or panic while reporting one).
    pub fn crash_silently() -> ! {
        shutdown(ShutdownReason::Crash);
        loop {
            crate::xen::hypercall::sched_yield();
        }
    }
}

#[cfg(target_os = "none")]
pub use imp::*;
