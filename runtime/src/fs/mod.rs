//! Files: the filesystems (a disk's FAT, the image's files, a RAM
//! filesystem), where they are mounted, and the descriptors apps use.
// The block interface and the filesystem trait land before their users
// (blkfront, the file layer).
#![allow(dead_code)]
pub mod block;
pub mod fat;
pub mod vfs;
