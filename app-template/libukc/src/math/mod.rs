//! The math library of libukc, as plain Rust (tested on the host against
//! glibc, tests/math_vs_glibc.rs; exported under the C names by
//! abi/math.rs).
//!
//! Where glibc's algorithm could be reproduced, this module has it, so
//! results are glibc's bit for bit: Arm's exp, exp2, pow and float
//! exp/log/pow/sin/cos (exp.rs, pow.rs, expf.rs, logf.rs, sinf.rs), IBM's
//! sin and cos (sin.rs), glibc's exp10, hypot and exp10f (base10.rs,
//! hypot.rs), and glibc's versions of Sun's fdlibm code (fdlibm.rs,
//! fdlibmf.rs, trigf.rs). log and log2 are pow's log rounded once, close
//! to glibc's (whose tables came from a search). The rest comes from the
//! `libm` crate (musl's and FreeBSD's libm plus a few CORE-MATH routines),
//! with glibc's NaNs. docs/libc-math.md has the figures.
//!
//! No function sets errno (C99's `math_errhandling` is `MATH_ERREXCEPT`
//! here); results for NaN, infinities and zeros follow C99 Annex F, as
//! glibc's do.

pub use base10::exp10;
pub use exp::{exp, exp2};
pub use expf::{exp10f, exp2f, expf};
pub use fdlibm::{acosh, asinh, atanh, cosh, expm1, log1p, sinh, tanh};
pub use fdlibmf::{acoshf, asinhf, atanhf, coshf, expm1f, log1pf, sinhf, tanhf};
pub use hypot::{hypot, hypotf};
pub use libm::{
    atan, cbrt, cbrtf, ceil, ceilf, copysign, copysignf, erf, erfc, erfcf, erff, fabs, fabsf, fdim,
    fdimf, floor, floorf, fma, fmaf, fmax, fmaxf, fmin, fminf, fmod, fmodf, frexp, frexpf, ilogb,
    ilogbf, j0, j0f, j1, j1f, jn, jnf, ldexp, ldexpf, lgamma_r, lgammaf_r, modf, modff, rint,
    rintf, round, roundf, scalbn, scalbnf, sqrt, sqrtf, tan, trunc, truncf, yn, ynf,
};
pub use logf::{log2f, logf, powf};
pub use sin::{cos, sin, sincos};
pub use sinf::{cosf, sincosf, sinf, tanf};
pub use trigf::{atan2f, atanf};

/// `asinf` (glibc's; its wrapper gives a positive NaN outside [-1, 1]).
pub fn asinf(x: f32) -> f32 {
    nan_plus_f(x, trigf::asinf(x))
}

/// `acosf`.
pub fn acosf(x: f32) -> f32 {
    nan_plus_f(x, trigf::acosf(x))
}

pub use pow::pow;

/// log x: pow's log rounded once (see pow::log_via_pow).
pub fn log(x: f64) -> f64 {
    if x > 0.0 && x < f64::INFINITY {
        pow::log_via_pow(x)
    } else {
        nan_like_glibc(x, libm::log(x))
    }
}

/// log2 x: pow's log times 1/ln2, rounded once (see pow::log2_via_pow).
pub fn log2(x: f64) -> f64 {
    if x > 0.0 && x < f64::INFINITY {
        pow::log2_via_pow(x)
    } else {
        nan_like_glibc(x, libm::log2(x))
    }
}

/// `atan2(y, x)` (the libm crate's), with glibc's NaN: its x + y, so x's
/// NaN when both are NaNs.
pub fn atan2(y: f64, x: f64) -> f64 {
    if x.is_nan() {
        invalid(x)
    } else if y.is_nan() {
        invalid(y)
    } else {
        libm::atan2(y, x)
    }
}

/// log10 x (glibc's way, from log: see base10.rs).
pub fn log10(x: f64) -> f64 {
    if x > 0.0 && x < f64::INFINITY {
        base10::log10_finite(x)
    } else {
        nan_plus(x, libm::log10(x))
    }
}

/// The result of an invalid operation on `x` (glibc's (x - x) / (x - x)):
/// x quieted if it is a NaN, else x86-64's default NaN.
fn invalid(x: f64) -> f64 {
    nan_like_glibc(x, f64::NAN)
}

fn invalid_f(x: f32) -> f32 {
    nan_like_glibc_f(x, f32::NAN)
}

/// log10f (glibc's, from logf: see fdlibmf.rs).
pub fn log10f(x: f32) -> f32 {
    if x > 0.0 && x < f32::INFINITY {
        fdlibmf::log10f_finite(x)
    } else {
        nan_plus_f(x, libm::log10f(x))
    }
}

/// x86-64's default NaN, what an invalid operation (0/0, inf - inf)
/// gives: glibc's result for invalid arguments, printed "-nan".
const DEFAULT_NAN: f64 = f64::from_bits(0xfff8_0000_0000_0000);

/// The NaN glibc returns where the libm crate's result `r` for `x` is a
/// NaN: `x` quieted if it is a NaN (glibc computes x + x or the like),
/// else the default NaN (the crate often returns a positive NaN).
fn nan_like_glibc(x: f64, r: f64) -> f64 {
    match (r.is_nan(), x.is_nan()) {
        (false, _) => r,
        (true, true) => f64::from_bits(x.to_bits() | 0x0008_0000_0000_0000),
        (true, false) => DEFAULT_NAN,
    }
}

fn nan_like_glibc_f(x: f32, r: f32) -> f32 {
    match (r.is_nan(), x.is_nan()) {
        (false, _) => r,
        (true, true) => f32::from_bits(x.to_bits() | 0x0040_0000),
        (true, false) => f32::from_bits(0xffc0_0000),
    }
}

/// As nan_like_glibc, for the functions whose invalid result is a
/// positive NaN in glibc (its older code and its SVID wrappers).
fn nan_plus(x: f64, r: f64) -> f64 {
    if r.is_nan() && !x.is_nan() {
        f64::NAN
    } else {
        nan_like_glibc(x, r)
    }
}

fn nan_plus_f(x: f32, r: f32) -> f32 {
    if r.is_nan() && !x.is_nan() {
        f32::NAN
    } else {
        nan_like_glibc_f(x, r)
    }
}

/// For two NaN arguments glibc gives y's NaN for remainder and nextafter
/// (nan_second) and x's for the others (nan_first_f).
fn nan_first_f(x: f32, y: f32, r: f32) -> f32 {
    if x.is_nan() {
        nan_like_glibc_f(x, r)
    } else {
        nan_like_glibc_f(y, r)
    }
}

fn nan_second(x: f64, y: f64, r: f64) -> f64 {
    if y.is_nan() && r.is_nan() {
        nan_like_glibc(y, r)
    } else {
        nan_like_glibc(x, r)
    }
}

fn nan_second_f(x: f32, y: f32, r: f32) -> f32 {
    if y.is_nan() && r.is_nan() {
        nan_like_glibc_f(y, r)
    } else {
        nan_like_glibc_f(x, r)
    }
}

/// The libm crate's functions with glibc's NaNs.
macro_rules! glibc_nans {
    ($($name:ident($($arg:ident),*): $ty:ty, via $fix:ident;)*) => {$(
        #[doc = concat!("`", stringify!($name), "` (the libm crate's, with glibc's NaNs).")]
        pub fn $name($($arg: $ty),*) -> $ty {
            $fix($($arg,)* libm::$name($($arg),*))
        }
    )*};
}

glibc_nans! {
    asin(x): f64, via nan_plus;
    acos(x): f64, via nan_plus;
    y0(x): f64, via nan_plus;
    y1(x): f64, via nan_plus;
    y0f(x): f32, via nan_plus_f;
    y1f(x): f32, via nan_plus_f;
    remainder(x, y): f64, via nan_second;
    nextafter(x, y): f64, via nan_second;
    remainderf(x, y): f32, via nan_first_f;
    nextafterf(x, y): f32, via nan_second_f;
}

/// `tgamma`: glibc's tgamma(-inf) is a positive NaN.
pub fn tgamma(x: f64) -> f64 {
    if x == f64::NEG_INFINITY {
        f64::NAN
    } else {
        nan_plus(x, libm::tgamma(x))
    }
}

/// `tgammaf`.
pub fn tgammaf(x: f32) -> f32 {
    if x == f32::NEG_INFINITY {
        f32::NAN
    } else {
        nan_plus_f(x, libm::tgammaf(x))
    }
}

mod base10;
mod exp;
mod expf;
mod fdlibm;
mod fdlibmf;
mod hypot;
mod logf;
mod pow;
mod sin;
mod sinf;
mod trigf;

/// `nearbyint`: `rint` without the inexact exception (the value is the same).
pub fn nearbyint(x: f64) -> f64 {
    rint(x)
}

/// `nearbyintf`.
pub fn nearbyintf(x: f32) -> f32 {
    rintf(x)
}

/// What x86-64's conversion instructions give for a value outside the
/// range of the result (and for NaN), and so what glibc returns there.
const INDEFINITE: i64 = i64::MIN;

/// `x` (an integral value) as an i64, or INDEFINITE when it does not fit.
fn to_i64(x: f64) -> i64 {
    // -2^63 fits; 2^63 and above, NaN and below -2^63 do not.
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    if (-TWO63..TWO63).contains(&x) {
        x as i64
    } else {
        INDEFINITE
    }
}

/// `lrint` and `llrint` (long is 64 bits): `rint` in the current (nearest)
/// rounding mode, as an integer.
pub fn lrint(x: f64) -> i64 {
    to_i64(rint(x))
}

/// `lrintf` and `llrintf`.
pub fn lrintf(x: f32) -> i64 {
    to_i64(f64::from(rintf(x)))
}

/// `lround` and `llround`: halfway cases away from zero.
pub fn lround(x: f64) -> i64 {
    to_i64(round(x))
}

/// `lroundf` and `llroundf`.
pub fn lroundf(x: f32) -> i64 {
    to_i64(f64::from(roundf(x)))
}

/// `logb`: the exponent of `x` as a float (-inf for 0, inf for ±inf).
pub fn logb(x: f64) -> f64 {
    if x == 0.0 {
        -1.0 / fabs(x)
    } else if !x.is_finite() {
        x * x
    } else {
        f64::from(ilogb(x))
    }
}

/// `logbf`.
pub fn logbf(x: f32) -> f32 {
    if x == 0.0 {
        -1.0 / fabsf(x)
    } else if !x.is_finite() {
        x * x
    } else {
        ilogbf(x) as f32
    }
}

/// `scalbln`: `scalbn` with a long exponent (any |n| past 2^31 over- or
/// underflows like the clamped one).
pub fn scalbln(x: f64, n: i64) -> f64 {
    scalbn(x, n.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)
}

/// `scalblnf`.
pub fn scalblnf(x: f32, n: i64) -> f32 {
    scalbnf(x, n.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)
}

/// `nan(tag)`, `nanf(tag)`: a quiet NaN; glibc reads a decimal, octal or hex
/// payload from `tag` the way strtoull does and puts it in the mantissa.
pub fn nan_payload(tag: &[u8]) -> u64 {
    let (digits, radix) = match tag {
        [b'0', b'x' | b'X', rest @ ..] => (rest, 16),
        [b'0', rest @ ..] if !rest.is_empty() => (rest, 8),
        _ => (tag, 10),
    };
    let mut v: u64 = 0;
    for &c in digits {
        let d = match (c as char).to_digit(radix) {
            Some(d) => d,
            None => return 0,
        };
        // strtoull saturates on overflow.
        v = v
            .checked_mul(u64::from(radix))
            .and_then(|v| v.checked_add(u64::from(d)))
            .unwrap_or(u64::MAX);
    }
    v
}

/// `nan(tag)`.
pub fn nan(tag: &[u8]) -> f64 {
    f64::from_bits(0x7ff8_0000_0000_0000 | (nan_payload(tag) & 0x0007_ffff_ffff_ffff))
}

/// `nanf(tag)`.
pub fn nanf(tag: &[u8]) -> f32 {
    f32::from_bits(0x7fc0_0000 | (nan_payload(tag) as u32 & 0x003f_ffff))
}

/// `lgamma`: log|Γ(x)| and the sign of Γ(x) (C's `signgam`).
pub fn lgamma(x: f64) -> (f64, i32) {
    lgamma_r(x)
}

/// `lgammaf`.
pub fn lgammaf(x: f32) -> (f32, i32) {
    lgammaf_r(x)
}

#[cfg(test)]
mod tablegen;
mod tables;

/// `remquo`: the quotient's low three bits, with its sign (all C
/// promises; glibc's bits differ for some inputs, docs/libc-math.md).
pub fn remquo(x: f64, y: f64) -> (f64, i32) {
    let (r, q) = libm::remquo(x, y);
    (nan_second(x, y, r), q.signum() * (q.abs() & 7))
}

/// `remquof`.
pub fn remquof(x: f32, y: f32) -> (f32, i32) {
    let (r, q) = libm::remquof(x, y);
    (nan_first_f(x, y, r), q.signum() * (q.abs() & 7))
}
