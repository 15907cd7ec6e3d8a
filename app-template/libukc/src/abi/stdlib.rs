//! stdlib: exit, abort, atexit, getenv, and the C names of the number
//! conversions, sorting and random numbers in the crate's modules.
use super::stdio::flush_all;
use core::ffi::c_char;
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

const ATEXIT_MAX: usize = 32;
static ATEXIT: [AtomicUsize; ATEXIT_MAX] = [const { AtomicUsize::new(0) }; ATEXIT_MAX];
static ATEXIT_COUNT: AtomicUsize = AtomicUsize::new(0);

#[no_mangle]
pub extern "C" fn atexit(f: extern "C" fn()) -> i32 {
    let n = ATEXIT_COUNT.load(Relaxed);
    if n == ATEXIT_MAX {
        return -1;
    }
    ATEXIT[n].store(f as usize, Relaxed);
    ATEXIT_COUNT.store(n + 1, Relaxed);
    0
}

/// Runs the atexit handlers (last registered first), flushes the streams
/// and ends the app; its fini functions then run in the runtime.
#[no_mangle]
pub extern "C" fn exit(status: i32) -> ! {
    while let Some(n) = ATEXIT_COUNT.load(Relaxed).checked_sub(1) {
        ATEXIT_COUNT.store(n, Relaxed);
        let f = ATEXIT[n].load(Relaxed);
        // SAFETY: slot n < ATEXIT_COUNT was filled by atexit, the only
        // writer, with an `extern "C" fn()` cast to usize, so transmuting it
        // back gives that same, non-null function pointer.
        let f: extern "C" fn() = unsafe { core::mem::transmute(f) };
        f();
    }
    flush_all();
    super::ukrt_exit(status)
}

/// `getenv(name)`: from the `NAME=VALUE` words of the guest command line.
///
/// # Safety
/// `name` must be NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn getenv(name: *const c_char) -> *mut c_char {
    // SAFETY: the caller passes a NUL-terminated `name` (C's contract for
    // getenv), so c_strlen stays inside it. The runtime's environment is
    // NULL or a NULL-terminated array of NUL-terminated `NAME=VALUE`
    // strings that live as long as the app, so each `*env` read is inside
    // the array, and memcmp's `n` bytes stay inside both strings: an entry
    // shorter than `n` differs from `name` at its NUL, and memcmp stops at
    // the first difference; `entry[n]` is read only after `n` bytes matched,
    // so it is the entry's NUL at the latest.
    unsafe {
        let n = super::c_strlen(name.cast());
        let mut env = super::ukrt_environ();
        if env.is_null() {
            return core::ptr::null_mut();
        }
        while !(*env).is_null() {
            let entry = (*env).cast::<u8>();
            if super::mem::memcmp(entry, name.cast(), n) == 0 && *entry.add(n) == b'=' {
                return entry.add(n + 1) as *mut c_char;
            }
            env = env.add(1);
        }
    }
    core::ptr::null_mut()
}

#[no_mangle]
pub extern "C" fn abs(x: i32) -> i32 {
    x.wrapping_abs()
}

#[no_mangle]
pub extern "C" fn labs(x: i64) -> i64 {
    x.wrapping_abs()
}

#[no_mangle]
pub extern "C" fn llabs(x: i64) -> i64 {
    x.wrapping_abs()
}

/// Exports a number conversion, setting errno when it says to.
macro_rules! conversion {
    ($( fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty; )*) => {$(
        /// # Safety
        /// C's contract for the function: `p` is NUL-terminated, and `end`
        /// (where the function has one) is NULL or valid for a write.
        #[no_mangle]
        pub unsafe extern "C" fn $name($($arg: $ty),*) -> $ret {
            // SAFETY: the arguments go through unchanged; the caller passes
            // a NUL-terminated `p` and an `end` that is NULL or writable
            // (C's contract for the function), which is what
            // `crate::strconv::$name` requires.
            let (value, err) = unsafe { crate::strconv::$name($($arg),*) };
            if let Some(e) = err {
                super::set_errno(e);
            }
            value
        }
    )*};
}

conversion! {
    fn strtol(p: *const u8, end: *mut *mut u8, base: i32) -> i64;
    fn strtoll(p: *const u8, end: *mut *mut u8, base: i32) -> i64;
    fn strtoul(p: *const u8, end: *mut *mut u8, base: i32) -> u64;
    fn strtoull(p: *const u8, end: *mut *mut u8, base: i32) -> u64;
    fn strtod(p: *const u8, end: *mut *mut u8) -> f64;
    fn strtof(p: *const u8, end: *mut *mut u8) -> f32;
    fn atoi(p: *const u8) -> i32;
    fn atol(p: *const u8) -> i64;
    fn atoll(p: *const u8) -> i64;
    fn atof(p: *const u8) -> f64;
}

type Compare = unsafe extern "C" fn(*const u8, *const u8) -> i32;

/// # Safety
/// C's contract: `n` elements of `size` bytes and a consistent comparator.
#[no_mangle]
pub unsafe extern "C" fn qsort(base: *mut u8, n: usize, size: usize, cmp: Compare) {
    // A buffer for the merges, as glibc's qsort takes one; without it (no
    // memory) the sort runs in place.
    let buffer = match n.checked_mul(size) {
        Some(bytes) if n > 1 && size > 0 => super::malloc::malloc(bytes),
        _ => core::ptr::null_mut(),
    };
    // SAFETY: the caller passes `n` elements of `size` readable and
    // writable bytes at `base` (C's contract for qsort), which is what
    // sort::qsort requires; `buffer` is NULL or a fresh block of n * size
    // bytes; the closure gets addresses of elements of the array or the
    // buffer, which hold the caller's elements (as glibc's does).
    unsafe { crate::sort::qsort(base, n, size, |a, b| cmp(a, b), buffer) };
    // SAFETY: `buffer` is NULL or the block malloc gave above.
    unsafe { super::malloc::free(buffer) };
}

/// # Safety
/// C's contract: a sorted array of `n` elements of `size` bytes.
#[no_mangle]
pub unsafe extern "C" fn bsearch(
    key: *const u8,
    base: *const u8,
    n: usize,
    size: usize,
    cmp: Compare,
) -> *mut u8 {
    // SAFETY: the caller passes `n` elements of `size` readable bytes at
    // `base` and a valid `key` (C's contract for bsearch), which is what
    // sort::bsearch requires; it calls the closure only with `key` and an
    // element's address, which is what C's comparator may be given.
    unsafe { crate::sort::bsearch(key, base, n, size, |a, b| cmp(a, b)) }
}

#[no_mangle]
pub extern "C" fn rand() -> i32 {
    crate::rand::rand()
}

#[no_mangle]
pub extern "C" fn srand(seed: u32) {
    crate::rand::srand(seed)
}

/// `div_t`, `ldiv_t`, `lldiv_t` and `imaxdiv_t`: quotient and remainder.
#[repr(C)]
pub struct Div<T> {
    quot: T,
    rem: T,
}

#[no_mangle]
pub extern "C" fn div(n: i32, d: i32) -> Div<i32> {
    Div {
        quot: n.wrapping_div(d),
        rem: n.wrapping_rem(d),
    }
}

#[no_mangle]
pub extern "C" fn ldiv(n: i64, d: i64) -> Div<i64> {
    Div {
        quot: n.wrapping_div(d),
        rem: n.wrapping_rem(d),
    }
}

#[no_mangle]
pub extern "C" fn lldiv(n: i64, d: i64) -> Div<i64> {
    ldiv(n, d)
}

#[no_mangle]
pub extern "C" fn imaxdiv(n: i64, d: i64) -> Div<i64> {
    ldiv(n, d)
}

#[no_mangle]
pub extern "C" fn imaxabs(x: i64) -> i64 {
    x.wrapping_abs()
}

/// # Safety
/// As strtoll.
#[no_mangle]
pub unsafe extern "C" fn strtoimax(p: *const u8, end: *mut *mut u8, base: i32) -> i64 {
    // SAFETY: the caller's contract is strtoll's.
    unsafe { strtoll(p, end, base) }
}

/// # Safety
/// As strtoull.
#[no_mangle]
pub unsafe extern "C" fn strtoumax(p: *const u8, end: *mut *mut u8, base: i32) -> u64 {
    // SAFETY: the caller's contract is strtoull's.
    unsafe { strtoull(p, end, base) }
}
