//! Xen's PV interface: ELF notes, typed hypercalls, start_info, shared_info
//! and the console ring.
pub mod console_ring;
#[cfg(target_os = "none")]
mod elfnotes;
pub mod events;
#[cfg(target_os = "none")]
pub mod hypercall;
#[cfg(target_os = "none")]
pub mod p2m;
#[cfg(target_os = "none")]
pub mod shared_info;
pub mod start_info;
// The whole client API; the runtime uses part of it so far.
#[allow(dead_code, unused_imports)]
pub mod xenstore;
