//! Device drivers: the split-driver frontends (xenbus, and the network and
//! block frontends built on it, the grant table and the shared rings).
//!
//! Host-tested now; the guest uses them once the frontends land.
#[cfg_attr(not(test), allow(dead_code))]
pub mod netfront;
#[cfg_attr(not(test), allow(dead_code))]
pub mod xenbus;
