//! Xen's PV interface: the ABI, ELF notes, typed hypercalls, start_info,
//! shared info, shared pages and the ring protocols built on them, event
//! channels, the console ring and the xenstore client.
//!
//! `unsafe` is confined to the modules marked below, which touch Xen's
//! memory or make hypercalls; the protocol logic above them is safe code.
pub mod abi;
pub mod byte_ring;
pub mod console_ring;
#[cfg(target_os = "none")]
#[allow(unsafe_code)] // global_asm!
mod elfnotes;
pub mod events;
#[cfg(target_os = "none")]
#[allow(unsafe_code)]
pub mod grant_frames;
pub mod grant_table;
#[cfg(target_os = "none")]
#[allow(unsafe_code)]
pub mod hypercall;
#[cfg(target_os = "none")]
#[allow(unsafe_code)]
pub mod p2m;
pub mod ring;
#[cfg(target_os = "none")]
#[allow(unsafe_code)]
pub mod shared_info;
#[allow(unsafe_code)]
pub mod shared_page;
#[allow(unsafe_code)]
pub mod start_info;
#[cfg(target_os = "none")]
pub mod store;
// The whole client API; the runtime uses part of it so far.
#[allow(dead_code, unused_imports)]
pub mod xenstore;
