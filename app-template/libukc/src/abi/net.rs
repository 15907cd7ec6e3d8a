//! sys/socket.h, poll.h, sys/select.h, fcntl.h's fcntl and unistd.h's
//! read, write and close, over the runtime's socket calls. Each runtime
//! call returns a value >= 0 or -errno; these functions return -1 and set
//! errno instead, as C expects.
//!
//! The runtime's calls are weak imports: on a runtime without them (one
//! that predates networking) the loader resolves them to 0, and then
//! `socket` and `poll` fail with ENOSYS, calls on a descriptor with EBADF
//! (only 0, 1 and 2 exist there), and `read(0)`, `write(1)` and `write(2)`
//! use the console as before.
use super::set_errno;
use super::stdio;
use crate::errno::{EBADF, EINVAL, ENOSYS};
use crate::net::{self, FdSet, Pollfd, Sockaddr, Timeval, FD_SETSIZE, POLLIN, POLLNVAL};
use core::ffi::c_void;

type Call<A> = Option<A>;

// SAFETY: these declarations match the runtime's socket exports in name,
// argument and result types (the ABI of runtime/src/apps/exports.rs's
// network calls: Linux's argument order and structure layouts, a 64-bit
// result). Each is a weak reference, so its value is the export's address
// or NULL, which `Option<fn>` represents.
unsafe extern "C" {
    #[linkage = "extern_weak"]
    static ukrt_socket: Call<unsafe extern "C" fn(i32, i32, i32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_bind: Call<unsafe extern "C" fn(i32, *const Sockaddr, u32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_listen: Call<unsafe extern "C" fn(i32, i32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_accept: Call<unsafe extern "C" fn(i32, *mut Sockaddr, *mut u32, i32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_connect: Call<unsafe extern "C" fn(i32, *const Sockaddr, u32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_sendto:
        Call<unsafe extern "C" fn(i32, *const c_void, usize, i32, *const Sockaddr, u32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_recvfrom:
        Call<unsafe extern "C" fn(i32, *mut c_void, usize, i32, *mut Sockaddr, *mut u32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_shutdown: Call<unsafe extern "C" fn(i32, i32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_close: Call<unsafe extern "C" fn(i32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_setsockopt: Call<unsafe extern "C" fn(i32, i32, i32, *const c_void, u32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_getsockopt: Call<unsafe extern "C" fn(i32, i32, i32, *mut c_void, *mut u32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_getsockname: Call<unsafe extern "C" fn(i32, *mut Sockaddr, *mut u32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_getpeername: Call<unsafe extern "C" fn(i32, *mut Sockaddr, *mut u32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_fcntl: Call<unsafe extern "C" fn(i32, i32, i64) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_poll: Call<unsafe extern "C" fn(*mut Pollfd, u64, i32) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_read: Call<unsafe extern "C" fn(i32, *mut c_void, usize) -> i64>;
    #[linkage = "extern_weak"]
    static ukrt_write: Call<unsafe extern "C" fn(i32, *const c_void, usize) -> i64>;
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

#[no_mangle]
pub extern "C" fn socket(domain: i32, ty: i32, protocol: i32) -> i32 {
    let Some(f) = import!(ukrt_socket) else {
        return fail(ENOSYS);
    };
    // SAFETY: ukrt_socket takes three integers and no pointer; the runtime
    // checks their values (EAFNOSUPPORT, EINVAL, ...).
    ret_int(unsafe { f(domain, ty, protocol) })
}

/// # Safety
/// C's contract for bind: `addr` points at `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn bind(fd: i32, addr: *const Sockaddr, len: u32) -> i32 {
    let Some(f) = import!(ukrt_bind) else {
        return fail(EBADF);
    };
    // SAFETY: the runtime reads the `len` bytes at `addr` through the app's
    // memory (EFAULT when they are not readable app memory), which the
    // caller promises hold a socket address.
    ret_int(unsafe { f(fd, addr, len) })
}

#[no_mangle]
pub extern "C" fn listen(fd: i32, backlog: i32) -> i32 {
    let Some(f) = import!(ukrt_listen) else {
        return fail(EBADF);
    };
    // SAFETY: ukrt_listen takes two integers and no pointer.
    ret_int(unsafe { f(fd, backlog) })
}

/// # Safety
/// C's contract for accept4: `addr` and `len` are both NULL, or `len`
/// points at a writable `socklen_t` holding the room at `addr`, which is
/// writable for that many bytes.
#[no_mangle]
pub unsafe extern "C" fn accept4(fd: i32, addr: *mut Sockaddr, len: *mut u32, flags: i32) -> i32 {
    let Some(f) = import!(ukrt_accept) else {
        return fail(EBADF);
    };
    // SAFETY: the runtime writes the peer's address (at most `*len` bytes)
    // and its length only through the app's memory (EFAULT for memory that
    // is not writable app memory), where the caller provides that room.
    ret_int(unsafe { f(fd, addr, len, flags) })
}

/// # Safety
/// C's contract for accept: as for accept4 (`addr` and `len` NULL, or
/// room for the address and its length).
#[no_mangle]
pub unsafe extern "C" fn accept(fd: i32, addr: *mut Sockaddr, len: *mut u32) -> i32 {
    // SAFETY: accept is accept4 without flags, and the caller meets
    // accept4's contract for `addr` and `len`, which is accept's.
    unsafe { accept4(fd, addr, len, 0) }
}

/// # Safety
/// C's contract for connect: `addr` points at `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn connect(fd: i32, addr: *const Sockaddr, len: u32) -> i32 {
    let Some(f) = import!(ukrt_connect) else {
        return fail(EBADF);
    };
    // SAFETY: the runtime reads the `len` bytes at `addr` through the app's
    // memory (EFAULT when they are not readable app memory), which the
    // caller promises hold a socket address.
    ret_int(unsafe { f(fd, addr, len) })
}

/// # Safety
/// C's contract for sendto: `len` readable bytes at `buf`; `addr` NULL or
/// pointing at `addrlen` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn sendto(
    fd: i32,
    buf: *const c_void,
    len: usize,
    flags: i32,
    addr: *const Sockaddr,
    addrlen: u32,
) -> isize {
    let Some(f) = import!(ukrt_sendto) else {
        return fail(EBADF);
    };
    // SAFETY: the runtime reads the `len` bytes at `buf` and the `addrlen`
    // bytes at a non-NULL `addr` through the app's memory (EFAULT when they
    // are not readable app memory), which the caller provides.
    ret(unsafe { f(fd, buf, len, flags, addr, addrlen) }) as isize
}

/// # Safety
/// C's contract for send: `len` readable bytes at `buf`.
#[no_mangle]
pub unsafe extern "C" fn send(fd: i32, buf: *const c_void, len: usize, flags: i32) -> isize {
    // SAFETY: send is sendto without an address; the caller passes `len`
    // readable bytes at `buf`, and a NULL address with length 0 is valid.
    unsafe { sendto(fd, buf, len, flags, core::ptr::null(), 0) }
}

/// # Safety
/// C's contract for recvfrom: `len` writable bytes at `buf`; `addr` and
/// `addrlen` both NULL, or `addrlen` a writable `socklen_t` holding the
/// room at `addr`.
#[no_mangle]
pub unsafe extern "C" fn recvfrom(
    fd: i32,
    buf: *mut c_void,
    len: usize,
    flags: i32,
    addr: *mut Sockaddr,
    addrlen: *mut u32,
) -> isize {
    let Some(f) = import!(ukrt_recvfrom) else {
        return fail(EBADF);
    };
    // SAFETY: the runtime writes at most `len` bytes at `buf`, and the
    // sender's address within `*addrlen` bytes, only through the app's
    // memory (EFAULT for memory that is not writable app memory), where
    // the caller provides that room.
    ret(unsafe { f(fd, buf, len, flags, addr, addrlen) }) as isize
}

/// # Safety
/// C's contract for recv: `len` writable bytes at `buf`.
#[no_mangle]
pub unsafe extern "C" fn recv(fd: i32, buf: *mut c_void, len: usize, flags: i32) -> isize {
    // SAFETY: recv is recvfrom without the sender's address; the caller
    // passes `len` writable bytes at `buf`, and NULL address pointers are
    // valid for recvfrom.
    unsafe {
        recvfrom(
            fd,
            buf,
            len,
            flags,
            core::ptr::null_mut(),
            core::ptr::null_mut(),
        )
    }
}

#[no_mangle]
pub extern "C" fn shutdown(fd: i32, how: i32) -> i32 {
    let Some(f) = import!(ukrt_shutdown) else {
        return fail(EBADF);
    };
    // SAFETY: ukrt_shutdown takes two integers and no pointer.
    ret_int(unsafe { f(fd, how) })
}

#[no_mangle]
pub extern "C" fn close(fd: i32) -> i32 {
    let Some(f) = import!(ukrt_close) else {
        return fail(EBADF);
    };
    // SAFETY: ukrt_close takes one integer and no pointer.
    ret_int(unsafe { f(fd) })
}

/// # Safety
/// C's contract for setsockopt: `len` readable bytes at `val`.
#[no_mangle]
pub unsafe extern "C" fn setsockopt(
    fd: i32,
    level: i32,
    name: i32,
    val: *const c_void,
    len: u32,
) -> i32 {
    let Some(f) = import!(ukrt_setsockopt) else {
        return fail(EBADF);
    };
    // SAFETY: the runtime reads the `len` bytes at `val` through the app's
    // memory (EFAULT when they are not readable app memory), which the
    // caller provides.
    ret_int(unsafe { f(fd, level, name, val, len) })
}

/// # Safety
/// C's contract for getsockopt: `len` a writable `socklen_t` holding the
/// room at `val`, which is writable for that many bytes.
#[no_mangle]
pub unsafe extern "C" fn getsockopt(
    fd: i32,
    level: i32,
    name: i32,
    val: *mut c_void,
    len: *mut u32,
) -> i32 {
    let Some(f) = import!(ukrt_getsockopt) else {
        return fail(EBADF);
    };
    // SAFETY: the runtime writes the option (at most `*len` bytes) and its
    // length only through the app's memory (EFAULT for memory that is not
    // writable app memory), where the caller provides that room.
    ret_int(unsafe { f(fd, level, name, val, len) })
}

/// # Safety
/// C's contract for getsockname: `len` a writable `socklen_t` holding the
/// room at `addr`, which is writable for that many bytes.
#[no_mangle]
pub unsafe extern "C" fn getsockname(fd: i32, addr: *mut Sockaddr, len: *mut u32) -> i32 {
    let Some(f) = import!(ukrt_getsockname) else {
        return fail(EBADF);
    };
    // SAFETY: the runtime writes the address (at most `*len` bytes) and its
    // length only through the app's memory (EFAULT for memory that is not
    // writable app memory), where the caller provides that room.
    ret_int(unsafe { f(fd, addr, len) })
}

/// # Safety
/// C's contract for getpeername: `len` a writable `socklen_t` holding the
/// room at `addr`, which is writable for that many bytes.
#[no_mangle]
pub unsafe extern "C" fn getpeername(fd: i32, addr: *mut Sockaddr, len: *mut u32) -> i32 {
    let Some(f) = import!(ukrt_getpeername) else {
        return fail(EBADF);
    };
    // SAFETY: the runtime writes the peer's address (at most `*len` bytes)
    // and its length only through the app's memory (EFAULT for memory that
    // is not writable app memory), where the caller provides that room.
    ret_int(unsafe { f(fd, addr, len) })
}

/// What fcntl's third argument is for `cmd`, as Linux reads it.
enum FcntlArg {
    None,
    Int,
    Pointer,
}

fn fcntl_arg(cmd: i32) -> FcntlArg {
    match cmd {
        // F_DUPFD, F_SETFD, F_SETFL, F_SETOWN, F_SETSIG, F_SETLEASE,
        // F_NOTIFY, F_DUPFD_CLOEXEC, F_SETPIPE_SZ, F_ADD_SEALS.
        0 | 2 | 4 | 8 | 10 | 1024 | 1026 | 1030 | 1031 | 1033 => FcntlArg::Int,
        // The lock commands, F_SETOWN_EX, F_GETOWN_EX and the hints.
        5..=7 | 15 | 16 | 36..=38 | 1035..=1038 => FcntlArg::Pointer,
        _ => FcntlArg::None,
    }
}

const F_GETLK: i32 = 5;
const F_SETLK: i32 = 6;
const F_SETLKW: i32 = 7;
const F_OFD_GETLK: i32 = 36;
const F_OFD_SETLK: i32 = 37;
const F_OFD_SETLKW: i32 = 38;
const F_UNLCK: i16 = 2;

/// glibc's `struct flock` on x86_64.
#[repr(C)]
pub struct Flock {
    l_type: i16,
    l_whence: i16,
    l_start: i64,
    l_len: i64,
    l_pid: i32,
}

/// Record locks: each app is alone with its files (one process), so every
/// lock it asks for is granted and none is ever in its way; F_GETLK says
/// F_UNLCK. Apps of one image do not exclude each other through them
/// (docs/writing-apps.md). The descriptor must be open.
///
/// # Safety
/// `lock` must be NULL or a valid `struct flock`.
unsafe fn record_lock(fd: i32, cmd: i32, lock: *mut Flock) -> i32 {
    let mut st = core::mem::MaybeUninit::<crate::file::Stat>::uninit();
    // SAFETY: `st` is a writable struct stat.
    if unsafe { super::file::fstat(fd, st.as_mut_ptr()) } != 0 {
        return -1;
    }
    // SAFETY: the caller passes NULL or a valid struct flock.
    let Some(lock) = (unsafe { lock.as_mut() }) else {
        return fail(crate::errno::EFAULT);
    };
    if !(0..=2).contains(&lock.l_type) || !(0..=2).contains(&lock.l_whence) {
        return fail(crate::errno::EINVAL);
    }
    if matches!(cmd, F_GETLK | F_OFD_GETLK) {
        lock.l_type = F_UNLCK;
    }
    0
}

/// `fcntl(fd, cmd, ...)`: the runtime has F_GETFL/F_SETFL (O_NONBLOCK) and
/// F_GETFD/F_SETFD (FD_CLOEXEC).
///
/// # Safety
/// C's contract for fcntl: for a command that takes an argument, the
/// caller passes one of its type (an int, or a pointer for the lock
/// commands, which the runtime does not have).
#[no_mangle]
pub unsafe extern "C" fn fcntl(fd: i32, cmd: i32, mut args: ...) -> i32 {
    let arg = match fcntl_arg(cmd) {
        FcntlArg::None => 0,
        // SAFETY: the command takes an int argument, and C's contract for
        // fcntl is that the caller passed one, so the next argument is an
        // i32.
        FcntlArg::Int => i64::from(unsafe { args.next_arg::<i32>() }),
        // SAFETY: the command takes a pointer argument, and C's contract
        // for fcntl is that the caller passed one, so the next argument is
        // a pointer.
        FcntlArg::Pointer => (unsafe { args.next_arg::<*const c_void>() }) as i64,
    };
    if matches!(
        cmd,
        F_GETLK | F_SETLK | F_SETLKW | F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW
    ) {
        // SAFETY: a lock command's argument is a `struct flock *` (C's
        // contract for fcntl).
        return unsafe { record_lock(fd, cmd, arg as *mut Flock) };
    }
    let Some(f) = import!(ukrt_fcntl) else {
        return fail(EBADF);
    };
    // SAFETY: ukrt_fcntl takes integers only (a pointer argument travels as
    // a number, and the runtime's commands read none).
    ret_int(unsafe { f(fd, cmd, arg) })
}

/// `poll`. Console input that stdio has buffered already is reported as
/// POLLIN on descriptor 0 (the runtime does not know about it).
///
/// # Safety
/// C's contract for poll: `nfds` readable and writable `struct pollfd`s
/// at `fds`.
#[no_mangle]
pub unsafe extern "C" fn poll(fds: *mut Pollfd, nfds: u64, timeout: i32) -> i32 {
    let Some(f) = import!(ukrt_poll) else {
        return fail(ENOSYS);
    };
    let buffered = stdio::stdin_buffered() > 0
        && (0..nfds as usize).any(|i| {
            // SAFETY: i < nfds, and the caller passes `nfds` readable
            // pollfds at `fds`.
            let p = unsafe { fds.add(i).read() };
            p.fd == 0 && p.events & POLLIN != 0
        });
    // With input waiting, poll does not wait.
    let timeout = if buffered { 0 } else { timeout };
    // SAFETY: the runtime reads and writes the `nfds` pollfds at `fds`
    // only through the app's memory (EFAULT when they are not writable app
    // memory), which the caller provides.
    let r = ret_int(unsafe { f(fds, nfds, timeout) });
    if r < 0 || !buffered {
        return r;
    }
    let mut ready = 0;
    for i in 0..nfds as usize {
        // SAFETY: i < nfds, and the caller passes `nfds` writable pollfds
        // at `fds`, which the runtime has finished with.
        let p = unsafe { &mut *fds.add(i) };
        if p.fd == 0 && p.events & POLLIN != 0 {
            p.revents |= POLLIN;
        }
        ready += (p.revents != 0) as i32;
    }
    ready
}

/// `select` over poll: read interest is POLLIN, write interest POLLOUT,
/// exceptions POLLPRI; `timeout` (when not NULL) is left holding the time
/// that remained, as on Linux.
///
/// # Safety
/// C's contract for select: each set is NULL or a writable `fd_set`, and
/// `timeout` NULL or a writable `struct timeval`.
#[no_mangle]
pub unsafe extern "C" fn select(
    nfds: i32,
    readfds: *mut FdSet,
    writefds: *mut FdSet,
    exceptfds: *mut FdSet,
    timeout: *mut Timeval,
) -> i32 {
    if nfds < 0 {
        return fail(EINVAL);
    }
    let n = (nfds as usize).min(FD_SETSIZE);
    // SAFETY: each set is NULL or a writable, aligned fd_set that the caller
    // does not use during the call (C's contract for select), and they are
    // distinct objects or NULL.
    let (mut r, mut w, mut x) =
        unsafe { (readfds.as_mut(), writefds.as_mut(), exceptfds.as_mut()) };
    let ms = if timeout.is_null() {
        -1
    } else {
        // SAFETY: `timeout` is not NULL here, so the caller passes a
        // readable, aligned timeval.
        match net::timeval_ms(unsafe { &*timeout }) {
            Some(ms) => ms,
            None => return fail(EINVAL),
        }
    };
    let mut fds = [Pollfd::default(); FD_SETSIZE];
    let mut count = 0;
    for fd in 0..n as i32 {
        let events = net::select_events(
            r.as_ref().is_some_and(|s| s.is_set(fd)),
            w.as_ref().is_some_and(|s| s.is_set(fd)),
            x.as_ref().is_some_and(|s| s.is_set(fd)),
        );
        if events != 0 {
            fds[count] = Pollfd {
                fd,
                events,
                revents: 0,
            };
            count += 1;
        }
    }
    let start = super::time::now(super::time::CLOCK_MONOTONIC);
    // SAFETY: `fds` is our own array of `count` <= FD_SETSIZE pollfds,
    // readable and writable for the call.
    let got = unsafe { poll(fds.as_mut_ptr(), count as u64, ms) };
    if got < 0 {
        return -1;
    }
    if fds[..count].iter().any(|p| p.revents & POLLNVAL != 0) {
        return fail(EBADF);
    }
    // Linux rewrites every word of the sets up to nfds.
    let words = n.div_ceil(64);
    for s in [&mut r, &mut w, &mut x].into_iter().flatten() {
        s.fds_bits[..words].fill(0);
    }
    let mut ready = 0;
    for p in &fds[..count] {
        let (rr, ww, xx) = net::select_ready(p.events, p.revents);
        for (yes, set) in [(rr, &mut r), (ww, &mut w), (xx, &mut x)] {
            if let (true, Some(s)) = (yes, set.as_mut()) {
                s.set(p.fd);
                ready += 1;
            }
        }
    }
    if ms >= 0 {
        let spent = super::time::now(super::time::CLOCK_MONOTONIC).saturating_sub(start) / 1000;
        // SAFETY: `ms >= 0` means `timeout` is not NULL, and the caller
        // passes a writable, aligned timeval there.
        let tv = unsafe { &mut *timeout };
        let left = (tv.tv_sec as u64 * 1_000_000 + tv.tv_usec as u64).saturating_sub(spent);
        *tv = Timeval {
            tv_sec: (left / 1_000_000) as i64,
            tv_usec: (left % 1_000_000) as i64,
        };
    }
    ready
}

/// `read(fd, buf, n)`: console input for 0 (what stdio has buffered comes
/// first, so `read` and `fgets` can be mixed), sockets otherwise.
///
/// # Safety
/// C's contract for read: `n` writable bytes at `buf`.
#[no_mangle]
pub unsafe extern "C" fn read(fd: i32, buf: *mut u8, n: usize) -> isize {
    if fd == 0 && n > 0 && stdio::stdin_buffered() > 0 {
        // SAFETY: n > 0 and the caller passes `n` writable bytes at `buf`
        // that nothing else uses during the call.
        let out = unsafe { core::slice::from_raw_parts_mut(buf, n) };
        return stdio::stdin_take(out) as isize;
    }
    match import!(ukrt_read) {
        // SAFETY: the runtime writes at most `n` bytes at `buf` only
        // through the app's memory (EFAULT for memory that is not writable
        // app memory), where the caller provides them.
        Some(f) => ret(unsafe { f(fd, buf.cast(), n) }) as isize,
        // SAFETY: the caller passes `n` writable bytes at `buf`, which is
        // what stdio's console read requires.
        None if fd == 0 => unsafe { stdio::console_read(buf, n) },
        None => fail(EBADF),
    }
}

/// `write(fd, buf, n)`: 1 and 2 are the console (unbuffered: stdout's
/// FILE buffer is not flushed first, as in glibc), sockets otherwise.
///
/// # Safety
/// C's contract for write: `n` readable bytes at `buf`.
#[no_mangle]
pub unsafe extern "C" fn write(fd: i32, buf: *const u8, n: usize) -> isize {
    match import!(ukrt_write) {
        // SAFETY: the runtime reads the `n` bytes at `buf` through the
        // app's memory (EFAULT when they are not readable app memory),
        // which the caller provides.
        Some(f) => ret(unsafe { f(fd, buf.cast(), n) }) as isize,
        None if fd == 1 || fd == 2 => {
            // SAFETY: the runtime's console reads the `n` bytes at `buf`
            // through the app's memory (-1 when they are not readable app
            // memory), which the caller provides.
            let r = unsafe { super::ukrt_console_write(buf, n) };
            if r < 0 {
                fail(crate::errno::EFAULT)
            } else {
                r
            }
        }
        None => fail(EBADF),
    }
}
