//! The file-metadata calls that have no meaning on ukrt's filesystems,
//! so that code written for Linux runs: files have no owners or
//! permission bits beyond what stat reports, and there are no symbolic
//! links. Each checks that its file exists (and fails as Linux would when
//! it does not), then succeeds without changing anything — except readlink,
//! which says "not a link" (EINVAL) as Linux does for a regular file.
use crate::errno::EINVAL;
use core::ffi::c_char;
use core::mem::MaybeUninit;

fn exists(path: *const c_char) -> bool {
    let mut st = MaybeUninit::<crate::file::Stat>::uninit();
    // SAFETY: the callers pass C's contract on: `path` is NUL-terminated;
    // `st` is a writable struct stat.
    unsafe { super::file::stat(path.cast(), st.as_mut_ptr()) == 0 }
}

fn open_fd(fd: i32) -> bool {
    let mut st = MaybeUninit::<crate::file::Stat>::uninit();
    // SAFETY: `st` is a writable struct stat.
    unsafe { super::file::fstat(fd, st.as_mut_ptr()) == 0 }
}

fn ok_if(found: bool) -> i32 {
    if found {
        0
    } else {
        -1 // errno set by stat/fstat
    }
}

/// # Safety
/// `path` must be NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn chmod(path: *const c_char, _mode: u32) -> i32 {
    ok_if(exists(path))
}

#[no_mangle]
pub extern "C" fn fchmod(fd: i32, _mode: u32) -> i32 {
    ok_if(open_fd(fd))
}

/// # Safety
/// `path` must be NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn chown(path: *const c_char, _uid: u32, _gid: u32) -> i32 {
    ok_if(exists(path))
}

#[no_mangle]
pub extern "C" fn fchown(fd: i32, _uid: u32, _gid: u32) -> i32 {
    ok_if(open_fd(fd))
}

/// `utimes`, `utime`, `utimensat` and `futimens`: accepted, not applied
/// (the filesystems set a file's time when it is written).
///
/// # Safety
/// `path` must be NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn utimes(path: *const c_char, _times: *const u8) -> i32 {
    ok_if(exists(path))
}

/// # Safety
/// `path` must be NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn utime(path: *const c_char, _times: *const u8) -> i32 {
    ok_if(exists(path))
}

#[no_mangle]
pub extern "C" fn futimens(fd: i32, _times: *const u8) -> i32 {
    ok_if(open_fd(fd))
}

/// `readlink`: there are no symbolic links; an existing path is not one.
///
/// # Safety
/// `path` must be NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn readlink(path: *const c_char, _buf: *mut c_char, _len: usize) -> isize {
    if exists(path) {
        super::set_errno(EINVAL);
    }
    -1
}

/// `ioctl`: no device takes requests (ENOTTY); see sys/ioctl.h.
#[no_mangle]
pub unsafe extern "C" fn ioctl(fd: i32, _request: u64, _args: ...) -> i32 {
    if open_fd(fd) {
        super::set_errno(crate::errno::ENOTTY);
    }
    -1
}
