//! x86_64: the entry point, the raw hypercall instruction sequence, trap
//! and event entry, thread switching, app calls, and a few instructions.
//! This is where the runtime's `unsafe` meets the machine.
#[cfg(target_os = "none")]
pub mod app_entry;
#[cfg(target_os = "none")]
mod entry;
#[cfg(target_os = "none")]
pub use entry::{boot_stack, boot_stack_guard};
pub mod hypercall;
#[cfg(target_os = "none")]
pub mod serial;
#[cfg(target_os = "none")]
pub mod switch;
pub mod traps;
#[cfg(target_os = "none")]
pub mod user;

use core::ops::Range;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Reads the time-stamp counter.
#[inline]
pub fn rdtsc() -> u64 {
    // SAFETY: rdtsc only reads the TSC into edx:eax; Xen PV guests may execute
    // it (CR4.TSD is clear for PV guests).
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// The stacks of the running thread, kept up to date by `switch` and
/// `AppCall`, so that a crash report can walk them (and nothing else).
struct KnownStack {
    start: AtomicU64,
    end: AtomicU64,
}

impl KnownStack {
    const fn new() -> Self {
        KnownStack {
            start: AtomicU64::new(0),
            end: AtomicU64::new(0),
        }
    }
    fn set(&self, r: Range<u64>) {
        self.start.store(r.start, Relaxed);
        self.end.store(r.end, Relaxed);
    }
    fn get(&self) -> Range<u64> {
        self.start.load(Relaxed)..self.end.load(Relaxed)
    }
}

static THREAD_STACK: KnownStack = KnownStack::new();
static APP_STACK: KnownStack = KnownStack::new();

fn set_thread_stack(r: Range<u64>) {
    THREAD_STACK.set(r);
}

fn set_app_stack(r: Range<u64>) {
    APP_STACK.set(r);
}

/// The known, mapped stack that holds `rsp`: the boot stack, or the running
/// thread's runtime or app stack.
#[cfg(target_os = "none")]
pub fn stack_containing(rsp: u64) -> Option<Range<u64>> {
    [boot_stack(), THREAD_STACK.get(), APP_STACK.get()]
        .into_iter()
        .find(|s| s.start <= rsp && rsp < s.end)
}

/// The 8-byte word at `addr` of the application region, if its page is
/// mapped (for a crash report's walk of an app's stack: its pages are
/// mapped as they are touched, so a corrupt frame can point at a hole).
#[cfg(target_os = "none")]
pub fn read_app_word(addr: u64) -> Option<u64> {
    if !addr.is_multiple_of(8) || !crate::mm::in_app_region(addr) || !crate::mm::is_mapped(addr) {
        return None;
    }
    // SAFETY: an aligned word (so within one page) of a page that is
    // mapped now; the fault handler runs on the one vCPU with events
    // masked, so nothing unmaps it before the read.
    Some(unsafe { (addr as *const u64).read_volatile() })
}

/// The 8-byte word at `addr`, if it lies wholly inside the known stack
/// `stack` (from [`stack_containing`]).
#[cfg(target_os = "none")]
pub fn read_stack_word(stack: &Range<u64>, addr: u64) -> Option<u64> {
    let known = [boot_stack(), THREAD_STACK.get(), APP_STACK.get()];
    let inside = addr.is_multiple_of(8) && stack.start <= addr && addr + 8 <= stack.end;
    if !inside || !known.contains(stack) {
        return None;
    }
    // SAFETY: the word lies inside a stack the runtime keeps mapped while
    // it is in use (the boot stack is static; a thread's stacks live as long
    // as the thread, which is the one running).
    Some(unsafe { (addr as *const u64).read_volatile() })
}
