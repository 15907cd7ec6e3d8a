//! x86_64: the entry point, the raw hypercall instruction sequence and a few
//! CPU instructions.
#[cfg(target_os = "none")]
mod entry;
pub mod hypercall;

/// Reads the time-stamp counter.
#[inline]
pub fn rdtsc() -> u64 {
    // SAFETY: rdtsc only reads the TSC into edx:eax; Xen PV guests may execute
    // it (CR4.TSD is clear for PV guests).
    unsafe { core::arch::x86_64::_rdtsc() }
}
