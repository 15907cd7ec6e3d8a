//! Files: the filesystems (a disk's FAT, the image's files, a RAM
//! filesystem), where they are mounted, and what the file calls mean on
//! them. Apps' descriptors are in `apps::fds`.
pub mod block;
pub mod combine;
pub mod config;
// `format` and the raw reader serve the host tests (the host's mkfs.fat
// makes real disks).
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
