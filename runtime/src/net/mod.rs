//! Networking: the interface (smoltcp over netfront), its address, and the
//! sockets apps use.
#[cfg_attr(not(test), allow(dead_code))]
pub mod config;
#[cfg_attr(not(test), allow(dead_code))]
pub mod device;
#[cfg_attr(not(test), allow(dead_code))]
pub mod errno;
#[cfg_attr(not(test), allow(dead_code))]
pub mod socket;
#[cfg_attr(not(test), allow(dead_code))]
pub mod stack;
