//! Leaving the domain. The exit status travels in a final console line that
//! the harness reads (`uk-exit: status=N`, or `uk-exit: crashed`), because a
//! PV domain's shutdown carries only a reason, not a status.

/// The marker line's prefix; ci/xenrun.py parses it.
pub const MARKER: &str = "uk-exit:";

#[cfg(target_os = "none")]
mod imp {
    use super::MARKER;
    use crate::xen::hypercall::{shutdown, ShutdownReason};

    fn end(reason: ShutdownReason) -> ! {
        crate::console::flush();
        let err = shutdown(reason);
        // Xen refused to end us: say so and stop here rather than return.
        crate::println!("ukrt: SCHEDOP_shutdown failed: {err}");
        loop {
            crate::xen::hypercall::sched_yield();
        }
    }

    /// Ends the domain normally with `status`.
    pub fn exit(status: i32) -> ! {
        crate::println!("{MARKER} status={status}");
        end(ShutdownReason::Poweroff)
    }

    /// Ends the domain as crashed (after a crash report was printed).
    pub fn crash() -> ! {
        crate::println!("{MARKER} crashed");
        end(ShutdownReason::Crash)
    }
}

#[cfg(target_os = "none")]
pub use imp::*;
