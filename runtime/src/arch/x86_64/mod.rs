//! x86_64: the entry point, the raw hypercall instruction sequence and a few
//! CPU instructions.
#[cfg(target_os = "none")]
pub mod app_entry;
#[cfg(target_os = "none")]
mod entry;
#[cfg(target_os = "none")]
pub use entry::{boot_stack, boot_stack_guard};
pub mod hypercall;
#[cfg(target_os = "none")]
pub mod switch;
pub mod traps;

/// Reads the time-stamp counter.
#[inline]
pub fn rdtsc() -> u64 {
    // SAFETY: rdtsc only reads the TSC into edx:eax; Xen PV guests may execute
    // it (CR4.TSD is clear for PV guests).
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// The bounds of the known stack that holds `rsp`, for backtraces.
#[cfg(target_os = "none")]
pub fn stack_containing(rsp: u64) -> Option<core::ops::Range<u64>> {
    let boot = boot_stack();
    let app = crate::sched::try_current().map_or(0..0, |t| t.app_stack.clone());
    [boot, app]
        .into_iter()
        .find(|s| s.start <= rsp && rsp <= s.end)
}
