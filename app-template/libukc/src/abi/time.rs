//! time.h, sys/time.h, unistd.h's sleeps and sched.h's yield, on the
//! runtime's clocks and scheduler: sleeping lets the other apps run, and
//! when none can, the vCPU blocks until the next timer. The calendar
//! (struct tm, time zones, strftime) is crate::time, crate::tz and
//! crate::strftime.
use crate::errno::{EINVAL, EOVERFLOW};
use crate::strftime::Clock;
use crate::time::{self, Tm};
use crate::tz::{Name, Zone};
use core::ffi::c_char;

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
/// The domain's CPU time (its vCPU's running time, which all apps share).
pub const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;

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
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_PROCESS_CPUTIME_ID => now(clock),
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

// --- time.h's calendar: struct tm, time zones, strftime ------------------

/// C's `struct tm` as glibc lays it out on x86_64.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct CTm {
    tm_sec: i32,
    tm_min: i32,
    tm_hour: i32,
    tm_mday: i32,
    tm_mon: i32,
    tm_year: i32,
    tm_wday: i32,
    tm_yday: i32,
    tm_isdst: i32,
    tm_gmtoff: i64,
    tm_zone: *const c_char,
}

impl CTm {
    const ZERO: CTm = CTm {
        tm_sec: 0,
        tm_min: 0,
        tm_hour: 0,
        tm_mday: 0,
        tm_mon: 0,
        tm_year: 0,
        tm_wday: 0,
        tm_yday: 0,
        tm_isdst: 0,
        tm_gmtoff: 0,
        tm_zone: core::ptr::null(),
    };

    fn fields(&self) -> Tm {
        Tm {
            sec: self.tm_sec,
            min: self.tm_min,
            hour: self.tm_hour,
            mday: self.tm_mday,
            mon: self.tm_mon,
            year: self.tm_year,
            wday: self.tm_wday,
            yday: self.tm_yday,
            isdst: self.tm_isdst,
            gmtoff: self.tm_gmtoff,
        }
    }

    fn new(tm: &Tm, zone: *const c_char) -> CTm {
        CTm {
            tm_sec: tm.sec,
            tm_min: tm.min,
            tm_hour: tm.hour,
            tm_mday: tm.mday,
            tm_mon: tm.mon,
            tm_year: tm.year,
            tm_wday: tm.wday,
            tm_yday: tm.yday,
            tm_isdst: tm.isdst,
            tm_gmtoff: tm.gmtoff,
            tm_zone: zone,
        }
    }
}

/// The zone from the app's `TZ`, read once (the environment of an app
/// does not change); tzset reads it again.
static mut ZONE: Option<Zone> = None;

#[no_mangle]
pub static mut tzname: [*const c_char; 2] = [c"UTC".as_ptr(), c"UTC".as_ptr()];
#[no_mangle]
pub static mut timezone: i64 = 0;
#[no_mangle]
pub static mut daylight: i32 = 0;

/// The app's zone, parsed from TZ on first use.
fn zone() -> &'static Zone {
    // SAFETY: ZONE is private to this module; an app instance has one
    // thread of control and nothing here holds a reference to ZONE across
    // a call that could set it (only tzset does, with no reference live).
    unsafe {
        if (*core::ptr::addr_of!(ZONE)).is_none() {
            tzset();
        }
        (*core::ptr::addr_of!(ZONE)).as_ref().unwrap_or(&UTC_ZONE)
    }
}

static UTC_ZONE: Zone = Zone::UTC;

/// Reads TZ from the environment (see crate::tz for what it may say) and
/// sets `tzname`, `timezone` and `daylight`.
#[no_mangle]
pub extern "C" fn tzset() {
    // SAFETY: getenv's argument is NUL-terminated; it returns NULL or a
    // NUL-terminated string of the environment, which lives as long as the
    // app and does not change.
    let tz = unsafe {
        let p = super::stdlib::getenv(c"TZ".as_ptr());
        (!p.is_null())
            .then(|| core::slice::from_raw_parts(p.cast::<u8>(), super::c_strlen(p.cast())))
    };
    let z = Zone::from_tz(tz);
    // SAFETY: the statics are this module's; one thread of control, and no
    // reference to them is live here (zone() hands out a reference only
    // after this returns, and the names it points tzname at live in ZONE,
    // which stays put until the next tzset).
    unsafe {
        let slot = &mut *core::ptr::addr_of_mut!(ZONE);
        let z = slot.insert(z);
        let names = &mut *core::ptr::addr_of_mut!(tzname);
        names[0] = z.name(false).with_nul().as_ptr().cast();
        names[1] = z.name(true).with_nul().as_ptr().cast();
        timezone = -z.gmtoff();
        daylight = i32::from(z.has_dst());
    }
}

/// The C string of a zone name that lives in ZONE (or is static).
fn name_ptr(name: &'static Name) -> *const c_char {
    name.with_nul().as_ptr().cast()
}

/// Where the functions without `_r` keep their result.
static mut TM_BUF: CTm = CTm::ZERO;

fn tm_buf() -> *mut CTm {
    core::ptr::addr_of_mut!(TM_BUF)
}

/// # Safety
/// `t` must be readable, `out` writable.
#[no_mangle]
pub unsafe extern "C" fn gmtime_r(t: *const i64, out: *mut CTm) -> *mut CTm {
    // SAFETY: the caller passes a readable `t` (C's contract for gmtime_r).
    let t = unsafe { *t };
    let Some(tm) = time::gmtime(t) else {
        super::set_errno(EOVERFLOW);
        return core::ptr::null_mut();
    };
    // SAFETY: the caller passes a writable, aligned `out`.
    unsafe { out.write(CTm::new(&tm, c"GMT".as_ptr())) };
    out
}

/// # Safety
/// `t` must be readable.
#[no_mangle]
pub unsafe extern "C" fn gmtime(t: *const i64) -> *mut CTm {
    // SAFETY: the caller passes a readable `t`; TM_BUF is writable and no
    // reference to it is live.
    unsafe { gmtime_r(t, tm_buf()) }
}

/// # Safety
/// `t` must be readable, `out` writable.
#[no_mangle]
pub unsafe extern "C" fn localtime_r(t: *const i64, out: *mut CTm) -> *mut CTm {
    // SAFETY: the caller passes a readable `t` (C's contract).
    let t = unsafe { *t };
    let z = zone();
    let Some((tm, _)) = z.localtime(t) else {
        super::set_errno(EOVERFLOW);
        return core::ptr::null_mut();
    };
    let name = z.name(tm.isdst > 0);
    // SAFETY: the caller passes a writable, aligned `out`.
    unsafe { out.write(CTm::new(&tm, name_ptr(name))) };
    out
}

/// # Safety
/// `t` must be readable.
#[no_mangle]
pub unsafe extern "C" fn localtime(t: *const i64) -> *mut CTm {
    // SAFETY: the caller passes a readable `t`; TM_BUF is writable and no
    // reference to it is live.
    unsafe { localtime_r(t, tm_buf()) }
}

/// # Safety
/// `tm` must be readable and writable.
#[no_mangle]
pub unsafe extern "C" fn mktime(tm: *mut CTm) -> i64 {
    let z = zone();
    // SAFETY: the caller passes a valid `tm` (C's contract for mktime).
    let c = unsafe { &mut *tm };
    let mut f = c.fields();
    match z.mktime(&mut f) {
        Some((t, _)) => {
            *c = CTm::new(&f, name_ptr(z.name(f.isdst > 0)));
            t
        }
        None => {
            super::set_errno(EOVERFLOW);
            -1
        }
    }
}

/// # Safety
/// `tm` must be readable and writable.
#[no_mangle]
pub unsafe extern "C" fn timegm(tm: *mut CTm) -> i64 {
    // SAFETY: the caller passes a valid `tm` (C's contract for timegm).
    let c = unsafe { &mut *tm };
    let mut f = c.fields();
    match time::timegm(&mut f) {
        Some(t) => {
            *c = CTm::new(&f, c"GMT".as_ptr());
            t
        }
        None => {
            super::set_errno(EOVERFLOW);
            -1
        }
    }
}

#[no_mangle]
pub extern "C" fn difftime(t1: i64, t0: i64) -> f64 {
    time::difftime(t1, t0)
}

/// strftime's view of the app's zone.
struct AppClock;

impl Clock for AppClock {
    fn mktime(&self, tm: &Tm) -> Option<i64> {
        let mut copy = *tm;
        zone().mktime(&mut copy).map(|(t, _)| t)
    }
    fn tzname(&self, dst: bool) -> &[u8] {
        zone().name(dst).as_bytes()
    }
}

/// # Safety
/// `s` must hold `max` writable bytes, `fmt` be NUL-terminated, `tm`
/// readable with a `tm_zone` that is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn strftime(
    s: *mut u8,
    max: usize,
    fmt: *const c_char,
    tm: *const CTm,
) -> usize {
    // SAFETY: the caller's contract (C's for strftime): `fmt` is
    // NUL-terminated, `tm` readable, its zone NULL or a C string, and `s`
    // holds `max` writable bytes apart from them (a zero `max` needs none).
    unsafe {
        let fmt = core::slice::from_raw_parts(fmt.cast::<u8>(), super::c_strlen(fmt.cast()));
        let c = &*tm;
        let zone = (!c.tm_zone.is_null()).then(|| {
            core::slice::from_raw_parts(c.tm_zone.cast::<u8>(), super::c_strlen(c.tm_zone.cast()))
        });
        let out: &mut [u8] = if max == 0 {
            &mut []
        } else {
            core::slice::from_raw_parts_mut(s, max)
        };
        crate::strftime::strftime(out, fmt, &c.fields(), zone, &AppClock)
    }
}

/// glibc's asctime_r buffer size.
const ASCTIME_R_LEN: usize = 26;

/// # Safety
/// `tm` must be readable and `buf` hold 26 writable bytes.
#[no_mangle]
pub unsafe extern "C" fn asctime_r(tm: *const CTm, buf: *mut u8) -> *mut u8 {
    // SAFETY: the caller passes a readable `tm` (C's contract).
    let f = unsafe { (*tm).fields() };
    match time::asctime(&f) {
        Some((text, n)) if n < ASCTIME_R_LEN => {
            // SAFETY: n + 1 <= 26 bytes, which the caller makes writable.
            unsafe {
                core::ptr::copy_nonoverlapping(text.as_ptr(), buf, n);
                buf.add(n).write(0);
            }
            buf
        }
        _ => {
            super::set_errno(EOVERFLOW);
            core::ptr::null_mut()
        }
    }
}

static mut ASCTIME_BUF: [u8; time::ASCTIME_MAX + 1] = [0; time::ASCTIME_MAX + 1];

/// asctime: as asctime_r into a static buffer that any `int` fields fit.
///
/// # Safety
/// `tm` must be readable.
#[no_mangle]
pub unsafe extern "C" fn asctime(tm: *const CTm) -> *mut u8 {
    // SAFETY: the caller passes a readable `tm`.
    let f = unsafe { (*tm).fields() };
    let Some((text, n)) = time::asctime(&f) else {
        super::set_errno(EOVERFLOW);
        return core::ptr::null_mut();
    };
    // SAFETY: ASCTIME_BUF is this module's and no reference to it is live
    // (one thread of control); the text is at most ASCTIME_MAX bytes.
    unsafe {
        let b = &mut *core::ptr::addr_of_mut!(ASCTIME_BUF);
        b[..n].copy_from_slice(&text[..n]);
        b[n] = 0;
        b.as_mut_ptr()
    }
}

/// # Safety
/// `t` must be readable and `buf` hold 26 writable bytes.
#[no_mangle]
pub unsafe extern "C" fn ctime_r(t: *const i64, buf: *mut u8) -> *mut u8 {
    let mut tm = CTm::ZERO;
    // SAFETY: the caller passes a readable `t`; `tm` is ours; `buf` holds
    // the 26 bytes asctime_r needs.
    unsafe {
        if localtime_r(t, &mut tm).is_null() {
            return core::ptr::null_mut();
        }
        asctime_r(&tm, buf)
    }
}

/// # Safety
/// `t` must be readable.
#[no_mangle]
pub unsafe extern "C" fn ctime(t: *const i64) -> *mut u8 {
    // SAFETY: the caller passes a readable `t`; localtime's result, when
    // not NULL, is TM_BUF, readable.
    unsafe {
        let tm = localtime(t);
        if tm.is_null() {
            return core::ptr::null_mut();
        }
        asctime(tm)
    }
}

/// clock(): microseconds (CLOCKS_PER_SEC is 1000000) of the monotonic
/// clock since the domain started. The runtime keeps no CPU time per app,
/// so this is elapsed time, which includes time the other apps of the
/// image ran.
#[no_mangle]
pub extern "C" fn clock() -> i64 {
    (now(CLOCK_MONOTONIC) / 1000) as i64
}
