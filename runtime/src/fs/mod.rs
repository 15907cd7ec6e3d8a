//! Files: the filesystems (a disk's FAT, the image's files, a RAM
//! filesystem), where they are mounted, and what the file calls mean on
//! them. Apps' descriptors are in `apps::fds`.
// The disk side (block devices, `uk.mount`) is used once blkfront lands.
#[allow(dead_code)]
pub mod block;
#[allow(dead_code)]
pub mod config;
#[allow(dead_code)]
pub mod fat;
pub mod files;
pub mod image;
pub mod path;
pub mod ramfs;
pub mod vfs;

#[cfg(test)]
pub mod conformance;

#[cfg(target_os = "none")]
mod guest;
#[cfg(target_os = "none")]
pub use guest::{init, shutdown, with};
