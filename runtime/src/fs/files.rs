//! The file layer: filesystems mounted at paths, and what `open`, `read`,
//! `write`, `lseek`, `stat`, `mkdir`, `rename` and the rest mean on top of
//! them, the same for every filesystem. Paths arrive resolved
//! ([`super::path`]); open files and directories are objects the app's
//! descriptor table shares (`dup`), each with its own offset.
use super::path::Resolved;
use super::vfs::{DirEntry, FileSystem, Handle, Kind, Meta, OpenOptions};
use crate::errno::Errno;
use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};

/// `open`'s flags (Linux's values).
pub const O_ACCMODE: i32 = 3;
pub const O_RDONLY: i32 = 0;
pub const O_WRONLY: i32 = 1;
pub const O_RDWR: i32 = 2;
pub const O_CREAT: i32 = 0o100;
pub const O_EXCL: i32 = 0o200;
pub const O_NOCTTY: i32 = 0o400;
pub const O_TRUNC: i32 = 0o1000;
pub const O_APPEND: i32 = 0o2000;
pub const O_NONBLOCK: i32 = 0o4000;
pub const O_DSYNC: i32 = 0o10000;
pub const O_DIRECTORY: i32 = 0o200000;
pub const O_NOFOLLOW: i32 = 0o400000;
pub const O_CLOEXEC: i32 = 0o2000000;
pub const O_SYNC: i32 = 0o4010000;
pub const O_LARGEFILE: i32 = 0o100000;
/// Flags accepted and either honoured or meaningless here (no terminals,
/// no symbolic links, no exec).
const KNOWN_FLAGS: i32 = O_ACCMODE
    | O_CREAT
    | O_EXCL
    | O_NOCTTY
    | O_TRUNC
    | O_APPEND
    | O_NONBLOCK
    | O_DSYNC
    | O_DIRECTORY
    | O_NOFOLLOW
    | O_CLOEXEC
    | O_SYNC
    | O_LARGEFILE;

/// `lseek`'s whence.
pub const SEEK_SET: i32 = 0;
pub const SEEK_CUR: i32 = 1;
pub const SEEK_END: i32 = 2;

/// The largest offset a file may have (Linux's `off_t` is signed 64-bit).
const MAX_OFFSET: u64 = i64::MAX as u64;

/// A filesystem and where it is mounted.
pub struct Mount {
    /// The mount point's components (empty: `/`).
    pub at: Vec<String>,
    pub fs: Box<dyn FileSystem>,
    /// Where it comes from, for messages: "image", "ramfs", "xvda".
    pub source: String,
}

/// An open regular file.
#[derive(Debug)]
pub struct OpenFile {
    mount: usize,
    handle: Handle,
    offset: AtomicU64,
    pub readable: bool,
    pub writable: bool,
    /// `O_APPEND` (`fcntl(F_SETFL)` may change it).
    append: AtomicBool,
    /// `O_SYNC`/`O_DSYNC`: every write is synced before it returns.
    pub sync_writes: bool,
}

impl OpenFile {
    /// Whether writes go to the end (`O_APPEND`).
    pub fn append(&self) -> bool {
        self.append.load(Relaxed)
    }

    /// `fcntl(F_SETFL)` with or without `O_APPEND`.
    pub fn set_append(&self, on: bool) {
        self.append.store(on, Relaxed);
    }
}

/// An open directory: its entries as of `open` (with `.` and `..`), and
/// how far `getdents` has read them.
#[derive(Debug)]
pub struct OpenDir {
    mount: usize,
    pub entries: Vec<DirEntry>,
    pub position: AtomicUsize,
    meta: Meta,
}

/// What `open` opened.
#[derive(Debug)]
pub enum Opened {
    File(OpenFile),
    Dir(OpenDir),
}

/// What `stat` says: the filesystem's answer and which mount it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub meta: Meta,
    /// The mount's number, from 1 (`st_dev`).
    pub dev: u64,
}

/// Every mounted filesystem.
#[derive(Default)]
pub struct Vfs {
    mounts: Vec<Mount>,
}

impl Vfs {
    pub fn new() -> Self {
        Self::default()
    }

    /// Mounts `fs` at `at` (the first mount must be `/`); `EBUSY` if
    /// something is mounted there already.
    pub fn mount(
        &mut self,
        at: &Resolved,
        fs: Box<dyn FileSystem>,
        source: &str,
    ) -> Result<(), Errno> {
        if self.mounts.iter().any(|m| m.at == at.components) {
            return Err(Errno::EBUSY);
        }
        if self.mounts.is_empty() != at.components.is_empty() {
            return Err(Errno::ENOENT);
        }
        self.mounts.push(Mount {
            at: at.components.clone(),
            fs,
            source: source.to_string(),
        });
        Ok(())
    }

    /// The mounts, in the order they were made.
    pub fn mounts(&mut self) -> impl Iterator<Item = &mut Mount> {
        self.mounts.iter_mut()
    }

    /// The mount holding `path` (the deepest mount point on it), and the
    /// path inside that filesystem.
    fn locate<'p>(&self, path: &'p [String]) -> Result<(usize, Vec<&'p str>), Errno> {
        let (i, m) = self
            .mounts
            .iter()
            .enumerate()
            .filter(|(_, m)| path.starts_with(&m.at))
            .max_by_key(|(_, m)| m.at.len())
            .ok_or(Errno::ENOENT)?;
        let rest = path[m.at.len()..].iter().map(String::as_str).collect();
        Ok((i, rest))
    }

    fn is_mount_point(&self, path: &[String]) -> bool {
        self.mounts.iter().any(|m| m.at == path)
    }

    fn stat_at(&mut self, m: usize, rest: &[&str]) -> Result<Stat, Errno> {
        Ok(Stat {
            meta: self.mounts[m].fs.stat(rest)?,
            dev: m as u64 + 1,
        })
    }

    /// `stat(path)` (`lstat` too: there are no symbolic links).
    pub fn stat(&mut self, path: &Resolved) -> Result<Stat, Errno> {
        let (m, rest) = self.locate(&path.components)?;
        let st = self.stat_at(m, &rest)?;
        if path.dir_only && st.meta.kind != Kind::Dir {
            return Err(Errno::ENOTDIR);
        }
        Ok(st)
    }

    /// `open(path, flags)`.
    pub fn open(&mut self, path: &Resolved, flags: i32) -> Result<Opened, Errno> {
        if flags & !KNOWN_FLAGS != 0 {
            return Err(Errno::EINVAL);
        }
        let access = flags & O_ACCMODE;
        if access == O_ACCMODE {
            return Err(Errno::EINVAL);
        }
        let write = access != O_RDONLY;
        let create = flags & O_CREAT != 0;
        let (m, rest) = self.locate(&path.components)?;
        match self.stat_at(m, &rest) {
            Ok(st) if st.meta.kind == Kind::Dir => {
                if create && flags & O_EXCL != 0 {
                    return Err(Errno::EEXIST);
                }
                if write || create {
                    return Err(Errno::EISDIR);
                }
                return self.open_dir(m, &rest, path, st.meta);
            }
            Ok(_) if path.dir_only || flags & O_DIRECTORY != 0 => return Err(Errno::ENOTDIR),
            Err(Errno::ENOENT) if create && path.dir_only => return Err(Errno::EISDIR),
            _ => {}
        }
        let opts = OpenOptions {
            write,
            create,
            exclusive: create && flags & O_EXCL != 0,
            truncate: write && flags & O_TRUNC != 0,
        };
        let handle = self.mounts[m].fs.open(&rest, opts)?;
        Ok(Opened::File(OpenFile {
            mount: m,
            handle,
            offset: AtomicU64::new(0),
            readable: access != O_WRONLY,
            writable: write,
            append: AtomicBool::new(flags & O_APPEND != 0),
            sync_writes: flags & O_DSYNC != 0,
        }))
    }

    fn open_dir(
        &mut self,
        m: usize,
        rest: &[&str],
        path: &Resolved,
        meta: Meta,
    ) -> Result<Opened, Errno> {
        let mut entries = self.mounts[m].fs.read_dir(rest)?;
        // Mount points below this directory show in it.
        for mp in &self.mounts {
            if mp.at.len() == path.components.len() + 1 && mp.at.starts_with(&path.components) {
                let name = &mp.at[mp.at.len() - 1];
                if !entries.iter().any(|e| &e.name == name) {
                    entries.push(DirEntry {
                        name: name.clone(),
                        kind: Kind::Dir,
                        ino: 1,
                    });
                }
            }
        }
        let dots = ["..", "."].map(|name| DirEntry {
            name: name.to_string(),
            kind: Kind::Dir,
            ino: meta.ino,
        });
        entries.splice(0..0, dots.into_iter().rev());
        Ok(Opened::Dir(OpenDir {
            mount: m,
            entries,
            position: AtomicUsize::new(0),
            meta,
        }))
    }

    fn fs(&mut self, f: &OpenFile) -> &mut dyn FileSystem {
        self.mounts[f.mount].fs.as_mut()
    }

    /// `pread`: reads at `offset`, leaving the file's offset alone.
    pub fn pread(&mut self, f: &OpenFile, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        if !f.readable {
            return Err(Errno::EBADF);
        }
        self.fs(f).read(f.handle, offset, buf)
    }

    /// `pwrite`: writes at `offset` (Linux's `pwrite` appends on an
    /// `O_APPEND` file, whatever the offset).
    pub fn pwrite(&mut self, f: &OpenFile, offset: u64, data: &[u8]) -> Result<usize, Errno> {
        if !f.writable {
            return Err(Errno::EBADF);
        }
        let offset = if f.append() {
            self.fs(f).fstat(f.handle)?.size
        } else {
            offset
        };
        if offset.saturating_add(data.len() as u64) > MAX_OFFSET {
            return Err(Errno::EFBIG);
        }
        let n = self.fs(f).write(f.handle, offset, data)?;
        if f.sync_writes {
            self.fs(f).sync(f.handle)?;
        }
        Ok(n)
    }

    /// `read`: at the file's offset, which moves past what was read.
    pub fn read(&mut self, f: &OpenFile, buf: &mut [u8]) -> Result<usize, Errno> {
        let at = f.offset.load(Relaxed);
        let n = self.pread(f, at, buf)?;
        f.offset.store(at + n as u64, Relaxed);
        Ok(n)
    }

    /// `write`: at the file's offset (its end with `O_APPEND`), which
    /// moves past what was written.
    pub fn write(&mut self, f: &OpenFile, data: &[u8]) -> Result<usize, Errno> {
        let at = if f.append() {
            self.fs(f).fstat(f.handle)?.size
        } else {
            f.offset.load(Relaxed)
        };
        let n = self.pwrite(f, at, data)?;
        f.offset.store(at + n as u64, Relaxed);
        Ok(n)
    }

    /// `lseek`: the new offset; past the end is allowed (a later write
    /// leaves a hole of zeros), before the start is `EINVAL`.
    pub fn seek(&mut self, f: &OpenFile, offset: i64, whence: i32) -> Result<u64, Errno> {
        let base = match whence {
            SEEK_SET => 0,
            SEEK_CUR => f.offset.load(Relaxed) as i64,
            SEEK_END => self.fs(f).fstat(f.handle)?.size as i64,
            _ => return Err(Errno::EINVAL),
        };
        let new = base.checked_add(offset).ok_or(Errno::EOVERFLOW)?;
        if new < 0 {
            return Err(Errno::EINVAL);
        }
        f.offset.store(new as u64, Relaxed);
        Ok(new as u64)
    }

    pub fn fstat(&mut self, f: &OpenFile) -> Result<Stat, Errno> {
        Ok(Stat {
            meta: self.fs(f).fstat(f.handle)?,
            dev: f.mount as u64 + 1,
        })
    }

    pub fn dir_stat(&self, d: &OpenDir) -> Stat {
        Stat {
            meta: d.meta,
            dev: d.mount as u64 + 1,
        }
    }

    /// `fsync`/`fdatasync`.
    pub fn sync(&mut self, f: &OpenFile) -> Result<(), Errno> {
        self.fs(f).sync(f.handle)
    }

    /// `ftruncate`.
    pub fn set_len(&mut self, f: &OpenFile, len: i64) -> Result<(), Errno> {
        let len = u64::try_from(len).map_err(|_| Errno::EINVAL)?;
        if !f.writable {
            return Err(Errno::EINVAL);
        }
        if len > MAX_OFFSET {
            return Err(Errno::EFBIG);
        }
        self.fs(f).set_len(f.handle, len)
    }

    /// The last descriptor of `f` closed.
    pub fn close(&mut self, f: OpenFile) -> Result<(), Errno> {
        self.fs(&f).close(f.handle)
    }

    /// `truncate(path, len)`.
    pub fn truncate(&mut self, path: &Resolved, len: i64) -> Result<(), Errno> {
        let Opened::File(f) = self.open(path, O_WRONLY)? else {
            return Err(Errno::EISDIR);
        };
        let r = self.set_len(&f, len);
        self.close(f).and(r)
    }

    /// `mkdir(path)`.
    pub fn mkdir(&mut self, path: &Resolved) -> Result<(), Errno> {
        if self.is_mount_point(&path.components) {
            return Err(Errno::EEXIST);
        }
        let (m, rest) = self.locate(&path.components)?;
        self.mounts[m].fs.mkdir(&rest)
    }

    /// `unlink(path)`.
    pub fn unlink(&mut self, path: &Resolved) -> Result<(), Errno> {
        if self.is_mount_point(&path.components) {
            return Err(Errno::EISDIR);
        }
        let (m, rest) = self.locate(&path.components)?;
        if path.dir_only {
            // "file/" names no file; a directory is EISDIR either way.
            let st = self.stat_at(m, &rest)?;
            return Err(if st.meta.kind == Kind::Dir {
                Errno::EISDIR
            } else {
                Errno::ENOTDIR
            });
        }
        self.mounts[m].fs.unlink(&rest)
    }

    /// `rmdir(path)`.
    pub fn rmdir(&mut self, path: &Resolved) -> Result<(), Errno> {
        if self.is_mount_point(&path.components) {
            return Err(Errno::EBUSY);
        }
        let (m, rest) = self.locate(&path.components)?;
        self.mounts[m].fs.rmdir(&rest)
    }

    /// `rename(from, to)`: within one filesystem (`EXDEV` across).
    pub fn rename(&mut self, from: &Resolved, to: &Resolved) -> Result<(), Errno> {
        if self.is_mount_point(&from.components) || self.is_mount_point(&to.components) {
            return Err(Errno::EBUSY);
        }
        let (m, a) = self.locate(&from.components)?;
        let (n, b) = self.locate(&to.components)?;
        if m != n {
            // Linux checks the source exists first.
            self.stat_at(m, &a)?;
            return Err(Errno::EXDEV);
        }
        if from.dir_only || to.dir_only {
            let st = self.stat_at(m, &a)?;
            if st.meta.kind != Kind::Dir {
                return Err(Errno::ENOTDIR);
            }
        }
        self.mounts[m].fs.rename(&a, &b)
    }

    /// Makes every filesystem durable (shutdown): each mount's source and
    /// what its sync said.
    pub fn sync_all(&mut self) -> Vec<(String, Result<(), Errno>)> {
        self.mounts
            .iter_mut()
            .map(|m| (m.source.clone(), m.fs.sync_all()))
            .collect()
    }
}

/// File types and permission bits of `st_mode`.
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFSOCK: u32 = 0o140000;

/// The size of Linux x86_64's `struct stat`.
pub const STAT_SIZE: usize = 144;

/// `st_mode` for what `meta` describes: no owners or permissions are
/// kept, so everything is the owner's, read-only where it cannot change.
pub fn mode(meta: &Meta) -> u32 {
    let perm = match (meta.kind, meta.read_only) {
        (Kind::Dir, false) => 0o755,
        (Kind::Dir, true) => 0o555,
        (Kind::File, false) => 0o644,
        (Kind::File, true) => 0o444,
    };
    perm | if meta.kind == Kind::Dir {
        S_IFDIR
    } else {
        S_IFREG
    }
}

/// Linux x86_64's `struct stat` for `st`.
pub fn linux_stat(st: &Stat) -> [u8; STAT_SIZE] {
    stat_bytes(
        st.dev,
        st.meta.ino,
        mode(&st.meta),
        st.meta.size,
        st.meta.mtime_ns,
    )
}

/// The `struct stat` of something that is not a file: the console
/// (`S_IFCHR | 0o620`) or a socket (`S_IFSOCK | 0o777`).
pub fn device_stat(mode: u32) -> [u8; STAT_SIZE] {
    stat_bytes(0, 0, mode, 0, 0)
}

fn stat_bytes(dev: u64, ino: u64, mode: u32, size: u64, mtime_ns: u64) -> [u8; STAT_SIZE] {
    let mut b = [0u8; STAT_SIZE];
    let mut put = |at: usize, v: &[u8]| b[at..at + v.len()].copy_from_slice(v);
    put(0, &dev.to_le_bytes()); // st_dev
    put(8, &ino.to_le_bytes()); // st_ino
    put(16, &1u64.to_le_bytes()); // st_nlink
    put(24, &mode.to_le_bytes()); // st_mode (uid, gid 0)
    put(48, &size.to_le_bytes()); // st_size
    put(56, &4096u64.to_le_bytes()); // st_blksize
    put(64, &size.div_ceil(512).to_le_bytes()); // st_blocks
    let (sec, nsec) = (mtime_ns / 1_000_000_000, mtime_ns % 1_000_000_000);
    for at in [72, 88, 104] {
        // st_atim, st_mtim, st_ctim
        put(at, &sec.to_le_bytes());
        put(at + 8, &nsec.to_le_bytes());
    }
    b
}

/// `DT_*` for a directory entry.
pub fn dirent_type(kind: Kind) -> u8 {
    match kind {
        Kind::Dir => 4,
        Kind::File => 8,
    }
}

/// Packs entries from `d.position` as Linux's `linux_dirent64` records
/// into at most `room` bytes, advancing the position; `EINVAL` if not even
/// one fits (as Linux says for a buffer too small).
pub fn getdents(d: &OpenDir, room: usize) -> Result<Vec<u8>, Errno> {
    let mut out = Vec::new();
    let mut at = d.position.load(Relaxed);
    while let Some(e) = d.entries.get(at) {
        // d_ino, d_off, d_reclen, d_type, the name and its NUL, 8-aligned.
        let len = (19 + e.name.len() + 1).next_multiple_of(8);
        if out.len() + len > room {
            if out.is_empty() {
                return Err(Errno::EINVAL);
            }
            break;
        }
        let start = out.len();
        out.extend_from_slice(&e.ino.max(1).to_le_bytes());
        out.extend_from_slice(&((at + 1) as i64).to_le_bytes());
        out.extend_from_slice(&(len as u16).to_le_bytes());
        out.push(dirent_type(e.kind));
        out.extend_from_slice(e.name.as_bytes());
        out.resize(start + len, 0);
        at += 1;
    }
    d.position.store(at, Relaxed);
    Ok(out)
}

#[cfg(test)]
mod tests;
