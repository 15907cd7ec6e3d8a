//! Networking: the interface (smoltcp over netfront), its address, and the
//! sockets apps use.
pub mod config;
pub mod device;
pub mod filter;
pub mod socket;
pub mod stack;

#[cfg(target_os = "none")]
mod guest;
#[cfg(target_os = "none")]
pub use guest::{device_stats, init, next_deadline, pending, poll, shutdown, with, Net};
