//! unistd.h's process functions for a unikernel app: it is its domain's
//! process 1 with user and group 0 (root, as in a container), cannot start
//! other programs, and `sysconf` reports the runtime's limits.
use crate::errno::{EINVAL, ENAMETOOLONG, ENOSYS};
use core::ffi::c_char;

/// Every app's process id (each runs alone, as the init of its own world).
pub const PID: i32 = 1;

#[no_mangle]
pub extern "C" fn getpid() -> i32 {
    PID
}

#[no_mangle]
pub extern "C" fn getppid() -> i32 {
    0
}

#[no_mangle]
pub extern "C" fn getuid() -> u32 {
    0
}

#[no_mangle]
pub extern "C" fn geteuid() -> u32 {
    0
}

#[no_mangle]
pub extern "C" fn getgid() -> u32 {
    0
}

#[no_mangle]
pub extern "C" fn getegid() -> u32 {
    0
}

/// `_exit(status)`: ends the app without atexit handlers or flushing.
#[no_mangle]
pub extern "C" fn _exit(status: i32) -> ! {
    super::ukrt_exit(status)
}

#[no_mangle]
pub extern "C" fn _Exit(status: i32) -> ! {
    super::ukrt_exit(status)
}

fn enosys() -> i32 {
    super::set_errno(ENOSYS);
    -1
}

/// `system(cmd)`: there is no shell. `system(NULL)` says so with 0; any
/// command fails with -1 and errno ENOSYS.
#[no_mangle]
pub extern "C" fn system(cmd: *const c_char) -> i32 {
    if cmd.is_null() {
        0
    } else {
        enosys()
    }
}

#[no_mangle]
pub extern "C" fn fork() -> i32 {
    enosys()
}

#[no_mangle]
pub extern "C" fn execv(_path: *const c_char, _argv: *const *const c_char) -> i32 {
    enosys()
}

#[no_mangle]
pub extern "C" fn execvp(_file: *const c_char, _argv: *const *const c_char) -> i32 {
    enosys()
}

#[no_mangle]
pub extern "C" fn execve(
    _path: *const c_char,
    _argv: *const *const c_char,
    _envp: *const *const c_char,
) -> i32 {
    enosys()
}

#[no_mangle]
pub extern "C" fn pipe(_fds: *mut i32) -> i32 {
    enosys()
}

/// `sysconf`'s names (glibc's numbers) that libukc answers.
const SC_ARG_MAX: i32 = 0;
const SC_CHILD_MAX: i32 = 1;
const SC_CLK_TCK: i32 = 2;
const SC_OPEN_MAX: i32 = 4;
const SC_PAGESIZE: i32 = 30;
const SC_NPROCESSORS_CONF: i32 = 83;
const SC_NPROCESSORS_ONLN: i32 = 84;
const SC_LINE_MAX: i32 = 43;
const SC_HOST_NAME_MAX: i32 = 180;

#[no_mangle]
pub extern "C" fn sysconf(name: i32) -> i64 {
    match name {
        SC_ARG_MAX => 131072,
        SC_CHILD_MAX => 1,
        SC_CLK_TCK => 100,
        SC_OPEN_MAX => 1024,
        SC_PAGESIZE => 4096,
        SC_NPROCESSORS_CONF | SC_NPROCESSORS_ONLN => 1,
        SC_LINE_MAX => 2048,
        SC_HOST_NAME_MAX => 64,
        _ => {
            super::set_errno(EINVAL);
            -1
        }
    }
}

#[no_mangle]
pub extern "C" fn getpagesize() -> i32 {
    4096
}

/// `gethostname`: the app's HOSTNAME environment variable, else "ukrt".
///
/// # Safety
/// `buf` must be writable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn gethostname(buf: *mut c_char, len: usize) -> i32 {
    // SAFETY: the name is a NUL-terminated literal.
    let env = unsafe { super::stdlib::getenv(c"HOSTNAME".as_ptr()) };
    let name: &[u8] = if env.is_null() {
        b"ukrt"
    } else {
        // SAFETY: getenv returns a NUL-terminated string that lives as long
        // as the app.
        unsafe { core::slice::from_raw_parts(env.cast(), super::c_strlen(env.cast())) }
    };
    if name.len() >= len {
        super::set_errno(ENAMETOOLONG);
        return -1;
    }
    // SAFETY: the caller passes `len` writable bytes at `buf`, and
    // name.len() + 1 <= len.
    unsafe {
        core::ptr::copy_nonoverlapping(name.as_ptr(), buf.cast(), name.len());
        *buf.add(name.len()) = 0;
    }
    0
}
