//! Device drivers: the split-driver frontends (xenbus, and the network and
//! block frontends built on it, the grant table and the shared rings).
//!
pub mod blkfront;
pub mod netfront;
pub mod xenbus;
