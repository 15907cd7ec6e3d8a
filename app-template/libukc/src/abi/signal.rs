//! signal.h: signal, sigaction, raise, kill (of the app itself), the
//! sigset functions and sigprocmask, over the dispositions in
//! `crate::signal`. Each app instance has its own copy of this table.
//! A raised signal that is blocked waits until sigprocmask unblocks it.
use super::stdio::{flush_all, stderr_bytes};
use crate::errno::{EINVAL, ESRCH};
use crate::signal::{self as sig, Action, Disposition};
use core::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering::Relaxed};

const SLOTS: usize = sig::NSIG as usize;
static HANDLERS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static FLAGS: [AtomicU32; SLOTS] = [const { AtomicU32::new(0) }; SLOTS];
static MASK: [AtomicU64; SLOTS] = [const { AtomicU64::new(0) }; SLOTS];
static BLOCKED: AtomicU64 = AtomicU64::new(0);
static PENDING: AtomicU64 = AtomicU64::new(0);

/// glibc's `sigset_t`: 1024 bits; libukc keeps the first 64.
#[repr(C)]
pub struct SigSet {
    val: [u64; 16],
}

/// glibc's `struct sigaction` on x86_64.
#[repr(C)]
pub struct SigAction {
    handler: usize,
    mask: SigSet,
    flags: i32,
    restorer: usize,
}

fn disposition(s: i32) -> Disposition {
    Disposition {
        handler: HANDLERS[s as usize].load(Relaxed),
        flags: FLAGS[s as usize].load(Relaxed),
    }
}

fn set_disposition(s: i32, d: Disposition, mask: u64) {
    HANDLERS[s as usize].store(d.handler, Relaxed);
    FLAGS[s as usize].store(d.flags, Relaxed);
    MASK[s as usize].store(mask, Relaxed);
}

fn einval<T>(v: T) -> T {
    super::set_errno(EINVAL);
    v
}

#[no_mangle]
pub extern "C" fn signal(s: i32, handler: usize) -> usize {
    if !sig::catchable(s) {
        return einval(sig::SIG_ERR);
    }
    let old = disposition(s).handler;
    // BSD semantics, as glibc's signal(): the handler stays installed.
    set_disposition(s, Disposition { handler, flags: 0 }, 0);
    old
}

/// # Safety
/// `act` and `old` are NULL or valid `struct sigaction`s.
#[no_mangle]
pub unsafe extern "C" fn sigaction(s: i32, act: *const SigAction, old: *mut SigAction) -> i32 {
    if !sig::valid(s) || (!act.is_null() && !sig::catchable(s)) {
        return einval(-1);
    }
    let d = disposition(s);
    if !old.is_null() {
        let mut mask = SigSet { val: [0; 16] };
        mask.val[0] = MASK[s as usize].load(Relaxed);
        // SAFETY: the caller passes NULL or a writable struct sigaction
        // (C's contract for sigaction); it is not NULL here.
        unsafe {
            old.write(SigAction {
                handler: d.handler,
                mask,
                flags: d.flags as i32,
                restorer: 0,
            })
        };
    }
    // SAFETY: the caller passes NULL or a readable struct sigaction.
    if let Some(a) = unsafe { act.as_ref() } {
        let new = Disposition {
            handler: a.handler,
            flags: a.flags as u32,
        };
        set_disposition(s, new, a.mask.val[0]);
    }
    0
}

/// Runs what `s` does now (its handler, nothing, or the end of the app).
fn deliver(s: i32) {
    match sig::action(s, disposition(s)) {
        Action::Ignore => {}
        Action::Handle {
            handler,
            siginfo,
            reset,
        } => {
            if reset {
                set_disposition(s, Disposition::default(), 0);
            }
            // The signal itself and the handler's mask are blocked while it
            // runs (unless SA_NODEFER), as on Linux.
            let before = BLOCKED.load(Relaxed);
            let own = if disposition(s).flags & sig::SA_NODEFER != 0 {
                0
            } else {
                sig::bit(s).unwrap_or(0)
            };
            BLOCKED.store(before | own | MASK[s as usize].load(Relaxed), Relaxed);
            if siginfo {
                let mut info = [0i32; 32];
                info[0] = s;
                // SAFETY: a handler set with SA_SIGINFO is a
                // `void (*)(int, siginfo_t *, void *)` (sigaction's
                // contract); `info` is a zeroed siginfo_t-sized buffer that
                // outlives the call.
                let f: extern "C" fn(i32, *mut i32, usize) =
                    unsafe { core::mem::transmute(handler) };
                f(s, info.as_mut_ptr(), 0);
            } else {
                // SAFETY: any other handler value set by signal() or
                // sigaction() is a `void (*)(int)` (their contract).
                let f: extern "C" fn(i32) = unsafe { core::mem::transmute(handler) };
                f(s);
            }
            BLOCKED.store(before, Relaxed);
            deliver_pending();
        }
        Action::Terminate { status, message } => terminate(status, message),
    }
}

/// Ends the app as the signal's default does: what the app printed is
/// flushed, the shell's message follows, and the status is 128 + signal.
pub fn terminate(status: i32, message: &str) -> ! {
    flush_all();
    if !message.is_empty() {
        stderr_bytes(message.as_bytes());
        stderr_bytes(b"\n");
    }
    super::ukrt_exit(status)
}

fn deliver_pending() {
    loop {
        let ready = PENDING.load(Relaxed) & !BLOCKED.load(Relaxed);
        if ready == 0 {
            return;
        }
        let s = ready.trailing_zeros() as i32 + 1;
        PENDING.fetch_and(!(1 << (s - 1)), Relaxed);
        deliver(s);
    }
}

#[no_mangle]
pub extern "C" fn raise(s: i32) -> i32 {
    let Some(bit) = sig::bit(s) else {
        return einval(-1);
    };
    if BLOCKED.load(Relaxed) & bit != 0 && sig::catchable(s) {
        PENDING.fetch_or(bit, Relaxed);
    } else {
        deliver(s);
    }
    0
}

/// `kill(pid, sig)`: the app is its only process (pid 0, -1 and getpid()
/// name it); signal 0 checks that the process exists.
#[no_mangle]
pub extern "C" fn kill(pid: i32, s: i32) -> i32 {
    if !(pid == 0 || pid == -1 || pid == super::process::PID) {
        super::set_errno(ESRCH);
        return -1;
    }
    if s == 0 {
        return 0;
    }
    raise(s)
}

/// Calls `f` on the set's first word, for a valid signal.
///
/// # Safety
/// `set` must be a valid, writable sigset_t.
unsafe fn with_set(set: *mut SigSet, f: impl FnOnce(&mut u64)) -> i32 {
    // SAFETY: the caller passes a valid, writable sigset_t.
    match unsafe { set.as_mut() } {
        Some(set) => {
            f(&mut set.val[0]);
            0
        }
        None => einval(-1),
    }
}

/// # Safety
/// `set` must be a valid, writable sigset_t.
#[no_mangle]
pub unsafe extern "C" fn sigemptyset(set: *mut SigSet) -> i32 {
    // SAFETY: passed through from the caller.
    unsafe { with_set(set, |w| *w = 0) }
}

/// # Safety
/// `set` must be a valid, writable sigset_t.
#[no_mangle]
pub unsafe extern "C" fn sigfillset(set: *mut SigSet) -> i32 {
    // SAFETY: passed through from the caller.
    unsafe { with_set(set, |w| *w = u64::MAX) }
}

/// # Safety
/// `set` must be a valid, writable sigset_t.
#[no_mangle]
pub unsafe extern "C" fn sigaddset(set: *mut SigSet, s: i32) -> i32 {
    let Some(bit) = sig::bit(s) else {
        return einval(-1);
    };
    // SAFETY: passed through from the caller.
    unsafe { with_set(set, |w| *w |= bit) }
}

/// # Safety
/// `set` must be a valid, writable sigset_t.
#[no_mangle]
pub unsafe extern "C" fn sigdelset(set: *mut SigSet, s: i32) -> i32 {
    let Some(bit) = sig::bit(s) else {
        return einval(-1);
    };
    // SAFETY: passed through from the caller.
    unsafe { with_set(set, |w| *w &= !bit) }
}

/// # Safety
/// `set` must be a valid sigset_t.
#[no_mangle]
pub unsafe extern "C" fn sigismember(set: *const SigSet, s: i32) -> i32 {
    let Some(bit) = sig::bit(s) else {
        return einval(-1);
    };
    // SAFETY: the caller passes a valid sigset_t.
    match unsafe { set.as_ref() } {
        Some(set) => i32::from(set.val[0] & bit != 0),
        None => einval(-1),
    }
}

/// # Safety
/// `set` is NULL or a valid sigset_t; `old` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn sigprocmask(how: i32, set: *const SigSet, old: *mut SigSet) -> i32 {
    let before = BLOCKED.load(Relaxed);
    // SAFETY: the caller passes NULL or a valid sigset_t.
    if let Some(set) = unsafe { set.as_ref() } {
        // SIGKILL and SIGSTOP cannot be blocked.
        let unblockable = sig::bit(sig::SIGKILL).unwrap_or(0) | sig::bit(sig::SIGSTOP).unwrap_or(0);
        let w = set.val[0] & !unblockable;
        let new = match how {
            0 => before | w,
            1 => before & !w,
            2 => w,
            _ => return einval(-1),
        };
        BLOCKED.store(new, Relaxed);
    }
    if !old.is_null() {
        let mut v = SigSet { val: [0; 16] };
        v.val[0] = before;
        // SAFETY: the caller passes NULL or a writable sigset_t; not NULL here.
        unsafe { old.write(v) };
    }
    deliver_pending();
    0
}

/// abort(): raises SIGABRT (a handler runs), and if the app is still
/// here, ends it with status 134 as SIGABRT's default does — even when the
/// handler returned or SIGABRT was ignored or blocked.
#[no_mangle]
pub extern "C" fn abort() -> ! {
    flush_all();
    let abrt = sig::bit(sig::SIGABRT).unwrap_or(0);
    BLOCKED.fetch_and(!abrt, Relaxed);
    if disposition(sig::SIGABRT).handler != sig::SIG_IGN {
        deliver(sig::SIGABRT);
    }
    terminate(128 + sig::SIGABRT, sig::shell_message(sig::SIGABRT))
}
