//! ukrt: a unikernel runtime for Xen PV guests (x86_64).
//!
//! The kernel boots as a PV guest, prints a banner, runs the app and carries
//! its exit status out to whoever started the domain.
//!
//! `unsafe` code is denied crate-wide and allowed only in the low-level
//! modules marked `#[allow(unsafe_code)]` (in `arch`, and parts of `xen` and
//! `mm`): those touch the CPU, Xen or raw memory and give the rest safe
//! types. Everything else is plain Rust, most of it unit-tested on the host
//! (`cargo test -p ukrt`).
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]
#![cfg_attr(not(test), no_main)]
// Host test builds compile only the logic; what just the kernel calls looks
// unused there.
#![cfg_attr(test, allow(dead_code, unused_imports))]

extern crate alloc;

mod apps;
#[allow(unsafe_code)]
mod arch;
mod blk;
mod boot;
mod cmdline;
mod console;
mod control;
mod drivers;
mod errno;
mod exit;
mod fdtable;
mod fs;
mod gdb;
mod hello;
mod mm;
mod net;
mod sched;
mod stats;
mod time;
mod trap;
mod xen;

#[cfg(not(test))]
mod panic;
// Deliberate faults and raw accesses that the boot tests provoke.
#[cfg(all(target_os = "none", feature = "selftest"))]
#[allow(unsafe_code)]
mod selftest;
#[cfg(test)]
mod unsafe_audit;

/// The runtime's version, as printed in the boot banner.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
