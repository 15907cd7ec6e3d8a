//! What every filesystem implements: files named by their path inside the
//! filesystem, opened as handles, read and written at offsets. The file
//! layer above (mounts, paths, descriptors, offsets, `O_APPEND`) is the
//! same for all of them.
use crate::errno::Errno;
use alloc::string::String;
use alloc::vec::Vec;

/// An open file of one filesystem (its own numbering).
pub type Handle = u64;

/// A path inside one filesystem: its components from the filesystem's
/// root, each non-empty, not `.` or `..`, without `/` or NUL, at most
/// [`NAME_MAX`] bytes. Empty is the root.
pub type Path<'a> = &'a [&'a str];

/// The longest name a component may have (Linux's NAME_MAX).
pub const NAME_MAX: usize = 255;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
}

/// What `stat` tells about a file or directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    pub kind: Kind,
    /// Bytes (files); directories may say 0.
    pub size: u64,
    /// A number no other live file of the filesystem has (`st_ino`).
    pub ino: u64,
    /// Last modification, ns since 1970 UTC (0 if the filesystem has none).
    pub mtime_ns: u64,
    /// Whether it can be written.
    pub read_only: bool,
}

/// One name in a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    pub kind: Kind,
    pub ino: u64,
}

/// A read at `offset` of a file whose bytes are `data`: how many were
/// copied into `buf` (0 at or past the end).
pub fn read_slice(data: &[u8], offset: u64, buf: &mut [u8]) -> usize {
    let Some(rest) = usize::try_from(offset).ok().and_then(|at| data.get(at..)) else {
        return 0;
    };
    let n = rest.len().min(buf.len());
    buf[..n].copy_from_slice(&rest[..n]);
    n
}

/// How a file is opened (the file layer has checked the flags against the
/// kind of file and the mount).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// It will be written (`O_WRONLY`/`O_RDWR`).
    pub write: bool,
    /// Create it if it does not exist (`O_CREAT`).
    pub create: bool,
    /// With `create`: fail with `EEXIST` if it exists (`O_EXCL`).
    pub exclusive: bool,
    /// Cut it to length 0 (`O_TRUNC`, only with `write`).
    pub truncate: bool,
}

/// Space on a filesystem (`statvfs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Space {
    pub block_size: u64,
    pub blocks: u64,
    pub free_blocks: u64,
}

/// A filesystem. Errors are Linux's errno values, as POSIX gives them for
/// the matching call: `ENOENT`, `EEXIST`, `ENOTDIR`, `EISDIR`, `ENOTEMPTY`,
/// `ENOSPC`, `EROFS`, `EIO`, `EBADF` (a handle not open), ...
pub trait FileSystem: Send {
    /// What kind of filesystem it is, for messages ("fat32", "ramfs").
    fn kind(&self) -> &'static str;
    /// Whether every change is refused with `EROFS`.
    fn read_only(&self) -> bool;
    /// What the path names.
    fn stat(&mut self, path: Path) -> Result<Meta, Errno>;
    /// Opens (or creates) a regular file; a directory gives `EISDIR`.
    fn open(&mut self, path: Path, opts: OpenOptions) -> Result<Handle, Errno>;
    /// Reads at `offset`; fewer bytes than asked only at the end of the file
    /// (0 at or past it).
    fn read(&mut self, h: Handle, offset: u64, buf: &mut [u8]) -> Result<usize, Errno>;
    /// Writes at `offset`, extending the file (with zeros between its end
    /// and `offset`); all of `data`, or an error (`ENOSPC`) if none of it
    /// fit; a short count only if some of it did.
    fn write(&mut self, h: Handle, offset: u64, data: &[u8]) -> Result<usize, Errno>;
    /// What the open file is now.
    fn fstat(&mut self, h: Handle) -> Result<Meta, Errno>;
    /// Cuts or extends (with zeros) the open file to `len` bytes.
    fn set_len(&mut self, h: Handle, len: u64) -> Result<(), Errno>;
    /// Makes the file's data and everything needed to find it durable
    /// (`fsync`): when it returns, a power cut loses none of it.
    fn sync(&mut self, h: Handle) -> Result<(), Errno>;
    /// Closes the handle (what it wrote stays, durable or not).
    fn close(&mut self, h: Handle) -> Result<(), Errno>;
    /// The names in a directory, without `.` and `..`.
    fn read_dir(&mut self, path: Path) -> Result<Vec<DirEntry>, Errno>;
    fn mkdir(&mut self, path: Path) -> Result<(), Errno>;
    /// Removes a file (a directory gives `EISDIR`). A filesystem that
    /// cannot remove a file that is still open says `EBUSY`.
    fn unlink(&mut self, path: Path) -> Result<(), Errno>;
    /// Removes an empty directory (`ENOTEMPTY` otherwise; the root `EBUSY`).
    fn rmdir(&mut self, path: Path) -> Result<(), Errno>;
    /// Renames as POSIX does: a file replaces a file, a directory replaces
    /// an empty directory, a directory cannot move into itself (`EINVAL`).
    fn rename(&mut self, from: Path, to: Path) -> Result<(), Errno>;
    /// Free and total space.
    fn space(&mut self) -> Result<Space, Errno>;
    /// Makes everything written so far durable (shutdown, unmount).
    fn sync_all(&mut self) -> Result<(), Errno>;
}
