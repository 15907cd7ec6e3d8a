//! time.h, sys/time.h, unistd.h's sleeps and sched.h's yield, on the
//! runtime's clocks and scheduler: sleeping lets the other apps run, and
//! when none can, the vCPU blocks until the next timer.
use crate::errno::EINVAL;

// SAFETY: these declarations match the runtime's exports
// (runtime/src/apps/exports.rs) in name, argument and result types; none
// takes a pointer, and each is sound to call with any argument:
// ukrt_clock_ns reads a clock (unknown numbers read the monotonic one),
// ukrt_sleep_ns and ukrt_yield let other apps run, whose data is their own.
unsafe extern "C" {
    safe fn ukrt_clock_ns(clock: i32) -> u64;
    safe fn ukrt_sleep_ns(ns: u64);
    safe fn ukrt_yield();
}

pub const CLOCK_REALTIME: i32 = 0;
pub const CLOCK_MONOTONIC: i32 = 1;

#[repr(C)]
pub struct Timespec {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}

#[repr(C)]
pub struct Timeval {
    pub tv_sec: i64,
    pub tv_usec: i64,
}

pub(super) fn now(clock: i32) -> u64 {
    ukrt_clock_ns(clock)
}

fn sleep_ns(ns: u64) {
    ukrt_sleep_ns(ns)
}

/// # Safety
/// `ts` must be writable.
#[no_mangle]
pub unsafe extern "C" fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32 {
    let ns = match clock {
        CLOCK_REALTIME | CLOCK_MONOTONIC => now(clock),
        _ => {
            super::set_errno(EINVAL);
            return -1;
        }
    };
    // SAFETY: the caller passes a writable, aligned `ts` (C's contract for
    // clock_gettime).
    unsafe {
        ts.write(Timespec {
            tv_sec: (ns / 1_000_000_000) as i64,
            tv_nsec: (ns % 1_000_000_000) as i64,
        })
    };
    0
}

/// # Safety
/// `tv` must be NULL or writable; the time zone is ignored, as in glibc.
#[no_mangle]
pub unsafe extern "C" fn gettimeofday(tv: *mut Timeval, _tz: *mut u8) -> i32 {
    let ns = now(CLOCK_REALTIME);
    if !tv.is_null() {
        // SAFETY: `tv` is not NULL here, so the caller's contract (C's for
        // gettimeofday) makes it writable and aligned.
        unsafe {
            tv.write(Timeval {
                tv_sec: (ns / 1_000_000_000) as i64,
                tv_usec: (ns % 1_000_000_000 / 1000) as i64,
            })
        };
    }
    0
}

/// # Safety
/// `t` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn time(t: *mut i64) -> i64 {
    let s = (now(CLOCK_REALTIME) / 1_000_000_000) as i64;
    if !t.is_null() {
        // SAFETY: `t` is not NULL here, so the caller's contract (C's for
        // time) makes it writable and aligned.
        unsafe { t.write(s) };
    }
    s
}

/// Sleeps the whole time (nothing interrupts a sleep here), so `rem` is
/// set to zero when given.
///
/// # Safety
/// `req` must be readable, `rem` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn nanosleep(req: *const Timespec, rem: *mut Timespec) -> i32 {
    // SAFETY: the caller passes a readable, aligned, initialised `req` (C's
    // contract for nanosleep) that nothing writes during the call.
    let r = unsafe { &*req };
    if r.tv_sec < 0 || !(0..1_000_000_000).contains(&r.tv_nsec) {
        super::set_errno(EINVAL);
        return -1;
    }
    sleep_ns(r.tv_sec as u64 * 1_000_000_000 + r.tv_nsec as u64);
    if !rem.is_null() {
        // SAFETY: `rem` is not NULL here, so the caller's contract (C's for
        // nanosleep) makes it writable and aligned.
        unsafe {
            rem.write(Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            })
        };
    }
    0
}

#[no_mangle]
pub extern "C" fn usleep(us: u32) -> i32 {
    sleep_ns(us as u64 * 1000);
    0
}

#[no_mangle]
pub extern "C" fn sleep(s: u32) -> u32 {
    sleep_ns(s as u64 * 1_000_000_000);
    0
}

#[no_mangle]
pub extern "C" fn sched_yield() -> i32 {
    ukrt_yield();
    0
}
