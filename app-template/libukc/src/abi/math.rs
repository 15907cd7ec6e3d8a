//! math.h: the C names of `crate::math`.
//!
//! Exported as `ukc_<name>`: compiler_builtins carries hidden weak copies of
//! the libm names, and a hidden definition anywhere hides the symbol from
//! the library's exports. math.h binds each C name to its `ukc_` symbol
//! with an asm label, so C code still calls `sqrt`.
use crate::math as m;
use core::ffi::{c_char, c_int, c_long};
use core::sync::atomic::{AtomicI32, Ordering::Relaxed};

/// Functions of plain float arguments: `name(args) -> ret => "symbol"`.
macro_rules! export {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty => $sym:expr;)*) => {$(
        #[export_name = $sym]
        pub extern "C" fn $name($($arg: $ty),*) -> $ret {
            m::$name($($arg),*)
        }
    )*};
}

/// One-argument functions, double and float: `(name, namef)`.
macro_rules! unary {
    ($(($d:ident, $f:ident)),* $(,)?) => {$(
        export! {
            $d(x: f64) -> f64 => concat!("ukc_", stringify!($d));
            $f(x: f32) -> f32 => concat!("ukc_", stringify!($f));
        }
    )*};
}

/// Two-argument functions, double and float.
macro_rules! binary {
    ($(($d:ident, $f:ident)),* $(,)?) => {$(
        export! {
            $d(x: f64, y: f64) -> f64 => concat!("ukc_", stringify!($d));
            $f(x: f32, y: f32) -> f32 => concat!("ukc_", stringify!($f));
        }
    )*};
}

unary!(
    (sqrt, sqrtf),
    (fabs, fabsf),
    (floor, floorf),
    (ceil, ceilf),
    (trunc, truncf),
    (round, roundf),
    (rint, rintf),
    (nearbyint, nearbyintf),
    (exp, expf),
    (exp2, exp2f),
    (exp10, exp10f),
    (expm1, expm1f),
    (log, logf),
    (log2, log2f),
    (log10, log10f),
    (log1p, log1pf),
    (logb, logbf),
    (cbrt, cbrtf),
    (sin, sinf),
    (cos, cosf),
    (tan, tanf),
    (asin, asinf),
    (acos, acosf),
    (atan, atanf),
    (sinh, sinhf),
    (cosh, coshf),
    (tanh, tanhf),
    (asinh, asinhf),
    (acosh, acoshf),
    (atanh, atanhf),
    (erf, erff),
    (erfc, erfcf),
    (tgamma, tgammaf),
    (j0, j0f),
    (j1, j1f),
    (y0, y0f),
    (y1, y1f),
);
binary!(
    (fmod, fmodf),
    (pow, powf),
    (atan2, atan2f),
    (hypot, hypotf),
    (fmin, fminf),
    (fmax, fmaxf),
    (fdim, fdimf),
    (copysign, copysignf),
    (nextafter, nextafterf),
    (remainder, remainderf),
);
export! {
    fma(x: f64, y: f64, z: f64) -> f64 => "ukc_fma";
    fmaf(x: f32, y: f32, z: f32) -> f32 => "ukc_fmaf";
    ldexp(x: f64, n: c_int) -> f64 => "ukc_ldexp";
    ldexpf(x: f32, n: c_int) -> f32 => "ukc_ldexpf";
    scalbn(x: f64, n: c_int) -> f64 => "ukc_scalbn";
    scalbnf(x: f32, n: c_int) -> f32 => "ukc_scalbnf";
    scalbln(x: f64, n: c_long) -> f64 => "ukc_scalbln";
    scalblnf(x: f32, n: c_long) -> f32 => "ukc_scalblnf";
    ilogb(x: f64) -> c_int => "ukc_ilogb";
    ilogbf(x: f32) -> c_int => "ukc_ilogbf";
    jn(n: c_int, x: f64) -> f64 => "ukc_jn";
    jnf(n: c_int, x: f32) -> f32 => "ukc_jnf";
    yn(n: c_int, x: f64) -> f64 => "ukc_yn";
    ynf(n: c_int, x: f32) -> f32 => "ukc_ynf";
}

/// `lrint lround` and their `ll` twins: long and long long are both 64 bits.
macro_rules! to_integer {
    ($($name:ident($ty:ty) => $sym:literal, $llsym:literal;)*) => {$(
        #[export_name = $sym]
        pub extern "C" fn $name(x: $ty) -> c_long {
            m::$name(x)
        }
        const _: () = {
            #[export_name = $llsym]
            extern "C" fn ll(x: $ty) -> i64 {
                m::$name(x)
            }
        };
    )*};
}
to_integer! {
    lrint(f64) => "ukc_lrint", "ukc_llrint";
    lrintf(f32) => "ukc_lrintf", "ukc_llrintf";
    lround(f64) => "ukc_lround", "ukc_llround";
    lroundf(f32) => "ukc_lroundf", "ukc_llroundf";
}

/// C's `signgam`: the sign of Γ(x) at the last lgamma call.
#[export_name = "ukc_signgam"]
pub static SIGNGAM: AtomicI32 = AtomicI32::new(0);

#[export_name = "ukc_lgamma"]
pub extern "C" fn lgamma(x: f64) -> f64 {
    let (y, sign) = m::lgamma(x);
    SIGNGAM.store(sign, Relaxed);
    y
}

#[export_name = "ukc_lgammaf"]
pub extern "C" fn lgammaf(x: f32) -> f32 {
    let (y, sign) = m::lgammaf(x);
    SIGNGAM.store(sign, Relaxed);
    y
}

/// Stores `v` at `p` (C's out-parameters).
///
/// # Safety
/// `p` must be valid for a write of a `T` and aligned.
unsafe fn put<T>(p: *mut T, v: T) {
    // SAFETY: the caller's contract.
    unsafe { p.write(v) }
}

/// # Safety
/// `sign` must be writable (as for every C out-parameter below).
#[export_name = "ukc_lgamma_r"]
pub unsafe extern "C" fn lgamma_r(x: f64, sign: *mut c_int) -> f64 {
    let (y, s) = m::lgamma_r(x);
    // SAFETY: the caller passes a writable int (C's contract for lgamma_r).
    unsafe { put(sign, s) };
    y
}

/// # Safety
/// `sign` must be writable.
#[export_name = "ukc_lgammaf_r"]
pub unsafe extern "C" fn lgammaf_r(x: f32, sign: *mut c_int) -> f32 {
    let (y, s) = m::lgammaf_r(x);
    // SAFETY: the caller passes a writable int (C's contract).
    unsafe { put(sign, s) };
    y
}

/// # Safety
/// `e` must be writable.
#[export_name = "ukc_frexp"]
pub unsafe extern "C" fn frexp(x: f64, e: *mut c_int) -> f64 {
    let (y, n) = m::frexp(x);
    // SAFETY: the caller passes a writable int (C's contract for frexp).
    unsafe { put(e, n) };
    y
}

/// # Safety
/// `e` must be writable.
#[export_name = "ukc_frexpf"]
pub unsafe extern "C" fn frexpf(x: f32, e: *mut c_int) -> f32 {
    let (y, n) = m::frexpf(x);
    // SAFETY: the caller passes a writable int (C's contract for frexpf).
    unsafe { put(e, n) };
    y
}

/// # Safety
/// `ip` must be writable.
#[export_name = "ukc_modf"]
pub unsafe extern "C" fn modf(x: f64, ip: *mut f64) -> f64 {
    let (frac, int) = m::modf(x);
    // SAFETY: the caller passes a writable double (C's contract for modf).
    unsafe { put(ip, int) };
    frac
}

/// # Safety
/// `ip` must be writable.
#[export_name = "ukc_modff"]
pub unsafe extern "C" fn modff(x: f32, ip: *mut f32) -> f32 {
    let (frac, int) = m::modff(x);
    // SAFETY: the caller passes a writable float (C's contract for modff).
    unsafe { put(ip, int) };
    frac
}

/// # Safety
/// `q` must be writable.
#[export_name = "ukc_remquo"]
pub unsafe extern "C" fn remquo(x: f64, y: f64, q: *mut c_int) -> f64 {
    let (r, n) = m::remquo(x, y);
    // SAFETY: the caller passes a writable int (C's contract for remquo).
    unsafe { put(q, n) };
    r
}

/// # Safety
/// `q` must be writable.
#[export_name = "ukc_remquof"]
pub unsafe extern "C" fn remquof(x: f32, y: f32, q: *mut c_int) -> f32 {
    let (r, n) = m::remquof(x, y);
    // SAFETY: the caller passes a writable int (C's contract for remquof).
    unsafe { put(q, n) };
    r
}

/// # Safety
/// `s` and `c` must be writable.
#[export_name = "ukc_sincos"]
pub unsafe extern "C" fn sincos(x: f64, s: *mut f64, c: *mut f64) {
    let (sin, cos) = m::sincos(x);
    // SAFETY: the caller passes two writable doubles (C's contract).
    unsafe { put(s, sin) };
    // SAFETY: the caller passes a writable double at `c` (C's contract).
    unsafe { put(c, cos) };
}

/// # Safety
/// `s` and `c` must be writable.
#[export_name = "ukc_sincosf"]
pub unsafe extern "C" fn sincosf(x: f32, s: *mut f32, c: *mut f32) {
    let (sin, cos) = m::sincosf(x);
    // SAFETY: the caller passes two writable floats (C's contract).
    unsafe { put(s, sin) };
    // SAFETY: the caller passes a writable float at `c` (C's contract).
    unsafe { put(c, cos) };
}

/// The tag of `nan(tag)` as a byte slice.
///
/// # Safety
/// `tag` must be NUL-terminated.
unsafe fn tag<'a>(tag: *const c_char) -> &'a [u8] {
    // SAFETY: the caller passes a NUL-terminated string, so its strlen
    // bytes are readable, and the app keeps it alive across the call.
    unsafe { core::slice::from_raw_parts(tag.cast(), super::c_strlen(tag.cast())) }
}

/// # Safety
/// `t` must be NUL-terminated.
#[export_name = "ukc_nan"]
pub unsafe extern "C" fn nan(t: *const c_char) -> f64 {
    // SAFETY: the caller passes a NUL-terminated string (C's contract).
    m::nan(unsafe { tag(t) })
}

/// # Safety
/// `t` must be NUL-terminated.
#[export_name = "ukc_nanf"]
pub unsafe extern "C" fn nanf(t: *const c_char) -> f32 {
    // SAFETY: the caller passes a NUL-terminated string (C's contract).
    m::nanf(unsafe { tag(t) })
}
