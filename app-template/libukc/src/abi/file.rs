//! fcntl.h's open, sys/stat.h, dirent.h and unistd.h's file functions,
//! over the runtime's file calls. Each runtime call returns a value >= 0 or
//! -errno; these functions return -1 (or NULL) and set errno instead.
//!
//! The calls are weak imports, as the socket calls are (abi/net.rs): on a
//! runtime without files they resolve to 0, and then every path call fails
//! with ENOSYS and every descriptor call with EBADF (isatty still says
//! that 0, 1 and 2 are the console).
use super::malloc::{free, malloc};
use super::set_errno;
use crate::errno::{EBADF, EEXIST, EINVAL, EISDIR, ENOMEM, ENOSYS, ENOTDIR, ENOTTY, EPERM, ERANGE};
use crate::file::{
    dir_record, fill_dirent, open_takes_mode, Dirent, Stat, O_CLOEXEC, O_CREAT, O_DIRECTORY,
    O_EXCL, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, PATH_MAX, SEEK_SET,
};
use core::ffi::c_char;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};

type Call<A> = Option<A>;
type Path = *const c_char;

// SAFETY: these declarations match the runtime's file exports in name,
// argument and result types (Linux's argument order and structure
// layouts, a 64-bit result; pointers are app addresses, which the runtime
// checks). Each is a weak reference, so its value is the export's address
// or NULL, which `Option<fn>` represents.
unsafe extern "C" {
    #[linkage = "extern_weak"]
    static ukrt_open: Call<unsafe extern "C" fn(Path, i32, u32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_pread: Call<unsafe extern "C" fn(i32, *mut u8, usize, i64) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_pwrite: Call<unsafe extern "C" fn(i32, *const u8, usize, i64) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_lseek: Call<unsafe extern "C" fn(i32, i64, i32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_dup: Call<unsafe extern "C" fn(i32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_dup2: Call<unsafe extern "C" fn(i32, i32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_fstat: Call<unsafe extern "C" fn(i32, *mut Stat) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_stat: Call<unsafe extern "C" fn(Path, *mut Stat) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_access: Call<unsafe extern "C" fn(Path, i32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_unlink: Call<unsafe extern "C" fn(Path) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_rmdir: Call<unsafe extern "C" fn(Path) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_mkdir: Call<unsafe extern "C" fn(Path, u32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_rename: Call<unsafe extern "C" fn(Path, Path) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_getdents64: Call<unsafe extern "C" fn(i32, *mut u8, usize) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_fsync: Call<unsafe extern "C" fn(i32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_fdatasync: Call<unsafe extern "C" fn(i32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_ftruncate: Call<unsafe extern "C" fn(i32, i64) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_truncate: Call<unsafe extern "C" fn(Path, i64) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_getcwd: Call<unsafe extern "C" fn(*mut u8, usize) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_chdir: Call<unsafe extern "C" fn(Path) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_umask: Call<unsafe extern "C" fn(u32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_isatty: Call<unsafe extern "C" fn(i32) -> i64>;
}

/// The runtime's call `$name`, `None` when this runtime does not export it.
macro_rules! import {
    ($name:ident) => {{
        // SAFETY: the static is a weak import that the loader fills with
        // the export's address (or 0) before the app runs; nothing writes
        // it after, so this is a plain read of an initialised value.
        unsafe { $name }
    }};
}

/// A runtime result for C: the value, or -1 with errno = -result.
fn ret(r: i64) -> i64 {
    if r < 0 {
        set_errno(r.max(-4095).unsigned_abs() as i32);
        -1
    } else {
        r
    }
}

fn ret_int(r: i64) -> i32 {
    ret(r) as i32
}

fn fail<T: From<i8>>(e: i32) -> T {
    set_errno(e);
    T::from(-1)
}

/// Calls a path function of the runtime (ENOSYS without one).
macro_rules! path_call {
    ($name:ident, $($arg:expr),*) => {
        match import!($name) {
            // SAFETY: the runtime reads the path (and any other argument
            // pointer) through the app's memory, checking it (EFAULT), and
            // the caller of the C function passes what its contract says.
            Some(f) => ret_int(unsafe { f($($arg),*) }),
            None => fail(ENOSYS),
        }
    };
}

/// Calls a descriptor function of the runtime (EBADF without one).
macro_rules! fd_call {
    ($name:ident, $($arg:expr),*) => {
        match import!($name) {
            // SAFETY: the runtime export takes a descriptor and app
            // addresses it checks itself (EFAULT for bad ones), so any
            // argument values are sound to pass.
            Some(f) => ret(unsafe { f($($arg),*) }),
            None => fail(EBADF),
        }
    };
}

/// `open(path, flags, mode)`: the mode is read only with O_CREAT or
/// O_TMPFILE, as Linux reads it.
///
/// # Safety
/// C's contract for open: `path` is NUL-terminated, and a mode (an
/// unsigned int) follows when `flags` asks for one.
#[no_mangle]
pub unsafe extern "C" fn open(path: Path, flags: i32, mut args: ...) -> i32 {
    let mode = if open_takes_mode(flags) {
        // SAFETY: with O_CREAT or O_TMPFILE, C's contract for open is that
        // the caller passes the mode, an unsigned int (mode_t).
        unsafe { args.next_arg::<u32>() }
    } else {
        0
    };
    path_call!(ukrt_open, path, flags, mode)
}

/// # Safety
/// As for open, with the mode always given.
#[no_mangle]
pub unsafe extern "C" fn open64(path: Path, flags: i32, mut args: ...) -> i32 {
    let mode = if open_takes_mode(flags) {
        // SAFETY: with O_CREAT or O_TMPFILE, C's contract for open64 (as for
        // open) is that the caller passes the mode, an unsigned int.
        unsafe { args.next_arg::<u32>() }
    } else {
        0
    };
    path_call!(ukrt_open, path, flags, mode)
}

/// # Safety
/// `path` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn creat(path: Path, mode: u32) -> i32 {
    path_call!(ukrt_open, path, O_WRONLY | O_CREAT | O_TRUNC, mode)
}

/// # Safety
/// C's contract for pread: `n` writable bytes at `buf`.
#[no_mangle]
pub unsafe extern "C" fn pread(fd: i32, buf: *mut u8, n: usize, off: i64) -> isize {
    fd_call!(ukrt_pread, fd, buf, n, off) as isize
}

/// # Safety
/// C's contract for pwrite: `n` readable bytes at `buf`.
#[no_mangle]
pub unsafe extern "C" fn pwrite(fd: i32, buf: *const u8, n: usize, off: i64) -> isize {
    fd_call!(ukrt_pwrite, fd, buf, n, off) as isize
}

#[no_mangle]
pub extern "C" fn lseek(fd: i32, off: i64, whence: i32) -> i64 {
    fd_call!(ukrt_lseek, fd, off, whence)
}

/// off64_t is off_t here (64 bits).
#[no_mangle]
pub extern "C" fn lseek64(fd: i32, off: i64, whence: i32) -> i64 {
    lseek(fd, off, whence)
}

#[no_mangle]
pub extern "C" fn dup(fd: i32) -> i32 {
    fd_call!(ukrt_dup, fd) as i32
}

#[no_mangle]
pub extern "C" fn dup2(old: i32, new: i32) -> i32 {
    fd_call!(ukrt_dup2, old, new) as i32
}

/// # Safety
/// C's contract for fstat: `st` points at a writable struct stat.
#[no_mangle]
pub unsafe extern "C" fn fstat(fd: i32, st: *mut Stat) -> i32 {
    fd_call!(ukrt_fstat, fd, st) as i32
}

/// # Safety
/// C's contract for stat: `path` is NUL-terminated and `st` points at a
/// writable struct stat.
#[no_mangle]
pub unsafe extern "C" fn stat(path: Path, st: *mut Stat) -> i32 {
    path_call!(ukrt_stat, path, st)
}

/// There are no symbolic links, so lstat is stat.
///
/// # Safety
/// As for stat.
#[no_mangle]
pub unsafe extern "C" fn lstat(path: Path, st: *mut Stat) -> i32 {
    // SAFETY: the caller meets stat's contract, which is lstat's.
    unsafe { stat(path, st) }
}

/// # Safety
/// `path` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn access(path: Path, mode: i32) -> i32 {
    path_call!(ukrt_access, path, mode)
}

/// # Safety
/// `path` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn unlink(path: Path) -> i32 {
    path_call!(ukrt_unlink, path)
}

/// # Safety
/// `path` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn rmdir(path: Path) -> i32 {
    path_call!(ukrt_rmdir, path)
}

/// # Safety
/// `path` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn mkdir(path: Path, mode: u32) -> i32 {
    path_call!(ukrt_mkdir, path, mode)
}

/// # Safety
/// Both paths are NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn rename(old: Path, new: Path) -> i32 {
    path_call!(ukrt_rename, old, new)
}

/// `remove(path)`: unlink for a file, rmdir for a directory.
///
/// # Safety
/// `path` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn remove(path: Path) -> i32 {
    // SAFETY: the caller passes a NUL-terminated path, which is what
    // unlink and rmdir need.
    unsafe {
        if unlink(path) == 0 {
            return 0;
        }
        let e = super::errno.load(Relaxed);
        if e == EISDIR || e == EPERM {
            return rmdir(path);
        }
    }
    -1
}

#[no_mangle]
pub extern "C" fn fsync(fd: i32) -> i32 {
    fd_call!(ukrt_fsync, fd) as i32
}

#[no_mangle]
pub extern "C" fn fdatasync(fd: i32) -> i32 {
    fd_call!(ukrt_fdatasync, fd) as i32
}

#[no_mangle]
pub extern "C" fn ftruncate(fd: i32, len: i64) -> i32 {
    fd_call!(ukrt_ftruncate, fd, len) as i32
}

/// # Safety
/// `path` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn truncate(path: Path, len: i64) -> i32 {
    path_call!(ukrt_truncate, path, len)
}

/// # Safety
/// `path` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn chdir(path: Path) -> i32 {
    path_call!(ukrt_chdir, path)
}

/// `getcwd(buf, size)`; with a NULL `buf`, as glibc, a malloc'd buffer of
/// `size` bytes, or of the path's length when `size` is 0.
///
/// # Safety
/// C's contract for getcwd: `buf` is NULL or holds `size` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn getcwd(buf: *mut u8, size: usize) -> *mut u8 {
    let Some(f) = import!(ukrt_getcwd) else {
        set_errno(ENOSYS);
        return core::ptr::null_mut();
    };
    if !buf.is_null() {
        if size == 0 {
            set_errno(EINVAL);
            return core::ptr::null_mut();
        }
        // SAFETY: the runtime writes at most `size` bytes at `buf`, which
        // the caller provides (and the runtime checks).
        let r = unsafe { f(buf, size) };
        return if ret(r) < 0 {
            core::ptr::null_mut()
        } else {
            buf
        };
    }
    let mut tmp = [0u8; PATH_MAX];
    // SAFETY: `tmp` is PATH_MAX writable bytes of our own.
    let r = unsafe { f(tmp.as_mut_ptr(), PATH_MAX) };
    if ret(r) < 0 {
        return core::ptr::null_mut();
    }
    let len = r as usize;
    if size != 0 && len > size {
        set_errno(ERANGE);
        return core::ptr::null_mut();
    }
    let p = malloc(if size == 0 { len } else { size });
    if p.is_null() {
        set_errno(ENOMEM);
        return p;
    }
    // SAFETY: `p` is a fresh block of at least `len` bytes, and `tmp`
    // holds the `len` bytes (path and NUL) the runtime wrote.
    unsafe { core::ptr::copy_nonoverlapping(tmp.as_ptr(), p, len) };
    p
}

/// The mask when the runtime has no umask of its own.
static UMASK: AtomicU32 = AtomicU32::new(0o022);

#[no_mangle]
pub extern "C" fn umask(mask: u32) -> u32 {
    match import!(ukrt_umask) {
        // SAFETY: ukrt_umask takes an integer and no pointer.
        Some(f) => (unsafe { f(mask & 0o777) }) as u32,
        None => UMASK.swap(mask & 0o777, Relaxed),
    }
}

/// 1 for the console, 0 with errno ENOTTY (or EBADF) for the rest.
#[no_mangle]
pub extern "C" fn isatty(fd: i32) -> i32 {
    let r = match import!(ukrt_isatty) {
        // SAFETY: ukrt_isatty takes an integer and no pointer.
        Some(f) => unsafe { f(fd) },
        None if (0..=2).contains(&fd) => 1,
        None => -(EBADF as i64),
    };
    if r < 0 {
        set_errno(if r == -(ENOTTY as i64) {
            ENOTTY
        } else {
            (-r) as i32
        });
        0
    } else {
        1
    }
}

// --- dirent.h -------------------------------------------------------------

const DIRBUF: usize = 4096;

/// An open directory: its descriptor, a buffer of getdents64 records and
/// the entry readdir returns last.
#[allow(clippy::upper_case_acronyms)] // C's name
pub struct DIR {
    fd: i32,
    pos: usize,
    len: usize,
    entry: Dirent,
    buf: [u8; DIRBUF],
}

/// A DIR for `fd` in a fresh block; NULL (ENOMEM) when there is no memory.
fn new_dir(fd: i32) -> *mut DIR {
    let p = malloc(core::mem::size_of::<DIR>()).cast::<DIR>();
    if p.is_null() {
        set_errno(ENOMEM);
        return p;
    }
    // SAFETY: `p` is a fresh block of size_of::<DIR>() bytes, aligned to 16
    // (malloc's alignment, at least DIR's), so the fields can be written
    // in place; only the small ones are, and the buffer's bytes need no
    // value before getdents64 fills them (they are plain bytes, and the
    // entry is all integers).
    unsafe {
        core::ptr::addr_of_mut!((*p).fd).write(fd);
        core::ptr::addr_of_mut!((*p).pos).write(0);
        core::ptr::addr_of_mut!((*p).len).write(0);
        core::ptr::addr_of_mut!((*p).entry).write_bytes(0, 1);
        core::ptr::addr_of_mut!((*p).buf).write_bytes(0, 1);
    }
    p
}

/// # Safety
/// `path` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn opendir(path: Path) -> *mut DIR {
    // SAFETY: the caller passes a NUL-terminated path; no mode is needed
    // without O_CREAT.
    let fd = unsafe { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) };
    if fd < 0 {
        return core::ptr::null_mut();
    }
    let d = new_dir(fd);
    if d.is_null() {
        close_keep_errno(fd);
    }
    d
}

fn close_keep_errno(fd: i32) {
    let e = super::errno.load(Relaxed);
    super::net::close(fd);
    set_errno(e);
}

/// `fdopendir(fd)`: ENOTDIR unless `fd` is an open directory.
#[no_mangle]
pub extern "C" fn fdopendir(fd: i32) -> *mut DIR {
    let mut st = Stat::default();
    // SAFETY: `st` is a live, writable struct stat of our own.
    if unsafe { fstat(fd, &mut st) } < 0 {
        return core::ptr::null_mut();
    }
    if !st.is_dir() {
        set_errno(ENOTDIR);
        return core::ptr::null_mut();
    }
    new_dir(fd)
}

/// The DIR `d` points at.
///
/// # Safety
/// `d` is a live DIR from opendir or fdopendir, not used elsewhere during
/// the borrow.
unsafe fn dir<'a>(d: *mut DIR) -> &'a mut DIR {
    // SAFETY: the caller passes a live, initialised DIR, aligned (from
    // malloc) and not otherwise referenced.
    unsafe { &mut *d }
}

/// `readdir(d)`: the next entry ("." and ".." as the runtime lists them),
/// NULL at the end (errno unchanged) or on an error (errno set).
///
/// # Safety
/// `d` is a live DIR from opendir or fdopendir.
#[no_mangle]
pub unsafe extern "C" fn readdir(d: *mut DIR) -> *mut Dirent {
    // SAFETY: the caller passes a live DIR; no other reference to it
    // exists during the call (one thread of control).
    let d = unsafe { dir(d) };
    loop {
        if let Some(r) = dir_record(&d.buf[d.pos..d.len]) {
            d.pos += r.reclen;
            fill_dirent(&mut d.entry, &r);
            return &mut d.entry;
        }
        let Some(f) = import!(ukrt_getdents64) else {
            set_errno(EBADF);
            return core::ptr::null_mut();
        };
        // SAFETY: `d.buf` is DIRBUF writable bytes of the DIR, and the
        // runtime writes at most that many.
        let n = unsafe { f(d.fd, d.buf.as_mut_ptr(), DIRBUF) };
        if ret(n) <= 0 {
            return core::ptr::null_mut();
        }
        d.pos = 0;
        d.len = (n as usize).min(DIRBUF);
    }
}

/// # Safety
/// `d` is a live DIR from opendir or fdopendir; it is freed.
#[no_mangle]
pub unsafe extern "C" fn closedir(d: *mut DIR) -> i32 {
    if d.is_null() {
        return fail(EBADF);
    }
    // SAFETY: the caller passes a live DIR; its descriptor is read before
    // the block goes back to malloc, once.
    unsafe {
        let fd = (*d).fd;
        free(d.cast());
        super::net::close(fd)
    }
}

/// # Safety
/// `d` is a live DIR from opendir or fdopendir.
#[no_mangle]
pub unsafe extern "C" fn rewinddir(d: *mut DIR) {
    // SAFETY: the caller passes a live DIR, not otherwise referenced.
    let d = unsafe { dir(d) };
    d.pos = 0;
    d.len = 0;
    lseek(d.fd, 0, SEEK_SET);
}

/// # Safety
/// `d` is a live DIR from opendir or fdopendir.
#[no_mangle]
pub unsafe extern "C" fn dirfd(d: *mut DIR) -> i32 {
    // SAFETY: the caller passes a live DIR.
    unsafe { (*d).fd }
}

// --- tmpfile's names --------------------------------------------------------

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A candidate name for a temporary file: `template` (NUL-terminated,
/// ending in `X`s as mkstemp's do) with those `X`s replaced by letters and
/// digits drawn from the clock and a counter, so successive calls differ.
pub fn tmp_name<const N: usize>(mut template: [u8; N]) -> [u8; N] {
    let n = TMP_COUNTER.fetch_add(1, Relaxed);
    let mut x =
        super::time::now(super::time::CLOCK_MONOTONIC) ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let name = &mut template[..N - 1];
    for b in name.iter_mut().rev().take_while(|b| **b == b'X') {
        *b = b"0123456789abcdefghijklmnopqrstuv"[(x & 31) as usize];
        x >>= 5;
    }
    template
}

/// Opens a fresh file under /tmp (O_RDWR | O_CREAT | O_EXCL, mode 0600)
/// and unlinks it at once; its descriptor, or -1 with errno.
pub fn tmp_fd() -> i32 {
    for _ in 0..100 {
        let name = tmp_name(*b"/tmp/tmpf-XXXXXXXXXXXX\0");
        // SAFETY: `name` is NUL-terminated, and a mode follows O_CREAT.
        let fd = unsafe { open(name.as_ptr().cast(), O_RDWR | O_CREAT | O_EXCL, 0o600u32) };
        if fd >= 0 {
            // SAFETY: `name` is NUL-terminated.
            unsafe { unlink(name.as_ptr().cast()) };
            return fd;
        }
        if super::errno.load(Relaxed) != EEXIST {
            return -1;
        }
    }
    fail(EEXIST)
}
