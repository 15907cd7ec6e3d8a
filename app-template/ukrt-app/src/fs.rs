//! Files and directories shaped like `std::fs`: [`File`] (with
//! [`OpenOptions`]), [`Metadata`], [`read_dir`], and the helpers
//! ([`read`], [`read_to_string`], [`write`], [`create_dir_all`],
//! [`remove_dir_all`]...). Paths are `&str`s; errors are
//! [`io::Error`](crate::io::Error)s whose kinds follow the errno as std's
//! do (`NotFound`, `AlreadyExists`, `PermissionDenied`, `IsADirectory`...).
//!
//! ```ignore
//! use ukrt_app::fs;
//! use ukrt_app::io::Write;
//! let mut f = fs::File::create("/tmp/log.txt")?;
//! writeln!(f, "started")?;
//! for e in fs::read_dir("/data")? {
//!     ukrt_app::println!("{}", e?.file_name());
//! }
//! ```
//!
//! The module goes through libukc's POSIX functions (no stdio buffering:
//! each read or write is one call) and uses only `core` and `alloc`, so the
//! host tests build this same file against glibc.
use crate::io::{Error, ErrorKind, Read, Result, Seek, SeekFrom, Write};
use alloc::ffi::CString;
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

/// The C side: libukc's functions (glibc's on the host), with Linux's
/// numbers and layouts.
mod sys {
    use core::ffi::c_char;

    pub const O_RDONLY: i32 = 0;
    pub const O_WRONLY: i32 = 1;
    pub const O_RDWR: i32 = 2;
    pub const O_CREAT: i32 = 0o100;
    pub const O_EXCL: i32 = 0o200;
    pub const O_TRUNC: i32 = 0o1000;
    pub const O_APPEND: i32 = 0o2000;
    pub const O_CLOEXEC: i32 = 0o2000000;
    pub const S_IFMT: u32 = 0o170000;
    pub const S_IFDIR: u32 = 0o040000;
    pub const S_IFREG: u32 = 0o100000;
    pub const DT_DIR: u8 = 4;
    pub const DT_REG: u8 = 8;
    pub const EINTR: i32 = 4;

    /// `struct timespec`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, Default)]
    pub struct Timespec {
        pub tv_sec: i64,
        pub tv_nsec: i64,
    }

    /// `struct stat` of Linux x86_64.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, Default)]
    pub struct Stat {
        pub st_dev: u64,
        pub st_ino: u64,
        pub st_nlink: u64,
        pub st_mode: u32,
        pub st_uid: u32,
        pub st_gid: u32,
        pub pad0: i32,
        pub st_rdev: u64,
        pub st_size: i64,
        pub st_blksize: i64,
        pub st_blocks: i64,
        pub st_atim: Timespec,
        pub st_mtim: Timespec,
        pub st_ctim: Timespec,
        pub unused: [i64; 3],
    }

    /// glibc's `struct dirent` on x86_64.
    #[repr(C)]
    pub struct Dirent {
        pub d_ino: u64,
        pub d_off: i64,
        pub d_reclen: u16,
        pub d_type: u8,
        pub d_name: [c_char; 256],
    }

    /// `DIR`, opaque.
    #[repr(C)]
    pub struct Dir {
        _private: [u8; 0],
    }

    // SAFETY: these declarations match libukc's C functions
    // (app-template/libukc/src/abi/file.rs and net.rs) and glibc's, in name,
    // argument and result types. The ones marked `safe` take no pointer
    // and are sound with any argument: a bad descriptor is an error
    // result, not undefined behaviour.
    unsafe extern "C" {
        pub fn open(path: *const c_char, flags: i32, ...) -> i32;
        pub fn read(fd: i32, buf: *mut u8, n: usize) -> isize;
        pub fn write(fd: i32, buf: *const u8, n: usize) -> isize;
        pub safe fn close(fd: i32) -> i32;
        pub safe fn lseek(fd: i32, off: i64, whence: i32) -> i64;
        pub fn fstat(fd: i32, st: *mut Stat) -> i32;
        pub fn stat(path: *const c_char, st: *mut Stat) -> i32;
        pub fn mkdir(path: *const c_char, mode: u32) -> i32;
        pub fn rmdir(path: *const c_char) -> i32;
        pub fn unlink(path: *const c_char) -> i32;
        pub fn rename(old: *const c_char, new: *const c_char) -> i32;
        pub safe fn fsync(fd: i32) -> i32;
        pub safe fn fdatasync(fd: i32) -> i32;
        pub safe fn ftruncate(fd: i32, len: i64) -> i32;
        pub fn opendir(path: *const c_char) -> *mut Dir;
        pub fn readdir(d: *mut Dir) -> *mut Dirent;
        pub fn closedir(d: *mut Dir) -> i32;
        pub safe fn __errno_location() -> *mut i32;
    }
}

fn cvt(r: i32) -> Result<i32> {
    if r < 0 {
        Err(Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// Repeats `f` while it fails with EINTR.
fn retry<T>(mut f: impl FnMut() -> Result<T>) -> Result<T> {
    loop {
        match f() {
            Err(e) if e.raw_os_error() == Some(sys::EINTR) => continue,
            other => return other,
        }
    }
}

/// A path as C wants it (`InvalidInput` if it holds a NUL).
fn c_path(p: &str) -> Result<CString> {
    CString::new(p).map_err(|_| Error::new(ErrorKind::InvalidInput, "path contains a NUL byte"))
}

/// Calls `f` with the C form of `path`.
fn with_path<T>(path: &str, f: impl FnOnce(*const core::ffi::c_char) -> Result<T>) -> Result<T> {
    let c = c_path(path)?;
    f(c.as_ptr())
}

/// How to open a file, like `std::fs::OpenOptions`.
#[derive(Clone, Debug)]
pub struct OpenOptions {
    read: bool,
    write: bool,
    append: bool,
    truncate: bool,
    create: bool,
    create_new: bool,
    mode: u32,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl OpenOptions {
    /// Nothing set (mode 0o666 for new files, less the umask).
    pub fn new() -> Self {
        OpenOptions {
            read: false,
            write: false,
            append: false,
            truncate: false,
            create: false,
            create_new: false,
            mode: 0o666,
        }
    }
    pub fn read(&mut self, on: bool) -> &mut Self {
        self.read = on;
        self
    }
    pub fn write(&mut self, on: bool) -> &mut Self {
        self.write = on;
        self
    }
    /// Every write goes to the end (implies writing).
    pub fn append(&mut self, on: bool) -> &mut Self {
        self.append = on;
        self
    }
    pub fn truncate(&mut self, on: bool) -> &mut Self {
        self.truncate = on;
        self
    }
    pub fn create(&mut self, on: bool) -> &mut Self {
        self.create = on;
        self
    }
    /// Create, failing with `AlreadyExists` if the file is there.
    pub fn create_new(&mut self, on: bool) -> &mut Self {
        self.create_new = on;
        self
    }
    /// The permission bits of a created file (before the umask).
    pub fn mode(&mut self, mode: u32) -> &mut Self {
        self.mode = mode;
        self
    }

    /// open's flags, with std's rules for what goes together.
    fn flags(&self) -> Result<i32> {
        let writes = self.write || self.append;
        let access = match (self.read, writes) {
            (true, false) => sys::O_RDONLY,
            (false, true) => sys::O_WRONLY,
            (true, true) => sys::O_RDWR,
            (false, false) => {
                return Err(Error::new(
                    ErrorKind::InvalidInput,
                    "must open for reading, writing or appending",
                ))
            }
        };
        let creates = self.truncate || self.create || self.create_new;
        if !writes && creates || self.append && self.truncate && !self.create_new {
            return Err(Error::from_raw_os_error(22));
        }
        let creation = if self.create_new {
            sys::O_CREAT | sys::O_EXCL
        } else {
            (if self.create { sys::O_CREAT } else { 0 })
                | (if self.truncate { sys::O_TRUNC } else { 0 })
        };
        let append = if self.append { sys::O_APPEND } else { 0 };
        Ok(access | creation | append | sys::O_CLOEXEC)
    }

    pub fn open(&self, path: &str) -> Result<File> {
        let flags = self.flags()?;
        with_path(path, |p| {
            // SAFETY: `p` is a NUL-terminated path that lives for the call,
            // and the mode (an unsigned int) follows, which open reads with
            // O_CREAT.
            retry(|| cvt(unsafe { sys::open(p, flags, self.mode) })).map(|fd| File { fd })
        })
    }
}

/// An open file, closed when dropped.
#[derive(Debug)]
pub struct File {
    fd: i32,
}

impl Drop for File {
    fn drop(&mut self) {
        sys::close(self.fd);
    }
}

impl File {
    /// Opens `path` for reading.
    pub fn open(path: &str) -> Result<File> {
        OpenOptions::new().read(true).open(path)
    }
    /// Opens `path` for writing, creating it or emptying it.
    pub fn create(path: &str) -> Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
    }
    /// Creates `path` for reading and writing; `AlreadyExists` if it is
    /// there.
    pub fn create_new(path: &str) -> Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
    }
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }
    pub fn metadata(&self) -> Result<Metadata> {
        let mut st = sys::Stat::default();
        // SAFETY: `st` is a live, writable struct stat.
        cvt(unsafe { sys::fstat(self.fd, &mut st) })?;
        Ok(Metadata(st))
    }
    /// Truncates or extends (with zeros) to `len` bytes.
    pub fn set_len(&self, len: u64) -> Result<()> {
        let len = i64::try_from(len).map_err(|_| Error::from_raw_os_error(22))?;
        retry(|| cvt(sys::ftruncate(self.fd, len))).map(drop)
    }
    /// Data and metadata to the device.
    pub fn sync_all(&self) -> Result<()> {
        retry(|| cvt(sys::fsync(self.fd))).map(drop)
    }
    /// Data to the device.
    pub fn sync_data(&self) -> Result<()> {
        retry(|| cvt(sys::fdatasync(self.fd))).map(drop)
    }
    /// The descriptor.
    pub fn as_raw_fd(&self) -> i32 {
        self.fd
    }
}

impl Read for &File {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        retry(|| {
            // SAFETY: `buf` is a live, writable slice; read writes at most
            // its `len` bytes.
            let r = unsafe { sys::read(self.fd, buf.as_mut_ptr(), buf.len()) };
            if r < 0 {
                Err(Error::last_os_error())
            } else {
                Ok(r as usize)
            }
        })
    }
}

impl Write for &File {
    fn write(&mut self, buf: &[u8]) -> Result<usize> {
        retry(|| {
            // SAFETY: `buf` is a live slice; write reads only its `len`
            // bytes.
            let r = unsafe { sys::write(self.fd, buf.as_ptr(), buf.len()) };
            if r < 0 {
                Err(Error::last_os_error())
            } else {
                Ok(r as usize)
            }
        })
    }
    /// Nothing is buffered here.
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }
}

impl Seek for &File {
    fn seek(&mut self, pos: SeekFrom) -> Result<u64> {
        let (off, whence) = match pos {
            SeekFrom::Start(n) => (
                i64::try_from(n).map_err(|_| Error::from_raw_os_error(22))?,
                0,
            ),
            SeekFrom::Current(n) => (n, 1),
            SeekFrom::End(n) => (n, 2),
        };
        let r = sys::lseek(self.fd, off, whence);
        if r < 0 {
            Err(Error::last_os_error())
        } else {
            Ok(r as u64)
        }
    }
}

impl Read for File {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        (&*self).read(buf)
    }
}

impl Write for File {
    fn write(&mut self, buf: &[u8]) -> Result<usize> {
        (&*self).write(buf)
    }
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }
}

impl Seek for File {
    fn seek(&mut self, pos: SeekFrom) -> Result<u64> {
        (&*self).seek(pos)
    }
}

/// What kind of file an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileType(u32);

impl FileType {
    pub fn is_dir(&self) -> bool {
        self.0 & sys::S_IFMT == sys::S_IFDIR
    }
    pub fn is_file(&self) -> bool {
        self.0 & sys::S_IFMT == sys::S_IFREG
    }
    /// There are no symbolic links.
    pub fn is_symlink(&self) -> bool {
        false
    }
}

/// What `stat` says about a file.
#[derive(Clone, Debug)]
pub struct Metadata(sys::Stat);

impl Metadata {
    pub fn len(&self) -> u64 {
        self.0.st_size.max(0) as u64
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn is_file(&self) -> bool {
        self.file_type().is_file()
    }
    pub fn is_dir(&self) -> bool {
        self.file_type().is_dir()
    }
    pub fn file_type(&self) -> FileType {
        FileType(self.0.st_mode)
    }
    /// The permission bits (`st_mode & 0o7777`).
    pub fn mode(&self) -> u32 {
        self.0.st_mode & 0o7777
    }
    /// The last modification, since the Unix epoch (there is no
    /// SystemTime).
    pub fn modified(&self) -> Result<Duration> {
        let t = self.0.st_mtim;
        if t.tv_sec < 0 || !(0..1_000_000_000).contains(&t.tv_nsec) {
            return Err(Error::new(ErrorKind::InvalidData, "time before the epoch"));
        }
        Ok(Duration::new(t.tv_sec as u64, t.tv_nsec as u32))
    }
}

/// `stat(path)`.
pub fn metadata(path: &str) -> Result<Metadata> {
    with_path(path, |p| {
        let mut st = sys::Stat::default();
        // SAFETY: `p` is NUL-terminated and `st` a live, writable struct
        // stat.
        cvt(unsafe { sys::stat(p, &mut st) })?;
        Ok(Metadata(st))
    })
}

/// There are no symbolic links, so this is [`metadata`].
pub fn symlink_metadata(path: &str) -> Result<Metadata> {
    metadata(path)
}

/// Whether `path` exists: `Ok(false)` for NotFound, other errors as they
/// are.
pub fn exists(path: &str) -> Result<bool> {
    match metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// The whole file.
pub fn read(path: &str) -> Result<Vec<u8>> {
    let mut f = File::open(path)?;
    let mut v = Vec::with_capacity(f.metadata().map_or(0, |m| m.len() as usize));
    f.read_to_end(&mut v)?;
    Ok(v)
}

/// The whole file as UTF-8 (`InvalidData` if it is not).
pub fn read_to_string(path: &str) -> Result<String> {
    let mut s = String::new();
    File::open(path)?.read_to_string(&mut s)?;
    Ok(s)
}

/// Creates or replaces `path` with `data`.
pub fn write(path: &str, data: impl AsRef<[u8]>) -> Result<()> {
    File::create(path)?.write_all(data.as_ref())
}

pub fn create_dir(path: &str) -> Result<()> {
    // SAFETY: `p` is NUL-terminated for the call.
    with_path(path, |p| cvt(unsafe { sys::mkdir(p, 0o777) }).map(drop))
}

/// Creates `path` and every missing parent; fine if it exists as a
/// directory.
pub fn create_dir_all(path: &str) -> Result<()> {
    if path.is_empty() {
        return Ok(());
    }
    match create_dir(path) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists && metadata(path)?.is_dir() => return Ok(()),
        Err(e) => return Err(e),
    }
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(i) if i > 0 => create_dir_all(&trimmed[..i])?,
        _ => {}
    }
    match create_dir(path) {
        Err(e) if e.kind() == ErrorKind::AlreadyExists && metadata(path)?.is_dir() => Ok(()),
        other => other,
    }
}

pub fn remove_file(path: &str) -> Result<()> {
    // SAFETY: `p` is NUL-terminated for the call.
    with_path(path, |p| cvt(unsafe { sys::unlink(p) }).map(drop))
}

/// Removes an empty directory.
pub fn remove_dir(path: &str) -> Result<()> {
    // SAFETY: `p` is NUL-terminated for the call.
    with_path(path, |p| cvt(unsafe { sys::rmdir(p) }).map(drop))
}

/// Removes `path` and everything under it.
pub fn remove_dir_all(path: &str) -> Result<()> {
    for e in read_dir(path)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            remove_dir_all(&e.path())?;
        } else {
            remove_file(&e.path())?;
        }
    }
    remove_dir(path)
}

/// Renames `from` to `to`, replacing a file there.
pub fn rename(from: &str, to: &str) -> Result<()> {
    let (a, b) = (c_path(from)?, c_path(to)?);
    // SAFETY: both paths are NUL-terminated and live for the call.
    cvt(unsafe { sys::rename(a.as_ptr(), b.as_ptr()) }).map(drop)
}

/// Copies the contents of `from` to `to` (created or emptied); the bytes
/// copied.
pub fn copy(from: &str, to: &str) -> Result<u64> {
    let data = read(from)?;
    write(to, &data)?;
    Ok(data.len() as u64)
}

/// The entries of a directory (not `.` and `..`), in the file system's
/// order.
pub fn read_dir(path: &str) -> Result<ReadDir> {
    // SAFETY: `p` is NUL-terminated for the call.
    let d = with_path(path, |p| Ok(unsafe { sys::opendir(p) }))?;
    if d.is_null() {
        return Err(Error::last_os_error());
    }
    Ok(ReadDir {
        dir: d,
        root: String::from(path.trim_end_matches('/')),
    })
}

/// [`read_dir`]'s iterator; closes the directory when dropped.
#[derive(Debug)]
pub struct ReadDir {
    dir: *mut sys::Dir,
    root: String,
}

impl Drop for ReadDir {
    fn drop(&mut self) {
        // SAFETY: `dir` is the live DIR opendir gave, closed only here.
        unsafe { sys::closedir(self.dir) };
    }
}

impl Iterator for ReadDir {
    type Item = Result<DirEntry>;
    fn next(&mut self) -> Option<Result<DirEntry>> {
        loop {
            // SAFETY: errno is this thread's, an aligned int; readdir gets
            // the live DIR of this ReadDir.
            let e = unsafe {
                *sys::__errno_location() = 0;
                sys::readdir(self.dir)
            };
            if e.is_null() {
                let err = Error::last_os_error();
                return (err.raw_os_error() != Some(0)).then_some(Err(err));
            }
            // SAFETY: a non-NULL readdir result points at an entry with a
            // NUL-terminated name, valid until the next readdir on this DIR
            // (it is copied before then).
            let (name, ty) =
                unsafe { (core::ffi::CStr::from_ptr((*e).d_name.as_ptr()), (*e).d_type) };
            let name = name.to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let name = String::from_utf8_lossy(name).into_owned();
            let path = alloc::format!("{}/{}", self.root, name);
            return Some(Ok(DirEntry { name, path, ty }));
        }
    }
}

/// One entry of a directory.
#[derive(Debug)]
pub struct DirEntry {
    name: String,
    path: String,
    ty: u8,
}

impl DirEntry {
    pub fn file_name(&self) -> &str {
        &self.name
    }
    /// The directory's path given to read_dir, `/`, and the name.
    pub fn path(&self) -> String {
        self.path.clone()
    }
    pub fn metadata(&self) -> Result<Metadata> {
        metadata(&self.path)
    }
    /// From the entry itself when it says (DT_REG, DT_DIR), else stat.
    pub fn file_type(&self) -> Result<FileType> {
        match self.ty {
            sys::DT_DIR => Ok(FileType(sys::S_IFDIR)),
            sys::DT_REG => Ok(FileType(sys::S_IFREG)),
            _ => Ok(self.metadata()?.file_type()),
        }
    }
}
