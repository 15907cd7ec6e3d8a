//! ukrt: a unikernel runtime for Xen PV guests (x86_64).
//!
//! The kernel boots as a PV guest, prints a banner, runs the app and carries
//! its exit status out to whoever started the domain. Modules that touch the
//! hardware or Xen hold the `unsafe` code; the rest is plain Rust that is
//! unit-tested on the host (`cargo test -p ukrt`).
#![cfg_attr(not(test), no_std)]
#![cfg_attr(not(test), no_main)]
// Host test builds compile only the logic; what just the kernel calls looks
// unused there.
#![cfg_attr(test, allow(dead_code, unused_imports))]

extern crate alloc;

mod apps;
mod arch;
mod boot;
mod cmdline;
mod console;
mod control;
mod exit;
mod hello;
mod mm;
mod sched;
mod time;
mod trap;
mod xen;

#[cfg(not(test))]
mod panic;
#[cfg(all(target_os = "none", feature = "selftest"))]
mod selftest;

/// The runtime's version, as printed in the boot banner.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
