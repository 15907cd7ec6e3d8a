//! Exceptions: demand faults go to the memory manager; anything else, or a
//! fault it refuses, ends the domain with a crash report.
pub mod report;

#[cfg(target_os = "none")]
mod app_trace;

#[cfg(target_os = "none")]
mod dispatch;
#[cfg(target_os = "none")]
pub use dispatch::dispatch;
#[cfg(all(target_os = "none", feature = "selftest"))]
pub use dispatch::FAULT_IN_HANDLER;
