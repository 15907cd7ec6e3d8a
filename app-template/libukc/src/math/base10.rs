//! exp10 and log10 as glibc 2.36 computes them: from its exp and log
//! (which here are glibc's, or nearly: see exp.rs and pow.rs), with the
//! extra precision glibc adds around them. Neither is in glibc's FMA
//! build, so nothing here is fused.
use super::{exp, log};

/// 10^x: x = hi + lo with hi's low 27 bits cleared, then
/// exp(hi ln10_hi) exp(hi ln10_lo + lo ln10), the first product exact.
pub fn exp10(x: f64) -> f64 {
    const LN10_HI: f64 = f64::from_bits(0x4002_6bb1_b800_0000);
    const LN10_LO: f64 = f64::from_bits(0x3e5d_aaa8_ac16_ea57);
    const LN10: f64 = f64::from_bits(0x4002_6bb1_bbb5_5516);
    if !x.is_finite() {
        return exp(x);
    }
    if x < f64::from(f64::MIN_10_EXP - f64::DIGITS as i32 - 10) {
        return f64::MIN_POSITIVE * f64::MIN_POSITIVE;
    }
    if x > f64::from(f64::MAX_10_EXP + 1) {
        return f64::MAX * f64::MAX;
    }
    if x.abs() < f64::from_bits(0x3c70_0000_0000_0000) {
        // |x| < 2^-56.
        return 1.0;
    }
    let hi = f64::from_bits(x.to_bits() & 0xffff_ffff_f800_0000);
    let lo = x - hi;
    exp(hi * LN10_HI) * exp(hi * LN10_LO + lo * LN10)
}

/// log10 of a positive finite x: n log10(2) (in two parts) plus
/// log(m)/ln10, with x = 2^n m and m in [1/2, 2) (below 1 when n < 0).
pub fn log10_finite(x: f64) -> f64 {
    const IVLN10: f64 = f64::from_bits(0x3fdb_cb7b_1526_e50e);
    const LOG10_2HI: f64 = f64::from_bits(0x3fd3_4413_509f_6000);
    const LOG10_2LO: f64 = f64::from_bits(0x3d59_fef3_11f1_2b36);
    let (mut hx, mut k) = (x.to_bits(), 0i64);
    if hx < 0x0010_0000_0000_0000 {
        // Subnormal: scaled by 2^54.
        k -= 54;
        hx = (x * f64::from_bits(0x4350_0000_0000_0000)).to_bits();
    }
    k += (hx >> 52) as i64 - 1023;
    let i = u64::from(k < 0);
    let m = f64::from_bits((hx & 0x000f_ffff_ffff_ffff) | ((0x3ff - i) << 52));
    let y = (k + i as i64) as f64;
    let z = y * LOG10_2LO + IVLN10 * log(m);
    z + y * LOG10_2HI
}
